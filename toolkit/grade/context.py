"""What the grader knows about a film besides its pixels and sound.

Exported clips are often finished in CapCut or Premiere, so grading never depends on a
storyboard. When one is given (`--storyboard`), it supplies the region, the topics (for the
content warning), the planned duration and scenes, and the caption timings; otherwise
`--region`, `--topics` and an optional subtitle file (`--captions`) do.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from toolkit.care.cardread import CardService, custom_service
from toolkit.care.helplines import Directory, load_directory
from toolkit.care.lint import RuleSet, load_rules
from toolkit.care.warnings import FLAGGED_TOPICS, normalize_topic
from toolkit.errors import IssuesError, ReelError, SpecError
from toolkit.geometry import REFERENCE_SAFE, Box
from toolkit.subtitles import Cue, read_subtitles

if TYPE_CHECKING:
    from toolkit.film.plan.text_map import TextMap
    from toolkit.film.spec.models import Storyboard

DEFAULT_REGION = "UK"


@dataclass(frozen=True, slots=True)
class PlanSummary:
    """What the storyboard's plan says the film is: length, visual segments, captions, and where
    it draws its text (`text_map`, read by `toolkit.grade.known_text.known_text_for`)."""

    duration: float
    segments: int
    captions: tuple[Cue, ...]
    text_map: TextMap | None = None


@dataclass(frozen=True, slots=True, eq=False)
class GradeContext:
    """Region, topics, language, the optional plan and captions, and the loaded reference data
    (helpline directory, lint rules). Build with `make_context` and reuse across clips."""

    region: str
    topics: tuple[str, ...]
    directory: Directory
    rules: RuleSet
    language: str = "en"
    storyboard: Path | None = None
    plan: PlanSummary | None = None
    plan_problem: str | None = None
    captions: tuple[Cue, ...] | None = None
    captions_source: str = ""
    captions_file: Path | None = None
    safe_box: Box = REFERENCE_SAFE  # the planner's, standards §2.2
    # The storyboard's own local services (`end_card.custom_services`): their numbers count on
    # the card like the directory's, instead of reading as numbers that are nobody's.
    custom_services: tuple[CardService, ...] = ()

    @property
    def flagged_topics(self) -> tuple[str, ...]:
        """The topics that need an opening content warning (standards §8.1)."""
        return tuple(t for t in self.topics if t in FLAGGED_TOPICS)


def make_context(*, region: str | None = None, topics: Iterable[str] = (), storyboard: Path | None = None,
                 captions_file: Path | None = None, directory: Directory | None = None,
                 rules: RuleSet | None = None) -> GradeContext:
    """Gather the context once for a grading run.

    Explicit `region`/`topics` win over the storyboard's. A storyboard that is invalid in itself
    raises `SpecError` (its located issues); a valid one that cannot be planned here (its
    footage is on another machine, or planning finds a problem) still gives region and topics,
    and the plan comparison is reported as not evaluated with the reason. Raises `PolicyError`
    for an unknown region and `ReelError` for an unreadable subtitle file.
    """
    directory = directory or load_directory()
    rules = rules or load_rules()
    chosen_topics = [normalize_topic(t) for t in topics if t.strip()]
    language = "en"
    plan: PlanSummary | None = None
    plan_problem: str | None = None
    captions: tuple[Cue, ...] | None = None
    source = ""
    customs: tuple[CardService, ...] = ()
    if storyboard is not None:
        sb_region, sb_topics, language, plan, plan_problem, customs = _from_storyboard(Path(storyboard))
        region = region or sb_region
        chosen_topics = chosen_topics or list(sb_topics)
        if plan is not None:
            captions, source = plan.captions, f"storyboard {storyboard}"
    if captions_file is not None:
        captions, source = load_captions(Path(captions_file)), f"subtitles {captions_file}"
    code = directory.resolve_region(region or DEFAULT_REGION)
    return GradeContext(region=code, topics=tuple(dict.fromkeys(chosen_topics)), directory=directory,
                        rules=rules, language=language, storyboard=storyboard, plan=plan,
                        plan_problem=plan_problem, captions=captions, captions_source=source,
                        captions_file=captions_file, custom_services=customs)


def _from_storyboard(path: Path) -> tuple[str, tuple[str, ...], str, PlanSummary | None, str | None,
                                          tuple[CardService, ...]]:
    """Region, topics, language, the plan and the custom services, from one `prepare` (the same
    front half a render runs)."""
    from toolkit.film.pipeline import prepare
    from toolkit.film.plan.text_map import text_map

    try:
        prepared = prepare(path)
    except ReelError as exc:
        # The film is often finished elsewhere: a storyboard that is valid in itself but whose
        # footage is not on this machine (or that cannot be planned) still says the region and
        # the topics. One that is invalid in itself is the error.
        alone = _storyboard_alone(path)
        if alone is None:
            raise
        errors = [i for i in exc.issues if i.severity == "error"] if isinstance(exc, IssuesError) else []
        first = errors[0].format() if errors else str(exc).splitlines()[0]  # issues come in line order, notes too
        return (alone.region, tuple(normalize_topic(t) for t in alone.topics), alone.language, None,
                f"the storyboard could not be planned here: {first}", _custom_services(alone))
    sb = prepared.loaded.storyboard
    topics = tuple(normalize_topic(t) for t in sb.topics)
    timeline = prepared.timeline
    fps = timeline.canvas.fps
    events: list[Cue] = []
    for overlay in sorted((o for o in timeline.overlays if o.kind == "caption"), key=lambda o: o.start):
        words = " ".join(line.text for block in overlay.blocks for line in getattr(block, "lines", ()))
        start, end = overlay.start / fps, overlay.end / fps
        # word-by-word highlighting draws one caption as several overlays with the same words
        if events and events[-1].text == words and events[-1].end == start:
            events[-1] = dataclasses.replace(events[-1], end=end)
        else:
            events.append(Cue(start, end, words, len(events) + 1))
    summary = PlanSummary(float(timeline.duration), len(timeline.segments), tuple(events), text_map(timeline))
    return sb.region, topics, sb.language, summary, None, _custom_services(sb)


def _custom_services(sb: Storyboard) -> tuple[CardService, ...]:
    """The storyboard's own local services (`end_card.custom_services`) as the card reader knows them."""
    return tuple(custom_service(c.name, call=c.call, text=c.text, web=c.web) for c in sb.end_card.custom_services)


def _storyboard_alone(path: Path) -> Storyboard | None:
    """The storyboard's model without checking its media files (None if the model is invalid)."""
    from pydantic import ValidationError

    from toolkit.doc.loader import load_document
    from toolkit.film.spec.models import Storyboard

    try:
        return Storyboard.model_validate(load_document(path, kind="storyboard").data)
    except (ValidationError, SpecError):
        return None


def load_captions(path: Path) -> tuple[Cue, ...]:
    """The cues of an .srt or .vtt file (times from the clip's start), each on one line as the
    grader quotes it. Raises `SubtitleError` (a `ReelError` naming the file) when it cannot."""
    return tuple(dataclasses.replace(cue, text=" ".join(cue.text.split())) for cue in read_subtitles(path))
