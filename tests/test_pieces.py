"""Pieces and chunks: every output frame comes from the right segment frames, chunks stay bounded.

Pure: built from hand-made and random Timelines, no ffmpeg.
"""

from __future__ import annotations

import media_factory as mf
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from toolkit.film.compile.pieces import Piece, chunks, needed, pieces
from toolkit.film.plan.timeline import ColorSource, Transition

KINDS = ("cut", "fade", "dip-to-black", "slide-left", "slide-up")


@st.composite
def films(draw: st.DrawFn):
    count = draw(st.integers(1, 12))
    scenes = []
    previous_tail_room = 0
    for i in range(count):
        length = draw(st.integers(2, 40))
        kind = "cut" if i == 0 else draw(st.sampled_from(KINDS))
        room = min(previous_tail_room, length // 2)
        frames = 0 if kind == "cut" or room < 1 else draw(st.integers(1, room))
        scenes.append((ColorSource(f"#0000{i:02x}"), length, Transition(kind, frames)))
        previous_tail_room = length // 2
    end_kind = draw(st.sampled_from(KINDS))
    end_frames = 0 if end_kind == "cut" else draw(st.integers(1, max(1, previous_tail_room)))
    return mf.timeline(scenes, end_transition=Transition(end_kind, end_frames))


def _sources(piece: Piece) -> list[list[tuple[int, int]]]:
    """For each output frame of the piece: the (segment, segment frame) pairs it is made of."""
    return [[(p.segment, p.first + k) for p in piece.parts] for k in range(piece.length)]


@settings(max_examples=200, deadline=None)
@given(films(), st.integers(2, 6))
def test_every_output_frame_comes_from_the_segments_that_cover_it(timeline, max_segments: int) -> None:
    groups = chunks(timeline, max_segments)
    flat = [piece for group in groups for piece in group]
    assert flat == pieces(timeline.segments)
    position = 0
    for piece in flat:
        assert piece.start == position
        for frame, made_of in enumerate(_sources(piece), start=piece.start):
            expected = [(s.index, frame - s.start) for s in timeline.segments if s.start <= frame < s.end]
            assert made_of == expected
        position += piece.length
    assert position == timeline.frames
    for group in groups:
        assert len(needed(group)) <= max_segments


def test_a_transition_piece_blends_the_end_of_one_segment_with_the_start_of_the_next() -> None:
    timeline = mf.timeline([(ColorSource("#000000"), 30, Transition("cut", 0)),
                            (ColorSource("#ffffff"), 20, Transition("fade", 5))])
    first, fade, second, end = pieces(timeline.segments)
    assert (first.start, first.length, first.transition) == (0, 25, None)
    assert (fade.start, fade.length, fade.transition) == (25, 5, "fade")
    assert [(p.segment, p.first) for p in fade.parts] == [(0, 25), (1, 0)]
    assert (second.start, second.length) == (30, 15)
    assert (end.start, end.length) == (45, 20)


def test_a_segment_split_across_chunks_is_opened_from_its_first_needed_frame() -> None:
    timeline = mf.timeline([(ColorSource(f"#0000{i:02x}"), 10, Transition("fade", 2 if i else 0))
                            for i in range(5)])
    groups = chunks(timeline, 2)
    spans = [needed(group) for group in groups]
    # segment 1 ends the first chunk (its first 8 frames) and its last 2 frames start the second
    assert spans[0][1] == (0, 8) and spans[1][1] == (8, 2)


def test_overlapping_transitions_inside_one_segment_are_refused() -> None:
    timeline = mf.timeline([(ColorSource("#000000"), 10, Transition("cut", 0)),
                            (ColorSource("#ffffff"), 6, Transition("fade", 4))],
                           end_transition=Transition("fade", 4))
    with pytest.raises(ValueError, match="overlap inside its 6 frames"):
        pieces(timeline.segments)


def test_a_chunk_must_hold_both_sides_of_a_transition() -> None:
    with pytest.raises(ValueError, match="two sides"):
        chunks(mf.timeline([(ColorSource("#000000"), 10, Transition("cut", 0))]), 1)
