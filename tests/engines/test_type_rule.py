"""The type rule (ir.model NOTE(type rule)): a store outside its variable's type is a
violation of every claim, found by every engine with the same shortest trace; a
`guarded` variable keeps the old behaviour (the store only disables its step).

The model is `tests/models/underflow.mbf`, a reader-count lock whose read-unlock
decrements twice (after a queued rwlock of the kernel TLA+ specs): `readers` would go
to -1, outside 0..3, after 2 steps (lock, cs). Its guarded twin holds.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from oracle import MODELS

from mbind_formal.cli import run_cli
from mbind_formal.cli.common import ExitCode
from mbind_formal.engines.base import Budget, Engine, Result, Verdict
from mbind_formal.engines.explicit import ExplicitEngine
from mbind_formal.engines.z3.bmc import BmcEngine
from mbind_formal.engines.z3.induction import InductionEngine
from mbind_formal.engines.z3.pdr import PdrEngine
from mbind_formal.ir.model import Claim, Model
from mbind_formal.lower.spec import load_text
from mbind_formal.trace.itf import read_itf, write_itf
from mbind_formal.trace.model import TraceKind
from mbind_formal.trace.replay import replay
from mbind_formal.trace.text import render_rows

UNDERFLOW = MODELS / "underflow.mbf"
ENGINES: dict[str, Callable[[], Engine]] = {
    "explicit": ExplicitEngine,
    "bmc": BmcEngine,
    "kind": InductionEngine,
    "pdr": lambda: PdrEngine(quick_depth=0),  # Spacer itself must see the type violation
}
BUDGET = Budget(max_depth=12, timeout_s=60, seed=0)


def load(text: str | None = None, variant: str = "base") -> tuple[Model, Claim]:
    if text is None:
        text = UNDERFLOW.read_text()
    result = load_text(text, str(UNDERFLOW))
    assert result.spec is not None, [d.message for d in result.diagnostics]
    return result.spec.model(variant), result.spec.claim("exclusive")


def guarded_text() -> str:
    text = UNDERFLOW.read_text()
    assert "\nvar readers" in text
    return text.replace("\nvar readers", "\nguarded var readers")


def check(engine: str, model: Model, claim: Claim) -> Result:
    return ENGINES[engine]().check(model, claim, BUDGET)


@pytest.mark.parametrize("engine", sorted(ENGINES))
def test_every_engine_finds_the_underflow(engine: str) -> None:
    model, claim = load()
    r = check(engine, model, claim)
    assert r.verdict is Verdict.VIOLATED, r.reason
    assert r.trace is not None and r.trace.kind is TraceKind.TYPE_VIOLATION
    assert len(r.trace) == 2
    assert [s.label for s in r.trace.steps] == ["lock", "cs"]
    assert replay(model, r.trace, claim).ok
    assert r.reason.startswith("type violation: readers := -1 outside 0..3 (reader[")


@pytest.mark.parametrize("engine", sorted(ENGINES))
def test_a_guarded_variable_keeps_the_old_verdict(engine: str) -> None:
    model, claim = load(guarded_text())
    r = check(engine, model, claim)
    assert r.verdict is not Verdict.VIOLATED, r.reason
    if engine == "bmc":
        assert r.bound == BUDGET.max_depth
    else:
        assert r.verdict is Verdict.HOLDS, r.reason


def test_guarded_stores_are_counted_not_violations() -> None:
    model, claim = load(guarded_text())
    r = ExplicitEngine().check(model, claim, Budget())
    assert r.coverage is not None and r.coverage.blocked  # the old note
    assert ("reader", "unlock") in {(a, lab) for a, lab, _ in r.coverage.blocked}


def test_the_fixed_variant_holds() -> None:
    model, claim = load(variant="fixed")
    for engine in sorted(ENGINES):
        r = check(engine, model, claim)
        assert r.verdict is Verdict.HOLDS or r.bound == BUDGET.max_depth, engine


FIELDS = """
collection Page[2] {
  var refs: 0..2 = 1;
}
var done_once: bool = false;

actor put[2] {
  var mine: 0..2 = 0;
  drop:
    pick p in Page where p.refs > 0;
    p.refs -= 1;
    mine += 1;
  again:
    if (!done_once) {
      done_once = true;
      pick q in Page;
      q.refs -= 1;
    }
    mine += 1;
}

claim fine {
  always true;
}
"""


@pytest.mark.parametrize("engine", sorted(ENGINES))
def test_fields_stored_through_a_pick_are_checked_too(engine: str) -> None:
    """`q.refs -= 1` with `q` picked (a symbolic index for Z3): after one drop of Page[0]
    (refs 0), `again` may pick it: a type violation after 1 step for every engine."""
    result = load_text(FIELDS, "fields.mbf")
    assert result.spec is not None, [d.message for d in result.diagnostics]
    model, claim = result.spec.model("base"), result.spec.claim("fine")
    r = check(engine, model, claim)
    assert r.trace is not None and r.trace.kind is TraceKind.TYPE_VIOLATION
    assert len(r.trace) == 1
    assert replay(model, r.trace, claim).ok
    # which of the symmetric instances is the engine's (Z3's) choice
    assert re.search(r"\.refs := -1 outside 0\.\.2 \(put\[[01]\] again\)", r.reason), r.reason


LOCAL = FIELDS.replace("var mine: 0..2 = 0;", "var mine: 0..1 = 0;").replace(
    "var refs: 0..2 = 1;", "guarded var refs: 0..2 = 1;"
)


@pytest.mark.parametrize("engine", sorted(ENGINES))
def test_locals_are_checked_too(engine: str) -> None:
    """`mine` (0..1) is incremented by drop and by again: after drop, again stores 2;
    the guarded field only disables its store."""
    result = load_text(LOCAL, "local.mbf")
    assert result.spec is not None, [d.message for d in result.diagnostics]
    model, claim = result.spec.model("base"), result.spec.claim("fine")
    r = check(engine, model, claim)
    assert r.trace is not None and r.trace.kind is TraceKind.TYPE_VIOLATION
    assert len(r.trace) == 1
    assert re.search(r"put\[([01])\]\.mine := 2 outside 0\.\.1 \(put\[\1\] again\)", r.reason), (
        r.reason
    )


def test_the_text_and_itf_renderings_name_the_store_and_the_type() -> None:
    model, claim = load()
    r = ExplicitEngine().check(model, claim, Budget())
    assert r.trace is not None
    text = render_rows(model, r.trace)
    assert text.splitlines()[0].startswith("type violation (claim exclusive violated)")
    assert text.splitlines()[-1] == (
        "=> type violation: readers := -1 outside 0..3 (reader[0] unlock)"
    )
    doc = write_itf(model, r.trace)
    meta = json.loads(doc)["#meta"]
    assert meta["kind"] == "type-violation"
    assert "readers := -1 outside 0..3" in meta["description"]
    back = read_itf(model, doc)
    assert back.kind is TraceKind.TYPE_VIOLATION
    assert replay(model, back, claim).ok


def test_replay_refuses_a_type_violation_trace_without_one() -> None:
    model, claim = load()
    r = ExplicitEngine().check(model, claim, Budget())
    assert r.trace is not None
    from dataclasses import replace

    short = replace(r.trace, steps=r.trace.steps[:1])
    res = replay(model, short, claim)
    assert not res.ok and "no type violation" in res.message


def test_prove_exits_1_and_the_json_names_the_kind(tmp_path: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    doc = tmp_path / "m.json"
    argv = ["prove", str(UNDERFLOW), "--engine", "explicit", "--json", str(doc), "--no-save"]
    code = run_cli(argv, out, err)
    assert code == ExitCode.VIOLATED, err.getvalue()
    assert "base / exclusive: violated: type violation after 2 steps [explicit]" in out.getvalue()
    assert "type violation: readers := -1 outside 0..3 (reader[0] unlock)" in out.getvalue()
    cells = {c["variant"]: c for c in json.loads(doc.read_text())["cells"]}
    assert cells["base"]["verdict"] == "violated"
    assert cells["base"]["kind"] == "type-violation"
    assert cells["base"]["trace_length"] == 2
    assert cells["fixed"]["verdict"] == "holds" and cells["fixed"]["kind"] is None


@pytest.mark.tlc
@pytest.mark.parametrize("guarded", [False, True], ids=["typed", "guarded"])
def test_tlc_agrees_with_explicit(guarded: bool) -> None:
    """TLC checks `StoresInType` with the claim: the same verdict, kind and length
    (`agree`), and for the guarded twin the same state count."""
    from test_tlc_engine import agree

    model, claim = load(guarded_text() if guarded else None)
    r = agree(model, claim, symmetry=True)
    assert r.verdict is (Verdict.HOLDS if guarded else Verdict.VIOLATED)
    if not guarded:
        assert r.trace is not None and r.trace.kind is TraceKind.TYPE_VIOLATION
        assert "readers := -1 outside 0..3" in r.reason


def test_temporal_claims_see_type_violations_too() -> None:
    """The liveness engine explores every state: a reachable store outside its type is a
    violation of a temporal claim as of any other (the writer would get the lock, had
    read-unlock not underflowed); the fixed variant's claim holds."""
    text = (
        UNDERFLOW.read_text()
        + "\nfair actor wr;\nfair actor reader;\nclaim writer_done {\n  eventually wr@done;\n}\n"
    )
    result = load_text(text, str(UNDERFLOW))
    assert result.spec is not None, [d.message for d in result.diagnostics]
    claim = result.spec.claim("writer_done")
    r = ExplicitEngine().check(result.spec.model("base"), claim, BUDGET)
    assert r.verdict is Verdict.VIOLATED, r.reason
    assert r.trace is not None and r.trace.kind is TraceKind.TYPE_VIOLATION
    assert r.reason.startswith("type violation: readers := -1 outside 0..3"), r.reason
    assert replay(result.spec.model("base"), r.trace, claim).ok
    fixed = ExplicitEngine().check(result.spec.model("fixed"), claim, BUDGET)
    assert fixed.verdict is Verdict.HOLDS, fixed.reason
