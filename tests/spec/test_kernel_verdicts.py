"""Pinned verdicts of the bundled kernel model at its default size (pages = 3).

Input: spec/mbind.mbf. Output: each (variant, claim) cell checked by the explicit engine
must give the verdict pinned below, so that a verdict change is always deliberate: change
the model or a claim, run the matrix, explain the new verdict here in one line. The
reasons are in kernel terms; docs/kernel-model.md walks through the traces.

Most cells take a second or less; the ones exploring more than ~40k states are marked
`slow` (the whole matrix takes about 3.5 minutes of CPU).
"""

from __future__ import annotations

import pytest

from mbind_formal.engines.base import Budget, Verdict
from mbind_formal.engines.explicit import ExplicitEngine
from mbind_formal.lower.spec import LoadResult

H = Verdict.HOLDS
V = Verdict.VIOLATED

EXPECTED: dict[tuple[str, str], Verdict] = {
    # ---------------------------------------------------------------- 4.19
    ("4.19", "no_false_eio"): H,  # -EIO only from migrate_pages() failures (a GUP pin)
    ("4.19", "eio_if_unmovable"): V,  # the driver page's isolation failure is ignored: 0
    ("4.19", "eio_if_vma_not_migratable"): V,  # test_walk skips the VMA: 0
    ("4.19", "eio_if_migration_fails"): H,  # nr_failed && STRICT -> -EIO
    ("4.19", "best_effort_unmovable"): H,  # the failure is ignored and the walk goes on
    (
        "4.19",
        "best_effort_vma",
    ): V,  # [V0][V1 not migratable][V2]: the skipped VMA breaks qp->prev contiguity, -EFAULT
    ("4.19", "best_effort_transient"): H,  # isolation failures are ignored, no early stop
    ("4.19", "no_leak"): H,  # a walk error puts the list back
    ("4.19", "exclusive_isolation"): H,  # every isolator test-and-clears PG_lru
    ("4.19", "nr_isolated_balanced"): H,  # every isolation is migrated or put back
    ("4.19", "no_eio_without_strict"): H,  # -EIO needs STRICT
    ("4.19", "hole_gives_efault"): V,  # a skipped VMA never runs the hole test: 0, policy set
    ("4.19", "hole_refused_under_move"): V,  # a tail hole is never seen: policy installed, 0
    ("4.19", "strict_alone_exact"): V,  # STRICT alone scans nothing: 0 (LTP mbind02 fails)
    ("4.19", "policy_applied_on_partial_failure"): H,  # -EIO comes after mbind_range()
    ("4.19", "success_means_placed"): V,  # a page in a skipped VMA stays misplaced, 0
    ("4.19", "shared_pages_skipped"): H,  # mapcount test before isolating, no -EIO from it
    ("4.19", "isolation_failure_reported"): V,  # isolate_lru_page() failures are ignored
    # ---------------------------------------------------------------- 5.2
    ("5.2", "no_false_eio"): V,  # a PMD migration entry (any migrator) fails the walk: -EIO
    ("5.2", "eio_if_unmovable"): V,  # the driver page's isolation failure is ignored: 0
    ("5.2", "eio_if_vma_not_migratable"): H,  # STRICT scans the VMA, `break` -> -EIO
    ("5.2", "eio_if_migration_fails"): H,  # nr_failed && STRICT -> -EIO
    ("5.2", "best_effort_unmovable"): H,  # the failure is ignored and the walk goes on
    ("5.2", "best_effort_vma"): V,  # the VMA aborts the walk, the list is put back
    (
        "5.2",
        "best_effort_transient",
    ): V,  # a PMD migration entry aborts the walk: later pages unmoved
    ("5.2", "no_leak"): H,  # a walk error puts the list back
    ("5.2", "exclusive_isolation"): H,  # every isolator test-and-clears PG_lru
    ("5.2", "nr_isolated_balanced"): H,  # every isolation is migrated or put back
    ("5.2", "no_eio_without_strict"): V,  # MOVE alone: a PMD migration entry -> -EIO
    ("5.2", "hole_gives_efault"): V,  # STRICT alone: a page before the hole aborts, -EIO
    ("5.2", "hole_refused_under_move"): V,  # a tail hole is never seen: policy installed
    ("5.2", "strict_alone_exact"): H,  # the first misplaced page breaks the walk: -EIO
    ("5.2", "policy_applied_on_partial_failure"): V,  # the VMA abort skips mbind_range()
    ("5.2", "success_means_placed"): V,  # a page reclaim holds is ignored: 0, misplaced
    ("5.2", "shared_pages_skipped"): V,  # a shared THP's PMD migration entry -> -EIO
    ("5.2", "isolation_failure_reported"): V,  # isolate_lru_page() failures are ignored
    # ---------------------------------------------------------------- v1
    ("v1", "no_false_eio"): V,  # a page reclaim holds is !PageLRU -> -EIO, walk aborted
    ("v1", "eio_if_unmovable"): H,  # the driver page is never on the LRU -> -EIO
    ("v1", "eio_if_vma_not_migratable"): H,  # as 5.2
    ("v1", "eio_if_migration_fails"): H,  # as 5.2
    ("v1", "best_effort_unmovable"): V,  # the driver page aborts the walk: nothing migrated
    ("v1", "best_effort_vma"): V,  # as 5.2
    ("v1", "best_effort_transient"): V,  # a held page aborts the walk
    ("v1", "no_leak"): H,  # the aborted walk's list is put back
    ("v1", "exclusive_isolation"): H,  # every isolator test-and-clears PG_lru
    ("v1", "nr_isolated_balanced"): H,  # the aborted walk's list is put back
    ("v1", "no_eio_without_strict"): V,  # the predicate has no STRICT test: MOVE -> -EIO
    ("v1", "hole_gives_efault"): V,  # as 5.2
    ("v1", "hole_refused_under_move"): V,  # as 5.2
    ("v1", "strict_alone_exact"): H,  # as 5.2 (the predicate only runs under MOVE)
    ("v1", "policy_applied_on_partial_failure"): V,  # the abort skips mbind_range()
    ("v1", "success_means_placed"): V,  # a compaction migration entry is skipped: 0
    ("v1", "shared_pages_skipped"): V,  # the predicate precedes the mapcount test
    (
        "v1",
        "isolation_failure_reported",
    ): V,  # reclaim isolates between the PG_lru test and isolate_lru_page()
    # ---------------------------------------------------------------- v2
    ("v2", "no_false_eio"): V,  # as v1: no mapped page is __PageMovable
    ("v2", "eio_if_unmovable"): H,  # as v1
    ("v2", "eio_if_vma_not_migratable"): H,  # as v1
    ("v2", "eio_if_migration_fails"): H,  # as v1
    ("v2", "best_effort_unmovable"): V,  # as v1
    ("v2", "best_effort_vma"): V,  # as v1
    ("v2", "best_effort_transient"): V,  # as v1
    ("v2", "no_leak"): H,  # as v1
    ("v2", "exclusive_isolation"): H,  # as v1
    ("v2", "nr_isolated_balanced"): H,  # as v1
    ("v2", "no_eio_without_strict"): V,  # as v1
    ("v2", "hole_gives_efault"): V,  # as v1
    ("v2", "hole_refused_under_move"): V,  # as v1
    ("v2", "strict_alone_exact"): H,  # as v1
    ("v2", "policy_applied_on_partial_failure"): V,  # as v1
    ("v2", "success_means_placed"): V,  # as v1
    ("v2", "shared_pages_skipped"): V,  # as v1
    ("v2", "isolation_failure_reported"): V,  # as v1: the pre-test race
    # ---------------------------------------------------------------- v3
    ("v3", "no_false_eio"): V,  # a held KSM page has neither mapping nor anon_vma -> -EIO
    ("v3", "eio_if_unmovable"): H,  # the packet-ring page has neither -> -EIO
    ("v3", "eio_if_vma_not_migratable"): H,  # as 5.2
    ("v3", "eio_if_migration_fails"): H,  # as 5.2
    ("v3", "best_effort_unmovable"): V,  # the driver page aborts the walk
    ("v3", "best_effort_vma"): V,  # as 5.2
    ("v3", "best_effort_transient"): V,  # a held KSM page aborts the walk
    ("v3", "no_leak"): H,  # the aborted walk's list is put back
    ("v3", "exclusive_isolation"): H,  # every isolator test-and-clears PG_lru
    ("v3", "nr_isolated_balanced"): H,  # the aborted walk's list is put back
    ("v3", "no_eio_without_strict"): V,  # no STRICT test: a driver page under MOVE -> -EIO
    ("v3", "hole_gives_efault"): V,  # as 5.2
    ("v3", "hole_refused_under_move"): V,  # as v1
    ("v3", "strict_alone_exact"): H,  # as 5.2
    ("v3", "policy_applied_on_partial_failure"): V,  # the abort skips mbind_range()
    ("v3", "success_means_placed"): V,  # a held anon page fails isolation silently: 0
    ("v3", "shared_pages_skipped"): V,  # the predicate precedes the mapcount test
    ("v3", "isolation_failure_reported"): V,  # a held anon page passes the predicate unseen
    # ---------------------------------------------------------------- v2-posted
    ("v2-posted", "no_false_eio"): V,  # !PageLRU && STRICT on a held page -> -EIO
    ("v2-posted", "eio_if_unmovable"): H,  # the driver page is !PageLRU -> -EIO
    ("v2-posted", "eio_if_vma_not_migratable"): H,  # has_unmovable -> 1 -> -EIO
    ("v2-posted", "eio_if_migration_fails"): H,  # nr_failed && STRICT -> -EIO
    ("v2-posted", "best_effort_unmovable"): V,  # pte_range returns 1: the walk stops
    ("v2-posted", "best_effort_vma"): V,  # the VMA's break returns 1: the walk stops
    ("v2-posted", "best_effort_transient"): V,  # a held page returns 1: the walk stops
    ("v2-posted", "no_leak"): V,  # a hole after isolating: ret < 0 skips the putback
    ("v2-posted", "exclusive_isolation"): H,  # every isolator test-and-clears PG_lru
    ("v2-posted", "nr_isolated_balanced"): V,  # the leaked pages stay counted
    ("v2-posted", "no_eio_without_strict"): V,  # a hole's -EFAULT becomes -EIO
    ("v2-posted", "hole_gives_efault"): V,  # -EFAULT becomes -EIO
    ("v2-posted", "hole_refused_under_move"): V,  # -EFAULT becomes -EIO
    ("v2-posted", "strict_alone_exact"): H,  # as 5.2
    ("v2-posted", "policy_applied_on_partial_failure"): H,  # ret == 1 applies the policy
    ("v2-posted", "success_means_placed"): V,  # a compaction migration entry is skipped: 0
    ("v2-posted", "shared_pages_skipped"): V,  # !PageLRU && STRICT precedes the mapcount test
    ("v2-posted", "isolation_failure_reported"): V,  # the pre-test race, as v1
    # ---------------------------------------------------------------- 5.3
    ("5.3", "no_false_eio"): V,  # isolate_lru_page() fails on a held page -> -EIO
    ("5.3", "eio_if_unmovable"): H,  # the driver page cannot be isolated -> -EIO
    ("5.3", "eio_if_vma_not_migratable"): H,  # has_unmovable -> 1 -> -EIO
    ("5.3", "eio_if_migration_fails"): H,  # nr_failed && STRICT -> -EIO
    ("5.3", "best_effort_unmovable"): V,  # pte_range returns 1: later page tables unseen
    ("5.3", "best_effort_vma"): V,  # the VMA's break returns 1: the walk stops
    ("5.3", "best_effort_transient"): V,  # a held page returns 1: the walk stops
    ("5.3", "no_leak"): V,  # the 5.3.0 leak: ret < 0 skips the putback
    ("5.3", "exclusive_isolation"): H,  # every isolator test-and-clears PG_lru
    ("5.3", "nr_isolated_balanced"): V,  # the leaked pages stay counted
    ("5.3", "no_eio_without_strict"): V,  # the 5.3.0 errno bug: -EFAULT becomes -EIO
    ("5.3", "hole_gives_efault"): V,  # -EFAULT becomes -EIO
    ("5.3", "hole_refused_under_move"): V,  # -EFAULT becomes -EIO
    ("5.3", "strict_alone_exact"): H,  # as 5.2
    ("5.3", "policy_applied_on_partial_failure"): H,  # ret == 1 applies the policy
    ("5.3", "success_means_placed"): V,  # a compaction migration entry is skipped: 0
    ("5.3", "shared_pages_skipped"): V,  # a shared THP's PMD migration entry -> -EIO
    ("5.3", "isolation_failure_reported"): H,  # failed isolation && STRICT -> -EIO
    # ---------------------------------------------------------------- 5.4
    ("5.4", "no_false_eio"): V,  # as 5.3
    ("5.4", "eio_if_unmovable"): H,  # as 5.3
    ("5.4", "eio_if_vma_not_migratable"): H,  # as 5.3
    ("5.4", "eio_if_migration_fails"): H,  # as 5.3
    ("5.4", "best_effort_unmovable"): V,  # as 5.3
    ("5.4", "best_effort_vma"): V,  # as 5.3
    ("5.4", "best_effort_transient"): V,  # as 5.3
    ("5.4", "no_leak"): H,  # the error path puts the list back
    ("5.4", "exclusive_isolation"): H,  # as 5.3
    ("5.4", "nr_isolated_balanced"): H,  # the error path puts the list back
    ("5.4", "no_eio_without_strict"): V,  # MOVE alone: a PMD migration entry -> -EIO
    ("5.4", "hole_gives_efault"): V,  # STRICT alone: a page before the hole -> -EIO first
    (
        "5.4",
        "hole_refused_under_move",
    ): V,  # an unmovable page stops the walk before a later hole: 1
    ("5.4", "strict_alone_exact"): H,  # as 5.3
    ("5.4", "policy_applied_on_partial_failure"): H,  # as 5.3
    ("5.4", "success_means_placed"): V,  # as 5.3
    ("5.4", "shared_pages_skipped"): V,  # as 5.3
    ("5.4", "isolation_failure_reported"): H,  # as 5.3
    # ---------------------------------------------------------------- 5.15
    ("5.15", "no_false_eio"): V,  # isolate_lru_page() fails on a held page -> -EIO
    ("5.15", "eio_if_unmovable"): H,  # as 5.4
    ("5.15", "eio_if_vma_not_migratable"): H,  # as 5.4
    ("5.15", "eio_if_migration_fails"): H,  # as 5.4
    ("5.15", "best_effort_unmovable"): V,  # the early stop is still there (5.15.215)
    ("5.15", "best_effort_vma"): V,  # the early stop
    ("5.15", "best_effort_transient"): V,  # the early stop
    ("5.15", "no_leak"): H,  # as 5.4
    ("5.15", "exclusive_isolation"): H,  # as 5.4
    ("5.15", "nr_isolated_balanced"): H,  # as 5.4
    ("5.15", "no_eio_without_strict"): V,  # MOVE alone: a PMD migration entry -> -EIO
    ("5.15", "hole_gives_efault"): V,  # STRICT alone: a page before a tail hole -> -EIO first
    ("5.15", "hole_refused_under_move"): V,  # the early stop before a later hole: policy, -EIO
    ("5.15", "strict_alone_exact"): H,  # as 5.4
    ("5.15", "policy_applied_on_partial_failure"): H,  # as 5.4
    ("5.15", "success_means_placed"): V,  # a compaction migration entry is skipped: 0
    ("5.15", "shared_pages_skipped"): V,  # as 5.3
    ("5.15", "isolation_failure_reported"): H,  # as 5.4
    # ---------------------------------------------------------------- 6.6
    ("6.6", "no_false_eio"): V,  # a held page still sets has_unmovable -> -EIO
    ("6.6", "eio_if_unmovable"): H,  # has_unmovable -> -EIO
    ("6.6", "eio_if_vma_not_migratable"): H,  # has_unmovable -> -EIO
    ("6.6", "eio_if_migration_fails"): H,  # nr_failed && STRICT -> -EIO
    ("6.6", "best_effort_unmovable"): H,  # the walk keeps going past the driver page
    ("6.6", "best_effort_vma"): H,  # the walk keeps going past the VMA
    ("6.6", "best_effort_transient"): V,  # a PMD migration entry still fails the walk (-EIO)
    ("6.6", "no_leak"): H,  # the error path puts the list back
    ("6.6", "exclusive_isolation"): H,  # every isolator test-and-clears PG_lru
    ("6.6", "nr_isolated_balanced"): H,  # every isolation is migrated or put back
    ("6.6", "no_eio_without_strict"): V,  # MOVE alone: a PMD migration entry -> -EIO
    ("6.6", "hole_gives_efault"): V,  # STRICT alone: a page before a tail hole -> -EIO first
    (
        "6.6",
        "hole_refused_under_move",
    ): V,  # has_unmovable overrides a later hole's -EFAULT: policy, -EIO
    ("6.6", "strict_alone_exact"): H,  # as 5.2
    ("6.6", "policy_applied_on_partial_failure"): H,  # ret == 1 applies the policy
    ("6.6", "success_means_placed"): V,  # a compaction migration entry is skipped: 0
    ("6.6", "shared_pages_skipped"): V,  # as 5.3
    ("6.6", "isolation_failure_reported"): H,  # failed isolation && STRICT -> has_unmovable
    # ---------------------------------------------------------------- 6.6.66
    ("6.6.66", "no_false_eio"): V,  # a held page's isolation failure counts -> -EIO
    ("6.6.66", "eio_if_unmovable"): H,  # the driver page counts in nr_failed -> -EIO
    ("6.6.66", "eio_if_vma_not_migratable"): H,  # the VMA's candidate counts -> -EIO
    ("6.6.66", "eio_if_migration_fails"): H,  # migrate_pages() failures count -> -EIO
    ("6.6.66", "best_effort_unmovable"): H,  # the walk keeps going
    ("6.6.66", "best_effort_vma"): H,  # the walk keeps going
    (
        "6.6.66",
        "best_effort_transient",
    ): H,  # the walk keeps going; a PMD migration entry only counts
    ("6.6.66", "no_leak"): H,  # leftovers are put back
    ("6.6.66", "exclusive_isolation"): H,  # every isolator test-and-clears PG_lru
    ("6.6.66", "nr_isolated_balanced"): H,  # every isolation is migrated or put back
    ("6.6.66", "no_eio_without_strict"): H,  # nr_failed only matters with STRICT
    ("6.6.66", "hole_gives_efault"): V,  # STRICT alone: a page before a tail hole -> -EIO first
    ("6.6.66", "hole_refused_under_move"): H,  # `return err ? : qp.nr_failed;` keeps -EFAULT
    ("6.6.66", "strict_alone_exact"): H,  # strictly unmovable breaks with -EIO
    ("6.6.66", "policy_applied_on_partial_failure"): H,  # nr_failed >= 0 applies it
    ("6.6.66", "success_means_placed"): H,  # every failure, entries included, counts
    ("6.6.66", "shared_pages_skipped"): V,  # a shared page's migration entry counts
    ("6.6.66", "isolation_failure_reported"): H,  # every failed isolation counts
    # ---------------------------------------------------------------- mainline
    ("mainline", "no_false_eio"): V,  # a held page's isolation failure counts -> -EIO
    ("mainline", "eio_if_unmovable"): H,  # the driver page counts in nr_failed -> -EIO
    ("mainline", "eio_if_vma_not_migratable"): H,  # the VMA's candidate counts -> -EIO
    ("mainline", "eio_if_migration_fails"): H,  # migrate_pages() failures count -> -EIO
    ("mainline", "best_effort_unmovable"): H,  # the walk keeps going
    ("mainline", "best_effort_vma"): H,  # the walk keeps going
    ("mainline", "best_effort_transient"): H,  # the walk keeps going
    ("mainline", "no_leak"): H,  # leftovers are put back; freed-under-us pages released
    ("mainline", "exclusive_isolation"): H,  # every isolator test-and-clears PG_lru
    ("mainline", "nr_isolated_balanced"): H,  # every isolation is migrated or put back
    ("mainline", "no_eio_without_strict"): H,  # nr_failed only matters with STRICT
    ("mainline", "hole_gives_efault"): V,  # STRICT alone: a page before a tail hole -> -EIO first
    ("mainline", "hole_refused_under_move"): H,  # as 6.6.66
    ("mainline", "strict_alone_exact"): H,  # strictly unmovable breaks with -EIO
    ("mainline", "policy_applied_on_partial_failure"): H,  # nr_failed >= 0 applies it
    ("mainline", "success_means_placed"): H,  # every failure, entries included, counts
    ("mainline", "shared_pages_skipped"): V,  # a shared page's migration entry counts
    ("mainline", "isolation_failure_reported"): H,  # every failed isolation counts
    # ---------------------------------------------------------------- michal
    ("michal", "no_false_eio"): V,  # a compaction migration entry still counts -> -EIO
    ("michal", "eio_if_unmovable"): V,  # the driver page never reaches migrate_pages(): 0
    ("michal", "eio_if_vma_not_migratable"): H,  # the VMA's candidate counts
    ("michal", "eio_if_migration_fails"): H,  # migrate_pages() failures count
    ("michal", "best_effort_unmovable"): H,  # as mainline
    ("michal", "best_effort_vma"): H,  # as mainline
    ("michal", "best_effort_transient"): H,  # as mainline
    ("michal", "no_leak"): H,  # as mainline
    ("michal", "exclusive_isolation"): H,  # as mainline
    ("michal", "nr_isolated_balanced"): H,  # as mainline
    ("michal", "no_eio_without_strict"): H,  # as mainline
    ("michal", "hole_gives_efault"): V,  # as mainline
    ("michal", "hole_refused_under_move"): H,  # as mainline
    ("michal", "strict_alone_exact"): H,  # as mainline
    ("michal", "policy_applied_on_partial_failure"): H,  # as mainline
    ("michal", "success_means_placed"): V,  # a held page is neither migrated nor counted: 0
    ("michal", "shared_pages_skipped"): V,  # as mainline: a shared page's entry counts
    ("michal", "isolation_failure_reported"): V,  # isolation failures are not counted
    # ---------------------------------------------------------------- retry
    ("retry", "no_false_eio"): V,  # reclaim holds the page past the last retry -> -EIO
    ("retry", "eio_if_unmovable"): H,  # the driver page fails every retry -> -EIO
    ("retry", "eio_if_vma_not_migratable"): H,  # as mainline
    ("retry", "eio_if_migration_fails"): H,  # as mainline
    ("retry", "best_effort_unmovable"): H,  # as mainline
    ("retry", "best_effort_vma"): H,  # as mainline
    ("retry", "best_effort_transient"): H,  # as mainline; a released page migrates late
    ("retry", "no_leak"): H,  # as mainline
    ("retry", "exclusive_isolation"): H,  # the retry test-and-clears PG_lru too
    ("retry", "nr_isolated_balanced"): H,  # as mainline
    ("retry", "no_eio_without_strict"): H,  # as mainline
    ("retry", "hole_gives_efault"): V,  # as mainline
    ("retry", "hole_refused_under_move"): H,  # as mainline
    ("retry", "strict_alone_exact"): H,  # as mainline
    ("retry", "policy_applied_on_partial_failure"): H,  # as mainline
    ("retry", "success_means_placed"): H,  # a page still held after the retries counts
    ("retry", "shared_pages_skipped"): H,  # a shared page behind an entry is dropped
    ("retry", "isolation_failure_reported"): H,  # a failure either clears or counts
}

# Cells exploring more than ~20k states (a second or more each).
SLOW_CLAIMS = frozenset(
    {
        "no_false_eio",
        "no_eio_without_strict",
        "hole_gives_efault",
        "no_leak",
        "exclusive_isolation",
        "nr_isolated_balanced",
        "policy_applied_on_partial_failure",
        "success_means_placed",
        "shared_pages_skipped",
        "isolation_failure_reported",
    }
)


def _cells() -> list[object]:
    return [
        pytest.param(v, c, id=f"{v}-{c}", marks=[pytest.mark.slow] if c in SLOW_CLAIMS else [])
        for (v, c) in EXPECTED
    ]


def test_every_cell_is_pinned(loaded: LoadResult) -> None:
    spec = loaded.spec
    assert spec is not None
    named = [v for v in spec.variants if v != "base"]
    assert set(EXPECTED) == {(v, c.name) for v in named for c in spec.claims}


@pytest.mark.parametrize(("variant", "claim"), _cells())
def test_pinned_verdict(loaded: LoadResult, variant: str, claim: str) -> None:
    spec = loaded.spec
    assert spec is not None
    result = ExplicitEngine().check(
        spec.model(variant), spec.claim(claim), Budget(max_states=1_000_000)
    )
    assert (result.verdict, result.reason) == (EXPECTED[(variant, claim)], result.reason)
    if result.verdict is Verdict.VIOLATED:
        assert result.trace is not None and result.trace.steps
    else:
        assert all(result.witnesses), "a claim that holds has every witness reached"
