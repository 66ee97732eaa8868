"""Read the box (atom) structure of an MP4/MOV file: its brand, faststart and edit lists.

Only box headers are read (sizes and four-character types), never the media data, so this is
cheap on any file size.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

__all__ = ["edit_list_tracks", "missing_bytes", "mp4_layout"]

# Boxes whose payload is more boxes, on the way from moov down to an edit list.
_CONTAINERS = {b"moov", b"trak", b"edts"}
_FIRST_BOXES = ("ftyp", "moov", "mdat", "free", "wide", "skip")


def mp4_layout(path: str | Path, *, max_boxes: int = 64) -> tuple[str | None, tuple[str, ...]]:
    """(major brand, top-level box types in file order) of an ISO-BMFF file (MP4/MOV).

    Box types are returned for the first `max_boxes` boxes; a file that is not ISO-BMFF gives
    (None, ()).
    """
    path = Path(path)
    brand: str | None = None
    order: list[str] = []
    with path.open("rb") as handle:
        for kind, payload, _ in _boxes(handle, 0, path.stat().st_size):
            if kind == b"ftyp":
                handle.seek(payload)
                brand = handle.read(4).decode("latin-1")
            order.append(kind.decode("latin-1"))
            if len(order) == max_boxes:
                break
    if not order or order[0] not in _FIRST_BOXES:
        return None, ()
    return brand, tuple(order)


def edit_list_tracks(path: str | Path) -> int:
    """How many tracks carry an edit list (`moov/trak/edts/elst`)."""
    path = Path(path)
    with path.open("rb") as handle:
        return sum(1 for kind in _walk(handle, 0, path.stat().st_size) if kind == b"elst")


def missing_bytes(path: str | Path) -> int:
    """How many bytes the top-level boxes declare beyond the end of the file: more than 0 means
    an interrupted copy or export cut it short (0 for a whole file, or one that is not ISO-BMFF)."""
    path = Path(path)
    if not mp4_layout(path)[1]:
        return 0
    size = path.stat().st_size
    with path.open("rb") as handle:
        position = 0
        while position + 8 <= size:
            handle.seek(position)
            header = handle.read(16)
            length, kind = struct.unpack(">I4s", header[:8])
            if not kind.decode("latin-1").isprintable():
                return 0  # damaged rather than short: the decoder says how
            if length == 1 and len(header) == 16:
                length = struct.unpack(">Q", header[8:16])[0]
            elif length == 0:
                return 0  # runs to the end of the file by definition
            if length < 8:
                return 0
            position += length
        return max(0, position - size)


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
        if not kind.decode("latin-1").isprintable():
            return  # not a box header: not ISO-BMFF, or damaged
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
