"""Every engine's counterexample renders in every format and round-trips through ITF."""

from __future__ import annotations

import json
import os
import shutil

import pytest
from trace_models import mbind_alone_claim, race_model

from mbind_formal.engines.base import Budget, Verdict
from mbind_formal.engines.registry import get_engine
from mbind_formal.ir.model import Spec
from mbind_formal.trace.diagram import render_svg
from mbind_formal.trace.itf import read_itf, write_itf
from mbind_formal.trace.minimize import minimize
from mbind_formal.trace.replay import replay
from mbind_formal.trace.report import ReportCell, render_report
from mbind_formal.trace.text import render_json, render_lanes, render_rows

ENGINES = ["explicit", "bmc", "kind", "pdr", pytest.param("tlc", marks=pytest.mark.tlc)]


def _need_java() -> None:
    if shutil.which("java") is None:
        if os.environ.get("CI"):
            pytest.fail("java is required in CI for the TLC engine")
        pytest.skip("java is not installed")


@pytest.mark.parametrize("engine", ENGINES)
def test_every_engines_trace_renders_in_every_format(engine: str) -> None:
    if engine == "tlc":
        _need_java()
    model, claim = race_model(), mbind_alone_claim()
    result = get_engine(engine).check(model, claim, Budget(max_depth=6, timeout_s=120))
    assert result.verdict is Verdict.VIOLATED, result.reason
    trace = result.trace
    assert trace is not None and len(trace) == 2  # every engine here finds a shortest one
    assert replay(model, trace, claim).ok

    rows, lanes = render_rows(model, trace), render_lanes(model, trace)
    assert (
        rows.splitlines()[-1]
        == lanes.splitlines()[-1]
        == ("=> the last state violates claim mbind_alone")
    )
    assert all(len(line) <= 100 for line in lanes.splitlines())
    assert len(json.loads(render_json(model, trace))["steps"]) == 2
    assert render_svg(model, trace).count('class="step"') == 2
    spec = Spec(name="race", models=(model,), claims=(claim,))
    page = render_report(spec, [ReportCell("base", claim.name, result)], engine=engine).page
    assert "<svg" in page

    back = read_itf(model, write_itf(model, trace))
    assert back == trace
    assert replay(model, back, claim).ok
    small = minimize(model, trace, claim)
    assert replay(model, small, claim).ok and len(small) <= len(trace)
