"""Compile a Timeline into ffmpeg commands: the render, and the loudness-measuring pass before it.

Both functions are pure and deterministic: the same Timeline (and raster plan, settings and gain)
always gives the same argv bytes, with no file system access and no process started. argv[0] is
the symbolic `ffmpeg`; `toolkit.build.run.runner` substitutes the resolved binary.

The filtergraph is built with ffmpeg-python (see `nodes.py` for the two ways Reel works around
its limits: unique input nodes and lavfi inputs for source filters).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from toolkit.build.compile import audio
from toolkit.build.compile.joins import join_segments, overlay_text
from toolkit.build.compile.loudness import AudioGain
from toolkit.build.compile.nodes import Graph
from toolkit.build.compile.output import (
    EncodeSettings,
    audio_options,
    container_options,
    global_options,
    video_options,
)
from toolkit.build.compile.raster import RasterPlan
from toolkit.build.compile.video import build_segment
from toolkit.build.plan.timeline import Timeline


def compile_render(timeline: Timeline, raster: RasterPlan, *, output: Path, encode: EncodeSettings,
                   gain: AudioGain | None) -> list[str]:
    """The ffmpeg command that renders the whole film to `output` in one pass.

    `gain` comes from the loudness pass (`AudioGain.for_target(measure_loudness_pass(...), mix)`);
    None skips normalisation (drafts). The command always overwrites `output`: write to a
    temporary path from `runner.atomic_output`, which owns the refuse-to-overwrite policy.
    """
    graph = Graph()
    picture = _picture(timeline, raster, graph)
    sound = audio.finish(audio.build_mix(timeline, graph), timeline, gain, graph)
    body = graph.argv([picture, sound], output)
    return [*global_options(loglevel="warning", threads=encode.threads), "-y", *body[:-1],
            *video_options(timeline, encode), *audio_options(encode), *container_options(timeline), body[-1]]


def _picture(timeline: Timeline, raster: RasterPlan, graph: Graph):
    """The film's picture: every segment built, joined by its transitions, text laid over."""
    canvas = timeline.canvas
    segments = [build_segment(seg, canvas, graph) for seg in timeline.segments]
    picture = join_segments(timeline.segments, segments, canvas, graph)
    concat = str(raster.concat) if raster.concat is not None else None
    return overlay_text(picture, concat, raster.box.x, raster.box.y, canvas, graph)


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


def compile_frames(timeline: Timeline, raster: RasterPlan, *, frames: Sequence[int], output: Path) -> list[str]:
    """The ffmpeg command that writes chosen output frames (pictures only) as PNG images.

    `output` is an image-sequence pattern such as `frame_%03d.png`; images are numbered from 1 in
    the order of `frames` (sorted). Used by `reel still` and `reel sheet`: the same graph as the
    render, so a still is exactly what the film shows, without encoding or audio.
    """
    wanted = sorted(set(frames))
    if not wanted or wanted[0] < 0 or wanted[-1] >= timeline.frames:
        raise ValueError(f"frames must lie in 0..{timeline.frames - 1}")
    graph = Graph()
    picture = _picture(timeline, raster, graph)
    # trim ends the graph right after the last wanted frame, so nothing later is decoded
    picture = picture.filter("trim", end_frame=wanted[-1] + 1)
    picture = picture.filter("select", "+".join(f"eq(n,{n})" for n in wanted))
    body = graph.argv([picture], output)
    return [*global_options(loglevel="warning"), "-y", *body[:-1], "-fps_mode", "passthrough",
            "-frames:v", str(len(wanted)), "-update", "0", body[-1]]
