"""Render a draft from cached pieces: only the pieces whose key changed are rendered, then all are
joined with the sound by stream copy; the flash gate reads only what it has not passed before.

The pieces, their commands and keys come from `compile.draft_pieces` and `film.draft_cache`. A
piece is rendered under an owner-stamped temporary name in the cache folder (`run.ownership`),
its frame count is probed, and only then is it renamed into place and its record written (the
record is what makes it valid), so a killed render, a second draft rendering the same piece at
the same time, or a truncated file can never be joined. Files left by a dead render are removed
the next time.

The flash gate (`gate_pieces`) decodes the pieces that have not passed it (new, or made by a draft
that was refused) and a window of `JOIN_MARGIN_S` seconds on each side of every join it has not
passed in that pairing; WCAG 2.3.1 counts flashes within any one second, so every second that
holds a new frame or a new join is read whole. When the film passes, its pieces and joins are
marked (`draft_cache.mark_gated`).
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import dataclasses
import hashlib
import math
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from toolkit.atomic import write_atomic
from toolkit.care.flash import FlashReport, analyse_frames
from toolkit.errors import RenderError
from toolkit.film import draft_budget, draft_cache
from toolkit.film.compile.draft_pieces import (
    DraftPiece,
    compile_join,
    compile_piece,
    compile_sound,
    draft_pieces,
    listing_text,
)
from toolkit.film.compile.loudness import AudioGain
from toolkit.film.compile.output import EncodeSettings
from toolkit.film.compile.raster import RasterPlan, rasterise
from toolkit.film.plan.timeline import Canvas, Layer, Overlay, Timeline
from toolkit.film.run.ownership import remove_abandoned_temps, temp_name, this_process
from toolkit.film.run.runner import Progress, run_ffmpeg
from toolkit.settings import Settings

JOIN_MARGIN_S = 2.0  # seconds read on each side of a join (more than the one second WCAG counts in)
ANALYSIS_WIDTH = 270  # as `care.flash.check_clip`
# Pieces rendered at once (at most one per core): one piece's ffmpeg (proxy decoding, the filter
# graph, ultrafast x264 at draft size) leaves a second core partly idle, between its start and
# its end above all. The 13 pieces of the 60 s bench film took 7.8-8.3 s two at a time against
# 9.0-10.0 s one at a time (load 4-7, ~5 % more CPU-seconds); see the README's Benchmarks.
PIECE_JOBS = 2
_PLACEHOLDER = Path("piece.mp4")  # the output name while computing a key (the key leaves it out)


@dataclass(frozen=True, slots=True)
class _TextOf:
    """What the rasteriser reads of a Timeline, with only some of its overlays (a Timeline
    insists on its end card's)."""

    canvas: Canvas
    frames: int
    overlays: tuple[Overlay, ...]
    layers: tuple[Layer, ...]


@dataclass(frozen=True, slots=True)
class PlannedPiece:
    """One draft piece, its key and file, and whether a valid copy was in the cache when planned."""

    number: int
    piece: DraftPiece
    raster: RasterPlan  # the text shown in the piece's frames, drawn for this piece alone
    key: str
    path: Path
    cached: bool


@dataclass(frozen=True, slots=True)
class PiecePlan:
    """A draft's pieces and sound as the cache holds them, and the commands that make the rest."""

    timeline: Timeline
    encode: EncodeSettings
    gain: AudioGain | None
    pieces: tuple[PlannedPiece, ...]
    sound: Path
    sound_cached: bool

    @property
    def listing(self) -> Path:
        """The ffconcat list of the pieces (named by their keys)."""
        joined = hashlib.blake2b("|".join(p.key for p in self.pieces).encode(), digest_size=16).hexdigest()
        return draft_cache.cache_folder() / f"list-{joined}.ffconcat"

    @property
    def reused(self) -> int:
        return sum(p.cached for p in self.pieces)

    def piece_command(self, planned: PlannedPiece, output: Path | None = None) -> tuple[str, ...]:
        return compile_piece(self.timeline, planned.raster, planned.piece, output=output or planned.path,
                             encode=self.encode)

    def sound_command(self, output: Path | None = None) -> tuple[str, ...]:
        return compile_sound(self.timeline, self.gain, output=output or self.sound, encode=self.encode)

    def join_command(self, output: Path) -> tuple[str, ...]:
        return compile_join(self.timeline, self.listing, self.sound, output=output)

    def commands(self, output: Path) -> list[tuple[str, ...]]:
        """Every command a draft to `output` runs, in order: the pieces to render, the sound when it
        is not cached, the join."""
        made = [self.piece_command(p) for p in self.pieces if not p.cached]
        return [*made, *(() if self.sound_cached else (self.sound_command(),)), self.join_command(output)]

    def describe(self) -> list[str]:
        """One line per piece: its frames and times, and whether it is reused or rendered."""
        fps = float(self.timeline.canvas.fps)
        lines = [f"piece {p.number} of {len(self.pieces)}: frames {p.piece.start}–{p.piece.end - 1} "
                 f"({p.piece.start / fps:.1f}–{p.piece.end / fps:.1f} s) "
                 + (f"reused ({p.path.name})" if p.cached else "to render") for p in self.pieces]
        lines.append("sound: " + ("reused" if self.sound_cached else "to mix") + f" ({self.sound.name})")
        return lines


def plan_pieces(timeline: Timeline, encode: EncodeSettings, gain: AudioGain | None, *, text_folder: Path,
                ffmpeg: str, check: bool = True) -> PiecePlan:
    """The draft's pieces with their keys; `check` reads each cached piece whole to compare its
    digest (a render does; `--dry-run` trusts the record's size and frame count).

    Each piece's text is drawn (into `text_folder`, named by content) from the overlays that show
    in its frames alone: the film's text pictures share one box, the union of every overlay's,
    so one longer caption would otherwise move and rename every picture, and every piece with it."""
    valid = draft_cache.is_valid if check else draft_cache.is_listed
    planned = []
    for number, piece in enumerate(draft_pieces(timeline), start=1):
        shown = tuple(o for o in timeline.overlays if o.start < piece.end and o.end > piece.start)
        raster = rasterise(_TextOf(timeline.canvas, timeline.frames, shown, timeline.layers),  # type: ignore[arg-type]
                           text_folder)
        argv = compile_piece(timeline, raster, piece, output=_PLACEHOLDER, encode=encode)
        key = draft_cache.command_key(argv, ffmpeg=ffmpeg, text=draft_cache.text_share(raster, piece),
                                      text_list=raster.concat)
        path = draft_cache.piece_path(key)
        planned.append(PlannedPiece(number, piece, raster, key, path, valid(path, piece.frames)))
    sound_key = draft_cache.command_key(compile_sound(timeline, gain, output=_PLACEHOLDER, encode=encode),
                                        ffmpeg=ffmpeg)
    sound = draft_cache.piece_path(sound_key, ".m4a")
    return PiecePlan(timeline, encode, gain, tuple(planned), sound, valid(sound, 0))


@contextlib.contextmanager
def holding(plan: PiecePlan) -> Iterator[PiecePlan]:
    """Claim `plan`'s pieces, sound and list for the block (`film.draft_budget`: no prune removes
    them while this draft renders, joins and gates them); yields the plan with any piece or sound
    a prune removed before the claim marked to render again. When the block ends without an
    error, the cache is pruned to its budget (`Settings.draft_cache_budget`), this draft's files
    kept."""
    budget = Settings.draft_cache_budget()  # a bad value is an error before anything renders
    folder = draft_cache.cache_folder()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RenderError("render", f"cannot create the draft cache {folder}: {exc.strerror or exc}", ()) from None
    files = [*(p.path for p in plan.pieces), *(p.path.with_suffix(s) for p in plan.pieces for s in (".json", ".gated")),
             plan.sound, plan.sound.with_suffix(".json"), plan.listing]
    with contextlib.ExitStack() as stack:
        try:
            stack.enter_context(draft_budget.claim(folder, files))
        except OSError as exc:
            raise RenderError("render", f"cannot write in the draft cache {folder}: {exc.strerror or exc}",
                              ()) from None
        yield still_there(plan)
        with contextlib.suppress(OSError):  # only a cache: the next draft prunes it again
            draft_budget.prune(folder, budget)


def still_there(plan: PiecePlan) -> PiecePlan:
    """`plan` with the pieces and sound it found cached but that are gone now (pruned, deleted)
    to render again; the digest was read when planning, so a record and size suffice here."""
    pieces = tuple(p if not p.cached or draft_cache.is_listed(p.path, p.piece.frames)
                   else dataclasses.replace(p, cached=False) for p in plan.pieces)
    sound = plan.sound_cached and draft_cache.is_listed(plan.sound, 0)
    return dataclasses.replace(plan, pieces=pieces, sound_cached=sound)


def render_pieces(plan: PiecePlan, output: Path, *, ffmpeg: str,
                  on_progress: Callable[[Progress], None] | None = None) -> None:
    """Render `plan`'s missing pieces and sound into the cache, then join everything into `output`."""
    folder = draft_cache.cache_folder()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RenderError("render", f"cannot create the draft cache {folder}: {exc.strerror or exc}", ()) from None
    remove_abandoned_temps(folder)
    total = plan.timeline.frames
    jobs = [_Job(p.path, lambda temp, p=p: plan.piece_command(p, temp), p.piece.frames,
                 f"render (piece {p.number} of {len(plan.pieces)})") for p in plan.pieces if not p.cached]
    if not plan.sound_cached:
        jobs.append(_Job(plan.sound, plan.sound_command, 0, "render (sound)"))
    _make_all(jobs, ffmpeg, on_progress, total)
    try:
        write_atomic(plan.listing, listing_text([p.path for p in plan.pieces]))
    except OSError as exc:
        raise RenderError("render", f"cannot write {plan.listing}: {exc.strerror or exc}", ()) from None
    run_ffmpeg(plan.join_command(output), stage="render (join)", total_frames=total, on_progress=on_progress,
               ffmpeg=ffmpeg)


@dataclass(frozen=True, slots=True)
class _Job:
    """One cache file to make: where it goes, its command for a given output, its frames."""

    path: Path
    command: Callable[[Path], tuple[str, ...]]
    frames: int  # 0: the sound
    stage: str


class _Stopped(Exception):
    """A piece's ffmpeg stopped because another piece failed or the draft was interrupted."""


def _make_all(jobs: list[_Job], ffmpeg: str, on_progress: Callable[[Progress], None] | None, total: int) -> None:
    """Make `jobs`, `PIECE_JOBS` at a time; the first failure (in the film's order) is raised once
    every started ffmpeg has stopped. Ctrl-C or SIGTERM in the calling thread stops them too:
    each piece's progress callback raises `_Stopped` once the stop flag is set, and the runner
    then kills its ffmpeg (a piece is never half kept: `_make` renames only a whole, probed file)."""
    stop = threading.Event()
    guard = threading.Lock()
    made: dict[int, int] = {}

    def progress(index: int) -> Callable[[Progress], None]:
        def report(p: Progress) -> None:
            if stop.is_set():
                raise _Stopped
            if on_progress is not None and jobs[index].frames:
                with guard:  # one report at a time: the progress line is not thread-safe
                    made[index] = p.frame
                    on_progress(Progress(sum(made.values()), total, p.seconds, None, False))
        return report

    workers = max(1, min(PIECE_JOBS, os.cpu_count() or 1, len(jobs)))
    with concurrent.futures.ThreadPoolExecutor(workers, thread_name_prefix="reel-draft-piece") as pool:
        futures = [pool.submit(_make, job.path, job.command, job.frames, ffmpeg, job.stage, progress(i))
                   for i, job in enumerate(jobs)]
        try:
            concurrent.futures.wait(futures, return_when=concurrent.futures.FIRST_EXCEPTION)
        finally:  # an error, or Ctrl-C here: stop the rest before leaving (the pool waits for them)
            stop.set()
            for future in futures:
                future.cancel()
    failed = [f.exception() for f in futures if not f.cancelled() and f.exception() is not None]
    real = [exc for exc in failed if not isinstance(exc, _Stopped)]
    if real or failed:
        raise (real or failed)[0]


def _make(path: Path, command: Callable[[Path], tuple[str, ...]], frames: int, ffmpeg: str, stage: str,
          on_progress: Callable[[Progress], None] | None) -> None:
    """Render one cache file under a temporary name; probe it; move it into place; record it."""
    temp = path.parent / temp_name(path.name, this_process())
    argv = command(temp)
    try:
        run_ffmpeg(argv, stage=stage, total_frames=frames or None, on_progress=on_progress, ffmpeg=ffmpeg)
        counted = _frames(temp) if frames else 0
        if counted != frames:
            raise RenderError(stage, f"the piece came out with {counted} frames, expected {frames}", argv)
        os.replace(temp, path)
        draft_cache.record(path, frames)
    except OSError as exc:
        raise RenderError(stage, f"cannot keep the draft piece {path}: {exc.strerror or exc}", argv) from None
    finally:
        with contextlib.suppress(OSError):
            temp.unlink()


def _frames(path: Path) -> int:
    """The frame count in an MP4's video track (its sample table: no decoding)."""
    import av  # loading libav only when rendering

    with av.open(str(path)) as container:
        return int(container.streams.video[0].frames)


@dataclass(frozen=True, slots=True)
class PieceGate:
    """What the flash gate read of a draft in pieces: the verdict, and how much it had to read."""

    report: FlashReport
    pieces: int  # pieces read whole
    joins: int  # joins read across
    total: int  # pieces in the film

    def describe(self) -> str:
        """The render summary's words, e.g. `2 of 9 pieces and 3 of 8 joins checked`."""
        text = (f"{self.pieces} of {self.total} pieces and {self.joins} of {max(0, self.total - 1)} joins checked")
        if self.pieces < self.total:
            text += "; the rest passed in an earlier draft"
        return text


def gate_pieces(plan: PiecePlan) -> PieceGate:
    """The WCAG 2.3.1 flash gate over the pieces and joins that have not passed it (see the
    module docstring); the report's times are the film's."""
    fps = plan.timeline.canvas.fps
    margin = math.ceil(JOIN_MARGIN_S * float(fps))
    fresh = [not draft_cache.gated(p.path) for p in plan.pieces]
    spans = [(p.piece.start, p.piece.end) for p, new in zip(plan.pieces, fresh, strict=True) if new]
    joins = 0
    for i in range(1, len(plan.pieces)):
        before, after = plan.pieces[i - 1], plan.pieces[i]
        if fresh[i - 1] or fresh[i] or not draft_cache.join_marker(before.path, after.path).is_file():
            joins += 1
            spans.append((after.piece.start - margin, after.piece.start + margin))
    reports = [analyse_frames(_frames_between(plan, lo, hi), float(fps)) for lo, hi in _merged(spans)]
    report = _combined(reports, float(fps))
    return PieceGate(report, sum(fresh), joins, len(plan.pieces))


def mark_passed(plan: PiecePlan) -> None:
    """Remember that every piece and join of this film passed the flash gate."""
    with contextlib.suppress(OSError):  # only a cache: the next draft then reads them again
        draft_cache.mark_gated([p.path for p in plan.pieces])


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for lo, hi in sorted(spans):
        if out and lo <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out


def _frames_between(plan: PiecePlan, lo: int, hi: int) -> Iterator:
    """The film's frames [lo, hi) decoded from the pieces' files, timed on the film."""
    from toolkit.media.frames import Frame, iter_frames  # PyAV only when decoding

    fps = float(plan.timeline.canvas.fps)
    for planned in plan.pieces:
        if planned.piece.end <= lo or planned.piece.start >= hi:
            continue
        with contextlib.closing(iter_frames(planned.path, width=ANALYSIS_WIDTH)) as frames:
            for frame in frames:
                n = planned.piece.start + frame.index
                if n >= hi:
                    break
                if n >= lo:
                    yield Frame(n, n / fps, frame.rgb)


def _combined(reports: list[FlashReport], fps: float) -> FlashReport:
    """One report for the spans read (nothing read: passed, no frames)."""
    if not reports:
        return FlashReport(True, "wcag_strict", (), (), frames_analysed=0, duration=0.0, fps=fps)
    first = reports[0]
    return FlashReport(passed=all(r.passed for r in reports), profile=first.profile,
                       failures=tuple(i for r in reports for i in r.failures),
                       warnings=tuple(i for r in reports for i in r.warnings),
                       frames_analysed=sum(r.frames_analysed for r in reports),
                       duration=round(sum(r.duration for r in reports), 6), fps=fps,
                       analysis_size=first.analysis_size, window=first.window)
