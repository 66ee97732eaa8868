"""Read the render's flash tap (`toolkit.film.compile.flash_tap`) and run the flash gate on it as
the frames arrive, so the verdict is ready when the encoder ends: no second decode of the film.

`FlashTap` owns a FIFO in a private temporary folder. The encoder command opens it by name and
writes every frame it encodes, at the gate's working size, as raw rgb24. Two threads sit on the
other end: a reader that only moves bytes from the FIFO into a bounded queue (so a slow moment
in the analysis never stalls the encoder: up to `AHEAD_BYTES` of frames wait), and the analyser
(`care.flash.FlashAnalyser`) that takes them in film order. Python never writes a frame back.

The FIFO is opened here before ffmpeg starts, read end first (non-blocking, so the open returns)
and then a write end of our own, kept until the encoder has exited: ffmpeg's own open never
waits, and the reader sees the end of the frames only once the encoder is gone, never before
ffmpeg opened the FIFO. Leaving the `with` block (normally, on an error, on Ctrl-C or SIGTERM)
closes our write end, stops and joins both threads and removes the folder; the runner has already
killed and reaped ffmpeg by then, so nothing is left behind. A render killed outright (SIGKILL)
cannot clean up: its folder, named after its process id, is removed by the next render's tap.
"""

from __future__ import annotations

import contextlib
import os
import queue
import select
import shutil
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

import numpy as np

from toolkit.care.flash import FlashAnalyser, FlashReport
from toolkit.media.frames import AHEAD_BYTES

__all__ = ["FlashTap"]

_POLL_S = 0.1  # how often a waiting thread looks at the stop flag
_PREFIX = "reel-flash-"  # + the pid of the render that made it


def _remove_stale() -> None:
    """Remove the tap folders of renders that died without cleaning up (SIGKILL, power loss):
    named after their process, they are stale once no process has that id."""
    for folder in Path(tempfile.gettempdir()).glob(f"{_PREFIX}*-*"):
        pid = folder.name[len(_PREFIX):].split("-", 1)[0]
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
        except OSError:
            continue  # alive, but another user's


class FlashTap:
    """A FIFO for the encoder to write the gate's frames to, and the gate running on them.

    `path` goes into `compile_render(tap=...)`. After the render command succeeded, `report()`
    returns the gate's verdict, or None when the tap did not deliver exactly `frames` whole
    frames (then the caller falls back to decoding the written file).
    """

    def __init__(self, fps: float, width: int, height: int, frames: int) -> None:
        self.fps, self.size, self.frames = fps, (width, height), frames
        self.frame_bytes = width * height * 3
        self.path: Path | None = None
        self._folder: str | None = None
        self._read: int | None = None
        self._keep: int | None = None
        self._queue: queue.Queue[np.ndarray | None] = queue.Queue(maxsize=max(2, AHEAD_BYTES // self.frame_bytes))
        self._stop = threading.Event()
        self._analyser = FlashAnalyser(fps, width, height)
        self._fed = 0
        self._partial = False
        self._error: BaseException | None = None
        self._threads: list[threading.Thread] = []

    def __enter__(self) -> FlashTap:
        _remove_stale()
        self._folder = tempfile.mkdtemp(prefix=f"{_PREFIX}{os.getpid()}-")
        try:
            path = Path(self._folder) / "frames.rgb"
            os.mkfifo(path, 0o600)
            self._read = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
            self._keep = os.open(path, os.O_WRONLY)  # a reader is there: returns at once
            os.set_blocking(self._read, True)
        except BaseException:
            self._cleanup()
            raise
        self.path = path
        self._threads = [threading.Thread(target=self._guard(self._pump), name="reel-flash-tap-read", daemon=True),
                         threading.Thread(target=self._guard(self._analyse), name="reel-flash-tap-gate", daemon=True)]
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._stop.set()
        self._finish()

    def report(self) -> FlashReport | None:
        """The gate's report once the encoder has exited, or None when the tap's frames were not
        the whole film (the caller then reads the written file instead). Errors in the analysis
        re-raise here."""
        self._finish()
        if self._error is not None:
            raise self._error
        if self._partial or self._fed != self.frames:
            return None
        return self._analyser.result()

    def _finish(self) -> None:
        """Close our write end (the encoder has exited) and wait for both threads."""
        if self._keep is not None:
            os.close(self._keep)
            self._keep = None
        for thread in self._threads:
            thread.join()
        self._threads = []
        self._cleanup()

    def _cleanup(self) -> None:
        for fd in (self._keep, self._read):
            if fd is not None:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._keep = self._read = None
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None

    def _guard(self, work: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            try:
                work()
            except BaseException as exc:  # handed to report(); the other thread is told to stop
                self._error = self._error or exc
                self._stop.set()
        return run

    def _pump(self) -> None:
        """FIFO -> queue, one whole frame at a time, until the end of input or a stop."""
        assert self._read is not None
        fd, size = self._read, self.frame_bytes
        try:
            while not self._stop.is_set():
                frame = np.empty(size, np.uint8)
                view, got = memoryview(frame), 0
                while got < size and not self._stop.is_set():
                    if not select.select([fd], [], [], _POLL_S)[0]:
                        continue
                    n = os.readv(fd, [view[got:]])
                    if n == 0:
                        self._partial = got > 0
                        return
                    got += n
                if got < size or not self._put(frame.reshape(self.size[1], self.size[0], 3)):
                    return
        finally:
            self._put(None)

    def _put(self, item: np.ndarray | None) -> bool:
        while True:
            try:
                self._queue.put(item, timeout=_POLL_S)
                return True
            except queue.Full:
                if self._stop.is_set():
                    return False

    def _analyse(self) -> None:
        while True:
            try:
                frame = self._queue.get(timeout=_POLL_S)
            except queue.Empty:
                if self._stop.is_set():
                    return
                continue
            if frame is None:
                return
            if not self._stop.is_set():
                self._analyser.feed(frame)
                self._fed += 1
