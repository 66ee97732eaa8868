"""Consent as data: every use of a contributor is checked against what they agreed, on every render.

A film names who its footage, photos, layers and voiceovers show (`contributor: ID`); the record
(an inline `contributors:` list, or a shared contributors file) says until when, on which
platforms, and whether face, voice and real name may be shown. Each broken clause is an error at
the `contributor:` that breaks it (or, for a real name or an identifying place on screen, at the text
that shows it: `toolkit.film.consent_screen`).
`anonymised` passes only where the same footage, photo or voiceover asks for it (`anonymise:`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import ValidationError

from toolkit.doc.errors import translate_validation_error
from toolkit.doc.loader import Document, load_document
from toolkit.doc.paths import Folder, PathProblem
from toolkit.errors import Issue, SpecError
from toolkit.film.consent_screen import places_unlisted, shown_on_screen
from toolkit.film.picture_words import PictureWords
from toolkit.film.spec.contributors import Contributor, ContributorsFile
from toolkit.film.spec.uses import Use, requests, uses
from toolkit.film.spec.validate import LoadedStoryboard

if TYPE_CHECKING:
    from toolkit.film.plan.timeline import Timeline
    from toolkit.film.template.loader import ResolvedTemplate

# What `anonymise:` may ask for that the render cannot do yet: refused where it is written, never ignored.
NOT_BUILT: dict[str, str] = {}


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


def check_consent(loaded: LoadedStoryboard, today: date, pictures: Sequence[PictureWords] = (), *,
                  template: ResolvedTemplate | None = None, timeline: Timeline | None = None,
                  fields: Mapping[str, str] | None = None) -> tuple[list[Issue], list[Issue]]:
    """The film's consent problems: bad records (`SpecError`s), then each use that breaks what was agreed
    (`PolicyError`s), each located where it is written. `pictures` are the words read from the film's
    pictures (`toolkit.film.picture_words`): a real name in a screenshot is as visible as in a caption.
    `template` (applied), `timeline` and `fields` (--field values) let the on-screen check read the
    template's headings and exactly what is drawn, as the safe-messaging lint does."""
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
    broken.extend(shown_on_screen(loaded, [p for p, _, _ in record.by_id.values()], pictures, template=template,
                                  timeline=timeline, fields=fields))
    broken.extend(places_unlisted(record.by_id.values(), {use.id for use in uses(sb)}))
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

