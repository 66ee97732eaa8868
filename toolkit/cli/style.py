"""The one place that decides whether the CLI colours its output, and the writers that obey it.

Colour is off when `--no-color` is given to `reel`, or `NO_COLOR` is set to anything but the empty
string (https://no-color.org); on when `FORCE_COLOR` is set (and NO_COLOR is not); otherwise on
only where the stream is a terminal. Every coloured line goes through `secho`, every rich table,
bar or spinner through `rich_console`: click's own `secho` ignores NO_COLOR, and a rich `Console` made
without being told would still draw bold and reverse text.
"""

from __future__ import annotations

import os
import sys
from typing import IO, Any

import click

NO_COLOR_KEY = "no_color"


def colour_refused() -> bool:
    """True when the user turned colour off: `reel --no-color`, or a non-empty `NO_COLOR`."""
    ctx = click.get_current_context(silent=True)
    if ctx is not None and (ctx.find_root().obj or {}).get(NO_COLOR_KEY):
        return True
    return bool(os.environ.get("NO_COLOR"))


def colour_wanted(stream: IO | None = None) -> bool:
    """True when output written to `stream` (stdout by default) should carry colour and styles."""
    if colour_refused():
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    stream = stream if stream is not None else sys.stdout
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # a closed or fake stream
        return False


def secho(message: str, *, fg: str | None = None, err: bool = False, bold: bool | None = None) -> None:
    """`click.secho`, coloured only when `colour_wanted` says so."""
    stream = sys.stderr if err else sys.stdout
    click.secho(message, fg=fg, bold=bold, err=err, color=colour_wanted(stream))


def rich_console(*, stderr: bool = False, **options: Any):
    """A rich `Console` on stdout (or stderr) that colours and styles only when `colour_wanted` says so.

    Without colour it writes plain text: no colour, bold or reverse codes (`color_system=None`).
    `options` go to `rich.console.Console` (e.g. `width`, `soft_wrap`).
    """
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    options.setdefault("highlight", False)
    if colour_wanted(stream):
        return Console(stderr=stderr, force_terminal=True, **options)
    return Console(stderr=stderr, color_system=None, no_color=True, **options)


def plain(value: object) -> str:
    """`value` as text for a rich console: escaped, so `[...]` in data (a file name, text read
    from a clip, an error message) is shown as written, never read as markup. None is ""."""
    from rich.markup import escape

    return "" if value is None else escape(str(value))
