"""Line breaking a typographer would accept, measured with the real fonts Reel draws with.

Fewest lines first (text that fits on one line stays one line), then the most even breaks; no
short word alone on a last line when a better break fits; never inside a number or at a typed
no-break space; names and one-letter words stay with their neighbours whenever they fit.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from toolkit.errors import SpecError
from toolkit.film.pipeline import FontMeasurer, prepare
from toolkit.film.plan.layout import Style, TextDoesNotFit, wrap
from toolkit.film.template.loader import resolve_font

MEASURER = FontMeasurer()
STYLE = Style(resolve_font("atkinson-hyperlegible:bold"), 64, "#ffffff")


def width(text: str) -> int:
    return MEASURER.width(STYLE.font, STYLE.size, text)


def lines_of(text: str, max_width: int) -> list[str]:
    lines = wrap(text, max_width, STYLE, MEASURER)
    assert all(width(line) <= max_width for line in lines), lines  # every line really fits
    assert " ".join(lines).replace("\u00a0", " ") == " ".join(text.split())  # logical order, no word lost
    return lines


def test_text_that_fits_on_one_line_stays_one_line() -> None:
    text = "Some days are hard."
    assert width(text) < 752
    assert lines_of(text, width(text)) == [text]
    assert lines_of(text, 752) == [text]
    assert lines_of(text, width(text) - 1) == ["Some days", "are hard."]


def test_a_short_word_is_not_left_alone_on_the_last_line() -> None:
    text = "I kept it to myself for a very long time"
    max_width = width("I kept it to myself for a very long")  # a greedy wrap leaves "time" alone
    lines = lines_of(text, max_width)
    assert len(lines) == 2
    assert len(lines[-1].split()) > 1
    assert abs(width(lines[0]) - width(lines[1])) < width("kept it to")  # balanced, not ragged


def test_call_116_123_is_never_split_between_116_and_123() -> None:
    text = "If it gets too much, Call 116 123 at any time of day or night"
    for max_width in range(width("116 123"), width(text) + 1, 9):
        lines = lines_of(text, max_width)
        assert not any(line.endswith("116") or line.startswith("123") for line in lines), (max_width, lines)
        assert any("116\u00a0123" in line for line in lines)
    # and "Call" stays with its number whenever the same number of lines allows it
    assert any(line.startswith("Call 116") for line in lines_of("You can Call 116 123", width("You can Call 116")))


def test_phone_numbers_and_typed_no_break_spaces_are_never_broken() -> None:
    for text in ("Call 0800 123 4567 today", "Dr\u00a0Amara Okafor listened to me"):
        for max_width in range(width("0800 123 4567"), width(text) + 1, 13):
            lines = lines_of(text, max_width)
            assert any("0800\u00a0123\u00a04567" in line or "Dr\u00a0Amara" in line for line in lines)


def test_a_name_is_kept_together_when_it_fits_on_a_line() -> None:
    text = "I talked it through with Seán Ó Briain last night"
    for cut in ("I talked it through with Seán", "I talked it through with Seán Ó", "I talked it through with"):
        lines = lines_of(text, width(cut))
        assert any("Seán Ó Briain" in line for line in lines), (cut, lines)


def test_a_one_letter_word_is_not_left_at_the_end_of_a_line() -> None:
    text = "Some mornings I could not get out of bed"
    lines = lines_of(text, width("Some mornings I could"))
    assert not any(line.endswith((" I", " a")) for line in lines), lines


def test_a_line_that_cannot_be_broken_well_still_fits() -> None:
    # narrower than the name: breaking inside it is the only way, and every line still fits
    lines = lines_of("Seán Ó Briain", width("Seán Ó"))
    assert lines == ["Seán Ó", "Briain"] or lines == ["Seán", "Ó Briain"]


def test_a_word_wider_than_the_line_gives_the_same_error_as_before() -> None:
    with pytest.raises(TextDoesNotFit, match=r"^`0800 123 4567` is too wide for one line$"):
        wrap("Call 0800 123 4567", width("0800 123"), STYLE, MEASURER)


def test_the_too_wide_error_is_located_at_the_caption(tmp_path: Path) -> None:
    path = tmp_path / "film.yaml"
    path.write_text("title: T\nregion: UK\nscenes:\n  - background: navy\n    duration: 3s\n"
                    "    captions: Pneumonoultramicroscopicsilicovolcanoconiosis\n", encoding="utf-8")
    with pytest.raises(SpecError) as caught:
        prepare(path)
    [issue] = [i for i in caught.value.issues if i.severity == "error"]
    assert (issue.line, issue.path) == (6, "scenes[0].captions")
    assert issue.message == ("`Pneumonoultramicroscopicsilicovolcanoconiosis` is too wide for one line; the caption "
                             "cannot fit inside the safe box")


def test_explicit_newlines_are_kept() -> None:
    assert lines_of("Call 116 123\nor text SHOUT to 85258", 752) == ["Call 116\u00a0123", "or text SHOUT to 85258"]


def test_right_to_left_text_wraps_in_logical_order_with_its_number_whole() -> None:
    text = "اتصل على 116 123 الآن إذا كنت بحاجة إلى التحدث مع شخص ما اليوم"
    lines = lines_of(text, 560)
    assert len(lines) > 1
    assert sum("116\u00a0123" in line for line in lines) == 1
    assert len(lines[-1].split()) > 1
