"""The explicit liveness engine: temporal claims under weak and strong fairness.

Small models with the verdict each fairness assumption must give (computed by hand);
every lasso replays, and a lasso altered to break fairness or the claim does not; the
soundness rule of NOTE(liveness reductions): a model where a symmetry quotient would
answer "holds" for a claim that a real fair behaviour violates.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from mbind_formal.engines.base import Budget, Result, Verdict
from mbind_formal.engines.canon import Canon
from mbind_formal.engines.explicit import ExplicitEngine
from mbind_formal.engines.liveness import REDUCTIONS_OFF, check_liveness
from mbind_formal.ir.model import Spec
from mbind_formal.ir.symmetry import symmetric_collections
from mbind_formal.lower.spec import load_spec, load_text
from mbind_formal.semantics.relation import Semantics
from mbind_formal.trace.itf import read_itf, to_itf
from mbind_formal.trace.model import TraceKind
from mbind_formal.trace.replay import replay

ROOT = Path(__file__).resolve().parents[2]

SPINNER = """
var flag: bool = false;
var got: bool = false;
actor spinner {
  spin:
    flag = !flag;
    goto spin;
}
actor waiter {
  wait:
    await flag;
    got = true;
    done;
}
claim unfair { eventually got; reachable got; }
claim weakly { fair actor waiter; fair actor spinner; eventually got; reachable got; }
claim strongly { strong fair actor waiter; fair actor spinner; eventually got; reachable got; }
claim strong_step {
  strong fair step waiter.wait; fair actor spinner;
  !got ~> got;
  reachable got;
}
claim spins_forever { fair actor spinner; always eventually flag; reachable flag; }
claim stops { always eventually flag; reachable flag; }
"""


def spec_of(text: str) -> Spec:
    r = load_text(text, "live.mbf")
    assert r.spec is not None, [d.message for d in r.diagnostics]
    return r.spec


def check(spec: Spec, claim: str, variant: str = "base") -> Result:
    model, c = spec.model(variant), spec.claim(claim)
    r = ExplicitEngine().check(model, c, Budget())
    if r.trace is not None:
        assert r.trace.kind is TraceKind.LASSO
        assert replay(model, r.trace, c).ok
    return r


@pytest.mark.parametrize(
    ("claim", "verdict", "prefix", "cycle"),
    [
        ("unfair", Verdict.VIOLATED, 0, 0),  # stutters at once
        ("weakly", Verdict.VIOLATED, 0, 2),  # the waiter is enabled every other state
        ("strongly", Verdict.HOLDS, None, None),
        ("strong_step", Verdict.HOLDS, None, None),
        ("spins_forever", Verdict.HOLDS, None, None),
        ("stops", Verdict.VIOLATED, 0, 0),
    ],
)
def test_fairness_decides(claim: str, verdict: Verdict, prefix: int, cycle: int) -> None:
    r = check(spec_of(SPINNER), claim)
    assert r.verdict is verdict, r.reason
    assert r.stats.get("lasso_prefix") == prefix
    assert r.stats.get("lasso_cycle") == cycle
    assert r.states == 4


def test_leads_to_per_instance_names_the_instance() -> None:
    text = """
    collection P[2] { var want: bool = false; var got: bool = false; }
    var turn: 0..1 = 0;
    actor p[P] {
      ask:
        self.want = true;
      wait:
        await turn == TURN || self == P[0];
        self.got = true;
        done;
    }
    claim served { fair actor p; forall q in P: q.want ~> q.got; reachable P[1].want; }
    """
    assert check(spec_of(text.replace("TURN", "0")), "served").verdict is Verdict.HOLDS
    r = check(spec_of(text.replace("TURN", "1")), "served")  # P[1] waits forever
    assert r.verdict is Verdict.VIOLATED
    assert "q = P[1]" in r.reason


def test_leads_to_holds_when_every_instance_is_served() -> None:
    text = """
    collection P[2] { var want: bool = false; var got: bool = false; }
    actor p[P] {
      ask:
        self.want = true;
      take:
        self.got = true;
        done;
    }
    claim served { fair actor p; forall q in P: q.want ~> q.got; reachable P[1].want; }
    claim unfair { forall q in P: q.want ~> q.got; reachable P[1].want; }
    """
    spec = spec_of(text)
    assert check(spec, "served").verdict is Verdict.HOLDS
    r = check(spec, "unfair")
    assert r.verdict is Verdict.VIOLATED and r.stats["lasso_cycle"] == 0


def test_a_deadlock_is_a_lasso_that_stutters() -> None:
    text = """
    var x: bool = false;
    actor a { s: await x; done; }
    claim ends { fair actor a; eventually a@done; reachable a@s; }
    """
    r = check(spec_of(text), "ends")
    assert r.verdict is Verdict.VIOLATED
    assert r.trace is not None and r.trace.loop == 0 and len(r.trace) == 0


def test_an_altered_lasso_does_not_replay() -> None:
    spec = spec_of(SPINNER)
    model = spec.model("base")
    r = check(spec, "weakly")
    assert r.trace is not None
    # the same cycle, under strong fairness of the waiter, is unfair
    bad = replay(model, r.trace, spec.claim("strongly"))
    assert not bad.ok and "not fair" in bad.message and "strong fair actor waiter" in bad.message
    # a loop index whose state is not the last one
    moved = replace(r.trace, loop=1)
    assert not replay(model, moved, spec.claim("weakly")).ok
    # a lasso of a claim that is satisfied on it
    holds = replay(model, r.trace, spec.claim("spins_forever"))
    assert not holds.ok


def test_a_lasso_survives_itf() -> None:
    spec = spec_of(SPINNER)
    model = spec.model("base")
    for claim in ("weakly", "unfair"):
        r = check(spec, claim)
        assert r.trace is not None
        doc = to_itf(model, r.trace)
        assert doc["loop"] == r.trace.loop
        # Apalache's convention: the cycle ends in the last state written
        assert len(doc["states"]) == len(r.trace.states) - (1 if r.trace.cycle else 0)
        import json

        back = read_itf(model, json.dumps(doc))
        assert back.loop == r.trace.loop and back.states == r.trace.states
        assert replay(model, back, spec.claim(claim)).ok


# ----------------------------------------------------------------------------- soundness

# Two symmetric processes pass a token: the holder hands it to the other; a process
# that does not hold it sets `bad` instead. Handing it back and forth forever never
# sets `bad`, and both processes move again and again: a fair behaviour violating
# `eventually bad`. Under the symmetry the two states (holder P[0], holder P[1]) are
# one orbit: in the quotient the hand-over is a self-loop (a stutter), the other
# process looks enabled and never taken, so every cycle looks unfair and a quotient
# search would answer "holds".
SWAP = """
symmetric collection Proc[2] {}
var holder: Proc;
var bad: bool = false;
actor proc[Proc] {
  go:
    if (holder == self) {
      pick q in Proc where q != self;
      holder = q;
    } else {
      bad = true;
    }
    goto go;
}
claim ends_bad { fair actor proc; eventually bad; reachable bad; }
"""


def test_symmetry_would_hide_a_fair_violation() -> None:
    spec = spec_of(SWAP)
    model, claim = spec.model("base"), spec.claim("ends_bad")
    assert symmetric_collections(model, claim)  # symmetry reduction would apply here
    real = check(spec, "ends_bad")
    assert real.verdict is Verdict.VIOLATED
    assert real.stats["lasso_cycle"] == 2
    assert REDUCTIONS_OFF in real.reason and real.stats["symmetry"] == ""
    sem = Semantics(model)
    canon = Canon(model, sem.layout, symmetric_collections(model, claim))
    quotient = check_liveness(model, claim, Budget(), canon=canon)
    assert quotient.verdict is Verdict.HOLDS  # wrong: why the engine never does this
    assert quotient.states is not None and real.states is not None
    assert quotient.states < real.states


# ----------------------------------------------------------------------------- examples


@pytest.mark.parametrize(
    ("variant", "claim", "verdict"),
    [
        ("base", "writer_gets_lock", Verdict.HOLDS),
        ("base", "readers_get_lock", Verdict.HOLDS),
        ("fast_path_locked_only", "writer_gets_lock", Verdict.VIOLATED),
        ("fast_path_locked_only", "readers_get_lock", Verdict.VIOLATED),
        ("fast_path_locked_only", "exclusive", Verdict.HOLDS),  # the bug is liveness only
    ],
)
def test_qrwlock_starvation_is_found(variant: str, claim: str, verdict: Verdict) -> None:
    spec = load_spec(ROOT / "spec" / "examples" / "qrwlock.mbf").spec
    assert spec is not None
    r = check(spec, claim, variant)
    assert r.verdict is verdict, r.reason


def test_ticket_lock_serves_every_cpu() -> None:
    spec = load_spec(ROOT / "spec" / "examples" / "ticket_lock.mbf").spec
    assert spec is not None
    for variant in spec.variants:
        assert check(spec, "lock_all", variant).verdict is Verdict.HOLDS
    unfair = replace(spec.claim("lock_all"), fairness=())
    r = ExplicitEngine().check(spec.model("base"), unfair, Budget())
    assert r.verdict is Verdict.VIOLATED and r.stats["lasso_cycle"] == 0
