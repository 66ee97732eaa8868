"""The build pipeline's back half: Prepared → rasterise → compile → run → verify → flash gate.

This is the only place that chains the stages; each stage lives in its own package and can be
called (and tested) alone. Nothing here spawns ffmpeg directly: `toolkit.film.run.runner` does.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from toolkit.care.flash import FlashReport, check_clip
from toolkit.errors import Issue, PolicyError
from toolkit.film.cardcheck import CardCheck, check_card
from toolkit.film.compile.graph import compile_frames, compile_render
from toolkit.film.compile.loudness import AudioGain
from toolkit.film.compile.output import EncodeSettings
from toolkit.film.compile.raster import RasterPlan, rasterise
from toolkit.film.pipeline import Prepared
from toolkit.film.plan.timeline import ImageSource, Timeline, VideoSource
from toolkit.film.proxy import ProxyJob, cached_gain, proxied, proxy_dir
from toolkit.film.run.runner import Progress, atomic_output, loudness_gain, run_ffmpeg, run_render
from toolkit.film.run.verify import VerifyReport, verify_output
from toolkit.settings import Settings

ProgressCallback = Callable[[str, Progress], None]
"""Called with the stage name ("loudness", "render", "flash check") and its progress."""


@dataclass(frozen=True)
class RenderResult:
    """A film that passed every check, and what was measured on the way."""

    output: Path
    timeline: Timeline
    verify: VerifyReport
    flash: FlashReport
    gain: AudioGain | None
    warnings: tuple[Issue, ...]
    seconds: float
    card: CardCheck | None = None  # what the end-card check read back from the film


def cache_dir() -> Path:
    """Where rasterised text images are kept between renders (content-addressed, safe to delete)."""
    base = os.environ.get("REEL_CACHE") or os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "reel" / "text"


def inputs_of(prepared: Prepared) -> list[Path]:
    """Every file the film reads: the storyboard and all its media (never to be overwritten)."""
    paths = [prepared.loaded.path, *prepared.inputs.media.keys(), *prepared.loaded.caption_files.keys()]
    for seg in prepared.timeline.segments:
        if isinstance(seg.source, VideoSource | ImageSource):
            paths.append(seg.source.path)
    return paths


def render_film(prepared: Prepared, output: Path, *, draft: bool = False, force: bool = False,
                on_progress: ProgressCallback | None = None, settings: Settings | None = None) -> RenderResult:
    """Render `prepared` to `output` atomically; return only when the film passed every gate.

    The film is written to a temporary file beside `output`, probed against the plan, and run
    through the WCAG 2.3.1 flash gate and the end-card check (its own card read back from the
    pixels, `toolkit.film.cardcheck`) before it is renamed into place. A failing film never
    appears at `output`: `VerifyError` or `PolicyError` (flashing, an unreadable or wrong end
    card) is raised instead.
    """
    settings = settings or Settings()
    started = time.perf_counter()
    timeline = prepared.timeline
    report = (lambda stage: (lambda p: on_progress(stage, p))) if on_progress else (lambda stage: None)
    raster = rasterise(timeline, cache_dir())
    if draft:
        timeline, gain = _draft_inputs(timeline, settings, report)
    else:
        gain = loudness_gain(timeline, ffmpeg=settings.ffmpeg, on_progress=report("loudness"))
    encode = EncodeSettings.draft(settings.threads) if draft else EncodeSettings.final(settings.threads)
    with atomic_output(Path(output), force=force, inputs=inputs_of(prepared), kind="film") as temp:
        commands = compile_render(timeline, raster, output=temp, encode=encode, gain=gain)
        run_render(commands, stage="render", total_frames=timeline.frames, ffmpeg=settings.ffmpeg,
                   on_progress=report("render"))
        verified = verify_output(temp, timeline)
        flash = check_clip(temp)
        if not flash.passed:
            raise PolicyError([_flash_issue(prepared, i) for i in flash.failures],
                              summary="the film flashes more than 3 times a second over a large area "
                                      "(WCAG 2.3.1), which can trigger seizures; it was not saved")
        card = check_card(prepared, temp, timeline=timeline)  # what the pixels show, not what was meant
    return RenderResult(output=Path(output), timeline=prepared.timeline, verify=verified, flash=flash, gain=gain,
                        warnings=prepared.warnings + raster.warnings + _quiet_warning(prepared, gain),
                        seconds=time.perf_counter() - started, card=card)


def _quiet_warning(prepared: Prepared, gain: AudioGain | None) -> tuple[Issue, ...]:
    """A mix too quiet to reach the target even at the largest gain Reel applies."""
    if gain is None or gain.short_db < 0.05:
        return ()
    target = prepared.timeline.mix.target_lufs
    return (Issue(f"the sound is very quiet: raised by the maximum {gain.gain_db:.0f} dB it still lands about "
                  f"{gain.short_db:.1f} LU below {target:g} LUFS; record or export the voice and music louder",
                  path="audio", file=prepared.loaded.path, severity="warning", code="loudness-short"),)


def _draft_inputs(timeline: Timeline, settings: Settings,
                  report: Callable[[str], Callable[[Progress], None] | None]) -> tuple[Timeline, AudioGain | None]:
    """A draft's Timeline on cached proxies of its footage, and its (cached) loudness gain.

    Same frames, timing and loudness as the final; see `toolkit.film.proxy` for what is cached.
    """
    root = proxy_dir(cache_dir())

    def make(argv: list[str], job: ProxyJob) -> None:
        run_ffmpeg(argv, stage="proxy", ffmpeg=settings.ffmpeg, on_progress=report("proxies"))

    timeline, _ = proxied(timeline, root, make)
    gain = cached_gain(timeline, root, lambda: loudness_gain(timeline, ffmpeg=settings.ffmpeg,
                                                               on_progress=report("loudness")))
    return timeline, gain


def _flash_issue(prepared: Prepared, interval) -> Issue:
    """Name the storyboard scene the flashing interval falls in."""
    fps = prepared.timeline.canvas.fps
    frame = int(interval.start * fps)
    seg = next((s for s in prepared.timeline.segments if s.start <= frame < s.end), prepared.timeline.segments[-1])
    issue = prepared.loaded.document.issue(seg.loc or ("scenes",), f"{interval.kind} flashing from "
                                           f"{interval.start:.2f}s to {interval.end:.2f}s over "
                                           f"{interval.peak_area:.0%} of the area judged", code="flash")
    return issue


def render_frames(prepared: Prepared, frames: list[int], folder: Path,
                  settings: Settings | None = None) -> list[Path]:
    """PNG images of the given output frames (what the film shows there), in sorted frame order."""
    settings = settings or Settings()
    raster: RasterPlan = rasterise(prepared.timeline, cache_dir())
    pattern = folder / "frame_%04d.png"
    for argv in compile_frames(prepared.timeline, raster, frames=frames, output=pattern):
        run_ffmpeg(argv, stage="frames", ffmpeg=settings.ffmpeg)
    return [folder / f"frame_{i:04d}.png" for i in range(1, len(set(frames)) + 1)]


def render_still(prepared: Prepared, seconds: float, output: Path, *, force: bool = False,
                 settings: Settings | None = None) -> Path:
    """One frame at `seconds` as a PNG, written atomically."""
    tl = prepared.timeline
    frame = min(tl.frames - 1, max(0, round(seconds * tl.canvas.fps)))
    with tempfile.TemporaryDirectory(prefix="reel-still-") as tmp, \
            atomic_output(Path(output), force=force, inputs=inputs_of(prepared), kind="image") as temp:
        [png] = render_frames(prepared, [frame], Path(tmp), settings)
        Path(temp).write_bytes(png.read_bytes())
    return Path(output)
