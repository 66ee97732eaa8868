"""The command that makes footage's anonymised copy (pure: no I/O, no process).

An anonymised trim is played from a copy made once before the render (`toolkit.film.anonymising`):
exactly the trim's frames at its speed and the canvas rate, at the footage's own pixel size, with
every face the detector followed and every hand-placed box covered. Frame k of the copy is frame
k of the trim (as `video._sped` makes it), so the render fits, holds, loops and chunks it as any
footage, and the original face never enters the film's graph.

One ffmpeg run makes it. The covers are a mask: one grey frame per output frame, white where
covered, drawn by the runner (`run.anonymising`, a rectangle fill per frame) at 1/`MASK_SCALE` of
the picture's size with every edge rounded outwards, and piped in as raw video on standard input:

    [footage] split [o][c]; [c] <cover> [b]; [mask] scale up (nearest) [m];
    [b][m] alphamerge [bm]; [o][bm] overlay

The cover is strong enough to defeat recognition, not a softening: `blur` shrinks the picture to
cells of `AnonymiseJob.cell` pixels (area average) and spreads them back smoothly; `pixelate`
shows the same cells as blocks; `box` is solid black. The cell is the larger of 1/`CELLS_ACROSS`
of the largest cover's long side and 1/`PICTURE_CELLS` of the picture's long side, so a face is
never more than about `CELLS_ACROSS` cells across (with the detector's padding, the face itself
about 2½). Measured with the detector's own padded covers on a moving astronaut (scikit-image),
the highest score the detector still gave anything inside a cover fell from 0.32 (blur) and 0.38
(blocks) at 6 cells across to 0.25 and 0.28 at 4, against 0.91 for the face uncovered; on the
face tests' fixture clips (tests/face_factory.py: several faces, sizes and skin tones) ≤ 0.21.
The read-back (`run.anonymising`) refuses a copy where anything scores 0.35.

The copy is encoded like a reversed intermediate (`compile.reversing`): x264 CRF 10 in MP4, or
FFV1 in NUT for footage with transparency or an odd size; no sound, no metadata.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from toolkit.film.compile.nodes import Graph, rate, timebase
from toolkit.film.compile.output import global_options
from toolkit.film.compile.reversing import X264, intermediate_encoding
from toolkit.film.compile.video import _sped  # the trim's frames exactly as the render makes them
from toolkit.film.plan.timeline import Canvas, FaceCoverKind, ImageSource, VideoSource
from toolkit.geometry import Box

# Bump when the recipe changes, so copies made the old way are no longer used.
ANONYMISE_VERSION = "1"
MASK_SCALE = 4
CELLS_ACROSS = 4
PICTURE_CELLS = 40

Rect = tuple[int, int, int, int]  # x, y, w, h in the source picture's pixels

_TO_BT709 = {"out_color_matrix": "bt709", "out_range": "tv"}


@dataclass(frozen=True, slots=True)
class AnonymiseJob:
    """One anonymised copy: `source` decoded (`frames` frames at `fps`; a photo: one), `rects[k]`
    covered by `kind` on frame k, kept at `path`. `shown` is the planned source the copy stands for
    (its `anonymise` says where it was asked for); `clock[k]` is the time on the footage's own clock
    that frame k shows, for messages."""

    shown: VideoSource | ImageSource
    source: VideoSource | ImageSource
    kind: FaceCoverKind
    fps: Fraction
    frames: int
    rects: tuple[tuple[Rect, ...], ...]
    clock: tuple[Fraction, ...]
    path: Path

    @property
    def width(self) -> int:
        return self.source.width

    @property
    def height(self) -> int:
        return self.source.height

    @property
    def photo(self) -> bool:
        """A still picture: covered in one frame, written as PNG."""
        return isinstance(self.source, ImageSource)

    @property
    def alpha(self) -> bool:
        return isinstance(self.source, VideoSource) and self.source.alpha

    @property
    def lossless(self) -> bool:
        """FFV1 (transparency, or an odd size x264 refuses) rather than x264."""
        return self.alpha or self.width % 2 == 1 or self.height % 2 == 1

    @property
    def raw_format(self) -> str:
        return "rgba" if self.alpha else "yuv420p"

    @property
    def cell(self) -> int:
        """The blur or block cell, in pixels (see the module docstring)."""
        largest = max((max(w, h) for frame in self.rects for _, _, w, h in frame), default=0)
        return max(1, -(-largest // CELLS_ACROSS), -(-max(self.width, self.height) // PICTURE_CELLS))

    @property
    def mask_size(self) -> tuple[int, int]:
        """The mask frames' size: the picture's at 1/`MASK_SCALE`, rounded up."""
        return -(-self.width // MASK_SCALE), -(-self.height // MASK_SCALE)

    @property
    def recipe(self) -> str:
        """What the copy's pixels depend on besides the source's bytes (part of its cache key)."""
        src = self.source
        clock = (f"{src.start}|{src.end}|{src.speed}|{src.reverse}" if isinstance(src, VideoSource) else "photo")
        codec = "png" if self.photo else "ffv1" if self.lossless else " ".join(X264)
        return (f"anonymise/{ANONYMISE_VERSION}|{clock}|{self.fps}|{self.frames}|{self.width}x{self.height}|"
                f"{self.kind}|{self.cell}|{MASK_SCALE}|{self.raw_format}|{codec}")

    def covered(self) -> tuple[int, ...]:
        """The frames with something to cover."""
        return tuple(k for k, frame in enumerate(self.rects) if frame)


def mask_cells(job: AnonymiseJob, k: int) -> tuple[Rect, ...]:
    """Frame k's covers on the mask's grid, every edge rounded outwards (a cover only grows)."""
    out = []
    mw, mh = job.mask_size
    for x, y, w, h in job.rects[k]:
        x0, y0 = max(0, x // MASK_SCALE), max(0, y // MASK_SCALE)
        x1, y1 = min(mw, -(-(x + w) // MASK_SCALE)), min(mh, -(-(y + h) // MASK_SCALE))
        if x1 > x0 and y1 > y0:
            out.append((x0, y0, x1 - x0, y1 - y0))
    return tuple(out)


def compile_anonymise(job: AnonymiseJob, output: Path) -> list[str]:
    """The ffmpeg argv that writes footage `job`'s copy to `output`, reading the mask frames
    (`mask_size`, grey, one per frame at `fps`) on standard input."""
    src, fps = job.source, job.fps
    if not isinstance(src, VideoSource):
        raise ValueError(f"{src.path.name}: a photo is covered without ffmpeg (run.anonymising)")
    w, h = job.width, job.height
    if w <= 0 or h <= 0:
        raise ValueError(f"{src.path.name}: anonymising needs the footage's size, got {w}×{h}")
    graph = Graph()
    stream = _sped(src, Canvas(w, h, fps, Box(0, 0, w, h)), graph, 0, job.frames)  # `_sped` reads only the rate
    # the footage's displayed size with square pixels, BT.709 limited range as the copy is tagged
    # (accurate rounding: swscale's fast same-size path is a level off, as for reversed footage)
    stream = stream.filter("scale", w, h, flags="accurate_rnd+full_chroma_int",
                           **({} if job.alpha else _TO_BT709)).filter("setsar", 1)
    stream = stream.filter("format", job.raw_format).filter("settb", timebase(fps)).filter("setpts", "N")
    mw, mh = job.mask_size
    mask = graph.input("pipe:0", format="rawvideo", pix_fmt="gray", video_size=(mw, mh), framerate=rate(fps))["v"]
    mask = mask.filter("scale", mw * MASK_SCALE, mh * MASK_SCALE, flags="neighbor").filter("crop", w, h, 0, 0)
    mask = mask.filter("settb", timebase(fps)).filter("setpts", "N")
    original, to_cover = Graph.split(stream, 2)
    if job.kind == "box":
        cover = to_cover.filter("drawbox", x=0, y=0, w="iw", h="ih", color="black", t="fill")
    else:
        cell = job.cell
        small = (max(1, -(-w // cell)), max(1, -(-h // cell)))
        cover = to_cover.filter("scale", *small, flags="area").filter(
            "scale", w, h, flags="neighbor" if job.kind == "pixelate" else "bilinear")
    masked = Graph.filter([cover, mask], "alphamerge")
    out = Graph.filter([original, masked], "overlay", x=0, y=0, eof_action="endall")
    out = out.filter("format", job.raw_format)
    body = graph.argv([out], output)
    return [*global_options(loglevel="warning", progress=False), "-y", *body[:-1],
            *intermediate_encoding(job.lossless, job.alpha), "-an", "-sn", "-dn", "-map_metadata", "-1",
            "-fps_mode", "passthrough", "-frames:v", str(job.frames), body[-1]]


def suffix(job: AnonymiseJob) -> str:
    """The copy's file suffix."""
    return ".png" if job.photo else ".nut" if job.lossless else ".mp4"
