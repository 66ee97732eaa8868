"""The command registry (`toolkit.cli.COMMANDS`): every verb imports, and one that cannot be loaded
is an import error naming its module, never "no such command"."""

from __future__ import annotations

import click
import pytest

import toolkit.cli as cli_package
from toolkit.cli import COMMANDS, cli, load_command


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_registered_command_imports(name: str) -> None:
    command = load_command(COMMANDS[name])
    assert isinstance(command, click.Command)
    assert command.name == name
    assert cli.get_command(click.Context(cli), name) is command


def test_a_missing_module_is_an_import_error_naming_it(runner, monkeypatch) -> None:
    monkeypatch.setitem(COMMANDS, "render", "toolkit.cli.rendr:render")
    with pytest.raises(ModuleNotFoundError) as caught:
        load_command(COMMANDS["render"])
    assert caught.value.name == "toolkit.cli.rendr" and str(caught.value) == "No module named 'toolkit.cli.rendr'"
    result = runner.invoke(cli, ["render", "--help"])
    assert isinstance(result.exception, ModuleNotFoundError) and "No such command" not in result.output


def test_a_missing_function_is_an_attribute_error_naming_the_module(runner, monkeypatch) -> None:
    monkeypatch.setitem(COMMANDS, "plan", "toolkit.cli.render:plann")
    with pytest.raises(AttributeError) as caught:
        load_command(COMMANDS["plan"])
    assert str(caught.value) == "module 'toolkit.cli.render' has no attribute 'plann'"
    result = runner.invoke(cli, ["plan", "x.yaml"])
    assert isinstance(result.exception, AttributeError) and "No such command" not in result.output


def test_something_else_registered_is_a_type_error(monkeypatch) -> None:
    monkeypatch.setitem(COMMANDS, "new", "toolkit.cli.render:common")
    with pytest.raises(TypeError) as caught:
        load_command(COMMANDS["new"])
    assert str(caught.value) == "toolkit.cli.render:common is function, not a click command"


def test_an_unknown_verb_is_still_a_usage_error(runner) -> None:
    result = runner.invoke(cli, ["rendr"])
    assert result.exit_code == 2 and "No such command 'rendr'" in result.output
    assert cli_package.LazyGroup.get_command(cli, click.Context(cli), "rendr") is None
