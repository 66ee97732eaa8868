"""Encoder and container options: the house export spec (standards.md §2.1) as argv.

H.264 High yuv420p, constant 30 fps (or the canvas rate), closed GOPs of about 2 s with no
scene-cut keyframes, BT.709 tags, AAC-LC 48 kHz stereo 192 kb/s, `+faststart` so the index sits
before the media data, no edit lists, the exact frame count, and the film's metadata. Input metadata is never
copied (phone footage carries GPS positions and device names).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

from toolkit.film.compile.nodes import Stream, rate
from toolkit.film.plan.timeline import Timeline

# argv[0] of every compiled command; the runner swaps in the resolved binary. Keeping it symbolic
# makes compiled commands identical on every machine (golden tests, `--dry-run` output).
FFMPEG = "ffmpeg"

_METADATA_KEY = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$")

# The house colour tags (standards.md §2.1: BT.709, limited range), in ffmpeg's option names.
BT709_TAGS = {"color_primaries": "bt709", "color_trc": "bt709", "colorspace": "bt709", "color_range": "tv"}

# The final render's x264 options beyond the preset (see `EncodeSettings.final`).
FINAL_X264_PARAMS = "rc-lookahead=20"


@dataclass(frozen=True, slots=True)
class EncodeSettings:
    """How hard x264 works. `final()` for delivery, `draft()` for quick previews.

    Measured on this project's shared 2-core machine (20 s of 1080×1920 testsrc2, CRF 20):
    ultrafast 6.2 s / 45.9 MB, veryfast 16 s / 19.6 MB, fast 54 s / 22.1 MB, medium 42 s /
    22.4 MB. Synthetic test patterns do not rank presets the way camera footage does (veryfast
    came out smallest), so `medium` stays the default on convention; a quality-per-bit check
    (e.g. VMAF) on real phone footage is still to do. In a whole 60 s film the filtergraph
    runs in x264's idle time: the final render took as long as encoding testsrc2 alone.
    """

    preset: str = "medium"
    crf: int = 20
    threads: int = 0  # 0: let ffmpeg choose
    audio_bitrate: str = "192k"
    x264_params: str = ""

    @classmethod
    def final(cls, threads: int = 0) -> EncodeSettings:
        # x264 keeps rc-lookahead frames (plus its frame threads) in memory, ≈ 6.6 MB each at
        # 1080×1920: medium's 40 cost ≈ 270 MB. 20 frames halves that; on the bench's 1080p
        # footage at CRF 20 the file came out 0.4 % smaller with SSIM 0.99682 against 0.99684
        # and PSNR 0.03 dB lower: the same quality (10 frames: 1.8 % smaller, 0.13 dB lower).
        return cls(preset="medium", crf=20, threads=threads, x264_params=FINAL_X264_PARAMS)

    @classmethod
    def draft(cls, threads: int = 0) -> EncodeSettings:
        # ultrafast alone drops CABAC and 8×8 transforms, which makes the stream Constrained
        # Baseline whatever -profile says; turning them back on keeps drafts High profile (≈25 %
        # slower than bare ultrafast, still ≈4× faster than medium).
        return cls(preset="ultrafast", crf=23, threads=threads, x264_params="cabac=1:8x8dct=1")


def global_options(*, loglevel: str, threads: int = 0, progress: bool = True) -> list[str]:
    """Options before the inputs: quiet banner, machine-readable progress on stdout, no stdin.

    `progress=False` for a command whose stdout carries its output (a chunk's raw frames).
    """
    options = [FFMPEG, "-hide_banner", "-nostdin", "-loglevel", loglevel, "-nostats"]
    if progress:
        options += ["-progress", "pipe:1"]
    if threads > 0:
        options += ["-filter_complex_threads", str(threads)]
    return options


def video_options(timeline: Timeline, encode: EncodeSettings) -> list[str]:
    """libx264 High, CRF, fixed ~2 s closed GOPs, CFR at the canvas rate, exact frame count."""
    fps = Fraction(timeline.canvas.fps)
    keyint = str(max(1, round(2 * fps)))
    options = ["-c:v", "libx264", "-preset", encode.preset, "-crf", str(encode.crf),
               "-profile:v", "high", "-pix_fmt", "yuv420p",
               "-g", keyint, "-keyint_min", keyint, "-sc_threshold", "0", "-flags", "+cgop",
               "-r", rate(fps), "-fps_mode", "cfr", "-frames:v", str(timeline.frames)]
    for option, value in BT709_TAGS.items():
        options += [f"-{option}", value]
    if encode.x264_params:
        options += ["-x264-params", encode.x264_params]
    if encode.threads > 0:
        options += ["-threads", str(encode.threads)]
    return options


def tag_bt709(picture: Stream) -> Stream:
    """Stamp the house colour tags on every frame (metadata only: no pixel changes).

    The encoder's `-color_*` options alone are not enough: ffmpeg hands x264 the tags the last
    frame carries, and the filters leave primaries and transfer unset (a one-graph film came out
    tagged bt709/unknown/unknown). Both render paths end their picture with this.
    """
    tags = dict(BT709_TAGS)
    tags["range"] = tags.pop("color_range")
    return picture.filter("setparams", **tags)


def audio_options(encode: EncodeSettings) -> list[str]:
    """AAC-LC, 48 kHz, stereo."""
    return ["-c:a", "aac", "-b:a", encode.audio_bitrate, "-ar", "48000", "-ac", "2"]


def container_options(timeline: Timeline) -> list[str]:
    """faststart MP4 carrying only this film's metadata: the title, then the Timeline's pairs.

    A key given several times (one `reel_reviewed_exception` per reviewed exception) is kept
    every time, numbered `key`, `key_2`, `key_3`…, because a container key holds one value.
    """
    options = ["-map_metadata", "-1", "-map_chapters", "-1",
               # use_metadata_tags keeps keys MP4 has no atom for (e.g. reviewed lint exceptions).
               # No edit lists (house spec, after Instagram's): negative composition offsets
               # let the first B-frame-delayed picture still start at 0 without one.
               "-movflags", "+faststart+use_metadata_tags+negative_cts_offsets", "-use_editlist", "0",
               "-metadata", f"title={timeline.title}"]
    seen: dict[str, int] = {"title": 1}
    for key, value in timeline.metadata:
        if not _METADATA_KEY.match(key):
            raise ValueError(f"metadata key {key!r} must be letters, digits, '_', '.' or '-'")
        if key == "title" and value == timeline.title:
            continue
        seen[key] = seen.get(key, 0) + 1
        name = key if seen[key] == 1 else f"{key}_{seen[key]}"
        options += ["-metadata", f"{name}={value}"]
    return options
