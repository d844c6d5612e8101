"""Spec parameters as TLA+ CONSTANTS (NOTE(constants)): a TLC user changes a value in
the .cfg without regenerating the module, and TLC then checks the model the spec
describes with that parameter.

For each change, the module emitted once with the defaults is run by TLC with only
the .cfg edited, and compared with the explicit engine on the spec loaded with the
same parameter (`--param`): the same verdict and, when TLC explores everything, the
same distinct-state count.
"""

from __future__ import annotations

import pytest
from tla_helpers import REPO, load, need_tlc

from mbind_formal.engines.base import Budget, Verdict
from mbind_formal.engines.explicit import ExplicitEngine
from mbind_formal.ir.model import ParamValue
from mbind_formal.tla.emit import EmittedCfg, EmittedModule, emit_cell
from mbind_formal.tlc.run import Outcome, run_tlc

SPEC = REPO / "tests" / "models" / "params.mbf"


def _emitted() -> EmittedModule:
    spec = load(SPEC)
    return emit_cell(spec.model("base"), spec.claim("below"), spec_path="params.mbf")


def test_only_read_parameters_become_constants() -> None:
    e = _emitted()
    assert "CONSTANTS fast, mode, limit\n" in e.tla_text
    assert "ASSUME fast \\in BOOLEAN" in e.tla_text and "ASSUME mode \\in Mode" in e.tla_text
    cfg = e.cfg_text
    assert '    fast = FALSE\n    mode = "SLOW"\n    limit = 2\n' in cfg
    assert "pages" not in cfg and "inc" not in cfg  # they size or were folded


@pytest.mark.tlc
@pytest.mark.parametrize(
    ("old", "new", "param"),
    [
        ("fast = FALSE", "fast = TRUE", ("fast", True)),
        ('mode = "SLOW"', 'mode = "FAST"', ("mode", "FAST")),
        ("limit = 2", "limit = 1", ("limit", 1)),
        ("limit = 2", "limit = 0", ("limit", 0)),
    ],
)
def test_tlc_checks_a_changed_cfg(old: str, new: str, param: tuple[str, ParamValue]) -> None:
    setup = need_tlc()
    e = _emitted()
    (cfg,) = e.cfgs
    assert old in cfg.text
    edited = EmittedModule(
        e.name, e.tla_text, (EmittedCfg(cfg.name, cfg.claim, (), cfg.text.replace(old, new)),)
    )
    run = run_tlc(setup, edited, timeout=120)
    spec = load(SPEC, dict([param]))
    ref = ExplicitEngine().check(
        spec.model("base"), spec.claim("below"), Budget(symmetry=False, max_states=10_000)
    )
    if ref.verdict is Verdict.VIOLATED:
        assert run.outcome is Outcome.VIOLATED, run.error
        assert ref.trace is not None and len(run.states) == len(ref.trace) + 1
    else:
        assert run.outcome is Outcome.NO_ERROR, run.error
        assert run.distinct == ref.states
