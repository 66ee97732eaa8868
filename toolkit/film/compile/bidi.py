"""Bidirectional text: which way a paragraph runs, and each character's embedding level.

The Unicode Bidirectional Algorithm (UAX #9) comes from python-bidi; Reel does not implement
it. python-bidi's main API (its Rust `get_display`) returns only the reordered string, and the
rasteriser needs more: the resolved level of every character, so it can split a line into runs
of one direction and one font, shape each run with HarfBuzz in its own direction and place the
runs in visual order. Those levels come from the same package's `bidi.algorithm` module, run
step by step (rules P2–P3, X1–X10, W1–W7, N1–N2, I1–I2, L1) with each character tagged by its
logical index; tests check its visual order against the Rust implementation.

Levels are computed for one displayed line at a time with the paragraph's base direction
(decided once from the whole block: a wrapped Arabic caption whose second line starts with a
number still runs right to left), so wrapping happens in logical order and each line is
reordered on its own, as UAX #9 rule L1–L2 says.

One rule is Reel's, applied to the text before the algorithm sees it: a space between two digits
is a digit-group separator, not a word gap ("116 123", "0800 068 41 41"). UAX #9 treats a plain
space there as a neutral between two numbers, so in a right-to-left sentence the groups come out
in reverse ("123 116"); a no-break space is a common separator (class CS), which rule W4 joins
into the number. So the algorithm is given U+00A0 there, and the whole number reads left to
right, as written, between the right words. The drawn character is still the space.
"""

from __future__ import annotations

import re

from bidi import algorithm as _uba

__all__ = ["for_bidi", "levels", "paragraph_rtl", "visual_order"]

_DIGIT_GAP = re.compile(r"(?<=\d) (?=\d)")


def for_bidi(text: str) -> str:
    """`text` as the bidi algorithm is given it: spaces inside numbers become no-break spaces (same length)."""
    return _DIGIT_GAP.sub("\u00a0", text)


def paragraph_rtl(text: str) -> bool:
    """True when the first strong character of `text` is right-to-left (UAX #9 rules P2–P3)."""
    return _uba.get_base_level(text) == 1


def _resolve(text: str, rtl: bool) -> list[dict]:
    storage = _uba.get_empty_storage()
    storage["base_level"] = 1 if rtl else 0
    storage["base_dir"] = "R" if rtl else "L"
    _uba.get_embedding_levels(for_bidi(text), storage)
    for index, char in enumerate(storage["chars"]):
        char["index"] = index
    _uba.explicit_embed_and_overrides(storage)
    _uba.resolve_weak_types(storage, False)
    _uba.resolve_neutral_types(storage, False)
    _uba.resolve_implicit_levels(storage, False)
    return storage


def levels(text: str, rtl: bool) -> list[int]:
    """The resolved embedding level of each character of one line (odd: right to left).

    Explicit embedding, override and isolate controls removed by rule X9 get the level of the
    character before them (they draw nothing).
    """
    storage = _resolve(text, rtl)
    out = [-1] * len(text)
    for char in storage["chars"]:
        out[char["index"]] = char["level"]
    base = 1 if rtl else 0
    for i, level in enumerate(out):
        if level < 0:
            out[i] = out[i - 1] if i else base
    return out


def visual_order(text: str, rtl: bool) -> list[int]:
    """Logical indices of the characters of one line, in display order left to right (rule L2)."""
    storage = _resolve(text, rtl)
    _uba.reorder_resolved_levels(storage, False)
    return [char["index"] for char in storage["chars"]]
