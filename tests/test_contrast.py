"""WCAG 2.x contrast (standards reference §5), checked against the WCAG oracles."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from toolkit.care.contrast import (
    composite,
    contrast_ratio,
    parse_color,
    passes,
    relative_luminance,
    worst_case_contrast,
)

WHITE = (255, 255, 255)
BLACK = (0, 0, 0)
channel = st.integers(min_value=0, max_value=255)
rgb = st.tuples(channel, channel, channel)


def test_777777_on_white_is_4_48_and_fails_aa() -> None:
    ratio = contrast_ratio(parse_color("#777777"), parse_color("white"))
    assert ratio == pytest.approx(4.478, abs=5e-4)
    assert f"{ratio:.2f}" == "4.48"
    assert not passes(ratio)
    assert passes(ratio, large=True)


def test_767676_on_white_is_4_54_and_passes_aa() -> None:
    ratio = contrast_ratio(parse_color("#767676"), WHITE)
    assert f"{ratio:.2f}" == "4.54"
    assert passes(ratio)


def test_black_on_white_is_21() -> None:
    assert contrast_ratio(BLACK, WHITE) == pytest.approx(21.0, abs=1e-12)
    assert contrast_ratio(WHITE, WHITE) == 1.0


def test_ratios_are_never_rounded_up() -> None:
    assert not passes(4.499)
    assert not passes(4.4999999)
    assert passes(4.5)
    assert not passes(2.999, large=True)
    assert passes(3.0, large=True)
    assert not passes(6.99, level="AAA")
    assert passes(4.5, large=True, level="aaa")
    with pytest.raises(ValueError, match="level must be 'AA' or 'AAA', got 'A'"):
        passes(5.0, level="A")


def test_luminance_uses_the_0_04045_knee() -> None:
    assert relative_luminance(WHITE) == 1.0
    assert relative_luminance(BLACK) == 0.0
    # 10.1/255 = 0.0396 lies between the old 0.03928 and the current 0.04045 knee: linear branch
    assert relative_luminance((10.1, 10.1, 10.1)) == pytest.approx(10.1 / 255 / 12.92, rel=1e-12)
    c = 11 / 255
    assert relative_luminance((11, 11, 11)) == pytest.approx(((c + 0.055) / 1.055) ** 2.4, rel=1e-12)
    assert relative_luminance((255, 0, 0)) == pytest.approx(0.2126)
    assert relative_luminance((0, 255, 0)) == pytest.approx(0.7152)


@given(rgb, rgb)
def test_ratio_is_symmetric_and_between_1_and_21(a: tuple[int, int, int], b: tuple[int, int, int]) -> None:
    ratio = contrast_ratio(a, b)
    assert ratio == contrast_ratio(b, a)
    assert 1.0 <= ratio <= 21.0 + 1e-9


def test_composite_blends_per_channel_without_rounding() -> None:
    assert composite((0, 0, 0, 128), WHITE) == pytest.approx((127.0, 127.0, 127.0))
    assert composite((10, 20, 30, 255), WHITE) == (10.0, 20.0, 30.0)
    assert composite((10, 20, 30, 0), (1, 2, 3)) == (1.0, 2.0, 3.0)
    with pytest.raises(ValueError, match="needs \\(r, g, b, a\\)"):
        composite((0, 0, 0), WHITE)


def test_translucent_colours_must_be_composited_first() -> None:
    with pytest.raises(ValueError, match="is translucent; composite\\(\\) it over its background first"):
        contrast_ratio(parse_color("#000000b3"), WHITE)
    assert contrast_ratio(parse_color("#000000ff"), WHITE) == pytest.approx(21.0)
    with pytest.raises(ValueError, match="channels must be between 0 and 255"):
        relative_luminance((256, 0, 0))


def test_worst_case_over_any_footage() -> None:
    box = parse_color("#000000b3")  # 70 % black
    expected = contrast_ratio(WHITE, composite(box, WHITE))
    assert worst_case_contrast(WHITE, box) == pytest.approx(expected)
    assert passes(worst_case_contrast(WHITE, box))
    # a half-black box: white text can fall below AA over white footage
    assert not passes(worst_case_contrast(WHITE, (0, 0, 0, 128)))
    # grey text inside the box's luminance range can meet a background of its own colour
    assert worst_case_contrast((100, 100, 100), (0, 0, 0, 128)) == 1.0


@pytest.mark.parametrize(("text", "expected"), [
    ("#fff", (255, 255, 255, 255)),
    ("#1d3557", (29, 53, 87, 255)),
    ("#000000cc", (0, 0, 0, 204)),
    ("navy", (0, 0, 128, 255)),
    ("White", (255, 255, 255, 255)),
])
def test_parse_color_accepts_hex_and_css_names(text: str, expected: tuple[int, int, int, int]) -> None:
    assert tuple(parse_color(text)) == expected


@pytest.mark.parametrize("text", ["#12", "whit", "#gggggg"])
def test_parse_color_explains_what_it_accepts(text: str) -> None:
    with pytest.raises(ValueError, match="is not a colour: use #RRGGBB, #RRGGBBAA or a CSS name"):
        parse_color(text)
