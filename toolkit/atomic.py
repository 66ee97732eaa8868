"""Whole-or-nothing file writing: a reader sees the old file or the complete new one, never a part.

The one small writer for every file Reel writes that is not a film: grade reports and
gradebooks, template previews, the rasteriser's images, proxy and loudness memos, the media
integrity cache. A film, a contact sheet and a still go through `film.run.atomic.atomic_output`,
which adds what only those need (refusing to replace without `--force`, locks, clean-up of
what a killed render left). Both write next to the target and `os.replace` it into place, so
the move is atomic on the same file system.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def replacing(path: Path | str) -> Iterator[Path]:
    """Yield a temporary path next to `path`; when the block ends without an error, move it onto `path`.

    The temporary name keeps `path`'s suffix (Pillow picks a format from it) and starts with a
    dot, so a folder listing or a glob for `*.png` does not pick up a half-written file. On an
    error the temporary file is removed and the error propagates; `path` is untouched. Creates
    the parent folder. Raises `OSError` when the file cannot be written.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Not mkstemp: its files are private (0600) and the result would keep that mode. This one is
    # made like any new file (0666 less the umask), exclusively, under a name no one else uses;
    # the target's name is shortened so the temporary name stays within NAME_MAX.
    temp = path.with_name(f".{path.name[:80]}.{os.getpid()}.{secrets.token_hex(6)}.tmp{path.suffix[:16]}")
    os.close(os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
    try:
        yield temp
        os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)


def write_atomic(path: Path | str, data: bytes | str) -> Path:
    """Write `data` (text is written as UTF-8) to `path` whole or not at all; returns `path`.

    Raises `OSError` when it cannot; the library's callers turn that into their typed error.
    """
    with replacing(path) as temp:
        temp.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return Path(path)

