"""`reel contributors`: list the records on file, record a withdrawal of consent, and find every storyboard
and film that uses someone.

Default output (and `--json`) never carries a contributor's real name, consent reference or
identifying places: listings end up in terminal scrollback, shared screens, CI logs and pasted
support requests, and the ids are all a charity needs to act. `list --private` adds them, for
the person who keeps the register.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from toolkit.cli.jsonout import JsonCommand, emit_json, json_option, to_stdout
from toolkit.cli.output import FileArg, PathArg
from toolkit.cli.style import plain

if TYPE_CHECKING:
    from toolkit.film.spec.contributors import Contributor


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
    """Consent records: list them, record a withdrawal, list where a contributor is used."""


@contributors.command("list", cls=JsonCommand)
@click.argument("path", metavar="[FILE]", type=FileArg(exists=True), default="contributors.yaml")
@click.option("--private", is_flag=True, help="Also print each real name, consent reference and identifying "
              "places (kept out by default: listings end up in logs and pasted output).")
@click.option("--on", "on", callback=_date, metavar="YYYY-MM-DD", help="The day the status is for "
              "(default: today).")
@json_option("The records (schema/contributors-list.schema.json)")
def list_records(path: Path, private: bool, on: date, json_to: str | Path | None) -> None:
    """List the contributor records in FILE (default: contributors.yaml; a storyboard with its records
    inline works too): ids, pseudonym, dates, status, platforms and what may be shown."""
    from toolkit.film.contributor_files import records

    people = records(path)
    rows = [_record_dict(p, on, private) for p in people]
    if json_to is not None:
        emit_json({"schema": "reel-contributors-list/1", "file": str(path), "on": on.isoformat(),
                   "private": private, "contributors": rows}, json_to, inputs=[path])
        if to_stdout(json_to):
            return
    for row in rows:
        show = " ".join(f"{k}:{v}" for k, v in row["show"].items())
        line = (f"{row['id']:12} {row['status']:10} {row['given']}..{row['expires']}  "
                f"as {plain(row['shown_as'] or '(no pseudonym)')}  {','.join(row['platforms'])}  {show}  "
                f"places:{row['places_count']}")
        if private:
            line += f"  name: {plain(row['name'])}  consent: {plain(row['consent'])}  places: " + \
                ", ".join(plain(p) for p in row["places"])
        click.echo(line)
    click.echo(f"{len(rows)} contributor(s) in {plain(path)}", err=True)


def _status(person: Contributor, on: date) -> str:
    # the order the consent check refuses in: a withdrawal first, then the dates
    if person.withdrawn is not None and on >= person.withdrawn:
        return "withdrawn"
    if on > person.expires:
        return "expired"
    return "not-yet" if on < person.given else "current"


def _record_dict(person: Contributor, on: date, private: bool) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": person.id, "shown_as": person.shown_as, "given": person.given.isoformat(),
        "expires": person.expires.isoformat(),
        "withdrawn": person.withdrawn.isoformat() if person.withdrawn else None,
        "status": _status(person, on), "platforms": list(person.platforms),
        "show": {k: getattr(person.show, k) for k in ("face", "voice", "name", "location")},
        "places_count": len(person.places)}
    if private:
        row |= {"name": person.name, "consent": person.consent, "places": list(person.places)}
    return row


@contributors.command(cls=JsonCommand)
@click.argument("contributor")
@click.option("--file", "path", type=FileArg(exists=True), default="contributors.yaml", show_default=True,
              help="The shared contributors file.")
@click.option("--on", "on", callback=_date, metavar="YYYY-MM-DD", help="The day consent was withdrawn "
              "(default: today). From that day no film may use them.")
@json_option("What was recorded (schema/contributors-withdraw.schema.json)")
def withdraw(contributor: str, path: Path, on: date, json_to: str | Path | None) -> None:
    """Record that CONTRIBUTOR withdrew consent; `reel validate`/`render` then refuse every film using them."""
    from toolkit.film.contributor_files import withdraw as record

    done = record(path, contributor, on)
    if json_to is not None:
        emit_json({"schema": "reel-contributors-withdraw/1", "file": str(path), "contributor": done.id,
                   "withdrawn": done.withdrawn.isoformat(), "changed": done.changed}, json_to, inputs=[path])
        if to_stdout(json_to):
            return
    if done.changed:
        click.echo(f"{plain(path)}: `{done.id}` withdrawn on {done.withdrawn.isoformat()}. Find their films with "
                   f"`reel contributors uses {done.id} FOLDER` and take them down.")
    else:
        click.echo(f"{plain(path)}: `{done.id}` was already withdrawn on {done.withdrawn.isoformat()}; unchanged.")


@contributors.command(cls=JsonCommand)
@click.argument("contributor")
@click.argument("folder", type=PathArg(exists=True, file_okay=False), default=".")
@json_option("Every use found (schema/contributors-uses.schema.json)")
def uses(contributor: str, folder: Path, json_to: str | Path | None) -> None:
    """List every storyboard and rendered film under FOLDER (default: here) that uses CONTRIBUTOR."""
    from toolkit.film.contributor_files import find_uses

    found = find_uses(contributor, folder)
    if json_to is not None:
        emit_json({"schema": "reel-contributors-uses/1", "contributor": contributor, "folder": str(folder),
                   "storyboards": [{"path": str(h.path), "uses": [{"line": line, "column": col, "field": field}
                                                                 for line, col, field in h.spots]}
                                   for h in found if h.kind == "storyboard"],
                   "films": [{"path": str(h.path), "contributors": list(h.ids)} for h in found if h.kind == "film"]},
                  json_to)
        if to_stdout(json_to):
            return
    for hit in found:
        for place in hit.places:
            click.echo(f"{hit.kind:10} {plain(hit.path)}  {place}")
    films = sum(1 for hit in found if hit.kind == "film")
    click.echo(f"{len(found) - films} storyboard(s) and {films} film(s) use `{contributor}`", err=True)
