"""The build pipeline's back half: run the render steps (`toolkit.film.steps`) of a Prepared film.

`render_film` runs, in order, the list `toolkit.film.steps.plan_render` builds and `reel render
--dry-run` prints: text → python layers → reversed footage → anonymised footage → proxies (drafts) → loudness
→ captions
→ render → check → flash gate → end card. The film's caption files (`FILM.srt`, `FILM.vtt`) are
written beside it with it, and appear only with a film that passed every check.
Each stage lives in its own package and can be called (and tested) alone. Nothing here spawns
ffmpeg directly: `toolkit.film.run.runner` does.
"""

from __future__ import annotations

import contextlib
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from toolkit.care.flash import FlashReport, check_clip
from toolkit.errors import Issue, PolicyError
from toolkit.film import anonymising, pylayers
from toolkit.film.cardcheck import CardCheck, check_card
from toolkit.film.compile.flash_tap import tap_frame_size
from toolkit.film.compile.graph import compile_frames
from toolkit.film.compile.loudness import AudioGain
from toolkit.film.compile.raster import RasterPlan, rasterise
from toolkit.film.pipeline import Prepared
from toolkit.film.plan.timeline import ImageSource, Timeline, VideoSource
from toolkit.film.proxy import cached_gain, make_proxy, proxies_ready, proxy_dir, with_proxies
from toolkit.film.run.atomic import Output, atomic_outputs
from toolkit.film.run.draft_pieces import PiecePlan, gate_pieces, holding, mark_passed, render_pieces
from toolkit.film.run.drafts import replaces_draft_of
from toolkit.film.run.flash_tap import FlashTap
from toolkit.film.run.pylayers import render_python_layer
from toolkit.film.run.reversing import make_reversed
from toolkit.film.run.runner import Progress, atomic_output, loudness_gain, run_ffmpeg, run_render
from toolkit.film.run.sidecars import refuse_inputs, replaces_sidecar_of, sidecar_kind
from toolkit.film.run.verify import VerifyReport, verify_output
from toolkit.film.steps import (
    AnonymiseFaces,
    CardReadBack,
    Check,
    DrawText,
    FlashGate,
    MakeProxies,
    MeasureLoudness,
    Render,
    RenderPythonLayers,
    RenderSteps,
    ReverseFootage,
    WriteCaptions,
    cache_dir,
    plan_render,
)
from toolkit.settings import Settings

ProgressCallback = Callable[[str, Progress], None]
"""Called with a step's name (`toolkit.film.steps`: "text", "python layers", "reversed footage",
"anonymised footage", "proxies",
"loudness", "render", "check", "flash gate", "end card") when it starts (frame 0, no total), then with the
progress ffmpeg reports."""


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
    captions: tuple[Path, ...] = ()  # the caption files written beside the film (FILM.srt, FILM.vtt)
    flash_scope: str = ""  # a draft in pieces: what the flash gate read ("2 of 9 pieces and 3 of 8 joins checked")
    # where the flash gate read the frames: "tap" (on their way to the encoder) or "file" (decoded after)
    flash_read: str = "file"


def inputs_of(prepared: Prepared) -> list[Path]:
    """Every file the film reads: the storyboard and all its media (never to be overwritten)."""
    paths = [prepared.loaded.path, *prepared.inputs.media.keys(), *prepared.loaded.caption_files.keys()]
    paths += [layer.source.path for _, layer in pylayers.python_layers(prepared.timeline)]  # type: ignore[union-attr]
    for seg in prepared.timeline.segments:
        if isinstance(seg.source, VideoSource | ImageSource):
            paths.append(seg.source.path)
    return paths


def render_film(prepared: Prepared, output: Path, *, draft: bool = False, force: bool = False,
                on_progress: ProgressCallback | None = None, settings: Settings | None = None,
                allow_python: bool = False, replace_own: bool = False) -> RenderResult:
    """Render `prepared` to `output` atomically; return only when the film passed every gate.

    Runs the steps `toolkit.film.steps.plan_render` lists (the list `reel render --dry-run`
    prints), in order, every one of them. The film is written to a temporary file beside
    `output`, probed against the plan, and run through the WCAG 2.3.1 flash gate and the
    end-card check (its own card read back from the pixels, `toolkit.film.cardcheck`) before it
    is renamed into place. A failing film never appears at `output`: `VerifyError` or
    `PolicyError` (flashing, an unreadable or wrong end card) is raised instead. A film with
    python layers is refused (`PolicyError`, before anything runs) unless `allow_python`.
    With `replace_own` (`reel render --changed`), a film at `output` that is this storyboard's own
    earlier render of the same kind, and the files written with it, are replaced (`film.rerender`).
    """
    settings = settings or Settings()
    started = time.perf_counter()
    pylayers.require_allowed(prepared, allow_python)
    if draft:
        Settings.draft_cache_budget()  # a bad $REEL_DRAFT_CACHE_SIZE stops the draft before anything runs
    refuse_inputs(Path(output), inputs_of(prepared))  # its caption files would replace a file it reads
    plan = plan_render(prepared, Path(output), draft=draft, settings=settings)
    return _run(plan, prepared, force=force, on_progress=on_progress, settings=settings, started=started,
                replace_own=replace_own)


def _run(plan: RenderSteps, prepared: Prepared, *, force: bool, on_progress: ProgressCallback | None,
         settings: Settings, started: float, replace_own: bool = False) -> RenderResult:
    """Run every step of `plan` in order (a step of a kind this loop does not know is an error)."""
    def report(stage: str) -> Callable[[Progress], None] | None:
        return (lambda p: on_progress(stage, p)) if on_progress else None

    gain: AudioGain | None = None
    temp: Path | None = None
    verified: VerifyReport | None = None
    flash: FlashReport | None = None
    tapped: FlashReport | None = None
    drafted: PiecePlan | None = None  # a draft in pieces (run.draft_pieces)
    flash_scope = ""
    flash_read = "file"
    card: CardCheck | None = None
    captions: WriteCaptions | None = None
    with contextlib.ExitStack() as stack:
        for step in plan.steps:
            if on_progress:
                on_progress(step.name, Progress(0, None, 0.0, None, False))  # the stage starts
            if isinstance(step, DrawText):
                continue  # drawn while the list was built (the render command names the pictures)
            if isinstance(step, RenderPythonLayers):
                for job in step.make:
                    render_python_layer(job, step.folder, ffmpeg=settings.ffmpeg)
                pylayers.check_words(prepared, plan.render.timeline)
                continue
            if isinstance(step, ReverseFootage):
                for job in step.make:
                    make_reversed(job, ffmpeg=settings.ffmpeg, on_progress=report("reversed footage"))
                continue
            if isinstance(step, AnonymiseFaces):
                anonymising.make_all(step.make, document=prepared.loaded.document, settings=settings,
                                     on_progress=report("anonymised footage"))
                continue
            if isinstance(step, MakeProxies):
                failed = {job for job in step.make if not make_proxy(job, lambda argv, job: run_ffmpeg(
                    argv, stage="proxy", ffmpeg=settings.ffmpeg, on_progress=report("proxies")))}
                plan = plan.without_proxies(failed)
            elif isinstance(step, MeasureLoudness):
                gain = _gain(step, plan.render.timeline, settings, report("loudness"))
            elif isinstance(step, WriteCaptions):
                captions = step  # written with the film, under the same atomic move
            elif isinstance(step, Render) and step.pieces:  # only the pieces whose key changed are rendered
                render = plan.render
                temp = _open_outputs(stack, render.output, captions, prepared, force=force, draft=plan.draft,
                                     replace_own=replace_own)
                # claimed until the film is gated: no prune removes its pieces meanwhile
                drafted = stack.enter_context(holding(render.in_pieces(gain, check=True)))
                render_pieces(drafted, temp, ffmpeg=settings.ffmpeg, on_progress=report("render"))
            elif isinstance(step, Render):
                render = plan.render  # rebuilt when a proxy could not be made
                temp = _open_outputs(stack, render.output, captions, prepared, force=force, draft=plan.draft,
                                     replace_own=replace_own)
                tap = _open_tap(stack, render.timeline)  # the flash gate reads the frames here
                run_render(render.compile(gain, temp, tap=tap.path if tap else None), stage="render",
                           total_frames=render.timeline.frames, ffmpeg=settings.ffmpeg, on_progress=report("render"))
                tapped = tap.report() if tap else None
            elif isinstance(step, Check):
                verified = verify_output(_written(temp), plan.render.timeline)
            elif isinstance(step, FlashGate) and drafted is not None:
                gate = gate_pieces(drafted)  # the pieces and joins no earlier draft passed the gate with
                flash, flash_scope = gate.report, gate.describe()
                if not flash.passed:
                    raise PolicyError([_flash_issue(prepared, i) for i in flash.failures],
                                      summary="the film flashes more than 3 times a second over a large area "
                                              "(WCAG 2.3.1), which can trigger seizures; it was not saved")
                mark_passed(drafted)
            elif isinstance(step, FlashGate):
                # decoding the written file is the fallback, for a tap that fell short of the film
                flash, flash_read = (tapped, "tap") if tapped is not None else (check_clip(_written(temp)), "file")
                if not flash.passed:
                    raise PolicyError([_flash_issue(prepared, i) for i in flash.failures],
                                      summary="the film flashes more than 3 times a second over a large area "
                                              "(WCAG 2.3.1), which can trigger seizures; it was not saved")
            elif isinstance(step, CardReadBack):
                # what the pixels show, not what was meant
                card = check_card(prepared, _written(temp), timeline=plan.render.timeline)
            else:
                raise TypeError(f"no way to run the render step {step!r}")
    assert verified is not None and flash is not None  # RenderSteps always ends with the checks
    raster = plan.steps[0].raster if isinstance(plan.steps[0], DrawText) else None
    return RenderResult(output=plan.render.output, timeline=prepared.timeline, verify=verified, flash=flash,
                        gain=gain, warnings=prepared.warnings + (raster.warnings if raster else ())
                        + _quiet_warning(prepared, gain), seconds=time.perf_counter() - started, card=card,
                        captions=tuple(p for p in captions.files if sidecar_kind(p) == "captions") if captions
                        else (), flash_read=flash_read,
                        flash_scope=flash_scope)


def _open_outputs(stack: contextlib.ExitStack, output: Path, captions: WriteCaptions | None, prepared: Prepared,
                  *, force: bool, draft: bool, replace_own: bool = False) -> Path:
    """The film's temporary path, its caption files already written beside it under theirs; all
    are moved into place together (the film last) when `stack` closes without an error."""
    sb = prepared.loaded.path
    files = captions.files if captions else ()
    outputs = [*(Output(path, sidecar_kind(path), replaces_sidecar_of(sb, output) if draft else None)
                 for path in files),
               Output(output, "film", replaces_draft_of(sb) if draft else None)]
    if replace_own:  # --changed: this storyboard's own earlier film of this kind, and the files written with it
        from toolkit.film.rerender import replaces_own_film, replaces_own_sidecar

        outputs = [Output(o.path, o.kind, _either(o.replaces, replaces_own_film(sb, draft=draft) if o.kind == "film"
                                                  else replaces_own_sidecar(sb, output, draft=draft)))
                   for o in outputs]
    *texts, film = stack.enter_context(atomic_outputs(outputs, force=force, inputs=inputs_of(prepared)))
    for temp, data in zip(texts, captions.contents() if captions else (), strict=True):
        temp.write_bytes(data)
    return film


def _either(first: Callable[[Path], bool] | None, second: Callable[[Path], bool]) -> Callable[[Path], bool]:
    """A `replaces` test passing what either passes."""
    return lambda path: (first is not None and first(path)) or second(path)


def _gain(step: MeasureLoudness, timeline: Timeline, settings: Settings,
          on_progress: Callable[[Progress], None] | None) -> AudioGain | None:
    """The gain the render applies: kept (drafts), or measured by the pass the step names."""
    if not step.needed:
        return step.known

    def measure() -> AudioGain | None:
        return loudness_gain(timeline, ffmpeg=settings.ffmpeg, on_progress=on_progress)

    return measure() if step.keep_in is None else cached_gain(timeline, step.keep_in, measure)


def _flash_tap(timeline: Timeline) -> FlashTap:
    """The render's flash tap: the gate's frames, at its working size, as the encoder gets them."""
    width, height = tap_frame_size(timeline)
    return FlashTap(float(timeline.canvas.fps), width, height, timeline.frames)


def _open_tap(stack: contextlib.ExitStack, timeline: Timeline) -> FlashTap | None:
    """The tap, open for the render; None where no FIFO can be made (a temporary folder that cannot
    hold one): the written file is then decoded for the gate instead."""
    try:
        return stack.enter_context(_flash_tap(timeline))
    except OSError:
        return None


def _written(temp: Path | None) -> Path:
    if temp is None:
        raise RuntimeError("a check step ran before the render step")  # RenderSteps forbids this order
    return temp


def _quiet_warning(prepared: Prepared, gain: AudioGain | None) -> tuple[Issue, ...]:
    """A mix too quiet to reach the target even at the largest gain Reel applies."""
    if gain is None or gain.short_db < 0.05:
        return ()
    target = prepared.timeline.mix.target_lufs
    return (Issue(f"the sound is very quiet: raised by the maximum {gain.gain_db:.0f} dB it still lands about "
                  f"{gain.short_db:.1f} LU below {target:g} LUFS; record or export the voice and music louder",
                  path="audio", file=prepared.loaded.path, severity="warning", code="loudness-short"),)


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
                  settings: Settings | None = None, *, allow_python: bool = False,
                  proxies: bool = False) -> list[Path]:
    """PNG images of the given output frames (what the film shows there), in sorted frame order.

    Python layers are rendered (or taken from the cache) first, and only with `allow_python`;
    reversed footage and anonymised copies are made (or taken from the cache) as for a render.
    With `proxies`, footage whose draft proxy is already in the cache is read from it, as a draft
    reads it (the studio: a proxy seeks in half a second of small frames, the original in up to a
    GOP of full-size ones); none is made here."""
    settings = settings or Settings()
    timeline = pylayers.resolve_python_layers(prepared, prepared.timeline, allow=allow_python, settings=settings)
    timeline = anonymising.resolve(timeline, document=prepared.loaded.document, settings=settings)
    if proxies:
        timeline = with_proxies(timeline, proxies_ready(timeline, proxy_dir(cache_dir())))
    raster: RasterPlan = rasterise(timeline, cache_dir())
    pattern = folder / "frame_%04d.png"
    for argv in compile_frames(timeline, raster, frames=frames, output=pattern):
        run_ffmpeg(argv, stage="frames", ffmpeg=settings.ffmpeg)
    return [folder / f"frame_{i:04d}.png" for i in range(1, len(set(frames)) + 1)]


def render_still(prepared: Prepared, seconds: float, output: Path, *, force: bool = False,
                 settings: Settings | None = None, allow_python: bool = False) -> Path:
    """One frame at `seconds` as a PNG, written atomically (python layers only with `allow_python`)."""
    tl = prepared.timeline
    frame = min(tl.frames - 1, max(0, round(seconds * tl.canvas.fps)))
    with tempfile.TemporaryDirectory(prefix="reel-still-") as tmp, \
            atomic_output(Path(output), force=force, inputs=inputs_of(prepared), kind="image") as temp:
        [png] = render_frames(prepared, [frame], Path(tmp), settings, allow_python=allow_python)
        Path(temp).write_bytes(png.read_bytes())
    return Path(output)
