"""The typed error tree. The library raises these; only the CLI turns them into exit codes.

Every error a user can meet carries enough to act on: the file, line and column where it
applies, the field path inside the document, and a sentence saying what is wrong.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Severity = Literal["error", "warning", "info"]


@dataclass(frozen=True, slots=True)
class Issue:
    """One located problem: `FILE:LINE:COL: path: message`."""

    message: str
    path: str = ""
    file: Path | None = None
    line: int | None = None
    col: int | None = None
    severity: Severity = "error"
    code: str = ""

    def format(self) -> str:
        """Render as `FILE:LINE:COL: path: message`, omitting what is unknown."""
        where = ""
        if self.file is not None:
            where = str(self.file)
            if self.line is not None:
                where += f":{self.line}"
                if self.col is not None:
                    where += f":{self.col}"
            where += ": "
        tag = "" if self.severity == "error" else f"{self.severity}: "
        path = f"{self.path}: " if self.path else ""
        return f"{where}{tag}{path}{self.message}"

    def __str__(self) -> str:
        return self.format()


class ReelError(Exception):
    """Base of every error the library raises on purpose. `exit_code` is the CLI's exit status."""

    exit_code: int = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class IssuesError(ReelError):
    """An error made of several located issues, reported together (collect, then abort).

    `issues` keeps the first `MAX_LISTED` (errors first) and one closing issue that says how
    many more there were; the summary line counts them all.
    """

    kind = "problem"
    # A machine-made document can hold 100,000 mistakes; listing them all helps no one.
    MAX_LISTED = 200

    def __init__(self, issues: Iterable[Issue], summary: str | None = None) -> None:
        every = tuple(issues)
        self.issues: tuple[Issue, ...] = _capped(every, self.MAX_LISTED)
        errors = [i for i in every if i.severity == "error"]
        n = len(errors) or len(every)
        head = summary or f"{n} {self.kind}{'s' if n != 1 else ''} found"
        super().__init__(head + "\n" + "\n".join(i.format() for i in self.issues))


def _capped(issues: tuple[Issue, ...], limit: int) -> tuple[Issue, ...]:
    """The first `limit` issues (errors before warnings, in file order), then one line saying
    how many more there are, placed where the first one not listed is."""
    if len(issues) <= limit:
        return issues
    kept = set(sorted(range(len(issues)), key=lambda k: (issues[k].severity != "error", k))[:limit])
    hidden = [issue for k, issue in enumerate(issues) if k not in kept]
    errors = [i for i in hidden if i.severity == "error"]
    others = len(hidden) - len(errors)
    what = f"{len(errors):,} more error{'s' if len(errors) != 1 else ''}" if errors else ""
    if others:
        what += f"{' and ' if what else ''}{others:,} more warning{'s' if others != 1 else ''} or note" \
                f"{'s' if others != 1 else ''}"
    first = (errors or hidden)[0]
    more = Issue(f"and {what} not listed (only the first {limit} are shown); fix these and run again",
                 file=first.file, line=first.line, col=first.col, severity="error" if errors else "warning",
                 code="more-issues")
    return (*(issue for k, issue in enumerate(issues) if k in kept), more)


class SpecError(IssuesError):
    """A storyboard, template or rubric document is not valid."""

    kind = "error"


class TemplateError(SpecError):
    """A brand template cannot be found, resolved or applied."""


class RubricError(SpecError):
    """A grading rubric is not valid."""


class PolicyError(IssuesError):
    """A duty-of-care rule is broken (end card, content warning, language, flashing, contrast)."""

    kind = "duty-of-care problem"


class AssetError(ReelError):
    """A referenced media file is missing, unreadable or of the wrong kind."""


class ProbeError(AssetError):
    """A media file could not be probed or decoded."""


class AlignError(ReelError):
    """Caption words could not be aligned to speech: no model for the language, a span too long."""


class RenderError(ReelError):
    """ffmpeg failed or was interrupted. Carries the stage, the command and the end of its log."""

    def __init__(self, stage: str, message: str, argv: Sequence[str] = (), log_tail: str = "") -> None:
        self.stage = stage
        self.argv = tuple(argv)
        self.log_tail = log_tail
        text = f"{stage}: {message}"
        if log_tail:
            text += "\nlast lines of ffmpeg's log:\n" + log_tail
        super().__init__(text)


class VerifyError(ReelError):
    """A rendered file does not match what the plan said (size, duration, streams)."""


class OutputError(ReelError):
    """The output path cannot be written (exists without --force, is an input, folder unwritable)."""


class BatchError(ReelError):
    """A batch cannot run at all: the Dask scheduler does not answer, or dask is not installed."""


class TimelineFormatError(ReelError, ValueError):
    """A saved plan (`reel plan --json`) cannot be read back: another `version`, or a value that
    does not fit its field. `version` is the file's; `field` names the field (`segments[2].start`)."""

    def __init__(self, message: str, *, version: object = None, field: str | None = None) -> None:
        self.version = version
        self.field = field
        super().__init__(message)
