"""The commands that make a reversed-footage intermediate (pure: no I/O, no process).

`reverse: yes` footage is played from a file made once before the render
(`toolkit.film.reversing`): exactly the trim's frames at the footage's speed and the canvas
rate, last first, at the footage's own pixel size (the render fits it as it fits any footage).
Intermediate frame k is forward frame `trim - 1 - k` of `video._sped`, so it shows what the
in-graph `reverse` filter showed, without holding the whole trim in memory.

The trim is reversed in blocks of at most `block_frames` frames (`LOOP_MEMORY_BYTES` of held
frames at the footage's size): block j, in output order, is forward frames
`[trim - (j+1)·B, trim - j·B)`, decoded with an input-side seek and reversed with the `reverse`
filter. The blocks are producers run one after another into one encoder's standard input
(`graph.RenderCommands`, run by `run.runner.run_render`), so one block is in memory at a time.

Opaque footage of even size is encoded visually lossless and quick to seek (x264 `veryfast`,
CRF 10, a key frame every 15 frames, in MP4); footage with transparency, or of an odd size x264
cannot take, is encoded lossless with FFV1 in NUT (whose time base is exactly the canvas rate,
so a seek to frame k's time finds frame k).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from toolkit.film.compile.graph import RenderCommands
from toolkit.film.compile.nodes import Graph, rate, timebase
from toolkit.film.compile.output import global_options
from toolkit.film.compile.video import _sped  # the forward frames the in-graph path reversed
from toolkit.film.plan.timeline import LOOP_MEMORY_BYTES, Canvas, VideoSource
from toolkit.geometry import Box

# Bump when the recipe changes, so intermediates made the old way are no longer used.
REVERSE_VERSION = "1"
X264 = ("-c:v", "libx264", "-preset", "veryfast", "-crf", "10", "-g", "15", "-pix_fmt", "yuv420p")
FFV1 = ("-c:v", "ffv1", "-level", "3")


def intermediate_encoding(lossless: bool, alpha: bool) -> list[str]:
    """How a cached intermediate (reversed or covered footage) is written: x264 near-lossless in MP4,
    or FFV1 in NUT (odd sizes, transparency), BT.709 tagged unless it carries alpha."""
    codec = [*FFV1, "-pix_fmt", "bgra" if alpha else "yuv420p", "-f", "nut"] if lossless else [*X264, "-f", "mp4"]
    tags = [] if alpha else ["-color_primaries", "bt709", "-color_trc", "bt709", "-colorspace", "bt709",
                             "-color_range", "tv"]
    return codec + tags

_TO_BT709 = {"out_color_matrix": "bt709", "out_range": "tv"}


@dataclass(frozen=True, slots=True)
class ReverseJob:
    """One intermediate: `source`'s trim reversed at `fps` (`trim` frames), kept at `path`."""

    source: VideoSource
    fps: Fraction
    trim: int
    path: Path

    @property
    def lossless(self) -> bool:
        """FFV1 (transparency, or an odd size x264 refuses) rather than x264."""
        return self.source.alpha or self.source.width % 2 == 1 or self.source.height % 2 == 1

    @property
    def raw_format(self) -> str:
        """The pixel format of the raw frames between the producers and the encoder."""
        return "rgba" if self.source.alpha else "yuv420p"

    @property
    def frame_bytes(self) -> int:
        """Bytes one held frame takes at the footage's size."""
        w, h = self.source.width, self.source.height
        return w * h * 4 if self.source.alpha else w * h * 3 // 2

    @property
    def block_frames(self) -> int:
        """B: the most frames one producer's `reverse` holds (within `LOOP_MEMORY_BYTES`, at least 1)."""
        return max(1, LOOP_MEMORY_BYTES // max(1, self.frame_bytes))

    def blocks(self) -> list[tuple[int, int]]:
        """(first forward frame, count) of each block, in output order (the trim's end first)."""
        out, end = [], self.trim
        while end > 0:
            first = max(0, end - self.block_frames)
            out.append((first, end - first))
            end = first
        return out

    @property
    def recipe(self) -> str:
        """What the file's pixels depend on besides the footage's bytes (part of its cache key)."""
        src = self.source
        codec = "ffv1" if self.lossless else " ".join(X264)
        return (f"reverse/{REVERSE_VERSION}|{src.start}|{src.end}|{src.speed}|{self.fps}|{src.width}x{src.height}|"
                f"{self.raw_format}|{codec}")


def compile_reverse(job: ReverseJob, output: Path) -> RenderCommands:
    """The producers (one per block) and the encoder that write `job`'s intermediate to `output`."""
    src, fps = job.source, job.fps
    w, h = src.width, src.height
    if w <= 0 or h <= 0:
        raise ValueError(f"{src.path.name}: reversing needs the footage's size, got {w}×{h}")
    canvas = Canvas(w, h, fps, Box(0, 0, w, h))  # `_sped` reads only the rate
    producers = []
    for first, count in job.blocks():
        graph = Graph()
        stream = _sped(src, canvas, graph, first, count)
        # exactly the footage's displayed size with square pixels; opaque frames normalised to
        # BT.709 limited range, which the intermediate is tagged with (raw frames carry no tags)
        # (accurate rounding: swscale's fast same-size path is a level off, measured)
        stream = stream.filter("scale", w, h, flags="accurate_rnd+full_chroma_int",
                               **({} if src.alpha else _TO_BT709)).filter("setsar", 1)
        stream = stream.filter("format", job.raw_format).filter("reverse")
        stream = stream.filter("settb", timebase(fps)).filter("setpts", "N")
        body = graph.argv([stream], "pipe:1")
        producers.append((*global_options(loglevel="warning", progress=False), *body[:-1], "-f", "rawvideo",
                          "-pix_fmt", job.raw_format, "-fps_mode", "passthrough", "-frames:v", str(count),
                          body[-1]))
    graph = Graph()
    picture = graph.input("pipe:0", format="rawvideo", pix_fmt=job.raw_format, video_size=(w, h),
                          framerate=rate(fps))["v"]
    body = graph.argv([picture], output)
    encoder = (*global_options(loglevel="warning"), "-y", *body[:-1], *intermediate_encoding(job.lossless, src.alpha),
               "-an", "-sn", "-dn", "-map_metadata", "-1", "-frames:v", str(job.trim), body[-1])
    return RenderCommands(tuple(producers), encoder)


def suffix(job: ReverseJob) -> str:
    """The intermediate's file suffix."""
    return ".nut" if job.lossless else ".mp4"
