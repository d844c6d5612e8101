"""Partial-order reduction on the bundled kernel model: the same matrix with it on and off.

Every (variant, claim) cell gets the same verdict, the same witnesses, the same shortest
counterexample length (the trace replays) and the same deadlock note, with the successor
memo shared across the claims of a variant as `prove` and `matrix` share it. The fast
test runs at 2 pages on the last variant; the nightly one runs the whole matrix at the
default size.
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from kernel_spec import SPEC

from mbind_formal.engines.base import Budget, Result
from mbind_formal.engines.explicit import ExplicitEngine
from mbind_formal.ir.model import Spec
from mbind_formal.lower.spec import load_spec
from mbind_formal.trace.replay import replay


def _matrix(spec: Spec, variants: Sequence[str], por: bool) -> dict[tuple[str, str], Result]:
    out = {}
    engine = ExplicitEngine()  # one engine: the memo is shared as in a matrix run
    for v in variants:
        model = spec.model(v)
        for claim in spec.claims:
            r = engine.check(model, claim, Budget(por=por, timeout_s=600))
            if r.trace is not None:
                assert replay(model, r.trace, claim).ok, (v, claim.name)
            out[(v, claim.name)] = r
    return out


def _differences(spec: Spec, variants: Sequence[str]) -> list[str]:
    on, off = _matrix(spec, variants, True), _matrix(spec, variants, False)
    problems = []
    for cell, a in on.items():
        b = off[cell]
        la = len(a.trace) if a.trace is not None else None
        lb = len(b.trace) if b.trace is not None else None
        if (a.verdict, a.witnesses, la) != (b.verdict, b.witnesses, lb):
            problems.append(f"{cell}: {a.verdict.value} {a.witnesses} {la} / {b.verdict} {lb}")
        if (a.deadlock is None) != (b.deadlock is None):
            problems.append(f"{cell}: deadlock with POR {a.deadlock is not None}")
    return problems


def test_same_matrix_with_and_without_por_at_two_pages() -> None:
    loaded = load_spec(SPEC, {"pages": 2})
    assert loaded.spec is not None
    assert _differences(loaded.spec, [loaded.spec.variants[-1]]) == []


@pytest.mark.nightly
def test_same_matrix_with_and_without_por_at_the_default_size() -> None:
    loaded = load_spec(SPEC, {})
    assert loaded.spec is not None
    assert _differences(loaded.spec, loaded.spec.variants) == []
