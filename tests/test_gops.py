"""GOP-parallel decoding: frames identical to one decoder, splits only at IDR pictures, bounded
read-ahead, and clean stops. Clips are tiny lavfi encodes with short GOPs and B-frames."""

from __future__ import annotations

import subprocess
import threading
from contextlib import closing
from pathlib import Path

import numpy as np
import pytest

from toolkit.care.flash import check_clip
from toolkit.errors import ProbeError
from toolkit.media import gops
from toolkit.media.frames import _Opener, iter_frames
from toolkit.media.gops import GopPlan, decode_gops, plan_gops

SIZE = "96x160"
FRAME_BYTES = 48 * 80 * 3  # what iter_frames(width=48) delivers for these clips


def make(ffmpeg: str, path: Path, *codec: str, source: str = f"testsrc2=s={SIZE}:r=30:d=2") -> Path:
    argv = [ffmpeg, "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", source,
            "-pix_fmt", "yuv420p", *codec, str(path)]  # fmt: skip
    subprocess.run(argv, check=True)
    return path


X264_CLOSED = ("-c:v", "libx264", "-preset", "ultrafast", "-g", "12", "-bf", "3")
X264_OPEN = ("-c:v", "libx264", "-g", "12", "-bf", "3", "-x264-params", "open-gop=1")
X265_IDR = ("-c:v", "libx265", "-x265-params", "keyint=12:min-keyint=12:open-gop=0:log-level=error")
X265_CRA = ("-c:v", "libx265", "-x265-params", "keyint=12:min-keyint=12:log-level=error")


@pytest.fixture()
def decoders(monkeypatch: pytest.MonkeyPatch):
    """Set how many decoders run (1 = the one-pass path), whatever this machine has."""

    def use(n: int) -> None:
        monkeypatch.setattr(gops, "decoder_count", lambda: n)

    return use


def decoded(clip: Path, width: int = 48, **kwargs) -> list[tuple[int, float, np.ndarray]]:
    return [(f.index, f.time, f.rgb) for f in iter_frames(clip, width=width, **kwargs)]


@pytest.mark.parametrize(
    ("name", "codec", "count"),
    [("closed.mp4", X264_CLOSED, 2), ("closed.mp4", X264_CLOSED, 3), ("closed.ts", X264_CLOSED, 2),
     ("idr.mp4", X265_IDR, 2)],
    ids=["h264-mp4-2", "h264-mp4-3", "h264-annexb-ts", "hevc-idr"],
)  # fmt: skip
def test_split_decoding_gives_exactly_the_frames_of_one_decoder(ffmpeg, tmp_path, decoders, name, codec, count):
    clip = make(ffmpeg, tmp_path / name, *codec)
    decoders(count)
    plan = plan_gops(_Opener(clip), FRAME_BYTES, 2**26)
    assert plan is not None and plan.decoders == count
    split = decoded(clip)
    decoders(1)
    assert plan_gops(_Opener(clip), FRAME_BYTES, 2**26) is None
    whole = decoded(clip)
    assert len(split) == len(whole) == 60
    for (i, t, rgb), (j, u, ref) in zip(split, whole, strict=True):
        assert (i, t) == (j, u)
        assert np.array_equal(rgb, ref), f"frame {i} differs"


def test_only_idr_keyframes_start_a_gop(ffmpeg, tmp_path, decoders) -> None:
    decoders(2)
    clip = make(ffmpeg, tmp_path / "closed.mp4", *X264_CLOSED)
    plan = plan_gops(_Opener(clip), FRAME_BYTES, 2**26)
    assert plan is not None
    container, stream = _Opener(clip)()
    with container:
        starts = [p.pts for p in container.demux(stream) if p.size and plan.is_start(p)]
    assert len(starts) == 5  # 60 frames, an IDR every 12


@pytest.mark.parametrize(
    ("name", "codec"), [("open.mp4", X264_OPEN), ("cra.mp4", X265_CRA)], ids=["x264-open-gop", "hevc-cra"]
)
def test_open_gops_are_decoded_in_one_pass(ffmpeg, tmp_path, decoders, name, codec) -> None:
    # Their keyframes are recovery points whose leading pictures refer to the GOP before.
    decoders(2)
    clip = make(ffmpeg, tmp_path / name, *codec)
    assert plan_gops(_Opener(clip), FRAME_BYTES, 2**26) is None
    assert len(decoded(clip)) == 60


def test_other_codecs_and_single_gops_are_decoded_in_one_pass(ffmpeg, tmp_path, decoders) -> None:
    decoders(2)
    vp9 = make(ffmpeg, tmp_path / "a.webm", "-c:v", "libvpx-vp9", "-g", "12", "-deadline", "realtime")
    single = make(ffmpeg, tmp_path / "one.mp4", "-c:v", "libx264", "-preset", "ultrafast")  # keyint 250
    for clip in (vp9, single):
        assert plan_gops(_Opener(clip), FRAME_BYTES, 2**26) is None
        assert len(decoded(clip)) == 60


def test_read_ahead_must_hold_half_a_gop_per_decoder(ffmpeg, tmp_path, decoders) -> None:
    decoders(2)
    clip = make(ffmpeg, tmp_path / "closed.mp4", *X264_CLOSED)
    # 12-frame GOPs: each of 2 decoders needs room for 6 frames ahead of the reader.
    assert plan_gops(_Opener(clip), FRAME_BYTES, 2 * 6 * FRAME_BYTES) is not None
    assert plan_gops(_Opener(clip), FRAME_BYTES, 2 * 5 * FRAME_BYTES) is None
    assert plan_gops(_Opener(clip), FRAME_BYTES, 0) is None
    # ahead_bytes=0 is how a caller opts out; the frames are the same either way
    assert [t for _, t, _ in decoded(clip, ahead_bytes=0)] == [t for _, t, _ in decoded(clip)]


def test_the_read_ahead_budget_bounds_what_decoders_hold(ffmpeg, tmp_path, decoders) -> None:
    decoders(2)
    clip = make(ffmpeg, tmp_path / "closed.mp4", *X264_CLOSED)
    plan = plan_gops(_Opener(clip), FRAME_BYTES, 2**26)
    assert plan is not None
    held: list[int] = []
    frames = decode_gops(_Opener(clip), plan, lambda: (lambda f: held.append(1) or f.pts), 1, 2 * 7)
    with closing(frames):
        next(frames)
        deadline = threading.Event()
        deadline.wait(0.5)  # let both decoders run into their limit
        # the reader took 1 frame; each decoder holds at most 7 (the budget) plus one in hand
        assert len(held) <= 1 + 2 * (7 + 1)


def test_closing_early_stops_every_decoder(ffmpeg, tmp_path, decoders) -> None:
    decoders(3)
    clip = make(ffmpeg, tmp_path / "closed.mp4", *X264_CLOSED)
    with closing(iter_frames(clip, width=48)) as frames:
        assert next(frames).index == 0
    assert not [t for t in threading.enumerate() if t.name.startswith("reel-gop")]


def test_a_decoder_that_fails_is_reported_and_the_others_stop(ffmpeg, tmp_path, decoders) -> None:
    decoders(2)
    clip = make(ffmpeg, tmp_path / "closed.mp4", *X264_CLOSED)
    plan = plan_gops(_Opener(clip), FRAME_BYTES, 2**26)
    assert plan is not None
    opened: list[int] = []
    lock = threading.Lock()

    def flaky() -> tuple:
        with lock:
            opened.append(1)
            if len(opened) == 2:
                raise ProbeError(f"{clip}: gone")
        return _Opener(clip)()

    with pytest.raises(ProbeError, match=r"closed\.mp4: gone"):
        list(decode_gops(flaky, GopPlan(plan.is_start, 2), lambda: (lambda f: f.pts), 1, 2**20))
    assert not [t for t in threading.enumerate() if t.name.startswith("reel-gop")]


def test_the_flash_gate_reads_split_and_whole_clips_alike(ffmpeg, tmp_path, decoders) -> None:
    # 4 Hz full-frame flashing across 15-frame GOPs: the verdict and intervals don't depend on
    # how the clip was decoded.
    on = "mod(floor(N*8/30)\\,2)"
    clip = tmp_path / "flash.mp4"
    make(ffmpeg, clip, "-vf", f"format=rgb24,geq=r='255*{on}':g='255*{on}':b='255*{on}',format=yuv420p",
         "-c:v", "libx264", "-preset", "ultrafast", "-g", "15", source="color=c=black:s=108x192:r=30:d=3")
    decoders(2)
    split = check_clip(clip, analysis_width=54)
    decoders(1)
    whole = check_clip(clip, analysis_width=54)
    assert not split.passed
    assert split.failures == whole.failures and split.frames_analysed == whole.frames_analysed == 90
