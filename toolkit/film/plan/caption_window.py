"""Where a scene's captions can be seen: its frames, and its share of the transitions at its edges."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from toolkit.film.plan.timeline import Segment

if TYPE_CHECKING:
    from toolkit.film.plan.entry import Entry


def caption_window(entries: Sequence[Entry], segments: Sequence[Segment], i: int) -> tuple[int, int]:
    """Frames [lo, hi) of the film where scene `i`'s captions may show.

    Captions stay on screen through transitions, but two texts never share the screen. Of a
    transition between this scene and a neighbour, the captions get: all of it when the
    neighbour is a scene without captions; the first half (outgoing) or the rest (incoming)
    when the neighbour is a scene with captions, so one caption hands over to the next in the
    middle; none of it when the neighbour is a slate or the end card, whose text fills the
    transition.
    """
    seg = segments[i]
    lo, hi = seg.start, seg.end
    if i > 0:
        t = seg.transition_in.frames
        lo += t - _share(entries[i - 1], t, outgoing=False)
    if i + 1 < len(segments):
        t = segments[i + 1].transition_in.frames
        hi -= t - _share(entries[i + 1], t, outgoing=True)
    return lo, max(lo, hi)


def _share(neighbour: Entry, frames: int, *, outgoing: bool) -> int:
    """The frames of a `frames`-long transition with `neighbour` that a scene's captions may use."""
    if neighbour.kind != "scene" or neighbour.scene is None:
        return 0
    if neighbour.scene.captions is None and not neighbour.film_cues:
        return frames
    return frames // 2 if outgoing else frames - frames // 2
