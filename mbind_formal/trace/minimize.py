"""Trace minimisation: the same bug, told with fewer steps and fewer context switches.

Input: a `Model`, a `Trace` that replays, and the `Claim` it is about. Output: a trace
that replays through `semantics.relation`, starts in the same initial state, ends in a state
of the same kind (violating the claim, a deadlock, or satisfying a witness), and is
never longer than the input. A trace that does not replay comes back unchanged.

Two local searches, repeated until neither improves the trace:
  * deletion: drop a step (alone, or with every later step of the same instance, since
    those continue from its pc) when the rest still replays and still reaches the goal;
    the trace is cut at the first state reaching the goal.
  * reordering: move a step next to the previous (or following) step of the same
    instance, across steps of other instances, when the new order replays and ends in
    the same final state, and the number of context switches (adjacent steps of
    different instances) drops.
A move is identified by (actor, instance, label, choices); the choices pin down the
path inside the step (NOTE(step semantics)), so re-executing a move is deterministic.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from itertools import pairwise

from mbind_formal.ir.model import Claim, Model
from mbind_formal.semantics.layout import State
from mbind_formal.semantics.relation import Choices, Semantics
from mbind_formal.trace.model import Trace, TraceKind, TraceStep

Move = tuple[str, int, str, Choices]
Goal = Callable[[State], bool]


def context_switches(trace: Trace) -> int:
    """How often consecutive steps belong to different actor instances."""
    who = [(s.actor, s.instance) for s in trace.steps]
    return sum(1 for a, b in pairwise(who) if a != b)


def _apply(sem: Semantics, state: State, move: Move) -> State | None:
    actor, instance, label, choices = move
    for sid, ch, nxt in sem.instance_successors(state, actor, instance):
        if ch == choices and sem.steps[sid].label == label:
            return nxt
    return None


def _run(sem: Semantics, init: State, moves: Sequence[Move]) -> list[State] | None:
    """The states after each move, or None when some move is not enabled."""
    states = []
    state = init
    for move in moves:
        nxt = _apply(sem, state, move)
        if nxt is None:
            return None
        states.append(nxt)
        state = nxt
    return states


def _normalize(sem: Semantics, trace: Trace) -> list[Move] | None:
    """The trace's moves with the exact choices semantics records (engines' choices are
    only informative); None if the trace does not replay."""
    moves: list[Move] = []
    state = trace.init
    for step in trace.steps:
        found = None
        for sid, ch, nxt in sem.instance_successors(state, step.actor, step.instance):
            if nxt == step.state and sem.steps[sid].label == step.label:
                found = ch
                break
        if found is None:
            return None
        moves.append((step.actor, step.instance, step.label, found))
        state = step.state
    return moves


def goal_of(sem: Semantics, trace: Trace, claim: Claim | None) -> Goal | None:
    """What the last state of `trace` must satisfy, or None if nothing can be kept."""
    match trace.kind:
        case TraceKind.VIOLATION:
            if claim is None:
                return None
            holds = sem.predicate(claim.invariant)
            return lambda s: not holds(s)
        case TraceKind.DEADLOCK:
            return lambda s: not sem.is_final(s) and not sem.raw_successors(s)
        case TraceKind.TYPE_VIOLATION:
            return lambda s: bool(sem.bad_stores(s))
        case TraceKind.WITNESS:
            if claim is None or not claim.witnesses:
                return None
            tests = [sem.predicate(w) for w in claim.witnesses]
            return lambda s: any(t(s) for t in tests)
        case TraceKind.RUN | TraceKind.LASSO:
            return None  # a lasso's shape is not one last state


class _Search:
    def __init__(self, sem: Semantics, init: State, goal: Goal) -> None:
        self.sem = sem
        self.init = init
        self.goal = goal

    def reaches(self, moves: Sequence[Move]) -> tuple[list[Move], list[State]] | None:
        """`moves` cut at the first state reaching the goal, or None if it never does."""
        if self.goal(self.init):
            return [], []
        states = _run(self.sem, self.init, moves)
        if states is None:
            return None
        for i, s in enumerate(states):
            if self.goal(s):
                return list(moves[: i + 1]), states[: i + 1]
        return None

    def delete(self, moves: list[Move]) -> list[Move] | None:
        """A shorter schedule reaching the goal by dropping steps, or None."""
        for i in reversed(range(len(moves))):
            who = moves[i][:2]
            alone = moves[:i] + moves[i + 1 :]
            suffix = moves[:i] + [m for m in moves[i + 1 :] if m[:2] != who]
            for candidate in (alone, suffix):
                found = self.reaches(candidate)
                if found is not None and len(found[0]) < len(moves):
                    return found[0]
        return None

    def reorder(self, moves: list[Move], final: State) -> list[Move] | None:
        """A schedule with fewer context switches and the same end, or None."""
        base = _switches(moves)
        n = len(moves)
        for j in range(n):
            who = moves[j][:2]
            for target in _targets(moves, j, who):
                candidate = moves.copy()
                candidate.insert(target, candidate.pop(j))
                if _switches(candidate) >= base:
                    continue
                found = self.reaches(candidate)
                if found is None:
                    continue
                got, states = found
                if len(got) < n or (states and states[-1] == final):
                    return got
        return None


def _targets(moves: Sequence[Move], j: int, who: tuple[str, int]) -> list[int]:
    """Positions to move step j to: just after the previous step of its instance, and
    just before the following one (only across steps of other instances)."""
    out = []
    prev = next((i for i in range(j - 1, -1, -1) if moves[i][:2] == who), None)
    if prev is not None and prev < j - 1:
        out.append(prev + 1)
    elif prev is None and j > 0:
        out.append(0)
    nxt = next((i for i in range(j + 1, len(moves)) if moves[i][:2] == who), None)
    if nxt is not None and nxt > j + 1:
        out.append(nxt - 1)
    elif nxt is None and j < len(moves) - 1:
        out.append(len(moves) - 1)
    return out


def _switches(moves: Sequence[Move]) -> int:
    return sum(1 for a, b in pairwise(moves) if a[:2] != b[:2])


def minimize(
    model: Model, trace: Trace, claim: Claim | None, sem: Semantics | None = None
) -> Trace:
    """The trace with steps dropped and commuting steps regrouped (see module doc)."""
    sem = sem or Semantics(model)
    goal = goal_of(sem, trace, claim)
    moves = _normalize(sem, trace)
    if goal is None or moves is None:
        return trace
    search = _Search(sem, trace.init, goal)
    found = search.reaches(moves)
    if found is None:
        return trace
    moves, states = found
    # Each round shortens the trace, or keeps its length and cuts a context switch.
    while True:
        better = search.delete(moves)
        if better is None:
            better = search.reorder(moves, states[-1] if states else trace.init)
        if better is None:
            break
        moves = better
        states = _run(sem, trace.init, moves) or []
    steps = tuple(TraceStep(m[0], m[1], m[2], s, m[3]) for m, s in zip(moves, states, strict=True))
    return replace(trace, steps=steps)
