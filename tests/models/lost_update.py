"""A lost update, the shared small spec of the CLI and report tests.

Two workers read a counter, then write what they read plus one: both can read 0 and
the counter ends at 1. `atomic` reads and writes in one step; `same` is the base model
again (so `diff` finds nothing). `tlc_not_run` stands in for TLC where a test needs the
other engines only.
"""

from __future__ import annotations

from mbind_formal.engines.base import Budget, Result, Verdict
from mbind_formal.ir.model import Claim, Model

SPEC = """\
param limit = 2;
type Count = 0..3;
const start: Count in {0, 1};
var count: Count = 0;
init start == 0;

actor worker[2] {
  var seen: Count = 0;
  check:
    seen = count;
  bump:
    if (seen < limit) { count = seen + 1; }
    done;
}

variant atomic {
  step worker.check {
    seen = count;
    if (seen < limit) { count = seen + 1; }
    done;
  }
}
variant same { }

// the increments of both workers land
claim no_lost_update {
  final count == 2;
  reachable count == 2;
}
claim small {
  always count <= 2;
  reachable count == 1;
}

scenario both_count {
  run worker;
  expect count == 2;
}
scenario wrong_expectation {
  run worker;
  expect count == 1;
}
"""


def tlc_not_run(self: object, model: Model, claim: Claim, budget: Budget, rep: object) -> Result:
    """`TlcEngine.check` for tests that leave TLC out: unknown, saying so."""
    del self, budget, rep
    return Result(
        verdict=Verdict.UNKNOWN,
        engine="tlc",
        method="tlc",
        variant=model.variant,
        claim=claim.name,
        reason="not run in this test",
    )
