"""Bounded lasso search (engines/z3/lasso.py) agrees with the explicit liveness engine.

The shortest fair lasso up to the bound: on the small models and the planted
starvation bug its prefix and cycle equal the explicit engine's; a claim that holds
is "no fair lasso up to k" (a bound, not a proof). The longer runs are nightly.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from model_strategies import RandomCase, random_cases, render

from mbind_formal.engines.base import Budget, Verdict
from mbind_formal.engines.explicit import ExplicitEngine
from mbind_formal.engines.z3.lasso import LassoEngine
from mbind_formal.ir.model import ClaimKind, Fairness, FairnessKind, Spec
from mbind_formal.lower.spec import load_spec, load_text
from mbind_formal.trace.model import TraceKind
from mbind_formal.trace.replay import replay

ROOT = Path(__file__).resolve().parents[2]

SPINNER = """
var flag: bool = false;
var got: bool = false;
actor spinner {
  spin:
    flag = !flag;
    goto spin;
}
actor waiter {
  wait:
    await flag;
    got = true;
    done;
}
claim unfair { eventually got; reachable got; }
claim weakly { fair actor waiter; fair actor spinner; eventually got; reachable got; }
claim strongly { strong fair actor waiter; fair actor spinner; eventually got; reachable got; }
claim stops { always eventually flag; reachable flag; }
claim safety { always !got || flag; reachable got; }
"""


def _spec(text: str) -> Spec:
    spec = load_text(text, "live.mbf").spec
    assert spec is not None
    return spec


def _agree(spec: Spec, variant: str, claim_name: str, depth: int) -> None:
    model, claim = spec.model(variant), spec.claim(claim_name)
    ref = ExplicitEngine().check(model, claim, Budget())
    got = LassoEngine().check(model, claim, Budget(max_depth=depth))
    if ref.verdict is Verdict.VIOLATED:
        assert got.verdict is Verdict.VIOLATED, got.reason
        assert got.trace is not None and ref.trace is not None
        assert got.trace.kind is TraceKind.LASSO and replay(model, got.trace, claim).ok
        assert (got.trace.loop, got.trace.cycle) == (ref.trace.loop, ref.trace.cycle)
    else:
        assert ref.verdict is Verdict.HOLDS
        assert got.verdict is Verdict.UNKNOWN and got.bound == depth, got.reason


@pytest.mark.parametrize("claim", ["unfair", "weakly", "strongly", "stops"])
def test_small_models(claim: str) -> None:
    _agree(_spec(SPINNER), "base", claim, 6)


def test_a_safety_claim_is_not_its_business() -> None:
    spec = _spec(SPINNER)
    r = LassoEngine().check(spec.model("base"), spec.claim("safety"), Budget(max_depth=3))
    assert r.verdict is Verdict.UNKNOWN and "safety claim" in r.reason


def test_the_planted_starvation_bug() -> None:
    spec = load_spec(ROOT / "spec" / "examples" / "qrwlock.mbf").spec
    assert spec is not None
    _agree(spec, "fast_path_locked_only", "writer_gets_lock", 10)


@pytest.mark.nightly
@pytest.mark.parametrize(
    ("variant", "claim"),
    [
        ("base", "writer_gets_lock"),
        ("base", "readers_get_lock"),
        ("fast_path_locked_only", "readers_get_lock"),
    ],
)
def test_qrwlock_cells(variant: str, claim: str) -> None:
    spec = load_spec(ROOT / "spec" / "examples" / "qrwlock.mbf").spec
    assert spec is not None
    _agree(spec, variant, claim, 12)


# ----------------------------------------------------------------------------- random

LASSO_DEPTH = 8


@pytest.mark.nightly  # minutes: 25 models, a bounded search each
@settings(
    max_examples=25,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(random_cases(), st.sampled_from([ClaimKind.EVENTUALLY, ClaimKind.ALWAYS_EVENTUALLY]))
def test_random_models_agree(case: RandomCase, kind: ClaimKind) -> None:
    """Random models, their random property as `eventually` / `always eventually`,
    every actor weakly fair: the same verdict up to the bound, and the bounded search's
    lasso (the shortest) never longer than the explicit engine's."""
    fair = tuple(Fairness(kind=FairnessKind.WEAK, actor=a.name) for a in case.model.actors)
    claim = replace(case.claim, kind=kind, fairness=fair)
    model = case.model
    ref = ExplicitEngine().check(model, claim, Budget(max_states=50_000))
    got = LassoEngine().check(model, claim, Budget(max_depth=LASSO_DEPTH))
    if got.trace is not None:
        assert replay(model, got.trace, claim).ok
        assert ref.verdict is Verdict.VIOLATED, render(model, claim)
        assert ref.trace is not None and len(got.trace) <= len(ref.trace)
    elif ref.verdict is Verdict.VIOLATED and ref.trace is not None:
        assert len(ref.trace) > LASSO_DEPTH, ("lasso missed one", render(model, claim))
