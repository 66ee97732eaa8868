"""`reel lint`: the safe-messaging language check on its own."""

from __future__ import annotations

from pathlib import Path

import click

from toolkit.cli.jsonout import JsonCommand, emit_json, issue_to_dict, json_option
from toolkit.cli.output import FileArg, echo_issues
from toolkit.cli.style import secho
from toolkit.errors import Issue, IssuesError


@click.command(cls=JsonCommand)
@click.argument("files", nargs=-1, required=True, type=FileArg())
@click.option("--language", default="en", show_default=True, help="Language of .srt/.vtt/.txt files.")
@json_option("Every file's hits (schema/lint.schema.json)")
def lint(files: tuple[Path, ...], language: str, json_to: str | Path | None) -> None:
    """Check on-screen text against the safe-messaging phrase rules.

    FILES are storyboards (title, captions inline and from .srt/.vtt files, slates, end-card
    extras) or subtitle/text files. Each hit is reported as FILE:LINE:COL with its severity, the
    reason and a better phrase. Exit 1 when any error-level hit is found."""
    from toolkit.film.lint import lint_storyboard
    from toolkit.film.spec.validate import load_storyboard

    errors = 0
    reports: list[dict] = []
    for path in files:
        readable = True
        if path.suffix.lower() in {".srt", ".vtt", ".txt"}:
            issues = _lint_plain(path, language)
        else:
            try:
                issues = lint_storyboard(load_storyboard(path))
            except IssuesError as exc:
                issues, readable = list(exc.issues), False
        n = sum(i.severity == "error" for i in issues)
        errors += n if readable else 1
        reports.append({"file": str(path), "read": readable, "errors": n if readable else 0,
                        "issues": [issue_to_dict(i) for i in issues]})
        if json_to is not None:
            continue
        echo_issues(issues, err=not readable)
        if readable and not issues:
            secho(f"{path}: no unsafe wording found", fg="green")
    if json_to is not None:
        emit_json({"schema": "reel-lint/1", "passed": not errors, "files": reports}, json_to, inputs=files)
    if errors:
        raise click.exceptions.Exit(1)


def _lint_plain(path: Path, language: str) -> list[Issue]:
    from toolkit.care.lint import lint_text, load_rules
    from toolkit.errors import ReelError

    rules = load_rules()
    if path.suffix.lower() == ".txt":
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ReelError(f"{path}: cannot read: {exc}") from None
        return lint_text(text, language=language, rules=rules).to_issues(text, file=path)
    from toolkit.subtitles import read_subtitles

    issues: list[Issue] = []
    for cue in read_subtitles(path):  # SubtitleError is a ReelError naming the file
        result = lint_text(cue.text, language=language, rules=rules)
        for issue in result.to_issues(cue.text, file=path, path=f"caption {cue.number}"):
            issues.append(Issue(issue.message, path=f"caption {cue.number} at {cue.clock}",
                                file=path, severity=issue.severity, code=issue.code))
    return issues
