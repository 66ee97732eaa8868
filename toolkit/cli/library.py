"""`reel library status DIR`: which films under DIR are up to date, stale, or show a changed helpline.

Exit status: 0 when every Reel film is up to date (videos that are not Reel films are listed
but do not count); 1 when some film should be rendered again (stale, helpline changed, sidecar
missing: `reel render … --changed` does it); 3 when nothing needs rendering but some film could
not be checked (inputs missing, a file outside the folder, an unreadable manifest); 2 for a
usage error (DIR is not a folder).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import click

from toolkit.cli.jsonout import JsonCommand, emit_json, json_option, to_stdout
from toolkit.cli.output import PathArg
from toolkit.cli.style import plain, secho

SCHEMA = "reel-library-status/1"
_COLOURS = {"up to date": "green", "stale": "yellow", "helpline changed": "red", "sidecar missing": "yellow",
            "inputs missing": "red", "outside the folder": "red", "unreadable manifest": "red"}


@click.group()
def library() -> None:
    """A library of rendered films: which are out of date, and why."""


@library.command(cls=JsonCommand)
@click.argument("folder", type=PathArg(exists=True, file_okay=False))
@json_option("Every film, its status and the reasons (schema/library-status.schema.json)")
@click.option("--allow-outside", is_flag=True, help="Follow manifests that name files outside FOLDER.")
@click.option("--all", "show_all", is_flag=True, help="List the videos that are not Reel films too (footage, "
              "other exports); without it they are only counted. `--json` always lists them.")
def status(folder: Path, json_to: str | Path | None, allow_outside: bool, show_all: bool) -> None:
    """List every film under FOLDER: up to date, stale (which input changed), helpline changed (an
    entry its end card shows changed or was withdrawn), inputs missing, sidecar missing, outside the
    folder, unreadable manifest, or not a Reel film.

    Exit 0 when every Reel film is up to date, 1 when some should be rendered again (`reel render …
    --changed`), 3 when nothing needs rendering but some film could not be checked."""
    from toolkit.film.library import NOT_REEL, RERENDER, UNCHECKED, library_status

    films = library_status(folder, allow_outside=allow_outside)
    counts = Counter(f.status for f in films)
    code = 1 if any(f.status in RERENDER for f in films) else 3 if any(f.status in UNCHECKED for f in films) else 0
    if json_to is not None:
        emit_json({"schema": SCHEMA, "folder": str(folder), "films": [f.to_dict() for f in films],
                   "counts": dict(sorted(counts.items())), "exit_code": code}, json_to)
    if not to_stdout(json_to):
        width = max((len(f.status) for f in films), default=0)
        for film in films:
            if film.status == NOT_REEL and not show_all:
                continue
            secho(f"{film.status.ljust(width)}  {plain(film.film)}" + (f": {'; '.join(film.reasons)}"
                                                                       if film.reasons else ""),
                  fg=_COLOURS.get(film.status))
        said = ", ".join(f"{n} {name}" for name, n in sorted(counts.items(), key=lambda kv: -kv[1]))
        click.echo(f"{len(films)} video{'s' if len(films) != 1 else ''}" + (f": {said}" if said else ""))
    if code:
        raise click.exceptions.Exit(code)
