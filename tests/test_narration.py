"""Narration after the warning: a film-level voiceover starts when the content-warning slate has gone.

Explicit `at:` still places it anywhere (a warning says when that is under the warning); music may
play under the warning; `reel plan` and `reel plan --json` show where the voice starts.
"""

from __future__ import annotations

import json
from pathlib import Path

import media_factory as mf
import pytest

from toolkit.cli import cli
from toolkit.film.pipeline import prepare

HEAD = "title: T\nregion: UK\n"
SCENES = "scenes:\n  - background: navy\n    duration: 4s\n    captions: Things got better slowly.\n"


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    mf.make_tone(tmp_path / "vo.wav", seconds=3)
    mf.make_tone(tmp_path / "music.wav", seconds=2, freq=220)
    return tmp_path


def film(folder: Path, text: str) -> Path:
    path = folder / "film.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def voices(path: Path):
    prepared = prepare(path)
    return prepared, [c for c in prepared.timeline.audio if c.role == "voice"]


def test_narration_starts_when_the_generated_warning_ends(folder: Path) -> None:
    prepared, [voice] = voices(film(folder, HEAD + "topics: [self-harm]\nvoiceover: vo.wav\nmusic: music.wav\n"
                                    + SCENES))
    warning = prepared.timeline.segments[0]
    assert warning.kind == "slate" and warning.name == "content warning (generated)"
    assert voice.start == warning.end > 0
    # music is no speech: it may play under the warning
    [music] = [c for c in prepared.timeline.audio if c.role == "music"]
    assert music.start == 0
    assert not [w for w in prepared.warnings if w.code == "narration-under-warning"]


def test_narration_starts_after_a_written_warning_slate_and_its_transition(folder: Path) -> None:
    text = (HEAD + "topics: [suicide]\nvoiceover: vo.wav\nscenes:\n  - slate: content-warning\n    duration: 8s\n"
            "    transition: fade\n  - background: navy\n    duration: 4s\n    captions: Things got better slowly.\n")
    prepared, [voice] = voices(film(folder, text))
    warning = prepared.timeline.segments[0]
    assert warning.length == 240 and warning.end == 240
    assert voice.start == 240, "the voice waits until the warning has fully faded out"


def test_without_a_warning_narration_starts_at_the_beginning(folder: Path) -> None:
    _, [voice] = voices(film(folder, HEAD + "voiceover: vo.wav\n" + SCENES))
    assert voice.start == 0


def test_explicit_at_places_narration_and_warns_when_it_is_under_the_warning(folder: Path) -> None:
    text = HEAD + "topics: [eating-disorders]\nvoiceover: {file: vo.wav, at: 0s}\n" + SCENES
    prepared, [voice] = voices(film(folder, text))
    assert voice.start == 0
    [warning] = [w for w in prepared.warnings if w.code == "narration-under-warning"]
    assert (warning.line, warning.path, warning.severity) == (4, "voiceover.at", "warning")
    end = prepared.timeline.segments[0].end / 30
    assert warning.message == (f"the voiceover starts at 0s, under the content-warning slate (until {end:.2f}s): "
                               "viewers hear the narration before they have been warned; leave `at` out to start "
                               "it after the warning")
    later = HEAD + "topics: [eating-disorders]\nvoiceover: {file: vo.wav, at: 9s}\n" + SCENES
    prepared, [voice] = voices(film(folder, later))
    assert voice.start == 270
    assert not [w for w in prepared.warnings if w.code == "narration-under-warning"]


def test_reel_plan_shows_where_the_narration_starts(folder: Path, runner) -> None:
    path = film(folder, HEAD + "topics: [self-harm]\nvoiceover: vo.wav\n" + SCENES)
    start = prepare(path).timeline.segments[0].end
    text = runner.invoke(cli, ["plan", str(path)])
    assert text.exit_code == 0, text.output
    assert f"voice vo.wav from frame {start} ({start / 30:.2f}s) for 90f" in text.output
    as_json = runner.invoke(cli, ["plan", str(path), "--json"])
    assert as_json.exit_code == 0, as_json.output
    # stdout alone: the tone is no speech, so the caption's alignment warning goes to stderr
    [voice] = [c for c in json.loads(as_json.stdout)["audio"] if c["role"] == "voice"]
    assert voice["start"] == start and voice["path"].endswith("vo.wav")
