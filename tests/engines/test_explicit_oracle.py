"""The explicit engine against the oracle table (`tests/models/oracle.py`), every row,
with and without symmetry reduction."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from mbind_formal.engines.base import Budget, Verdict
from mbind_formal.engines.explicit import ExplicitEngine
from mbind_formal.ir.model import Claim, Model
from mbind_formal.lower.spec import load_spec
from mbind_formal.trace.replay import replay

MODELS = Path(__file__).resolve().parent.parent / "models"


def _oracle() -> ModuleType:
    """tests/models/oracle.py, loaded by path (test directories are not packages)."""
    name = "oracle"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, MODELS / "oracle.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


ORACLE: list[Any] = list(_oracle().ORACLE)


def load(case: Any) -> tuple[Model, Claim]:
    result = load_spec(case.path, dict(case.params))
    assert result.spec is not None, [d.message for d in result.diagnostics]
    return result.spec.model(case.variant), result.spec.claim(case.claim)


@pytest.mark.parametrize("symmetry", [False, True], ids=["full", "symmetry"])
@pytest.mark.parametrize("case", ORACLE, ids=lambda c: c.id)
def test_explicit_matches_the_oracle(case: Any, symmetry: bool) -> None:
    model, claim = load(case)
    # "full" is the unreduced count the oracle holds: neither symmetry nor partial order
    r = ExplicitEngine().check(model, claim, Budget(symmetry=symmetry, por=symmetry))
    assert r.verdict is Verdict(case.verdict), r.reason
    if r.verdict is Verdict.VIOLATED:
        assert r.trace is not None and len(r.trace) == case.length
        assert replay(model, r.trace, claim).ok
    else:
        assert r.trace is None
        if case.states is not None:
            if symmetry:
                assert r.states is not None and r.states <= case.states
            else:
                assert r.states == case.states
        if case.deadlock is None:
            assert r.deadlock is None
        else:
            assert r.deadlock is not None and len(r.deadlock) == case.deadlock
            assert replay(model, r.deadlock).ok


def test_symmetric_oracle_model_reduces_to_its_orbits() -> None:
    case = next(c for c in ORACLE if c.file == "symmetric.mbf" and c.verdict == "holds")
    model, claim = load(case)
    r = ExplicitEngine().check(model, claim, Budget(symmetry=True))
    # 13 states, 9 up to swapping the two pages (oracle.py derives both)
    assert r.states == 9 and r.stats["symmetry"] == "Page"
