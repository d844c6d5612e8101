"""The `param` engine: proofs for every size, counterexamples to induction, refusals,
and a certificate check that rejects wrong invariants."""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path

import pytest

from mbind_formal.engines.base import Budget, Verdict
from mbind_formal.engines.param.certify import certify
from mbind_formal.engines.param.engine import SCOPE, ParamEngine
from mbind_formal.engines.registry import SpecAt
from mbind_formal.ir.model import Spec
from mbind_formal.lower.spec import load_text

# `allow deadlock;`: Houdini aims at the claim, and its invariants do not exclude every
# stuck state (NOTE(param deadlock)); STUCK below is the lock without it.
LOCK = """
allow deadlock;
param n = 2;
symmetric collection Cpu[n] {
  var in_cs: bool = false;
}
var locked: bool = false;
actor cpu[Cpu] {
  acquire:
    await !locked;
    locked = true;
    self.in_cs = true;
  release:
    self.in_cs = false;
    locked = false;
    done;
}
claim exclusive {
  always forall p in Cpu: forall q in Cpu: p.in_cs && q.in_cs => p == q;
  reachable exists p in Cpu: p.in_cs;
}
"""

# Every element adds one to a counter: `count < 5` holds at sizes 1..4 only.
COUNT = """
param n = 2;
collection Cpu[n] {
  var added: bool = false;
}
var count: 0..n = 0;
actor cpu[Cpu] {
  add:
    count++;
    self.added = true;
    done;
}
claim below_five {
  always count < 5;
  reachable count == 1;
}
"""

FIXED = """
collection Cpu[2] {
  var in_cs: bool = false;
}
actor cpu[Cpu] {
  enter:
    self.in_cs = true;
    done;
}
claim fine {
  always true;
}
"""


def respec_of(text: str) -> SpecAt:
    def respec(params: Mapping[str, int], extra: str) -> Spec | None:
        return load_text(text + extra, "<test>", dict(params)).spec

    return respec


def run(text: str, claim: str, timeout: float = 60.0) -> tuple[Verdict, str, dict[str, object]]:
    respec = respec_of(text)
    spec = respec({}, "")
    assert spec is not None
    r = ParamEngine(respec).check(
        spec.models[0], spec.claim(claim), Budget(timeout_s=timeout, query_timeout_s=3)
    )
    return r.verdict, r.reason, {**r.stats, "invariant": r.invariant}


# The lock with a release that stores -1 into a 0..1 counter: a type violation at every
# size (ir.model NOTE(type rule)), although `exclusive` holds where the store would only
# disable the release.
UNDERFLOW = (
    LOCK.replace("var locked: bool = false;", "var locked: bool = false;\nvar holders: 0..1 = 0;")
    .replace("    locked = true;\n", "    locked = true;\n    holders++;\n")
    .replace("    self.in_cs = false;\n", "    self.in_cs = false;\n    holders = holders - 2;\n")
)


def test_a_type_violation_is_never_proved() -> None:
    assert UNDERFLOW.count("holders") == 4
    verdict, reason, _ = run(UNDERFLOW, "exclusive")
    assert verdict is Verdict.UNKNOWN
    assert "violated at" in reason, reason


def test_the_certificate_checks_the_type_rule() -> None:
    """An invariant inductive where out-of-type stores disable their step, so only the
    certificate's `types` query can reject it (NOTE(param type rule))."""
    respec = respec_of(UNDERFLOW)
    spec = respec({}, "")
    assert spec is not None
    model, claim = spec.models[0], spec.claim("exclusive")
    inv = (
        "(forall p in Cpu: p.in_cs => locked)"
        " && (forall p in Cpu: forall q in Cpu: p.in_cs && q.in_cs => p == q)"
        " && (locked => exists r in Cpu: r.in_cs)"
    )
    cert = certify(respec, model, claim, inv, Budget(timeout_s=60), time.monotonic() + 60)
    assert not cert.ok
    assert cert.failed.startswith("types"), cert.failed
    fixed = respec_of(UNDERFLOW.replace("var holders", "guarded var holders"))
    spec2 = fixed({}, "")
    assert spec2 is not None
    cert2 = certify(
        fixed,
        spec2.models[0],
        spec2.claim("exclusive"),
        inv,
        Budget(timeout_s=60),
        time.monotonic() + 60,
    )
    assert ("types", "unsat") in cert2.checks


# The lock never released: every other CPU waits forever at `acquire`, a deadlock
# (ir.model NOTE(deadlock)) although `exclusive` holds in every state.
STUCK = LOCK.replace("allow deadlock;\n", "").replace(
    "    self.in_cs = false;\n    locked = false;\n", "    self.in_cs = false;\n"
)


def test_a_deadlock_is_never_proved() -> None:
    assert STUCK != LOCK
    verdict, reason, _ = run(STUCK, "exclusive")
    assert verdict is Verdict.UNKNOWN, reason
    allowed, why, _ = run("allow deadlock;\n" + STUCK, "exclusive")
    assert allowed is Verdict.HOLDS, why


def test_a_lock_is_proved_for_every_size() -> None:
    verdict, reason, stats = run(LOCK, "exclusive")
    assert verdict is Verdict.HOLDS, reason
    assert stats["scope"] == SCOPE
    cert = str(stats["certificate"])
    for step in ("parses", "initiation: unsat", "consecution: unsat", "implies-claim: unsat"):
        assert step in cert
    assert "explicit at size 6: holds" in cert


def test_a_claim_false_at_five_is_never_proved() -> None:
    verdict, reason, _ = run(COUNT, "below_five")
    assert verdict is Verdict.UNKNOWN
    assert "counterexample to induction" in reason
    assert "count = 4" in reason  # the CTI: one more `add` reaches 5


def test_a_fixed_size_collection_is_refused() -> None:
    verdict, reason, _ = run(FIXED, "fine")
    assert verdict is Verdict.UNKNOWN
    assert reason.startswith("not parametric because no parameter sets the size")


def test_without_a_spec_loader_the_engine_says_so() -> None:
    spec = respec_of(LOCK)({}, "")
    assert spec is not None
    r = ParamEngine().check(spec.models[0], spec.claim("exclusive"), Budget(timeout_s=5))
    assert r.verdict is Verdict.UNKNOWN and r.reason.startswith("not parametric because")


@pytest.mark.parametrize(
    ("invariant", "fails"),
    [
        ("forall p in Cpu: !p.in_cs", "consecution"),  # true initially, not inductive
        ("true", "implies-claim"),  # inductive, too weak
        ("locked", "initiation"),  # false initially
        ("forall p in Cpu: !(", "parse"),  # not the spec language
    ],
)
def test_the_certificate_rejects_wrong_invariants(invariant: str, fails: str) -> None:
    respec = respec_of(LOCK)
    spec = respec({}, "")
    assert spec is not None
    cert = certify(
        respec,
        spec.models[0],
        spec.claim("exclusive"),
        invariant,
        Budget(timeout_s=20),
        time.monotonic() + 20,
    )
    assert not cert.ok
    assert cert.failed.startswith(fails) or (fails == "parse" and "parse" in cert.failed)


def test_the_certificate_accepts_a_right_invariant() -> None:
    respec = respec_of(LOCK)
    spec = respec({}, "")
    assert spec is not None
    inv = (
        "(forall p in Cpu: p.in_cs => locked) && (forall p in Cpu: cpu[p]@release => p.in_cs) && "
        "(forall p in Cpu: forall q in Cpu: p != q => !(p.in_cs && q.in_cs))"
    )
    cert = certify(
        respec,
        spec.models[0],
        spec.claim("exclusive"),
        inv,
        Budget(timeout_s=20),
        time.monotonic() + 20,
    )
    assert cert.ok, cert.failed


def test_the_json_scope_says_which_kind_of_holds() -> None:
    from mbind_formal.engines.base import Result
    from mbind_formal.verdicts import scope

    def r(verdict: Verdict, stats: dict[str, float | int | str]) -> Result:
        return Result(verdict=verdict, engine="e", method="m", variant="v", claim="c", stats=stats)

    assert scope(r(Verdict.HOLDS, {"scope": SCOPE})) == "all sizes"
    assert scope(r(Verdict.HOLDS, {})) == "this size"
    assert scope(r(Verdict.UNKNOWN, {"scope": SCOPE})) is None


def test_the_cli_proves_for_every_size_and_says_so(tmp_path: Path) -> None:
    import io
    import json

    from mbind_formal.cli import run_cli

    spec = tmp_path / "lock.mbf"
    spec.write_text(LOCK, encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    doc_path = tmp_path / "cells.json"
    argv = ["prove", str(spec), "--engine", "param", "--show-invariant", "--json", str(doc_path)]
    code = run_cli([*argv, "--no-save"], out, err)
    assert code == 0, err.getvalue()
    text = out.getvalue()
    assert "holds (parametric invariant: all sizes, n >= 1)" in text
    assert "\n  invariant:\n    (forall p in Cpu" in text  # indented lines (cmd_prove)
    (cell,) = json.loads(doc_path.read_text(encoding="utf-8"))["cells"]
    assert cell["scope"] == "all sizes" and cell["engine"] == "param"
    from mbind_formal.cli.render import proof_method

    assert proof_method(cell["method"]) == "∀N"  # the matrix mark, beside ✓exh


MUTANTS = {
    # no await: two CPUs walk in
    "no_await": (LOCK.replace("    await !locked;\n", ""), False),
    # check, then set the lock in a later step: the classic race
    "split": (LOCK.replace("    await !locked;\n", "    await !locked;\n  grab:\n"), False),
    # correct, with one more field to infer about
    "counted": (
        LOCK.replace(
            "var in_cs: bool = false;", "var in_cs: bool = false;\n  var turns: 0..1 = 0;"
        ).replace("    self.in_cs = false;\n", "    self.in_cs = false;\n    self.turns = 1;\n"),
        True,
    ),
}


@pytest.mark.parametrize(
    "name", ["no_await", "split", pytest.param("counted", marks=pytest.mark.nightly)]
)
def test_holds_for_every_size_agrees_with_the_explicit_engine(name: str) -> None:
    from mbind_formal.engines.explicit import ExplicitEngine

    text, correct = MUTANTS[name]
    verdict, reason, _ = run(text, "exclusive")
    explicit = []
    for n in (2, 3, 4, 5):
        spec = respec_of(text)({"n": n}, "")
        assert spec is not None
        r = ExplicitEngine().check(spec.models[0], spec.claim("exclusive"), Budget(timeout_s=20))
        explicit.append(r.verdict)
    if verdict is Verdict.HOLDS:
        assert explicit == [Verdict.HOLDS] * 4
    assert (verdict is Verdict.HOLDS) == correct, reason
    if not correct:
        assert reason.startswith("does not hold for every size: violated at n = 2")
