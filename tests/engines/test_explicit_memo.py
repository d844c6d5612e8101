"""NOTE(successor memo) in `engines/explicit.py`: one engine object checking many cells
answers each exactly as a fresh engine would.

Input: the kernel model at 2 pages (no symmetry; its claims select overlapping sets of
initial states) and the symmetric examples. For every claim, in matrix order on one
engine and then on a fresh engine per cell: the same verdict, state, transition and
initial-state counts, depth, witnesses, coverage (including refused stores) and
deadlock, and, without symmetry, the very same counterexample. With symmetry a memo
built from another representative of an orbit may pick another counterexample, so there
only its length is compared.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mbind_formal.engines.base import Budget, Result
from mbind_formal.engines.explicit import ExplicitEngine
from mbind_formal.lower.spec import load_spec

ROOT = Path(__file__).resolve().parents[2]


def _same(shared: Result, fresh: Result, exact_trace: bool) -> None:
    where = f"{fresh.variant} / {fresh.claim}"
    assert shared.verdict is fresh.verdict, where
    assert (shared.states, shared.depth, shared.witnesses) == (
        fresh.states,
        fresh.depth,
        fresh.witnesses,
    ), where
    for stat in ("transitions", "initial_states", "blocked_stores", "blocked_steps"):
        assert shared.stats[stat] == fresh.stats[stat], (where, stat)
    assert shared.coverage == fresh.coverage, where
    assert (shared.deadlock is None) == (fresh.deadlock is None), where
    if exact_trace:
        assert shared.trace == fresh.trace, where
        assert shared.deadlock == fresh.deadlock, where
    else:
        assert (shared.trace is None) == (fresh.trace is None), where
        if shared.trace is not None and fresh.trace is not None:
            assert len(shared.trace) == len(fresh.trace), where


@pytest.mark.slow
@pytest.mark.parametrize("variant", ["4.19", "5.3", "mainline"])
def test_kernel_cells_match_fresh_engines(variant: str) -> None:
    spec = load_spec(ROOT / "spec" / "mbind.mbf", {"pages": 2}).spec
    assert spec is not None
    model = spec.model(variant)
    engine = ExplicitEngine()
    for claim in spec.claims:
        shared = engine.check(model, claim, Budget())
        fresh = ExplicitEngine().check(model, claim, Budget())
        _same(shared, fresh, exact_trace=True)


@pytest.mark.parametrize("example", ["mutex", "ticket_lock", "rwlock", "counter"])
@pytest.mark.parametrize("symmetry", [True, False])
def test_examples_match_fresh_engines(example: str, symmetry: bool) -> None:
    spec = load_spec(ROOT / "spec" / "examples" / f"{example}.mbf").spec
    assert spec is not None
    engine = ExplicitEngine()
    for variant in spec.variants:
        model = spec.model(variant)
        for claim in spec.claims:
            budget = Budget(symmetry=symmetry)
            shared = engine.check(model, claim, budget)
            fresh = ExplicitEngine().check(model, claim, budget)
            _same(shared, fresh, exact_trace=not symmetry)


def test_a_state_limit_does_not_leak_into_the_next_check() -> None:
    spec = load_spec(ROOT / "spec" / "examples" / "ticket_lock.mbf").spec
    assert spec is not None
    model, claim = spec.model(spec.variants[0]), spec.claims[0]
    engine = ExplicitEngine()
    small = engine.check(model, claim, Budget(max_states=5))
    assert small.states is not None and small.states <= 5
    full = engine.check(model, claim, Budget())
    _same(full, ExplicitEngine().check(model, claim, Budget()), exact_trace=True)
