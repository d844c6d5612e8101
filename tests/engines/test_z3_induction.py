"""k-induction: proofs with their k, bounds and witnesses per NOTE(witness rule)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from z3_models import counter_case, lru_case

from mbind_formal.engines.base import Budget, Verdict
from mbind_formal.engines.z3.induction import InductionEngine
from mbind_formal.ir.model import Claim
from mbind_formal.trace.replay import replay


def _claim(claims: tuple[Claim, ...], name: str) -> Claim:
    return next(c for c in claims if c.name == name)


def test_proof_names_its_k() -> None:
    case = counter_case()
    claim = _claim(case.claims, "no_lost_update_without_strict")
    r = InductionEngine().check(case.model, claim, Budget(max_depth=10))
    assert r.verdict is Verdict.HOLDS, r.reason
    m = re.fullmatch(r"k-induction k=(\d+)", r.method)
    assert m is not None and int(m.group(1)) == r.depth
    assert r.depth > 1  # not plainly inductive: needs the longer step case
    assert r.witnesses == (True,)


def test_bound_reached_is_unknown() -> None:
    case = counter_case()
    claim = _claim(case.claims, "no_lost_update_without_strict")
    r = InductionEngine().check(case.model, claim, Budget(max_depth=2))
    assert r.verdict is Verdict.UNKNOWN and r.depth == 2
    assert "bound reached (k=2)" in r.reason


def test_violation_comes_from_bmc_and_replays() -> None:
    case = counter_case()
    claim = _claim(case.claims, "lost_update")
    r = InductionEngine().check(case.model, claim, Budget(max_depth=10))
    assert r.verdict is Verdict.VIOLATED and r.trace is not None and len(r.trace) == 4
    assert replay(case.model, r.trace, claim).ok


def test_unreachable_witness_makes_it_vacuous() -> None:
    case = lru_case()
    claim = _claim(case.claims, "vacuous")
    r = InductionEngine().check(case.model, claim, Budget(max_depth=20))
    assert r.verdict is Verdict.VACUOUS
    assert r.witnesses == (False,) and "witness 1 unreachable" in r.reason


def test_undecided_witness_is_unknown_not_holds() -> None:
    case = lru_case()
    claim = _claim(case.claims, "vacuous")
    r = InductionEngine().check(case.model, claim, Budget(max_depth=3))
    assert r.verdict is Verdict.UNKNOWN and r.witnesses == (None,)
    assert "invariant proved (k-induction k=1)" in r.reason and "undetermined" in r.reason


def test_timeout_is_a_value() -> None:
    case = lru_case()
    r = InductionEngine().check(case.model, case.claims[0], Budget(timeout_s=0.0))
    assert r.verdict is Verdict.UNKNOWN and "timeout" in r.reason


@pytest.mark.parametrize("make", [counter_case, lru_case])
def test_pc_lemmas_keep_every_verdict_and_never_need_a_larger_k(make: Any) -> None:
    """NOTE(pc lemmas): the strengthened step case decides as the plain one does
    (violations are found by the same base case), with a closing k no larger."""
    case = make()
    for claim in case.claims:
        plain = InductionEngine().check(case.model, claim, Budget(max_depth=12))
        strong = InductionEngine(lemmas=True).check(case.model, claim, Budget(max_depth=12))
        if plain.verdict is Verdict.UNKNOWN:
            continue
        assert strong.verdict is plain.verdict, (claim.name, plain.method, strong.reason)
        if plain.trace is not None:
            assert strong.trace is not None and len(strong.trace) == len(plain.trace)
        if plain.verdict is Verdict.HOLDS and plain.depth is not None:
            assert strong.depth is not None and strong.depth <= plain.depth, claim.name
