"""PDR's printed invariant is spec syntax that means what Spacer proved (issue 17).

Every invariant `--show-invariant` prints is parsed back as a claim of the same spec
(`claim inv { assume A; always INV; }`), then (1) the explicit engine checks that it
holds in every reachable state, and (2) the three certificate queries of `z3_pdr.certify`
run on the re-parsed text itself (it holds initially, it is inductive within the slots'
types, it implies the claim), so a printer that drops or garbles a conjunct fails here.
The cells are the bundled examples' claims PDR proves within a small resource budget.
"""

from __future__ import annotations

import io
import re
from dataclasses import replace
from pathlib import Path

import pytest
import z3

from mbind_formal.cli import run_cli
from mbind_formal.engines.base import Budget, ProgressEvent, Verdict
from mbind_formal.engines.explicit import ExplicitEngine
from mbind_formal.engines.z3 import pdr
from mbind_formal.engines.z3.pdr import PdrEngine, certify
from mbind_formal.engines.z3.run import PDR_OPTIONS, Clock, EncodingCache
from mbind_formal.ir.model import Claim, Spec
from mbind_formal.lower.spec import load_text

ROOT = Path(__file__).resolve().parents[2]
BUDGET = Budget(query_rlimit=50_000_000, timeout_s=120)

CELLS = [
    ("counter.mbf", "atomic", "bounded"),
    ("counter.mbf", "atomic", "settles_at_limit"),
    ("mutex.mbf", "base", "mutual_exclusion"),
    ("mutex.mbf", "victim_first", "everyone_visits_twice"),
    ("ticket_lock.mbf", "base", "exclusive"),
    ("ticket_lock.mbf", "base", "fifo"),
    ("ticket_lock.mbf", "early_release", "all_served"),
]


def _claim_block(text: str, name: str) -> str:
    """The source text of claim `name` (its `assume` is reused by the re-check)."""
    m = re.search(rf"^claim {name} \{{(.*?)^\}}", text, re.S | re.M)
    assert m is not None, name
    return m.group(1)


def recheck(text: str, variant: str, claim: Claim, invariant: str) -> Spec:
    """The spec with the invariant as claim `pdr_invariant` (same assume); asserts
    that it parses and type-checks."""
    assume = re.search(r"^\s*assume (.*?);\s*$", _claim_block(text, claim.name), re.M)
    lines = ["claim pdr_invariant {"]
    if assume is not None:
        lines.append(f"  assume {assume.group(1)};")
    lines += [f"  always {invariant};", "  reachable true;", "}"]
    loaded = load_text(text + "\n" + "\n".join(lines) + "\n", "<recheck>")
    assert loaded.spec is not None, [d.message for d in loaded.diagnostics]
    return loaded.spec


@pytest.mark.parametrize(("file", "variant", "name"), CELLS)
def test_printed_invariants_parse_hold_and_are_certificates(
    file: str, variant: str, name: str
) -> None:
    text = (ROOT / "spec" / "examples" / file).read_text()
    loaded = load_text(text, file)
    assert loaded.spec is not None
    model, claim = loaded.spec.model(variant), loaded.spec.claim(name)
    r = PdrEngine().check(model, claim, BUDGET)
    assert r.verdict is Verdict.HOLDS and r.invariant, r.reason
    spec = recheck(text, variant, claim, r.invariant)
    inv_claim = spec.claim("pdr_invariant")
    again = spec.model(variant)
    # (1) it holds in every reachable state (explicit, exhaustive)
    ex = ExplicitEngine().check(again, replace(inv_claim, witnesses=()), Budget())
    assert ex.verdict is Verdict.HOLDS, (r.invariant, ex.reason)
    # (2) the re-parsed text is itself a certificate for the claim
    enc = EncodingCache(PDR_OPTIONS).get(again, claim)
    parsed = z3.And(enc.domain(0), enc.prop(inv_claim.prop, 0))
    good = enc.prop(claim.invariant, 0)
    assert certify(enc, claim.assume, parsed, good, BUDGET, Clock(BUDGET)) is None, r.invariant


def test_show_invariant_end_to_end() -> None:
    """`prove --engine pdr --show-invariant` prints the invariant indented under
    `invariant:`; the printed lines, parsed back, hold in every reachable state."""
    path = ROOT / "spec" / "examples" / "ticket_lock.mbf"
    out, err = io.StringIO(), io.StringIO()
    argv = ["prove", str(path), "--variant", "base", "--claim", "fifo", "--engine", "pdr"]
    code = run_cli([*argv, "--show-invariant", "--query-rlimit", "50000000"], out, err)
    assert code == 0, (out.getvalue(), err.getvalue())
    lines = out.getvalue().splitlines()
    assert lines[0] == "base / fifo: holds (pdr) [pdr]", lines
    start = lines.index("  invariant:") + 1
    body = [x.removeprefix("    ") for x in lines[start:] if x.startswith("    ")]
    assert body and all(not x.startswith(" ") or x.startswith("  ") for x in body)
    text = path.read_text()
    spec = load_text(text, "ticket_lock.mbf").spec
    assert spec is not None
    again = recheck(text, "base", spec.claim("fifo"), "\n".join(body))
    claim = replace(again.claim("pdr_invariant"), witnesses=())
    assert ExplicitEngine().check(again.model("base"), claim, Budget()).verdict is Verdict.HOLDS


def test_an_empty_assume_is_vacuous_as_in_the_other_engines() -> None:
    text = (ROOT / "spec" / "examples" / "counter.mbf").read_text()
    text += "claim empty {\n  assume count == 1 && count == 0;\n  always count <= limit;\n"
    text += "  reachable count == limit;\n}\n"
    spec = load_text(text, "counter.mbf").spec
    assert spec is not None
    model, claim = spec.model("base"), spec.claim("empty")
    r = PdrEngine().check(model, claim, BUDGET)
    assert r.verdict is Verdict.VACUOUS and r.witnesses == (False,), r.reason
    assert r.invariant == "false" and "no initial state" in r.reason
    assert ExplicitEngine().check(model, claim, BUDGET).verdict is Verdict.VACUOUS


def test_the_bmc_pass_cannot_spend_the_whole_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    """The BMC pass before Spacer has its own clock, a share of the time left; a pass
    stopped by it hands over to Spacer: the answer is PDR's proof, not BMC's "timeout
    at depth k". (Deterministic: the pass's clock is made to start expired.)"""
    clock = Clock(Budget(timeout_s=100))
    share = PdrEngine._pre_clock(Budget(timeout_s=100), clock).budget.timeout_s
    assert share is not None and 0 < share <= 100 * pdr.PRE_SHARE
    assert PdrEngine._pre_clock(Budget(), Clock(Budget())).budget.timeout_s is None
    spec = load_text((ROOT / "spec" / "examples" / "ticket_lock.mbf").read_text()).spec
    assert spec is not None
    model, claim = spec.model("base"), spec.claim("exclusive")
    depths: list[int] = []

    def report(ev: ProgressEvent) -> None:
        if ev.phase == "bmc":
            depths.append(ev.depth)

    expired = Clock(Budget(timeout_s=0.0))
    monkeypatch.setattr(PdrEngine, "_pre_clock", staticmethod(lambda budget, clock: expired))
    r = PdrEngine().check(model, claim, BUDGET, report)
    assert not depths  # the pass stopped at once
    assert r.verdict is Verdict.HOLDS and r.method == "pdr", (r.method, r.reason)
