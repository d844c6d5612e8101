"""Partial-order reduction: per state, a stubborn set of steps the explicit search follows.

Stage: explicit engine (`engines.explicit` calls it on every state it expands).
Input: the model's `Footprints` (`engines.footprint`), a state, the steps enabled there
(a bitmask of step ids) and the visible steps (a bitmask: those that may write a slot
the claim reads). Output: the bitmask of enabled steps to follow, a subset of the
enabled ones; all of them when nothing can be left out.

NOTE(partial-order reduction): the set follows Valmari's stubborn sets (A. Valmari,
"Stubborn sets for reduced state space generation", Advances in Petri Nets 1990; the
same conditions as Clarke, Grumberg, Peled, "Model Checking", ch. 10, ample sets C0-C3).
Steps are whole steps of one actor instance (all their `either`/`pick` paths at once),
and two steps are *independent* when neither writes a slot the other reads or writes
(`footprint.independent`): then from any state, firing them in either order gives the
same successors (paths), and neither can enable or disable the other. A set T built
from an enabled seed is closed under:
  D1  an enabled step in T brings every step dependent on it;
  D2  a disabled step in T brings a necessary enabling set (NES): steps one of which
      must fire before it can become enabled. If its instance's pc is elsewhere, only
      that instance's current step can move the pc (none if the instance is done);
      else the first false conjunct of the leading `await`s (in evaluation order), or
      the whole body when they all hold, reads slots, and
      the NES is the steps of *other* instances that may write them (for another
      instance's pc: its current step). The step's own instance cannot move meanwhile.
  V   if T holds an enabled visible step, T holds every visible step.
The search follows the enabled steps of T; the proviso (in `engines.explicit`) follows
every enabled step instead when one of T's successors is already closed (expanded).

Why the verdicts stay the same (s0 is an expanded state, w = w1..wn a path of the full
model from s0 to a state r; "outside T" means no wi is in T(s0)):
  (a) If some wi is in T(s0), the first such is enabled at s0 (if it were disabled, its
      NES would be in T and w1..wi-1, outside T, could not enable it) and independent of
      w1..wi-1, so s0 -wi-> s1 and s1 reaches r in n-1 steps: induction on n.
  (b) If w is outside T, every enabled u in T(s0) is independent of every wi (D1), so
      s0 -u-> s1 reaches u(r) by w, and w1 stays enabled. Along any path of followed
      steps that keeps w outside T, w1 stays enabled and the path cannot go on forever
      in a finite graph without a cycle, which holds a fully expanded state (the
      proviso), where w1 is in T: so (a) applies after finitely many steps.
  Deadlocks and final states (no enabled step): in (b) u would stay enabled at r, so
  (a) applies, and every terminal state r of the full model is reached itself. So
  `final` claims (checked in terminal states) and deadlocks need neither V nor the
  proviso. `always` claims and `reachable` witnesses: take r the first state on w where
  the predicate P holds (the violation, or the witness), so wn is visible; in (b) wn is
  outside T, so by V no enabled step of T is visible and P(u(r)) = P(r). So a state
  satisfying P is reached whenever one is reachable. Steps that fire (coverage),
  evaluation errors and type violations (a store outside its type, ir.model NOTE(type
  rule), seen when a state is expanded) are preserved the same way: whether a step
  fires, fails or stores out of range in a state depends only on the slots it reads.
Witnesses already reached no longer count as visible: the argument for a witness still
pending at the end holds at every state, as it was visible throughout.

With symmetry the search is over canonical representatives: T is computed at the
representative itself (the engine expands the canonical state, not another member of
its orbit), a permutation maps paths to paths of the same length and keeps the claim,
so (a) and (b) carry over to the quotient graph, and the proviso is checked on it.
"""

from __future__ import annotations

from collections.abc import Sequence

from mbind_formal.engines.footprint import Footprints, guard_conjuncts
from mbind_formal.ir.model import Model
from mbind_formal.semantics.closures import Ctx, ExprCompiler, ExprFn
from mbind_formal.semantics.layout import Layout, SlotKind, State


def _bits(mask: int) -> list[int]:
    out = []
    while mask:
        low = mask & -mask
        out.append(low.bit_length() - 1)
        mask ^= low
    return out


class Reducer:
    """Stubborn sets of one model (see NOTE(partial-order reduction))."""

    def __init__(self, model: Model, layout: Layout, fp: Footprints) -> None:
        self.fp = fp
        compiler = ExprCompiler(model, layout)
        pc_owner = {slot: i for i, slot in enumerate(fp.pcs)}
        own = [0] * len(fp.pcs)
        for f in fp.steps:
            own[f.instance] |= 1 << f.sid
        # Per step: the compiled leading awaits, and per await (then the body) the
        # static part of the NES and the other instances whose pc it reads.
        self._guards: list[tuple[ExprFn, ...]] = []
        self._needs: list[tuple[tuple[int, tuple[int, ...]], ...]] = []
        for a in model.actors:
            for k in range(a.instances):
                ctx = Ctx(actor=a.name, instance=k, self_value=k)
                for st in a.steps:
                    conj = guard_conjuncts(st.body)
                    self._guards.append(tuple(compiler.expr(c, ctx) for c in conj))
        for f in fp.steps:
            needs = []
            for reads in (*f.guards, f.reads):
                static = 0
                insts: list[int] = []
                for x in sorted(reads):
                    if layout.slots[x].kind is SlotKind.PC:
                        j = pc_owner[x]
                        if j != f.instance:
                            insts.append(j)
                    else:
                        static |= fp.writers[x]
                needs.append((static & ~own[f.instance], tuple(insts)))
            self._needs.append(tuple(needs))
        self._scratch = [0] * compiler.max_depth
        self._seeds: dict[tuple[int, int], tuple[int, ...]] = {}

    def seeds(self, enabled: int, visible: int) -> tuple[int, ...]:
        """The enabled seeds whose stubborn set may leave an enabled step out.

        A cheap bound first, without evaluating anything in the state: the set grown
        from a seed holds at least the enabled steps reached from it through the
        dependencies of enabled steps (D1), and then every enabled visible one (V). A
        seed whose bound is already every enabled step cannot reduce. The answer
        depends on (enabled, visible) only and is kept."""
        got = self._seeds.get((enabled, visible))
        if got is None:
            dep = self.fp.dependent
            out = []
            for seed in _bits(enabled):
                low = 1 << seed
                work = [seed]
                while work:
                    new = dep[work.pop()] & enabled & ~low
                    if low & visible:
                        new |= visible & enabled & ~low
                    low |= new
                    work.extend(_bits(new))
                if low != enabled:
                    out.append(seed)
            got = self._seeds[(enabled, visible)] = tuple(out)
        return got

    def _current(self, s: State, inst: int) -> int:
        """Bitmask of the step instance `inst` is at (0 when it is done)."""
        at = self.fp.at[inst]
        pc = int(s[self.fp.pcs[inst]])
        return 1 << at[pc] if pc < len(at) else 0

    def necessary(self, s: State, sid: int) -> int:
        """A necessary enabling set of step `sid`, disabled in `s` (D2)."""
        f = self.fp.steps[sid]
        if s[self.fp.pcs[f.instance]] != f.label:
            return self._current(s, f.instance)
        needs = self._needs[sid]
        b = self._scratch
        which = len(needs) - 1  # the body, unless a conjunct of a leading await is false
        for i, g in enumerate(self._guards[sid]):
            if not g(s, b):
                which = i
                break
        static, insts = needs[which]
        for j in insts:
            static |= self._current(s, j)
        return static

    def reduce(
        self, s: State, enabled: int, visible: int, seeds: Sequence[int] | None = None
    ) -> int:
        """The enabled steps of the smallest stubborn set over the enabled seeds (ties:
        the lowest seed), or `enabled` itself when no seed gives fewer. `seeds`: those
        `seeds(enabled, visible)` answers, when the caller has them."""
        if enabled & (enabled - 1) == 0:  # zero or one enabled step
            return enabled
        best = enabled
        best_n = enabled.bit_count()
        nes: dict[int, int] = {}
        for seed in self.seeds(enabled, visible) if seeds is None else seeds:
            got = self._closure(s, seed, enabled, visible, nes)
            n = got.bit_count()
            if n < best_n:
                best, best_n = got, n
                if n == 1:
                    break
        return best

    def _closure(self, s: State, seed: int, enabled: int, visible: int, nes: dict[int, int]) -> int:
        """The enabled steps of the stubborn set grown from `seed` (D1, D2, V)."""
        dep = self.fp.dependent
        t_set = 1 << seed
        if visible >> seed & 1:
            t_set |= visible
            visible = 0  # V is satisfied once and for all
        work = _bits(t_set)
        while work:
            t = work.pop()
            if enabled >> t & 1:
                add = dep[t]
            else:
                add = nes.get(t, -1)
                if add < 0:
                    add = nes[t] = self.necessary(s, t)
            new = add & ~t_set
            if not new:
                continue
            t_set |= new
            if visible and new & enabled & visible:
                new |= visible & ~t_set
                t_set |= visible
                visible = 0
            if t_set & enabled == enabled:
                return enabled
            work.extend(_bits(new))
        return t_set & enabled
