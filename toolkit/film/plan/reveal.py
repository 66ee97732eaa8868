"""A word-by-word caption that comes in word by word (`enter: pop by word`).

While word j is spoken the film shows two pictures: the caption's box with the words before j
(the still text), and word j alone in the highlight colour (a picture of its own that comes in
with the entrance). The words not shown yet are kept in the lines in a clear colour, so every
line is laid out whole, as the caption will finally read (right-to-left lines too), and the
words never move as more of them appear.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from fractions import Fraction

from toolkit.film.plan.layout import Measurer, Style, place_lines
from toolkit.film.plan.timeline import TextBlock, TextLine, TextRun

CLEAR = "#00000000"  # drawn as nothing (compile.textline skips it); the words keep their place


def words_before(block: TextBlock, span: tuple[int, int, int], measurer: Measurer) -> TextBlock:
    """`block` (one colour per line) with only the words before `span` (line, start, end) drawn."""
    line_at, start, _ = span
    lines: list[TextLine] = []
    for i, line in enumerate(block.lines):
        if not line.runs:
            lines.append(line)
            continue
        first = line.runs[0]
        text = line.text
        if i < line_at:
            runs: tuple[TextRun, ...] = (TextRun(text, first.x, first.color),)
        elif i > line_at or start == 0:
            runs = (TextRun(text, first.x, CLEAR),)
        else:
            runs = (TextRun(text[:start], first.x, first.color),
                    TextRun(text[start:], first.x + measurer.width(block.font, block.size, text[:start]), CLEAR))
        lines.append(replace(line, runs=runs))
    return replace(block, lines=tuple(lines))


def word_alone(lines: Sequence[str], style: Style, span: tuple[int, int, int], highlight: str, *, top: int,
               center_x: int, scale: Fraction, measurer: Measurer) -> TextBlock:
    """Only the word at `span`, in the highlight colour, where it sits in the whole caption (no box)."""
    return place_lines(lines, replace(style, color=CLEAR, backing=None), top=top, center_x=center_x, scale=scale,
                       measurer=measurer, highlight=span, highlight_color=highlight)
