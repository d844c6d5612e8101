"""The TLC engine agrees with the explicit engine, state for state.

For every cell: the same verdict; a counterexample of the same (shortest) length that
replays through `semantics.relation`; and, when TLC explores everything (the claim holds or is
vacuous), the same number of distinct states: unreduced without symmetry, and the same
number of orbits with it (TLC's SYMMETRY canonicalises exactly, as the explicit engine
does). When a claim is violated both engines stop early, at different points of the
last BFS level, so their partial counts are not compared.

The default run covers the golden model (every construct), the oracle rows with a
deadlock and a vacuous claim, and the identifier-clash model; the whole oracle table
and the examples are marked `slow`.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from oracle import ORACLE, OracleCase
from tla_helpers import GOLDEN_SPEC, REPO, load, need_tlc

from mbind_formal.engines.base import Budget, Result, Verdict
from mbind_formal.engines.explicit import ExplicitEngine
from mbind_formal.engines.tlc import TlcEngine
from mbind_formal.ir.model import Claim, Model
from mbind_formal.trace.model import TraceKind
from mbind_formal.trace.replay import replay

pytestmark = pytest.mark.tlc

CLASH = Path(__file__).resolve().parent / "clash.mbf"


def agree(model: Model, claim: Claim, *, symmetry: bool) -> Result:
    """Run both engines on one cell and check that they agree; TLC's result."""
    need_tlc()
    budget = Budget(symmetry=symmetry, timeout_s=120)
    tlc = TlcEngine().check(model, claim, budget)
    # TLC has no partial-order reduction: the explicit counts to match are unreduced
    ref = ExplicitEngine().check(model, claim, replace(budget, por=False))
    where = f"{model.variant}/{claim.name} symmetry={symmetry}: {tlc.reason}"
    assert tlc.verdict is ref.verdict, where
    if tlc.verdict is Verdict.VIOLATED and claim.temporal:
        # TLC's lasso is not always the shortest: tests/tla/test_tlc_liveness.py
        assert tlc.trace is not None and tlc.trace.kind is TraceKind.LASSO
        assert replay(model, tlc.trace, claim).ok
    elif tlc.verdict is Verdict.VIOLATED:
        assert tlc.trace is not None and ref.trace is not None
        assert len(tlc.trace) == len(ref.trace), where
        # Of several shortest counterexamples (e.g. two initial states, one breaking the
        # claim and one with a store outside its type), each engine may report another:
        # the same length, each replayed as the kind it says.
        assert tlc.trace.engine == "tlc", where
        assert tlc.trace.kind in (TraceKind.VIOLATION, TraceKind.TYPE_VIOLATION, TraceKind.DEADLOCK)
        assert replay(model, tlc.trace, claim).ok
    else:
        assert tlc.states == ref.states, where
        assert tlc.depth == ref.depth, where
        assert tlc.witnesses == ref.witnesses, where
    if tlc.deadlock is not None:
        assert replay(model, tlc.deadlock).ok
    # with partial-order reduction (the default): the same verdict, shortest length and
    # witnesses, fewer states at most
    por = ExplicitEngine().check(model, claim, budget)
    assert por.verdict is tlc.verdict, f"{where} (explicit with POR)"
    if tlc.trace is not None:
        # a temporal claim runs without reductions; its lasso is the explicit one
        want = len(ref.trace) if claim.temporal and ref.trace is not None else len(tlc.trace)
        assert por.trace is not None and len(por.trace) == want, where
        assert replay(model, por.trace, claim).ok
    else:
        assert por.witnesses == tlc.witnesses, where
        assert por.states is not None and tlc.states is not None and por.states <= tlc.states
    return tlc


# Distinct states of the golden model's cells that hold, as both engines must count them
# (pinned, as Stateright's examples/2pc.rs pins its counts): (with symmetry, without).
PINNED = {"exclusive": (2352, 4416), "strict_reported": (441, 828)}


@pytest.mark.parametrize(
    ("claim", "symmetry"),
    [
        ("exclusive", True),
        ("exclusive", False),
        ("strict_reported", True),
        ("strict_reported", False),
        ("balanced", False),  # violated: the counts of an interrupted search do not compare
    ],
)
def test_golden_model(claim: str, symmetry: bool) -> None:
    spec = load(GOLDEN_SPEC)
    result = agree(spec.model("base"), spec.claim(claim), symmetry=symmetry)
    assert result.engine == "tlc"
    if claim in PINNED:
        assert result.states == PINNED[claim][0 if symmetry else 1]
        # one run for the invariant; one per BFS depth at which pending witnesses are met
        assert int(result.stats["tlc_runs"]) <= 1 + len(spec.claim(claim).witnesses)


def _case(case: OracleCase) -> tuple[Model, Claim]:
    spec = load(case.path, dict(case.params))
    return spec.model(case.variant), spec.claim(case.claim)


def _oracle_check(case: OracleCase) -> None:
    model, claim = _case(case)
    result = agree(model, claim, symmetry=False)
    assert result.verdict.value == case.verdict
    if case.length is not None and result.trace is not None:
        assert len(result.trace) == case.length
    if case.states is not None and result.verdict is not Verdict.VIOLATED:
        assert result.states == case.states
    # ir.model NOTE(deadlock): TLC reports a deadlock as the violation of DeadlockFree;
    # a spec that allows deadlocks runs TLC with -deadlock, so TLC reports none.
    assert result.deadlock is None
    if case.deadlock is not None and not model.allow_deadlock:
        assert result.trace is not None and result.trace.kind is TraceKind.DEADLOCK
        assert len(result.trace) == case.deadlock


QUICK = {"mutex_ok/base/lock_held", "deadlock/base/released", "walk/base/in_order"}


@pytest.mark.parametrize("case", [c for c in ORACLE if c.id in QUICK], ids=lambda c: c.id)
def test_oracle_quick(case: OracleCase) -> None:
    _oracle_check(case)


@pytest.mark.slow
@pytest.mark.parametrize("case", [c for c in ORACLE if c.id not in QUICK], ids=lambda c: c.id)
def test_oracle_rest(case: OracleCase) -> None:
    _oracle_check(case)


def test_clashing_names() -> None:
    spec = load(CLASH)
    agree(spec.models[0], spec.claim("Init_1"), symmetry=False)


EXAMPLES = sorted((REPO / "spec" / "examples").glob("*.mbf"))


@pytest.mark.slow
@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_examples(path: Path) -> None:
    spec = load(path)
    for model in spec.models:
        for claim in spec.claims:
            agree(model, claim, symmetry=True)


def test_missing_java_is_unknown_with_the_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "")
    monkeypatch.delenv("JAVA_HOME", raising=False)
    spec = load(GOLDEN_SPEC)
    result = TlcEngine().check(spec.model("base"), spec.claim("exclusive"), Budget())
    assert result.verdict is Verdict.UNKNOWN and "java" in result.reason


def test_timeout_kills_tlc() -> None:
    need_tlc()
    spec = load(GOLDEN_SPEC)
    budget = Budget(timeout_s=0.5)
    result = TlcEngine().check(spec.model("base"), spec.claim("exclusive"), budget)
    assert result.verdict is Verdict.UNKNOWN and "timeout" in result.reason


def test_parse_check_reports_what_tlc_rejects(tmp_path: Path) -> None:
    from mbind_formal.tlc.run import parse_check

    setup = need_tlc()
    (tmp_path / "Bad.tla").write_text("---- MODULE Bad ----\nVARIABLE x\nInit == x = y\n====\n")
    (tmp_path / "Bad.cfg").write_text("INIT Init\nNEXT Init\n")
    error = parse_check(setup, tmp_path, "Bad", "Bad")
    assert "does not parse" in error and "[3002]" in error
