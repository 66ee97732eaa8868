"""The helpline end card's layout: its designed sizes kept whenever the services fit.

The card stacks its heading, its message and, for each service, the name, the contact lines
and the hours, centred in the safe box. When that does not fit (a third or fourth service, a
custom one, a long message), the space is used better before any text gets smaller:

1. the designed layout (a 24 px gap between every paragraph), unchanged from earlier Reels;
2. each service's lines kept as one group (8 px, then 0 px, between its name, contacts and
   hours; still 24 px between services): the line spacing alone separates a service's lines;
3. the same without the "Open 24/7" lines (the one optional line: a 24/7 service is open when
   the viewer calls). Limited hours and "Check opening hours" are never left out: a viewer must
   know when a line is closed;
4. only then smaller type: the heading and message first (down to the services' size), then
   everything, and never below the smallest sizes a template may design for the card (48 px
   heading, 40 px text, 32 px hours: `EndCardLook` in the template schema). Reel's reference numbers have
   no smaller readable size for the card: the BBC's 9:16 subtitle size (a line height of 3.9 %
   of the frame, 75 px at 1920) is above the default card's 50 px already.

One column always: the card check reads the card's lines in order (a number belongs to the name
above it, a keyword must be on its number's line), and two columns would interleave them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from fractions import Fraction
from itertools import pairwise

from toolkit.film.plan.inputs import EndCardContent, Fonts, LocIssue, PlanInputs
from toolkit.film.plan.layout import Measurer, Style, TextDoesNotFit, anchored_top, line_height, place_lines, wrap
from toolkit.film.plan.timeline import TextBlock
from toolkit.film.template.models import EndCardLook, Template
from toolkit.geometry import REFERENCE_SAFE

GAP = 24  # px between the card's paragraphs in the designed layout
INNER_GAPS = (8, 0)  # px between a service's own lines when room is short, tried in turn
SHRINK_STEPS = (0.95, 0.9, 0.85, 0.8, 0.75, 0.7)


def _designable_minimum(field: str) -> int:
    """The smallest value the template schema lets a designer give the end card's `field`."""
    return next(int(m.ge) for m in EndCardLook.model_fields[field].metadata if hasattr(m, "ge"))


MIN_HEADING_SIZE = _designable_minimum("heading_size")  # 48 px
MIN_TEXT_SIZE = _designable_minimum("size")  # 40 px
HOURS_SCALE = 0.8  # hours are drawn at 80 % of the card's text size
_ROUND_THE_CLOCK = re.compile(r"(?:open\s+)?24\s*/\s*7\.?", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class CardPart:
    """One paragraph of the card: `group` 0 is the heading, 1 the message, 2 + k service k."""

    text: str
    style: Style
    group: int
    optional: bool = False  # a line the card may leave out for room ("Open 24/7")
    minimum: int = 0  # px: never drawn smaller (nor larger than designed when that is smaller)


@dataclass(frozen=True, slots=True)
class CardFit:
    """How a card was fitted: its blocks, the sizes used and what was left out."""

    blocks: tuple[TextBlock, ...]
    sizes: tuple[int, ...]  # px at reference scale, one per part shown
    inner_gap: int  # px between a service's own lines
    left_out: tuple[str, ...]  # names of the services whose "Open 24/7" line was left out


def card_parts(card: EndCardContent, tpl: Template, fonts: Fonts) -> list[CardPart]:
    """The card's paragraphs in reading order, at the template's designed sizes."""
    look = tpl.end_card
    text_color = (look.color or tpl.palette.text)[:7]
    number_color = (look.number_color or tpl.palette.accent)[:7]
    heading_color = (look.heading_color or tpl.palette.text)[:7]
    parts = [CardPart(card.heading, Style(fonts.heading, look.heading_size, heading_color), 0,
                      minimum=MIN_HEADING_SIZE)]
    if card.message:
        parts.append(CardPart(card.message, Style(fonts.body, look.size, text_color), 1, minimum=MIN_TEXT_SIZE))
    for k, service in enumerate(card.services, 2):
        parts.append(CardPart(service.name, Style(fonts.heading, look.size, text_color), k, minimum=MIN_TEXT_SIZE))
        parts.append(CardPart("\n".join(service.contacts), Style(fonts.heading, look.size, number_color), k,
                              minimum=MIN_TEXT_SIZE))
        if service.hours:
            parts.append(CardPart(service.hours, Style(fonts.body, int(look.size * HOURS_SCALE), text_color), k,
                                  optional=bool(_ROUND_THE_CLOCK.fullmatch(service.hours.strip())),
                                  minimum=int(MIN_TEXT_SIZE * HOURS_SCALE)))
    return parts


def readable_size(part: CardPart) -> int:
    """The smallest size `part` may shrink to: its minimum, or its designed size if that is smaller."""
    return min(part.style.size, part.minimum)


def lay_out_card(inp: PlanInputs, parts: Sequence[CardPart], issues: list[LocIssue]) -> tuple[TextBlock, ...] | None:
    """The card's text blocks, fitted by `fit_card`; None after saying why nothing fits."""
    fit = fit_card(parts, inp.measurer, inp.canvas.scale)
    if fit is None:
        card = inp.storyboard.end_card  # located at what the trainee can shorten
        where = next(((key,) for key in ("message", "custom_services", "heading") if getattr(card, key)), ())
        issues.append(LocIssue(("end_card", *where), "the helpline end card is too long to fit inside the safe box "
                               f"even with its text at {MIN_TEXT_SIZE} px (the heading at {MIN_HEADING_SIZE} px); "
                               "shorten its heading or message, or list fewer custom services and name them in the "
                               "post text"))
        return None
    if fit.left_out:
        issues.append(LocIssue(("end_card",), "the end card leaves out “Open 24/7” under "
                               f"{_names(fit.left_out)} to keep its text at its designed size",
                               severity="info", code="end-card-compact"))
    return fit.blocks


def fit_card(parts: Sequence[CardPart], measurer: Measurer, scale: Fraction) -> CardFit | None:
    """The first layout of the ladder in the module docstring that fits the safe box, or None."""
    designed = [p.style.size for p in parts]
    plain = [True] * len(parts)
    kept = [not p.optional for p in parts]
    compact = INNER_GAPS[-1]
    attempts: list[tuple[list[int], int, list[bool]]] = [(designed, GAP, plain)]
    attempts += [(designed, inner, plain) for inner in INNER_GAPS]
    attempts += [(designed, compact, kept)]
    services = max((p.style.size for p in parts if p.group >= 2), default=MIN_TEXT_SIZE)
    sizes = designed
    for shrink in SHRINK_STEPS:  # the heading and message first, never below the services' size
        sizes = [p.style.size if p.group >= 2 else max(min(p.style.size, max(services, readable_size(p))),
                                                       int(p.style.size * shrink)) for p in parts]
        attempts.append((sizes, compact, kept))
    first = sizes
    for shrink in SHRINK_STEPS:  # then everything
        attempts.append(([min(top, max(readable_size(p), int(p.style.size * shrink)))
                          for p, top in zip(parts, first, strict=True)], compact, kept))
    tried: set[tuple] = set()
    for sizes, inner, shown in attempts:
        key = (tuple(sizes), inner, tuple(shown))
        if key in tried:
            continue
        tried.add(key)
        fit = _try(parts, sizes, inner, shown, measurer, scale)
        if fit is not None:
            return fit
    return None


def _try(parts: Sequence[CardPart], sizes: Sequence[int], inner: int, shown: Sequence[bool],
         measurer: Measurer, scale: Fraction) -> CardFit | None:
    chosen = [(p, replace(p.style, size=s, pad_x=0.0, pad_y=0.0)) for p, s, on in zip(parts, sizes, shown, strict=True)
              if on]
    try:
        wrapped = [wrap(p.text, REFERENCE_SAFE.w - 16, st, measurer) for p, st in chosen]
    except TextDoesNotFit:
        return None
    gaps = [0] + [GAP if a.group != b.group else inner
                  for (a, _), (b, _) in pairwise(chosen)]
    height = sum(len(w) * line_height(st) for w, (_, st) in zip(wrapped, chosen, strict=True)) + sum(gaps)
    if height > REFERENCE_SAFE.h - 16:
        return None
    top = anchored_top(REFERENCE_SAFE, height, "middle")
    blocks = []
    for w, (_, st), gap in zip(wrapped, chosen, gaps, strict=True):
        top += gap
        blocks.append(place_lines(w, st, top=top, center_x=REFERENCE_SAFE.x + REFERENCE_SAFE.w // 2,
                                  scale=scale, measurer=measurer))
        top += len(w) * line_height(st)
    left_out = tuple(dict.fromkeys(_service_name(parts, p.group) for p, on in zip(parts, shown, strict=True)
                                   if not on))
    return CardFit(tuple(blocks), tuple(st.size for _, st in chosen), inner, left_out)


def _service_name(parts: Sequence[CardPart], group: int) -> str:
    return next(p.text for p in parts if p.group == group).replace("\u00a0", " ")


def _names(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
