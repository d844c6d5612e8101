"""Traces: the one engine-independent form of a run of a model.

Input: produced by every engine (explicit, Z3, TLC) and by scenario runs.
Output: consumed by `trace.replay` (which checks it against `semantics.relation`) and by the
renderers (`trace.text`, `trace.itf`, `trace.diagram`). States use `semantics.layout`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from mbind_formal.semantics.layout import State, Value


class TraceKind(enum.Enum):
    VIOLATION = "violation"  # the last state violates the claim's invariant
    WITNESS = "witness"  # the last state satisfies a witness
    DEADLOCK = "deadlock"  # the last state is non-final and has no enabled step
    RUN = "run"  # a scenario run or any other path
    # the last state has a type violation: an enabled step stores a value outside the
    # type of a variable that is not guarded (ir.model NOTE(type rule))
    TYPE_VIOLATION = "type-violation"
    # NOTE(fair lasso) in `semantics.fairness`: the last state is state `Trace.loop`,
    # and repeating the steps from there on forever is a fair behaviour violating the
    # (temporal) claim; loop == len(steps) is stuttering forever in the last state
    LASSO = "lasso"


@dataclass(frozen=True, slots=True)
class TraceStep:
    """One transition: which actor instance took which step, and the state after it.

    `choices` records nondeterminism resolved inside the step, e.g. `(("p", 2),)` for
    `pick p` choosing element 2, or `(("either", 1),)` for the second branch. It is
    informative; replay checks the successor state, not the choices.
    """

    actor: str
    instance: int
    label: str
    state: State
    choices: tuple[tuple[str, Value], ...] = ()


@dataclass(frozen=True, slots=True)
class Trace:
    variant: str
    init: State
    steps: tuple[TraceStep, ...]
    kind: TraceKind = TraceKind.VIOLATION
    claim: str | None = None
    engine: str = ""
    loop: int | None = None  # LASSO: index in `states` where the cycle starts

    @property
    def cycle(self) -> int:
        """LASSO: the number of steps in the cycle (0: stuttering forever)."""
        return 0 if self.loop is None else len(self.steps) - self.loop

    @property
    def states(self) -> tuple[State, ...]:
        return (self.init, *(s.state for s in self.steps))

    @property
    def last(self) -> State:
        return self.steps[-1].state if self.steps else self.init

    def __len__(self) -> int:
        return len(self.steps)
