"""The photosensitive flash gate (WCAG 2.3.1) and the frame decoder it shares with the grader.

The oracles are built here, independently of the analyser: WCAG's relative-luminance and red
formulas written out in plain Python, square waves whose transitions are counted straight from
the generated state sequence, and window geometry worked out by hand from the 554×416 figure.
Media is generated per test (numpy frames, or clips encoded by ffmpeg into tmp_path).
"""

from __future__ import annotations

import itertools
import json
import subprocess
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from toolkit.care.flash import DARK_LIMIT, LUMINANCE_STEP, RED_STEP, FlashAnalyser, analyse_frames, check_clip
from toolkit.care.flash_track import LIN_SCALE, LUMA_SCALE, Tracker, TransitionCounter
from toolkit.cli import cli
from toolkit.errors import ProbeError
from toolkit.media.frames import iter_frames, video_fps
from toolkit.settings import Settings

BLACK, WHITE, RED = (0, 0, 0), (255, 255, 255), (255, 0, 0)


# --- independent oracles -------------------------------------------------------------------


def linear(v: int) -> float:
    """WCAG 2.x sRGB channel linearisation."""
    c = v / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def luminance(rgb: tuple[int, int, int]) -> float:
    r, g, b = (linear(v) for v in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def red_value(rgb: tuple[int, int, int]) -> float:
    """WCAG 2.0 red-flash value: (R - G - B) * 320 for saturated red (R/(R+G+B) >= 0.8), else 0."""
    r, g, b = (linear(v) for v in rgb)
    total = r + g + b
    return max(0.0, (r - g - b) * 320) if total > 0 and r / total >= 0.8 else 0.0


def grey_with_luminance(target: float) -> int:
    return min(range(256), key=lambda v: abs(luminance((v, v, v)) - target))


def wave(hz: float, fps: int, seconds: float, *, phase: int = 0) -> list[int]:
    """0/1 state per frame of a square wave with 2·hz state changes a second (exact arithmetic)."""
    hz_f = Fraction(str(hz))
    return [(int(2 * hz_f * i / fps) + phase) % 2 for i in range(round(seconds * fps))]


def max_changes_per_second(states: list[int], fps: int) -> int:
    changes = [0] + [int(a != b) for a, b in itertools.pairwise(states)]
    return max(sum(changes[max(0, i - fps + 1) : i + 1]) for i in range(len(changes)))


def frames_from(states: list[int], on, off, size=(36, 64)) -> list[np.ndarray]:
    """Full frames (width, height = size) alternating between two colours."""
    w, h = size
    colours = {0: np.array(off, np.uint8), 1: np.array(on, np.uint8)}
    return [np.broadcast_to(colours[s], (h, w, 3)).copy() for s in states]


def patch_frames(states, patch, on=WHITE, off=BLACK, size=(108, 192)) -> list[np.ndarray]:
    """Mid-grey frames (width, height = size) with a rectangle of `patch` (w, h) in the centre
    alternating between two colours."""
    (w, h), (pw, ph) = size, patch
    x, y = (w - pw) // 2, (h - ph) // 2
    out = []
    for s in states:
        f = np.full((h, w, 3), 128, np.uint8)
        f[y : y + ph, x : x + pw] = on if s else off
        out.append(f)
    return out


# --- media fixtures ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ffmpeg_bin() -> str:
    return Settings().ffmpeg


def ffmpeg_run(ffmpeg: str, *args: str, stdin: bytes | None = None) -> None:
    subprocess.run([ffmpeg, "-hide_banner", "-loglevel", "error", "-y", *args], input=stdin, check=True)


def encode(ffmpeg: str, frames: list[np.ndarray], fps: int, path: Path, *, lossless=False, matrix="bt709") -> Path:
    """Pipe RGB frames through ffmpeg into an H.264 MP4 tagged with `matrix` and limited range."""
    h, w = frames[0].shape[:2]
    tag = {"bt709": "bt709", "bt601": "smpte170m"}[matrix]
    argv = [
        "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{w}x{h}", "-r", str(fps), "-i", "-",
        "-vf", f"scale=out_color_matrix={matrix}:out_range=tv,format=yuv420p",
        "-c:v", "libx264", "-preset", "ultrafast", *(["-qp", "0"] if lossless else ["-crf", "10"]),
        "-colorspace", tag, "-color_primaries", tag, "-color_trc", tag, "-color_range", "tv",
        str(path),
    ]  # fmt: skip
    ffmpeg_run(ffmpeg, *argv, stdin=b"".join(f.tobytes() for f in frames))
    return path


def lavfi_flash(ffmpeg: str, path: Path, *, hz: int, colour: str = "white", seconds: int = 3) -> Path:
    """A full-frame flash made by ffmpeg alone: colour and black alternating at `hz` (30 fps)."""
    on = f"mod(floor(N*{2 * hz}/30)\\,2)"
    r, g, b = {"white": (on, on, on), "red": (on, "0", "0")}[colour]
    argv = [
        "-f", "lavfi", "-i", f"color=c=black:s=108x192:r=30:d={seconds}",
        "-vf", f"format=rgb24,geq=r='255*{r}':g='255*{g}':b='255*{b}',"
        "scale=out_color_matrix=bt709:out_range=tv,format=yuv420p",
        "-c:v", "libx264", "-preset", "ultrafast", "-crf", "10",
        "-colorspace", "bt709", "-color_primaries", "bt709", "-color_trc", "bt709", str(path),
    ]  # fmt: skip
    ffmpeg_run(ffmpeg, *argv)
    return path


# --- full-frame general flash --------------------------------------------------------------


# 3.5 Hz is 7 transitions a second, the first failing count (G19)
RATES = [(30, hz) for hz in (1, 2, 3, 3.5, 4, 10)] + [(24, hz) for hz in (1, 2, 3, 3.5, 4)]
RATES += [(60, hz) for hz in (1, 2, 3, 3.5, 10)]


@pytest.mark.parametrize(("fps", "hz"), RATES)
def test_full_frame_black_white_passes_up_to_3_hz_and_fails_above(fps: int, hz: float) -> None:
    states = wave(hz, fps, 3)
    over_limit = max_changes_per_second(states, fps) >= 7  # G19: 3.5 flashes
    assert over_limit == (hz > 3)
    report = analyse_frames(frames_from(states, WHITE, BLACK), fps)
    assert report.passed is not over_limit
    assert report.frames_analysed == len(states)
    if over_limit:
        assert {i.kind for i in report.failures} == {"general"}
        assert report.failures[0].peak_area == 1.0


def test_failing_interval_timestamps_match_the_transition_count_to_a_frame() -> None:
    fps = 30
    states = [0] * 60 + wave(4, fps, 2, phase=1) + [0] * 60  # black, 2 s of 4 Hz, black
    changes = [0] + [int(a != b) for a, b in itertools.pairwise(states)]
    failing = [i for i in range(len(states)) if sum(changes[max(0, i - fps + 1) : i + 1]) >= 7]
    report = analyse_frames(frames_from(states, WHITE, BLACK), fps)
    (interval,) = report.failures
    frame = 1 / fps
    assert interval.start == pytest.approx(failing[0] / fps, abs=frame)
    assert interval.end == pytest.approx((failing[-1] + 1) / fps, abs=frame)
    # by hand: the 7th transition of a 4 Hz flash starting at 2.0 s comes 6/8 s later
    assert interval.start == pytest.approx(2.75, abs=frame)
    assert report.duration == pytest.approx(6.0)


# --- luminance thresholds ------------------------------------------------------------------


@pytest.mark.parametrize(("delta", "passes"), [(0.09, True), (0.11, False)])
def test_grey_flicker_at_5_hz_fails_only_from_a_luminance_change_of_0_10(delta: float, passes: bool) -> None:
    dark = 100
    light = grey_with_luminance(luminance((dark,) * 3) + delta)
    actual = luminance((light,) * 3) - luminance((dark,) * 3)
    assert abs(actual - delta) < 0.004 and (actual >= 0.10) is not passes
    report = analyse_frames(frames_from(wave(5, 30, 2), (light,) * 3, (dark,) * 3), 30)
    assert report.passed is passes


def test_flashing_between_bright_states_passes_when_the_darker_is_at_least_0_80() -> None:
    bright = grey_with_luminance(0.82)
    assert luminance((bright,) * 3) >= 0.80
    assert analyse_frames(frames_from(wave(5, 30, 2), WHITE, (bright,) * 3), 30).passed
    darker = grey_with_luminance(0.75)  # control: same flash with the darker state below 0.80
    assert not analyse_frames(frames_from(wave(5, 30, 2), WHITE, (darker,) * 3), 30).passed


# --- red flash -----------------------------------------------------------------------------


def test_saturated_red_to_black_at_4_hz_fails_as_red() -> None:
    report = analyse_frames(frames_from(wave(4, 30, 2), RED, BLACK), 30)
    assert not report.passed
    assert "red" in {i.kind for i in report.failures}


def test_red_is_judged_separately_from_luminance() -> None:
    grey = grey_with_luminance(luminance(RED))  # same luminance, no red
    assert abs(luminance((grey,) * 3) - luminance(RED)) < 0.01
    report = analyse_frames(frames_from(wave(4, 30, 2), RED, (grey,) * 3), 30)
    assert [i.kind for i in report.failures] == ["red"]


def test_red_flash_verdict_matches_the_wcag_formula_for_many_colours() -> None:
    rng = np.random.default_rng(7)
    colours = [tuple(int(v) for v in c) for c in rng.integers(0, 256, (150, 3))]
    colours += [(r, g, b) for r in (60, 140, 200, 255) for g in (0, 10, 30, 60) for b in (0, 20, 40)]
    states = wave(5, 30, 1.2)
    for colour in colours:
        value = red_value(colour)
        if abs(value - 20) < 0.5:
            continue  # fixed point may round either way this close to the threshold
        # a 1×1 frame makes the pixel the whole judged area; in an 8×1 frame one flashing
        # pixel (a 2×1 window) takes the sparse path for scattered red pixels
        for size in ((1, 1), (8, 1)):
            frames = patch_frames(states, (1, 1), on=colour, size=size)
            kinds = {i.kind for i in analyse_frames(frames, 30).failures}
            assert ("red" in kinds) == (value > 20), (colour, value, size)


def test_byte_prefilter_for_saturated_red_never_rejects_a_saturated_colour() -> None:
    lin = [linear(v) for v in range(256)]
    for m in range(256):  # m = max(G, B): saturation needs lin(R) >= 4 lin(m)
        for r in range(256):
            if lin[r] > 0 and lin[r] >= 4 * lin[m]:
                assert r > m and r - m > m // 2, (r, m)


# --- area rule -----------------------------------------------------------------------------


def test_window_is_554_by_416_scaled_by_frame_area() -> None:
    assert FlashAnalyser(30, 1080, 1920).window == (554, 416)
    assert FlashAnalyser(30, 270, 480).window == (138, 104)  # 554/4 = 138.5 rounds to even
    assert FlashAnalyser(30, 108, 192).window == (55, 42)
    assert FlashAnalyser(30, 108, 192, profile="broadcast").window == (108, 192)


@pytest.mark.parametrize(
    ("patch", "strict_passes", "broadcast_passes"),
    [
        ((20, 20), True, True),  # 1.9 % of the frame, 17 % of the window
        ((32, 32), False, True),  # 4.9 % of the frame, 44 % of the window
        ((108, 58), False, False),  # 30 % of the frame
    ],
)
def test_flashing_patch_area_against_each_profile(patch, strict_passes, broadcast_passes) -> None:
    frames = patch_frames(wave(4, 30, 2), patch)
    strict = analyse_frames(frames, 30, profile="wcag_strict")
    broadcast = analyse_frames(frames, 30, profile="broadcast")
    assert strict.passed is strict_passes
    assert broadcast.passed is broadcast_passes
    w, h = patch
    if not strict_passes:  # the worst 55×42 window covers as much of the patch as fits
        expected = min(w, 55) * min(h, 42) / (55 * 42)
        assert strict.failures[0].peak_area == pytest.approx(expected, abs=1e-3)
    if not broadcast_passes:
        assert broadcast.failures[0].peak_area == pytest.approx(w * h / (108 * 192), abs=1e-3)


def test_small_red_patch_fails_under_strict_through_the_sparse_path() -> None:
    frames = patch_frames(wave(4, 30, 2), (32, 32), on=RED, off=(128, 128, 128))  # 4.9 % of the frame
    report = analyse_frames(frames, 30)
    assert [i.kind for i in report.failures] == ["red"]
    assert analyse_frames(frames, 30, profile="broadcast").passed


def oracle_transitions(frames: list[np.ndarray], kind: str) -> list[set[int]]:
    """For each frame, the pixels (flat indices) that made a counted transition, worked out
    pixel by pixel in plain Python from the definitions: a change of at least 0.10 in luminance
    with the darker state below 0.80 (red: more than 20 in red value), counted when it
    reverses the pixel's previous transition. The first frame is the baseline."""
    general = kind == "general"
    value = luminance if general else red_value
    step = 0.10 if general else 20.0
    out: list[set[int]] = [set() for _ in frames]
    for p in range(frames[0].shape[0] * frames[0].shape[1]):
        series = [value(tuple(int(v) for v in f.reshape(-1, 3)[p])) for f in frames]
        dark = [v < 0.80 or not general for v in series]  # may be the darker state
        high, low, last = series[0], (series[0] if dark[0] else None), 0
        for i, v in enumerate(series[1:], start=1):
            rise = low is not None and (v - low >= step if general else v - low > step)
            fall = dark[i] and (high - v >= step if general else high - v > step)
            high = max(high, v)
            if dark[i]:
                low = v if low is None else min(low, v)
            if rise or fall:
                direction = 1 if rise else -1
                if direction != last:
                    out[i].add(p)
                last, high, low = direction, v, (v if dark[i] else None)
    return out


def test_transition_counter_matches_a_per_pixel_oracle_whether_few_or_most_pixels_change() -> None:
    # After the first frame the counter looks only at pixels whose colour changed, and takes
    # whole-frame passes when more than a quarter changed: regions flashing on alternate
    # frames (the changed-pixel path), a repaint of 60 % of the pixels every 7th frame (the
    # whole-frame path), red appearing late, and a few pixels changing every frame. Colours
    # are far from every threshold, so fixed point and floats agree; grey 240 (0.87) is above
    # the 0.80 limit and 0.13 below white, which flashes there must not count.
    rng = np.random.default_rng(11)
    palette = np.array([(0, 0, 0), (100, 100, 100), (180, 180, 180), (240, 240, 240), WHITE, RED], np.uint8)
    h, w = 10, 12
    frame = np.zeros((h, w, 3), np.uint8)
    frames = []
    for i in range(80):
        frame = frame.copy()
        band = slice(0, 2) if i % 2 else slice(2, 4)
        frame[band] = palette[rng.integers(0, 5 if i < 40 else 6)]
        if i % 7 == 0:
            mask = rng.random((h, w)) < 0.6
            frame[mask] = palette[rng.integers(0, 5 if i < 40 else 6, mask.sum())]
        for y, x in rng.integers(0, (h, w), (3, 2)):
            frame[y, x] = palette[rng.integers(0, 6)]
        frames.append(frame)
    size = h * w
    counter = TransitionCounter(
        (h, w),
        general=Tracker(size, round(LUMINANCE_STEP * LUMA_SCALE), round(DARK_LIMIT * LUMA_SCALE), strict=False),
        red=Tracker(size, round(RED_STEP / 320 * LIN_SCALE), None, strict=True),
    )
    got = [counter.step(f) for f in frames]
    for kind, column in (("general", 0), ("red", 1)):
        expected = oracle_transitions(frames, kind)
        assert sum(map(len, expected)) > 50, kind  # the sequence really exercises both trackers
        assert [set(g[column].tolist()) for g in got] == expected, kind


# --- time behaviour ------------------------------------------------------------------------


def test_a_slow_fade_counts_as_one_transition() -> None:
    # Within one second: a 10-frame ramp up whose every step is >= 0.10 (so each frame is a
    # rising transition), then 5 sharp changes. Counted once, the ramp makes 6 transitions
    # in total (passes); counted per step it would make 15 (fails).
    ramp = [grey_with_luminance(k / 10 + 0.01) for k in range(10)]
    steps = [luminance((b,) * 3) - luminance((a,) * 3) for a, b in itertools.pairwise(ramp)]
    assert min(steps) >= 0.095
    levels = [0] * 10 + ramp + [255, 0, 0, 0, 255, 255, 255, 0, 0, 0, 255] + [255] * 20
    frames = [np.full((16, 9, 3), v, np.uint8) for v in levels]
    report = analyse_frames(frames, 30)
    assert report.passed and not report.warnings
    # A one-second fade to white: counted per 0.10 step it would be 7+ rising transitions.
    fade = [round(255 * k / 29) for k in range(30)] + [255] * 30
    low, steps_over = 0.0, 0
    for v in fade:
        if luminance((v,) * 3) - low >= 0.10 and low < 0.80:
            low, steps_over = luminance((v,) * 3), steps_over + 1
    assert steps_over >= 7
    assert analyse_frames([np.full((16, 9, 3), v, np.uint8) for v in fade], 30).passed


def test_sustained_flashing_under_the_limit_is_an_extended_warning_not_a_failure() -> None:
    report = analyse_frames(frames_from(wave(3, 30, 7), WHITE, BLACK), 30)
    assert report.passed
    (warning,) = report.warnings
    assert warning.kind == "general"
    assert warning.start < 1.0 and warning.end == pytest.approx(7.0)
    assert not analyse_frames(frames_from(wave(3, 30, 3), WHITE, BLACK), 30).warnings


def test_window_follows_timestamps_for_variable_frame_rate() -> None:
    # 4 Hz flash sampled at 60 fps for a second, then at 30 fps: the second is measured in
    # time, not in round(fps) frames, so the verdict is the same as at a constant rate.
    times = [i / 60 for i in range(60)] + [1 + i / 30 for i in range(60)]
    for hz, fails in ((3, False), (4, True)):
        analyser = FlashAnalyser(30, 9, 16)
        for t in times:
            on = int(2 * hz * t + 1e-9) % 2
            analyser.feed(np.full((16, 9, 3), 255 * on, np.uint8), t)
        assert analyser.result().passed is not fails


def test_report_serialises_to_json() -> None:
    report = analyse_frames(frames_from(wave(4, 30, 2), WHITE, BLACK), 30)
    data = json.loads(json.dumps(report.to_dict()))
    assert data["passed"] is False and data["profile"] == "wcag_strict"
    assert data["failures"][0]["kind"] == "general"
    assert set(data["failures"][0]) == {"start", "end", "kind", "peak_area"}
    assert data["frames_analysed"] == 60 and data["duration"] == pytest.approx(2.0)


def test_empty_input_and_bad_arguments() -> None:
    assert analyse_frames([], 30).frames_analysed == 0
    with pytest.raises(ValueError, match="profile"):
        FlashAnalyser(30, 10, 10, profile="lenient")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="uint8"):
        FlashAnalyser(30, 10, 10).feed(np.zeros((10, 10, 3), np.float32), 0.0)


# --- real clips ----------------------------------------------------------------------------


def test_lavfi_clips_through_check_clip(ffmpeg_bin: str, tmp_path: Path) -> None:
    fast = check_clip(lavfi_flash(ffmpeg_bin, tmp_path / "4hz.mp4", hz=4))
    assert not fast.passed and fast.frames_analysed == 90
    assert fast.failures[0].kind == "general"
    assert fast.failures[0].start == pytest.approx(0.9, abs=1 / 30)  # 7th change at 6 × 3.75 frames
    assert fast.failures[0].end == pytest.approx(3.0, abs=1 / 30)
    assert check_clip(lavfi_flash(ffmpeg_bin, tmp_path / "2hz.mp4", hz=2)).passed
    red = check_clip(lavfi_flash(ffmpeg_bin, tmp_path / "red.mp4", hz=4, colour="red"))
    assert "red" in {i.kind for i in red.failures}


def test_one_pixel_checkerboard_is_averaged_away_by_the_analysis_downscale(ffmpeg_bin: str, tmp_path: Path) -> None:
    y, x = np.mgrid[0:384, 0:216]
    board = ((x + y) % 2).astype(np.uint8)
    frames = [np.repeat((255 * (board ^ (i % 2)))[..., None], 3, axis=2) for i in range(60)]
    clip = encode(ffmpeg_bin, frames, 30, tmp_path / "checker.mp4", lossless=True)
    assert check_clip(clip, analysis_width=54).passed  # 4×4 blocks: flat grey
    assert not check_clip(clip, analysis_width=216).passed  # control: native pixels do flash


# --- frame decoding ------------------------------------------------------------------------


@pytest.mark.parametrize("matrix", ["bt709", "bt601"])
def test_decoded_colours_honour_the_tagged_matrix_and_range(ffmpeg_bin, tmp_path, matrix) -> None:
    colours = [RED, (0, 255, 0), (0, 0, 255), WHITE, BLACK, (128, 128, 128), (200, 60, 30)]
    frames = [np.full((64, 64, 3), c, np.uint8) for c in colours]
    clip = encode(ffmpeg_bin, frames, 10, tmp_path / f"{matrix}.mp4", matrix=matrix)
    decoded = list(iter_frames(clip, width=16))
    assert [f.index for f in decoded] == list(range(len(colours)))
    assert decoded[3].time == pytest.approx(0.3)
    for frame, colour in zip(decoded, colours, strict=True):
        assert frame.rgb.shape == (16, 16, 3) and frame.rgb.dtype == np.uint8
        assert not frame.rgb.flags.writeable
        assert np.abs(frame.rgb[8, 8].astype(int) - colour).max() <= 4, (colour, frame.rgb[8, 8])


def test_decoded_frames_are_contiguous(ffmpeg_bin: str, tmp_path: Path) -> None:
    # The flash analyser's whole-frame passes run ~20 % slower on row-padded views.
    clip = encode(ffmpeg_bin, [np.full((32, 64, 3), 90, np.uint8)] * 2, 10, tmp_path / "plain.mp4")
    for width in (16, 30, 64):
        rgb = next(iter_frames(clip, width=width)).rgb
        assert rgb.flags.c_contiguous and not rgb.flags.writeable


def test_display_rotation_is_applied(ffmpeg_bin: str, tmp_path: Path) -> None:
    landscape = np.zeros((32, 64, 3), np.uint8)
    landscape[:, :32] = WHITE  # left half white
    plain = encode(ffmpeg_bin, [landscape] * 3, 10, tmp_path / "plain.mp4")
    rotated = tmp_path / "rotated.mp4"
    ffmpeg_run(ffmpeg_bin, "-display_rotation", "90", "-i", str(plain), "-c", "copy", str(rotated))
    assert next(iter_frames(plain, width=32)).rgb.shape == (16, 32, 3)
    upright = next(iter_frames(rotated, width=16)).rgb
    assert upright.shape == (32, 16, 3)
    # 90° counter-clockwise: the white left half ends up at the bottom
    assert upright[28, 8].min() > 200 and upright[4, 8].max() < 50


def test_video_fps_and_errors_name_the_file(ffmpeg_bin: str, tmp_path: Path) -> None:
    clip = encode(ffmpeg_bin, [np.zeros((16, 16, 3), np.uint8)] * 3, 25, tmp_path / "a.mp4")
    assert video_fps(clip) == Fraction(25)
    notes = tmp_path / "notes.txt"
    notes.write_text("not a video at all\n")
    with pytest.raises(ProbeError, match=r"notes\.txt"):
        check_clip(notes)
    with pytest.raises(ProbeError, match=r"missing\.mp4"):
        list(iter_frames(tmp_path / "missing.mp4", width=8))
    audio = tmp_path / "tone.wav"
    ffmpeg_run(ffmpeg_bin, "-f", "lavfi", "-i", "sine=d=0.2", str(audio))
    with pytest.raises(ProbeError, match=r"tone\.wav: has no video stream"):
        video_fps(audio)


# --- command line --------------------------------------------------------------------------


def test_cli_exit_codes_table_and_json(ffmpeg_bin: str, tmp_path: Path) -> None:
    runner = CliRunner()
    calm = lavfi_flash(ffmpeg_bin, tmp_path / "calm.mp4", hz=1)
    fast = lavfi_flash(ffmpeg_bin, tmp_path / "fast.mp4", hz=4)

    ok = runner.invoke(cli, ["check-flash", str(calm)])
    assert ok.exit_code == 0, ok.output
    assert ok.stdout.startswith("PASS") and "calm.mp4" in ok.stdout

    failed = runner.invoke(cli, ["check-flash", str(fast)])
    assert failed.exit_code == 3, failed.output
    assert failed.stdout.startswith("FAIL") and "general" in failed.stdout and "0:00.900" in failed.stdout

    as_json = runner.invoke(cli, ["check-flash", "--json", "--profile", "broadcast", str(fast)])
    assert as_json.exit_code == 3
    data = json.loads(as_json.stdout)
    assert data["passed"] is False and data["profile"] == "broadcast"
    assert data["clip"] == str(fast)
    assert data["failures"][0]["start"] == pytest.approx(0.9, abs=1 / 30)

    passed_json = json.loads(runner.invoke(cli, ["check-flash", "--json", str(calm)]).stdout)
    assert passed_json["passed"] is True and passed_json["failures"] == []


def test_cli_reports_unreadable_files_as_errors(tmp_path: Path) -> None:
    runner = CliRunner()
    notes = tmp_path / "notes.txt"
    notes.write_text("storyboard ideas\n")
    result = runner.invoke(cli, ["check-flash", str(notes)])
    assert result.exit_code == 1
    assert "notes.txt" in result.stderr and "not a readable video file" in result.stderr
    missing = runner.invoke(cli, ["check-flash", str(tmp_path / "gone.mp4")])
    assert missing.exit_code == 2 and "gone.mp4" in missing.stderr
    bad_profile = runner.invoke(cli, ["check-flash", "--profile", "lenient", str(notes)])
    assert bad_profile.exit_code == 2
