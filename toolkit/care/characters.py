"""Characters that hide or imitate others: invisible format characters and look-alike letters.

Two uses. The lint's normaliser (`care.normalise`) asks `is_invisible` and `skeleton_char` to read
text the way a viewer sees it. `suspicious_characters` finds the same characters in on-screen
text so they can be reported by name ("U+200B ZERO WIDTH SPACE", "Cyrillic 'о' U+043E looks like
Latin 'o'"), while leaving legitimate uses alone: letters of any single script (a Russian
caption), accents (Welsh ŵ), ZWJ inside emoji sequences, ZWNJ/ZWJ in scripts that need them
(Persian, the Indic scripts) and direction marks in right-to-left text.

Look-alike data is Unicode's confusables.txt (TR39) and Scripts.txt, as shipped by the
`confusable-homoglyphs` package. That package stores each confusables.txt pair in both
directions, so `skeleton_char` keeps only the pairs whose other side is plain ASCII: the
skeleton restricted to the Latin letters the English rule catalogue is written in.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import cache

# Format/ignorable characters that are not category Cf but still draw nothing.
_OTHER_INVISIBLE = frozenset("\u034f\u115f\u1160\u17b4\u17b5\u3164\uffa0\u2800")
_BIDI_OVERRIDES = frozenset("\u202a\u202b\u202c\u202d\u202e")  # LRE RLE PDF LRO RLO
_BIDI_ISOLATES = frozenset("\u2066\u2067\u2068\u2069")
_DIRECTION_MARKS = frozenset("\u200e\u200f\u061c")  # LRM RLM ALM
_ZWJ, _ZWNJ = "\u200d", "\u200c"
_VARIATION_SELECTORS = frozenset(chr(c) for c in range(0xFE00, 0xFE10))
# Scripts whose spelling uses ZWJ/ZWNJ (Persian/Urdu via Arabic, the Indic scripts, ...).
_JOINING_SCRIPTS = frozenset({
    "ARABIC", "SYRIAC", "NKO", "MONGOLIAN", "DEVANAGARI", "BENGALI", "GURMUKHI", "GUJARATI", "ORIYA", "TAMIL",
    "TELUGU", "KANNADA", "MALAYALAM", "SINHALA", "KHMER", "MYANMAR", "TIBETAN", "HEBREW",
})
_RTL_SCRIPTS = frozenset({"ARABIC", "HEBREW", "SYRIAC", "THAANA", "NKO"})


def char_label(ch: str) -> str:
    """`U+200B ZERO WIDTH SPACE`: how a character is named in messages."""
    if is_control(ch):
        return f"U+{ord(ch):04X} control character"  # control characters have no Unicode name
    return f"U+{ord(ch):04X} {unicodedata.name(ch, 'unnamed character')}"


def is_control(ch: str) -> bool:
    """A control character (Cc: NUL, ESC, the C1 controls…) other than the line breaks and tab that
    text legitimately holds: it draws nothing (or a box), so inside a word it hides the word."""
    return unicodedata.category(ch) == "Cc" and ch not in "\n\r\t"


def is_invisible(ch: str) -> bool:
    """A character that draws nothing: any format character (Cf), control character, fillers and joiners."""
    return unicodedata.category(ch) == "Cf" or ch in _OTHER_INVISIBLE or is_control(ch)


def script(ch: str) -> str:
    """The Unicode script of `ch` in upper case (`LATIN`, `CYRILLIC`; `COMMON`/`INHERITED` for shared)."""
    return _script_of(ch)


@cache
def _script_of(ch: str) -> str:
    from confusable_homoglyphs.categories import alias

    return str(alias(ch)).upper() if len(ch) == 1 else ""


@cache
def _ascii_lookalikes() -> dict[str, str]:
    """Non-ASCII letter, digit or letter-like symbol -> the ASCII letter or digit it is confusable with."""
    from confusable_homoglyphs.confusables import confusables_data

    out: dict[str, str] = {}
    for src, entries in confusables_data.items():
        if len(src) != 1 or src.isascii():
            continue
        cat = unicodedata.category(src)
        # The data wraps right-to-left characters in LRM marks for display; they are not part of it.
        targets = sorted({e["c"].strip("\u200e\u200f") for e in entries} & _ASCII_ALNUM,
                         key=lambda t: (not t.isalpha(), t.lower(), t))
        # letters and digits of any script; symbols only where they imitate a letter (APL ⍺ for a)
        if targets and (cat[0] in "LN" or (cat in ("Sm", "So") and targets[0].isalpha())):
            out[src] = targets[0]
    return out


_ASCII_ALNUM = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")


def skeleton_char(ch: str) -> str | None:
    """The ASCII character `ch` is confusable with, or None (ASCII itself and other letters)."""
    if ch.isascii():
        return None
    return _ascii_lookalikes().get(ch)


# ---------------------------------------------------------------- reporting


@dataclass(frozen=True, slots=True)
class CharWarning:
    """A suspicious character at `offset` in the text; `code` is `invisible-character`, `look-alike` or
    `control-character` (no on-screen text has a use for one: an error, where the others warn)."""

    offset: int
    code: str
    message: str


def shown(text: str) -> str:
    """`text` with invisible characters written as ⟨U+200B⟩ so a message can show where they are."""
    return "".join(f"⟨U+{ord(c):04X}⟩" if is_invisible(c) else c for c in text)


def suspicious_characters(text: str) -> list[CharWarning]:
    """Invisible and look-alike characters in `text` that are not a legitimate use (see module doc).

    One warning per distinct character and kind, at its first place, saying how many more follow.
    """
    if text.isascii() and not any(is_control(c) for c in text):
        return []
    found: dict[tuple[str, str], list] = {}  # (code, char) -> [offset, message builder args, count]
    rtl = any(_script_of(c) in _RTL_SCRIPTS for c in text if not c.isascii() and c.isalpha())
    for i, ch in enumerate(text):
        if (ch.isascii() and not is_control(ch)) or not (is_invisible(ch) or ch in _VARIATION_SELECTORS):
            continue
        why = _invisible_reason(text, i, rtl)
        if why:
            key = ("control-character" if is_control(ch) else "invisible-character", ch)
            if key in found:
                found[key][2] += 1
            else:
                found[key] = [i, f"invisible character {char_label(ch)} in “{shown(_word_at(text, i))}”: {why}", 0]
    for i, ch, message in _lookalikes(text):
        key = ("look-alike", ch)
        if key in found:
            found[key][2] += 1
        else:
            found[key] = [i, message, 0]
    out = [CharWarning(offset, code, message + (f" ({more} more in this text)" if more else ""))
           for (code, _), (offset, message, more) in found.items()]
    out.sort(key=lambda w: w.offset)
    return out


def _invisible_reason(text: str, i: int, rtl: bool) -> str:
    """Why the invisible character at `i` is a problem, or "" when it is a legitimate use."""
    ch = text[i]
    before, after = _neighbour(text, i, -1), _neighbour(text, i, 1)
    remove = "remove it; hidden characters can hide words from the safe-messaging check"
    if is_control(ch):
        return "remove it; a control character is not text: it draws nothing or a box, and hides words from the " \
               "safe-messaging check"
    if ch in _BIDI_OVERRIDES:
        return "remove it; it reverses or reorders what the viewer sees, so the words read differently on screen"
    if ch in (_ZWJ, _ZWNJ):
        if ch == _ZWJ and _is_emoji(before) and _is_emoji(after):
            return ""
        if _script_of(before) in _JOINING_SCRIPTS or _script_of(after) in _JOINING_SCRIPTS:
            return ""
        return remove
    if ch in _VARIATION_SELECTORS:
        return "" if (before and not before.isalnum()) or _is_emoji(before) else remove
    if 0xE0020 <= ord(ch) <= 0xE007F:  # tag characters: only inside a flag sequence (🏴 + tags)
        j = i
        while j > 0 and 0xE0020 <= ord(text[j - 1]) <= 0xE007F:
            j -= 1
        return "" if j > 0 and text[j - 1] == "\U0001f3f4" else remove
    if ch in _DIRECTION_MARKS or ch in _BIDI_ISOLATES:
        return "" if rtl else remove
    return remove


def _neighbour(text: str, i: int, step: int) -> str:
    """The nearest character to `i` in direction `step` that is not a joiner, selector or skin tone."""
    j = i + step
    while 0 <= j < len(text) and (text[j] in (_ZWJ, _ZWNJ) or text[j] in _VARIATION_SELECTORS
                                  or 0x1F3FB <= ord(text[j]) <= 0x1F3FF):
        j += step
    return text[j] if 0 <= j < len(text) else ""


def _is_emoji(ch: str) -> bool:
    if not ch:
        return False
    cp = ord(ch)
    return (0x1F000 <= cp <= 0x1FAFF or 0x2600 <= cp <= 0x27BF or 0x2300 <= cp <= 0x23FF
            or 0x2B00 <= cp <= 0x2BFF or cp in (0x00A9, 0x00AE, 0x203C, 0x2049, 0x2122, 0x2139, 0x3030, 0x303D))


def _word_at(text: str, i: int, reach: int = 24) -> str:
    """The word around offset `i`, at most `reach` characters either side (so messages stay short)."""
    start, end = i, i + 1
    while start > max(0, i - reach) and not text[start - 1].isspace():
        start -= 1
    while end < min(len(text), i + reach) and not text[end].isspace():
        end += 1
    return ("…" if start > 0 and not text[start - 1].isspace() else "") + text[start:end] + \
        ("…" if end < len(text) and not text[end].isspace() else "")


def _words(text: str) -> list[tuple[int, int]]:
    """Spans of words: letters and marks, with invisible characters inside them."""
    spans, start = [], None
    for i, ch in enumerate(text):
        part = ch.isalpha() or unicodedata.category(ch).startswith("M") or (start is not None and is_invisible(ch))
        if part and start is None:
            start = i
        elif not part and start is not None:
            spans.append((start, i))
            start = None
    if start is not None:
        spans.append((start, len(text)))
    return spans


def _lookalikes(text: str) -> list[tuple[int, str, str]]:
    """(offset, char, message) for letters of another script inside a word that look like a letter
    of the word's own script.

    A word written wholly in a script other than Latin is left alone (a Russian caption), unless
    every letter of it imitates a Latin letter and the text has Latin words around it.
    """
    out: list[tuple[int, str, str]] = []
    spans = _words(text)
    latin_words = sum(1 for s, e in spans if all(_script_of(c) in ("LATIN", "COMMON", "INHERITED")
                                                    for c in text[s:e] if c.isalpha()))
    seen: set[str] = set()
    for s, e in spans:
        letters = [(k, text[k]) for k in range(s, e) if text[k].isalpha()]
        scripts = {_script_of(c) for _, c in letters} - {"COMMON", "INHERITED"}
        if len(scripts) > 1:
            counts = {sc: sum(1 for _, c in letters if _script_of(c) == sc) for sc in scripts}
            main = "LATIN" if "LATIN" in scripts else max(sorted(counts), key=lambda sc: counts[sc])
            odd = [(i, c) for i, c in letters if _script_of(c) != main]
        elif scripts and scripts != {"LATIN"} and latin_words and len(letters) > 1 \
                and all(skeleton_char(c.lower()) or skeleton_char(c) for _, c in letters):
            main, odd = "LATIN", letters
        else:
            continue
        for i, c in odd:
            # the message (with its word) is built once per character; repeats are only counted
            out.append((i, c, "" if c in seen else _lookalike(c, main, _word_at(text, i))))
            seen.add(c)
    return out


def _lookalike(ch: str, main: str, word: str) -> str:
    target = skeleton_char(ch)
    name = _title(_script_of(ch))
    if target is None or main != "LATIN":
        return (f"{name} {ch!r} U+{ord(ch):04X} in “{shown(word)}” mixes {name} into a {_title(main)} word; "
                "type the word in one script")
    return (f"{name} {ch!r} U+{ord(ch):04X} looks like Latin {target!r} in “{shown(word)}”; type the Latin "
            "letter (look-alike letters can hide words from the safe-messaging check)")


def _title(script_name: str) -> str:
    return script_name.replace("_", " ").title()
