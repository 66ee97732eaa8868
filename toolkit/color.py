"""Colour values as the storyboard and template languages write them."""

from __future__ import annotations

import re
from typing import Annotated, Any, NamedTuple

from pydantic import AfterValidator, WithJsonSchema

_HEX = re.compile(r"^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$")


class RGBA(NamedTuple):
    """8-bit red, green, blue and alpha."""

    r: int
    g: int
    b: int
    a: int = 255

    @property
    def rgb(self) -> tuple[int, int, int]:
        return (self.r, self.g, self.b)

    def hex(self) -> str:
        """`#RRGGBB`, or `#RRGGBBAA` when not opaque."""
        base = f"#{self.r:02x}{self.g:02x}{self.b:02x}"
        return base if self.a == 255 else base + f"{self.a:02x}"


def parse_color(value: Any) -> RGBA:
    """Parse `#RGB`, `#RRGGBB`, `#RRGGBBAA` or a CSS colour name ("navy", "white")."""
    if not isinstance(value, str):
        raise ValueError(f"expected a colour like #1d3557, #1d3557cc or a CSS name, got {value!r}")
    text = value.strip()
    if m := _HEX.match(text):
        digits = m.group(1)
        if len(digits) == 3:
            digits = "".join(c * 2 for c in digits)
        parts = [int(digits[i : i + 2], 16) for i in range(0, len(digits), 2)]
        return RGBA(*parts)
    from PIL import ImageColor  # Pillow knows the 148 CSS colour names

    try:
        rgb = ImageColor.getrgb(text.lower())
    except ValueError:
        raise ValueError(
            f"{value!r} is not a colour: use #RRGGBB, #RRGGBBAA or a CSS name like 'white' or 'navy'"
        ) from None
    if text.startswith(("rgb", "hsl", "hsv")):
        raise ValueError(f"{value!r}: write colours as #RRGGBB, #RRGGBBAA or a CSS name")
    return RGBA(*rgb) if len(rgb) == 4 else RGBA(*rgb, 255)


def _normalise(value: str) -> str:
    return parse_color(value).hex()


Color = Annotated[
    str,
    AfterValidator(_normalise),
    WithJsonSchema(
        {
            "type": "string",
            "description": "#RRGGBB, #RRGGBBAA or a CSS colour name",
            "examples": ["#1d3557", "#000000cc", "white"],
        }
    ),
]
"""A colour, normalised to lower-case `#rrggbb` or `#rrggbbaa`."""
