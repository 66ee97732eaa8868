"""`reel plan`, `reel render`, `reel still`, `reel sheet`: from storyboard to pictures."""

from __future__ import annotations

import json
from pathlib import Path

import click

from toolkit.cli.output import echo_issues

_COMMON = [
    click.option("--template", "template", default=None, help="Use this template instead of the storyboard's."),
    click.option("--allow-outside", is_flag=True, help="Allow media paths outside the storyboard's folder."),
    click.option("--strict", is_flag=True, help="Treat warnings as errors."),
]


def common(func):
    """The options every storyboard command shares."""
    for option in reversed(_COMMON):
        func = option(func)
    return func


@click.command()
@click.argument("storyboard", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the Timeline as JSON.")
@click.option("--draft", is_flag=True, help="Plan at draft size (540×960).")
@common
def plan(storyboard: Path, as_json: bool, draft: bool, template: str | None, allow_outside: bool,
         strict: bool) -> None:
    """Print the planned Timeline: segments in frames, text boxes in pixels, audio cues.

    Nothing is rendered. `--json` gives the whole intermediate representation."""
    from toolkit.build.pipeline import DRAFT_WIDTH, prepare

    prepared = prepare(storyboard, template=template, width=DRAFT_WIDTH if draft else None,
                       allow_outside=allow_outside, strict=strict)
    if as_json:
        click.echo(json.dumps(prepared.timeline.to_dict(), indent=2, ensure_ascii=False))
        return
    echo_issues([w for w in prepared.warnings if w.severity != "info"])
    click.echo(str(prepared.timeline))
