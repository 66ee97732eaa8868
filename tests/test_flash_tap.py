"""The flash gate reading the render's own frames (the tap) instead of decoding the film again.

The flash test set (tests/test_flash.py's generators: full-frame flashes either side of 3 Hz, red,
grey steps either side of 0.10, patches either side of the window limit) is put into tiny films;
each film is rendered once with the tap and the written file is also decoded (the old path): the
verdicts, failing and warning intervals (to the frame) and peak areas must be the same.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from fractions import Fraction
from pathlib import Path

import media_factory as mf
import pytest
from test_flash import BLACK, RED, WHITE, encode, frames_from, grey_with_luminance, patch_frames, wave

import toolkit.film.render as render_module
from toolkit.care.flash import FlashReport, analysis_size, check_clip
from toolkit.errors import PolicyError
from toolkit.film.compile.graph import compile_render
from toolkit.film.compile.output import EncodeSettings
from toolkit.film.compile.pieces import chunks
from toolkit.film.compile.raster import RasterPlan, rasterise
from toolkit.film.pipeline import DRAFT_WIDTH, prepare
from toolkit.film.plan.timeline import Box, ColorSource, Timeline, Transition, VideoSource
from toolkit.film.render import render_film
from toolkit.film.run.flash_tap import FlashTap
from toolkit.film.run.runner import run_render
from toolkit.settings import Settings

pytestmark = pytest.mark.render

TAP = Path("/tmp/reel-flash-0000/frames.rgb")
CLIP = (108, 192)


def _flash_set() -> dict[str, list]:
    lo, hi_small, hi_big = (grey_with_luminance(v) for v in (0.3, 0.38, 0.42))
    cases = {f"white {hz} Hz": frames_from(wave(hz, 30, 3), WHITE, BLACK, size=CLIP) for hz in (3, 3.5, 4, 10)}
    cases["red 4 Hz"] = frames_from(wave(4, 30, 3), RED, BLACK, size=CLIP)
    cases["grey step 0.08"] = frames_from(wave(5, 30, 3), (hi_small,) * 3, (lo,) * 3, size=CLIP)
    cases["grey step 0.12"] = frames_from(wave(5, 30, 3), (hi_big,) * 3, (lo,) * 3, size=CLIP)
    cases |= {f"patch {w}x{h}": patch_frames(wave(5, 30, 3), (w, h), size=CLIP) for w, h in ((20, 20), (40, 60))}
    cases["sustained 2.5 Hz"] = frames_from(wave(2.5, 30, 6), WHITE, BLACK, size=CLIP)  # an extended warning
    return cases


def _both_paths(timeline: Timeline, folder: Path, name: str, **options) -> tuple[FlashReport | None, FlashReport]:
    """Render with the tap: (the tap's report, the report from decoding the written file)."""
    raster = rasterise(timeline, folder / "work")
    out = folder / f"{name}.mp4"
    w, h = analysis_size(timeline.canvas.width, timeline.canvas.height)
    with FlashTap(float(timeline.canvas.fps), w, h, timeline.frames) as tap:
        commands = compile_render(timeline, raster, output=out, encode=EncodeSettings.draft(), gain=None,
                                  tap=tap.path, **options)
        run_render(commands, stage="render", total_frames=timeline.frames)
        tapped = tap.report()
    return tapped, check_clip(out)


def _same(tapped: FlashReport | None, decoded: FlashReport) -> None:
    assert tapped is not None
    assert tapped == decoded  # verdict, every interval to the frame, peak areas, frame count, sizes


def test_the_tap_and_the_decoded_file_give_the_same_report_on_the_flash_test_set(tmp_path):
    ffmpeg = Settings().ffmpeg
    verdicts = {}
    for name, frames in _flash_set().items():
        clip = encode(ffmpeg, frames, 30, tmp_path / f"{name}.clip.mp4", lossless=True)
        seconds = len(frames) // 30
        timeline = mf.timeline([(VideoSource(clip, Fraction(0), "cover", *CLIP, False), seconds * 30,
                                 Transition("cut", 0))], fps=30, end_frames=20)
        tapped, decoded = _both_paths(timeline, tmp_path, name)
        _same(tapped, decoded)
        verdicts[name] = (decoded.passed, {i.kind for i in decoded.failures}, bool(decoded.warnings))
    # the set covers both verdicts and both kinds, so "the same" means something
    assert verdicts["white 3 Hz"] == (True, set(), False)
    assert verdicts["white 3.5 Hz"][:2] == verdicts["white 10 Hz"][:2] == (False, {"general"})
    assert verdicts["red 4 Hz"][0] is False and "red" in verdicts["red 4 Hz"][1]
    assert verdicts["grey step 0.08"][0] and not verdicts["grey step 0.12"][0]
    assert verdicts["patch 20x20"][0] and not verdicts["patch 40x60"][0]
    assert verdicts["sustained 2.5 Hz"] == (True, set(), True)


def test_a_chunked_render_taps_every_frame_in_film_order_joins_included(tmp_path):
    # 2-frame colour scenes, two of one colour per chunk (at most 2 segments each): every change
    # of colour is a join between two producers (7.5 a second), so the flash exists only across
    # joins, and the gate sees it only if it reads the chunks in film order as one run.
    scenes = [(ColorSource("#ffffff" if i // 2 % 2 else "#000000"), 2, Transition("cut", 0)) for i in range(40)]
    timeline = mf.timeline(scenes, fps=30, end_frames=20)
    groups = chunks(timeline, 2)
    assert len(groups) > 10
    for group in groups:  # each chunk holds one colour: no chunk flashes on its own
        assert len({timeline.segments[i].source for piece in group for i in piece.segments}) == 1
    tapped, decoded = _both_paths(timeline, tmp_path, "joins", max_segments=2)
    _same(tapped, decoded)
    assert not decoded.passed and decoded.failures[0].kind == "general"
    assert tapped is not None and tapped.frames_analysed == timeline.frames


def test_the_tap_is_the_encoders_second_output_after_its_last_conversion():
    timeline = mf.timeline([(ColorSource("#336699"), 30, Transition("cut", 0))], fps=30)
    raster = RasterPlan(Path("/work/overlays-0123456789abcdef.ffconcat"), Box(24, 56, 154, 194), ())

    def compiled(tap: Path | None) -> list[str]:
        return list(compile_render(timeline, raster, output=Path("/out/f.mp4"), encode=EncodeSettings.draft(),
                                   gain=None, tap=tap).encoder)

    plain, argv = compiled(None), compiled(TAP)
    assert argv == compiled(TAP)  # deterministic
    graph = argv[argv.index("-filter_complex") + 1]
    # split right after the conversion to the encoder's format, which comes after every other filter
    last = re.search(r"setparams=[^;]*\[(s\d+)\];\[\1\]format=yuv420p\[(s\d+)\];\[\2\]split=2", graph)
    assert last is not None, graph
    assert "scale=270:480:flags=area" in graph and "in_color_matrix=bt709:in_range=tv:out_range=pc" in graph
    film, tap = argv.index("/out/f.mp4"), argv.index(str(TAP))
    assert argv[film + 1] == "-map" and argv[film + 3:tap] == [
        "-f", "rawvideo", "-pix_fmt", "rgb24", "-r", "30", "-fps_mode", "cfr", "-frames:v", str(timeline.frames)]
    # the film's own options are unchanged, right before its name
    last_map = len(plain) - 1 - plain[::-1].index("-map")
    options = plain[last_map + 2:-1]
    assert options and argv[film - len(options):film] == options
    assert plain[:plain.index("-filter_complex")] == argv[:argv.index("-filter_complex")]


STROBE = "title: Strobe\nregion: UK\nscenes:\n" + "".join(
    f"  - background: '{'#ffffff' if i % 2 else '#000000'}'\n    duration: 4f\n" for i in range(40))


def _final(storyboard: Path, out: Path):
    """A final render (one x264 session, where the tap runs), at draft size to keep the test quick."""
    return render_film(prepare(storyboard, width=DRAFT_WIDTH), out, draft=False)


def _short_of_the_film(monkeypatch) -> None:
    """Make the render's tap expect one frame more than the encoder writes: it falls short."""
    real = render_module._flash_tap
    monkeypatch.setattr(render_module, "_flash_tap",
                        lambda tl: FlashTap(float(tl.canvas.fps), *real(tl).size, tl.frames + 1))


def test_a_render_reads_the_gate_from_the_tap_and_never_decodes_the_film(tmp_path, monkeypatch):
    sb = tmp_path / "calm.yaml"
    sb.write_text("title: Calm\nregion: IE\nscenes:\n  - background: '#2a9d8f'\n    duration: 1s\n"
                  "    captions: A calm caption.\n", encoding="utf-8")

    def no_decoding(path, **_):
        raise AssertionError(f"the flash gate decoded {path} again")

    monkeypatch.setattr(render_module, "check_clip", no_decoding)
    result = _final(sb, tmp_path / "calm.mp4")
    assert result.flash_read == "tap" and result.flash.passed
    assert result.flash.frames_analysed == result.timeline.frames and result.flash.analysis_size == (270, 480)
    assert not any(t.name.startswith("reel-flash-tap") for t in threading.enumerate())
    monkeypatch.undo()
    assert result.flash == check_clip(tmp_path / "calm.mp4")  # and it is what decoding the film says


def test_a_tap_that_falls_short_falls_back_to_decoding_the_file(tmp_path, monkeypatch):
    sb = tmp_path / "calm.yaml"
    sb.write_text("title: Calm\nregion: IE\nscenes:\n  - background: '#2a9d8f'\n    duration: 1s\n", encoding="utf-8")
    _short_of_the_film(monkeypatch)
    result = _final(sb, tmp_path / "calm.mp4")
    assert result.flash_read == "file" and result.flash.passed
    assert result.flash == check_clip(tmp_path / "calm.mp4")


def test_where_no_fifo_can_be_made_the_render_runs_without_the_tap(tmp_path, monkeypatch):
    sb = tmp_path / "calm.yaml"
    sb.write_text("title: Calm\nregion: IE\nscenes:\n  - background: '#2a9d8f'\n    duration: 1s\n", encoding="utf-8")

    def no_fifo(timeline):
        raise OSError(95, "Operation not supported")  # e.g. a temporary folder on a filesystem without FIFOs

    monkeypatch.setattr(render_module, "_flash_tap", no_fifo)
    result = _final(sb, tmp_path / "calm.mp4")
    assert result.flash_read == "file" and result.flash.passed


def test_a_flashing_film_is_refused_with_the_same_message_and_location_either_way(tmp_path, monkeypatch):
    sb = tmp_path / "strobe.yaml"
    sb.write_text(STROBE, encoding="utf-8")
    out = tmp_path / "strobe.mp4"
    with pytest.raises(PolicyError) as tapped:
        _final(sb, out)
    _short_of_the_film(monkeypatch)
    with pytest.raises(PolicyError) as decoded:
        _final(sb, out)
    assert str(tapped.value) == str(decoded.value)
    assert [(i.file, i.line, i.col, i.path, i.message) for i in tapped.value.issues] == \
        [(i.file, i.line, i.col, i.path, i.message) for i in decoded.value.issues]
    first = tapped.value.issues[0]
    assert "WCAG 2.3.1" in str(tapped.value) and first.message.startswith("general flashing from 0.")
    # named at the scene holding the interval's first frame (4-frame scenes, each two lines from line 4)
    scene = int(float(first.message.split()[3].rstrip("s")) * 30) // 4
    assert (first.file, first.line, first.path) == (sb, 4 + 2 * scene, f"scenes[{scene}]")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["strobe.yaml"]


def test_sigterm_mid_render_leaves_no_tap_behind(tmp_path):
    folder, temp_root = tmp_path / "film", tmp_path / "tmp"
    folder.mkdir()
    temp_root.mkdir()
    mf.make_video(folder / "clip.mp4", seconds=20.0)
    sb = folder / "long.yaml"
    sb.write_text("title: Long\nregion: IE\nscenes:\n  - background: clip.mp4\n    duration: 20s\n", encoding="utf-8")
    env = {**os.environ, "TMPDIR": str(temp_root)}
    child = subprocess.Popen([sys.executable, "-m", "toolkit", "render", str(sb), "-q", "-o", str(folder / "f.mp4")],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        deadline = time.monotonic() + 90
        while not list(temp_root.glob("reel-flash-*/frames.rgb")) and time.monotonic() < deadline:
            assert child.poll() is None, child.communicate()
            time.sleep(0.05)
        assert list(temp_root.glob("reel-flash-*/frames.rgb")), "the render never opened its tap"
        time.sleep(0.5)  # frames are flowing
        child.send_signal(signal.SIGTERM)
        _, err = child.communicate(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == 143, err
    assert not list(temp_root.glob("reel-flash-*")), "the tap's FIFO and folder must be removed"
    assert sorted(p.name for p in folder.iterdir()) == ["clip.mp4", "long.yaml"]


def test_the_folder_a_killed_render_left_is_removed_by_the_next_tap(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()  # a process id no process has now
    stale = tmp_path / f"reel-flash-{gone.pid}-abcd1234"
    stale.mkdir()
    os.mkfifo(stale / "frames.rgb")
    alive = tmp_path / f"reel-flash-{os.getppid()}-efgh5678"  # a live process's (our parent's): kept
    alive.mkdir()
    with FlashTap(30.0, 4, 4, 1) as tap:
        assert tap.path is not None and tap.path.parent.name.startswith(f"reel-flash-{os.getpid()}-")
    assert sorted(p.name for p in tmp_path.iterdir()) == [alive.name]
