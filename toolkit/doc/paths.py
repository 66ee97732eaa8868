"""The one gate every file path a document names goes through (storyboards and templates alike).

A path written in YAML is hostile until proven otherwise: it may hold a NUL byte or a name
longer than the file system allows (both crash `os.stat` with an exception that is not ours),
climb out of the document's folder (`../`, an absolute path, a symbolic link that points
elsewhere), or name a folder, a device such as /dev/zero or a pipe (a probe of either never
ends). `confine` checks all of that before anything opens the file, and says what is wrong in
one sentence; callers put that sentence at the document's line and column.
"""

from __future__ import annotations

import errno
import os
import stat
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

NAME_MAX = 255  # bytes in one file or folder name (ext4, APFS, NTFS in UTF-16 units: the same order)
PATH_MAX = 4095  # bytes in a whole path (Linux PATH_MAX less the terminating NUL)
_SYSTEM = (Path("/proc"), Path("/sys"), Path("/dev"))  # kernel file systems: sizes and reads are not real
_SHOWN = 60  # characters of a hostile name quoted back in a message

ProblemKind = Literal["name", "outside", "missing", "folder", "special", "unreadable"]


class PathProblem(Exception):
    """Why a named path was refused. `detail` says it without the path; `message` with it."""

    def __init__(self, kind: ProblemKind, shown: str, detail: str, *, inside: bool = True) -> None:
        super().__init__(detail)
        self.kind, self.shown, self.detail = kind, shown, detail
        self.inside = inside  # False: a missing file looked for outside the folder (--allow-outside)

    @property
    def message(self) -> str:
        if self.kind == "missing":
            return f"file not found: {self.shown} {self.detail}"
        return f"`{self.shown}` {self.detail}"


@dataclass(frozen=True)
class Folder:
    """A folder that the paths of one document must stay inside.

    `label` names it in messages ("the storyboard's folder"); `escape_hint` says what to do
    when a path leaves it; `allow_outside` lifts the confinement (the `--allow-outside` flag),
    never the other checks.
    """

    root: Path
    label: str = "the storyboard's folder"
    escape_hint: str = "keep media next to the storyboard, or pass --allow-outside if you really mean it"
    allow_outside: bool = False

    def file(self, ref: str | os.PathLike[str]) -> Path:
        """The regular file `ref` names, relative to this folder. Raises `PathProblem`."""
        return confine(ref, self)


def shown(text: str) -> str:
    """`text` as it can be quoted in a message: control characters escaped, long names shortened."""
    out = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
    if len(out) > _SHOWN:
        out = f"{out[:_SHOWN // 2]}…{out[-(_SHOWN // 2 - 6):]}"
    return out


def check_name(text: str) -> None:
    """Refuse what no file system accepts: NUL and control characters, unencodable characters,
    a name over 255 bytes or a path over 4095 bytes. Raises `PathProblem` (kind "name")."""
    quoted = shown(text)
    if not text:
        raise PathProblem("name", quoted, "is an empty file name")
    if "\0" in text:
        raise PathProblem("name", quoted, "contains a NUL byte (\\x00), which no file name can hold")
    bad = next((c for c in text if unicodedata.category(c) == "Cc"), None)
    if bad is not None:
        raise PathProblem("name", quoted, f"contains the control character {repr(bad)[1:-1]}; "
                                          "file names in a document cannot hold it")
    try:
        raw = os.fsencode(text)
    except UnicodeError:
        raise PathProblem("name", quoted, "contains characters that cannot be part of a file name") from None
    if len(raw) > PATH_MAX:
        raise PathProblem("name", quoted, f"is {len(raw):,} bytes long; a path can be at most {PATH_MAX:,}")
    for part in raw.split(b"/"):
        if len(part) > NAME_MAX:
            raise PathProblem("name", quoted, f"has a name of {len(part):,} bytes; a file or folder name can be "
                                              f"at most {NAME_MAX} bytes")


def confine(ref: str | os.PathLike[str], folder: Folder) -> Path:
    """The resolved regular file `ref` names inside `folder` (see `Folder`). Raises `PathProblem`."""
    text = os.fspath(ref)
    check_name(text)
    quoted = shown(text)
    given = folder.root / text
    try:
        path = given.resolve()
    except RuntimeError:  # Python < 3.13 says a symbolic link loop this way
        raise PathProblem("unreadable", quoted, "cannot be followed: a symbolic link that loops") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise PathProblem("unreadable", quoted, "cannot be followed: a symbolic link that loops") from None
        raise PathProblem("unreadable", quoted, f"cannot be followed: {exc.strerror or exc}") from None
    root = folder.root.resolve()
    if not folder.allow_outside and not path.is_relative_to(root):
        # inside by its spelling, outside once links are followed: say it is the link
        linked = Path(os.path.normpath(root / text)).is_relative_to(root)
        where = f"is a link to {path}, outside" if linked else "points outside"
        hint = f"; {folder.escape_hint}" if folder.escape_hint else ""
        raise PathProblem("outside", quoted, f"{where} {folder.label} ({root}){hint}")
    try:
        info = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        raise PathProblem("missing", quoted, f"(looked in {path.parent})", inside=path.is_relative_to(root)) from None
    except PermissionError:
        raise PathProblem("unreadable", quoted, "cannot be read: permission denied") from None
    except OSError as exc:
        raise PathProblem("unreadable", quoted, f"cannot be read: {exc.strerror or exc}") from None
    if stat.S_ISDIR(info.st_mode):
        raise PathProblem("folder", quoted, "is a folder, not a file")
    if not stat.S_ISREG(info.st_mode):
        raise PathProblem("special", quoted, f"is {_special(info.st_mode)}, not a file; give a file saved on disk")
    system = next((d for d in _SYSTEM if path.is_relative_to(d)), None)
    if system is not None:  # /proc/kmsg is a "regular file" whose read never returns
        raise PathProblem("special", quoted, f"is a system file under {system}, not a file saved on disk")
    if not os.access(path, os.R_OK):
        raise PathProblem("unreadable", quoted, "cannot be read: permission denied")
    return path


def find_in(ref: str | os.PathLike[str], folders: Iterable[Folder]) -> Path:
    """The first of `folders` that holds `ref` (a template and the templates it extends).

    A problem other than "not there" (a NUL byte, a path out of the folder, a pipe) is raised
    at once; when no folder has the file, the `PathProblem` lists every folder looked in.
    """
    missing: list[PathProblem] = []
    text = os.fspath(ref)
    for folder in folders:
        try:
            return confine(text, folder)
        except PathProblem as problem:
            if problem.kind != "missing":
                raise
            missing.append(problem)
    if len(missing) == 1:
        raise missing[0]
    looked = ", ".join(p.detail.removeprefix("(looked in ").removesuffix(")") for p in missing)
    raise PathProblem("missing", shown(text), f"(looked in {looked or 'no folder'})",
                      inside=all(p.inside for p in missing))


def _special(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"
