"""Text tracks besides the captions: hooks, lower thirds and free texts (`spec/text_tracks.py`).

Each is fitted with the real fonts in the scene's caption look, kept inside the safe box (so
never under the platforms' buttons), checked for contrast like captions, and may not meet any
other text on screen (captions, slates, the end card, another text) or the template's logo: a
meeting is an error at the text, naming both and when they meet.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Any

from toolkit.care.reading import SECONDS_PER_WORD, count_words, reading_time
from toolkit.care.warnings import min_slate_seconds
from toolkit.film.plan.contrast import check_contrast
from toolkit.film.plan.entry import Entry
from toolkit.film.plan.inputs import LocIssue, PlanInputs
from toolkit.film.plan.layout import (
    Style,
    TextDoesNotFit,
    anchored_top,
    block_height,
    place_lines,
    wrap,
)
from toolkit.film.plan.overlays import caption_style, scene_colour
from toolkit.film.plan.reveal import entrance
from toolkit.film.plan.timeline import ImageBlock, LayerMotion, Overlay, Segment, TextBlock
from toolkit.film.spec.layer_parts import Point
from toolkit.film.spec.models import Scene
from toolkit.film.spec.text_tracks import HOOK_SECONDS, Hook, LowerThird, TextItem
from toolkit.film.template.models import CaptionLook
from toolkit.film.template.style import scene_captions
from toolkit.geometry import REFERENCE_SAFE, Box, describe_safe_zone

MARGIN = 8  # reference px from the safe box's edges, as `layout.anchored_top` keeps captions
# What each overlay kind is called in a message, and which ones a text may not meet.
_NAMES = {"caption": "caption", "slate": "slate", "title": "title", "end_card": "end card", "logo": "template's logo"}
_WHAT = {"hook": "hook", "lower": "lower third", "text": "text"}

Loc = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class _Span:
    """Where a text may show: frames from `origin`, by default until `default_end`, never past `limit`."""

    origin: int
    default_end: int
    limit: int
    limit_says: str  # "its scene ends" / "the end card starts"


def build(inp: PlanInputs, entries: Sequence[Entry], segments: Sequence[Segment], drawn: Sequence[Overlay],
          issues: list[LocIssue]) -> list[Overlay]:
    """The film's hooks, lower thirds and texts as overlays, checked against `drawn` and each other."""
    out: list[Overlay] = []
    card = segments[-1].start
    sb = inp.storyboard
    spans = {i: _Span(seg.start, max(seg.start + 1, seg.end - (segments[i + 1].transition_in.frames
                                                               if i + 1 < len(segments) else 0)),
                      seg.end, "its scene ends")
             for i, (entry, seg) in enumerate(zip(entries, segments, strict=True))
             if entry.kind == "scene" and entry.scene is not None}
    if sb.hook is not None and spans:  # first: a scene's own text that meets it is reported at that text
        i = min(spans)
        out.extend(_hook(inp, sb.hook, ("hook",), spans[i], inp.template.captions, entries[i].scene, "film", issues))
    for i, span in spans.items():
        entry, seg = entries[i], segments[i]
        scene = entry.scene
        assert scene is not None
        look = scene_captions(inp.template.captions, scene.style)
        if scene.hook is not None:
            out.extend(_hook(inp, scene.hook, (*entry.loc, "hook"), span, look, scene, f"{seg.index}", issues))
        if scene.lower_third is not None:
            out.extend(_lower_third(inp, scene, (*entry.loc, "lower_third"), span, look, seg.index, issues))
        for k, item in enumerate(scene.texts):
            out.extend(_text(inp, item, (*entry.loc, "texts", k), span, look, scene, f"{seg.index}-{k}", issues))
    film = _Span(0, card, card, "the end card starts")
    for k, item in enumerate(sb.texts):
        out.extend(_text(inp, item, ("texts", k), film, inp.template.captions, None, f"film-{k}", issues))
    check_meetings(out, drawn, inp.canvas.fps, issues)
    return out


def text_fit(inp: PlanInputs, scenes: Iterable[int]) -> list[LocIssue]:
    """Whether the hooks, lower thirds and texts of the given scenes and of the film fit inside the safe
    box (as `overlays.text_fit` for captions): for a storyboard that cannot be planned whole."""
    issues: list[LocIssue] = []
    sb = inp.storyboard
    owners: list[tuple[Scene | None, Loc, Any]] = [(None, (), sb)]
    owners += [(s, ("scenes", i), s) for i in scenes if isinstance(s := sb.scenes[i], Scene)]
    width = REFERENCE_SAFE.w - 2 * MARGIN
    for scene, at, owner in owners:
        look = scene_captions(inp.template.captions, scene.style if scene is not None else None)
        style = caption_style(inp, look)
        if owner.hook is not None:
            _wrap(inp, owner.hook.text, style, width, look, (*at, "hook", "text"), "hook", issues)
        third = getattr(owner, "lower_third", None)
        if third is not None:
            _wrap(inp, third.name, style, width, look, (*at, "lower_third", "name"), "lower third's name", issues)
            if third.about:
                _wrap(inp, third.about, replace(style, font=inp.fonts.body), width, look,
                      (*at, "lower_third", "about"), "lower third's `about`", issues)
        for k, item in enumerate(owner.texts):
            placed = item.position
            room = REFERENCE_SAFE.right - placed.x if isinstance(placed, Point) else width
            if room > 0:
                _wrap(inp, item.text, style, room, look, (*at, "texts", k, "text"), "text", issues)
    return issues


# ------------------------------------------------------------------ the three kinds


def _hook(inp: PlanInputs, spec: Hook, loc: Loc, span: _Span, look: CaptionLook, scene: Scene | None, key: str,
          issues: list[LocIssue]) -> list[Overlay]:
    frames = _frames(inp, spec, loc, span, Fraction(HOOK_SECONDS), "hook", spec.text, issues)
    style = caption_style(inp, look)
    lines = _wrap(inp, spec.text, style, REFERENCE_SAFE.w - 2 * MARGIN, look, (*loc, "text"), "hook", issues)
    check_contrast(style, _background(scene), (*loc, "text"), issues, "hook")
    if frames is None or lines is None:
        return []
    top = max(anchored_top(REFERENCE_SAFE, block_height(len(lines), style), "top", MARGIN), _below_logo(inp))
    block = _place(inp, lines, style, top, REFERENCE_SAFE.x + REFERENCE_SAFE.w // 2)
    return [Overlay(f"hook-{key}", "text", frames[0], frames[1] - frames[0], (block,), loc, _enter(inp, spec, look))]


def _below_logo(inp: PlanInputs) -> int:
    """Where a hook may start (reference px): under the template's logo when it sits in a top corner of
    the scenes (as `overlays._logo` places it), so the brand and the hook share the top of the frame."""
    logo = inp.template.logo
    info = inp.media.get(inp.logo) if logo is not None and inp.logo is not None else None
    if logo is None or "scene" not in logo.on or not logo.corner.startswith("top") or info is None \
            or info.video is None:
        return 0
    height = max(1, round(logo.width * info.video.height / max(1, info.video.width)))
    return REFERENCE_SAFE.y + 16 + height + MARGIN  # the logo's 16 px margin, then the hook's own


def _lower_third(inp: PlanInputs, scene: Scene, loc: Loc, span: _Span, look: CaptionLook, key: int,
                 issues: list[LocIssue]) -> list[Overlay]:
    spec: LowerThird = scene.lower_third  # type: ignore[assignment]
    words = " ".join(t for t in (spec.name, spec.about) if t)
    frames = _frames(inp, spec, loc, span, Fraction(str(min_slate_seconds(words))), "lower third", words, issues)
    name_style = caption_style(inp, look)
    about_style = replace(name_style, font=inp.fonts.body)  # the body face: the name stands out by weight
    width = REFERENCE_SAFE.w - 2 * MARGIN
    parts = [(_wrap(inp, spec.name, name_style, width, look, (*loc, "name"), "lower third's name", issues),
              name_style)]
    if spec.about:
        parts.append((_wrap(inp, spec.about, about_style, width, look, (*loc, "about"), "lower third's `about`",
                            issues), about_style))
    check_contrast(name_style, _background(scene), (*loc, "name"), issues, "lower third")
    if frames is None or any(lines is None for lines, _ in parts):
        return []
    height = sum(block_height(len(lines), st) for lines, st in parts)  # type: ignore[arg-type]
    band = 0
    track = scene.captions
    if ((track.position if track is not None and track.position else None) or look.position) == "bottom":
        # above the caption band: the most lines a caption may take, anchored at the bottom
        band = block_height(look.max_lines, name_style) + MARGIN
    top = REFERENCE_SAFE.bottom - MARGIN - band - height
    if top < REFERENCE_SAFE.y + MARGIN:
        issues.append(LocIssue(loc, "the lower third is too tall to fit above the caption band inside the safe box; "
                               "shorten its name or `about`"))
        return []
    blocks = []
    for lines, st in parts:
        blocks.append(_place(inp, lines, st, top, REFERENCE_SAFE.x + REFERENCE_SAFE.w // 2))  # type: ignore[arg-type]
        top += block_height(len(lines), st)  # type: ignore[arg-type]
    return [Overlay(f"lower-{key}", "text", frames[0], frames[1] - frames[0], tuple(blocks), loc,
                    _enter(inp, spec, look))]


def _text(inp: PlanInputs, spec: TextItem, loc: Loc, span: _Span, look: CaptionLook, scene: Scene | None, key: str,
          issues: list[LocIssue]) -> list[Overlay]:
    frames = _frames(inp, spec, loc, span, None, "text", spec.text, issues)
    style = caption_style(inp, look)
    placed = spec.position or "center"
    safe = REFERENCE_SAFE
    if isinstance(placed, Point):
        if not (safe.x <= placed.x < safe.right - MARGIN and safe.y <= placed.y < safe.bottom - MARGIN):
            issues.append(LocIssue((*loc, "position"), f"the text's corner ({placed.x}, {placed.y}) lies outside the "
                                   f"platform-safe box ({describe_safe_zone()}), where the platforms' buttons and "
                                   "captions may cover it; move it inside"))
            return []
        width = safe.right - placed.x
    else:
        width = safe.w - 2 * MARGIN
    lines = _wrap(inp, spec.text, style, width, look, (*loc, "text"), "text", issues)
    check_contrast(style, _background(scene), (*loc, "text"), issues, "text")
    if frames is None or lines is None:
        return []
    pad_x = int(round(style.pad_x * style.size))
    w = max(inp.measurer.width(style.font, style.size, line) for line in lines) + 2 * pad_x
    h = block_height(len(lines), style)
    if isinstance(placed, Point):
        x, top = placed.x, placed.y
        if top + h > safe.bottom:
            issues.append(LocIssue((*loc, "position"), f"the text runs {top + h - safe.bottom} px below the "
                                   f"platform-safe box ({describe_safe_zone()}); move it up or shorten it"))
            return []
    else:
        x = safe.x + MARGIN if "left" in placed else safe.right - MARGIN - w if "right" in placed \
            else safe.x + (safe.w - w) // 2
        top = anchored_top(safe, h, "top" if "top" in placed else "bottom" if "bottom" in placed else "middle",
                           MARGIN)
    block = _place(inp, lines, style, top, x + w // 2)
    return [Overlay(f"text-{key}", "text", frames[0], frames[1] - frames[0], (block,), loc, _enter(inp, spec, look))]


# ------------------------------------------------------------------ shared steps


def _frames(inp: PlanInputs, spec: Hook | LowerThird | TextItem, loc: Loc, span: _Span, default: Fraction | None,
            what: str, words: str, issues: list[LocIssue]) -> tuple[int, int] | None:
    """Film frames [start, end) of a text, or None after saying why it cannot show."""
    fps = inp.canvas.fps
    start = span.origin + (round(spec.at.to_seconds(fps) * fps) if spec.at is not None else 0)
    if spec.until is not None:
        end, key = span.origin + round(spec.until.to_seconds(fps) * fps), "until"
    elif spec.for_ is not None:
        end, key = start + round(spec.for_.to_seconds(fps) * fps), "for"
    elif default is not None:
        end, key = min(start + round(default * fps), max(span.default_end, start + 1)), "at"
    else:
        end, key = span.default_end, "at"

    def say(frame: int) -> str:
        return f"{float(Fraction(frame - span.origin) / fps):.2f}s"

    if start >= span.limit:
        issues.append(LocIssue((*loc, "at"), f"the {what} starts at {say(start)}, when {span.limit_says} "
                               f"({say(span.limit)}); show it earlier"))
        return None
    if end <= start:
        issues.append(LocIssue((*loc, key), f"the {what} ends ({say(end)}) before it starts ({say(start)})"))
        return None
    if end > span.limit:
        issues.append(LocIssue((*loc, key), f"the {what} runs to {say(end)} but {span.limit_says} at "
                               f"{say(span.limit)}; end it earlier"))
        return None
    seen = Fraction(end - start) / fps
    if seen < reading_time(words):
        issues.append(LocIssue((*loc, key), f"the {what} shows for {float(seen):.2f}s; {count_words(words)} words "
                               f"need at least {float(reading_time(words)):.1f}s to read ({float(SECONDS_PER_WORD)} s "
                               "per word)", severity="warning", code="reading-speed"))
    return start, end


def _wrap(inp: PlanInputs, text: str, style: Style, width: int, look: CaptionLook, loc: Loc, what: str,
          issues: list[LocIssue]) -> list[str] | None:
    """The text's lines at the look's size inside `width` (reference px), or None after saying why not."""
    text = text.upper() if look.uppercase else text  # drawn in capitals; linted as written
    try:
        lines = wrap(text, width - 2 * int(round(style.pad_x * style.size)), style, inp.measurer)
    except TextDoesNotFit as exc:
        issues.append(LocIssue(loc, f"{exc}; the {what} cannot fit inside the safe box"))
        return None
    if len(lines) > look.max_lines:
        issues.append(LocIssue(loc, f"the {what} needs {len(lines)} lines at this size; at most {look.max_lines} fit "
                               "(the template's `captions.max_lines`): shorten it"))
        return None
    return lines


def _enter(inp: PlanInputs, spec: Hook | LowerThird | TextItem, look: CaptionLook) -> LayerMotion:
    """How the text comes in: its own `enter`, else the caption look's."""
    return entrance(spec.enter or look.enter, inp.canvas.fps)


def _background(scene: Scene | None) -> str | None:
    return scene_colour(scene) if scene is not None else None


def _place(inp: PlanInputs, lines: list[str], style: Style, top: int, center_x: int) -> TextBlock:
    return place_lines(lines, style, top=top, center_x=center_x, scale=inp.canvas.scale, measurer=inp.measurer)


# ------------------------------------------------------------------ meetings


def _boxes(overlay: Overlay) -> list[Box]:
    return [b.bounds if isinstance(b, TextBlock) else b.box for b in overlay.blocks
            if isinstance(b, TextBlock | ImageBlock)]


def _words(overlay: Overlay) -> str:
    words = " ".join(line_text for b in overlay.blocks if isinstance(b, TextBlock)
                     for line_text in (" ".join(r.text for r in ln.runs) for ln in b.lines))
    words = " ".join(words.replace("\u00a0", " ").split())
    return f" “{words if len(words) <= 40 else words[:37] + '…'}”" if words else ""


def _name(overlay: Overlay) -> str:
    if overlay.kind == "text":
        return _WHAT[overlay.id.split("-")[0]]
    return _NAMES[overlay.kind]


def check_meetings(mine: Sequence[Overlay], drawn: Sequence[Overlay], fps: Fraction, issues: list[LocIssue]) -> None:
    """A text may not meet another text or the logo on screen: one error per text and thing it meets,
    at the text, naming both and the film seconds in which they meet."""
    others = [o for o in drawn if o.kind in _NAMES]
    for n, ov in enumerate(mine):
        met: dict[tuple, tuple[Overlay, int, int]] = {}
        for other in (*others, *mine[:n]):  # two texts: reported once, at the later one
            lo, hi = max(ov.start, other.start), min(ov.end, other.end)
            if hi <= lo or not any(a.intersects(b) for a in _boxes(ov) for b in _boxes(other)):
                continue
            # a word-by-word caption (one overlay per word) and the logo (one per segment): one report each
            key = ("logo",) if other.kind == "logo" else (other.kind, other.loc, other.id.split("-w")[0])
            was = met.get(key)
            met[key] = (other, min(lo, was[1]) if was else lo, max(hi, was[2]) if was else hi)
        for other, lo, hi in met.values():
            when = f"from {float(Fraction(lo) / fps):.2f}s to {float(Fraction(hi) / fps):.2f}s"
            issues.append(LocIssue(ov.loc, f"the {_name(ov)}{_words(ov)} meets the {_name(other)}{_words(other)} "
                                   f"on screen {when} "
                                   "of the film; move one of them, or show them at different times",
                                   code="text-overlap"))
