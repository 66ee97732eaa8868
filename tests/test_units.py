"""Durations and colours as a trainee writes them."""

from fractions import Fraction

import pytest

from toolkit.build.spec.units import Duration, parse_duration
from toolkit.color import RGBA, parse_color


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("3s", 3), ("1.5s", Fraction(3, 2)), ("250ms", Fraction(1, 4)), ("00:01.200", Fraction(6, 5)),
     ("1:02:03.5", 3723.5), ("2", 2), (4, 4), (0.5, Fraction(1, 2)), ("0s", 0), ("12 seconds", 12)],
)
def test_durations_in_seconds(text, seconds):
    assert parse_duration(text).to_seconds(Fraction(30)) == Fraction(seconds)


def test_frames_stay_frames():
    d = parse_duration("45f")
    assert d == Duration(frames=45)
    assert d.to_frames(Fraction(30)) == 45
    assert d.to_seconds(Fraction(30)) == Fraction(3, 2)


def test_seconds_round_to_nearest_frame():
    assert parse_duration("0.05s").to_frames(Fraction(30)) == 2  # 1.5 frames rounds to even... 2


@pytest.mark.parametrize("bad", ["-1s", "3 sec sec", "abc", "1:75", True, None, [1]])
def test_bad_durations_say_what_is_expected(bad):
    with pytest.raises(ValueError) as exc:
        parse_duration(bad)
    assert "duration" in str(exc.value) or "below 60" in str(exc.value)


@pytest.mark.parametrize(
    ("text", "rgba"),
    [("#fff", RGBA(255, 255, 255)), ("#1d3557", RGBA(29, 53, 87)), ("#000000cc", RGBA(0, 0, 0, 204)),
     ("navy", RGBA(0, 0, 128)), ("White", RGBA(255, 255, 255))],
)
def test_colours(text, rgba):
    assert parse_color(text) == rgba


@pytest.mark.parametrize("bad", ["#12", "blurple", "rgb(1,2,3)", 12])
def test_bad_colours(bad):
    with pytest.raises(ValueError, match=r"colour|#RRGGBB"):
        parse_color(bad)
