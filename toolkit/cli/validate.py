"""`reel validate`: check storyboards without rendering."""

from __future__ import annotations

from pathlib import Path

import click

from toolkit.cli.output import echo_issues
from toolkit.cli.style import secho
from toolkit.cli.templates import field_option
from toolkit.errors import IssuesError, ReelError


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option("--template", "template", default=None, help="Check against this template instead of the storyboard's.")
@click.option("--allow-outside", is_flag=True, help="Allow media paths outside the storyboard's folder.")
@click.option("-q", "--quiet", is_flag=True, help="Print only problems.")
@field_option()
def validate(files: tuple[Path, ...], strict: bool, template: str | None, allow_outside: bool, quiet: bool,
             fields: dict[str, str]) -> None:
    """Check storyboards: YAML, keys and values, media files, timing, text fit, safe zones,
    contrast, helplines and safe-messaging language. Every problem is reported at once as
    FILE:LINE:COL: field: message. Exit 0 when all are valid, 1 otherwise."""
    from toolkit.film.pipeline import prepare

    failed = 0
    for path in files:
        try:
            prepared = prepare(path, template=template, strict=strict, allow_outside=allow_outside, fields=fields)
        except IssuesError as exc:
            failed += 1
            echo_issues(exc.issues)
            continue
        except ReelError as exc:
            failed += 1
            secho(f"{path}: {exc}", fg="red", err=True)
            continue
        shown = [i for i in prepared.warnings if i.severity != "info" or not quiet]
        echo_issues(shown)
        if not quiet:
            tl = prepared.timeline
            secho(f"{path}: valid — {len(tl.segments)} segments, {float(tl.duration):.1f}s, end card with "
                  f"{len(prepared.inputs.end_card.services)} services", fg="green")
    if failed:
        raise click.exceptions.Exit(1)
