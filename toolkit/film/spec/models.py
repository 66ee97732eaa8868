"""The storyboard language, defined once as pydantic models (the YAML boundary only).

Everything after validation works on frozen dataclasses (see `toolkit.film.plan.timeline`);
these models exist to give a trainee precise, located errors and to generate the JSON Schema
that editors use for autocompletion.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from toolkit.care.warnings import normalize_topic
from toolkit.color import Color
from toolkit.film.spec.anonymise import VoiceAnonymise
from toolkit.film.spec.base import (
    _CAPTION_REF,
    _STR,
    IMAGE_SUFFIXES,
    PLATFORMS,
    REGIONS,
    SUBTITLE_SUFFIXES,
    TOPICS,
    VIDEO_SUFFIXES,
    CaptionStyle,
    Platform,
    Region,
    SpecModel,
    Topic,
    Volume,
    shorthands,
)
from toolkit.film.spec.contributors import ContributorId, Contributors
from toolkit.film.spec.layers import LAYERS_SCHEMA, LayerSpec, layers_shorthand
from toolkit.film.spec.scenes import (
    AnyScene,
    Background,
    Caption,
    CaptionTrack,
    ColorBackground,
    FilmCaptions,
    GradientBackground,
    ImageBackground,
    Scene,
    SceneAudio,
    SceneVoiceover,
    Slate,
    Sound,
    Transition,
    VideoBackground,
    caption_shorthand,
)
from toolkit.film.spec.text_tracks import HOOK_SCHEMA, TEXTS_SCHEMA, Hook, TextItem, text_shorthand, texts_shorthand
from toolkit.film.spec.units import PositiveTime, Time
from toolkit.film.template.style import FilmStyle

__all__ = [
    "IMAGE_SUFFIXES", "PLATFORMS", "REGIONS", "SUBTITLE_SUFFIXES", "TOPICS", "VIDEO_SUFFIXES", "AnyScene",
    "Background", "Caption", "CaptionTrack", "ColorBackground", "CustomService", "EndCard", "FilmCaptions",
    "GradientBackground", "ImageBackground", "Music", "ReviewedException", "Scene", "SceneAudio", "SceneVoiceover",
    "Slate", "Sound", "Storyboard", "Transition", "VideoBackground", "Voiceover",
]


# ---------------------------------------------------------------- audio


class Voiceover(SpecModel):
    """A narration track laid under the whole film from `at`."""

    file: Path = Field(description="Audio (or video with sound) file, relative to the storyboard.")
    volume: Volume = 1.0
    at: Time | None = Field(default=None, description="When the voiceover starts in the film. Default: "
                            "right after the content-warning slate (the film's start when it has none), "
                            "so no speech plays under the warning.")
    contributor: ContributorId | None = Field(default=None, description="Whose voice this is (an id in "
                                              "`contributors:`): their consent is checked.")
    anonymise: VoiceAnonymise | None = Field(default=None, description="`voice: disguise` changes the voice "
                                             "so the speaker is hard to recognise.")


class Music(SpecModel):
    """A music cue: a file played under the film from `at`, starting `from` seconds into it, looped to
    length (or stopping at `until`/after `for`), faded in and out, and ducked under speech."""

    file: Path
    volume: Volume = Field(default=0.3, description="Music level before ducking.")
    duck: bool = Field(default=True, description="Lower the music automatically while someone speaks.")
    loop: bool = Field(default=True, description="Play the file again from `from` when it ends, until the cue "
                       "ends.")
    at: Time = Field(default="0s", description="When the cue starts in the film.")
    from_: Time = Field(default="0s", alias="from", description="In-point: where in the file the cue starts.")
    until: Time | None = Field(default=None, description="When the cue stops in the film. Default: when the "
                               "next cue starts, else at the film's end (with `loop: no`, at the file's end).")
    for_: PositiveTime | None = Field(default=None, alias="for", description="How long the cue plays.")
    fade_in: Time | None = Field(default=None, description="Default: 15 frames (0.5 s at 30 fps).")
    fade_out: Time | None = Field(default=None, description="Default: 1 s.")

    @model_validator(mode="after")
    def _one_end(self) -> Music:
        if self.until is not None and self.for_ is not None:
            raise ValueError("give either `until` or `for`, not both")
        return self


def _file_shorthand(value: Any) -> Any:
    # `voiceover: media/vo.wav` is the common case; expand it to the full form (each cue of a music list too).
    if isinstance(value, list):
        return [_file_shorthand(v) for v in value]
    return {"file": value} if isinstance(value, str) else value


# ---------------------------------------------------------------- end card and policy


class CustomService(SpecModel):
    """A support service not in the directory (e.g. a local one), shown as well as the chosen ones."""

    name: Annotated[str, Field(min_length=2)]
    call: str | None = Field(default=None, description="A phone number valid in the film's region, or a short "
                             "code its numbering plan knows, e.g. `0800 123 4567`.")
    text: str | None = Field(default=None, description="An SMS number or short code, e.g. `85258`.")
    web: str | None = None
    hours: str | None = None

    @field_validator("call", "text", mode="before")
    @classmethod
    def _number_as_text(cls, value: Any) -> Any:
        # `call: 988` reads as an integer; it is a number to dial, so take its digits as written
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value

    @field_validator("name", "call", "text", "web", "hours")
    @classmethod
    def _not_blank(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        field = info.field_name or ""
        if not value.strip():
            raise ValueError(f"`{field}` is blank; {_CUSTOM_EXAMPLES[field]}")
        if field in ("call", "text") and not any(ch.isdigit() for ch in value):
            raise ValueError(f"`{field}` needs a phone number or short code, got {value!r}; "
                             f"{_CUSTOM_EXAMPLES[field]}")
        return value.strip()

    @model_validator(mode="after")
    def _has_contact(self) -> CustomService:
        if not (self.call or self.text or self.web):
            raise ValueError("a service needs at least one of `call`, `text` or `web`")
        return self


_CUSTOM_EXAMPLES = {
    "name": "give the service's name, e.g. `name: Harbour Youth Line`",
    "call": "write the number as the service publishes it, e.g. `call: 0800 123 4567`, or leave `call` out",
    "text": "write the SMS number or short code, e.g. `text: 85258`, or leave `text` out",
    "web": "write the address, e.g. `web: harbour.example.org`, or leave `web` out",
    "hours": "write the opening hours, e.g. `hours: Mon-Fri 9am-5pm`, or leave `hours` out",
}


END_CARD_RULE = (
    "the helpline end card can't be switched off: every film ends with region-matched support "
    "details (duty-of-care rule end-card-mandatory). You can restyle it or add services."
)


class EndCard(SpecModel):
    """Options for the mandatory helpline end card. It can be restyled and extended, never removed."""

    heading: str | None = Field(default=None, description="Default from the template.")
    message: str | None = Field(default=None, description="An extra line under the heading.")
    services: list[str] = Field(default_factory=list, description="Extra directory service ids to show.")
    custom_services: list[CustomService] = Field(default_factory=list)
    duration: PositiveTime | None = Field(default=None, description="Can be longer than the minimum, not shorter.")
    background: Color | None = None


class ReviewedException(SpecModel):
    """A reviewed, recorded decision to keep wording the language lint flags (kept in the film's metadata)."""

    rule: str = Field(description="The lint rule id, e.g. `committed-suicide`.")
    text: str = Field(description="The exact on-screen words this exception covers; it excuses only hits "
                      "of `rule` that lie inside them.")
    reason: Annotated[str, Field(min_length=10)] = Field(description="Why it is kept; who reviewed it.")
    reviewer: Annotated[str, Field(min_length=2)]

    @field_validator("text")
    @classmethod
    def _quotes_words(cls, value: str) -> str:
        # "" is inside every string, so an empty quote would excuse every hit of the rule
        if not value.strip():
            raise ValueError("quote the exact on-screen words this exception excuses (e.g. `text: \"committed "
                             "suicide\"`); an empty text would excuse every hit of the rule")
        return value


# ---------------------------------------------------------------- the film


def _topic_name(value: Any) -> Any:
    # Another spelling of a topic (`self-injury`, `Eating disorder`) is told the name it means; the
    # storyboard keeps the one name the helplines, the slate and the lint key on.
    if isinstance(value, str) and value not in TOPICS and normalize_topic(value) in TOPICS:
        listed = ", ".join(repr(t) for t in TOPICS[:-1]) + f" or {TOPICS[-1]!r}"
        raise ValueError(f"{value!r} is not one of {listed}; did you mean `{normalize_topic(value)}`?")
    return value



class Storyboard(SpecModel):
    """A whole film: what it is about, where it will be shown, and its scenes in order."""

    model_config = ConfigDict(json_schema_extra=shorthands(
        voiceover=_STR, music=_STR, layers=LAYERS_SCHEMA, hook=HOOK_SCHEMA, texts=TEXTS_SCHEMA,
        captions={"anyOf": [_STR, {"type": "array", "items": {"anyOf": [_STR, _CAPTION_REF]}}]}))

    title: Annotated[str, Field(min_length=1, max_length=200)]
    template: str = Field(default="default", description="A folder name in templates/.")
    platform: Platform = Field(default="tiktok", description="Where the film will be posted. Every platform "
                               "takes at most 180 s, counting slates and end card (over 90 s is a warning).")
    region: Region = Field(description="Where the film will be shown: chooses the helplines.")
    topics: list[Annotated[Topic, BeforeValidator(_topic_name)]] = Field(
        default_factory=list, description="Drive content warnings and topic helplines.")
    language: Annotated[str, Field(pattern=r"^[a-z]{2}(-[A-Z]{2})?$")] = "en"
    voiceover: Voiceover | None = None
    music: Music | Annotated[list[Music], Field(min_length=1)] | None = Field(
        default=None, description="A music bed (a file, or one cue), or a list of cues across the film.")
    sounds: list[Sound] = Field(default_factory=list, description="Sound effects at times in the film.")
    caption_style: CaptionStyle | None = Field(default=None, description="Default style for every scene.")
    captions: FilmCaptions | None = Field(default=None, description="One caption track for the whole film, timed "
                                          "from its start (a list, or an .srt/.vtt file); split at scene "
                                          "boundaries. A scene with its own captions cannot have the film's too.")
    end_card: EndCard = Field(default_factory=EndCard)
    fields: dict[str, str] = Field(default_factory=dict, description="Values for the template's {{ merge fields }}.")
    style: FilmStyle | None = Field(default=None, description="Overrides of the template's look for this "
                                    "film (palette, fonts, captions, slates, end_card, logo) unless locked.")
    reviewed_exceptions: list[ReviewedException] = Field(default_factory=list)
    contributors: Contributors | None = Field(
        default=None, description="The people the film shows and what each agreed to: a list, or a shared "
        "contributors file (e.g. `contributors.yaml`) relative to the storyboard.")
    scenes: Annotated[list[AnyScene], Field(min_length=1)]
    layers: list[LayerSpec] = Field(default_factory=list, description="Layers over the whole film (e.g. "
                                    "`progress: bar`), times from the film's start, drawn over the scenes' layers "
                                    "and under all text; they end before the end card.")
    hook: Hook | None = Field(default=None, description="A short line at the top of the safe box for the first 3 s "
                              "of the film's first scene; `at` counts from that scene's start.")
    texts: list[TextItem] = Field(default_factory=list, description="Texts anywhere inside the safe box, times "
                                  "from the film's start; they end before the end card.")

    _vo = field_validator("voiceover", "music", mode="before")(lambda cls, v: _file_shorthand(v))
    _cap = field_validator("captions", mode="before")(lambda cls, v: caption_shorthand(v))
    _ly = field_validator("layers", mode="before")(lambda cls, v: layers_shorthand(v))
    _hk = field_validator("hook", mode="before")(lambda cls, v: text_shorthand(v))
    _tx = field_validator("texts", mode="before")(lambda cls, v: texts_shorthand(v))

    @property
    def music_cues(self) -> tuple[tuple[tuple[str | int, ...], Music], ...]:
        """Every music cue with where it is written (`("music",)` for the single form)."""
        if self.music is None:
            return ()
        if isinstance(self.music, Music):
            return ((("music",), self.music),)
        return tuple((("music", i), cue) for i, cue in enumerate(self.music))

    @field_validator("region", mode="before")
    @classmethod
    def _region_case(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value

    @field_validator("end_card", mode="before")
    @classmethod
    def _never_off(cls, value: Any) -> Any:
        if value is None or value is False or (isinstance(value, str) and value.lower() in
                                               {"none", "off", "no", "false", "hidden", "skip"}):
            raise ValueError(END_CARD_RULE)
        if value is True:
            return {}
        return value
