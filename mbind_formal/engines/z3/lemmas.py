"""Program-counter lemmas: an inductive invariant that strengthens k-induction.

Stage: engines (used by `z3_induction`). Input: an `Encoding`, a claim's `assume`, a
`Budget`. Output: a term over state 0 that holds in every reachable state (under the
assume), or `true`.

NOTE(pc lemmas) (issue 14.4): k-induction needs k as long as the walk when the step
case may start in unreachable states, such as an actor at a label with a local it
cannot have there. Candidates `pc == L => slot != v` (every actor instance's label L,
every other non-constant slot with at most `_MAX_VALUES` values, each value v) are
filtered Houdini-style: drop those a reachable state falsifies (a breadth-first walk of
at most `_SAMPLE_STATES` states), then those some initial state falsifies, then
repeatedly those falsified after one step from a state where all the others hold,
until the rest is inductive. What remains holds initially and is preserved by every
step, so it holds in every reachable state: adding it to the step case is sound and
removes unreachable predecessors. Any solver answer other than sat/unsat ends the
filter with `true`.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import assert_never

import z3

from mbind_formal.engines.base import Budget
from mbind_formal.engines.z3.encode import Encoding
from mbind_formal.engines.z3.run import Clock, Status, check, new_solver
from mbind_formal.engines.z3.terms import BoolV, NumV, SetV, Term, Value
from mbind_formal.ir.model import Expr
from mbind_formal.semantics.layout import SlotKind, State, domain, sizes_of
from mbind_formal.semantics.relation import Semantics, SemanticsError

_MAX_VALUES = 4  # slots with more values are not constrained by candidates
_MAX_CANDIDATES = 20_000
_SAMPLE_STATES = 20_000  # reachable states that pre-filter the candidates


Candidate = tuple[int, int, int, int | bool]  # (pc slot, label, other slot, value)


def candidates(enc: Encoding) -> list[Candidate]:
    """`pc == L => slot != v` (NOTE(pc lemmas)), as (pc slot, L, slot, v)."""
    sizes = sizes_of(enc.model)
    others: list[tuple[int, tuple[int | bool, ...]]] = []
    for j, slot in enumerate(enc.layout.slots):
        if slot.kind is SlotKind.PC or slot.const or slot.type is None:
            continue
        values = domain(slot.type, sizes)
        if 1 < len(values) <= _MAX_VALUES:
            others.append((j, values))
    out: list[Candidate] = []
    for j, slot in enumerate(enc.layout.slots):
        if slot.kind is not SlotKind.PC:
            continue
        for label in range(len(slot.labels)):
            for k, vals in others:
                out.extend((j, label, k, v) for v in vals)
    return out[:_MAX_CANDIDATES]


def _sampled(
    enc: Encoding, assume: Expr | None, live: list[Candidate], clock: Clock
) -> list[Candidate]:
    """The candidates no state of a breadth-first walk from the initial states (at most
    `_SAMPLE_STATES`, through `semantics.relation`) falsifies: reachable states, so
    dropping what they falsify is sound, and cheaper than a solver model per lemma."""
    sem = Semantics(enc.model)
    seen: set[State] = set()
    todo: deque[State] = deque()
    for s0 in sem.initial_states(assume, stop=lambda: len(seen) >= _SAMPLE_STATES):
        if s0 not in seen:
            seen.add(s0)
            todo.append(s0)
    while todo and len(seen) < _SAMPLE_STATES and not clock.expired():
        state = todo.popleft()
        live = [c for c in live if not (state[c[0]] == c[1] and state[c[2]] == c[3])]
        for _, _, nxt in sem.raw_successors(state):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    for state in todo:
        live = [c for c in live if not (state[c[0]] == c[1] and state[c[2]] == c[3])]
    return live


def _term(enc: Encoding, c: Candidate) -> Term:
    t, st = enc.terms, enc.state(0)
    j, label, k, v = c
    pc = st[j]
    assert isinstance(pc, NumV)
    at = t.num_eq(pc, t.num(label))
    return z3.Implies(at, z3.Not(t.eq(st[k], _constant(enc, st[k], v))))


def _constant(enc: Encoding, like: Value, v: int | bool) -> Value:
    """The value `v` (NOTE(values)) as a constant of `like`'s kind."""
    match like:
        case BoolV():
            return BoolV(enc.terms.boolean(bool(v)))
        case NumV():
            return enc.terms.num(int(v))
        case SetV():
            return enc.terms.set_const(like.size, int(v))
        case _:
            assert_never(like)


def pc_lemmas(enc: Encoding, assume: Expr | None, budget: Budget, clock: Clock) -> Term:
    """The conjunction of the candidates that survive (NOTE(pc lemmas))."""
    try:
        sampled = _sampled(enc, assume, candidates(enc), clock)
    except SemanticsError:
        return enc.terms.true
    live = [_term(enc, c) for c in sampled]
    if not live:
        return enc.terms.true
    start = new_solver(enc, budget)
    start.add(enc.init())
    if assume is not None:
        start.add(enc.prop(assume, 0))
    first = _filter(start, live, lambda c: c, clock)
    if first is None:
        return enc.terms.true
    live = first
    step = new_solver(enc, budget)
    step.add(enc.facts(0, assume), enc.trans(0), enc.facts(1, assume))
    while live:
        step.push()
        step.add(*live)
        kept = _filter(step, live, lambda c: enc.at_time(c, 1), clock, rounds=1)
        step.pop()
        if kept is None:
            return enc.terms.true
        if len(kept) == len(live):
            break
        live = kept
    return z3.And(*live) if live else enc.terms.true


def _filter(
    solver: Term,
    live: list[Term],
    moved: Callable[[Term], Term],
    clock: Clock,
    rounds: int | None = None,
) -> list[Term] | None:
    """Drop the candidates some model of `solver` falsifies (as `moved(c)`), until none
    is falsified (or `rounds` models were read). None: the solver gave up."""
    n = 0
    while live and (rounds is None or n < rounds):
        n += 1
        targets = [moved(c) for c in live]
        ans = check(solver, clock, z3.Or(*[z3.Not(x) for x in targets]))
        if ans.status is Status.UNSAT:
            return live
        if ans.status is Status.UNKNOWN:
            return None
        zm = solver.model()
        live = [
            c
            for c, x in zip(live, targets, strict=True)
            if z3.is_true(zm.eval(x, model_completion=True))
        ]
    return live
