"""The `reel` command line. Thin: parse arguments, call the library, print, choose the exit code.

Sub-commands live one per module in this package and are imported only when invoked, so
`reel --help` stays fast and no command pays for another's imports (onnxruntime, numpy...).
"""

from __future__ import annotations

import contextlib
import importlib
import sys
from typing import Any

import click

from toolkit.cli.signals import describe, exit_code, stop_on_signals
from toolkit.cli.style import NO_COLOR_KEY, colour_refused
from toolkit.errors import ReelError

# name -> "module:function". The registry, not an if-chain: add a verb by adding a line.
COMMANDS: dict[str, str] = {
    "validate": "toolkit.cli.validate:validate",
    "schema": "toolkit.cli.schema:schema",
    "new": "toolkit.cli.new:new",
    "plan": "toolkit.cli.render:plan",
    "render": "toolkit.cli.render:render",
    "still": "toolkit.cli.render:still",
    "sheet": "toolkit.cli.render:sheet",
    "lint": "toolkit.cli.lint:lint",
    "helplines": "toolkit.cli.care:helplines",
    "check-flash": "toolkit.cli.flash:check_flash",
    "grade": "toolkit.cli.grade:grade",
    "templates": "toolkit.cli.templates:templates",
    "assets": "toolkit.cli.assets:assets",
    "captions": "toolkit.cli.captions:captions",
    "contributors": "toolkit.cli.contributors:contributors",
    "anonymise": "toolkit.cli.anonymise:anonymise",
    "studio": "toolkit.cli.studio:studio",
    "library": "toolkit.cli.library:library",
}

# `reel --help` lists the commands by who uses them; every command in COMMANDS appears once.
AUDIENCES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Trainees (make a film)", ("new", "validate", "studio", "render", "still", "sheet", "lint", "helplines",
                                "captions", "anonymise")),
    ("Editors (templates, plans, checks)", ("templates", "assets", "plan", "check-flash", "schema", "contributors",
                                            "library")),
    ("Tutors (grade exported clips)", ("grade",)),
)


def load_command(target: str) -> click.Command:
    """Import the command `target` ("module:function") names.

    A registered command that cannot be loaded is a bug in Reel, never "no such command": a
    missing or broken module raises its `ImportError`, a missing function an `AttributeError`
    naming the module, and anything else a `TypeError`.
    """
    module_name, _, attr = target.partition(":")
    command = getattr(importlib.import_module(module_name), attr)
    if not isinstance(command, click.Command):
        raise TypeError(f"{target} is {type(command).__name__}, not a click command")
    return command


class LazyGroup(click.Group):
    """A click group whose sub-commands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The commands in one section per audience (AUDIENCES), each with its one-line help."""
        longest = max(len(name) for name in COMMANDS)  # one column width for every section
        width = formatter.width - 6 - longest
        for heading, names in AUDIENCES:
            rows = [(name.ljust(longest), self.get_command(ctx, name).get_short_help_str(width)) for name in names]
            with formatter.section(heading):
                formatter.write_dl(rows)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        return None if target is None else load_command(target)

    def invoke(self, ctx: click.Context) -> Any:
        # SIGTERM and SIGHUP stop a command like Ctrl-C (clean-up runs, no temporary file is
        # left); installed here, around the command, never at import.
        with stop_on_signals():
            try:
                return super().invoke(ctx)
            except ReelError as exc:
                if ctx.obj and ctx.obj.get("debug"):
                    raise
                click.echo(f"Error: {exc}", err=True)
                ctx.exit(exc.exit_code)
            except KeyboardInterrupt as exc:
                # The terminal may be gone (SIGHUP): a failed message must not hide the exit code.
                with contextlib.suppress(OSError):
                    click.echo(f"interrupted ({describe(exc)})", err=True)
                ctx.exit(exit_code(exc))


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show tracebacks instead of one-line errors.")
@click.option("--no-color", "no_color", is_flag=True,
              help="Plain output: no colour or styles (so does a non-empty NO_COLOR).")
@click.version_option(package_name="reel")
@click.pass_context
def cli(ctx: click.Context, debug: bool, no_color: bool) -> None:
    """Reel: safe, fast vertical short films about mental health, from a YAML storyboard."""
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug
    ctx.obj[NO_COLOR_KEY] = no_color
    if colour_refused():
        ctx.color = False  # click's own messages (usage errors, help) too; sub-commands inherit it


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point."""
    cli.main(args=argv if argv is not None else sys.argv[1:], prog_name="reel")
