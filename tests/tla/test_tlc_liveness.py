"""Temporal claims: the explicit liveness engine and TLC agree on the examples.

Per cell: the same verdict, the same number of distinct states, and a lasso from each
that replays (a fair behaviour violating the claim). TLC's lasso is whatever its
liveness checker meets first (its prefix is a shortest path to the component it found,
not to the nearest one), so the lengths are pinned per cell: equal where they are, and
where they are not, the explicit engine's lasso is the shorter one.
"""

from __future__ import annotations

import pytest
from tla_helpers import REPO, load, need_tlc

from mbind_formal.engines.base import Budget, Verdict
from mbind_formal.engines.explicit import ExplicitEngine
from mbind_formal.engines.tlc import TlcEngine
from mbind_formal.trace.model import TraceKind
from mbind_formal.trace.replay import replay

pytestmark = pytest.mark.tlc

# (spec, variant, claim) -> (verdict, explicit (prefix, cycle), TLC (prefix, cycle))
CELLS = {
    ("qrwlock", "base", "writer_gets_lock"): (Verdict.HOLDS, None, None),
    ("qrwlock", "base", "readers_get_lock"): (Verdict.HOLDS, None, None),
    ("qrwlock", "fast_path_locked_only", "writer_gets_lock"): (Verdict.VIOLATED, (1, 8), (8, 4)),
    ("qrwlock", "fast_path_locked_only", "readers_get_lock"): (Verdict.VIOLATED, (7, 4), (7, 4)),
    ("ticket_lock", "base", "lock_all"): (Verdict.HOLDS, None, None),
    ("ticket_lock", "early_release", "lock_all"): (Verdict.HOLDS, None, None),
}


@pytest.mark.parametrize("cell", sorted(CELLS), ids=lambda c: "-".join(c))
def test_explicit_and_tlc_agree(cell: tuple[str, str, str]) -> None:
    need_tlc()
    name, variant, claim_name = cell
    verdict, ours, theirs = CELLS[cell]
    spec = load(REPO / "spec" / "examples" / f"{name}.mbf")
    model, claim = spec.model(variant), spec.claim(claim_name)
    ref = ExplicitEngine().check(model, claim, Budget())
    tlc = TlcEngine().check(model, claim, Budget(timeout_s=120))
    assert ref.verdict is verdict and tlc.verdict is verdict, (ref.reason, tlc.reason)
    assert ref.states == tlc.states
    for r, lengths in ((ref, ours), (tlc, theirs)):
        if lengths is None:
            assert r.trace is None
            continue
        assert r.trace is not None and r.trace.kind is TraceKind.LASSO
        assert replay(model, r.trace, claim).ok
        assert (r.trace.loop, r.trace.cycle) == lengths, r.engine
    if ours is not None and theirs is not None:
        assert sum(ours) <= sum(theirs)
