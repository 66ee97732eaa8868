"""Which helplines an end card shows, decided from the text read off its pixels (OCR lines).

Shared by the render-time card check (`toolkit.film.cardcheck`) and the grader's end-card
check, so both apply the same rules:

* **Exact numbers.** A number identifies a service only when the service's published number
  is read digit for digit as one whole run of digits on one line. Spacing, hyphens, dots and
  brackets may differ ("116123", "116-123"); a run that is longer or shorter does not match
  (the 111 of NHS 111 is not found inside "0800 1111"). Vanity numbers
  ("1-800-662-HELP (4357)") are compared letters and digits alike.
* **Keywords and qualifiers.** A text channel with a keyword counts only when the keyword is
  read on the same line as the number ("Text SHOUT to 85258" needs both SHOUT and 85258; the
  recogniser's O/0 and I/1 confusions are forgiven inside the keyword). A channel with a
  qualifier ("988, then press 1") counts only when the qualifier's words are read on that line.
* **One number, one service.** A number shared by several services identifies exactly one of
  them: the service whose channel matched most specifically (its keyword or qualifier was
  read), else the first in the order the caller lists them (callers list the film's chosen
  services first, then the directory in its order of preference). So "Call or text 988"
  is the 988 Lifeline only, and "Call 988, then press 1" is the Veterans Crisis Line only.
* **Wrong and foreign numbers.** Every other run of three or more digits that belongs to no
  known service is reported (times such as 9:30, 9.30-17.30 or 0900-1700, "24/7" and digits
  inside a word such as "HOPELINE247" are not numbers): beside the service whose name it sits under as
  "Samaritans: 774 759 is not their number", or on its own ("000 000 is not the number of
  any service on the card"). A number sits under a name when it is on the name's line or on
  the contact lines right after it (lines that start with Call/Text/Email... or hold a
  number); an hours line, a heading or an unknown name ends the service's lines. A number
  that belongs to another known service is not reported as wrong.
* **Never a service that is not on screen.** Only services identified by a number (or, for a
  custom service with no number, its web address) are reported as shown.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from toolkit.care.endcard import card_channels
from toolkit.care.helplines import NUMBER_TYPES, Channel, HelplineEntry

__all__ = ["CardReading", "CardService", "Contact", "Sighting", "WrongNumber", "custom_service",
           "directory_service", "read_card"]

_SEPARATORS = " \t\u00a0\u2007\u202f-\u2010\u2011\u2012\u2013.()"
_VERBS = {"call": "Call", "text": "Text", "chat": "Chat at", "web": "Visit", "email": "Email"}
# a run of digits joined by spacing/hyphens/dots; not part of a time (9:30) or a word (988lifeline)
_RUN = re.compile(r"(?<![\d:/])\d(?:[\d \u00a0\u2007\u202f\-\u2010\u2011\u2012\u2013.]*\d)?(?![\d:/]|[A-Za-z])")
# opening hours written with dots or as 24-hour ranges: "9.30-17.30", "10.00", "0900-1700"
_TIME_RUN = re.compile(r"(?:[01]?\d|2[0-4])[.][0-5]\d(?:\s*[-\u2013]\s*(?:[01]?\d|2[0-4])(?:[.][0-5]\d)?)?|"
                       r"(?:[01]?\d|2[0-4])(?:[.][0-5]\d)?\s*[-\u2013]\s*(?:[01]?\d|2[0-4])[.][0-5]\d|"
                       r"(?:[01]\d|2[0-4])[0-5]\d\s*[-\u2013]\s*(?:[01]\d|2[0-4])[0-5]\d")
_GLUED_WORDS = frozenset({"call", "text", "to", "or", "on", "dial", "ring", "phone", "tel", "sms", "freephone"})
MIN_RUN_DIGITS = 3  # shorter runs are hours, options and ordinals ("press 2", "24/7"), never a number
_CONTACT_LINE = re.compile(r"\s*(?:call|text|sms|phone|ring|dial|tel|chat|email|visit|whatsapp)\b", re.IGNORECASE)
_LOOKALIKE_DIGITS = str.maketrans({"0": "O", "1": "I"})


@dataclass(frozen=True, slots=True)
class Contact:
    """One published way to reach a service, as the card writes it."""

    kind: str  # call, text, chat, web, email
    value: str
    keyword: str | None = None
    qualifier: str | None = None

    @property
    def is_number(self) -> bool:
        return self.kind in NUMBER_TYPES

    @property
    def pattern(self) -> str:
        """What must be read: the value's letters and digits, upper case (web: lower case, no spaces)."""
        if self.is_number:
            return "".join(ch for ch in self.value.upper() if ch.isalnum())
        return re.sub(r"\s+", "", self.value).lower()

    @property
    def shown(self) -> str:
        """The contact as the card shows it, e.g. "Text SHOUT to 85258", "Call 988, then press 1"."""
        head = f"{_VERBS[self.kind]} {self.keyword} to " if self.keyword else f"{_VERBS[self.kind]} "
        return head + self.value + (f", {self.qualifier}" if self.qualifier else "")


@dataclass(frozen=True, slots=True)
class CardService:
    """A service as the card reader knows it: `identifying` contacts make it count when read;
    `required` are the ones the card must show (checked after render); `counted` False for
    numbers that may appear but are not support services (emergency numbers)."""

    id: str
    name: str
    identifying: tuple[Contact, ...]
    required: tuple[Contact, ...] = ()
    counted: bool = True

    @property
    def number(self) -> str:
        """The first number (or address) to name the service by in reports."""
        return self.identifying[0].value if self.identifying else ""


def _contact(ch: Channel) -> Contact:
    return Contact(ch.type, ch.value, ch.keyword, ch.qualifier)


def directory_service(entry: HelplineEntry) -> CardService:
    """A directory entry: identified by any of its call/text channels, required to show the
    number channels its card draws (`toolkit.care.endcard.card_channels`)."""
    identifying = tuple(_contact(ch) for ch in entry.channels if ch.type in NUMBER_TYPES)
    required = tuple(_contact(ch) for ch in card_channels(entry) if ch.type in NUMBER_TYPES)
    return CardService(entry.id, entry.name, identifying, required,
                       counted=entry.kind in ("crisis", "support"))


def custom_service(name: str, *, call: str | None = None, text: str | None = None,
                   web: str | None = None) -> CardService:
    """A storyboard's custom service: its numbers must be read exactly; a service with no
    number is identified (and checked) by its web address."""
    numbers = tuple(Contact(kind, value) for kind, value in (("call", call), ("text", text)) if value)
    contacts = numbers or ((Contact("web", web),) if web else ())
    return CardService(f"custom:{name}", name, contacts, contacts)


@dataclass(frozen=True, slots=True)
class Sighting:
    """A service's contact read on one line (or, `complete` False, its number read without
    the keyword or qualifier that must go with it)."""

    service: CardService
    contact: Contact
    line: str
    complete: bool = True


@dataclass(frozen=True, slots=True)
class WrongNumber:
    """A number on the card that is no known service's, and the service name it sits under."""

    number: str  # as read
    line: str
    beside: str | None

    @property
    def message(self) -> str:
        if self.beside:
            return f"{self.beside}: {self.number} is not their number"
        return f"{self.number} is not the number of any service on the card"


@dataclass(frozen=True, slots=True)
class CardReading:
    """What the lines of one card show."""

    lines: tuple[str, ...]
    sightings: tuple[Sighting, ...]
    wrong: tuple[WrongNumber, ...]
    _order: tuple[str, ...] = field(default=(), repr=False)

    @property
    def services(self) -> tuple[CardService, ...]:
        """Services identified on the card (exact number/keyword read), in the order first seen."""
        out: dict[str, CardService] = {}
        for s in self.sightings:
            if s.complete:
                out.setdefault(s.service.id, s.service)
        return tuple(out.values())

    @property
    def counted(self) -> tuple[CardService, ...]:
        """`services` without emergency numbers: the support services a viewer can reach."""
        return tuple(s for s in self.services if s.counted)

    def read(self, service: CardService, contact: Contact) -> bool:
        """True when `contact` of `service` was read completely somewhere on the card."""
        return any(s.complete and s.service.id == service.id and s.contact == contact for s in self.sightings)

    def missing(self, service: CardService) -> tuple[Contact, ...]:
        """The contacts `service` requires that were not read."""
        return tuple(c for c in service.required if not self.read(service, c))

    def partial(self, service: CardService) -> tuple[Sighting, ...]:
        """Places where `service`'s number was read without its keyword or qualifier."""
        return tuple(s for s in self.sightings if not s.complete and s.service.id == service.id)


# ------------------------------------------------------------------ reading


def normalise_line(text: str) -> str:
    """NFKC, and the recogniser's letter-for-digit slips around numbers undone: O for 0 and
    I/l/| for 1 inside numbers ("O8O8 8O1" → "0808 801", "I16 I23" → "116 123"), and a 1 for
    the l ending a word before a number ("Cal1 116 123" → "Call 116 123")."""
    text = unicodedata.normalize("NFKC", text)
    for letters, digit in (("Oo", "0"), ("Il|", "1")):
        for _ in range(2):  # twice: "0O0" has overlapping matches
            text = re.sub(rf"(?<=\d)[{letters}](?=[\d\s\-.]*\d)|(?<![A-Za-z])[{letters}](?=\d)|"
                          rf"(?<=\d)[{letters}](?![A-Za-z])", digit, text)
    return re.sub(r"(?<=[A-Za-z])1(?=\s+\d)", "l", text)


def _squash(text: str, *, lower: bool = False) -> tuple[str, list[int]]:
    """The text without separators (upper case, or lower case for web addresses), and where
    each kept character was in the original."""
    kept, where = [], []
    for i, ch in enumerate(text):
        if lower:
            if ch.isspace():
                continue
            kept.append(ch.lower())
        else:
            if ch in _SEPARATORS:
                continue
            kept.append(ch.upper())
        where.append(i)
    return "".join(kept), where


def _words(text: str) -> list[str]:
    return re.findall(r"[0-9A-Za-z]+", text.lower())


def _has_keyword(line: str, keyword: str) -> bool:
    want = keyword.upper()
    return any(w.upper().translate(_LOOKALIKE_DIGITS) == want for w in re.findall(r"[0-9A-Za-z]+", line))


def _has_qualifier(line: str, qualifier: str) -> bool:
    want = " ".join(_words(qualifier))
    return bool(want) and f" {want} " in f" {' '.join(_words(line))} "


def _occurrences(line: str, contact: Contact) -> list[tuple[int, int]]:
    """[start, end) spans of the line where `contact`'s value is read whole."""
    pattern = contact.pattern
    if not pattern:
        return []
    squashed, where = _squash(line, lower=not contact.is_number)
    spans = []
    start = squashed.find(pattern)
    while start >= 0:
        end = start + len(pattern)
        before = squashed[start - 1] if start else ""
        after = squashed[end] if end < len(squashed) else ""
        touching = line[where[end - 1] + 1:where[end - 1] + 2]  # "988lifeline" is a web address, not 988
        whole = not before.isdigit() and not after.isdigit() and not (touching.isalpha() and pattern[-1].isdigit())
        if whole or not contact.is_number:
            spans.append((where[start], where[end - 1] + 1))
        start = squashed.find(pattern, start + 1)
    return spans


def _names(services: Sequence[CardService]) -> list[tuple[str, CardService]]:
    """Service names to look for, longest first (so "Samaritans NZ" wins over "Samaritans")."""
    named = [(" ".join(_words(s.name)), s) for s in services]
    return sorted([n for n in named if n[0]], key=lambda n: -len(n[0]))


def _name_on(line: str, names: list[tuple[str, CardService]]) -> CardService | None:
    words = f" {' '.join(_words(line))} "
    return next((s for name, s in names if f" {name} " in words), None)


def _runs(line: str) -> Iterator[re.Match[str]]:
    """The phone-number-like runs of a line: three or more digits, not part of a time or of a
    word ("HOPELINE247", "13YARN"), except digits the recogniser glued to a contact word
    ("Call000 000")."""
    for m in _RUN.finditer(line):
        if sum(ch.isdigit() for ch in m.group()) < MIN_RUN_DIGITS or _TIME_RUN.fullmatch(m.group().strip()):
            continue
        word = re.search(r"[A-Za-z]+$", line[:m.start()])
        if word is None or word.group().lower() in _GLUED_WORDS:
            yield m


def _has_run(line: str) -> bool:
    return any(True for _ in _runs(line))


def read_card(lines: Iterable[str], services: Sequence[CardService]) -> CardReading:
    """Decide which of `services` the card's text `lines` (one OCR line each, reading order) show.

    `services` lists every service whose numbers may legitimately appear: the film's chosen
    ones first (they win a shared number), then the directory's. See the module docstring for
    the rules.
    """
    texts = tuple(normalise_line(t) for t in lines)
    names = _names(services)
    sightings: list[Sighting] = []
    wrong: list[WrongNumber] = []
    beside: CardService | None = None
    for line in texts:
        named = _name_on(line, names)
        if named is not None:
            beside = named
        elif not (_CONTACT_LINE.match(line) or _has_run(line)):
            beside = None  # hours, a heading or another (unknown) name: the service's lines are over
        # every place a known contact is read, grouped by where it is on the line
        found: dict[tuple[int, int], list[tuple[int, CardService, Contact, bool, int]]] = {}
        for rank, service in enumerate(services):
            for contact in service.identifying:
                for span in _occurrences(line, contact):
                    specific = int(bool(contact.keyword)) + int(bool(contact.qualifier))
                    complete = ((not contact.keyword or _has_keyword(line, contact.keyword))
                                and (not contact.qualifier or _has_qualifier(line, contact.qualifier)))
                    found.setdefault(span, []).append((rank, service, contact, complete, specific))
        for candidates in found.values():
            complete = [c for c in candidates if c[3]]
            if complete:
                # one number identifies one service: most specific match, then caller's order
                winner = min(complete, key=lambda c: (-c[4], c[0]))[1]
                sightings += [Sighting(winner, c[2], line) for c in complete if c[1].id == winner.id]
            else:
                sightings += [Sighting(c[1], c[2], line, complete=False) for c in candidates]
        covered = list(found)
        for m in _runs(line):
            if any(a <= m.start() and m.end() <= b for a, b in covered):
                continue
            wrong.append(WrongNumber(m.group().strip(), line, beside.name if beside else None))
    return CardReading(texts, tuple(sightings), tuple(wrong))
