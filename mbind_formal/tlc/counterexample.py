"""TLC's counterexample -> a `Trace` of our states, labelled with who moved.

Input: the states TLC printed (TLA+ values), the module's `Symbols`, the `Semantics`
of the model. Output: a `Trace` (or a `ValueError` saying which step does not fit).

TLC names the action of each step (`<mbind_walk line ...>`) but not the instance that
took it, so each step is recovered by matching: among the transitions `semantics.relation`
allows from the previous state, the one that leads to exactly TLC's next state (its
actor, instance, label and choices). A step with no such transition means the TLA+
translation and the semantics disagree: an encoding bug, reported as such.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence

from mbind_formal.semantics.layout import State
from mbind_formal.semantics.relation import Semantics
from mbind_formal.tla.symbols import Symbols
from mbind_formal.tlc.values import TlaValue, decode_state
from mbind_formal.trace.model import Trace, TraceKind, TraceStep


def to_trace(
    sem: Semantics,
    syms: Symbols,
    tla_states: Sequence[Mapping[str, TlaValue]],
    actions: Sequence[str],
    *,
    kind: TraceKind,
    claim: str | None,
    loop: int | None = None,
    back: str = "",
) -> Trace:
    """The `Trace` TLC's states denote (ValueError when they are not a path of the model).

    A lasso (`loop` given, NOTE(fair lasso)): TLC's "Back to state N" closes the cycle
    with one more step, to state N, taken by action `back`; its "Stuttering" (`back`
    empty, `loop` the last state) ends the behaviour in place."""
    if not tla_states:
        raise ValueError("TLC printed no states")
    states = [decode_state(syms, s) for s in tla_states]
    actions = list(actions)
    if loop is not None and back:
        if not 0 <= loop < len(states):
            raise ValueError(f"TLC's cycle goes back to state {loop + 1} of {len(states)}")
        states.append(states[loop])
        actions.append(back)
    hint = {v: k for k, v in syms.actions.items()}  # action operator -> (actor, label)
    steps: list[TraceStep] = []
    for k, (prev, nxt) in enumerate(itertools.pairwise(states), start=1):
        named = hint.get(actions[k]) if k < len(actions) else None
        step = _match(sem, prev, nxt, named)
        if step is None:
            raise ValueError(
                f"TLC's step {k} ({actions[k] if k < len(actions) else '?'}) is not a "
                "transition of the model"
            )
        steps.append(step)
    return Trace(
        variant=sem.model.variant,
        init=states[0],
        steps=tuple(steps),
        kind=kind,
        claim=claim,
        engine="tlc",
        loop=loop,
    )


def _match(
    sem: Semantics, prev: State, nxt: State, named: tuple[str, str] | None
) -> TraceStep | None:
    """The transition prev -> nxt, preferring the action TLC named."""
    found: list[TraceStep] = []
    for t in sem.successors(prev):
        if t.state == nxt:
            step = TraceStep(t.actor, t.instance, t.label, t.state, t.choices)
            if named is None or (t.actor, t.label) == named:
                return step
            found.append(step)
    return found[0] if found else None
