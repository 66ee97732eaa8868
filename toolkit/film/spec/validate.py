"""Load and validate a storyboard: every problem at once, each with FILE:LINE:COL.

Stages: YAML (syntax, duplicates, alias bombs) → models (types, unknown keys with "did you
mean") → assets (inside the folder, exist, decodable, the right kind, trims inside the
footage). Planning-level checks (timing, text fit, duty of care) run afterwards in the
pipeline and are located the same way.
"""

from __future__ import annotations

import contextlib
import difflib
import typing
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from toolkit.doc.errors import translate_validation_error
from toolkit.doc.loader import Document, load_document
from toolkit.doc.paths import Folder, PathProblem
from toolkit.errors import Issue, ProbeError, SpecError
from toolkit.film.spec.base import SlateKind
from toolkit.film.spec.layer_media import check_layers
from toolkit.film.spec.models import (
    AnyScene,
    Caption,
    CaptionTrack,
    ImageBackground,
    Scene,
    SceneVoiceover,
    Slate,
    Sound,
    Storyboard,
    VideoBackground,
)
from toolkit.film.spec.scenes import UNION_CHOICES
from toolkit.media.integrity import decode_check
from toolkit.media.probe import MediaInfo, probe
from toolkit.settings import Settings
from toolkit.subtitles import Cue, SubtitleError, read_subtitles

_SCENE = TypeAdapter(AnyScene)
SLATE_KINDS = typing.get_args(SlateKind)
FPS = Fraction(30)


@dataclass(frozen=True)
class LoadedStoryboard:
    """A storyboard that passed validation, with its probed media and subtitle files."""

    document: Document
    storyboard: Storyboard
    base_dir: Path
    media: dict[Path, MediaInfo]
    caption_files: dict[Path, tuple[Cue, ...]]
    warnings: tuple[Issue, ...]
    allow_outside: bool = False  # --allow-outside: later stages (film fonts) confine paths the same way

    @property
    def path(self) -> Path:
        return self.document.path


def load_storyboard(path: Path, *, allow_outside: bool = False) -> LoadedStoryboard:
    """Parse, validate and probe `path`. Raises `SpecError` listing every error found, in file order.

    Warnings (e.g. variable frame rate footage) are returned on the result, not raised.
    """
    checked = check_storyboard(path, allow_outside=allow_outside)
    if checked.loaded is None:
        raise SpecError(in_file_order(checked.issues))
    return checked.loaded


@dataclass(frozen=True)
class CheckedStoryboard:
    """What validation established about a storyboard that may have errors (see `check_storyboard`).

    `loaded` is the whole film when it has no error. `texts` is there whenever everything outside
    `scenes` validated: the film with each scene whose keys failed replaced by a stand-in holding
    only the texts it would show, so the merge fields and the safe-messaging lint still read them
    where they are written. `sound` lists the scenes that passed every check, media included.
    `plannable`: `texts` is the film as written, with no error but unknown top-level keys that
    change nothing (`author:`), so it can be planned whole.
    """

    document: Document
    issues: tuple[Issue, ...]
    loaded: LoadedStoryboard | None
    texts: LoadedStoryboard | None
    sound: frozenset[int]
    plannable: bool = False


def check_storyboard(path: Path, *, allow_outside: bool = False) -> CheckedStoryboard:
    """Parse, validate and probe `path`, reporting problems instead of raising them.

    Raises `SpecError` only when the file cannot be read as YAML at all. Each scene is validated
    on its own, so a valid scene's media is checked in the same run as a misspelt key elsewhere.
    """
    doc = load_document(Path(path), kind="storyboard")
    issues: list[Issue] = []
    storyboard: Storyboard | None = None
    top_ok, ignored = True, set()
    try:
        storyboard = Storyboard.model_validate(doc.data)
    except ValidationError as exc:
        issues.extend(translate_validation_error(exc, doc, root=Storyboard, choices=UNION_CHOICES))
        top = [e for e in exc.errors(include_url=False)
               if len(e["loc"]) < 2 or e["loc"][0] != "scenes" or not isinstance(e["loc"][1], int)]
        ignored = {e["loc"][0] for e in top if e["type"] == "extra_forbidden" and len(e["loc"]) == 1}
        top_ok = len(ignored) == len(top) and _ignorable(ignored, doc.data)
    if storyboard is None and top_ok:
        # everything outside `scenes` is valid (an unknown key aside, which changes nothing): check it
        # with one stand-in scene in their place
        with contextlib.suppress(ValidationError):
            storyboard = Storyboard.model_validate({**{k: v for k, v in doc.data.items() if k not in ignored},
                                                    "scenes": [{"slate": "title"}]})
    whole = storyboard is not None and not issues
    base = doc.path.resolve().parent
    checker = _AssetChecker(doc, base, allow_outside, issues)
    raw = doc.data.get("scenes") if isinstance(doc.data, dict) else None
    raw = raw if isinstance(raw, list) else []
    scenes: dict[int, Any] = {}
    if whole:
        scenes = dict(enumerate(storyboard.scenes))  # type: ignore[union-attr]
    else:
        for i, item in enumerate(raw):
            with contextlib.suppress(ValidationError):
                scenes[i] = _SCENE.validate_python(item)
    if storyboard is not None:
        checker.audio(storyboard.voiceover.file if storyboard.voiceover else None, ("voiceover", "file"))
        for where, music in storyboard.music_cues:
            checker.audio(music.file, (*where, "file"))
        for n, effect in enumerate(storyboard.sounds):
            checker.sound(effect, ("sounds", n))
        if storyboard.captions is not None and storyboard.captions.file is not None:  # timed to the whole film
            checker._subtitles(storyboard.captions.file, ("captions", "file"))
    if storyboard is not None:
        check_layers(checker, storyboard.layers, ())
    sound: set[int] = set()
    for i, scene in scenes.items():
        before = len(issues)
        checker.scene(i, scene)
        if all(issue.severity != "error" for issue in issues[before:]):
            sound.add(i)
    loaded = texts = None
    if storyboard is not None:
        # a scene whose keys are valid keeps its model even when its media is not: its texts are real
        stand = [scenes[i] if i in scenes else text_stand_in(item) for i, item in enumerate(raw)]
        texts = LoadedStoryboard(document=doc, storyboard=storyboard if whole else
                                 storyboard.model_copy(update={"scenes": stand}), base_dir=base,
                                 media=checker.media, caption_files=checker.captions, warnings=tuple(issues),
                                 allow_outside=allow_outside)
        if whole and not any(i.severity == "error" for i in issues):
            loaded = texts
    errors = sum(1 for i in issues if i.severity == "error")
    plannable = texts is not None and len(sound) == len(raw) and errors == (len(ignored) if top_ok else 0)
    return CheckedStoryboard(document=doc, issues=tuple(issues), loaded=loaded, texts=texts,
                             sound=frozenset(sound), plannable=plannable)


def _ignorable(keys: set, data: dict) -> bool:
    """Whether the later checks may run as if these unknown top-level keys were not written: none
    is a near miss of a key the film leaves out (`topic:` for `topics:` would make the topic checks
    run without the film's topics), and there are few (many are a machine-made document)."""
    absent = [f.alias or name for name, f in Storyboard.model_fields.items() if (f.alias or name) not in data]
    return len(keys) <= 20 and not any(
        difflib.get_close_matches(str(k).lower().replace(" ", "_").replace("-", "_"), absent, n=1, cutoff=0.6)
        for k in keys)


def in_file_order(issues: Iterable[Issue]) -> list[Issue]:
    """`issues` grouped by file (in the order the files first appear), each file's by line and column;
    an issue about a whole file comes first in its group."""
    issues = list(issues)
    files: dict[str, int] = {}
    for issue in issues:
        files.setdefault(str(issue.file or ""), len(files))
    return sorted(issues, key=lambda i: (files[str(i.file or "")], i.line or 0, i.col or 0))


def text_stand_in(raw: Any) -> Scene | Slate:
    """A scene that failed validation, reduced to the texts it would show (never planned or drawn).

    Built without validation, on purpose: only its `text` and caption `lines` are read, at the
    same locations as the file's, so the lint and merge fields can still check them.
    """
    raw = raw if isinstance(raw, dict) else {}
    if "slate" in raw:
        kind = raw["slate"] if raw["slate"] in SLATE_KINDS else "signpost"
        text = raw.get("text") if isinstance(raw.get("text"), str) else None
        return Slate.model_construct(slate=kind, text=text, background=None)
    caps = raw.get("captions")
    items = caps.get("lines") if isinstance(caps, dict) else [caps] if isinstance(caps, str) else caps
    lines = [Caption.model_construct(text=item if isinstance(item, str) else
                                     item.get("text") if isinstance(item, dict) and isinstance(item.get("text"), str)
                                     else "") for item in (items if isinstance(items, list) else [])]
    track = CaptionTrack.model_construct(lines=lines, file=None, style=None, position=None) if lines else None
    return Scene.model_construct(background=None, captions=track, style=None)


class _AssetChecker:
    """Checks referenced files and remembers what it probed (each file probed once)."""

    def __init__(self, doc: Document, base: Path, allow_outside: bool, issues: list[Issue]) -> None:
        self.doc, self.base, self.allow_outside, self.issues = doc, base, allow_outside, issues
        self.media: dict[Path, MediaInfo] = {}
        self.captions: dict[Path, tuple[Cue, ...]] = {}
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

    def probe(self, rel: Path, loc: tuple, *, library: bool = False) -> MediaInfo | None:
        # the asset library's files are Reel's own (found by name, inside the library): no path gate
        path = rel if library else self.resolve(rel, loc)
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

    def sound(self, effect: Sound, loc: tuple) -> None:
        """A sound effect's file (or library sound) exists and has sound."""
        if effect.asset is None:
            self.audio(effect.file, (*loc, "file"))
            return
        info = self.probe(effect.source, (*loc, "asset"), library=True)
        if info is not None and not info.has_audio:
            self._error((*loc, "asset"), f"the library's `{effect.asset}` has no sound; run scripts/make_assets.py")

    def _voiceover(self, vo: SceneVoiceover, loc: tuple) -> None:
        """A scene voiceover has sound, and its trim lies inside the file."""
        info = self.probe(vo.file, loc)
        if info is None:
            return
        if not info.has_audio:
            self._error(loc, f"`{vo.file}` has no sound (no audio stream)")
            return
        length = Fraction(str(info.duration))
        start = vo.from_.to_seconds(FPS)
        if start >= length:
            self._error((*loc, "from"), f"`from` ({vo.from_}) is past the end of `{vo.file}` "
                                        f"({float(length):.2f}s long)")
        if vo.to is not None:
            end = vo.to.to_seconds(FPS)
            if end <= start:
                self._error((*loc, "to"), f"`to` ({vo.to}) must be after `from` ({vo.from_})")
            elif end > length + Fraction(1, 30):
                self._error((*loc, "to"), f"`to` ({vo.to}) is past the end of `{vo.file}` "
                                          f"({float(length):.2f}s long)")

    def scene(self, i: int, scene: Scene | Slate) -> None:
        if isinstance(scene, Slate):
            return
        loc = ("scenes", i)
        check_layers(self, scene.layers, loc)
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
            self._voiceover(scene.voiceover, (*loc, "voiceover"))
        for n, effect in enumerate(scene.sounds):
            self.sound(effect, (*loc, "sounds", n))
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
        try:
            cues = read_subtitles(path)
        except SubtitleError as exc:
            self._error(loc, f"`{rel}` has no captions in it" if exc.empty
                        else f"cannot read subtitles `{rel}`: {exc.reason}")
            return
        for cue in cues:
            if "{{" in cue.markup or "}}" in cue.markup:
                # Subtitle readers take {...} for styling codes, so the text would lose the
                # field and show a stray brace: fail closed, as merge fields do elsewhere.
                self._error(loc, f"`{rel}` caption {cue.number} (at {cue.clock}) "
                                 "contains `{{` or `}}`: merge fields do not work in .srt/.vtt files; write the "
                                 "text itself, or give the captions as `lines:` in the storyboard")
        if not cues:
            self._error(loc, f"`{rel}` has no captions in it")
            return
        self.captions[path] = cues
