"""`reel anonymise check`: the faces followed in each anonymised footage or photo, and where detection was unsure."""

from __future__ import annotations

from pathlib import Path

import click

from toolkit.cli.jsonout import JsonCommand, emit_json, issue_to_dict, json_option, to_stdout
from toolkit.cli.output import PathArg, echo_issues

_CODES = ("no-face-found", "faces-small", "faces-unreadable")


@click.group()
def anonymise() -> None:
    """Faces hidden with `anonymise: {face: …}`: check what the detector covers."""


@anonymise.command(cls=JsonCommand)
@click.argument("storyboard", type=PathArg(path_type=Path))
@click.option("--stills", "stills", type=PathArg(path_type=Path, file_okay=False), default=None,
              help="Draw each unsure moment into this folder: the ORIGINAL frame with the covers outlined (red: "
                   "found by the detector, yellow: your boxes). These stills show the real face: keep them on "
                   "your machine and delete them when done.")
@click.option("--template", "template", default=None, help="Use this template instead of the storyboard's.")
@click.option("--allow-outside", is_flag=True, help="Allow media paths outside the storyboard's folder.")
@json_option("Each anonymised use, the faces followed and the unsure moments (schema/anonymise-check.schema.json)")
def check(storyboard: Path, stills: Path | None, template: str | None, allow_outside: bool,
          json_to: str | Path | None) -> None:
    """For each footage or photo with `anonymise: {face: …}`, show how many faces the detector
    followed, the smallest it found, and the moments where it was unsure (a face held across a
    gap in detection, a detection near the threshold, a jump too fast to follow), as times on the
    footage's own clock. Where a face is missed there, cover it with `boxes:` (`from`/`to` on the
    same clock). The film is covered and read back when rendered; this is for checking by eye."""
    from toolkit.film.anonymise_check import check as check_film
    from toolkit.film.pipeline import prepare

    prepared = prepare(storyboard, template=template, allow_outside=allow_outside)
    uses = check_film(prepared, stills)
    warnings = [w for w in prepared.warnings if w.code in _CODES]
    if json_to is not None:
        emit_json({"schema": "reel-anonymise-check/1", "file": str(storyboard), "uses": [u.to_dict() for u in uses],
                   "issues": [issue_to_dict(i) for i in warnings]}, json_to, inputs=(storyboard,))
        if to_stdout(json_to):
            return
    echo_issues(warnings)
    if not uses:
        click.echo(f"{storyboard}: nothing is anonymised (no `anonymise: {{face: …}}`)")
    for use in uses:
        where = f"{use.file.name} {use.start:.2f}s–{use.end:.2f}s" if use.start is not None and use.end is not None \
            else use.file.name
        smallest = f", smallest {use.smallest} px" if use.smallest is not None else ""
        boxes = f"; {use.boxes} hand-placed box{'es' if use.boxes != 1 else ''}" if use.boxes else ""
        click.echo(f"{use.field} ({where}, {use.cover}): {use.faces} face{'s' if use.faces != 1 else ''} followed"
                   f"{smallest} (faces under {use.min_face} px are not found){boxes}")
        if not use.unsure:
            click.echo("  no unsure moments")
        for m in use.unsure:
            drawn = f"  -> {m.still}" if m.still else ""
            click.echo(f"  unsure {m.start:.2f}s–{m.end:.2f}s: {m.why}{drawn}")
