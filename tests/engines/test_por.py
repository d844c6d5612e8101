"""Partial-order reduction in the explicit engine (NOTE(partial-order reduction)).

The same verdicts, witnesses, deadlocks, coverage and shortest counterexample lengths
with it on and off, on hand-written models and on random ones (hypothesis); and models
where leaving out the cycle proviso or the visibility rule would give a wrong "holds",
to show that the engine keeps them.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from model_strategies import RandomCase, random_cases, render

from mbind_formal.engines import explicit
from mbind_formal.engines.base import Budget, Result, Verdict
from mbind_formal.engines.explicit import ExplicitEngine
from mbind_formal.ir.model import Claim, Model
from mbind_formal.lower.spec import load_text
from mbind_formal.trace.model import TraceKind
from mbind_formal.trace.replay import replay

ON = Budget(symmetry=False, max_states=50_000)
OFF = Budget(symmetry=False, max_states=50_000, por=False)


def _spec(text: str) -> tuple[Model, dict[str, Claim]]:
    loaded = load_text(text)
    assert loaded.spec is not None, [d.message for d in loaded.diagnostics]
    return loaded.spec.models[0], {c.name: c for c in loaded.spec.claims}


def _check(model: Model, claim: Claim, budget: Budget) -> Result:
    r = ExplicitEngine().check(model, claim, budget)
    for trace in (r.trace, r.deadlock):
        if trace is not None:
            checked = replay(model, trace, claim if trace is r.trace else None)
            assert checked.ok, checked.message
    return r


def same(model: Model, claim: Claim, on: Budget = ON, off: Budget = OFF) -> list[str]:
    """Why POR on and off disagree on one cell (empty: they agree)."""
    a, b = _check(model, claim, on), _check(model, claim, off)
    out = []
    if a.verdict is not b.verdict:
        out.append(f"verdict {a.verdict.value} with POR, {b.verdict.value} without")
    if (a.trace is None) != (b.trace is None) or (
        a.trace is not None and b.trace is not None and len(a.trace) != len(b.trace)
    ):
        out.append(f"traces {a.trace and len(a.trace)} and {b.trace and len(b.trace)}")
    if a.verdict is b.verdict and a.verdict in (Verdict.HOLDS, Verdict.VACUOUS):
        if a.witnesses != b.witnesses:
            out.append(f"witnesses {a.witnesses} and {b.witnesses}")
        if (a.deadlock is None) != (b.deadlock is None):
            out.append(f"deadlock {a.deadlock is not None} and {b.deadlock is not None}")
        assert a.coverage is not None and b.coverage is not None
        if a.coverage.fired != b.coverage.fired:
            out.append(f"fired {a.coverage.fired} and {b.coverage.fired}")
        if a.states is not None and b.states is not None and a.states > b.states:
            out.append(f"more states with POR ({a.states}) than without ({b.states})")
    return out


WORKERS = """
param n = 3;
var done_count: 0..n = 0;
var bad: bool = false;
actor w[n] {
  var mine: 0..2 = 0;
  one:
    mine = 1;
  two:
    mine = 2;
    done;
}
actor last {
  fin:
    await w[0]@done && w[1]@done && w[2]@done;
    done;
}
claim locals_only {
  always !bad;
  reachable w[0].mine == 2;
}
claim all_finish {
  final w[0].mine == 2 && w[1].mine == 2;
  reachable last@done;
}
claim wrong_final {
  final w[2].mine == 1;
}
claim wrong_always {
  always !(w[0].mine == 2 && w[1].mine == 0);
}
"""


def test_independent_workers_are_reduced_with_the_same_verdicts() -> None:
    model, claims = _spec(WORKERS)
    for claim in claims.values():
        assert same(model, claim) == [], claim.name
    on = _check(model, claims["all_finish"], ON)
    off = _check(model, claims["all_finish"], OFF)
    assert on.verdict is Verdict.HOLDS
    assert on.states is not None and off.states is not None
    assert on.states < off.states  # 3 interleaved workers: 27 states, far fewer reduced
    assert on.stats["por"] == "on" and int(on.stats["por_reduced_states"]) > 0
    assert int(on.stats["por_states_saved_at_least"]) > 0
    assert off.stats["por"] == "off"


def test_wrong_claims_are_refuted_with_shortest_traces() -> None:
    model, claims = _spec(WORKERS)
    for name, length in (("wrong_final", 7), ("wrong_always", 2)):
        on = _check(model, claims[name], ON)
        assert on.verdict is Verdict.VIOLATED and on.trace is not None, name
        assert len(on.trace) == length, name
        assert "shortest" in on.reason, on.reason


IGNORING = """
var bad: bool = false;
actor spinner {
  var t: bool = false;
  spin:
    t = !t;
    goto spin;
}
actor breaker {
  hit:
    bad = true;
    done;
}
claim never_bad {
  always !bad;
}
"""


def test_the_cycle_proviso_catches_an_ignored_step(monkeypatch: pytest.MonkeyPatch) -> None:
    """`spinner` loops on its own local, independent of `breaker`: a stubborn set {spin}
    is fine at every state, and without the proviso `breaker` is never followed."""
    model, claims = _spec(IGNORING)
    claim = claims["never_bad"]
    r = _check(model, claim, ON)
    assert r.verdict is Verdict.VIOLATED and r.trace is not None and len(r.trace) == 1
    assert int(r.stats["por_proviso_states"]) > 0
    monkeypatch.setattr(explicit, "_closes_cycle", lambda *args: False)
    wrong = ExplicitEngine().check(model, claim, ON)
    assert wrong.verdict is Verdict.HOLDS  # what dropping the proviso would say


HIDDEN = """
var y: bool = false;
var x: bool = false;
actor b {
  sety:
    y = true;
    done;
}
actor a {
  setx:
    x = true;
    done;
}
claim x_never_alone {
  always !(x && !y);
}
"""


def test_visible_steps_are_never_left_out(monkeypatch: pytest.MonkeyPatch) -> None:
    """`a` and `b` are independent; following `b` first only, the bad state x && !y is
    skipped: both write what the claim reads, so V makes the set hold both."""
    model, claims = _spec(HIDDEN)
    claim = claims["x_never_alone"]
    r = _check(model, claim, ON)
    assert r.verdict is Verdict.VIOLATED and r.trace is not None and len(r.trace) == 1
    monkeypatch.setattr(explicit, "claim_reads", lambda *args: frozenset())
    wrong = ExplicitEngine().check(model, claim, ON)
    assert wrong.verdict is Verdict.HOLDS  # what dropping the visibility rule would say


DEADLOCK = """
var l1: bool = false;
var l2: bool = false;
actor p {
  var mine: 0..3 = 0;
  a1: await !l1; l1 = true;
  a2: await !l2; l2 = true;
  r: l1 = false; l2 = false; done;
}
actor q {
  var mine: 0..3 = 0;
  b1: await !l2; l2 = true;
  b2: await !l1; l1 = true;
  r: l1 = false; l2 = false; done;
}
actor idle[2] {
  var k: 0..2 = 0;
  i1: k = 1;
  i2: k = 2; done;
}
claim fine {
  always true;
}
"""


def test_deadlocks_are_kept() -> None:
    """Allowed (reported on their own) and as violations (ir.model NOTE(deadlock)): the
    reduced search finds the deadlock, at the shortest length."""
    model, claims = _spec("allow deadlock;\n" + DEADLOCK)
    claim = claims["fine"]
    on = _check(model, claim, ON)
    off = _check(model, claim, OFF)
    assert on.deadlock is not None and off.deadlock is not None
    assert same(model, claim) == []
    assert on.states is not None and off.states is not None and on.states < off.states
    model, claims = _spec(DEADLOCK)
    on, off = _check(model, claims["fine"], ON), _check(model, claims["fine"], OFF)
    assert on.verdict is off.verdict is Verdict.VIOLATED
    assert on.trace is not None and off.trace is not None
    assert on.trace.kind is off.trace.kind is TraceKind.DEADLOCK
    assert len(on.trace) == len(off.trace)


def test_symmetry_and_the_memo_together() -> None:
    """Symmetry (canonical states expanded) and a memo shared across claims."""
    model, claims = _spec(WORKERS.replace("actor w[n]", "actor w[n]"))
    engine = ExplicitEngine()
    for claim in claims.values():
        sym = engine.check(model, claim, Budget())
        plain = ExplicitEngine().check(model, claim, Budget(por=False))
        assert sym.verdict is plain.verdict, claim.name
        if sym.trace is not None:
            assert plain.trace is not None and len(sym.trace) == len(plain.trace)
            assert replay(model, sym.trace, claim).ok


@settings(
    max_examples=40,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(random_cases())
def test_random_models_same_verdicts_with_and_without_por(case: RandomCase) -> None:
    problems = same(case.model, case.claim)
    assert not problems, "\n".join([*problems, "", render(case.model, case.claim)])


@settings(
    max_examples=25,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(random_cases())
def test_random_models_with_symmetry(case: RandomCase) -> None:
    on, off = Budget(max_states=50_000), Budget(max_states=50_000, por=False)
    problems = same(case.model, case.claim, on, off)
    assert not problems, "\n".join([*problems, "", render(case.model, case.claim)])
