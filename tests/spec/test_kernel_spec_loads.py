"""The bundled kernel model loads cleanly and has the variants, claims and scenarios the
README promises (names are part of the interface: `--variant 5.3 --claim no_false_eio`).

Input: spec/mbind.mbf through `lower.spec.load_spec`. Output: pass or the mismatch.
"""

from __future__ import annotations

from dataclasses import replace

from kernel_spec import SPEC

from mbind_formal.ir.model import Model, Spec
from mbind_formal.lower.spec import LoadResult, load_spec
from mbind_formal.semantics.relation import Semantics

VARIANTS = (
    "4.19", "5.2", "v1", "v2", "v3", "v2-posted", "5.3", "5.4", "5.15", "6.6", "6.6.66",
    "mainline", "michal", "retry",
)  # fmt: skip
CLAIMS = (
    "no_false_eio", "eio_if_unmovable", "eio_if_vma_not_migratable", "eio_if_migration_fails",
    "best_effort_unmovable", "best_effort_vma", "best_effort_transient", "no_leak",
    "exclusive_isolation", "nr_isolated_balanced", "no_eio_without_strict", "hole_gives_efault",
    "hole_refused_under_move", "strict_alone_exact", "policy_applied_on_partial_failure",
    "success_means_placed", "shared_pages_skipped", "isolation_failure_reported",
)  # fmt: skip


def _spec(loaded: LoadResult) -> Spec:
    assert loaded.spec is not None, [str(d) for d in loaded.diagnostics]
    return loaded.spec


def test_loads_without_any_diagnostic(loaded: LoadResult) -> None:
    assert [f"{d.code} {d.span}: {d.message}" for d in loaded.diagnostics] == []
    assert loaded.spec is not None


def test_variants_claims_and_scenarios(loaded: LoadResult) -> None:
    spec = _spec(loaded)
    assert spec.variants == ("base", *VARIANTS)
    assert tuple(c.name for c in spec.claims) == CLAIMS
    names = [s.name for s in spec.scenarios]
    assert names == [f"mbind01_{i:02d}" for i in range(1, 14)] + ["mbind02", "mbind03", "mbind04"]


def test_every_claim_has_a_witness_and_an_assume(loaded: LoadResult) -> None:
    for claim in _spec(loaded).claims:
        assert claim.witnesses, claim.name
        assert claim.assume is not None, claim.name


def _anonymous(m: Model) -> Model:
    return replace(m, variant="", extends=None, overrides=())


def test_base_is_4_19(loaded: LoadResult) -> None:
    # The base model is 4.19.0 itself; the "4.19" variant only gives it its name.
    spec = _spec(loaded)
    assert _anonymous(spec.model("base")) == _anonymous(spec.model("4.19"))


def test_variants_replace_what_their_kernel_changed(loaded: LoadResult) -> None:
    spec = _spec(loaded)
    assert spec.model("v2").overrides == ("yang_unmovable",)
    assert spec.model("v3").overrides == ("yang_unmovable",)
    assert spec.model("5.4").overrides == ("after_walk",)
    assert spec.model("mainline").overrides == ("after_walk",)  # 6.6.66 + the early unlock
    # v1: the predicate, and the PG_lru test and the isolation as two walk steps
    assert set(spec.model("v1").overrides) == {
        "migrate_page_add",
        "mbind.walk",
        "walking",
        "toctou_window",
    }
    # 5.15 = 5.4 + the 5.5 hole test (and no head test in mbind_range) + lru_cache_disable
    assert set(spec.model("5.15").overrides) == {
        "test_walk",
        "mbind_range_efault",
        "lru_cache_disabled_by_mbind",
    }
    # Each variant differs from the one it extends.
    for name in VARIANTS[1:]:
        m = spec.model(name)
        assert m.extends is not None
        assert _anonymous(m) != _anonymous(spec.model(m.extends)), name


def test_default_world_covers_every_layout(loaded: LoadResult) -> None:
    # The layout is data: one to three VMAs in address order, a hole at the head, in the
    # middle or at the tail, a VMA spanning both page tables, two VMAs in one table.
    spec = _spec(loaded)
    sem = Semantics(spec.model("mainline"))
    index = {s.name: i for i, s in enumerate(sem.layout.slots)}
    states = list(sem.initial_states(spec.claim("hole_gives_efault").assume))
    assert states

    Layout = tuple[tuple[object, ...], tuple[bool, ...], bool]

    def layout(s: tuple[object, ...]) -> Layout:
        vmas = tuple(s[index[f"Page[{k}].vma"]] for k in range(3))
        gaps = tuple(bool(s[index[f"Vma[{v}].hole_before"]]) for v in range(3))
        return vmas, gaps, bool(s[index["tail_hole"]])

    seen = {layout(s) for s in states}
    assert {v for v, _, _ in seen} == {(0, 0, 0), (0, 0, 1), (0, 1, 1), (0, 1, 2)}
    assert any(g[0] for _, g, _ in seen)  # head hole
    assert any(g[1] or g[2] for _, g, _ in seen)  # middle hole
    assert any(t for _, _, t in seen)  # tail hole
    assert ((0, 1, 2), (False, False, True), False) in seen  # [V0][V1] hole [V2]
    pts = tuple(s[index[f"Page[{k}].pt"]] for k in range(3) for s in states[:1])
    assert pts == (0, 1, 1)  # Page[0] alone in table 0: VMA 0 of (0, 0, x) spans both


def test_pages_parameter_scales_the_world() -> None:
    bigger = load_spec(SPEC, {"pages": 4})
    assert bigger.spec is not None, [str(d) for d in bigger.diagnostics]
    assert bigger.spec.model("mainline").collection("Page").size == 4
