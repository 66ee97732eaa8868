"""Glyph coverage: does each font draw every character the film puts on screen in it?

Checked on the planned Timeline, so every drawn text is covered (storyboard and template
text, generated content warnings, helpline names) with the font it is actually set in.
Coverage and the fallback chain are the rasteriser's own (`compile.fonts.FontBook` reads each
font's cmap; `default_fallbacks()` is the chain it draws missing characters from), so the
warning names exactly the font the render will use instead, or says that none has the glyph.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from pathlib import Path

from toolkit.doc.loader import Document
from toolkit.errors import Issue
from toolkit.film.compile.fonts import FontBook, credit, default_fallbacks
from toolkit.film.plan.timeline import TextBlock, Timeline

_JOINERS = frozenset([0x200C, 0x200D, *range(0xFE00, 0xFE10), *range(0x1F3FB, 0x1F400)])


def _needs_glyph(char: str) -> bool:
    # spaces, controls and format characters draw nothing; marks and joiners ride on the previous glyph
    return (unicodedata.category(char)[0] not in "ZC" and not unicodedata.combining(char)
            and ord(char) not in _JOINERS)


def missing_glyphs(book: FontBook, font: Path, text: str) -> list[str]:
    """Characters of `text` that the font at `font` has no glyph for, in order of first appearance."""
    return [c for c in dict.fromkeys(text) if _needs_glyph(c) and not book.covers(font, c)]


def font_name(book: FontBook, font: Path) -> str:
    """The font's family and style as people say it, e.g. "Atkinson Hyperlegible Bold"."""
    family, style = book.face(font, 16).getname()
    return f"{family} {style}" if style and style not in ("Regular", "Book") else str(family)


def glyph_issues(timeline: Timeline, doc: Document, *, fallbacks: Sequence[Path] | None = None) -> list[Issue]:
    """Warnings (errors under --strict) naming characters a text's font lacks and what draws them.

    One issue per overlay location and font; `fallbacks` replaces the rasteriser's default chain.
    """
    book = FontBook(tuple(default_fallbacks() if fallbacks is None else fallbacks))
    out: list[Issue] = []
    seen: set[tuple] = set()
    for overlay in timeline.overlays:
        for block in overlay.blocks:
            if not isinstance(block, TextBlock):
                continue
            lacking = missing_glyphs(book, block.font, "".join(line.text for line in block.lines))
            key = (overlay.loc, block.font, tuple(lacking))
            if not lacking or key in seen:
                continue
            seen.add(key)
            out.extend(_issues(book, doc, overlay.loc, block.font, lacking))
    return out


def _issues(book: FontBook, doc: Document, loc: tuple, font: Path, chars: list[str]) -> list[Issue]:
    by_font: dict[Path | None, list[str]] = {}
    for c in chars:
        by_font.setdefault(next((f for f in book.fallbacks if book.covers(f, c)), None), []).append(c)
    name = font_name(book, font)
    out = []
    for fallback, cs in by_font.items():
        shown = ", ".join(f"`{c}` (U+{ord(c):04X})" for c in cs)
        if fallback is None:
            message = (f"{name} has no {shown}, and no fallback font has {'them' if len(cs) > 1 else 'it'}: "
                       "it would show as an empty box; choose a font that covers it or change the text")
            out.append(doc.issue(loc, message, severity="warning", code="glyph-missing"))
        else:
            message = f"{name} has no {shown}; {'they' if len(cs) > 1 else 'it'} will be drawn with " \
                      f"{font_name(book, fallback)}" + (f" ({credit(fallback)})" if credit(fallback) else "")
            out.append(doc.issue(loc, message, severity="warning", code="glyph-fallback"))
    return out
