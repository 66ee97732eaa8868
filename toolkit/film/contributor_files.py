"""Taking a contributor's films down: record a withdrawal, and find every storyboard and film that uses them.

`withdraw` edits the shared contributors file in place (one `withdrawn:` line added or changed,
the rest of the text, comments included, kept as written) and writes it whole-or-nothing.
`find_uses` reads storyboards as YAML (so a storyboard that no longer validates is still found)
and rendered films by their `reel_contributors` metadata, which holds ids only. `records` reads
the records on file, for `reel contributors list`.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from toolkit.atomic import write_atomic
from toolkit.doc.errors import translate_validation_error
from toolkit.doc.loader import Document, load_document, parse_document
from toolkit.errors import ReelError, SpecError
from toolkit.film.spec.base import VIDEO_SUFFIXES
from toolkit.film.spec.contributors import Contributor, ContributorsFile
from toolkit.film.spec.uses import CONTRIBUTORS_KEY

KIND = "contributors file"


@dataclass(frozen=True)
class Withdrawal:
    """What `withdraw` did: the date on file now, and whether the file changed."""

    id: str
    withdrawn: date
    changed: bool


def withdraw(path: Path, contributor: str, on: date) -> Withdrawal:
    """Record in the contributors file at `path` that `contributor` withdrew consent on `on`.

    A contributor already withdrawn keeps the earlier date. Raises `SpecError` (located) when the
    file is not a valid contributors file, holds no such id, or is a storyboard with the records
    inline (edit those by hand: a storyboard is the trainee's text, not a register).
    """
    doc = load_document(path, kind=KIND)
    if isinstance(doc.data, dict) and "scenes" in doc.data:
        named = doc.data.get("contributors")
        if isinstance(named, str):
            raise SpecError([doc.issue(["contributors"], f"this is a storyboard; its contributors are kept in "
                                       f"`{named}`: pass `--file` with that file")])
        raise SpecError([doc.issue(["contributors"], "this is a storyboard: its contributors are written inline, "
                                   "so add `withdrawn: YYYY-MM-DD` to the record by hand, or move the records to a "
                                   "shared contributors file (`contributors: contributors.yaml`)")])
    people = _validated(doc)
    index = next((k for k, p in enumerate(people.contributors) if p.id == contributor), None)
    if index is None:
        known = ", ".join(f"`{p.id}`" for p in people.contributors) or "none"
        raise SpecError([doc.issue(["contributors"], f"no contributor `{contributor}` in this file (on file: "
                                   f"{known})")])
    person = people.contributors[index]
    if person.withdrawn is not None and person.withdrawn <= on:
        return Withdrawal(contributor, person.withdrawn, changed=False)
    if on < person.given:
        raise SpecError([doc.issue(["contributors", index, "given"], f"contributor `{contributor}` gave consent on "
                                   f"{person.given.isoformat()}; a withdrawal on {on.isoformat()} is before it")])
    text = path.read_text(encoding="utf-8-sig")
    edited = _set_withdrawn(text, doc, index, on)
    check = _validated(parse_document(edited, path, kind=KIND))
    if check.contributors[index].withdrawn != on:  # never write a file that no longer says what we meant
        raise ReelError(f"{path}: could not record the withdrawal safely; add `withdrawn: {on.isoformat()}` to "
                        f"`{contributor}` by hand")
    write_atomic(path, edited)
    return Withdrawal(contributor, on, changed=True)


def _validated(doc: Document) -> ContributorsFile:
    try:
        return ContributorsFile.model_validate(doc.data)
    except ValidationError as exc:
        raise SpecError(translate_validation_error(exc, doc, root=ContributorsFile)) from None


def _set_withdrawn(text: str, doc: Document, index: int, on: date) -> str:
    """`text` with the record's `withdrawn:` set to `on`: the value replaced, or a line (or flow entry) added."""
    assert isinstance(doc.node, yaml.MappingNode)
    seq = next(v for k, v in doc.node.value if isinstance(k, yaml.ScalarNode) and k.value == "contributors")
    record = seq.value[index]
    assert isinstance(record, yaml.MappingNode)
    stamp = on.isoformat()
    for key, value in record.value:
        if isinstance(key, yaml.ScalarNode) and key.value == "withdrawn":
            return text[:value.start_mark.index] + stamp + text[value.end_mark.index:]
    if record.flow_style:  # `- {id: sam, ...}`: a new entry before the closing brace
        end = record.end_mark.index - 1
        return text[:end].rstrip() + f", withdrawn: {stamp}" + text[end:]
    first_key, first_value = record.value[0]
    line_end = text.find("\n", first_value.end_mark.index)
    line_end = len(text) if line_end < 0 else line_end
    indent = " " * first_key.start_mark.column
    return text[:line_end] + f"\n{indent}withdrawn: {stamp}" + text[line_end:]


@dataclass(frozen=True)
class Found:
    """One storyboard or rendered film that uses a contributor: where, and how it knows."""

    path: Path
    kind: str  # "storyboard" or "film"
    places: tuple[str, ...]  # storyboard: `LINE:COL path` of each `contributor:`; film: its metadata
    spots: tuple[tuple[int | None, int | None, str], ...] = ()  # storyboard: (line, col, field) of each use
    ids: tuple[str, ...] = ()  # film: every contributor id in its metadata


def find_uses(contributor: str, folder: Path) -> list[Found]:
    """Every storyboard (read as YAML) and rendered film (read by its metadata) under `folder` using the id."""
    found: list[Found] = []
    for path in _files(folder):
        suffix = path.suffix.lower()
        if suffix in (".yaml", ".yml"):
            hit = _storyboard_uses(path, contributor)
        elif suffix in VIDEO_SUFFIXES:
            hit = _film_uses(path, contributor)
        else:
            continue
        if hit is not None:
            found.append(hit)
    return found


def _files(folder: Path) -> Iterator[Path]:
    # sorted, and never into hidden folders (.git, half-written temporaries) or through symlinked folders
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            path = Path(root) / name
            if not name.startswith(".") and _regular(path):
                yield path


def _regular(path: Path) -> bool:
    # a pipe or device named `x.mp4` would make the read wait forever
    try:
        return stat.S_ISREG(path.stat().st_mode)
    except (OSError, ValueError):
        return False


def _storyboard_uses(path: Path, contributor: str) -> Found | None:
    try:
        doc = load_document(path, kind="storyboard")
    except SpecError:
        return None  # not readable YAML: not a storyboard this search can read
    if not isinstance(doc.data, dict) or "scenes" not in doc.data:
        return None
    spots = []
    for loc in _contributor_keys(doc.data, ()):
        if _value_at(doc.data, loc) == contributor:
            spots.append(doc.locate(loc))
    places = tuple(f"{line}:{col} {where}" for line, col, where in spots)
    return Found(path, "storyboard", places, tuple(spots)) if places else None


def _contributor_keys(node: Any, at: tuple[str | int, ...]) -> Iterator[tuple[str | int, ...]]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "contributor":
                yield (*at, key)
            elif key != "contributors":  # the records themselves are not uses
                yield from _contributor_keys(value, (*at, key))
    elif isinstance(node, list):
        for k, value in enumerate(node):
            yield from _contributor_keys(value, (*at, k))


def _value_at(data: Any, loc: tuple[str | int, ...]) -> Any:
    for item in loc:
        data = data[item]
    return data


def film_contributors(path: Path) -> tuple[str, ...] | None:
    """The contributor ids a rendered film carries in its metadata; None when it cannot be read as media."""
    import av  # PyAV loads only when films are searched

    try:
        with av.open(str(path)) as container:
            tags = {k.lower(): v for k, v in container.metadata.items()}
    except (av.error.FFmpegError, OSError, UnicodeDecodeError, ValueError):
        return None
    value = tags.get(CONTRIBUTORS_KEY, "")
    return tuple(i.strip() for i in value.split(",") if i.strip())


def _film_uses(path: Path, contributor: str) -> Found | None:
    ids = film_contributors(path)
    if not ids or contributor not in ids:
        return None
    return Found(path, "film", (f"{CONTRIBUTORS_KEY}={','.join(ids)}",), ids=ids)


def records(path: Path) -> list[Contributor]:
    """The contributor records in the file at `path`: a shared contributors file, or a storyboard with
    its records written inline. Raises `SpecError` (located) when they cannot be read, or when the
    storyboard keeps them in a shared file (that file is the one to list)."""
    doc = load_document(path, kind=KIND)
    if isinstance(doc.data, dict) and "scenes" in doc.data:
        named = doc.data.get("contributors")
        if isinstance(named, str):
            raise SpecError([doc.issue(["contributors"], f"this is a storyboard; its contributors are kept in "
                                       f"`{named}`: list that file")])
        if named is None:
            return []
        doc = Document(path=doc.path, data={"contributors": named}, node=doc.node)
    return _validated(doc).contributors


