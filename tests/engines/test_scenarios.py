"""Scenario runs: run actors one after the other, every choice explored."""

from __future__ import annotations

from dataclasses import replace

from explicit_models import LOCK, OWNER, X, at, bin_, counter, fld, lit, mutex, pages, two_locks

from mbind_formal.engines.scenarios import run_scenario
from mbind_formal.ir.model import (
    Actor,
    Await,
    BinOp,
    Bound,
    Done,
    EnumLit,
    Expr,
    GlobalVar,
    IndexType,
    Quant,
    Quantifier,
    Scenario,
    Step,
)
from mbind_formal.trace.model import TraceKind
from mbind_formal.trace.replay import replay


def scenario(*run: str, expect: Expr, assume: Expr | None = None) -> Scenario:
    return Scenario(name="s", run=run, expect=expect, assume=assume)


def test_sequential_runs_cannot_race() -> None:
    m, _ = mutex(buggy=True)
    # One process after the other: the buggy test-and-set never lets both in.
    r = run_scenario(m, scenario("p", expect=bin_(BinOp.EQ, LOCK, lit(False))))
    assert r.passed, r.reason
    assert r.ends == 1 and r.trace is None
    assert r.example is not None and len(r.example) == 8
    assert [s.instance for s in r.example.steps] == [0] * 4 + [1] * 4
    assert replay(m, r.example).ok


def test_actors_run_in_the_order_given_so_lock_order_cannot_deadlock() -> None:
    m, _ = two_locks()
    a, b = GlobalVar(name="a"), GlobalVar(name="b")
    done = bin_(BinOp.AND, bin_(BinOp.EQ, a, lit(False)), bin_(BinOp.EQ, b, lit(False)))
    r = run_scenario(m, scenario("t2", "t1", expect=done))
    assert r.passed, r.reason
    assert r.example is not None
    assert [s.actor for s in r.example.steps] == ["t2"] * 3 + ["t1"] * 3


def test_failed_expect_returns_the_shortest_failing_run() -> None:
    m, _ = mutex(buggy=False)
    r = run_scenario(m, scenario("p", expect=LOCK))
    assert not r.passed
    assert "expect does not hold" in r.reason
    assert r.trace is not None and r.trace.kind is TraceKind.RUN and len(r.trace) == 6
    assert replay(m, r.trace).ok


def test_a_run_that_gets_stuck_fails_with_its_trace() -> None:
    m, _ = mutex(buggy=False)
    blocker = Actor(
        name="w", steps=(Step(label="wait", body=(Await(cond=at("p", 0, "rel")), Done())),)
    )
    m = replace(m, actors=(*m.actors, blocker))
    r = run_scenario(m, scenario("w", "p", expect=lit(True)))
    assert not r.passed
    assert "stuck after 0 steps: w cannot take step 'wait'" in r.reason
    assert r.trace is not None and len(r.trace) == 0


def test_a_run_that_never_ends_fails() -> None:
    m, _ = counter()
    # inc loops until the range check blocks it at x == 3: stuck, never done
    r = run_scenario(m, scenario("inc", expect=lit(True)))
    assert not r.passed and "stuck after 3 steps" in r.reason
    assert r.trace is not None and r.trace.last[0] == 3


def test_assume_restricts_initial_states() -> None:
    m, _ = counter()
    r = run_scenario(m, scenario("inc", expect=lit(True), assume=bin_(BinOp.EQ, X, lit(2))))
    assert not r.passed and "no initial state" in r.reason


def test_unknown_actor_is_reported() -> None:
    m, _ = counter()
    r = run_scenario(m, scenario("nope", expect=lit(True)))
    assert not r.passed and "unknown actor 'nope'" in r.reason


def test_every_choice_is_explored() -> None:
    m, _, _ = pages(3)
    p = Bound(name="p")
    none = EnumLit(enum=OWNER, value="NONE")
    all_back = Quant(
        kind=Quantifier.FORALL,
        var="p",
        domain=IndexType("Page"),
        body=bin_(BinOp.EQ, fld(p, "owner"), none),
    )
    r = run_scenario(m, scenario("reclaim", expect=all_back))
    assert r.passed, r.reason
    # Ends differ in the initial LRU set L (pages off the LRU list stay off) and in
    # `last` (none, or a page of L): the sum over L of 1 + |L| is 8 + 12.
    assert r.ends == 20
    assert r.as_dict()["passed"] is True
