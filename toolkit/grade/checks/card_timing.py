"""Where the end card sits among a clip's OCR samples, and where helplines are only mentioned.

The end card is the final block of helpline text that stays on screen until the end: the last
run of samples, reaching the clip's last sample, whose lines read the card's services at the
card's places. A helpline number in a caption earlier in the film (even right before the
card) is a *mention*: good practice, reported on its own, never the card's start.

* **What a service line is.** A line on which `toolkit.care.cardread` identifies a support
  service by its exact number (and keyword/qualifier): the same rules as everywhere else.
* **Same card.** A sample belongs to the card when at least `min(2, most)` of the card's
  services are read on lines at the card's places (vertical centres within half a line, the
  lines overlapping side to side) with the card's words (similar text; a fading frame misreads a
  letter or two). A caption that quotes one of the card's numbers elsewhere on the picture, or
  in other words, is not the card.
* **Until the end.** After the card's last sample only samples with no text, or with nothing
  but the card's own lines (a fade to black), may follow; any other text means the film does
  not end on its card.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from toolkit.care.cardread import CardService, read_card
from toolkit.geometry import Box
from toolkit.grade.ocr import OcrSample

if TYPE_CHECKING:
    from toolkit.grade.picture import PictureStats

__all__ = ["CardLine", "CardPlace", "Mention", "find_card", "find_mentions", "service_lines", "when_changed"]

PICTURE_MOVED = 1.0  # mean grey-level change that marks the frame where a card appears or goes
FADE_STEP = 0.08  # mean grey-level change per frame of a card fading in (codec noise on a still: ~0.01)
MAX_FADE = 2.0  # s: a longer run of small changes is footage moving slowly, not a card fading in
CARD_SPIKE = 3.0  # on moving footage, a frame changing this many times the median marks the card's cut
MIN_SERVICES = 2  # standards §8.2: a card shows at least two services; a smaller card counts from its most
_SAME_WORDS = 0.75  # similarity of two readings of one card line (difflib ratio over letters and digits)


@dataclass(frozen=True, slots=True)
class CardLine:
    """One OCR line and the services identified on it."""

    text: str
    box: Box
    services: tuple[CardService, ...]


@dataclass(frozen=True, slots=True)
class CardPlace:
    """The end card: samples `first`..`last` (indices) show it; `services` is every service it read."""

    first: int
    last: int
    services: tuple[CardService, ...]


@dataclass(frozen=True, slots=True)
class Mention:
    """Helpline numbers read before the card: samples `first`..`last` (a caption's stay)."""

    first: int
    last: int
    services: tuple[CardService, ...]


def service_lines(samples: Sequence[OcrSample], services: Sequence[CardService]) -> list[tuple[CardLine, ...]]:
    """For each sample, its lines (all of them), each with the support services read on it alone
    (emergency numbers are known but are no helpline: a "Call 999" line is not a card)."""
    out: list[tuple[CardLine, ...]] = []
    for i, sample in enumerate(samples):
        if sample.reused and i:  # the same picture: the same reading
            out.append(out[-1])
            continue
        out.append(tuple(CardLine(line.text, line.box, read_card([line.text], services).counted)
                         for line in sample.lines))
    return out


def find_card(lines: Sequence[tuple[CardLine, ...]]) -> CardPlace | None:
    """The end card among the samples' `lines` (from `service_lines`), or None when the film
    does not end on helpline text."""
    last = next((i for i in range(len(lines) - 1, -1, -1) if _with_services(lines[i])), None)
    if last is None:
        return None
    card = list(_with_services(lines[last]))
    if not all(_inside(line, lines[last]) for later in lines[last + 1:] for line in later):
        return None  # other text follows: the film ends on something else
    ids = {s.id for line in card for s in line.services}
    first = last
    while first > 0:
        shown = {s.id for line in _with_services(lines[first - 1]) if any(_same(line, c) for c in card)
                 for s in line.services} & ids
        if len(shown) < min(MIN_SERVICES, len(ids)):
            break
        first -= 1
        card += [line for line in _with_services(lines[first]) if not any(_same(line, c) for c in card)]
        ids |= {s.id for line in card for s in line.services}
    services = {s.id: s for i in range(first, last + 1) for line in lines[i] for s in line.services}
    return CardPlace(first, last, tuple(services.values()))


def find_mentions(lines: Sequence[tuple[CardLine, ...]], before: int) -> list[Mention]:
    """Helpline numbers read in samples before index `before`, one `Mention` per stretch of
    consecutive samples that read them."""
    out: list[Mention] = []
    for i in range(min(before, len(lines))):
        here = {s.id: s for line in lines[i] for s in line.services}
        if not here:
            continue
        if out and out[-1].last == i - 1:
            merged = {s.id: s for s in out[-1].services} | here
            out[-1] = Mention(out[-1].first, i, tuple(merged.values()))
        else:
            out.append(Mention(i, i, tuple(here.values())))
    return out


def when_changed(pic: PictureStats | None, after: float, upto: float, *, last: bool) -> float | None:
    """The frame in (after, upto] where the card appeared (`last`: the last change before it is
    read) or went (the first change), if the picture tells; None leaves the sample's own time,
    at most one sample step (`toolkit.grade.ocr.DENSE_STEP`) from the truth.

    On a still background a cut is the frame that changed. A fade (frames changing a little,
    more than codec noise, one after another, after a still picture, for at most `MAX_FADE`)
    counts from halfway through: the card is read at half strength. Slow footage changes a
    little all the time: there the cut counts. On moving footage every frame changes, so the
    frame whose change stands out (`CARD_SPIKE` times the interval's median) is taken, and
    nothing when none does.
    """
    if pic is None:
        return None
    inside = np.flatnonzero((pic.times > after + 1e-6) & (pic.times <= upto + 1e-6))
    if not len(inside):
        return None
    changes = pic.change[inside]
    typical = float(np.median(changes))
    if typical >= PICTURE_MOVED:  # moving footage
        k = int(np.argmax(changes))
        return float(pic.times[inside[k]]) if changes[k] >= CARD_SPIKE * typical else None
    if not last:
        idx = np.flatnonzero(changes >= PICTURE_MOVED)
        return float(pic.times[inside[idx[0]]]) if len(idx) else None
    cuts = np.flatnonzero(changes >= PICTURE_MOVED)
    fading = np.flatnonzero(changes >= FADE_STEP)
    if not len(fading):
        return None
    begin = int(inside[cuts[-1]]) if len(cuts) else int(inside[fading[-1]])
    if not len(cuts):  # a fade from nothing: back to where its run of changing frames began
        while begin > 0 and pic.times[begin - 1] > after + 1e-6 and pic.change[begin - 1] >= FADE_STEP:
            begin -= 1
    end = begin  # the fade may run past the sample that read the card
    while end + 1 < len(pic.change) and pic.change[end + 1] >= FADE_STEP:
        end += 1
    moving = begin > 0 and pic.change[begin - 1] >= FADE_STEP  # it was changing before this began, too
    if moving or pic.times[end] - pic.times[begin] > MAX_FADE:  # slow footage, not a fade: the cut, if any
        return float(pic.times[inside[cuts[-1]]]) if len(cuts) else None
    return min(float(pic.times[begin] + pic.times[end]) / 2, upto)


def _with_services(lines: Sequence[CardLine]) -> tuple[CardLine, ...]:
    return tuple(line for line in lines if line.services)


def _words(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", text.lower())


def _same_place(a: Box, b: Box) -> bool:
    dy = abs((a.y + a.bottom) - (b.y + b.bottom)) / 2
    return dy <= max(a.h, b.h) / 2 and min(a.right, b.right) > max(a.x, b.x)


def _same(a: CardLine, b: CardLine) -> bool:
    """Two readings of one card line: the same place and (nearly) the same words."""
    return (_same_place(a.box, b.box)
            and difflib.SequenceMatcher(None, _words(a.text), _words(b.text)).ratio() >= _SAME_WORDS)


def _inside(line: CardLine, card: Sequence[CardLine]) -> bool:
    """`line` is one of the card's own lines (read again as the card fades out)."""
    return any(_same(line, c) for c in card)
