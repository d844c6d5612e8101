"""Variant diff: the shortest run legal in both variants that violates the claim in one."""

from __future__ import annotations

from trace_models import OWNER, mbind_alone_claim, race_model

from mbind_formal.engines.base import Budget, Verdict
from mbind_formal.engines.registry import get_engine
from mbind_formal.ir.model import (
    AtLabel,
    Binary,
    BinOp,
    Claim,
    ClaimKind,
    ElemLit,
    EnumLit,
    Field,
    GlobalVar,
    IntLit,
    Model,
    NoneLit,
    Unary,
    UnOp,
)
from mbind_formal.semantics.relation import Semantics
from mbind_formal.trace.diff import (
    distinguish,
    final_differences,
    schedule_lines,
    search,
    shared_slots,
)
from mbind_formal.trace.model import Trace, TraceKind, TraceStep
from mbind_formal.trace.replay import replay


def _counterexample_of(model: Model, claim: Claim) -> Trace:
    result = get_engine("explicit").check(model, claim, Budget(symmetry=False))
    assert result.verdict is Verdict.VIOLATED and result.trace is not None
    return result.trace


def _counterexample(variant: str = "base") -> Trace:
    result = get_engine("explicit").check(
        race_model(variant), mbind_alone_claim(), Budget(symmetry=False)
    )
    assert result.verdict is Verdict.VIOLATED and result.trace is not None
    return result.trace


def test_the_counterexample_itself_tells_the_variants_apart() -> None:
    base = race_model()
    fixed = race_model("fixed", mbind_counted=False, extra_var=True)
    claim = mbind_alone_claim()
    assert get_engine("explicit").check(fixed, claim, Budget()).verdict is Verdict.HOLDS
    trace = _counterexample()
    found = distinguish(base, fixed, claim, trace)
    assert found.common and found.how == "counterexample"
    assert found.trace == trace and found.other_trace is not None
    # the same steps, legal in the variant that has one more global
    assert [(s.actor, s.label, s.choices) for s in found.other_trace.steps] == [
        (s.actor, s.label, s.choices) for s in trace.steps
    ]
    assert replay(fixed, found.other_trace, None).ok
    assert Semantics(fixed).eval(claim.invariant, found.other_trace.last) is not False
    assert "nr_isolated: 2 (base) vs 1 (fixed)" in final_differences(
        base, fixed, trace, found.other_trace
    )
    assert len(shared_slots(base, fixed)) == len(shared_slots(base, base))


def test_search_finds_a_common_run_when_the_counterexample_is_not_legal_there() -> None:
    base = race_model()
    claim = mbind_alone_claim()
    # mbind may only isolate Page[1] in the other variant (and is not counted there)
    other = race_model("pinned", mbind_counted=False, mbind_only=1)
    sem = Semantics(base)
    init = next(iter(sem.initial_states()))
    steps = []
    state = init
    for actor, instance, choices in (
        ("reclaim", 0, (("either", 0), ("p", 1))),
        ("mbind", 0, (("p", 0),)),
    ):
        (t,) = [
            t
            for t in sem.successors(state)
            if (t.actor, t.instance, t.choices) == (actor, instance, choices)
        ]
        steps.append(TraceStep(t.actor, t.instance, t.label, t.state, t.choices))
        state = t.state
    trace = Trace("base", init, tuple(steps), TraceKind.VIOLATION, claim.name)
    assert replay(base, trace, claim).ok
    found = distinguish(base, other, claim, trace)
    assert found.common and found.how == "search"
    assert found.trace is not None and found.other_trace is not None
    assert len(found.trace) == 2
    assert replay(base, found.trace, claim).ok
    assert replay(other, found.other_trace, None).ok
    (mbind_step,) = [s for s in found.trace.steps if s.actor == "mbind"]
    assert dict(mbind_step.choices) == {"p": 1}


def test_no_common_run_is_said_clearly() -> None:
    base = race_model()
    other = race_model("pinned", mbind_only=0)
    # violated only when mbind isolates Page[1], which `pinned` never does
    claim = Claim(
        name="page1_not_mbind",
        kind=ClaimKind.ALWAYS,
        prop=Unary(
            op=UnOp.NOT,
            arg=Binary(
                op=BinOp.AND,
                left=AtLabel(actor="mbind", instance=IntLit(value=0), label="putback"),
                right=Binary(
                    op=BinOp.EQ,
                    left=Field(
                        collection="Page", name="owner", index=ElemLit(collection="Page", index=1)
                    ),
                    right=EnumLit(enum=OWNER, value="MBIND"),
                ),
            ),
        ),
    )
    result = get_engine("explicit").check(base, claim, Budget(symmetry=False))
    assert result.verdict is Verdict.VIOLATED
    found = distinguish(base, other, claim, result.trace)
    assert not found.common and found.other_trace is None
    assert found.trace == result.trace
    assert found.note.startswith("no common run exists")
    limited = search(base, other, claim, max_pairs=3)
    assert isinstance(limited, str) and "within 3 state pairs" in limited


def test_a_variant_with_an_extra_step_replays_the_counterexample_adapted() -> None:
    base = race_model()
    settled = race_model("settled", mbind_settle=True)
    # `always !(mbind@done && victim == none)`: only `settled` sets a victim on the way
    claim = Claim(
        name="victim_named",
        kind=ClaimKind.ALWAYS,
        prop=Unary(
            op=UnOp.NOT,
            arg=Binary(
                op=BinOp.AND,
                left=AtLabel(actor="mbind", instance=IntLit(value=0), label="done"),
                right=Binary(
                    op=BinOp.EQ, left=GlobalVar(name="victim"), right=NoneLit(collection="Page")
                ),
            ),
        ),
    )
    trace = _counterexample_of(base, claim)
    assert [(s.actor, s.label) for s in trace.steps] == [("mbind", "isolate"), ("mbind", "putback")]
    assert get_engine("explicit").check(settled, claim, Budget()).verdict is Verdict.HOLDS
    found = distinguish(base, settled, claim, trace)
    assert found.common and found.how == "adapted"
    assert found.note == "settled takes 1 more step" and found.extra == (2,)
    assert found.other_trace is not None
    assert [s.label for s in found.other_trace.steps] == ["isolate", "settle", "putback"]
    assert replay(settled, found.other_trace, None).ok
    assert schedule_lines(settled, found.other_trace, found.extra) == [
        " 1. mbind isolate p=Page[0]",
        "+2. mbind settle",
        " 3. mbind putback p=Page[0]",
    ]
