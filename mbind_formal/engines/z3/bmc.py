"""Bounded model checking with Z3: the shortest counterexample up to a depth bound.

Stage: engines. Input: a `Model`, a `Claim`, a `Budget` (`max_depth`, default 30;
timeouts; seed). Output: a `Result`: VIOLATED with the shortest counterexample (decoded
from the z3 model and replayed through `semantics.relation`), or UNKNOWN with
"no violation up to depth k" (BMC proves nothing), or the timeout that stopped it.

`Unrolling` is the incremental search the other Z3 engines reuse: one solver holds
init, the claim's assume and trans 0..k-1; each depth k asks for a violation at k (the
claim fails, or a type violation: `Encoding.bad`) and
for every witness not reached yet, inside push/pop, so the first SAT depth is the
shortest. With `simple=True` it also asserts that the path's states are pairwise
distinct (a shortest path always is) and notices when no simple path is longer: then
everything reachable was seen, which proves the claim and decides every witness.
"""

from __future__ import annotations

from dataclasses import replace

from mbind_formal.engines.base import Budget, Progress, Result, Verdict
from mbind_formal.engines.z3.encode import Encoding
from mbind_formal.engines.z3.run import (
    BMC_OPTIONS,
    Clock,
    EncodingCache,
    Replayer,
    Status,
    cannot_run,
    check,
    max_depth,
    new_solver,
    not_safety,
    progress,
    unknown,
)
from mbind_formal.engines.z3.terms import Term
from mbind_formal.ir.model import Claim, Model
from mbind_formal.semantics.relation import SemanticsError
from mbind_formal.trace.model import Trace, TraceKind
from mbind_formal.trace.replay import violation_reason


class Unrolling:
    """Paths from the initial states (under the claim's assume), one depth at a time."""

    def __init__(
        self,
        enc: Encoding,
        claim: Claim,
        budget: Budget,
        clock: Clock,
        replayer: Replayer,
        *,
        simple: bool = False,
    ) -> None:
        self.enc = enc
        self.claim = claim
        self.clock = clock
        self.replayer = replayer
        self.simple = simple
        self.solver = new_solver(enc, budget)
        self.solver.add(enc.init())
        if claim.assume is not None:
            self.solver.add(enc.prop(claim.assume, 0))
        self.depth = -1  # the last depth fully checked
        self.violation: Trace | None = None
        self.witnesses: list[bool | None] = [None] * len(claim.witnesses)
        self.exhausted = False  # simple paths end before `depth + 1`: all states seen
        self.stop = ""  # why the search cannot go on (timeout, solver gave up)

    def _ask(self, goal: Term) -> tuple[Status, Term]:
        self.solver.push()
        self.solver.add(goal)
        ans = check(self.solver, self.clock)
        zmodel = self.solver.model() if ans.status is Status.SAT else None
        self.solver.pop()
        if ans.status is Status.UNKNOWN:
            self.stop = ans.reason
        return ans.status, zmodel

    def advance(self, violations: bool = True) -> bool:
        """Check the next depth; False once the search is over (a violation, all states
        seen, or stopped by a limit)."""
        if self.violation is not None or self.exhausted or self.stop:
            return False
        k = self.depth + 1
        enc = self.enc
        if k > 0:
            self.solver.add(enc.trans(k - 1))
            if self.simple:
                self.solver.add(*(enc.distinct(j, k) for j in range(k)))
                ans = check(self.solver, self.clock)
                if ans.status is Status.UNSAT:
                    self.exhausted = True
                    self.witnesses = [w is True for w in self.witnesses]
                    return False
                if ans.status is Status.UNKNOWN:
                    self.stop = ans.reason
                    return False
        if violations:
            status, zm = self._ask(enc.bad(self.claim.invariant, k))  # NOTE(type rule)
            if status is Status.SAT:
                self.violation = self.replayer.trace(zm, k, None, self.claim)
                self.depth = k
                return False
            if status is Status.UNKNOWN:
                return False
        for i, w in enumerate(self.claim.witnesses):
            if self.witnesses[i] is None:
                status, zm = self._ask(enc.prop(w, k))
                if status is Status.SAT:
                    # Replayed like any trace, so a wrong "reachable" cannot slip through.
                    one = replace(self.claim, witnesses=(w,))
                    self.replayer.trace(zm, k, TraceKind.WITNESS, one)
                    self.witnesses[i] = True
                elif status is Status.UNKNOWN:
                    return False
        self.depth = k
        return True

    def witnesses_open(self) -> bool:
        return any(w is None for w in self.witnesses)


class BmcEngine:
    """Bounded model checking: shortest counterexamples, never a proof."""

    name = "bmc"

    def __init__(self) -> None:
        self._encodings = EncodingCache(BMC_OPTIONS)

    def check(
        self,
        model: Model,
        claim: Claim,
        budget: Budget,
        report: Progress | None = None,
    ) -> Result:
        clock = Clock(budget)
        if claim.temporal:
            return not_safety(self.name, model, claim, clock)
        enc = self._encodings.get(model, claim)
        try:
            replayer = Replayer(enc, self.name)
        except SemanticsError as e:
            return cannot_run(self.name, model, claim, clock, e)
        run = Unrolling(enc, claim, budget, clock, replayer)
        bound = max_depth(budget)
        while run.depth < bound and run.advance():
            progress(report, self.name, "bmc", clock, run.depth)
        return bmc_result(self.name, model, claim, clock, run, bound)


def bmc_result(
    engine: str, model: Model, claim: Claim, clock: Clock, run: Unrolling, bound: int
) -> Result:
    """What a finished (or stopped) unrolling says on its own."""
    r = replace(unknown(engine, model, claim, clock), method="bmc")
    r = replace(r, witnesses=tuple(run.witnesses), seconds=clock.elapsed())
    if run.violation is not None:
        v = run.violation
        reason = violation_reason(run.replayer.sem, v, "bmc, shortest")
        return replace(r, verdict=Verdict.VIOLATED, trace=v, depth=len(v), reason=reason)
    if run.stop:
        return replace(r, depth=max(run.depth, 0), reason=f"{run.stop} at depth {run.depth + 1}")
    return replace(r, depth=bound, bound=bound, reason=f"no violation up to depth {bound}")
