"""Consent as data: every use of a contributor is checked against what they agreed, on every render.

A film names who its footage, photos, layers and voiceovers show (`contributor: ID`); the record
(an inline `contributors:` list, or a shared contributors file) says until when, on which
platforms, and whether face, voice and real name may be shown. Each broken clause is an error at
the `contributor:` that breaks it (or, for a real name on screen, at the text that shows it).
`anonymised` passes only where the same footage, photo or voiceover asks for it (`anonymise:`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from pydantic import ValidationError

from toolkit.care.normalise import KeyWords, normalise
from toolkit.doc.errors import translate_validation_error
from toolkit.doc.loader import Document, load_document
from toolkit.doc.paths import Folder, PathProblem
from toolkit.errors import Issue, SpecError
from toolkit.film.picture_words import PictureWords
from toolkit.film.spec.contributors import Contributor, ContributorsFile
from toolkit.film.spec.texts import screen_texts
from toolkit.film.spec.uses import Use, requests, uses
from toolkit.film.spec.validate import LoadedStoryboard

_NO_WORDS = KeyWords()  # the normaliser's character readings only (case, look-alikes, controls, bidi)
# What `anonymise:` may ask for that the render cannot do yet: refused where it is written, never ignored.
NOT_BUILT: dict[str, str] = {"face": "face blurring is not built yet", "voice": "voice disguise is not built yet"}


@dataclass(frozen=True)
class Record:
    """The contributors on file for one film, with the document and place each is written in."""

    by_id: dict[str, tuple[Contributor, Document, tuple[str | int, ...]]]
    source: Path | None  # the document the records are written in
    readable: bool = True  # False: the records could not be read, so no use can be checked against them


def load_record(loaded: LoadedStoryboard) -> tuple[Record, list[Issue]]:
    """The contributors the storyboard's `contributors:` gives (inline or a file), and problems with it."""
    sb, doc = loaded.storyboard, loaded.document
    issues: list[Issue] = []
    if sb.contributors is None:
        return Record({}, None), issues
    if isinstance(sb.contributors, Path):
        gate = Folder(loaded.base_dir, allow_outside=loaded.allow_outside,
                      escape_hint="keep the contributors file next to the storyboard, or pass --allow-outside")
        try:
            path = gate.file(sb.contributors)
        except PathProblem as exc:
            return Record({}, sb.contributors, False), [doc.issue(["contributors"], exc.message)]
        try:
            shared = load_document(path, kind="contributors file")
        except SpecError as exc:
            return Record({}, path, False), list(exc.issues)
        try:
            people = ContributorsFile.model_validate(shared.data).contributors
        except ValidationError as exc:
            return Record({}, path, False), translate_validation_error(exc, shared, root=ContributorsFile)
        return _index(people, shared, ("contributors",), issues), issues
    return _index(sb.contributors, doc, ("contributors",), issues), issues


def _index(people: list[Contributor], doc: Document, at: tuple[str | int, ...], issues: list[Issue]) -> Record:
    by_id: dict[str, tuple[Contributor, Document, tuple[str | int, ...]]] = {}
    for k, person in enumerate(people):
        if person.id in by_id:
            issues.append(doc.issue([*at, k, "id"], f"contributor `{person.id}` is on file twice; give each "
                                    "person one record"))
            continue
        by_id[person.id] = (person, doc, (*at, k))
    return Record(by_id, doc.path)


CONSENT_SUMMARY = ("the film uses a contributor in a way their consent does not cover; follow what they agreed, "
                   "or remove what shows them")


def check_consent(loaded: LoadedStoryboard, today: date,
                  pictures: Sequence[PictureWords] = ()) -> tuple[list[Issue], list[Issue]]:
    """The film's consent problems: bad records (`SpecError`s), then each use that breaks what was agreed
    (`PolicyError`s), each located where it is written. `pictures` are the words read from the film's
    pictures (`toolkit.film.picture_words`): a real name in a screenshot is as visible as in a caption."""
    sb, doc = loaded.storyboard, loaded.document
    record, bad = load_record(loaded)
    for person, pdoc, at in record.by_id.values():
        if person.given > today:
            bad.append(pdoc.issue([*at, "given"], f"contributor `{person.id}`: consent is dated "
                                  f"{person.given.isoformat()}, after today ({today.isoformat()}); check the "
                                  "date on the consent form"))
    bad.extend(doc.issue(req.loc, f"{NOT_BUILT[req.hides]}; remove `{req.hides}` from `anonymise`")
               for req in requests(sb) if req.hides in NOT_BUILT)
    broken: list[Issue] = []
    known = ", ".join(f"`{k}`" for k in record.by_id) or "none"
    for use in uses(sb) if record.readable else ():
        entry = record.by_id.get(use.id)
        if entry is None:
            where = " (no `contributors:` in this film)" if sb.contributors is None else f" (on file: {known})"
            bad.append(doc.issue(use.loc, f"unknown contributor `{use.id}`: no consent on file{where}; add them "
                                 "to `contributors:` with their signed consent"))
            continue
        broken.extend(doc.issue(use.loc, f"contributor `{use.id}`: {why}")
                      for why in _broken(entry[0], use, sb.platform, today))
    broken.extend(_names_on_screen(loaded, record, pictures))
    return bad, broken


def _broken(person: Contributor, use: Use, platform: str, today: date) -> Iterator[str]:
    if person.withdrawn is not None and today >= person.withdrawn:
        yield (f"consent was withdrawn on {person.withdrawn.isoformat()} (withdrawn); no film may use them from "
               "then on: remove this " + use.what)
    if today > person.expires:
        yield (f"consent expired on {person.expires.isoformat()} (expires); renew it with them or remove this "
               + use.what)
    if platform not in person.platforms:
        yield (f"consent does not cover `{platform}` (platforms: {', '.join(person.platforms)}); post the film "
               "only where they agreed, or remove this " + use.what)
    if use.face and person.show.face == "no":
        yield f"they did not agree to show their face (show.face: no); remove this {use.what}"
    elif use.face and person.show.face == "anonymised" and not use.face_hidden:
        yield (f"their face may only be shown anonymised (show.face: anonymised); add `anonymise: {{face: blur}}` "
               f"(or pixelate, box) to this {use.what}, or remove it")
    if use.voice and person.show.voice == "no":
        fix = "remove this voiceover" if use.what == "voiceover" else \
            "mute the footage's sound (`audio: mute`) or remove it"
        yield f"they did not agree to let their voice be heard (show.voice: no); {fix}"
    elif use.voice and person.show.voice == "anonymised" and not use.voice_hidden:
        yield (f"their voice may only be heard disguised (show.voice: anonymised); add `anonymise: {{voice: "
               f"disguise}}` to this {use.what}, or " + ("remove it" if use.what == "voiceover" else
                                                       "mute its sound (`audio: mute`)"))


def _names_on_screen(loaded: LoadedStoryboard, record: Record, pictures: Sequence[PictureWords]) -> Iterator[Issue]:
    """The real name of a contributor who agreed to `name: no` or `anonymised`, written on screen or
    shown inside a picture."""
    hidden = [(p, pattern) for p, _, _ in record.by_id.values()
              if p.show.name != "yes" and (pattern := _name_pattern(p.name)) is not None]
    if not hidden:
        return
    for text in screen_texts(loaded):
        reading = normalise(text.text, _NO_WORDS).text
        for person, pattern in hidden:
            if pattern.search(text.text.lower()) or pattern.search(reading):
                instead = f"write `{person.shown_as}` instead" if person.shown_as else \
                    "give them a `shown_as` pseudonym and write that instead"
                yield loaded.document.issue(text.loc, f"contributor `{person.id}`: the {text.what} shows their real "
                                            f"name, and they agreed to show.name: {person.show.name}; {instead}")
    for words in pictures:
        for said in words.texts():
            reading = normalise(said, _NO_WORDS).text
            for person, pattern in hidden:
                if pattern.search(said.lower()) or pattern.search(reading):
                    yield loaded.document.issue(words.picture.field, (
                        f"contributor `{person.id}`: the picture shows their real name (read from its pixels: "
                        f"“{said[:80]}”), and they agreed to show.name: {person.show.name}; use a picture where "
                        "it is covered or cropped out"))
                    break


def _name_pattern(name: str) -> re.Pattern[str] | None:
    # the whole name on word boundaries, any run of spaces or punctuation between its words
    words = re.findall(r"\w+", normalise(name, _NO_WORDS).text)
    if not words:  # nothing readable to look for (the model refuses such names; never match everything)
        return None
    return re.compile(r"(?<!\w)" + r"[\s\W_]+".join(map(re.escape, words)) + r"(?!\w)")
