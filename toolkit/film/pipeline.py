"""The build pipeline's front half: storyboard file → validated, planned Timeline.

load → validate → apply template → probe → choose helplines → lint → plan. Every stage's
problems are collected and reported together, each located in the file that has it.
Rendering (compile → run → verify) continues from `Prepared` in `toolkit.film.render`.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from pathlib import Path

from toolkit.care.cardread import custom_service, directory_service, read_card
from toolkit.care.endcard import MAX_SERVICES, EndCardSelection, card_seconds, end_card_lines, select_end_card
from toolkit.care.helplines import Directory, load_directory
from toolkit.care.phones import custom_service_problems
from toolkit.errors import Issue, PolicyError, ProbeError, SpecError, TemplateError
from toolkit.film.lint import lint_storyboard
from toolkit.film.plan.inputs import EndCardContent, EndCardService, PlanInputs, make_canvas
from toolkit.film.plan.planner import PlanFailed, plan
from toolkit.film.plan.timeline import Timeline
from toolkit.film.spec.validate import LoadedStoryboard, load_storyboard
from toolkit.film.template.apply import apply_brand
from toolkit.film.template.glyphs import glyph_issues
from toolkit.film.template.loader import (
    ResolvedTemplate,
    available_templates,
    load_template,
    template_file,
)
from toolkit.media.probe import probe

DRAFT_WIDTH = 540


@dataclass(frozen=True)
class Prepared:
    """Everything known about a film before any pixel is drawn."""

    loaded: LoadedStoryboard
    template: ResolvedTemplate
    selection: EndCardSelection
    inputs: PlanInputs
    timeline: Timeline
    warnings: tuple[Issue, ...]


def prepare(path: Path, *, template: str | None = None, width: int | None = None, fps: Fraction | None = None,
            allow_outside: bool = False, strict: bool = False, today: date | None = None,
            templates_root: Path | None = None, fields: Mapping[str, str] | None = None) -> Prepared:
    """Validate and plan the storyboard at `path`. Raises `SpecError`/`PolicyError` with every issue.

    `width` renders smaller at the same 9:16 shape and timing (drafts, tests). With `strict`,
    warnings are errors. `template` overrides the storyboard's `template:`; `fields` (from
    `--field key=value`) fill merge fields, over the storyboard's `fields:`.
    """
    loaded = load_storyboard(path, allow_outside=allow_outside)
    doc, sb = loaded.document, loaded.storyboard
    issues: list[Issue] = list(loaded.warnings)

    name = template or sb.template
    if name not in available_templates(templates_root):
        names = ", ".join(available_templates(templates_root)) or "none"
        message = f"template `{name}` not found; available: {names}"
        raise TemplateError([Issue(f"--template {name}: {message}") if template else doc.issue(["template"], message)])
    branded = apply_brand(loaded, load_template(name, root=templates_root), fields)
    loaded, resolved, fonts = branded.loaded, branded.template, branded.fonts
    sb = loaded.storyboard
    issues.extend(branded.warnings)
    tpl = resolved.template
    media = dict(loaded.media)
    extra = {}
    for key, rel in (("logo", tpl.logo.file if tpl.logo else None), ("intro", tpl.intro), ("outro", tpl.outro),
                     ("music", tpl.music.file if tpl.music else None)):
        if rel is None:
            continue
        found = template_file(resolved, rel)
        if found is None:
            raise TemplateError([Issue(f"{key} file {rel} not found", file=resolved.folder / "template.yaml")])
        try:
            media[found] = probe(found)
        except ProbeError as exc:
            raise TemplateError([Issue(str(exc), file=resolved.folder / "template.yaml")]) from None
        extra[key] = found

    selection, card = _end_card(loaded, resolved, issues, today or date.today())
    canvas = make_canvas(sb.platform, width=width, fps=fps)
    inputs = PlanInputs(storyboard=sb, base_dir=loaded.base_dir, template=tpl, template_dir=resolved.folder,
                        fonts=fonts, media=media, end_card=card, canvas=canvas, measurer=FontMeasurer(),
                        caption_files=loaded.caption_files, **extra)
    try:
        result = plan(inputs)
    except PlanFailed as failed:
        located = [doc.issue(i.loc, i.message, severity=i.severity, code=i.code) for i in failed.issues]
        raise SpecError(issues + located) from None
    issues.extend(doc.issue(i.loc, i.message, severity=i.severity, code=i.code) for i in result.warnings)
    issues.extend(glyph_issues(result.timeline, doc))
    lint = lint_storyboard(loaded, timeline=result.timeline, template=resolved, fields=fields)
    if any(i.severity == "error" for i in lint):
        raise PolicyError(issues + lint, summary="unsafe wording, a content warning or topics to fix (safe-messaging "
                                                 "check); reword it, or record "
                                                 "a reviewed exception with a reason")
    issues.extend(lint)
    if strict:
        promoted = [dataclasses.replace(i, severity="error") if i.severity == "warning" else i for i in issues]
        if any(i.severity == "error" for i in promoted):
            raise SpecError(promoted, summary="warnings are errors under --strict")
    return Prepared(loaded=loaded, template=resolved, selection=selection, inputs=inputs,
                    timeline=result.timeline, warnings=tuple(issues))


class FontMeasurer:
    """Text widths exactly as the rasteriser will draw them, fallback glyphs included."""

    def __init__(self) -> None:
        from toolkit.film.compile.fonts import FontBook, default_fallbacks

        self.book = FontBook(fallbacks=default_fallbacks())

    def width(self, font: Path, size: int, text: str) -> int:
        return round(self.book.text_width(text, font, size))


def _locate_policy(doc, issue: Issue) -> Issue:
    """Place a helpline-selection issue at the storyboard key it is about (`end_card.services[1]`, `region`)."""
    import re

    m = re.match(r"end_card\.services\[(\d+)\]", issue.path or "")
    loc: list = ["end_card", "services", int(m.group(1))] if m else (
        ["end_card", "services"] if (issue.path or "").startswith("end_card") else ["region"])
    located = doc.issue(loc, issue.message, code=issue.code)
    return dataclasses.replace(located, path=issue.path or located.path)


def _end_card(loaded: LoadedStoryboard, resolved: ResolvedTemplate, issues: list[Issue],
              today: date) -> tuple[EndCardSelection, EndCardContent]:
    doc, sb = loaded.document, loaded.storyboard
    directory = load_directory()
    try:
        selection = select_end_card(directory, sb.region, sb.topics, sb.end_card.services)
    except PolicyError as exc:
        raise PolicyError([_locate_policy(doc, i) for i in exc.issues]) from None
    where = ["end_card"] if isinstance(doc.data, dict) and "end_card" in doc.data else ["region"]
    for note in selection.notes:
        issues.append(doc.issue(where, note, severity="info"))
    for entry in directory.stale_entries(today):
        if entry in selection.services:
            issues.append(doc.issue(where, f"helpline entry `{entry.id}` was last verified on "
                                    f"{entry.verified_on}, over 180 days ago: re-verify the directory",
                                    severity="warning", code="stale-helpline"))
    customs = sb.end_card.custom_services
    if len(selection.services) + len(customs) > MAX_SERVICES:
        room = max(0, MAX_SERVICES - len(selection.services))
        raise PolicyError([doc.issue(["end_card", "custom_services", room] if room < len(customs)
                                     else ["end_card", "custom_services"],
                                     f"the end card has room for {MAX_SERVICES} services and this film's region "
                                     f"and topics already need {len(selection.services)}, so at most {room} custom "
                                     f"service{'s' if room != 1 else ''} fit; {len(customs)} are listed. Name the "
                                     "others in the post text", code="end-card-full")])
    heading = sb.end_card.heading or resolved.template.end_card.heading
    problems = _card_problems(loaded, directory, selection, heading)
    if problems:
        raise PolicyError(problems, summary="the end card would show a number that is not its helplines' own")
    lines = end_card_lines(selection)
    services = [EndCardService(line.name.nonbreaking(), tuple(c.nonbreaking() for c in line.contacts),
                               line.hours.text) for line in lines]
    for custom in sb.end_card.custom_services:
        contacts = tuple(c for c in (f"Call {custom.call}" if custom.call else None,
                                     f"Text {custom.text}" if custom.text else None,
                                     custom.web) if c)
        services.append(EndCardService(custom.name, contacts, custom.hours or ""))
    seconds = card_seconds(lines, heading)
    extra_words = sum(len(s.name.split()) + len(" ".join(s.contacts).split()) for s in services[len(lines):])
    seconds += 0.3 * extra_words + (0.3 * len(sb.end_card.message.split()) if sb.end_card.message else 0.0)
    return selection, EndCardContent(heading=heading, services=tuple(services), min_seconds=seconds,
                                     message=sb.end_card.message,
                                     service_ids=tuple(e.id for e in selection.services))


def _card_problems(loaded: LoadedStoryboard, directory: Directory, selection: EndCardSelection,
                   heading: str) -> list[Issue]:
    """Custom services posing as directory ones or with numbers not of the region, and numbers in
    the card's own words (heading, message, custom names and hours) that are no service's.

    Caught here, before a frame is drawn; the render still reads the card back from its pixels
    (`toolkit.film.cardcheck`), whatever produced it.
    """
    doc, sb = loaded.document, loaded.storyboard
    customs = sb.end_card.custom_services
    out = [doc.issue(["end_card", "custom_services", i, field], message, code="end-card-custom")
           for (i, field), message in custom_service_problems(customs, directory, selection.region)]
    known = [directory_service(e) for e in selection.services]
    known += [custom_service(c.name, call=c.call, text=c.text, web=c.web) for c in customs]
    known += [directory_service(e) for e in directory.for_region(selection.region)]
    words = [heading, sb.end_card.message] + [t for c in customs for t in (c.name, c.hours)]
    for text in (t for t in words if t):
        for wrong in read_card([text], known).wrong:
            out.append(doc.issue(card_text_location(loaded, wrong.number),
                                 f"the end card would show {wrong.number} (“{text}”), which is not the number of "
                                 f"any of its services or of any {selection.region} helpline; a viewer in crisis "
                                 "could call it. The card's numbers must be the helplines' own",
                                 code="end-card-foreign-number"))
    return out


def card_text_location(loaded: LoadedStoryboard, number: str) -> list[str | int]:
    """Where the end-card words holding `number` were written: the storyboard's `end_card.heading`
    or `message`, a custom service, the merge field that filled the template's heading, else the
    template."""
    doc, sb = loaded.document, loaded.storyboard
    digits = re.sub(r"\D", "", number)

    def raw(*keys: str) -> object:
        node = doc.data
        for key in keys:
            node = node.get(key) if isinstance(node, dict) else None
        return node

    def has(text: object) -> bool:
        return isinstance(text, str) and bool(digits) and digits in re.sub(r"\D", "", text)

    for key in ("heading", "message"):
        if has(raw("end_card", key)):
            return ["end_card", key]
    for i, custom in enumerate(sb.end_card.custom_services):
        for key in ("name", "hours"):
            if has(getattr(custom, key)):
                return ["end_card", "custom_services", i, key]
    fields = raw("fields")
    for key, value in (fields.items() if isinstance(fields, dict) else ()):
        if has(value):
            return ["fields", key]
    return ["end_card"] if raw("end_card") is not None else ["template"]
