"""PDR / IC3 with Z3's Spacer: unbounded proofs with a certified inductive invariant.

Stage: engines. Input: a `Model`, a `Claim`, a `Budget`. Output: a `Result`: HOLDS (or
VACUOUS / UNKNOWN by NOTE(witness rule) in `z3_run`) with `invariant` = the certified
invariant printed in spec syntax; VIOLATED with the shortest trace found by BMC and
replayed; UNKNOWN on timeouts, on Spacer giving up, or on a certificate that fails.
A short BMC pass runs first (shallow bugs, and the witnesses it reaches on the way).

Horn clauses over one predicate `Inv` on the state variables (`Encoding.atoms(0)`):
    Inv(s)  <= init(s) && assume(s)
    Inv(s') <= Inv(s) && trans(s, s')
    Bad     <= Inv(s) && bad(s)      (the claim fails, or a type violation: `Encoding.bad`)
queried for `Bad`. NOTE(spacer answer): Spacer says sat when `Bad` is derivable, i.e.
when a bad state is REACHABLE; `_reachable` is the one place that reads its answer.
On unsat, Spacer's interpretation of `Inv` is checked by three plain SMT queries
(`certify`: init => Inv, Inv && trans => Inv', Inv => good) before anything is
believed. Witnesses are queried the same way with `bad` = the witness: reachable ->
True, certified unreachable -> False (VACUOUS).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import z3

from mbind_formal.engines.base import Budget, Progress, Result, Verdict
from mbind_formal.engines.z3.bmc import Unrolling, bmc_result
from mbind_formal.engines.z3.encode import Encoding
from mbind_formal.engines.z3.print import render_invariant
from mbind_formal.engines.z3.run import (
    BMC_OPTIONS,
    PDR_OPTIONS,
    Clock,
    EncodingCache,
    Replayer,
    Status,
    cannot_run,
    check,
    limit_reason,
    max_depth,
    new_solver,
    not_safety,
    progress,
    settle,
    unknown,
)
from mbind_formal.engines.z3.terms import Term
from mbind_formal.ir.model import Claim, Expr, Model
from mbind_formal.semantics.relation import SemanticsError
from mbind_formal.trace.replay import violation_reason

_TRACE_DEPTH = 1000  # how far BMC may go for the trace of a violation PDR found
QUICK_DEPTH = 20  # the BMC pass before Spacer (see `PdrEngine`)
PRE_SHARE = 0.25  # of the time left, what that BMC pass may spend


@dataclass(frozen=True, slots=True)
class Reach:
    """What Spacer says about one bad predicate: reachable (True), unreachable (False,
    with the invariant over state 0), or unknown (None, with the reason)."""

    reachable: bool | None
    invariant: Term = None
    reason: str = ""
    levels: int = 0


def _reachable(answer: Term) -> bool | None:
    """NOTE(spacer answer): sat = the query is derivable = a bad state is reachable."""
    if answer == z3.sat:
        return True
    if answer == z3.unsat:
        return False
    return None


def pdr_reach(enc: Encoding, assume: Expr | None, bad: Term, budget: Budget, clock: Clock) -> Reach:
    """Ask Spacer whether a state satisfying `bad` (a term over state 0) is reachable."""
    if clock.expired():
        return Reach(None, reason="timeout")
    ctx = enc.ctx
    s0, s1 = enc.atoms(0), enc.atoms(1)
    fp = z3.Fixedpoint(ctx=ctx)
    fp.set(engine="spacer")
    fp.set("spacer.random_seed", budget.seed)
    ms = clock.start_query()
    if ms is not None:
        fp.set("timeout", ms)
    if clock.rlimit():
        fp.set("rlimit", clock.rlimit())
    inv = z3.Function("Inv", *[a.sort() for a in s0], z3.BoolSort(ctx))
    err = z3.Function("Bad", z3.BoolSort(ctx))
    fp.register_relation(inv, err)
    fp.declare_var(*s0, *s1, *enc.choice_atoms(0))
    start = enc.init() if assume is None else z3.And(enc.init(), enc.prop(assume, 0))
    fp.rule(inv(*s0), start)
    fp.rule(inv(*s1), [inv(*s0), enc.trans(0)])
    fp.rule(err(), [inv(*s0), bad])
    try:
        answer = fp.query(err())
    except z3.Z3Exception as e:  # canceled by the timeout, or out of memory
        return Reach(None, reason=limit_reason(clock, str(e)))
    reachable = _reachable(answer)
    if reachable is None:
        return Reach(None, reason=limit_reason(clock, str(fp.reason_unknown())))
    if reachable:
        return Reach(True)
    body = z3.substitute_vars(fp.get_cover_delta(-1, inv), *s0)
    return Reach(False, invariant=body, levels=int(fp.get_num_levels(inv)))


def certify(
    enc: Encoding, assume: Expr | None, inv: Term, good: Term, budget: Budget, clock: Clock
) -> str | None:
    """None if `inv` (over state 0) is an inductive invariant implying `good`; else what
    fails. Three independent queries: initiation, consecution, safety."""
    s0, s1 = enc.atoms(0), enc.atoms(1)
    inv1 = z3.substitute(inv, *zip(s0, s1, strict=True))
    start = enc.init() if assume is None else z3.And(enc.init(), enc.prop(assume, 0))
    queries = (
        ("it does not hold in every initial state", [start, z3.Not(inv)]),
        ("it is not inductive", [inv, enc.trans(0), z3.Not(inv1)]),
        ("it does not imply the property", [inv, z3.Not(good)]),
    )
    for what, parts in queries:
        solver = new_solver(enc, budget)
        solver.add(*parts)
        ans = check(solver, clock)
        if ans.status is Status.SAT:
            return what
        if ans.status is Status.UNKNOWN:
            return f"could not check that it holds ({ans.reason})"
    return None


class PdrEngine:
    """Spacer (PDR/IC3) proofs, certified; BMC for traces and reachable witnesses.

    `quick_depth`: depth of the BMC pass run before Spacer. Spacer is slow to find deep
    paths (a depth-11 violation of the mbind model is out of its reach in a minute; BMC
    finds it in one second), and a violation needs BMC for its trace anyway.
    """

    name = "pdr"

    def __init__(self, quick_depth: int = QUICK_DEPTH) -> None:
        self.quick_depth = quick_depth
        self._encodings = EncodingCache(PDR_OPTIONS)
        self._bmc_encodings = EncodingCache(BMC_OPTIONS)

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
        base = replace(unknown(self.name, model, claim, clock), method="pdr")
        benc = self._bmc_encodings.get(model, claim)
        try:
            replayer = Replayer(benc, self.name)
        except SemanticsError as e:
            return cannot_run(self.name, model, claim, clock, e)
        # The BMC pass gets a share of the time (a pass stopped by it hands over to
        # Spacer: the budget is PDR's, issue 17); the unrolling then goes on under the
        # whole clock, for the trace of a violation and for witnesses.
        run = Unrolling(benc, claim, budget, self._pre_clock(budget, clock), replayer)
        while run.depth < min(self.quick_depth, max_depth(budget)) and run.advance():
            progress(report, self.name, "bmc", clock, run.depth)
        if run.violation is not None or clock.expired():
            return bmc_result(self.name, model, claim, clock, run, run.depth)
        run.clock, run.stop = clock, ""
        enc = self._encodings.get(model, claim)
        if not self._has_initial_state(enc, claim, budget, clock):
            return self._no_initial_state(enc, claim, base, clock)
        good = enc.good(claim.invariant, 0)  # NOTE(type rule): no store out of its type
        progress(report, self.name, "pdr", clock, 0)
        reach = pdr_reach(enc, claim.assume, z3.Not(good), budget, clock)
        if reach.reachable is None:
            return replace(base, reason=f"pdr: {reach.reason}", seconds=clock.elapsed())
        if reach.reachable:
            return self._violation(model, claim, clock, run, base)
        failure = certify(enc, claim.assume, reach.invariant, good, budget, clock)
        if failure is not None:
            return replace(
                base, reason=f"pdr invariant rejected: {failure}", seconds=clock.elapsed()
            )
        how = self._witnesses(enc, claim, budget, clock, run, report)
        verdict, reason = settle("pdr", run.witnesses, how)
        text = render_invariant(enc, reach.invariant)
        stats = {} if text is not None else {"invariant": "certified, not printable in spec syntax"}
        return replace(
            base,
            verdict=verdict,
            depth=reach.levels,
            reason="" if verdict is Verdict.HOLDS else reason,
            witnesses=tuple(run.witnesses),
            invariant=text,
            seconds=clock.elapsed(),
            stats=stats,
        )

    @staticmethod
    def _pre_clock(budget: Budget, clock: Clock) -> Clock:
        """The clock of the BMC pass: `PRE_SHARE` of the time left (of no time limit
        when the budget has none; its queries keep the budget's resource limit)."""
        left = clock.remaining()
        if left is None:
            return clock
        return Clock(replace(budget, timeout_s=max(0.0, left) * PRE_SHARE))

    @staticmethod
    def _has_initial_state(enc: Encoding, claim: Claim, budget: Budget, clock: Clock) -> bool:
        """Some initial state satisfies the claim's assume (unknown counts as yes: then
        Spacer decides as usual)."""
        solver = new_solver(enc, budget)
        solver.add(enc.init())
        if claim.assume is not None:
            solver.add(enc.prop(claim.assume, 0))
        return check(solver, clock).status is not Status.UNSAT

    def _no_initial_state(self, enc: Encoding, claim: Claim, base: Result, clock: Clock) -> Result:
        """No initial state: the invariant `false` is certified by the query that found
        none, and every witness is unreachable (VACUOUS, as the other engines say)."""
        why = "no initial state satisfies the claim's assume"
        witnesses = [False] * len(claim.witnesses)
        verdict, reason = settle("pdr: invariant false", witnesses, [why] * len(witnesses))
        return replace(
            base,
            verdict=verdict,
            depth=0,
            reason="" if verdict is Verdict.HOLDS else reason,
            witnesses=tuple(witnesses),
            invariant="false",
            seconds=clock.elapsed(),
        )

    def _violation(
        self, model: Model, claim: Claim, clock: Clock, run: Unrolling, base: Result
    ) -> Result:
        """Spacer found the bad state reachable: BMC finds the shortest trace to it."""
        while run.depth < _TRACE_DEPTH and run.advance():
            pass
        if run.violation is None:
            why = run.stop or f"no trace within depth {_TRACE_DEPTH}"
            return replace(
                base,
                reason=f"pdr: a violation is reachable, but BMC found no trace ({why})",
                seconds=clock.elapsed(),
            )
        v = run.violation
        return replace(
            base,
            verdict=Verdict.VIOLATED,
            trace=v,
            depth=len(v),
            reason=violation_reason(run.replayer.sem, v, "found by pdr, shortest by bmc"),
            witnesses=tuple(run.witnesses),
            seconds=clock.elapsed(),
        )

    def _witnesses(
        self,
        enc: Encoding,
        claim: Claim,
        budget: Budget,
        clock: Clock,
        run: Unrolling,
        report: Progress | None,
    ) -> list[str]:
        """Decide the witnesses `run` has not reached: BMC up to the depth bound first
        (fast on reachable ones), then Spacer (reachable, or certified unreachable)."""
        while run.witnesses_open() and run.depth < max_depth(budget):
            if not run.advance(violations=False):
                break
            progress(report, self.name, "witness", clock, run.depth)
        how = ["reached by BMC" if w else "" for w in run.witnesses]
        for i, w in enumerate(claim.witnesses):
            if run.witnesses[i] is not None:
                continue
            target = enc.prop(w, 0)
            r = pdr_reach(enc, claim.assume, target, budget, clock)
            if r.reachable is None:
                how[i] = f"pdr: {r.reason}"
            elif r.reachable:
                run.witnesses[i] = True
                how[i] = "pdr: reachable"
            else:
                bad = certify(enc, claim.assume, r.invariant, z3.Not(target), budget, clock)
                run.witnesses[i] = None if bad else False
                how[i] = f"pdr certificate rejected: {bad}" if bad else "pdr: certified"
        return how
