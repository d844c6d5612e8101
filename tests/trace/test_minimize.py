"""Minimisation: fewer context switches, unneeded steps dropped, always replayable."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st
from trace_models import never_two_claim, race_model

from mbind_formal.ir.model import AtLabel, Binary, BinOp, Claim, ClaimKind, IntLit, Unary, UnOp
from mbind_formal.semantics.relation import Semantics
from mbind_formal.trace.minimize import context_switches, minimize
from mbind_formal.trace.model import Trace, TraceKind, TraceStep
from mbind_formal.trace.replay import replay


def _both_done() -> Claim:
    """`always !(mbind@done && reclaim[0]@done)`."""
    return Claim(
        name="not_both_done",
        kind=ClaimKind.ALWAYS,
        prop=Unary(
            op=UnOp.NOT,
            arg=Binary(
                op=BinOp.AND,
                left=AtLabel(actor="mbind", instance=IntLit(value=0), label="done"),
                right=AtLabel(actor="reclaim", instance=IntLit(value=0), label="done"),
            ),
        ),
    )


def _schedule(sem: Semantics, moves: list[tuple[str, int, str, dict[str, int]]]) -> Trace:
    """Follow moves given as (actor, instance, label, choices) from the first initial state."""
    init = next(iter(sem.initial_states()))
    state = init
    steps = []
    for actor, instance, label, choices in moves:
        want = tuple(choices.items())
        (t,) = [
            t
            for t in sem.successors(state)
            if (t.actor, t.instance, t.label) == (actor, instance, label) and t.choices == want
        ]
        steps.append(TraceStep(actor, instance, label, t.state, t.choices))
        state = t.state
    return Trace("base", init, tuple(steps), TraceKind.VIOLATION, "c", "test")


def test_reordering_commuting_steps_reduces_context_switches() -> None:
    model = race_model()
    sem = Semantics(model)
    claim = _both_done()
    trace = _schedule(
        sem,
        [
            ("mbind", 0, "isolate", {"p": 0}),
            ("reclaim", 0, "scan", {"either": 0, "p": 1}),
            ("mbind", 0, "putback", {"p": 0}),
            ("reclaim", 0, "putback", {"p": 1}),
        ],
    )
    assert replay(model, trace, claim).ok
    assert context_switches(trace) == 3
    small = minimize(model, trace, claim, sem)
    assert replay(model, small, claim).ok
    assert len(small) == len(trace)
    assert context_switches(small) == 1
    assert [(s.actor, s.label) for s in small.steps] == [
        ("mbind", "isolate"),
        ("mbind", "putback"),
        ("reclaim", "scan"),
        ("reclaim", "putback"),
    ]
    assert small.last == trace.last


def test_steps_not_needed_for_the_violation_are_dropped() -> None:
    model = race_model()
    sem = Semantics(model)
    claim = never_two_claim()
    trace = _schedule(
        sem,
        [
            ("reclaim", 1, "scan", {"either": 0, "p": 0}),
            ("reclaim", 1, "putback", {"p": 0}),  # gives the page back: irrelevant
            ("reclaim", 0, "scan", {"either": 0, "p": 0}),
            ("mbind", 0, "isolate", {"p": 1}),
        ],
    )
    assert replay(model, trace, claim).ok
    small = minimize(model, trace, claim, sem)
    assert replay(model, small, claim).ok
    assert [(s.actor, s.instance) for s in small.steps] == [("reclaim", 0), ("mbind", 0)]


def test_a_trace_that_does_not_replay_comes_back_unchanged() -> None:
    model = race_model()
    sem = Semantics(model)
    claim = never_two_claim()
    good = _schedule(
        sem, [("reclaim", 1, "scan", {"either": 0, "p": 0}), ("mbind", 0, "isolate", {"p": 1})]
    )
    bad = Trace("base", good.init, (good.steps[1], good.steps[0]), TraceKind.VIOLATION, "c")
    assert minimize(model, bad, claim, sem) is bad
    run = Trace("base", good.init, good.steps, TraceKind.RUN)
    assert minimize(model, run, claim, sem) is run


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), length=st.integers(1, 8))
def test_minimized_random_violations_replay_and_are_never_longer(seed: int, length: int) -> None:
    """Random walks of the race model, cut where they first violate `not_both_done` or
    `never_two`: the minimized trace replays, reaches the violation, is not longer."""
    model = race_model(pages=3)
    sem = Semantics(model)
    rng = random.Random(seed)
    init = next(iter(sem.initial_states()))
    for claim in (_both_done(), never_two_claim()):
        bad = sem.predicate(Unary(op=UnOp.NOT, arg=claim.invariant))
        state, steps = init, []
        for _ in range(length):
            options = list(sem.successors(state))
            if not options or bad(state):
                break
            t = rng.choice(options)
            steps.append(TraceStep(t.actor, t.instance, t.label, t.state, t.choices))
            state = t.state
        if not bad(state):
            continue
        trace = Trace("base", init, tuple(steps), TraceKind.VIOLATION, claim.name)
        small = minimize(model, trace, claim, sem)
        result = replay(model, small, claim)
        assert result.ok, result.message
        assert len(small) <= len(trace)
        if len(small) == len(trace):
            assert context_switches(small) <= context_switches(trace)
