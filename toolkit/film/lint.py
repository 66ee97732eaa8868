"""Safe-messaging checks over everything a film puts on screen, located where it was written.

Given the planned Timeline, the lint reads the text of every drawn block (captions, slates and
their template headings, the end card) after templates and merge fields were applied, finds
the storyboard line, template file or merge-field value that produced each character, and
reports there. It also: matches phrases split across two captions of a scene; warns about
invisible and look-alike characters; refuses a content-warning slate that does not say what the
film covers and that support follows; and refuses a film whose text shows a topic that needs a
content warning but is missing from `topics`. Reviewed exceptions excuse only the words they quote.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from toolkit.care.characters import suspicious_characters
from toolkit.care.lint import LintHit, RuleSet, find_topics, lint_text, load_rules
from toolkit.care.warnings import FLAGGED_TOPICS, normalize_topic, warning_text_problems
from toolkit.doc.loader import Document
from toolkit.errors import Issue
from toolkit.film.picture_words import PictureWords, outside_safe
from toolkit.film.plan.timeline import TextBlock, Timeline
from toolkit.film.spec.models import ReviewedException, Slate
from toolkit.film.spec.texts import ScreenText, TextPositions, raw_text, screen_texts, template_texts
from toolkit.film.spec.validate import LoadedStoryboard
from toolkit.film.template.fields import fill

if TYPE_CHECKING:
    from toolkit.film.template.loader import ResolvedTemplate

_FIELD = re.compile(r"\{\{(.*?)\}\}", re.S)


def lint_storyboard(loaded: LoadedStoryboard, *, timeline: Timeline | None = None,
                    template: ResolvedTemplate | None = None, fields: Mapping[str, str] | None = None,
                    rules: RuleSet | None = None, pictures: Sequence[PictureWords] = ()) -> list[Issue]:
    """Located safe-messaging issues for a film (see the module doc).

    `loaded` is the storyboard with merge fields filled; `template` the applied template;
    `fields` the --field values. With `timeline`, exactly what is drawn is checked; without it,
    every text the storyboard (and template) writes. A hit covered by a `reviewed_exceptions`
    entry (same rule, the flagged words inside its quoted text) is kept as `info` so the decision
    stays visible. A language without rules gives one "not checked" warning, never a silent pass.
    `pictures` are the words read from the film's pictures (`toolkit.film.picture_words`): they
    are linted too, located at the field naming the picture, and words a layer shows outside
    the platform-safe box are warned about.
    """
    doc, sb = loaded.document, loaded.storyboard
    rules = rules or load_rules()
    sources = [*screen_texts(loaded), *(template_texts(loaded, template) if template else ())]
    items = drawn_texts(sources, timeline) if timeline is not None else sources
    place = TextPlacer(loaded, template, fields or {})
    issues: list[Issue] = []
    for item in items:
        for w in suspicious_characters(item.text):
            severity = "error" if w.code == "control-character" else "warning"
            issues.append(place.issue(item, w.offset, w.message, severity, w.code))
    probe = lint_text("", language=sb.language, rules=rules)
    if not probe.checked:
        line, col = doc.text_start(("language",))
        issues.append(Issue(probe.reason, path="language", file=doc.path, line=line, col=col,
                            severity="warning", code="lint-not-checked"))
        return issues
    used: set[int] = set()
    for item in items:
        for hit in lint_text(item.text, language=sb.language, rules=rules).hits:
            issues.append(_hit_issue(place, item, hit, hit.start, sb.reviewed_exceptions, used))
    issues.extend(_across_captions(items, place, rules, sb.language, sb.reviewed_exceptions, used))
    issues.extend(_picture_issues(doc, pictures, rules, sb.language, sb.topics, sb.reviewed_exceptions, used,
                                  timeline))
    for n, ex in enumerate(sb.reviewed_exceptions):
        if n not in used:
            issues.append(doc.issue(("reviewed_exceptions", n, "text"), (
                f"this exception excuses nothing on screen: no `{ex.rule}` error lies inside “{ex.text}”; quote "
                "the words exactly as the film shows them, or remove the exception"), severity="warning",
                code="unused-exception"))
    issues.extend(_content_warnings(loaded, rules))
    issues.extend(_missing_topics(items, place, rules, sb.topics))
    return issues


def drawn_texts(sources: list[ScreenText], timeline: Timeline) -> list[ScreenText]:
    """The sources the timeline draws, in source order, then drawn text no source accounts for."""
    by_text: dict[str, list[int]] = {}
    for n, s in enumerate(sources):
        by_text.setdefault(_canon(s.text), []).append(n)
    drawn: set[int] = {0}  # the title is always checked: it is the file's title and the post's
    extra: list[ScreenText] = []
    for overlay in timeline.overlays:
        for block in overlay.blocks:
            if not isinstance(block, TextBlock):
                continue
            text = "\n".join(line.text for line in block.lines)
            found = by_text.get(_canon(text))
            if not found:
                what = overlay.kind.replace("_", " ")
                if all(e.text != text for e in extra):
                    extra.append(ScreenText(overlay.loc, text, what, f"{what} text as drawn", authored=False))
                continue
            drawn.add(max(found, key=lambda n: _shared(sources[n].loc, overlay.loc)))
    return [s for n, s in enumerate(sources) if n in drawn] + extra


def _canon(text: str) -> str:
    return " ".join(text.split())


def _shared(a: Sequence[str | int], b: Sequence[str | int]) -> int:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return n


# ---------------------------------------------------------------- locating


class TextPlacer:
    """Turns an offset in a drawn text into an Issue at the file, line and column that wrote it."""

    def __init__(self, loaded: LoadedStoryboard, template: ResolvedTemplate | None,
                 cli: Mapping[str, str]) -> None:
        self.doc = loaded.document
        self.template = template
        self.cli = dict(cli)
        defaults = {k: v for k, v in (template.template.fields.items() if template else ()) if v is not None}
        self.sb_fields = dict(loaded.storyboard.fields)
        self.values = defaults | self.sb_fields | self.cli

    def issue(self, item: ScreenText, offset: int, message: str, severity: str, code: str) -> Issue:
        document = item.document or self.doc
        note = item.source_note
        raw = raw_text(document, item.loc)
        where: tuple[Document | None, tuple[str | int, ...], str, int] = (document, item.loc, item.text, offset)
        if raw is not None and "{{" in raw:
            found = self._through_fields(document, item, raw, offset)
            if found is not None:
                where, field_note = found
                note = f"{note}, {field_note}" if note else field_note
        elif raw != item.text:
            where = (document, item.loc, "", -1)  # e.g. a cue of a caption file: point at the `file:` key
        doc, loc, text, at = where
        message = f"{note}: {message}" if note else message
        if doc is None:
            return Issue(message, path=f"--field {loc[-1]}", severity=severity, code=code)  # type: ignore[arg-type]
        line, col, path = doc.locate(loc)
        if at >= 0:
            line, col = TextPositions(doc, loc, text).at(at)
        return Issue(message, path=path, file=doc.path, line=line, col=col, severity=severity,  # type: ignore[arg-type]
                     code=code)

    def _through_fields(self, document: Document, item: ScreenText, raw: str, offset: int):
        """Where final offset `offset` was written when `raw` has merge fields; None if it can't be told."""
        pos = final = 0
        pieces: list[tuple[int, int, str | None, int]] = []  # final start, end, field name, raw start
        for m in _FIELD.finditer(raw):
            pieces.append((final, final + m.start() - pos, None, pos))
            final += m.start() - pos
            value = fill(m.group(0), self.values).text
            name = m.group(1).strip()
            pieces.append((final, final + len(value), name if name in self.values else None, m.start()))
            final += len(value)
            pos = m.end()
        pieces.append((final, final + len(raw) - pos, None, pos))
        if final + len(raw) - pos != len(item.text):
            return None
        for start, end, name, raw_start in pieces:
            if start <= offset < end or (offset == end == len(item.text)):
                if name is None:
                    return (document, item.loc, raw, raw_start + offset - start), ""
                return self._field(name, offset - start)
        return None

    def _field(self, name: str, at: int):
        value = self.values[name]
        if name in self.cli:
            return (None, ("fields", name), value, -1), f"merge field `{name}` (given with --field)"
        if name in self.sb_fields:
            return (self.doc, ("fields", name), value, at), f"merge field `{name}`"
        assert self.template is not None
        origin = self.template.origins.get(f"fields.{name}") or self.template.chain[0]
        tdoc = self.template.documents.get(origin)
        return (tdoc, ("fields", name), value, at), f"merge field `{name}` (default in template `{origin}`)"


# ---------------------------------------------------------------- hits and exceptions


def _hit_issue(place: TextPlacer, item: ScreenText, hit: LintHit, offset: int,
               exceptions: Sequence[ReviewedException], used: set[int], prefix: str = "") -> Issue:
    message = prefix + hit.message
    severity = hit.severity
    if severity == "error":
        ex = excusing(hit, exceptions)
        if ex is not None:
            used.add(next(n for n, e in enumerate(exceptions) if e is ex))
            severity = "info"
            message = f"reviewed exception ({ex.reviewer}: {ex.reason}): {message}"
    return place.issue(item, offset, message, severity, hit.rule_id)


def excusing(hit: LintHit, exceptions: Sequence[ReviewedException]) -> ReviewedException | None:
    """The exception that excuses `hit`: same rule, and the flagged words inside the text it quotes."""
    words = _canon(hit.matched).casefold()
    for ex in exceptions:
        quoted = _canon(ex.text).casefold()
        if ex.rule == hit.rule_id and quoted and words and words in quoted:
            return ex
    return None


def _across_captions(items: list[ScreenText], place: TextPlacer, rules: RuleSet, language: str,
                     exceptions: Sequence[ReviewedException], used: set[int]) -> list[Issue]:
    """Phrases split over two consecutive captions of a scene, located at the first caption."""
    out: list[Issue] = []
    captions = [i for i in items if i.scene is not None]
    for a, b in itertools.pairwise(captions):
        if a.scene != b.scene:
            continue
        joined = f"{a.text} {b.text}"
        cut = len(a.text)
        for hit in lint_text(joined, language=language, rules=rules).hits:
            if hit.start < cut < hit.end - 1:
                parts = f"“{joined[hit.start:cut].strip()}” | “{joined[cut + 1:hit.end].strip()}”"
                out.append(_hit_issue(place, a, hit, hit.start, exceptions, used,
                                      prefix=f"split across two captions ({parts}): "))
    return out


# ---------------------------------------------------------------- content warnings and topics


def _content_warnings(loaded: LoadedStoryboard, rules: RuleSet) -> list[Issue]:
    doc, sb = loaded.document, loaded.storyboard
    out = []
    for i, scene in enumerate(sb.scenes):
        if isinstance(scene, Slate) and scene.slate == "content-warning" and scene.text:
            problem = warning_text_problems(scene.text, sb.topics, rules)
            if problem:
                out.append(doc.issue(("scenes", i, "text"), problem, code="content-warning-text"))
    return out


def _missing_topics(items: list[ScreenText], place: TextPlacer, rules: RuleSet, topics: Sequence[str]) -> list[Issue]:
    """One error per flagged topic the text shows but `topics` leaves out, at the first place it shows."""
    have = {normalize_topic(t) for t in topics}
    missing = FLAGGED_TOPICS - have
    out: list[Issue] = []
    for item in items:
        if not missing:
            break
        if not item.authored:
            continue
        for topic, start, end in find_topics(item.text, rules):
            if topic not in missing:
                continue
            missing = missing - {topic}
            out.append(place.issue(item, start, (
                f"this text talks about {topic.replace('-', ' ')} (“{item.text[start:end]}”) but `topics` does not "
                f"list `{topic}`: add `{topic}` to `topics:`, which adds the content-warning slate and the "
                f"{topic.replace('-', ' ')} helplines"), "error", "topic-missing"))
    return out


def picture_lint(loaded: LoadedStoryboard, pictures: Sequence[PictureWords], timeline: Timeline | None = None,
                 rules: RuleSet | None = None) -> list[Issue]:
    """The safe-messaging issues of words read from `pictures` alone (pictures known only after
    planning, such as python layers once drawn), located as `lint_storyboard` locates them."""
    sb = loaded.storyboard
    return _picture_issues(loaded.document, pictures, rules or load_rules(), sb.language, sb.topics,
                           sb.reviewed_exceptions, set(), timeline)


def _picture_issues(doc: Document, pictures: Sequence[PictureWords], rules: RuleSet, language: str,
                    topics: Sequence[str], exceptions: Sequence[ReviewedException], used: set[int],
                    timeline: Timeline | None) -> list[Issue]:
    """The lint over words read from pictures, each located at the field that names its picture."""
    out: list[Issue] = []
    missing = FLAGGED_TOPICS - {normalize_topic(t) for t in topics}
    for words in pictures:
        field = words.picture.field
        for text in words.texts():
            said = f"the picture shows “{_short(text)}” (read from its pixels): "
            for hit in lint_text(text, language=language, rules=rules).hits:
                severity, message = hit.severity, said + hit.message
                ex = excusing(hit, exceptions) if severity == "error" else None
                if ex is not None:
                    used.add(next(n for n, e in enumerate(exceptions) if e is ex))
                    severity, message = "info", f"reviewed exception ({ex.reviewer}: {ex.reason}): {message}"
                out.append(doc.issue(field, message, severity=severity, code=hit.rule_id))
            for topic, start, end in find_topics(text, rules):
                if topic in missing:
                    missing = missing - {topic}
                    out.append(doc.issue(field, (
                        f"{said}it talks about {topic.replace('-', ' ')} (“{text[start:end]}”) but `topics` does not "
                        f"list `{topic}`: add `{topic}` to `topics:`, which adds the content-warning slate and the "
                        f"{topic.replace('-', ' ')} helplines"), code="topic-missing"))
        layer = words.picture.layer
        if timeline is not None and layer is not None and not layer.bears_text:
            lines = outside_safe(words, timeline.canvas.safe)
            if lines:
                shown = "; ".join(f"“{_short(line)}”" for line in lines[:3])
                out.append(doc.issue(field, (
                    f"this picture shows words outside the platform-safe box, where the app's buttons and captions "
                    f"cover them ({shown}): place the layer inside the safe box and mark it `text: yes`, or use a "
                    "picture without words there"), severity="warning", code="picture-words-outside-safe"))
    return out


def _short(text: str, limit: int = 80) -> str:
    text = "".join(c if c.isprintable() else " " for c in text)
    return text if len(text) <= limit else text[:limit - 1] + "…"
