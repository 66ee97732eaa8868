"""Trims are trusted: no path shows footage (or plays its sound) outside `from`–`to`.

The source clip's frame n is a flat grey of luma 16 + 7·n (30 frames at 10 fps), so every decoded
output frame can be mapped back to the source frame it shows. Its sound is a tone whose pitch
says where in the clip it comes from. One storyboard with a held, a looped, a plain and two more
trimmed scenes (six segments: the render is chunked, and a fade makes a chunk reopen a looped
scene mid-way) at 540×960 and 10 fps is rendered final, draft (through proxies) and chunked two segments at a time,
and read back as stills and a contact sheet.
"""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import av
import media_factory as mf
import numpy as np
import pytest
from PIL import Image

from toolkit.errors import SpecError
from toolkit.film.compile.graph import compile_render
from toolkit.film.compile.nodes import Graph
from toolkit.film.compile.output import EncodeSettings
from toolkit.film.compile.pieces import chunks, pieces
from toolkit.film.compile.raster import rasterise
from toolkit.film.compile.video import build_segment
from toolkit.film.pipeline import Prepared, prepare
from toolkit.film.plan.describe import describe
from toolkit.film.plan.timeline import Segment, VideoSource
from toolkit.film.render import cache_dir, render_film, render_frames, render_still
from toolkit.film.run.runner import atomic_output, run_ffmpeg, run_render
from toolkit.film.sheet import COLUMNS, THUMB_WIDTH, moment, render_sheet

pytestmark = pytest.mark.render

FPS = 10
WIDTH = 540
CENTRE = (slice(380, 580), slice(150, 390))  # rows, columns of the middle of a 540×960 frame
STEP = 7  # luma per source frame
SOURCE_FRAMES = 30

# Pitch of the clip's sound by where it is in the clip: 500 Hz in 0.5–1.0 s, 300 Hz in 1.0–1.5 s,
# 1000 Hz everywhere else.
SOUND = "0.3*sin(2*PI*t*if(between(t,0.5,0.9999),500,if(between(t,1,1.4999),300,1000)))"

STORYBOARD = """\
title: Trims
region: UK
scenes:
  - name: held
    background: {video: idx.mp4, from: 1s, to: 1.5s, hold: last-frame}
    duration: 2s
  - name: looped
    background: {video: idx.mp4, from: 0.5s, to: 1s, hold: loop}
    duration: 1.7s
  - name: plain
    background: {video: idx.mp4, from: 2s, to: 2.5s}
    audio: mute
  - name: looped-late
    background: {video: idx.mp4, from: 2.2s, to: 2.5s, hold: loop}
    duration: 1.3s
    audio: mute
    transition: {type: fade, duration: 0.3s}
  - name: held-late
    background: {video: idx.mp4, from: 0s, to: 0.3s, hold: last-frame}
    duration: 1.5s
    audio: mute
"""


def make_indexed(path: Path, fps: int = FPS) -> Path:
    """216×384 footage (10 fps, 30 frames) whose frame n is flat luma 16 + 7·n, with a pitch-coded tone."""
    picture = (f"color=c=black:s=216x384:r={fps}:d={SOURCE_FRAMES / fps},format=yuv420p,"
               f"geq=lum='16+{STEP}*N':cb=128:cr=128")
    mf.ffmpeg("-f", "lavfi", "-i", picture, "-f", "lavfi", "-i", f"aevalsrc='{SOUND}':s=48000:d=3",
              "-c:v", "libx264", "-preset", "ultrafast", "-qp", "0", "-pix_fmt", "yuv420p",
              "-c:a", "aac", "-b:a", "192k", str(path))
    return path


@pytest.fixture(scope="module")
def film(tmp_path_factory) -> Prepared:
    folder = tmp_path_factory.mktemp("trims")
    make_indexed(folder / "idx.mp4")
    sb = folder / "trims.yaml"
    sb.write_text(STORYBOARD, encoding="utf-8")
    # 540 px: the narrowest render whose end card Reel's own after-render card check reads reliably
    return prepare(sb, width=WIDTH, fps=Fraction(FPS))


@pytest.fixture(autouse=True)
def _own_cache(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("REEL_CACHE", str(tmp_path / "cache"))


def source_index(luma: float) -> int:
    return round((luma - 16) / STEP)


def expected(seg: Segment, k: int) -> int:
    """The source frame the segment's frame k must show."""
    src = seg.source
    assert isinstance(src, VideoSource) and src.end is not None
    trim = src.trim_frames(Fraction(FPS))
    first = int(src.start * FPS)
    if k < trim:
        return first + k
    return first + (trim - 1 if src.hold == "last-frame" else k % trim)


def inside(seg: Segment) -> range:
    src = seg.source
    assert isinstance(src, VideoSource) and src.end is not None
    return range(int(src.start * FPS), int(src.start * FPS) + src.trim_frames(Fraction(FPS)))


def body_frames(prepared: Prepared) -> list[tuple[Segment, int, int]]:
    """(segment, frame in segment, film frame) for every footage frame outside transitions."""
    tl = prepared.timeline
    out = []
    for piece in pieces(tl.segments):
        if piece.transition is not None:
            continue
        [part] = piece.parts
        seg = tl.segments[part.segment]
        if isinstance(seg.source, VideoSource):
            out += [(seg, k, seg.start + k) for k in range(part.first, part.first + part.count)]
    return out


def lumas(path: Path) -> list[float]:
    with av.open(str(path)) as container:
        return [float(f.to_ndarray()[CENTRE].mean()) for f in container.decode(video=0)]


def assert_all_inside(prepared: Prepared, values: list[float]) -> None:
    for seg, k, n in body_frames(prepared):
        shown = source_index(values[n])
        assert abs(values[n] - (16 + STEP * shown)) < 2.5, (seg.name, k, values[n])
        assert shown in inside(seg), f"{seg.name} frame {k} shows source frame {shown}, outside its trim"
        assert shown == expected(seg, k), (seg.name, k, shown)


def test_the_storyboard_plans_as_intended(film: Prepared) -> None:
    tl = film.timeline
    assert [s.name for s in tl.segments[:5]] == ["held", "looped", "plain", "looped-late", "held-late"]
    assert [s.length for s in tl.segments[:5]] == [20, 17, 5, 13, 15]
    assert len(chunks(tl)) == 2, "six segments: the default render is chunked"
    # `reel plan` shows each trim and its hold
    assert "held — idx.mp4 1s–1.5s, hold last-frame" in describe(tl)
    assert "plain — idx.mp4 2s–2.5s\n" in describe(tl)


def test_final_render_shows_only_trimmed_frames(film: Prepared, tmp_path: Path) -> None:
    result = render_film(film, tmp_path / "final.mp4")
    assert_all_inside(film, lumas(result.output))


def test_draft_render_through_proxies_shows_only_trimmed_frames(film: Prepared, tmp_path: Path) -> None:
    result = render_film(film, tmp_path / "draft.mp4", draft=True)
    assert list((cache_dir().parent / "proxy").glob("*.mp4")), "the draft must have used a proxy"
    assert_all_inside(film, lumas(result.output))


def test_chunked_two_segments_at_a_time_shows_only_trimmed_frames(film: Prepared, tmp_path: Path) -> None:
    tl = film.timeline
    assert len(chunks(tl, 2)) == 4
    raster = rasterise(tl, tmp_path / "text")
    target = tmp_path / "chunked.mp4"
    with atomic_output(target, force=False, inputs=()) as temp:
        commands = compile_render(tl, raster, output=temp, encode=EncodeSettings.draft(), gain=None, max_segments=2)
        run_render(commands, stage="render", total_frames=tl.frames)
    assert_all_inside(film, lumas(target))


def test_stills_show_only_trimmed_frames(film: Prepared, tmp_path: Path) -> None:
    wanted = [(seg, k, n) for seg, k, n in body_frames(film) if k in (0, seg.length // 2, seg.length - 1)]
    pngs = render_frames(film, [n for _, _, n in wanted], tmp_path)
    by_frame = dict(zip(sorted({n for _, _, n in wanted}), pngs, strict=True))
    for seg, k, n in wanted:
        with Image.open(by_frame[n]) as im:
            grey = float(np.asarray(im.convert("L"))[CENTRE].mean())
        shown = source_index(16 + grey * 219 / 255)
        assert shown == expected(seg, k) and shown in inside(seg), (seg.name, k, grey)
    # `reel still` itself, in a held stretch
    held = film.timeline.segments[0]
    out = render_still(film, float(held.start + 18) / FPS, tmp_path / "still.png")
    with Image.open(out) as im:
        grey = float(np.asarray(im.convert("L"))[CENTRE].mean())
    assert source_index(16 + grey * 219 / 255) == expected(held, 18) == 14


def test_contact_sheet_thumbnails_show_only_trimmed_frames(film: Prepared, tmp_path: Path) -> None:
    out = render_sheet(film, tmp_path / "sheet.png")
    tl = film.timeline
    thumb_h = THUMB_WIDTH * tl.canvas.height // tl.canvas.width
    with Image.open(out) as im:
        sheet = np.asarray(im.convert("L"))
    for i, seg in enumerate(tl.segments[:5]):
        x = 16 + (i % COLUMNS) * (THUMB_WIDTH + 16)
        y = 56 + (i // COLUMNS) * (thumb_h + 44 + 16)
        grey = float(sheet[y + thumb_h // 2 - 20:y + thumb_h // 2 + 20, x + 80:x + 160].mean())
        shown = source_index(16 + grey * 219 / 255)
        assert shown == expected(seg, moment(film, seg) - seg.start), (seg.name, grey)


@pytest.mark.parametrize("index", range(5), ids=["held", "looped", "plain", "looped-late", "held-late"])
def test_a_segment_reopened_mid_way_shows_the_same_frames(film: Prepared, tmp_path: Path, index: int) -> None:
    # A chunk that starts inside a segment opens it from its first needed frame: before the trim's
    # end, on it, and in the held or looped stretch after it.
    seg = film.timeline.segments[index]
    trim = seg.source.trim_frames(Fraction(FPS))
    starts = sorted({f for f in (1, trim - 1, trim, trim + 2, seg.length - 3) if 0 <= f < seg.length})
    for first in starts:
        count = min(4, seg.length - first)
        graph = Graph()
        stream = build_segment(seg, film.timeline.canvas, graph, first, count)
        out = tmp_path / f"{first}_%03d.png"
        body = graph.argv([stream], out)
        run_ffmpeg(["ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-y", *body[:-1],
                    "-fps_mode", "passthrough", body[-1]], stage="frames")
        shown = []
        for j in range(count):
            with Image.open(tmp_path / f"{first}_{j + 1:03d}.png") as im:
                shown.append(source_index(16 + float(np.asarray(im.convert("L"))[CENTRE].mean()) * 219 / 255))
        assert not (tmp_path / f"{first}_{count + 1:03d}.png").exists()
        assert shown == [expected(seg, first + j) for j in range(count)], (seg.name, first)


def _band(samples: np.ndarray, rate: int, hz: float) -> float:
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples))))
    freqs = np.fft.rfftfreq(len(samples), 1 / rate)
    return float(spectrum[(freqs > hz - 30) & (freqs < hz + 30)].sum())


def test_kept_footage_sound_respects_the_trim(film: Prepared, tmp_path: Path) -> None:
    result = render_film(film, tmp_path / "sound.mp4", draft=True)
    with av.open(str(result.output)) as container:
        sound = np.concatenate([f.to_ndarray()[0] for f in container.decode(audio=0)])
    rate = 48000
    held, looped = film.timeline.segments[:2]

    def window(seg: Segment, a: float, b: float) -> np.ndarray:
        t0 = float(seg.start) / FPS
        return sound[int((t0 + a) * rate):int((t0 + b) * rate)]

    playing = window(held, 0.05, 0.45)
    assert _band(playing, rate, 300) > 20 * _band(playing, rate, 1000)
    # after `to` the held frame is silent: no footage sound from past the trim
    after = window(held, 0.6, 1.9)
    assert np.sqrt(np.mean(after ** 2)) < 0.02 * np.sqrt(np.mean(playing ** 2))
    # the looped scene repeats its 500 Hz span for all of its 1.7 s
    for a in (0.05, 0.6, 1.1):
        part = window(looped, a, a + 0.4)
        assert _band(part, rate, 500) > 20 * _band(part, rate, 1000), a
        assert _band(part, rate, 500) > 20 * _band(part, rate, 300), a


@pytest.mark.parametrize("draft", [False, True], ids=["final", "draft"])
def test_footage_at_another_rate_never_shows_a_frame_from_outside_the_trim(tmp_path: Path, draft: bool) -> None:
    # 25 fps footage in a 10 fps film: frames fall between the film's frames, and the trim's edges
    # (0.52 s = frame 13, 0.84 s = frame 21) sit on source frames, not on the film's grid.
    make_indexed(tmp_path / "idx.mp4", fps=25)
    sb = tmp_path / "film.yaml"
    sb.write_text("title: T\nregion: UK\nscenes:\n  - background: {video: idx.mp4, from: 0.52s, to: 0.84s, "
                  "hold: last-frame}\n    duration: 1s\n    audio: mute\n", encoding="utf-8")
    prepared = prepare(sb, width=WIDTH, fps=Fraction(FPS))
    values = lumas(render_film(prepared, tmp_path / "film.mp4", draft=draft).output)
    seg = prepared.timeline.segments[0]
    shown = [source_index(values[n]) for n in range(seg.start, seg.end)]
    assert all(13 <= i < 21 for i in shown), shown
    # the film's frame at 0 s shows the source frame nearest it (13 or 14); the held frame is the last
    # one before `to`
    assert shown[0] in (13, 14) and shown[-1] == 20 and shown == sorted(shown), shown


def test_a_duration_longer_than_the_trim_is_a_located_error(tmp_path: Path) -> None:
    make_indexed(tmp_path / "idx.mp4")
    sb = tmp_path / "film.yaml"
    sb.write_text("title: T\nregion: UK\nscenes:\n  - background: {video: idx.mp4, from: 0s, to: 1s}\n"
                  "    duration: 3s\n", encoding="utf-8")
    with pytest.raises(SpecError) as exc:
        prepare(sb)
    [issue] = [i for i in exc.value.issues if i.severity == "error"]
    assert (issue.line, issue.col, issue.path) == (5, 15, "scenes[0].duration")
    assert issue.message == (
        "the scene is 3s but its trimmed footage (`from` 0s to `to` 1s) is only 1s long; footage outside the "
        "trim is never shown. Shorten the scene to 1s, or say what fills the rest under `background:`: "
        "`hold: last-frame` (freeze the last frame) or `hold: loop` (play the trim again)")


def test_without_to_the_footage_end_is_the_trim(tmp_path: Path) -> None:
    make_indexed(tmp_path / "idx.mp4")
    sb = tmp_path / "film.yaml"
    sb.write_text("title: T\nregion: UK\nscenes:\n  - background: {video: idx.mp4, from: 2s}\n"
                  "    duration: 4s\n", encoding="utf-8")
    with pytest.raises(SpecError) as exc:
        prepare(sb)
    [issue] = [i for i in exc.value.issues if i.severity == "error"]
    assert issue.path == "scenes[0].duration" and issue.line == 5
    assert "(from `from` 2s to the end of `idx.mp4`) is only 1s long" in issue.message
    sb.write_text("title: T\nregion: UK\nscenes:\n  - background: {video: idx.mp4, from: 2s, hold: loop}\n"
                  "    duration: 4s\n", encoding="utf-8")
    seg = prepare(sb).timeline.segments[0]
    assert isinstance(seg.source, VideoSource)
    assert (seg.source.start, seg.source.end, seg.source.hold, seg.length) == (2, 3, "loop", 120)


def test_hold_is_in_the_schema_and_rejects_other_values(tmp_path: Path) -> None:
    make_indexed(tmp_path / "idx.mp4")
    sb = tmp_path / "film.yaml"
    sb.write_text("title: T\nregion: UK\nscenes:\n  - background: {video: idx.mp4, to: 1s, hold: freeze}\n"
                  "    duration: 2s\n", encoding="utf-8")
    with pytest.raises(SpecError) as exc:
        prepare(sb)
    [issue] = [i for i in exc.value.issues if i.severity == "error"]
    assert (issue.line, issue.col, issue.path) == (4, 48, "scenes[0].background.hold")
    assert issue.message == "'freeze' is not one of 'none', 'last-frame' or 'loop'"
    schema = json.loads((Path(__file__).resolve().parent.parent / "schema" / "storyboard.schema.json").read_text())
    hold = schema["$defs"]["VideoBackground"]["properties"]["hold"]
    assert hold["enum"] == ["none", "last-frame", "loop"] and hold["default"] == "none"


def test_loop_plan_bounds_memory_and_decoders() -> None:
    from toolkit.film.plan.timeline import LOOP_MAX_DECODES, LOOP_MEMORY_BYTES, loop_plan

    frame = 1080 * 1920 * 3 // 2
    short = LOOP_MEMORY_BYTES // frame  # the longest trim the loop filter may hold
    assert loop_plan(short, 0, short * 10) == "filter"
    assert loop_plan(short + 1, 0, (short + 1) * LOOP_MAX_DECODES) == "decodes"
    assert loop_plan(short + 1, 0, (short + 1) * LOOP_MAX_DECODES + 1) is None
    # one wrap is always two short decodes, whatever the trim's length
    assert loop_plan(10_000, 9_000, 2_000) == "decodes"


def test_a_long_trim_looped_many_times_is_refused_with_the_way_out(tmp_path: Path) -> None:
    make_indexed(tmp_path / "idx.mp4")
    sb = tmp_path / "film.yaml"
    sb.write_text("title: T\nregion: UK\nscenes:\n  - background: {video: idx.mp4, from: 0s, to: 3s, hold: loop}\n"
                  "    duration: 15s\n", encoding="utf-8")
    with pytest.raises(SpecError) as exc:
        prepare(sb)
    [issue] = [i for i in exc.value.issues if i.severity == "error"]
    assert (issue.line, issue.path) == (4, "scenes[0].background.hold")
    assert issue.message == (
        "`hold: loop` would play the 3s trim 5 times; a loop may hold at most 1.43s of footage in memory, or "
        "play a longer trim at most 4 times. Shorten the trim to 1.43s or less, lengthen it to 3.77s or more, "
        "or shorten the scene")


def test_loops_beyond_the_memory_bound_decode_each_play(film: Prepared, tmp_path: Path, monkeypatch) -> None:
    # With no memory for the loop filter, every looped part is made of one decode per play.
    monkeypatch.setattr("toolkit.film.plan.timeline.LOOP_MEMORY_BYTES", 0)
    for seg in film.timeline.segments[1:4:2]:  # looped, looped-late
        graph = Graph()
        stream = build_segment(seg, film.timeline.canvas, graph, 0, seg.length)
        body = graph.argv([stream], tmp_path / f"{seg.name}_%03d.png")
        assert "loop=" not in " ".join(body), "the loop filter must not hold frames here"
        run_ffmpeg(["ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-y", *body[:-1],
                    "-fps_mode", "passthrough", body[-1]], stage="frames")
        shown = []
        for j in range(seg.length):
            with Image.open(tmp_path / f"{seg.name}_{j + 1:03d}.png") as im:
                shown.append(source_index(16 + float(np.asarray(im.convert("L"))[CENTRE].mean()) * 219 / 255))
        assert shown == [expected(seg, k) for k in range(seg.length)], seg.name
