"""Scenes of a storyboard: backgrounds, captions, transitions, scene sound, and slates."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    PrivateAttr,
    Tag,
    field_validator,
    model_validator,
)

from toolkit.color import Color
from toolkit.film.spec.anonymise import FaceAnonymise, FootageAnonymise, VoiceAnonymise
from toolkit.film.spec.base import (
    _CAPTION_REF,
    _STR,
    _TRANSITION_SHORT,
    IMAGE_SUFFIXES,
    SUBTITLE_SUFFIXES,
    VIDEO_SUFFIXES,
    CaptionPosition,
    CaptionStyle,
    Fit,
    Focus,
    Hold,
    Move,
    SlateKind,
    SpecModel,
    Speed,
    TransitionType,
    Volume,
    shorthands,
)
from toolkit.film.spec.contributors import ContributorId
from toolkit.film.spec.layers import LAYER_KINDS, LAYERS_DESCRIPTION, LAYERS_SCHEMA, LayerSpec, layers_shorthand
from toolkit.film.spec.text_tracks import (
    ENTER_STR,
    HOOK_SCHEMA,
    TEXTS_SCHEMA,
    Hook,
    LowerThird,
    TextItem,
    lower_third_shorthand,
    text_shorthand,
    texts_shorthand,
)
from toolkit.film.spec.units import PositiveTime, Time
from toolkit.film.template.models import Enter
from toolkit.film.template.style import SceneStyle


class SceneAudio(SpecModel):
    """What happens to the footage's own sound in this scene."""

    keep: bool = Field(default=True, description="Keep the source clip's sound.")
    volume: Volume = 1.0
    tempo: bool = Field(default=False, description="Footage played at another `speed:` keeps its sound at that "
                        "speed, pitch corrected (`audio: tempo`); without it, sped-up or slowed footage with "
                        "sound must say `audio: mute`.")
    lead: Time = Field(default="0s", description="J cut: the scene's sound (footage and scene voiceover) starts "
                       "this long before its picture, under the end of the previous scene. The footage sound "
                       "stays in sync and inside `from`–`to`: the first `lead` of the trim is heard, not seen.")
    tail: Time = Field(default="0s", description="L cut: the scene's sound carries on this long under the start "
                       "of the next scene. The footage sound stays inside `from`–`to`: the last `tail` of the "
                       "trim is heard, not seen.")


class SceneVoiceover(SpecModel):
    """Narration for one scene, trimmed to `from`–`to` of its file, starting with the scene."""

    file: Path = Field(description="Audio (or video with sound) file, relative to the storyboard.")
    from_: Time = Field(default="0s", alias="from", description="Start point inside the file.")
    to: Time | None = Field(default=None, description="End point inside the file (default: its end).")
    volume: Volume = 1.0
    contributor: ContributorId | None = Field(default=None, description="Whose voice this is (an id in "
                                              "`contributors:`).")
    anonymise: VoiceAnonymise | None = Field(default=None, description="`voice: disguise` changes the voice "
                                             "so the speaker is hard to recognise.")


class Sound(SpecModel):
    """A sound effect (a notification ping, a whoosh) played once at `at`, from a file or the asset library."""

    file: Path | None = Field(default=None, description="A sound file, relative to the storyboard.")
    asset: str | None = Field(default=None, description="A sound from Reel's asset library (`reel assets list`), "
                              "e.g. `ping`.")
    at: Time = Field(default="0s", description="When it plays: in the film (film `sounds:`), or from the start "
                     "of the scene (a scene's `sounds:`).")
    volume: Volume = 1.0
    _path: Path | None = PrivateAttr(default=None)

    @field_validator("asset")
    @classmethod
    def _known(cls, value: str | None) -> str | None:
        if value is not None:
            _library_sound(value)
        return value

    @model_validator(mode="after")
    def _one_source(self) -> Sound:
        if (self.file is None) == (self.asset is None):
            raise ValueError("a sound needs either `file:` or `asset:` (one of them), e.g. `asset: ping`")
        if self.asset is not None:
            self._path = _library_sound(self.asset)
        return self

    @property
    def source(self) -> Path:
        """The file to play: relative to the storyboard, or the library's absolute path for an asset."""
        return self._path if self._path is not None else self.file  # type: ignore[return-value]


def _library_sound(name: str) -> Path:
    from toolkit.errors import AssetError
    from toolkit.film.assets import find_asset

    try:
        return find_asset(name, kinds=("sound",)).path
    except AssetError as exc:
        raise ValueError(str(exc)) from None


def _file_item(value: Any) -> Any:
    # `voiceover: media/vo.wav` is the common case; expand it to the full form.
    return {"file": value} if isinstance(value, str) else value


# ---------------------------------------------------------------- backgrounds


class VideoBackground(SpecModel):
    """Footage, optionally trimmed, fitted to the 9:16 frame."""

    video: Path
    from_: Time = Field(default="0s", alias="from", description="Start point inside the footage.")
    to: Time | None = Field(default=None, description="End point inside the footage.")
    fit: Fit = Field(default="cover", description="cover crops, contain letterboxes, blur-fill puts a "
                     "blurred copy behind (the usual look for landscape footage).")
    hold: Hold = Field(default="none", description="What fills a scene longer than the trimmed footage: "
                       "last-frame freezes the last trimmed frame, loop repeats the trim. Footage outside "
                       "`from`–`to` is never shown.")
    speed: Speed = Field(default=1, description="Playback speed 0.25–4 (0.5 or 50% is slow motion, 2 "
                         "or 200% twice as fast); without `duration` the scene lasts the trim ÷ speed. Footage "
                         "with sound needs the scene's `audio: tempo` or `audio: mute`.")
    reverse: bool = Field(default=False, description="Play the trim backwards, from `to` back to `from` (needs "
                          "`to`; at most 60 s of footage, made once into a cached file before the render; the "
                          "footage's sound is not played).")
    focus: Focus = Field(default="center", description="With `fit: cover`: which part of the picture the crop "
                         "keeps (left, center, right, top, bottom, or 0–1), e.g. `left` keeps a speaker on the "
                         "left of a landscape interview in the 9:16 frame.")
    contributor: ContributorId | None = Field(default=None, description="Who the footage shows (an id in "
                                              "`contributors:`); their consent is checked.")
    anonymise: FootageAnonymise | None = Field(default=None, description="Hide who it shows: `face: blur` "
                                               "(pixelate, box), hand-placed `boxes`, `voice: disguise`.")


class ImageBackground(SpecModel):
    """A still picture, optionally with a slow Ken Burns move."""

    image: Path
    fit: Fit = "cover"
    move: Move = Field(default="none", description="Slow zoom or pan across the picture.")
    contributor: ContributorId | None = Field(default=None, description="Who the picture shows (an id in "
                                              "`contributors:`).")
    anonymise: FaceAnonymise | None = Field(default=None, description="Hide who it shows: `face: blur` "
                                            "(pixelate, box) and hand-placed `boxes`.")


class ColorBackground(SpecModel):
    """A solid colour."""

    color: Color


class GradientBackground(SpecModel):
    """A two-colour gradient."""

    gradient: Annotated[list[Color], Field(min_length=2, max_length=2)]
    direction: Literal["vertical", "horizontal", "diagonal"] = "vertical"


def _background_tag(value: Any) -> str | None:
    if isinstance(value, dict):
        for key in ("video", "image", "color", "gradient"):
            if key in value:
                return key
        return None
    if isinstance(value, BaseModel):
        return {VideoBackground: "video", ImageBackground: "image", ColorBackground: "color",
                GradientBackground: "gradient"}.get(type(value))
    return None


# the keys one of which picks a background's kind: near misses (`vidoe:`) get a did-you-mean
BACKGROUND_KINDS = ("video", "image", "color", "gradient")
UNION_CHOICES = {"background_kind": BACKGROUND_KINDS, "layer_kind": LAYER_KINDS}

Background = Annotated[
    Annotated[VideoBackground, Tag("video")]
    | Annotated[ImageBackground, Tag("image")]
    | Annotated[ColorBackground, Tag("color")]
    | Annotated[GradientBackground, Tag("gradient")],
    Discriminator(
        _background_tag,
        custom_error_type="background_kind",
        custom_error_message="a background needs one of `video:`, `image:`, `color:` or `gradient:` "
        "(or just a file name or a colour)",
    ),
]


def background_shorthand(value: Any) -> Any:
    """`media/walk.mp4` → video, `photo.jpg` → image, `#223344`/`navy` → colour."""
    if not isinstance(value, str):
        return value
    suffix = Path(value).suffix.lower()
    if suffix in VIDEO_SUFFIXES:
        return {"video": value}
    if suffix in IMAGE_SUFFIXES:
        return {"image": value}
    if (suffix and "/" in value) or (suffix and not value.startswith("#") and len(suffix) <= 6):
        raise ValueError(
            f"{value!r}: unknown media type {suffix!r}; video: {', '.join(sorted(VIDEO_SUFFIXES))}; "
            f"images: {', '.join(sorted(IMAGE_SUFFIXES))}"
        )
    return {"color": value}


# ---------------------------------------------------------------- captions


class Caption(SpecModel):
    """One caption: its text and when it shows, relative to the start of its scene."""

    model_config = ConfigDict(json_schema_extra=shorthands(enter=ENTER_STR))

    text: Annotated[str, Field(min_length=1)]
    at: Time | None = Field(default=None, description="When it appears; default: when the previous one ends.")
    until: Time | None = Field(default=None, description="When it disappears.")
    for_: PositiveTime | None = Field(default=None, alias="for", description="How long it shows.")
    enter: Enter | None = Field(default=None, description="How this caption comes in (`pop`, `fade 0.4s`…); "
                                "default: its track's `enter`.")

    @model_validator(mode="after")
    def _one_end(self) -> Caption:
        if self.until is not None and self.for_ is not None:
            raise ValueError("give either `until` or `for`, not both")
        return self


def _caption_item(value: Any) -> Any:
    return {"text": value} if isinstance(value, str) else value


CaptionItem = Annotated[Caption, Field(json_schema_extra={"description": "text, or {text, at, until|for}"})]


class CaptionTrack(SpecModel):
    """Captions for a scene: inline lines or an .srt/.vtt file, and how they look."""

    model_config = ConfigDict(json_schema_extra=shorthands(
        lines={"type": "array", "items": {"anyOf": [_STR, _CAPTION_REF]}}, enter=ENTER_STR))

    lines: list[CaptionItem] | None = None
    file: Path | None = Field(default=None, description=".srt or .vtt file; times are relative to the scene.")
    style: CaptionStyle | None = Field(default=None, description="block, or word-by-word highlighting.")
    position: CaptionPosition | None = None
    enter: Enter | None = Field(default=None, description="How each caption comes in: fade, pop or slide-up, "
                                "optionally with a length (`fade 0.4s`); default: the template's `captions.enter`.")

    @field_validator("lines", mode="before")
    @classmethod
    def _bare_strings(cls, value: Any) -> Any:
        return [_caption_item(v) for v in value] if isinstance(value, list) else value

    @model_validator(mode="after")
    def _one_source(self) -> CaptionTrack:
        if self.lines is None and self.file is None:
            raise ValueError("captions need `lines:` or a subtitle `file:`")
        if self.lines is not None and self.file is not None:
            raise ValueError("give captions either as `lines:` or as a `file:`, not both")
        return self


class FilmCaption(Caption):
    """One caption of the film's own track: its text and when it shows, from the start of the film."""


class FilmCaptions(CaptionTrack):
    """One caption track for the whole film (the storyboard's top-level `captions:`): times from the
    film's start; Reel splits each caption at the scene boundaries it crosses."""

    lines: list[Annotated[FilmCaption, Field(json_schema_extra={"description": "text, or {text, at, until|for}"})]] \
        | None = Field(default=None, description="Captions with `at` (and `until` or `for`) from the film's start; "
                       "`at` defaults to when the previous one ends.")
    file: Path | None = Field(default=None, description=".srt or .vtt file timed to the whole film.")


def caption_shorthand(value: Any) -> Any:
    """A bare string is one caption for the whole scene; a list is a list of lines."""
    if isinstance(value, str):
        if Path(value).suffix.lower() in SUBTITLE_SUFFIXES:
            return {"file": value}
        return {"lines": [{"text": value}]}
    if isinstance(value, list):
        return {"lines": value}
    return value


# ---------------------------------------------------------------- transitions


class Transition(SpecModel):
    """How this scene hands over to the next one."""

    type: TransitionType = "cut"
    duration: PositiveTime = Field(default="0.5s", description="Length of the overlap (ignored for cut).")


def transition_shorthand(value: Any) -> Any:
    return {"type": value} if isinstance(value, str) else value


# ---------------------------------------------------------------- scenes


class Scene(SpecModel):
    """A piece of the film: a background, captions over it, and a transition into the next."""

    model_config = ConfigDict(json_schema_extra=shorthands(
        background={"type": "string", "description": "a video/image file, or a colour"},
        captions={"anyOf": [_STR, {"type": "array", "items": {"anyOf": [_STR, _CAPTION_REF]}}]},
        transition=_TRANSITION_SHORT,
        audio={"anyOf": [{"type": "boolean"}, {"enum": ["mute", "off", "tempo"]}]},
        voiceover=_STR,
        layers=LAYERS_SCHEMA,
        hook=HOOK_SCHEMA,
        lower_third=HOOK_SCHEMA,
        texts=TEXTS_SCHEMA,
    ))

    name: str | None = Field(default=None, description="A label for contact sheets and errors.")
    duration: PositiveTime | None = Field(
        default=None, description="Length; default: the trimmed footage or the scene's voiceover.")
    background: Background | None = Field(default=None, description="Default: the template's colour.")
    captions: CaptionTrack | None = None
    voiceover: SceneVoiceover | None = Field(default=None, description="Narration for this scene only: a file, "
                                             "or `{file, from, to, volume}`.")
    audio: SceneAudio = Field(default_factory=SceneAudio)
    sounds: list[Sound] = Field(default_factory=list, description="Sound effects, `at` from the scene's start.")
    transition: Transition | None = None
    style: SceneStyle | None = Field(default=None, description="This scene's caption look, over the template's.")
    layers: list[LayerSpec] = Field(default_factory=list, description=LAYERS_DESCRIPTION)
    hook: Hook | None = Field(default=None, description="A short line at the top of the safe box for the scene's "
                              "first 3 s: text, or `{text, at, until|for}`.")
    lower_third: LowerThird | None = Field(default=None, description="Who speaks, above the captions at the "
                                           "scene's start: a name, or `{name, about, at, until|for}`.")
    texts: list[TextItem] = Field(default_factory=list, description="Texts anywhere inside the safe box: text, or "
                                  "`{text, position, at, until|for}`.")

    _bg = field_validator("background", mode="before")(lambda cls, v: background_shorthand(v))
    _ly = field_validator("layers", mode="before")(lambda cls, v: layers_shorthand(v))
    _cap = field_validator("captions", mode="before")(lambda cls, v: caption_shorthand(v))
    _tr = field_validator("transition", mode="before")(lambda cls, v: transition_shorthand(v))
    _vo = field_validator("voiceover", mode="before")(lambda cls, v: _file_item(v))
    _hk = field_validator("hook", mode="before")(lambda cls, v: text_shorthand(v))
    _l3 = field_validator("lower_third", mode="before")(lambda cls, v: lower_third_shorthand(v))
    _tx = field_validator("texts", mode="before")(lambda cls, v: texts_shorthand(v))

    @field_validator("audio", mode="before")
    @classmethod
    def _audio_flag(cls, value: Any) -> Any:
        if isinstance(value, bool):
            return {"keep": value}
        if value in ("mute", "off"):
            return {"keep": False}
        if value == "tempo":
            return {"keep": True, "tempo": True}
        return value


class Slate(SpecModel):
    """A text card: the content warning, a signpost to support, or a title."""

    model_config = ConfigDict(json_schema_extra=shorthands(transition=_TRANSITION_SHORT))

    slate: SlateKind
    text: str | None = Field(default=None, description="Default: generated (content-warning, signpost) "
                             "or the film's title.")
    duration: PositiveTime | None = Field(
        default=None, description="At least max(3 s, 0.3 s per word + 1 s); default: that minimum.")
    background: Color | None = None
    transition: Transition | None = None

    _tr = field_validator("transition", mode="before")(lambda cls, v: transition_shorthand(v))


def _scene_tag(value: Any) -> str:
    if isinstance(value, dict):
        return "slate" if "slate" in value else "scene"
    return "slate" if isinstance(value, Slate) else "scene"


AnyScene = Annotated[
    Annotated[Scene, Tag("scene")] | Annotated[Slate, Tag("slate")],
    Discriminator(_scene_tag),
]
