"""A film library that knows what is out of date: `reel library status` and `reel render --changed`.

Every film Reel renders carries its manifest (`toolkit.film.manifest`): `FILM.reel.json` beside
it, and a compact tag in its metadata. Reading them back, each film is

* `up to date`: every input hashes as it did, the helpline entries on its end card are unchanged,
  the same Reel;
* `stale`: an input changed (naming which: the storyboard, a media file, a template file, the
  `--field` values, Reel's version);
* `helpline changed`: an entry its end card shows was changed, re-verified or withdrawn since
  the render (the "Samaritans changed a number" case), named with what changed;
* `inputs missing`: a file it was made from is gone;
* `sidecar missing`: a Reel film whose `FILM.reel.json` is gone: only its end card's helpline
  entries and Reel's version can be checked (from the film's tag);
* `outside the folder`: its manifest names a file outside the folder being checked (not read
  unless allowed: a manifest is data from whoever made the folder);
* `unreadable manifest`: broken, too large, or not a manifest Reel writes;
* `not a Reel film`: a video without a manifest.

Only regular files are read, each hashed once per run (and remembered by file identity between
runs, `media.digests`), so a thousand films sharing their media are checked in well under a second.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import stat
import struct
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from toolkit.care.helplines import Directory, HelplineEntry, load_directory
from toolkit.errors import ReelError
from toolkit.film.manifest import (
    MANIFEST_KEY,
    SCHEMA_VERSION,
    SUFFIX,
    digest_dir,
    entry_record,
    input_roots,
    manifest_path,
    python_root,
    reel_version,
)
from toolkit.media.digests import content_digest

UP_TO_DATE, STALE, HELPLINE, MISSING = "up to date", "stale", "helpline changed", "inputs missing"
NO_SIDECAR, OUTSIDE, UNREADABLE, NOT_REEL = ("sidecar missing", "outside the folder", "unreadable manifest",
                                             "not a Reel film")
STATUSES = (UP_TO_DATE, STALE, HELPLINE, MISSING, NO_SIDECAR, OUTSIDE, UNREADABLE, NOT_REEL)
RERENDER = frozenset({STALE, HELPLINE, NO_SIDECAR})  # what `reel render --changed` renders again
UNCHECKED = frozenset({MISSING, OUTSIDE, UNREADABLE})
FILM_SUFFIXES = (".mp4", ".mov", ".m4v")
_HASH_DIRECTLY = 1 << 16  # files up to this size are hashed, not looked up in the digest memo
LARGEST_MANIFEST = 1 << 20  # a manifest Reel writes is a few kilobytes, even for a film of a hundred clips
_TAG_WINDOW = 16 << 20  # the largest index read for the tag (a Reel film's is a few hundred kilobytes)


class ManifestProblem(ValueError):
    """A manifest that cannot be used, and why (said as the film's status, never raised to the user)."""


@dataclass(frozen=True)
class FilmStatus:
    """One film's standing: its status (one of `STATUSES`) and what made it so."""

    film: Path
    status: str
    reasons: tuple[str, ...] = ()
    manifest: Path | None = None
    kind: str | None = None  # "final" or "draft"

    def to_dict(self) -> dict[str, Any]:
        """The film as `reel library status --json` lists it (schema/library-status.schema.json)."""
        return {"film": str(self.film), "status": self.status, "reasons": list(self.reasons),
                "manifest": None if self.manifest is None else str(self.manifest), "kind": self.kind}


def library_status(folder: Path, *, allow_outside: bool = False) -> list[FilmStatus]:
    """The status of every film under `folder` (recursively, links to folders not followed), in path order.

    Raises `ReelError` when `folder` is not a folder; anything wrong with one film is its status."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ReelError(f"{folder} is not a folder: give the folder that holds the films")
    checker = Checker(None if allow_outside else folder.resolve())
    return [checker.film(film, sidecar) for film, sidecar in _films(folder)]


def film_tag_of(film: Path) -> dict[str, Any] | None:
    """The manifest tag in the metadata of the regular MP4 file at `film`, None when it has none."""
    try:
        info = os.lstat(film)
        if not stat.S_ISREG(info.st_mode) or info.st_size == 0:
            return None
        with open(film, "rb") as handle:
            if MANIFEST_KEY.encode() not in _front_moov(handle, info.st_size):
                return None  # cheap: most videos in a folder are not Reel films
    except OSError:
        return None
    import av  # only for a file that may be a Reel film

    try:
        with av.open(os.fspath(film), metadata_errors="ignore") as container:
            data = json.loads(container.metadata.get(MANIFEST_KEY, ""))
    except (av.error.FFmpegError, OSError, UnicodeDecodeError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("v") == SCHEMA_VERSION else None


def _front_moov(handle: BinaryIO, size: int) -> bytes:
    """The `moov` box of an MP4 whose index comes before its media (`+faststart`, as every Reel
    film), found among its first boxes; b"" for anything else. Reads box headers and the index
    only, never the media: a folder of camera footage is skipped at a few bytes a clip."""
    position = 0
    for _ in range(4):  # ftyp, then perhaps free/wide/skip, then moov
        handle.seek(position)
        header = handle.read(16)
        if len(header) < 8:
            return b""
        length, kind = struct.unpack(">I4s", header[:8])
        start = 8
        if length == 1 and len(header) == 16:
            length, start = struct.unpack(">Q", header[8:16])[0], 16
        if length < start or position + length > size:
            return b""
        if kind == b"moov":
            handle.seek(position)
            return handle.read(min(length, _TAG_WINDOW))
        if kind not in (b"ftyp", b"free", b"wide", b"skip"):
            return b""  # the media (mdat) first: not a Reel film
        position += length
    return b""


class Checker:
    """Checks manifests against the files, the helpline directory and Reel as they are now.

    `root`: files outside it are not read (None: any file). Each file is hashed once per checker."""

    def __init__(self, root: Path | None) -> None:
        self.root = root
        self.version = reel_version()
        self._memo = digest_dir()
        self._digests: dict[str, str | None] = {}
        self._template_files: dict[str, Path | None] = {}
        self._roots: dict[str, Path] | None = None
        self._input_roots: dict[str, Path] | None = None
        self._directory: Directory | bool | None = False
        self.last_manifest: dict[str, Any] | None = None
        self._choices: dict[str, list[str] | str] = {}

    def film(self, film: Path, sidecar: Path | None, *, tag: dict[str, Any] | None = None) -> FilmStatus:
        """The status of `film`, from its `sidecar` manifest, or from its metadata tag when there is none."""
        self.last_manifest = None
        if sidecar is None:
            tag = tag or film_tag_of(film)
            if tag is None:
                return FilmStatus(film, NOT_REEL, ("no Reel manifest beside it or in its metadata",))
            return self._from_tag(film, tag)
        try:
            manifest = read_manifest(sidecar)
        except ManifestProblem as problem:
            return FilmStatus(film, UNREADABLE, (f"{sidecar.name}: {problem}",), sidecar)
        self.last_manifest = manifest
        kind = manifest["kind"]
        if not os.path.isfile(film):
            return FilmStatus(film, MISSING, (f"the film {film.name} is missing beside its manifest",), sidecar, kind)
        try:
            changed, missing, helplines = self._compare(manifest, film.parent)
        except ManifestProblem as problem:
            return FilmStatus(film, OUTSIDE, (str(problem),), sidecar, kind)
        status = HELPLINE if helplines else MISSING if missing else STALE if changed else UP_TO_DATE
        return FilmStatus(film, status, tuple(helplines + missing + changed), sidecar, kind)

    def _from_tag(self, film: Path, tag: dict[str, Any]) -> FilmStatus:
        records = [{"id": h[0], "verified_on": h[1], "digest": h[2]} for h in tag.get("helplines", ())
                   if isinstance(h, list) and len(h) == 3 and all(isinstance(x, str) for x in h)]
        helplines = self._helplines(records)
        lost = f"{manifest_path(film).name} is missing: only the end card's helplines and Reel's version were checked"
        version = [] if tag.get("reel") == self.version else [f"Reel's version changed ({tag.get('reel')} → "
                                                               f"{self.version})"]
        return FilmStatus(film, HELPLINE if helplines else NO_SIDECAR, tuple(helplines + version + [lost]), None,
                          tag.get("kind") if tag.get("kind") in ("final", "draft") else None)

    def _compare(self, manifest: dict[str, Any], film_dir: Path) -> tuple[list[str], list[str], list[str]]:
        """(what changed, what is missing, which helpline entries changed) since the render."""
        changed: list[str] = []
        missing: list[str] = []
        sb_rel = manifest["storyboard"]["path"]
        storyboard = self._inside(film_dir / sb_rel, sb_rel)
        files = [("storyboard", storyboard, sb_rel, manifest["storyboard"]["digest"])]
        files += [("media file", self._input_path(storyboard.parent, i["path"]), i["path"], i["digest"])
                  for i in manifest["inputs"]]
        files += [("template file", self._template_path(t["path"]), t["path"], t["digest"])
                  for t in manifest["template"]["files"]]
        for what, path, named, digest in files:
            now = self.digest(path)
            if now is None:
                missing.append(f"{what} {named} is missing")
            elif now != digest:
                changed.append(f"{what} {named} changed")
        if manifest["reel_version"] != self.version:
            changed.append(f"Reel's version changed ({manifest['reel_version']} → {self.version})")
        return changed, missing, self._helplines(manifest["helplines"]) + self._choice(manifest)

    def _input_path(self, base: Path, named: str) -> Path | None:
        """The file an input entry names: under Reel's asset library or an installed package
        (`manifest.input_name`'s prefixes), else relative to the storyboard's folder `base`."""
        prefix, _, rest = named.partition(":")
        if self._input_roots is None:
            self._input_roots = input_roots()
        roots = self._input_roots
        if prefix in roots:
            if not rest or ".." in Path(rest).parts or Path(rest).is_absolute():
                return None  # said as missing: a manifest is data, it cannot name a file outside the root
            return roots[prefix] / rest
        return self._inside(base / named, named)

    def _inside(self, path: Path, named: str) -> Path:
        resolved = Path(os.path.abspath(path))
        if self.root is not None and not resolved.is_relative_to(self.root):
            raise ManifestProblem(f"its manifest names {named}, outside {self.root}: not read (pass --allow-outside "
                                  "to follow it)")
        return resolved

    def digest(self, path: Path | None) -> str | None:
        """The content digest of the regular file at `path` (`media.digests.content_digest`'s); None
        when there is none (or it cannot be read)."""
        if path is None:
            return None
        key = os.fspath(path)
        if key not in self._digests:
            try:
                info = os.stat(key)
                if not stat.S_ISREG(info.st_mode):  # never a FIFO or a device: reading it could block
                    self._digests[key] = None
                elif info.st_size <= _HASH_DIRECTLY:  # hashing a storyboard is quicker than its memo
                    with open(key, "rb") as handle:
                        data = handle.read(_HASH_DIRECTLY + 1)
                    self._digests[key] = f"{hashlib.blake2b(data, digest_size=20).hexdigest()}-{len(data)}"
                else:
                    self._digests[key] = content_digest(Path(key), self._memo)
            except (OSError, ValueError):
                self._digests[key] = None
        return self._digests[key]

    def _template_path(self, named: str) -> Path | None:
        """The file a manifest's template entry names (`templates:` or `python:`), None for anything else."""
        if named not in self._template_files:
            if self._roots is None:
                from toolkit.film.template.loader import templates_dir

                self._roots = {"templates": templates_dir(), "python": python_root()}
            prefix, _, rest = named.partition(":")
            base = self._roots.get(prefix)
            bad = base is None or not rest or ".." in Path(rest).parts or Path(rest).is_absolute()
            self._template_files[named] = None if bad else base / rest  # type: ignore[operator]
        return self._template_files[named]

    def directory(self) -> Directory | None:
        """The helpline directory as it is now (None when it cannot be read: said per film)."""
        if self._directory is False:
            try:
                self._directory = load_directory()
            except ReelError:
                self._directory = None
        return self._directory  # type: ignore[return-value]

    def _choice(self, manifest: dict[str, Any]) -> list[str]:
        """The end card the directory would choose now, when it differs from the one shown (a line
        added to the region, a topic line replaced): said as a helpline change."""
        card = manifest.get("end_card")
        directory = self.directory()
        if not isinstance(card, dict) or directory is None:
            return []
        shown = [h["id"] for h in manifest["helplines"]]
        key = json.dumps(card, sort_keys=True)
        if key not in self._choices:
            from toolkit.care.endcard import select_end_card

            try:
                chosen = select_end_card(directory, card["region"], card["topics"], card["services"])
                self._choices[key] = [e.id for e in chosen.services]
            except (ReelError, TypeError, ValueError) as exc:
                said = "; ".join(i.message for i in getattr(exc, "issues", ())) or str(exc).replace("\n", "; ")
                self._choices[key] = f"the directory can no longer choose this end card: {said}"
        now = self._choices[key]
        if isinstance(now, str):
            return [now]
        if now == shown:
            return []
        return [f"the end card would now show {', '.join(now)} (it shows {', '.join(shown)})"]

    def _helplines(self, records: list[dict[str, Any]]) -> list[str]:
        directory = self.directory()
        if directory is None:
            return ["the helpline directory cannot be read: the end card's entries were not checked"]
        return [said for record in records if (said := helpline_change(record, directory.get(record["id"])))]


def helpline_change(record: Mapping[str, Any], entry: HelplineEntry | None) -> str | None:
    """What changed in one end-card helpline entry since the render (None: nothing)."""
    label = f"helpline {record['id']}" + (f" ({record['name']})" if record.get("name") else "")
    if entry is None:
        return f"{label} was withdrawn from the directory"
    now = _record_of(entry)
    if entry.kind == "superseded":
        return f"{label} is superseded in the directory: it must no longer be shown"
    if now["digest"] == record.get("digest"):
        return None
    parts: list[str] = []
    if "name" in record and now["name"] != record["name"]:
        parts.append(f"name {record['name']} → {now['name']}")
    if "numbers" in record and now["numbers"] != record["numbers"]:
        parts.append(f"number {', '.join(record['numbers']) or 'none'} → {', '.join(now['numbers']) or 'none'}")
    if now["verified_on"] != record.get("verified_on"):
        parts.append(f"re-verified on {now['verified_on']} (was {record.get('verified_on')})")
    return f"{label} changed: " + ("; ".join(parts) if parts else "its entry was edited (hours, channels or notes)")


@functools.lru_cache(maxsize=256)
def _record_of(entry: HelplineEntry) -> dict[str, Any]:
    return entry_record(entry)  # once per entry, not once per film showing it


def read_manifest(path: Path) -> dict[str, Any]:
    """The manifest in the sidecar at `path`, checked to be one Reel writes. Raises `ManifestProblem`."""
    try:
        info = os.lstat(path)
        if not stat.S_ISREG(info.st_mode):
            raise ManifestProblem("not a regular file")
        if info.st_size > LARGEST_MANIFEST:
            raise ManifestProblem(f"{info.st_size:,} bytes, larger than any manifest Reel writes")
        data = json.loads(Path(path).read_bytes().decode("utf-8"))
    except json.JSONDecodeError as exc:
        raise ManifestProblem(f"not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
    except UnicodeDecodeError:
        raise ManifestProblem("not UTF-8 text") from None
    except OSError as exc:
        raise ManifestProblem(f"cannot be read ({exc.strerror or exc})") from None
    _check_shape(data)
    return data


def _check_shape(data: Any) -> None:
    """Raise `ManifestProblem` unless `data` has the fields and types of a manifest Reel writes."""
    def need(ok: bool, what: str) -> None:
        if not ok:
            raise ManifestProblem(f"not a Reel manifest: {what}")

    need(isinstance(data, dict), "not a JSON object")
    need(data.get("reel_manifest") == SCHEMA_VERSION, f"`reel_manifest` is not {SCHEMA_VERSION}")
    need(data.get("kind") in ("final", "draft"), "`kind` is not final or draft")
    need(isinstance(data.get("reel_version"), str), "`reel_version` is not text")
    sb = data.get("storyboard")
    need(isinstance(sb, dict) and all(isinstance(sb.get(k), str) for k in ("id", "path", "digest")),
         "`storyboard` needs id, path and digest")
    tpl = data.get("template")
    need(isinstance(tpl, dict) and isinstance(tpl.get("name"), str), "`template` needs a name")
    for key, files in (("inputs", data.get("inputs")), ("template.files", tpl.get("files"))):
        need(isinstance(files, list) and all(isinstance(f, dict) and isinstance(f.get("path"), str)
                                             and isinstance(f.get("digest"), str) for f in files),
             f"`{key}` is not a list of path and digest")
    need(isinstance(data.get("fields"), dict), "`fields` is not an object")
    need(isinstance(data.get("helplines"), list) and all(
        isinstance(h, dict) and all(isinstance(h.get(k), str) for k in ("id", "verified_on", "digest"))
        for h in data["helplines"]), "`helplines` entries need id, verified_on and digest")
    need(all("\x00" not in f["path"] for f in [sb, *data["inputs"], *tpl["files"]]), "a path holds a NUL character")
    card = data.get("end_card", {"region": "", "topics": [], "services": []})  # absent from older manifests
    need(isinstance(card, dict) and isinstance(card.get("region"), str)
         and all(isinstance(card.get(k), list) and all(isinstance(x, str) for x in card[k])
                 for k in ("topics", "services")), "`end_card` needs a region, topics and services")


def _films(folder: Path) -> Iterator[tuple[Path, Path | None]]:
    """(film, its sidecar or None) for every sidecar and every video under `folder`, in path order."""
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return
    names = {e.name for e in entries}
    for entry in entries:
        try:
            is_dir = entry.is_dir(follow_symlinks=False)
        except OSError:
            continue
        if is_dir:
            if not entry.name.startswith("."):
                yield from _films(Path(entry.path))
        elif entry.name.endswith(SUFFIX) and len(entry.name) > len(SUFFIX):
            stem = entry.name[:-len(SUFFIX)]
            film = next((folder / (stem + s) for s in FILM_SUFFIXES if stem + s in names), folder / (stem + ".mp4"))
            yield film, Path(entry.path)
        elif os.path.splitext(entry.name)[1].lower() in FILM_SUFFIXES and manifest_path(entry.name).name not in names:
            yield Path(entry.path), None

