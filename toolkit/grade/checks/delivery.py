"""Delivery checks from the probe alone: container, resolution, aspect, frame rate, duration, size
(standards §2.1 and §10)."""

from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING

from toolkit.grade.checks.base import CheckSpec, flag, number, text, unavailable
from toolkit.grade.results import Observation
from toolkit.media.mp4boxes import edit_list_tracks, mp4_layout

if TYPE_CHECKING:
    from toolkit.grade.context import GradeContext
    from toolkit.grade.measure import Measurements
    from toolkit.media.probe import MediaInfo

VIDEO_CODECS = frozenset({"h264", "hevc"})
PIXEL_FORMATS = frozenset({"yuv420p"})
AUDIO_CODECS = frozenset({"aac"})
MAX_AUDIO_RATE = 48000
MAX_AUDIO_CHANNELS = 2
_QUICKTIME_BRANDS = frozenset({"qt  "})
MAX_WIDTH = 1920  # Instagram's largest accepted width (standards §2.1)
_UNTAGGED = frozenset({"unknown", ""})


def _container(info: MediaInfo, m: Measurements, ctx: GradeContext) -> Observation:
    assert info.video is not None
    problems: list[str] = []
    brand, boxes = mp4_layout(info.path) if "mp4" in info.format_name or "mov" in info.format_name else (None, ())
    if not boxes:
        fmt = info.format_name.split(",")[0]
        problems.append(f"the container is {fmt}; export as MP4 (or MOV)")
    else:
        fmt = "mov" if brand in _QUICKTIME_BRANDS else "mp4"
    faststart = bool(boxes) and "moov" in boxes and ("mdat" not in boxes or boxes.index("moov") < boxes.index("mdat"))
    if boxes and not faststart:
        problems.append("the index (moov atom) comes after the media: turn on 'fast start' / 'web optimised'")
    codec = info.video.codec
    if codec not in VIDEO_CODECS:
        problems.append(f"the video codec is {codec}; use H.264 (or HEVC)")
    if info.video.pix_fmt not in PIXEL_FORMATS:
        problems.append(f"the pixel format is {info.video.pix_fmt}; use yuv420p (8-bit 4:2:0)")
    audio_codec = info.audio.codec if info.audio else None
    if info.audio is not None:
        if info.audio.codec not in AUDIO_CODECS:
            problems.append(f"the audio codec is {info.audio.codec}; use AAC")
        if info.audio.sample_rate > MAX_AUDIO_RATE:
            problems.append(f"the audio sample rate is {info.audio.sample_rate} Hz; use 48 kHz or less")
        if info.audio.channels > MAX_AUDIO_CHANNELS:
            problems.append(f"the audio has {info.audio.channels} channels; use mono or stereo")
    # Advice, not rules: an edit list (every ffmpeg MP4 with AAC has one, for the encoder's
    # priming delay) and untagged colour play everywhere; the house export avoids both (§2.1).
    advice: list[str] = []
    edit_lists = edit_list_tracks(info.path) if boxes else 0
    if edit_lists:
        advice.append(f"advice: {edit_lists} track(s) carry an edit list; Instagram's spec asks for none "
                      "(it plays, but a start offset or trim may be ignored)")
    colour = info.video.colour
    untagged = [name for name, tag in (("primaries", colour.primaries), ("transfer", colour.transfer),
                                       ("matrix", colour.matrix)) if tag in _UNTAGGED]
    if untagged:
        advice.append(f"advice: the colour {', '.join(untagged)} {'is' if len(untagged) == 1 else 'are'} "
                      "not tagged; tag BT.709 so every player shows the same colours")
    values = {"compliant": not problems, "format": fmt, "video_codec": codec, "pix_fmt": info.video.pix_fmt,
              "faststart": faststart, "audio_codec": audio_codec, "problems": len(problems),
              "edit_lists": edit_lists, "colour_tagged": not untagged}
    return Observation("container", values, notes=(*problems, *advice))


def _resolution(info: MediaInfo, m: Measurements, ctx: GradeContext) -> Observation:
    assert info.video is not None
    w, h = info.video.width, info.video.height  # as displayed: rotation applied
    notes = []
    if w > MAX_WIDTH:
        notes.append(f"advice: {w} px wide is more than Instagram's {MAX_WIDTH} px limit; export 1080x1920")
    return Observation("resolution", {"width": w, "height": h, "size": f"{w}x{h}", "short_side": min(w, h),
                                      "long_side": max(w, h)}, notes=tuple(notes))


def _aspect(info: MediaInfo, m: Measurements, ctx: GradeContext) -> Observation:
    v = info.video
    assert v is not None
    sar = v.sar or Fraction(1)
    # the sample aspect ratio stretches the stored width; rotation then swaps the axes
    shown_w, shown_h = Fraction(v.coded_width) * sar, Fraction(v.coded_height)
    if v.rotation in (90, 270):
        shown_w, shown_h = shown_h, shown_w
    ratio = shown_w / shown_h if shown_h else Fraction(0)
    notes = []
    if v.rotation:
        notes.append(f"the file is stored {v.coded_width}x{v.coded_height} with {v.rotation}° rotation "
                     "metadata; it displays as measured")
    values = {"display_aspect": f"{ratio.numerator}:{ratio.denominator}" if ratio else "unknown",
              "ratio": round(float(ratio), 4), "sar": f"{sar.numerator}:{sar.denominator}",
              "square_pixels": sar == 1, "rotation": v.rotation}
    return Observation("aspect", values, notes=tuple(notes))


def _fps(info: MediaInfo, m: Measurements, ctx: GradeContext) -> Observation:
    v = info.video
    assert v is not None
    irregular = m.video.irregular_intervals if m.video is not None else 0.0
    rate = float(v.avg_fps or v.fps)
    cfr = not v.variable_frame_rate and irregular <= 0.01
    notes = [] if cfr else [f"{irregular:.0%} of frame intervals are irregular (variable frame rate)"]
    return Observation("fps", {"fps": round(rate, 3), "nominal": round(float(v.fps), 3), "cfr": cfr,
                               "irregular_intervals": irregular}, notes=tuple(notes))


def _duration(info: MediaInfo, m: Measurements, ctx: GradeContext) -> Observation:
    if not info.duration:
        return unavailable("duration", "the file declares no duration")
    return Observation("duration", {"seconds": round(info.duration, 3)})


def _filesize(info: MediaInfo, m: Measurements, ctx: GradeContext) -> Observation:
    return Observation("filesize", {"megabytes": round(info.size_bytes / 1_000_000, 3), "bytes": info.size_bytes})


SPECS: tuple[CheckSpec, ...] = (
    CheckSpec("container", "Container and codecs",
              "MP4/MOV with the index at the front (fast start), H.264 or HEVC video in yuv420p, AAC audio.",
              "compliant", {
                  "compliant": flag("every container, codec and pixel-format rule holds"),
                  "format": text("mp4, mov, or the container found"),
                  "video_codec": text("h264, hevc, ..."),
                  "pix_fmt": text("yuv420p, yuv420p10le, ..."),
                  "faststart": flag("the moov atom comes before the media data"),
                  "audio_codec": text("aac, ... (empty without audio)"),
                  "problems": number("", "how many rules are broken"),
                  "edit_lists": number("", "tracks with an edit list (advice: the house export has none)"),
                  "colour_tagged": flag("primaries, transfer and matrix are tagged (advice: BT.709)"),
              }, _container),
    CheckSpec("resolution", "Resolution", "Display size in pixels, rotation applied.", "short_side", {
        "short_side": number("px", "the shorter display side (the width of a portrait clip)"),
        "long_side": number("px", "the longer display side"),
        "width": number("px"), "height": number("px"),
        "size": text("WIDTHxHEIGHT, e.g. 1080x1920"),
    }, _resolution),
    CheckSpec("aspect", "Aspect ratio", "Display aspect (sample aspect ratio and rotation applied).",
              "display_aspect", {
                  "display_aspect": text("the reduced display ratio, e.g. 9:16"),
                  "ratio": number("", "width / height as a number (0.5625 for 9:16)"),
                  "sar": text("sample (pixel) aspect ratio, 1:1 for square pixels"),
                  "square_pixels": flag("pixels are square"),
                  "rotation": number("°", "rotation metadata"),
              }, _aspect),
    CheckSpec("fps", "Frame rate", "Average frame rate, and whether it is constant.", "fps", {
        "fps": number("fps", "average frames per second"),
        "nominal": number("fps", "the rate the stream declares"),
        "cfr": flag("constant frame rate"),
        "irregular_intervals": number("", "share of frame intervals off the median by more than 10 %"),
    }, _fps),
    CheckSpec("duration", "Duration", "Length of the clip.", "seconds", {"seconds": number("s")}, _duration),
    CheckSpec("filesize", "File size", "Size of the file (1 MB = 1,000,000 bytes).", "megabytes",
              {"megabytes": number("MB"), "bytes": number("bytes")}, _filesize),
)
