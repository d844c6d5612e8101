"""Every reachable state of a model at one small size, for filtering candidate invariants.

Stage: engines (parametric). Input: a `Model`, the claim's `assume`, a deadline and a
state limit. Output: `Reached`: the states (tuples in `semantics.layout` order) and
whether the search was complete, or, when the claim's invariant fails in one of them
or one of them has a type violation (an enabled store outside its type), that state.
A plain breadth-first search over `semantics.relation` (no symmetry: the
candidates distinguish elements), so it agrees with the explicit engine by construction.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass

from mbind_formal.ir.model import Expr, Model
from mbind_formal.semantics.layout import State
from mbind_formal.semantics.relation import Semantics
from mbind_formal.semantics.watch import Expired


@dataclass(frozen=True, slots=True)
class Reached:
    states: tuple[State, ...]
    complete: bool
    why: str = ""  # why incomplete
    bad: State | None = None  # a reachable state violating the checked invariant
    witnessed: tuple[bool, ...] = ()  # per witness: seen in some reachable state


def reach(
    model: Model,
    assume: Expr | None,
    invariant: Expr | None,
    witnesses: tuple[Expr, ...],
    deadline: float,
    max_states: int,
) -> Reached:
    """Breadth-first search of `model` from its initial states under `assume`."""
    sem = Semantics(model)
    sem.watch.check = lambda: "timeout" if time.monotonic() > deadline else ""
    inv = None if invariant is None else sem.predicate(invariant)
    wits = [sem.predicate(w) for w in witnesses]
    seen_w = [False] * len(wits)
    seen: set[State] = set()
    faults = sem.fault_log  # NOTE(type rule): the type violations of an expansion
    order: list[State] = []
    todo: deque[State] = deque()
    try:
        for s in sem.initial_states(assume, stop=lambda: time.monotonic() > deadline):
            if s not in seen:
                seen.add(s)
                order.append(s)
                todo.append(s)
        k = 0
        while todo:
            s = todo.popleft()
            if inv is not None and not inv(s):
                return Reached(tuple(order), False, "violated", s, tuple(seen_w))
            for i, w in enumerate(wits):
                if not seen_w[i] and w(s):
                    seen_w[i] = True
            k += 1
            if k % 256 == 0 and time.monotonic() > deadline:
                return Reached(tuple(order), False, "timeout")
            del faults[:]
            out = sem.raw_successors(s)
            if faults:  # an enabled store outside its type: `s` violates every claim
                return Reached(tuple(order), False, "violated", s, tuple(seen_w))
            for _, _, nxt in out:
                if nxt not in seen:
                    if len(seen) >= max_states:
                        return Reached(tuple(order), False, f"more than {max_states} states")
                    seen.add(nxt)
                    order.append(nxt)
                    todo.append(nxt)
    except Expired as e:
        return Reached(tuple(order), False, e.reason)
    if time.monotonic() > deadline:
        return Reached(tuple(order), False, "timeout")
    return Reached(tuple(order), True, witnessed=tuple(seen_w))
