"""The film's own caption track (`captions:` at the storyboard's top), split over its scenes.

Times are from the film's start, as a subtitle editor working on the whole film writes them.
Reel cuts the track where the scenes hand over, so each scene draws its part as its own
captions (laid out and kept out of the transitions by the same rules, `plan.caption_window`):

* a caption crossing a cut is split into two captions, one on each side; across a transition,
  at its middle (where one scene's captions hand over to the next's). The reading-time check
  counts the parts together: the words stay on screen across the cut;
* a caption over a slate or the end card is an error naming the caption and what it would
  cover: their text fills the screen on its own;
* a scene with its own `captions:` that the film's track also falls in is an error: one scene's
  words are written in one place.

Untimed lines follow the previous caption when it has an end (`until`, `for`); the first starts
at 0. A line ends at its `until`/`for`, else where the next one starts, else where the end card
starts. A script with no times at all and speech under it (`PlanInputs.film_spoken`, aligned by
`toolkit.film.script_speech`) is timed by the words instead, like a scene's (`plan.spoken`): a line
from its first word until the next line, the last until its speech ends plus `HOLD`, a line not
found spread between its placed neighbours; a line ends before a slate (or a scene with its own
captions) that follows its speech.
The planner calls `split` once the segments are placed; it does no I/O.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from toolkit.care.reading import SECONDS_PER_WORD, count_words, reading_time
from toolkit.film.plan.caption_window import caption_window
from toolkit.film.plan.entry import Entry
from toolkit.film.plan.inputs import LocIssue, PlanInputs, SpokenCaption
from toolkit.film.plan.layout import soft_breaks
from toolkit.film.plan.spoken import speech_times
from toolkit.film.plan.timeline import Segment
from toolkit.film.spec.scenes import FilmCaptions
from toolkit.subtitles import cue_label

_Cue = tuple[int, int, str, tuple[str | int, ...], str]  # frames [start, end), text, loc, label


def split(inp: PlanInputs, entries: Sequence[Entry], segments: Sequence[Segment], issues: list[LocIssue]) -> None:
    """Give each scene entry the parts of the film's caption track that fall in it (`Entry.film_cues`)."""
    track = inp.storyboard.captions
    if track is None or inp.film_spoken == ():  # (): the script is being aligned to this plan's speech
        return
    fps = inp.canvas.fps
    card = segments[-1]
    for entry in entries:
        entry.film_cues = [] if entry.kind == "scene" else None
    placed: list[tuple[_Cue, list[tuple[int, int, int]]]] = []  # each caption and its parts (scene, frames)
    # where a spoken line must end: a slate's start, or a scene with its own captions (its words, not the film's)
    stops = [seg.start if entry.kind != "scene" else handover(segments, i)[0]
             for i, (entry, seg) in enumerate(zip(entries, segments[:-1], strict=False))
             if entry.kind != "scene" or (entry.scene is not None and entry.scene.captions is not None)]
    for cue in _cues(inp, track, card.start, stops, issues):
        start, end, text, loc, label = cue
        if _covers(entries, segments, start, end, loc, label, fps, issues):
            continue
        parts = []
        for i, (entry, seg) in enumerate(zip(entries, segments, strict=True)):
            if entry.film_cues is None:
                continue
            lo, hi = handover(segments, i)
            part = max(start, lo), min(end, hi)
            if part[1] > part[0]:
                entry.film_cues.append((Fraction(part[0] - seg.start) / fps, Fraction(part[1] - seg.start) / fps,
                                        text, loc, label))
                parts.append((i, *part))
        placed.append((cue, parts))
    for entry in entries:
        if entry.film_cues and entry.scene is not None and entry.scene.captions is not None:
            _, _, _, loc, label = entry.film_cues[0]
            issues.append(LocIssue((*entry.loc, "captions"), "this scene has its own captions, and the film's "
                                   f"`captions:` fall in it too ({_which(loc, label)}): give this scene's words "
                                   "in one place, either here or in the film's captions"))
            entry.film_cues = []
    for (_, _, text, loc, label), parts in placed:  # read as one caption, across the cut
        seen = 0
        for i, lo, hi in parts:
            if entries[i].film_cues:
                window = caption_window(entries, segments, i)
                seen += max(0, min(hi, window[1]) - max(lo, window[0]))
        if parts and Fraction(seen) / fps < reading_time(text):
            issues.append(LocIssue(loc, f"{label}shows for {float(Fraction(seen) / fps):.2f}s; {count_words(text)} "
                                   f"words need at least {float(reading_time(text)):.1f}s to read "
                                   f"({float(SECONDS_PER_WORD)} s per word)", severity="warning",
                                   code="reading-speed"))


def handover(segments: Sequence[Segment], i: int) -> tuple[int, int]:
    """Frames [lo, hi) of the film that belong to segment `i`: to the middles of its transitions."""
    seg = segments[i]
    lo = seg.start + seg.transition_in.frames // 2 if i else 0
    hi = segments[i + 1].start + segments[i + 1].transition_in.frames // 2 if i + 1 < len(segments) else seg.end
    return lo, hi


def _covers(entries: Sequence[Entry], segments: Sequence[Segment], start: int, end: int, loc: tuple, label: str,
            fps: Fraction, issues: list[LocIssue]) -> bool:
    """Whether the caption over frames [start, end) falls on a slate or the end card (said, located)."""
    card = segments[-1]
    span = f"runs from {_clock(start, fps)} to {_clock(end, fps)}"
    if end > card.start:
        issues.append(LocIssue(loc, f"{label}{span}, over the helpline end card (from {_clock(card.start, fps)}), "
                               f"whose text must show on its own: end it by {_clock(card.start, fps)}"))
        return True
    for entry, seg in zip(entries, segments, strict=True):
        if entry.kind != "scene" and start < seg.end and end > seg.start:
            what = f"the {entry.slate_kind} slate" if entry.kind == "slate" else f"the template's {entry.kind}"
            if entry.loc[:1] == ("scenes",) and len(entry.loc) > 1:
                what += f" (scene {int(entry.loc[1]) + 1})"
            issues.append(LocIssue(loc, f"{label}{span}, over {what} from {_clock(seg.start, fps)} to "
                                   f"{_clock(seg.end, fps)}, whose text fills the screen: end it by "
                                   f"{_clock(seg.start, fps)} or start it at {_clock(seg.end, fps)} or later"))
            return True
    return False


def _cues(inp: PlanInputs, track: FilmCaptions, card_start: int, stops: Sequence[int],
          issues: list[LocIssue]) -> list[_Cue]:
    """The track's captions in film frames, in order; those whose times cannot be used are reported.
    `stops`: where the slates (and the template's intro/outro) and the scenes with their own captions
    start, which a spoken line ends before."""
    fps = inp.canvas.fps
    out: list[_Cue] = []
    if inp.film_spoken and track.lines and len(inp.film_spoken) == len(track.lines):
        for k, (start, end, text) in enumerate(_spoken_cues(inp.film_spoken, [c.text for c in track.lines],
                                                              card_start, stops, fps)):
            _add(out, start, end, text, ("captions", "lines", k), "", fps, issues)
        return out
    if track.file is not None:
        for n, cue in enumerate(inp.caption_files.get(inp.asset(track.file), ()), 1):
            _add(out, round(cue.start * fps), round(cue.end * fps), soft_breaks(cue.text), ("captions", "file"),
                 cue_label(track.file, n, cue.start), fps, issues)
        return out
    lines = track.lines or []
    ends: Fraction | None = Fraction(0)  # where an untimed line starts: the previous line's own end
    for k, c in enumerate(lines):
        loc = ("captions", "lines", k)
        start = c.at.to_seconds(fps) if c.at is not None else ends
        if start is None:
            issues.append(LocIssue(loc, "a caption of the film's track without `at:` starts when the previous one "
                                   "ends, and that one has no end: give this one an `at:` (a time from the film's "
                                   "start), or the previous one an `until:` or `for:`"))
            ends = None
            continue
        end = (c.until.to_seconds(fps) if c.until is not None else
               start + c.for_.to_seconds(fps) if c.for_ is not None else None)
        ends = end
        if end is None:
            following = next((x.at for x in lines[k + 1:k + 2] if x.at is not None), None)
            end = following.to_seconds(fps) if following is not None else \
                Fraction(card_start) / fps if k + 1 == len(lines) else None
        if end is None:
            continue  # the next line says it (it has no `at`)
        _add(out, round(start * fps), round(end * fps), c.text, loc, "", fps, issues)
    return out


def _spoken_cues(spoken: Sequence[SpokenCaption | None], texts: list[str], card_start: int, stops: Sequence[int],
                 fps: Fraction) -> list[tuple[int, int, str]]:
    """Frames [start, end) and text of each line of the script, timed by its speech (`speech_times`);
    spread by word count over the film before the end card when nothing of it was placed."""
    length = Fraction(card_start) / fps
    spans = speech_times(spoken, texts, length)
    if spans is None:  # nothing placed (said, located, by script_speech): reading speed over the film
        weights = [max(1, len(t.split())) for t in texts]
        cursor, total, spans = Fraction(0), sum(weights), []
        for w in weights:
            spans.append((cursor, cursor + length * w / total))
            cursor = spans[-1][1]
    out = []
    for (start, end), text in zip(spans, texts, strict=True):
        first, last = round(start * fps), round(end * fps)
        last = min([last, *(s for s in stops if s > first)])  # a slate's text fills the screen on its own
        out.append((first, last, text))
    return out


def _add(out: list[_Cue], start: int, end: int, text: str, loc: tuple, label: str, fps: Fraction,
         issues: list[LocIssue]) -> None:
    if end <= start:
        issues.append(LocIssue(loc, f"{label}ends ({_clock(end, fps)}) before it starts ({_clock(start, fps)})"))
    elif out and start < out[-1][1]:
        issues.append(LocIssue(loc, f"{label}starts at {_clock(start, fps)}, before the previous caption ends "
                               f"({_clock(out[-1][1], fps)})"))
    else:
        out.append((start, end, text, loc, label))


def _which(loc: tuple, label: str) -> str:
    return label.rstrip(": ") if label else f"caption {loc[-1] + 1}"


def _clock(frame: int, fps: Fraction) -> str:
    ms = round(Fraction(frame) * 1000 / fps)
    return f"{ms // 60_000}:{ms // 1000 % 60:02d}.{ms % 1000:03d}"
