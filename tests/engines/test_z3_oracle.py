"""BMC, k-induction, PDR and auto against the oracle table (`tests/models/oracle.py`).

Every engine must reach the oracle's verdict where it decides, with a counterexample of
the oracle's (shortest) length that replays. BMC never proves, so on a claim that holds
it must say UNKNOWN with "no violation up to depth k"; k-induction, PDR and auto must
decide every row of these small models.
"""

from __future__ import annotations

from typing import Any

import pytest
from oracle import ORACLE

from mbind_formal.engines.base import Budget, Verdict
from mbind_formal.engines.registry import get_engine
from mbind_formal.ir.model import Claim, Model
from mbind_formal.lower.spec import load_spec
from mbind_formal.trace.replay import replay

BUDGET = Budget(max_depth=12, timeout_s=60, seed=0)


def load(case: Any) -> tuple[Model, Claim]:
    result = load_spec(case.path, dict(case.params))
    assert result.spec is not None, [d.message for d in result.diagnostics]
    return result.spec.model(case.variant), result.spec.claim(case.claim)


@pytest.mark.parametrize("engine", ["bmc", "kind", "pdr", "auto"])
@pytest.mark.parametrize("case", ORACLE, ids=lambda c: c.id)
def test_z3_engines_match_the_oracle(case: Any, engine: str) -> None:
    model, claim = load(case)
    r = get_engine(engine).check(model, claim, BUDGET)
    assert r.engine == engine and r.variant == case.variant and r.claim == case.claim
    if case.verdict == "violated":
        assert r.verdict is Verdict.VIOLATED, r.reason
        assert r.trace is not None and len(r.trace) == case.length == r.depth
        assert replay(model, r.trace, claim).ok
        return
    assert r.trace is None
    if engine == "bmc":
        assert r.verdict is Verdict.UNKNOWN
        assert r.reason == f"no violation up to depth {BUDGET.max_depth}" and r.depth == 12
        return
    assert r.verdict is Verdict(case.verdict), r.reason
    if r.verdict is Verdict.HOLDS:
        assert r.witnesses and all(r.witnesses)
    else:
        assert False in r.witnesses
