"""care.reading: the one 0.3 s/word rule (standards §4) that the planner, care and the grader share."""

from __future__ import annotations

from fractions import Fraction

from toolkit.care.reading import SECONDS_PER_WORD, count_words, reading_time
from toolkit.care.warnings import min_slate_seconds
from toolkit.grade.checks.plan import MIN_SECONDS_PER_WORD


def test_words_are_tokens_with_a_letter_or_digit() -> None:
    assert count_words("Call 116 123 — any time") == 5
    assert count_words("  ...  ") == 0
    assert count_words("") == 0


def test_reading_time_is_exact() -> None:
    assert Fraction(3, 10) == SECONDS_PER_WORD
    assert reading_time("one two three four five six seven eight nine ten") == 3
    assert reading_time("— – …") == 0


def test_every_user_of_the_rule_reads_the_same_number() -> None:
    text = " ".join(["word"] * 20)
    assert min_slate_seconds(text) == float(reading_time(text) + 1) == 7.0
    assert float(SECONDS_PER_WORD) == MIN_SECONDS_PER_WORD
