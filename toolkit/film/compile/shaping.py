"""Complex text layout: which text needs it, and whether this Pillow can do it.

Arabic must be joined and ordered right to left; Devanagari, Bengali, Thai and the other
complex scripts must be shaped (conjuncts, vowel signs that reorder, marks placed on their
base). Pillow does both only through its raqm layout, which loads the system `libfribidi` at
run time (HarfBuzz and raqm are inside Pillow's wheel; FriBiDi is not). Without it Pillow
falls back to its basic layout: the letters come out unjoined, in reverse, unshaped, and
nothing fails. So Reel decides from the characters themselves which text needs complex
layout and refuses that text, located, when the layout is missing (`layout_issues` at
validate, `require_layout` again in the rasteriser), never drawing a silently wrong film.

What needs it is decided by Unicode properties, not by language tags: a character whose bidi
class is right-to-left (R, AL, or an explicit right-to-left embedding/override/isolate), a
letter of a script whose letters join (Mongolian, Phags-pa, ... beyond the right-to-left
ones), or a combining mark that does not compose with its base into one precomposed character
(the Indic vowel signs and viramas, Thai vowels and tones, stacked diacritics). Latin, Greek
and Cyrillic text, accented letters that NFC composes, CJK and emoji need none of it.
"""

from __future__ import annotations

import ctypes
import sys
import unicodedata
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from toolkit.care.characters import script
from toolkit.errors import Issue
from toolkit.film.plan.timeline import TextBlock, Timeline

if TYPE_CHECKING:
    from toolkit.doc.loader import Document

__all__ = ["LayoutSupport", "TextNeed", "layout_issues", "layout_message", "layout_support", "needs_layout",
           "require_layout"]

_RTL_CLASSES = frozenset({"R", "AL", "RLE", "RLO", "RLI"})
# Left-to-right scripts whose letters change shape with their neighbours (cursive joining).
_JOINING_SCRIPTS = frozenset({"MONGOLIAN", "PHAGS_PA", "PHAGS-PA", "MANICHAEAN", "SOGDIAN"})
# Marks that select a glyph variant rather than attach to a base, and the emoji keycap (drawn
# from the emoji font like the emoji around it): no shaping needed.
_SELECTORS = frozenset([*range(0xFE00, 0xFE10), *range(0xE0100, 0xE01F0), 0x20E3])
_EXCERPT = 40


@dataclass(frozen=True, slots=True)
class LayoutSupport:
    """What Pillow's text layout can do in this process (checked once: `layout_support()`)."""

    raqm: bool
    fribidi: bool
    harfbuzz: bool
    fribidi_error: str  # why libfribidi would not load ("" when it loads)

    @property
    def complete(self) -> bool:
        """Both bidi ordering and shaping are available."""
        return self.raqm and self.fribidi and self.harfbuzz

    def missing(self) -> str:
        """What is missing and how to get it, in one sentence."""
        if not self.fribidi:
            return ("Pillow could not load libfribidi"
                    + (f" ({self.fribidi_error})" if self.fribidi_error else "")
                    + ", which its text layout (raqm) needs to order right-to-left text and shape complex "
                    "scripts; install the fribidi library (Debian/Ubuntu: apt install libfribidi0; Fedora: dnf "
                    "install fribidi; macOS: brew install fribidi; Windows: put fribidi-0.dll beside Python) "
                    "and run Reel again")
        return ("this Pillow has no raqm/HarfBuzz text layout (built without it); install Pillow's own wheel "
                "from PyPI (`pip install --force-reinstall pillow`), which includes both")


@dataclass(frozen=True, slots=True)
class TextNeed:
    """Why a text needs complex layout: the script of the first character that needs it."""

    script: str  # "Arabic", "Devanagari", ...; "" for a shared character (a direction control, a lone mark)
    rtl: bool  # the text must be ordered right to left
    char: str

    def describe(self) -> str:
        """What the layout does for this script, for the error message."""
        if not self.script:
            what = unicodedata.name(self.char, "a character").lower()
            return f"text with U+{ord(self.char):04X} ({what}), which must be " + (
                "ordered right to left" if self.rtl else "placed on the character before it by the text layout")
        if self.rtl:
            return f"{self.script} text, which must be ordered right to left" + (
                " and its letters joined" if self.script in ("Arabic", "Syriac", "Nko", "Mandaic") else "")
        return f"{self.script} text, whose letters must be shaped (joined, reordered, marks placed on their base)"


@cache
def layout_support() -> LayoutSupport:
    """Pillow's complex layout in this process: raqm, fribidi and harfbuzz, checked once."""
    from PIL import features

    raqm = _feature(features, "raqm", False)
    # a Pillow too old to report fribidi or harfbuzz separately has them whenever raqm works
    fribidi = _feature(features, "fribidi", raqm)
    return LayoutSupport(raqm, fribidi, _feature(features, "harfbuzz", raqm), "" if fribidi else _fribidi_error())


def _feature(features, name: str, unknown: bool) -> bool:
    try:
        return bool(features.check_feature(name))
    except ValueError:  # a feature name this Pillow does not know
        return unknown
    except OSError:
        return False


def _fribidi_error() -> str:
    """The loader's own words on why libfribidi does not load (the names Pillow tries)."""
    name = {"darwin": "libfribidi.0.dylib", "win32": "fribidi-0.dll"}.get(sys.platform, "libfribidi.so.0")
    try:
        ctypes.CDLL(name)
    except OSError as exc:
        return str(exc)
    return ""


def needs_layout(text: str) -> TextNeed | None:
    """The first reason `text` needs complex layout (bidi or shaping), or None when it needs neither."""
    base = ""
    marks = ""
    for char in [*text, ""]:
        if char and ord(char) in _SELECTORS:
            continue
        if char and unicodedata.category(char) in ("Mn", "Mc", "Me"):
            marks += char
            continue
        if marks:
            # a base with its marks: fine when NFC makes it precomposed characters only
            composed = unicodedata.normalize("NFC", base + marks)
            if not base or any(unicodedata.category(c) in ("Mn", "Mc", "Me") for c in composed):
                return TextNeed(_script_name(base or marks[0]), False, marks[0])
            marks = ""
        if not char:
            break
        base = char
        if unicodedata.bidirectional(char) in _RTL_CLASSES:
            return TextNeed(_script_name(char), True, char)
        if script(char) in _JOINING_SCRIPTS:
            return TextNeed(_script_name(char), False, char)
    return None


def _script_name(char: str) -> str:
    """"Arabic", "Devanagari"; "" for a shared character (a direction control, a lone mark)."""
    name = script(char)
    return "" if name in ("INHERITED", "COMMON", "") else name.replace("_", " ").title()


def layout_message(text: str, need: TextNeed, support: LayoutSupport) -> str:
    """The refusal: names the text, its script, what is missing and how to get it."""
    shown = text if len(text) <= _EXCERPT else text[:_EXCERPT - 1] + "…"
    drawn = "unjoined and in reverse order" if need.rtl else "unshaped"
    return (f"“{shown}” is {need.describe()}, and this machine cannot: {support.missing()}. Without it the "
            f"{need.script + ' ' if need.script else ''}letters would be drawn {drawn}, a silently wrong film")


def layout_issues(timeline: Timeline, doc: Document, *, support: LayoutSupport | None = None) -> list[Issue]:
    """Located errors for every on-screen text that needs complex layout this machine lacks.

    One issue per overlay location and text. Empty when the layout is complete (the usual case).
    """
    support = layout_support() if support is None else support
    if support.complete:
        return []
    out: list[Issue] = []
    seen: set[tuple] = set()
    for overlay in timeline.overlays:
        for block in overlay.blocks:
            if not isinstance(block, TextBlock):
                continue
            text = " ".join(line.text for line in block.lines)
            need = needs_layout(text)
            if need is None or (overlay.loc, text) in seen:
                continue
            seen.add((overlay.loc, text))
            out.append(doc.issue(overlay.loc, layout_message(text, need, support), code="text-layout-missing"))
    return out


def require_layout(text: str, where: str, *, support: LayoutSupport | None = None) -> None:
    """Raise `RenderError` when `text` needs complex layout this machine lacks (the rasteriser's guard)."""
    support = layout_support() if support is None else support
    if support.complete:
        return
    need = needs_layout(text)
    if need is not None:
        from toolkit.errors import RenderError

        raise RenderError("raster", f"{where}: {layout_message(text, need, support)}")
