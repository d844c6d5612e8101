"""Scenario runs: sequential, LTP-style executions of chosen actors, checked exhaustively.

Input: a `Model` (loaded with the scenario's `params`) and a `Scenario`. Output: a
`ScenarioResult`. Only the `run` actors move, one after the other: the first one's
instances (ascending) until each is done, then the next actor's; every other actor
stays at its first step. Every run is explored (initial states allowed by the model's
`init` and the scenario's `assume`, every `either`/`pick` choice). The scenario passes
iff some run reaches the end (every run actor done), no run gets stuck before the end,
and `expect` holds in every end state. A failure carries the shortest failing run as
a `Trace` of kind RUN, replayed through `ir.semantics` like every other trace.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass
from typing import Any

from mbind_formal.ir.layout import State, instance_name
from mbind_formal.ir.model import Model, Scenario
from mbind_formal.ir.semantics import Semantics, SemanticsError
from mbind_formal.trace.model import Trace, TraceKind, TraceStep
from mbind_formal.trace.replay import replay_with

DEFAULT_MAX_STATES = 1_000_000


@dataclass(frozen=True, slots=True)
class ScenarioResult:
    scenario: str
    variant: str
    passed: bool
    reason: str  # why it failed, or a one-line summary of the pass
    trace: Trace | None = None  # the shortest failing run (kind RUN)
    example: Trace | None = None  # a shortest complete run (when one exists)
    ends: int = 0  # distinct end states reached
    states: int = 0  # distinct states explored
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        """The result as plain JSON-ready data (traces as step counts)."""
        return {
            "scenario": self.scenario,
            "variant": self.variant,
            "passed": self.passed,
            "reason": self.reason,
            "ends": self.ends,
            "states": self.states,
            "failing_run_steps": len(self.trace) if self.trace is not None else None,
        }


@dataclass(frozen=True, slots=True)
class _Run:
    """Who moves, in order: (actor, instance) pairs."""

    order: tuple[tuple[str, int], ...]
    pcs: tuple[int, ...]  # pc slot per entry
    dones: tuple[int, ...]  # the `done` pc per entry


def _schedule(sem: Semantics, scenario: Scenario) -> _Run | str:
    order: list[tuple[str, int]] = []
    pcs: list[int] = []
    dones: list[int] = []
    for name in scenario.run:
        try:
            actor = sem.model.actor(name)
        except KeyError:
            return f"scenario runs unknown actor '{name}'"
        for k in range(actor.instances):
            order.append((name, k))
            pcs.append(sem.layout.pc_slot(name, k))
            dones.append(len(actor.steps))
    return _Run(tuple(order), tuple(pcs), tuple(dones))


def _active(run: _Run, s: State) -> int:
    """Index of the entry that moves in `s` (len(order) when all are done)."""
    for i, (pc, done) in enumerate(zip(run.pcs, run.dones, strict=True)):
        if s[pc] != done:
            return i
    return len(run.order)


Parent = dict[State, tuple[State, TraceStep] | None]


def _trace(parent: Parent, last: State, variant: str) -> Trace:
    steps: list[TraceStep] = []
    cur = last
    link = parent[cur]
    while link is not None:
        prev, step = link
        steps.append(step)
        cur = prev
        link = parent[cur]
    steps.reverse()
    return Trace(variant, cur, tuple(steps), kind=TraceKind.RUN, engine="scenario")


@dataclass(frozen=True, slots=True)
class _Outcome:
    passed: bool
    reason: str
    trace: Trace | None = None
    example: Trace | None = None
    ends: int = 0
    states: int = 0


def run_scenario(
    model: Model, scenario: Scenario, max_states: int | None = DEFAULT_MAX_STATES
) -> ScenarioResult:
    """Explore every run of `scenario` on `model` (see the module docstring)."""
    started = time.monotonic()
    try:
        o = _explore(Semantics(model), scenario, max_states)
    except SemanticsError as e:
        o = _Outcome(False, f"the scenario cannot be executed: {e}")
    return ScenarioResult(
        scenario=scenario.name,
        variant=model.variant,
        passed=o.passed,
        reason=o.reason,
        trace=o.trace,
        example=o.example,
        ends=o.ends,
        states=o.states,
        seconds=time.monotonic() - started,
    )


def _explore(sem: Semantics, scenario: Scenario, max_states: int | None) -> _Outcome:
    run = _schedule(sem, scenario)
    if isinstance(run, str):
        return _Outcome(False, run)
    expect = sem.predicate(scenario.expect)
    variant = sem.model.variant
    parent: Parent = {}
    queue: deque[State] = deque()
    for s in sem.initial_states(scenario.assume):
        if s not in parent:
            parent[s] = None
            queue.append(s)
    if not queue:
        return _Outcome(False, "no initial state satisfies the model's init and the assume")
    ends = 0
    example: Trace | None = None
    while queue:
        s = queue.popleft()
        i = _active(run, s)
        if i == len(run.order):
            ends += 1
            if example is None:
                example = _checked(sem, _trace(parent, s, variant))
            if not expect(s):
                bad = _checked(sem, _trace(parent, s, variant))
                return _Outcome(
                    False,
                    f"expect does not hold at the end of a run of {len(bad)} steps",
                    bad,
                    example,
                    ends,
                    len(parent),
                )
            continue
        actor, k = run.order[i]
        out = sem.instance_successors(s, actor, k)
        if not out:
            stuck = _checked(sem, _trace(parent, s, variant))
            pc = run.pcs[i]
            label = sem.layout.slots[pc].labels[int(s[pc])]
            who = instance_name(actor, sem.model.actor(actor).instances, k)
            return _Outcome(
                False,
                f"a run gets stuck after {len(stuck)} steps: {who} cannot take step '{label}'",
                stuck,
                example,
                ends,
                len(parent),
            )
        for sid, ch, t in out:
            if t in parent:
                continue
            if max_states is not None and len(parent) >= max_states:
                return _Outcome(False, f"state limit of {max_states} reached", states=len(parent))
            ref = sem.steps[sid]
            parent[t] = (s, TraceStep(ref.actor, ref.instance, ref.label, t, ch))
            queue.append(t)
    if ends == 0:
        return _Outcome(
            False, "no run reaches the end (every run loops forever)", states=len(parent)
        )
    return _Outcome(
        True, f"{ends} end state(s), expect holds in each", None, example, ends, len(parent)
    )


def _checked(sem: Semantics, trace: Trace) -> Trace:
    checked = replay_with(sem, trace, None)
    if not checked.ok:
        raise RuntimeError(f"internal error: scenario run does not replay: {checked.message}")
    return trace
