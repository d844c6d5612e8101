"""The emitter: golden modules, determinism, layout, symmetry and the merged ifs.

Golden files live in tests/golden/tla/ (`make golden` rewrites them; review the diff).
"""

from __future__ import annotations

import re
from pathlib import Path

from tla_helpers import GOLDEN, GOLDEN_SPEC, load, relative
from update import tla_goldens

from mbind_formal.ir.model import Claim, Model
from mbind_formal.lower.spec import load_text
from mbind_formal.tla.emit import emit, emit_cell


def _race() -> tuple[Model, tuple[Claim, ...]]:
    spec = load(GOLDEN_SPEC)
    return spec.model("base"), spec.claims


def test_golden_files_are_current() -> None:
    for path, text in tla_goldens().items():
        assert path.exists(), f"missing golden {path.name}: run `make golden`"
        assert path.read_text(encoding="utf-8") == text, f"{path.name} changed: `make golden`"


def test_no_stale_golden_files() -> None:
    produced = {p.name for p in tla_goldens()}
    on_disk = {p.name for p in GOLDEN.iterdir() if p.suffix in (".tla", ".cfg")}
    assert on_disk == produced


def test_emission_is_pure_and_has_no_timestamps() -> None:
    model, claims = _race()
    a = emit(model, claims, spec_path=relative(GOLDEN_SPEC))
    b = emit(model, claims, spec_path=relative(GOLDEN_SPEC))
    assert a == b
    assert not re.search(r"\b20\d\d-\d\d-\d\d\b|\d\d:\d\d:\d\d", a.tla_text)


def test_module_reads_in_order() -> None:
    """Header, EXTENDS, CONSTANTS, VARIABLES, TypeOK first, Init, actions, Next, claims."""
    model, claims = _race()
    text = emit(model, claims, spec_path="race.mbf").tla_text
    lines = text.splitlines()
    assert lines[0].startswith("----") and " MODULE race_base " in lines[0]
    assert lines[-1].startswith("====")
    assert 'variant "base"' in text
    # The header repeats the spec's own leading comment and names no reference of its own.
    assert "\\*   Golden model for the TLA+ emitter" in text
    assert "kernel" not in text.lower() and "SEMANTICS" not in text
    order = [
        "EXTENDS Integers, FiniteSets, TLC",
        "CONSTANTS Page, NoPage",
        "VARIABLES",
        "TypeOK ==",
        "Init ==",
        "mbind_take ==",
        "reclaim_isolate(self) ==",
        "Terminating == AllDone /\\ UNCHANGED vars",
        "Next ==",
        "Spec == Init /\\ [][Next]_vars",
        "exclusive ==",
        "Symmetry == Permutations(Page)",
    ]
    positions = [text.index(s) for s in order]
    assert positions == sorted(positions)
    assert "balanced == AllDone => nr_isolated = 0" in text  # a final claim
    assert "exclusive_unreached == ~exclusive_reachable" in text  # a witness, negated


def test_cfg_per_claim_and_witness() -> None:
    model, claims = _race()
    module = emit(model, claims, spec_path="race.mbf", witnesses=True)
    names = [c.name for c in module.cfgs]
    assert names == [
        "race_base_exclusive",
        "race_base_exclusive_reachable1",
        "race_base_balanced",
        "race_base_balanced_reachable1",
        "race_base_strict_reported",
        "race_base_strict_reported_reachable1",
        "race_base_strict_reported_reachable2",
    ]
    cfg = {c.name: c.text for c in module.cfgs}
    assert "SPECIFICATION Spec\n" in cfg["race_base_exclusive"]
    assert "SPECIFICATION Spec_balanced\n" in cfg["race_base_balanced"]
    assert "Page = {Page_0, Page_1}" in cfg["race_base_exclusive"]
    assert "INVARIANTS\n    TypeOK\n    exclusive\n" in cfg["race_base_exclusive"]
    assert "    strict_reported_unreached_2\n" in cfg["race_base_strict_reported_reachable2"]
    assert "SYMMETRY Symmetry" in cfg["race_base_exclusive"]
    no_sym = emit_cell(model, claims[0], spec_path="race.mbf", symmetry=False)
    assert "SYMMETRY" not in no_sym.cfg_text


def test_a_claim_that_orders_elements_keeps_the_collection_ordered() -> None:
    """Symmetry is per claim (ir.symmetry): ordering pages in a claim breaks it, so that
    cell represents pages as integers and its .cfg has no SYMMETRY."""
    text = GOLDEN_SPEC.read_text(encoding="utf-8") + (
        "\nclaim first_page {\n  always forall p in Page: forall q in Page:\n"
        "    p < q => !(q.owner == MBIND && p.owner == RECLAIM);\n"
        "  reachable exists p in Page: p.owner == RECLAIM;\n}\n"
    )
    result = load_text(text, filename="race.mbf")
    assert result.spec is not None, [d.message for d in result.diagnostics]
    spec = result.spec
    cell = emit_cell(spec.model("base"), spec.claim("first_page"), spec_path="race.mbf")
    assert "CONSTANTS Page" not in cell.tla_text and "Page == 0..1" in cell.tla_text
    assert "SYMMETRY" not in cell.cfg_text
    other = emit_cell(spec.model("base"), spec.claim("exclusive"), spec_path="race.mbf")
    assert "SYMMETRY Symmetry" in other.cfg_text
    whole = emit(spec.model("base"), spec.claims, spec_path="race.mbf")
    assert all("SYMMETRY" not in c.text for c in whole.cfgs)  # one module, every claim


def test_straight_line_ifs_merge_instead_of_copying_the_step() -> None:
    """`isolate(p, ...)` then `if (!ok) ...`: the rest of the step is written once."""
    model, claims = _race()
    text = emit(model, claims, spec_path="race.mbf").tla_text
    take = text.split("mbind_take ==", 1)[1].split("\n\n", 1)[0]
    assert take.count('mbind_pc\' = "put"') == 1
    assert "LET cond_1 == lru[p]" in take
    assert "[lru EXCEPT ![p] = IF cond_1 THEN FALSE ELSE @]" in take
    # a definition read after the step wrote what it reads is inlined, on the new values
    assert "(~lru'[p] /\\ owner'[p] # \"NONE\")" in take
    # a store that may leave its range is a guard, as the semantics disables the path
    assert "cond_1 => (nr_isolated + 1 \\in 0..2)" in take


def test_symmetry_left_out_when_tlc_cannot_enumerate_it() -> None:
    """TLC builds all |Page|! permutations: 7! = 5040 is the most the .cfg asks for."""
    for pages, wanted in ((7, True), (8, False)):
        spec = load(GOLDEN_SPEC, {"pages": pages})
        cfg = emit_cell(spec.model("base"), spec.claim("exclusive"), spec_path="r").cfg_text
        assert ("SYMMETRY Symmetry" in cfg) is wanted
        assert ("No SYMMETRY: 40320 permutations" in cfg) is not wanted


def test_source_locations_name_the_included_file(tmp_path: Path) -> None:
    """A step defined in an included file is cited at that file and line, named from the
    spec's directory as the header names the spec."""
    from mbind_formal.lower.spec import load_spec

    (tmp_path / "parts").mkdir()
    (tmp_path / "parts" / "actor.mbf").write_text(
        "actor a {\n  s:\n    x = 1;\n}\n", encoding="utf-8"
    )
    root = tmp_path / "top.mbf"
    root.write_text(
        'var x: 0..1 = 0;\ninclude "parts/actor.mbf";\nclaim c { always x <= 1; }\n',
        encoding="utf-8",
    )
    result = load_spec(str(root), {})
    assert result.spec is not None, result.diagnostics
    text = emit(result.spec.model("base"), result.spec.claims, spec_path="m/top.mbf").tla_text
    assert "\\* a.s (m/parts/actor.mbf:2)" in text
    assert "(m/top.mbf:3)" in text  # the claim, in the spec itself


def test_header_repeats_the_leading_comment_only() -> None:
    """A spec names its own references in its leading comment; the emitter adds none."""
    body = "collection P[1] { var x: bool = false; }\nactor a { s: P[0].x = true; done; }\n"
    for text, shown in [
        (
            "/* A spec about X.\n * Reference: docs/x.md\n */\n" + body,
            ["A spec about X.", "Reference: docs/x.md"],
        ),
        ("// line one\n//\n// line two\n" + body, ["line one", "line two"]),
        (body, []),
    ]:
        result = load_text(text, "doc.mbf")
        assert result.spec is not None, [d.message for d in result.diagnostics]
        tla = emit(result.spec.model("base"), (), spec_path="doc.mbf").tla_text
        header = [ln[len("\\*   ") :] for ln in tla.splitlines() if ln.startswith("\\*   ")]
        assert header == shown
        assert ("leading comment" in tla) == bool(shown)
