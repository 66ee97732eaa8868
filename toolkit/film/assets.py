"""Reel's asset library: stickers, lower-third graphics and sound effects that storyboards and
templates name as `asset: NAME` instead of a path.

The library is the top-level `assets/` folder (a wheel carries a copy, see `Settings.data_dir`).
Its `index.yaml` lists every asset: a unique name, its kind, its file (relative to the folder),
a one-line description and its licence. Everything in it is made by `scripts/make_assets.py`,
so the pictures and sounds are original and their licence is the project's own.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from toolkit.errors import AssetError
from toolkit.settings import Settings

if TYPE_CHECKING:
    from toolkit.doc.loader import Document

AssetKind = Literal["sticker", "lower-third", "graphic", "sound"]
KINDS: tuple[AssetKind, ...] = ("sticker", "lower-third", "graphic", "sound")
INDEX = "index.yaml"


@dataclass(frozen=True, slots=True)
class Asset:
    """One library item: `path` is absolute; `kind` says where it may be used (a `sound` only
    as a sound, the others as picture layers)."""

    name: str
    kind: AssetKind
    path: Path
    description: str
    licence: str


def library_dir() -> Path:
    """The folder the library is read from."""
    return Settings.data_dir("assets")


FIELDS = ("name", "kind", "file", "description", "licence")
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
# What each kind's file may be: pictures are layered as images, sounds mixed as audio.
SUFFIXES: dict[str, tuple[str, ...]] = {
    "sticker": (".png", ".webp", ".gif"), "lower-third": (".png", ".webp"), "graphic": (".png", ".webp", ".gif"),
    "sound": (".wav", ".flac", ".mp3", ".ogg", ".m4a"),
}


@lru_cache(maxsize=4)
def _load(folder: Path) -> tuple[Asset, ...]:
    from toolkit.doc.loader import load_document
    from toolkit.errors import SpecError

    index = folder / INDEX
    if not index.is_file():
        raise AssetError(f"the asset library's index {index} is missing; reinstall Reel or run "
                         "scripts/make_assets.py (or unset REEL_HOME if it points elsewhere)")
    try:
        doc = load_document(index, kind="asset index")
    except SpecError as exc:
        raise _broken(index, [i.format() for i in exc.issues]) from None
    items = doc.data.get("assets")
    if not isinstance(items, list):
        raise _broken(index, [doc.issue(("assets",) if "assets" in doc.data else (),
                                        "needs an `assets:` list").format()])
    out: list[Asset] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    for i, item in enumerate(items):
        found = _entry(doc, folder, i, item)
        if isinstance(found, list):
            problems += found
        elif found.name in seen:
            problems.append(doc.issue(("assets", i, "name"), f"the name `{found.name}` is already used by "
                                      f"assets[{seen[found.name]}]; asset names must be unique").format())
        else:
            seen[found.name] = i
            out.append(found)
    if problems:
        raise _broken(index, problems)
    return tuple(out)


def _entry(doc: Document, folder: Path, i: int, item: object) -> Asset | list[str]:
    """One index entry as an `Asset`, or the located problems with it."""
    if not isinstance(item, dict):
        return [doc.issue(("assets", i), f"each asset is a mapping of {', '.join(FIELDS)}").format()]
    problems = [doc.issue(("assets", i, key), f"unknown field `{key}`; an asset has {', '.join(FIELDS)}",
                          key=True).format() for key in item if key not in FIELDS]
    for key in FIELDS:
        if not isinstance(item.get(key), str) or not item[key].strip():
            where = ("assets", i, key) if key in item else ("assets", i)
            problems.append(doc.issue(where, f"`{key}` is missing or empty; it must be text").format())
    if problems:
        return problems
    name, kind, file = item["name"], item["kind"], item["file"]
    if not _NAME.match(name):
        problems.append(doc.issue(("assets", i, "name"), f"`{name}` is not an asset name: use lowercase letters, "
                                  "digits and `-` (as in `speech-bubble`), at most 64").format())
    if kind not in KINDS:
        problems.append(doc.issue(("assets", i, "kind"), f"`{kind}` is not a kind; use one of "
                                  f"{', '.join(KINDS)}").format())
    elif not file.lower().endswith(SUFFIXES[kind]):
        problems.append(doc.issue(("assets", i, "file"), f"a {kind} is a {' or '.join(SUFFIXES[kind])} file, "
                                  f"not `{file}`").format())
    if "\x00" in file:
        return [*problems, doc.issue(("assets", i, "file"), "contains a NUL character (\\x00), which no file "
                                     "name can hold").format()]
    path = (folder / file).resolve()
    if Path(file).is_absolute() or not path.is_relative_to(folder.resolve()):
        problems.append(doc.issue(("assets", i, "file"), f"`{file}` is outside the library folder; a file is "
                                  "named relative to it, as in `stickers/heart.png`").format())
    return problems or Asset(name, kind, path, item["description"].strip(), item["licence"].strip())


def _broken(index: Path, problems: list[str]) -> AssetError:
    listed = "\n".join(f"  {p}" for p in problems)
    return AssetError(f"the asset library's index {index} is broken ({len(problems)} "
                      f"problem{'s' if len(problems) != 1 else ''}):\n{listed}")


def assets(folder: Path | None = None) -> tuple[Asset, ...]:
    """Every asset in the library, in index order. Raises `AssetError` for a broken index."""
    return _load((folder or library_dir()).resolve())


def find_asset(name: str, *, kinds: tuple[AssetKind, ...] = KINDS, folder: Path | None = None) -> Asset:
    """The asset called `name`, which must be one of `kinds`. Raises `AssetError` with the
    closest names when there is none (the caller locates it in the storyboard)."""
    library = assets(folder)
    usable = [a for a in library if a.kind in kinds]
    found = next((a for a in usable if a.name == name), None)
    if found is not None:
        return check_file(found)
    other = next((a for a in library if a.name == name), None)
    if other is not None:
        raise AssetError(f"asset `{name}` is a {other.kind}; here it must be a {' or '.join(kinds)}")
    close = difflib.get_close_matches(name, [a.name for a in usable], n=3, cutoff=0.6)
    hint = f"; did you mean {', '.join(f'`{c}`' for c in close)}?" if close else ""
    return _missing(name, hint)


def check_file(asset: Asset) -> Asset:
    """`asset`, after making sure its file is there; raises `AssetError` naming it when not."""
    if not asset.path.is_file():
        raise AssetError(f"asset `{asset.name}`: its file {asset.path} is missing from the library; reinstall "
                         "Reel or run scripts/make_assets.py")
    return asset


def _missing(name: str, hint: str) -> Asset:
    raise AssetError(f"no asset called `{name}` in the library{hint} (`reel assets list` shows them all)")
