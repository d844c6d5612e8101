"""What `prove` and `matrix` print: notes only when true, every engine's verdict in text."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from lost_update import tlc_not_run

from mbind_formal.cli import run_cli

COUNTER = str(Path(__file__).resolve().parents[2] / "spec" / "examples" / "counter.mbf")
NEVER = "note: steps that never fire: worker.bump"


def _cli(*argv: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run_cli([*argv, "--no-save"], out, err)
    return code, out.getvalue()


def test_coverage_note_only_after_an_exhaustive_search() -> None:
    # atomic checks and increments in one step: `bump` is never reached, and an
    # exhaustive search can say so
    code, out = _cli("prove", COUNTER, "--variant", "atomic", "--claim", "bounded")
    assert code == 0 and NEVER in out
    # a search stopped by --max-states saw only part of the states: no such note
    code, out = _cli(
        "prove", COUNTER, "--variant", "atomic", "--claim", "bounded", "--engine", "explicit",
        "--max-states", "3",
    )  # fmt: skip
    assert code == 3 and "unknown" in out and "never fire" not in out
    # a violated cell stopped at the violation: no such note either
    code, out = _cli("prove", COUNTER, "--variant", "base", "--claim", "bounded")
    assert code == 1 and "never fire" not in out


def test_engine_all_shows_every_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("mbind_formal.engines.tlc.TlcEngine.check", tlc_not_run)
    code, out = _cli("prove", COUNTER, "--claim", "bounded", "--engine", "all")
    assert code == 1
    assert out.splitlines()[:7] == [
        "base / bounded: violated (4 steps) [explicit]",
        "  explicit: violated (4 steps)",
        "  bmc:      violated (4 steps)",
        "  kind:     violated (4 steps)",
        "  pdr:      violated (4 steps)",
        "  tlc:      unknown (not run in this test)",
        "  26 distinct states",
    ]
    assert "  bmc:      no violation up to depth 30 (bounded search, not a proof)" in out
    # --jobs 1: the TLC stand-in is patched into this process only
    code, out = _cli("matrix", COUNTER, "--claim", "bounded", "--engine", "all", "--jobs", "1")
    assert code == 1
    assert "engines: 5 on each of 2 cells, no disagreement" in out
    assert "  bmc       1 bounded, 1 violated" in out.splitlines()
    assert "  tlc       2 unknown" in out.splitlines()


def test_see_hint_names_the_spec_and_its_parameters() -> None:
    code, out = _cli("prove", COUNTER, "--variant", "base", "--claim", "bounded", "--pages", "2")
    assert code == 2  # counter has no `pages`
    code, out = _cli("prove", COUNTER, "--variant", "base", "--claim", "bounded", "--param",
                     "limit=1")  # fmt: skip
    assert code == 1
    assert (
        f"  see: mbind-formal trace {COUNTER} --param limit=1 --variant base --claim bounded"
        in out.splitlines()
    )
