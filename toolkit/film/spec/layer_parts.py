"""The parts a layer is made of in the storyboard language: where it sits (`position`: a preset
or `{x, y}`), how big it is (`size`: `{w, h}` or a share like `40%`), how it comes and goes
(`enter`/`exit`: `fade 0.3s`, `slide-up`, `pop`) and its `border`. Positions and sizes are in
reference pixels of the 1080×1920 frame (`toolkit.geometry`); the planner turns them into output
pixels and checks them against the frame (`toolkit.film.plan.layers`).
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import Discriminator, Field, Tag, ValidationInfo, field_validator, model_validator

from toolkit.color import Color
from toolkit.doc.errors import value_hint
from toolkit.film.spec.base import SpecModel
from toolkit.film.spec.units import PositiveTime, parse_positive
from toolkit.geometry import REFERENCE_HEIGHT, REFERENCE_WIDTH

LayerFit = Literal["cover", "contain"]
Motion = Literal["cut", "fade", "slide-left", "slide-right", "slide-up", "slide-down", "pop"]
MOTIONS: tuple[str, ...] = ("cut", "fade", "slide-left", "slide-right", "slide-up", "slide-down", "pop")
# `full` fills the frame; the others place the layer's box against the edges (or the middle)
# of the platform-safe box, so a preset never puts a layer under the platforms' buttons.
PRESETS: tuple[str, ...] = ("full", "center", "top", "bottom", "left", "right", "top-left", "top-right",
                            "bottom-left", "bottom-right")
Preset = Literal["full", "center", "top", "bottom", "left", "right", "top-left", "top-right", "bottom-left",
                 "bottom-right"]
DEFAULT_MOTION_SECONDS = "0.5s"  # as a scene transition's default length
PROGRESS_HEIGHT = 12  # reference px: the default thickness of `progress: bar`


def _preset(value: Any) -> Any:
    if isinstance(value, str) and value not in PRESETS:
        raise ValueError(f"{value!r} is not a position; use one of {', '.join(PRESETS)}, or `{{x, y}}` in "
                         f"pixels of the {REFERENCE_WIDTH}×{REFERENCE_HEIGHT} frame"
                         f"{value_hint(value, PRESETS)}")
    return value


class Point(SpecModel):
    """The layer's top-left corner in pixels of the 1080×1920 reference frame (a draft scales it)."""

    x: int
    y: int

    @field_validator("x", "y")
    @classmethod
    def _in_frame(cls, value: int, info: ValidationInfo) -> int:
        top = (REFERENCE_WIDTH if info.field_name == "x" else REFERENCE_HEIGHT) - 1
        if not 0 <= value <= top:
            raise ValueError(f"`{info.field_name}` must be 0–{top} (pixels of the {REFERENCE_WIDTH}×{REFERENCE_HEIGHT} "
                             f"frame, from its top-left corner), got {_number(value)}")
        return value


def _number(value: int) -> str:
    """A whole number for a message, shortened past 12 digits (a held-down key must not fill the screen)."""
    text = str(value)
    return text if len(text) <= 12 else f"{text[:6]}… ({len(text)} digits)"


Position = Annotated[
    Annotated[Preset, Tag("preset")] | Annotated[Point, Tag("point")],
    Discriminator(lambda v: "preset" if isinstance(v, str) else "point"),
]


_SHARE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*%\s*$")


class Size(SpecModel):
    """`{w, h}` in reference pixels (give one and the other follows the picture's shape), or a
    share of the frame's width such as `40%` (the height follows the picture's shape)."""

    w: int | None = Field(default=None, description="Width in pixels of the 1080×1920 frame.")
    h: int | None = Field(default=None, description="Height in pixels of the 1080×1920 frame.")
    share: float | None = Field(default=None, description="Width as a percentage of the frame's width.")

    @field_validator("w", "h")
    @classmethod
    def _positive(cls, value: int | None, info: ValidationInfo) -> int | None:
        if value is not None and value < 1:
            raise ValueError(f"a layer must be at least 1 pixel wide and high, got {_number(value)}")
        most = REFERENCE_WIDTH if info.field_name == "w" else REFERENCE_HEIGHT
        if value is not None and value > most:
            raise ValueError(f"a layer is at most as {'wide' if info.field_name == 'w' else 'high'} as the frame "
                             f"({most} pixels of the {REFERENCE_WIDTH}×{REFERENCE_HEIGHT} frame), got {_number(value)}")
        return value

    @field_validator("share")
    @classmethod
    def _share(cls, value: float | None) -> float | None:
        if value is not None and not 0 < value <= 100:
            raise ValueError(f"a width share must be more than 0% and at most 100%, got {value:g}%")
        return value

    @model_validator(mode="after")
    def _something(self) -> Size:
        if self.w is None and self.h is None and self.share is None:
            raise ValueError("give `w`, `h` or both (pixels of the 1080×1920 frame), or a share like `40%`")
        if self.share is not None and (self.w is not None or self.h is not None):
            raise ValueError("give the size either as a share like `40%` or as `{w, h}`, not both")
        return self


def _size(value: Any) -> Any:
    if isinstance(value, str):
        m = _SHARE.match(value)
        if not m:
            raise ValueError(f"{value!r} is not a size; write a share of the frame's width like `40%`, "
                             f"or `{{w, h}}` in pixels of the {REFERENCE_WIDTH}×{REFERENCE_HEIGHT} frame")
        return {"share": float(m.group(1))}
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise ValueError(f"a size needs a unit: `{value}%` of the frame's width, or `{{w: {value}, h: …}}` "
                         "in pixels")
    return value


class MotionSpec(SpecModel):
    """How a layer comes in (`enter`) or goes out (`exit`): a kind and how long it takes."""

    type: Motion = "cut"
    duration: PositiveTime = Field(default=DEFAULT_MOTION_SECONDS, description="Ignored for cut.")


def _motion(value: Any) -> Any:
    """`fade`, `fade 0.3s` or `{type: fade, duration: 0.3s}`."""
    if not isinstance(value, str):
        return value
    kind, _, rest = value.strip().partition(" ")
    if kind not in MOTIONS:
        raise ValueError(f"{kind!r} is not a way in or out; use one of {', '.join(MOTIONS)}, optionally with a "
                         f"length such as `fade 0.3s`{value_hint(kind, MOTIONS)}")
    if not rest.strip():
        return {"type": kind}
    parse_positive(rest.strip())  # says what is wrong with the length, with the value
    return {"type": kind, "duration": rest.strip()}


class Border(SpecModel):
    """An edge drawn around the layer's box (inside it), in reference pixels."""

    width: int = Field(description="Pixels of the 1080×1920 frame.")
    color: Color = "#ffffff"

    @field_validator("width")
    @classmethod
    def _width(cls, value: int) -> int:
        if value < 1:
            raise ValueError(f"a border must be at least 1 pixel wide, got {value} (leave `border` out for none)")
        return value


MOTION_STR = {"type": "string", "pattern": r"^\s*(" + "|".join(MOTIONS) + r")(\s+\S.*)?$",
               "examples": ["fade", "slide-up 0.4s"]}
SHARE_STR = {"type": "string", "pattern": r"^\s*\d+(\.\d+)?\s*%\s*$", "examples": ["40%"]}
