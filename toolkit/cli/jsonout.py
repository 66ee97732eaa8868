"""`--json` for every command that has a machine-readable answer: one option, one writer.

`--json` alone or `--json -` prints the JSON on standard output (never a file named `-`);
`--json FILE.json` writes the file atomically (complete or not at all, replacing an older one).
Only `-` or a name ending in `.json` is taken as the destination: in `reel validate --json a.yaml`
or `reel check-flash --json clip.mp4` the next word is an input and the JSON goes to standard
output (`JsonCommand`), so an input is never overwritten by the report.

Each output has a JSON Schema in `schema/` (`schema_path`), and its first key `schema` names
it and its version, e.g. `"reel-validate/1"`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import click

from toolkit.errors import Issue

STDOUT = "-"


def _is_destination(word: str) -> bool:
    return word == STDOUT or word.lower().endswith(".json")


class JsonCommand(click.Command):
    """A command with `json_option`: `--json WORD` takes WORD as the destination only when it is
    `-` or ends in `.json`; otherwise `--json` means standard output and WORD stays an argument."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        fixed: list[str] = []
        words = iter(args)
        for word in words:
            fixed.append(word)
            if word == "--":  # everything after is an argument
                fixed.extend(words)
                break
            if word == "--json":
                following = next(words, None)
                if following is None:
                    break
                if not _is_destination(following) or following.startswith("--"):
                    fixed.append(STDOUT)
                fixed.append(following)
                if following == "--":
                    fixed.extend(words)
                    break
        return super().parse_args(ctx, fixed)


def json_option(what: str) -> Callable:
    """The `--json [-|FILE.json]` option; the command receives `json_to`: None, "-" or a Path."""
    return click.option("--json", "json_to", is_flag=False, flag_value=STDOUT, default=None,
                        metavar="[-|FILE.json]", callback=_destination,
                        help=f"{what} as JSON: on standard output (`--json` or `--json -`) or into FILE.json.")


def _destination(ctx: click.Context, param: click.Parameter, value: str | None) -> str | Path | None:
    if value is None or value == STDOUT:
        return value
    if "\x00" in value:
        raise click.BadParameter("the name contains a NUL character (\\x00), which no file name can hold")
    if not _is_destination(value):  # only `--json=NAME` reaches here with another name
        raise click.BadParameter(
            f"{value!r} is not a JSON file name: `--json` alone (or `--json -`) prints JSON on standard "
            "output; to write a file, name it with .json at the end")
    return Path(value)


def to_stdout(json_to: str | Path | None) -> bool:
    """True when the JSON goes to standard output (so the human output must stay off it)."""
    return json_to == STDOUT


def emit_json(data: Any, json_to: str | Path, *, inputs: Iterable[Path] = ()) -> Path | None:
    """Print `data` as JSON, or write it to the file `json_to` atomically; returns the file written.

    Raises `OutputError` when the file cannot be written or is one of `inputs`.
    """
    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    if json_to == STDOUT:
        click.echo(text, nl=False)
        return None
    from toolkit.errors import OutputError
    from toolkit.film.run.atomic import atomic_output

    try:
        Path(json_to).parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{json_to}: cannot make its folder ({exc.strerror or exc})") from None
    with atomic_output(Path(json_to), force=True, inputs=inputs) as temp:
        temp.write_text(text, encoding="utf-8")
    return Path(json_to)


def issue_to_dict(issue: Issue) -> dict[str, Any]:
    """One located issue as JSON (`schema/issue` in each output's schema)."""
    return {"file": str(issue.file) if issue.file is not None else None, "line": issue.line, "column": issue.col,
            "field": issue.path or None, "severity": issue.severity, "code": issue.code or None,
            "message": issue.message}
