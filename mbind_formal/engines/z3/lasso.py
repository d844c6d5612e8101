"""Bounded lasso search with Z3: the shortest fair lasso violating a temporal claim.

Stage: engines. Input: a `Model`, a temporal `Claim`, a `Budget` (`max_depth`, default
30; timeouts; seed). Output: a `Result`: VIOLATED with the shortest fair lasso (its
number of steps, prefix and cycle together, is the least up to the bound; decoded and
replayed through `semantics.relation`, fairness included), or UNKNOWN with "no fair
lasso of at most k steps" (a bounded search proves nothing), or the limit that
stopped it.

Method: loop-detection BMC (Biere, Cimatti, Clarke, Zhu 1999). Depth by depth on one
solver holding init, the claim's assume and trans 0..k-1 (without the final stutter,
which the lasso itself stands for), each claim instance asks for a loop index l: state
k equals state l and the steps l..k-1 are the cycle, or l = k and the behaviour
stutters in state k forever (NOTE(fair lasso) in `semantics.fairness`). The cycle must
be fair: for each constraint, a step of its action that changes the state is taken in
the cycle, or the action is disabled in some cycle state (weak) / every cycle state
(strong). "Enabled" is TLA+'s `ENABLED <<A>>_vars`: some step of the action leads to
another state, an existential over the successor and the step's choices, so its
negation is a universal formula and the solver is z3's general one (quantifiers over
bit-vectors), not the QF_BV solver BMC uses.
"""

from __future__ import annotations

from dataclasses import replace

import z3

from mbind_formal.engines.base import Budget, Progress, Result, Verdict
from mbind_formal.engines.z3.encode import Encoding
from mbind_formal.engines.z3.run import (
    BMC_OPTIONS,
    Clock,
    EncodingBug,
    EncodingCache,
    Replayer,
    Status,
    cannot_run,
    check,
    max_depth,
    progress,
    unknown,
)
from mbind_formal.engines.z3.terms import Term
from mbind_formal.ir.model import Claim, FairnessKind, Model
from mbind_formal.semantics.fairness import (
    Constraint,
    InstanceExprs,
    claim_fairness,
    constraints,
    instance_exprs,
)
from mbind_formal.semantics.relation import SemanticsError
from mbind_formal.trace.model import Trace, TraceKind
from mbind_formal.trace.replay import replay_with


class _Lassos:
    """The unrolled paths and the per-time formulas the lasso conditions are made of."""

    def __init__(self, enc: Encoding, claim: Claim, budget: Budget, cons: tuple[Constraint, ...]):
        self.enc = enc
        self.cons = cons
        self._enabled: dict[tuple[int, int], Term] = {}
        quantified = any(_has_quantifier(self._enabled_at_0(i)) for i in range(len(cons)))
        # QF_BV (bit-blasting) when `qe` removed every quantifier, as BMC uses
        self.solver = z3.Solver(ctx=enc.ctx) if quantified else z3.SolverFor("QF_BV", ctx=enc.ctx)
        self.quantified = quantified
        self.solver.set("random_seed", budget.seed)
        self.solver.set("smt.random_seed", budget.seed)
        self.solver.add(enc.init())
        if claim.assume is not None:
            self.solver.add(enc.prop(claim.assume, 0))
        self.depth = 0
        n = len(enc.steps)
        self._moves = n  # selector values of real steps (n is the final stutter)

    def extend(self) -> None:
        """Add trans(depth) (a real step, never the final stutter) and go one deeper."""
        t = self.depth
        enc = self.enc
        self.solver.add(enc.trans(t))
        sel = enc.selector(t)
        self.solver.add(enc.terms.in_range(sel, 0, self._moves - 1))
        self.depth = t + 1

    def _sel_in(self, t: int, sids: frozenset[int]) -> Term:
        sel = self.enc.selector(t)
        return self.enc.terms.or_(self.enc.terms.num_eq(sel, self.enc.terms.num(i)) for i in sids)

    def taken(self, t: int, c: Constraint) -> Term:
        """The step from state t is one of c's and changes the state."""
        return z3.And(self._sel_in(t, c.sids), self.enc.distinct(t, t + 1))

    def enabled(self, t: int, c: Constraint) -> Term:
        """ENABLED <<A>>_vars in state t: a step of c's action leads to another state."""
        return self.enc.at_time(self._enabled_at_0(self.cons.index(c)), t)

    def _enabled_at_0(self, i: int) -> Term:
        """`enabled` in state 0: the successor and the choices quantified away, then
        eliminated (z3's `qe`, so later queries stay quantifier-free) where z3 can."""
        if (0, i) in self._enabled:
            return self._enabled[(0, i)]
        enc, c = self.enc, self.cons[i]
        template = enc.trans(0)  # over state 0, state 1 and the choices @0
        aux_next = [z3.Const(f"en{i}_{a}", a.sort()) for a in enc.atoms(1)]
        aux_choice = [z3.Const(f"en{i}_{a}", a.sort()) for a in enc.choice_atoms(0)]
        pairs = list(zip(enc.atoms(1), aux_next, strict=True))
        pairs += zip(enc.choice_atoms(0), aux_choice, strict=True)
        body = z3.substitute(template, *pairs)
        sel = aux_choice[0]  # choice_atoms starts with the selector
        picked = z3.Or([sel == enc.terms.num(j).term for j in sorted(c.sids)])
        changed = z3.Or([a != b for a, b in zip(aux_next, enc.atoms(0), strict=True)])
        formula = z3.Exists([*aux_next, *aux_choice], z3.And(body, picked, changed))
        goal = z3.Goal(ctx=enc.ctx)
        goal.add(formula)
        try:
            done = z3.Then("simplify", "qe", ctx=enc.ctx)(goal)
            parts = [f for sub in done for f in sub]
            free = z3.And(parts) if parts else z3.BoolVal(True, enc.ctx)
            if not _has_quantifier(free):
                formula = free
        except z3.Z3Exception:
            pass  # keep the quantified form
        self._enabled[(0, i)] = formula
        return formula

    def fair(self, loop: int, k: int) -> Term:
        """The cycle loop..k (empty: stuttering in state k) meets every constraint."""
        parts = []
        times = range(loop, k) if loop < k else range(k, k + 1)
        for c in self.cons:
            off = [z3.Not(self.enabled(t, c)) for t in times]
            if loop == k:
                parts.append(z3.And(off))
                continue
            taken = z3.Or([self.taken(t, c) for t in range(loop, k)])
            quiet = z3.Or(off) if c.kind is FairnessKind.WEAK else z3.And(off)
            parts.append(z3.Or(taken, quiet))
        return z3.And(parts) if parts else z3.BoolVal(True, self.enc.ctx)

    def bad(self, inst: InstanceExprs, loop: int, k: int) -> Term:
        """The lasso violates the instance: the goal fails on the cycle and, after the
        start (or from the initial state), to the end of the prefix."""
        enc = self.enc
        miss = [z3.Not(enc.prop(inst.goal, t)) for t in range(k + 1)]
        if inst.from_init:
            return z3.And(miss)
        cycle = z3.And(miss[loop:])
        if inst.start is None:
            return cycle
        starts = [z3.And(enc.prop(inst.start, j), *miss[j:]) for j in range(k + 1)]
        return z3.And(cycle, z3.Or(starts))

    def lasso(self, inst: InstanceExprs, k: int) -> tuple[Term, list[Term]]:
        """A lasso of k steps violating `inst`, and the indicator of each loop index."""
        enc = self.enc
        marks = [z3.Bool(f"loop{k}_{i}", enc.ctx) for i in range(k + 1)]
        options = []
        for at, mark in enumerate(marks):
            closes = z3.Not(enc.distinct(at, k)) if at < k else z3.BoolVal(True, enc.ctx)
            options.append(
                z3.Implies(mark, z3.And(closes, self.fair(at, k), self.bad(inst, at, k)))
            )
        # every loop index whose mark is set is a lasso (the decoder takes the first)
        return z3.And(z3.Or(marks), *options), marks


def _has_quantifier(e: Term) -> bool:
    todo = [e]
    while todo:
        x = todo.pop()
        if z3.is_quantifier(x):
            return True
        todo.extend(x.children())
    return False


class LassoEngine:
    """Loop-detection BMC: shortest fair lassos, never a proof."""

    name = "lasso"

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
        base = replace(unknown(self.name, model, claim, clock), method="lasso bmc")
        if not claim.temporal:
            return replace(
                base, reason=f"claim {claim.name} is a safety claim: lasso checks temporal ones"
            )
        enc = self._encodings.get(model, claim)
        try:
            replayer = Replayer(enc, self.name)
        except SemanticsError as e:
            return cannot_run(self.name, model, claim, clock, e)
        cons = constraints(replayer.sem, claim_fairness(model, claim))
        run = _Lassos(enc, claim, budget, cons)
        insts = list(instance_exprs(model, claim))
        bound = max_depth(budget)
        k = 0
        while True:
            progress(report, self.name, "lasso", clock, k)
            for inst in insts:
                run.solver.push()
                formula, marks = run.lasso(inst, k)
                run.solver.add(formula)
                ans = check(run.solver, clock)
                zm = run.solver.model() if ans.status is Status.SAT else None
                run.solver.pop()
                if ans.status is Status.UNKNOWN:
                    return replace(
                        base, bound=k - 1 if k else None, reason=ans.reason, seconds=clock.elapsed()
                    )
                if zm is None:
                    continue
                loop = next(i for i, m in enumerate(marks) if z3.is_true(zm.eval(m, True)))
                trace = enc.decode(zm, k, TraceKind.LASSO, claim.name, self.name)
                trace = replace(trace, loop=loop)
                checked = replay_lasso(replayer, trace, claim)
                where = f" for {', '.join(f'{n} = {v}' for n, v in inst.binding)}"
                shape = f"cycle of {k - loop} steps" if loop < k else "then stuttering forever"
                return replace(
                    base,
                    verdict=Verdict.VIOLATED,
                    trace=checked,
                    depth=k,
                    reason=f"shortest fair lasso{where if inst.binding else ''}: "
                    f"prefix of {loop} steps, {shape}",
                    stats={"lasso_prefix": loop, "lasso_cycle": k - loop},
                    seconds=clock.elapsed(),
                )
            if k >= bound:
                break
            run.extend()
            k += 1
        return replace(
            base,
            bound=bound,
            reason=f"no fair lasso of at most {bound} steps",
            seconds=clock.elapsed(),
        )


def replay_lasso(replayer: Replayer, trace: Trace, claim: Claim) -> Trace:
    """The trace, replayed (an encoding bug raises, as for every Z3 trace)."""
    res = replay_with(replayer.sem, trace, claim)
    if not res.ok:
        raise EncodingBug(
            f"internal error [MBF603]: the lasso trace for claim '{claim.name}' does not "
            f"replay at state {res.step}: {res.message}"
        )
    return trace
