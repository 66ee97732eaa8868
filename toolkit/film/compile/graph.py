"""Compile a Timeline into ffmpeg commands: the render, and the loudness-measuring pass before it.

All functions are pure and deterministic: the same Timeline (and raster plan, settings and gain)
always gives the same argv bytes, with no file system access and no process started. argv[0] is
the symbolic `ffmpeg`; `toolkit.film.run.runner` substitutes the resolved binary.

A film whose pieces fit in one chunk (`pieces.py`: at most `CHUNK_SEGMENTS` segments) renders
in one ffmpeg process with one filtergraph. A longer film renders as a pipeline: one producer
command per chunk, run one after another, each writing its chunk's raw frames to the standard
input of a single encoder command, which lays the text over the picture, mixes the sound and
encodes the whole film in one x264 session (one rate control, one GOP structure). Memory then
stays the same whatever the film's length, instead of growing with every segment.

The filtergraph is built with ffmpeg-python (see `nodes.py` for the two ways Reel works around
its limits: unique input nodes and lavfi inputs for source filters).
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from toolkit.film.compile import audio
from toolkit.film.compile.flash_tap import split_for_tap, tap_options
from toolkit.film.compile.joins import join_pieces, overlay_text
from toolkit.film.compile.layers import composite_layers
from toolkit.film.compile.loudness import AudioGain
from toolkit.film.compile.moving_text import overlay_moving
from toolkit.film.compile.nodes import Graph, Stream, rate
from toolkit.film.compile.output import (
    EncodeSettings,
    audio_options,
    container_options,
    global_options,
    tag_bt709,
    video_options,
)
from toolkit.film.compile.pieces import CHUNK_SEGMENTS, Piece, chunks, split_body
from toolkit.film.compile.raster import RasterPlan
from toolkit.film.plan.timeline import Timeline

# What producers write and the encoder reads: the canvas-sized frames exactly as the graph ends.
RAW_PIXEL_FORMAT = "yuv420p"


@dataclass(frozen=True, slots=True)
class RenderCommands:
    """One render: the `producers` run one after another, each writing raw frames into the
    `encoder`'s standard input; with no producers, the encoder makes the picture itself."""

    producers: tuple[tuple[str, ...], ...]
    encoder: tuple[str, ...]

    def shell(self) -> str:
        """The commands as one POSIX shell line, runnable as it is (`reel render --dry-run`)."""
        encoder = shlex.join(self.encoder)
        if not self.producers:
            return encoder
        return "{ " + " ; ".join(shlex.join(p) for p in self.producers) + " ; } | " + encoder

    def to_dict(self) -> dict[str, list]:
        """JSON-ready: `{"producers": [[...], ...], "encoder": [...]}`."""
        return {"producers": [list(p) for p in self.producers], "encoder": list(self.encoder)}


def compile_render(timeline: Timeline, raster: RasterPlan, *, output: Path, encode: EncodeSettings,
                   gain: AudioGain | None, max_segments: int = CHUNK_SEGMENTS,
                   tap: Path | None = None) -> RenderCommands:
    """The ffmpeg commands that render the whole film to `output`.

    `gain` comes from the loudness pass (`AudioGain.for_target(measure_loudness_pass(...), mix)`);
    None skips normalisation (drafts). The encoder always overwrites `output`: write to a
    temporary path from `runner.atomic_output`, which owns the refuse-to-overwrite policy.
    `max_segments` bounds how many segments one filtergraph opens (see the module docstring).
    With `tap` (a FIFO's path), the encoder command also writes the frames it encodes there, at the
    flash gate's working size, as raw rgb24 (`flash_tap.py`): the whole film in order, chunk joins
    included, since the encoder command makes the final picture whether or not there are producers.
    """
    groups = chunks(timeline, max_segments)
    graph = Graph()
    if len(groups) == 1:
        producers: tuple[tuple[str, ...], ...] = ()
        picture = _with_layers(join_pieces(groups[0], timeline.segments, timeline.canvas, graph), groups[0],
                               timeline, raster, graph)
    else:
        producers = tuple(_producer(group, timeline, raster, encode) for group in groups)
        canvas = timeline.canvas
        picture = graph.input("pipe:0", format="rawvideo", pix_fmt=RAW_PIXEL_FORMAT,
                              video_size=(canvas.width, canvas.height), framerate=rate(canvas.fps))["v"]
        # Raw frames carry no colour tags; untagged, ffmpeg would take them as full range and
        # squeeze them into limited range again on the way to the encoder.
        picture = tag_bt709(picture)
    picture = tag_bt709(_with_text(picture, timeline, raster, graph))
    sound = audio.finish(audio.build_mix(timeline, graph), timeline, gain, graph)
    film_options = [*video_options(timeline, encode), *audio_options(encode), *container_options(timeline)]
    if tap is not None:
        # the flash gate reads the encoder's frames from `tap` (compile/flash_tap.py)
        picture, seen = split_for_tap(picture, timeline)
        body = graph.argv_outputs([([picture, sound], output, film_options), ([seen], tap, tap_options(timeline))])
        return RenderCommands(producers, (*global_options(loglevel="warning", threads=encode.threads), "-y", *body))
    body = graph.argv([picture, sound], output)
    encoder = [*global_options(loglevel="warning", threads=encode.threads), "-y", *body[:-1], *film_options, body[-1]]
    return RenderCommands(producers, tuple(encoder))


def _producer(group: Sequence[Piece], timeline: Timeline, raster: RasterPlan,
              encode: EncodeSettings) -> tuple[str, ...]:
    """One chunk's frames, raw, on stdout: exactly as many as its pieces hold (layers drawn)."""
    graph = Graph()
    picture = _with_layers(join_pieces(group, timeline.segments, timeline.canvas, graph), group, timeline, raster,
                           graph)
    body = graph.argv([picture], "pipe:1")
    frames = sum(piece.length for piece in group)
    return (*global_options(loglevel="warning", threads=encode.threads, progress=False), *body[:-1],
            "-f", "rawvideo", "-pix_fmt", RAW_PIXEL_FORMAT, "-r", rate(timeline.canvas.fps), "-fps_mode", "cfr",
            "-frames:v", str(frames), body[-1])


def _with_layers(picture: Stream, group: Sequence[Piece], timeline: Timeline, raster: RasterPlan, graph: Graph, *,
                 frames: int | None = None) -> Stream:
    """The layers over a chunk's picture (its first `frames` frames only, when given)."""
    count = sum(piece.length for piece in group) if frames is None else frames
    return composite_layers(picture, timeline, raster.layers, group[0].start, count, graph)


def _with_text(picture: Stream, timeline: Timeline, raster: RasterPlan, graph: Graph, *,
               frames: int | None = None, first: int = 0) -> Stream:
    """The text over `picture` (timestamps in film frames; a stretch from `first`, `frames` long)."""
    concat = str(raster.concat) if raster.concat is not None else None
    picture = overlay_text(picture, concat, raster.box.x, raster.box.y, timeline.canvas, graph, frames=frames)
    # texts that come in with a motion go on top: a word coming in sits on its caption's box
    return overlay_moving(picture, raster.moving, timeline.canvas, graph, first,
                          timeline.frames if frames is None else first + frames)


def compile_loudness_pass(timeline: Timeline, gain: AudioGain | None = None) -> list[str] | None:
    """The ffmpeg command that measures the mixed audio's loudness (pass 1), or None without audio.

    It decodes only the audio inputs, mixes them exactly as the render will, and prints the
    ebur128 meter's summary on stderr (read by `runner.measure_loudness_pass`). With `gain`, it
    measures the mix after that gain and limiter (to correct for what the limiter took away).
    """
    graph = Graph()
    mix = audio.build_mix(timeline, graph)
    if mix is None:
        return None
    if gain is not None:
        mix = audio.apply_gain(mix, gain)
    measured = audio.measure(mix, timeline)
    body = graph.argv([measured], "-")
    # ebur128 prints its summary at "info" level; -f null discards the audio itself.
    return [*global_options(loglevel="info"), *body[:-1], "-f", "null", "-"]


def compile_frames(timeline: Timeline, raster: RasterPlan, *, frames: Sequence[int], output: Path,
                   max_segments: int = CHUNK_SEGMENTS) -> list[list[str]]:
    """The ffmpeg commands that write chosen output frames (pictures only) as PNG images.

    `output` is an image-sequence pattern such as `frame_%03d.png`; images are numbered from 1 in
    the order of `frames` (sorted). Used by `reel still` and `reel sheet`: the same pieces and
    text as the render, so a still is exactly what the film shows, without encoding or audio.
    One command per chunk that holds a wanted frame, so a long film's sheet never opens more
    than `max_segments` segments at once; run them in any order.
    """
    wanted = sorted(set(frames))
    if not wanted or wanted[0] < 0 or wanted[-1] >= timeline.frames:
        raise ValueError(f"frames must lie in 0..{timeline.frames - 1}")
    commands: list[list[str]] = []
    number = 1
    for whole in chunks(timeline, max_segments):
        inside = [n for n in wanted if whole[0].start <= n < whole[-1].start + whole[-1].length]
        if not inside:
            continue
        group = _from_frame(whole, inside[0])
        first = group[0].start
        local = [n - first for n in inside]
        graph = Graph()
        picture = join_pieces(group, timeline.segments, timeline.canvas, graph)
        # layers showing after the last wanted frame are not opened
        picture = _with_layers(picture, group, timeline, raster, graph, frames=local[-1] + 1)
        # trim ends the graph right after the last wanted frame, so nothing later is decoded
        picture = picture.filter("trim", end_frame=local[-1] + 1)
        if first:
            # the text images are timed on the film: put the chunk's frames back at film time
            picture = picture.filter("setpts", f"PTS+{first}")
        picture = _with_text(picture, timeline, raster, graph, frames=local[-1] + 1, first=first)
        picture = picture.filter("select", "+".join(f"eq(n,{n})" for n in local))
        # A photo's EXIF (GPS, make, serial) rides on its frames as side data, and the PNG encoder
        # writes it into the still as an eXIf chunk; `-map_metadata -1` does not reach it (issue 16).
        picture = picture.filter("sidedata", mode="delete")
        body = graph.argv([picture], output)
        commands.append([*global_options(loglevel="warning"), "-y", *body[:-1], "-fps_mode", "passthrough",
                         "-frames:v", str(len(local)), "-start_number", str(number), "-update", "0", body[-1]])
        number += len(local)
    return commands


def _from_frame(group: Sequence[Piece], frame: int) -> list[Piece]:
    """The chunk's pieces from the one holding `frame`, a body piece cut to start at `frame`.

    A frame late in a chunk was drawn by running the chunk's graph from its first frame: 2–3 s
    for a frame 13 s into a chunk of the 60 s bench film, at draft size. Starting the graph at the
    wanted frame seeks every input to it instead (as a chunk starting mid-segment already does),
    so a still costs about the same anywhere in the film. A transition is never cut: its `xfade`
    needs both sides from the transition's first frame.
    """
    for i, piece in enumerate(group):
        if piece.start <= frame < piece.start + piece.length:
            if piece.transition is None and frame > piece.start:
                return [split_body(piece, [frame])[1], *group[i + 1:]]
            return list(group[i:])
    raise ValueError(f"frame {frame} is not in the chunk")
