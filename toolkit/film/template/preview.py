"""`reel templates preview`: one 9:16 sheet showing how a template looks, for sign-off in seconds.

A built-in sample film (content-warning slate, title slate, a block caption, a word-by-word
caption, a signpost slate, the end card) is planned under the template exactly as a real film
would be, so every contrast, safe-zone and logo check runs. Its overlays are drawn by the
rasteriser used for renders (`compile.raster.rasterise`), over the segment's background, and
each panel gets the safe-zone outline and a label. Pillow only: no ffmpeg.
"""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from toolkit.atomic import replacing
from toolkit.care.contrast import contrast_ratio, worst_case_contrast
from toolkit.color import parse_color
from toolkit.contact import Tile, draw_grid, outline_safe_zone
from toolkit.errors import Issue, IssuesError, OutputError, TemplateError
from toolkit.film.compile.raster import RasterPlan
from toolkit.film.plan.contrast import MIN_CONTRAST
from toolkit.film.plan.timeline import ColorSource, GradientSource, Segment, Source, Timeline
from toolkit.film.template.apply import TEMPLATE_TEXTS
from toolkit.film.template.fields import field_names
from toolkit.film.template.loader import ResolvedTemplate, load_template, resolve_font
from toolkit.film.template.models import Template
from toolkit.geometry import describe_safe_zone

SAMPLE = """\
title: How this brand looks
region: UK
topics: []
scenes:
  - slate: content-warning
    text: This sample talks about feeling low. Support details are at the end.
  - slate: title
    text: How this brand looks
  - background: {gradient: ["#3d5a80", "#98c1d9"]}
    duration: 4s
    captions: Captions sit on their box, inside the safe zone.
  - background: "#7a8691"
    duration: 4s
    captions:
      style: word-by-word
      lines: [The spoken word lights up as it is said.]
  - slate: signpost
"""
# (label, which segment: a scene index in SAMPLE or "end_card", which moment: "middle" or "word")
PANELS: tuple[tuple[str, int | str, str], ...] = (
    ("Content-warning slate", 0, "middle"),
    ("Title slate", 1, "middle"),
    ("Caption, block style", 2, "middle"),
    ("Caption, word by word", 3, "word"),
    ("Signpost slate", 4, "middle"),
    ("Helpline end card", "end_card", "middle"),
)
_PAPER, _INK, _MUTED = "#f4f3ef", "#1b1b1b", "#55585c"


@dataclass(frozen=True)
class Preview:
    """The written sheet and the planning/drawing warnings met on the way."""

    path: Path
    warnings: tuple[Issue, ...]


def preview_sheet(name: str, out: Path, *, root: Path | None = None, width: int = 1080,
                  fields: Mapping[str, str] | None = None) -> Preview:
    """Plan the sample film under template `name` and write the sheet to `out` (PNG by suffix).

    Raises `TemplateError` when the template is invalid or the sample film breaks one of its
    checks (contrast, safe zone, logo overlap): a template that fails here fails every film.
    """
    # the pipeline (and the render steps on it) import this package's siblings
    from toolkit.film.pipeline import prepare
    from toolkit.film.steps import draw_text

    resolved = load_template(name, root=root)
    scale = width / 1080
    gap = round(24 * scale)
    panel_w = (width - 4 * gap) // 3 // 2 * 2
    with tempfile.TemporaryDirectory(prefix="reel-preview-") as tmp:
        sample = Path(tmp) / "sample.yaml"
        sample.write_text(SAMPLE, encoding="utf-8")
        try:
            prepared = prepare(sample, template=name, width=panel_w, templates_root=root,
                               fields={**sample_fields(resolved), **(fields or {})})
        except IssuesError as exc:
            raise TemplateError([_unlocated(i) for i in exc.issues if _about_the_template(i)],
                                summary=f"template `{name}` fails its checks on the preview's sample film") from None
        raster = draw_text(prepared.timeline, Path(tmp) / "raster").raster  # a render's first step
        panels = [(label, _panel(prepared.timeline, raster, _frame(prepared.timeline, which, moment)))
                  for label, which, moment in PANELS]
    sheet = _sheet(resolved, panels, width, gap, scale)
    out = Path(out)
    try:
        with replacing(out) as temp:  # a half-written preview never replaces the last good one
            sheet.save(temp)
    except OSError as exc:
        raise OutputError(f"{out}: cannot write the preview ({exc.strerror or exc})") from None
    warnings = [_unlocated(i) for i in (*prepared.warnings, *raster.warnings) if _about_the_template(i)]
    return Preview(out, tuple(warnings))


def sample_fields(resolved: ResolvedTemplate) -> dict[str, str]:
    """Values for the template's merge fields: its defaults, and `[name]` for fields without one."""
    tpl = resolved.template.model_dump(by_alias=True)
    used: list[str] = list(resolved.template.fields)
    for prop in TEMPLATE_TEXTS:
        node = tpl
        for key in prop.split("."):
            node = node.get(key) if isinstance(node, dict) else None
        used += field_names(node) if isinstance(node, str) else []
    return {n: resolved.template.fields.get(n) or f"[{n}]" for n in dict.fromkeys(used)}


def _about_the_template(issue: Issue) -> bool:
    # the sample film shows the template's look and is silent on purpose (it has no media of its own)
    return issue.severity != "info" and issue.code != "silent-film"


def _unlocated(issue: Issue) -> Issue:
    # The sample lives in a temporary file; its path would mean nothing to the editor.
    return dataclasses.replace(issue, file=None, line=None, col=None,
                               path=f"sample film {issue.path}".strip())


# ------------------------------------------------------------------ panels


def _frame(timeline: Timeline, which: int | str, moment: str) -> tuple[Segment, int]:
    seg = timeline.end_card if which == "end_card" else \
        next(s for s in timeline.segments if s.loc == ("scenes", which))
    if moment == "word":
        words = sorted((o for o in timeline.overlays if o.kind == "caption" and seg.start <= o.start < seg.end),
                       key=lambda o: o.start)
        if words:
            return seg, words[len(words) // 2].start
    return seg, seg.start + seg.length // 2


def _panel(timeline: Timeline, raster: RasterPlan, at: tuple[Segment, int]) -> Image.Image:
    seg, frame = at
    canvas = timeline.canvas
    image = _background(seg.source, (canvas.width, canvas.height))
    shown = next((i for i in raster.images if i.start <= frame < i.end), None)
    if shown is not None:
        with Image.open(shown.path) as layer:
            image.alpha_composite(layer.convert("RGBA"), dest=(raster.box.x, raster.box.y))
    outline_safe_zone(image, canvas.safe)
    return image


def _background(source: Source, size: tuple[int, int]) -> Image.Image:
    if isinstance(source, GradientSource):
        import numpy as np

        w, h = size
        ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
        t = {"vertical": ys / max(1, h - 1), "horizontal": xs / max(1, w - 1),
             "diagonal": (xs / max(1, w - 1) + ys / max(1, h - 1)) / 2}[source.direction]
        a, b = (np.array(parse_color(c).rgb, dtype=np.float32) for c in source.colors)
        pixels = a + (b - a) * t[..., None]
        return Image.fromarray(pixels.round().astype(np.uint8)).convert("RGBA")
    colour = source.color if isinstance(source, ColorSource) else "#333333"  # footage: not in the sample
    return Image.new("RGBA", size, colour)


# ------------------------------------------------------------------ the sheet


def _sheet(resolved: ResolvedTemplate, panels: list[tuple[str, Image.Image]], width: int, gap: int,
           scale: float) -> Image.Image:
    height = round(width * 16 / 9)
    sheet = Image.new("RGBA", (width, height), _PAPER)
    draw = ImageDraw.Draw(sheet)
    bold, regular = (resolve_font(f"atkinson-hyperlegible:{s}") for s in ("bold", "regular"))

    def font(path: Path, size: float) -> ImageFont.FreeTypeFont:
        return ImageFont.truetype(str(path), max(8, round(size * scale)))

    tpl = resolved.template
    y = gap + round(8 * scale)
    draw.text((gap, y), f"Template: {tpl.name}", font=font(bold, 52), fill=_INK)
    y += round(66 * scale)
    if tpl.description:
        draw.text((gap, y), tpl.description, font=font(regular, 26), fill=_MUTED)
        y += round(40 * scale)
    meta = [f"extends {' → '.join(resolved.chain[1:])}" if len(resolved.chain) > 1 else "base template",
            f"locks {', '.join(resolved.lock_origins)}" if resolved.lock_origins else "nothing locked"]
    if tpl.fields:
        meta.append("fields " + ", ".join(tpl.fields))
    draw.text((gap, y), "  ·  ".join(meta), font=font(regular, 24), fill=_MUTED)
    y += round(48 * scale)
    y = _swatches(draw, resolved, gap, y, font(regular, 22), scale)
    y = draw_grid(sheet, [Tile(image, (label,)) for label, image in panels], left=gap, top=y, columns=3, gap=gap,
                  label_height=round(64 * scale), fonts=(font(bold, 24),), fills=(_INK,),
                  line_offsets=(round(10 * scale),), frame="#c9c7c0") + round(8 * scale)
    legend = (f"Dashed outline: the platform safe zone ({describe_safe_zone()}). Text and logo "
              "stay inside it; the end card is always last and cannot be removed.")
    y = _wrapped(draw, legend, font(regular, 22), gap, y, width - 2 * gap, _MUTED) + round(24 * scale)
    draw.text((gap, y), "Contrast (WCAG 1.4.3 needs 4.5:1)", font=font(bold, 24), fill=_INK)
    y += round(40 * scale)
    rows = contrast_rows(tpl)
    half = (len(rows) + 1) // 2
    for k, (what, ratio) in enumerate(rows):
        col_x = gap + (k // half) * (width - 2 * gap) // 2
        row_y = y + (k % half) * round(32 * scale)
        verdict = "no box: depends on the footage" if ratio is None else \
            f"{ratio:.2f}:1 {'pass' if ratio >= MIN_CONTRAST else 'FAIL'}"
        draw.text((col_x, row_y), f"{what}: {verdict}", font=font(regular, 21), fill=_INK)
    return sheet.convert("RGB")


def contrast_rows(tpl: Template) -> list[tuple[str, float | None]]:
    """Each text colour of the template against its backing; captions over any footage (worst case)."""
    pal = tpl.palette

    def ratio(fg: str, bg: str) -> float:
        return contrast_ratio(parse_color(fg).rgb, parse_color(bg).rgb)

    rows: list[tuple[str, float | None]] = []
    box = tpl.captions.box
    outline = tpl.captions.outline
    for what, colour in (("Captions", tpl.captions.color), ("Highlighted word", tpl.captions.highlight)):
        if outline is not None:  # as the planner judges it: against what lies directly behind the letters
            rows.append((f"{what} on the outline", ratio(colour, outline.color)))
            continue
        rows.append((what, None if box is None else worst_case_contrast(
            parse_color(colour).rgb, (*parse_color(box).rgb, round(tpl.captions.box_opacity * 255)))))
    for kind in ("content-warning", "title", "signpost"):
        look = tpl.slates.for_kind(kind)
        bg = look.background or pal.background
        rows.append((f"{kind.capitalize()} slate text", ratio(look.color or pal.text, bg)))
        if look.heading:
            rows.append((f"{kind.capitalize()} slate heading", ratio(look.heading_color or pal.accent, bg)))
    card = tpl.end_card
    bg = card.background or pal.background
    rows += [("End card heading", ratio(card.heading_color or pal.text, bg)),
             ("End card text", ratio(card.color or pal.text, bg)),
             ("End card numbers", ratio(card.number_color or pal.accent, bg))]
    return rows


def _swatches(draw: ImageDraw.ImageDraw, resolved: ResolvedTemplate, x: int, y: int,
              label_font: ImageFont.FreeTypeFont, scale: float) -> int:
    tpl = resolved.template
    size = round(34 * scale)
    chips = [("background", tpl.palette.background), ("text", tpl.palette.text), ("accent", tpl.palette.accent),
             ("captions", tpl.captions.color), ("highlight", tpl.captions.highlight)]
    right = draw.im.size[0] - x
    for label, colour in chips:
        text = f"{label} {colour}"
        if x + size + round(24 * scale) + label_font.getlength(text) > right:
            x, y = round(24 * scale), y + size + round(10 * scale)
        draw.rounded_rectangle([x, y, x + size, y + size], radius=round(6 * scale), fill=colour, outline="#8a8780")
        draw.text((x + size + round(8 * scale), y + size // 2), text, font=label_font, fill=_INK, anchor="lm")
        x += size + round(16 * scale) + round(label_font.getlength(text))
    y += size + round(14 * scale)
    names = []
    for role in ("heading", "body", "captions"):
        ref = getattr(tpl.fonts, role)
        try:
            family, style = ImageFont.truetype(str(resolve_font(ref, *(resolved.folder.parent / c
                                                                        for c in resolved.chain))), 12).getname()
            names.append(f"{role}: {family} {style}")
        except (FileNotFoundError, OSError):
            names.append(f"{role}: {ref}")
    margin = round(24 * scale)
    return _wrapped(draw, "Fonts - " + "  ·  ".join(names), label_font, margin, y, right - margin, _MUTED) \
        + round(12 * scale)


def _wrapped(draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont, x: int, y: int, width: int,
             fill: str) -> int:
    """Draw `text` word-wrapped to `width`; returns the y below it."""
    line = ""
    for word in text.split():
        trial = f"{line} {word}".strip()
        if font.getlength(trial) > width and line:
            draw.text((x, y), line, font=font, fill=fill)
            y += round(font.size * 1.35)
            line = word
        else:
            line = trial
    if line:
        draw.text((x, y), line, font=font, fill=fill)
    return y + round(font.size * 1.35)
