"""BMC: shortest replayed counterexamples, honest UNKNOWNs, limits as values."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from z3_models import Case, counter_case, lru_case

from mbind_formal.engines.base import Budget, ProgressEvent, Verdict
from mbind_formal.engines.explicit import ExplicitEngine
from mbind_formal.engines.z3.bmc import BmcEngine
from mbind_formal.engines.z3.encode import Encoding
from mbind_formal.engines.z3.run import EncodingBug
from mbind_formal.trace.model import Trace, TraceKind, TraceStep
from mbind_formal.trace.replay import replay


@pytest.mark.parametrize(
    ("make", "claim"),
    [(lru_case, "never_reclaimed"), (counter_case, "below_limit"), (counter_case, "lost_update")],
)
def test_counterexample_is_shortest_and_replays(make: Callable[[], Case], claim: str) -> None:
    case = make()
    model = case.model
    c = next(x for x in case.claims if x.name == claim)
    ref = ExplicitEngine().check(model, c, Budget(symmetry=False))
    r = BmcEngine().check(model, c, Budget(max_depth=10))
    assert ref.verdict is r.verdict is Verdict.VIOLATED
    assert r.trace is not None and ref.trace is not None
    assert len(r.trace) == len(ref.trace) == r.depth
    assert r.trace.kind is TraceKind.VIOLATION and r.trace.engine == "bmc"
    assert replay(model, r.trace, c).ok


def test_no_violation_is_unknown_with_the_bound() -> None:
    case = lru_case()
    claim = case.claims[0]
    events: list[ProgressEvent] = []
    r = BmcEngine().check(case.model, claim, Budget(max_depth=4), events.append)
    assert r.verdict is Verdict.UNKNOWN and r.depth == 4
    assert r.reason == "no violation up to depth 4"
    assert r.witnesses == (True,)  # an MBIND-owned page is reached at depth 1
    assert [e.depth for e in events] == [0, 1, 2, 3, 4]
    assert all(e.engine == "bmc" for e in events)


def test_unreached_witness_stays_undecided() -> None:
    case = lru_case()
    vacuous = next(c for c in case.claims if c.name == "vacuous")
    r = BmcEngine().check(case.model, vacuous, Budget(max_depth=3))
    assert r.verdict is Verdict.UNKNOWN and r.witnesses == (None,)


def test_timeout_is_a_value() -> None:
    case = lru_case()
    r = BmcEngine().check(case.model, case.claims[0], Budget(timeout_s=0.0))
    assert r.verdict is Verdict.UNKNOWN and "timeout" in r.reason


def test_same_seed_same_trace() -> None:
    case = counter_case()
    claim = case.claims[0]
    a = BmcEngine().check(case.model, claim, Budget(max_depth=8, seed=7))
    b = BmcEngine().check(case.model, claim, Budget(max_depth=8, seed=7))
    assert a.trace == b.trace


def test_a_trace_that_does_not_replay_is_an_internal_error(monkeypatch: pytest.MonkeyPatch) -> None:
    real = Encoding.decode

    def corrupt(
        self: Encoding, zmodel: Any, depth: int, kind: TraceKind, claim: str | None, engine: str
    ) -> Trace:
        tr = real(self, zmodel, depth, kind, claim, engine)
        last = tr.steps[-1]
        wrong = TraceStep(last.actor, last.instance, last.label, tr.init, last.choices)
        return Trace(tr.variant, tr.init, (*tr.steps[:-1], wrong), tr.kind, tr.claim, tr.engine)

    monkeypatch.setattr(Encoding, "decode", corrupt)
    case = counter_case()
    with pytest.raises(EncodingBug, match="MBF603"):
        BmcEngine().check(case.model, case.claims[0], Budget(max_depth=8))


def test_a_resource_limit_is_deterministic_and_named() -> None:
    """`Budget.query_rlimit` (z3's rlimit) stops a query by work done, not by wall time:
    the same depth is reached and the reason says which limit stopped it."""
    case = lru_case()
    claim = case.claims[0]
    runs = [BmcEngine().check(case.model, claim, Budget(query_rlimit=20_000)) for _ in range(2)]
    assert runs[0].verdict is Verdict.UNKNOWN
    assert runs[0].reason.startswith("resource limit (20000 per query) at depth"), runs[0].reason
    assert runs[0].reason == runs[1].reason and runs[0].depth == runs[1].depth
