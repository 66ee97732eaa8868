"""Reel's asset library: stickers, lower-third graphics and sound effects that storyboards and
templates name as `asset: NAME` instead of a path.

The library is the top-level `assets/` folder (a wheel carries a copy, see `Settings.data_dir`).
Its `index.yaml` lists every asset: a unique name, its kind, its file (relative to the folder),
a one-line description and its licence. Everything in it is made by `scripts/make_assets.py`,
so the pictures and sounds are original and their licence is the project's own.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

from toolkit.errors import AssetError
from toolkit.settings import Settings

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


@lru_cache(maxsize=4)
def _load(folder: Path) -> tuple[Asset, ...]:
    import yaml

    index = folder / INDEX
    try:
        data = yaml.safe_load(index.read_text(encoding="utf-8"))
    except OSError as exc:
        raise AssetError(f"the asset library's index {index} cannot be read ({exc.strerror or exc}); "
                         "reinstall Reel or run scripts/make_assets.py") from None
    except yaml.YAMLError as exc:
        raise AssetError(f"the asset library's index {index} is not valid YAML: {exc}") from None
    items = data.get("assets") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise AssetError(f"the asset library's index {index} has no `assets:` list")
    out: list[Asset] = []
    for i, item in enumerate(items):
        if not isinstance(item, dict) or item.get("kind") not in KINDS or not all(
                isinstance(item.get(k), str) and item.get(k) for k in ("name", "file", "description", "licence")):
            raise AssetError(f"{index}: assets[{i}] needs a name, a kind ({', '.join(KINDS)}), a file, "
                             "a description and a licence")
        path = (folder / item["file"]).resolve()
        if not path.is_relative_to(folder.resolve()):
            raise AssetError(f"{index}: assets[{i}] file {item['file']!r} is outside the library folder")
        out.append(Asset(item["name"], item["kind"], path, item["description"], item["licence"]))
    names = [a.name for a in out]
    if len(set(names)) != len(names):
        twice = sorted({n for n in names if names.count(n) > 1})
        raise AssetError(f"{index}: asset names must be unique; listed twice: {', '.join(twice)}")
    return tuple(out)


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
        return found
    other = next((a for a in library if a.name == name), None)
    if other is not None:
        raise AssetError(f"asset `{name}` is a {other.kind}; here it must be a {' or '.join(kinds)}")
    close = difflib.get_close_matches(name, [a.name for a in usable], n=3, cutoff=0.6)
    hint = f"; did you mean {', '.join(f'`{c}`' for c in close)}?" if close else ""
    return _missing(name, hint)


def _missing(name: str, hint: str) -> Asset:
    raise AssetError(f"no asset called `{name}` in the library{hint} (`reel assets list` shows them all)")
