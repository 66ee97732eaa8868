"""After every render: read the film's own end card back from its pixels and refuse a card that
does not show each chosen service's exact number or keyword.

Whatever produced the card (a font with blank, missing or swapped glyphs, a colour, a
template, a merge field), what is checked is what the file shows. The Timeline says where the
card is, so only a few of its frames are decoded (by seeking, `toolkit.media.frames.frames_at`):
the first frame after any transition into the card has finished, and the middle of the card.
Each is read with the same OCR engine the grader uses (`toolkit.media.ocr`) and judged with
the same rules (`toolkit.care.cardread`): every number (and keyword/qualifier) the card draws
for a chosen service, custom services included, must be read exactly, and no number on the
card may belong to no service of the film's region.

A refusal is located where the fix is: the storyboard's text (heading, message, custom
service, fields) when Reel laid out the wrong text, else the fonts (`style.fonts`, or the
template) when the right text was drawn wrongly.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from toolkit.care.cardread import CardReading, CardService, custom_service, directory_service, read_card
from toolkit.care.helplines import load_directory
from toolkit.errors import Issue, PolicyError
from toolkit.film.pipeline import Prepared, card_text_location
from toolkit.film.plan.timeline import TextBlock, Timeline
from toolkit.media.frames import frames_at
from toolkit.media.ocr import OcrEngine, read_picture, shared_engine

READABLE_WIDTH = 540  # narrower renders are read too, but a refusal says to render wider
_SAME_PICTURE = 2.0  # mean grey-level difference under which two card frames are the same picture

SUMMARY = ("the end card as rendered does not show every helpline's exact number; the film was not saved "
           "(Reel reads its own end card after rendering, whatever font, colour, template or field drew it)")


@dataclass(frozen=True, slots=True)
class CardCheck:
    """What the card check read: the frames it looked at, each frame's lines, and its time."""

    frames: tuple[int, ...]
    lines: tuple[tuple[str, ...], ...]
    services: tuple[str, ...]  # names of the services read on every frame
    seconds: float


def card_frames(timeline: Timeline) -> tuple[int, ...]:
    """The end-card frames to read: its first fully shown frame (after any transition into it)
    and its middle frame."""
    seg = timeline.end_card
    first = min(seg.end - 1, seg.start + seg.transition_in.frames)
    return tuple(dict.fromkeys((first, first + (seg.end - first) // 2)))


def card_services(prepared: Prepared) -> tuple[list[CardService], list[CardService]]:
    """(chosen, known): the services the card must show (directory picks, then custom
    services), and every service whose numbers may appear (chosen first, then the region's
    directory in order of preference)."""
    sb = prepared.loaded.storyboard
    chosen = [directory_service(e) for e in prepared.selection.services]
    chosen += [custom_service(c.name, call=c.call, text=c.text, web=c.web) for c in sb.end_card.custom_services]
    taken = {s.id for s in chosen}
    region = load_directory().for_region(prepared.selection.region)
    return chosen, chosen + [directory_service(e) for e in region if e.id not in taken]


def planned_lines(timeline: Timeline) -> list[str]:
    """The end card's text lines exactly as Reel laid them out (before any font drew them)."""
    return [line.text for ov in timeline.overlays if ov.kind == "end_card"
            for block in ov.blocks if isinstance(block, TextBlock) for line in block.lines]


def check_card(prepared: Prepared, path: Path, *, timeline: Timeline | None = None,
               engine: OcrEngine | None = None) -> CardCheck:
    """Read the end card of the rendered film at `path`; raise `PolicyError` unless it shows every
    chosen service's exact number/keyword and no number that belongs to no service.

    `timeline` is the one rendered (a draft's proxied Timeline has the same frames as the plan).
    """
    started = time.perf_counter()
    timeline = timeline or prepared.timeline
    engine = engine or shared_engine()
    chosen, known = card_services(prepared)
    frames = card_frames(timeline)
    pictures = frames_at(path, frames)
    readings: list[CardReading] = []
    previous: Any = None
    for picture in pictures:
        if previous is not None and _same(previous.rgb, picture.rgb):
            readings.append(readings[-1])  # the card does not move: the same picture reads the same
        else:
            lines = [line.text for line in read_picture(engine, picture.rgb)]
            readings.append(read_card(lines, known))
        previous = picture
    planned = read_card(planned_lines(timeline), known)
    issues: list[Issue] = []
    for picture, reading in zip(pictures, readings, strict=True):
        issues += _problems(prepared, picture.index / float(timeline.canvas.fps), reading, planned, chosen)
    if issues:
        # both frames usually show the same fault: report it once, at the first frame
        issues = list({(i.path, i.code, re.sub(r"\bat \d+\.\d+ s\b.*", "", i.message)): i
                       for i in reversed(issues)}.values())[::-1]
        if timeline.canvas.width < READABLE_WIDTH:
            issues.append(prepared.loaded.document.issue(
                ["end_card"], f"this render is {timeline.canvas.width} px wide; the card check reads it only "
                f"reliably from {READABLE_WIDTH} px (a draft's width) up", severity="info", code="end-card-read"))
        raise PolicyError(issues, summary=SUMMARY)
    names = tuple(s.name for s in chosen)
    return CardCheck(frames, tuple(r.lines for r in readings), names, round(time.perf_counter() - started, 3))


def _same(a: Any, b: Any) -> bool:
    return a.shape == b.shape and float(abs(a.astype("int16") - b.astype("int16")).mean()) < _SAME_PICTURE


def _problems(prepared: Prepared, seconds: float, reading: CardReading, planned: CardReading,
              chosen: list[CardService]) -> list[Issue]:
    doc = prepared.loaded.document
    shown = " / ".join(f"“{t}”" for t in reading.lines) or "nothing (no text was found)"
    at = f"at {seconds:.2f} s"
    where = f"{at} the card reads {shown}"
    out: list[Issue] = []
    for index, service in enumerate(chosen):
        custom = index - len(prepared.selection.services)
        for contact in reading.missing(service):
            partial = [p for p in reading.partial(service) if p.contact == contact]
            why = ""
            if partial and contact.keyword:
                why = f" (the number was read without the keyword {contact.keyword})"
            elif partial and contact.qualifier:
                why = f" (the number was read without “{contact.qualifier}”)"
            message = f"{service.name}: “{contact.shown}” is not on the rendered end card{why}; {where}"
            if planned.read(service, contact):
                out.append(doc.issue(_font_loc(doc), message + _FONT_HINT, code="end-card-unreadable"))
            elif custom >= 0:
                out.append(doc.issue(["end_card", "custom_services", custom, contact.kind], message,
                                     code="end-card-unreadable"))
            else:
                out.append(doc.issue(["end_card"], message, code="end-card-unreadable"))
    laid_out = {re.sub(r"\D", "", w.number) for w in planned.wrong}
    for wrong in reading.wrong:
        message = f"{wrong.message} (read “{wrong.line}” on the rendered end card {at})"
        if re.sub(r"\D", "", wrong.number) in laid_out:
            # Reel laid out this number itself: the words are wrong, wherever they came from
            out.append(doc.issue(card_text_location(prepared.loaded, wrong.number), message + "; numbers on the "
                                 "end card must be the helplines' own", code="end-card-foreign-number"))
        elif wrong.beside is None and not any(_digits_in(wrong.number, t) for t in planned.lines):
            # not in any text Reel drew, nor under a service: a picture on the card shows it
            out.append(doc.issue(["template"] if _raw(doc, "template") is not None else ["end_card"],
                                 message + "; it is not in the card's text, so a picture drawn over the card "
                                 "(the template's logo?) shows it", code="end-card-foreign-number"))
        else:
            out.append(doc.issue(_font_loc(doc), message + _FONT_HINT, code="end-card-wrong-number"))
    return out


def _digits_in(number: str, text: str) -> bool:
    return re.sub(r"\D", "", number) in re.sub(r"\D", "", text)


_FONT_HINT = ("; Reel laid out the right text, so the font (or its colours) drew it wrongly: a font whose glyphs "
              "are blank, lack digits or swap them can't be used for the end card")


def _raw(doc: Any, *keys: str) -> Any:
    node = doc.data
    for key in keys:
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node


def _font_loc(doc: Any) -> list:
    """Where the end card's fonts were chosen: the storyboard's `style.fonts`, else its
    `style`, else its `template`."""
    if _raw(doc, "style", "fonts") is not None:
        return ["style", "fonts"]
    if _raw(doc, "style") is not None:
        return ["style"]
    return ["template"] if _raw(doc, "template") is not None else ["end_card"]
