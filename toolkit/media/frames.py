"""Decode a clip into small sRGB frames for analysis (flash gate, grader).

One decode feeds every analyser: `iter_frames` yields `Frame`s that are already converted
to 8-bit sRGB with the matrix and range the file declares, turned upright by the display
matrix, and shrunk by area averaging, so a 1-px checkerboard becomes flat grey exactly as
the WCAG fine-pattern exception asks.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Generator, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any, TypeVar

import av
import numpy as np
from av.video.reformatter import VideoReformatter

from toolkit.errors import ProbeError
from toolkit.media.gops import decode_gops, plan_gops

__all__ = ["AHEAD_BYTES", "Frame", "configure_decoder", "frames_at", "iter_frames", "video_fps"]

# AVColorSpace (what a decoded frame is tagged with) -> swscale matrix name.
_MATRICES = {1: "ITU709", 4: "FCC", 5: "ITU601", 6: "ITU601", 7: "SMPTE240M", 9: "BT2020", 10: "BT2020"}
_RANGE_MPEG, _RANGE_JPEG = 1, 2
_PREFETCH = 8  # frames decoded ahead by one decoder: enough to ride out jitter, 3 MB at 270×480
# Decoded frames GOP-parallel decoders may hold ahead of the reader: at 270×480 (the flash
# gate), enough for GOPs of up to ~330 frames; x264 and x265 default to 250.
AHEAD_BYTES = 128 * 2**20
_T = TypeVar("_T")


# eq=False: comparing frames would compare arrays element-wise, which is never what is meant.
@dataclass(frozen=True, slots=True, eq=False)
class Frame:
    """One decoded picture: its position in the stream, its presentation time in seconds from
    the start of the stream, and its pixels as a read-only H×W×3 uint8 sRGB array."""

    index: int
    time: float
    rgb: np.ndarray


def video_fps(path: str | Path) -> Fraction:
    """The nominal frame rate of the first video stream (average rate, else the guessed one)."""
    path = Path(path)
    with _open(path) as container:
        stream = _video_stream(container, path)
        rate = stream.average_rate or stream.guessed_rate or stream.base_rate
    if not rate:
        raise ProbeError(f"{path}: the video stream declares no frame rate")
    return Fraction(rate)


def iter_frames(
    path: str | Path, *, width: int, height: int | None = None, ahead_bytes: int = AHEAD_BYTES,
) -> Generator[Frame, None, None]:
    """Decode every frame of the first video stream, upright, as `width`×`height` sRGB.

    `height=None` keeps the displayed aspect ratio (sample aspect ratio and rotation
    included). YUV is converted with the matrix and range the stream is tagged with;
    untagged streams are read as BT.709 when HD (wider than 1024 or taller than 576 once
    upright) and BT.601 otherwise, with limited range, which is what encoders write by
    default. Rotation comes from the display-matrix side data (multiples of 90°); a mirror
    flag in that matrix is not exposed by PyAV and is ignored, which no analysis of
    flashing or levels depends on.

    Decoding runs ahead of the caller on worker threads, so the caller's analysis overlaps
    it: H.264/HEVC clips that restart at IDR pictures are split into GOPs decoded side by
    side (`toolkit.media.gops`; frames bit-identical to one decoder), holding at most
    `ahead_bytes` of decoded frames; other clips use FFmpeg's own threading a few frames
    ahead. Exhaust or `close()` the generator (e.g. with `contextlib.closing`) to stop the
    workers. Raises `ProbeError` naming the file when it cannot be opened, has no video, or
    fails to decode.
    """
    if width < 1 or (height is not None and height < 1):
        raise ValueError(f"frame size must be positive, got {width}x{height}")
    path = Path(path)
    with _open(path) as container:
        stream = _video_stream(container, path)
        sar = Fraction(stream.sample_aspect_ratio) if stream.sample_aspect_ratio else Fraction(1)
        rate = stream.average_rate or stream.guessed_rate
        origin = float(stream.start_time * stream.time_base) if stream.start_time is not None else 0.0
        frame_bytes = _frame_bytes(stream, width, height, sar)
        opener = _Opener(path)
        plan = plan_gops(opener, frame_bytes, ahead_bytes)
        if plan is None:
            configure_decoder(stream)
            # PyAV releases the GIL while demuxing, decoding and scaling, so a producer
            # thread runs in parallel with numpy work on the consumer side.
            yield from _prefetched(_decode(path, container, stream, width, height), depth=_PREFETCH)
            return
    frames = decode_gops(opener, plan, lambda: _Scaler(width, height, sar).convert, frame_bytes, ahead_bytes)
    with closing(frames):
        index = 0
        try:
            for time, rgb in frames:
                seconds = time - origin if time is not None else index / float(rate) if rate else float(index)
                yield Frame(index=index, time=seconds, rgb=rgb)
                index += 1
        except av.FFmpegError as exc:
            raise ProbeError(f"{path}: cannot decode video frame {index}: {exc}") from exc


def frames_at(path: str | Path, indices: Sequence[int], *, width: int | None = None) -> list[Frame]:
    """The pictures shown at frame `indices` of a constant-rate clip, upright sRGB at `width`
    (default: the stored width), decoded by seeking: each read starts at the keyframe before
    its frame, so a few frames cost a GOP each, never the whole clip.

    Frame i is the one presented at i / frame rate from the stream's start (as `iter_frames`
    numbers them). Raises `ProbeError` when the file cannot be read or a frame is past the end.
    """
    path = Path(path)
    out: list[Frame] = []
    with _open(path) as container:
        stream = _video_stream(container, path)
        configure_decoder(stream)
        rate = stream.average_rate or stream.guessed_rate
        if not rate:
            raise ProbeError(f"{path}: the video stream declares no frame rate")
        origin = float(stream.start_time * stream.time_base) if stream.start_time is not None else 0.0
        sar = Fraction(stream.sample_aspect_ratio) if stream.sample_aspect_ratio else Fraction(1)
        scaler = _Scaler(width or stream.codec_context.width, None, sar)
        half = 0.5 / float(rate)
        for index in sorted(set(indices)):
            target = index / float(rate)
            container.seek(max(0, int((target + origin) / stream.time_base)), stream=stream, backward=True)
            try:
                picture = next((f for f in container.decode(stream)
                                if f.time is not None and float(f.time) - origin >= target - half), None)
            except av.FFmpegError as exc:
                raise ProbeError(f"{path}: cannot decode video frame {index}: {exc}") from exc
            if picture is None:
                raise ProbeError(f"{path}: has no frame {index} (the clip ends before {target:.2f} s)")
            out.append(Frame(index=index, time=float(picture.time) - origin, rgb=scaler.convert(picture)))
    return out


def configure_decoder(stream: Any) -> None:
    """Set up a PyAV video stream's decoder threads as `iter_frames` does (the speed bench
    times bare decoding with the same set-up)."""
    # Frame + slice threads, as many as FFmpeg picks (cores + 1): decoding a 1080×1920 H.264
    # clip is most of the gate's cost. On 2 cores, two threads used less CPU but stalled
    # more, and the gate ran slower; four or six were no faster.
    stream.thread_type = "AUTO"


def _decode(path: Path, container: Any, stream: Any, width: int, height: int | None) -> Iterator[Frame]:
    origin = float(stream.start_time * stream.time_base) if stream.start_time is not None else 0.0
    rate = stream.average_rate or stream.guessed_rate
    sar = stream.sample_aspect_ratio
    scaler = _Scaler(width, height, Fraction(sar) if sar else Fraction(1))
    index = 0
    try:
        for frame in container.decode(stream):
            if frame.time is not None:
                time = float(frame.time) - origin
            else:
                time = index / float(rate) if rate else float(index)
            yield Frame(index=index, time=time, rgb=scaler.convert(frame))
            index += 1
    except av.FFmpegError as exc:
        raise ProbeError(f"{path}: cannot decode video frame {index}: {exc}") from exc


def _prefetched(items: Iterator[_T], depth: int) -> Iterator[_T]:
    """Run `items` on a worker thread, at most `depth` ahead; its errors re-raise here.

    Closing this generator early stops and joins the worker before returning, so the
    caller may then close whatever the worker was reading.
    """
    slots: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(kind: str, value: Any) -> bool:
        while not stop.is_set():
            try:
                slots.put((kind, value), timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put("item", item):
                    return
            put("end", None)
        except BaseException as exc:  # handed to the consumer, which re-raises it
            put("error", exc)
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()

    worker = threading.Thread(target=produce, name="reel-decode", daemon=True)
    worker.start()
    try:
        while True:
            kind, value = slots.get()
            if kind == "item":
                yield value
            elif kind == "error":
                raise value
            else:
                return
    finally:
        stop.set()
        worker.join()


class _Scaler:
    """Area-average and convert frames to rgb24, reusing swscale contexts between frames.

    Scaling happens in the source YUV format first and the colour conversion runs on the
    small picture: half the cost of one combined call at 1080×1920, with the same averaging,
    since swscale scales YUV before converting either way.
    """

    def __init__(self, width: int, height: int | None, sar: Fraction) -> None:
        self._width = width
        self._height = height
        self._sar = sar
        self._size: tuple[int, int] | None = None  # stored (not displayed) orientation
        self._shrink = VideoReformatter()
        self._convert = VideoReformatter()

    def convert(self, frame: av.VideoFrame) -> np.ndarray:
        turns = round(frame.rotation / 90) % 4
        if self._size is None:
            self._size = self._stored_size(frame, turns)
        w, h = self._size
        fmt = frame.format
        options: dict[str, Any] = {}
        if fmt.name.startswith(("yuv", "nv")) and not fmt.is_rgb:
            options = {
                "src_colorspace": self._matrix(frame, turns),
                "src_color_range": self._range(frame),
                "dst_color_range": _RANGE_JPEG,
            }
            small = self._shrink.reformat(frame, width=w, height=h, interpolation="AREA", threads=1)
            rgb_frame = self._convert.reformat(small, format="rgb24", threads=1, **options)
        else:
            rgb_frame = self._shrink.reformat(frame, width=w, height=h, format="rgb24", interpolation="AREA", threads=1)
        # to_ndarray() is a view whose rows keep swscale's line padding; the flash analyser
        # runs ~20 % faster on a contiguous array, and copying here overlaps its work.
        rgb = np.ascontiguousarray(np.rot90(rgb_frame.to_ndarray(), k=turns))
        rgb.flags.writeable = False
        return rgb

    def _stored_size(self, frame: av.VideoFrame, turns: int) -> tuple[int, int]:
        shown_w, shown_h = frame.width * self._sar, Fraction(frame.height)
        if turns % 2:
            shown_w, shown_h = shown_h, shown_w
        height = self._height or max(1, round(self._width * shown_h / shown_w))
        return (height, self._width) if turns % 2 else (self._width, height)

    @staticmethod
    def _matrix(frame: av.VideoFrame, turns: int) -> str:
        tagged = _MATRICES.get(int(frame.colorspace))
        if tagged:
            return tagged
        w, h = (frame.height, frame.width) if turns % 2 else (frame.width, frame.height)
        # The common player heuristic (mpv, browsers): untagged HD is BT.709, SD is BT.601.
        return "ITU709" if w > 1024 or h > 576 else "ITU601"

    @staticmethod
    def _range(frame: av.VideoFrame) -> int:
        if int(frame.color_range) == _RANGE_JPEG or frame.format.name.startswith("yuvj"):
            return _RANGE_JPEG
        return _RANGE_MPEG


def _frame_bytes(stream: Any, width: int, height: int | None, sar: Fraction) -> int:
    """Bytes of one delivered frame, taking the taller of the two orientations (rotation is
    only known per frame)."""
    if height is None:
        w, h = stream.codec_context.width or 1, stream.codec_context.height or 1
        shown = Fraction(w) * sar / h
        height = max(1, round(width * max(shown, 1 / shown)))
    return width * height * 3


@dataclass(frozen=True, slots=True)
class _Opener:
    """Opens the clip again for one more decoder: `(container, video stream)`."""

    path: Path

    def __call__(self) -> tuple[Any, Any]:
        container = _open(self.path)
        return container, _video_stream(container, self.path)


def _open(path: Path) -> Any:
    if not path.exists():
        raise ProbeError(f"{path}: file not found")
    try:
        return av.open(str(path))
    except (av.FFmpegError, OSError) as exc:
        raise ProbeError(f"{path}: not a readable video file ({_reason(exc)})") from exc


def _video_stream(container: Any, path: Path) -> Any:
    if not container.streams.video:
        raise ProbeError(f"{path}: has no video stream")
    return container.streams.video[0]


def _reason(exc: BaseException) -> str:
    return getattr(exc, "strerror", None) or str(exc)
