"""Issue 18.1: no wrong "holds" from bit-vector widths (NOTE(bit-vector widths)).

Each spec below hid a doubling from the old width count (nested `+`/`-` counted only
through binary and unary nodes): an if-then-else or a definition call between additions,
a quantifier or `pick` over an integer range no variable uses, `either` branch indices.
Before: BMC "no violation", k-induction and `auto` "holds (k-induction k=1)" on the
first two; exit 5 (a constant that does not fit) on the pick and either specs. After:
explicit, BMC, k-induction, PDR and `auto` give the same verdict and the same shortest
trace length.

The issue's setter spec has 18 actors (2^18 states, above `auto`'s explicit cap). Here
the agreement test uses 6 setters (BMC's refutation of "all set in fewer steps" is a
pigeonhole argument, exponential in the setters: 25 s of CPU at 12), and the `auto` test
takes the same path as the issue's run (explicit capped, the quick BMC hunt to depth 10
too short, then k-induction) on a walk of 12 steps beside 4 setters, with a state cap.
"""

from __future__ import annotations

import pytest
from wide_sums import BIG, NESTED, SETTERS, WALK, WALKS, setters

from mbind_formal.engines.auto import AutoEngine
from mbind_formal.engines.base import Budget, Result, Verdict
from mbind_formal.engines.explicit import ExplicitEngine
from mbind_formal.engines.z3.bmc import BmcEngine
from mbind_formal.engines.z3.induction import InductionEngine
from mbind_formal.engines.z3.pdr import PdrEngine
from mbind_formal.engines.z3.ranges import bv_width
from mbind_formal.ir.model import Spec
from mbind_formal.lower.spec import load_text

ONE_ACTOR = "var z: bool = false;\nactor w { go: z = true; done; }\n"

SPECS = {
    # 8*x through if-then-elses: > 2^33, wrapped to a negative number in 34 bits
    "ite": setters(SETTERS, BIG, f"(all_on() ? {NESTED} + {NESTED} : 0) < 5"),
    # the same doubling through definition calls
    "calls": setters(
        SETTERS, BIG + "def dbl(v: Big) = v + v;\n", "(all_on() ? dbl(dbl(dbl(x))) : 0) < 5"
    ),
    # 16-bit constants summed by two helpers: violated in the initial state
    "helpers": "\n".join(f"const {c}: 0..65535 in {{65535}};" for c in "abcd")
    + "\ndef add2(p: 0..65535, q: 0..65535) = p + q;\n"
    + "def add4(p: 0..65535, q: 0..65535, r: 0..65535, s: 0..65535) = "
    + "add2(add2(p, q), add2(r, s));\n"
    + ONE_ACTOR
    + "claim c { always add2(add4(a, b, c, d), add4(a, b, c, d)) < 5; reachable z; }\n",
    # a quantifier over a range that no variable has, and no literal in the claim
    "quantifier": ONE_ACTOR
    + "claim c { always forall k in 0..63: forall j in 0..63: k + j <= k + k; reachable z; }\n",
    # a pick over a range no variable uses: its bounds are constants of the encoding
    "pick": "var bad: bool = false;\nvar z: bool = false;\n"
    "actor w { go: pick k in 0..200 where k + k > k; bad = true; done; }\n"
    "claim c { always !bad; reachable z || !z; }\n",
    # nine either branches in a model of small numbers (branch indices up to 8)
    "either": "var v: 0..1 = 0;\nactor w { go: either { v = 0; }"
    + " or { v = 1; }" * 8
    + " done; }\nclaim c { always v == 0; reachable v == 0; }\n",
}
# explicit's verdict and trace length, the reference for every Z3 engine
EXPECTED = {
    "ite": (Verdict.VIOLATED, SETTERS),
    "calls": (Verdict.VIOLATED, SETTERS),
    "helpers": (Verdict.VIOLATED, 0),
    "quantifier": (Verdict.VIOLATED, 0),
    "pick": (Verdict.VIOLATED, 1),
    "either": (Verdict.VIOLATED, 1),
}


def _spec(name: str, texts: dict[str, str] = SPECS) -> Spec:
    loaded = load_text(texts[name], f"<{name}>")
    assert loaded.spec is not None, loaded.diagnostics
    return loaded.spec


def _shape(r: Result) -> tuple[Verdict, int | None]:
    return r.verdict, None if r.trace is None else len(r.trace)


@pytest.mark.parametrize("name", sorted(SPECS))
def test_every_engine_agrees_with_explicit(name: str) -> None:
    spec = _spec(name)
    model, claim = spec.models[0], spec.claims[0]
    budget = Budget(timeout_s=60, max_depth=SETTERS + 2)
    want = EXPECTED[name]
    explicit = ExplicitEngine().check(model, claim, budget)
    assert _shape(explicit) == want, explicit.reason
    for engine in (BmcEngine(), InductionEngine(), PdrEngine()):
        r = engine.check(model, claim, budget)
        assert _shape(r) == want, (engine.name, r.verdict, r.method, r.reason)


@pytest.mark.parametrize("name", ["ite", "calls"])
def test_auto_beyond_its_explicit_cap_finds_the_violation(name: str) -> None:
    spec = _spec(name, WALKS)
    r = AutoEngine().check(
        spec.models[0], spec.claims[0], Budget(max_states=100, por=False)
    )  # no POR: the cap must stop explicit
    assert _shape(r) == (Verdict.VIOLATED, WALK), (r.method, r.reason)
    assert r.method.startswith("auto: kind"), r.method  # the path of the report
    assert "explicit: state limit of 100" in str(r.stats["tried"])


def test_widths_cover_the_hidden_doublings() -> None:
    spec = _spec("ite")
    model, claim = spec.models[0], spec.claims[0]
    # 8 * (2^31 - 1) needs 35 bits with the sign (plus the spare bit)
    assert bv_width(model, (claim.invariant,)) >= (8 * 2147483647).bit_length() + 1
    either = _spec("either")
    assert bv_width(either.models[0]) >= (8).bit_length() + 1
