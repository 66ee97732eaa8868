"""The film's shape is bounded: platform maximum lengths, and no long empty stretch before the end card.

All of it is judged at validate (`prepare`), from the plan: nothing is rendered, and a film that
breaks a limit never reaches ffmpeg.
"""

from __future__ import annotations

from pathlib import Path

import media_factory as mf
import pytest

from toolkit.cli import cli
from toolkit.errors import SpecError
from toolkit.film.pipeline import prepare
from toolkit.film.plan.inputs import PLATFORM_LIMITS

TIKTOK = ("at most 180s (the house cap, standards §2.1; TikTok's own 10-minute organic limit is "
          "unconfirmed)")


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "film.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def errors(path: Path) -> list:
    with pytest.raises(SpecError) as exc:
        prepare(path)
    return [i for i in exc.value.issues if i.severity == "error"]


def test_every_platform_has_the_house_cap_and_the_90_second_advice() -> None:
    assert set(PLATFORM_LIMITS) == {"tiktok", "reels", "shorts"}
    for lim in PLATFORM_LIMITS.values():
        assert (lim.max_seconds, lim.warn_seconds) == (180, 90)
        assert "§2.1" in lim.basis
    assert "unconfirmed" in PLATFORM_LIMITS["tiktok"].basis


def test_absurd_scene_durations_are_located_errors(tmp_path: Path) -> None:
    path = write(tmp_path, "title: T\nregion: UK\nscenes:\n  - background: navy\n"
                           "    duration: 99999999999999999999999\n  - background: navy\n"
                           "    duration: '100:00:00'\n  - background: navy\n    duration: 181s\n")
    found = errors(path)
    assert [(i.line, i.col, i.path) for i in found] == [(5, 15, "scenes[0].duration"), (7, 15, "scenes[1].duration"),
                                                         (9, 15, "scenes[2].duration")]
    assert found[0].message == ("this duration is more than 10 million seconds, longer than a whole film may be on "
                                f"TikTok: {TIKTOK}")
    assert found[1].message.startswith("this duration is 360000s (100:00:00.0), longer than a whole film")
    assert found[2].message.startswith("this duration is 181s (3:01.0), longer than a whole film may be on TikTok")


def test_absurd_end_card_duration_is_a_located_error(tmp_path: Path) -> None:
    path = write(tmp_path, "title: T\nregion: UK\nend_card: {duration: 1000s}\nscenes:\n  - background: navy\n"
                           "    duration: 3s\n")
    [issue] = errors(path)
    assert (issue.line, issue.path) == (3, "end_card.duration")
    assert issue.message.startswith("the end card's duration is 1000s (16:40.0), longer than a whole film may be")


def test_a_film_over_the_platform_maximum_names_platform_maximum_and_total(tmp_path: Path) -> None:
    # 100 s + 85 s + the end card: each scene fits, the film does not
    path = write(tmp_path, "title: T\nregion: UK\nplatform: shorts\nscenes:\n  - background: navy\n"
                           "    duration: 100s\n    captions: one\n  - background: teal\n    duration: 85s\n"
                           "    captions: two\n")
    [issue] = errors(path)
    assert (issue.line, issue.col, issue.path) == (3, 11, "platform")
    assert issue.message.startswith("the film is 19")
    assert issue.message.endswith("long with its slates and end card; YouTube Shorts allows at most 180s (a Short is "
                                  "at most 3 minutes, and the house cap, standards §2.1 (secondary)): shorten or "
                                  "remove scenes")


def test_a_film_over_90_seconds_is_a_warning(tmp_path: Path) -> None:
    path = write(tmp_path, "title: T\nregion: UK\nscenes:\n  - background: navy\n    duration: 95s\n"
                           "    captions: A long look at the sea.\n")
    prepared = prepare(path)
    [warning] = [w for w in prepared.warnings if w.code == "long-film"]
    assert warning.severity == "warning" and warning.path == "scenes"
    assert warning.message.endswith("the house export keeps films for TikTok to at most 90s (standards §2.1)")


def test_a_blank_stretch_before_the_end_card_is_a_warning(tmp_path: Path) -> None:
    path = write(tmp_path, "title: T\nregion: UK\nscenes:\n  - background: navy\n    duration: 3s\n"
                           "    captions: Still here.\n  - background: black\n    duration: 10s\n")
    prepared = prepare(path)
    [warning] = [w for w in prepared.warnings if w.code == "empty-before-end-card"]
    assert (warning.line, warning.path, warning.severity) == (7, "scenes[1]", "warning")
    assert warning.message == ("10s of plain background with no text and no sound right before the helpline end "
                               "card (from 3s); viewers may think the film has ended and leave before the support "
                               "details: keep such a pause under 3s")


def test_a_short_pause_or_text_on_the_last_scene_is_fine(tmp_path: Path) -> None:
    short = write(tmp_path, "title: T\nregion: UK\nscenes:\n  - background: navy\n    duration: 3s\n"
                            "    captions: Still here.\n  - background: black\n    duration: 2.9s\n")
    # silent films: only the film-wide silence is warned about, not a pause before the card
    assert [w.code for w in prepare(short).warnings if w.severity == "warning"] == ["silent-film"]
    texted = write(tmp_path, "title: T\nregion: UK\nscenes:\n  - background: black\n    duration: 10s\n"
                             "    captions: [Still here., And still here.]\n")
    assert [w.code for w in prepare(texted).warnings if w.severity == "warning"] == ["silent-film"]


def test_caption_ending_early_leaves_the_rest_of_the_scene_blank(tmp_path: Path) -> None:
    path = write(tmp_path, "title: T\nregion: UK\nscenes:\n  - background: black\n    duration: 8s\n"
                           "    captions:\n      - {text: Still here., at: 0s, for: 2s}\n")
    [warning] = [w for w in prepare(path).warnings if w.code == "empty-before-end-card"]
    assert warning.message.startswith("6s of plain background with no text and no sound right before the "
                                      "helpline end card (from 2s)")


def test_nothing_to_hear_or_read_before_the_end_card_is_a_warning_when_the_film_has_sound(tmp_path: Path) -> None:
    mf.make_tone(tmp_path / "vo.wav", seconds=2)
    mf.make_video(tmp_path / "clip.mp4", seconds=6)
    path = write(tmp_path, "title: T\nregion: UK\nvoiceover: vo.wav\nscenes:\n  - background: navy\n"
                           "    duration: 2s\n    captions: Hello.\n  - background: clip.mp4\n    audio: mute\n")
    prepared = prepare(path)
    [warning] = [w for w in prepared.warnings if w.code == "silent-before-end-card"]
    assert (warning.line, warning.path) == (8, "scenes[1]")
    assert warning.message == ("6s with nothing to hear or read right before the helpline end card (from 2s); "
                               "viewers may think the film has ended and leave before the support details: keep "
                               "such a pause under 3s")
    # words on screen are reading time, not dead air: a captioned or slate ending is fine
    read = write(tmp_path, "title: T\nregion: UK\nvoiceover: vo.wav\nscenes:\n  - background: navy\n"
                           "    duration: 6s\n    captions: [One thing at a time., Then the next thing.]\n"
                           "  - slate: signpost\n")
    # (the tone voiceover is no speech: the captions' alignment says so, a warning of its own)
    assert not [w for w in prepare(read).warnings if w.severity == "warning" and w.code != "caption-not-spoken"]
    # a film with no sound at all is silent by design
    silent = write(tmp_path, "title: T\nregion: UK\nscenes:\n  - background: navy\n    duration: 2s\n"
                             "    captions: Hello.\n  - background: clip.mp4\n    audio: mute\n")
    assert [w.code for w in prepare(silent).warnings if w.severity == "warning"] == ["silent-film"]


def test_blank_and_silent_is_one_warning(tmp_path: Path) -> None:
    mf.make_tone(tmp_path / "vo.wav", seconds=2)
    path = write(tmp_path, "title: T\nregion: UK\nvoiceover: vo.wav\nscenes:\n  - background: navy\n"
                           "    duration: 2s\n    captions: Hello.\n  - background: black\n    duration: 5s\n")
    found = [w for w in prepare(path).warnings if w.code.endswith("-before-end-card")]
    assert [w.code for w in found] == ["empty-before-end-card"]
    assert found[0].message.startswith("5s of plain background with no text and no sound right before")


def test_a_plain_background_under_narration_is_a_choice(tmp_path: Path) -> None:
    mf.make_tone(tmp_path / "vo.wav", seconds=8)
    path = write(tmp_path, "title: T\nregion: UK\nvoiceover: vo.wav\nscenes:\n  - background: navy\n"
                           "    duration: 2s\n    captions: Hello.\n  - background: black\n    duration: 6s\n")
    assert not [w for w in prepare(path).warnings if w.code.endswith("-before-end-card")]
    # when the narration stops 1 s into the black scene, the last 5 s are empty
    mf.make_tone(tmp_path / "vo.wav", seconds=3)
    [warning] = [w for w in prepare(path).warnings if w.code.endswith("-before-end-card")]
    assert warning.code == "empty-before-end-card" and warning.path == "scenes[1]"
    assert warning.message.startswith("5s of plain background with no text and no sound right before the helpline "
                                      "end card (from 3s)")


def test_reel_validate_reports_the_limit_and_never_renders(tmp_path: Path, runner) -> None:
    path = write(tmp_path, "title: T\nregion: UK\nscenes:\n  - background: navy\n    duration: '100:00:00'\n")
    result = runner.invoke(cli, ["validate", str(path)])
    assert result.exit_code == 1
    assert "film.yaml:5:15: scenes[0].duration: this duration is 360000s (100:00:00.0)" in result.output
    out = tmp_path / "film.mp4"
    rendered = runner.invoke(cli, ["render", str(path), "--draft", "-q", "-o", str(out)])
    assert rendered.exit_code == 1 and not out.exists()
