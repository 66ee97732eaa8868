"""Text tracks besides the captions: a `hook:` line at the top, a `lower_third:` naming who speaks,
and `texts:` placed anywhere inside the safe box. Each is drawn in the template's caption look
(the storyboard's `style:` applies), linted like captions and laid out by `plan.text_tracks`.

Short forms for the common cases: `hook: "Three things I wish I'd known"`, `lower_third: Aisha`
(a name alone) and a bare string in `texts:` (centred in the safe box for the whole scene).
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import ConfigDict, Field, ValidationInfo, field_validator

from toolkit.film.spec.base import _STR, SpecModel, shorthands
from toolkit.film.spec.layer_parts import Position, _preset
from toolkit.film.spec.units import PositiveTime, Time
from toolkit.film.template.models import ENTRANCES, Enter

HOOK_SECONDS = 3  # the issue's default for a hook: the first seconds of the film


ENTER_STR: dict[str, Any] = {"type": "string", "pattern": r"^\s*(" + "|".join(ENTRANCES) + r")(\s+\S.*)?$",
                             "examples": ["fade", "pop 0.4s"]}


class _Timed(SpecModel):
    model_config = ConfigDict(json_schema_extra=shorthands(enter=ENTER_STR))

    at: Time | None = Field(default=None, description="When it appears, from the start of its scene (the film's "
                            "`hook`: of its first scene; the film's `texts`: of the film). Default 0s.")
    until: Time | None = Field(default=None, description="When it disappears.")
    for_: PositiveTime | None = Field(default=None, alias="for", description="How long it shows.")
    enter: Enter | None = Field(default=None, description="How it comes in: fade, pop or slide-up, optionally with "
                                "a length (`pop 0.4s`); default: the template's `captions.enter`.")

    @field_validator("for_")
    @classmethod
    def _one_end(cls, value: Any, info: ValidationInfo) -> Any:
        # a field check, so the error points at `for`; `until` is validated before it
        if value is not None and info.data.get("until") is not None:
            raise ValueError("give either `until` or `for`, not both")
        return value


class Hook(_Timed):
    """A short punchy line at the top of the safe box for the first seconds (default 3 s)."""

    text: Annotated[str, Field(min_length=1)]


class LowerThird(_Timed):
    """Who is speaking: a name and what they bring, low in the safe box above the captions, at the start of
    the scene for max(3 s, 0.3 s per word + 1 s) unless `until`/`for` says otherwise."""

    name: Annotated[str, Field(min_length=1)]
    about: str | None = Field(default=None, description="A descriptor under the name, e.g. `lived experience of "
                              "psychosis`.")


class TextItem(_Timed):
    """A text anywhere inside the safe box: a preset position or `{x, y}` (its top-left corner in pixels of the
    1080×1920 frame). Default: centred, for the whole scene (film-level: until the end card)."""

    model_config = ConfigDict(json_schema_extra=shorthands(position={"type": "string"}, enter=ENTER_STR))

    text: Annotated[str, Field(min_length=1)]
    position: Position | None = Field(default=None, description="`top`, `center`, `bottom-left`… inside the safe "
                                      "box, or `{x, y}` in pixels of the 1080×1920 frame. Default `center`.")

    @field_validator("position", mode="before")
    @classmethod
    def _placed(cls, value: Any) -> Any:
        if value == "full":
            raise ValueError("a text cannot be `full`; give a preset such as `center` or `top-left`, or `{x, y}`")
        return _preset(value)


def text_shorthand(value: Any) -> Any:
    """`hook: "Line"` and a bare string in `texts:` stand for `{text: ...}`."""
    return {"text": value} if isinstance(value, str) else value


def lower_third_shorthand(value: Any) -> Any:
    """`lower_third: Aisha` stands for `{name: Aisha}`."""
    return {"name": value} if isinstance(value, str) else value


def texts_shorthand(value: Any) -> Any:
    return [text_shorthand(v) for v in value] if isinstance(value, list) else value


HOOK_SCHEMA: dict[str, Any] = _STR
TEXTS_SCHEMA: dict[str, Any] = {"type": "array", "items": {"anyOf": [_STR, {"x-reel-ref": "TextItem"}]}}
