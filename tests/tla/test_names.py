"""Identifiers: sanitised against TLA+ reserved words and never declared twice."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from tla_helpers import load

from mbind_formal.tla.emit import emit
from mbind_formal.tla.names import RESERVED, Namer, Scope, sanitize

CLASH = Path(__file__).resolve().parent / "clash.mbf"


def declared(tla: str) -> list[str]:
    """Every identifier the module declares: operators, variables, constants."""
    ops = re.findall(r"^([A-Za-z_][A-Za-z0-9_]*)(?:\([^)]*\))? ==", tla, flags=re.M)
    block = tla.split("\nVARIABLES\n", 1)[1].split("\n\n", 1)[0]
    variables = re.findall(r"^\s+([A-Za-z_][A-Za-z0-9_]*)", block, flags=re.M)
    constants = re.findall(r"^CONSTANTS (.*)$", tla, flags=re.M)
    consts = [c.strip() for line in constants for c in line.split(",")]
    return ops + variables + consts


@pytest.mark.parametrize(
    ("name", "want"),
    [("lru", "lru"), ("5.3", "v5_3"), ("v2-posted", "v2_posted"), ("WF_x", "vWF_x"), ("", "x")],
)
def test_sanitize_makes_identifiers(name: str, want: str) -> None:
    assert sanitize(name) == want


def test_namer_avoids_reserved_words_and_taken_names() -> None:
    namer = Namer(("self",))
    assert namer.fresh("Init") == "Init"
    assert namer.fresh("Init") == "Init_1"
    assert namer.fresh("ELSE") == "ELSE_1"
    assert namer.fresh("Nat") == "Nat_1"  # an operator of the standard modules
    assert namer.fresh("SYMMETRY") == "SYMMETRY_1"  # a .cfg keyword
    assert namer.fresh("self") == "self_1"


def test_scope_binds_fresh_names_and_aliases() -> None:
    scope = Scope(frozenset({"p", "lru"}))
    p1, inner = scope.bind("p")
    assert p1 == "p_1"
    p2, innermost = inner.bind("p")  # SANY rejects shadowing, so nested binders differ
    assert p2 == "p_2"
    assert innermost.lookup("p") == "p_2" and inner.lookup("p") == "p_1"
    assert inner.alias("q", "(x + 1)").lookup("q") == "(x + 1)"
    with pytest.raises(KeyError):
        scope.lookup("p")


def test_clashing_model_declares_each_identifier_once() -> None:
    spec = load(CLASH)
    module = emit(spec.models[0], spec.claims, spec_path="tests/tla/clash.mbf")
    names = declared(module.tla_text)
    assert len(names) == len(set(names)), sorted(n for n in names if names.count(n) > 1)
    assert not set(names) & RESERVED
    # the emitter's own operators keep their canonical names; the model's move aside
    for fixed in ("Init", "Next", "vars", "TypeOK", "Spec", "AllDone"):
        assert fixed in names
    assert {"Next_1", "vars_1", "Init_1", "Nat_1", "BOOLEAN_1", "TypeOK_1", "Spec_1"} <= set(names)
    assert "SUBSET_pc" in names and "SUBSET_pc_1" in names  # a global vs an actor's pc
