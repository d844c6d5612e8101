"""`--help` and the README document the same exit codes (CrossHair check_help_in_doc)."""

from __future__ import annotations

import io
import re
from pathlib import Path

from mbind_formal.cli import run_cli
from mbind_formal.cli.common import EXIT_CODES_HELP, ExitCode

README = Path(__file__).resolve().parents[2] / "README.md"


def _help(*argv: str) -> str:
    out, err = io.StringIO(), io.StringIO()
    code = run_cli([*argv, "--help"], out, err)
    assert code == 0, err.getvalue()
    return out.getvalue()


def test_help_lists_exit_codes() -> None:
    text = _help()
    for code in ExitCode:
        assert re.search(rf"^\s+{int(code)}\s+\S", text, re.M), f"exit code {int(code)} missing"


def test_readme_exit_code_table_matches_help() -> None:
    readme = README.read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| `(\d)` \| (.+?) \|$", readme, re.M))
    helped = dict(re.findall(r"^\s+(\d)\s+(.+)$", EXIT_CODES_HELP, re.M))
    assert rows == helped, "README's exit-code table and --help disagree"


def test_every_subcommand_has_help() -> None:
    from mbind_formal.cli import _commands

    text = _help()
    names = [m.NAME for m in _commands()]
    assert {"prove", "matrix"} <= set(names)
    for name in names:
        assert name in text
        assert "usage: mbind-formal " + name in _help(name)


def test_unknown_command_is_a_usage_error() -> None:
    out, err = io.StringIO(), io.StringIO()
    assert run_cli(["frobnicate"], out, err) == ExitCode.USAGE
    assert "error[MBF501]" in err.getvalue()
    assert "Traceback" not in err.getvalue()
