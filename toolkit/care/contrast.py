"""WCAG 2.x contrast (standards reference §5): relative luminance, contrast ratio, compositing.

Ratios are never rounded: 4.499:1 fails 4.5:1 (Understanding 1.4.3). Round only for display.
"""

from __future__ import annotations

from collections.abc import Sequence

from toolkit.color import RGBA, parse_color

__all__ = [
    "AAA_LARGE",
    "AAA_NORMAL",
    "AA_LARGE",
    "AA_NORMAL",
    "RGBA",
    "composite",
    "contrast_ratio",
    "parse_color",
    "passes",
    "relative_luminance",
    "worst_case_contrast",
]

AA_NORMAL = 4.5
AA_LARGE = 3.0
AAA_NORMAL = 7.0
AAA_LARGE = 4.5
_THRESHOLDS: dict[tuple[str, bool], float] = {
    ("AA", False): AA_NORMAL,
    ("AA", True): AA_LARGE,
    ("AAA", False): AAA_NORMAL,
    ("AAA", True): AAA_LARGE,
}
# The sRGB linearisation knee as WCAG states it since May 2021 (0.03928 before; no practical effect).
_KNEE = 0.04045

Color = Sequence[float]


def _rgb(color: Color, what: str) -> tuple[float, float, float]:
    """The opaque RGB of `color`: 3 channels, or 4 with alpha 255 (composite translucent ones first)."""
    if len(color) == 4:
        if color[3] != 255:
            raise ValueError(f"{what} {tuple(color)} is translucent; composite() it over its "
                             "background first")
    elif len(color) != 3:
        raise ValueError(f"{what} must be (r, g, b) or (r, g, b, a), got {tuple(color)}")
    r, g, b = (float(c) for c in color[:3])
    for c in (r, g, b):
        if not 0.0 <= c <= 255.0:
            raise ValueError(f"{what} {tuple(color)}: channels must be between 0 and 255")
    return r, g, b


def _linear(channel: float) -> float:
    c = channel / 255.0
    return c / 12.92 if c <= _KNEE else ((c + 0.055) / 1.055) ** 2.4


def relative_luminance(rgb: Color) -> float:
    """WCAG relative luminance of an 8-bit sRGB colour (0 = black, 1 = white).

    Channels may be floats (e.g. from `composite`); an alpha channel must be 255.
    """
    r, g, b = _rgb(rgb, "colour")
    return 0.2126 * _linear(r) + 0.7152 * _linear(g) + 0.0722 * _linear(b)


def contrast_ratio(fg: Color, bg: Color) -> float:
    """(L1 + 0.05) / (L2 + 0.05) with L1 the lighter colour; 1.0 to 21.0, not rounded."""
    la, lb = relative_luminance(_rgb(fg, "foreground")), relative_luminance(_rgb(bg, "background"))
    lighter, darker = max(la, lb), min(la, lb)
    return (lighter + 0.05) / (darker + 0.05)


def composite(fg_rgba: Color, bg_rgb: Color) -> tuple[float, float, float]:
    """A translucent colour (alpha 0–255) laid over an opaque one, per channel, not rounded."""
    if len(fg_rgba) != 4:
        raise ValueError(f"composite() needs (r, g, b, a) for the top colour, got {tuple(fg_rgba)}")
    alpha = float(fg_rgba[3])
    if not 0.0 <= alpha <= 255.0:
        raise ValueError(f"alpha must be between 0 and 255, got {alpha}")
    top = _rgb(fg_rgba[:3], "top colour")
    under = _rgb(bg_rgb, "background")
    a = alpha / 255.0
    r, g, b = (t * a + u * (1.0 - a) for t, u in zip(top, under, strict=True))
    return r, g, b


def worst_case_contrast(text_rgb: Color, box_rgba: Color) -> float:
    """The lowest contrast `text_rgb` can have on `box_rgba` over *any* footage.

    The composite's luminance rises with every background channel, so over all backgrounds it
    spans [box over black, box over white]; the worst case is 1.0 if the text's luminance lies
    inside that range, else the nearer end.
    """
    text = _rgb(text_rgb, "text colour")
    over_black = composite(box_rgba, (0, 0, 0))
    over_white = composite(box_rgba, (255, 255, 255))
    low, high = relative_luminance(over_black), relative_luminance(over_white)
    if low <= relative_luminance(text) <= high:
        return 1.0
    return min(contrast_ratio(text, over_black), contrast_ratio(text, over_white))


def passes(ratio: float, large: bool = False, level: str = "AA") -> bool:
    """Does `ratio` meet WCAG `level` ("AA" or "AAA") for normal or large text? No rounding."""
    try:
        return ratio >= _THRESHOLDS[(level.upper(), large)]
    except KeyError:
        raise ValueError(f"level must be 'AA' or 'AAA', got {level!r}") from None
