"""`reel new`: scaffold a starter film."""

from __future__ import annotations

import shlex
from pathlib import Path

import click

from toolkit.cli.style import secho


@click.command()
@click.argument("name", type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["talking-head", "myth-vs-fact", "text-story"]),
              default="talking-head", show_default=True, help="The kind of film to start from.")
def new(name: Path, fmt: str) -> None:
    """Create folder NAME with a storyboard and placeholder media that validates and renders at once.

    Refuses to touch an existing folder."""
    from toolkit.film.scaffold import scaffold

    path = scaffold(name, fmt)
    secho(f"created {path}", fg="green")
    # quoted for a POSIX shell, so a name with spaces or quotes pastes as it is
    click.echo("next:")
    for command in (["reel", "validate", str(path)], ["reel", "render", str(path), "--draft"]):
        click.echo("  " + shlex.join(command))
