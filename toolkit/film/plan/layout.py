"""Text layout: wrap text into lines with real font metrics and place it on the canvas.

Wrapping is decided on the 1080×1920 reference frame so a draft and a final render break
lines identically; positions are then computed at the output scale. Every box is known
before anything is drawn, which is what lets validation promise "inside the safe box".
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Literal, Protocol

from toolkit.film.plan.timeline import TextBlock, TextLine, TextRun
from toolkit.geometry import Box

Anchor = Literal["top", "middle", "bottom"]

# A phone number or short code must never be split: digits with single spaces/dashes between.
_NUMBER = re.compile(r"(?<![\w])(?:\+?\d[\d\- ]*\d|\d)(?![\w])")


class Measurer(Protocol):
    """Font metrics provider (injected so the planner itself does no I/O)."""

    def width(self, font: Path, size: int, text: str) -> int: ...


class TextDoesNotFit(ValueError):
    """The text cannot be laid out inside the area it was given."""


@dataclass(frozen=True, slots=True)
class Style:
    """How one piece of text looks."""

    font: Path
    size: int  # px at reference scale
    color: str
    backing: str | None = None  # "#rrggbbaa" or None
    line_spacing: float = 1.25
    pad_x: float = 0.5  # em, BBC §9.2.4: 0.5 em each side
    pad_y: float = 0.08  # em
    outline: tuple[int, str] | None = None  # reference px and "#rrggbb" of a stroke around the letters
    shadow: tuple[int, int, str] | None = None  # reference px offset (right, down) and "#rrggbbaa"


def protect_numbers(text: str) -> str:
    """Join the parts of phone numbers with no-break spaces so wrapping never splits them."""
    return _NUMBER.sub(lambda m: m.group(0).replace(" ", "\u00a0"), text)


def soft_breaks(text: str) -> str:
    """A subtitle file's cue text with its line breaks made soft, to be wrapped again at the caption
    width: an editor broke the lines for another screen. A line opening with a dialogue dash
    (`- Are you OK?` / `- I think so.`) keeps its break: it marks a new speaker."""
    lines: list[str] = []
    for line in (ln.strip() for ln in text.split("\n")):
        if not line:
            continue
        if lines and not line.startswith(("-", "\u2013", "\u2014")):
            lines[-1] += " " + line
        else:
            lines.append(line)
    return "\n".join(lines)


def wrap(text: str, max_width: int, style: Style, measurer: Measurer) -> list[str]:
    """Break `text` into lines no wider than `max_width` (reference px), measured with the real font.

    Explicit newlines are kept. Within a paragraph the fewest lines that fit are used (as many
    as a greedy wrap needs, so text that fits on one line stays one line), and among the ways
    to break into that many lines the most even one is chosen, so a short word is not left
    alone on the last line when a better break exists. Numbers and U+00A0 no-break spaces are
    never broken; breaking after a one-letter word ("a", "I", "Ó"), between the words of a
    name ("Seán Ó Briain") or before a number ("Call 116 123") is avoided whenever the same
    number of lines allows it. Lines stay in logical order, so right-to-left text wraps too.

    Raises `TextDoesNotFit` when a single word (or number) is wider than `max_width`.
    """
    lines: list[str] = []
    for paragraph in protect_numbers(text).split("\n"):
        lines.extend(_break_paragraph([w for w in paragraph.split(" ") if w], max_width, style, measurer))
    return lines if any(lines) else []


def _break_paragraph(words: list[str], max_width: int, style: Style, measurer: Measurer) -> list[str]:
    """The best lines for one paragraph: fewest lines, then least raggedness plus break penalties."""
    if not words:
        return [""]
    n = len(words)
    avoid = max_width * max_width  # a discouraged break costs as much as a whole empty line
    # best[j] = (lines, cost, start of the last line) for words[:j]
    best: list[tuple[int, int, int] | None] = [(0, 0, 0)] + [None] * n
    for j in range(1, n + 1):
        for i in range(j - 1, -1, -1):
            width = measurer.width(style.font, style.size, " ".join(words[i:j]))
            if width > max_width:
                if i == j - 1:
                    raise TextDoesNotFit(f"`{words[i].replace(chr(160), ' ')}` is too wide for one line")
                break  # a longer line only gets wider
            before = best[i]
            if before is None:
                continue
            cost = before[1] + (max_width - width) ** 2
            if j < n:
                cost += avoid * _break_penalty(words[j - 1], words[j])
                if words[j - 1][-1:] in _CLAUSE_END:
                    cost -= avoid // 8  # BBC §3.4: break at punctuation
            trial = (before[0] + 1, cost, i)
            current = best[j]
            if current is None or trial[:2] < current[:2]:
                best[j] = trial
    out: list[str] = []
    j = n
    while j > 0:
        entry = best[j]
        assert entry is not None  # every word fits on a line of its own, so every prefix can be broken
        out.append(" ".join(words[entry[2]:j]))
        j = entry[2]
    return out[::-1]


_CLAUSE_END = frozenset(",.;:!?\u2013\u2014\u060c\u061b\u061f\u06d4\u0964")  # Latin, Arabic, Devanagari


def _capitalised(word: str) -> bool:
    letter = next((ch for ch in word if ch.isalpha()), "")
    return letter.isupper()


def _break_penalty(left: str, right: str) -> int:
    """How many typographic rules a line break between `left` and `right` breaks."""
    letters = [ch for ch in left if ch.isalpha()]
    penalty = 0
    if len(letters) == 1 and len(left.strip("\"'“”‘’(")) == 1:
        penalty += 1  # "a", "I", "Ó": a one-letter word belongs with the word after it
    if _capitalised(left) and _capitalised(right) and left[-1:].isalpha():
        penalty += 1  # "Seán Ó Briain", "Harbour Youth Line": a name reads as one
    if right.lstrip("+")[:1].isdigit():
        penalty += 1  # "Call 116 123", "to 85258": a number stays with the word that introduces it
    return penalty


def _pad(style: Style) -> tuple[int, int]:
    return int(round(style.pad_x * style.size)), int(round(style.pad_y * style.size))


def line_height(style: Style) -> int:
    """Distance between baselines at reference scale."""
    return int(round(style.size * style.line_spacing))


def block_height(n_lines: int, style: Style) -> int:
    """Height of `n_lines` lines including the backing-box padding, at reference scale."""
    return n_lines * line_height(style) + 2 * _pad(style)[1]


def place_lines(
    lines: Sequence[str],
    style: Style,
    *,
    top: int,
    center_x: int,
    scale: Fraction,
    measurer: Measurer,
    highlight: tuple[int, int, int] | None = None,
    highlight_color: str | None = None,
) -> TextBlock:
    """Place already-wrapped `lines` centred on `center_x`, first line box starting at `top`.

    `top` and `center_x` are reference pixels; the result is in output pixels (`scale`).
    `highlight=(line, start, end)` colours characters [start, end) of one line differently.
    """
    size = max(1, int(round(style.size * scale)))
    lh = line_height(style) * scale
    pad_x, pad_y = (int(round(p * scale)) for p in _pad(style))
    out_lines: list[TextLine] = []
    for i, text in enumerate(lines):
        width = measurer.width(style.font, size, text)
        x = int(round(center_x * scale - width / 2))
        y = int(round(top * scale + pad_y + i * lh))
        box = Box(x - pad_x, y - (pad_y if i == 0 else 0), width + 2 * pad_x,
                  int(round(lh)) + (pad_y if i == 0 else 0) + (pad_y if i == len(lines) - 1 else 0))
        runs: tuple[TextRun, ...]
        if highlight is not None and highlight[0] == i and highlight_color:
            a, b = highlight[1], highlight[2]
            pieces = [(text[:a], style.color), (text[a:b], highlight_color), (text[b:], style.color)]
            runs_list: list[TextRun] = []
            offset = 0
            for piece, color in pieces:
                if piece:
                    runs_list.append(TextRun(piece, x + measurer.width(style.font, size, text[:offset]), color))
                offset += len(piece)
            runs = tuple(runs_list)
        else:
            runs = (TextRun(text, x, style.color),)
        out_lines.append(TextLine(box=box, runs=runs))
    if out_lines:
        x0 = min(ln.box.x for ln in out_lines)
        y0 = min(ln.box.y for ln in out_lines)
        x1 = max(ln.box.right for ln in out_lines)
        y1 = max(ln.box.bottom for ln in out_lines)
        bounds = Box(x0, y0, x1 - x0, y1 - y0)
    else:
        bounds = Box(int(center_x * scale), int(top * scale), 0, 0)
    outline = (max(1, int(round(style.outline[0] * scale))), style.outline[1]) if style.outline else None
    shadow = (int(round(style.shadow[0] * scale)), int(round(style.shadow[1] * scale)), style.shadow[2]) \
        if style.shadow else None
    return TextBlock(lines=tuple(out_lines), font=style.font, size=size, backing=style.backing,
                     padding=pad_x, radius=max(1, size // 4) if style.backing else 0, bounds=bounds,
                     outline=outline, shadow=shadow)


def word_spans(lines: Sequence[str]) -> list[tuple[int, int, int]]:
    """(line, start, end) of every word in wrapped lines, in reading order."""
    spans: list[tuple[int, int, int]] = []
    for i, line in enumerate(lines):
        for m in re.finditer(r"\S+", line):
            spans.append((i, m.start(), m.end()))
    return spans


def anchored_top(area: Box, height: int, anchor: Anchor, margin: int = 8) -> int:
    """Top edge (reference px) for a block of `height` anchored in `area`."""
    if anchor == "top":
        return area.y + margin
    if anchor == "bottom":
        return area.bottom - margin - height
    return area.y + (area.h - height) // 2
