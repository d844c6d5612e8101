"""The oracle table agrees with the reference step relation (`semantics.relation`).

A plain breadth-first search over `Semantics.successors` recomputes each case's
verdict (a state with a type violation, `Semantics.bad_stores`, violates every claim),
shortest counterexample, state count and shortest deadlock, so a slip in the
hand derivations in `oracle.py` (or a change in the semantics) shows up here first.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from oracle import ORACLE, OracleCase

from mbind_formal.ir.model import Claim, Model
from mbind_formal.ir.symmetry import symmetric_collections
from mbind_formal.lower.spec import load_spec
from mbind_formal.semantics.layout import State
from mbind_formal.semantics.relation import Semantics


@dataclass(frozen=True, slots=True)
class Explored:
    verdict: str
    length: int | None
    states: int
    deadlock: int | None


def explore(model: Model, claim: Claim) -> Explored:
    """Breadth-first over every reachable state (no symmetry reduction)."""
    sem = Semantics(model)
    ok = sem.predicate(claim.invariant)
    witnesses = [sem.predicate(w) for w in claim.witnesses]
    reached = [False] * len(witnesses)
    depth: dict[State, int] = {s: 0 for s in sem.initial_states(claim.assume)}
    frontier = list(depth)
    violation: int | None = None
    deadlock: int | None = None
    while frontier:
        nxt: list[State] = []
        for s in frontier:
            d = depth[s]
            bad = bool(sem.bad_stores(s))  # ir.model NOTE(type rule)
            if violation is None and (bad or not ok(s)):
                violation = d
            for i, w in enumerate(witnesses):
                reached[i] = reached[i] or w(s)
            succ = [t.state for t in sem.successors(s)]
            if not succ and not sem.is_final(s) and not bad and deadlock is None:
                deadlock = d
            for t in succ:
                if t not in depth:
                    depth[t] = d + 1
                    nxt.append(t)
        frontier = nxt
    if violation is not None:
        verdict = "violated"
    elif not all(reached):
        verdict = "vacuous"
    else:
        verdict = "holds"
    return Explored(verdict, violation, len(depth), deadlock)


def load(case: OracleCase) -> tuple[Model, Claim]:
    result = load_spec(case.path, dict(case.params))
    assert result.spec is not None, [d.message for d in result.diagnostics]
    assert not [d for d in result.diagnostics if d.is_error]
    return result.spec.model(case.variant), result.spec.claim(case.claim)


@pytest.mark.parametrize("case", ORACLE, ids=lambda c: c.id)
def test_oracle_matches_semantics(case: OracleCase) -> None:
    model, claim = load(case)
    got = explore(model, claim)
    assert got.verdict == case.verdict
    assert got.length == case.length
    if case.states is not None:
        assert got.states == case.states
    assert got.deadlock == case.deadlock


def test_oracle_covers_the_required_kinds() -> None:
    verdicts = {c.verdict for c in ORACLE}
    assert verdicts == {"holds", "violated", "vacuous"}
    assert any(c.deadlock is not None for c in ORACLE)
    assert any(c.params for c in ORACLE)
    assert any(c.variant != "base" for c in ORACLE)


def test_symmetric_model_keeps_its_symmetry_and_walk_does_not_need_it() -> None:
    sym = next(c for c in ORACLE if c.file == "symmetric.mbf")
    model, claim = load(sym)
    assert symmetric_collections(model, claim) == frozenset({"Page"})
    walk = next(c for c in ORACLE if c.file == "walk.mbf")
    model, claim = load(walk)
    assert symmetric_collections(model, claim) == frozenset()
