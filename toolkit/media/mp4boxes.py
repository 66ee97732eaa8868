"""Read the box (atom) structure of an MP4/MOV file: enough to check faststart and edit lists.

Only box headers are read (sizes and four-character types), never the media data, so this is
cheap on any file size.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

__all__ = ["edit_list_tracks", "top_level_boxes"]

# Boxes whose payload is more boxes, on the way from moov down to an edit list.
_CONTAINERS = {b"moov", b"trak", b"edts"}


def top_level_boxes(path: str | Path) -> list[str]:
    """The types of the file's top-level boxes, in order (e.g. `['ftyp', 'moov', 'mdat']`)."""
    path = Path(path)
    with path.open("rb") as handle:
        return [kind.decode("latin-1") for kind, _, _ in _boxes(handle, 0, path.stat().st_size)]


def edit_list_tracks(path: str | Path) -> int:
    """How many tracks carry an edit list (`moov/trak/edts/elst`)."""
    path = Path(path)
    with path.open("rb") as handle:
        return sum(1 for kind in _walk(handle, 0, path.stat().st_size) if kind == b"elst")


def _walk(handle: BinaryIO, start: int, end: int) -> Iterator[bytes]:
    for kind, payload, box_end in _boxes(handle, start, end):
        yield kind
        if kind in _CONTAINERS:
            yield from _walk(handle, payload, box_end)


def _boxes(handle: BinaryIO, start: int, end: int) -> Iterator[tuple[bytes, int, int]]:
    """(type, payload start, box end) for each box between `start` and `end`."""
    position = start
    while position + 8 <= end:
        handle.seek(position)
        header = handle.read(16)
        if len(header) < 8:
            return
        size, kind = struct.unpack(">I4s", header[:8])
        payload = position + 8
        if size == 1 and len(header) == 16:
            size = struct.unpack(">Q", header[8:16])[0]
            payload += 8
        elif size == 0:  # the box runs to the end of its parent (or the file)
            size = end - position
        if size < payload - position:
            return  # damaged: stop rather than loop
        yield kind, payload, min(position + size, end)
        position += size
