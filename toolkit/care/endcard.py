"""What a film's end card shows: the services chosen for a region and topics (§8.2, §9),
their display strings with unbreakable numbers, and the minimum time on screen.

`select_end_card` chooses; `end_card_lines` turns the choice into display strings;
`card_seconds` says how long they need. The directory itself is `toolkit.care.helplines`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

from toolkit.care.helplines import NUMBER_TYPES, STATUS_RANK, Channel, Directory, HelplineEntry
from toolkit.care.reading import SECONDS_PER_WORD, count_words
from toolkit.care.warnings import normalize_topic
from toolkit.errors import Issue, PolicyError

MIN_SERVICES = 2
MAX_SERVICES = 4  # what fits a 1080×1920 card inside the safe box at a readable size
MAX_CONTACTS_PER_SERVICE = 2
ONLINE_TYPES = frozenset({"text", "chat", "web"})
CARD_MIN_SECONDS = Fraction(5)
SECONDS_PER_NUMBER = Fraction(1)

_CONTACT_VERB: dict[str, str] = {"call": "Call", "text": "Text", "chat": "Chat at", "web": "Visit",
                                 "email": "Email"}
_DIGITS = re.compile(r"\d(?:[\d-]*\d)?")  # "9-8-8" in a name must not break at its hyphens
_TIME = re.compile(r"24/7|\d{1,2}(?::\d{2})?\s?(?:am|pm)\b|\bmidnight\b", re.IGNORECASE)


# ---------------------------------------------------------------- display strings


@dataclass(frozen=True, slots=True)
class CardText:
    """One line of end-card text. `nowrap_spans` are [start, end) ranges a layout must not break."""

    text: str
    nowrap_spans: tuple[tuple[int, int], ...] = ()
    numbers: int = 0  # phone numbers / short codes in the line
    words: int = 0  # readable words outside those numbers

    def nonbreaking(self) -> str:
        """The text with spaces inside nowrap spans made non-breaking (U+00A0), for simple layouts."""
        return "".join("\u00a0" if ch == " " and any(a <= i < b for a, b in self.nowrap_spans) else ch
                       for i, ch in enumerate(self.text))


@dataclass(frozen=True, slots=True)
class EndCardLine:
    """What the card shows for one service: its name, up to two contact lines, its hours."""

    service_id: str
    name: CardText
    contacts: tuple[CardText, ...]
    hours: CardText

    @property
    def texts(self) -> tuple[CardText, ...]:
        """Name, contacts and hours, in reading order."""
        return (self.name, *self.contacts, self.hours)


def _plain_text(text: str) -> CardText:
    spans = tuple((m.start(), m.end()) for m in _TIME.finditer(text))
    return CardText(text, spans, 0, count_words(text))


def contact_text(channel: Channel, verb: str | None = None) -> CardText:
    """One contact as displayed: "Call 116 123", "Text SHOUT to 85258", "Call 111, press 2"."""
    verb = verb or _CONTACT_VERB[channel.type]
    head = f"{verb} {channel.keyword} to " if channel.keyword else f"{verb} "
    tail = "".join([f", {channel.qualifier}" if channel.qualifier else "",
                    f" ({channel.label})" if channel.label else ""])
    start = len(head)
    text = head + channel.value + tail
    is_number = channel.type in NUMBER_TYPES
    return CardText(text, ((start, start + len(channel.value)),), int(is_number),
                    count_words(head + tail) + (0 if is_number else 1))


def _card_contacts(entry: HelplineEntry) -> list[tuple[CardText, tuple[Channel, ...]]]:
    """The contact lines the card shows for `entry`, with the channels each line offers."""
    shown = [c for c in entry.channels if c.on_card and entry.channel_status(c) != "unconfirmed"]
    out: list[tuple[CardText, tuple[Channel, ...]]] = []
    used: set[int] = set()
    plain = [not (c.keyword or c.qualifier or c.label) for c in shown]
    for i, ch in enumerate(shown):
        if i in used:
            continue
        # a plain call and a plain text to the same number read as "Call or text 988"
        twin = next((j for j, o in enumerate(shown) if j > i and ch.type == "call" and o.type == "text"
                     and o.value == ch.value and plain[i] and plain[j]), None)
        if twin is not None:
            used.add(twin)
            out.append((contact_text(ch, "Call or text"), (ch, shown[twin])))
        else:
            out.append((contact_text(ch), (ch,)))
    return out[:MAX_CONTACTS_PER_SERVICE]


def card_channels(entry: HelplineEntry) -> tuple[Channel, ...]:
    """The channels an end card shows for `entry` (what `end_card_lines` draws), in card order.

    The render-time card check requires every one of these that is a number (call/text) to be
    read back from the film's pixels.
    """
    return tuple(ch for _, channels in _card_contacts(entry) for ch in channels)


def _hours_text(entry: HelplineEntry) -> str:
    if entry.open_24_7:
        return "Open 24/7"
    if entry.effective_hours_status == "unconfirmed":
        return "Check opening hours"  # wrong hours on a card are worse than none
    return entry.hours


def _line(entry: HelplineEntry) -> EndCardLine:
    name_spans = tuple((m.start(), m.end()) for m in _DIGITS.finditer(entry.name))
    return EndCardLine(entry.id, CardText(entry.name, name_spans, 0, count_words(entry.name)),
                       tuple(text for text, _ in _card_contacts(entry)), _plain_text(_hours_text(entry)))


def card_seconds(lines: Iterable[EndCardLine], heading: str = "") -> float:
    """Minimum time on screen: max(5 s, 0.3 s × words + 1 s × numbers) (§8.2).

    Counts every text the card shows for its services (names, contact lines, hours) plus an
    optional `heading`. Each phone number or short code counts as one number, not as words.
    """
    texts = [t for line in lines for t in line.texts]
    words = sum(t.words for t in texts) + count_words(heading)
    numbers = sum(t.numbers for t in texts)
    return float(max(CARD_MIN_SECONDS, SECONDS_PER_WORD * words + SECONDS_PER_NUMBER * numbers))


# ---------------------------------------------------------------- selection


@dataclass(frozen=True, slots=True)
class EndCardSelection:
    """The services an end card shows, why each was chosen, and what a reviewer should know.

    `min_seconds` is `card_seconds` of the card's service lines (the template's heading is not
    included; pass it to `card_seconds` when the template draws one).
    """

    region: str
    services: tuple[HelplineEntry, ...]
    reasons: tuple[str, ...]  # parallel to `services`
    notes: tuple[str, ...]
    min_seconds: float


def end_card_lines(selection: EndCardSelection) -> list[EndCardLine]:
    """The display strings for each selected service, in card order."""
    return [_line(e) for e in selection.services]


def _offers_online(entry: HelplineEntry) -> bool:
    return any(ch.type in ONLINE_TYPES for _, channels in _card_contacts(entry) for ch in channels)


def _core(entries: tuple[HelplineEntry, ...], region: str, notes: list[str]) \
        -> list[tuple[HelplineEntry, str]]:
    """≥ 2 confirmed, region-wide crisis lines, one 24/7, one text/online where the region has one."""
    usable = [e for e in entries if e.kind == "crisis" and e.status == "confirmed" and e.area is None
              and _card_contacts(e)]
    # general-audience lines first; audience-specific ones only to reach the minimum
    pool = [e for e in usable if e.audience == "all"] + [e for e in usable if e.audience != "all"]
    picks: list[tuple[HelplineEntry, str]] = []
    first = next((e for e in pool if e.open_24_7), None)
    if first is None:
        raise PolicyError([Issue(f"the {region} directory has no confirmed 24/7 crisis line",
                                 code="end-card-no-24-7")])
    picks.append((first, "24/7 crisis line"))
    if not _offers_online(first):
        online = next((e for e in pool if e is not first and _offers_online(e)), None)
        if online is not None:
            picks.append((online, "text or online option"))
        else:
            notes.append(f"The {region} directory has no confirmed text or online service; "
                         "the card shows phone lines only.")
    for e in pool:
        if len(picks) >= MIN_SERVICES:
            break
        if all(e is not p for p, _ in picks):
            picks.append((e, "second crisis line"))
    if len(picks) < MIN_SERVICES:
        raise PolicyError([Issue(f"the {region} directory has fewer than {MIN_SERVICES} confirmed crisis "
                                 "lines for an end card", code="end-card-too-few")])
    for e, _ in picks:
        if e.audience != "all":
            notes.append(f"{e.name} serves {e.audience}; it is on the card because the {region} directory "
                         f"has fewer than {MIN_SERVICES} confirmed general-audience crisis lines.")
    return picks


def _extras(directory: Directory, region: str, ids: Iterable[str], taken: list[HelplineEntry]) \
        -> list[tuple[HelplineEntry, str]]:
    issues: list[Issue] = []
    picks: list[tuple[HelplineEntry, str]] = []
    for i, sid in enumerate(ids):
        entry = directory.get(sid)
        path = f"end_card.services[{i}]"
        if entry is None:
            known = ", ".join(e.id for e in directory.for_region(region) if e.status != "unconfirmed")
            issues.append(Issue(f"unknown helpline id {sid!r}; {region} ids: {known}", path=path,
                                code="end-card-id"))
        elif entry.region != region:
            issues.append(Issue(f"{entry.name} is a {entry.region} service; this film's region is {region}",
                                path=path, code="end-card-region"))
        elif entry.status == "unconfirmed":
            issues.append(Issue(f"{entry.name} is unconfirmed in the helpline directory; verify its number "
                                "and update the directory before showing it", path=path,
                                code="end-card-unconfirmed"))
        elif entry.kind == "superseded":
            issues.append(Issue(f"{entry.name} has been superseded; it is kept for history only", path=path,
                                code="end-card-superseded"))
        elif all(entry is not t for t in taken) and all(entry is not p for p, _ in picks):
            picks.append((entry, "requested"))
    if len(taken) + len(picks) > MAX_SERVICES:
        issues.append(Issue(f"the end card has room for {MAX_SERVICES} services; {len(taken)} are required "
                            f"and {len(picks)} more were requested", path="end_card.services",
                            code="end-card-full"))
    if issues:
        raise PolicyError(issues)
    return picks


def _topic_line(entries: tuple[HelplineEntry, ...], topic: str, taken: list[HelplineEntry]) \
        -> HelplineEntry | None:
    candidates = [(i, e) for i, e in enumerate(entries)
                  if topic in e.topics and e.kind in ("crisis", "support") and e.status != "unconfirmed"
                  and all(e is not t for t in taken) and _card_contacts(e)]
    # confirmed before secondary; region-wide and general-audience before narrower; then file order
    candidates.sort(key=lambda ie: (STATUS_RANK[ie[1].status], ie[1].area is not None,
                                    ie[1].audience != "all", ie[0]))
    return candidates[0][1] if candidates else None


def select_end_card(directory: Directory, region: str, topics: Iterable[str],
                    extra_service_ids: Iterable[str] = ()) -> EndCardSelection:
    """Choose the services for a film's end card (§8.2, §9). Deterministic for the same input.

    1. Core: confirmed, region-wide crisis lines in directory order: the first 24/7 one, then
       (if it has no text/online contact) the first with one, then more up to two services.
       General-audience lines are preferred; a narrower one is used only to reach two, with a note.
    2. `extra_service_ids` (the storyboard's `end_card.services`) are added as requested; an
       unknown, other-region, unconfirmed or superseded id is a PolicyError.
    3. For each topic the card does not yet cover, the best topic line: confirmed first; a
       secondary one only when no confirmed line exists, always with a re-verify note. A topic with
       no line falls back to the general crisis lines, with a note. Never more than four services.

    Unconfirmed entries and channels are never shown. Card order: core, topic lines, requested.
    """
    code = directory.resolve_region(region)
    entries = directory.for_region(code)
    notes: list[str] = []
    core = _core(entries, code, notes)
    extras = _extras(directory, code, extra_service_ids, [e for e, _ in core])
    chosen = [e for e, _ in core + extras]
    covered = {t for e in chosen for t in e.topics}
    topic_picks: list[tuple[HelplineEntry, str]] = []
    for topic in sorted({normalize_topic(t) for t in topics} - {"general", ""}):
        if topic in covered:
            continue
        line = _topic_line(entries, topic, chosen)
        if line is None:
            notes.append(f"No {topic} helpline for {code} in the directory; the card falls back to the "
                         "general crisis lines.")
        elif len(chosen) >= MAX_SERVICES:
            notes.append(f"No room for {line.name} ({topic}): the card already shows {MAX_SERVICES} "
                         "services; mention it in the post text.")
        else:
            topic_picks.append((line, f"topic line: {topic}"))
            chosen.append(line)
            covered.update(line.topics)
    picks = core + topic_picks + extras
    services = tuple(e for e, _ in picks)
    for e in services:
        notes.extend(_review_notes(e))
    lines = [_line(e) for e in services]
    return EndCardSelection(code, services, tuple(r for _, r in picks), tuple(notes), card_seconds(lines))


def _review_notes(entry: HelplineEntry) -> list[str]:
    out: list[str] = []
    if entry.status == "secondary":
        out.append(f"{entry.name} is listed as secondary (seen only in third-party listings): "
                   "re-verify its number before release.")
    if not entry.open_24_7 and entry.effective_hours_status == "unconfirmed":
        out.append(f"{entry.name}'s opening hours are unconfirmed; the card says 'Check opening hours'.")
    hidden = [contact_text(c).text for c in entry.channels
              if not c.on_card and entry.channel_status(c) != "unconfirmed"]
    if hidden:
        out.append(f"{entry.name} also publishes: {'; '.join(hidden)} "
                   "(not on the card; consider the post text).")
    return out
