"""Read text the way a viewer does before the lint matches it, remembering where each letter came from.

The rules are written for plain lower-case English. People (and attackers) put the same words on
screen in ways a regular expression misses: invisible characters inside a word, look-alike
letters from other scripts, full-width or maths-bold letters, accents and combining marks, a
right-to-left override that reverses the letters, digits for letters ("c0mmitted"), punctuation
or spaces inside a word ("sui.cide", "s u i c i d e") and one-letter misspellings ("commited").

`normalise` undoes each of these and returns the reading together with, for every character of
it, the offset of the original character it came from, so a hit is reported on the ORIGINAL
text (line:col in the storyboard) and can say what was disguised. Re-joining split words and
correcting misspellings only ever produce one of the catalogue's key words (`KeyWords`), so
ordinary text is not rewritten.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from rapidfuzz import process
from rapidfuzz.distance import OSA

from toolkit.care.characters import char_label, is_control, is_invisible, script, skeleton_char

_RLO, _LRO, _PDF = "\u202e", "\u202d", "\u202c"
# Digits and symbols read as letters when they sit inside a word.
LEET = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "@": "a", "$": "s", "!": "i",
        "|": "l", "+": "t"}
# maximal runs only (the look-behind): a pattern that could start anywhere in a run is quadratic
_LEET_WORD = re.compile(r"(?<![a-z0-9@$!|+])[a-z0-9@$!|+]+")
_LEET_CHARS = re.compile(r"[0-9@$!|+]")
_LEET_INSIDE = re.compile(r"[a-z][0-9@$!|+]|[0-9@$!|+][a-z]", re.IGNORECASE)
# Characters that split a word without meaning anything ("sui.cide", "s*icide", "sui-cide").
_SPLIT_WORD = re.compile(r"(?<![a-z])[a-z]+(?:[.*_~^`'’+=#|/\\·•‐‑–—:;,-]+[a-z]+)+")
_SEPARATOR = re.compile(r"[^a-z]")
_POSSESSIVE = re.compile(r"[a-z]+['’]s")
# Single letters with a space or punctuation between each: "s u i c i d e", "c.o.m.m.i.t".
_SPACED = re.compile(r"(?<![a-z])[a-z](?:[\s.*_~^`'’+=#|/\\·•-]{1,3}[a-z](?![a-z])){2,}")
_TOKEN = re.compile(r"[a-z]+")


@dataclass(frozen=True)
class KeyWords:
    """The catalogue's key words: which split or misspelt words are read as the word itself.

    `fuzzy` words are also read through one edit (insert, delete, substitute, swap: "suicde",
    "commited"); `exact` ones only when split ("psy.cho"). `not_misspellings` are real words one
    edit from a key word ("committee") that must stay as written.
    """

    fuzzy: frozenset[str] = frozenset()
    exact: frozenset[str] = frozenset()
    not_misspellings: frozenset[str] = frozenset()
    all: frozenset[str] = field(init=False, compare=False)
    split_in_two: re.Pattern[str] = field(init=False, compare=False)  # "sui cide" for each key word
    candidates: re.Pattern[str] = field(init=False, compare=False)  # words long enough to be a misspelling
    _fuzzy_sorted: tuple[str, ...] = field(init=False, repr=False, compare=False)
    _lengths: tuple[int, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        every = self.fuzzy | self.exact
        object.__setattr__(self, "all", every)
        splits = sorted({f"{w[:k]} {w[k:]}" for w in every for k in range(1, len(w))}, key=lambda x: (-len(x), x))
        object.__setattr__(self, "split_in_two", re.compile(
            r"(?<![a-z])(?:" + ("|".join(map(re.escape, splits)) or "(?!)") + r")(?![a-z])"))
        object.__setattr__(self, "_fuzzy_sorted", tuple(sorted(self.fuzzy)))
        sizes = [len(w) for w in self.fuzzy] or [2]
        lo, hi = min(sizes) - 1, max(sizes) + 1
        object.__setattr__(self, "_lengths", (lo, hi))
        object.__setattr__(self, "candidates", re.compile(rf"(?<![a-z])[a-z]{{{lo},{hi}}}(?![a-z])"))

    def read(self, word: str) -> str | None:
        """The key word `word` is, or is one edit from; None for any other word."""
        if word in self.all:
            return word
        lo, hi = self._lengths
        if not lo <= len(word) <= hi or word in self.not_misspellings:
            return None
        return _nearest(word, self._fuzzy_sorted)


@lru_cache(maxsize=65536)
def _nearest(word: str, candidates: tuple[str, ...]) -> str | None:
    # cached: captions repeat their words, and this runs on every validate
    found = process.extractOne(word, candidates, scorer=OSA.distance, score_cutoff=1)
    return found[0] if found else None


@dataclass(frozen=True, slots=True)
class Change:
    """Something read differently from how it was written: original `start:end` and what it was."""

    start: int
    end: int
    what: str


@dataclass(frozen=True, slots=True)
class Normalised:
    """The reading of a text: `text[i]` came from original offset `origin[i]`."""

    text: str
    origin: tuple[int, ...]
    changes: tuple[Change, ...] = ()

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original `start:end` covering reading characters `start:end`."""
        picked = self.origin[start:end] or (self.origin[start - 1],)
        return min(picked), max(picked) + 1

    def disguises(self, start: int, end: int, most: int = 6) -> tuple[str, ...]:
        """What was disguised inside original `start:end`, each named once, in order (at most `most`)."""
        found: list[str] = []
        for c in self.changes:
            if c.start < end and c.end > start and c.what not in found:
                found.append(c.what)
                if len(found) == most:
                    break
        return tuple(found)


def may_use_digits(text: str) -> bool:
    """Could reading digits or symbols inside words as letters change `text`?"""
    return bool(_LEET_INSIDE.search(text)) or not _plain_ascii(text)


def has_overrides(text: str) -> bool:
    """Does `text` contain a bidi override that changes the displayed order of its letters?"""
    return _RLO in text or _LRO in text


def _plain_ascii(text: str) -> bool:
    """ASCII without control characters (a NUL or ESC inside a word must be read past, not kept)."""
    return text.isascii() and (text.isprintable() or not any(is_control(c) for c in text))


def normalise(text: str, words: KeyWords, *, display_order: bool = True, leet: bool = False) -> Normalised:
    """The reading of `text` (see the module doc). `leet=True` also reads digits inside words as letters."""
    if _plain_ascii(text):  # the common case: only case and word-level readings apply
        return _words_pass(Normalised(text.lower(), tuple(range(len(text)))), words, leet)
    chars: list[str] = []
    origin: list[int] = []
    changes: list[Change] = []
    order = _display_order(text, changes) if display_order and has_overrides(text) else range(len(text))
    for i in order:
        ch = text[i]
        if ch.isascii() and not is_control(ch):
            if ch.isupper():
                ch = ch.lower()
            chars.append(ch)
            origin.append(i)
            continue
        _read_char(ch, i, chars, origin, changes)
    reading = Normalised("".join(chars), tuple(origin), tuple(changes))
    return _words_pass(reading, words, leet)


def _display_order(text: str, changes: list[Change]) -> list[int]:
    """Offsets in the order they are displayed: a run after RLO (to PDF or the line end) is reversed."""
    order: list[int] = []
    i = 0
    while i < len(text):
        if text[i] == _RLO:
            j = i + 1
            while j < len(text) and text[j] not in (_PDF, "\n"):
                j += 1
            order.append(i)
            order.extend(range(j - 1, i, -1))
            changes.append(Change(i, j, f"right-to-left override ({char_label(_RLO)}) reversing the letters"))
            i = j
            continue
        order.append(i)
        i += 1
    return order


def _read_char(ch: str, i: int, chars: list[str], origin: list[int], changes: list[Change]) -> None:
    if is_invisible(ch):
        changes.append(Change(i, i + 1, f"invisible {char_label(ch)}"))
        return
    cat = unicodedata.category(ch)
    if cat in ("Mn", "Me"):
        changes.append(Change(i, i + 1, f"combining mark {char_label(ch)}"))
        return
    decomposed = unicodedata.normalize("NFKD", ch)
    if decomposed != ch:
        kept = "".join(c for c in decomposed if unicodedata.category(c) not in ("Mn", "Me"))
        if unicodedata.normalize("NFKC", ch) != unicodedata.normalize("NFC", ch):
            changes.append(Change(i, i + 1, f"styled letters ({_style_of(ch)})"))
        elif kept != decomposed:
            changes.append(Change(i, i + 1, f"accented letter {ch!r}"))
        ch = kept
    for c in ch.casefold():
        if cat == "Pd" or c in "‐‑‒–—―":
            c = "-"
        elif not c.isascii():
            target = skeleton_char(c)
            if target is not None:
                changes.append(Change(i, i + 1, f"look-alike {_script_name(c)} {c!r} ({char_label(c)})"))
                c = target.lower()
        chars.append(c)
        origin.append(i)


def _style_of(ch: str) -> str:
    """`fullwidth latin`, `mathematical bold`: a styled character's name without the letter."""
    name = unicodedata.name(ch, "")
    for part in (" SMALL LETTER", " CAPITAL LETTER", " LETTER", " DIGIT", " SMALL", " CAPITAL"):
        if part in name:
            return name.split(part)[0].lower()
    return name.lower() or char_label(ch)


def _script_name(ch: str) -> str:
    name = script(ch)
    return "symbol" if name in ("COMMON", "INHERITED", "") else name.title()


# ---------------------------------------------------------------- word-level readings


def _words_pass(reading: Normalised, words: KeyWords, leet: bool) -> Normalised:
    text = reading.text
    if leet and _LEET_CHARS.search(text):
        reading = _replace(reading, _leet_edits(text))
    reading = _replace(reading, list(_spaced_edits(reading.text, words)))
    reading = _replace(reading, list(_split_edits(reading.text, words)))
    reading = _replace(reading, list(_pair_edits(reading.text, words)))
    return _replace(reading, list(_misspelling_edits(reading.text, words)))


Edit = tuple[int, int, str, str]  # reading start, end, replacement, what (message)


def _leet_edits(text: str) -> list[Edit]:
    edits: list[Edit] = []
    for m in _LEET_WORD.finditer(text):
        word = m.group(0)
        if not _LEET_CHARS.search(word) or sum(c.isalpha() for c in word) < 2 or word.isdigit():
            continue
        inner = word.strip("!|+")  # at a word's edge these are punctuation ("help!")
        first = m.start() + word.index(inner[0]) if inner else m.end()
        for k, c in enumerate(inner):
            if c in LEET:
                edits.append((first + k, first + k + 1, LEET[c], f"digit or symbol {c!r} for {LEET[c]!r}"))
    return edits


def _spaced_edits(text: str, words: KeyWords) -> Iterable[Edit]:
    for m in _SPACED.finditer(text):
        joined = _SEPARATOR.sub("", m.group(0))
        key = words.read(joined)
        if key is not None:
            yield m.start(), m.end(), key, f"spaced-out letters “{m.group(0)}”"


def _split_edits(text: str, words: KeyWords) -> Iterable[Edit]:
    for m in _SPLIT_WORD.finditer(text):
        if _POSSESSIVE.fullmatch(m.group(0)):
            continue  # "suicide's" is the word itself, not a split one
        joined = _SEPARATOR.sub("", m.group(0))
        key = words.read(joined)
        if key is not None:
            yield m.start(), m.end(), key, f"punctuation inside the word “{m.group(0)}”"


def _pair_edits(text: str, words: KeyWords) -> Iterable[Edit]:
    for m in words.split_in_two.finditer(text):
        a, b = m.group(0).split(" ")
        if a not in words.all and b not in words.all:
            yield m.start(), m.end(), a + b, f"a space inside the word “{a} {b}”"


def _misspelling_edits(text: str, words: KeyWords) -> Iterable[Edit]:
    for m in words.candidates.finditer(text):
        token = m.group(0)
        if token in words.all:
            continue
        key = words.read(token)
        if key is not None:
            yield m.start(), m.end(), key, f"misspelling “{token}” of “{key}”"


def _replace(reading: Normalised, edits: list[Edit]) -> Normalised:
    """Apply non-overlapping `edits` (sorted by start), keeping each new character's origin."""
    if not edits:
        return reading
    text, origin = reading.text, reading.origin
    out: list[str] = []
    out_origin: list[int] = []
    changes = list(reading.changes)
    pos = 0
    for start, end, new, what in sorted(edits):
        if start < pos:
            continue
        out.append(text[pos:start])
        out_origin.extend(origin[pos:start])
        span = origin[start:end]
        out.append(new)
        # spread the new letters over the old ones; first and last keep the span's ends
        last = max(1, len(new) - 1)
        out_origin.extend(span[round(k * (len(span) - 1) / last)] for k in range(len(new)))
        lo, hi = min(span), max(span) + 1
        changes.append(Change(lo, hi, what))
        pos = end
    out.append(text[pos:])
    out_origin.extend(origin[pos:])
    return Normalised("".join(out), tuple(out_origin), tuple(changes))
