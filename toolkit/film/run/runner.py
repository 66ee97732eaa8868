"""The only module that runs ffmpeg for rendering: progress, errors with hints, loudness readout.

`run_ffmpeg` starts a compiled command (argv[0] `ffmpeg` is replaced by the resolved binary),
reads `-progress` key=value lines from stdout to drive a callback, keeps the end of the log from
stderr, and turns failure into a `RenderError` carrying the stage, a plain message with a hint
when the failure is a known one, the command and the last lines of the log. On Ctrl-C (or any
exception while it waits) ffmpeg is killed and reaped, and the exception propagates; the CLI
turns SIGTERM and SIGHUP into the same exception (`toolkit.cli.signals`). On Linux ffmpeg also
dies with the Python process, even on SIGKILL.

`run_render` runs a compiled render: one command, or a chunked pipeline (producers one after
another writing raw frames into one encoder's stdin through an OS pipe; Python only starts and
watches the processes, it never touches a frame).

`atomic_output` (re-exported from `atomic.py`) makes the output file appear only when complete.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import signal
import subprocess
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from toolkit.errors import RenderError
from toolkit.film.compile.graph import RenderCommands, compile_loudness_pass
from toolkit.film.compile.loudness import AudioGain, LoudnessMeasurement
from toolkit.film.compile.output import FFMPEG
from toolkit.film.plan.timeline import Timeline
from toolkit.film.run.arguments import spill_long_arguments
from toolkit.film.run.atomic import atomic_output

__all__ = ["Progress", "atomic_output", "loudness_gain", "measure_loudness_pass", "run_ffmpeg", "run_render"]

TAIL_LINES = 30
_KEEP_CHARS = 1 << 20  # the whole log is returned up to 1 MiB (older lines are dropped first)
STOP_TIMEOUT = 5.0  # seconds ffmpeg gets to exit after being asked, before it is killed
MAX_CORRECTIONS = 3  # extra loudness passes when the limiter is in play
LOUDNESS_TOLERANCE = 0.3  # LU: close enough to the target to stop correcting
# A bigger pipe between producers and the encoder: fewer wake-ups per 3 MB frame. Linux lets any
# process grow a pipe to /proc/sys/fs/pipe-max-size (1 MiB by default).
PIPE_BYTES = 1 << 20


@dataclass(frozen=True, slots=True)
class Progress:
    """One progress report: output frames written so far and output time in seconds."""

    frame: int
    total_frames: int | None
    seconds: float
    speed: float | None
    done: bool

    @property
    def fraction(self) -> float | None:
        """0–1 when the total is known."""
        if not self.total_frames:
            return None
        return min(1.0, self.frame / self.total_frames)


# Known failure signatures in ffmpeg's log → what the user can do. First match wins.
HINTS: tuple[tuple[str, str], ...] = (
    ("No space left on device", "the disk is full: free some space where the film is written and render again"),
    ("Disk quota exceeded", "your disk quota is used up: free some space and render again"),
    ("Permission denied", "ffmpeg could not read an input or write the output: check the files' permissions"),
    ("No such file or directory", "an input file is missing: was it moved or renamed after planning?"),
    ("Invalid data found when processing input",
     "an input file is damaged or in a format this ffmpeg cannot read: re-export it as MP4 (H.264/AAC)"),
    ("matches no streams",
     "an input lacks a stream the plan expects (for example a clip without sound used as a sound source)"),
    ("Unknown encoder",
     "this ffmpeg lacks libx264 or aac: unset REEL_FFMPEG to use the ffmpeg bundled with Reel"),
    ("Cannot allocate memory", "ffmpeg ran out of memory: close other programs or render a draft"),
    ("Error initializing filter",
     "ffmpeg rejected the filtergraph; this is a bug in Reel, please report it with the command"),
    ("Error reinitializing filters",
     "ffmpeg rejected the filtergraph; this is a bug in Reel, please report it with the command"),
)


def run_ffmpeg(argv: Sequence[str], *, stage: str, total_frames: int | None = None,
               on_progress: Callable[[Progress], None] | None = None, ffmpeg: str | None = None) -> str:
    """Run one ffmpeg command to completion and return its log (stderr).

    `ffmpeg` is the binary to use when argv[0] is the symbolic `ffmpeg` (default: the resolved
    `Settings().ffmpeg`). Raises `RenderError` when ffmpeg fails or cannot start.
    """
    process, running = _start(argv, ffmpeg, stage)
    try:
        _read_progress(process.stdout, total_frames, on_progress)
        code = process.wait()
    except BaseException:
        # KeyboardInterrupt, or an exception from the progress callback: never leave ffmpeg running.
        stop(process)
        raise
    finally:
        running.finish(process)
    if code != 0:
        raise RenderError(stage, explain(code, running.log.text()), _command(argv, ffmpeg), running.log.tail())
    return running.log.text()


def run_render(commands: RenderCommands, *, stage: str, total_frames: int | None = None,
               on_progress: Callable[[Progress], None] | None = None, ffmpeg: str | None = None) -> str:
    """Run a compiled render to completion and return the encoder's log.

    Producers run one at a time with their stdout on a pipe into the encoder's stdin; progress
    comes from the encoder. A failing producer is reported as `stage` "(chunk k of n)" with its
    own log; when the encoder fails, its error wins (the producers then fail on a broken pipe).
    On Ctrl-C or any error every process is stopped before the exception propagates.
    """
    if not commands.producers:
        return run_ffmpeg(commands.encoder, stage=stage, total_frames=total_frames, on_progress=on_progress,
                          ffmpeg=ffmpeg)
    read_end, write_end = os.pipe()
    with contextlib.suppress(OSError):  # older kernels, or a lower pipe-max-size: the default works
        fcntl.fcntl(write_end, fcntl.F_SETPIPE_SZ, PIPE_BYTES)
    try:
        encoder, running = _start(commands.encoder, ffmpeg, stage, stdin=read_end)
    finally:
        os.close(read_end)
    chain = _Producers([_command(argv, ffmpeg) for argv in commands.producers], write_end, stage)
    chain.start()
    try:
        _read_progress(encoder.stdout, total_frames, on_progress)
        code = encoder.wait()
    except BaseException:
        chain.cancel()
        stop(encoder)
        raise
    finally:
        chain.join()
        running.finish(encoder)
    if code != 0:
        raise RenderError(stage, explain(code, running.log.text()), _command(commands.encoder, ffmpeg),
                          running.log.tail())
    chain.raise_failure()
    return running.log.text()


class _Producers(threading.Thread):
    """Runs the producer commands in order on one pipe, then closes it (the encoder's end of input)."""

    def __init__(self, commands: list[list[str]], pipe: int, stage: str) -> None:
        super().__init__(name="reel-producers", daemon=True)
        self._commands, self._pipe, self._stage = commands, pipe, stage
        self._lock = threading.Lock()
        self._current: subprocess.Popen[str] | None = None
        self._cancelled = False
        self._failure: RenderError | None = None

    def run(self) -> None:
        try:
            for number, command in enumerate(self._commands, start=1):
                stage = f"{self._stage} (chunk {number} of {len(self._commands)})"
                with self._lock:
                    if self._cancelled:
                        return
                    try:
                        process, running = _start(command, None, stage, stdout=self._pipe)
                    except RenderError as exc:
                        self._failure = exc
                        return
                    self._current = process
                code = process.wait()
                running.finish(process)
                if code != 0:
                    self._failure = RenderError(stage, explain(code, running.log.text()), command,
                                                running.log.tail())
                    return
        finally:
            os.close(self._pipe)  # EOF for the encoder (also after a failure: it then ends early)

    def cancel(self) -> None:
        with self._lock:
            self._cancelled = True
            if self._current is not None:
                stop(self._current)

    def raise_failure(self) -> None:
        if self._failure is not None:
            raise self._failure


@dataclass
class _Running:
    """A started process's stderr being drained on a thread."""

    log: _Log
    drain: threading.Thread

    def finish(self, process: subprocess.Popen[str]) -> None:
        self.drain.join(timeout=STOP_TIMEOUT)
        for pipe in (process.stdout, process.stderr):
            if pipe is not None:
                with contextlib.suppress(OSError):
                    pipe.close()


def _start(command: list[str] | Sequence[str], ffmpeg: str | None, stage: str, *, stdin: int = subprocess.DEVNULL,
           stdout: int = subprocess.PIPE) -> tuple[subprocess.Popen[str], _Running]:
    """Start one ffmpeg with stderr drained into a log; start failures become `RenderError`."""
    command, fds = spill_long_arguments(_command(command, ffmpeg))
    try:
        process = subprocess.Popen(command, stdin=stdin, stdout=stdout, stderr=subprocess.PIPE, text=True,
                                   encoding="utf-8", errors="replace", preexec_fn=_die_with_parent(),
                                   pass_fds=fds)
    except FileNotFoundError:
        raise RenderError(stage, f"ffmpeg not found at {command[0]}: unset REEL_FFMPEG or reinstall "
                          "imageio-ffmpeg", command) from None
    except PermissionError:
        raise RenderError(stage, f"cannot run {command[0]}: permission denied", command) from None
    finally:
        for fd in fds:  # the child has its own copy; ours is not needed once it has started
            os.close(fd)
    log = _Log()
    drain = threading.Thread(target=log.consume, args=(process.stderr,), daemon=True)
    drain.start()
    return process, _Running(log, drain)


def measure_loudness_pass(argv: Sequence[str], *, ffmpeg: str | None = None,
                          on_progress: Callable[[Progress], None] | None = None) -> LoudnessMeasurement:
    """Run pass 1 (`compile_loudness_pass`) and read the ebur128 meter's summary from its log."""
    log = run_ffmpeg(argv, stage="loudness", on_progress=on_progress, ffmpeg=ffmpeg)
    try:
        return parse_ebur128(log)
    except ValueError as exc:
        raise RenderError("loudness", f"could not read the loudness measurement ({exc})", argv,
                          "\n".join(log.splitlines()[-TAIL_LINES:])) from None


def loudness_gain(timeline: Timeline, *, ffmpeg: str | None = None,
                  on_progress: Callable[[Progress], None] | None = None) -> AudioGain | None:
    """Measure the film's mix and return the gain for pass 2 (None when the film has no audio).

    When the gain needs the limiter, the mix is measured again after gain and limiter and the
    gain corrected (at most `MAX_CORRECTIONS` times, until within `LOUDNESS_TOLERANCE` LU):
    limiting lowers loudness noticeably when peaks carry much of it. Audio-only passes are fast
    (a 60 s film takes about a second).
    """
    argv = compile_loudness_pass(timeline)
    if argv is None:
        return None
    gain = AudioGain.for_target(measure_loudness_pass(argv, ffmpeg=ffmpeg, on_progress=on_progress),
                                timeline.mix)
    for _ in range(MAX_CORRECTIONS):
        if gain.limit_db is None:
            break
        after = measure_loudness_pass(compile_loudness_pass(timeline, gain) or [], ffmpeg=ffmpeg)
        if after.silent or abs(timeline.mix.target_lufs - after.integrated) <= LOUDNESS_TOLERANCE:
            break
        gain = gain.corrected(after, timeline.mix)
    return gain


_SUMMARY = re.compile(r"Summary:\s+Integrated loudness:\s+I:\s+(?P<i>\S+) LUFS\s+Threshold:\s+(?P<t>\S+) LUFS"
                      r"\s+Loudness range:\s+LRA:\s+(?P<lra>\S+) LU.*?True peak:\s+Peak:\s+(?P<tp>\S+) dBFS",
                      re.DOTALL)


def parse_ebur128(log: str) -> LoudnessMeasurement:
    """The last ebur128 summary in an ffmpeg log (`-inf` peaks are silence)."""
    found = list(_SUMMARY.finditer(log))
    if not found:
        raise ValueError("no ebur128 summary in ffmpeg's output")
    m = found[-1]
    return LoudnessMeasurement(integrated=float(m["i"]), true_peak=float(m["tp"]), lra=float(m["lra"]),
                               threshold=float(m["t"]))


def explain(code: int, log: str) -> str:
    """A one-line message for a failed run, with a hint when the log shows a known cause."""
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        text = f"ffmpeg was stopped by {name}"
        if -code == signal.SIGKILL:
            text += " (often the system running out of memory)"
    else:
        text = f"ffmpeg failed (exit status {code})"
    hint = next((h for signature, h in HINTS if signature in log), None)
    return f"{text}: {hint}" if hint else text


def stop(process: subprocess.Popen[str], timeout: float = STOP_TIMEOUT) -> None:
    """Stop an ffmpeg whose output is being abandoned (Ctrl-C, SIGTERM, an error elsewhere).

    It is killed at once rather than asked to finish: a graceful stop flushes the encoder and,
    for `faststart`, rewrites the whole file (measured: 2.8 s for a 1080×1920 render stopped
    after 2 s), all for a temporary file that is deleted next. Waits at most `timeout` seconds
    for the process to be reaped.
    """
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        process.kill()
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=timeout)


def feed(process: subprocess.Popen[str], chunks: Iterable[bytes]) -> int:
    """Write `chunks` (frames made in Python) to the process's standard input, close it, and return
    its exit code. A process that stops reading early (it failed) is waited for, so its own error is
    the one reported; anything else (Ctrl-C, an error making a chunk) stops it first."""
    assert process.stdin is not None
    sink = process.stdin.buffer  # text-mode wrapper around a binary pipe: the chunks go in as bytes
    try:
        for chunk in chunks:
            sink.write(chunk)
        sink.close()
        return process.wait()
    except BrokenPipeError:
        return process.wait()
    except BaseException:
        stop(process)
        raise


# ------------------------------------------------------------------ internals


def _command(argv: Sequence[str], ffmpeg: str | None) -> list[str]:
    command = list(argv)
    if not command:
        raise ValueError("empty ffmpeg command")
    if command[0] == FFMPEG:
        if ffmpeg is None:
            from toolkit.settings import Settings  # resolving the binary is I/O: only when running

            ffmpeg = Settings().ffmpeg
        command[0] = ffmpeg
    return command


def _read_progress(stream: Iterable[str] | None, total_frames: int | None,
                   on_progress: Callable[[Progress], None] | None) -> None:
    """Parse `-progress` blocks (key=value lines ending with `progress=continue|end`)."""
    if stream is None:
        return
    values: dict[str, str] = {}
    for line in stream:
        key, sep, value = line.strip().partition("=")
        if not sep:
            continue
        values[key] = value
        if key != "progress" or on_progress is None:
            continue
        on_progress(Progress(frame=_int(values.get("frame")), total_frames=total_frames,
                             seconds=_int(values.get("out_time_us")) / 1e6,
                             speed=_speed(values.get("speed")), done=value == "end"))


def _int(text: str | None) -> int:
    try:
        return max(0, int(text or 0))
    except ValueError:
        return 0  # "N/A" before the first frame


def _speed(text: str | None) -> float | None:
    try:
        return float((text or "").rstrip("x"))
    except ValueError:
        return None


class _Log:
    """ffmpeg's stderr: the last lines for error reports, and the whole text up to a cap."""

    def __init__(self) -> None:
        self._lines: deque[str] = deque()
        self._chars = 0

    def consume(self, stream: Iterable[str] | None) -> None:
        if stream is None:
            return
        with contextlib.suppress(ValueError, OSError):  # the pipe closed under us on shutdown
            for line in stream:
                self._lines.append(line.rstrip("\n"))
                self._chars += len(line)
                while self._chars > _KEEP_CHARS and len(self._lines) > TAIL_LINES:
                    self._chars -= len(self._lines.popleft()) + 1

    def text(self) -> str:
        return "\n".join(self._lines)

    def tail(self) -> str:
        return "\n".join(list(self._lines)[-TAIL_LINES:])


def _die_with_parent() -> Callable[[], None] | None:
    """A pre-exec hook asking Linux to SIGTERM ffmpeg if this process dies (even by SIGKILL)."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes
    import os

    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    parent = os.getpid()
    pr_set_pdeathsig = 1

    def hook() -> None:
        prctl(pr_set_pdeathsig, int(signal.SIGTERM))
        if os.getppid() != parent:  # the parent died before prctl took effect
            os._exit(1)

    return hook
