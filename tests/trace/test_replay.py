"""Trace replay: engine traces replay; tampered ones fail at the right step, saying why."""

from __future__ import annotations

from dataclasses import replace

import pytest

from mbind_formal.engines.base import Budget, Verdict
from mbind_formal.engines.explicit import ExplicitEngine
from mbind_formal.ir.model import (
    BOOL,
    Actor,
    Assign,
    AtLabel,
    Await,
    Binary,
    BinOp,
    BoolLit,
    Claim,
    ClaimKind,
    Done,
    GlobalVar,
    Goto,
    InitValue,
    IntLit,
    Model,
    Step,
    Unary,
    UnOp,
    Var,
)
from mbind_formal.trace.model import Trace, TraceKind, TraceStep
from mbind_formal.trace.replay import replay

LOCK = GlobalVar(name="lock")


def at(i: int, label: str) -> AtLabel:
    return AtLabel(actor="p", instance=IntLit(value=i), label=label)


def buggy_mutex() -> tuple[Model, Claim]:
    """Test, then set, in two steps: both processes can get into `cs`."""
    steps = (
        Step(label="check", body=(Await(cond=Unary(op=UnOp.NOT, arg=LOCK)), Goto(label="set"))),
        Step(label="set", body=(Assign(target=LOCK, value=BoolLit(value=True)), Goto(label="cs"))),
        Step(label="cs", body=(Goto(label="rel"),)),
        Step(label="rel", body=(Assign(target=LOCK, value=BoolLit(value=False)), Done())),
    )
    m = Model(
        name="mutex",
        variant="base",
        enums=(),
        collections=(),
        globals=(Var(name="lock", type=BOOL, init=InitValue(value=BoolLit(value=False))),),
        actors=(Actor(name="p", steps=steps, instances=2),),
    )
    both = Binary(op=BinOp.AND, left=at(0, "cs"), right=at(1, "cs"))
    claim = Claim(
        name="exclusive",
        kind=ClaimKind.ALWAYS,
        prop=Unary(op=UnOp.NOT, arg=both),
        witnesses=(at(0, "cs"),),
    )
    return m, claim


@pytest.fixture
def violation() -> tuple[Model, Claim, Trace]:
    m, claim = buggy_mutex()
    r = ExplicitEngine().check(m, claim, Budget())
    assert r.verdict is Verdict.VIOLATED and r.trace is not None
    return m, claim, r.trace


def with_step(trace: Trace, k: int, **changes: object) -> Trace:
    """`trace` with `trace.steps[k - 1]` changed."""
    steps = list(trace.steps)
    steps[k - 1] = replace(steps[k - 1], **changes)  # type: ignore[arg-type]
    return replace(trace, steps=tuple(steps))


def test_engine_trace_replays(violation: tuple[Model, Claim, Trace]) -> None:
    m, claim, trace = violation
    assert replay(m, trace, claim).ok
    assert replay(m, trace, None).ok
    # `lock, p[0].pc, p[1].pc`: both in cs (pc 2) with the lock taken
    assert trace.last == (True, 2, 2)


def test_tampered_state_fails_at_that_step_naming_the_slot(
    violation: tuple[Model, Claim, Trace],
) -> None:
    m, claim, trace = violation
    k = 3  # the first `set`: it takes the lock
    bad = with_step(trace, k, state=(False, *trace.steps[k - 1].state[1:]))
    r = replay(m, bad, claim)
    assert not r.ok and r.step == 3
    who = f"p[{trace.steps[2].instance}] set"
    assert r.message.startswith(f"step 3 ({who}): no enabled transition leads to the given state")
    assert "differing slots: lock (trace: false, model: true)" in r.message


def test_wrong_label_or_instance_fails_at_that_step(
    violation: tuple[Model, Claim, Trace],
) -> None:
    m, claim, trace = violation
    r = replay(m, with_step(trace, 2, label="cs"), claim)
    assert not r.ok and r.step == 2 and "not at 'cs'" in r.message
    r = replay(m, with_step(trace, 1, instance=5), claim)
    assert not r.ok and r.step == 1 and "instance" in r.message
    r = replay(m, with_step(trace, 4, actor="q"), claim)
    assert not r.ok and r.step == 4 and "no actor 'q'" in r.message
    r = replay(m, with_step(trace, 4, state=(1, 2, 2)), claim)
    assert not r.ok and r.step == 4 and "lock holds 1" in r.message


def test_bad_initial_state_and_assume_fail_at_step_zero(
    violation: tuple[Model, Claim, Trace],
) -> None:
    m, claim, trace = violation
    r = replay(m, replace(trace, init=(True, 0, 0)), claim)
    assert not r.ok and r.step == 0 and "lock = true is not an initial value" in r.message
    strict = replace(claim, assume=LOCK)
    r = replay(m, trace, strict)
    assert not r.ok and r.step == 0 and "assume" in r.message


def test_the_end_state_must_match_the_trace_kind(
    violation: tuple[Model, Claim, Trace],
) -> None:
    m, claim, trace = violation
    short = replace(trace, steps=trace.steps[:3])
    r = replay(m, short, claim)
    assert not r.ok and r.step == 3 and "no violation" in r.message
    assert replay(m, replace(short, kind=TraceKind.RUN), claim).ok
    r = replay(m, replace(short, kind=TraceKind.DEADLOCK), None)
    assert not r.ok and "not a deadlock" in r.message
    # BFS order: p[0] check, p[1] check, p[0] set (p[0] now in cs: the witness), p[1] set
    assert [(s.instance, s.label) for s in trace.steps][:3] == [
        (0, "check"),
        (1, "check"),
        (0, "set"),
    ]
    assert replay(m, replace(short, kind=TraceKind.WITNESS), claim).ok
    r = replay(m, replace(trace, steps=trace.steps[:2], kind=TraceKind.WITNESS), claim)
    assert not r.ok and r.step == 2 and "no witness" in r.message


def test_a_finished_run_is_not_a_deadlock() -> None:
    m, _ = buggy_mutex()
    seq = [(0, "check", (False, 1, 0)), (0, "set", (True, 2, 0)), (0, "cs", (True, 3, 0))]
    seq += [(0, "rel", (False, 4, 0)), (1, "check", (False, 4, 1)), (1, "set", (True, 4, 2))]
    seq += [(1, "cs", (True, 4, 3)), (1, "rel", (False, 4, 4))]
    steps = tuple(TraceStep("p", i, lab, s) for i, lab, s in seq)
    trace = Trace("base", (False, 0, 0), steps, kind=TraceKind.DEADLOCK)
    r = replay(m, trace)
    assert not r.ok and r.step == 8 and "final" in r.message
    assert replay(m, replace(trace, kind=TraceKind.RUN)).ok


def test_other_variants_traces_are_rejected(violation: tuple[Model, Claim, Trace]) -> None:
    m, claim, trace = violation
    r = replay(m, replace(trace, variant="5.2"), claim)
    assert not r.ok and r.step == 0 and "variant" in r.message
