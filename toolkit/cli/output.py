"""Shared console output for the CLI: located issues, coloured by severity."""

from __future__ import annotations

from collections.abc import Iterable

import click

from toolkit.errors import Issue

_COLOURS = {"error": "red", "warning": "yellow", "info": "cyan"}


def echo_issues(issues: Iterable[Issue], *, err: bool = True) -> None:
    """Print each issue as `FILE:LINE:COL: path: message`, coloured by severity."""
    for issue in issues:
        click.secho(issue.format(), fg=_COLOURS.get(issue.severity), err=err)
