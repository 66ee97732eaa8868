"""Render tests at 216×384: rasterise → compile → run → verify, then probe and decode the result.

One small film with most features is rendered once for the module; a few behaviours get their
own tiny film. Frames are sampled mid-scene (away from transitions) with PyAV, which converts
with the stream's BT.709 tags, so colours can be compared with the Timeline's.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import media_factory as mf
import numpy as np
import pytest

from toolkit.errors import VerifyError
from toolkit.film.compile.graph import compile_frames, compile_render
from toolkit.film.compile.output import EncodeSettings
from toolkit.film.compile.raster import RasterPlan, rasterise
from toolkit.film.plan.timeline import (
    AudioCue,
    Box,
    ColorSource,
    ImageSource,
    Overlay,
    Timeline,
    Transition,
    VideoSource,
)
from toolkit.film.run.runner import atomic_output, loudness_gain, run_ffmpeg, run_render
from toolkit.film.run.verify import VerifyReport, verify_output
from toolkit.media.loudness import measure_file
from toolkit.media.mp4boxes import edit_list_tracks
from toolkit.media.probe import probe

pytestmark = pytest.mark.render

RED, BLUE, GREEN = "#cc3333", "#3344cc", "#22aa44"
CAPTION_BOX = Box(40, 200, 136, 24)  # inside the scaled safe box (x 24–178, y 57–250)


@dataclass(frozen=True)
class Film:
    timeline: Timeline
    raster: RasterPlan
    path: Path
    report: VerifyReport
    frames: list[np.ndarray]


def render(timeline: Timeline, folder: Path, name: str = "film.mp4",
           encode: EncodeSettings | None = None, **options) -> tuple[Path, RasterPlan, VerifyReport]:
    """The whole engine, as the pipeline runs it (`options`: e.g. `max_segments` for chunking)."""
    raster = rasterise(timeline, folder / "work")
    gain = loudness_gain(timeline)
    target = folder / name
    with atomic_output(target, force=False, inputs=()) as temp:
        argv = compile_render(timeline, raster, output=temp, encode=encode or EncodeSettings.draft(), gain=gain,
                              **options)
        run_render(argv, stage="render", total_frames=timeline.frames)
    return target, raster, verify_output(target, timeline)


def decode(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        return [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]


def rgb(color: str) -> np.ndarray:
    return np.array([int(color[i:i + 2], 16) for i in (1, 3, 5)], dtype=float)


@pytest.fixture(scope="module")
def film(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Film]:
    """red 20f → fade 6f → blue 20f → cut → blur-fill clip 20f → cut → VFR clip 20f → cut → green 20f
    → dip-to-black 6f → end card 20f; a caption over the red scene; a tone voiceover."""
    folder = tmp_path_factory.mktemp("film")
    landscape = mf.make_video(folder / "landscape.mp4", size=(384, 216), seconds=3, audio=False)
    vfr = mf.make_vfr_video(folder / "vfr.mp4", size=(216, 384), seconds=3)
    voice = mf.make_tone(folder / "voice.wav", seconds=6, level_db=-26)
    caption = Overlay("cap-0", "caption", 2, 10, (mf.text_block("[x]: 'ok'; 100%", CAPTION_BOX),),
                      loc=("scenes", 0, "captions"))
    timeline = mf.timeline(
        [(ColorSource(RED), 20, Transition("cut", 0)),
         (ColorSource(BLUE), 20, Transition("fade", 6)),
         (VideoSource(landscape, Fraction(1, 2), "blur-fill", 384, 216, False), 20, Transition("cut", 0)),
         (VideoSource(vfr, Fraction(0), "cover", 216, 384, False), 20, Transition("cut", 0)),
         (ColorSource(GREEN), 20, Transition("cut", 0))],
        end_transition=Transition("dip-to-black", 6), overlays=(caption,),
        audio=(AudioCue("voice", voice, 10, 60, Fraction(0), 1.0),))
    path, raster, report = render(timeline, folder)
    yield Film(timeline, raster, path, report, decode(path))


# Segment starts in the film above: red 0, blue 14, blur-fill 34, vfr 54, green 74, end card 88.


def test_film_has_the_planned_size_length_and_streams(film: Film) -> None:
    info = probe(film.path)
    assert (info.video.width, info.video.height) == (216, 384)
    assert info.video.fps == 10 and not info.video.variable_frame_rate
    assert len(film.frames) == film.timeline.frames == 108
    assert info.audio is not None and info.audio.codec == "aac" and info.audio.sample_rate == 48000
    assert info.audio.channels == 2
    assert film.report.video_profile == "High" and film.report.faststart


def test_a_chunked_render_makes_the_same_film(film: Film, tmp_path: Path) -> None:
    # Three segments per filtergraph: five producers piped into one encoder, segments reopened
    # mid-way (the VFR clip, the blur-fill clip) and transitions on chunk edges.
    path, _, report = render(film.timeline, tmp_path, max_segments=3)
    assert report.frames == film.report.frames == film.timeline.frames
    frames = decode(path)
    worst = max(int(np.abs(a.astype(int) - b.astype(int)).max()) for a, b in zip(frames, film.frames, strict=True))
    assert worst <= 2


@pytest.mark.parametrize("max_segments", [8, 3], ids=["one-graph", "chunked"])
def test_stills_show_what_the_film_shows(film: Film, tmp_path: Path, max_segments: int) -> None:
    # the caption over red, the middle of the fade, the blur-fill clip, the dip to black, the end card
    wanted = [7, 17, 40, 85, 100]
    commands = compile_frames(film.timeline, film.raster, frames=wanted, output=tmp_path / "f_%03d.png",
                              max_segments=max_segments)
    assert (len(commands) == 1) == (max_segments == 8)
    for argv in commands:
        run_ffmpeg(argv, stage="frames")
    for number, frame in enumerate(wanted, start=1):
        with av.open(str(tmp_path / f"f_{number:03d}.png")) as container:
            still = next(container.decode(video=0)).to_ndarray(format="rgb24").astype(int)
        assert np.abs(still - film.frames[frame].astype(int)).mean() < 3, frame


def _stills(film: Film, frames: list[int], folder: Path) -> list[np.ndarray]:
    folder.mkdir()
    for argv in compile_frames(film.timeline, film.raster, frames=frames, output=folder / "f_%03d.png"):
        run_ffmpeg(argv, stage="frames")
    out = []
    for number in range(1, len(frames) + 1):
        with av.open(str(folder / f"f_{number:03d}.png")) as container:
            out.append(next(container.decode(video=0)).to_ndarray(format="rgb24").astype(int))
    return out


def test_a_still_alone_is_the_frame_a_run_from_the_start_draws(film: Film, tmp_path: Path) -> None:
    # A still starts its graph at the wanted frame (inputs seeked there), not at its chunk's start:
    # it must be the very frame a graph run from frame 0 draws (captions on the same frame, the VFR
    # clip's same source frame, the fade's same blend), not a frame early or late.
    every = list(range(film.timeline.frames))
    from_start = _stills(film, every, tmp_path / "all")
    for n in range(0, film.timeline.frames, 3):
        [alone] = _stills(film, [n], tmp_path / f"one-{n}")
        assert int(np.abs(alone - from_start[n]).max()) <= 2, n


def test_colour_segment_shows_its_colour_mid_scene(film: Film) -> None:
    for index, color in ((8, RED), (26, BLUE), (80, GREEN)):
        centre = film.frames[index][300, 108].astype(float)  # below the caption, away from edges
        assert np.abs(centre - rgb(color)).max() <= 6, (index, centre)


def test_caption_is_drawn_inside_the_safe_box_only_and_on_time(film: Film) -> None:
    plain = film.frames[1].astype(int)
    for index in (2, 7, 11):
        changed = np.abs(film.frames[index].astype(int) - plain).max(axis=2) > 24
        ys, xs = np.nonzero(changed)
        assert len(xs) > 200, f"no caption on frame {index}"
        safe = film.timeline.canvas.safe
        assert safe.x <= xs.min() and xs.max() < safe.right and safe.y <= ys.min() and ys.max() < safe.bottom
    for index in (1, 12):  # the frame before it starts and the frame it ends
        assert np.abs(film.frames[index].astype(int) - plain).max() <= 24


def test_fade_midpoint_is_a_blend(film: Film) -> None:
    middle = film.frames[17][300, 108].astype(float)  # 3 of 6 frames into red → blue
    red, blue = rgb(RED), rgb(BLUE)
    assert min(red[0], blue[0]) + 20 < middle[0] < max(red[0], blue[0]) - 20
    assert min(red[2], blue[2]) + 20 < middle[2] < max(red[2], blue[2]) - 20


def test_blur_fill_has_coloured_blurred_sides(film: Film) -> None:
    frame = film.frames[44].astype(float)
    # the landscape picture is 216×122 in the middle; above and below it is the blurred copy
    for band in (frame[10:120], frame[270:374]):
        assert band.mean() > 25, "blur-fill sides are black"
        assert band.std(axis=(0, 1)).max() > 5, "blur-fill sides are flat"


def test_vfr_footage_fills_exactly_its_frames_at_a_constant_rate(film: Film) -> None:
    with av.open(str(film.path)) as container:
        stream = container.streams.video[0]
        times = [float(f.pts * stream.time_base) for f in container.decode(stream)]
    steps = np.diff(times)
    assert np.allclose(steps, 0.1, atol=1e-3)
    # the green segment starts exactly at frame 74: the VFR clip before it was exactly 20 frames
    assert np.abs(film.frames[74][300, 108] - rgb(GREEN)).max() <= 8
    assert np.abs(film.frames[73][300, 108] - rgb(GREEN)).max() > 40


def test_dip_to_black_goes_through_black(film: Film) -> None:
    assert film.frames[91][300, 108].max() <= 12


def test_end_card_text_is_present_in_the_last_second(film: Film) -> None:
    background = rgb("#102030")
    for frame in film.frames[-10:]:
        text_area = frame[140:164, 40:176].astype(float)
        assert (np.abs(text_area - background).max(axis=2) > 60).sum() > 100


def test_loudness_is_normalised_to_the_target(film: Film) -> None:
    measured = measure_file(film.path)
    assert abs(measured.integrated - film.timeline.mix.target_lufs) <= 1.0
    assert measured.true_peak <= film.timeline.mix.true_peak


def test_loudness_agrees_with_ffmpeg_ebur128(film: Film) -> None:
    log = run_ffmpeg(["ffmpeg", "-hide_banner", "-nostats", "-i", str(film.path), "-map", "0:a",
                      "-af", "ebur128=peak=true", "-f", "null", "-"], stage="test")
    from toolkit.film.run.runner import parse_ebur128

    measured = parse_ebur128(log)
    assert abs(measured.integrated + 14) <= 1.0 and measured.true_peak <= -1.0


def test_a_film_without_audio_still_has_an_aac_track(tmp_path: Path) -> None:
    timeline = mf.timeline([(ColorSource(RED), 10, Transition("cut", 0))])
    path, _, report = render(timeline, tmp_path)
    assert report.audio_codec == "aac" and report.channels == 2 and report.sample_rate == 48000
    assert abs(probe(path).audio.duration - float(timeline.duration)) < 0.05


def test_rotated_phone_footage_comes_out_upright(tmp_path: Path) -> None:
    # Recorded 384×216 with "rotate 90°" in the container: shown upright it is 216×384,
    # red on top and blue below. Without autorotation cover would crop to a left/right split.
    coded = mf.make_halves(tmp_path / "coded.mp4", size=(384, 216), first="red", second="blue")
    rotated = mf.rotate(coded, tmp_path / "rotated.mp4", 90)
    shown = probe(rotated).video
    assert (shown.width, shown.height) == (216, 384)
    timeline = mf.timeline([(VideoSource(rotated, Fraction(0), "cover", 216, 384, False), 10,
                             Transition("cut", 0))])
    path, _, _ = render(timeline, tmp_path)
    frame = decode(path)[5].astype(float)
    top, bottom = frame[20:170].mean(axis=(0, 1)), frame[214:364].mean(axis=(0, 1))
    left, right = frame[:, 10:100].mean(axis=(0, 1)), frame[:, 116:206].mean(axis=(0, 1))
    assert np.abs(top - bottom).max() > 100, "the halves should be above each other"
    assert np.abs(left - right).max() < 30


def test_odd_sized_footage_and_stills_render(tmp_path: Path) -> None:
    clip = mf.make_video(tmp_path / "odd.mp4", size=(321, 181), seconds=2, audio=False)
    still = mf.make_image(tmp_path / "odd.png", size=(301, 403))
    timeline = mf.timeline([(VideoSource(clip, Fraction(0), "contain", 321, 181, False), 10, Transition("cut", 0)),
                            (ImageSource(still, "contain", "none", 301, 403), 10, Transition("slide-up", 4))])
    render(timeline, tmp_path)  # verify_output checks size, length and streams


def test_ken_burns_zoom_moves_smoothly(tmp_path: Path) -> None:
    from PIL import Image, ImageDraw, ImageFilter

    picture = Image.new("RGB", (432, 768), (200, 200, 200))
    ImageDraw.Draw(picture).rectangle([86, 0, 88, 768], fill=(0, 0, 0))
    picture.filter(ImageFilter.GaussianBlur(3)).save(tmp_path / "line.png")
    timeline = mf.timeline([(ImageSource(tmp_path / "line.png", "cover", "zoom-in", 432, 768), 30,
                             Transition("cut", 0))])
    path, _, _ = render(timeline, tmp_path, encode=EncodeSettings(preset="ultrafast", crf=10,
                                                                  x264_params="cabac=1:8x8dct=1"))
    positions = []
    for frame in decode(path)[:30]:
        row = 200 - frame[150:230, :, 1].astype(float).mean(axis=0)
        row[row < 0] = 0
        near = slice(max(int(np.argmax(row)) - 12, 0), int(np.argmax(row)) + 13)
        positions.append((np.arange(216)[near] * row[near]).sum() / row[near].sum())
    positions = np.array(positions)
    assert positions[0] - positions[-1] > 3, "the line should move outwards as the picture zooms in"
    residual = positions - np.polyval(np.polyfit(np.arange(30), positions, 2), np.arange(30))
    assert np.abs(residual).max() < 0.35, f"jittery zoom: {residual.round(2)}"


def test_verify_lists_every_mismatch(tmp_path: Path) -> None:
    timeline = mf.timeline([(ColorSource(RED), 10, Transition("cut", 0))])
    wrong = tmp_path / "wrong.mp4"
    mf.ffmpeg("-f", "lavfi", "-i", "testsrc2=s=320x240:r=25:d=1", "-c:v", "libx264", "-profile:v", "baseline",
              "-pix_fmt", "yuv420p", str(wrong))
    with pytest.raises(VerifyError) as caught:
        verify_output(wrong, timeline)
    message = str(caught.value)
    for expected in ("320×240", "frame rate is 25", "length is 25 frames", "Baseline", "no audio", "moov"):
        assert expected in message, expected
    # ffmpeg's default MP4 (B-frames, AAC) carries edit lists, which the house spec rules out
    edited = tmp_path / "edited.mp4"
    mf.ffmpeg("-f", "lavfi", "-i", "testsrc2=s=216x384:r=10:d=1", "-f", "lavfi", "-i", "sine=d=1:r=48000",
              "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", "-ac", "2", "-movflags", "+faststart",
              str(edited))
    with pytest.raises(VerifyError, match=r"2 track\(s\) carry an edit list"):
        verify_output(edited, timeline)


# ------------------------------------------------------------------ rasteriser


def _alpha(path: Path) -> np.ndarray:
    from PIL import Image

    with Image.open(path) as image:
        return np.asarray(image.convert("RGBA"))[:, :, 3]


def test_hostile_and_multilingual_caption_text_renders_with_fallback_warnings(tmp_path: Path) -> None:
    text = "it's [a]: b; c, \\d 50%\nnew 😀 مرحبا 你好"
    caption = Overlay("cap", "caption", 0, 10, (mf.text_block(text, Box(30, 200, 150, 24), size=12),),
                      loc=("scenes", 0, "captions", "lines", 0))
    timeline = mf.timeline([(ColorSource(RED), 10, Transition("cut", 0))], overlays=(caption,))
    has_noto = _installed("manimgx_fonts")
    plan = rasterise(timeline, tmp_path, **({} if has_noto else {"fallback_fonts": ()}))
    assert _alpha(plan.images[0].path).sum() > 0
    warnings: dict[str, str] = {}
    for w in plan.warnings:
        if w.path == "scenes[0].captions.lines[0]":
            warnings[w.code] = warnings.get(w.code, "") + w.message + "\n"
    assert "'你' (U+4F60)" in warnings["glyph-missing"] or _installed("manimgx_fonts_cjk")
    if has_noto:
        assert "'😀' (U+1F600)" in warnings["glyph-fallback"] and "OpenMoji" in warnings["glyph-fallback"]
        assert "'م' (U+0645)" in warnings["glyph-fallback"]
    else:
        assert "'😀' (U+1F600)" in warnings["glyph-missing"]


def test_overlay_images_are_content_named_and_reused(tmp_path: Path) -> None:
    caption = Overlay("cap", "caption", 5, 10, (mf.text_block("hello", CAPTION_BOX),))
    timeline = mf.timeline([(ColorSource(RED), 30, Transition("cut", 0))], overlays=(caption,))
    first = rasterise(timeline, tmp_path)
    stamps = {p: p.stat().st_mtime_ns for p in tmp_path.iterdir()}
    second = rasterise(timeline, tmp_path)
    assert first == second
    assert {p: p.stat().st_mtime_ns for p in tmp_path.iterdir()} == stamps
    other = rasterise(mf.timeline([(ColorSource(RED), 30, Transition("cut", 0))], overlays=(
        Overlay("cap", "caption", 5, 10, (mf.text_block("hullo", CAPTION_BOX),)),)), tmp_path)
    assert other.images[1].path != first.images[1].path


def test_images_start_half_a_frame_early_and_cover_the_film(tmp_path: Path) -> None:
    caption = Overlay("cap", "caption", 5, 10, (mf.text_block("hello", CAPTION_BOX),))
    timeline = mf.timeline([(ColorSource(RED), 30, Transition("cut", 0))], overlays=(caption,))
    plan = rasterise(timeline, tmp_path)
    assert [(i.start, i.end) for i in plan.images] == [(0, 5), (5, 15), (15, 30), (30, 50)]
    durations = [float(line.split()[1]) for line in plan.concat.read_text().splitlines()
                 if line.startswith("duration")]
    # at 10 fps: the caption image starts at frame 4.5, i.e. 0.45 s
    assert durations[:3] == [0.45, 1.0, 1.5]
    assert sum(durations) == pytest.approx(float(timeline.duration), abs=1e-5)
    box = plan.box
    assert box.x % 2 == box.y % 2 == box.w % 2 == box.h % 2 == 0
    assert Box(0, 0, 216, 384).contains(box)
    sizes = {_alpha(i.path).shape for i in plan.images}
    assert sizes == {(box.h, box.w)}


def test_touching_backing_boxes_are_not_darker_where_they_meet(tmp_path: Path) -> None:
    from toolkit.film.plan.timeline import TextBlock, TextLine, TextRun

    lines = (TextLine(Box(40, 100, 120, 20), (TextRun("one", 44, "#ffffff"),)),
             TextLine(Box(40, 118, 120, 20), (TextRun("two", 44, "#ffffff"),)))
    block = TextBlock(lines, mf.FONT, 12, "#00000080", 4, 4, Box(40, 100, 120, 38))
    timeline = mf.timeline([(ColorSource(RED), 10, Transition("cut", 0))],
                           overlays=(Overlay("two-lines", "caption", 0, 10, (block,)),))
    plan = rasterise(timeline, tmp_path)
    alpha = _alpha(plan.images[0].path)
    x, y = 150 - plan.box.x, 119 - plan.box.y  # right of the text, where the two boxes overlap
    assert alpha[y, x] == alpha[y - 10, x] == 128


def test_logo_is_drawn_with_its_opacity(tmp_path: Path) -> None:
    from toolkit.film.plan.timeline import ImageBlock

    logo = mf.make_image(tmp_path / "logo.png", size=(40, 20), color="white")
    timeline = mf.timeline([(ColorSource(RED), 10, Transition("cut", 0))],
                           overlays=(Overlay("logo", "logo", 0, 10, (ImageBlock(logo, Box(150, 20, 40, 20), 0.5),)),))
    plan = rasterise(timeline, tmp_path / "work")
    alpha = _alpha(plan.images[0].path)
    assert alpha[30 - plan.box.y, 170 - plan.box.x] in (127, 128)


def _installed(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


def test_no_edit_lists_and_the_sound_starts_with_its_picture(film: Film) -> None:
    # House spec: no edit lists. Without one, players play the AAC encoder's priming samples,
    # which the render compensates for: the voice cue at frame 10 (1.0 s) is heard at 1.0 s.
    assert edit_list_tracks(film.path) == 0
    with av.open(str(film.path)) as container:
        assert float(next(container.decode(video=0)).time) == 0.0
    with av.open(str(film.path)) as container:
        sound = np.concatenate([f.to_ndarray()[0] for f in container.decode(audio=0)])
    steady = np.abs(sound[int(1.5 * 48000):int(2.5 * 48000)]).max()
    onset = np.flatnonzero(np.abs(sound) > steady / 2)[0] / 48000
    assert abs(onset - 1.0) < 0.003, f"the voice starts at {onset * 1000:.1f} ms"
    assert abs(len(sound) / 48000 - float(film.timeline.duration)) < 0.025
