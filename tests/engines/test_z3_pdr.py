"""PDR: Spacer's answer read once, invariants certified (and broken ones rejected),
printed in spec syntax; violations get their trace from BMC."""

from __future__ import annotations

from dataclasses import replace

import z3
from z3_models import counter_case, lru_case

from mbind_formal.engines.base import Budget, Verdict
from mbind_formal.engines.z3.encode import Encoding
from mbind_formal.engines.z3.pdr import PdrEngine, _reachable, certify, pdr_reach
from mbind_formal.engines.z3.print import render_invariant
from mbind_formal.engines.z3.run import PDR_OPTIONS, Clock
from mbind_formal.engines.z3.terms import BoolV, NumV, SetV
from mbind_formal.ir.model import Claim, Quant, Quantifier, Unary, UnOp
from mbind_formal.trace.replay import replay

BUDGET = Budget(timeout_s=60)


def _claim(claims: tuple[Claim, ...], name: str) -> Claim:
    return next(c for c in claims if c.name == name)


def test_spacer_sat_means_the_bad_state_is_reachable() -> None:
    assert _reachable(z3.sat) is True
    assert _reachable(z3.unsat) is False
    assert _reachable(z3.unknown) is None


def test_holds_with_a_readable_certified_invariant() -> None:
    case = lru_case()
    r = PdrEngine().check(case.model, _claim(case.claims, "exclusive"), BUDGET)
    assert r.verdict is Verdict.HOLDS and r.method == "pdr"
    assert r.invariant is not None
    assert "Page[0].owner == NONE" in r.invariant and "Page[1].lru" in r.invariant
    assert "@" not in r.invariant.replace("mbind@", "").replace("reclaim[", "")
    assert "Var(" not in r.invariant and "k!" not in r.invariant


def _invariant(
    case_claims: tuple[Claim, ...], name: str, enc: Encoding
) -> tuple[z3.ExprRef, Claim]:
    claim = _claim(case_claims, name)
    good = enc.prop(claim.invariant, 0)
    reach = pdr_reach(enc, claim.assume, z3.Not(good), BUDGET, Clock(BUDGET))
    assert reach.reachable is False
    return reach.invariant, claim


def test_certificate_accepts_spacers_invariant_and_rejects_broken_ones() -> None:
    case = counter_case()
    enc = Encoding(case.model, PDR_OPTIONS)
    inv, claim = _invariant(case.claims, "no_lost_update_without_strict", enc)
    good = enc.prop(claim.invariant, 0)
    clock = Clock(BUDGET)
    assert certify(enc, claim.assume, inv, good, BUDGET, clock) is None
    parts = list(inv.children()) if z3.is_and(inv) else [inv]
    assert len(parts) > 1
    verdicts = [
        certify(enc, claim.assume, z3.And(*(parts[:i] + parts[i + 1 :])), good, BUDGET, clock)
        for i in range(len(parts))
    ]
    assert any(v is not None for v in verdicts)  # some conjunct is needed
    f = z3.BoolVal(False, enc.ctx)
    assert certify(enc, claim.assume, f, good, BUDGET, clock) == (
        "it does not hold in every initial state"
    )
    t = z3.BoolVal(True, enc.ctx)
    assert certify(enc, claim.assume, t, good, BUDGET, clock) == "it does not imply the property"


def test_a_non_inductive_candidate_is_rejected() -> None:
    case = counter_case()
    enc = Encoding(case.model, PDR_OPTIONS)
    claim = _claim(case.claims, "no_lost_update_without_strict")
    good = enc.prop(claim.invariant, 0)
    # The claim itself holds initially and implies itself, but one step can break it.
    why = certify(enc, claim.assume, good, good, BUDGET, Clock(BUDGET))
    assert why == "it is not inductive"


def test_unreachable_witness_is_vacuous() -> None:
    case = lru_case()
    exclusive = _claim(case.claims, "exclusive")
    assert isinstance(exclusive.prop, Quant)  # forall p in Page: !(owned && lru)
    never = Quant(
        kind=Quantifier.EXISTS,
        var="p",
        domain=exclusive.prop.domain,
        body=Unary(op=UnOp.NOT, arg=exclusive.prop.body),
    )
    claim = replace(exclusive, witnesses=(exclusive.witnesses[0], never))
    r = PdrEngine().check(case.model, claim, BUDGET)
    assert r.verdict is Verdict.VACUOUS and r.witnesses == (True, False)
    assert "witness 2 unreachable (pdr: certified)" in r.reason


def test_violation_gets_a_shortest_replayed_trace() -> None:
    case = counter_case()
    claim = _claim(case.claims, "below_limit")
    r = PdrEngine().check(case.model, claim, BUDGET)
    assert r.verdict is Verdict.VIOLATED and r.trace is not None and len(r.trace) == 6
    assert replay(case.model, r.trace, claim).ok


def test_timeout_is_a_value() -> None:
    case = lru_case()
    r = PdrEngine().check(case.model, case.claims[0], Budget(timeout_s=0.0))
    assert r.verdict is Verdict.UNKNOWN and "timeout" in r.reason


def _slot(enc: Encoding, name: str) -> z3.ExprRef:
    v = enc.state(0)[enc.layout.index[name]]
    assert isinstance(v, NumV | BoolV)
    return v.term


def test_printer_names_labels_enum_values_and_set_members() -> None:
    enc = Encoding(lru_case().model, PDR_OPTIONS)
    pc = _slot(enc, "mbind.pc")
    owner = _slot(enc, "Page[0].owner")
    lru = _slot(enc, "Page[1].lru")
    assert render_invariant(enc, z3.Not(pc <= 0)) == "!mbind@isolate"
    assert render_invariant(enc, pc == 1) == "mbind@putback"
    assert render_invariant(enc, owner >= 1) == "Page[0].owner != NONE"
    both = z3.And(lru, z3.Or(owner == 0, pc == 2))
    assert render_invariant(enc, both) == "Page[1].lru &&\n(Page[0].owner == NONE || mbind@done)"
    same = z3.Not(lru == (owner == 0))
    assert render_invariant(enc, same) == "!(Page[1].lru == (Page[0].owner == NONE))"
    cenc = Encoding(counter_case().model, PDR_OPTIONS)
    flags = cenc.state(0)[cenc.layout.index["flags"]]
    assert isinstance(flags, SetV)
    n, mode = _slot(cenc, "n"), _slot(cenc, "mode")
    assert render_invariant(cenc, flags.bits[0]) == "STRICT in flags"
    assert render_invariant(cenc, z3.Not(flags.bits[1])) == "MOVE not in flags"
    assert render_invariant(cenc, n <= 1) == "n <= 1"
    assert render_invariant(cenc, z3.Not(n <= 1)) == "n >= 2"
    assert render_invariant(cenc, n + -1 * mode <= 0) == "n - mode <= 0"
