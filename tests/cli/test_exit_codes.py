"""The one exit-code contract (README "Exit codes"), driven per command, in-process.

Every command declares what its codes mean (`EXITS`); this test runs each command into
each code it declares, plus 2 (bad input) and 5 (an internal error) for every command,
and fails when a declared code has no case here. Engines run for real, except where a
case needs engines that disagree: there the PDR engine is made to lie (and TLC is kept
out, answering "not run"), since real engines agree.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from lost_update import SPEC, tlc_not_run
from tla_helpers import need_tlc

from mbind_formal.cli import _commands, run_cli
from mbind_formal.cli.common import COMMON_EXITS, ExitCode
from mbind_formal.engines.base import Budget, Result, Verdict
from mbind_formal.ir.model import Claim, Model

OK, FOUND, USAGE, UNKNOWN = ExitCode.OK, ExitCode.VIOLATED, ExitCode.USAGE, ExitCode.UNKNOWN
DISAGREE, INTERNAL = ExitCode.DISAGREE, ExitCode.INTERNAL

EXPLICIT = ("--engine", "explicit", "--no-save")
LOST = ("--variant", "base", "--claim", "no_lost_update")
FIXED = ("--variant", "atomic", "--claim", "no_lost_update")
OK_SCENARIO = ("--scenario", "both_count")
REPORT = ("--engine", "explicit", "--no-scenarios")


def _lying_pdr(self: object, model: Model, claim: Claim, budget: Budget, report: object) -> Result:
    del self, budget, report
    return Result(
        verdict=Verdict.HOLDS, engine="pdr", method="pdr", variant=model.variant, claim=claim.name
    )


def _disagree(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("mbind_formal.engines.z3.pdr.PdrEngine.check", _lying_pdr)
    monkeypatch.setattr("mbind_formal.engines.tlc.TlcEngine.check", tlc_not_run)


Setup = Callable[[pytest.MonkeyPatch], None] | None

# (command, code, argv after the command with {spec}/{tmp} placeholders, setup, words)
CASES: list[tuple[str, ExitCode, tuple[str, ...], Setup, str]] = [
    ("check", OK, ("{spec}",), None, "ok: 3 variants"),
    ("check", USAGE, ("{tmp}/missing.mbf",), None, "MBF001"),
    ("prove", OK, ("{spec}", *FIXED, *EXPLICIT), None, "holds (exhaustive)"),
    ("prove", OK, ("{spec}", *LOST, "--engine", "bmc", "--max-depth", "2", "--no-save"), None,
     "no violation up to depth 2"),
    ("prove", FOUND, ("{spec}", *LOST, *EXPLICIT), None, "violated (4 steps)"),
    ("prove", UNKNOWN, ("{spec}", *LOST, *EXPLICIT, "--max-states", "2"), None, "unknown"),
    ("prove", DISAGREE, ("{spec}", *LOST, "--engine", "all", "--no-save", "--max-depth", "6"),
     _disagree, "pdr:      holds"),
    ("prove", USAGE, ("{spec}", "--claim", "nope", "--no-save"), None, "MBF502"),
    ("matrix", OK, ("{spec}", "--variant", "atomic", *OK_SCENARIO[:0], *EXPLICIT,
                    "--no-scenarios"), None, "✓exh"),
    ("matrix", FOUND, ("{spec}", *EXPLICIT), None, "✗4"),
    ("matrix", FOUND, ("{spec}", "--variant", "atomic", *EXPLICIT), None, "FAIL"),
    ("matrix", UNKNOWN, ("{spec}", "--variant", "atomic", *EXPLICIT, "--max-states", "2",
                         "--no-scenarios"), None, "?"),
    ("matrix", DISAGREE, ("{spec}", *LOST, "--engine", "all", "--no-save", "--max-depth", "6",
                          "--no-scenarios"), _disagree, "!!"),
    ("matrix", USAGE, ("{spec}", "--pages", "2", *EXPLICIT), None, "MBF208"),
    ("report", OK, ("{spec}", *FIXED, *REPORT, "-o", "{tmp}/r.html"), None, "0 violated"),
    ("report", FOUND, ("{spec}", *LOST, "--engine", "explicit", "-o", "{tmp}/r.html"), None,
     "1 violated"),
    ("report", UNKNOWN, ("{spec}", *FIXED, *REPORT, "--max-states", "2", "-o", "{tmp}/r.html"),
     None, "wrote"),
    ("report", DISAGREE, ("{spec}", *LOST, "--engine", "all", "--max-depth", "6", "-o",
                          "{tmp}/r.html"), _disagree, "wrote"),
    ("report", USAGE, ("{spec}", "-o", "{tmp}/no/such/dir/r.html"), None, "MBF503"),
    ("trace", OK, ("{spec}", *FIXED, "--engine", "explicit"), None, "the claim holds"),
    ("trace", OK, ("{spec}", *LOST, "--engine", "bmc", "--max-depth", "2"), None,
     "no violation up to depth 2"),
    ("trace", FOUND, ("{spec}", *LOST, "--engine", "explicit"), None, "violated"),
    ("trace", UNKNOWN, ("{spec}", *LOST, "--engine", "explicit", "--max-states", "2"), None,
     "unknown"),
    ("trace", USAGE, ("{spec}", "--claim", "small"), None, "several variants"),
    ("replay", OK, ("{spec}", "{tmp}/t.itf.json"), None, "ok: 4 steps replay"),
    ("replay", FOUND, ("{spec}", "{tmp}/t.itf.json", "--variant", "atomic"), None, "illegal"),
    ("replay", USAGE, ("{spec}", "{tmp}/bad.itf.json"), None, "MBF008"),
    ("diff", OK, ("{spec}", "--from", "base", "--to", "same", "--engine", "explicit"), None,
     "0 of 2 claim verdicts differ"),
    ("diff", FOUND, ("{spec}", "--from", "base", "--to", "atomic", "--engine", "explicit"), None,
     "1 of 2 claim verdicts differ"),
    ("diff", UNKNOWN, ("{spec}", "--from", "base", "--to", "same", "--engine", "explicit",
                       "--max-states", "2"), None, "0 of 2"),
    ("diff", USAGE, ("{spec}", "--from", "base", "--to", "base"), None, "same variant"),
    ("scenarios", OK, ("{spec}", *OK_SCENARIO), None, "pass"),
    ("scenarios", FOUND, ("{spec}",), None, "FAIL"),
    ("scenarios", UNKNOWN, ("{spec}", *OK_SCENARIO, "--max-states", "2"), None, "?"),
    ("scenarios", USAGE, ("{spec}", "--scenario", "nope"), None, "MBF502"),
    ("tla", OK, ("{spec}", "-o", "{tmp}/tla"), None, "s_atomic.tla"),
    ("tla", USAGE, ("{spec}", "--variant", "nope"), None, "MBF502"),
    ("tlc", USAGE, ("{spec}", "--workers", "0"), None, "MBF501"),
    ("fmt", OK, ("{tmp}/messy.mbf",), None, "formatted"),
    ("fmt", FOUND, ("--check", "{tmp}/messy.mbf"), None, "would reformat"),
    ("fmt", USAGE, ("{tmp}/bad.itf.json",), None, "MBF101"),
]  # fmt: skip

TLC_CASES: list[tuple[str, ExitCode, tuple[str, ...], Setup, str]] = [
    ("tlc", OK, ("{spec}", *FIXED), None, "steps deep (TLC's depth"),
    ("tlc", FOUND, ("{spec}", *LOST), None, "violated (TLC)"),
    ("tlc", UNKNOWN, ("{spec}", *LOST, "--timeout", "0.001"), None, "unknown (TLC)"),
]


def _prepare(tmp_path: Path) -> dict[str, str]:
    spec = tmp_path / "s.mbf"
    spec.write_text(SPEC, encoding="utf-8")
    itf = tmp_path / "t.itf.json"
    code = run_cli(
        ["trace", str(spec), *LOST, "--engine", "explicit", "--format", "itf", "-o", str(itf)],
        io.StringIO(),
        io.StringIO(),
    )
    assert code == FOUND
    (tmp_path / "bad.itf.json").write_text('{"states": [', encoding="utf-8")
    (tmp_path / "messy.mbf").write_text("var   x: bool;\n", encoding="utf-8")
    return {"spec": str(spec), "tmp": str(tmp_path)}


def _run(argv: tuple[str, ...], where: dict[str, str]) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run_cli([a.format(**where) for a in argv], out, err)
    text = out.getvalue() + err.getvalue()
    assert "Traceback" not in text
    return code, text


def _check(
    case: tuple[str, ExitCode, tuple[str, ...], Setup, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    command, expected, argv, setup, words = case
    if setup is not None:
        setup(monkeypatch)
    monkeypatch.chdir(tmp_path)  # run records land in tmp_path/runs
    code, text = _run((command, *argv), _prepare(tmp_path))
    assert code == expected, text
    assert words in text, text


def _id(case: tuple[str, ExitCode, tuple[str, ...], Setup, str]) -> str:
    return f"{case[0]}-{int(case[1])}-{case[4][:24]}"


@pytest.mark.parametrize("case", CASES, ids=[_id(c) for c in CASES])
def test_command_answers_its_code(
    case: tuple[str, ExitCode, tuple[str, ...], Setup, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _check(case, tmp_path, monkeypatch)


@pytest.mark.tlc
@pytest.mark.parametrize("case", TLC_CASES, ids=[_id(c) for c in TLC_CASES])
def test_tlc_answers_its_code(
    case: tuple[str, ExitCode, tuple[str, ...], Setup, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    need_tlc()
    _check(case, tmp_path, monkeypatch)


@pytest.mark.parametrize("name", [m.NAME for m in _commands()])
def test_a_bug_is_exit_5_for_every_command(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    (mod,) = [m for m in _commands() if name == m.NAME]

    def boom(*args: object) -> int:
        raise RuntimeError("planted")

    monkeypatch.setattr(mod, "run", boom)
    out, err = io.StringIO(), io.StringIO()
    required = {"replay": ["t.itf.json"], "diff": ["--from", "a", "--to", "b"]}
    assert run_cli([name, "x.mbf", *required.get(name, [])], out, err) == INTERNAL
    assert "internal error, please report" in err.getvalue()


def test_every_declared_code_has_a_case() -> None:
    """A command whose `EXITS` names a code this file never drives it into fails here."""
    covered = {(c, code) for c, code, *_ in [*CASES, *TLC_CASES]}
    for mod in _commands():
        for code, _ in (*mod.EXITS, *COMMON_EXITS):
            if code is INTERNAL:
                continue  # test_a_bug_is_exit_5_for_every_command
            assert (mod.NAME, code) in covered, f"{mod.NAME} never exits {int(code)} here"


def test_bounded_json_says_bounded(tmp_path: Path) -> None:
    where = _prepare(tmp_path)
    target = tmp_path / "p.json"
    code, _ = _run(
        ("prove", "{spec}", *LOST, "--engine", "bmc", "--max-depth", "2", "--no-save",
         "--json", str(target)),
        where,
    )  # fmt: skip
    assert code == OK
    (cell,) = json.loads(target.read_text())["cells"]
    assert (cell["verdict"], cell["bound"]) == ("bounded", 2)


def test_version() -> None:
    out, err = io.StringIO(), io.StringIO()
    assert run_cli(["--version"], out, err) == OK
    assert out.getvalue().startswith("mbind-formal ")


def test_param_zero_is_accepted_like_in_the_file(tmp_path: Path) -> None:
    where = _prepare(tmp_path)
    code, text = _run(("check", "{spec}", "--param", "limit=0"), where)
    assert code == OK, text
    assert "params: limit=0" in text
