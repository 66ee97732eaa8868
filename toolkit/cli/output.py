"""Shared console output for the CLI: located issues, coloured by severity."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import click

from toolkit.cli.style import secho
from toolkit.errors import Issue

_COLOURS = {"error": "red", "warning": "yellow", "info": "cyan"}


def echo_issues(issues: Iterable[Issue], *, err: bool = True) -> None:
    """Print each issue as `FILE:LINE:COL: path: message`, coloured by severity."""
    for issue in issues:
        secho(issue.format(), fg=_COLOURS.get(issue.severity), err=err)


class PathArg(click.Path):
    """`click.Path` that turns a NUL character into a usage error instead of a traceback.

    No file name can hold NUL, and `os.stat` raises `ValueError` on one, which click does not
    catch. Everything else is `click.Path`'s (returns `pathlib.Path`).
    """

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("path_type", Path)
        super().__init__(**kwargs)

    def convert(self, value, param, ctx):
        if isinstance(value, str | os.PathLike) and "\x00" in os.fspath(value):
            self.fail(f"{os.fspath(value)!r} contains a NUL character (\\x00), which no file name can hold: "
                      "choose another name", param, ctx)
        return super().convert(value, param, ctx)


class FileArg(PathArg):
    """A file given on the command line that Reel will read: it must be a regular file saved on
    disk. A pipe, /dev/zero or a file under /proc would make a read that never ends, so they are
    refused here with the same words as a path written in a storyboard."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("dir_okay", False)
        super().__init__(**kwargs)

    def convert(self, value, param, ctx):
        from toolkit.doc.paths import Folder, PathProblem, confine

        path = super().convert(value, param, ctx)
        try:
            confine(path, Folder(Path.cwd(), allow_outside=True))
        except PathProblem as problem:
            self.fail(problem.message, param, ctx)
        return path
