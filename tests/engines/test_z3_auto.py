"""The auto engine: explicit search for small models, the Z3 chain otherwise."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from wide_sums import WALKS
from z3_models import counter_case, lru_case

from mbind_formal.cli import run_cli
from mbind_formal.engines import auto
from mbind_formal.engines.auto import AutoEngine, estimate_states
from mbind_formal.engines.base import Budget, Verdict
from mbind_formal.engines.z3.induction import InductionEngine
from mbind_formal.engines.z3.ranges import Ranges
from mbind_formal.ir.model import Claim, Model
from mbind_formal.lower.spec import load_text
from mbind_formal.trace.replay import replay
from mbind_formal.verdicts import check_cell


def _claim(claims: tuple[Claim, ...], name: str) -> Claim:
    return next(c for c in claims if c.name == name)


def test_small_models_go_to_the_explicit_engine() -> None:
    case = lru_case()
    assert estimate_states(case.model) == 6**2 * 3**3  # 2 pages x (lru, owner), 3 pcs
    r = AutoEngine().check(case.model, _claim(case.claims, "exclusive"), Budget())
    assert r.verdict is Verdict.HOLDS and r.engine == "auto"
    assert r.method == "auto: explicit (exhaustive)"


@pytest.fixture
def no_explicit(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pretend every model is too big for the explicit engine (it gets 0 states)."""
    monkeypatch.setattr(auto, "EXPLICIT_STATES", 0)


@pytest.mark.usefixtures("no_explicit")
def test_shallow_bug_is_found_by_bmc() -> None:
    case = counter_case()
    claim = _claim(case.claims, "lost_update")
    r = AutoEngine().check(case.model, claim, Budget())
    assert r.verdict is Verdict.VIOLATED and r.method == "auto: bmc"
    assert r.trace is not None and len(r.trace) == 4 and replay(case.model, r.trace, claim).ok
    assert "explicit: state limit of 0" in str(r.stats["tried"])


@pytest.mark.usefixtures("no_explicit")
def test_proof_by_k_induction() -> None:
    case = counter_case()
    r = AutoEngine().check(case.model, _claim(case.claims, "flags_full"), Budget())
    assert r.verdict is Verdict.HOLDS and r.method == "auto: kind (k-induction k=1)"


@pytest.mark.usefixtures("no_explicit")
def test_pdr_decides_what_k_induction_cannot_within_its_bound() -> None:
    case = counter_case()
    claim = _claim(case.claims, "no_lost_update_without_strict")
    r = AutoEngine().check(case.model, claim, Budget(max_depth=2))
    assert r.verdict is Verdict.HOLDS and r.method == "auto: pdr"
    assert r.invariant is not None
    assert "kind: no violation up to depth" in str(r.stats["tried"])


@pytest.mark.usefixtures("no_explicit")
def test_nothing_decides_within_no_time() -> None:
    case = lru_case()
    r = AutoEngine().check(case.model, case.claims[0], Budget(timeout_s=0.0))
    assert r.verdict is Verdict.UNKNOWN and r.engine == "auto" and "timeout" in r.reason


# ---------------------------------------------------------------- NOTE(auto cross-check)


@pytest.mark.usefixtures("no_explicit")
def test_a_k_induction_proof_is_re_proved_over_integers() -> None:
    case = counter_case()
    r = AutoEngine().check(case.model, _claim(case.claims, "flags_full"), Budget())
    assert r.verdict is Verdict.HOLDS and r.method == "auto: kind (k-induction k=1)"
    assert r.stats["crosscheck"] == "k-induction over integers to k=2: agrees"
    assert "disagreement" not in r.stats


@pytest.mark.usefixtures("no_explicit")
def test_a_pdr_proof_is_checked_by_bit_vector_bmc() -> None:
    case = counter_case()
    claim = _claim(case.claims, "no_lost_update_without_strict")
    r = AutoEngine().check(case.model, claim, Budget(max_depth=2))
    assert r.verdict is Verdict.HOLDS and r.method == "auto: pdr"
    assert r.stats["crosscheck"] == "bmc over bit-vectors to depth 2: agrees"


def _wrong_widths(monkeypatch: pytest.MonkeyPatch) -> tuple[Model, Claim]:
    """The issue 18.1 spec with the old, too narrow width forced back: bit-vector
    k-induction then proves a violated claim (the bug the cross-check must catch)."""
    loaded = load_text(WALKS["ite"], "<ite>")
    assert loaded.spec is not None
    monkeypatch.setattr(Ranges, "width", lambda self, extra=(): 34)
    return loaded.spec.models[0], loaded.spec.claims[0]


def test_a_wrong_holds_is_caught_and_reported_as_a_disagreement(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    model, claim = _wrong_widths(monkeypatch)
    wrong = InductionEngine().check(model, claim, Budget())
    assert wrong.verdict is Verdict.HOLDS  # the planted bug
    r = AutoEngine().check(
        model, claim, Budget(max_states=100, por=False)
    )  # no POR: the cap must stop explicit
    assert r.verdict is Verdict.UNKNOWN, (r.method, r.reason)
    assert "kind says holds (k=1), k-induction over integers to k=2" in r.reason
    assert r.stats["disagreement"] == r.reason
    cell = check_cell(
        model, claim, ["auto"], Budget(max_states=100, por=False)
    )  # no POR: the cap must stop explicit
    assert cell.disagreement is not None and cell.disagreement.startswith("auto: kind says")


def test_the_cli_exits_4_on_the_disagreement_and_names_the_check(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _wrong_widths(monkeypatch)
    spec = tmp_path / "ite.mbf"
    spec.write_text(WALKS["ite"])
    out, err = io.StringIO(), io.StringIO()
    code = run_cli(["prove", str(spec), "--max-states", "100", "--no-por", "--no-save"], out, err)
    assert code == 4, (out.getvalue(), err.getvalue())
    assert "cross-check: k-induction over integers to k=2:" in out.getvalue()
    assert "DISAGREEMENT base/c: auto: kind says holds" in err.getvalue()
