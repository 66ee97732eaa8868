"""Captions stay on screen through transitions (issue 15 §2), and two texts never share the screen."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from toolkit.film.pipeline import prepare
from toolkit.film.plan.timeline import Timeline

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "storyboards").glob("*.yaml"))
FADE = "    transition: {type: fade, duration: 1s}\n"
SIX = "One two three four five six."  # 1.8 s to read


def film(folder: Path, *scenes: str) -> Path:
    path = folder / "film.yaml"
    path.write_text("title: T\nregion: UK\nscenes:\n" + "".join(scenes), encoding="utf-8")
    return path


def scene(captions: str | None = None, transition: str = FADE, colour: str = "navy") -> str:
    return (f"  - background: {colour}\n    duration: 3s\n" + (f"    captions: {captions}\n" if captions else "")
            + transition)


def captions(timeline: Timeline) -> dict[int, tuple[int, int]]:
    """Each scene's caption span (the segment index from the overlay id `cap-<segment>-<k>`)."""
    return {int(o.id.split("-")[1]): (o.start, o.end) for o in timeline.overlays if o.kind == "caption"}


def assert_one_text_at_a_time(timeline: Timeline) -> None:
    """No two texts (captions, slates, the end card) on screen at once; the overlays of one
    word-by-word caption (`cap-<segment>-<k>-w<word>`) count as that caption."""
    spans: dict[str, tuple[int, int]] = {}
    for o in timeline.overlays:
        if o.kind in ("caption", "slate", "end_card"):
            key = o.id.split("-w")[0]
            lo, hi = spans.get(key, (o.start, o.end))
            spans[key] = (min(lo, o.start), max(hi, o.end))
    ordered = sorted(spans.values())
    assert len(ordered) >= 2, ordered
    for (_, end), (start, _) in itertools.pairwise(ordered):
        assert end <= start, ordered


def test_a_caption_spans_the_transitions_when_the_neighbours_have_none(tmp_path):
    # the case: a 3 s scene between 1 s transitions showed its caption for 1 s
    tl = prepare(film(tmp_path, scene(), scene(SIX), scene())).timeline
    middle = tl.segments[1]
    assert captions(tl)[1] == (middle.start, middle.end)  # all 3 s, both fades included
    assert not [w for w in prepare(film(tmp_path, scene(), scene(SIX), scene())).warnings
                if w.code == "reading-speed"]


def test_captioned_neighbours_hand_over_in_the_middle_of_the_transition(tmp_path):
    tl = prepare(film(tmp_path, scene("First words here."), scene(SIX), scene("Last words here."))).timeline
    _one, two, three = tl.segments[:3]
    spans = captions(tl)
    assert spans[0] == (0, two.start + 15)
    assert spans[1] == (two.start + 15, three.start + 15)  # 2 s of its 3 s: half of each fade
    assert spans[2][0] == three.start + 15
    assert_one_text_at_a_time(tl)


def test_an_odd_transition_gives_the_extra_frame_to_the_incoming_caption(tmp_path):
    slide = "    transition: {type: slide-up, duration: 0.5s}\n"  # 15 frames
    tl = prepare(film(tmp_path, scene("First words here.", slide), scene("Second words here."))).timeline
    assert captions(tl)[0][1] == captions(tl)[1][0] == tl.segments[1].start + 7


def test_slates_and_the_end_card_keep_their_transitions_to_themselves(tmp_path):
    slate = "  - slate: title\n    text: A film\n" + FADE
    tl = prepare(film(tmp_path, slate, scene(SIX))).timeline
    seg = tl.segments[1]
    card = tl.segments[-1]
    assert captions(tl)[1] == (seg.start + 30, card.start)  # after the slate's fade, until the card's
    assert_one_text_at_a_time(tl)


def test_the_reading_time_check_counts_only_the_time_a_caption_is_seen(tmp_path):
    slate = "  - slate: title\n    text: A film\n" + FADE
    path = film(tmp_path, slate, scene(SIX), slate.replace("title", "signpost"))
    [warning] = [w for w in prepare(path).warnings if w.code == "reading-speed"]
    assert warning.path == "scenes[1].captions" and warning.line == 9
    assert warning.message == "shows for 1.00s; 6 words need at least 1.8s to read (0.3 s per word)"
    # timed by hand over the whole scene: the time under the slates' fades is not counted
    timed = f"  - background: navy\n    duration: 3s\n    captions:\n      - {{text: {SIX}, at: 0s, until: 3s}}\n"
    path = film(tmp_path, slate, timed + FADE, slate.replace("title", "signpost"))
    [warning] = [w for w in prepare(path).warnings if w.code == "reading-speed"]
    assert (warning.path, warning.line, warning.col) == ("scenes[1].captions[0]", 10, 9)
    assert warning.message == ("shows for 1.00s of its 3.00s (the rest falls in a transition into a slate, the end "
                               "card or another scene's caption); 6 words need at least 1.8s to read (0.3 s per "
                               "word)")


def test_a_first_caption_without_a_time_starts_when_it_can_be_seen(tmp_path):
    slate = "  - slate: title\n    text: A film\n" + FADE
    timed = "  - background: navy\n    duration: 4s\n    captions:\n      - {text: Hello there friend., for: 2s}\n"
    tl = prepare(film(tmp_path, slate, timed)).timeline
    seg = tl.segments[1]
    assert captions(tl)[1] == (seg.start + 30, seg.start + 90)  # 2 s from the end of the slate's fade


@pytest.mark.parametrize("storyboard", EXAMPLES, ids=lambda p: p.stem)
def test_no_example_shows_two_texts_at_once(storyboard):
    assert_one_text_at_a_time(prepare(storyboard).timeline)


@pytest.mark.render
def test_the_caption_is_drawn_in_the_frames_of_the_transition(tmp_path):
    """What is on screen: a frame in the middle of the fade out of a captioned scene shows its
    caption's box (the picture there is a flat blend of the two colours)."""
    from PIL import Image

    from toolkit.film.pipeline import DRAFT_WIDTH
    from toolkit.film.render import render_frames

    prepared = prepare(film(tmp_path, scene(SIX, colour="'#ffffff'"), scene(None, colour="'#ffffff'")),
                       width=DRAFT_WIDTH)
    timeline = prepared.timeline
    [caption] = [o for o in timeline.overlays if o.kind == "caption"]
    fade = timeline.segments[1]
    inside = fade.start + 20  # two thirds through the 30-frame fade, after the old clip would have ended
    assert caption.start <= inside < caption.end == timeline.segments[0].end  # to the end of the fade
    box = caption.blocks[0].lines[0].box  # the first line's backing box; its left padding has no glyph
    [png] = render_frames(prepared, [inside], tmp_path)
    with Image.open(png) as image:
        rgb = image.convert("RGB")
        inside_box = rgb.getpixel((box.x + 3, box.y + box.h // 2))
        beside = rgb.getpixel((4, box.y + box.h // 2))
    assert sum(beside) > 3 * 240  # white picture
    assert sum(inside_box) < 3 * 120  # the caption's dark box over it
