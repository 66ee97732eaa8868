"""Speed, reverse and focus on footage: planned, compiled and rendered as the storyboard says.

The source clip's frame n is a flat grey of luma 16 + 7·n (30 frames at 10 fps), so every output
frame says which source frame it shows; its sound is a tone whose pitch says where in the clip it
comes from. One storyboard (sped up, slowed, reversed, reversed fast and held, slowed and looped,
framed left and right) is rendered whole, chunked two segments at a time (a fade makes a chunk
open footage mid-segment) and as stills, at 540×960 and 10 fps.
"""

from __future__ import annotations

import json
import os
from fractions import Fraction
from pathlib import Path

import av
import media_factory as mf
import numpy as np
import pytest
from PIL import Image

from toolkit.errors import SpecError
from toolkit.film.compile.audio import tempo_factors
from toolkit.film.compile.graph import compile_render
from toolkit.film.compile.nodes import Graph
from toolkit.film.compile.output import EncodeSettings
from toolkit.film.compile.raster import RasterPlan, rasterise
from toolkit.film.compile.video import build_segment
from toolkit.film.pipeline import Prepared, prepare
from toolkit.film.plan.describe import describe
from toolkit.film.plan.timeline import AudioCue, Box, Segment, Transition, VideoSource
from toolkit.film.render import cache_dir, render_film, render_frames
from toolkit.film.run.runner import atomic_output, run_ffmpeg, run_render
from toolkit.film.spec.validate import load_storyboard

FPS = 10
WIDTH = 540
CENTRE = (slice(380, 580), slice(150, 390))  # rows, columns of the middle of a 540×960 frame
STEP = 7
SOURCE_FRAMES = 30
# 500 Hz in 0.5–1.0 s of the clip, 300 Hz in 1.0–1.5 s, 1000 Hz elsewhere
SOUND = "0.3*sin(2*PI*t*if(between(t,0.5,0.9999),500,if(between(t,1,1.4999),300,1000)))"

STORYBOARD = """\
title: Speed
region: UK
scenes:
  - name: fast
    background: {video: idx.mp4, from: 0.4s, to: 2.4s, speed: 2}
    audio: tempo
    transition: {type: fade, duration: 0.3s}
  - name: slow
    background: {video: idx.mp4, from: 1s, to: 1.5s, speed: 50%}
    audio: mute
  - name: back
    background: {video: idx.mp4, from: 0.5s, to: 1.5s, reverse: yes}
    audio: mute
    transition: {type: fade, duration: 0.3s}
  - name: back-fast-held
    background: {video: idx.mp4, from: 1.2s, to: 2.2s, speed: 2, reverse: yes, hold: last-frame}
    duration: 0.9s
    audio: mute
  - name: fast-held
    background: {video: idx.mp4, from: 2s, to: 2.6s, speed: 2, hold: last-frame}
    duration: 0.8s
    audio: mute
  - name: slow-loop
    background: {video: idx.mp4, from: 2.5s, to: 2.8s, speed: 0.5, hold: loop}
    duration: 1.5s
    audio: mute
  - name: back-loop
    background: {video: idx.mp4, from: 0s, to: 0.3s, reverse: yes, hold: loop}
    duration: 0.8s
    audio: mute
  - name: left
    background: {video: halves.mp4, to: 0.5s, focus: left}
  - name: right
    background: {video: halves.mp4, to: 0.5s, focus: right}
"""

pytestmark = pytest.mark.render


def make_indexed(path: Path) -> Path:
    picture = (f"color=c=black:s=216x384:r={FPS}:d={SOURCE_FRAMES / FPS},format=yuv420p,"
               f"geq=lum='16+{STEP}*N':cb=128:cr=128")
    mf.ffmpeg("-f", "lavfi", "-i", picture, "-f", "lavfi", "-i", f"aevalsrc='{SOUND}':s=48000:d=3",
              "-c:v", "libx264", "-preset", "ultrafast", "-qp", "0", "-pix_fmt", "yuv420p",
              "-c:a", "aac", "-b:a", "192k", str(path))
    return path


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("speed")
    make_indexed(folder / "idx.mp4")
    # landscape footage: white on the left, black on the right, no sound
    mf.make_halves(folder / "halves.mp4", size=(320, 180), first="white", second="black", seconds=1, fps=FPS)
    return folder


@pytest.fixture(scope="module")
def film(folder: Path) -> Prepared:
    sb = folder / "speed.yaml"
    sb.write_text(STORYBOARD, encoding="utf-8")
    return prepare(sb, width=WIDTH, fps=Fraction(FPS))


@pytest.fixture(autouse=True)
def _own_cache(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("REEL_CACHE", str(tmp_path / "cache"))


def expected(seg: Segment, k: int) -> int:
    """The source frame segment frame k must show: trimmed frame j shows start + j·speed/fps."""
    src = seg.source
    assert isinstance(src, VideoSource)
    trim = src.trim_frames(Fraction(FPS))
    assert trim is not None
    j = k % trim if src.hold == "loop" else min(k, trim - 1)
    if src.reverse:
        j = trim - 1 - j
    return int(src.start * FPS) + int(j * src.speed)


def inside(seg: Segment) -> range:
    src = seg.source
    assert isinstance(src, VideoSource) and src.end is not None
    return range(int(src.start * FPS), -(-int(src.end * FPS * 1000) // 1000))


def indexed(film: Prepared) -> list[Segment]:
    return [s for s in film.timeline.segments if isinstance(s.source, VideoSource) and s.source.path.name == "idx.mp4"]


def lumas(path: Path) -> list[float]:
    with av.open(str(path)) as container:
        return [float(f.to_ndarray()[CENTRE].mean()) for f in container.decode(video=0)]


def shown(luma: float) -> int:
    return round((luma - 16) / STEP)


def uncovered(film: Prepared, seg: Segment) -> range:
    """Frames of `seg` not blended by a transition."""
    segs = film.timeline.segments
    nxt = segs[seg.index + 1].transition_in.frames if seg.index + 1 < len(segs) else 0
    return range(seg.transition_in.frames, seg.length - nxt)


def assert_as_planned(film: Prepared, values: list[float]) -> None:
    for seg in indexed(film):
        for k in uncovered(film, seg):
            n = shown(values[seg.start + k])
            assert abs(values[seg.start + k] - (16 + STEP * n)) < 2.5, (seg.name, k, values[seg.start + k])
            assert n in inside(seg), f"{seg.name} frame {k} shows source frame {n}, outside its trim"
            assert n == expected(seg, k), (seg.name, k, n, expected(seg, k))


# ------------------------------------------------------------------ plan


def test_durations_follow_trim_over_speed(film: Prepared) -> None:
    segs = {s.name: s for s in film.timeline.segments}
    # 2 s at 2× is 1 s; 0.5 s at 50 % is 1 s; 1 s reversed is 1 s
    assert (segs["fast"].length, segs["slow"].length, segs["back"].length) == (10, 10, 10)
    assert segs["back-fast-held"].source.trim_frames(Fraction(FPS)) == 5
    assert segs["slow-loop"].source.trim_frames(Fraction(FPS)) == 6
    # 0.6 s at 2× is 3 frames (source frames 20, 22, 24), then the last is held
    assert [expected(segs["fast-held"], k) for k in range(5)] == [20, 22, 24, 24, 24]
    assert [expected(segs["back-loop"], k) for k in range(8)] == [2, 1, 0, 2, 1, 0, 2, 1]
    assert (expected(segs["fast"], 3), expected(segs["slow"], 3), expected(segs["back"], 0)) == (10, 11, 14)


def test_the_sound_plays_at_the_footage_speed_and_reversed_footage_is_silent(film: Prepared) -> None:
    fast = next(s for s in film.timeline.segments if s.name == "fast")
    [cue] = [c for c in film.timeline.audio if c.role == "source"]
    assert (cue.start, cue.length, cue.speed) == (fast.start, fast.length, 2)
    assert (cue.source_start, cue.source_end) == (Fraction(2, 5), Fraction(12, 5))
    assert tempo_factors(Fraction(1, 4)) == ["0.5", "0.5"] and tempo_factors(Fraction(4)) == ["4"]
    assert tempo_factors(Fraction(1)) == []


# ------------------------------------------------------------------ render


def test_whole_render_shows_source_time_at_speed(film: Prepared, tmp_path: Path) -> None:
    result = render_film(film, tmp_path / "final.mp4")
    values = lumas(result.output)
    assert_as_planned(film, values)
    segs = {s.name: s for s in film.timeline.segments}
    # 2×: frame k is source frame 4 + 2k; 50 %: 10 + k/2; reversed: 14 … 5
    assert [shown(values[segs["fast"].start + k]) for k in range(5)] == [4, 6, 8, 10, 12]
    assert [shown(values[segs["slow"].start + k]) for k in range(3, 7)] == [11, 12, 12, 13]
    assert [shown(values[segs["back"].start + k]) for k in range(3, 7)] == [11, 10, 9, 8]
    # the sound at 2× lasts half as long: 500 Hz (source 0.5–1.0 s) is heard for 0.25 s from 0.05 s
    assert _pitch(result.output, 0.1, 0.25) == pytest.approx(500, abs=25)
    assert _pitch(result.output, 0.35, 0.5) == pytest.approx(300, abs=25)
    assert _pitch(result.output, 0.6, 0.85) == pytest.approx(1000, abs=25)


def test_draft_render_through_proxies_shows_the_same_source_frames(film: Prepared, tmp_path: Path) -> None:
    result = render_film(film, tmp_path / "draft.mp4", draft=True)
    assert list((cache_dir().parent / "proxy").glob("*.mp4")), "the draft must have used a proxy"
    assert_as_planned(film, lumas(result.output))


def test_chunked_render_and_stills_agree_with_the_whole(film: Prepared, tmp_path: Path) -> None:
    tl = film.timeline
    raster = rasterise(tl, tmp_path / "text")
    whole, chunked = tmp_path / "whole.mp4", tmp_path / "chunked.mp4"
    for target, size in ((whole, None), (chunked, 2)):
        with atomic_output(target, force=False, inputs=()) as temp:
            options = {} if size is None else {"max_segments": size}
            commands = compile_render(tl, raster, output=temp, encode=EncodeSettings.draft(), gain=None, **options)
            run_render(commands, stage="render", total_frames=tl.frames)
    a, b = lumas(whole), lumas(chunked)
    card = tl.end_card.start
    assert max(abs(x - y) for x, y in zip(a[:card], b[:card], strict=True)) < 2.5
    assert_as_planned(film, b)
    # stills: the first, a middle and the last frame of every retimed segment
    wanted = sorted({s.start + k for s in indexed(film) for k in (0, s.length // 2, s.length - 1)
                     if k in uncovered(film, s)})
    (tmp_path / "stills").mkdir()
    pngs = render_frames(film, wanted, tmp_path / "stills")
    for n, png in zip(wanted, pngs, strict=True):
        with Image.open(png) as im:
            grey = 16 + float(np.asarray(im.convert("L"))[CENTRE].mean()) * 219 / 255
        assert shown(grey) == shown(a[n]), (n, grey, a[n])


def test_a_part_opened_at_any_frame_shows_what_the_whole_shows(film: Prepared, tmp_path: Path) -> None:
    # A chunk or a still opens footage mid-segment; at 50 % an odd frame opens between two source
    # frames, where the input's seek would drop the frame on screen without the decode's lead.
    for seg in indexed(film):
        graph = Graph()
        parts = [(first, min(3, seg.length - first)) for first in range(seg.length)]
        streams = [build_segment(seg, film.timeline.canvas, graph, first, count) for first, count in parts]
        body = graph.argv([graph.filter(streams, "concat", n=len(streams), v=1, a=0)], tmp_path / "p_%03d.png")
        run_ffmpeg(["ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-y", *body[:-1],
                    "-fps_mode", "passthrough", body[-1]], stage="frames")
        pngs = iter(sorted(tmp_path.glob("p_*.png")))
        for first, count in parts:
            for k in range(first, first + count):
                with Image.open(next(pngs)) as im:
                    grey = 16 + float(np.asarray(im.convert("L"))[CENTRE].mean()) * 219 / 255
                assert shown(grey) == expected(seg, k) and shown(grey) in inside(seg), (seg.name, first, k)
        for png in tmp_path.glob("p_*.png"):
            png.unlink()


def test_focus_keeps_the_chosen_side_of_landscape_footage(film: Prepared, tmp_path: Path) -> None:
    segs = {s.name: s for s in film.timeline.segments}
    frames = [segs["left"].start + 2, segs["right"].start + 2]
    left, right = render_frames(film, frames, tmp_path)
    with Image.open(left) as im:
        pixels = np.asarray(im.convert("L"))
        assert pixels[:, :20].mean() > 230 and pixels[:, -20:].mean() > 230, "focus left keeps the white left"
    with Image.open(right) as im:
        pixels = np.asarray(im.convert("L"))
        assert pixels[:, :20].mean() < 25 and pixels[:, -20:].mean() < 25, "focus right keeps the black right"


def _pitch(path: Path, start: float, end: float) -> float:
    with av.open(str(path)) as container:
        rate = container.streams.audio[0].rate
        chunks = [f.to_ndarray().mean(axis=0) for f in container.decode(audio=0)]
    signal = np.concatenate(chunks)[int(start * rate):int(end * rate)]
    spectrum = np.abs(np.fft.rfft(signal * np.hanning(len(signal))))
    return float(np.fft.rfftfreq(len(signal), 1 / rate)[int(np.argmax(spectrum))])


# ------------------------------------------------------------------ goldens (no ffmpeg)

GOLDENS = Path(__file__).parent / "goldens" / "compile"
UPDATE = os.environ.get("REEL_UPDATE_GOLDENS") == "1"
RASTER = RasterPlan(Path("/work/overlays-0123456789abcdef.ffconcat"), Box(24, 56, 154, 194), ())
OUT = Path("/out/.film.reel-tmp-0000.mp4")
CLIP = Path("/media/walk.mp4")


def _retimed():
    fast = VideoSource(CLIP, Fraction(1), "cover", 1920, 1080, True, end=Fraction(3), speed=Fraction(2),
                       focus=Fraction(0))
    back = VideoSource(CLIP, Fraction(1), "contain", 1920, 1080, True, end=Fraction(2), hold="last-frame",
                       reverse=True)
    slow = VideoSource(CLIP, Fraction(4), "cover", 1920, 1080, True, end=Fraction(9, 2), hold="loop",
                       speed=Fraction(1, 4), focus=Fraction(1))
    return mf.timeline(
        [(fast, 10, Transition("cut", 0)), (back, 15, Transition("fade", 4)), (slow, 30, Transition("cut", 0))],
        audio=(AudioCue("source", CLIP, 0, 10, Fraction(1), 1.0, source_end=Fraction(3), speed=Fraction(2)),
               AudioCue("source", CLIP, 21, 30, Fraction(4), 1.0, loop=True, source_end=Fraction(9, 2),
                        speed=Fraction(1, 4))))


@pytest.mark.parametrize("case, chunk", [("speed-final", None), ("speed-chunked-draft", 2)])
def test_compiled_argv_matches_golden(case: str, chunk: int | None) -> None:
    options = {"encode": EncodeSettings.final() if chunk is None else EncodeSettings.draft(), "gain": None}
    if chunk is not None:
        options["max_segments"] = chunk
    argv = compile_render(_retimed(), RASTER, output=OUT, **options).to_dict()
    path = GOLDENS / f"{case}.json"
    if UPDATE:
        path.write_text(json.dumps({"regenerate": "REEL_UPDATE_GOLDENS=1 python -m pytest tests/test_speed.py",
                                    "argv": argv}, indent=1) + "\n")
    assert path.exists(), f"{path} is missing: run with REEL_UPDATE_GOLDENS=1 to create it"
    assert argv == json.loads(path.read_text())["argv"]
    text = json.dumps(argv)
    assert "setpts=PTS*1/2" in text and "setpts=PTS*4/1" in text and "reverse" in text
    assert "atempo=2" in text and "atempo=0.5" in text
    # focus 0 and 1: the crop window (cut from the source before scaling) at the left/top and right/bottom
    assert ":(iw-ow)*0:(ih-oh)*0[" in text and ":(iw-ow)*1:(ih-oh)*1[" in text


# ------------------------------------------------------------------ bad input


def write(folder: Path, body: str) -> Path:
    path = folder / "bad.yaml"
    path.write_text("title: Bad\nregion: UK\nscenes:\n" + body, encoding="utf-8")
    return path


@pytest.mark.parametrize("value, words", [
    ("0", "between 0.25 (25%, quarter speed) and 4 (400%), got 0"),
    ("100", "between 0.25 (25%, quarter speed) and 4 (400%), got 100"),
    ("-1", "between 0.25 (25%, quarter speed) and 4 (400%), got -1"),
    ("fast", "a number like 0.5 or 2, or a percentage like 50%, got 'fast'"),
])
def test_a_speed_out_of_range_is_a_located_error(folder: Path, value: str, words: str) -> None:
    path = write(folder, f"  - background:\n      video: idx.mp4\n      speed: {value}\n    audio: mute\n")
    with pytest.raises(SpecError) as exc:
        load_storyboard(path)
    [issue] = [i for i in exc.value.issues if i.severity == "error"]
    assert (issue.line, issue.col) == (6, 14) and words in issue.message, issue.format()


def test_focus_outside_the_frame_is_a_located_error(folder: Path) -> None:
    path = write(folder, "  - background: {video: halves.mp4, focus: 2}\n")
    with pytest.raises(SpecError) as exc:
        load_storyboard(path)
    [issue] = [i for i in exc.value.issues if i.severity == "error"]
    assert issue.line == 4 and "focus must be from 0 (left/top edge) to 1 (right/bottom edge), got 2" in issue.message


def _planned(path: Path, severity: str = "error", code: str | None = None):
    try:
        issues = prepare(path).warnings
    except SpecError as exc:
        issues = exc.issues
    return [i for i in issues if i.severity == severity and code in (None, i.code)]


def test_sped_up_footage_with_sound_must_say_what_its_sound_does(folder: Path) -> None:
    path = write(folder, "  - background:\n      video: idx.mp4\n      speed: 2\n")
    [issue] = _planned(path)
    assert issue.line == 6 and "`audio: tempo`" in issue.message and "`audio: mute`" in issue.message
    assert "plays at 200%" in issue.message


def test_reverse_needs_an_end(folder: Path) -> None:
    [issue] = _planned(write(folder, "  - background:\n      video: idx.mp4\n      reverse: yes\n    audio: mute\n"))
    assert issue.line == 6 and "`reverse: yes` needs `to:`" in issue.message
    # 2 s reversed (past the old in-memory bound of 1.43 s) plans: it is made once before the render
    long = "  - background:\n      video: idx.mp4\n      to: 2s\n      reverse: yes\n    audio: mute\n"
    assert _planned(write(folder, long)) == []


def test_focus_with_another_fit_is_ignored_with_a_warning(folder: Path) -> None:
    path = write(folder, "  - background:\n      video: halves.mp4\n      fit: contain\n      focus: left\n")
    [issue] = _planned(path, "warning", "focus-ignored")
    assert issue.line == 7 and "`focus` only moves a `fit: cover` crop" in issue.message


def test_a_slowed_trim_too_short_for_its_scene_says_how_long_it_plays(folder: Path) -> None:
    body = "  - background: {video: idx.mp4, from: 1s, to: 1.5s, speed: 50%}\n    duration: 3s\n    audio: mute\n"
    [issue] = _planned(write(folder, body))
    assert issue.line == 5 and issue.code == "trim-too-short"
    assert "is only 0.5s long, 1s at 50%; footage outside the trim is never shown. Shorten the scene to 1s" \
        in issue.message


def test_reel_plan_names_speed_reverse_and_focus(film: Prepared) -> None:
    text = describe(film.timeline)
    assert "fast — idx.mp4 0.4s–2.4s, speed 200%\n" in text
    assert "idx.mp4 1.2s–2.2s, hold last-frame, speed 200%, reversed\n" in text
    assert "left — halves.mp4 0s–0.5s, focus 0\n" in text


def test_held_cover_frames_own_their_pixels() -> None:
    # A cover crop is a window into the larger scaled frame: frames the loop or reverse filter
    # keep are copied to canvas-sized buffers first (474 MB → 206 MB for 43 frames at 1080×1920).
    looped = VideoSource(CLIP, Fraction(0), "cover", 1920, 1080, False, end=Fraction(1), hold="loop")
    back = VideoSource(CLIP, Fraction(0), "cover", 1920, 1080, False, end=Fraction(1), reverse=True)
    contained = VideoSource(CLIP, Fraction(0), "contain", 1920, 1080, False, end=Fraction(1), reverse=True)
    for source, held in ((looped, "loop=loop=2:size=10"), (back, "reverse"), (contained, "reverse")):
        timeline = mf.timeline([(source, 25, Transition("cut", 0))])
        argv = compile_render(timeline, RASTER, output=OUT, encode=EncodeSettings.draft(), gain=None).encoder
        graph = argv[argv.index("-filter_complex") + 1]
        before = graph[:graph.index(held)]
        assert ("copy" in before.rsplit("crop=", 1)[-1]) == (source.fit == "cover"), graph
