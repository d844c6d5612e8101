"""The findings of the 2026 audit of the kernel model, each pinned on the model itself.

Input: spec/mbind.mbf plus one small claim per finding (loaded as a spec text that
includes the bundled model, so the claim sees exactly the bundled variants). Each claim
fixes the world a finding is about and states what a correct kernel would do; the
explicit engine must find it violated in the eras the finding names (with a trace that
shows the mechanism) and hold in the eras that fixed it. Output: pass or the mismatch.

* Finding 1/2 (layouts; 6.6's `has_unmovable` overrides -EFAULT): a tail hole after two
  VMAs, an unmovable page in the first: 6.6.0-6.6.65 install the policy and return -EIO
  (docs/kernel §do_mbind.hole_unmovable, §walk.result); 6.6.66+ and 6.7+ return -EFAULT.
* Finding 3 (check-then-isolate is not atomic): v1, v2 and the posted v2 test PG_lru and
  isolate in two steps; reclaim isolates in between and the failure is dropped
  (§pte.toctou): `isolation_failure_reported` is violated through that interleaving.
* Finding 4 (large pages): a PMD migration entry aborts the 5.2-6.6.65 walk with -EIO and
  no policy, whatever the flags (§large.pmd); a PTE-mapped large folio makes 5.3-6.6.65
  fail its own second isolation and return -EIO with nobody racing (§large.pte_mapped).
"""

from __future__ import annotations

import pytest
from kernel_spec import SPEC

from mbind_formal.engines.base import Budget, Verdict
from mbind_formal.engines.explicit import ExplicitEngine
from mbind_formal.ir.model import Spec
from mbind_formal.lower.spec import load_text
from mbind_formal.semantics.relation import Semantics
from mbind_formal.trace.model import Trace

H = Verdict.HOLDS
V = Verdict.VIOLATED

CLAIMS = """
include "mbind.mbf";

// [VMA0: a driver page on a wrong node][VMA1][tail hole], STRICT|MOVE, mbind alone
claim tail_hole_refused {
  assume bind_call() && flags == {MPOL_MF_STRICT, MPOL_MF_MOVE} && quiet() && tail_hole &&
    Page[0].vma == Vma[0] && Page[0].kind == DRIVER && Page[0].bad_node &&
    Page[1].vma == Vma[1] && Page[2].vma == Vma[1];
  final mbind.ret == EFAULT && !policy_set;
  reachable mbind@done;
}

// mbind(STRICT|MOVE) while reclaim runs: a page that was on the LRU when the walk reached
// it is either isolated or reported (an isolation can only fail if someone held it then)
claim toctou_reported {
  assume bind_call() && flags == {MPOL_MF_STRICT, MPOL_MF_MOVE} && !hole() &&
    racers == {R_RECLAIM} && (forall p in Page: p.kind == ANON && !p.shared && !p.large);
  always mbind@done && (exists p in Page: p.iso_failed && mapped(p) && !p.held_at_reach)
    => mbind.ret == EIO;
  reachable mbind@done;
}

// A PMD-mapped THP on an allowed node that compaction migrates; MOVE alone (no STRICT)
claim pmd_entry_harmless {
  assume bind_call() && flags == {MPOL_MF_MOVE} && !hole() && racers == {R_COMPACTION} &&
    Page[0].pmd && !Page[0].bad_node && (forall v in Vma: v.migratable);
  final mbind.ret == OK && policy_set;
  reachable mbind@done && Page[0].pte == PTE_MIGRATION;
}

// One PTE-mapped large folio on a wrong node, nothing else misplaced, mbind alone
claim large_folio_migrated_quietly {
  assume bind_call() && flags == {MPOL_MF_STRICT, MPOL_MF_MOVE} && !hole() && quiet() &&
    (forall v in Vma: v.migratable) && (exists p in Page: p.large) &&
    (forall p in Page: p.bad_node == p.large && !p.shared);
  final mbind.ret == OK && (forall p in Page: !p.misplaced);
  reachable mbind@done;
}
"""


@pytest.fixture(scope="module")
def findings() -> Spec:
    result = load_text(CLAIMS, str(SPEC.parent / "findings_test.mbf"))
    assert result.spec is not None, [str(d) for d in result.diagnostics]
    return result.spec


def _check(spec: Spec, variant: str, claim: str) -> tuple[Verdict, Trace | None]:
    r = ExplicitEngine().check(spec.model(variant), spec.claim(claim), Budget(max_states=500_000))
    assert r.verdict is not Verdict.UNKNOWN, r.reason
    if r.verdict is Verdict.HOLDS:
        assert all(r.witnesses), (variant, claim)
    return r.verdict, r.trace


def _slot(spec: Spec, variant: str, name: str) -> int:
    sem = Semantics(spec.model(variant))
    return next(i for i, s in enumerate(sem.layout.slots) if s.name == name)


def _errno(spec: Spec, name: str) -> int:
    return next(e for e in spec.model("base").enums if e.name == "Errno").values.index(name)


def _final(spec: Spec, trace: Trace, name: str) -> object:
    return trace.last[_slot(spec, trace.variant, name)]


def _ret(spec: Spec, trace: Trace) -> int:
    value = _final(spec, trace, "mbind.ret")
    assert isinstance(value, int)
    return value


@pytest.mark.parametrize(
    ("variant", "expected"),
    [("5.4", V), ("5.15", V), ("6.6", V), ("6.6.66", H), ("mainline", H)],
)
def test_tail_hole_and_the_has_unmovable_override(
    findings: Spec, variant: str, expected: Verdict
) -> None:
    verdict, trace = _check(findings, variant, "tail_hole_refused")
    assert verdict is expected
    if variant == "6.6":
        # The walk goes on past the driver page, sees the tail hole at VMA1 (-EFAULT), and
        # `if (qp.has_unmovable) err = 1;` turns it into the policy plus -EIO.
        assert trace is not None
        assert _final(findings, trace, "policy_set")
        assert _ret(findings, trace) == _errno(findings, "EIO")
        qret = _slot(findings, variant, "mbind.qret")
        assert 3 in {s.state[qret] for s in trace.steps}  # Q_EFAULT, before the override


@pytest.mark.parametrize(
    ("variant", "expected"),
    [("5.2", H), ("v1", V), ("v2", V), ("v2-posted", V), ("5.3", H)],
)
def test_check_then_isolate_is_not_atomic(findings: Spec, variant: str, expected: Verdict) -> None:
    verdict, trace = _check(findings, variant, "toctou_reported")
    assert verdict is expected
    if verdict is V:
        # The PG_lru pre-test passes, reclaim isolates the page before isolate_lru_page().
        assert trace is not None
        labels = [(s.actor, s.label) for s in trace.steps]
        at = labels.index(("reclaim", "reclaim_isolate"))
        assert labels[at - 1] == ("mbind", "walk") and labels[at + 1] == ("mbind", "walk_isolate")
        assert _ret(findings, trace) == _errno(findings, "OK")


@pytest.mark.parametrize(
    ("variant", "expected"),
    [("4.19", H), ("5.2", V), ("5.3", V), ("5.15", V), ("6.6", V), ("6.6.66", H), ("mainline", H)],
)
def test_pmd_migration_entry_aborts_the_walk(
    findings: Spec, variant: str, expected: Verdict
) -> None:
    verdict, trace = _check(findings, variant, "pmd_entry_harmless")
    assert verdict is expected
    if verdict is V:
        assert trace is not None
        assert _ret(findings, trace) == _errno(findings, "EIO")
        assert not _final(findings, trace, "policy_set")


@pytest.mark.parametrize(
    ("variant", "expected"),
    [("4.19", H), ("5.2", H), ("5.3", V), ("5.4", V), ("6.6", V), ("6.6.66", H), ("mainline", H)],
)
def test_large_folio_fails_its_own_second_isolation(
    findings: Spec, variant: str, expected: Verdict
) -> None:
    verdict, trace = _check(findings, variant, "large_folio_migrated_quietly")
    assert verdict is expected
    if verdict is V:
        # Nobody races: mbind isolated the folio at its first PTE, the second PTE fails,
        # STRICT reports it; the folio is still migrated and the policy installed.
        assert trace is not None
        assert _ret(findings, trace) == _errno(findings, "EIO")
        assert _final(findings, trace, "policy_set")
        assert not any(_final(findings, trace, f"Page[{i}].misplaced") for i in range(3))
