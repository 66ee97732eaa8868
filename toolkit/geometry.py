"""The reference frame every layout and check is judged on, pixel boxes, and the platform safe zone.

A film is laid out on the 1080×1920 reference frame whatever size it renders at (a draft is
smaller), so a draft and a final wrap and fit alike; the grader measures a clip back on the
same frame. One home for these numbers: the planner, the previews, the flash analyser and the
grader all read them from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

# standards.md §2.1: the house export is 1080×1920 for all three platforms.
REFERENCE_WIDTH = 1080
REFERENCE_HEIGHT = 1920


@dataclass(frozen=True, slots=True)
class Box:
    """A pixel rectangle: left, top, width, height."""

    x: int
    y: int
    w: int
    h: int

    @property
    def right(self) -> int:
        return self.x + self.w

    @property
    def bottom(self) -> int:
        return self.y + self.h

    def contains(self, other: Box) -> bool:
        """True when `other` lies fully inside this box."""
        return (other.x >= self.x and other.y >= self.y and other.right <= self.right
                and other.bottom <= self.bottom)

    def intersects(self, other: Box) -> bool:
        """True when the two boxes share at least one pixel."""
        return not (other.x >= self.right or other.right <= self.x or other.y >= self.bottom
                    or other.bottom <= self.y)

    def scaled(self, factor: Fraction) -> Box:
        """This box on a canvas `factor` times the size (edges rounded outwards)."""
        x0, y0 = int(self.x * factor), int(self.y * factor)
        x1 = -int(-(self.right * factor) // 1)
        y1 = -int(-(self.bottom * factor) // 1)
        return Box(x0, y0, x1 - x0, y1 - y0)


# standards.md §2.2, the union box of the platform UIs: x 120–888, y 288–1248 at 1080×1920.
REFERENCE_SAFE = Box(120, 288, 768, 960)


def describe_safe_zone(box: Box = REFERENCE_SAFE) -> str:
    """The safe zone in words for legends and check descriptions: `x 120–888, y 288–1248 at 1080×1920`."""
    return f"x {box.x}–{box.right}, y {box.y}–{box.bottom} at {REFERENCE_WIDTH}×{REFERENCE_HEIGHT}"
