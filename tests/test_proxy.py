"""Draft proxies and the cached loudness gain (`toolkit.film.proxy`), at 216×384 and 10 fps.

Proxies are checked against what the draft would show without them: the same trims (a clip
whose colour changes every second, trimmed mid-way), rotation applied, the same fits, and a
draft render through proxies with exactly the planned number of frames. Nothing is timed.
"""

from __future__ import annotations

import os
from fractions import Fraction
from pathlib import Path

import av
import media_factory as mf
import numpy as np
import pytest

from toolkit.film.compile.graph import compile_render
from toolkit.film.compile.loudness import AudioGain
from toolkit.film.compile.output import EncodeSettings
from toolkit.film.compile.raster import rasterise
from toolkit.film.plan.timeline import AudioCue, ColorSource, Timeline, Transition, VideoSource
from toolkit.film.proxy import ProxyJob, cached_gain, content_digest, plan_proxies, proxied, proxy_dir
from toolkit.film.run.runner import atomic_output, run_ffmpeg, run_render
from toolkit.film.run.verify import verify_output
from toolkit.media.probe import probe

pytestmark = pytest.mark.render

RED, GREEN, BLUE = (204, 51, 51), (34, 170, 68), (51, 68, 204)


class Calls:
    """A proxy runner that counts the commands it runs (and runs them)."""

    def __init__(self) -> None:
        self.jobs: list[ProxyJob] = []

    def __call__(self, argv: list[str], job: ProxyJob) -> None:
        self.jobs.append(job)
        run_ffmpeg(argv, stage="proxy")


def colour_steps(path: Path, size: tuple[int, int] = (384, 216)) -> Path:
    """3 s of footage at 30 fps: red, then green, then blue, one second each."""
    w, h = size
    parts = [f"color=c=0x{r:02x}{g:02x}{b:02x}:s={w}x{h}:r=30:d=1" for r, g, b in (RED, GREEN, BLUE)]
    args: list[str] = []
    for part in parts:
        args += ["-f", "lavfi", "-i", part]
    mf.ffmpeg(*args, "-filter_complex", "[0][1][2]concat=n=3:v=1[v]", "-map", "[v]",
              "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(path))
    return path


def render(timeline: Timeline, folder: Path, name: str) -> tuple[Path, list[np.ndarray]]:
    raster = rasterise(timeline, folder / "text")
    target = folder / name
    with atomic_output(target, force=False, inputs=()) as temp:
        argv = compile_render(timeline, raster, output=temp, encode=EncodeSettings.draft(), gain=None)
        run_render(argv, stage="render", total_frames=timeline.frames)
        verify_output(temp, timeline)
    with av.open(str(target)) as container:
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    return target, frames


def centre(frame: np.ndarray) -> np.ndarray:
    return frame[300:340, 88:128].reshape(-1, 3).mean(axis=0)  # below the end-card text box


def test_second_draft_reuses_proxies_and_a_changed_clip_gets_a_new_one(tmp_path: Path) -> None:
    clip = mf.make_video(tmp_path / "clip.mp4", size=(384, 216), seconds=2, audio=False)
    timeline = mf.timeline([(VideoSource(clip, Fraction(0), "cover", 384, 216, False), 10, Transition("cut", 0)),
                            (VideoSource(clip, Fraction(1), "cover", 384, 216, False), 10, Transition("cut", 0)),
                            (VideoSource(clip, Fraction(0), "contain", 384, 216, False), 10, Transition("cut", 0))])
    root = tmp_path / "proxy"
    first = Calls()
    proxied_timeline, made = proxied(timeline, root, first)
    # One proxy per (file, mode): the two cover segments share one whatever their trims.
    assert made == 2 and sorted(j.mode for j in first.jobs) == ["contain", "cover"]
    second = Calls()
    again, made = proxied(timeline, root, second)
    assert made == 0 and not second.jobs and again == proxied_timeline

    before = {key[1]: job.path for key, job in plan_proxies(timeline, root).items()}
    os.utime(clip, ns=(1, 1))  # touched, same bytes: same proxy
    assert {key[1]: job.path for key, job in plan_proxies(timeline, root).items()} == before
    mf.make_video(clip, size=(384, 216), seconds=2, audio=False, tone=220)
    with clip.open("ab") as handle:
        handle.write(b"\0")  # different bytes, even if the encoder were byte-identical
    after = {key[1]: job.path for key, job in plan_proxies(timeline, root).items()}
    assert after["cover"] != before["cover"] and after["contain"] != before["contain"]


def test_content_digest_follows_bytes_not_names(tmp_path: Path) -> None:
    memo = tmp_path / "digests"
    a, b = tmp_path / "a.bin", tmp_path / "b.bin"
    a.write_bytes(b"same bytes")
    b.write_bytes(b"same bytes")
    assert content_digest(a, memo) == content_digest(b, memo)
    b.write_bytes(b"other bytes")
    assert content_digest(a, memo) != content_digest(b, memo)


def test_proxy_is_canvas_sized_for_cover_and_fitted_for_contain(tmp_path: Path) -> None:
    clip = mf.make_video(tmp_path / "wide.mp4", size=(384, 216), seconds=1, audio=False)
    timeline = mf.timeline([(VideoSource(clip, Fraction(0), "cover", 384, 216, False), 5, Transition("cut", 0)),
                            (VideoSource(clip, Fraction(0), "blur-fill", 384, 216, False), 5, Transition("cut", 0))])
    new, _ = proxied(timeline, tmp_path / "proxy", Calls())
    cover, blur = (seg.source for seg in new.segments[:2])
    assert isinstance(cover, VideoSource) and isinstance(blur, VideoSource)
    assert (cover.width, cover.height) == (216, 384) and blur.fit == "blur-fill"
    assert (blur.width, blur.height) == (216, 122)
    for source in (cover, blur):
        info = probe(source.path).video
        assert info is not None and (info.width, info.height) == (source.width, source.height)
        # every source frame at its own time (30 fps here), not resampled to the canvas's 10 fps:
        # resampling before trimming could move a frame across a trim's edge
        assert info.fps == 30 and not info.variable_frame_rate and info.frames == 30


def test_trims_show_the_same_seconds_through_proxies(tmp_path: Path) -> None:
    steps = colour_steps(tmp_path / "steps.mp4")
    # Trimmed from 1.0 s: green for 10 frames, then blue (the segment is 2 s at 10 fps).
    timeline = mf.timeline([(VideoSource(steps, Fraction(1), "cover", 384, 216, False), 20, Transition("cut", 0))])
    drafted, _ = proxied(timeline, tmp_path / "proxy", Calls())
    _, direct = render(timeline, tmp_path, "direct.mp4")
    _, proxy = render(drafted, tmp_path, "proxy.mp4")
    assert len(direct) == len(proxy) == timeline.frames
    for index, colour in ((2, GREEN), (8, GREEN), (12, BLUE), (18, BLUE)):
        assert np.abs(centre(proxy[index]) - colour).max() <= 12, index
        assert np.abs(centre(proxy[index]) - centre(direct[index])).max() <= 6, index


def test_rotated_footage_is_proxied_upright(tmp_path: Path) -> None:
    coded = mf.make_halves(tmp_path / "coded.mp4", size=(384, 216), first="red", second="blue")
    rotated = mf.rotate(coded, tmp_path / "rotated.mp4", 90)
    timeline = mf.timeline([(VideoSource(rotated, Fraction(0), "cover", 216, 384, False), 10, Transition("cut", 0))])
    drafted, _ = proxied(timeline, tmp_path / "proxy", Calls())
    source = drafted.segments[0].source
    assert isinstance(source, VideoSource)
    info = probe(source.path).video
    assert info is not None and info.rotation == 0 and (info.width, info.height) == (216, 384)
    _, frames = render(drafted, tmp_path, "proxy.mp4")
    frame = frames[5].astype(float)
    top, bottom = frame[20:170].mean(axis=(0, 1)), frame[214:364].mean(axis=(0, 1))
    assert np.abs(top - bottom).max() > 100, "the halves should be above each other"


def test_draft_render_through_proxies_has_the_planned_frames(tmp_path: Path) -> None:
    clip = mf.make_video(tmp_path / "clip.mp4", size=(384, 216), seconds=3, audio=False)
    vfr = mf.make_vfr_video(tmp_path / "vfr.mp4", size=(216, 384), seconds=3)
    timeline = mf.timeline([(VideoSource(clip, Fraction(1, 2), "blur-fill", 384, 216, False), 17, Transition("cut", 0)),
                            (VideoSource(vfr, Fraction(1, 3), "cover", 216, 384, False), 23, Transition("fade", 4))],
                           end_transition=Transition("dip-to-black", 4))
    drafted, _ = proxied(timeline, tmp_path / "proxy", Calls())
    assert drafted.frames == timeline.frames
    _, frames = render(drafted, tmp_path, "draft.mp4")
    assert len(frames) == timeline.frames


def test_a_clip_that_cannot_be_proxied_is_drafted_from_the_original(tmp_path: Path) -> None:
    clip = mf.make_video(tmp_path / "clip.mp4", size=(384, 216), seconds=1, audio=False)
    timeline = mf.timeline([(VideoSource(clip, Fraction(0), "cover", 384, 216, False), 5, Transition("cut", 0))])

    def broken(argv: list[str], job: ProxyJob) -> None:
        run_ffmpeg([*argv[:-1], "-c:v", "no-such-encoder", argv[-1]], stage="proxy")

    drafted, made = proxied(timeline, tmp_path / "proxy", broken)
    assert made == 0 and drafted == timeline
    assert not [p for p in (tmp_path / "proxy").iterdir() if p.suffix == ".mp4"]


def test_loudness_gain_is_measured_once_per_mix(tmp_path: Path) -> None:
    voice = mf.make_tone(tmp_path / "voice.wav", seconds=2, level_db=-26)
    timeline = mf.timeline([(ColorSource("#203040"), 20, Transition("cut", 0))],
                           audio=(AudioCue("voice", voice, 0, 20, Fraction(0), 1.0),))
    root = proxy_dir(tmp_path / "text")
    measured: list[int] = []

    def measure() -> AudioGain:
        measured.append(1)
        return AudioGain(6.5, None)

    assert cached_gain(timeline, root, measure) == AudioGain(6.5, None)
    assert cached_gain(timeline, root, measure) == AudioGain(6.5, None)
    assert len(measured) == 1
    mf.make_tone(voice, seconds=2, level_db=-20)  # the voice changed: measure again
    cached_gain(timeline, root, measure)
    assert len(measured) == 2


def test_a_cover_proxy_keeps_the_focus_the_final_shows(tmp_path: Path) -> None:
    # landscape footage, red on the left half: `focus: 0` keeps the left edge in a 9:16 frame
    clip = mf.make_halves(tmp_path / "halves.mp4", size=(384, 216), first="red", second="blue", seconds=1)
    timeline = mf.timeline([(VideoSource(clip, Fraction(0), "cover", 384, 216, False, focus=Fraction(0)), 5,
                             Transition("cut", 0))])
    drafted, _ = proxied(timeline, tmp_path / "proxy", Calls())
    _, direct = render(timeline, tmp_path, "direct.mp4")
    _, proxy = render(drafted, tmp_path, "proxy.mp4")
    for frames in (direct, proxy):
        red = centre(frames[2])
        assert red[0] > 150 and red[2] < 100, red  # red, not the blue of a centre crop's right side
    centred = mf.timeline([(VideoSource(clip, Fraction(0), "cover", 384, 216, False), 5, Transition("cut", 0))])
    assert plan_proxies(centred, tmp_path / "proxy") != plan_proxies(timeline, tmp_path / "proxy")


def test_footage_layers_are_proxied_at_their_box_size(tmp_path: Path) -> None:
    import dataclasses

    from toolkit.film.plan.timeline import Layer
    from toolkit.geometry import Box

    steps = colour_steps(tmp_path / "steps.mp4")
    base = mf.timeline([(ColorSource("#202020"), 20, Transition("cut", 0))])
    broll = VideoSource(steps, Fraction(1), "cover", 384, 216, False)
    layer = Layer("broll", broll, 0, 20, Box(0, 0, base.canvas.width, base.canvas.height))
    timeline = dataclasses.replace(base, layers=(layer,))
    calls = Calls()
    drafted, made = proxied(timeline, tmp_path / "proxy", calls)
    [job] = calls.jobs
    assert made == 1 and (job.width, job.height) == (base.canvas.width, base.canvas.height)
    proxied_layer = drafted.layers[0].source
    assert isinstance(proxied_layer, VideoSource) and proxied_layer.path == job.path
    _, direct = render(timeline, tmp_path, "direct.mp4")
    _, proxy = render(drafted, tmp_path, "proxy.mp4")
    # trimmed from 1.0 s: green for 10 frames, then blue, through the proxy as through the original
    for index, colour in ((2, GREEN), (12, BLUE)):
        assert np.abs(centre(proxy[index]) - colour).max() <= 12, index
        assert np.abs(centre(proxy[index]) - centre(direct[index])).max() <= 6, index


def test_blur_fill_of_footage_that_fills_the_frame_skips_the_hidden_backdrop(tmp_path: Path) -> None:
    from toolkit.film.compile.video import fills_canvas

    clip = mf.make_halves(tmp_path / "tall.mp4", size=(216, 384), first="red", second="blue", seconds=1)
    known = mf.timeline([(VideoSource(clip, Fraction(0), "blur-fill", 216, 384, False), 5, Transition("cut", 0))])
    unknown = mf.timeline([(VideoSource(clip, Fraction(0), "blur-fill", 0, 0, False), 5, Transition("cut", 0))])
    assert fills_canvas(216, 384, known.canvas) and not fills_canvas(384, 216, known.canvas)
    assert fills_canvas(1080, 1920, dataclasses_replace(known.canvas, 1080, 1920))
    assert not fills_canvas(1080, 1900, dataclasses_replace(known.canvas, 1080, 1920))

    def argv(timeline: Timeline) -> str:
        raster = rasterise(timeline, tmp_path / "text")
        return " ".join(compile_render(timeline, raster, output=tmp_path / "x.mp4", encode=EncodeSettings.draft(),
                                       gain=None).encoder)

    assert "gblur" not in argv(known) and "gblur" in argv(unknown)
    _, fast = render(known, tmp_path, "fast.mp4")
    _, full = render(unknown, tmp_path, "full.mp4")
    assert len(fast) == len(full)
    for a, b in zip(fast[:5], full[:5], strict=True):
        assert np.abs(a.astype(int) - b.astype(int)).max() <= 2


def dataclasses_replace(canvas, width: int, height: int):
    import dataclasses

    return dataclasses.replace(canvas, width=width, height=height)
