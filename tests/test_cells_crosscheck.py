"""Cross-checking engines on one cell: agreement, conflicts, the replay gate, JSON."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from mbind_formal.engines.base import Budget, Result, Verdict
from mbind_formal.ir.model import Spec
from mbind_formal.lower.spec import load_text
from mbind_formal.trace.model import Trace, TraceStep
from mbind_formal.verdicts import _conflict, check_cell, matrix_document

RACE = """
collection Page[2] { var lru: bool = true; var mine: bool = false; }
actor mbind {
  walk: for p in Page { if (p.lru) { p.lru = false; p.mine = true; } }
  fin: done;
}
actor reclaim {
  take: either { pick p in Page where p.lru; p.lru = false; } or { skip; }
  done;
}
claim all_mine {
  final forall p in Page: p.mine;
  reachable exists p in Page: p.mine;
}
claim never_both {
  always forall p in Page: !(p.mine && p.lru);
  reachable mbind@done;
}
"""


@pytest.fixture(scope="module")
def spec() -> Spec:
    loaded = load_text(RACE, "race.mbf")
    assert loaded.spec is not None, loaded.diagnostics
    return loaded.spec


def _result(verdict: Verdict, engine: str, **kw: object) -> Result:
    return Result(verdict=verdict, engine=engine, method="m", variant="base", claim="c", **kw)  # type: ignore[arg-type]


def test_engines_agree_on_a_real_model(spec: Spec) -> None:
    model = spec.model("base")
    budget = Budget(max_depth=12)
    cell = check_cell(model, spec.claim("all_mine"), ["explicit", "bmc", "kind"], budget)
    assert cell.verdict is Verdict.VIOLATED
    assert cell.disagreement is None
    assert {r.engine for r in cell.results} == {"explicit", "bmc", "kind"}
    lengths = {len(r.trace) for r in cell.results if r.trace is not None}
    assert lengths == {4}  # reclaim takes a page, mbind walks both pages and finishes
    held = check_cell(model, spec.claim("never_both"), ["explicit", "kind"], budget)
    assert held.verdict is Verdict.HOLDS and held.disagreement is None


def test_a_trace_that_does_not_replay_is_an_engine_failure(
    spec: Spec, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = spec.model("base")
    claim = spec.claim("all_mine")
    real = check_cell(model, claim, ["explicit"], Budget()).result
    assert real.trace is not None
    first = real.trace.steps[0]
    forged = replace(real.trace, steps=(TraceStep("mbind", 0, "walk", first.state),))

    class Forger:
        name = "forger"

        def check(self, *args: object, **kwargs: object) -> Result:
            return replace(real, engine="forger", trace=forged)

    from mbind_formal.engines import registry

    real_get = registry.get_engine

    def get_engine(name: str) -> object:
        return Forger() if name == "forger" else real_get(name)

    monkeypatch.setattr("mbind_formal.engines.registry.get_engine", get_engine)
    cell = check_cell(model, claim, ["forger", "explicit"], Budget())
    assert [f.engine for f in cell.failures] == ["forger"]
    assert "does not replay" in cell.failures[0].message
    assert cell.result.engine == "explicit"  # the verdict comes from the engine that checks out


def test_contradicting_verdicts_are_a_disagreement() -> None:
    trace = Trace("base", (), ())
    a = _result(Verdict.VIOLATED, "explicit", trace=trace)
    b = _result(Verdict.HOLDS, "pdr")
    assert _conflict(a, b) == "explicit says violated, pdr says holds"
    assert _conflict(_result(Verdict.UNKNOWN, "bmc"), b) is None
    vac = _result(Verdict.VACUOUS, "explicit")
    assert _conflict(vac, _result(Verdict.HOLDS, "kind", witnesses=(None,))) is None
    reached = _result(Verdict.HOLDS, "kind", witnesses=(True,))
    assert _conflict(vac, reached) is not None


def test_unequal_shortest_lengths_are_a_disagreement() -> None:
    step = TraceStep("a", 0, "s", ())
    a = _result(Verdict.VIOLATED, "explicit", trace=Trace("base", (), (step,)))
    b = _result(Verdict.VIOLATED, "bmc", trace=Trace("base", (), (step, step)))
    assert "lengths differ" in (_conflict(a, b) or "")


def test_json_document_is_versioned_and_ordered(spec: Spec) -> None:
    model = spec.model("base")
    cells = [check_cell(model, c, ["explicit"], Budget()) for c in spec.claims]
    doc = matrix_document(spec, cells, "explicit")
    assert (doc["schema"], doc["document"]) == (2, "matrix")
    assert [c["claim"] for c in doc["cells"]] == ["all_mine", "never_both"]
    first = doc["cells"][0]
    assert first["verdict"] == "violated" and first["trace_length"] == 4
    assert first["engines"] == {"explicit": "violated"}
    json.dumps(doc)  # serialisable as is
