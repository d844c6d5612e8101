"""Shared CLI plumbing: which variants run by default."""

from __future__ import annotations

from mbind_formal.cli.common import default_variants
from mbind_formal.lower.spec import load_text

MODEL = """
var x: 0..2 = 0;
actor a { s: x = 1; done; }
claim c { always x <= 1; reachable x == 1; }
"""


def _variants(extra: str) -> list[str]:
    loaded = load_text(MODEL + extra, "m.mbf")
    assert loaded.spec is not None, loaded.diagnostics
    return default_variants(loaded.spec)


def test_a_variant_that_only_renames_the_base_replaces_it() -> None:
    assert _variants('variant "4.19" { } variant "5.2" extends "4.19" { var y: bool; }') == [
        "4.19",
        "5.2",
    ]


def test_base_stays_when_no_variant_is_an_alias() -> None:
    assert _variants("variant fixed { var y: bool; }") == ["base", "fixed"]
    assert _variants("") == ["base"]
