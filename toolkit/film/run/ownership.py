"""Who is writing an output: a lock per target, and temporary names that say which process owns them.

Two renders to one path must not race, and a render killed outright (SIGKILL, power loss) must
not leave debris that nothing ever removes. So:

* **A lock per target.** Before writing `film.mp4`, Reel takes an advisory `flock` on a hidden
  `.film.mp4.reel-lock` beside it and writes its host and pid into it. A second render of the
  same target (from this or another process) is refused at once, naming the holder. The kernel
  releases the lock when the holder dies, however it dies; the next writer takes the file over
  and deletes it when done. Within one process the lock is re-entrant (the CLI takes it before
  planning; `atomic_output` takes it again around the write).
* **Owner-stamped temporary names.** `.film.reel-tmp-<host>-<pid>-<start>-<random>.mp4`, where
  `<start>` is the owner's start time (clock ticks since boot, from /proc), so a recycled pid
  cannot pass for the dead owner. `remove_stale_temps` deletes a target's temporary files only
  when the name matches that pattern exactly, the file is a regular file, the owner ran on this
  host, and the owner process is gone (no such pid, or a pid with another start time).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import os
import re
import secrets
import socket
import stat
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from toolkit.errors import OutputError

TEMP_MARK = ".reel-tmp-"
LOCK_MARK = ".reel-lock"
# A target name longer than this is shortened in temporary and lock names (with a digest, so
# two long names never share a lock): NAME_MAX is 255 bytes and the stamp adds up to ~80.
_TAG_BYTES = 120
_HOST_CHARS = 32
_STAMP = re.compile(r"(?P<host>[A-Za-z0-9._]{1,32})-(?P<pid>[1-9][0-9]{0,9})-(?P<start>[0-9]{1,20})-[0-9a-f]{8}")
# flock is unsupported on some network and FUSE filesystems: work on without the lock there
# (the final no-replace link still refuses to overwrite).
_NO_LOCKING = {errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EINVAL, errno.ENOSYS}


@dataclass(frozen=True, slots=True)
class Owner:
    """A process, as stamped into temporary names: host, pid and start time (0 when unknown)."""

    host: str
    pid: int
    start: int

    def stamp(self) -> str:
        return f"{self.host}-{self.pid}-{self.start}"


def this_process() -> Owner:
    """The calling process (looked up each time: a forked child is another owner)."""
    pid = os.getpid()
    return Owner(_host(), pid, _start_time(pid) or 0)


def owner_alive(owner: Owner) -> bool:
    """Whether `owner` (a process on this host) is still running. Unsure counts as alive."""
    if owner.pid == os.getpid():
        return owner.start in (0, _start_time(owner.pid) or 0)
    start = _start_time(owner.pid)
    if start is not None:
        return owner.start == 0 or start == owner.start
    try:
        os.kill(owner.pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # EPERM: it exists, under another user
        return True
    # Running, but /proc could not say when it started (not Linux): a recycled pid cannot be
    # told from the owner, so keep the file.
    return True


def tag(name: str) -> str:
    """A target's name as used inside temporary and lock names (shortened when very long)."""
    raw = name.encode("utf-8", "surrogateescape")
    if len(raw) <= _TAG_BYTES:
        return name
    digest = hashlib.blake2b(raw, digest_size=4).hexdigest()
    head = raw[:_TAG_BYTES - 10].decode("utf-8", "ignore")
    return f"{head}~{digest}"


def temp_name(target_name: str, owner: Owner) -> str:
    """A fresh hidden temporary name beside `target_name`, stamped with its owner."""
    stem, suffix = os.path.splitext(target_name)
    return f".{tag(stem)}{TEMP_MARK}{owner.stamp()}-{secrets.token_hex(4)}{suffix or '.mp4'}"


def temp_owner(temp: str, target_name: str) -> Owner | None:
    """The owner stamped in `temp` when it is exactly one of `target_name`'s temporary names."""
    stem, suffix = os.path.splitext(target_name)
    head, tail = f".{tag(stem)}{TEMP_MARK}", suffix or ".mp4"
    if not (temp.startswith(head) and temp.endswith(tail)) or len(temp) <= len(head) + len(tail):
        return None
    match = _STAMP.fullmatch(temp[len(head):len(temp) - len(tail)])
    if match is None:
        return None
    return Owner(match["host"], int(match["pid"]), int(match["start"]))


def remove_stale_temps(target: Path) -> list[Path]:
    """Delete `target`'s temporary files whose owner died (same host, process gone); return them.

    Never touches a live render's file, another host's, or anything whose name does not match
    the pattern exactly.
    """
    return _remove_dead(target.parent, lambda name: temp_owner(name, target.name))


# Any target's temporary name: `.<tag>.reel-tmp-<stamp>-<random><suffix>` (see `temp_name`).
_ANY_TEMP = re.compile(r"\..+?" + re.escape(TEMP_MARK) + r"(?P<stamp>" + _STAMP.pattern + r")(?:\.[A-Za-z0-9]{1,16})?")


def remove_abandoned_temps(folder: Path) -> list[Path]:
    """Delete every temporary file in `folder` whose owner died, whatever its target: a cache
    holds many targets, and one whose make was killed may never be made again (its trim or its
    clip changed), so `remove_stale_temps` on the next target alone would leave it for ever."""
    return _remove_dead(folder, _any_owner)


def remove_temps_under(root: Path, *, owner: Owner | None = None) -> list[Path]:
    """Delete the temporary files under `root` (every folder below it, links not followed) whose
    owner died, or, with `owner`, that `owner` stamped (a process clearing its own before it
    exits). For a batch: its films' pieces, proxies and claims live in several cache folders."""
    removed: list[Path] = []
    for folder, dirs, _files in os.walk(root, followlinks=False):
        dirs[:] = [d for d in dirs if not os.path.islink(os.path.join(folder, d))]
        if owner is None:
            removed += remove_abandoned_temps(Path(folder))
        else:
            removed += _remove_where(Path(folder), _any_owner, lambda stamped: stamped == owner)
    return removed


def _any_owner(name: str) -> Owner | None:
    match = _ANY_TEMP.fullmatch(name)
    return None if match is None else Owner(match["host"], int(match["pid"]), int(match["start"]))


def _remove_dead(folder: Path, owner_of: Callable[[str], Owner | None]) -> list[Path]:
    """Delete the regular files in `folder` whose name stamps an owner on this host that is gone."""
    host = _host()
    return _remove_where(folder, owner_of, lambda owner: owner.host == host and not owner_alive(owner))


def _remove_where(folder: Path, owner_of: Callable[[str], Owner | None],
                  doomed: Callable[[Owner], bool]) -> list[Path]:
    """Delete the regular files in `folder` whose name stamps an owner for which `doomed` holds."""
    removed: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        owner = owner_of(entry.name)
        if owner is None or not doomed(owner):
            continue
        try:
            if not stat.S_ISREG(entry.stat(follow_symlinks=False).st_mode):
                continue
            os.unlink(entry.path)
        except OSError:
            continue
        removed.append(Path(entry.path))
    return removed


# ------------------------------------------------------------------ the lock


@dataclass
class _Held:
    fd: int
    path: Path
    depth: int


_held: dict[tuple[int, int], _Held] = {}
_held_guard = threading.Lock()


def lock_path(target: Path) -> Path:
    """The hidden lock file beside `target`."""
    return target.parent / f".{tag(target.name)}{LOCK_MARK}"


@contextlib.contextmanager
def target_lock(target: Path) -> Iterator[None]:
    """Hold the advisory lock on `target` for the block; refuse at once if another holds it.

    Raises `OutputError` ("another Reel render is writing …") when the lock is taken, or when the
    folder cannot be written. Re-entrant within a process. The lock file is deleted on release.
    """
    target = Path(target).absolute()
    key = _acquire(target)
    try:
        yield
    finally:
        _release(key)


def _acquire(target: Path) -> tuple[int, int] | None:
    path = lock_path(target)
    for _ in range(16):
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o666)
        except OSError as exc:
            raise _lock_error(target, exc) from None
        info = os.fstat(fd)
        key = (info.st_dev, info.st_ino)
        with _held_guard:
            held = _held.get(key)
            if held is not None:  # this process already holds it (the CLI, then atomic_output)
                held.depth += 1
                os.close(fd)
                return key
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_holder(fd)
            os.close(fd)
            raise OutputError(_busy_message(target, holder)) from None
        except OSError as exc:
            os.close(fd)
            if exc.errno in _NO_LOCKING:
                with contextlib.suppress(OSError):
                    os.unlink(path)
                return None
            raise _lock_error(target, exc) from None
        # The previous holder may have deleted the file between our open and our flock: then
        # this lock guards nothing, so start over on the file now at the path.
        try:
            current = os.stat(path, follow_symlinks=False)
        except FileNotFoundError:
            current = None
        if current is None or (current.st_dev, current.st_ino) != key:
            os.close(fd)
            continue
        me = this_process()
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{me.host} {me.pid} {me.start}\n".encode(), 0)
        with _held_guard:
            _held[key] = _Held(fd, path, 1)
        return key
    raise OutputError(f"cannot lock {target} for writing: its lock file {path.name} keeps changing")


def _release(key: tuple[int, int] | None) -> None:
    if key is None:
        return
    with _held_guard:
        held = _held[key]
        held.depth -= 1
        if held.depth:
            return
        del _held[key]
    # Delete while still holding the lock, so a waiting process finds the file gone and retries.
    with contextlib.suppress(OSError):
        os.unlink(held.path)
    os.close(held.fd)


def _read_holder(fd: int) -> Owner | None:
    try:
        host, pid, start = os.pread(fd, 200, 0).decode("utf-8", "replace").split()
        return Owner(host, int(pid), int(start))
    except (OSError, ValueError):
        return None  # the holder has not written its name yet


def _busy_message(target: Path, holder: Owner | None) -> str:
    who = ""
    if holder is not None:
        who = f" (pid {holder.pid}" + ("" if holder.host == _host() else f" on {holder.host}") + ")"
    return (f"another Reel render is writing {target}{who}: wait for it to finish, or choose another "
            "output name")


def _lock_error(target: Path, exc: OSError) -> OutputError:
    folder = target.parent
    if exc.errno in (errno.EACCES, errno.EPERM):
        return OutputError(f"cannot write to {folder}: permission denied")
    if exc.errno == errno.EROFS:
        return OutputError(f"cannot write to {folder}: the disk is read-only")
    if exc.errno in (errno.ENOENT, errno.ENOTDIR):
        return OutputError(f"cannot write to {folder}: the folder does not exist")
    return OutputError(f"cannot write to {folder}: {exc.strerror or exc}")


# ------------------------------------------------------------------ process identity


def _host() -> str:
    """This host's name, reduced to the characters a stamp may hold."""
    name = re.sub(r"[^A-Za-z0-9.]", "_", socket.gethostname())[:_HOST_CHARS]
    return name or "host"


def _start_time(pid: int) -> int | None:
    """When `pid` started, in clock ticks since boot (Linux /proc); None when not known."""
    try:
        text = Path(f"/proc/{pid}/stat").read_bytes().decode("ascii", "replace")
    except OSError:
        return None
    # Field 2 (the command name) may hold spaces and parentheses: split after the last ')'.
    fields = text[text.rfind(")") + 2:].split()
    try:
        return int(fields[19])  # field 22, starttime
    except (IndexError, ValueError):
        return None
