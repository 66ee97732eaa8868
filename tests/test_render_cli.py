"""`reel render`, `reel still`, `reel sheet` as a user runs them. Every example renders in draft mode."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest
from PIL import Image
from test_sidecars import validate_sidecars

from toolkit.cli import cli
from toolkit.film.pipeline import DRAFT_WIDTH, prepare
from toolkit.media.probe import probe

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "storyboards").glob("*.yaml"))
pytestmark = pytest.mark.render


@pytest.mark.parametrize("storyboard", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_renders_in_draft(runner, tmp_path, storyboard):
    out = tmp_path / "film.mp4"
    result = runner.invoke(cli, ["render", str(storyboard), "--draft", "-q", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "flash gate passed" in result.output
    info = probe(out)
    plan = prepare(storyboard, width=DRAFT_WIDTH).timeline
    assert (info.video.width, info.video.height) == (540, 960)
    assert info.video.fps == Fraction(30)
    assert abs(info.duration - float(plan.duration)) <= 1 / 30 + 0.03  # ±1 frame (+ AAC packet rounding)
    assert info.audio is not None and info.audio.sample_rate == 48000 and info.audio.channels == 2
    assert not list(tmp_path.glob(".*reel-tmp*")), "no temporary file may be left behind"
    validate_sidecars(out, plan)  # film.srt and film.vtt: parse, in order, inside the film, with text


@pytest.fixture(scope="module")
def small_film(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("cli")
    sb = folder / "short.yaml"
    sb.write_text("title: Short\nregion: IE\nscenes:\n  - background: '#2a9d8f'\n    duration: 2s\n"
                  "    captions: A short caption.\n", encoding="utf-8")
    return sb


def test_default_output_goes_beside_the_storyboard_and_refuses_overwrite(runner, small_film):
    first = runner.invoke(cli, ["render", str(small_film), "--draft", "-q"])
    assert first.exit_code == 0, first.output
    film = small_film.with_name("short.draft.mp4")
    assert film.exists()
    # the previous draft of this storyboard is replaced without --force (tests/test_drafts.py);
    # any other file with the draft's name is refused
    film.write_bytes(b"not a film")
    before = film.stat().st_mtime_ns
    again = runner.invoke(cli, ["render", str(small_film), "--draft", "-q"])
    assert again.exit_code == 1
    assert "already exists" in again.output and "--force" in again.output
    assert film.stat().st_mtime_ns == before and film.read_bytes() == b"not a film"
    forced = runner.invoke(cli, ["render", str(small_film), "--draft", "-q", "--force"])
    assert forced.exit_code == 0


def test_never_overwrites_an_input(runner, tmp_path):
    from media_factory import make_video

    clip = make_video(tmp_path / "clip.mp4", seconds=1.0)
    before = clip.read_bytes()
    sb = tmp_path / "clip-film.yaml"
    sb.write_text("title: Clip\nregion: IE\nscenes:\n  - background: clip.mp4\n    duration: 1s\n", encoding="utf-8")
    result = runner.invoke(cli, ["render", str(sb), "--draft", "-q", "--force", "-o", str(clip)])
    assert result.exit_code == 1
    assert f"{clip} is also an input of this film" in result.output
    assert clip.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clip-film.yaml", "clip.mp4"]


@pytest.mark.parametrize(("name", "suggestion"), [
    ("film.mkv", "film.mp4"), ("film.mov", "film.mp4"), ("film.m4v", "film.mp4"), ("film", "film.mp4"),
    ("film.draft", "film.draft.mp4"), ("short.yaml", "short.yaml.mp4"),
])
def test_a_film_name_reel_cannot_write_is_refused_before_any_work(runner, small_film, tmp_path, name, suggestion):
    out = tmp_path / name
    result = runner.invoke(cli, ["render", str(small_film), "--draft", "-q", "-o", str(out)])
    assert result.exit_code == 1
    assert f"{name}: films are written as MP4; name the output {suggestion}" in result.output
    assert "Traceback" not in result.output and not list(tmp_path.iterdir())


def test_the_extension_is_checked_before_planning(runner, tmp_path, monkeypatch):
    import toolkit.film.pipeline as pipeline

    def never(*args, **kwargs):
        raise AssertionError("prepare ran before the output name was checked")

    monkeypatch.setattr(pipeline, "prepare", never)
    result = runner.invoke(cli, ["render", str(tmp_path / "any.yaml"), "-o", str(tmp_path / "film.mkv")])
    assert result.exit_code == 1 and "films are written as MP4" in result.output


def test_an_upper_case_extension_is_accepted(runner, small_film, tmp_path):
    out = tmp_path / "FILM.MP4"
    result = runner.invoke(cli, ["render", str(small_film), "--draft", "-q", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.exists()


@pytest.mark.parametrize("command", ["render", "still", "sheet"])
def test_a_nul_byte_or_an_overlong_name_is_a_plain_error(runner, small_film, tmp_path, command):
    extra = ["--at", "1s"] if command == "still" else []
    ext = ".mp4" if command == "render" else ".png"
    nul = runner.invoke(cli, [command, str(small_film), *extra, "-o", str(tmp_path / f"fi\x00lm{ext}")])
    assert nul.exit_code == 2, nul.output  # a bad argument: click's usage error, not a traceback
    assert "contains a NUL character (\\x00), which no file name can hold" in nul.output
    long = runner.invoke(cli, [command, str(small_film), *extra, "-o", str(tmp_path / ("x" * 296 + ext))])
    assert long.exit_code == 1, long.output
    assert "is 300 characters long; names on this disk can be at most 255 bytes" in long.output
    assert "Traceback" not in nul.output + long.output and not list(tmp_path.iterdir())


def test_stills_and_sheets_must_be_png(runner, small_film, tmp_path):
    still = runner.invoke(cli, ["still", str(small_film), "--at", "1s", "-o", str(tmp_path / "frame.jpg")])
    assert still.exit_code == 1
    assert "frame.jpg: stills and contact sheets are written as PNG images; name the output frame.png" in still.output
    sheet = runner.invoke(cli, ["sheet", str(small_film), "-o", str(tmp_path / "sheet")])
    assert sheet.exit_code == 1 and "name the output sheet.png" in sheet.output
    assert not list(tmp_path.iterdir())


def test_flashing_film_is_refused_and_not_saved(runner, tmp_path):
    scenes = "".join(f"  - background: '{'#ffffff' if i % 2 else '#000000'}'\n    duration: 4f\n" for i in range(40))
    sb = tmp_path / "strobe.yaml"
    sb.write_text("title: Strobe\nregion: UK\nscenes:\n" + scenes, encoding="utf-8")
    out = tmp_path / "strobe.mp4"
    result = runner.invoke(cli, ["render", str(sb), "--draft", "-q", "-o", str(out)])
    assert result.exit_code == 1
    assert "WCAG 2.3.1" in result.output and "general flashing from" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["strobe.yaml"]  # no film, no caption files


def test_batch_continues_past_a_failing_film_and_summarises(runner, tmp_path, small_film):
    broken = tmp_path / "broken.yaml"
    broken.write_text("title: Broken\nregion: UK\nscenes:\n  - background: missing.mp4\n", encoding="utf-8")
    out_dir = tmp_path / "films"
    result = runner.invoke(cli, ["render", str(small_film), str(broken), "--draft", "-q", "--out-dir", str(out_dir)])
    assert result.exit_code == 1
    assert "1 of 2 films rendered" in result.output
    assert "file not found: missing.mp4" in result.output
    assert (out_dir / "short.draft.mp4").exists()


def test_still_and_sheet(runner, small_film, tmp_path):
    png = tmp_path / "still.png"
    result = runner.invoke(cli, ["still", str(small_film), "--at", "1s", "--draft", "-o", str(png)])
    assert result.exit_code == 0, result.output
    with Image.open(png) as im:
        assert im.size == (540, 960)
        r, g, b = im.convert("RGB").getpixel((20, 20))
        assert abs(r - 0x2a) < 12 and abs(g - 0x9d) < 12 and abs(b - 0x8f) < 12
    late = runner.invoke(cli, ["still", str(small_film), "--at", "99s", "-o", str(tmp_path / "x.png")])
    assert late.exit_code == 2 and "the film is" in late.output
    sheet = tmp_path / "sheet.png"
    result = runner.invoke(cli, ["sheet", str(small_film), "-o", str(sheet)])
    assert result.exit_code == 0, result.output
    assert "2 thumbnails" in result.output and sheet.stat().st_size > 1000


def test_still_removes_what_a_killed_still_left_and_keeps_a_live_ones(runner, small_film, tmp_path):
    import subprocess
    import sys

    from toolkit.film.run.ownership import Owner, temp_name, this_process

    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    me = this_process()
    dead = tmp_path / temp_name("still.png", Owner(me.host, child.pid, 1))
    live = tmp_path / temp_name("still.png", me)
    for path in (dead, live):
        path.write_bytes(b"half a picture")
    result = runner.invoke(cli, ["still", str(small_film), "--at", "1s", "--draft", "-o", str(tmp_path / "still.png")])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["still.png", live.name])


def test_plan_json(runner, small_film):
    import json

    result = runner.invoke(cli, ["plan", str(small_film), "--json"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)  # the JSON alone: warnings (this film is silent) go to stderr
    assert data["segments"][-1]["kind"] == "end_card" and data["canvas"]["width"] == 1080


def test_dry_run_prints_the_commands_and_renders_nothing(runner, small_film, tmp_path):
    out = tmp_path / "never.mp4"
    result = runner.invoke(cli, ["render", str(small_film), "--dry-run", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "# step 4 of 7: render" in result.output and "-filter_complex" in result.output
    assert "libx264" in result.output and str(out) in result.output
    assert not out.exists()
