"""Does a media file decode as far as its header claims, without errors? A full decode count.

A probe reads only the header. An MP4 whose index sits at the front (`faststart`) and whose data
was then cut short (an interrupted copy or upload) still probes as complete, and bytes damaged
mid-file probe fine too; ffmpeg then renders such a clip without complaint, freezing the picture
or dropping sound where the data ends or breaks. `decode_check` decodes every packet of the first
video and first audio stream (the ones Reel uses), counts frames and samples, and compares how far
each decodes with the duration the header claims; decoder errors and frames the decoder marks as
corrupt are counted too.

It is decode only: no conversion of pictures or samples, and the H.264 loop filter skipped (it
changes pixels, not whether a frame decodes). One decoding thread: with frame threads the
decoder's corrupt-frame flag depends on thread timing, and a verdict must not. About 6–9 s per
minute of 1080×1920 footage on this project's shared 2-core machine. Verdicts are cached by
file identity (path, size, mtime, ctime, inode, device) and the decoder's version, so an
unchanged file is decoded once (`cache` folder: validation uses `<Reel cache>/integrity`).

What counts, for the checker's caller (`IntegrityReport.verdict`):

* **cut short** — a stream decodes less than its header claims by more than two frames (video)
  or two codec frames (audio). An error where the container carries an index or exact length
  (MP4/MOV, Matroska/WebM, WAV, FLAC, AVI, Ogg); a warning elsewhere (MP3, ADTS…), whose length
  may be a bit-rate estimate.
* **damaged** — any decoder error or corrupt frame: an error.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

from toolkit.atomic import write_atomic
from toolkit.errors import ProbeError

INTEGRITY_VERSION = "1"
SLACK_FRAMES = 2  # a decode may legitimately end a frame or two early (rounding, priming)
# Containers whose length comes from an index or an exact header, not an estimate.
_EXACT_LENGTH = {"mov", "mp4", "matroska", "webm", "wav", "w64", "flac", "avi", "ogg", "image2"}


@dataclass(frozen=True, slots=True)
class StreamCount:
    """What one stream decoded: frames (video) or samples (audio), and how far it got."""

    kind: Literal["video", "audio"]
    decoded: int
    decoded_seconds: float
    claimed_seconds: float | None
    slack_seconds: float
    errors: int
    first_error_seconds: float | None

    @property
    def short_by(self) -> float:
        """Seconds the decode falls short of the header's claim (0 when it reaches it)."""
        if self.claimed_seconds is None:
            return 0.0
        gap = self.claimed_seconds - self.decoded_seconds
        return gap if gap > self.slack_seconds else 0.0


@dataclass(frozen=True, slots=True)
class Verdict:
    """A finding about a file: its severity, and a sentence to follow the file's name."""

    severity: Literal["error", "warning"]
    message: str


@dataclass(frozen=True, slots=True)
class IntegrityReport:
    """The full decode of one file: per-stream counts and the container's claimed length."""

    format_name: str
    streams: tuple[StreamCount, ...]
    decode_seconds: float

    @property
    def exact_length(self) -> bool:
        """Whether the claimed length comes from an index or exact header (not an estimate)."""
        return bool(_EXACT_LENGTH & set(self.format_name.split(",")))

    def verdict(self) -> Verdict | None:
        """None when the file decodes as far as it claims without errors; else what is wrong."""
        short = [s for s in self.streams if s.short_by]
        broken = [s for s in self.streams if s.errors]
        if not short and not broken:
            return None
        parts = [f"its {_NAMES[s.kind]} decodes {s.decoded_seconds:.1f} s of the {s.claimed_seconds:.1f} s its "
                 "header claims" for s in short]
        for s in broken:
            unit = "frame" if s.kind == "video" else "packet"
            where = f" (the first at {s.first_error_seconds:.1f} s)" if s.first_error_seconds is not None else ""
            parts.append(f"{s.errors} {unit}{'s' if s.errors != 1 else ''} of its {_NAMES[s.kind]} "
                         f"{'fail' if s.errors != 1 else 'fails'} to decode{where}")
        kinds = {s.kind for s in short} if short else {s.kind for s in broken}
        if short:
            effect = ("the film would freeze or cut where the picture ends" if "video" in kinds
                      else "the sound would stop early")
            head = "is cut short"
        else:
            effect = " and ".join(e for k, e in (("video", "the picture would show glitches"),
                                                 ("audio", "the sound would drop out")) if k in kinds) + " there"
            head = "is damaged"
        severity: Literal["error", "warning"] = "error"
        note = ""
        if short and not broken and not self.exact_length:
            severity = "warning"  # the claim may be an estimate from the bit rate
            note = " (this kind of file only estimates its length, so check it plays to the end)"
        return Verdict(severity, f"{head}: {'; '.join(parts)}, so {effect}; copy or export the file again{note}")

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> IntegrityReport:
        data = json.loads(text)
        return cls(format_name=data["format_name"], streams=tuple(StreamCount(**s) for s in data["streams"]),
                   decode_seconds=data["decode_seconds"])


_NAMES = {"video": "picture", "audio": "sound"}


def decode_check(path: Path, *, cache: Path | None = None) -> IntegrityReport:
    """Decode all of `path`'s first video and audio streams and count what decodes.

    `cache`: a folder where verdicts are kept by file identity (None: no caching). Raises
    `ProbeError` when the file cannot be opened at all (the probe reports that first).
    """
    path = Path(path)
    key = _cache_key(path) if cache is not None else None
    if key is not None and cache is not None:
        with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
            return IntegrityReport.from_json((cache / f"{key}.json").read_text(encoding="utf-8"))
    report = _decode(path)
    if key is not None and cache is not None:
        _store(cache / f"{key}.json", report.to_json())
    return report


def _decode(path: Path) -> IntegrityReport:
    import av  # lazily: loading libav is costly and only media work needs it

    started = time.perf_counter()
    try:
        container = av.open(str(path), metadata_errors="ignore")
    except (av.error.FFmpegError, UnicodeDecodeError, ValueError) as exc:
        raise ProbeError(f"{path}: not a readable media file ({exc})") from None
    try:
        streams = [s for s in (next(iter(container.streams.video), None), next(iter(container.streams.audio), None))
                   if s is not None]
        counters = {s.index: _Counter(s) for s in streams}
        for stream in streams:
            if stream.type == "video":
                stream.thread_type = "SLICE"  # not FRAME: see the module docstring
                # Decode only: the deblocking filter changes pixels, never whether a frame decodes.
                stream.codec_context.options = {"skip_loop_filter": "all"}
        try:
            for packet in container.demux(streams):
                counter = counters[packet.stream.index]
                if packet.is_corrupt:
                    counter.error(packet)
                try:
                    for frame in packet.decode():
                        counter.add(frame)
                except (av.error.FFmpegError, ValueError):
                    counter.error(packet)
        except (av.error.FFmpegError, OSError):
            pass  # the demuxer gave up (or the disk failed): what decoded so far is what the file holds
        claimed = container.duration / 1_000_000 if container.duration else None
        counts = [c.result() for c in counters.values()]
        fmt = container.format.name
    finally:
        container.close()
    counts = _container_claim(counts, claimed)
    return IntegrityReport(format_name=fmt, streams=tuple(counts), decode_seconds=time.perf_counter() - started)


def _container_claim(counts: list[StreamCount], claimed: float | None) -> list[StreamCount]:
    """Streams whose header gives no length (Matroska) are held to the container's length, which
    is the longest stream's: when even the longest falls short, every stream short of it is."""
    if claimed is None or not counts or any(c.claimed_seconds is not None for c in counts):
        return counts
    longest = max(counts, key=lambda c: c.decoded_seconds)
    if claimed - longest.decoded_seconds <= longest.slack_seconds:
        return counts
    return [StreamCount(c.kind, c.decoded, c.decoded_seconds, claimed, c.slack_seconds, c.errors,
                        c.first_error_seconds) for c in counts]


class _Counter:
    """Running count for one stream.

    An error counts only when a good frame later in the stream decodes after it: a torn last
    packet (a file whose final write was cut mid-packet) loses less than a frame, and when more
    is missing the shortfall reports it.
    """

    def __init__(self, stream) -> None:
        self.stream = stream
        self.kind: Literal["video", "audio"] = "video" if stream.type == "video" else "audio"
        self.time_base = stream.time_base
        self.decoded = 0
        self.first_pts: int | None = None
        self.last_pts: int | None = None
        self.errors = 0
        self.first_error: int | None = None
        self.pending: list[int] = []  # positions of errors not yet followed by a good frame
        cc = stream.codec_context
        if self.kind == "video":
            rate = stream.average_rate or stream.guessed_rate or stream.base_rate
            self.frame_seconds = float(1 / rate) if rate else 1 / 30
        else:
            self.rate = cc.sample_rate or 48000
            self.frame_seconds = (cc.frame_size or 1024) / self.rate

    def add(self, frame) -> None:
        if getattr(frame, "is_corrupt", False):
            self.error_at(frame.pts)
            return
        self.decoded += frame.samples if self.kind == "audio" else 1
        pts = frame.pts
        if pts is None:
            return
        self.first_pts = pts if self.first_pts is None else min(self.first_pts, pts)
        self.last_pts = pts if self.last_pts is None else max(self.last_pts, pts)
        if self.pending and min(self.pending) < pts:
            before = sorted(p for p in self.pending if p < pts)
            self._count(len(before), before[0])
            self.pending = [p for p in self.pending if p >= pts]

    def error(self, packet) -> None:
        self.error_at(packet.pts if packet.pts is not None else packet.dts)

    def error_at(self, pts: int | None) -> None:
        if pts is None:
            self._count(1, None)  # nowhere to place it: count it
        elif len(self.pending) < 10_000:
            self.pending.append(pts)

    def _count(self, n: int, pts: int | None) -> None:
        self.errors += n
        if self.first_error is None and pts is not None:
            self.first_error = pts

    def result(self) -> StreamCount:
        if self.kind == "audio":
            seconds = self.decoded / self.rate
        elif self.first_pts is not None and self.last_pts is not None and self.time_base:
            seconds = float((self.last_pts - self.first_pts) * self.time_base) + self.frame_seconds
        else:
            seconds = self.decoded * self.frame_seconds
        s = self.stream
        claimed = float(s.duration * s.time_base) if s.duration and s.time_base else None
        first = None
        if self.first_error is not None and self.time_base:
            first = max(0.0, float((self.first_error - (s.start_time or 0)) * self.time_base))
        return StreamCount(self.kind, self.decoded, seconds, claimed, SLACK_FRAMES * self.frame_seconds,
                           self.errors, first)


def _cache_key(path: Path) -> str | None:
    """Names the file's current bytes without reading them; None when it cannot be stat'ed."""
    import av

    try:
        resolved = path.resolve()
        st = resolved.stat()
    except (OSError, ValueError):
        return None
    identity = (f"{INTEGRITY_VERSION}|{av.__version__}|{resolved}|{st.st_size}|{st.st_mtime_ns}|{st.st_ctime_ns}|"
                f"{st.st_ino}|{st.st_dev}")
    return hashlib.blake2b(identity.encode("utf-8", "surrogateescape"), digest_size=16).hexdigest()


def _store(target: Path, text: str) -> None:
    """Write a cache entry atomically; a cache that cannot be written is simply not used."""
    with contextlib.suppress(OSError):
        write_atomic(target, text)
