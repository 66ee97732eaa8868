"""One caption track for the whole film (issue 15 §2): `captions:` at the top, times from the film's
start, split at scene boundaries by Reel."""

from __future__ import annotations

from pathlib import Path

import pytest

from toolkit.errors import PolicyError, SpecError
from toolkit.film.pipeline import prepare
from toolkit.film.plan.sidecar import drawn_text, film_cues
from toolkit.film.plan.timeline import Timeline

HEAD = "title: T\nregion: UK\n"
TWO = "scenes:\n  - background: navy\n    duration: 3s\n  - background: teal\n    duration: 4s\n"
SRT = ("1\n00:00:00,000 --> 00:00:02,000\nFirst words of the film.\n\n"
       "2\n00:00:02,000 --> 00:00:05,000\nThis one crosses the cut.\n\n"
       "3\n00:00:05,000 --> 00:00:07,000\nAnd the last one.\n")


def film(folder: Path, text: str) -> Path:
    path = folder / "film.yaml"
    path.write_text(HEAD + text, encoding="utf-8")
    return path


def spans(timeline: Timeline) -> list[tuple[int, int, str, tuple]]:
    return [(o.start, o.end, drawn_text(o).replace("\n", " "), o.loc) for o in timeline.overlays
            if o.kind == "caption"]


def errors(path: Path, error: type = SpecError) -> list:
    with pytest.raises(error) as caught:
        prepare(path)
    return [i for i in caught.value.issues if i.severity == "error"]


def test_a_caption_crossing_a_cut_is_split_into_one_on_each_side(tmp_path):
    path = film(tmp_path, "captions:\n  - {text: First words here., at: 0s, until: 2s}\n"
                          "  - {text: Across the cut., at: 2s, until: 5s}\n  - {text: The last one., at: 5s}\n" + TWO)
    timeline = prepare(path).timeline
    card = timeline.segments[-1].start
    assert spans(timeline) == [(0, 60, "First words here.", ("captions", "lines", 0)),
                               (60, 90, "Across the cut.", ("captions", "lines", 1)),
                               (90, 150, "Across the cut.", ("captions", "lines", 1)),
                               (150, card, "The last one.", ("captions", "lines", 2))]  # to the end card
    # the sidecar shows what is drawn: the split caption is two cues, on each side of the cut
    assert [(c.start, c.end, c.text) for c in film_cues(timeline)[:4]] == [
        (0, 2, "First words here."), (2, 3, "Across the cut."), (3, 5, "Across the cut."), (5, 7, "The last one.")]


def test_a_subtitle_file_timed_to_the_film_is_cut_at_the_scenes(tmp_path):
    (tmp_path / "film.srt").write_text(SRT, encoding="utf-8")
    path = film(tmp_path, "captions: film.srt\n" + TWO)
    assert [(s, e, text) for s, e, text, _ in spans(prepare(path).timeline)] == [
        (0, 60, "First words of the film."), (60, 90, "This one crosses the cut."),
        (90, 150, "This one crosses the cut."), (150, 210, "And the last one.")]


def test_across_a_transition_the_caption_is_split_at_its_middle(tmp_path):
    scenes = TWO.replace("duration: 3s\n", "duration: 3s\n    transition: {type: fade, duration: 1s}\n")
    path = film(tmp_path, "captions:\n  - {text: Across the fade., at: 1s, until: 4s}\n" + scenes)
    timeline = prepare(path).timeline
    middle = timeline.segments[1].start + 15
    assert [(s, e) for s, e, _, _ in spans(timeline)] == [(30, middle), (middle, 120)]


def test_a_caption_over_a_slate_is_an_error_naming_both(tmp_path):
    path = film(tmp_path, "captions:\n  - {text: Hello there., at: 0s, until: 1s}\n"
                          "  - {text: Over the slate., at: 2s, until: 4s}\n"
                          "scenes:\n  - background: navy\n    duration: 3s\n  - slate: signpost\n    text: Part two\n"
                          "  - background: teal\n    duration: 3s\n")
    [error] = errors(path)
    assert (error.line, error.col, error.path) == (5, 5, "captions[1]")
    assert error.message == ("runs from 0:02.000 to 0:04.000, over the signpost slate (scene 2) from 0:03.000 to "
                             "0:06.000, whose text fills the screen: end it by 0:03.000 or start it at 0:06.000 "
                             "or later")


def test_a_cue_of_the_file_over_the_end_card_is_named(tmp_path):
    (tmp_path / "film.srt").write_text(SRT.replace("00:00:07,000", "00:00:09,000"), encoding="utf-8")
    path = film(tmp_path, "captions: {file: film.srt}\n" + TWO)
    [error] = errors(path)
    assert (error.line, error.col, error.path) == (3, 18, "captions.file")
    assert error.message == ("`film.srt` caption 3 (at 0:00:05.000): runs from 0:05.000 to 0:09.000, over the "
                             "helpline end card (from 0:07.000), whose text must show on its own: end it by 0:07.000")


def test_a_scene_with_its_own_captions_cannot_take_the_films(tmp_path):
    scenes = TWO.replace("duration: 4s\n", "duration: 4s\n    captions: My own words.\n")
    path = film(tmp_path, "captions:\n  - {text: The film's words., at: 2s, until: 4s}\n" + scenes)
    [error] = errors(path)
    assert (error.line, error.col, error.path) == (10, 15, "scenes[1].captions")
    assert error.message == ("this scene has its own captions, and the film's `captions:` fall in it too (caption 1): "
                             "give this scene's words in one place, either here or in the film's captions")


def test_untimed_and_overlapping_captions_of_the_film_are_located(tmp_path):
    path = film(tmp_path, "captions:\n  - {text: Open ended., at: 0s}\n  - No time at all.\n"
                          "  - {text: First., at: 4s, until: 6s}\n  - {text: Too early., at: 5s, until: 6.5s}\n" + TWO)
    found = [(e.line, e.path, e.message) for e in errors(path)]
    assert found == [
        (5, "captions[1]", "a caption of the film's track without `at:` starts when the previous one ends, and that "
                           "one has no end: give this one an `at:` (a time from the film's start), or the previous "
                           "one an `until:` or `for:`"),
        (7, "captions[3]", "starts at 0:05.000, before the previous caption ends (0:06.000)")]


def test_the_films_captions_are_linted_where_they_are_written(tmp_path):
    path = film(tmp_path, "captions:\n  - {text: My uncle committed suicide., at: 0s, until: 3s}\n" + TWO)
    hits = [e for e in errors(path, PolicyError) if e.code == "committed-suicide"]
    assert [(e.line, e.path) for e in hits] == [(4, "captions[0].text")]


def test_a_missing_subtitle_file_for_the_film_is_located(tmp_path):
    [error] = errors(film(tmp_path, "captions: {file: gone.srt}\n" + TWO))
    assert (error.line, error.path) == (3, "captions.file")
    assert error.message.startswith("file not found: gone.srt")


def test_merge_fields_fill_the_films_captions(tmp_path):
    path = film(tmp_path, "captions:\n  - {text: \"Hello {{ name }}\", at: 0s, until: 2s}\n" + TWO)
    assert film_cues(prepare(path, fields={"name": "Sam"}).timeline)[0].text == "Hello Sam"


@pytest.mark.render
def test_a_film_with_its_own_track_renders_and_its_caption_file_shows_the_parts(tmp_path, runner):
    import pysubs2

    from toolkit.cli import cli

    (tmp_path / "film.srt").write_text(SRT, encoding="utf-8")
    path = film(tmp_path, "captions: film.srt\n" + TWO)
    result = runner.invoke(cli, ["render", str(path), "--draft", "-q"])
    assert result.exit_code == 0, result.output
    cues = [(e.start, e.end, e.plaintext.replace("\n", " ")) for e in pysubs2.load(str(tmp_path / "film.draft.srt"))]
    assert cues[:4] == [(0, 2000, "First words of the film."), (2000, 3000, "This one crosses the cut."),
                        (3000, 5000, "This one crosses the cut."), (5000, 7000, "And the last one.")]
    assert "116" in cues[4][2] and cues[4][:2] == (7000, 15000)  # the helpline end card, to the film's end


def test_the_films_captions_are_fitted_even_when_a_scene_stops_the_plan(tmp_path):
    long = ("Every morning I wrote three small things I could do that day, and every evening I ticked off the ones "
            "I managed, even when it was only one of them, and slowly the list got longer again.")
    path = film(tmp_path, f"captions:\n  - {{text: \"{long}\", at: 0s, until: 6s}}\n"
                          "scenes:\n  - background: navy\n    duraton: 3s\n  - background: teal\n    duration: 4s\n")
    found = [(e.line, e.path, e.message.split(";")[0].split(":")[0]) for e in errors(path)]
    assert found == [(4, "captions[0]", "needs 9 lines at this size"),
                     (7, "scenes[0].duraton", "unknown key `duraton`")]
