"""The brand-template language (`templates/<name>/template.yaml`), as pydantic models.

A template states the look of a film: palette, fonts, caption style, slate and end-card
layout, logo, loudness target. It can restyle the end card but never remove or shorten it.
"""

from __future__ import annotations

import difflib
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from toolkit.color import Color

FIELD_NAME = r"^[A-Za-z_][A-Za-z0-9_-]*$"
# Keys someone might reach for to switch the end card off or cut it short; each gets the
# duty-of-care explanation instead of a bare "unknown key".
_END_CARD_REMOVERS = frozenset({"enabled", "enable", "show", "visible", "hidden", "hide", "skip", "remove", "off",
                                "disabled", "disable", "duration", "seconds", "min_seconds", "length"})
END_CARD_KEPT = ("the helpline end card cannot be removed or shortened (duty-of-care rule end-card-mandatory); "
                 "a template or a storyboard's `style:` may only restyle it, or lengthen it with `extra_seconds`")
# Template sections a storyboard can override (through `style:`, or `music:` for the music bed),
# and so the only ones worth locking.
OVERRIDABLE = ("palette", "fonts", "captions", "slates", "end_card", "logo", "music")

FontRef = Annotated[
    str,
    Field(description="`atkinson-hyperlegible:bold` (an installed fontpkg font and style) or a font "
          "file in the template folder, e.g. `fonts/Brand-Bold.ttf`."),
]
Band = Literal["bottom", "middle", "top"]
Corner = Literal["top-left", "top-right", "bottom-left", "bottom-right"]
Opacity = Annotated[float, Field(ge=0.0, le=1.0)]


class TemplateModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)


class Palette(TemplateModel):
    background: Color = "#14213d"
    text: Color = "#ffffff"
    accent: Color = "#fca311"


class Fonts(TemplateModel):
    heading: FontRef = "atkinson-hyperlegible:bold"
    body: FontRef = "atkinson-hyperlegible:regular"
    captions: FontRef = "atkinson-hyperlegible:bold"


class Outline(TemplateModel):
    """A stroke around every letter (`outline: 6` is 6 px of black). With an outline, the contrast check
    judges the text against the outline's colour: it is what lies directly behind the letters' edges."""

    width: Annotated[int, Field(ge=1, le=12, description="Px at 1080×1920, outside the letters.")] = 4
    color: Color = "#000000"

    @model_validator(mode="before")
    @classmethod
    def _width_only(cls, value: Any) -> Any:
        return {"width": value} if isinstance(value, int) and not isinstance(value, bool) else value


class Shadow(TemplateModel):
    """A drop shadow under the letters (and their outline), offset down and to the right by default."""

    x: Annotated[int, Field(ge=-24, le=24, description="Offset to the right, px at 1080×1920.")] = 4
    y: Annotated[int, Field(ge=-24, le=24, description="Offset downwards, px at 1080×1920.")] = 4
    color: Color = "#000000"
    opacity: Opacity = 0.6


ENTRANCES = ("cut", "fade", "pop", "slide-up")


class Enter(TemplateModel):
    """How a caption or text comes in: `fade`, `pop` (grows from 40 % of its size) or `slide-up` (rises half
    its height while fading in), in `seconds` (`fade 0.4s`); `by: line` (`fade by line`) brings a caption's
    lines in one after another, `by: word` (`pop by word`) a word-by-word caption word by word, each word as
    it is spoken. Drawn by ffmpeg from the text's picture; one change
    per word or text, never repeated, so nothing blinks (WCAG 2.3.1)."""

    type: Literal["cut", "fade", "pop", "slide-up"] = "cut"
    by: Literal["caption", "line", "word"] = Field(
        default="caption", description="`line`: a caption's lines come in one after another, each as the one "
        "before has come in; `word`: a word-by-word caption comes in a word at a time, as each is spoken (other "
        "text comes in whole).")
    seconds: Annotated[float, Field(ge=0.2, le=1.0, description="How long the entrance takes (0.2–1 s: "
                                    "shorter would read as a flash of text).")] = 0.3

    @model_validator(mode="before")
    @classmethod
    def _short_form(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        text, by = value.strip(), "caption"
        for unit in ("line", "word"):
            if text.endswith(f" by {unit}"):
                text, by = text.removesuffix(f" by {unit}"), unit
        kind, _, rest = text.partition(" ")
        if kind not in ENTRANCES:
            close = difflib.get_close_matches(kind, ENTRANCES, n=1)
            raise ValueError(f"{kind!r} is not an entrance; use one of {', '.join(ENTRANCES)}, optionally with a "
                             f"length such as `fade 0.4s`" + (f"; did you mean `{close[0]}`?" if close else ""))
        rest = rest.strip().removesuffix("s").strip()
        if not rest:
            return {"type": kind, "by": by}
        try:
            seconds = float(rest)
        except ValueError:
            raise ValueError(f"{value.strip()!r}: the length must be seconds, such as `{kind} 0.4s`") from None
        if not 0.2 <= seconds <= 1.0:
            raise ValueError(f"an entrance takes 0.2–1 s (quicker, it would read as a flash of text), got {rest}s")
        return {"type": kind, "seconds": seconds, "by": by}


class CaptionLook(TemplateModel):
    """How captions (and hooks, lower thirds and texts) look. Sizes are pixels on the 1080×1920 reference
    frame. The weight is the font's: `fonts.captions: atkinson-hyperlegible:bold` (or `:regular`)."""

    style: Literal["block", "word-by-word"] = "block"
    size: Annotated[int, Field(ge=36, le=140, description="Font size in px at 1080×1920.")] = 64
    color: Color = "#ffffff"
    box: Color | None = Field(default="#000000", description="Backing box colour; null for none.")
    box_opacity: Opacity = 0.78
    highlight: Color = Field(default="#ffd166", description="The spoken word in word-by-word style.")
    position: Band = "bottom"
    max_lines: Annotated[int, Field(ge=1, le=3)] = 3
    line_spacing: Annotated[float, Field(ge=1.0, le=2.0)] = 1.25
    outline: Outline | None = Field(default=None, description="A stroke around the letters: `{width, color}` or "
                                    "a width; null for none.")
    shadow: Shadow | None = Field(default=None, description="A drop shadow: `{x, y, color, opacity}`; null for none.")
    uppercase: bool = Field(default=False, description="Draw the text in capitals (the words are linted as "
                            "written).")
    enter: Enter = Field(default_factory=Enter, description="How each caption (and hook, lower third, text) comes "
                         "in: cut, fade, pop or slide-up, optionally with a length: `fade 0.4s`.")


class SlateLook(TemplateModel):
    """A slate layout: a heading over body text on a solid background."""

    background: Color | None = Field(default=None, description="Default: palette background.")
    heading: str | None = Field(default=None, description="Small heading above the text.")
    heading_color: Color | None = Field(default=None, description="Default: palette accent.")
    color: Color | None = Field(default=None, description="Default: palette text.")
    size: Annotated[int, Field(ge=40, le=140)] = 72
    heading_size: Annotated[int, Field(ge=32, le=120)] = 52


class Slates(TemplateModel):
    content_warning: SlateLook = Field(default_factory=lambda: SlateLook(heading="Content warning"),
                                       alias="content-warning")
    signpost: SlateLook = Field(default_factory=lambda: SlateLook(heading="Support"))
    title: SlateLook = Field(default_factory=lambda: SlateLook(size=88))

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True, populate_by_name=True)

    def for_kind(self, kind: str) -> SlateLook:
        return {"content-warning": self.content_warning, "signpost": self.signpost, "title": self.title}[kind]


class EndCardLook(TemplateModel):
    """The helpline end card's look. There is deliberately no switch to turn it off."""

    background: Color | None = None
    heading: str = "You don't have to go through this alone"
    heading_color: Color | None = None
    color: Color | None = None
    number_color: Color | None = Field(default=None, description="Default: palette accent.")
    heading_size: Annotated[int, Field(ge=48, le=120)] = 64
    size: Annotated[int, Field(ge=40, le=100)] = 50
    extra_seconds: Annotated[float, Field(ge=0, le=10)] = Field(
        default=0.0, description="Time added to the minimum reading time; never subtracted.")

    @model_validator(mode="before")
    @classmethod
    def _not_removable(cls, value: Any) -> Any:
        return refuse_end_card_removal(value)

    @field_validator("extra_seconds", mode="before")
    @classmethod
    def _no_shortening(cls, value: Any) -> Any:
        return refuse_shortening(value)


def refuse_shortening(value: Any) -> Any:
    """Negative `extra_seconds` would cut the end card's reading time: refuse with the reason."""
    if isinstance(value, int | float) and value < 0:
        raise ValueError("the end card cannot be shortened (duty-of-care rule end-card-mandatory); "
                         "`extra_seconds` can only add time")
    return value


def refuse_end_card_removal(value: Any) -> Any:
    """Reject `end_card: off` and switches like `enabled: false` with the duty-of-care reason."""
    if value is None or value is False or (isinstance(value, str) and value.lower() in {"none", "off", "no"}):
        raise ValueError(END_CARD_KEPT)
    if isinstance(value, dict) and _END_CARD_REMOVERS & set(value):
        raise ValueError(f"`{sorted(_END_CARD_REMOVERS & set(value))[0]}`: {END_CARD_KEPT}")
    return value


class Logo(TemplateModel):
    file: Path
    corner: Corner = "top-right"
    width: Annotated[int, Field(ge=40, le=400, description="Width in px at 1080×1920.")] = 160
    opacity: Opacity = 0.9
    on: list[Literal["scene", "slate", "end_card"]] = Field(
        default_factory=lambda: ["scene", "slate"], description="Segment kinds that show the logo; [] for none.")

    @model_validator(mode="before")
    @classmethod
    def _yaml11_on(cls, value: Any) -> Any:
        return on_key(value)


def on_key(value: Any) -> Any:
    """YAML 1.1 reads the key `on:` as boolean true; give it its name back."""
    if isinstance(value, dict) and True in value:
        return {("on" if k is True else k): v for k, v in value.items()}
    return value


class Loudness(TemplateModel):
    target: Annotated[float, Field(ge=-31, le=-9)] = -14.0
    true_peak: Annotated[float, Field(ge=-9, le=-0.5)] = -1.0


class MusicDefault(TemplateModel):
    file: Path
    volume: Annotated[float, Field(ge=0, le=4)] = 0.25


def _lockable(item: str) -> str:
    known = lockable_paths()
    if item not in known:
        close = difflib.get_close_matches(item, sorted(known), n=1, cutoff=0.6)
        hint = f"; did you mean `{close[0]}`?" if close else \
            f"; lockable: {', '.join(OVERRIDABLE)} or a property inside one (e.g. `fonts.captions`)"
        raise ValueError(f"`{item}` is not a property a storyboard can override{hint}")
    return item


LockedProperty = Annotated[str, AfterValidator(_lockable)]


class Template(TemplateModel):
    """A resolved brand template (after `extends` has been applied)."""

    name: str
    description: str = ""
    extends: str | None = None
    palette: Palette = Field(default_factory=Palette)
    fonts: Fonts = Field(default_factory=Fonts)
    captions: CaptionLook = Field(default_factory=CaptionLook)
    slates: Slates = Field(default_factory=Slates)
    end_card: EndCardLook = Field(default_factory=EndCardLook)
    logo: Logo | None = None
    intro: Path | None = Field(default=None, description="A short sting played before the first scene.")
    outro: Path | None = Field(default=None, description="A clip played before the end card.")
    music: MusicDefault | None = None
    loudness: Loudness = Field(default_factory=Loudness)
    gradients: Literal["keep", "flatten"] = Field(
        default="keep", description="`flatten` replaces storyboard gradient backgrounds with the palette "
        "background (accessibility templates).")
    fields: dict[Annotated[str, Field(pattern=FIELD_NAME)], str | None] = Field(
        default_factory=dict, description="Merge fields the template's text uses, with a default value "
        "(null: every storyboard must give it under `fields:` or with --field).")
    locked: list[LockedProperty] = Field(
        default_factory=list, description="Properties storyboards may not override, as dotted paths: "
        "`logo`, `end_card`, `fonts.captions`, `captions.color`... Locks add up along `extends`.")

    @field_validator("end_card", mode="before")
    @classmethod
    def _end_card_kept(cls, value: Any) -> Any:
        return refuse_end_card_removal(value)


@cache
def lockable_paths() -> frozenset[str]:
    """Every dotted property path under the overridable sections, as written in YAML."""
    out: set[str] = set()

    def walk(model: type[BaseModel], prefix: str, only: tuple[str, ...] | None = None) -> None:
        for name, info in model.model_fields.items():
            key = info.alias or name
            if only is not None and key not in only:
                continue
            out.add(prefix + key)
            for sub in (a for a in (info.annotation, *getattr(info.annotation, "__args__", ()))
                        if isinstance(a, type) and issubclass(a, BaseModel)):
                walk(sub, f"{prefix}{key}.")

    walk(Template, "", OVERRIDABLE)
    return frozenset(out)
