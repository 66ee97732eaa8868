"""The caption files written beside every film: `FILM.srt` and `FILM.vtt` for `FILM.mp4`.

They are outputs like the film (`atomic.atomic_outputs` writes the three together): refused
before any work when one exists (unless `--force`), moved into place only with a film that
passed every check, never left behind by a render that stopped or was refused.

A draft may replace the previous draft of its storyboard (`run.drafts`); its caption files go
with it, but only those Reel wrote for that draft: the draft's MP4 names the digest of each
caption file written with it (`CAPTIONS_KEY` in its metadata), so a caption file edited by
hand, or any other file with the name, is refused as before.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Literal

from toolkit.errors import OutputError
from toolkit.film.run.atomic import check_output
from toolkit.film.run.drafts import draft_tag, is_draft_of

SUFFIXES = (".srt", ".vtt", ".reel.json")  # the captions, then the film's manifest (`toolkit.film.manifest`)
CAPTIONS_KEY = "reel_draft_captions"
_LARGEST = 4 * 1024 * 1024  # a caption file Reel wrote is a few kilobytes: a larger one is not a draft's


def sidecar_paths(film: Path) -> tuple[Path, ...]:
    """The files written beside the film at `film`: the same name with .srt and .vtt (its captions)
    and .reel.json (its manifest, `toolkit.film.manifest`)."""
    film = Path(film)
    return tuple(film.with_suffix(suffix) for suffix in SUFFIXES)


def sidecar_kind(path: Path) -> Literal["captions", "manifest"]:
    """What a file beside the film is: its captions, or its manifest."""
    return "manifest" if Path(path).name.endswith(SUFFIXES[-1]) else "captions"


def content_tag(data: bytes) -> str:
    """How a draft's metadata names one caption file written with it."""
    return "sha256:" + hashlib.sha256(data).hexdigest()[:24]


def captions_tag(contents: tuple[bytes, ...]) -> str:
    """The `CAPTIONS_KEY` value of a draft whose caption files hold `contents`."""
    return " ".join(content_tag(data) for data in contents)


def replaces_sidecar_of(storyboard: Path, film: Path) -> Callable[[Path], bool]:
    """The `replaces` test for a draft's caption file: is the file there one written with the
    draft of `storyboard` now at `film`, byte for byte?"""
    tag = draft_tag(storyboard)

    def written_with_draft(path: Path) -> bool:
        listed = _listed(film, tag)
        return bool(listed) and _tag_of(path) in listed

    return written_with_draft


def check_sidecars(film: Path, *, force: bool, replaces: Callable[[Path], bool] | None = None) -> None:
    """Refuse (OutputError), before any work, caption files that cannot be written beside `film`:
    one that exists (unless `force`, or `replaces` accepts it) or a name the disk cannot hold."""
    for path in sidecar_paths(film):
        if not force and os.path.lexists(path) and not (replaces is not None and replaces(path)):
            raise OutputError(f"{path} already exists: Reel writes the film's {sidecar_kind(path)} there, beside "
                              f"{Path(film).name}; use --force to replace it, or choose another name for the film")
        check_output(path, kind=sidecar_kind(path), force=True)


def refuse_inputs(film: Path, inputs: Iterable[Path]) -> None:
    """Refuse (OutputError) caption files beside `film` that are files the film reads (a subtitle
    file named like the film): `--force` cannot help there, so say so before any work."""
    for path in sidecar_paths(film):
        for source in inputs:
            if _same(path, Path(source)):
                raise OutputError(f"{path} is a file this film reads, and Reel writes the film's captions there, "
                                  f"beside {Path(film).name}: give the film another name (-o), or rename that file")


def _same(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def _listed(film: Path, tag: str) -> set[str]:
    """The caption digests the draft at `film` names, when it is a draft of the storyboard `tag` names."""
    if not is_draft_of(film, tag):
        return set()
    import av  # as in run.drafts: only opened when a caption file of that name exists

    try:
        with av.open(os.fspath(film), metadata_errors="ignore") as container:
            return set(container.metadata.get(CAPTIONS_KEY, "").split())
    except (av.error.FFmpegError, OSError, UnicodeDecodeError, ValueError):
        return set()


def _tag_of(path: Path) -> str | None:
    """The digest of the regular file at `path` (not a link), None for anything else."""
    try:
        info = os.lstat(path)
        if not stat.S_ISREG(info.st_mode) or info.st_size > _LARGEST:
            return None
        return content_tag(path.read_bytes())
    except (OSError, ValueError):
        return None
