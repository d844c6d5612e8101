"""The documented error and exit codes are the ones the code has.

docs/robustness.md (and the README, once it carries the error-code table) must hold the
tables `gen_codes_table.py` prints from `diagnostics.CODES` and `ExitCode`, and every
`MBFxxx` the package prints must be registered, so no code goes undocumented.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from gen_codes_table import (
    GROUPS,
    command_exits_table,
    error_codes_table,
    exit_codes_table,
    group_of,
    main,
)

from mbind_formal.cli.common import ExitCode
from mbind_formal.diagnostics import CODES

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "robustness.md"
README = ROOT / "README.md"
PKG = ROOT / "mbind_formal"


def _table_rows(text: str, first_cell: str) -> list[str]:
    """The lines of the Markdown table whose rows start with `| `<first_cell>...`."""
    return [line for line in text.splitlines() if re.match(rf"^\| `{first_cell}", line)]


def test_generated_tables_cover_every_code() -> None:
    errors = error_codes_table()
    for code, meaning in CODES.items():
        assert f"| `{code}` |" in errors and meaning.replace("|", "\\|") in errors
    exits = exit_codes_table()
    for exit_code in ExitCode:
        assert f"| `{int(exit_code)}` |" in exits


def test_every_code_lies_in_a_documented_range() -> None:
    for code in CODES:
        assert group_of(code) in {name for _, name in GROUPS}


def test_docs_hold_the_generated_tables() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert error_codes_table() in text, "rerun tests/robustness/gen_codes_table.py --errors"
    assert exit_codes_table() in text, "rerun tests/robustness/gen_codes_table.py --exits"


def test_readme_error_code_table_matches() -> None:
    readme = README.read_text(encoding="utf-8")
    rows = _table_rows(readme, "MBF")
    if not rows:
        pytest.skip("the README has no error-code table yet (paste gen_codes_table.py --errors)")
    assert rows == _table_rows(error_codes_table(), "MBF")


def test_readme_exit_code_table_matches() -> None:
    readme = README.read_text(encoding="utf-8")
    assert _table_rows(readme, r"\d") == _table_rows(exit_codes_table(), r"\d")


def test_every_printed_code_is_registered() -> None:
    """Codes written into f-strings (CLI messages) bypass Diagnostic's registry check."""
    for path in sorted(PKG.rglob("*.py")):
        for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for code in re.findall(r"MBF\d{3}", line):
                assert code in CODES, f"{path.relative_to(ROOT)}:{lineno}: {code} unregistered"


def test_script_prints_both_tables(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 0
    printed = capsys.readouterr().out
    assert exit_codes_table() in printed and error_codes_table() in printed
    assert main(["--errors"]) == 0
    assert capsys.readouterr().out == error_codes_table()


def test_readme_has_every_commands_exit_codes() -> None:
    """The per-command table (`gen_codes_table.py --commands`) is in the README, and every
    subcommand's --help lists its own codes."""
    import io

    from mbind_formal.cli import _commands, run_cli

    assert command_exits_table() in README.read_text(encoding="utf-8")
    for mod in _commands():
        out = io.StringIO()
        assert run_cli([mod.NAME, "--help"], out, io.StringIO()) == 0
        for code, meaning in mod.EXITS:
            assert f"  {int(code)}  {meaning}" in out.getvalue()
