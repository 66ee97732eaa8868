"""Reversed footage of any length up to a minute: made once into the cache, played forwards.

The source clip's frame n says n in its pixels: the top half is a grey of luma 16 + 7·(n mod 28),
the bottom half 16 + 70·(n div 28) (56 frames at 10 fps). A 4 s reversed background, a 4 s one at
2× held on its last frame, and a 3 s reversed footage layer (all past the old 1.43 s in-memory
bound) are rendered final and draft, chunked and as stills, and every frame shows the source
frame the plan says.
"""

from __future__ import annotations

import dataclasses
import shlex
from fractions import Fraction
from pathlib import Path

import av
import media_factory as mf
import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

import toolkit.film.compile.reversing as compile_reversing
import toolkit.film.run.runner as runner_module
from toolkit.cli import cli
from toolkit.errors import SpecError
from toolkit.film import reversing
from toolkit.film.compile.graph import compile_render
from toolkit.film.compile.nodes import Graph
from toolkit.film.compile.output import EncodeSettings
from toolkit.film.compile.raster import RasterPlan, rasterise
from toolkit.film.compile.reversing import ReverseJob, compile_reverse
from toolkit.film.compile.video import build_segment
from toolkit.film.pipeline import Prepared, prepare
from toolkit.film.plan.timeline import Box, Layer, Timeline, Transition, VideoSource
from toolkit.film.render import render_film, render_frames
from toolkit.film.run.reversing import make_reversed
from toolkit.film.run.runner import atomic_output, run_render
from toolkit.film.steps import ReverseFootage, plan_render

pytestmark = pytest.mark.render

FPS = 10
WIDTH = 540
SOURCE_FRAMES = 56
STORYBOARD = """\
title: Reverse
region: UK
scenes:
  - name: back
    background: {video: idx.mp4, from: 0.5s, to: 4.5s, reverse: yes}
    audio: mute
  - name: fast-back-held
    background: {video: idx.mp4, from: 1s, to: 5s, speed: 2, reverse: yes, hold: last-frame}
    duration: 2.5s
    audio: mute
  - name: layered
    background: '#203040'
    duration: 3.5s
    layers:
      - {video: idx.mp4, from: 2s, to: 5s, reverse: yes, hold: last-frame, size: 50%}
"""


def make_indexed(path: Path) -> Path:
    lum = "if(lt(Y,H/2),16+7*mod(N,28),16+70*floor(N/28))"
    mf.ffmpeg("-f", "lavfi", "-i", f"color=c=black:s=216x384:r={FPS}:d={SOURCE_FRAMES / FPS},format=yuv420p,"
              f"geq=lum='{lum}':cb=128:cr=128", "-c:v", "libx264", "-preset", "ultrafast", "-qp", "0",
              "-pix_fmt", "yuv420p", str(path))
    return path


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("reverse")
    make_indexed(folder / "idx.mp4")
    return folder


@pytest.fixture(scope="module")
def cache(tmp_path_factory) -> Path:
    """One cache for the module: the renders share (and must reuse) the intermediates."""
    path = tmp_path_factory.mktemp("cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("REEL_CACHE", str(path))
        yield path


@pytest.fixture(scope="module")
def film(folder: Path, cache: Path) -> Prepared:
    sb = folder / "reverse.yaml"
    sb.write_text(STORYBOARD, encoding="utf-8")
    return prepare(sb, width=WIDTH, fps=Fraction(FPS))


def expected(src: VideoSource, k: int) -> int:
    """The source frame frame k of `src` must show (trimmed frame j shows start + j·speed/fps)."""
    trim = src.trim_frames(Fraction(FPS))
    assert trim is not None
    j = k % trim if src.hold == "loop" else min(k, trim - 1)
    if src.reverse:
        j = trim - 1 - j
    return int(src.start * FPS) + int(j * src.speed)


def number(top: float, bottom: float, slack: float = 2.5) -> int:
    low, high = round((top - 16) / 7), round((bottom - 16) / 70)
    assert abs(top - (16 + 7 * low)) < slack and abs(bottom - (16 + 70 * high)) < 6, (top, bottom)
    return high * 28 + low


def read(picture: np.ndarray, box: Box, slack: float = 2.5) -> int:
    """The frame number a luma picture shows inside `box` (the clip fitted to it); `slack` is how far
    from a level a reading may be (a PNG's RGB read back as grey is further off than the film's luma)."""
    x, y, w, h = box.x, box.y, box.w, box.h
    cols = slice(x + w // 4, x + 3 * w // 4)
    top = float(picture[y + h // 8:y + 3 * h // 8, cols].mean())
    bottom = float(picture[y + 5 * h // 8:y + 7 * h // 8, cols].mean())
    return number(top, bottom, slack)


def frames(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        return [f.to_ndarray()[:960] for f in container.decode(video=0)]  # the luma plane


def reversed_parts(tl: Timeline) -> list[tuple[str, VideoSource, int, int, Box]]:
    """(name, source, first output frame, length, box) of every reversed segment and layer, away from fades."""
    full = Box(0, 0, tl.canvas.width, tl.canvas.height)
    parts = [(s.name, s.source, s.start, s.length, full) for s in tl.segments
             if isinstance(s.source, VideoSource) and s.source.reverse]
    parts += [(layer.id, layer.source, layer.start, layer.length, layer.box) for layer in tl.layers
              if isinstance(layer.source, VideoSource) and layer.source.reverse]
    return parts


def assert_as_planned(tl: Timeline, pictures: list[np.ndarray]) -> None:
    parts = reversed_parts(tl)
    assert len(parts) == 3
    for name, src, start, length, box in parts:
        for k in range(length):
            layer = _layer(tl, name)
            if layer is not None and not (layer.enter.frames <= k < length - layer.exit.frames):
                continue  # fading in or out
            got = read(pictures[start + k], box)
            assert got == expected(src, k), (name, k, got, expected(src, k))


def _layer(tl: Timeline, name: str) -> Layer | None:
    return next((layer for layer in tl.layers if layer.id == name), None)


def intermediates(cache: Path) -> list[Path]:
    return sorted(p for p in (cache / "reel" / "reversed").glob("reversed-*") if p.is_file())


# ------------------------------------------------------------------ renders


def test_final_then_draft_render_show_the_planned_frames_and_make_each_clip_once(film: Prepared, cache: Path,
                                                                                  tmp_path: Path) -> None:
    tl = film.timeline
    assert [p[2:4] for p in reversed_parts(tl)][:2] == [(0, 40), (40, 25)]  # 4 s reversed; 4 s at 2× is 2 s, held
    first = plan_render(film, tmp_path / "final.mp4")
    [step] = [s for s in first.steps if isinstance(s, ReverseFootage)]
    assert (len(step.make), len(step.cached)) == (3, 0)
    assert "3 reversed clips to make (9.0 s of frames), 0 cached" in step.describe()
    result = render_film(film, tmp_path / "final.mp4")
    assert_as_planned(tl, frames(result.output))
    made = intermediates(cache)
    assert len(made) == 3 and not list((cache / "reel" / "reversed").glob(".*partial*"))
    stamps = [p.stat().st_mtime_ns for p in made]
    # the draft reuses them (fitting comes later, so every width shares them) and proxies them
    again = plan_render(film, tmp_path / "draft.mp4", draft=True)
    [step] = [s for s in again.steps if isinstance(s, ReverseFootage)]
    assert (len(step.make), len(step.cached)) == (0, 3) and "0 reversed clips to make" in step.describe()
    assert "3 cached" in again.shell()
    draft = render_film(film, tmp_path / "draft.mp4", draft=True)
    assert_as_planned(tl, frames(draft.output))
    assert intermediates(cache) == made and [p.stat().st_mtime_ns for p in made] == stamps
    proxied = {Path(j.source) for s in again.steps if s.name == "proxies" for j in (*s.make, *s.cached)}
    assert set(made) <= proxied, "a draft proxies the intermediates"
    # the final at full width plans the same files: the intermediates are at the footage's own size
    full = prepare(film.loaded.path, width=1080, fps=Fraction(FPS))
    [step] = [s for s in plan_render(full, tmp_path / "full.mp4").steps if isinstance(s, ReverseFootage)]
    assert (len(step.make), sorted(j.path for j in step.cached)) == (0, made)


def test_a_first_draft_reads_the_new_files_and_the_next_draft_proxies_them(folder: Path, tmp_path: Path,
                                                                           monkeypatch) -> None:
    # a proxy is named by the bytes it proxies, so the draft that makes an intermediate cannot name
    # its proxy yet: it reads the intermediate itself; the next draft proxies it
    monkeypatch.setenv("REEL_CACHE", str(tmp_path / "cache"))
    sb = folder / "draft-first.yaml"
    sb.write_text("title: Draft\nregion: UK\nscenes:\n  - background: {video: idx.mp4, from: 0.5s, to: 3.5s, "
                  "reverse: yes}\n    audio: mute\n", encoding="utf-8")
    film = prepare(sb, width=WIDTH, fps=Fraction(FPS))
    first = plan_render(film, tmp_path / "d.mp4", draft=True)
    [proxies] = [s for s in first.steps if s.name == "proxies"]
    assert (proxies.make, proxies.cached) == ((), ())
    assert "reversed-" in str(first.render.timeline.segments[0].source.path)
    result = render_film(film, tmp_path / "d.mp4", draft=True)
    pictures = frames(result.output)
    src = film.timeline.segments[0].source
    assert [read(pictures[k], Box(0, 0, WIDTH, 960)) for k in range(30)] == [expected(src, k) for k in range(30)]
    [made] = intermediates(tmp_path / "cache")
    again = plan_render(film, tmp_path / "d.mp4", draft=True)
    [proxies] = [s for s in again.steps if s.name == "proxies"]
    assert [Path(j.source) for j in proxies.make] == [made]
    assert "proxy" in str(again.render.timeline.segments[0].source.path)


def test_a_chunked_render_and_stills_match_the_whole(film: Prepared, cache: Path, tmp_path: Path) -> None:
    tl = reversing.resolve_reversed(film.timeline)
    assert not reversed_parts(tl), "every reversed source reads its intermediate"
    raster = rasterise(tl, tmp_path / "text")
    whole, chunked = tmp_path / "whole.mp4", tmp_path / "chunked.mp4"
    chunks = []
    for target, size in ((whole, 100), (chunked, 2)):
        with atomic_output(target, force=False, inputs=()) as temp:
            commands = compile_render(tl, raster, output=temp, encode=EncodeSettings.draft(), gain=None,
                                      max_segments=size)
            chunks.append(len(commands.producers))
            run_render(commands, stage="render", total_frames=tl.frames)
    assert chunks[0] < chunks[1], chunks  # two segments a chunk: the intermediates are opened mid-film
    a, b = frames(whole), frames(chunked)
    card = tl.end_card.start
    assert max(float(np.abs(x.astype(int) - y.astype(int)).mean()) for x, y in zip(a[:card], b[:card],
                                                                                     strict=True)) < 1.5
    assert_as_planned(film.timeline, b)
    # stills at the first, a middle and the last frame of each reversed part
    wanted = sorted({start + k for _, _, start, length, _ in reversed_parts(film.timeline)
                     for k in (3, length // 2, length - 4)})
    (tmp_path / "stills").mkdir()
    pngs = render_frames(film, wanted, tmp_path / "stills")
    for n, png in zip(wanted, pngs, strict=True):
        with Image.open(png) as im:
            luma = np.asarray(im.convert("L")).astype(float) * 219 / 255 + 16
        part = next(p for p in reversed_parts(film.timeline) if p[2] <= n < p[2] + p[3])
        assert read(luma, part[4], 3.4) == expected(part[1], n - part[2]), (n, part[0])


def test_a_part_opened_at_any_frame_of_an_intermediate_shows_what_the_whole_shows(film: Prepared,
                                                                                   tmp_path: Path) -> None:
    tl = reversing.resolve_reversed(film.timeline)
    originals = {s.name: s for s in film.timeline.segments}
    for seg in tl.segments:
        if seg.name not in ("back", "fast-back-held"):
            continue
        graph = Graph()
        parts = [(first, min(4, seg.length - first)) for first in range(0, seg.length, 3)]
        streams = [build_segment(seg, tl.canvas, graph, first, count) for first, count in parts]
        body = graph.argv([graph.filter(streams, "concat", n=len(streams), v=1, a=0)], tmp_path / "p_%03d.png")
        runner_module.run_ffmpeg(["ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-y", *body[:-1],
                                  "-fps_mode", "passthrough", body[-1]], stage="frames")
        pngs = iter(sorted(tmp_path.glob("p_*.png")))
        src = originals[seg.name].source
        assert isinstance(src, VideoSource)
        for first, count in parts:
            for k in range(first, first + count):
                with Image.open(next(pngs)) as im:
                    luma = np.asarray(im.convert("L")).astype(float) * 219 / 255 + 16
                assert read(luma, Box(0, 0, WIDTH, 960), 3.4) == expected(src, k), (seg.name, first, k)
        for png in tmp_path.glob("p_*.png"):
            png.unlink()


# ------------------------------------------------------------------ memory: one block at a time


def test_blocks_hold_at_most_b_frames_and_cover_the_trim_last_first() -> None:
    src = VideoSource(Path("/media/walk.mp4"), Fraction(1), "cover", 1080, 1920, True, end=Fraction(9),
                      speed=Fraction(2), reverse=True)
    job = ReverseJob(src, Fraction(30), src.trim_frames(Fraction(30)) or 0, Path("/cache/r.mp4"))
    b = job.block_frames
    assert (job.trim, b) == (120, 43)  # 8 s at 2× is 4 s; 128 MiB of 1080×1920 yuv420p frames is 43
    commands = compile_reverse(job, Path("/cache/.r.partial.mp4"))
    assert len(commands.producers) == 3 and job.blocks() == [(77, 43), (34, 43), (0, 34)]
    for (first, count), argv in zip(job.blocks(), commands.producers, strict=True):
        graph = argv[argv.index("-filter_complex") + 1]
        trim = graph.split("trim=")[1].split("[")[0]
        ends = dict(kv.split("=") for kv in trim.split(":"))
        assert int(ends["end_frame"]) - int(ends["start_frame"]) == count <= b
        assert graph.index("trim=") < graph.index("reverse") and argv[argv.index("-frames:v") + 1] == str(count)
        # the decoded span: the block, a half-second lead (8 frames at 2×, dropped by trim before the
        # reverse) and 3 frames of margin
        span = Fraction(argv[argv.index("-t") + 1])
        assert span <= Fraction(min(first, 8) + count + 3) * 2 / 30 + Fraction(1, 10**6)
        start = Fraction(argv[argv.index("-ss") + 1])
        assert start >= src.start + (first - 15) * Fraction(2, 30) - Fraction(1, 10**6)
    encoder = commands.encoder
    assert encoder[encoder.index("-c:v") + 1] == "libx264" and "-crf" in encoder and encoder[-1].endswith(".mp4")
    assert encoder[encoder.index("-g") + 1] == "15" and encoder[encoder.index("-frames:v") + 1] == "120"
    see_through = dataclasses.replace(src, alpha=True)
    alpha = compile_reverse(ReverseJob(see_through, Fraction(30), 120, Path("/cache/r.nut")), Path("/c/r.nut")).encoder
    codec = alpha[alpha.index("-c:v"):]
    assert codec[1] == "ffv1" and codec[codec.index("-pix_fmt") + 1] == "bgra" and codec[-1].endswith(".nut")


def test_an_intermediate_made_in_small_blocks_is_the_same_reversed_trim(folder: Path, tmp_path: Path,
                                                                         monkeypatch) -> None:
    # 216×384 yuv420p is 124 416 bytes: a bound of 7 frames' worth makes blocks of 7
    monkeypatch.setattr(compile_reversing, "LOOP_MEMORY_BYTES", 7 * 216 * 384 * 3 // 2)
    src = VideoSource(folder / "idx.mp4", Fraction(1, 2), "cover", 216, 384, False, end=Fraction(9, 2),
                      reverse=True)
    job = reversing.job_for(src, Fraction(FPS), tmp_path)
    assert job.block_frames == 7 and len(job.blocks()) == 6  # 40 frames: 5 blocks of 7 and one of 5
    made = make_reversed(job)
    with av.open(str(made)) as container:
        shown = [read(f.to_ndarray()[:384], Box(0, 0, 216, 384)) for f in container.decode(video=0)]
    assert shown == [expected(src, k) for k in range(40)] == list(range(44, 4, -1))


@pytest.mark.parametrize("alpha", [False, True], ids=["odd-size", "transparent"])
def test_odd_sized_and_transparent_footage_is_reversed_losslessly(tmp_path: Path, alpha: bool) -> None:
    # x264 cannot take an odd size, nor transparency: FFV1 in NUT (a time base of exactly the rate)
    clip = tmp_path / ("alpha.mkv" if alpha else "odd.mkv")
    lum = f"geq=r='10*N':g='10*N':b='10*N':a='{'100+5*N' if alpha else '255'}'"
    mf.ffmpeg("-f", "lavfi", "-i", f"color=c=black:s=63x35:r={FPS}:d=2,format=rgba,{lum}", "-c:v", "ffv1",
              "-pix_fmt", "bgra" if alpha else "yuv444p", str(clip))
    src = VideoSource(clip, Fraction(1, 2), "cover", 63, 35, False, end=Fraction(3, 2), reverse=True, alpha=alpha)
    job = reversing.job_for(src, Fraction(FPS), tmp_path / "cache")
    assert job.lossless and job.path.suffix == ".nut"
    made = make_reversed(job)
    with av.open(str(made)) as container:
        pictures = [f.to_ndarray(format="rgba") for f in container.decode(video=0)]
    assert len(pictures) == 10 and all(p.shape == (35, 63, 4) for p in pictures)
    shown = [round(float(p[..., 1].mean()) / 10) for p in pictures]
    assert shown == list(range(14, 4, -1)), shown  # source frames 14 … 5
    if alpha:
        assert [round(float(p[..., 3].mean())) for p in pictures] == [100 + 5 * n for n in range(14, 4, -1)]


# ------------------------------------------------------------------ plan, dry run


def test_reel_render_dry_run_lists_the_step_and_runs_what_it_printed(folder: Path, tmp_path: Path,
                                                                      monkeypatch) -> None:
    monkeypatch.setenv("REEL_CACHE", str(tmp_path / "cache"))
    sb = folder / "one.yaml"
    sb.write_text("title: One\nregion: UK\nscenes:\n  - background: {video: idx.mp4, from: 0.5s, to: 3s, "
                  "reverse: yes}\n    audio: mute\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["render", str(sb), "--dry-run", "-o", str(tmp_path / "never.mp4")])
    assert result.exit_code == 0, result.output
    names = [line.split(":")[1].split(" —")[0].strip() for line in result.output.splitlines()
             if line.startswith("# step")]
    assert names == ["text", "reversed footage", "loudness", "captions", "render", "check", "flash gate", "end card"]
    [line] = [line for line in result.output.splitlines() if line.startswith("# step 2")]
    assert "1 reversed clip to make (2.5 s of frames), 0 cached (idx.mp4), in " in line
    printed = result.output.split("# step 2", 1)[1].split("# step 3", 1)[0].splitlines()[1]
    assert printed.startswith("{ ffmpeg ") and "reverse" in printed and " | ffmpeg " in printed
    spawned: list[list[str]] = []
    start = runner_module._start

    def watch(command, ffmpeg, stage, **kwargs):
        spawned.append(["ffmpeg", *list(command)[1:]])
        return start(command, ffmpeg, stage, **kwargs)

    monkeypatch.setattr(runner_module, "_start", watch)
    [job] = plan_render(prepare(sb), tmp_path / "x.mp4").steps[1].make
    make_reversed(job)
    ran = [*spawned[1:], spawned[0]]  # the runner starts the encoder first, then the blocks into it
    shown: list[list[str]] = [[]]
    for token in shlex.split(printed):  # `{ a ; b ; } | c` gives a, b, c
        if token in ("{", "}", ";", "|"):
            shown += [] if not shown[-1] else [[]]
        else:
            shown[-1].append(token)
    shown = [argv for argv in shown if argv]
    assert [argv[:-1] for argv in ran] == [argv[:-1] for argv in shown]
    assert [argv[-1] for argv in ran][:-1] == ["pipe:1"] and Path(ran[-1][-1]).name.startswith(".")


def _planned_errors(path: Path) -> list:
    with pytest.raises(SpecError) as exc:
        prepare(path)
    return [i for i in exc.value.issues if i.severity == "error"]


def test_a_reversed_trim_over_a_minute_is_a_located_error(folder: Path, tmp_path: Path) -> None:
    mf.ffmpeg("-f", "lavfi", "-i", "color=c=gray:s=64x114:r=2:d=62", "-c:v", "libx264", "-preset", "ultrafast",
              "-pix_fmt", "yuv420p", str(folder / "long.mp4"))
    sb = folder / "long.yaml"
    sb.write_text("title: Long\nregion: UK\nscenes:\n"
                  "  - background:\n      video: long.mp4\n      from: 0.5s\n      to: 61.5s\n      reverse: yes\n"
                  "    audio: mute\n", encoding="utf-8")
    [issue] = _planned_errors(sb)
    assert (issue.line, issue.col, issue.path, issue.code) == (8, 16, "scenes[0].background.reverse",
                                                               "reverse-too-long"), issue.format()
    assert issue.message \
        == ("a reversed trim is made once into a file before the render, so it may be at most 60s (1:00.0) of "
            "footage; this trim is 61s (1:01.0) (`from`–`to`). Shorten `from`–`to` to at most 60s (1:00.0)")
    layer = folder / "long-layer.yaml"
    layer.write_text("title: Long\nregion: UK\nscenes:\n  - background: '#000000'\n    duration: 2s\n    layers:\n"
                     "      - {video: long.mp4, to: 60.5s, reverse: yes, for: 2s}\n", encoding="utf-8")
    [issue] = _planned_errors(layer)
    assert (issue.line, issue.col, issue.path) == (7, 47, "scenes[0].layers[0].reverse"), issue.format()
    assert "this trim is 60.5s (1:00.5)" in issue.message
    # exactly a minute is fine
    layer.write_text(layer.read_text(encoding="utf-8").replace("60.5s", "60s"), encoding="utf-8")
    assert not [i for i in _planned_errors_or_none(layer) if i.code == "reverse-too-long"]


def _planned_errors_or_none(path: Path) -> list:
    try:
        return list(prepare(path).warnings)
    except SpecError as exc:
        return list(exc.issues)


def test_compiling_a_long_reversed_trim_in_the_graph_is_refused() -> None:
    back = VideoSource(Path("/media/walk.mp4"), Fraction(0), "cover", 1920, 1080, False, end=Fraction(2),
                       reverse=True)
    timeline = mf.timeline([(back, 20, Transition("cut", 0))], fps=30)
    raster = RasterPlan(Path("/work/overlays.ffconcat"), Box(24, 56, 154, 194), ())
    with pytest.raises(ValueError, match=r"reverse it first with toolkit\.film\.reversing"):
        compile_render(timeline, raster, output=Path("/out/x.mp4"), encode=EncodeSettings.draft(), gain=None)
    # within the old bound (43 frames) the graph may still reverse it
    short = dataclasses.replace(back, end=Fraction(1))
    argv = compile_render(mf.timeline([(short, 20, Transition("cut", 0))], fps=30), raster, output=Path("/o.mp4"),
                          encode=EncodeSettings.draft(), gain=None).encoder
    assert "reverse" in argv[argv.index("-filter_complex") + 1]

