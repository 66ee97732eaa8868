"""Full decode counts: media cut short or damaged are reported at validate (cached) and at render.

Test media are made with the bundled ffmpeg: a faststart MP4 (index at the front) truncated to
60 %, the same file with bytes overwritten in the middle, and controls that must stay quiet
(edit-list trims, torn final packets, length estimates).
"""

from __future__ import annotations

from pathlib import Path

import media_factory as mf
import pytest

from toolkit.cli import cli
from toolkit.errors import SpecError
from toolkit.film.spec.validate import load_storyboard
from toolkit.media import integrity
from toolkit.media.integrity import decode_check

pytestmark = pytest.mark.render


def _faststart(path: Path, seconds: float = 6.0) -> Path:
    mf.ffmpeg("-f", "lavfi", "-i", f"testsrc2=s=216x384:r=30:d={seconds}", "-f", "lavfi", "-i",
              f"sine=f=440:d={seconds}:r=48000", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
              "-c:a", "aac", "-movflags", "+faststart", str(path))
    return path


@pytest.fixture(scope="module")
def media(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("integrity")
    good = _faststart(folder / "good.mp4")
    data = good.read_bytes()
    cut = folder / "cut.mp4"
    cut.write_bytes(data[:int(len(data) * 0.6)])  # the index (moov) at the front still claims 6 s
    damaged = bytearray(data)
    middle = len(damaged) // 2
    damaged[middle:middle + 4000] = bytes((i * 7 + 13) & 0xFF for i in range(4000))
    (folder / "damaged.mp4").write_bytes(bytes(damaged))
    mf.make_tone(folder / "voice.wav", seconds=4.0)
    mf.ffmpeg("-i", str(folder / "voice.wav"), "-c:a", "aac", "-movflags", "+faststart", str(folder / "voice.m4a"))
    voice = (folder / "voice.m4a").read_bytes()
    (folder / "voice-cut.m4a").write_bytes(voice[:int(len(voice) * 0.5)])
    return {p.stem: p for p in folder.iterdir()}


def test_a_complete_file_decodes_as_far_as_it_claims(media):
    report = decode_check(media["good"])
    assert report.verdict() is None
    video, audio = report.streams
    assert (video.kind, video.decoded, video.errors) == ("video", 180, 0)
    assert abs(video.decoded_seconds - 6.0) < 0.01 and video.claimed_seconds == 6.0
    assert audio.kind == "audio" and audio.decoded >= 6 * 48000 and audio.errors == 0


def test_a_faststart_mp4_cut_short_is_an_error_saying_how_much_decodes(media):
    report = decode_check(media["cut"])
    video = report.streams[0]
    assert video.decoded < 120 and video.claimed_seconds == 6.0
    verdict = report.verdict()
    assert verdict is not None and verdict.severity == "error"
    assert verdict.message.startswith(f"is cut short: its picture decodes {video.decoded_seconds:.1f} s of the "
                                      "6.0 s its header claims")
    assert "so the film would freeze or cut where the picture ends; copy or export the file again" in verdict.message


def test_bytes_damaged_mid_file_are_an_error_saying_where(media):
    verdict = decode_check(media["damaged"]).verdict()
    assert verdict is not None and verdict.severity == "error"
    assert verdict.message.startswith("is damaged: ")
    assert "to decode (the first at 3." in verdict.message  # the middle of a 6 s clip
    assert "copy or export the file again" in verdict.message


def test_a_trim_by_edit_list_and_a_torn_last_packet_are_not_damage(media, tmp_path):
    trimmed = tmp_path / "trimmed.mp4"  # stream copy from 2.5 s: an edit list hides the first frames
    mf.ffmpeg("-ss", "2.5", "-i", str(media["good"]), "-c", "copy", str(trimmed))
    assert decode_check(trimmed).verdict() is None
    torn = tmp_path / "torn.wav"  # a recorder stopped mid-sample: less than a frame is lost
    torn.write_bytes(media["voice"].with_suffix(".wav").read_bytes()[:200_001])
    report = decode_check(torn)
    assert report.verdict() is None and report.streams[0].decoded_seconds > 2.0


def test_matroska_is_held_to_the_container_length(media, tmp_path):
    mkv = tmp_path / "clip.mkv"
    mf.ffmpeg("-i", str(media["good"]), "-c", "copy", str(mkv))
    assert decode_check(mkv).verdict() is None
    cut = tmp_path / "cut.mkv"
    cut.write_bytes(mkv.read_bytes()[:int(mkv.stat().st_size * 0.5)])
    verdict = decode_check(cut).verdict()
    assert verdict is not None and verdict.severity == "error"
    assert "its picture decodes" in verdict.message and "of the 6.0 s its header claims" in verdict.message


def test_an_estimated_length_falling_short_is_only_a_warning(media, tmp_path):
    mp3 = tmp_path / "voice.mp3"
    mf.ffmpeg("-i", str(media["voice"].with_suffix(".wav")), "-c:a", "libmp3lame", "-q:a", "4", str(mp3))
    cut = tmp_path / "cut.mp3"
    cut.write_bytes(mp3.read_bytes()[:int(mp3.stat().st_size * 0.5)])
    verdict = decode_check(cut).verdict()
    assert verdict is not None and verdict.severity == "warning"
    assert "its sound decodes" in verdict.message and "only estimates its length" in verdict.message


def test_verdicts_are_cached_by_file_identity(media, tmp_path, monkeypatch):
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(media["good"].read_bytes())
    cache = tmp_path / "cache"
    first = decode_check(clip, cache=cache)
    assert len(list(cache.glob("*.json"))) == 1

    def no_decoding(path):
        raise AssertionError("decoded again although the file did not change")

    monkeypatch.setattr(integrity, "_decode", no_decoding)
    assert decode_check(clip, cache=cache) == first
    monkeypatch.undo()
    clip.write_bytes(media["cut"].read_bytes())  # same path, new bytes: a new verdict
    assert decode_check(clip, cache=cache).verdict() is not None
    assert len(list(cache.glob("*.json"))) == 2


def _storyboard(folder: Path, clip: str, voiceover: str | None = None) -> Path:
    sb = folder / "film.yaml"
    vo = f"voiceover: {voiceover}\n" if voiceover else ""
    sb.write_text(f"title: Integrity\nregion: IE\n{vo}scenes:\n  - background: {clip}\n    duration: 2s\n",
                  encoding="utf-8")
    return sb


def test_validate_locates_the_cut_clip_and_caches_the_verdict(media, tmp_path, monkeypatch):
    monkeypatch.setenv("REEL_CACHE", str(tmp_path / "cache"))
    (tmp_path / "clip.mp4").write_bytes(media["cut"].read_bytes())
    (tmp_path / "voice.m4a").write_bytes(media["voice-cut"].read_bytes())
    sb = _storyboard(tmp_path, "clip.mp4", "voice.m4a")
    with pytest.raises(SpecError) as caught:
        load_storyboard(sb)
    issues = {i.path: i for i in caught.value.issues}
    clip = issues["scenes[0].background"]
    assert (clip.file, clip.line, clip.col) == (sb, 5, 17)
    assert clip.message.startswith("`clip.mp4` is cut short: its picture decodes 3.")
    assert "of the 6.0 s its header claims" in clip.message
    voice = issues["voiceover"]
    assert (voice.line, voice.col) == (3, 12) and voice.message.startswith("`voice.m4a` is cut short: its sound")
    assert len(list((tmp_path / "cache" / "reel" / "integrity").glob("*.json"))) == 2


def test_render_refuses_a_damaged_clip_before_rendering(runner, media, tmp_path):
    (tmp_path / "clip.mp4").write_bytes(media["damaged"].read_bytes())
    sb = _storyboard(tmp_path, "clip.mp4")
    out = tmp_path / "film.mp4"
    result = runner.invoke(cli, ["render", str(sb), "--draft", "-q", "-o", str(out)])
    assert result.exit_code == 1
    assert f"{sb}:4:17: scenes[0].background: `clip.mp4` is damaged: " in result.output
    assert not out.exists() and not list(tmp_path.glob(".*reel-tmp*"))
