"""TLC on the bundled spec (spec/mbind.mbf at its default size) agrees with the explicit
engine, cell by cell.

Each TLC cell takes a few seconds (one JVM per run: the invariant, then the witnesses),
so the default run checks one representative cell, `slow` adds one per variant family,
and `MBIND_TLC_FULL=1` checks every (variant, claim) of the matrix (about 221 cells:
roughly half an hour on two cores). Comparison rules: `test_tlc_engine.agree`.
"""

from __future__ import annotations

import os

import pytest
from test_tlc_engine import agree
from tla_helpers import BUNDLED_SPEC, load

from mbind_formal.cli.common import default_variants
from mbind_formal.engines.base import Verdict

pytestmark = pytest.mark.tlc

# The 5.3 page leak (violated); then cells that hold with their witnesses reached.
DEFAULT = [("5.3", "no_leak")]
MORE = [
    ("4.19", "best_effort_unmovable"),
    ("v1", "strict_alone_exact"),
    ("6.6", "no_leak"),
    ("mainline", "eio_if_unmovable"),
]


def _cells() -> list[tuple[str, str]]:
    if not os.environ.get("MBIND_TLC_FULL"):
        return []
    spec = load(BUNDLED_SPEC)
    return [(v, c.name) for v in default_variants(spec) for c in spec.claims]


def _check(variant: str, claim: str) -> None:
    spec = load(BUNDLED_SPEC)
    result = agree(spec.model(variant), spec.claim(claim), symmetry=True)
    assert result.verdict is not Verdict.UNKNOWN, result.reason


@pytest.mark.parametrize(("variant", "claim"), DEFAULT)
def test_representative_cells(variant: str, claim: str) -> None:
    _check(variant, claim)


@pytest.mark.slow
@pytest.mark.nightly  # the representative cells above stay in `make test`
@pytest.mark.parametrize(("variant", "claim"), MORE)
def test_more_cells(variant: str, claim: str) -> None:
    _check(variant, claim)


@pytest.mark.slow
@pytest.mark.parametrize(("variant", "claim"), _cells())
def test_full_matrix(variant: str, claim: str) -> None:
    _check(variant, claim)
