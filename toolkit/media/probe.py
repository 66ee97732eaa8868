"""Structured probing of media files with PyAV (never by parsing ffmpeg's stderr)."""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from toolkit.errors import ProbeError


@dataclass(frozen=True, slots=True)
class ColourTags:
    """A video stream's colour description, in ffprobe's names (`bt709`, `unknown`, `tv`…)."""

    primaries: str
    transfer: str
    matrix: str
    range: str

    def __str__(self) -> str:
        return f"{self.primaries}/{self.transfer}/{self.matrix} {self.range} range"


@dataclass(frozen=True, slots=True)
class VideoStreamInfo:
    """The first video stream of a file, as displayed (rotation applied to width/height)."""

    codec: str
    width: int
    height: int
    coded_width: int
    coded_height: int
    rotation: int
    fps: Fraction
    avg_fps: Fraction
    pix_fmt: str
    frames: int | None
    duration: float | None
    sar: Fraction
    profile: str | None
    colour: ColourTags
    is_still: bool

    @property
    def variable_frame_rate(self) -> bool:
        """True when the average rate differs from the nominal rate by more than 1 %."""
        if not self.fps or not self.avg_fps:
            return False
        return abs(float(self.fps) - float(self.avg_fps)) / float(self.fps) > 0.01


@dataclass(frozen=True, slots=True)
class AudioStreamInfo:
    """The first audio stream of a file."""

    codec: str
    sample_rate: int
    channels: int
    layout: str
    duration: float | None
    profile: str | None


@dataclass(frozen=True, slots=True)
class MediaInfo:
    """What a file contains. `duration` is the container's, in seconds.

    `tags` are the container's metadata (key, value) pairs as the file has them (e.g. Reel's
    `reel_region`, `reel_text`): data from the file, to be checked before it is believed.
    """

    path: Path
    format_name: str
    duration: float
    size_bytes: int
    video: VideoStreamInfo | None
    audio: AudioStreamInfo | None
    bit_rate: int | None
    tags: tuple[tuple[str, str], ...] = ()

    @property
    def has_video(self) -> bool:
        return self.video is not None and not self.video.is_still

    @property
    def is_image(self) -> bool:
        return self.video is not None and self.video.is_still

    @property
    def has_audio(self) -> bool:
        return self.audio is not None


# ffmpeg's enum values (libavutil/pixfmt.h) → the names ffprobe prints.
_PRIMARIES = {0: "unknown", 1: "bt709", 2: "unknown", 4: "bt470m", 5: "bt470bg", 6: "smpte170m",
              7: "smpte240m", 8: "film", 9: "bt2020", 10: "smpte428", 11: "smpte431", 12: "smpte432", 22: "ebu3213"}
_TRANSFERS = {0: "unknown", 1: "bt709", 2: "unknown", 4: "gamma22", 5: "gamma28", 6: "smpte170m", 7: "smpte240m",
              8: "linear", 13: "iec61966-2-1", 14: "bt2020-10", 15: "bt2020-12", 16: "smpte2084",
              18: "arib-std-b67"}
_MATRICES = {0: "gbr", 1: "bt709", 2: "unknown", 4: "fcc", 5: "bt470bg", 6: "smpte170m", 7: "smpte240m",
             8: "ycgco", 9: "bt2020nc", 10: "bt2020c"}
_RANGES = {0: "unknown", 1: "tv", 2: "pc"}

_IMAGE_FORMATS = {"image2", "png_pipe", "jpeg_pipe", "webp_pipe", "bmp_pipe", "gif", "tiff_pipe",
                  "apng", "gif_pipe", "jpegls_pipe", "pam_pipe"}


# Probes of files unchanged since (same inode, size and modification time in ns), newest last: the
# studio re-plans after every save, and probing (which decodes a frame for the rotation) was half
# of a re-plan. Bounded, so a long session over many files does not grow.
_MEMO: OrderedDict[tuple, MediaInfo] = OrderedDict()
_MEMO_SIZE = 512
_MEMO_LOCK = threading.Lock()


def probe(path: Path) -> MediaInfo:
    """Open `path` with PyAV and describe its first video and audio streams.

    Raises `ProbeError` (naming the file) when it is missing, empty or not decodable media. A file
    probed before and not changed since (inode, size, modification time) is not opened again.
    """
    path = Path(path)
    try:
        info = os.stat(path)
    except (OSError, ValueError):
        info = None
    key = None if info is None else (str(path), info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns,
                                     info.st_ctime_ns)
    if key is not None:
        with _MEMO_LOCK:
            if key in _MEMO:
                _MEMO.move_to_end(key)
                return _MEMO[key]
    found = _probe(path)
    if key is not None:
        with _MEMO_LOCK:
            _MEMO[key] = found
            while len(_MEMO) > _MEMO_SIZE:
                _MEMO.popitem(last=False)
    return found


def _probe(path: Path) -> MediaInfo:
    import av  # imported lazily: loading libav is costly and only media work needs it

    if not path.exists():
        raise ProbeError(f"{path}: file not found")
    size = path.stat().st_size
    if size == 0:
        raise ProbeError(f"{path}: the file is empty (0 bytes)")
    try:
        container = av.open(str(path), metadata_errors="ignore")
    except (av.error.FFmpegError, UnicodeDecodeError, ValueError) as exc:
        raise ProbeError(f"{path}: not a readable media file ({_reason(exc)})") from None
    try:
        fmt = container.format.name
        audio = _audio(container)
        video = _video(container, fmt)
        if video is not None and (video.width <= 0 or video.height <= 0):
            # libav gives no size for a picture it cannot decode: damaged, or past its limit
            # ((w+128)·(h+128) under 2^28: about 16,000 × 16,000 pixels), as a decompression bomb is
            if audio is None:
                raise ProbeError(f"{path}: the picture's size cannot be read: the file is damaged or larger "
                                 "than ffmpeg decodes (about 16,000 × 16,000 pixels); export it smaller")
            video = None
        if video is None and audio is None:
            raise ProbeError(f"{path}: contains no video or audio stream")
        duration = container.duration / 1_000_000 if container.duration else 0.0
        if not duration:
            duration = max((s.duration or 0.0) for s in (video, audio) if s is not None) or 0.0
        return MediaInfo(path=path, format_name=fmt, duration=duration, size_bytes=size, video=video,
                         audio=audio, bit_rate=container.bit_rate or None, tags=_tags(container))
    finally:
        container.close()


def _tags(container) -> tuple[tuple[str, str], ...]:
    """The container's metadata; undecodable text was dropped by `metadata_errors="ignore"`."""
    try:
        return tuple((str(k), str(v)) for k, v in dict(container.metadata or {}).items())
    except Exception:  # odd metadata must not make a readable file unreadable
        return ()


def _reason(exc: Exception) -> str:
    text = getattr(exc, "strerror", None) or str(exc)
    return text.split(":")[-1].strip() or type(exc).__name__


def _rotation(container, stream) -> int:
    """Display rotation in degrees. PyAV 18 exposes the display matrix on decoded frames only."""
    try:
        for frame in container.decode(stream):
            return int(round(getattr(frame, "rotation", 0) or 0)) % 360
    except Exception:  # a probe must not fail just because the first packet is odd
        return 0
    return 0


def _video(container, fmt: str) -> VideoStreamInfo | None:
    streams = [s for s in container.streams.video]
    if not streams:
        return None
    s = streams[0]
    cc = s.codec_context
    rate = s.guessed_rate or s.base_rate or s.average_rate or Fraction(0)
    avg = s.average_rate or rate
    frames = s.frames or None
    duration = float(s.duration * s.time_base) if s.duration and s.time_base else None
    rotation = _rotation(container, s)
    w, h = cc.width, cc.height
    if rotation in (90, 270):
        w, h = h, w
    is_still = fmt in _IMAGE_FORMATS or (frames == 1 and not duration) or (cc.name in {"png", "mjpeg"} and (
        frames in (None, 0, 1) and fmt != "mov,mp4,m4a,3gp,3g2,mj2"))
    sar = cc.sample_aspect_ratio or Fraction(1)
    return VideoStreamInfo(
        codec=cc.name, width=w, height=h, coded_width=cc.width, coded_height=cc.height, rotation=rotation,
        fps=Fraction(rate), avg_fps=Fraction(avg), pix_fmt=cc.pix_fmt or "", frames=frames,
        duration=duration, sar=Fraction(sar) if sar else Fraction(1), profile=cc.profile,
        colour=_colour(cc), is_still=bool(is_still))


def _colour(cc) -> ColourTags:
    def name(table: dict[int, str], value) -> str:
        number = int(value or 0)
        return table.get(number, f"reserved ({number})")

    return ColourTags(primaries=name(_PRIMARIES, cc.color_primaries), transfer=name(_TRANSFERS, cc.color_trc),
                      matrix=name(_MATRICES, cc.colorspace), range=name(_RANGES, cc.color_range))


def _audio(container) -> AudioStreamInfo | None:
    streams = [s for s in container.streams.audio]
    if not streams:
        return None
    s = streams[0]
    cc = s.codec_context
    duration = float(s.duration * s.time_base) if s.duration and s.time_base else None
    layout = cc.layout.name if cc.layout is not None else ""
    return AudioStreamInfo(codec=cc.name, sample_rate=cc.sample_rate, channels=cc.channels, layout=layout,
                           duration=duration, profile=cc.profile)
