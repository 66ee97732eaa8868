"""`reel contributors`: record a withdrawal of consent, and find every storyboard and film that uses someone."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from toolkit.cli.output import FileArg, PathArg
from toolkit.cli.style import plain


def _date(ctx: click.Context, param: click.Parameter, value: str | None) -> date:
    if value is None:
        return date.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"write the date as YYYY-MM-DD, e.g. 2026-06-01, got {value!r}",
                                 ctx=ctx, param=param) from None


@click.group()
def contributors() -> None:
    """Consent records: record a withdrawal, list where a contributor is used."""


@contributors.command()
@click.argument("contributor")
@click.option("--file", "path", type=FileArg(exists=True), default="contributors.yaml", show_default=True,
              help="The shared contributors file.")
@click.option("--on", "on", callback=_date, metavar="YYYY-MM-DD", help="The day consent was withdrawn "
              "(default: today). From that day no film may use them.")
def withdraw(contributor: str, path: Path, on: date) -> None:
    """Record that CONTRIBUTOR withdrew consent; `reel validate`/`render` then refuse every film using them."""
    from toolkit.film.contributor_files import withdraw as record

    done = record(path, contributor, on)
    if done.changed:
        click.echo(f"{plain(path)}: `{done.id}` withdrawn on {done.withdrawn.isoformat()}. Find their films with "
                   f"`reel contributors uses {done.id} FOLDER` and take them down.")
    else:
        click.echo(f"{plain(path)}: `{done.id}` was already withdrawn on {done.withdrawn.isoformat()}; unchanged.")


@contributors.command()
@click.argument("contributor")
@click.argument("folder", type=PathArg(exists=True, file_okay=False), default=".")
def uses(contributor: str, folder: Path) -> None:
    """List every storyboard and rendered film under FOLDER (default: here) that uses CONTRIBUTOR."""
    from toolkit.film.contributor_files import find_uses

    found = find_uses(contributor, folder)
    for hit in found:
        for place in hit.places:
            click.echo(f"{hit.kind:10} {plain(hit.path)}  {place}")
    films = sum(1 for hit in found if hit.kind == "film")
    click.echo(f"{len(found) - films} storyboard(s) and {films} film(s) use `{contributor}`", err=True)
