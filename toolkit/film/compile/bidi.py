"""Bidirectional text: which way a paragraph runs, and each character's embedding level.

The Unicode Bidirectional Algorithm (UAX #9) comes from python-bidi; Reel does not implement
it. python-bidi's API returns the reordered string, and the rasteriser needs more: the resolved
level of every character, so it can split a line into runs of one direction and one font, shape
each run with HarfBuzz in its own direction and place the runs in visual order. The levels come
from the package's Rust implementation (the `unicode-bidi` crate: the whole algorithm, isolates
and bracket pairs included), which returns them with `get_display(..., debug=True)` as a printed
`BidiInfo` (one level per UTF-8 byte). Visual order is then rules L1–L2, run by the package's
`bidi.algorithm.reorder_resolved_levels`. Should that printout ever not parse (python-bidi is
pinned below 0.7; a test checks it does), the package's older step-by-step module resolves the
levels instead, with isolates given as embeddings (it predates them), so nothing stops a render.

Levels are computed for one displayed line at a time with the paragraph's base direction
(decided once from the whole block: a wrapped Arabic caption whose second line starts with a
number still runs right to left), so wrapping happens in logical order and each line is
reordered on its own, as UAX #9 rules L1–L2 say.

One rule is Reel's, applied to the text before the algorithm sees it: a space between two digits
is a digit-group separator, not a word gap ("116 123", "0800 068 41 41"). UAX #9 treats a plain
space there as a neutral between two numbers, so in a right-to-left sentence the groups come out
in reverse ("123 116"); a no-break space is a common separator (class CS), which rule W4 joins
into the number. So the algorithm is given U+00A0 there, and the whole number reads left to
right, as written, between the right words. The drawn character is still the space.
"""

from __future__ import annotations

import re
from unicodedata import bidirectional

from bidi import algorithm as _uba
from bidi import get_base_level, get_display

__all__ = ["for_bidi", "levels", "paragraph_rtl", "rust_levels", "visual_order"]

_DIGIT_GAP = re.compile(r"(?<=\d) (?=\d)")
_LEVELS = re.compile(r"Level\(\s*(\d+)")
# The step-by-step module predates isolates and stops on them; it is given the embedding that
# behaves most like each (an isolate also hides its content from its neighbours: close enough
# for a caption, never a crash). FSI takes its direction from its first strong character.
_ISOLATES = {"\u2066": "\u202a", "\u2067": "\u202b", "\u2069": "\u202c"}


def for_bidi(text: str) -> str:
    """`text` as the bidi algorithm is given it: spaces inside numbers become no-break spaces (same length)."""
    return _DIGIT_GAP.sub("\u00a0", text)


def paragraph_rtl(text: str) -> bool:
    """True when the first strong character of `text` is right-to-left (UAX #9 rules P2–P3)."""
    try:
        return get_base_level(text) == 1
    except ValueError:  # no paragraph at all (empty text): left to right
        return False


def levels(text: str, rtl: bool) -> list[int]:
    """The resolved embedding level of each character of one line (odd: right to left), before rule L1."""
    given = for_bidi(text)
    found = rust_levels(given, rtl)
    return found if found is not None else _stepwise_levels(given, rtl)


def visual_order(text: str, rtl: bool) -> list[int]:
    """Logical indices of the characters of one line, in display order left to right (rules L1–L2)."""
    given = for_bidi(text)
    storage = _uba.get_empty_storage()
    storage["base_level"] = 1 if rtl else 0
    storage["chars"] = [{"ch": c, "level": level, "type": bidirectional(c), "orig": bidirectional(c), "index": i}
                        for i, (c, level) in enumerate(zip(given, levels(text, rtl), strict=True))]
    _uba.reorder_resolved_levels(storage, False)
    return [char["index"] for char in storage["chars"]]


def rust_levels(text: str, rtl: bool) -> list[int] | None:
    """Per-character levels from python-bidi's Rust implementation, or None if its printout does not parse."""
    if not text:
        return []
    printed = get_display(text, base_dir="R" if rtl else "L", debug=True)
    # the text is printed first and may itself contain "levels: [": the real field is the last one
    at = printed.rfind("levels: [") if isinstance(printed, str) else -1
    if at < 0:
        return None
    per_byte = [int(n) for n in _LEVELS.findall(printed[at:printed.find("]", at)])]
    out, offset = [], 0
    for char in text:
        if offset >= len(per_byte):
            return None
        out.append(per_byte[offset])
        offset += len(char.encode("utf-8"))
    return out if offset == len(per_byte) else None


def _stepwise_levels(text: str, rtl: bool) -> list[int]:
    """The fallback: the package's pure-Python module, rules X1–I2; X9-removed characters take the level before."""
    given = []
    for i, char in enumerate(text):
        if char == "\u2068":
            char = "\u2067" if paragraph_rtl(text[i + 1:].split("\u2069")[0]) else "\u2066"
        given.append(_ISOLATES.get(char, char))
    storage = _uba.get_empty_storage()
    storage["base_level"] = 1 if rtl else 0
    storage["base_dir"] = "R" if rtl else "L"
    _uba.get_embedding_levels("".join(given), storage)
    for index, char in enumerate(storage["chars"]):
        char["index"] = index
    _uba.explicit_embed_and_overrides(storage)
    _uba.resolve_weak_types(storage, False)
    _uba.resolve_neutral_types(storage, False)
    _uba.resolve_implicit_levels(storage, False)
    out = [-1] * len(text)
    for char in storage["chars"]:
        out[char["index"]] = char["level"]
    for i, level in enumerate(out):
        if level < 0:
            out[i] = out[i - 1] if i else storage["base_level"]
    return out
