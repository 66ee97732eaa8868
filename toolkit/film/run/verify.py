"""Check a rendered film against its Timeline and the house export spec, by probing it.

Every mismatch is collected and reported together in one `VerifyError`: frame size, frame rate,
length (±1 frame), one H.264 High yuv420p video stream tagged BT.709 limited range (primaries,
transfer and matrix: an untagged film is shown with whatever the player guesses), one AAC-LC 48 kHz stereo audio stream,
`faststart` (the `moov` index before the `mdat` media data, read from the top-level boxes), and
no edit lists.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from toolkit.errors import VerifyError
from toolkit.film.compile.output import BT709_TAGS
from toolkit.film.plan.timeline import Timeline
from toolkit.media.mp4boxes import edit_list_tracks, mp4_layout
from toolkit.media.probe import ColourTags, probe


@dataclass(frozen=True, slots=True)
class VerifyReport:
    """What the rendered file is, as probed."""

    path: Path
    width: int
    height: int
    fps: Fraction
    frames: int
    duration: float
    video_codec: str
    video_profile: str | None
    pix_fmt: str
    colour: ColourTags
    audio_codec: str | None
    audio_profile: str | None
    sample_rate: int | None
    channels: int | None
    faststart: bool
    size_bytes: int


def verify_output(path: Path, timeline: Timeline) -> VerifyReport:
    """Probe `path` and compare it with what `timeline` says it should be.

    Raises `VerifyError` listing every mismatch; returns the report when all checks pass.
    """
    path = Path(path)
    info = probe(path)
    problems: list[str] = []
    video, audio = info.video, info.audio
    canvas = timeline.canvas
    if video is None or not info.has_video:
        raise VerifyError(f"{path}: the file has no video stream")
    fps = Fraction(video.avg_fps or video.fps)
    frames = video.frames if video.frames else round((video.duration or info.duration) * fps)
    if (video.width, video.height) != (canvas.width, canvas.height):
        problems.append(f"frame size is {video.width}×{video.height}, expected {canvas.width}×{canvas.height}")
    if fps != canvas.fps:
        problems.append(f"frame rate is {_rate(fps)} fps, expected {_rate(canvas.fps)}")
    if abs(frames - timeline.frames) > 1:
        problems.append(f"length is {frames} frames ({frames / float(canvas.fps):.3f} s), expected "
                        f"{timeline.frames} ({float(timeline.duration):.3f} s) ±1 frame")
    if video.codec != "h264":
        problems.append(f"video codec is {video.codec}, expected h264")
    if (video.profile or "") != "High":
        problems.append(f"H.264 profile is {video.profile or 'unknown'}, expected High")
    if video.pix_fmt != "yuv420p":
        problems.append(f"pixel format is {video.pix_fmt}, expected yuv420p")
    expected = ColourTags(primaries=BT709_TAGS["color_primaries"], transfer=BT709_TAGS["color_trc"],
                          matrix=BT709_TAGS["colorspace"], range=BT709_TAGS["color_range"])
    if video.colour != expected:
        problems.append(f"colour tags are {video.colour}, expected {expected}")
    streams = _stream_counts(path)
    if streams != (1, 1):
        problems.append(f"the file has {streams[0]} video and {streams[1]} audio streams, expected 1 and 1")
    if audio is None:
        problems.append("the file has no audio stream (AAC 48 kHz stereo expected)")
    else:
        if audio.codec != "aac" or (audio.profile or "LC") != "LC":
            problems.append(f"audio codec is {audio.codec} {audio.profile or ''}".rstrip() + ", expected AAC-LC")
        if audio.sample_rate != 48000:
            problems.append(f"audio sample rate is {audio.sample_rate} Hz, expected 48000")
        if audio.channels != 2:
            problems.append(f"audio has {audio.channels} channels, expected 2 (stereo)")
    faststart = moov_before_mdat(path)
    if not faststart:
        problems.append("the index (moov) comes after the media (mdat): not faststart, so players must "
                        "download the whole file before starting")
    edited = edit_list_tracks(path)
    if edited:
        problems.append(f"{edited} track(s) carry an edit list: Instagram's specification asks for none, and "
                        "players that ignore edit lists shift the sound against the picture")
    if problems:
        raise VerifyError(f"{path} does not match its plan:\n" + "\n".join(f"  - {p}" for p in problems))
    return VerifyReport(path=path, width=video.width, height=video.height, fps=fps, frames=frames,
                        duration=info.duration, video_codec=video.codec, video_profile=video.profile,
                        pix_fmt=video.pix_fmt, colour=video.colour, audio_codec=audio.codec if audio else None,
                        audio_profile=audio.profile if audio else None,
                        sample_rate=audio.sample_rate if audio else None,
                        channels=audio.channels if audio else None, faststart=faststart,
                        size_bytes=info.size_bytes)


def moov_before_mdat(path: Path) -> bool:
    """True when the MP4's top-level `moov` box comes before its `mdat` box."""
    _, boxes = mp4_layout(path)
    return "moov" in boxes and ("mdat" not in boxes or boxes.index("moov") < boxes.index("mdat"))


def _stream_counts(path: Path) -> tuple[int, int]:
    import av  # imported lazily: loading libav is costly and only media work needs it

    with av.open(str(path)) as container:
        return len(container.streams.video), len(container.streams.audio)


def _rate(fps: Fraction) -> str:
    return str(fps.numerator) if fps.denominator == 1 else f"{float(fps):.3f}"
