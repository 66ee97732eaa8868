"""`reel templates`: list, show (resolved, with provenance) and preview brand templates."""

from __future__ import annotations

from pathlib import Path

import click

from toolkit.cli.output import PathArg, echo_issues
from toolkit.cli.style import plain, rich_console, secho
from toolkit.errors import TemplateError


def _fields(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> dict[str, str]:
    from toolkit.film.template.fields import parse_field_options

    try:
        return parse_field_options(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc), ctx=ctx, param=param) from None


def field_option(help_text: str = "A merge-field value, e.g. --field trainee='Sam Lee' (repeatable); wins "
                 "over the storyboard's `fields:`."):
    """The shared `--field KEY=VALUE` option; the command receives `fields` as a dict."""
    return click.option("--field", "fields", multiple=True, metavar="KEY=VALUE", callback=_fields, help=help_text)


@click.group()
def templates() -> None:
    """Brand templates in templates/: list them, show one resolved, preview one as a sheet."""


@templates.command("list")
def list_templates() -> None:
    """Every template with its description, what it extends and what it locks."""
    from rich.table import Table

    from toolkit.film.template.loader import available_templates, load_template

    table = Table(title="Templates (templates/<name>/template.yaml)")
    for column in ("name", "description", "extends", "locked"):
        table.add_column(column, overflow="fold")
    for name in available_templates():
        try:
            resolved = load_template(name)
        except TemplateError as exc:
            n = len(exc.issues)
            table.add_row(plain(name), f"[red]invalid: {n} problem{'s' if n != 1 else ''}; see `reel templates "
                                       f"show {plain(name)}`[/red]", "", "")
            continue
        tpl = resolved.template
        table.add_row(plain(name), plain(tpl.description), plain(tpl.extends), plain(", ".join(resolved.lock_origins)))
    rich_console().print(table)


@templates.command()
@click.argument("name")
def show(name: str) -> None:
    """Print template NAME fully resolved (after `extends`), with where each value came from."""
    from toolkit.film.template.loader import load_template
    from toolkit.film.template.show import resolved_yaml

    try:
        resolved = load_template(name)
    except TemplateError as exc:
        echo_issues(exc.issues)
        raise click.exceptions.Exit(1) from None
    click.echo(resolved_yaml(resolved), nl=False)


@templates.command()
@click.argument("name")
@click.option("-o", "--out", "out", type=PathArg(), default=None,
              help="Where to write the sheet (default: NAME-preview.png).")
@click.option("--width", type=click.IntRange(540, 4320), default=1080, show_default=True,
              help="Sheet width in pixels; the sheet is always 9:16.")
@field_option("A merge-field value to show instead of the template's default (repeatable).")
def preview(name: str, out: Path | None, width: int, fields: dict[str, str]) -> None:
    """Render a 9:16 sign-off sheet for template NAME: both caption styles, each slate, the end
    card and logo, with the safe-zone outline and the measured contrast of every text colour."""
    from toolkit.film.run.atomic import check_output
    from toolkit.film.template.preview import preview_sheet

    target = out or Path(f"{name}-preview.png")
    # A preview sheet is meant to be rewritten, and its folder is made if missing.
    check_output(target, kind="image", force=True, need_folder=False)
    try:
        result = preview_sheet(name, target, width=width, fields=fields)
    except TemplateError as exc:
        echo_issues(exc.issues)
        secho(f"no sheet written: {str(exc).splitlines()[0]}", fg="red", err=True)
        raise click.exceptions.Exit(1) from None
    echo_issues(result.warnings)
    secho(f"wrote {result.path}", fg="green")
