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
    """Greedy word wrap at reference scale; explicit newlines are kept; numbers never split.

    Raises `TextDoesNotFit` when a single word (or number) is wider than `max_width`.
    """
    lines: list[str] = []
    for paragraph in protect_numbers(text).split("\n"):
        words = paragraph.split(" ")
        current = ""
        for word in words:
            if not word:
                continue
            trial = f"{current} {word}" if current else word
            if measurer.width(style.font, style.size, trial) <= max_width:
                current = trial
                continue
            if current:
                lines.append(current)
            if measurer.width(style.font, style.size, word) > max_width:
                raise TextDoesNotFit(f"`{word.replace(chr(160), ' ')}` is too wide for one line")
            current = word
        lines.append(current)
    return [ln for ln in lines] if any(lines) else []


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
    return TextBlock(lines=tuple(out_lines), font=style.font, size=size, backing=style.backing,
                     padding=pad_x, radius=max(1, size // 4) if style.backing else 0, bounds=bounds)


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
