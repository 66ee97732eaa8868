"""A word-by-word caption that comes in word by word (`enter: pop by word`), and a caption whose lines come
in one after another (`enter: fade by line`).

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
from toolkit.film.plan.timeline import LayerMotion, Overlay, TextBlock, TextLine, TextRun
from toolkit.film.spec.scenes import CaptionTrack
from toolkit.film.template.models import Enter

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


def lines_in_turn(overlay: Overlay, lines: Sequence[str], style: Style, *, top: int, center_x: int, scale: Fraction,
                  measurer: Measurer) -> list[Overlay]:
    """A block caption (`overlay`, coming in with its `enter`) as its lines coming in one after another: line i
    comes in once line i - 1 has (its entrance's length later), over the box and the lines before it.
    Every part keeps the caption's id, so it stays one caption (one cue in the caption files)."""
    block = overlay.blocks[0]
    assert isinstance(block, TextBlock)
    count = len(lines)
    step = max(1, min(overlay.enter.frames, overlay.length // count))
    out: list[Overlay] = []
    for i, line in enumerate(lines):
        at = overlay.start + i * step
        until = overlay.start + (i + 1) * step if i + 1 < count else overlay.end
        shown = words_before(block, (i, 0, 0), measurer)
        alone = word_alone(lines, style, (i, 0, len(line)), style.color, top=top, center_x=center_x, scale=scale,
                           measurer=measurer)
        out.append(replace(overlay, start=at, length=until - at, blocks=(shown,), enter=LayerMotion("cut", 0)))
        out.append(replace(overlay, start=at, length=until - at, blocks=(alone,)))
    return out


def once_across_cuts(overlays: Sequence[Overlay]) -> list[Overlay]:
    """The overlays with no caption coming in twice: a caption that carries on across a cut (the film's
    caption track, split at the scene boundary) is drawn again in the next scene, and that part comes in
    with a cut, not a second entrance."""
    out: list[Overlay] = []
    seen: dict[tuple, tuple[str, int]] = {}  # (where written, words) -> (its first scene, where it ends)
    for overlay in overlays:
        if overlay.kind == "caption":
            words = " ".join(line.text for b in overlay.blocks if isinstance(b, TextBlock) for line in b.lines)
            key, scene = (overlay.loc, words), overlay.id.split("-")[1]
            before = seen.get(key)
            if before is not None and before[0] != scene and before[1] >= overlay.start:
                overlay = replace(overlay, enter=LayerMotion("cut", 0))
            seen[key] = (before[0] if before is not None and before[1] >= overlay.start else scene,
                         max(overlay.end, before[1] if before is not None else 0))
        out.append(overlay)
    return out


def own_enter(track: CaptionTrack, loc: tuple[str | int, ...]) -> Enter | None:
    """The `enter` written on the caption at `loc` (`captions.lines[k]`) of `track`, if any."""
    lines = track.lines
    if lines is None or len(loc) < 2 or loc[-2] != "lines" or not isinstance(loc[-1], int) \
            or not 0 <= loc[-1] < len(lines):
        return None
    return lines[loc[-1]].enter


def entrance(enter: Enter, fps: Fraction) -> LayerMotion:
    """An `enter:` as the Timeline's motion: its kind and frames (none for a cut)."""
    if enter.type == "cut":
        return LayerMotion("cut", 0)
    return LayerMotion(enter.type, round(Fraction(str(enter.seconds)) * fps))
