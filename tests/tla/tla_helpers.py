"""Shared helpers of the TLA+/TLC tests: loading specs, and the TLC availability rule.

Tests that run the real TLC call `need_tlc()` and carry `@pytest.mark.tlc`: without java
or the jar they are skipped locally, but they FAIL when the environment variable `CI` is
set, so CI can never silently skip them.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mbind_formal.diagnostics import Diagnostic
from mbind_formal.ir.model import ParamValue, Spec
from mbind_formal.lower.spec import load_spec
from mbind_formal.tlc.run import TlcSetup, find_tlc

REPO = Path(__file__).resolve().parents[2]
GOLDEN = REPO / "tests" / "golden" / "tla"
GOLDEN_SPEC = GOLDEN / "race.mbf"
BUNDLED_SPEC = REPO / "spec" / "mbind.mbf"
GENERATED = REPO / "generated"


def need_tlc() -> TlcSetup:
    """TLC's java and jar; skip without them (fail instead under CI)."""
    setup = find_tlc()
    if isinstance(setup, Diagnostic):
        why = f"TLC is not available: {setup.message} ({setup.hint})"
        if os.environ.get("CI"):
            pytest.fail(f"{why}; CI must run the TLC tests")
        pytest.skip(why)
    return setup


def load(path: Path, params: dict[str, ParamValue] | None = None) -> Spec:
    """A spec file as an IR `Spec` (the test fails on diagnostics)."""
    result = load_spec(str(path), params or {}, allow_outside=True)
    assert result.spec is not None, [d.message for d in result.diagnostics]
    return result.spec


def relative(path: Path) -> str:
    """`path` relative to the repository, as the generated headers show it."""
    return path.resolve().relative_to(REPO).as_posix()
