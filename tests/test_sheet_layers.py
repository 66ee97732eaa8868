"""`reel sheet` names each segment's layers: a tile shows one moment, so a cutaway, message or
sticker shown at another moment of the segment is listed under it."""

from __future__ import annotations

from pathlib import Path

from toolkit.film.pipeline import prepare
from toolkit.film.sheet import layers_line

EXAMPLE = Path(__file__).resolve().parent.parent / "storyboards" / "loneliness-layers-and-sound.yaml"


def test_each_tile_names_the_layers_over_its_segment() -> None:
    timeline = prepare(EXAMPLE).timeline
    lines = [layers_line(timeline.layers, seg, width=200) for seg in timeline.segments]
    assert lines[0] == "+ street-landscape.mp4, colour box"  # the B-roll cutaway, then the film's progress bar
    assert lines[1] == "+ message.png, heart.png, colour box"
    assert lines[2] == "+ window-portrait.mp4, colour box"  # picture-in-picture
    assert lines[-1] == ""  # nothing reaches the end card


def test_a_long_list_is_cut_to_the_tile() -> None:
    timeline = prepare(EXAMPLE).timeline
    line = layers_line(timeline.layers, timeline.segments[1], width=20)
    assert len(line) == 20 and line.endswith("…") and line.startswith("+ message.png")
