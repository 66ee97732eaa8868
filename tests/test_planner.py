"""The planner: frame arithmetic, the mandatory end card, text inside the safe box."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

from toolkit.errors import PolicyError, SpecError
from toolkit.film.pipeline import prepare
from toolkit.film.plan.inputs import make_canvas
from toolkit.film.plan.timeline import ColorSource, TextBlock, Timeline
from toolkit.geometry import REFERENCE_SAFE

EXAMPLES = sorted((Path(__file__).resolve().parent.parent / "storyboards").glob("*.yaml"))


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "film.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_examples_plan_and_end_on_a_compliant_end_card(path):
    prepared = prepare(path)
    tl = prepared.timeline
    assert tl.segments[-1].kind == "end_card"
    assert tl.end_card.length >= 5 * 30
    end = [o for o in tl.overlays if o.kind == "end_card"]
    assert end and end[0].start == tl.end_card.start and end[0].length == tl.end_card.length
    assert len(prepared.selection.services) >= 2
    assert any(s.open_24_7 for s in prepared.selection.services)
    assert all(s.status != "unconfirmed" for s in prepared.selection.services)
    safe = tl.canvas.safe
    for overlay in tl.overlays:
        for block in overlay.blocks:
            assert safe.contains(block.bounds if isinstance(block, TextBlock) else block.box), overlay.id
    assert not [w for w in prepared.warnings if w.severity == "warning"]


def test_segments_are_contiguous_and_transitions_overlap(tmp_path):
    path = write(tmp_path, "title: T\nregion: UK\nscenes:\n"
                 "  - background: navy\n    duration: 2s\n    transition: {type: fade, duration: 0.5s}\n"
                 "  - background: '#333333'\n    duration: 3s\n")
    tl = prepare(path).timeline
    a, b, card = tl.segments
    assert (a.start, a.length) == (0, 60)
    assert b.transition_in.kind == "fade" and b.transition_in.frames == 15
    assert b.start == 45 and b.length == 90
    assert card.start == b.end and tl.frames == card.end
    assert isinstance(a.source, ColorSource) and a.source.color == "#000080"


def test_draft_canvas_keeps_timing_and_scales_boxes(tmp_path):
    path = write(tmp_path, "title: T\nregion: UK\nscenes:\n  - background: navy\n    duration: 3s\n"
                 "    captions: Hello there, this is a caption.\n")
    full = prepare(path).timeline
    draft = prepare(path, width=540).timeline
    assert full.frames == draft.frames
    assert draft.canvas.width == 540 and draft.canvas.height == 960
    cf = next(o for o in full.overlays if o.kind == "caption").blocks[0]
    cd = next(o for o in draft.overlays if o.kind == "caption").blocks[0]
    assert len(cf.lines) == len(cd.lines)
    assert abs(cd.bounds.y * 2 - cf.bounds.y) <= 2


def test_caption_too_long_for_three_lines_is_an_error(tmp_path):
    long = " ".join(["everything"] * 20)
    path = write(tmp_path, f"title: T\nregion: UK\nscenes:\n  - background: navy\n    duration: 8s\n"
                           f"    captions: {long}\n")
    with pytest.raises(SpecError) as exc:
        prepare(path)
    [issue] = [i for i in exc.value.issues if i.severity == "error"]
    assert issue.line == 6 and "at most 3 fit inside the safe box" in issue.message


def test_caption_past_scene_end_and_overlap(tmp_path):
    path = write(tmp_path, "title: T\nregion: UK\nscenes:\n  - background: navy\n    duration: 3s\n"
                 "    captions:\n      - {text: one, at: 0s, until: 2s}\n      - {text: two, at: 1s, until: 4s}\n")
    with pytest.raises(SpecError) as exc:
        prepare(path)
    messages = [i.message for i in exc.value.issues if i.severity == "error"]
    assert any("before the previous caption ends" in m for m in messages)
    assert any("runs to 4.00s but the scene is only 3.00s" in m for m in messages)


def test_slate_shorter_than_reading_time_is_an_error(tmp_path):
    path = write(tmp_path, "title: T\nregion: UK\nscenes:\n  - slate: signpost\n    duration: 2s\n")
    with pytest.raises(SpecError) as exc:
        prepare(path)
    assert any("needs at least" in i.message and i.path == "scenes[0].duration" for i in exc.value.issues)


def test_end_card_cannot_be_shortened(tmp_path):
    path = write(tmp_path, "title: T\nregion: UK\nend_card:\n  duration: 1s\nscenes:\n  - slate: title\n")
    with pytest.raises(SpecError) as exc:
        prepare(path)
    [issue] = exc.value.issues[-1:]
    assert issue.path == "end_card.duration" and "cannot be shortened" in issue.message


def test_flagged_topics_get_a_generated_content_warning_first(tmp_path):
    path = write(tmp_path, "title: T\nregion: NZ\ntopics: [suicide]\nscenes:\n  - slate: title\n")
    prepared = prepare(path)
    first = prepared.timeline.segments[0]
    assert first.kind == "slate" and first.name.startswith("content warning")
    text = " ".join(line.text for o in prepared.timeline.overlays if o.kind == "slate" and o.start == 0
                    for b in o.blocks for line in b.lines)
    assert "suicide" in text and "Support details are at the end" in text


def test_content_warning_elsewhere_than_first_is_an_error(tmp_path):
    path = write(tmp_path, "title: T\nregion: UK\ntopics: [self-harm]\nscenes:\n  - slate: title\n"
                 "  - slate: content-warning\n")
    with pytest.raises(SpecError) as exc:
        prepare(path)
    assert any("must be the first scene" in i.message and i.line == 6 for i in exc.value.issues)


def test_unsafe_wording_blocks_until_reviewed(tmp_path):
    # (topics must name suicide: text about a flagged topic that `topics` omits is an error of its own)
    text = ("title: T\nregion: UK\ntopics: [suicide]\nscenes:\n  - background: navy\n    duration: 3s\n"
            "    captions: He committed suicide.\n")
    with pytest.raises(PolicyError) as exc:
        prepare(write(tmp_path, text))
    [hit] = [i for i in exc.value.issues if i.severity == "error"]
    assert (hit.line, hit.col, hit.code) == (7, 18, "committed-suicide")
    reviewed = text + ("reviewed_exceptions:\n  - rule: committed-suicide\n    text: He committed suicide.\n"
                       "    reason: Quoting a 1990s newspaper headline to show how language changed.\n"
                       "    reviewer: A. Tutor\n")
    prepared = prepare(write(tmp_path, reviewed))
    assert ("reel_reviewed_exception", "committed-suicide: 'He committed suicide.' — Quoting a 1990s newspaper "
            "headline to show how language changed. (A. Tutor)") in prepared.timeline.metadata


def test_timeline_refuses_to_exist_without_end_card(tmp_path):
    tl = prepare(write(tmp_path, "title: T\nregion: UK\nscenes:\n  - slate: title\n")).timeline
    with pytest.raises(ValueError, match="must end with the helpline end card"):
        Timeline(canvas=tl.canvas, segments=tl.segments[:-1], overlays=tl.overlays, audio=tl.audio,
                 mix=tl.mix, title=tl.title)


def test_canvas_scales_safe_box():
    canvas = make_canvas("reels", width=216)
    assert (canvas.width, canvas.height, canvas.fps) == (216, 384, Fraction(30))
    assert canvas.safe == REFERENCE_SAFE.scaled(Fraction(1, 5))


def test_plan_json_round_trips(tmp_path):
    import json

    tl = prepare(write(tmp_path, "title: T\nregion: CA\nscenes:\n  - slate: title\n")).timeline
    data = json.loads(json.dumps(tl.to_dict()))
    assert data["frames"] == tl.frames and data["segments"][-1]["kind"] == "end_card"


def test_captions_of_neighbouring_scenes_never_share_the_screen(tmp_path):
    path = write(tmp_path, "title: T\nregion: UK\nscenes:\n"
                 "  - background: navy\n    duration: 3s\n    captions: First scene words.\n"
                 "    transition: {type: slide-up, duration: 0.5s}\n"
                 "  - background: '#333333'\n    duration: 3s\n    captions: Second scene words.\n")
    tl = prepare(path).timeline
    first, second = (o for o in tl.overlays if o.kind == "caption")
    # through the 15-frame slide: the outgoing caption holds to its middle, the incoming one starts there
    assert first.end == second.start == tl.segments[1].start + 7
