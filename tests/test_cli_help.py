"""Every command's and subcommand's --help exits 0; the list is generated from the typer app."""

from __future__ import annotations

from typing import Any

import pytest
import typer.main
from typer.testing import CliRunner

from aueb.cli import app


def _paths(command: Any, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [path]
    # typer's groups need not be click.Group instances (typer may carry its own click): ask for subcommands.
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        found.extend(_paths(sub, (*path, name)))
    return found


COMMANDS = _paths(typer.main.get_command(app))


def test_the_walk_finds_the_commands() -> None:
    names = {" ".join(p) for p in COMMANDS}
    assert {"project", "risk", "convert"} <= names
    assert len(COMMANDS) > 5


@pytest.mark.parametrize("path", COMMANDS, ids=lambda p: " ".join(p) or "aueb")
def test_help_exits_0(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(app, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "usage" in result.output.lower()
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_risk_help_shows_the_figure_syntax_as_written() -> None:
    result = CliRunner().invoke(app, ["risk", "--help"], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "[/ARM]" in result.output
