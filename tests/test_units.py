"""Durations and colours as a trainee writes them."""

from fractions import Fraction

import pytest

from toolkit.color import RGBA, parse_color
from toolkit.film.spec.units import Duration, parse_duration, parse_positive


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


@pytest.mark.parametrize(("value", "message"), [
    (-5, "a duration cannot be negative, got -5"),
    (-0.5, "a duration cannot be negative, got -0.5"),
    ("-2s", "a duration cannot be negative, got '-2s'"),
    (float("inf"), "a duration must be a finite number of seconds like `3s`, got .inf"),
    (float("-inf"), "a duration must be a finite number of seconds like `3s`, got -.inf"),
    (float("nan"), "a duration must be a finite number of seconds like `3s`, got .nan"),
    ("Infinity", "a duration must be a finite number of seconds like `3s`, got 'Infinity'"),
    (None, "expected a duration like 3s, 1.5s, 250ms, 00:01.200 or 45f, got an empty value"),
    ({"s": 1}, "expected a duration like 3s, 1.5s, 250ms, 00:01.200 or 45f, got a mapping"),
])
def test_bad_duration_messages_show_the_value(value, message):
    with pytest.raises(ValueError) as exc:
        parse_duration(value)
    assert str(exc.value) == message


@pytest.mark.parametrize(("value", "message"), [
    (-5, "must be a positive duration like `3s`, got -5"),
    ("0s", "must be longer than zero, got '0s'"),
    (0, "must be longer than zero, got 0"),
    (-10**400, "must be a positive duration like `3s`, got -1000000000000000000…000000000000 (402 characters)"),
])
def test_positive_durations_say_what_was_given(value, message):
    with pytest.raises(ValueError) as exc:
        parse_positive(value)
    assert str(exc.value) == message


def test_durations_stop_short_of_float_overflow():
    assert str(parse_duration(10**99)) == "1e+99s"
    for value in (10**100, f"{10**100}s", f"{10**100}f", "9" * 400, "9" * 5000 + "ms"):
        with pytest.raises(ValueError, match=r"^a duration cannot be this long \(10\^100 seconds or more\), got "):
            parse_duration(value)


def test_huge_durations_print_without_overflow():
    # float() of a 400-digit number overflows; messages quote durations through str()
    assert str(Duration(seconds=Fraction(10**400))) == "1e+400s"
    assert str(parse_duration("9" * 99 + "s")) == "1e+99s"
    assert str(Duration(frames=10**30)) == "1e+30f"
    assert str(parse_duration("100:00:00")) == "360000s"
    assert str(parse_duration("1.5s")) == "1.5s"


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
