"""The typed error tree. The library raises these; only the CLI turns them into exit codes.

Every error a user can meet carries enough to act on: the file, line and column where it
applies, the field path inside the document, and a sentence saying what is wrong.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
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
    """An error made of several located issues, reported together (collect, then abort)."""

    kind = "problem"

    def __init__(self, issues: Iterable[Issue], summary: str | None = None) -> None:
        self.issues: tuple[Issue, ...] = tuple(issues)
        errors = [i for i in self.issues if i.severity == "error"]
        n = len(errors) or len(self.issues)
        head = summary or f"{n} {self.kind}{'s' if n != 1 else ''} found"
        super().__init__(head + "\n" + "\n".join(i.format() for i in self.issues))


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


@dataclass(frozen=True, slots=True)
class Warnings:
    """Non-fatal issues collected alongside a successful result."""

    issues: tuple[Issue, ...] = field(default_factory=tuple)
