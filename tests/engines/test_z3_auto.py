"""The auto engine: explicit search for small models, the Z3 chain otherwise."""

from __future__ import annotations

import pytest
from z3_models import counter_case, lru_case

from mbind_formal.engines import auto
from mbind_formal.engines.auto import AutoEngine, estimate_states
from mbind_formal.engines.base import Budget, Verdict
from mbind_formal.ir.model import Claim
from mbind_formal.trace.replay import replay


def _claim(claims: tuple[Claim, ...], name: str) -> Claim:
    return next(c for c in claims if c.name == name)


def test_small_models_go_to_the_explicit_engine() -> None:
    case = lru_case()
    assert estimate_states(case.model) == 6**2 * 3**3  # 2 pages x (lru, owner), 3 pcs
    r = AutoEngine().check(case.model, _claim(case.claims, "exclusive"), Budget())
    assert r.verdict is Verdict.HOLDS and r.engine == "auto"
    assert r.method == "auto: explicit (exhaustive)"


@pytest.fixture
def no_explicit(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pretend every model is too big for the explicit engine (it gets 0 states)."""
    monkeypatch.setattr(auto, "EXPLICIT_STATES", 0)


@pytest.mark.usefixtures("no_explicit")
def test_shallow_bug_is_found_by_bmc() -> None:
    case = counter_case()
    claim = _claim(case.claims, "lost_update")
    r = AutoEngine().check(case.model, claim, Budget())
    assert r.verdict is Verdict.VIOLATED and r.method == "auto: bmc"
    assert r.trace is not None and len(r.trace) == 4 and replay(case.model, r.trace, claim).ok
    assert "explicit: state limit of 0" in str(r.stats["tried"])


@pytest.mark.usefixtures("no_explicit")
def test_proof_by_k_induction() -> None:
    case = counter_case()
    r = AutoEngine().check(case.model, _claim(case.claims, "flags_full"), Budget())
    assert r.verdict is Verdict.HOLDS and r.method == "auto: kind (k-induction k=1)"


@pytest.mark.usefixtures("no_explicit")
def test_pdr_decides_what_k_induction_cannot_within_its_bound() -> None:
    case = counter_case()
    claim = _claim(case.claims, "no_lost_update_without_strict")
    r = AutoEngine().check(case.model, claim, Budget(max_depth=2))
    assert r.verdict is Verdict.HOLDS and r.method == "auto: pdr"
    assert r.invariant is not None
    assert "kind: no violation up to depth" in str(r.stats["tried"])


@pytest.mark.usefixtures("no_explicit")
def test_nothing_decides_within_no_time() -> None:
    case = lru_case()
    r = AutoEngine().check(case.model, case.claims[0], Budget(timeout_s=0.0))
    assert r.verdict is Verdict.UNKNOWN and r.engine == "auto" and "timeout" in r.reason
