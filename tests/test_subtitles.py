"""toolkit.subtitles: the one subtitle reader (storyboard captions, `reel lint`, the grader's --captions)."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

from toolkit.errors import ReelError
from toolkit.grade.context import load_captions
from toolkit.subtitles import Cue, SubtitleError, read_subtitles

SRT = ("1\n00:00:00,000 --> 00:00:01,333\nFirst line\nsecond line\n\n"
       "2\n00:00:01,400 --> 00:00:02,000\n \n\n"
       "3\n00:00:02,100 --> 00:00:04,250\n<i>Hello</i> {{name}}\n")


def test_cues_are_exact_numbered_as_in_the_file_and_keep_their_line_breaks(tmp_path: Path) -> None:
    path = tmp_path / "talk.srt"
    path.write_text(SRT, encoding="utf-8")
    first, third = read_subtitles(path)  # the blank cue 2 shows nothing
    assert first == Cue(Fraction(0), Fraction(1333, 1000), "First line\nsecond line", 1, "First line\\Nsecond line")
    assert (third.number, third.start, third.end, third.clock) == (3, Fraction(21, 10), Fraction(17, 4), "0:00:02.100")
    assert "{{name}}" in third.markup  # what `text` loses to pysubs2's styling codes


def test_the_grader_reads_the_same_cues_on_one_line(tmp_path: Path) -> None:
    path = tmp_path / "talk.srt"
    path.write_text(SRT, encoding="utf-8")
    graded = load_captions(path)
    assert [(c.number, c.start, c.end) for c in graded] == [(c.number, c.start, c.end) for c in read_subtitles(path)]
    assert graded[0].text == "First line second line"


@pytest.mark.parametrize(("content", "empty", "reason"), [
    (b"", True, "it is empty"),
    (b"just some notes\nnot subtitles\n", False, "not an SRT or WebVTT file"),
    (None, False, "file not found"),
])
def test_a_file_that_cannot_be_read_is_a_typed_error_naming_it(tmp_path: Path, content: bytes | None, empty: bool,
                                                               reason: str) -> None:
    path = tmp_path / "subs.srt"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(SubtitleError) as err:
        read_subtitles(path)
    assert isinstance(err.value, ReelError)
    assert (err.value.path, err.value.empty, err.value.reason) == (path, empty, reason)
    assert str(err.value).startswith(f"{path}: ")
