"""Shared vocabulary of the storyboard language: the closed sets of values, and the model base."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

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
