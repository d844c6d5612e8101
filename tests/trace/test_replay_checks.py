"""Replay checks, not trusts (issues 18.3 and 19): the recorded choices of every step
must lead to its state, and what a trace shows is decided from its states, never from
the kind it records (a prefix of a counterexample or a witness trace is not "a
violation")."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from mbind_formal.engines.base import Budget
from mbind_formal.engines.explicit import ExplicitEngine
from mbind_formal.ir.model import Claim, Model, Unary, UnOp
from mbind_formal.lower.spec import load_spec
from mbind_formal.trace.model import Trace, TraceKind
from mbind_formal.trace.replay import replay

REPO = Path(__file__).resolve().parents[2]
RACE = REPO / "tests" / "golden" / "tla" / "race.mbf"
DEADLOCK = REPO / "tests" / "models" / "deadlock.mbf"


def load(path: Path, claim: str) -> tuple[Model, Claim]:
    result = load_spec(str(path), {}, allow_outside=True)
    assert result.spec is not None
    return result.spec.model("base"), result.spec.claim(claim)


def counterexample(path: Path, claim: str) -> tuple[Model, Claim, Trace]:
    model, c = load(path, claim)
    r = ExplicitEngine().check(model, c, Budget(symmetry=False))
    assert r.trace is not None
    return model, c, r.trace


def test_a_legal_trace_says_what_it_shows() -> None:
    model, claim, trace = counterexample(RACE, "balanced")
    res = replay(model, trace, claim)
    assert res.ok and res.shown is TraceKind.VIOLATION
    assert res.shows == "the last state violates claim balanced"


def test_recorded_choices_that_do_not_lead_to_the_state_are_illegal() -> None:
    model, claim, trace = counterexample(RACE, "balanced")
    k = next(i for i, s in enumerate(trace.steps) if dict(s.choices).get("p") == 0)
    wrong = replace(trace.steps[k], choices=(("p", 1),))
    bad = replace(trace, steps=(*trace.steps[:k], wrong, *trace.steps[k + 1 :]))
    res = replay(model, bad, claim)
    assert not res.ok and res.step == k + 1
    assert f"step {k + 1} (mbind take): the recorded choices {{p: 1}}" in res.message
    assert "the step reaches it with {p: 0}" in res.message


def test_a_prefix_recorded_as_a_violation_is_rejected_with_what_it_shows() -> None:
    model, claim, trace = counterexample(RACE, "balanced")
    prefix = replace(trace, steps=trace.steps[:-1])
    res = replay(model, prefix, claim)
    assert not res.ok
    assert "no violation" in res.message
    # That prefix happens to reach the claim's witness: replay says so.
    assert res.shown is TraceKind.WITNESS
    assert "it shows: the last state satisfies a witness of claim balanced" in res.message
    first = replace(trace, steps=trace.steps[:1])
    res = replay(model, first, claim)
    assert not res.ok and res.shown is TraceKind.RUN
    assert "it shows: the last state satisfies claim balanced: a run" in res.message
    assert replay(model, replace(first, kind=TraceKind.RUN), claim).ok


def test_a_deadlock_trace_shows_a_deadlock_not_a_violation_of_the_claim() -> None:
    model, claim, trace = counterexample(DEADLOCK, "released")
    assert trace.kind is TraceKind.DEADLOCK
    res = replay(model, trace, claim)
    assert res.ok and res.shown is TraceKind.DEADLOCK
    relabelled = replace(trace, kind=TraceKind.VIOLATION)
    res = replay(model, relabelled, claim)
    assert not res.ok and "it shows: the last state is a deadlock" in res.message


def test_a_witness_trace_recorded_as_a_violation_is_rejected() -> None:
    model, claim = load(RACE, "exclusive")  # holds; its witness is reachable
    # A run to the witness: the counterexample of "the witness never holds".
    never = replace(claim, prop=Unary(op=UnOp.NOT, arg=claim.witnesses[0]))
    r = ExplicitEngine().check(model, never, Budget(symmetry=False))
    assert r.trace is not None
    as_violation = replace(r.trace, kind=TraceKind.VIOLATION, claim=claim.name)
    res = replay(model, as_violation, claim)
    assert not res.ok
    assert res.shown is TraceKind.WITNESS
    assert "it shows: the last state satisfies a witness of claim exclusive" in res.message
    assert replay(model, replace(as_violation, kind=TraceKind.WITNESS), claim).ok
