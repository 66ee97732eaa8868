"""The build pipeline's front half: storyboard file → validated, planned Timeline.

load → validate → apply template → probe → choose helplines → lint → plan. Every stage's
problems are collected and reported together, each located in the file that has it.
Rendering (compile → run → verify) continues from `Prepared` in `toolkit.film.render`.
"""

from __future__ import annotations

import dataclasses
import functools
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
from toolkit.care.reading import reading_time
from toolkit.errors import Issue, IssuesError, PolicyError, ProbeError, ReelError, SpecError, TemplateError
from toolkit.film.anonymising import face_warnings
from toolkit.film.consent import CONSENT_SUMMARY, check_consent
from toolkit.film.lint import lint_storyboard
from toolkit.film.picture_words import PictureWords, pictures_of, read_words
from toolkit.film.plan import text_tracks
from toolkit.film.plan.inputs import EndCardContent, EndCardService, PlanInputs, make_canvas
from toolkit.film.plan.overlays import text_fit
from toolkit.film.plan.planner import PlanFailed, plan
from toolkit.film.plan.timeline import Timeline
from toolkit.film.script_speech import script_pending, timed_by_speech
from toolkit.film.spec.models import Storyboard
from toolkit.film.spec.validate import LoadedStoryboard, check_storyboard, in_file_order
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
    fields: tuple[tuple[str, str], ...] = ()  # the --field values given (the film's manifest names them)


def prepare(path: Path, *, template: str | None = None, width: int | None = None, fps: Fraction | None = None,
            allow_outside: bool = False, strict: bool = False, today: date | None = None,
            templates_root: Path | None = None, fields: Mapping[str, str] | None = None) -> Prepared:
    """Validate and plan the storyboard at `path`. Raises `SpecError`/`PolicyError` with every issue.

    Every check that can run does, and all problems are raised together in file order: the
    safe-messaging lint reads the texts of scenes that failed validation too, and the captions of
    valid scenes are fitted even when the film as a whole cannot be planned; a check that could not
    run says so once. `width` renders smaller at the same 9:16 shape and timing (drafts, tests).
    With `strict`, warnings are errors. `template` overrides the storyboard's `template:`; `fields`
    (from `--field key=value`) fill merge fields, over the storyboard's `fields:`.
    """
    checked = check_storyboard(path, allow_outside=allow_outside)
    run = _Run(checked.document)
    run.add(SpecError, checked.issues)
    loaded = checked.texts  # the whole film, or its texts when some scenes failed
    if loaded is None:
        run.skipped("the template, end card, layout, timing and safe-messaging language were not checked")
        run.finish(strict)
    assert loaded is not None
    doc, sb = loaded.document, loaded.storyboard
    plannable = checked.plannable

    branded, extra, media = None, {}, dict(loaded.media)
    name = template or sb.template
    if name not in available_templates(templates_root):
        names = ", ".join(available_templates(templates_root)) or "none"
        message = f"template `{name}` not found; available: {names}"
        plannable = run.add(TemplateError, [Issue(f"--template {name}: {message}") if template
                                            else doc.issue(["template"], message)]) and plannable
    else:
        try:
            branded = apply_brand(loaded, load_template(name, root=templates_root), fields)
        except TemplateError as exc:
            plannable = run.add(TemplateError, exc.issues, summary=exc.message.partition("\n")[0]) and plannable
    if branded is not None:
        loaded, resolved, fonts = branded.loaded, branded.template, branded.fonts
        sb = loaded.storyboard
        run.add(TemplateError, branded.warnings)
        extra, found = _template_files(resolved, media, run)
        plannable = plannable and found

    selection = card = None
    if branded is not None:  # the card's heading and look come from the template
        try:
            selection, card = _end_card(loaded, resolved, run.issues, today or date.today())
        except PolicyError as exc:
            run.add(PolicyError, exc.issues, summary=exc.message.partition("\n")[0])

    timeline = None
    if branded is not None:
        canvas = make_canvas(sb.platform, width=width, fps=fps)
        inputs = PlanInputs(storyboard=sb, base_dir=loaded.base_dir, template=resolved.template,
                            template_dir=resolved.folder, fonts=fonts, media=media,
                            end_card=card or EndCardContent("", (), 0.0), canvas=canvas, measurer=FontMeasurer(),
                            caption_files=loaded.caption_files, **extra)
        if plannable and card is not None:
            try:
                result = plan(script_pending(inputs))  # the film's untimed script waits for the speech
                inputs, result, heard = timed_by_speech(inputs, result)  # untimed captions follow the voice
                run.add(SpecError, [doc.issue(i.loc, i.message, severity=i.severity, code=i.code) for i in heard])
            except PlanFailed as failed:
                run.add(SpecError, [doc.issue(i.loc, i.message, severity=i.severity, code=i.code)
                                    for i in failed.issues])
            else:
                timeline = result.timeline
                run.add(SpecError, [doc.issue(i.loc, i.message, severity=i.severity, code=i.code)
                                    for i in result.warnings])
                run.add(SpecError, glyph_issues(timeline, doc))
        else:
            # Text fit needs only the scene, the template and the fonts: check it for every sound
            # scene. Timing, transitions and the film's length need every scene, so they wait.
            run.add(SpecError, [doc.issue(i.loc, i.message, severity=i.severity, code=i.code)
                                for i in [*text_fit(inputs, sorted(checked.sound)),
                                          *text_tracks.text_fit(inputs, sorted(checked.sound))]])
            unchecked = ["timing (scene lengths, transitions, the film's length)"]
            unchecked += ["the layout of the scenes with errors"] if len(checked.sound) < len(sb.scenes) else []
            unchecked += ["the end card's layout"] if card is None else []
            run.skipped(", ".join(unchecked[:-1]) + " and " + unchecked[-1] + " were not checked" if len(unchecked) > 1
                        else unchecked[0] + " was not checked")
    else:
        run.skipped("the end card, layout and timing were not checked")

    pictures: list[PictureWords] = []
    if timeline is not None:
        try:
            pictures = read_words(pictures_of(timeline, functools.partial(picture_field, sb)))
        except ReelError as exc:
            run.add(SpecError, [Issue(f"the words in the film's pictures could not be read: {exc}")])
        # the detector runs here (cached by content) so validate warns as render does; the render reads the cache
        run.add(SpecError, face_warnings(timeline, doc))
    lint = lint_storyboard(loaded, timeline=timeline, template=branded.template if branded else None, fields=fields,
                           pictures=pictures)
    run.add(PolicyError, lint, summary=LINT_SUMMARY)
    bad_records, broken = check_consent(loaded, today or date.today(), pictures,  # who the film shows, as agreed
                                        template=branded.template if branded else None, timeline=timeline,
                                        fields=fields)
    run.add(SpecError, bad_records)
    run.add(PolicyError, broken, summary=CONSENT_SUMMARY)
    run.finish(strict)
    assert branded is not None and selection is not None and timeline is not None
    return Prepared(loaded=loaded, template=branded.template, selection=selection, inputs=inputs,
                    timeline=timeline, warnings=tuple(run.issues), fields=tuple(sorted((fields or {}).items())))


LINT_SUMMARY = ("unsafe wording, a content warning or topics to fix (safe-messaging check); reword it, or record "
                "a reviewed exception with a reason")


class _Run:
    """The problems of one `prepare()`, gathered from every check, and the checks that could not run."""

    def __init__(self, doc) -> None:
        self.doc = doc
        self.issues: list[Issue] = []
        self.first: type[IssuesError] | None = None  # the error class of the first check that failed
        self.summaries: list[str | None] = []  # one per check that failed
        self.not_run: list[str] = []

    def add(self, kind: type[IssuesError], issues, summary: str | None = None) -> bool:
        """Record the issues of one check; False when it found an error."""
        issues = list(issues)
        self.issues.extend(issues)
        if any(i.severity == "error" for i in issues):
            self.first = self.first or kind
            self.summaries.append(summary)
            return False
        return True

    def skipped(self, what: str) -> None:
        """Note a check that could not run; said only when an error above is the reason."""
        self.not_run.append(what)

    def finish(self, strict: bool) -> None:
        """Raise every problem, in file order, when there is an error (a warning too under `strict`)."""
        issues = in_file_order(self.issues)
        if strict and self.first is None and any(i.severity == "warning" for i in issues):
            promoted = [dataclasses.replace(i, severity="error") if i.severity == "warning" else i for i in issues]
            raise SpecError(promoted, summary="warnings are errors under --strict")
        if self.first is None:
            return
        if self.not_run:
            issues.append(Issue(f"{'; '.join(self.not_run)}: fix the errors above first", file=self.doc.path,
                                severity="info", code="not-checked"))
        if strict:
            issues = [dataclasses.replace(i, severity="error") if i.severity == "warning" else i for i in issues]
        # one check failed: its own summary; several: a count of them all
        raise self.first(issues, summary=self.summaries[0] if len(self.summaries) == 1 else None)


def _template_files(resolved: ResolvedTemplate, media: dict, run: _Run) -> tuple[dict[str, Path], bool]:
    """The template's logo, intro, outro and music, probed into `media`, and whether all were found;
    problems go to `run`."""
    extra, found_all = {}, True
    tpl = resolved.template
    for key, rel in (("logo", tpl.logo.file if tpl.logo else None), ("intro", tpl.intro), ("outro", tpl.outro),
                     ("music", tpl.music.file if tpl.music else None)):
        if rel is None:
            continue
        found = template_file(resolved, rel)
        if found is None:
            found_all = run.add(TemplateError, [Issue(f"{key} file {rel} not found",
                                                      file=resolved.folder / "template.yaml")])
            continue
        try:
            media[found] = probe(found)
        except ProbeError as exc:
            found_all = run.add(TemplateError, [Issue(str(exc), file=resolved.folder / "template.yaml")])
            continue
        extra[key] = found
    return extra, found_all


class FontMeasurer:
    """Text widths exactly as the rasteriser will draw them, fallback glyphs included."""

    def __init__(self) -> None:
        from toolkit.film.compile.fonts import FontBook, default_fallbacks

        self.book = FontBook(fallbacks=default_fallbacks())

    def width(self, font: Path, size: int, text: str) -> int:
        from toolkit.film.compile.textline import text_width

        return round(text_width(self.book, text, font, size))


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
    extra = [s.name + " " + " ".join(s.contacts) for s in services[len(lines):]]
    seconds += float(reading_time(" ".join([*extra, sb.end_card.message or ""])))
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


def picture_field(storyboard: Storyboard, loc: tuple[str | int, ...], source: object) -> tuple[str | int, ...]:
    """The storyboard field that names a layer's picture (`image`, `asset`, `video`, `python`), for
    locating what is read from it; the layer itself when `loc` leads nowhere."""
    node: object = storyboard
    try:
        for part in loc:
            node = node[part] if isinstance(part, int) else getattr(node, part)  # type: ignore[index]
    except (AttributeError, IndexError, TypeError):
        return loc
    return next(((*loc, name) for name in ("image", "asset", "video", "python") if getattr(node, name, None)), loc)


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
