"""Differential test: TLC agrees with the explicit engine on random models.

Hypothesis draws the engine-agreement models (`tests/engines/model_strategies.py`:
pages, enums, sets, ranges that can overflow, if / either / await / pick, early goto
and done, an optional-page local). Each example costs one to three TLC runs, so only a
few are drawn; the Hypothesis database keeps any failing model for the next run.
Rules of comparison: `test_tlc_engine.agree` (verdict, counterexample length and
replay, exact state counts when TLC explores everything).
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from model_strategies import random_cases, render
from test_tlc_engine import agree

pytestmark = [pytest.mark.tlc, pytest.mark.slow]

CASES: st.SearchStrategy[object] = random_cases()


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(CASES, st.booleans())
def test_tlc_agrees_on_random_models(case: object, symmetry: bool) -> None:
    model, claim = getattr(case, "model"), getattr(case, "claim")  # noqa: B009
    try:
        agree(model, claim, symmetry=symmetry)
    except AssertionError:
        print(render(model, claim))
        raise
