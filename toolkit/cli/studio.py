"""`reel studio`: a live preview of a storyboard in the browser."""

from __future__ import annotations

from pathlib import Path

import click

from toolkit.cli.output import PathArg, echo_issues
from toolkit.cli.render import TEMPLATE_OPTION
from toolkit.cli.style import secho
from toolkit.cli.templates import field_option


@click.command()
@click.argument("storyboard", type=PathArg(exists=True, dir_okay=False))
@click.option("--port", type=click.IntRange(1, 65535), default=None,
              help="Listen on this port of 127.0.0.1 (default: a free one).")
@click.option("--no-browser", is_flag=True, help="Print the URL but do not open a browser.")
@TEMPLATE_OPTION
@field_option()
def studio(storyboard: Path, port: int | None, no_browser: bool, template: str | None, fields: dict[str, str]) -> None:
    """Preview the film in the browser, live: frame at any time, scenes, safe zone and every issue.

    Serves 127.0.0.1 only, behind a random token in the printed URL. Edit the storyboard in your
    editor: each save refreshes the page. The page is a preview; it never changes the storyboard.
    Stop with Ctrl-C."""
    from toolkit.studio.server import StudioServer

    server = StudioServer(storyboard, port=port, template=template, fields=fields)
    snapshot = server.studio.snapshot
    secho(f"Reel Studio for {storyboard}: {server.url}", fg="green")
    if snapshot.stale:  # said here too, as `reel render` would say it (a bad --template, a missing --field)
        echo_issues(snapshot.issues)
        secho(f"  the storyboard does not plan yet ({len(snapshot.issues)} issue(s)); the page lists them",
              fg="yellow")
    click.echo("  open that URL (it carries this session's token); Ctrl-C stops the studio")
    server.run(open_browser=not no_browser)
