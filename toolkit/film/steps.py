"""The render as a list of steps: built once from a `Prepared` film, printed by `reel render
--dry-run`, run by `toolkit.film.render.render_film`, so what is printed is what is run.

    text → python layers (films with them) → reversed footage (films with it) → anonymised
    footage (films that hide faces) → proxies (drafts) → loudness → captions → render → check → flash gate → end card

`plan_render` builds the list. Building it draws the text pictures (the render's command names
them by their content, so they must exist to be named) and, for a draft, finds each clip's
proxy in the cache (named by the clip's content): it starts no process. Every step that runs
ffmpeg carries the exact argv it runs; a command's last argument is the file it writes, which
the runner first writes beside its place under a temporary name and renames when complete
(`toolkit.film.run.atomic`). The one value known only while running is the loudness gain a
final render measures: the render step's command is shown without it (and says so), and the
runner compiles the same step with the measured gain. A draft's gain is kept between drafts,
so a draft whose sound did not change shows its exact command.

The three checks (probe against the plan, the WCAG 2.3.1 flash gate, the end card read back
from the pixels) end every list: a `RenderSteps` without them cannot be built.
"""

from __future__ import annotations

import dataclasses
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from toolkit.film import anonymising, draft_cache, pylayers, reversing
from toolkit.film.cardcheck import card_frames
from toolkit.film.compile.anonymising import AnonymiseJob, compile_anonymise
from toolkit.film.compile.graph import RenderCommands, compile_loudness_pass, compile_render
from toolkit.film.compile.loudness import AudioGain
from toolkit.film.compile.output import EncodeSettings
from toolkit.film.compile.raster import RasterPlan, rasterise
from toolkit.film.compile.reversing import ReverseJob, compile_reverse
from toolkit.film.manifest import MANIFEST_KEY, build_manifest, film_tag, sidecar_bytes
from toolkit.film.manifest import SUFFIX as MANIFEST_SUFFIX
from toolkit.film.pipeline import Prepared
from toolkit.film.plan.sidecar import film_cues
from toolkit.film.plan.timeline import Timeline
from toolkit.film.proxy import (
    ProxyJob,
    cached_gain_only,
    compile_proxy,
    plan_proxies,
    proxy_dir,
    with_proxies,
    without_proxies,
)
from toolkit.film.run.draft_pieces import PiecePlan, plan_pieces
from toolkit.film.run.drafts import DRAFT_KEY, draft_tag
from toolkit.film.run.pylayers import PythonLayerJob
from toolkit.film.run.sidecars import CAPTIONS_KEY, captions_tag, sidecar_paths
from toolkit.settings import Settings
from toolkit.subtitles import Cue, format_subtitles


def cache_dir() -> Path:
    """Where rasterised text images are kept between renders (content-addressed, safe to delete)."""
    return Settings.cache_root() / "text"


@dataclass(frozen=True, slots=True)
class DrawText:
    """Captions, slates and the end card drawn into transparent pictures (done while building)."""

    name: ClassVar[str] = "text"
    raster: RasterPlan
    folder: Path

    def describe(self) -> str:
        return (f"{len(self.raster.images)} text pictures in {self.folder} (drawn now: the render command names "
                "them by their content)")

    def commands(self) -> tuple[tuple[str, ...], ...]:
        return ()


@dataclass(frozen=True, slots=True)
class MakeProxies:
    """A draft's footage as small proxies: `make` are missing from the cache, `cached` are there."""

    name: ClassVar[str] = "proxies"
    make: tuple[ProxyJob, ...]
    cached: tuple[ProxyJob, ...]

    def describe(self) -> str:
        if not self.make and not self.cached:
            return "no footage to proxy"
        return (f"{_count(len(self.make), 'proxy')} to make, {len(self.cached)} already made, in "
                f"{proxy_dir(cache_dir())}; the render reads the proxies, not the original footage")

    def commands(self) -> tuple[tuple[str, ...], ...]:
        return tuple(tuple(compile_proxy(job, job.path)) for job in self.make)


# Where a printed render command sends the flash gate's frames. The render makes a FIFO of its own
# in a private temporary folder (`run.flash_tap`) and reads it while ffmpeg writes; its name is only
# known then, so the printed command names it by this placeholder and is otherwise the one that runs.
SHOWN_TAP = Path("<flash-tap>")


@dataclass(frozen=True, slots=True)
class RenderPythonLayers:
    """Python layers rendered once to files with transparency (`toolkit.film.pylayers`): `make` are
    missing from the cache, `cached` are there. Runs Python, only with --allow-python."""

    name: ClassVar[str] = "python layers"
    make: tuple[PythonLayerJob, ...]
    cached: tuple[PythonLayerJob, ...]
    folder: Path

    def describe(self) -> str:
        names = ", ".join(sorted({job.name for job in (*self.make, *self.cached)}))
        return (f"{_count(len(self.make), 'layer')} to draw with MoviePy, {len(self.cached)} already drawn ({names}), "
                f"in {self.folder}; the render reads those files (lossless, with transparency)"
                + ("; drawing runs the storyboard's Python: only with --allow-python" if self.make else ""))

    def commands(self) -> tuple[tuple[str, ...], ...]:
        return ()  # Python feeds ffmpeg's standard input frame by frame: no command line shows that


@dataclass(frozen=True, slots=True)
class ReverseFootage:
    """Reversed footage made once into files played forwards (`toolkit.film.reversing`): `make` are
    missing from the cache, `cached` are there."""

    name: ClassVar[str] = "reversed footage"
    make: tuple[ReverseJob, ...]
    cached: tuple[ReverseJob, ...]
    folder: Path

    def describe(self) -> str:
        names = ", ".join(sorted({job.source.path.name for job in (*self.make, *self.cached)}))
        seconds = sum(job.trim for job in self.make) / float(self.make[0].fps) if self.make else 0.0
        return (f"{_count(len(self.make), 'reversed clip')} to make ({seconds:.1f} s of frames), "
                f"{len(self.cached)} cached ({names}), in {self.folder}; the render plays those files forwards")

    def commands(self) -> tuple[tuple[str, ...], ...]:
        return tuple(argv for job in self.make for argv in _flat(compile_reverse(job, job.path)))


@dataclass(frozen=True, slots=True)
class AnonymiseFaces:
    """Footage and photos with faces covered, made once into copies the film plays instead
    (`toolkit.film.anonymising`): `make` are missing from the cache, `cached` are there."""

    name: ClassVar[str] = "anonymised footage"
    make: tuple[AnonymiseJob, ...]
    cached: tuple[AnonymiseJob, ...]
    folder: Path

    def describe(self) -> str:
        names = ", ".join(sorted({job.shown.path.name for job in (*self.make, *self.cached)}))
        return (f"{_count(len(self.make), 'covered copy')} to make, {len(self.cached)} cached ({names}), in "
                f"{self.folder}; every face the detector followed and every `boxes:` place is covered (the covers "
                "are piped to ffmpeg as a mask on its standard input), each copy is read back with the detector "
                "and refused if a face still shows; the render plays the copies, never the original faces")

    def commands(self) -> tuple[tuple[str, ...], ...]:
        return tuple(tuple(compile_anonymise(job, job.path)) for job in self.make if not job.photo)


@dataclass(frozen=True, slots=True)
class MeasureLoudness:
    """Pass 1 of the loudness normalisation: the mix measured alone. `known` is the gain when it
    is known without measuring (a draft's kept gain); `argv` is None for a film without sound."""

    name: ClassVar[str] = "loudness"
    argv: tuple[str, ...] | None
    known: AudioGain | None
    keep_in: Path | None  # drafts keep the measured gain here for the next draft

    @property
    def needed(self) -> bool:
        """True when the pass must run (there is sound and no kept gain)."""
        return self.argv is not None and self.known is None

    def describe(self) -> str:
        if self.argv is None:
            return "no sound to measure (the film gets a silent AAC track)"
        if self.known is not None:
            return f"gain kept from the last draft with this sound: {self.known.describe()} (nothing to measure)"
        return ("measure the mix (BS.1770 with ffmpeg's ebur128); when the gain needs the true-peak limiter, the "
                "mix is measured again after it (at most 3 times) and the gain corrected")

    def commands(self) -> tuple[tuple[str, ...], ...]:
        return (self.argv,) if self.needed and self.argv is not None else ()


@dataclass(frozen=True, slots=True)
class WriteCaptions:
    """The film's captions as SubRip and WebVTT files beside it (`plan.sidecar`): written with the
    film under temporary names and moved into place with it (`run.sidecars`)."""

    name: ClassVar[str] = "captions"
    cues: tuple[Cue, ...]
    files: tuple[Path, ...]  # FILM.srt, FILM.vtt, FILM.reel.json
    manifest: bytes = b""  # FILM.reel.json: what the film was made from (`toolkit.film.manifest`)

    def contents(self) -> tuple[bytes, ...]:
        """What each of `files` holds (UTF-8)."""
        return tuple(self.manifest if path.name.endswith(MANIFEST_SUFFIX)
                     else format_subtitles(self.cues, "vtt" if path.suffix == ".vtt" else "srt").encode("utf-8")
                     for path in self.files)

    def describe(self) -> str:
        return (f"{_count(len(self.cues), 'cue')} (each caption, then the helpline end card) timed to the film -> "
                f"{', '.join(str(path) for path in self.files)} (written beside the film, moved into place with it "
                "when every check passed)")

    def commands(self) -> tuple[tuple[str, ...], ...]:
        return ()


@dataclass(frozen=True, slots=True)
class Render:
    """The film: one ffmpeg command, or chunk producers piped into one encoder (`RenderCommands`)."""

    name: ClassVar[str] = "render"
    timeline: Timeline  # the one rendered: a draft's points at the proxies
    raster: RasterPlan
    encode: EncodeSettings
    output: Path
    gain: AudioGain | None  # as known when the list was built
    gain_pending: bool  # the loudness pass must measure it first
    pieces: bool = False  # a draft: cached pieces joined without re-encoding (`run.draft_pieces`)

    def compile(self, gain: AudioGain | None, output: Path | None = None, tap: Path | None = None) -> RenderCommands:
        """The render's commands with `gain` (the measured one, when running), writing `output`
        (the runner's temporary name; default `self.output`) and, with `tap`, the flash gate's
        frames to that FIFO (`compile.flash_tap`)."""
        return compile_render(self.timeline, self.raster, output=output or self.output, encode=self.encode,
                              gain=gain, tap=tap)

    def in_pieces(self, gain: AudioGain | None, *, check: bool = False) -> PiecePlan:
        """A draft's pieces, each reused from the cache or to render (`check` reads each whole)."""
        return plan_pieces(self.timeline, self.encode, gain, text_folder=cache_dir(), ffmpeg=Settings().ffmpeg,
                           check=check)

    def describe(self) -> str:
        where = f"-> {self.output} (written under a temporary name beside it, renamed when every check passed)"
        if self.pieces:
            plan = self.in_pieces(None if self.gain_pending else self.gain)
            where += (f"; a draft in {len(plan.pieces)} pieces of about 4 s: {plan.reused} reused from "
                      f"{draft_cache.cache_folder()}, {len(plan.pieces) - plan.reused} to render, joined with the "
                      "sound without re-encoding")
        if self.gain_pending:
            return (f"{where}; shown without the gain: the loudness pass's gain (`volume=…dB`, and the limiter "
                    "when needed) goes into the audio chain after the mix")
        return where

    def commands(self) -> tuple[tuple[str, ...], ...]:
        if self.pieces:
            return tuple(self.in_pieces(None if self.gain_pending else self.gain).commands(self.output))
        return _flat(self.compile(None if self.gain_pending else self.gain, tap=SHOWN_TAP))


@dataclass(frozen=True, slots=True)
class Check:
    """The written file probed against the plan and the house export spec (`run.verify`)."""

    name: ClassVar[str] = "check"

    def describe(self) -> str:
        return "probe the file: size, frame rate, length, codecs, colour tags, index at the front, no edit lists"

    def commands(self) -> tuple[tuple[str, ...], ...]:
        return ()


@dataclass(frozen=True, slots=True)
class FlashGate:
    """The WCAG 2.3.1 flash gate over every frame of the film (`care.flash`), read by the render's
    tap as the encoder gets them (`run.flash_tap`), or decoded from the written file when the tap
    did not deliver the whole film. A draft in pieces: the pieces and joins no earlier draft passed
    (`run.draft_pieces.gate_pieces`)."""

    name: ClassVar[str] = "flash gate"
    pieces: bool = False

    def describe(self) -> str:
        if self.pieces:
            return ("no more than 3 flashes a second over a large area (WCAG 2.3.1), read from the pieces this draft "
                    "renders and 2 s on each side of their joins, decoded from the pieces (pieces and joins an "
                    "earlier draft passed are not read again)")
        return ("no more than 3 flashes a second over a large area (WCAG 2.3.1), read from the frames on their way "
                "to the encoder (the render's flash tap; the written file is decoded only if the tap fell short)")

    def commands(self) -> tuple[tuple[str, ...], ...]:
        return ()


@dataclass(frozen=True, slots=True)
class CardReadBack:
    """The end card read back from the file's pixels (`film.cardcheck`)."""

    name: ClassVar[str] = "end card"
    frames: tuple[int, ...]

    def describe(self) -> str:
        return (f"read the end card back from frames {', '.join(map(str, self.frames))}: every helpline's exact "
                "number must show")

    def commands(self) -> tuple[tuple[str, ...], ...]:
        return ()


Step = (DrawText | RenderPythonLayers | ReverseFootage | AnonymiseFaces | MakeProxies | MeasureLoudness | WriteCaptions
        | Render | Check | FlashGate | CardReadBack)
GATES = (Check, FlashGate, CardReadBack)


@dataclass(frozen=True, slots=True)
class RenderSteps:
    """The steps of one render, in order; the last three are always the checks (`GATES`)."""

    steps: tuple[Step, ...]
    draft: bool

    def __post_init__(self) -> None:
        kinds = tuple(type(step) for step in self.steps)
        if kinds[-len(GATES):] != GATES or sum(k is Render for k in kinds) != 1 or kinds.index(Render) != \
                len(kinds) - len(GATES) - 1:
            raise ValueError("a render's steps end with its one render, then the check, the flash gate and the "
                             "end-card read-back")

    @property
    def render(self) -> Render:
        return next(step for step in self.steps if isinstance(step, Render))

    def commands(self) -> list[tuple[str, ...]]:
        """Every ffmpeg argv the steps run, in order (the render's without a pending gain)."""
        return [argv for step in self.steps for argv in step.commands()]

    def without_proxies(self, failed: set[ProxyJob]) -> RenderSteps:
        """These steps with the clips whose proxy could not be made drafted from their original footage."""
        proxies = next((s for s in self.steps if isinstance(s, MakeProxies)), None)
        if not failed or proxies is None:
            return self
        render = dataclasses.replace(self.render, timeline=without_proxies(self.render.timeline, failed))
        return dataclasses.replace(self, steps=tuple(render if isinstance(s, Render) else s for s in self.steps))

    def shell(self) -> str:
        """The list as `reel render --dry-run` prints it: a `#` line per step, then its commands."""
        lines: list[str] = []
        for number, step in enumerate(self.steps, start=1):
            lines.append(f"# step {number} of {len(self.steps)}: {step.name} — {step.describe()}")
            if isinstance(step, Render) and step.pieces:  # which pieces are reused, then what runs
                pieces = step.in_pieces(None if step.gain_pending else step.gain)
                lines.extend(f"#   {line}" for line in pieces.describe())
                lines.extend(shlex.join(argv) for argv in pieces.commands(step.output))
            elif isinstance(step, Render):
                lines.append(step.compile(None if step.gain_pending else step.gain, tap=SHOWN_TAP).shell())
            elif isinstance(step, ReverseFootage):  # each clip's blocks piped into its encoder
                lines.extend(compile_reverse(job, job.path).shell() for job in step.make)
            else:
                lines.extend(shlex.join(argv) for argv in step.commands())
        return "\n".join(lines)


def draw_text(timeline: Timeline, folder: Path | None = None) -> DrawText:
    """The first step of every render: the text pictures, drawn into `folder` (default the cache).

    The template preview (`toolkit.film.template.preview`) takes its pictures from it too.
    """
    folder = folder or cache_dir()
    return DrawText(rasterise(timeline, folder), folder)


def plan_render(prepared: Prepared, output: Path, *, draft: bool = False,
                settings: Settings | None = None) -> RenderSteps:
    """The steps that render `prepared` to `output`: what `--dry-run` prints and `render_film` runs."""
    settings = settings or Settings()
    timeline = prepared.timeline
    manifest = build_manifest(prepared, Path(output), draft=draft)  # what the film is made from (film.manifest)
    captions = WriteCaptions(film_cues(timeline), sidecar_paths(Path(output)), sidecar_bytes(manifest))
    # Every film names its manifest and the files written beside it; a draft names its storyboard
    # too, so the next draft may replace them (run.drafts); `reel render --changed` reads the same
    # tags to replace a stale film of this storyboard (toolkit.film.library).
    timeline = dataclasses.replace(timeline, metadata=(*timeline.metadata, (MANIFEST_KEY, film_tag(manifest)),
                                                       *([(DRAFT_KEY, draft_tag(prepared.loaded.path))] if draft
                                                         else []),
                                                       (CAPTIONS_KEY, captions_tag(captions.contents()))))
    timeline, jobs = pylayers.planned(timeline)  # the files python layers are drawn into
    text = draw_text(timeline)
    steps: list[Step] = [text]
    if jobs:
        made = [job for job in jobs.values() if pylayers.intermediate_path(job, pylayers.cache_dir()).is_file()]
        steps.append(RenderPythonLayers(tuple(j for j in jobs.values() if j not in made), tuple(made),
                                        pylayers.cache_dir()))
    timeline, flips = reversing.planned(timeline)  # the files reversed footage is played from
    if flips:
        steps.append(ReverseFootage(tuple(j for j in flips if not j.path.is_file()),
                                    tuple(j for j in flips if j.path.is_file()), reversing.cache_dir()))
    timeline, covered = anonymising.planned(timeline, flips)  # the copies with faces covered
    if covered:
        steps.append(AnonymiseFaces(tuple(j for j in covered if not j.path.is_file()),
                                    tuple(j for j in covered if j.path.is_file()), anonymising.cache_dir()))
    keep_in: Path | None = None
    known: AudioGain | None = None
    if draft:
        keep_in = proxy_dir(text.folder)
        # a reversed clip made by this render is not there to be named yet: this draft reads it as it is
        jobs = tuple(plan_proxies(reversing.without_pending(timeline, [*flips, *covered]), keep_in).values())
        steps.append(MakeProxies(tuple(j for j in jobs if not j.path.exists()),
                                 tuple(j for j in jobs if j.path.exists())))
        timeline = with_proxies(timeline, jobs)
        known = cached_gain_only(timeline, keep_in)
    measure = compile_loudness_pass(timeline)
    loudness = MeasureLoudness(None if measure is None else tuple(measure), known, keep_in)
    encode = EncodeSettings.draft(settings.threads) if draft else EncodeSettings.final(settings.threads)
    steps += [loudness, captions, Render(timeline, text.raster, encode, Path(output), known, loudness.needed, draft),
              Check(), FlashGate(draft), CardReadBack(card_frames(timeline))]
    return RenderSteps(tuple(steps), draft)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun if n == 1 else noun[:-1] + 'ies' if noun.endswith('y') else noun + 's'}"


def _flat(commands: RenderCommands) -> tuple[tuple[str, ...], ...]:
    return (*commands.producers, commands.encoder)
