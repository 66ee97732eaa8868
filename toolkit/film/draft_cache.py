"""The draft piece cache: each draft piece (`compile.draft_pieces`) and the draft's sound, kept by
the content hash of everything that shapes it, in `Settings.cache_root()/"drafts"` (safe to delete).

A piece's **key** hashes its compiled command with every file it reads replaced by what the file
holds: files in Reel's cache (proxies, text pictures, reversed and anonymised copies, python
layers) are already named by their content, so their names stand for them; any other file (the
storyboard's footage, photos, logos, sound) by its `content_digest`. The whole film's text list
(one ffconcat file) is replaced by the text pictures shown in the piece's own frames, with their
frames, so a caption edit changes only the keys of the pieces that show it. The key also holds
Reel's version and the ffmpeg binary's identity. The template, trims, fits and moves are in the
command itself.

A piece is **valid** only when its record (`piece-KEY.json`, written after the file is in place)
gives the file's exact size, frame count and BLAKE2b digest: a truncated or damaged file is
rendered again, never joined. A piece that passed the flash gate gets `piece-KEY.gated` (holding
its digest); a join between two pieces that passed it together gets `join-KEY.gated`.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
from collections.abc import Sequence
from pathlib import Path

from toolkit.atomic import write_atomic
from toolkit.film.compile.draft_pieces import DraftPiece
from toolkit.film.compile.raster import RasterPlan
from toolkit.media.digests import content_digest
from toolkit.settings import Settings, reel_version

KEY_VERSION = "reel-draft-piece 1"
_HASH_CHUNK = 1 << 20


def cache_folder() -> Path:
    """Where draft pieces are kept (safe to delete: the next draft renders them again)."""
    return Settings.cache_root() / "drafts"


def piece_path(key: str, suffix: str = ".mp4") -> Path:
    """The cached file of the piece (or sound) with this key."""
    return cache_folder() / f"piece-{key}{suffix}"


def command_key(argv: Sequence[str], *, ffmpeg: str, text: str | None = None,
                text_list: Path | None = None) -> str:
    """The key of a compiled piece or sound command (see the module docstring).

    The last argument (the output) is left out; `text_list` (the film's ffconcat text list), when
    given, is replaced by `text`, the piece's own share of the text."""
    root = Settings.cache_root()
    digests = root / "digests"
    tokens: list[str] = []
    previous = ""
    for token in list(argv)[:-1]:
        if text_list is not None and token == str(text_list):
            tokens.append(f"text:{text}")
        elif previous == "-i":
            tokens.append(_file_token(Path(token), root, digests))
        else:
            tokens.append(token)
        previous = token
    digest = hashlib.blake2b(digest_size=16)
    for part in (KEY_VERSION, reel_version(), _binary(ffmpeg), *tokens):
        digest.update(part.encode("utf-8", "surrogateescape") + b"\0")
    return digest.hexdigest()


def text_share(raster: RasterPlan, piece: DraftPiece) -> str:
    """The text pictures (content-named) shown in `piece`'s frames, each with its frames there."""
    shown = [f"{image.path.name}@{max(image.start, piece.start)}-{min(image.end, piece.end)}"
             for image in raster.images if image.start < piece.end and image.end > piece.start]
    return f"{raster.box};" + ";".join(shown)


def _file_token(path: Path, root: Path, digests: Path) -> str:
    """A command's input file as what it holds (see the module docstring)."""
    try:
        path.resolve().relative_to(root.resolve())
        return f"cache:{path.name}"  # named by its content (and maybe not made yet at --dry-run)
    except ValueError:
        pass
    try:
        return f"file:{content_digest(path, digests)}"
    except OSError:
        return f"path:{path}"  # not a file (a device, a lavfi graph): the command says it all


def _binary(ffmpeg: str) -> str:
    try:
        info = os.stat(ffmpeg)
    except OSError:
        return f"ffmpeg:{ffmpeg}"
    return f"ffmpeg:{os.path.realpath(ffmpeg)}:{info.st_size}:{info.st_mtime_ns}"


def file_digest(path: Path) -> str:
    """BLAKE2b of a file's bytes (raises `OSError`)."""
    digest = hashlib.blake2b(digest_size=20)
    with Path(path).open("rb") as handle:
        while chunk := handle.read(_HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def record(path: Path, frames: int) -> None:
    """Write `path`'s record (size, frames, digest) beside it: it is a valid piece from now on."""
    meta = {"size": path.stat().st_size, "frames": frames, "digest": file_digest(path)}
    write_atomic(path.with_suffix(".json"), json.dumps(meta))


def recorded(path: Path) -> dict | None:
    """`path`'s record, or None when there is none (or it cannot be read)."""
    try:
        meta = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return meta if isinstance(meta, dict) else None


def is_listed(path: Path, frames: int) -> bool:
    """True when `path` has a record of `frames` frames and its size matches it (cheap: no read)."""
    meta = recorded(path)
    try:
        return meta is not None and meta.get("frames") == frames and path.stat().st_size == meta.get("size")
    except OSError:
        return False


def is_valid(path: Path, frames: int) -> bool:
    """True when `path` is exactly the file its record describes: size, frames and digest."""
    if not is_listed(path, frames):
        return False
    try:
        return file_digest(path) == (recorded(path) or {}).get("digest")
    except OSError:
        return False


def gated(path: Path) -> bool:
    """True when this very piece (same digest) passed the flash gate in an earlier draft."""
    meta = recorded(path)
    try:
        return meta is not None and path.with_suffix(".gated").read_text(encoding="utf-8") == meta.get("digest")
    except OSError:
        return False


def join_marker(before: Path, after: Path) -> Path:
    """The marker of the join between two pieces (by their digests)."""
    a, b = (recorded(before) or {}).get("digest"), (recorded(after) or {}).get("digest")
    name = hashlib.blake2b(f"{a}|{b}".encode(), digest_size=16).hexdigest()
    return cache_folder() / f"join-{name}.gated"


def mark_gated(paths: Sequence[Path]) -> None:
    """Remember that these consecutive pieces (a whole film that passed), and the joins between them,
    passed the flash gate."""
    for path in paths:
        write_atomic(path.with_suffix(".gated"), str((recorded(path) or {}).get("digest")))
    for before, after in itertools.pairwise(paths):
        write_atomic(join_marker(before, after), "")
