"""Differential test: TLC agrees with the explicit engine on random models.

Hypothesis draws the engine-agreement models (`tests/engines/model_strategies.py`:
pages, enums, sets, ranges that can overflow, if / either / await / pick, early goto
and done, an optional-page local). Each example costs one to three TLC runs, so only a
few are drawn; the Hypothesis database keeps any failing model for the next run.
Rules of comparison: `test_tlc_engine.agree` (verdict, counterexample length and
replay, exact state counts when TLC explores everything).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_tlc_engine import agree

pytestmark = [pytest.mark.tlc, pytest.mark.slow]

ENGINES = Path(__file__).resolve().parent.parent / "engines"


def _strategies() -> ModuleType:
    """tests/engines/model_strategies.py, loaded by path (test dirs are not packages)."""
    name = "model_strategies"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, ENGINES / "model_strategies.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


CASES: st.SearchStrategy[object] = _strategies().random_cases()


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
        print(_strategies().render(model, claim))
        raise
