"""The film's captions as cues for the sidecar files (`FILM.srt`, `FILM.vtt`): pure, from the Timeline.

What a sound-off viewer reads with the platform's captions is what the film draws:

* one cue per caption, its text the drawn lines (after templates, merge fields and line
  breaking), from the first frame it shows to the frame after its last. A word-by-word
  caption is drawn as one overlay per highlighted word (`cap-<segment>-<caption>-w<word>`):
  those are one caption, so one cue with its whole text and span;
* a last cue with the helpline end card's text, for its whole length. The card is drawn into
  the picture too, but platform captions are also read by screen readers, searched, and
  shown enlarged by viewers who set their captions large: the support details are the one
  text a film must never leave out of them. Slates (a content warning, a title) are not
  captions and have no cue: they fill the screen on their own for as long as they show.

Times are the film's output frames, exactly: `Fraction(frame) / fps` seconds (formats round
them to milliseconds).
"""

from __future__ import annotations

import re
from fractions import Fraction

from toolkit.film.plan.timeline import Overlay, TextBlock, Timeline
from toolkit.subtitles import Cue

# The overlays of one caption: the caption itself, or one per word of a word-by-word caption.
_WORD = re.compile(r"^(?P<caption>.+)-w\d+$")


def film_cues(timeline: Timeline) -> tuple[Cue, ...]:
    """The cues of `timeline`'s captions and its end card, in time order, numbered from 1."""
    fps = timeline.canvas.fps
    captions: dict[str, list[Overlay]] = {}
    for overlay in timeline.overlays:
        if overlay.kind == "caption":
            match = _WORD.match(overlay.id)
            captions.setdefault(match.group("caption") if match else overlay.id, []).append(overlay)
    spans = [(min(o.start for o in group), max(o.end for o in group), drawn_text(group[0]))
             for group in captions.values()]
    spans += [(o.start, o.end, drawn_text(o)) for o in timeline.overlays if o.kind == "end_card"]
    spans = sorted(span for span in spans if span[2])
    return tuple(Cue(Fraction(start) / fps, Fraction(end) / fps, text, number)
                 for number, (start, end, text) in enumerate(spans, 1))


def drawn_text(overlay: Overlay) -> str:
    """The words an overlay draws, a line of the text a line of the result (blocks one after another)."""
    return "\n".join(line.text.strip() for block in overlay.blocks if isinstance(block, TextBlock)
                     for line in block.lines if line.text.strip())
