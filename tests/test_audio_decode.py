"""Audio decoding through PyAV: layouts, resampling, blocks, limits and error messages."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

from toolkit.errors import AssetError, ProbeError
from toolkit.media.audio import decode_audio, iter_audio_blocks, probe_layout
from toolkit.media.loudness import measure_file
from toolkit.settings import Settings

pytestmark = pytest.mark.render


def _ffmpeg(*args: str) -> None:
    subprocess.run([Settings().ffmpeg, "-hide_banner", "-loglevel", "error", "-y", *args],
                   check=True, capture_output=True)  # fmt: skip


def _sine(path: Path, *, seconds: float = 3.0, rate: int = 48000, layout: str = "stereo",
          codec: str = "aac") -> Path:  # fmt: skip
    channels = {"mono": 1, "stereo": 2, "5.0": 5, "5.1": 6}[layout]
    pan = f"pan={layout}|" + "|".join(f"c{i}=c0" for i in range(channels))
    _ffmpeg("-f", "lavfi", "-i", f"sine=frequency=1000:sample_rate={rate}:duration={seconds}",
            "-af", pan, "-c:a", codec, str(path))  # fmt: skip
    return path


@pytest.mark.parametrize("layout", ["mono", "stereo", "5.0", "5.1"])
def test_layout_is_kept(tmp_path, layout):
    clip = decode_audio(_sine(tmp_path / f"{layout}.mp4", layout=layout))
    assert clip.layout == layout
    assert clip.samples.dtype == np.float32
    assert clip.samples.shape[1] == clip.channels == len(clip.channel_names)
    assert clip.duration == pytest.approx(3.0, abs=0.05)
    assert not clip.samples.flags.writeable


def test_resampled_to_the_requested_rate(tmp_path):
    path = _sine(tmp_path / "a.wav", rate=44100, codec="pcm_s16le")
    assert probe_layout(path) == (44100, 2, "stereo")
    clip = decode_audio(path, rate=48000)
    assert clip.rate == 48000 and abs(len(clip.samples) - 3 * 48000) <= 64
    spectrum = np.abs(np.fft.rfft(clip.samples[:48000, 0]))
    assert np.argmax(spectrum) == 1000  # 1 Hz bins: still a 1 kHz tone


def test_max_seconds_and_blocks(tmp_path):
    path = _sine(tmp_path / "a.mp4", seconds=5.0)
    assert len(decode_audio(path, max_seconds=1.25).samples) == 60000
    blocks = list(iter_audio_blocks(path, 48000, 2.0))
    assert [len(b.samples) for b in blocks[:2]] == [96000, 96000]
    whole = decode_audio(path)
    np.testing.assert_array_equal(np.concatenate([b.samples for b in blocks]), whole.samples)
    assert [len(b.samples) for b in iter_audio_blocks(path, 48000, 2.0, max_seconds=3.0)] == [96000, 48000]


def test_no_audio_stream(tmp_path):
    path = tmp_path / "video_only.mp4"
    _ffmpeg("-f", "lavfi", "-i", "color=c=black:s=64x64:d=1", "-c:v", "libx264", str(path))
    with pytest.raises(ProbeError, match="no audio stream") as info:
        decode_audio(path)
    assert str(path) in str(info.value)
    with pytest.raises(ProbeError, match="no audio stream"):
        measure_file(path)


def test_text_file_named_mp4(tmp_path):
    path = tmp_path / "notes.mp4"
    path.write_text("this is not a video\n")
    with pytest.raises(ProbeError) as info:
        decode_audio(path)
    assert str(path) in str(info.value) and "no audio stream" not in str(info.value)
    with pytest.raises(ProbeError, match=r"notes\.mp4"):
        next(iter_audio_blocks(path))


def test_missing_file(tmp_path):
    with pytest.raises(AssetError, match=r"missing\.mp4: file not found"):
        decode_audio(tmp_path / "missing.mp4")
