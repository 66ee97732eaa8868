"""Hostile fonts for the end-card tests, built with fontTools from the shipped Atkinson Hyperlegible.

Each one passes every check that reads a font's character map (it claims every glyph a
card needs), yet draws a card that lies:

* `blank`: every glyph keeps its width but loses its outlines, so the card is empty;
* `no_digits`: the digits 0–9 lose their outlines (the cmap still claims them, so no
  fallback font steps in);
* `swapped`: the cmap points each digit at another digit's glyph (0↔8, 1↔7, 2↔5, 3↔9, 4↔6),
  so Samaritans' 116 123 is drawn "774 759" and Shout's 85258 "02520".
"""

from __future__ import annotations

from pathlib import Path

from fontTools.ttLib import TTFont
from fontTools.ttLib.tables._g_l_y_f import Glyph

SWAP = {"0": "8", "1": "7", "2": "5", "3": "9", "4": "6", "5": "2", "6": "4", "7": "1", "8": "0", "9": "3"}


def atkinson(style: str = "Regular") -> Path:
    """The shipped Atkinson Hyperlegible face."""
    import fontpkg_atkinson_hyperlegible as pkg

    return Path(pkg.__file__).parent / "files" / f"AtkinsonHyperlegible-{style}.ttf"


def swap_digits(text: str) -> str:
    """What the `swapped` font draws for `text`."""
    return "".join(SWAP.get(c, c) for c in text)


def _empty(font: TTFont, names: list[str]) -> None:
    glyf = font["glyf"]
    for name in names:
        glyf[name] = Glyph()  # no contours: draws nothing, keeps its advance width in hmtx


def make(kind: str, folder: Path, style: str = "Bold") -> Path:
    """Write the hostile font `kind` (blank, no_digits, swapped) into `folder`; return its path."""
    font = TTFont(atkinson(style))
    cmap = font.getBestCmap()
    digits = [cmap[ord(d)] for d in "0123456789"]
    if kind == "blank":
        _empty(font, [g for g in font.getGlyphOrder() if g != ".notdef"])
    elif kind == "no_digits":
        _empty(font, digits)
    elif kind == "swapped":
        glyph_of = {d: cmap[ord(d)] for d in "0123456789"}
        for table in font["cmap"].tables:
            if table.isUnicode():
                for d, other in SWAP.items():
                    if ord(d) in table.cmap:
                        table.cmap[ord(d)] = glyph_of[other]
    else:
        raise ValueError(f"unknown hostile font {kind!r}")
    path = folder / f"hostile-{kind}-{style.lower()}.ttf"
    font.save(str(path))
    return path
