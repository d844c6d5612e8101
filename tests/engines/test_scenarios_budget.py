"""Scenario runs within a budget: a limit stops the exploration (initial states included)
and the result is undecided, saying which limit; the CLI shows `?` and exits 3."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from mbind_formal import load_text
from mbind_formal.cli import run_cli
from mbind_formal.engines import scenarios
from mbind_formal.engines.base import Budget
from mbind_formal.engines.codec import Codec
from mbind_formal.engines.scenarios import run_scenario
from mbind_formal.semantics.layout import Layout
from mbind_formal.semantics.relation import Semantics

# 2**12 initial states (the constant flags), each run one step long.
MANY = """\
collection Vma[12] {
  const migratable: bool;
}
var ok: bool = false;
var n: -3..300 = -3;
actor mbind {
  walk: ok = true; n = 300; done;
}
claim c { always true; reachable ok; }
scenario every_vma {
  run mbind;
  expect ok && n == 300;
}
"""

# One initial state, then a long chain: 0, 1, ..., 999.
LONG = """\
var x: 0..999 = 0;
actor count {
  up: if (x < 999) { x += 1; goto up; } done;
}
claim c { always true; reachable x == 999; }
scenario to_the_end {
  run count;
  expect x == 999;
}
"""


def _run(text: str, budget: Budget) -> scenarios.ScenarioResult:
    spec = load_text(text, "s.mbf").spec
    assert spec is not None
    return run_scenario(spec.model("base"), spec.scenarios[0], budget)


def test_unlimited_runs_decide() -> None:
    r = _run(MANY, Budget())
    assert r.passed and r.decided and r.ends == 1 << 12 and r.stopped == ""
    assert r.as_dict()["decided"] is True
    r = _run(LONG, Budget())
    assert r.passed and r.example is not None and len(r.example) == 1000


def test_state_limit_while_enumerating_initial_states() -> None:
    r = _run(MANY, Budget(max_states=100))
    assert not r.passed and not r.decided
    assert r.reason == r.stopped == "state limit of 100 reached while enumerating initial states"
    assert r.states == 100 and r.trace is None
    assert r.as_dict()["decided"] is False


def test_state_limit_during_the_runs() -> None:
    r = _run(LONG, Budget(max_states=500))
    assert not r.decided and r.stopped == "state limit of 500 reached" and r.states == 500


def test_timeout_is_checked_while_enumerating_initial_states() -> None:
    # Checked every 256 states: a timeout already past stops at the first check.
    r = _run(MANY, Budget(timeout_s=1e-9))
    assert not r.decided and r.stopped.startswith("timeout after 1e-09 s (255 states")


def test_memory_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    grown = iter(range(0, 1 << 40, 1 << 20))  # 1 MB more at every look
    monkeypatch.setattr(scenarios, "rss_bytes", lambda: next(grown))
    r = _run(LONG, Budget(memory_mb=1))
    assert not r.decided and r.stopped.startswith("memory limit of 1 MB reached")


def test_the_default_budget_has_a_state_limit() -> None:
    assert scenarios.DEFAULT_BUDGET.max_states == scenarios.DEFAULT_MAX_STATES


def test_codec_round_trip() -> None:
    spec = load_text(MANY, "s.mbf").spec
    assert spec is not None
    sem = Semantics(spec.model("base"))
    codec = Codec.of(Layout(sem.model))
    for s in list(sem.initial_states())[:50]:
        key = codec.pack(s)
        assert isinstance(key, bytes) and len(key) == len(s) + 1  # n: 2 bytes
        back = codec.unpack(key)
        assert back == s and [type(v) for v in back] == [type(v) for v in s]


def _cli(tmp_path: Path, *args: str) -> tuple[int, str, str]:
    spec = tmp_path / "s.mbf"
    spec.write_text(LONG, encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    code = run_cli(["scenarios", str(spec), *args], out, err)
    return code, out.getvalue(), err.getvalue()


def test_cli_budget(tmp_path: Path) -> None:
    code, out, err = _cli(tmp_path, "--max-states", "10")
    assert code == 3, err
    assert out.splitlines()[:3] == [
        "scenario \\ variant | base",
        "-------------------------",
        "to_the_end         | ?",
    ]
    assert "to_the_end on variant base: undecided: state limit of 10 reached" in out
    code, out, _ = _cli(tmp_path, "--max-states", "10", "--json", "-")
    doc = json.loads(out)
    assert code == 3 and doc["decided"] is False and doc["scenarios"][0]["decided"] is False
    assert doc["scenarios"][0]["verdict"] == "undecided"
    assert _cli(tmp_path)[0] == 0


@pytest.mark.parametrize("flag", ["--max-states", "--memory", "--timeout"])
def test_cli_refuses_a_bad_limit(tmp_path: Path, flag: str) -> None:
    code, _, err = _cli(tmp_path, flag, "0")
    assert code == 2 and "MBF501" in err
