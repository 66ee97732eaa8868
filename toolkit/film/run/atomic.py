"""Atomic output: a file appears at its path complete, or not at all, and never replaces another.

`check_output` refuses a path before any work: a NUL character, a name too long for the disk,
the wrong extension for what is written (films are `.mp4`, stills and sheets `.png`), a
folder, an existing file without `force`, a missing folder.

`atomic_output` then takes the target's lock (`ownership.target_lock`: a second render of the
same path is refused at once), deletes temporary files that dead renders left for the same
target, and yields a hidden temporary path beside the target
(`.<stem>.reel-tmp-<host>-<pid>-<start>-<random><suffix>`). When the block succeeds the file
is flushed and moved into place:

* without `force`, with an atomic *no-replace* move — `renameat2(RENAME_NOREPLACE)`, else a
  hard link then unlink, else (filesystems with neither, e.g. some network shares) an exclusive
  claim of the name replaced at once — so a file that appeared meanwhile is never replaced:
  the render fails instead and says so;
* with `force`, with `rename`, which replaces atomically (the last render wins).

`atomic_outputs` does the same for files written together (a film and its caption files): all
checked and locked before the block, moved into place in order when it succeeds, and those
already moved taken back when a later one cannot be.

Any exception, Ctrl-C and the CLI's SIGTERM/SIGHUP included, deletes the temporary file. If the
process is killed outright (SIGKILL, power loss) the target is untouched; only the temporary
file (and the released lock file) remains, and the next write to the same target removes them.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from toolkit.errors import OutputError, RenderError
from toolkit.film.run.ownership import remove_stale_temps, target_lock, temp_name, this_process

OutputKind = Literal["film", "image", "captions", "manifest"]

# What Reel writes, by kind. Films are MP4 only: the house spec (H.264/AAC, faststart, no edit
# lists) is what every platform takes and what `verify` checks; a `.mov` or `.m4v` name would
# switch ffmpeg to another muxer whose output is not checked, for no gain (rename it instead).
SUFFIXES: dict[str, tuple[str, ...]] = {"film": (".mp4",), "image": (".png",), "captions": (".srt", ".vtt"),
                                         "manifest": (".json",)}
_EXAMPLE = {"film": "film.mp4", "image": "still.png", "captions": "film.srt", "manifest": "film.reel.json"}
_WHAT = {"film": "films are written as MP4", "image": "stills and contact sheets are written as PNG images",
         "captions": "caption files are written as SubRip (.srt) or WebVTT (.vtt)",
         "manifest": "a film's manifest is written as JSON (.reel.json)"}
# Extensions replaced (not appended to) when suggesting the right name.
_MEDIA_SUFFIXES = {".mkv", ".mov", ".m4v", ".webm", ".avi", ".gif", ".mpg", ".mpeg", ".ts", ".wmv", ".flv", ".3gp",
                   ".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff", ".heic", ".mp4", ".mp3", ".wav"}


def check_output(target: Path | str, *, kind: OutputKind | None = None, force: bool = False,
                 need_folder: bool = True) -> Path:
    """Refuse (OutputError) a path Reel must not or cannot write; return it made absolute.

    Checks, in order: not empty; no NUL character; every name within the disk's limit; not a
    folder; the extension matches `kind` (None: any); not an existing file unless `force`; the folder
    exists (unless `need_folder` is false: the caller creates it). Cheap: run it before any work.
    """
    text = os.fspath(target)
    if not text.strip():
        raise OutputError(f"the output name is empty: give a file name such as {_EXAMPLE[kind or 'film']}")
    if "\x00" in text:
        raise OutputError(f"the output name {text!r} contains a NUL character (\\x00), which no file name can "
                          "hold: choose another name")
    path = Path(text)
    limit = _name_max(path.absolute().parent)
    for part in path.parts:
        size = len(os.fsencode(part))
        if size > limit:
            length = f"{len(part)} characters" + (f" ({size} bytes)" if size != len(part) else "")
            raise OutputError(f"the file name {part[:24]}… is {length} long; names on this disk can be at most "
                              f"{limit} bytes: choose a shorter name")
    target = path.absolute()
    try:
        if target.is_dir():
            raise OutputError(f"{target} is a folder: give a file name, e.g. {target / _EXAMPLE[kind or 'film']}")
        if kind is not None and path.suffix.lower() not in SUFFIXES[kind]:
            raise OutputError(f"{path.name}: {_WHAT[kind]}; name the output {_suggest(path, kind)}")
        if os.path.lexists(target) and not force:
            raise OutputError(f"{target} already exists: use --force to replace it, or choose another name")
        if need_folder and not target.parent.is_dir():
            raise OutputError(f"cannot write to {target.parent}: the folder does not exist")
    except OSError as exc:
        if exc.errno == errno.ENAMETOOLONG:
            raise OutputError(f"the output path is too long ({len(os.fsencode(text))} bytes): choose a shorter "
                              "name or a folder nearer the top") from None
        raise
    return target


@dataclass(frozen=True, slots=True)
class Output:
    """One file of a group written together (`atomic_outputs`): its path, what it is (the
    extension `check_output` expects) and, without `force`, which file already there it may
    replace (see `atomic_output`)."""

    path: Path
    kind: OutputKind | None = None
    replaces: Callable[[Path], bool] | None = None


@contextlib.contextmanager
def atomic_output(target: Path, *, force: bool, inputs: Iterable[Path], kind: OutputKind | None = None,
                  replaces: Callable[[Path], bool] | None = None) -> Iterator[Path]:
    """Yield a temporary path to write to; move it to `target` when the block succeeds.

    Refuses (OutputError) everything `check_output` refuses, a `target` that is one of
    `inputs`, and a target another render is writing — all before the block runs. Without
    `force` the final move never replaces a file, even one that appeared during the block,
    except one that `replaces(target)` accepts, asked before the block and again just before
    the move (a draft replacing the previous draft of its storyboard: `run.drafts`).
    """
    with atomic_outputs([Output(target, kind, replaces)], force=force, inputs=inputs) as (temp,):
        yield temp


@contextlib.contextmanager
def atomic_outputs(outputs: Sequence[Output], *, force: bool, inputs: Iterable[Path]) -> Iterator[tuple[Path, ...]]:
    """`atomic_output` for files that appear together or not at all (a film and its caption files).

    Every output is checked and locked before the block runs, and one temporary path per
    output is yielded. When the block succeeds they are moved into place in the order given
    (put the main file last: the others never appear without it); when one cannot be moved,
    those this call had already moved are deleted again and the error is raised. Any error
    in the block deletes every temporary file and moves nothing.
    """
    inputs = list(inputs)
    outputs = [Output(check_output(o.path, kind=o.kind, force=force or _replaceable(Path(o.path), o.replaces)),
                      o.kind, o.replaces) for o in outputs]
    for output in outputs:
        resolved = output.path.resolve()
        for source in inputs:
            if _same_file(resolved, Path(source)):
                raise OutputError(f"{output.path} is also an input of this film: choose another output file name")
    with contextlib.ExitStack() as held:
        for output in outputs:
            held.enter_context(target_lock(output.path))
        for output in outputs:
            if not force and os.path.lexists(output.path) and not _replaceable(output.path, output.replaces):
                # another render finished while we prepared
                raise OutputError(f"{output.path} already exists: use --force to replace it, or choose another name")
        temps: list[Path] = []
        try:
            for output in outputs:
                remove_stale_temps(output.path)
                temps.append(_create_temp(output.path))
            yield tuple(temps)
            for temp in temps:
                _flush(temp)
            _place_all(outputs, temps, force=force)
        except BaseException:
            for temp in temps:
                with contextlib.suppress(OSError):
                    temp.unlink()
            raise
    for folder in dict.fromkeys(output.path.parent for output in outputs):
        _flush(folder)


def _place_all(outputs: Sequence[Output], temps: Sequence[Path], *, force: bool) -> None:
    """Move each temporary file into place, in order; on a failure, take back the ones moved."""
    placed: list[Path] = []
    try:
        for output, temp in zip(outputs, temps, strict=True):
            _place(temp, output.path, force=force or _replaceable(output.path, output.replaces))
            placed.append(output.path)
    except BaseException:
        for path in placed:
            with contextlib.suppress(OSError):
                path.unlink()
        raise


def _replaceable(target: Path, replaces: Callable[[Path], bool] | None) -> bool:
    return replaces is not None and os.path.lexists(target) and replaces(target)


def _place(temp: Path, target: Path, *, force: bool) -> None:
    """Move the finished file into place; without `force`, never over an existing file."""
    try:
        if force:
            os.replace(temp, target)
        elif not _rename_noreplace(temp, target) and not _link_then_unlink(temp, target):
            _claim_then_replace(temp, target)
    except FileExistsError:
        raise OutputError(f"{target} appeared while this was rendering (another program or render wrote it); "
                          "it was left as it is and this result was not saved: use --force to replace it, "
                          "or choose another name") from None
    except OSError as exc:
        raise _write_error(target.parent, exc) from None


_RENAME_NOREPLACE = 1
_AT_FDCWD = -100
_UNSUPPORTED = {errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EPERM, errno.EMLINK}


def _rename_noreplace(src: Path, dst: Path) -> bool:
    """`renameat2(…, RENAME_NOREPLACE)` (Linux 3.15+, glibc 2.28+); False where unsupported."""
    try:
        func = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    func.argtypes = (ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint)
    if func(_AT_FDCWD, os.fsencode(src), _AT_FDCWD, os.fsencode(dst), _RENAME_NOREPLACE) == 0:
        return True
    code = ctypes.get_errno()
    if code in _UNSUPPORTED:
        return False
    raise OSError(code, os.strerror(code), str(dst))


def _link_then_unlink(src: Path, dst: Path) -> bool:
    """A hard link fails with EEXIST when `dst` exists; False on filesystems without hard links."""
    try:
        os.link(src, dst, follow_symlinks=False)
    except FileExistsError:
        raise
    except OSError as exc:
        if exc.errno in _UNSUPPORTED:
            return False
        raise
    os.unlink(src)
    return True


def _claim_then_replace(src: Path, dst: Path) -> None:
    """Last resort: create `dst` exclusively (an empty file, for an instant), then rename over it."""
    os.close(os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o666))
    os.replace(src, dst)


def _suggest(path: Path, kind: OutputKind) -> str:
    name = path.name or "film"
    stem = name[:-len(path.suffix)] if path.suffix.lower() in _MEDIA_SUFFIXES else name
    return stem + SUFFIXES[kind][0]


def _name_max(folder: Path) -> int:
    """The longest file name (bytes) the disk holding `folder` allows (255 when unknown)."""
    for candidate in (folder, *folder.parents):
        try:
            if candidate.is_dir():
                return int(os.pathconf(candidate, "PC_NAME_MAX"))
        except (OSError, ValueError):
            break
    return 255


def _same_file(target: Path, source: Path) -> bool:
    try:
        if target.exists() and source.exists():
            return os.path.samefile(target, source)  # also catches hard links
    except OSError:
        pass
    return target == source.resolve()


def _create_temp(target: Path) -> Path:
    folder = target.parent
    owner = this_process()
    for _ in range(16):
        temp = folder / temp_name(target.name, owner)
        try:
            # 0o666 minus the umask: the finished file gets the same permissions as any new file.
            os.close(os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o666))
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
    """Make a finished file (or a folder's new entry) durable; best effort."""
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
