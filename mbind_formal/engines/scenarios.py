"""Scenario runs: sequential, LTP-style executions of chosen actors, checked exhaustively.

Input: a `Model` (loaded with the scenario's `params`), a `Scenario` and a `Budget`.
Output: a `ScenarioResult`. Only the `run` actors move, one after the other: the first
one's instances (ascending) until each is done, then the next actor's; every other actor
stays at its first step. Every run is explored (initial states allowed by the model's
`init` and the scenario's `assume`, every `either`/`pick` choice). The scenario passes
iff some run reaches the end (every run actor done), no run gets stuck before the end,
and `expect` holds in every end state. A failure carries the shortest failing run as
a `Trace` of kind RUN, replayed through `semantics.relation` like every other trace. A run
the budget stops (`max_states`, `timeout_s`, `memory_mb`, checked while the initial
states are enumerated too) is undecided: `stopped` says which limit.

States are stored packed (`_Codec`: one small `bytes` per state, the BFS queue too), and
a state's parent is its parent's key; traces are rebuilt by re-running the moving
instance's step between consecutive states.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from mbind_formal.engines.base import Budget

# The explicit engine's resident-memory probe: one definition of what --memory measures.
from mbind_formal.engines.codec import Codec, Key
from mbind_formal.engines.explicit import rss_bytes
from mbind_formal.ir.model import Model, Scenario
from mbind_formal.semantics.layout import State, instance_name
from mbind_formal.semantics.relation import Semantics, SemanticsError
from mbind_formal.semantics.watch import Expired
from mbind_formal.trace.model import Trace, TraceKind, TraceStep
from mbind_formal.trace.replay import replay_with

DEFAULT_MAX_STATES = 1_000_000
DEFAULT_BUDGET = Budget(max_states=DEFAULT_MAX_STATES)
_CHECK_EVERY = 256  # states between clock and memory checks


@dataclass(frozen=True, slots=True)
class ScenarioResult:
    scenario: str
    variant: str
    passed: bool
    reason: str  # why it failed or was stopped, or a one-line summary of the pass
    trace: Trace | None = None  # the shortest failing run (kind RUN)
    example: Trace | None = None  # a shortest complete run (when one exists)
    ends: int = 0  # distinct end states reached
    states: int = 0  # distinct states explored
    seconds: float = 0.0
    stopped: str = ""  # the limit that stopped the exploration ("" if it finished)

    @property
    def decided(self) -> bool:
        """Passed or failed for certain (not stopped by the budget first)."""
        return not self.stopped

    def as_dict(self) -> dict[str, Any]:
        """The result as plain JSON-ready data (traces as step counts)."""
        return {
            "scenario": self.scenario,
            "variant": self.variant,
            "passed": self.passed,
            "decided": self.decided,
            "reason": self.reason,
            "ends": self.ends,
            "states": self.states,
            "trace_length": len(self.trace) if self.trace is not None else None,
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


@dataclass(frozen=True, slots=True)
class _Outcome:
    passed: bool
    reason: str
    trace: Trace | None = None
    example: Trace | None = None
    ends: int = 0
    states: int = 0
    stopped: str = ""


def run_scenario(
    model: Model, scenario: Scenario, budget: Budget = DEFAULT_BUDGET
) -> ScenarioResult:
    """Explore every run of `scenario` on `model` within `budget` (see the module
    docstring); `budget.max_states` None means no state limit."""
    started = time.monotonic()
    try:
        sem = Semantics(model)
        search = _Search(sem, scenario, budget, started)
        sem.watch.check = search.limits  # NOTE(watch)
        o = search.explore()
    except SemanticsError as e:
        o = _Outcome(False, f"the scenario cannot be executed: {e}")
    except Expired as e:
        why = f"{e.reason}, inside the evaluation of one state"
        o = _Outcome(False, why, states=len(search.parent), stopped=why)
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
        stopped=o.stopped,
    )


class _Search:
    """One breadth-first exploration of a scenario's runs."""

    def __init__(self, sem: Semantics, scenario: Scenario, budget: Budget, started: float):
        self.sem, self.scenario, self.budget, self.started = sem, scenario, budget, started
        self.codec = Codec.of(sem.layout)
        self.parent: dict[Key, Key | None] = {}
        self.rss0 = rss_bytes() if budget.memory_mb is not None else 0

    def limits(self) -> str:
        """A reason to stop now, or ""."""
        b, n = self.budget, len(self.parent)
        if b.timeout_s is not None and time.monotonic() - self.started > b.timeout_s:
            return f"timeout after {b.timeout_s:g} s ({n} states)"
        if b.memory_mb is not None and rss_bytes() - self.rss0 > b.memory_mb << 20:
            return f"memory limit of {b.memory_mb} MB reached ({n} states)"
        return ""

    def full(self) -> bool:
        return self.budget.max_states is not None and len(self.parent) >= self.budget.max_states

    def stop(self, why: str, ends: int = 0) -> _Outcome:
        return _Outcome(False, why, ends=ends, states=len(self.parent), stopped=why)

    def explore(self) -> _Outcome:
        sem, scenario, parent, pack = self.sem, self.scenario, self.parent, self.codec.pack
        run = _schedule(sem, scenario)
        if isinstance(run, str):
            return _Outcome(False, run)
        expect = sem.predicate(scenario.expect)
        queue: deque[Key] = deque()
        for n, s in enumerate(sem.initial_states(scenario.assume), start=1):
            if n % _CHECK_EVERY == 0 and (why := self.limits()):
                return self.stop(why)
            k = pack(s)
            if k in parent:
                continue
            if self.full():
                return self.stop(
                    f"state limit of {self.budget.max_states} reached while enumerating "
                    "initial states"
                )
            parent[k] = None
            queue.append(k)
        if not queue:
            return _Outcome(False, "no initial state satisfies the model's init and the assume")
        ends = 0
        example: Trace | None = None
        popped = 0
        while queue:
            popped += 1
            if popped % _CHECK_EVERY == 0 and (why := self.limits()):
                return self.stop(why, ends)
            k = queue.popleft()
            s = self.codec.unpack(k)
            i = _active(run, s)
            if i == len(run.order):
                ends += 1
                if example is None:
                    example = self.trace(run, k)
                if not expect(s):
                    bad = self.trace(run, k)
                    return _Outcome(
                        False,
                        f"expect does not hold at the end of a run of {len(bad)} steps",
                        bad,
                        example,
                        ends,
                        len(parent),
                    )
                continue
            actor, inst = run.order[i]
            out = sem.instance_successors(s, actor, inst)
            if not out:
                stuck = self.trace(run, k)
                pc = run.pcs[i]
                label = sem.layout.slots[pc].labels[int(s[pc])]
                who = instance_name(actor, sem.model.actor(actor).instances, inst)
                return _Outcome(
                    False,
                    f"a run gets stuck after {len(stuck)} steps: {who} cannot take step '{label}'",
                    stuck,
                    example,
                    ends,
                    len(parent),
                )
            for _, _, t in out:
                kt = pack(t)
                if kt in parent:
                    continue
                if self.full():
                    return self.stop(f"state limit of {self.budget.max_states} reached", ends)
                parent[kt] = k
                queue.append(kt)
        if ends == 0:
            return _Outcome(
                False, "no run reaches the end (every run loops forever)", states=len(parent)
            )
        return _Outcome(
            True, f"{ends} end state(s), expect holds in each", None, example, ends, len(parent)
        )

    def trace(self, run: _Run, last: Key) -> Trace:
        """The run from an initial state to `last`, each step found again by running the
        instance that moves in the state before it."""
        keys = [last]
        while (up := self.parent[keys[-1]]) is not None:
            keys.append(up)
        states = [self.codec.unpack(k) for k in reversed(keys)]
        steps: list[TraceStep] = []
        for s, t in pairwise(states):
            actor, inst = run.order[_active(run, s)]
            sid, ch = next(
                (sid, ch) for sid, ch, u in self.sem.instance_successors(s, actor, inst) if u == t
            )
            ref = self.sem.steps[sid]
            steps.append(TraceStep(ref.actor, ref.instance, ref.label, t, ch))
        trace = Trace(
            self.sem.model.variant, states[0], tuple(steps), kind=TraceKind.RUN, engine="scenario"
        )
        return _checked(self.sem, trace)


def _checked(sem: Semantics, trace: Trace) -> Trace:
    checked = replay_with(sem, trace, None)
    if not checked.ok:
        raise RuntimeError(f"internal error: scenario run does not replay: {checked.message}")
    return trace
