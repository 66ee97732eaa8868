"""Text and logo overlays: captions (block and word-by-word), slates, the end card, the logo.

Everything is laid out on the 1080×1920 reference frame, checked against the safe box and
for contrast there, then scaled to the output canvas.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from fractions import Fraction
from typing import TYPE_CHECKING

from toolkit.care.reading import SECONDS_PER_WORD, count_words, reading_time
from toolkit.film.plan.caption_window import caption_window
from toolkit.film.plan.card_layout import card_parts, lay_out_card
from toolkit.film.plan.contrast import check_contrast
from toolkit.film.plan.inputs import LocIssue, PlanInputs
from toolkit.film.plan.layout import (
    Measurer,
    Style,
    TextDoesNotFit,
    anchored_top,
    block_height,
    line_height,
    place_lines,
    soft_breaks,
    word_spans,
    wrap,
)
from toolkit.film.plan.reveal import entrance, lines_in_turn, once_across_cuts, own_enter, word_alone, words_before
from toolkit.film.plan.spoken import spoken_times, word_frames
from toolkit.film.plan.timeline import ImageBlock, LayerMotion, Overlay, Segment, TextBlock
from toolkit.film.spec.models import CaptionTrack, Scene, Slate, VideoBackground
from toolkit.film.template.models import CaptionLook
from toolkit.film.template.style import scene_captions
from toolkit.geometry import REFERENCE_SAFE, Box
from toolkit.subtitles import cue_label

if TYPE_CHECKING:
    from toolkit.film.plan.entry import Entry

def reading_seconds(scene: Scene, inp: PlanInputs) -> Fraction:
    """Enough time to read a scene's untimed captions: per caption max(1.5 s, 0.3 s/word + 0.5 s), ≥ 3 s."""
    texts = _caption_texts(scene, inp)
    total = sum((max(Fraction(3, 2), reading_time(t) + Fraction(1, 2)) for t in texts),
                Fraction(0))
    return max(Fraction(3), total)


def _caption_texts(scene: Scene, inp: PlanInputs) -> list[str]:
    track = scene.captions
    if track is None:
        return []
    if track.lines is not None:
        return [c.text for c in track.lines]
    assert track.file is not None
    return [c.text for c in inp.caption_files.get(inp.asset(track.file), ())]


def build(inp: PlanInputs, entries: Sequence[Entry], segments: Sequence[Segment],
          issues: list[LocIssue]) -> list[Overlay]:
    """All overlays of the film, in drawing order."""
    out: list[Overlay] = []
    for i, (entry, seg) in enumerate(zip(entries, segments, strict=True)):
        if entry.kind == "scene" and entry.scene is not None and (entry.scene.captions is not None
                                                                  or entry.film_cues):
            lo, hi = caption_window(entries, segments, i)
            out.extend(_clip(_captions(inp, entry, seg, issues, (lo - seg.start, hi - seg.start)), lo, hi))
        elif entry.kind == "slate":
            out.extend(_slate(inp, entry, seg, issues))
        elif entry.kind == "end_card":
            out.append(_end_card(inp, seg, issues))
    out = once_across_cuts(out)  # a caption carried across a cut does not come in again
    out.extend(_logo(inp, segments, out, issues))
    return out


# ------------------------------------------------------------------ captions


def _clip(overlays: list[Overlay], lo: int, hi: int) -> list[Overlay]:
    """The overlays limited to frames [lo, hi); those left empty are dropped."""
    out = []
    for o in overlays:
        start, end = max(o.start, lo), min(o.end, hi)
        if end > start:
            out.append(replace(o, start=start, length=end - start))
    return out


def _caption_times(inp: PlanInputs, entry: Entry, seg: Segment, issues: list[LocIssue],
                   window: tuple[int, int]) -> list[tuple[int, int, str, tuple, str]]:
    """(start, end) frames relative to the segment, text, loc and label (which cue of a subtitle
    file, else ""), for each caption of a scene. `window` is where its captions can be seen
    (frames relative to the segment, `caption_window`): untimed captions share it, a first
    caption without `at` starts there, and the reading-time check counts only the time inside it."""
    scene = entry.scene
    assert scene is not None
    fps = inp.canvas.fps
    length = Fraction(seg.length) / fps
    seen_from, seen_to = Fraction(window[0]) / fps, Fraction(window[1]) / fps
    track = scene.captions
    loc = (*entry.loc, "captions", "lines")  # "lines" is skipped when YAML lists captions directly
    timed: list[tuple[Fraction | None, Fraction | None, str, tuple]] = []
    labels: dict[int, str] = {}  # a subtitle file's cues share one location: messages name the cue
    if entry.film_cues:  # the film's own caption track, cut at this scene (plan/film_captions.py)
        for at, end, text, cloc, label in entry.film_cues:
            labels[len(timed)] = label
            timed.append((at, end, text, cloc))
    elif track is not None and track.lines is not None:
        for k, c in enumerate(track.lines):
            at = c.at.to_seconds(fps) if c.at is not None else None
            end = c.until.to_seconds(fps) if c.until is not None else None
            if c.for_ is not None:
                end = (at if at is not None else None)
                end = None if end is None else end + c.for_.to_seconds(fps)
                if at is None:
                    timed.append((None, -c.for_.to_seconds(fps), c.text, (*loc, k)))  # for: relative
                    continue
            timed.append((at, end, c.text, (*loc, k)))
    elif track is not None:
        for n, cue in enumerate(inp.caption_files.get(inp.asset(track.file), ()), 1):  # type: ignore[arg-type]
            timed.append((cue.start, cue.end, soft_breaks(cue.text), (*entry.loc, "captions", "file")))
            labels[len(timed) - 1] = cue_label(track.file, n, cue.start)
    aligned = spoken_times(inp, entry, timed, length) if all(a is None and e is None for a, e, _, _ in timed) else None
    if aligned is not None:  # untimed captions with speech under them: timed by the words (plan/spoken.py)
        timed = aligned
    elif all(a is None and e is None for a, e, _, _ in timed):
        weights = [max(1, len(t.split())) for _, _, t, _ in timed]
        total = sum(weights)
        cursor = seen_from
        spread = []
        for (_, _, text, cloc), w in zip(timed, weights, strict=True):
            nxt = cursor + (seen_to - seen_from) * w / total
            spread.append((cursor, nxt, text, cloc))
            cursor = nxt
        timed = spread  # type: ignore[assignment]
    result: list[tuple[int, int, str, tuple, str]] = []
    prev_end = Fraction(0)
    for k, (at, end, text, cloc) in enumerate(timed):
        label = labels.get(k, "")

        def problem(message: str, severity: str = "error", code: str = "", cloc=cloc, label=label) -> LocIssue:
            return LocIssue(cloc, label + message, severity=severity, code=code)  # type: ignore[arg-type]

        start = at if at is not None else prev_end if k else max(prev_end, seen_from)
        if end is not None and end < 0:  # `for` without `at`
            end = start - end
        if end is None:
            following = timed[k + 1][0] if k + 1 < len(timed) else None
            end = following if following is not None else length
        if start < prev_end - Fraction(1, 1000):
            issues.append(problem(f"starts at {float(start):.2f}s, before the previous caption ends "
                                  f"({float(prev_end):.2f}s)"))
        if end <= start:
            issues.append(problem(f"ends ({float(end):.2f}s) before it starts ({float(start):.2f}s)"))
            continue
        if end > length + 1 / fps:
            issues.append(problem(f"runs to {float(end):.2f}s but the scene is only {float(length):.2f}s "
                                  "long; shorten it or lengthen the scene"))
            end = length
        words = count_words(text)
        seen = max(Fraction(0), min(end, seen_to) - max(start, seen_from))  # transitions included, as drawn
        if seen < reading_time(text) and not entry.film_cues:  # the film's track: checked whole (film_captions)
            hidden = (f" of its {float(end - start):.2f}s (the rest falls in a transition into a slate, the end card "
                      "or another scene's caption)" if seen < end - start else "")
            issues.append(problem(f"shows for {float(seen):.2f}s{hidden}; {words} words need at least "
                                  f"{float(reading_time(text)):.1f}s to read ({float(SECONDS_PER_WORD)} s per word)",
                                  severity="warning", code="reading-speed"))
        result.append((round(start * fps), round(end * fps), text, cloc, label))
        prev_end = end
    return result


def caption_style(inp: PlanInputs, look: CaptionLook) -> Style:
    """The layout style of a caption look (also the hook's, lower third's and texts')."""
    backing = None
    if look.box is not None:
        backing = look.box[:7] + f"{round(look.box_opacity * 255):02x}"
    shadow = look.shadow
    return Style(font=inp.fonts.captions, size=look.size, color=look.color[:7], backing=backing,
                 line_spacing=look.line_spacing,
                 outline=(look.outline.width, look.outline.color[:7]) if look.outline else None,
                 shadow=(shadow.x, shadow.y, shadow.color[:7] + f"{round(shadow.opacity * 255):02x}")
                 if shadow else None)


def _captions(inp: PlanInputs, entry: Entry, seg: Segment, issues: list[LocIssue],
              window: tuple[int, int]) -> list[Overlay]:
    scene = entry.scene
    track = scene.captions if scene is not None and scene.captions is not None else inp.storyboard.captions
    assert scene is not None and track is not None  # the scene's captions, or the film's falling in it
    where = (*entry.loc, "captions") if scene.captions is not None else ("captions",)
    look = scene_captions(inp.template.captions, scene.style)
    style = caption_style(inp, look)
    kind = track.style or inp.storyboard.caption_style or look.style
    anchor = track.position or look.position
    pad_x = int(round(style.pad_x * style.size))
    max_width = REFERENCE_SAFE.w - 2 * pad_x
    check_contrast(style, None if style.backing else scene_colour(scene), where, issues)
    if kind == "word-by-word":  # the highlighted word is text too (WCAG 1.4.3)
        check_contrast(replace(style, color=look.highlight[:7]), None if style.backing else scene_colour(scene),
                        where, issues)
    out: list[Overlay] = []
    for k, (start, end, text, cloc, label) in enumerate(_caption_times(inp, entry, seg, issues, window)):
        enter = own_enter(track, cloc) or track.enter or look.enter
        motion = entrance(enter, inp.canvas.fps)
        lines = _fit(text, cloc, label, look, style, max_width, inp.measurer, issues)
        if lines is None:
            continue
        top = anchored_top(REFERENCE_SAFE, block_height(len(lines), style), anchor)
        center = REFERENCE_SAFE.x + REFERENCE_SAFE.w // 2
        if kind == "word-by-word":
            spans = word_spans(lines)
            weights = [max(1, e - s) + 1 for _, s, e in spans]
            total, acc = sum(weights), 0
            spoken = word_frames(inp, entry, cloc, len(spans), start, end)  # the voice, when aligned
            for j, span in enumerate(spans):
                w_start = start + (end - start) * acc // total
                acc += weights[j]
                w_end = start + (end - start) * acc // total
                if spoken is not None:
                    w_start, w_end = spoken[j], spoken[j + 1]
                if w_end <= w_start:
                    continue
                block = place_lines(lines, style, top=top, center_x=center, scale=inp.canvas.scale,
                                    measurer=inp.measurer, highlight=span, highlight_color=look.highlight[:7])
                wid, at = f"cap-{seg.index}-{k}-w{j}", seg.start + w_start
                if enter.by == "word" and motion.kind != "cut":  # the spoken word comes in, the words before stay
                    plain = place_lines(lines, style, top=top, center_x=center, scale=inp.canvas.scale,
                                        measurer=inp.measurer)
                    word = word_alone(lines, style, span, look.highlight[:7], top=top, center_x=center,
                                      scale=inp.canvas.scale, measurer=inp.measurer)
                    out.append(Overlay(wid, "caption", at, w_end - w_start,
                                       (words_before(plain, span, inp.measurer),), cloc))
                    out.append(Overlay(wid, "caption", at, w_end - w_start, (word,), cloc, motion))
                    continue
                first = not any(o.id.startswith(f"cap-{seg.index}-{k}-w") for o in out)  # the caption comes in
                out.append(Overlay(wid, "caption", at, w_end - w_start, (block,), cloc,
                                   motion if first else LayerMotion("cut", 0)))
        else:
            block = place_lines(lines, style, top=top, center_x=center, scale=inp.canvas.scale,
                                measurer=inp.measurer)
            whole = Overlay(f"cap-{seg.index}-{k}", "caption", seg.start + start, end - start, (block,), cloc, motion)
            if enter.by == "line" and motion.kind != "cut" and len(lines) > 1:  # its lines come in one by one
                out.extend(lines_in_turn(whole, lines, style, top=top, center_x=center, scale=inp.canvas.scale,
                                         measurer=inp.measurer))
            else:
                out.append(whole)
    return out


def _fit(text: str, loc: tuple, label: str, look: CaptionLook, style: Style, max_width: int, measurer: Measurer,
         issues: list[LocIssue]) -> list[str] | None:
    """The caption's wrapped lines, or None after saying why it cannot fit inside the safe box."""
    text = text.upper() if look.uppercase else text  # drawn in capitals; linted as written
    try:
        lines = wrap(text, max_width, style, measurer)
    except TextDoesNotFit as exc:
        issues.append(LocIssue(loc, f"{label}{exc}; the caption cannot fit inside the safe box"))
        return None
    if len(lines) > look.max_lines:
        issues.append(LocIssue(loc, f"{label}needs {len(lines)} lines at this size; at most {look.max_lines} fit "
                               "inside the safe box: split it into two captions"))
        return None
    return lines


def text_fit(inp: PlanInputs, scenes: Iterable[int]) -> list[LocIssue]:
    """Whether the captions and slate texts of the given scenes, and the film's own caption track
    (at the template's caption look), fit inside the safe box, each on its own: for a storyboard
    that cannot be planned whole, layout needs no other scene."""
    issues: list[LocIssue] = []
    for i in scenes:
        scene = inp.storyboard.scenes[i]
        if isinstance(scene, Slate):
            if scene.text:
                _stack(inp, _slate_parts(inp, scene.slate, scene.text), ("scenes", i, "text"), issues,
                       f"{scene.slate} slate")
        elif scene.captions is not None:
            _fit_track(inp, scene.captions, scene, ("scenes", i, "captions"), issues)
    if inp.storyboard.captions is not None:
        _fit_track(inp, inp.storyboard.captions, None, ("captions",), issues)
    return issues


def _fit_track(inp: PlanInputs, track: CaptionTrack, scene: Scene | None, where: tuple, issues: list[LocIssue]) -> None:
    look = scene_captions(inp.template.captions, scene.style if scene is not None else None)
    style = caption_style(inp, look)
    max_width = REFERENCE_SAFE.w - 2 * int(round(style.pad_x * style.size))
    if track.lines is not None:
        for k, c in enumerate(track.lines):
            _fit(c.text, (*where, "lines", k), "", look, style, max_width, inp.measurer, issues)
    elif track.file is not None:
        for n, cue in enumerate(inp.caption_files.get(inp.asset(track.file), ()), 1):
            _fit(soft_breaks(cue.text), (*where, "file"), cue_label(track.file, n, cue.start), look, style, max_width,
                 inp.measurer, issues)


def scene_colour(scene: Scene) -> str | None:
    """The scene's solid background colour, or None (footage, pictures, gradients)."""
    bg = scene.background
    if bg is None or isinstance(bg, VideoBackground):
        return None
    return getattr(bg, "color", None)


# ------------------------------------------------------------------ slates and end card


def _stack(inp: PlanInputs, parts: list[tuple[str, Style]], loc: tuple, issues: list[LocIssue],
           what: str, min_size: int = 40) -> tuple[TextBlock, ...] | None:
    """Stack paragraphs vertically, centred in the safe box, shrinking the type until it fits."""
    gap = 24
    for shrink in (1.0, 0.9, 0.8, 0.7, 0.6):
        styles = [Style(s.font, max(min_size, int(s.size * shrink)), s.color, s.backing, s.line_spacing, 0.0, 0.0)
                  for _, s in parts]
        try:
            wrapped = [wrap(text, REFERENCE_SAFE.w - 16, st, inp.measurer) for (text, _), st in zip(parts, styles,
                                                                                                  strict=True)]
        except TextDoesNotFit:
            continue
        height = sum(len(w) * line_height(st) for w, st in zip(wrapped, styles, strict=True)) + gap * (len(parts) - 1)
        if height <= REFERENCE_SAFE.h - 16:
            top = anchored_top(REFERENCE_SAFE, height, "middle")
            blocks = []
            for w, st in zip(wrapped, styles, strict=True):
                blocks.append(place_lines(w, st, top=top, center_x=REFERENCE_SAFE.x + REFERENCE_SAFE.w // 2,
                                          scale=inp.canvas.scale, measurer=inp.measurer))
                top += len(w) * line_height(st) + gap
            return tuple(blocks)
    issues.append(LocIssue(loc, f"the {what} text is too long to fit inside the safe box even at a smaller "
                           "size; shorten it"))
    return None


def _slate_parts(inp: PlanInputs, kind: str, text: str) -> list[tuple[str, Style]]:
    """A slate's paragraphs: the template's heading for its kind, then its text."""
    tpl = inp.template
    look = tpl.slates.for_kind(kind)  # type: ignore[arg-type]
    text_color = (look.color or tpl.palette.text)[:7]
    heading_color = (look.heading_color or tpl.palette.accent)[:7]
    parts: list[tuple[str, Style]] = []
    if look.heading:
        parts.append((look.heading, Style(inp.fonts.heading, look.heading_size, heading_color)))
    parts.append((text, Style(inp.fonts.heading if kind == "title" else inp.fonts.body, look.size, text_color)))
    return parts


def _slate(inp: PlanInputs, entry: Entry, seg: Segment, issues: list[LocIssue]) -> list[Overlay]:
    assert entry.slate_kind is not None and entry.slate_text is not None
    bg = entry.source.color  # type: ignore[union-attr]
    parts = _slate_parts(inp, entry.slate_kind, entry.slate_text)
    for _, st in parts:
        check_contrast(st, bg, (*entry.loc, "text"), issues)
    blocks = _stack(inp, parts, (*entry.loc, "text"), issues, f"{entry.slate_kind} slate")
    if blocks is None:
        return []
    return [Overlay(f"slate-{seg.index}", "slate", seg.start, seg.length, blocks, entry.loc)]


def _end_card(inp: PlanInputs, seg: Segment, issues: list[LocIssue]) -> Overlay:
    bg = seg.source.color  # type: ignore[union-attr]
    parts = card_parts(inp.end_card, inp.template, inp.fonts)
    for part in parts:
        check_contrast(part.style, bg, ("end_card",), issues)
    blocks = lay_out_card(inp, parts, issues)  # designed sizes kept while the services fit
    return Overlay("end-card", "end_card", seg.start, seg.length, blocks or (), ("end_card",))


# ------------------------------------------------------------------ logo


def _logo(inp: PlanInputs, segments: Sequence[Segment], drawn: Sequence[Overlay],
          issues: list[LocIssue]) -> list[Overlay]:
    logo = inp.template.logo
    if logo is None or inp.logo is None:
        return []
    info = inp.media.get(inp.logo)
    if info is None or info.video is None:
        return []
    w = logo.width
    h = max(1, round(w * info.video.height / max(1, info.video.width)))
    margin = 16
    s = REFERENCE_SAFE
    x = s.x + margin if logo.corner.endswith("left") else s.right - margin - w
    y = s.y + margin if logo.corner.startswith("top") else s.bottom - margin - h
    box = Box(x, y, w, h).scaled(inp.canvas.scale)
    out = []
    for seg in segments:
        if seg.kind not in logo.on:
            continue
        for ov in drawn:
            overlapping = ov.start < seg.end and ov.end > seg.start and ov.kind in ("caption", "end_card")
            if overlapping and any(isinstance(b, TextBlock) and b.bounds.intersects(box) for b in ov.blocks):
                issues.append(LocIssue(ov.loc or ("template",), f"the template's logo ({logo.corner}) would "
                                       f"cover this {ov.kind.replace('_', ' ')}; move the logo or the captions"))
                break
        out.append(Overlay(f"logo-{seg.index}", "logo", seg.start, seg.length,
                           (ImageBlock(inp.logo, box, logo.opacity),), ("template",)))
    return out
