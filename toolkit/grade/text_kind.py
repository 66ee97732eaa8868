"""Telling burned-in captions from text in the footage (issue 13 §2).

The safe-zone check must fail a film whose captions sit under the platform's buttons, but
not one whose footage holds a street sign, a book cover, a phone screen or a T-shirt. Lines
read at the OCR samples are grouped into *tracks* (the same words at about the same place
over time) and each track is judged from what it does:

* it **moves with the footage** (its letters are found again a few pixels away a moment
  earlier, or its box drifts between samples): text in the footage;
* it **holds still while the footage behind it moves**: a caption;
* it **appears or disappears with a picture cut**, or **stays while the captions change**
  around it (two changes or more): text in the footage;
* it **appears or disappears with a change of text**, without a picture cut: a caption.

When the evidence is missing or balanced the track is `uncertain`: still reported (so a
tutor can look), never a must-fix failure. Text the grader knows Reel drew (`KnownText`,
from the storyboard or the clip's metadata) is matched first and is a caption by definition.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from toolkit.geometry import Box
from toolkit.grade.text_look import LOOK_LAG

if TYPE_CHECKING:
    from toolkit.grade.known_text import KnownText
    from toolkit.grade.ocr import OcrSample, TextLine

Kind = Literal["caption", "scene", "uncertain"]
# how the stills of lines that are not counted as captions are captioned (the HTML report
# shows them in their own section, whether the check passed or not)
STILL_LABELS: dict[Kind, str] = {"scene": "text in the footage, not a caption", "uncertain": "caption or footage?"}

SAME_TEXT = 0.6  # similarity (0–1) above which two readings are the same words
MOVED_CHANGE = 6.0  # grey levels: the letters changed in place by at least this much ...
SHIFT_EXPLAINS = 0.5  # ... and a small shift explains at least half of that change: the text moved
STILL_CHANGE = 5.0  # grey levels: the letters did not change in place
FOOTAGE_MOVING = 1.5  # grey levels: the picture around the line changed (the footage moves; codec noise
# on a still picture stays below 0.5) -- and twice as much as the letters did, for "held still"
DRIFT_PX = 16  # reference px a box may wander between samples (detection jitter) before it counts as moved
DRIFT_SHARE = 0.3  # ... or this share of the line's height, whichever is larger
STAYS_ACROSS = 2  # changes of other text a line must outlast to count as part of the footage
LOW_CONTRAST = 100.0  # grey levels (5th–95th percentile) below which a line reads like text in the footage
KNOWN_TIME_SLACK = 0.5  # s: a reading matches known text shown within this much of its time
KNOWN_MIN_OVERLAP = 0.5  # share of the read box inside the known box (grown by `SAFE` slack)
KNOWN_BOX_SLACK = 24  # reference px the known box is grown by (outline, detection margin)


@dataclass(slots=True)
class Track:
    """One text line followed across samples: `hits` are (sample index, line) in time order."""

    hits: list[tuple[int, TextLine]] = field(default_factory=list)

    @property
    def first(self) -> int:
        """Index of the first sample the line was read at."""
        return self.hits[0][0]

    @property
    def last(self) -> int:
        """Index of the last sample the line was read at."""
        return self.hits[-1][0]

    @property
    def text(self) -> str:
        """The longest reading (OCR of the same line varies a little between samples)."""
        return max((line.text for _, line in self.hits), key=len)


@dataclass(frozen=True, slots=True)
class Judgement:
    """What a track was judged to be, and why (in words for the report)."""

    kind: Kind
    reasons: tuple[str, ...]
    known: bool = False  # matched text Reel says it drew


def _norm(text: str) -> str:
    return re.sub(r"[^0-9a-z]+", " ", text.lower()).strip()


def similar(a: str, b: str) -> float:
    """How alike two readings are (0–1), ignoring case and punctuation."""
    if a.strip() and a.strip() == b.strip():
        return 1.0  # also for readings with no letters or digits ("●")
    a, b = _norm(a), _norm(b)
    if not a or not b:
        return 0.0
    if a in b or b in a:
        return min(len(a), len(b)) / max(len(a), len(b)) * 0.5 + 0.5
    return difflib.SequenceMatcher(None, a, b).ratio()


def _centre(box: Box) -> tuple[float, float]:
    return box.x + box.w / 2, box.y + box.h / 2


def _near(a: Box, b: Box) -> bool:
    """Close enough to be the same line a sample later (moving text drifts; allow a few heights)."""
    (ax, ay), (bx, by) = _centre(a), _centre(b)
    reach = 3 * max(a.h, b.h, 24)
    return abs(ax - bx) <= max(reach, (a.w + b.w) / 2) and abs(ay - by) <= reach


def build_tracks(samples: Sequence[OcrSample], scene_changes: Sequence[float] = ()) -> list[Track]:
    """Group the lines of `samples` into tracks: a line joins the track that was read at the
    previous sample or the one before with similar words near the same place. Across a picture
    cut only the same words in the same place carry on (a new shot's text is new text)."""
    tracks: list[Track] = []
    for i, sample in enumerate(samples):
        taken: set[int] = set()
        for line in sample.lines:
            best, best_score = None, SAME_TEXT
            for k, track in enumerate(tracks):
                if k in taken or track.last < i - 2:
                    continue
                prev = track.hits[-1][1]
                score = similar(prev.text, line.text)
                if _cut_between(scene_changes, samples[track.last].time, sample.time) and (
                        _norm(prev.text) != _norm(line.text) or _drift(prev.box, line.box) > DRIFT_PX):
                    continue
                if score >= best_score and _near(prev.box, line.box):
                    best, best_score = k, score
            if best is None:
                tracks.append(Track([(i, line)]))
                taken.add(len(tracks) - 1)
            else:
                tracks[best].hits.append((i, line))
                taken.add(best)
    return tracks


def _cut_between(scene_changes: Sequence[float], a: float, b: float) -> bool:
    return any(a < t <= b + 1e-6 for t in scene_changes)


def _text_changes(tracks: Sequence[Track], me: int, counted: Sequence[bool]) -> list[int]:
    """Sample indices at which another caption-like track (`counted`) starts or has just ended."""
    out = set()
    for k, t in enumerate(tracks):
        if k != me and counted[k]:
            out.add(t.first)
            out.add(t.last + 1)
    return sorted(out)


def _swapped(tracks: Sequence[Track], me: int, counted: Sequence[bool], edge: int, box: Box, *,
             appearing: bool) -> bool:
    """Whether, at sample `edge`, another caption-like track ended (if this one is `appearing`)
    or began (if this one is disappearing) in the same place."""
    for k, t in enumerate(tracks):
        if k == me or not counted[k]:
            continue
        if appearing and t.last == edge - 1:
            other = t.hits[-1][1].box
        elif not appearing and t.first == edge:
            other = t.hits[0][1].box
        else:
            continue
        across = min(box.right, other.right) - max(box.x, other.x)
        down = min(box.bottom, other.bottom) - max(box.y, other.y)
        if across > 0 and down >= 0.5 * min(box.h, other.h):
            return True
    return False


def _drift(a: Box, b: Box) -> float:
    """How far a line's box moved: the least of its left edge, right edge and centre across (a
    reading cut short moves one edge only), and its centre down."""
    dx = min(abs(a.x - b.x), abs(a.right - b.right), abs(a.x + a.w / 2 - b.x - b.w / 2))
    return max(dx, abs(a.y + a.h / 2 - b.y - b.h / 2))


@dataclass(frozen=True, slots=True)
class _Motion:
    """What the pixels say: votes that the line moved or changed with the footage, or held still over it."""

    moved: int
    changed: int
    still: int
    reasons_scene: tuple[str, ...]
    reasons_caption: tuple[str, ...]
    contrast: float | None


def _motion(track: Track, samples: Sequence[OcrSample]) -> _Motion:
    moved = changed = still = 0
    scene: list[str] = []
    caption: list[str] = []
    fresh = [(i, line) for i, line in track.hits if not samples[i].reused]
    for n, (i, line) in enumerate(fresh):
        look, t = line.look, samples[i].time
        appearing = n == 0 and i > 0  # it may have just appeared: a change in place says nothing
        if look is not None and look.text_change is not None and look.shifted_change is not None:
            around = look.around_change or 0.0
            if (look.text_change >= MOVED_CHANGE and look.shift != (0, 0)
                    and look.shifted_change <= SHIFT_EXPLAINS * look.text_change):
                moved += 1
                scene.append(f"its letters moved with the footage ({look.shift[0]:+d}, {look.shift[1]:+d} px "
                             f"in {LOOK_LAG:g} s at {t:.1f} s)")
            elif look.text_change >= MOVED_CHANGE and around >= FOOTAGE_MOVING and not appearing:
                changed += 1
                scene.append(f"its letters changed as the footage around it did ({t:.1f} s)")
            elif look.text_change <= STILL_CHANGE and around >= FOOTAGE_MOVING and look.text_change <= around / 2:
                still += 1
                caption.append(f"held still while the footage behind it moved ({t:.1f} s)")
        if n > 0:
            prev_i, prev = fresh[n - 1]
            drift = _drift(prev.box, line.box)
            if drift > max(DRIFT_PX, DRIFT_SHARE * max(prev.box.h, line.box.h)):
                moved += 1
                scene.append(f"its box drifted {drift:.0f} px between {samples[prev_i].time:.1f} s and {t:.1f} s")
    contrast = max((line.look.contrast for _, line in track.hits if line.look is not None), default=None)
    # the first reason of each kind ("moved", "changed", "drifted") is enough to say why
    firsts = {next(w for w in ("moved", "changed", "drifted") if w in r): r for r in reversed(scene)}
    return _Motion(moved, changed, still, tuple(r for r in scene if r in firsts.values()), tuple(caption[:1]),
                   contrast)


def judge(track: Track, samples: Sequence[OcrSample], tracks: Sequence[Track], me: int,
          scene_changes: Sequence[float] = (), motions: Sequence[_Motion] | None = None) -> Judgement:
    """Caption, text in the footage, or uncertain, with the reasons, for `tracks[me]`.

    First the pixels: a line that moved with the footage is part of it; one that held still
    while the footage moved is laid over it. Otherwise its timing against picture cuts and
    against the other caption-like text, and its contrast, are weighed.
    """
    motions = motions if motions is not None else [_motion(t, samples) for t in tracks]
    mine = motions[me]
    if mine.moved > mine.still:
        return Judgement("scene", mine.reasons_scene)
    if mine.still > mine.moved:
        return Judgement("caption", mine.reasons_caption)
    # the other text that counts as captions changing: not moving with the footage, not faint
    counted = [m.moved <= m.still and (m.contrast is None or m.contrast >= LOW_CONTRAST) for m in motions]
    scene_score, caption_score = 0, 0
    reasons_scene: list[str] = []
    reasons_caption: list[str] = []
    if mine.changed:
        scene_score += 1
        reasons_scene += [r for r in mine.reasons_scene if "changed" in r][:1]
    changes = _text_changes(tracks, me, counted)
    with_cut, with_text = [], []
    for edge, verb in ((track.first, "appeared"), (track.last + 1, "disappeared")):
        if edge <= 0 or edge >= len(samples):
            continue  # there from the first sample or to the last: says nothing
        a, b = samples[edge - 1].time, samples[edge].time
        mine_box = track.hits[0][1].box if edge == track.first else track.hits[-1][1].box
        if _swapped(tracks, me, counted, edge, mine_box, appearing=edge == track.first):
            # captions replace each other in one place, with or without a cut of the picture
            what = "took the place of other text" if edge == track.first else "gave its place to other text"
            with_text.append(f"{what} ({b:.1f} s)")
        elif _cut_between(scene_changes, a, b):
            with_cut.append(f"{verb} with a picture cut ({a:.1f}–{b:.1f} s)")
        elif edge in changes:
            with_text.append(f"{verb} when the captions changed, without a picture cut ({b:.1f} s)")
    # each kind of timing counts once: a line read at one sample both appears and disappears;
    # a line that took or gave its place to other text is in a run of captions, whose changes
    # often fall on picture cuts (a slideshow): then the cuts say nothing
    if with_cut and not with_text:
        scene_score += 1
        reasons_scene += with_cut
    if with_text:
        caption_score += 1
        reasons_caption += with_text
    outlasted = [c for c in changes if track.first < c <= track.last]
    if len(outlasted) >= STAYS_ACROSS:
        scene_score += 1
        reasons_scene.append(f"stayed on screen while the captions changed {len(outlasted)} times")
    if mine.contrast is not None and mine.contrast < LOW_CONTRAST:
        scene_score += 1
        reasons_scene.append(f"low contrast for a caption ({mine.contrast:.0f} grey levels between its darkest "
                             "and lightest pixels)")
    if scene_score > caption_score:
        return Judgement("scene", tuple(reasons_scene))
    if caption_score > scene_score:
        return Judgement("caption", tuple(reasons_caption))
    why = reasons_scene + reasons_caption or ["no motion, cut or change of captions to judge it by"]
    return Judgement("uncertain", ("the evidence is balanced: " + "; ".join(why),))


def matches_known(line: TextLine, time: float, known: Sequence[KnownText]) -> KnownText | None:
    """The known text (Reel's own) this reading is: shown at `time` (± `KNOWN_TIME_SLACK`),
    the read box mostly inside the known box, similar words; None if there is none."""
    for k in known:
        if not k.start - KNOWN_TIME_SLACK <= time <= k.end + KNOWN_TIME_SLACK:
            continue
        grown = Box(k.box.x - KNOWN_BOX_SLACK, k.box.y - KNOWN_BOX_SLACK, k.box.w + 2 * KNOWN_BOX_SLACK,
                    k.box.h + 2 * KNOWN_BOX_SLACK)
        b = line.box
        ix = max(0, min(b.right, grown.right) - max(b.x, grown.x))
        iy = max(0, min(b.bottom, grown.bottom) - max(b.y, grown.y))
        if b.w * b.h == 0 or ix * iy / (b.w * b.h) < KNOWN_MIN_OVERLAP:
            continue
        words = _norm(k.text)
        if similar(line.text, k.text) >= SAME_TEXT or (_norm(line.text) and _norm(line.text) in words):
            return k
    return None


def classify(samples: Sequence[OcrSample], scene_changes: Sequence[float] = (),
             known: Sequence[KnownText] | None = None) -> list[tuple[Track, Judgement]]:
    """Every track of `samples` with its judgement. A track any of whose readings matches
    `known` text is Reel's own caption; without `known` every track is judged by its look."""
    tracks = build_tracks(samples, scene_changes)
    motions = [_motion(t, samples) for t in tracks]
    out = []
    for me, track in enumerate(tracks):
        hit = None
        if known:
            hit = next((k for i, line in track.hits if (k := matches_known(line, samples[i].time, known))), None)
        if hit is not None:
            out.append((track, Judgement("caption", (f"Reel drew it ({hit.kind} “{hit.text}”)",), known=True)))
        else:
            out.append((track, judge(track, samples, tracks, me, scene_changes, motions)))
    return out
