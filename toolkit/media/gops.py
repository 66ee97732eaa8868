"""Decode a clip's independent GOPs on parallel decoders and hand the frames back in order.

Decoding H.264 is most of the cost of analysing a clip (the flash gate, grading). FFmpeg's own
frame threading spends about a fifth more CPU than one thread and still stalls on two cores.
A stream that restarts at IDR pictures is a run of independent streams: after an IDR nothing
refers back, and every picture before it has been output. So N single-threaded decoders can
each take every Nth GOP, draining at the end of each, and the frames read back GOP by GOP are
exactly the frames one decoder would have produced, bit for bit.

Splitting is only done where that holds and pays: H.264 or HEVC, keyframes that are IDR
pictures (open-GOP recovery points and HEVC CRA pictures are not: their leading pictures refer
back), timestamps on every packet, and a read-ahead budget of at least half a GOP per decoder,
below which the decoders would mostly wait for the reader. `plan_gops` says whether a clip
qualifies; `decode_gops` does the work.
"""

from __future__ import annotations

import os
import threading
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

__all__ = ["GopPlan", "decode_gops", "decoder_count", "plan_gops"]

_T = TypeVar("_T")
_MAX_DECODERS = 4  # past four, reading GOPs back in order outweighs what more cores add
_SCAN_GOPS_PER_DECODER = 3  # GOP lengths looked at before deciding (the scan reads packets)

# NAL unit types of pictures that start an independent GOP, and of all coded pictures.
_H264_IDR, _H264_PICTURES = {5}, set(range(1, 6))
_HEVC_IDR, _HEVC_PICTURES = {19, 20}, set(range(0, 32))


@dataclass(frozen=True, slots=True)
class GopPlan:
    """How a stream splits: `is_start(packet)` tells whether a packet opens an independent GOP,
    `decoders` how many decoders run side by side."""

    is_start: Callable[[Any], bool]
    decoders: int


def decoder_count() -> int:
    """How many single-threaded decoders to run: the CPUs this process may use, at most 4."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, _MAX_DECODERS))


def plan_gops(open_stream: Callable[[], tuple[Any, Any]], frame_bytes: int, ahead_bytes: int) -> GopPlan | None:
    """Scan the start of a stream and return how to split it, or None to decode it in one pass.

    `open_stream()` opens a fresh `(container, stream)`; `frame_bytes` is the size of one
    delivered frame and `ahead_bytes` the memory all decoders together may fill ahead of the
    reader.
    """
    decoders = decoder_count()
    per_decoder = ahead_bytes // decoders // max(1, frame_bytes)  # frames each may hold
    if decoders < 2 or per_decoder < 1:
        return None
    container, stream = open_stream()
    with container:
        is_start = _start_test(stream)
        if is_start is None:
            return None
        lengths: list[int] = []
        for packet in container.demux(stream):
            if packet.size == 0:
                continue
            if packet.pts is None:
                return None  # times would have to be counted across GOPs
            if not lengths or is_start(packet):
                if len(lengths) > _SCAN_GOPS_PER_DECODER * decoders:
                    break
                lengths.append(0)
            lengths[-1] += 1
            if lengths[-1] > 2 * per_decoder:
                return None  # a GOP too long to read ahead: stop scanning a long file here
    if len(lengths) < 2:
        return None
    return GopPlan(is_start=is_start, decoders=min(decoders, len(lengths)))


def decode_gops(
    open_stream: Callable[[], tuple[Any, Any]],
    plan: GopPlan,
    convert: Callable[[], Callable[[Any], _T]],
    frame_bytes: int,
    ahead_bytes: int,
) -> Iterator[tuple[float | None, _T]]:
    """Yield `(time, convert(frame))` for every frame, in presentation order, decoding GOP k on
    decoder k mod N.

    `open_stream()` opens a fresh `(container, stream)` for each decoder and `convert()` makes
    each decoder its own converter (swscale contexts are not shared between threads). Times are
    the frames' presentation times in seconds (None for a frame without one), as `frame.time`
    gives them in a single pass. `frame_bytes` is what one converted frame holds; each decoder
    may hold `ahead_bytes / N` of them. Errors in a decoder re-raise here, after the frames
    it decoded before failing; closing the generator early stops and joins every decoder.
    """
    stop = threading.Event()
    budget = max(frame_bytes, ahead_bytes // plan.decoders)
    slots = [_Slots[tuple[str, Any]](budget, stop) for _ in range(plan.decoders)]
    workers = [
        threading.Thread(target=_decode_share, name=f"reel-gop-{n}", daemon=True,
                         args=(open_stream, plan, n, convert, slots[n], frame_bytes))
        for n in range(plan.decoders)
    ]  # fmt: skip
    for worker in workers:
        worker.start()
    try:
        gop = 0
        while True:
            kind, value = slots[gop % plan.decoders].get()
            if kind == "frame":
                yield value
            elif kind == "gop":
                gop += 1
            elif kind == "error":
                raise value
            else:  # "end": this decoder owns no GOP numbered `gop`, so the stream is over
                return
    finally:
        stop.set()
        for worker in workers:
            worker.join()


def _decode_share(open_stream: Callable[[], tuple[Any, Any]], plan: GopPlan, share: int,
                  convert: Callable[[], Callable[[Any], Any]], out: _Slots, frame_bytes: int) -> None:
    """One decoder: demux everything, decode the GOPs numbered `share` mod N, drain after each.

    GOPs are numbered by counting their starts, so every decoder reads every packet; reading
    is cheap next to decoding (0.05 s for the 46 MB bench clip)."""
    try:
        container, stream = open_stream()
        with container:
            stream.thread_type = "SLICE"
            stream.thread_count = 1
            codec = stream.codec_context
            to_item = convert()
            base = stream.time_base
            gop, mine = -1, False

            def emit(frames: list[Any]) -> bool:
                # From pts, not frame.time: PyAV leaves a drained frame's time base unset.
                return all(
                    out.put(("frame", (None if f.pts is None else float(f.pts * base), to_item(f))), frame_bytes)
                    for f in frames
                )

            for packet in container.demux(stream):
                if packet.size == 0:
                    continue
                if gop < 0 or plan.is_start(packet):
                    if mine:
                        if not (emit(codec.decode(None)) and out.put(("gop", gop), 0)):
                            return
                        codec.flush_buffers()
                    gop += 1
                    mine = gop % plan.decoders == share
                if mine and not emit(codec.decode(packet)):
                    return
            if mine and not (emit(codec.decode(None)) and out.put(("gop", gop), 0)):
                return
        out.put(("end", None), 0)
    except BaseException as exc:  # handed to the reader, which re-raises it
        out.put(("error", exc), 0)


class _Slots(Generic[_T]):
    """A queue bounded by bytes rather than items (always room for one item, so a frame larger
    than the budget still passes). `put` gives up and returns False once `stop` is set."""

    def __init__(self, budget: int, stop: threading.Event) -> None:
        self._budget = budget
        self._stop = stop
        self._used = 0
        self._items: deque[tuple[_T, int]] = deque()
        self._ready = threading.Condition()

    def put(self, item: _T, size: int) -> bool:
        with self._ready:
            while self._items and self._used + size > self._budget:
                if self._stop.is_set():
                    return False
                self._ready.wait(0.05)
            if self._stop.is_set():
                return False
            self._items.append((item, size))
            self._used += size
            self._ready.notify_all()
            return True

    def get(self) -> _T:
        with self._ready:
            while not self._items:
                self._ready.wait()
            item, size = self._items.popleft()
            self._used -= size
            self._ready.notify_all()
            return item


# --- where a GOP may start ------------------------------------------------------------------


def _start_test(stream: Any) -> Callable[[Any], bool] | None:
    """A packet test for the stream's codec, or None when its keyframes can't be trusted alone."""
    name = stream.codec_context.name
    spec = _CODECS.get(name)
    if spec is None:
        return None
    nal_type, idr, pictures, length_byte = spec
    extradata = bytes(stream.codec_context.extradata or b"")
    # MP4/MOV carry length-prefixed NAL units (avcC/hvcC record, version byte 1); raw and
    # MPEG-TS streams use Annex B start codes.
    length_size = (extradata[length_byte] & 3) + 1 if len(extradata) > length_byte and extradata[0] == 1 else 0

    def is_start(packet: Any) -> bool:
        if not packet.is_keyframe:
            return False
        kinds = [nal_type(b) for b in _nal_headers(bytes(packet), length_size)]
        coded = [k for k in kinds if k in pictures]
        return bool(coded) and all(k in idr for k in coded)

    return is_start


_CODECS: dict[str, tuple[Callable[[int], int], set[int], set[int], int]] = {
    "h264": (lambda b: b & 0x1F, _H264_IDR, _H264_PICTURES, 4),
    "hevc": (lambda b: (b >> 1) & 0x3F, _HEVC_IDR, _HEVC_PICTURES, 21),
}


def _nal_headers(data: bytes, length_size: int) -> Iterator[int]:
    """The first byte of every NAL unit in a packet."""
    if length_size:
        at = 0
        while at + length_size < len(data):
            size = int.from_bytes(data[at:at + length_size], "big")
            at += length_size
            if size == 0 or at + size > len(data):
                return  # malformed: treat the rest as unknown
            yield data[at]
            at += size
        return
    at = data.find(b"\x00\x00\x01")
    while at >= 0 and at + 3 < len(data):
        yield data[at + 3]
        at = data.find(b"\x00\x00\x01", at + 3)

