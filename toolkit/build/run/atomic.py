"""Atomic output: a film appears at its path complete, or not at all.

ffmpeg writes to a hidden temporary file beside the target (`.<name>.reel-tmp-<random>.mp4`),
which is renamed over the target only when the body succeeds. Any exception, Ctrl-C included,
deletes the temporary file. If the process is killed outright (SIGKILL, power loss) the target
is untouched; only the hidden temporary file can remain.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
from collections.abc import Iterable, Iterator
from pathlib import Path

from toolkit.errors import OutputError, RenderError


@contextlib.contextmanager
def atomic_output(target: Path, *, force: bool, inputs: Iterable[Path]) -> Iterator[Path]:
    """Yield a temporary path to write the film to; move it to `target` when the block succeeds.

    Refuses (OutputError) when `target` exists and `force` is false, when `target` is one of
    `inputs`, or when its folder is missing or not writable — all before any work starts.
    """
    target = Path(target).absolute()
    resolved = target.resolve()
    if target.is_dir():
        raise OutputError(f"{target} is a folder: give a file name for the film, e.g. {target / 'film.mp4'}")
    for source in inputs:
        if _same_file(resolved, Path(source)):
            raise OutputError(f"{target} is also an input of this film: choose another output file name")
    if target.exists() and not force:
        raise OutputError(f"{target} already exists: use --force to replace it, or choose another name")
    folder = target.parent
    if not folder.is_dir():
        raise OutputError(f"cannot write to {folder}: the folder does not exist")
    temp = _create_temp(folder, target.name)
    try:
        yield temp
        _flush(temp)
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise


def _same_file(target: Path, source: Path) -> bool:
    try:
        if target.exists() and source.exists():
            return os.path.samefile(target, source)  # also catches hard links
    except OSError:
        pass
    return target == source.resolve()


def _create_temp(folder: Path, name: str) -> Path:
    stem, suffix = os.path.splitext(name)
    for _ in range(16):
        temp = folder / f".{stem}.reel-tmp-{secrets.token_hex(4)}{suffix or '.mp4'}"
        try:
            # 0o666 minus the umask: the finished film gets the same permissions as any new file.
            os.close(os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
            return temp
        except FileExistsError:
            continue
        except OSError as exc:
            raise _write_error(folder, exc) from None
    raise OutputError(f"cannot create a temporary file in {folder}")


def _write_error(folder: Path, exc: OSError) -> Exception:
    if exc.errno in (errno.EACCES, errno.EPERM):
        return OutputError(f"cannot write to {folder}: permission denied")
    if exc.errno == errno.EROFS:
        return OutputError(f"cannot write to {folder}: the disk is read-only")
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return RenderError("output", f"the disk holding {folder} is full: free some space and render again")
    return OutputError(f"cannot write to {folder}: {exc.strerror or exc}")


def _flush(path: Path) -> None:
    """Make the finished file durable before it takes the target's name."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
