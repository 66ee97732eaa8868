"""Checks on the text read from the picture: end card, content warning, captions, safe zone,
safe-messaging language (standards §2.2, §7, §8, §9)."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from toolkit.care.cardread import CardReading, CardService, WrongNumber, directory_service, read_card
from toolkit.care.lint import lint_text
from toolkit.geometry import REFERENCE_HEIGHT, REFERENCE_WIDTH, Box, describe_safe_zone
from toolkit.grade.checks.base import CheckSpec, flag, number, unavailable
from toolkit.grade.checks.card_timing import CardLine, find_card, find_mentions, service_lines, when_changed
from toolkit.grade.moments import Still, TimeSpan
from toolkit.grade.ocr import DENSE_STEP, OcrSample
from toolkit.grade.results import Observation
from toolkit.grade.text_kind import STILL_LABELS, classify

if TYPE_CHECKING:
    from toolkit.care.helplines import HelplineEntry
    from toolkit.grade.context import GradeContext
    from toolkit.grade.known_text import KnownText
    from toolkit.grade.measure import Measurements
    from toolkit.grade.picture import PictureStats
    from toolkit.media.probe import MediaInfo

SAFE_TOLERANCE = 8  # reference px a text box may poke out of the safe box (box-detection slack)
AUDIBLE_LUFS = -50.0  # short-term loudness above which a moment counts as having sound
MAX_STILLS = 8
MAX_MENTIONS = 8  # helpline mentions listed in the end card's notes (the first ones)

_WARNING = re.compile(r"\b(?:content|trigger)\s*(?:warning|note)\b|\bwarning\b|\b(?:cw|tw)\b|\btalks? about\b|"
                      r"\bmentions?\b|\bdiscuss(?:es)?\b|\bcontains?\b|\bsensitive\b", re.IGNORECASE)
_TOPIC_WORDS = {
    "suicide": re.compile(r"suicid", re.IGNORECASE),
    "self-harm": re.compile(r"self[\s\-]*harm|self[\s\-]*injur", re.IGNORECASE),
    "eating-disorders": re.compile(r"eating\s*disorder|anorexi|bulimi", re.IGNORECASE),
}


def _no_text(check: str, m: Measurements) -> Observation | None:
    if m.text is None:
        return unavailable(check, "on-screen text was not read (OCR switched off)")
    return None


# ------------------------------------------------------------------ end card


def card_services(ctx: GradeContext) -> tuple[CardService, ...]:
    """Every service of the film's region whose numbers may appear on its card, in directory
    order (emergency and superseded numbers are known, so never "wrong", but never counted),
    then the storyboard's custom services when one was given."""
    return (*(directory_service(e) for e in ctx.directory.for_region(ctx.region)), *ctx.custom_services)


def services_in(text: str, entries: Iterable[HelplineEntry]) -> tuple[HelplineEntry, ...]:
    """The directory services whose exact number (and keyword or qualifier) is read in `text`.

    `text` holds one OCR line per line. The rules are `toolkit.care.cardread`'s: numbers digit
    for digit within one run of digits on one line ("116 123" matches "116123"; the 111 of NHS
    111 does not match inside 0800 1111); a keyword counts only beside its number ("Text SHOUT
    to 85258"); a number shared by two services identifies one ("Call or text 988" is the
    Lifeline alone). A web address or keyword alone identifies nothing.
    """
    entries = tuple(entries)
    reading = read_card(text.split("\n"), [directory_service(e) for e in entries])
    by_id = {e.id: e for e in entries}
    return tuple(by_id[s.id] for s in reading.services if s.id in by_id)


def _end_card(info: MediaInfo, m: Measurements, ctx: GradeContext) -> Observation:
    missing = _no_text("end-card", m)
    if missing is not None:
        return missing
    assert m.text is not None
    services = card_services(ctx)
    every = list(m.text.samples)
    window = [i for i, s in enumerate(every) if s.time >= m.text.ending_from]
    if not window:
        return unavailable("end-card", "no frames were read at the end of the clip")
    lines = service_lines(every, services)
    card = find_card(lines)
    clip_end = m.video.duration if m.video is not None else info.duration
    pic = m.video.picture if m.video is not None else None
    seconds, starts_at, spans, stills = 0.0, None, (), []
    if card is not None:
        first, last = card.first, card.last
        prev_t = every[first - 1].time if first > 0 else max(0.0, every[first].time - DENSE_STEP)
        start = when_changed(pic, prev_t, every[first].time, last=True)
        start = every[first].time if start is None else start
        if last == len(every) - 1:
            end = clip_end
        else:  # a fade to black (or blank frames) after the card
            end = when_changed(pic, every[last].time, every[last + 1].time, last=False)
            end = every[last + 1].time if end is None else end
        seconds, starts_at = max(0.0, end - start), round(start, 2)
        spans = (TimeSpan(round(start, 3), round(end, 3), "end card with helplines"),)
        if every[first].still is not None:
            stills.append(every[first].still)
    on_card = range(card.first, card.last + 1) if card is not None else range(0)
    most = max((_counted(lines[i]) for i in on_card), key=len, default=())
    named = card.services if card is not None else ()
    samples = [every[i] for i in window]
    readings = [read_card([line.text for line in s.lines], services) for s in samples]
    read = tuple(dict.fromkeys(s.text for s in samples if s.text))
    wrong = _wrong_numbers(samples, readings)
    mentions = find_mentions(lines, card.first if card is not None else len(every))
    if named:
        notes = [f"found: {', '.join(f'{e.name} ({e.number})' for e in named)}"]
    elif mentions and mentions[-1].last >= window[0]:
        notes = [f"the film does not end on its helpline numbers: the end card is the helpline text that "
                 f"stays on screen until the end (numbers last read at {every[mentions[-1].last].time:.1f} s)"]
    else:
        notes = [f"no {ctx.region} helpline number was read in the last {clip_end - m.text.ending_from:.0f} s"]
    notes += [w.message for w in wrong]
    mentioned = [_mentioned_at(pic, every, x.first) for x in mentions]
    notes += [f"helpline mentioned in the film at {t:.1f} s: {', '.join(f'{s.name} ({s.number})' for s in x.services)}"
              " (good practice; not the end card)" for x, t in zip(mentions, mentioned, strict=True)][:MAX_MENTIONS]
    if not stills:
        stills += [s.still for s, r in zip(samples, readings, strict=True) if r.wrong and s.still is not None][:1]
    if not stills and samples[-1].still is not None:
        stills.append(samples[-1].still)
    values = {"seconds": round(seconds, 2), "starts_at": starts_at, "services": len(most),
              "services_named": len(named), "wrong_numbers": sum(w.beside is not None for w in wrong),
              "unknown_numbers": sum(w.beside is None for w in wrong),
              "mentioned_at": round(mentioned[0], 2) if mentioned else None}
    return Observation("end-card", values, spans=spans, stills=tuple(stills), read=read, notes=tuple(notes))


def _counted(lines: tuple[CardLine, ...]) -> tuple[CardService, ...]:
    return tuple({s.id: s for line in lines for s in line.services}.values())


def _mentioned_at(pic: PictureStats | None, samples: list[OcrSample], i: int) -> float:
    """When the mention read at sample `i` appeared: the last picture change since the sample before."""
    prev_t = samples[i - 1].time if i > 0 else 0.0
    t = when_changed(pic, prev_t, samples[i].time, last=True)
    return samples[i].time if t is None else t


def _wrong_numbers(samples: list[OcrSample], readings: list[CardReading]) -> list[WrongNumber]:
    """Each wrong or unknown number once (the card is read at many samples), earliest first."""
    seen: dict[tuple[str | None, str], WrongNumber] = {}
    for sample, reading in zip(samples, readings, strict=True):
        if sample.reused:
            continue
        for w in reading.wrong:
            seen.setdefault((w.beside, re.sub(r"\D", "", w.number)), w)
    return list(seen.values())


# ------------------------------------------------------------------ content warning


def _content_warning(info: MediaInfo, m: Measurements, ctx: GradeContext) -> Observation:
    flagged = ctx.flagged_topics
    if not flagged:
        given = ", ".join(ctx.topics) or "none"
        return unavailable("content-warning", f"no flagged topic for this film (topics: {given}); a warning "
                                              "is required for suicide, self-harm and eating disorders")
    missing = _no_text("content-warning", m)
    if missing is not None:
        return missing
    assert m.text is not None
    opening = [s for s in m.text.samples if s.time < m.text.opening_until]
    hits = [s for s in opening if _is_warning(s.text)]
    read = tuple(dict.fromkeys(s.text for s in opening if s.text))
    if not hits:
        return Observation("content-warning", {"present": False, "seconds": 0.0, "starts_at": None}, read=read,
                           notes=(f"no warning about {', '.join(flagged)} was read in the first "
                                  f"{m.text.opening_until:.0f} s",))
    times = [s.time for s in hits]
    seconds = round(times[-1] - times[0] + DENSE_STEP, 2)
    stills = tuple(s.still for s in hits[:1] if s.still is not None)
    spans = (TimeSpan(times[0], round(times[-1] + DENSE_STEP, 3), "content warning"),)
    return Observation("content-warning", {"present": True, "seconds": seconds, "starts_at": times[0]},
                       spans=spans, stills=stills, read=read)


def _is_warning(text: str) -> bool:
    if re.search(r"\b(?:content|trigger)\s*warning\b", text, re.IGNORECASE):
        return True
    return bool(_WARNING.search(text)) and any(p.search(text) for p in _TOPIC_WORDS.values())


# ------------------------------------------------------------------ captions


def _audible(m: Measurements, time: float) -> bool | None:
    if m.audio is None or not m.audio.loudness.short_term:
        return None
    series = m.audio.loudness.short_term
    ends = [t for t, _ in series]
    i = min(int(np.searchsorted(ends, time)), len(series) - 1)
    return series[i][1] > AUDIBLE_LUFS


def _captions_present(info: MediaInfo, m: Measurements, ctx: GradeContext) -> Observation:
    missing = _no_text("captions-present", m)
    if missing is not None:
        return missing
    assert m.text is not None
    samples = [s for s in m.text.samples if s.time < m.text.ending_from] or list(m.text.samples)
    ends = [s.time for s in samples[1:]] + [m.text.ending_from if m.text.ending_from > samples[-1].time
                                             else samples[-1].time + DENSE_STEP]
    audible = [_audible(m, s.time) for s in samples]
    use_sound = any(a for a in audible if a is not None)
    total = covered = 0.0
    for sample, end, loud in zip(samples, ends, audible, strict=True):
        if use_sound and not loud:
            continue
        span = max(0.0, end - sample.time)
        total += span
        covered += span if sample.lines else 0.0
    coverage = covered / total if total else 0.0
    notes = ["measured while sound plays" if use_sound else "measured over the whole film (no sound)",
             "the end-card window is not counted"]
    return Observation("captions-present", {"coverage": round(coverage, 3),
                                            "samples_with_text": sum(bool(s.lines) for s in samples),
                                            "samples": len(samples)}, notes=tuple(notes))


def _captions_safe_zone(info: MediaInfo, m: Measurements, ctx: GradeContext) -> Observation:
    missing = _no_text("captions-safe-zone", m)
    if missing is not None:
        return missing
    assert m.text is not None
    from toolkit.grade.known_text import known_text_for  # loads the plan's types only for this check

    known, known_note = known_text_for(info, ctx)
    cuts = m.video.picture.scene_changes if m.video is not None else ()
    observed = safe_zone_observation(m.text.samples, cuts, ctx.safe_box, known)
    return dataclasses.replace(observed, notes=(*observed.notes, f"Reel's own text: {known_note}"))


def safe_zone_observation(samples: Sequence[OcrSample], cuts: Sequence[float], safe: Box,
                          known: Sequence[KnownText] | None = None) -> Observation:
    """The safe-zone check on OCR `samples`: caption-like lines outside `safe` are counted
    (`outside`, the failure); lines judged text in the footage (`toolkit.grade.text_kind`) or
    that could not be told apart are reported beside them, with their reasons and stills.
    Lines matching `known` text (Reel's own) are captions wherever they are."""
    slack = Box(safe.x - SAFE_TOLERANCE, safe.y - SAFE_TOLERANCE, safe.w + 2 * SAFE_TOLERANCE,
                safe.h + 2 * SAFE_TOLERANCE)
    seen: list[tuple[float, str]] = []
    stills: list[Still] = []
    spans: list[TimeSpan] = []
    worst = 0
    apart: dict[str, list[str]] = {"scene": [], "uncertain": []}
    apart_stills: list[Still] = []
    for track, judged in classify(samples, cuts, known):
        out_hits = [(i, line) for i, line in track.hits if not samples[i].reused and not slack.contains(line.box)]
        if not out_hits:
            continue
        if judged.kind != "caption":
            i, line = out_hits[0]
            when = f"{samples[track.first].time:.1f}–{samples[track.last].time:.1f} s"
            apart[judged.kind].append(f"“{track.text}” ({when}, {_where(line.box, safe)}): {'; '.join(judged.reasons)}")
            if samples[i].still is not None:
                apart_stills.append(dataclasses.replace(samples[i].still, boxes=(line.box,),
                                                        caption=f"{STILL_LABELS[judged.kind]}: “{track.text}”"))
            continue
        # one count per caption, however often it was read or wherever it moved
        i, line = out_hits[0]
        worst = max([worst] + [_overshoot(ln.box, safe) for _, ln in out_hits])
        seen.append((samples[i].time, track.text))
        spans.append(TimeSpan(samples[i].time, samples[track.last].time, f"“{track.text}”"))
        if samples[i].still is not None and len(stills) < MAX_STILLS:
            stills.append(dataclasses.replace(samples[i].still, boxes=(line.box,), caption=_where(line.box, safe)))
    spans.sort(key=lambda s: s.start)
    stills += apart_stills[:max(0, MAX_STILLS - len(stills))]
    read = tuple(f"{t:.1f} s: “{text}”" for t, text in sorted(seen))
    values = {"outside": len(seen), "worst_overshoot": worst, "scene_text_outside": len(apart["scene"]),
              "uncertain_outside": len(apart["uncertain"])}
    notes = [f"safe box x {safe.x}–{safe.right}, y {safe.y}–{safe.bottom} at {REFERENCE_WIDTH}×{REFERENCE_HEIGHT}; "
             f"{SAFE_TOLERANCE} px slack for box detection"]
    notes += [f"judged text in the footage, not a caption (not counted): {n}" for n in apart["scene"]]
    notes += [f"could not tell caption from text in the footage (look at it; not counted as a failure): {n}"
              for n in apart["uncertain"]]
    return Observation("captions-safe-zone", values, spans=tuple(spans), stills=tuple(stills), read=read,
                       notes=tuple(notes))


def _overshoot(box: Box, safe: Box) -> int:
    return max(safe.x - box.x, safe.y - box.y, box.right - safe.right, box.bottom - safe.bottom, 0)


def _where(box: Box, safe: Box) -> str:
    sides = []
    if box.right > safe.right:
        sides.append("under the right-hand buttons")
    if box.x < safe.x:
        sides.append("too far left")
    if box.y < safe.y:
        sides.append("under the top bar")
    if box.bottom > safe.bottom:
        sides.append("under the caption/description area at the bottom")
    return "text " + " and ".join(sides)


# ------------------------------------------------------------------ language


def _safe_language(info: MediaInfo, m: Measurements, ctx: GradeContext) -> Observation:
    missing = _no_text("safe-language", m)
    if missing is not None:
        return missing
    assert m.text is not None
    texts: dict[str, float] = {}
    for sample in m.text.samples:
        if sample.text and sample.text not in texts:
            texts[sample.text] = sample.time
    counts = {"error": 0, "warning": 0, "info": 0}
    read: list[str] = []
    spans: list[TimeSpan] = []
    seen: set[tuple[str, str]] = set()
    for text, time in texts.items():
        result = lint_text(text, language=ctx.language, rules=ctx.rules)
        if not result.checked:
            return unavailable("safe-language", result.reason)
        for hit in result.hits:
            key = (hit.rule_id, hit.matched.lower())
            if key in seen:
                continue
            seen.add(key)
            counts[hit.severity] += 1
            read.append(f"{time:.1f} s ({hit.severity}): “{hit.matched}”: {hit.reason} {hit.suggestion}")
            if hit.severity == "error":
                spans.append(TimeSpan(time, time, f"“{hit.matched}”"))
    values = {"errors": counts["error"], "warnings": counts["warning"], "infos": counts["info"],
              "texts": len(texts)}
    return Observation("safe-language", values, spans=tuple(spans), read=tuple(read),
                       notes=(f"{len(texts)} distinct on-screen texts checked",))


SPECS: tuple[CheckSpec, ...] = (
    CheckSpec("end-card", "Helpline end card",
              "OCR finds the end card (the final block of the region's helpline numbers, exactly as "
              "published, that stays on screen until the end), when it starts, how long it stays up, "
              "numbers that are nobody's, and helplines mentioned earlier in the film.",
              "seconds", {
                  "seconds": number("s", "time the end card is on screen, from when it is readable to the end"),
                  "starts_at": number("s", "when the end card is first readable (from the film's start)"),
                  "services": number("", "most services readable at once on the card (by exact number/keyword)"),
                  "services_named": number("", "services named in the report"),
                  "wrong_numbers": number("", "numbers under a service's name that are not that service's"),
                  "unknown_numbers": number("", "other numbers on the card that belong to no service of the "
                                                "region (a custom local service's number counts here)"),
                  "mentioned_at": number("s", "when a helpline number is first read before the card (in a "
                                              "caption: good practice, never the card's start)"),
              }, _end_card),
    CheckSpec("content-warning", "Content warning",
              "For films about suicide, self-harm or eating disorders: a warning is read at the start.",
              "present", {
                  "present": flag("a content warning is read in the opening seconds"),
                  "seconds": number("s", "how long it is read for"),
                  "starts_at": number("s", "when it is first read"),
              }, _content_warning),
    CheckSpec("captions-present", "Captions present", "Share of the film (while sound plays) with text on screen.",
              "coverage", {
                  "coverage": number("", "share of sampled moments with on-screen text (0–1)"),
                  "samples_with_text": number(""), "samples": number(""),
              }, _captions_present),
    CheckSpec("captions-safe-zone", "Text inside the safe zone",
              f"Captions (text laid over the film) found anywhere outside {describe_safe_zone()}; "
              "text in the footage (a sign, a book cover) is reported apart.",
              "outside", {
                  "outside": number("", "caption lines found outside the safe box (each counted once)"),
                  "worst_overshoot": number("px", "furthest a line reaches outside (reference pixels)"),
                  "scene_text_outside": number("", "lines outside the safe box judged text in the footage "
                                                   "(a sign, a book cover), not captions: not a failure"),
                  "uncertain_outside": number("", "lines outside the safe box that could not be told apart "
                                                  "from text in the footage: look at them"),
              }, _captions_safe_zone),
    CheckSpec("safe-language", "Safe-messaging language", "The safe-messaging lint over all on-screen text read.",
              "errors", {
                  "errors": number("", "error-level phrases"),
                  "warnings": number("", "warning-level phrases"),
                  "infos": number("", "lived-experience notes"),
                  "texts": number("", "distinct texts checked"),
              }, _safe_language),
)
