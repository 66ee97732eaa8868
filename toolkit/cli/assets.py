"""`reel assets`: the asset library (stickers, lower thirds, frames, sound effects) storyboards
name as `asset: NAME`: list it, or preview it as a contact sheet."""

from __future__ import annotations

from pathlib import Path

import click

from toolkit.cli.jsonout import JsonCommand, emit_json, json_option
from toolkit.cli.output import PathArg
from toolkit.cli.style import plain, rich_console, secho

_KINDS = ("sticker", "lower-third", "graphic", "sound")  # toolkit.film.assets.KINDS (imported when run)
_kind_option = click.option("--kind", "kinds", type=click.Choice(_KINDS), multiple=True,
                            help="Only assets of this kind (repeatable).")


@click.group()
def assets() -> None:
    """The asset library (assets/): stickers, lower thirds, frames and sound effects to name in a
    storyboard as `asset: NAME`."""


def _measured(kinds: tuple[str, ...]) -> tuple[list, list[str]]:
    """Every asset of `kinds` measured, and the problems (a missing or unreadable file) by name."""
    from toolkit.errors import AssetError
    from toolkit.film.asset_sheet import Measured, measure
    from toolkit.film.assets import assets as library

    found, problems = [], []
    for asset in library():
        if kinds and asset.kind not in kinds:
            continue
        try:
            found.append(measure(asset))
        except AssetError as exc:
            found.append(Measured(asset))
            problems.append(str(exc))
    return found, problems


@assets.command("list", cls=JsonCommand)
@_kind_option
@json_option("The listed assets (schema/assets.schema.json)")
def list_assets(kinds: tuple[str, ...], json_to: str | Path | None) -> None:
    """Every asset with its kind, size or length, description and licence."""
    from toolkit.film.assets import library_dir

    found, problems = _measured(kinds)
    broken = {p.split("`")[1] for p in problems}
    if json_to is not None:
        emit_json({"schema": "reel-assets/1", "library": str(library_dir()), "assets": [
            {"name": m.asset.name, "kind": m.asset.kind, "file": str(m.asset.path), "width": m.width,
             "height": m.height, "seconds": None if m.seconds is None else round(m.seconds, 3),
             "description": m.asset.description, "licence": m.asset.licence,
             "problem": next((p for p in problems if p.startswith(f"asset `{m.asset.name}`")), None)}
            for m in found]}, json_to)
    else:
        from rich.table import Table

        table = Table(title=f"Assets ({library_dir()}); use in a storyboard as `asset: NAME`")
        for column in ("name", "kind", "size", "description", "licence"):
            table.add_column(column, overflow="fold")
        for m in found:
            size = "[red]missing or unreadable[/red]" if m.asset.name in broken else m.measure
            table.add_row(plain(m.asset.name), m.asset.kind, size, plain(m.asset.description), plain(m.asset.licence))
        rich_console().print(table)
    for problem in problems:
        secho(f"Error: {problem}", fg="red", err=True)
    if problems:
        raise click.exceptions.Exit(1)


@assets.command()
@click.argument("output", type=PathArg(dir_okay=False))
@_kind_option
@click.option("--force", is_flag=True, help="Overwrite an existing image.")
def preview(output: Path, kinds: tuple[str, ...], force: bool) -> None:
    """Write OUTPUT.png: a contact sheet of the library, pictures on a checkerboard (so their
    transparency shows) and sounds as waveforms, each with its name."""
    from toolkit.errors import AssetError
    from toolkit.film.asset_sheet import asset_sheet
    from toolkit.film.run.atomic import check_output

    check_output(output, kind="image", force=force)
    found, problems = _measured(kinds)
    if problems:
        raise AssetError("; ".join(problems) + "; no sheet written")
    secho(f"wrote {asset_sheet(found, output, force=force)}", fg="green")
