"""Follow faces through footage: detect on every frame, link into tracks, pad, hold, cache.

A face missed on one frame identifies the person, so the covers are built to err wide:
- every frame in the range is analysed (no sampling), at `faces.ANALYSIS_PX` on the long side;
- detections are linked into tracks by overlap or nearness, and a track's box is HELD across a
  detection gap of up to `HOLD_S` (interpolated between the boxes either side of the gap);
- each track is extended `EXTEND_S` before its first and after its last detection (a face turning
  towards the camera is found a few frames after it is recognisable);
- every box is padded by `PAD_SIDE` of its width on each side, `PAD_TOP` of its height above (hair,
  forehead) and `PAD_BOTTOM` below (chin), then clipped to the picture.
Frames held across a gap, detections near the threshold and jumps too large for the motion between
frames are reported as `Unsure` spans for `reel anonymise check`.

The result is a cached pre-pass (JSON in the caller's cache folder, named by the file's content
digest, the range, `faces.MODEL_ID` and these settings); the render reads the covers, it does not
run Python per frame.
"""

from __future__ import annotations

import bisect
import contextlib
import hashlib
import itertools
import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from toolkit.atomic import write_atomic
from toolkit.errors import ProbeError, ReelError
from toolkit.media import faces
from toolkit.media.digests import content_digest
from toolkit.media.faces import FaceBox, detect_faces
from toolkit.media.frames import _Scaler, configure_decoder, iter_frames
from toolkit.media.probe import probe

__all__ = ["EXTEND_S", "HOLD_S", "PAD_BOTTOM", "PAD_SIDE", "PAD_TOP", "Cover", "FaceCovers", "Unsure",
           "covers_from_detections", "find_faces", "find_faces_in_picture", "link_tracks"]

# Padding, measured on the bench's tuning set (bench/face_recall.py): with 0.35 / 0.45 / 0.30, 10 of 760
# face-frames of turned faces were less than 95 % hidden; with 0.45 / 0.45 / 0.35, 1 of 760 (the covers
# then hide about 3.7 times the face regions' area, false covers included).
PAD_SIDE = 0.45  # of the detected box's width, each side: ears and hair beside the face
PAD_TOP = 0.45  # of its height, above: CenterFace's box starts near the eyebrows
PAD_BOTTOM = 0.35  # of its height, below: chin and jaw
HOLD_S = 0.5  # a track's box is held across detection gaps up to this long
EXTEND_S = 0.2  # and kept this long before its first and after its last detection
UNSURE_MARGIN = 0.15  # detections scoring below the cover threshold + this are reported as unsure
_JUMP = 0.5  # centre moving more than this × the face's size per frame is reported as unsure
_LINK_IOU = 0.1
_LINK_DIST = 1.0  # centres within this × the larger face's size may link (fast moves)
_SEEK_FROM_S = 2.0  # trims starting later than this seek instead of decoding from the start
_FORMAT = 2  # cache layout and tracking rules (raise when either changes: old results are then made again)


@dataclass(frozen=True, slots=True)
class Cover:
    """A rectangle to cover on one frame: source pixels, padded, clipped to the picture."""

    x: int
    y: int
    w: int
    h: int


@dataclass(frozen=True, slots=True)
class Unsure:
    """Frames where detection was unsure (held across a gap, low score, fast move), in seconds."""

    start: float
    end: float
    why: str


@dataclass(frozen=True)
class FaceCovers:
    """What to cover on each analysed frame of a clip (or a picture, one frame at time 0)."""

    width: int
    height: int
    times: tuple[float, ...]
    covers: tuple[tuple[Cover, ...], ...]
    unsure: tuple[Unsure, ...]
    tracks: int
    smallest: int | None

    def at(self, t0: float, t1: float) -> tuple[Cover, ...]:
        """Union of every cover of the frames whose time falls in [t0, t1] (when none does, of the two
        frames either side of the span, the nearest among them), so a canvas frame that samples between
        two source frames is covered for both."""
        if not self.times:
            return ()
        lo = bisect.bisect_left(self.times, t0 - 1e-6)
        hi = bisect.bisect_right(self.times, t1 + 1e-6)
        if lo >= hi:  # between two frames: the one still shown at t0 and the next, whichever is nearer
            lo, hi = max(0, lo - 1), min(len(self.times), lo + 1)
        out: list[Cover] = []
        for frame in self.covers[lo:hi]:
            out.extend(c for c in frame if c not in out)
        return tuple(out)


def find_faces(path: Path, start: float, end: float, *, cache_dir: Path) -> FaceCovers:
    """Footage: every frame in [start, end) of the footage's clock, detected, tracked, padded and held;
    cached in cache_dir as JSON named by the file's content digest + start/end + MODEL_ID + settings.

    Raises `ProbeError` naming the file when it is missing, not a video, or cannot be decoded.
    """
    path = Path(path)
    info = _probe_video(path)
    key = _cache_path(path, cache_dir, f"clip|{start:.3f}|{end:.3f}")
    cached = _read_cache(key)
    if cached is not None:
        return cached
    width, height = info.video.width, info.video.height
    long_side = max(width, height)
    aw = max(2, round(width * faces.ANALYSIS_PX / long_side))
    ah = max(2, round(height * faces.ANALYSIS_PX / long_side))
    times: list[float] = []
    found: list[list[FaceBox]] = []
    frames = _frames(path, start, aw, ah)
    with contextlib.closing(frames):
        for time, rgb in frames:
            if time < start - 1e-6:
                continue
            if time >= end - 1e-6:
                break
            times.append(time)
            found.append(_scaled(detect_faces(rgb, threshold=faces.COVER_THRESHOLD), width / aw, height / ah))
    result = covers_from_detections(width, height, times, found)
    _save(key, json.dumps(_to_json(result)))
    return result


def _frames(path: Path, start: float, width: int, height: int) -> Iterator[tuple[float, np.ndarray]]:
    """(time, upright RGB at width×height) of every frame from about `start` on, times as `iter_frames` gives
    them. From the beginning the GOP-parallel `iter_frames` decodes; a trim further in seeks to the keyframe
    before `start` first, so a trim at minute 9 of an interview does not decode minutes 0–9."""
    if start < _SEEK_FROM_S:
        for frame in iter_frames(path, width=width, height=height):
            yield frame.time, frame.rgb
        return
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        configure_decoder(stream)
        origin = float(stream.start_time * stream.time_base) if stream.start_time is not None else 0.0
        sar = Fraction(stream.sample_aspect_ratio) if stream.sample_aspect_ratio else Fraction(1)
        rate = float(stream.average_rate or stream.guessed_rate or 30)
        scaler = _Scaler(width, height, sar)
        time = start
        try:
            container.seek(max(0, int((start + origin) / stream.time_base)), stream=stream, backward=True)
            for frame in container.decode(stream):
                time = float(frame.time) - origin if frame.time is not None else time + 1 / rate
                if time >= start - 1e-6:
                    yield time, scaler.convert(frame)
                # frames before `start` are decoded (the picture needs them) but not scaled
        except av.FFmpegError as exc:
            raise ProbeError(f"{path}: cannot decode the video near {time:.2f} s: {exc}") from exc


def find_faces_in_picture(path: Path, *, cache_dir: Path) -> FaceCovers:
    """A still picture (EXIF orientation applied, as the render shows it): one frame at time 0.

    Raises `ProbeError` naming the file when it is missing or not a readable picture.
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    path = Path(path)
    if not path.is_file():
        raise ProbeError(f"{path}: file not found")
    key = _cache_path(path, cache_dir, "picture")
    cached = _read_cache(key)
    if cached is not None:
        return cached
    try:
        with Image.open(path) as opened:
            rgb = np.asarray(ImageOps.exif_transpose(opened).convert("RGB"))
    except (OSError, UnidentifiedImageError, ValueError, Image.DecompressionBombError) as exc:
        raise ProbeError(f"{path}: not a readable picture ({exc})") from exc
    result = covers_from_detections(rgb.shape[1], rgb.shape[0], [0.0],
                                    [detect_faces(rgb, threshold=faces.COVER_THRESHOLD)])
    _save(key, json.dumps(_to_json(result)))
    return result


def link_tracks(times: list[float], found: list[list[FaceBox]]) -> list[dict[int, FaceBox]]:
    """Link per-frame detections into tracks: each a {frame index: detection} map.

    A detection joins the open track whose last box it overlaps most (or, failing overlap, whose
    centre is nearest, within `_LINK_DIST` face sizes); a track closes when it has gone unseen for
    longer than `HOLD_S`. Each detection joins at most one track.
    """
    tracks: list[dict[int, FaceBox]] = []
    latest: list[int] = []  # each track's last frame (tracks only grow forwards)
    open_: list[int] = []
    for i, boxes in enumerate(found):
        open_ = [k for k in open_ if times[i] - times[latest[k]] <= HOLD_S + 1e-6]
        pairs = []
        for k in open_:
            last = tracks[k][latest[k]]
            for j, box in enumerate(boxes):
                overlap, dist = _iou(last, box), _distance(last, box)
                if overlap >= _LINK_IOU or dist <= _LINK_DIST:
                    pairs.append((-overlap + dist, k, j))
        used_t: set[int] = set()
        used_d: set[int] = set()
        for _, k, j in sorted(pairs):
            if k not in used_t and j not in used_d:
                tracks[k][i] = boxes[j]
                latest[k] = i
                used_t.add(k)
                used_d.add(j)
        for j, box in enumerate(boxes):
            if j not in used_d:
                tracks.append({i: box})
                latest.append(i)
                open_.append(len(tracks) - 1)
    return tracks


def covers_from_detections(width: int, height: int, times: list[float], found: list[list[FaceBox]],
                           *, threshold: float | None = None) -> FaceCovers:
    """Track, hold, extend and pad per-frame detections (`found[i]` at `times[i]`, picture pixels) into
    covers. `threshold` (default `faces.COVER_THRESHOLD`) drops weaker detections first (the bench's sweep)."""
    limit = faces.COVER_THRESHOLD if threshold is None else threshold
    found = [[b for b in frame if b.score >= limit] for frame in found]
    n = len(times)
    step = float(np.median(np.diff(times))) if n > 1 else 1 / 30
    per_frame: list[list[Cover]] = [[] for _ in range(n)]
    flags: list[set[str]] = [set() for _ in range(n)]
    tracks = link_tracks(times, found)
    unsure_score = limit + UNSURE_MARGIN
    for track in tracks:
        seen = sorted(track)
        boxes: dict[int, FaceBox] = dict(track)
        for a, b in itertools.pairwise(seen):
            if b - a > 1:  # held across a gap: the box moves in a straight line between its ends
                for i in range(a + 1, b):
                    boxes[i] = _lerp(track[a], track[b], (times[i] - times[a]) / (times[b] - times[a]))
                    flags[i].add("held across a detection gap")
            ta, tb = track[a], track[b]
            if _distance(ta, tb) / max(1, b - a) > _JUMP:
                for i in range(a, b + 1):
                    flags[i].add("fast move")
        for i in seen:
            if track[i].score < unsure_score:
                flags[i].add("low score")
        # Before the first and after the last detection: the box where it was seen, and where it
        # was heading (its motion between the two nearest detections carried on).
        extra: dict[int, list[FaceBox]] = {}
        for end, inner, way in ((seen[0], seen[1] if len(seen) > 1 else None, -1),
                                (seen[-1], seen[-2] if len(seen) > 1 else None, 1)):
            i = end + way
            while 0 <= i < n and abs(times[i] - times[end]) <= EXTEND_S + 1e-6:
                extra.setdefault(i, []).append(track[end])
                if inner is not None:
                    t = (times[i] - times[end]) / (times[end] - times[inner])
                    extra[i].append(_lerp(track[end], track[inner], -t))
                i += way
        for i, box in [*boxes.items(), *((i, b) for i, bs in extra.items() for b in bs)]:
            cover = _pad(box, width, height)
            if cover is not None and cover not in per_frame[i]:
                per_frame[i].append(cover)
    detected = [b for frame in found for b in frame]
    smallest = math.floor(min(min(b.w, b.h) for b in detected)) if detected else None
    return FaceCovers(width, height, tuple(times), tuple(tuple(c) for c in per_frame),
                      _spans(times, flags, step), len(tracks), smallest)


def _pad(box: FaceBox, width: int, height: int) -> Cover | None:
    x0 = max(0, math.floor(box.x - PAD_SIDE * box.w))
    y0 = max(0, math.floor(box.y - PAD_TOP * box.h))
    x1 = min(width, math.ceil(box.x + box.w * (1 + PAD_SIDE)))
    y1 = min(height, math.ceil(box.y + box.h * (1 + PAD_BOTTOM)))
    return Cover(x0, y0, x1 - x0, y1 - y0) if x1 > x0 and y1 > y0 else None


def _spans(times: list[float], flags: list[set[str]], step: float) -> tuple[Unsure, ...]:
    """Runs of frames sharing a reason, as [first frame's time, next frame's time); runs of one reason
    less than `HOLD_S` apart are joined."""
    out: list[Unsure] = []
    for why in sorted({w for f in flags for w in f}):
        i = 0
        while i < len(times):
            if why not in flags[i]:
                i += 1
                continue
            j = i
            while j + 1 < len(times) and why in flags[j + 1]:
                j += 1
            end = times[j + 1] if j + 1 < len(times) else times[j] + step
            # A face lost every few frames is one moment to check, not dozens.
            if out and out[-1].why == why and times[i] - out[-1].end <= HOLD_S + 1e-6:
                out[-1] = Unsure(out[-1].start, round(end, 6), why)
            else:
                out.append(Unsure(round(times[i], 6), round(end, 6), why))
            i = j + 1
    return tuple(sorted(out, key=lambda u: (u.start, u.why)))


def _lerp(a: FaceBox, b: FaceBox, t: float) -> FaceBox:
    return FaceBox(*(va + (vb - va) * t for va, vb in zip(
        (a.x, a.y, a.w, a.h, a.score), (b.x, b.y, b.w, b.h, b.score), strict=True)))


def _iou(a: FaceBox, b: FaceBox) -> float:
    iw = max(0.0, min(a.x + a.w, b.x + b.w) - max(a.x, b.x))
    ih = max(0.0, min(a.y + a.h, b.y + b.h) - max(a.y, b.y))
    inter = iw * ih
    union = a.w * a.h + b.w * b.h - inter
    return inter / union if union > 0 else 0.0


def _distance(a: FaceBox, b: FaceBox) -> float:
    """Distance between the boxes' centres, in sizes of the larger face."""
    size = max(a.w, a.h, b.w, b.h, 1e-6)
    return math.hypot(a.x + a.w / 2 - b.x - b.w / 2, a.y + a.h / 2 - b.y - b.h / 2) / size


def _scaled(boxes: list[FaceBox], sx: float, sy: float) -> list[FaceBox]:
    return [FaceBox(b.x * sx, b.y * sy, b.w * sx, b.h * sy, b.score) for b in boxes]


def _probe_video(path: Path):  # -> MediaInfo with a moving video stream
    if not path.is_file():
        raise ProbeError(f"{path}: file not found")
    if path.stat().st_size == 0:
        raise ProbeError(f"{path}: the file is empty (0 bytes), not a video")
    info = probe(path)
    # an animated GIF (or APNG) is a picture file with frames: footage to the render, so to the detector
    if info.video is None or (info.is_image and (info.video.frames or 0) <= 1):
        raise ProbeError(f"{path}: has no moving video to find faces in")
    return info


def _cache_path(path: Path, cache_dir: Path, what: str) -> Path:
    settings = (f"{_FORMAT}|{faces.MODEL_ID}|{faces.COVER_THRESHOLD}|{PAD_SIDE}|{PAD_TOP}|{PAD_BOTTOM}|{HOLD_S}|"
                f"{EXTEND_S}|{UNSURE_MARGIN}|{_JUMP}|{_LINK_IOU}|{_LINK_DIST}")
    key = f"{file_digest(path, Path(cache_dir) / 'digests')}|{what}|{settings}"
    return Path(cache_dir) / f"faces-{hashlib.blake2b(key.encode(), digest_size=16).hexdigest()}.json"


def file_digest(path: Path, memo_dir: Path) -> str:
    """The file's content digest (`toolkit.media.digests`); a memo that cannot be written is a
    `ReelError` naming the cache folder."""
    try:
        return content_digest(path, memo_dir)
    except OSError as exc:
        if Path(exc.filename or "").resolve() == Path(path).resolve():
            raise
        raise ReelError(f"{memo_dir}: cannot write the face-detection cache ({exc.strerror or exc})") from exc


def _save(path: Path, text: str) -> None:
    try:
        write_atomic(path, text)
    except OSError as exc:
        raise ReelError(f"{path}: cannot write the face-detection cache ({exc.strerror or exc})") from exc


def _to_json(c: FaceCovers) -> dict:
    return {"format": _FORMAT, "width": c.width, "height": c.height, "times": list(c.times),
            "covers": [[[v.x, v.y, v.w, v.h] for v in frame] for frame in c.covers],
            "unsure": [[u.start, u.end, u.why] for u in c.unsure], "tracks": c.tracks, "smallest": c.smallest}


def _read_cache(path: Path) -> FaceCovers | None:
    """The cached result, or None when it is missing or unreadable (then it is made again)."""
    try:
        d = json.loads(path.read_text(encoding="utf-8"))
        if d.get("format") != _FORMAT:
            return None
        return FaceCovers(int(d["width"]), int(d["height"]), tuple(float(t) for t in d["times"]),
                          tuple(tuple(Cover(*map(int, v)) for v in frame) for frame in d["covers"]),
                          tuple(Unsure(float(a), float(b), str(w)) for a, b, w in d["unsure"]),
                          int(d["tracks"]), None if d["smallest"] is None else int(d["smallest"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None
