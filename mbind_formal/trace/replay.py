"""Trace replay: check a `Trace` step by step against the executable semantics.

Input: a `Model`, a `Trace` (from any engine, a scenario run or an ITF file) and
optionally the `Claim` it is about. Output: a `ReplayResult` naming the first state
that is not what `semantics.relation` allows, with the slots that differ.

A trace replays when its first state is initial (and satisfies the claim's assume),
every step is an enabled path of the named actor instance at the named label leading
to exactly the next state, and its last state is what its kind says: a violation of
the claim's invariant, a state satisfying one of its witnesses, a deadlock, or a state
with a type violation (some enabled step stores outside a variable's type).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import assert_never

from mbind_formal.ir.model import Claim, Model
from mbind_formal.semantics.fairness import step_id, violates
from mbind_formal.semantics.layout import Layout, Slot, State, Value, instance_name
from mbind_formal.semantics.relation import Semantics, SemanticsError
from mbind_formal.trace.model import Trace, TraceKind, TraceStep


@dataclass(frozen=True, slots=True)
class ReplayResult:
    """`step` is the index in `trace.states` of the first bad state (0: the initial one,
    k: the state after `trace.steps[k-1]`), or None when the trace replays."""

    ok: bool
    step: int | None = None
    message: str = ""


def _who(model: Model, step: TraceStep) -> str:
    try:
        n = model.actor(step.actor).instances
    except KeyError:
        return f"{step.actor}[{step.instance}] {step.label}"
    return f"{instance_name(step.actor, n, step.instance)} {step.label}"


def differing(layout: Layout, given: State, expected: State, limit: int = 6) -> str:
    """The slots where `given` differs from `expected`, as `name (trace: v, model: w)`."""
    parts = []
    for sl, g, e in zip(layout.slots, given, expected, strict=True):
        if g != e:
            parts.append(f"{sl.name} (trace: {_show(layout, sl, g)}, model: {layout.show(sl, e)})")
    more = f", and {len(parts) - limit} more" if len(parts) > limit else ""
    return ", ".join(parts[:limit]) + more


def _show(layout: Layout, sl: Slot, v: Value) -> str:
    """A trace's value as the spec spells it, or raw when it is not of the slot's type."""
    try:
        return layout.show(sl, v)
    except (IndexError, AssertionError, TypeError):
        return repr(v)


def _check_step(sem: Semantics, k: int, prev: State, step: TraceStep) -> ReplayResult | None:
    model, layout = sem.model, sem.layout
    where = f"step {k} ({_who(model, step)})"
    try:
        actor = model.actor(step.actor)
    except KeyError:
        return ReplayResult(False, k, f"{where}: the model has no actor '{step.actor}'")
    if not 0 <= step.instance < actor.instances:
        return ReplayResult(
            False,
            k,
            f"{where}: {step.actor} has {actor.instances} instance(s), not {step.instance}",
        )
    if step.label not in actor.labels:
        return ReplayResult(False, k, f"{where}: {step.actor} has no step labelled '{step.label}'")
    bad = sem.check_state(step.state)
    if bad is not None:
        return ReplayResult(False, k, f"{where}: malformed state: {bad}")
    pc = layout.pc_slot(step.actor, step.instance)
    at = layout.slots[pc].labels[int(prev[pc])]
    if at != step.label:
        return ReplayResult(False, k, f"{where}: the instance is at '{at}', not at '{step.label}'")
    options = [s for _, _, s in sem.instance_successors(prev, step.actor, step.instance)]
    if any(_same(s, step.state) for s in options):
        return None
    if not options:
        return ReplayResult(False, k, f"{where}: the step is not enabled in the previous state")
    closest = min(options, key=lambda s: sum(a != b for a, b in zip(s, step.state, strict=True)))
    return ReplayResult(
        False,
        k,
        f"{where}: no enabled transition leads to the given state; differing slots: "
        f"{differing(layout, step.state, closest)}",
    )


def _same(a: State, b: State) -> bool:
    """Equal as states (`check_state` already made sure bools are bools, ints ints)."""
    return a == b


def _check_end(sem: Semantics, trace: Trace, claim: Claim | None) -> ReplayResult:
    last, k = trace.last, len(trace.steps)
    match trace.kind:
        case TraceKind.VIOLATION:
            if claim is not None and sem.eval(claim.invariant, last):
                return ReplayResult(
                    False, k, f"the last state satisfies claim '{claim.name}' (no violation)"
                )
        case TraceKind.WITNESS:
            if claim is not None and not any(sem.eval(w, last) for w in claim.witnesses):
                return ReplayResult(
                    False, k, f"the last state satisfies no witness of claim '{claim.name}'"
                )
        case TraceKind.DEADLOCK:
            if sem.is_final(last):
                return ReplayResult(False, k, "the last state is final, not a deadlock")
            enabled = sem.enabled_steps(last)
            if enabled:
                e = enabled[0]
                return ReplayResult(
                    False, k, f"the last state is not a deadlock: {e.actor} {e.label} is enabled"
                )
        case TraceKind.TYPE_VIOLATION:
            if not sem.bad_stores(last):
                return ReplayResult(
                    False, k, "the last state has no type violation (every store is in its type)"
                )
        case TraceKind.RUN:
            pass
        case TraceKind.LASSO:
            return _check_lasso(sem, trace, claim)
        case _:
            assert_never(trace.kind)
    return ReplayResult(True)


def violation_kind(sem: Semantics, state: State, claim: Claim | None) -> TraceKind | None:
    """What `state` violates: the claim's invariant (VIOLATION), else the type rule
    (TYPE_VIOLATION: an enabled store outside its type), else nothing (None)."""
    if claim is not None and not sem.eval(claim.invariant, state):
        return TraceKind.VIOLATION
    if sem.bad_stores(state):
        return TraceKind.TYPE_VIOLATION
    return None


def violation_reason(sem: Semantics, trace: Trace, how: str) -> str:
    """A violated result's reason: `counterexample of 5 steps (how)`, or for a type
    violation `type violation: x := -1 outside 0..3 (r[1] unlock) after 5 steps (how)`."""
    n = len(trace)
    steps = f"{n} step{'s' if n != 1 else ''}"
    if trace.kind is TraceKind.TYPE_VIOLATION:
        bad = sem.bad_stores(trace.last)
        if bad:
            b = bad[0]
            by = f"{_who(sem.model, TraceStep(b.actor, b.instance, b.label, trace.last))}"
            return f"{b.describe(by)} after {steps} ({how})"
    if trace.kind is TraceKind.DEADLOCK:
        return f"deadlock after {steps} ({how})"
    return f"counterexample of {steps} ({how})"


def _check_lasso(sem: Semantics, trace: Trace, claim: Claim | None) -> ReplayResult:
    """NOTE(fair lasso): the cycle closes, is fair, and violates the temporal claim."""
    k, loop = len(trace.steps), trace.loop
    if loop is None or not 0 <= loop <= k:
        return ReplayResult(False, k, f"a lasso needs a loop index in 0..{k}, not {loop}")
    states = trace.states
    if claim is None:
        if states[-1] != states[loop]:
            return ReplayResult(False, k, f"the last state is not state {loop}, the loop's start")
        return ReplayResult(True)
    if not claim.temporal:
        return ReplayResult(
            False, k, f"claim '{claim.name}' is not temporal: a lasso violates none"
        )
    sids = [step_id(sem, st.actor, st.instance, st.label) for st in trace.steps]
    why = violates(sem, claim, states, sids, loop)
    return ReplayResult(True) if why is None else ReplayResult(False, k, why)


def replay(model: Model, trace: Trace, claim: Claim | None = None) -> ReplayResult:
    """Check `trace` against the semantics of `model` (and `claim`, when given): the
    reference closures, so that every trace an engine found with the generated step code
    (`semantics.compile`) is also checked by the code it was generated beside."""
    try:
        sem = Semantics(model, compiled=False)
    except SemanticsError as e:
        return ReplayResult(False, None, f"the model cannot be executed: {e}")
    return replay_with(sem, trace, claim)


def replay_with(sem: Semantics, trace: Trace, claim: Claim | None = None) -> ReplayResult:
    """`replay` with an already compiled `Semantics` (engines replay every trace)."""
    try:
        return _replay(sem, trace, claim)
    except SemanticsError as e:
        return ReplayResult(False, None, f"evaluation failed: {e}")


def _replay(sem: Semantics, trace: Trace, claim: Claim | None) -> ReplayResult:
    if trace.variant and trace.variant != sem.model.variant:
        return ReplayResult(
            False, 0, f"the trace is of variant '{trace.variant}', not '{sem.model.variant}'"
        )
    why = sem.is_initial(trace.init, claim.assume if claim is not None else None)
    if why is not None:
        return ReplayResult(False, 0, f"state 0 is not an initial state: {why}")
    prev = trace.init
    for k, step in enumerate(trace.steps, start=1):
        bad = _check_step(sem, k, prev, step)
        if bad is not None:
            return bad
        prev = step.state
    return _check_end(sem, trace, claim)
