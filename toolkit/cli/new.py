"""`reel new`: scaffold a starter film."""

from __future__ import annotations

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
    click.echo(f"next: reel validate {path}   then   reel render {path} --draft")
