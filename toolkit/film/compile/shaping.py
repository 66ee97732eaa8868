"""Which text needs complex layout: bidi ordering or shaping, decided from its characters.

Arabic must be joined and ordered right to left; Devanagari, Bengali, Thai and the other
complex scripts must be shaped (conjuncts, vowel signs that reorder, marks placed on their
base). Pillow does both only through its raqm layout, which loads the system `libfribidi` at
run time (without it Pillow draws the letters unjoined, in reverse, unshaped, and nothing
fails), and even with it Pillow orders one font run at a time. So a line that needs either is
laid out by Reel itself (`compile.textline`: python-bidi, HarfBuzz and FreeType, all inside
their wheels), the same on every machine, and no system library is needed.

What needs it is decided by Unicode properties, not by language tags: a character whose bidi
class is right-to-left (R, AL, or an explicit right-to-left embedding/override/isolate), a
letter of a script whose letters join (Mongolian, Phags-pa, ... beyond the right-to-left
ones), or a combining mark that does not compose with its base into one precomposed character
(the Indic vowel signs and viramas, Thai vowels and tones, stacked diacritics). Latin, Greek
and Cyrillic text, accented letters that NFC composes, CJK and emoji need none of it (emoji in
colour are laid out by `compile.textline` too, for their ZWJ sequences, skin tones and flags).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from toolkit.care.characters import script

__all__ = ["TextNeed", "needs_layout"]

_RTL_CLASSES = frozenset({"R", "AL", "RLE", "RLO", "RLI"})
# Left-to-right scripts whose letters change shape with their neighbours (cursive joining).
_JOINING_SCRIPTS = frozenset({"MONGOLIAN", "PHAGS_PA", "PHAGS-PA", "MANICHAEAN", "SOGDIAN"})
# Marks that select a glyph variant rather than attach to a base, and the emoji keycap (drawn
# from the emoji font like the emoji around it): no shaping needed.
_SELECTORS = frozenset([*range(0xFE00, 0xFE10), *range(0xE0100, 0xE01F0), 0x20E3])


@dataclass(frozen=True, slots=True)
class TextNeed:
    """Why a text needs complex layout: the script of the first character that needs it."""

    script: str  # "Arabic", "Devanagari", ...; "" for a shared character (a direction control, a lone mark)
    rtl: bool  # the text must be ordered right to left
    char: str


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
