"""What a contributor did not agree to show, found on screen: their real name, and the places that identify them.

Reads what the safe-messaging lint reads: every text the storyboard writes with its merge fields
filled, the headings the template draws on slates and the end card, and (given the planned
timeline) exactly the text that is drawn, plus the words read from the film's pictures. A name
or place is matched whole, on word boundaries, after the lint's character readings (case,
look-alike letters, zero-width and control characters), and reported at the text that shows it:
the storyboard line, the template file or the merge-field value that wrote it.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from toolkit.care.normalise import KeyWords, normalise
from toolkit.doc.loader import Document
from toolkit.errors import Issue
from toolkit.film.lint import TextPlacer, drawn_texts
from toolkit.film.picture_words import PictureWords
from toolkit.film.spec.contributors import Contributor
from toolkit.film.spec.texts import ScreenText, raw_text, screen_texts, template_texts
from toolkit.film.spec.validate import LoadedStoryboard

if TYPE_CHECKING:
    from toolkit.film.plan.timeline import Timeline
    from toolkit.film.template.loader import ResolvedTemplate

_NO_WORDS = KeyWords()  # the normaliser's character readings only (case, look-alikes, controls, bidi)


@dataclass(frozen=True)
class _Secret:
    """One thing a contributor did not agree to show, and how to find it."""

    person: Contributor
    clause: str  # "name" or "location"
    written: str  # as on file: the real name, or the place
    pattern: re.Pattern[str]

    def shows(self, what: str) -> str:
        """`the caption shows their real name` / `... a place that identifies them (Mare Street)`."""
        if self.clause == "name":
            return f"the {what} shows their real name"
        return f"the {what} shows a place that identifies them ({self.written})"

    @property
    def agreed(self) -> str:
        return f"they agreed to show.{self.clause}: {getattr(self.person.show, self.clause)}"


def secrets(people: Iterable[Contributor]) -> list[_Secret]:
    """The real names (`show.name` not `yes`) and identifying places (`show.location` not `yes`) to keep off screen."""
    out = []
    for person in people:
        if person.show.name != "yes" and (pattern := word_pattern(person.name)) is not None:
            out.append(_Secret(person, "name", person.name, pattern))
        if person.show.location != "yes":
            out.extend(_Secret(person, "location", place, pattern) for place in person.places
                       if (pattern := word_pattern(place)) is not None)
    return out


def shown_on_screen(loaded: LoadedStoryboard, people: Iterable[Contributor], pictures: Sequence[PictureWords] = (),
                    *, template: ResolvedTemplate | None = None, timeline: Timeline | None = None,
                    fields: Mapping[str, str] | None = None) -> Iterator[Issue]:
    """An error for each on-screen text or picture that shows what a contributor did not agree to show.

    `loaded` has its merge fields filled; `template` is the applied template (its headings are
    drawn too); with `timeline`, exactly the drawn text is read; `fields` are the --field values.
    """
    hidden = secrets(people)
    if not hidden:
        return
    sources = [*screen_texts(loaded), *(template_texts(loaded, template) if template else ())]
    items = drawn_texts(sources, timeline) if timeline is not None else sources
    place = TextPlacer(loaded, template, fields or {})
    for item in items:
        for secret, offset in _found(item.text, hidden):
            yield _at_text(loaded, place, item, offset, f"contributor `{secret.person.id}`: "
                           f"{secret.shows(item.what)}, and {secret.agreed}; {_instead(secret)}", secret.clause)
    for words in pictures:
        reported: set[int] = set()  # each secret once per picture, however many of its frames show it
        for said in words.texts():
            for secret, _ in _found(said, hidden):
                if id(secret) in reported:
                    continue
                reported.add(id(secret))
                yield loaded.document.issue(words.picture.field, (
                    f"contributor `{secret.person.id}`: {secret.shows('picture')} (read from its pixels: "
                    f"“{said[:80]}”), and {secret.agreed}; use a picture where it is covered or cropped out"),
                    code=f"consent-{secret.clause}")


def places_unlisted(entries: Iterable[tuple[Contributor, Document, tuple[str | int, ...]]],
                    used: Collection[str]) -> Iterator[Issue]:
    """A note, at the record, for each contributor the film uses whose location may not be shown but who
    has no `places:` on file: the on-screen check can only find places it is told, so it says so."""
    for person, doc, at in entries:
        if person.id in used and person.show.location != "yes" and not person.places:
            yield doc.issue([*at, "show", "location"], (
                f"contributor `{person.id}`: show.location is {person.show.location}, but no `places:` are on "
                "file, so no place on screen can be checked against it; list the places that would identify them "
                "(home town, street, school, workplace) under `places:`"), severity="info", code="consent-no-places")


def _found(text: str, hidden: Sequence[_Secret]) -> Iterator[tuple[_Secret, int]]:
    """Each secret `text` shows, once, with the offset where it starts (0 when only the reading shows it)."""
    reading = normalise(text, _NO_WORDS).text
    lowered = text.lower()
    for secret in hidden:
        m = secret.pattern.search(lowered) if len(lowered) == len(text) else None
        if m is not None:
            yield secret, m.start()
        elif secret.pattern.search(reading):
            yield secret, 0  # the reading drops or replaces characters: its offsets are not the text's


def _instead(secret: _Secret) -> str:
    if secret.clause == "name":
        shown_as = secret.person.shown_as
        return f"write `{shown_as}` instead" if shown_as else "give them a `shown_as` pseudonym and write that instead"
    return "leave the place out, or name a wider area that does not identify them"


def _at_text(loaded: LoadedStoryboard, place: TextPlacer, item: ScreenText, offset: int, message: str,
             clause: str) -> Issue:
    # A storyboard text written as drawn is reported at the text; one from a template file or
    # filled by a merge field, at the character that wrote the match (the field's value, say).
    raw = raw_text(loaded.document, item.loc) if item.document is None else None
    code = f"consent-{clause}"
    if raw is not None and "{{" not in raw and not item.source_note:
        return loaded.document.issue(item.loc, message, code=code)
    return place.issue(item, offset, message, "error", code)


def word_pattern(written: str) -> re.Pattern[str] | None:
    """`written` (a name, a place) whole, on word boundaries, any spaces or punctuation between its words;
    None when it has nothing readable (never match everything)."""
    words = re.findall(r"\w+", normalise(written, _NO_WORDS).text)
    if not words:
        return None
    return re.compile(r"(?<!\w)" + r"[\s\W_]+".join(map(re.escape, words)) + r"(?!\w)")
