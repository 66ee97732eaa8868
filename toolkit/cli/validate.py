"""`reel validate`: check storyboards without rendering."""

from __future__ import annotations

from pathlib import Path

import click

from toolkit.cli.jsonout import JsonCommand, emit_json, issue_to_dict, json_option
from toolkit.cli.output import echo_issues
from toolkit.cli.style import secho
from toolkit.cli.templates import field_option
from toolkit.errors import Issue, IssuesError, ReelError


@click.command(cls=JsonCommand)
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option("--template", "template", default=None, help="Check against this template instead of the storyboard's.")
@click.option("--allow-outside", is_flag=True, help="Allow media paths outside the storyboard's folder.")
@click.option("-q", "--quiet", is_flag=True, help="Print only problems.")
@field_option()
@json_option("Every file's problems and summary (schema/validate.schema.json)")
def validate(files: tuple[Path, ...], strict: bool, template: str | None, allow_outside: bool, quiet: bool,
             fields: dict[str, str], json_to: str | Path | None) -> None:
    """Check storyboards: YAML, keys and values, media files, timing, text fit, safe zones,
    contrast, helplines and safe-messaging language. Every problem is reported at once as
    FILE:LINE:COL: field: message. Exit 0 when all are valid, 1 otherwise."""
    from toolkit.film.pipeline import prepare

    reports: list[dict] = []
    for path in files:
        film = None
        try:
            prepared = prepare(path, template=template, strict=strict, allow_outside=allow_outside, fields=fields)
        except IssuesError as exc:
            issues = list(exc.issues)
        except ReelError as exc:
            issues = [Issue(str(exc), file=path)]
        else:
            issues = list(prepared.warnings)
            tl = prepared.timeline
            film = {"segments": len(tl.segments), "frames": tl.frames, "duration_seconds": float(tl.duration),
                    "end_card_services": len(prepared.inputs.end_card.services)}
        reports.append({"file": str(path), "valid": film is not None, "film": film,
                        "issues": [issue_to_dict(i) for i in issues]})
        if json_to is None:
            _print(path, issues, film, quiet)
    valid = all(r["valid"] for r in reports)
    if json_to is not None:
        emit_json({"schema": "reel-validate/1", "valid": valid, "files": reports}, json_to, inputs=files)
    if not valid:
        raise click.exceptions.Exit(1)


def _print(path: Path, issues: list[Issue], film: dict | None, quiet: bool) -> None:
    echo_issues([i for i in issues if i.severity != "info" or not quiet or film is None])
    if film is not None and not quiet:
        secho(f"{path}: valid — {film['segments']} segments, {film['duration_seconds']:.1f}s, end card with "
              f"{film['end_card_services']} services", fg="green")
