"""Houdini over the parametric encoding: the largest inductive subset of the candidates.

Stage: engines (parametric). Input: a `PEncoding`, candidate invariants (IR), the claim's
invariant and `assume`. Output: `Houdini`: the kept candidates (a conjunction inductive
for every N), how many were dropped by initiation and by consecution, and, when the
claim itself was dropped, the counterexample to induction (a z3 model over state "").

Initiation drops a candidate some initial state violates at some N. Consecution asks,
per candidate c, for a state satisfying every kept candidate, a step, and a successor
violating c; a model drops c and every other candidate it also violates. Candidates
are switched on and off with assumption literals, so one solver serves every query. A
query the solver cannot decide drops its candidate (sound: a subset is still checked).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import z3

from mbind_formal.engines.param.encode import Ctx, PEncoding, State
from mbind_formal.engines.param.infer import Clause
from mbind_formal.ir.model import Expr

CTI_SIZES_UP_TO = 8  # sizes tried for a concrete CTI when the symbolic query is undecided


@dataclass(frozen=True, slots=True)
class Houdini:
    kept: tuple[int, ...]  # indices into (claim, *cands) that survived
    claim_kept: bool
    dropped_init: int
    dropped_step: int
    undecided: int
    queries: int
    unneeded: int  # alive after the small sizes but outside the claim's cores
    cti: z3.ModelRef | None  # a model of the query that dropped the claim
    cti_init: bool  # the claim failed in an initial state (not a CTI)
    cti_tag: str  # the name suffix of the CTI's pre-state variables
    timed_out: bool


def formula(enc: PEncoding, e: Expr, st: State) -> z3.BoolRef:
    v = enc.expr(e, Ctx(st))
    assert isinstance(v, z3.BoolRef)
    return v


class Builder:
    """Candidate formulas, template clauses built from cached atoms (the z3 API is slow
    per call, and each atom occurs in many clauses)."""

    def __init__(self, enc: PEncoding, coll_size: z3.ArithRef) -> None:
        self.enc = enc
        self.cache: dict[tuple[int, int, tuple[object, ...]], z3.BoolRef] = {}
        self.vars = {v: z3.Int(f"{v}!h") for v in ("p", "q")}

    def atom(
        self, e: Expr, st: State, binding: dict[str, z3.ArithRef], key: tuple[object, ...]
    ) -> z3.BoolRef:
        k = (id(e), id(st), key)
        got = self.cache.get(k)
        if got is None:
            v = self.enc.expr(e, Ctx(st, dict(binding)))
            assert isinstance(v, z3.BoolRef)
            got = self.cache[k] = v
        return got

    def build(self, c: Expr | Clause, st: State) -> z3.BoolRef:
        enc = self.enc
        if not isinstance(c, Clause):
            return formula(enc, c, st)

        def body(binding: dict[str, z3.ArithRef], key: tuple[object, ...]) -> z3.BoolRef:
            lits = []
            for e, pol in c.lits:
                a = self.atom(e, st, binding, key)
                lits.append(a if pol else z3.Not(a))
            return z3.Or(lits)

        if not c.prefix:
            return body({}, ())
        size = enc.size(enc.coll)
        n = enc.fixed_size(enc.coll)
        if n is not None:
            parts = []
            for i in range(n):
                if len(c.prefix) == 1:
                    parts.append(body({"p": z3.IntVal(i)}, (i,)))
                    continue
                for j in range(n):
                    if i != j:
                        parts.append(body({"p": z3.IntVal(i), "q": z3.IntVal(j)}, (i, j)))
            return z3.And(parts) if parts else z3.BoolVal(True)
        p, q = self.vars["p"], self.vars["q"]
        if len(c.prefix) == 1:
            return z3.ForAll([p], z3.Implies(z3.And(p >= 0, p < size), body({"p": p}, ("p",))))
        guard = z3.And(p >= 0, p < size, q >= 0, q < size, p != q)
        return z3.ForAll([p, q], z3.Implies(guard, body({"p": p, "q": q}, ("p", "q"))))


def _solver(timeout_s: float, seed: int) -> z3.Solver:
    s = z3.Solver()
    s.set("timeout", max(1, int(timeout_s * 1000)))
    s.set("random_seed", seed)
    return s


class _Run:
    """The state of one Houdini run: which candidates are alive, counts, the CTI."""

    def __init__(
        self,
        enc: PEncoding,
        allc: tuple[Expr | Clause, ...],
        deadline: float,
        query_s: float,
        seed: int,
    ) -> None:
        self.enc, self.allc, self.deadline, self.query_s, self.seed = (
            enc,
            allc,
            deadline,
            query_s,
            seed,
        )
        self.alive = [True] * len(allc)
        self.count = {"queries": 0, "undecided": 0, "init": 0, "step": 0}
        self.cti: z3.ModelRef | None = None
        self.cti_init = False
        self._names = 0
        self.tag = ""
        self.cti_tag = ""

    def left(self) -> float:
        return min(self.query_s, max(0.05, self.deadline - time.monotonic()))

    def fresh(self, what: str) -> z3.BoolRef:
        self._names += 1
        return z3.Bool(f"{what}!{self._names}")

    def kill(self, k: int, phase: str, m: z3.ModelRef | None) -> None:
        self.alive[k] = False
        self.count[phase] += 1
        if k == 0 and self.cti is None and m is not None:
            self.cti, self.cti_init, self.cti_tag = m, phase == "init", self.tag

    def at_size(self, n: int | None) -> bool:
        """Houdini at one size (`None`: every size); False when out of time."""
        enc = self.enc
        old, enc.at_n = enc.at_n, n
        try:
            tag = "" if n is None else f"@{n}"
            self.tag = tag
            s0, s1 = enc.state(tag), enc.state(tag + "'")
            b = Builder(enc, enc.size(enc.coll))
            pre = [b.build(c, s0) for c in self.allc]
            post = [b.build(c, s1) for c in self.allc]
            ini = self._solver()
            ini.add(enc.init(s0, self.assume))
            if n is not None:
                ini.add(n == enc.N)
            if not self.rounds(ini, [], pre, s0, "init"):
                return False
            if not self.alive[0]:
                return True
            step = self._solver()
            step.add(enc.domain(s0), enc.trans(s0, s1), enc.same_consts(s0, s1))
            if n is not None:
                step.add(n == enc.N)
            on = [self.fresh("on") for _ in self.allc]
            for k in range(len(self.allc)):
                step.add(z3.Implies(on[k], pre[k]))
            return self.rounds(step, on, post, s1, "step")
        finally:
            enc.at_n = old

    assume: Expr | None = None

    def shrink(self, n: int) -> bool:
        """Keep only what the claim needs at size `n`: the closure of unsat cores of the
        consecution queries, from the claim on (so the symbolic queries stay small)."""
        enc = self.enc
        old, enc.at_n = enc.at_n, n
        try:
            s0, s1 = enc.state(f"@{n}"), enc.state(f"@{n}'")
            b = Builder(enc, enc.size(enc.coll))
            live = [k for k in range(len(self.allc)) if self.alive[k]]
            pre = {k: b.build(self.allc[k], s0) for k in live}
            post = {k: b.build(self.allc[k], s1) for k in live}
            solver = self._solver()
            solver.set("core.minimize", True)
            solver.add(enc.domain(s0), enc.trans(s0, s1), enc.same_consts(s0, s1), n == enc.N)
            on = {k: self.fresh("core") for k in live}
            for k in live:
                solver.add(z3.Implies(on[k], pre[k]))
            back = {str(on[k]): k for k in live}
            need = {0}
            todo = [0]
            while todo:
                if time.monotonic() > self.deadline:
                    return False
                k = todo.pop()
                g = self.fresh("need")
                solver.add(z3.Implies(g, z3.Not(post[k])))
                solver.set("timeout", max(1, int(self.left() * 1000)))
                self.count["queries"] += 1
                if solver.check(*on.values(), g) != z3.unsat:
                    return True  # keep everything: the cores are only a shortcut
                for a in solver.unsat_core():
                    j = back.get(str(a))
                    if j is not None and j not in need:
                        need.add(j)
                        todo.append(j)
            self.shrunk = len(live) - len(need)
            for k in live:
                if k not in need:
                    self.alive[k] = False
            return True
        finally:
            enc.at_n = old

    shrunk = 0

    def _solver(self) -> z3.Solver:
        s = z3.Solver()
        s.set("random_seed", self.seed)
        s.set("timeout", max(1, int(self.left() * 1000)))
        return s

    def drop_false(self, m: z3.ModelRef, st: State, phase: str, target: list[z3.BoolRef]) -> int:
        """Drop every alive candidate the model violates in `st`, evaluated at the
        model's N with quantifiers expanded (z3 does not evaluate quantifiers)."""
        enc = self.enc
        if enc.at_n is None:
            nv = m.eval(enc.N, model_completion=True)
            if not z3.is_int_value(nv):
                return 0
            n = nv.as_long()
            if n > 64:
                return 0
        dropped = 0
        for k in range(len(self.allc)):
            if not self.alive[k]:
                continue
            if enc.at_n is not None:
                f = target[k]
            else:
                enc.at_n = n
                try:
                    f = Builder(enc, enc.size(enc.coll)).build(self.allc[k], st)
                finally:
                    enc.at_n = None
            if z3.is_false(m.eval(f, model_completion=True)):
                self.kill(k, phase, m)
                dropped += 1
        return dropped

    def rounds(
        self,
        solver: z3.Solver,
        on: list[z3.BoolRef],
        target: list[z3.BoolRef],
        st: State,
        phase: str,
    ) -> bool:
        """Query until every alive candidate holds in `st`; False when out of time."""
        while self.alive[0]:
            if time.monotonic() > self.deadline:
                return False
            live = [k for k in range(len(self.allc)) if self.alive[k]]
            g = self.fresh(phase)
            solver.add(z3.Implies(g, z3.Or([z3.Not(target[k]) for k in live])))
            solver.set("timeout", max(1, int(self.left() * 1000)))
            self.count["queries"] += 1
            r = solver.check(*[on[k] for k in live if on], g)
            if r == z3.unsat:
                return True
            if r == z3.sat and self.drop_false(solver.model(), st, phase, target):
                continue
            # undecided, or a model that decides no candidate: one query per candidate
            for k in live:
                if not self.alive[k]:
                    continue
                if time.monotonic() > self.deadline:
                    return False
                gk = self.fresh(phase)
                solver.add(z3.Implies(gk, z3.Not(target[k])))
                solver.set("timeout", max(1, int(self.left() * 1000)))
                self.count["queries"] += 1
                now = [j for j in range(len(self.allc)) if self.alive[j]]
                rk = solver.check(*[on[j] for j in now if on], gk)
                if rk == z3.unsat:
                    continue
                if rk == z3.sat:
                    m = solver.model()
                    if not self.drop_false(m, st, phase, target):
                        self.kill(k, phase, m)
                else:
                    self.count["undecided"] += 1
                    self.kill(k, phase, None)
        return True


def houdini(
    enc: PEncoding,
    claim: Expr,
    assume: Expr | None,
    cands: tuple[Expr | Clause, ...],
    deadline: float,
    query_s: float,
    seed: int = 0,
    small: tuple[int, ...] = (2, 3),
) -> Houdini:
    """Run Houdini on `(claim, *cands)`: first at the sizes `small` (quantifier-free,
    fast; a candidate that is not inductive at one size is not inductive for all), then
    for symbolic N (see the module docstring)."""
    allc = (claim, *cands)
    run = _Run(enc, allc, deadline, query_s, seed)
    run.assume = assume
    ok = True
    sizes = [k for k in small if k >= enc.fam.min_size]
    for n in sizes:
        if not run.alive[0]:
            break
        while ok:
            before = sum(run.alive)
            ok = run.at_size(n)
            if sum(run.alive) == before or not run.alive[0]:
                break
        if not ok:
            break
    if ok and run.alive[0] and sizes:
        ok = run.shrink(sizes[-1])
    while ok and run.alive[0]:
        before = sum(run.alive)
        ok = run.at_size(None)
        if sum(run.alive) == before:
            break
    if ok and not run.alive[0] and run.cti is None:
        # The symbolic query for the claim was undecided: look for a counterexample to
        # induction at sizes beyond the sampled ones (quantifier-free, decidable).
        run.alive[0] = True
        for n in range(max(sizes or [1]) + 1, CTI_SIZES_UP_TO + 1):
            ok = run.at_size(n)
            if not ok or not run.alive[0]:
                break
        run.alive[0] = False
        ok = True
    c = run.count
    if not ok:
        return Houdini(
            (),
            False,
            c["init"],
            c["step"],
            c["undecided"],
            c["queries"],
            run.shrunk,
            None,
            False,
            "",
            True,
        )
    kept = tuple(k for k, a in enumerate(run.alive) if a)
    return Houdini(
        kept,
        run.alive[0],
        c["init"],
        c["step"],
        c["undecided"],
        c["queries"],
        run.shrunk,
        run.cti,
        run.cti_init,
        run.cti_tag,
        False,
    )
