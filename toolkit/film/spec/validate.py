"""Load and validate a storyboard: every problem at once, each with FILE:LINE:COL.

Stages: YAML (syntax, duplicates, alias bombs) → models (types, unknown keys with "did you
mean") → assets (inside the folder, exist, decodable, the right kind, trims inside the
footage). Planning-level checks (timing, text fit, duty of care) run afterwards in the
pipeline and are located the same way.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from toolkit.doc.errors import translate_validation_error
from toolkit.doc.loader import Document, load_document
from toolkit.doc.paths import Folder, PathProblem
from toolkit.errors import Issue, ProbeError, SpecError
from toolkit.film.plan.inputs import CaptionCue
from toolkit.film.spec.models import (
    AnyScene,
    ImageBackground,
    Scene,
    Slate,
    Storyboard,
    VideoBackground,
)
from toolkit.film.spec.scenes import UNION_CHOICES
from toolkit.media.integrity import decode_check
from toolkit.media.probe import MediaInfo, probe
from toolkit.settings import Settings

_SCENE = TypeAdapter(AnyScene)
FPS = Fraction(30)


@dataclass(frozen=True)
class LoadedStoryboard:
    """A storyboard that passed validation, with its probed media and subtitle files."""

    document: Document
    storyboard: Storyboard
    base_dir: Path
    media: dict[Path, MediaInfo]
    caption_files: dict[Path, tuple[CaptionCue, ...]]
    warnings: tuple[Issue, ...]
    allow_outside: bool = False  # --allow-outside: later stages (film fonts) confine paths the same way

    @property
    def path(self) -> Path:
        return self.document.path


def load_storyboard(path: Path, *, allow_outside: bool = False) -> LoadedStoryboard:
    """Parse, validate and probe `path`. Raises `SpecError` listing every error found.

    Warnings (e.g. variable frame rate footage) are returned on the result, not raised.
    """
    doc = load_document(Path(path), kind="storyboard")
    issues: list[Issue] = []
    storyboard: Storyboard | None = None
    try:
        storyboard = Storyboard.model_validate(doc.data)
    except ValidationError as exc:
        issues.extend(translate_validation_error(exc, doc, root=Storyboard, choices=UNION_CHOICES))
    base = doc.path.resolve().parent
    checker = _AssetChecker(doc, base, allow_outside, issues)
    scenes: list[tuple[int, Any]] = []
    if storyboard is not None:
        scenes = list(enumerate(storyboard.scenes))
        checker.audio(storyboard.voiceover.file if storyboard.voiceover else None, ("voiceover", "file"))
        checker.audio(storyboard.music.file if storyboard.music else None, ("music", "file"))
    else:
        # The film as a whole is invalid, but each valid scene can still be checked, so the
        # trainee hears about a missing file in the same run as a misspelt key.
        raw = doc.data.get("scenes") if isinstance(doc.data, dict) else None
        for i, item in enumerate(raw if isinstance(raw, list) else []):
            with contextlib.suppress(ValidationError):
                scenes.append((i, _SCENE.validate_python(item)))
    for i, scene in scenes:
        checker.scene(i, scene)
    errors = [i for i in issues if i.severity == "error"]
    if errors or storyboard is None:
        raise SpecError(issues)
    return LoadedStoryboard(document=doc, storyboard=storyboard, base_dir=base, media=checker.media,
                            caption_files=checker.captions, warnings=tuple(issues), allow_outside=allow_outside)


class _AssetChecker:
    """Checks referenced files and remembers what it probed (each file probed once)."""

    def __init__(self, doc: Document, base: Path, allow_outside: bool, issues: list[Issue]) -> None:
        self.doc, self.base, self.allow_outside, self.issues = doc, base, allow_outside, issues
        self.media: dict[Path, MediaInfo] = {}
        self.captions: dict[Path, tuple[CaptionCue, ...]] = {}
        self._failed: set[Path] = set()

    def _error(self, loc: tuple, message: str, severity: str = "error") -> None:
        self.issues.append(self.doc.issue(loc, message, severity=severity))

    def resolve(self, rel: Path, loc: tuple) -> Path | None:
        """The file `rel` names, through the one path gate (`doc.paths`); None after an error."""
        try:
            return Folder(self.base, allow_outside=self.allow_outside).file(rel)
        except PathProblem as problem:
            self._error(loc, problem.message)
            return None

    def probe(self, rel: Path, loc: tuple) -> MediaInfo | None:
        path = self.resolve(rel, loc)
        if path is None or path in self._failed:
            return None
        if path in self.media:
            return self.media[path]
        try:
            info = probe(path)
        except ProbeError as exc:
            self._failed.add(path)
            self._error(loc, str(exc).replace(str(path), str(rel)))
            return None
        self.media[path] = info
        # A header can claim more than the file holds (a faststart MP4 cut short) and damaged data
        # probes fine: decode it all once (cached by file identity) and say what the film would show.
        with contextlib.suppress(ProbeError):
            verdict = decode_check(path, cache=Settings.cache_root() / "integrity").verdict()
            if verdict is not None:
                self._error(loc, f"`{rel}` {verdict.message}", severity=verdict.severity)
        return info

    def audio(self, rel: Path | None, loc: tuple) -> None:
        if rel is None:
            return
        info = self.probe(rel, loc)
        if info is not None and not info.has_audio:
            self._error(loc, f"`{rel}` has no sound (no audio stream)")

    def scene(self, i: int, scene: Scene | Slate) -> None:
        if isinstance(scene, Slate):
            return
        loc = ("scenes", i)
        bg = scene.background
        if isinstance(bg, VideoBackground):
            self._video(bg, (*loc, "background"))
        elif isinstance(bg, ImageBackground):
            info = self.probe(bg.image, (*loc, "background", "image"))
            if info is not None and info.has_video:
                self._error((*loc, "background", "image"), f"`{bg.image}` is a video; use `video:` for footage")
            elif info is not None and info.video is None:
                self._error((*loc, "background", "image"), f"`{bg.image}` has no picture (audio only?)")
        if scene.voiceover is not None:
            self.audio(scene.voiceover, (*loc, "voiceover"))
        if scene.captions is not None and scene.captions.file is not None:
            self._subtitles(scene.captions.file, (*loc, "captions", "file"))

    def _video(self, bg: VideoBackground, loc: tuple) -> None:
        info = self.probe(bg.video, (*loc, "video"))
        if info is None:
            return
        if info.is_image:
            self._error((*loc, "video"), f"`{bg.video}` is a still image; use `image:` for pictures")
            return
        if info.video is None:
            self._error((*loc, "video"), f"`{bg.video}` has no picture (an audio-only file); use it as a "
                                         "`voiceover:` instead")
            return
        start = bg.from_.to_seconds(FPS)
        length = Fraction(str(info.duration))
        if bg.to is not None:
            end = bg.to.to_seconds(FPS)
            if end <= start:
                self._error((*loc, "to"), f"`to` ({bg.to}) must be after `from` ({bg.from_})")
            elif end - start < Fraction(1, 30):
                self._error((*loc, "to"), "the trim is shorter than one frame (1/30 s)")
            if end > length + Fraction(1, 30):
                self._error((*loc, "to"), f"`to` ({bg.to}) is past the end of the footage "
                                          f"({float(length):.2f}s long)")
        if start >= length:
            self._error((*loc, "from"), f"`from` ({bg.from_}) is past the end of the footage "
                                        f"({float(length):.2f}s long)")
        if info.video.variable_frame_rate:
            self._error((*loc, "video"), f"`{bg.video}` has a variable frame rate (phone footage); it will be "
                                         "converted to constant 30 fps", severity="info")

    def _subtitles(self, rel: Path, loc: tuple) -> None:
        path = self.resolve(rel, loc)
        if path is None:
            return
        import pysubs2  # subtitle formats are pysubs2's job; we never hand-parse SRT/VTT

        try:
            subs = pysubs2.load(str(path), encoding="utf-8")
        except pysubs2.exceptions.FormatAutodetectionError:
            blank = not path.read_bytes().strip()
            self._error(loc, f"`{rel}` has no captions in it" if blank
                        else f"cannot read subtitles `{rel}`: not an SRT or WebVTT file")
            return
        except (pysubs2.exceptions.Pysubs2Error, UnicodeDecodeError, ValueError) as exc:
            self._error(loc, f"cannot read subtitles `{rel}`: {exc}")
            return
        events = [ev for ev in subs if not ev.is_comment]
        for k, ev in enumerate(events, 1):
            if "{{" in ev.text or "}}" in ev.text:
                # Subtitle readers take {...} for styling codes, so the text would lose the
                # field and show a stray brace: fail closed, as merge fields do elsewhere.
                self._error(loc, f"`{rel}` caption {k} (at {pysubs2.time.ms_to_str(ev.start, fractions=True)}) "
                                 "contains `{{` or `}}`: merge fields do not work in .srt/.vtt files; write the "
                                 "text itself, or give the captions as `lines:` in the storyboard")
        cues = tuple(CaptionCue(Fraction(ev.start, 1000), Fraction(ev.end, 1000), ev.plaintext.strip())
                     for ev in events if ev.plaintext.strip())
        if not cues:
            self._error(loc, f"`{rel}` has no captions in it")
            return
        self.captions[path] = cues
