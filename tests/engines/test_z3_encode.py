"""The Z3 encoding against `semantics.relation`, state by state.

For every small model (the oracle files, the hand-built Z3 models) and both sort
choices (bit-vectors for BMC, integers for PDR): the initial states Z3 allows are
exactly `Semantics.initial_states`, and from each reachable state the successors Z3
allows (all solutions of `trans`) are exactly the semantics' successors, plus the state
itself when it is final (the stutter). Decoded traces name the step and the choices
the semantics would report.
"""

from __future__ import annotations

from typing import Any

import pytest
import z3
from oracle import ORACLE
from z3_models import cases, counter_case, lru_case, step_mismatches

from mbind_formal.engines.z3.encode import Encoding
from mbind_formal.engines.z3.ranges import bv_width
from mbind_formal.engines.z3.run import BMC_OPTIONS, PDR_OPTIONS
from mbind_formal.engines.z3.terms import EncodeOptions
from mbind_formal.ir.model import Binary, BinOp, Claim, ClaimKind, GlobalVar, IntLit, Model
from mbind_formal.lower.spec import load_spec
from mbind_formal.semantics.relation import Semantics
from mbind_formal.trace.model import TraceKind

OPTIONS = {"bv": BMC_OPTIONS, "int": PDR_OPTIONS}


def oracle_models() -> dict[str, tuple[Model, Claim]]:
    out: dict[str, tuple[Model, Claim]] = {}
    case: Any
    for case in ORACLE:
        key = f"{case.file}{case.params}/{case.variant}"
        if key not in out:
            spec = load_spec(case.path, dict(case.params)).spec
            assert spec is not None
            out[key] = (spec.model(case.variant), spec.claim(case.claim))
    return out


def all_models() -> dict[str, Model]:
    out = {k: m for k, (m, _) in oracle_models().items()}
    out.update({f"z3:{k}": c.model for k, c in cases().items()})
    return out


MODEL_LIST = all_models()


@pytest.mark.parametrize("sorts", OPTIONS)
@pytest.mark.parametrize("name", MODEL_LIST)
def test_init_and_trans_match_the_semantics(name: str, sorts: str) -> None:
    assert step_mismatches(MODEL_LIST[name], OPTIONS[sorts], 40) == []


def test_trans_is_renamed_per_step_and_names_say_slot_and_time() -> None:
    enc = Encoding(lru_case().model)
    names = {str(a) for a in enc.atoms(3)}
    assert {"Page[1].lru@3", "Page[0].owner@3", "reclaim[1].pc@3", "mbind.pc@3"} <= names
    assert str(enc.selector(2).term) == "step@2"
    free = {str(x) for x in _consts(enc.trans(2))}
    assert "Page[0].lru@2" in free and "Page[0].lru@3" in free and "step@2" in free
    assert not any(n.endswith("@0") or n.endswith("@1") for n in free)
    picks = {n for n in free if ".p#" in n}
    assert picks and all(n.endswith("@2") for n in picks)


def _consts(t: Any) -> set[Any]:
    out, todo, seen = set(), [t], set()
    while todo:
        x = todo.pop()
        if x.get_id() in seen:
            continue
        seen.add(x.get_id())
        if z3.is_const(x) and x.decl().kind() == z3.Z3_OP_UNINTERPRETED:
            out.add(x)
        todo.extend(x.children())
    return out


@pytest.mark.parametrize("sorts", OPTIONS)
def test_decoded_steps_carry_the_semantics_choices(sorts: str) -> None:
    case = lru_case()
    model, claim = case.model, case.claims[1]  # never_reclaimed: a reclaimer isolates
    enc = Encoding(model, OPTIONS[sorts])
    sem = Semantics(model)
    s = z3.Solver(ctx=enc.ctx)
    s.add(enc.init(), enc.trans(0), enc.trans(1), z3.Not(enc.prop(claim.invariant, 2)))
    assert s.check() == z3.sat
    trace = enc.decode(s.model(), 2, TraceKind.VIOLATION, claim.name, "test")
    prev = trace.init
    for step in trace.steps:
        options = {
            t.choices
            for t in sem.successors(prev)
            if (t.actor, t.instance, t.label, t.state)
            == (step.actor, step.instance, step.label, step.state)
        }
        assert step.choices in options
        prev = step.state
    assert any(name == "either" for st in trace.steps for name, _ in st.choices)


def test_bit_vector_width_covers_claim_constants() -> None:
    model = counter_case().model
    big = Claim(
        name="big",
        kind=ClaimKind.ALWAYS,
        prop=Binary(op=BinOp.LT, left=GlobalVar(name="n"), right=IntLit(value=5000)),
    )
    assert bv_width(model, (big.prop,)) > (5000).bit_length() + 1
    enc = Encoding(model, EncodeOptions(numbers=BMC_OPTIONS.numbers), bv_width(model, (big.prop,)))
    s = z3.Solver(ctx=enc.ctx)
    s.add(enc.init(), z3.Not(enc.prop(big.prop, 0)))
    assert s.check() == z3.unsat


@pytest.mark.parametrize("sorts", OPTIONS)
def test_facts_hold_in_every_initial_state(sorts: str) -> None:
    case = counter_case()
    enc = Encoding(case.model, OPTIONS[sorts])
    for claim in case.claims:
        s = z3.Solver(ctx=enc.ctx)
        s.add(enc.init())
        if claim.assume is not None:
            s.add(enc.prop(claim.assume, 0))
        s.add(z3.Not(enc.facts(0, claim.assume)))
        assert s.check() == z3.unsat
