"""LTP's mbind tests (SEMANTICS §8) run sequentially on every variant of the kernel model.

Input: the scenarios of spec/mbind.mbf. Output: pass/fail per (scenario, variant), pinned:
4.19.0 fails mbind02 (STRICT alone scans nothing and returns 0), as the real 4.19.0 does;
every other variant passes every scenario.
"""

from __future__ import annotations

import pytest

from mbind_formal.engines.scenarios import run_scenario
from mbind_formal.lower.spec import LoadResult

SCENARIOS = (*(f"mbind01_{i:02d}" for i in range(1, 14)), "mbind02", "mbind03", "mbind04")
FAILS = {
    ("mbind02", "base"),  # base is 4.19.0
    ("mbind02", "4.19"),  # a7f40cfe3b7a (5.1) made STRICT alone report misplaced pages
}


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_scenario_on_every_variant(loaded: LoadResult, scenario: str) -> None:
    spec = loaded.spec
    assert spec is not None
    sc = next(s for s in spec.scenarios if s.name == scenario)
    for variant in spec.variants:
        result = run_scenario(spec.model(variant), sc)
        expected = (scenario, variant) not in FAILS
        assert (variant, result.passed) == (variant, expected), result.reason
        assert result.states > 0
