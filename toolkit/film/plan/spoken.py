"""Captions timed by the speech: caption boundaries at the spoken words, highlights on the voice.

`PlanInputs.spoken` (from `toolkit.film.speech`) says when each word of a scene's untimed
captions is spoken. Caption k then shows from its first word's onset (never before the previous
caption's start) until the next caption starts; the last one until its last word ends plus
`HOLD`, within the scene. A caption whose words were not placed keeps reading-speed timing: the
captions between two placed neighbours share the time from the end of the earlier one's speech
to the start of the later one's, by word count (as `overlays` spreads untimed captions today).
In word-by-word captions each word is highlighted from its onset to the next word's.
The film's own untimed script (`PlanInputs.film_spoken`, times from the film's start) is timed
the same way, over the film up to the end card, by `plan.film_captions`.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import TYPE_CHECKING

from toolkit.film.plan.inputs import PlanInputs, SpokenCaption

if TYPE_CHECKING:
    from toolkit.film.plan.entry import Entry

# BBC Subtitle Guidelines §5.2 (standards §4.1): a subtitle may hang up to 1.5 s after its speech.
# The last caption of a scene takes all of it: the most reading time the guideline allows.
HOLD = Fraction(3, 2)


def _scene_spoken(inp: PlanInputs, entry: Entry) -> tuple[SpokenCaption | None, ...] | None:
    if len(entry.loc) < 2 or entry.loc[0] != "scenes" or not isinstance(entry.loc[1], int):
        return None
    return inp.spoken.get(entry.loc[1])


def spoken_times(inp: PlanInputs, entry: Entry, timed: list, length: Fraction) -> list | None:
    """`timed` ((at, until, text, loc) per caption, all untimed) with times from the speech, or None
    when the scene has no aligned speech (or nothing of it was placed, or the times leave no room)."""
    spoken = _scene_spoken(inp, entry)
    if spoken is None or len(spoken) != len(timed):
        return None
    spans = speech_times(spoken, [text for _, _, text, _ in timed], length)
    if spans is None:
        return None
    return [(start, end, text, loc) for (start, end), (_, _, text, loc) in zip(spans, timed, strict=True)]


def speech_times(spoken: Sequence[SpokenCaption | None], texts: Sequence[str], length: Fraction
                 ) -> list[tuple[Fraction, Fraction]] | None:
    """(start, end) of each caption in [0, `length`) from its words' spoken times (same clock), the
    unplaced ones spread between their placed neighbours; None when nothing was placed or the
    times leave no room. Used for a scene's captions and for the film's own script alike."""
    spans: list[tuple[Fraction, Fraction] | None] = []
    for caption in spoken:
        times = [t for t in (caption.words if caption else ()) if t is not None]
        spans.append((max(Fraction(0), times[0][0]), min(length, times[-1][1])) if times else None)
    if all(s is None for s in spans):
        return None
    starts: list[Fraction] = [Fraction(0)] * len(spans)
    k = 0
    while k < len(spans):
        if spans[k] is not None:
            starts[k] = max(spans[k][0], starts[k - 1] if k else Fraction(0))  # type: ignore[index]
            k += 1
            continue
        run_end = k
        while run_end < len(spans) and spans[run_end] is None:
            run_end += 1
        lo = spans[k - 1][1] if k else Fraction(0)  # type: ignore[index]
        hi = spans[run_end][0] if run_end < len(spans) else length  # type: ignore[index]
        if hi <= lo:
            return None  # no time between the spoken neighbours: the whole track reads by speed
        weights = [max(1, len(texts[j].split())) for j in range(k, run_end)]
        cursor, total = lo, sum(weights)
        for j, w in zip(range(k, run_end), weights, strict=True):
            starts[j] = cursor
            cursor += (hi - lo) * w / total
        k = run_end
    out = []
    for k in range(len(spans)):
        if k + 1 < len(spans):
            end = starts[k + 1]
        elif spans[k] is not None:
            end = min(length, spans[k][1] + HOLD)  # type: ignore[index]
        else:
            end = length
        if end <= starts[k]:
            return None
        out.append((starts[k], end))
    return out


def word_frames(inp: PlanInputs, entry: Entry, loc: tuple, words: int, start: int, end: int) -> list[int] | None:
    """Frame (from the segment's start) where each of a caption's `words` highlights begins, plus
    `end` last: from the speech when the caption at `loc` was aligned and has that many words."""
    fps = inp.canvas.fps
    shift = Fraction(0)
    if loc[:1] == ("captions",):  # the film's own script: its times are from the film's start
        spoken, shift = inp.film_spoken, Fraction(entry.start) / fps
    else:
        spoken = _scene_spoken(inp, entry)
    k = loc[-1] if loc and isinstance(loc[-1], int) else None
    if not spoken or k is None or k >= len(spoken) or spoken[k] is None:
        return None
    times = [None if t is None else (t[0] - shift, t[1] - shift) for t in spoken[k].words]  # type: ignore[union-attr]
    if len(times) != words:
        return None  # the layout split the text differently: characters decide
    frames, previous, said = [], start, start  # said: where the last spoken word ended
    for t in times:
        # a word with no time (an emoji) lights when the word before it has been said
        at = min(max(round((t[0] if t else said / fps) * fps), previous), end)
        frames.append(at)
        previous = at
        said = max(said, round(t[1] * fps)) if t else at
    frames[0] = start  # the caption's first word is lit as soon as the caption shows
    return [*frames, end]
