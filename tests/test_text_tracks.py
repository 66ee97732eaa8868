"""Text tracks besides the captions (issue 15 §3): a hook at the top, a lower third, texts anywhere in
the safe box; fitted, contrast-checked, linted and kept apart from every other text and the logo."""

from __future__ import annotations

from pathlib import Path

import pytest

from toolkit.errors import IssuesError
from toolkit.film.pipeline import prepare
from toolkit.film.plan.timeline import Overlay, TextBlock, Timeline
from toolkit.geometry import REFERENCE_SAFE

HEAD = "title: Texts\nregion: UK\n"


def film(folder: Path, body: str) -> Path:
    path = folder / "film.yaml"
    path.write_text(HEAD + body, encoding="utf-8")
    return path


def texts(timeline: Timeline) -> dict[str, Overlay]:
    return {o.id: o for o in timeline.overlays if o.kind == "text"}


def words(overlay: Overlay) -> list[str]:
    return [" ".join(r.text for r in line.runs).replace("\u00a0", " ") for b in overlay.blocks
            if isinstance(b, TextBlock) for line in b.lines]


def failure(path: Path) -> list:
    with pytest.raises(IssuesError) as caught:
        prepare(path)
    return [i for i in caught.value.issues if i.severity == "error"]


def test_the_short_forms_place_a_hook_at_the_top_and_a_lower_third_above_the_captions(tmp_path):
    tl = prepare(film(tmp_path, "hook: Three things\nscenes:\n"
                                "  - background: navy\n    duration: 6s\n    captions: I was nineteen.\n"
                                "    lower_third: {name: Sam, about: lived experience of psychosis}\n")).timeline
    shown = texts(tl)
    hook, third = shown["hook-film"], shown["lower-0"]
    assert words(hook) == ["Three things"]
    assert (hook.start, hook.end) == (0, 90)  # the first 3 s at 30 fps
    assert hook.blocks[0].bounds.y == REFERENCE_SAFE.y + 8  # at the top of the safe box
    assert words(third) == ["Sam", "lived experience", "of psychosis"]
    assert (third.start, third.end) == (0, 90)  # max(3 s, 5 words × 0.3 s + 1 s)
    [caption] = [o for o in tl.overlays if o.kind == "caption"]
    lowest = max(b.bounds.bottom for b in third.blocks)
    assert lowest <= caption.blocks[0].bounds.y  # above the caption band
    assert all(REFERENCE_SAFE.contains(b.bounds) for o in (hook, third) for b in o.blocks)


def test_a_text_at_a_preset_and_at_a_point_with_its_times(tmp_path):
    tl = prepare(film(tmp_path, "scenes:\n  - background: navy\n    duration: 6s\n    texts:\n"
                                "      - {text: Day one, position: top-left, at: 1s, for: 2s}\n"
                                "      - {text: Later, position: {x: 400, y: 700}, at: 3s}\n")).timeline
    first, second = texts(tl)["text-0-0"], texts(tl)["text-0-1"]
    assert (first.start, first.end) == (30, 90)
    assert first.blocks[0].bounds.x == REFERENCE_SAFE.x + 8 and first.blocks[0].bounds.y == REFERENCE_SAFE.y + 8
    assert (second.start, second.end) == (90, 180)  # until the scene's end
    assert (second.blocks[0].bounds.x, second.blocks[0].bounds.y) == (400, 700)


def test_a_text_over_the_captions_is_an_error_naming_both_and_when(tmp_path):
    path = film(tmp_path, "scenes:\n  - background: navy\n    duration: 4s\n    captions: I was nineteen.\n"
                          "    texts:\n      - {text: Remember this, position: bottom, at: 1s, for: 2s}\n")
    [issue] = failure(path)
    assert (issue.line, issue.col, issue.path) == (8, 9, "scenes[0].texts[0]")
    assert issue.message == ("the text “Remember this” meets the caption “I was nineteen.” on screen from 1.00s "
                             "to 3.00s of the film; move one of them, or show them at different times")


def test_two_texts_that_meet_are_reported_once_at_the_later(tmp_path):
    path = film(tmp_path, "hook: Listen\nscenes:\n  - background: navy\n    duration: 4s\n"
                          "    texts: [{text: Also at the top, position: top}]\n")
    [issue] = failure(path)
    assert issue.path == "scenes[0].texts[0]" and issue.line == 7
    assert "the text “Also at the top” meets the hook “Listen” on screen from 0.00s to 3.00s" in issue.message


def test_a_text_outside_the_safe_box_is_refused_at_its_position(tmp_path):
    path = film(tmp_path, "scenes:\n  - background: navy\n    duration: 4s\n"
                          "    texts:\n      - {text: Corner, position: {x: 20, y: 100}}\n")
    [issue] = failure(path)
    assert (issue.line, issue.path) == (7, "scenes[0].texts[0].position")
    assert issue.message.startswith("the text's corner (20, 100) lies outside the platform-safe box (x 120–888, "
                                    "y 288–1248 at 1080×1920)")


def test_a_text_that_runs_past_its_scene_is_located_at_until(tmp_path):
    path = film(tmp_path, "scenes:\n  - background: navy\n    duration: 4s\n"
                          "    hook: {text: Wait for it, until: 6s}\n")
    [issue] = failure(path)
    assert (issue.line, issue.col, issue.path) == (6, 38, "scenes[0].hook.until")  # at its value
    assert issue.message == "the hook runs to 6.00s but its scene ends at 4.00s; end it earlier"


@pytest.mark.parametrize(("body", "line", "col", "field", "says"), [
    ("    texts: [{text: Hi, position: full}]\n", 6, 34, "scenes[0].texts[0].position",
     "a text cannot be `full`"),
    ("    hook: {text: Hi, until: 2s, for: 1s}\n", 6, 38, "scenes[0].hook.for", "give either `until` or `for`"),
    ("    lower_third: {about: a role}\n", 6, 18, "scenes[0].lower_third.name", "required: add `name:`"),
])
def test_spec_errors_are_located(tmp_path, body, line, col, field, says):
    path = film(tmp_path, "scenes:\n  - background: navy\n    duration: 4s\n" + body)
    errors = failure(path)
    hit = [i for i in errors if i.path == field]
    assert hit, errors
    assert (hit[0].line, hit[0].col) == (line, col)
    assert says.lower() in hit[0].message.lower()


def test_the_safe_messaging_lint_reads_hooks_lower_thirds_and_texts(tmp_path):
    path = film(tmp_path, "scenes:\n  - background: navy\n    duration: 4s\n"
                          "    lower_third: {name: Sam, about: whose uncle committed suicide}\n")
    hits = [i for i in failure(path) if i.code == "committed-suicide"]
    assert [(i.line, i.path) for i in hits] == [(6, "scenes[0].lower_third.about")]


def test_contrast_is_checked_against_the_scene_when_there_is_no_box(tmp_path):
    path = film(tmp_path, "style:\n  captions: {box: null, color: '#3a3a5a'}\nscenes:\n"
                          "  - background: navy\n    duration: 4s\n    hook: Quiet words\n")
    [issue] = [i for i in failure(path) if i.code == "contrast" and i.path.startswith("scenes[0].hook")]
    assert issue.line == 8
    assert "the hook's colour #3a3a5a on #000080 has a contrast ratio of 1.47:1" in issue.message
    assert "at least 4.5:1 is needed (WCAG 1.4.3)" in issue.message


@pytest.mark.render
def test_the_hook_and_the_lower_third_are_read_back_from_a_draft_frame(tmp_path, monkeypatch):
    """What is on screen: OCR of a rendered draft frame finds the hook in the top part of the safe box
    and the lower third below the middle, above the captions."""
    import numpy as np
    from PIL import Image

    from toolkit.film.pipeline import DRAFT_WIDTH
    from toolkit.film.render import render_frames
    from toolkit.media.ocr import read_picture, shared_engine

    monkeypatch.setenv("REEL_CACHE", str(tmp_path / "cache"))
    prepared = prepare(film(tmp_path, "hook: Three things\nscenes:\n"
                                      "  - background: navy\n    duration: 4s\n    captions: I was nineteen.\n"
                                      "    lower_third: {name: Sam Ortiz, about: lived experience}\n"),
                       width=DRAFT_WIDTH)
    [png] = render_frames(prepared, [45], tmp_path)
    with Image.open(png) as image:
        rgb = np.asarray(image.convert("RGB"))
    height = rgb.shape[0]
    lines = {" ".join(line.text.split()): line for line in read_picture(shared_engine(), rgb)}
    assert {"Three things", "Sam Ortiz", "lived experience", "I was nineteen."} <= set(lines), list(lines)
    assert lines["Three things"].box[1] < 0.25 * height  # at the top of the safe box (y 288 of 1920 = 15 %)
    # above the caption band (its top is 1248 - 8 - 3 lines' height, about 52 % down)
    assert 0.35 * height < lines["Sam Ortiz"].box[1] < lines["lived experience"].box[1] \
        < lines["I was nineteen."].box[1]


def test_the_hook_starts_under_a_logo_at_the_top_and_a_text_over_the_logo_is_an_error(tmp_path):
    tl = prepare(film(tmp_path, "template: harbour\nhook: Listen\nscenes:\n"
                                "  - background: navy\n    duration: 4s\n")).timeline
    [logo] = [o for o in tl.overlays if o.kind == "logo"]
    hook = texts(tl)["hook-film"]
    assert hook.blocks[0].bounds.y > logo.blocks[0].box.bottom  # harbour's logo is top-left
    path = film(tmp_path, "template: harbour\nscenes:\n  - background: navy\n    duration: 4s\n"
                          "    texts: [{text: Hi, position: top-left, for: 2s}]\n")
    [issue] = failure(path)
    assert (issue.line, issue.path) == (7, "scenes[0].texts[0]")
    assert issue.message.startswith("the text “Hi” meets the template's logo on screen from 0.00s to 2.00s")


def test_merge_fields_are_filled_in_hooks_lower_thirds_and_texts(tmp_path):
    tl = prepare(film(tmp_path, "fields:\n  trainee: Sam Lee\n  topic: psychosis\nhook: 'By {{ trainee }}'\n"
                                "scenes:\n  - background: navy\n    duration: 4s\n"
                                "    lower_third: {name: '{{trainee}}', about: 'lived experience of {{ topic }}'}\n"
                                "    texts: [{text: 'Made by {{ trainee }}', position: center, at: 3s}]\n")).timeline
    shown = {o.id: " ".join(words(o)) for o in texts(tl).values()}
    assert shown == {"hook-film": "By Sam Lee", "lower-0": "Sam Lee lived experience of psychosis",
                     "text-0-0": "Made by Sam Lee"}


def test_a_merge_field_without_a_value_in_a_lower_third_is_located(tmp_path):
    from toolkit.errors import TemplateError

    path = film(tmp_path, "scenes:\n  - background: navy\n    duration: 4s\n"
                          "    lower_third: {name: '{{ trainee }}'}\n")
    with pytest.raises(TemplateError) as caught:
        prepare(path)
    [issue] = [i for i in caught.value.issues if i.severity == "error"]
    assert (issue.line, issue.path) == (6, "scenes[0].lower_third.name")
    assert issue.message.startswith("merge field `trainee` has no value")


def test_a_hook_too_long_to_fit_is_named_even_when_another_scene_stops_the_plan(tmp_path):
    from toolkit.errors import SpecError

    long = "Every morning I wrote three small things I could do that day and ticked off the ones I managed"
    path = film(tmp_path, f"scenes:\n  - slate: signpost\n    txt: Part one\n  - background: navy\n"
                          f"    duration: 4s\n    hook: {long}\n")
    with pytest.raises(SpecError) as caught:
        prepare(path)
    errors = [(i.line, i.path, i.message) for i in caught.value.issues if i.severity == "error"]
    assert errors[0][:2] == (5, "scenes[0].txt")
    assert errors[1] == (8, "scenes[1].hook", "the hook needs 5 lines at this size; at most 3 fit (the template's "
                                              "`captions.max_lines`): shorten it")


def test_the_films_hook_waits_for_its_first_scene_and_its_texts_end_before_the_end_card(tmp_path):
    tl = prepare(film(tmp_path, "hook: Listen\ntexts: [{text: A true story, position: bottom-left}]\nscenes:\n"
                                "  - slate: title\n    text: My story\n"
                                "  - background: navy\n    duration: 4s\n")).timeline
    hook, text = texts(tl)["hook-film"], texts(tl)["text-film-0"]
    scene = tl.segments[1]
    assert (hook.start, hook.end) == (scene.start, scene.start + 90)  # not over the title slate
    assert text.end == tl.segments[-1].start  # until the end card starts
    path = film(tmp_path, "texts: [{text: A true story, position: top, until: 9s}]\nscenes:\n"
                          "  - background: navy\n    duration: 4s\n")
    [issue] = failure(path)
    assert (issue.line, issue.path) == (3, "texts[0].until")
    assert issue.message == "the text runs to 9.00s but the end card starts at 4.00s; end it earlier"
