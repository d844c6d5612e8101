"""Deadlocks (ir.model NOTE(deadlock)): a reachable state where no step is enabled and
not every actor is done violates every claim, in every engine, unless the spec says
`allow deadlock;` (or the CLI `--allow-deadlock`); and a `final` claim is never "holds"
because no final state is reachable (NOTE(final witness) in `verdicts`).

The model is `tests/models/deadlock.mbf` (ABBA: both actors hold one lock and wait for
the other after 2 steps) and its `allow deadlock;` twin.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from oracle import MODELS

from mbind_formal.cli import run_cli
from mbind_formal.cli.common import ExitCode
from mbind_formal.engines.base import Budget, Engine, Verdict
from mbind_formal.engines.explicit import ExplicitEngine
from mbind_formal.engines.z3.bmc import BmcEngine
from mbind_formal.engines.z3.induction import InductionEngine
from mbind_formal.engines.z3.pdr import PdrEngine
from mbind_formal.ir.model import Claim, Model
from mbind_formal.lower.spec import load_text
from mbind_formal.trace.model import TraceKind
from mbind_formal.trace.replay import replay
from mbind_formal.verdicts import check_cell

DEADLOCK = MODELS / "deadlock.mbf"
ALLOWED = MODELS / "deadlock_allowed.mbf"
ENGINES: dict[str, Callable[[], Engine]] = {
    "explicit": ExplicitEngine,
    "bmc": BmcEngine,
    "kind": InductionEngine,
    "pdr": lambda: PdrEngine(quick_depth=0),
}
BUDGET = Budget(max_depth=12, timeout_s=60, seed=0)


def load(path: Path, claim: str = "released", text: str | None = None) -> tuple[Model, Claim]:
    result = load_text(path.read_text() if text is None else text, str(path))
    assert result.spec is not None, [d.message for d in result.diagnostics]
    return result.spec.model("base"), result.spec.claim(claim)


@pytest.mark.parametrize("engine", sorted(ENGINES))
def test_every_engine_reports_the_deadlock_as_a_violation(engine: str) -> None:
    model, claim = load(DEADLOCK)
    r = ENGINES[engine]().check(model, claim, BUDGET)
    assert r.verdict is Verdict.VIOLATED, r.reason
    assert r.trace is not None and r.trace.kind is TraceKind.DEADLOCK
    assert len(r.trace) == 2
    assert replay(model, r.trace, claim).ok
    assert r.reason.startswith("deadlock after 2 steps")


@pytest.mark.parametrize("engine", sorted(ENGINES))
def test_allow_deadlock_keeps_the_claims(engine: str) -> None:
    model, claim = load(ALLOWED)
    assert model.allow_deadlock
    r = ENGINES[engine]().check(model, claim, BUDGET)
    assert r.verdict is not Verdict.VIOLATED, r.reason
    if engine == "explicit":
        assert r.verdict is Verdict.HOLDS
        assert r.deadlock is not None and len(r.deadlock) == 2  # reported on its own


def test_the_cli_flag_allows_deadlocks_too(tmp_path: Path) -> None:
    def prove(*extra: str) -> tuple[int, str]:
        out, err = io.StringIO(), io.StringIO()
        argv = ["prove", str(DEADLOCK), "--engine", "explicit", "--no-save", *extra]
        return run_cli(argv, out, err), out.getvalue()

    code, out = prove()
    assert code == ExitCode.VIOLATED
    assert "base / released: violated: deadlock after 2 steps [explicit]" in out
    code, out = prove("--allow-deadlock")
    assert code == ExitCode.OK, out
    assert "note: a deadlock is reachable in 2 steps" in out
    doc = tmp_path / "m.json"
    prove("--json", str(doc))
    kinds = {c["claim"]: c["kind"] for c in json.loads(doc.read_text())["cells"]}
    assert kinds == {"released": "deadlock", "exclusive": "deadlock"}


LOOP = """
allow deadlock;
var x: 0..1 = 0;
actor spin {
  go:
    x = 1 - x;
    goto go;
}
claim never_ends {
  final false;
  reachable x == 1;
}
"""


@pytest.mark.parametrize("engine", ["explicit", "kind", "pdr"])
def test_a_final_claim_without_a_final_state_is_vacuous(engine: str) -> None:
    """`final false` on a model that never ends: not "holds" (NOTE(final witness))."""
    result = load_text(LOOP, "loop.mbf")
    assert result.spec is not None
    model, claim = result.spec.model("base"), result.spec.claim("never_ends")
    cell = check_cell(model, claim, [engine], BUDGET)
    assert cell.verdict is Verdict.VACUOUS, cell.result.reason
    assert "no final state is reachable" in cell.result.reason
    assert len(cell.result.witnesses) == 1  # the claim's own witness only


@pytest.mark.tlc
@pytest.mark.parametrize("allowed", [False, True], ids=["forbidden", "allowed"])
def test_tlc_agrees_with_explicit(allowed: bool) -> None:
    """TLC checks `DeadlockFree` (ENABLED Next) as an invariant unless allowed."""
    from test_tlc_engine import agree

    model, claim = load(ALLOWED if allowed else DEADLOCK)
    r = agree(model, claim, symmetry=True)
    if allowed:
        assert r.verdict is Verdict.HOLDS
    else:
        assert r.trace is not None and r.trace.kind is TraceKind.DEADLOCK
        assert len(r.trace) == 2
