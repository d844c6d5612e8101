"""Error corpus: one bad spec per kind of mistake, each with its expected diagnostic.

Each `<name>.expect` holds the command on its first line (`# mbind-formal check ...`,
run from this directory, as in mypyvy's regression files) and the first line of the
rendered diagnostics on its second; any further lines are lines the rendering must also
hold (a hint, a note, a second diagnostic). The test runs the command in-process and
requires exit code 2, no traceback and those lines. `python test_errors.py --update`
rewrites the second lines from the current output (review the diff).
"""

from __future__ import annotations

import io
import shlex
import sys
from pathlib import Path

import pytest

from mbind_formal.cli import run_cli

HERE = Path(__file__).resolve().parent
CASES = sorted(HERE.glob("*.expect"))


def run(command: str) -> tuple[int, str, str]:
    argv = shlex.split(command.removeprefix("#").strip())
    assert argv[0] == "mbind-formal", command
    out, err = io.StringIO(), io.StringIO()
    code = run_cli(argv[1:], out, err)
    return code, out.getvalue(), err.getvalue()


def first_error(err: str) -> str:
    lines = err.splitlines()
    return lines[0] if lines else ""


@pytest.mark.parametrize("expect", CASES, ids=lambda p: p.stem)
def test_bad_spec_is_reported(expect: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    command, wanted, *also = expect.read_text(encoding="utf-8").splitlines()
    monkeypatch.chdir(HERE)
    code, out, err = run(command)
    assert code == 2, (out, err)
    assert "Traceback" not in err and "internal error" not in err
    assert out == ""
    assert first_error(err) == wanted
    for line in also:
        assert line in err.splitlines(), (line, err)


def test_corpus_covers_enough_kinds() -> None:
    codes = {c.read_text(encoding="utf-8").splitlines()[1].split("[")[1][:6] for c in CASES}
    semantic = {c for c in codes if c[3] in "234"}
    assert len(CASES) >= 40
    assert len(semantic) >= 20, sorted(semantic)
    assert {"MBF001", "MBF002", "MBF003", "MBF005", "MBF006", "MBF007", "MBF208"} <= codes


def test_every_bad_spec_has_an_expectation() -> None:
    used: set[str] = set()
    for c in CASES:
        used.update(w for w in shlex.split(c.read_text(encoding="utf-8").splitlines()[0]))
    for spec in HERE.glob("*.mbf"):
        assert spec.name in used, f"{spec.name} has no .expect"


def update() -> None:
    for expect in CASES:
        command, _, *also = expect.read_text(encoding="utf-8").splitlines()
        _, _, err = run(command)
        kept = "".join(f"{line}\n" for line in also)  # hand-written: review them
        expect.write_text(f"{command}\n{first_error(err)}\n{kept}", encoding="utf-8")


if __name__ == "__main__" and "--update" in sys.argv:
    import os

    os.chdir(HERE)
    update()
