"""Shared vocabulary of the storyboard language: the closed sets of values, and the model base."""

from __future__ import annotations

import math
import re
from fractions import Fraction
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer, WithJsonSchema

PLATFORMS = ("tiktok", "reels", "shorts")
REGIONS = ("UK", "IE", "US", "CA", "AU", "NZ")
TOPICS = (
    "suicide",
    "self-harm",
    "eating-disorders",
    "psychosis",
    "depression",
    "anxiety",
    "medication",
    "bipolar",
    "trauma",
    "substance-use",
    "grief",
    "loneliness",
    "general",
)
VIDEO_SUFFIXES = frozenset({".mp4", ".mov", ".m4v", ".mkv", ".webm", ".avi"})
IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".webp", ".bmp", ".gif"})
SUBTITLE_SUFFIXES = frozenset({".srt", ".vtt"})

Platform = Literal["tiktok", "reels", "shorts"]
Region = Literal["UK", "IE", "US", "CA", "AU", "NZ"]
Topic = Literal[
    "suicide", "self-harm", "eating-disorders", "psychosis", "depression", "anxiety", "medication",
    "bipolar", "trauma", "substance-use", "grief", "loneliness", "general",
]
Fit = Literal["cover", "contain", "blur-fill"]
Hold = Literal["none", "last-frame", "loop"]
Move = Literal["none", "zoom-in", "zoom-out", "pan-left", "pan-right", "pan-up", "pan-down"]
CaptionStyle = Literal["block", "word-by-word"]
CaptionPosition = Literal["bottom", "middle", "top"]
TransitionType = Literal["cut", "fade", "dip-to-black", "slide-left", "slide-up"]
SlateKind = Literal["content-warning", "signpost", "title"]

Volume = Annotated[float, Field(ge=0.0, le=4.0, description="1.0 = as recorded, 0.5 = half, 0 = silent")]


def shorthands(**forms: dict[str, Any]) -> Any:
    """JSON-Schema hook: also accept the short forms a before-validator expands (for editors)."""

    def hook(schema: dict[str, Any]) -> None:
        for name, extra in forms.items():
            prop = schema.get("properties", {}).get(name)
            if prop is not None:
                desc = prop.pop("description", None)
                schema["properties"][name] = {"anyOf": [prop, extra], **({"description": desc} if desc else {})}

    return hook


_STR = {"type": "string"}
# pydantic resolves $refs while generating, so the hook marks the spot and `reel schema` links it.
_CAPTION_REF = {"x-reel-ref": "Caption"}
_TRANSITION_SHORT = {"enum": ["cut", "fade", "dip-to-black", "slide-left", "slide-up"]}


class SpecModel(BaseModel):
    """Base for every storyboard model: unknown keys are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, validate_default=True)


# ---------------------------------------------------------------- footage speed and focus

SPEED_MIN, SPEED_MAX = Fraction(1, 4), Fraction(4)
_SPEED_HELP = "a number like 0.5 or 2, or a percentage like 50%"
_FOCUS_WORDS = {"left": Fraction(0), "top": Fraction(0), "center": Fraction(1, 2), "centre": Fraction(1, 2),
                "middle": Fraction(1, 2), "right": Fraction(1), "bottom": Fraction(1)}


def parse_speed(value: Any) -> Fraction:
    """`0.5`, `2`, `50%`, `200%` or `2x` → an exact playback rate, 0.25–4 (quarter to four times speed)."""
    if isinstance(value, Fraction):
        number = value
    elif isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"speed must be {_SPEED_HELP}, got {value!r}")
    elif isinstance(value, str):
        text = value.strip().lower()
        scale = Fraction(1, 100) if text.endswith("%") else Fraction(1)
        text = text.rstrip("%x× ").strip()
        if not re.fullmatch(r"[+-]?\d{1,6}(\.\d{1,6})?", text):
            raise ValueError(f"speed must be {_SPEED_HELP}, got {value!r}")
        number = Fraction(text) * scale
    elif isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"speed must be {_SPEED_HELP}, got {value!r}")
    else:
        number = Fraction(str(value)) if isinstance(value, float) else Fraction(value)
    if not SPEED_MIN <= number <= SPEED_MAX:
        raise ValueError(f"speed must be between 0.25 (25%, quarter speed) and 4 (400%), got {value!r}")
    return number


def speed_text(speed: Fraction) -> str:
    """A speed as a storyboard writes it: `50%`, `200%`."""
    return f"{float(speed * 100):g}%"


def parse_focus(value: Any) -> Fraction:
    """`left`/`top` (0), `center` (0.5), `right`/`bottom` (1) or a number 0–1 → where a cover crop sits."""
    if isinstance(value, Fraction):
        number = value
    elif isinstance(value, str) and value.strip().lower() in _FOCUS_WORDS:
        return _FOCUS_WORDS[value.strip().lower()]
    elif isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        number = Fraction(str(value)) if isinstance(value, float) else Fraction(value)
    else:
        raise ValueError(f"focus must be left, center, right, top, bottom or a number from 0 (left/top edge) "
                         f"to 1 (right/bottom edge), got {value!r}")
    if not 0 <= number <= 1:
        raise ValueError(f"focus must be from 0 (left/top edge) to 1 (right/bottom edge), got {value!r}")
    return number


Speed = Annotated[Fraction, BeforeValidator(parse_speed), PlainSerializer(speed_text),
                  WithJsonSchema({"anyOf": [{"type": "number", "minimum": 0.25, "maximum": 4},
                                            {"type": "string", "pattern": r"^\s*\d+(\.\d+)?\s*(%|x)?\s*$"}],
                                  "description": "Playback speed, 0.25–4: 0.5 or 50% is half speed (slow "
                                                 "motion), 2 or 200% twice as fast."})]
Focus = Annotated[Fraction, BeforeValidator(parse_focus), PlainSerializer(float),
                  WithJsonSchema({"anyOf": [{"enum": ["left", "center", "right", "top", "bottom"]},
                                            {"type": "number", "minimum": 0, "maximum": 1}],
                                  "description": "Which part of the picture a `cover` crop keeps: left, "
                                                 "center, right (or top, bottom), or 0–1 across the overflow."})]
