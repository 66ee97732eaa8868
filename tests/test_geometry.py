"""toolkit.geometry: the one home of the reference frame and the safe zone (standards §2.1, §2.2)."""

from __future__ import annotations

from fractions import Fraction

from toolkit.geometry import REFERENCE_HEIGHT, REFERENCE_SAFE, REFERENCE_WIDTH, Box, describe_safe_zone
from toolkit.grade.checks import CHECKS


def test_the_reference_frame_and_safe_zone_are_the_standard_ones() -> None:
    assert (REFERENCE_WIDTH, REFERENCE_HEIGHT) == (1080, 1920)
    assert (REFERENCE_SAFE.x, REFERENCE_SAFE.right, REFERENCE_SAFE.y, REFERENCE_SAFE.bottom) == (120, 888, 288, 1248)
    assert describe_safe_zone() == "x 120–888, y 288–1248 at 1080×1920"


def test_the_grader_describes_the_safe_zone_it_checks() -> None:
    assert describe_safe_zone() in CHECKS["captions-safe-zone"].about


def test_a_box_scales_outwards_and_knows_its_neighbours() -> None:
    assert Box(1, 1, 3, 3).scaled(Fraction(1, 2)) == Box(0, 0, 2, 2)
    assert REFERENCE_SAFE.contains(Box(120, 288, 768, 960)) and not REFERENCE_SAFE.contains(Box(119, 288, 10, 10))
    assert Box(0, 0, 10, 10).intersects(Box(9, 9, 5, 5)) and not Box(0, 0, 10, 10).intersects(Box(10, 0, 5, 5))
