"""Keeping the draft piece cache (`film.draft_cache`) within a size budget.

After each draft the cache is pruned, least recently used first, until it fits the budget
(`Settings.draft_cache_budget`, $REEL_DRAFT_CACHE_SIZE, 2 GiB by default). A piece's files
(`piece-KEY.mp4`, its record `.json` and flash mark `.gated`) go together, the record first so a
half-removed piece is never valid; a reused piece's file is touched, so "recently used" means
used, not made.

Pieces in use are never removed: a draft **claims** the files it will read (its pieces, sound and
list) for as long as it renders, joins and gates them, in a hidden claim file stamped with its
owner (`run.ownership.temp_name`, so a killed draft's claim is removed like any abandoned
temporary file). Claims are written, and the cache pruned, under one lock on the folder, so a
prune either sees a draft's claim or finishes before the draft looks at the cache again
(`still_there`). A claim by a process on another host is honoured (it cannot be checked).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from toolkit.film.run.ownership import remove_abandoned_temps, temp_name, temp_owner, this_process

CLAIM_NAME = "claims.json"  # claims are this target's owner-stamped temporary names
LOCK_NAME = ".prune.reel-lock"
_NO_LOCKING = {errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EINVAL, errno.ENOSYS}


@dataclass(frozen=True, slots=True)
class Pruned:
    """What a prune did: files removed, bytes freed, and what the cache holds after it."""

    removed: tuple[Path, ...]
    freed: int
    kept: int
    kept_pieces: int


@contextlib.contextmanager
def locked(folder: Path) -> Iterator[None]:
    """Hold the cache folder's prune lock for the block (waits for a prune or claim in progress;
    on a filesystem without `flock`, runs unlocked)."""
    try:
        fd = os.open(folder / LOCK_NAME, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o666)
    except OSError:
        yield  # cannot even open it (read-only cache): nothing can be written or removed anyway
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
        except OSError as exc:
            if exc.errno not in _NO_LOCKING:
                raise
        yield
    finally:
        os.close(fd)  # closing releases the lock; the file stays (deleting it would race a waiter)


@contextlib.contextmanager
def claim(folder: Path, files: Iterable[Path]) -> Iterator[None]:
    """Claim `files` (in `folder`) for the block: no prune removes them meanwhile. Touches those
    that exist, so they count as just used."""
    names = sorted({Path(f).name for f in files})
    path = folder / temp_name(CLAIM_NAME, this_process())
    with locked(folder):
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o644)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(names, handle)
        for name in names:
            with contextlib.suppress(OSError):
                os.utime(folder / name)
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            path.unlink()


def claimed(folder: Path) -> set[str]:
    """The file names claimed by live drafts (any unreadable claim is taken to claim nothing: they
    are written whole under the lock, so only a foreign file can be unreadable)."""
    names: set[str] = set()
    for entry in _entries(folder):
        if temp_owner(entry.name, CLAIM_NAME) is None:
            continue
        try:
            listed = json.loads(Path(entry.path).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(listed, list):
            names.update(str(name) for name in listed)
    return names


def prune(folder: Path, budget: int) -> Pruned:
    """Remove the least recently used unclaimed entries of the draft cache in `folder` until it
    holds at most `budget` bytes (or nothing unclaimed is left). Never raises for a file that
    cannot be read or removed: the cache is only a cache."""
    with locked(folder):
        remove_abandoned_temps(folder)  # temporary files and claims of drafts that died
        keep = {_unit(name) for name in claimed(folder)}
        units: dict[str, list[tuple[os.DirEntry, os.stat_result]]] = {}
        for entry in _entries(folder):
            if entry.name.startswith("."):
                continue  # temporary files, claims, the lock: not the cache's content
            try:
                info = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            if stat.S_ISREG(info.st_mode):
                units.setdefault(_unit(entry.name), []).append((entry, info))
        total = sum(info.st_size for files in units.values() for _, info in files)
        removed: list[Path] = []
        freed = 0
        for unit, files in sorted(units.items(), key=lambda kv: (max(i.st_mtime_ns for _, i in kv[1]), kv[0])):
            if total <= budget:
                break
            if unit in keep:
                continue
            # the record first: a piece without it is never joined, whatever else is left
            for entry, info in sorted(files, key=lambda f: not f[0].name.endswith(".json")):
                try:
                    os.unlink(entry.path)
                except OSError:
                    continue
                removed.append(Path(entry.path))
                total -= info.st_size
                freed += info.st_size
        pieces = sum(1 for unit in units if unit.startswith("piece-")
                     and any(Path(e.path).exists() for e, _ in units[unit]))
        return Pruned(tuple(removed), freed, total, pieces)


def size(folder: Path) -> int:
    """Bytes the draft cache in `folder` holds (its visible files)."""
    total = 0
    for entry in _entries(folder):
        with contextlib.suppress(OSError):
            if not entry.name.startswith(".") and entry.is_file(follow_symlinks=False):
                total += entry.stat(follow_symlinks=False).st_size
    return total


def _unit(name: str) -> str:
    """The files removed together: `piece-KEY.mp4`, `.json`, `.gated` share `piece-KEY`."""
    return name.split(".", 1)[0]


def _entries(folder: Path) -> list[os.DirEntry]:
    try:
        with os.scandir(folder) as entries:
            return list(entries)
    except OSError:
        return []
