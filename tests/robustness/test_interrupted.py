"""Interrupted commands say so, and say what they had decided (issue 19).

Before: an interrupted `report` wrote a page saying "No claim is violated." over 0
cells; `scenarios` and the scenario part of `matrix` turned Ctrl-C into a bare
"interrupted" and dropped what had finished. After: every command names the
interruption and counts what it decided, the JSON document carries an `interrupted`
field, and the report page marks itself partial. The interruption is a
KeyboardInterrupt raised inside an engine (an in-process stand-in for Ctrl-C, SIGTERM
and SIGHUP, which `children.signals_raise` turns into the same exception).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from robust_support import SMALL, assert_no_traceback, cli, write

from mbind_formal.children import Interrupted
from mbind_formal.cli.common import ExitCode
from mbind_formal.engines.base import Budget, Result
from mbind_formal.ir.model import Claim, Model

UNKNOWN = int(ExitCode.UNKNOWN)


class _Interrupting:
    """An engine stand-in: the first `real` cells run the explicit engine, the next one
    is interrupted (by `signal`, or Ctrl-C when None)."""

    name = "explicit"

    def __init__(self, real: int, signal: int | None = None) -> None:
        from mbind_formal.engines.explicit import ExplicitEngine

        self.engine = ExplicitEngine()
        self.real = real
        self.signal = signal
        self.calls = 0

    def check(self, model: Model, claim: Claim, budget: Budget, report: Any = None) -> Result:
        self.calls += 1
        if self.calls > self.real:
            raise KeyboardInterrupt if self.signal is None else Interrupted(self.signal)
        return self.engine.check(model, claim, budget, report)


def _interrupt_after(monkeypatch: pytest.MonkeyPatch, real: int, signal: int | None = None) -> None:
    from mbind_formal.engines import registry

    engine = _Interrupting(real, signal)
    monkeypatch.setattr(registry, "get_engine", lambda name: engine)


@pytest.fixture
def small(tmp_path: Path) -> Path:
    return write(tmp_path, "small.mbf", SMALL)


def test_interrupted_report_marks_itself_partial(
    small: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _interrupt_after(monkeypatch, 0, 15)
    page = tmp_path / "report.html"
    run = cli("report", small, "--engine", "explicit", "-o", page)
    assert_no_traceback(run)
    assert run.code == UNKNOWN, run.text
    assert "interrupted by SIGTERM: 0 of 4 cells decided" in run.err, run.err
    html = page.read_text(encoding="utf-8")
    assert "No claim is violated." not in html
    assert "Partial report" in html and "0 of 4 cells decided" in html


def test_report_interrupted_after_a_violation_shows_it(
    small: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _interrupt_after(monkeypatch, 1)
    page = tmp_path / "report.html"
    run = cli("report", small, "--engine", "explicit", "-o", page)
    assert run.code == UNKNOWN, run.text
    html = page.read_text(encoding="utf-8")
    assert "Partial report" in html and "1 of 4 cells decided" in html
    assert "Counterexamples" in html  # base/exclusive is violated


def test_an_uninterrupted_report_is_not_partial(small: Path, tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    run = cli("report", small, "--engine", "explicit", "-o", page, "--variant", "fixed")
    assert run.code == 0, run.text
    html = page.read_text(encoding="utf-8")
    assert "Partial report" not in html and "No claim is violated." in html


@pytest.mark.parametrize("command", ["prove", "matrix"])
def test_cells_commands_count_what_they_decided(
    small: Path, monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    _interrupt_after(monkeypatch, 2, 1)
    # --jobs 1: the stand-in engine lives in this process, a worker would not see it
    jobs = ("--jobs", "1") if command == "matrix" else ()
    run = cli(command, small, "--engine", "explicit", "--no-save", "--json", "-", *jobs)
    assert_no_traceback(run)
    assert run.code == UNKNOWN
    doc = json.loads(run.out)
    assert len(doc["cells"]) == 2
    assert doc["interrupted"].startswith("interrupted by SIGHUP: 2 of 4 cells decided")
    assert "2 of 4 cells decided" in run.err


def test_scenarios_interrupted_print_what_finished(
    small: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import mbind_formal.engines.scenarios as scenarios

    real = scenarios.run_scenario
    calls: list[str] = []

    def interrupting(model: Model, *args: Any, **kwargs: Any) -> Any:
        calls.append(model.variant)
        if len(calls) > 1:
            raise KeyboardInterrupt
        return real(model, *args, **kwargs)

    monkeypatch.setattr(scenarios, "run_scenario", interrupting)
    run = cli("scenarios", small)
    assert_no_traceback(run)
    assert run.code == UNKNOWN, run.text
    assert "one_page" in run.out and "pass" in run.out, run.out
    assert "interrupted: 1 of 2 scenario runs decided" in run.err


def test_matrix_interrupted_in_its_scenarios_keeps_the_cells(
    small: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import mbind_formal.engines.scenarios as scenarios

    def interrupted(*args: Any, **kwargs: Any) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr(scenarios, "run_scenario", interrupted)
    run = cli("matrix", small, "--engine", "explicit", "--no-save")
    assert_no_traceback(run)
    assert run.code == UNKNOWN
    assert "exclusive" in run.out
    assert "0 of 2 scenario runs decided" in run.err
    assert "(all 4 cells decided)" in run.err
