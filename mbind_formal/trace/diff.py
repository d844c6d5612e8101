"""Variant diff: the shortest run that tells two variants apart on one claim.

Input: two `Model`s of one spec (the variant where the claim is violated, and the
other), the `Claim`, and optionally the violating variant's counterexample. Output: a
`Distinction`: a schedule legal in both variants (same actor instances, step labels
and choices, from initial states that agree on every slot both variants have) that
ends violating the claim in one variant and satisfying it in the other, with the run
in each variant; or the reason no such run was found.

First the counterexample's own schedule is tried in the other variant (cheap, and
usually enough: variants mostly replace one step's body). If it is not legal there,
or violates there too, a breadth-first search over pairs of states, one per variant
moving in lockstep, finds a shortest common schedule (bounded by `max_pairs`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from mbind_formal.ir.model import Claim, Model
from mbind_formal.semantics.layout import Layout, SlotKind, State, instance_name
from mbind_formal.semantics.relation import Choices, Semantics
from mbind_formal.trace.model import Trace, TraceKind, TraceStep
from mbind_formal.trace.text import show_choice

Move = tuple[str, int, str, Choices]
DEFAULT_MAX_PAIRS = 200_000


@dataclass(frozen=True, slots=True)
class Distinction:
    """How one claim tells the variants apart (`common`: `trace` and `other_trace` run
    the same steps; otherwise `trace` is the violating variant's counterexample only)."""

    claim: str
    violating: str
    other: str
    trace: Trace | None
    other_trace: Trace | None
    common: bool
    how: str  # "counterexample" (its schedule works in both), "adapted" (the other
    # variant takes extra steps of the same instances) or "search" (product BFS)
    note: str = ""
    extra: tuple[int, ...] = ()  # 1-based positions of `other_trace`'s extra steps


def shared_slots(a: Model, b: Model) -> list[tuple[int, int]]:
    """(position in a, position in b) of every slot both variants have."""
    la, lb = Layout(a), Layout(b)
    return [(i, lb.index[s.name]) for i, s in enumerate(la.slots) if s.name in lb.index]


def _project(state: State, positions: Iterable[int]) -> tuple[object, ...]:
    return tuple(state[i] for i in positions)


def _moves(sem: Semantics, state: State) -> Iterator[tuple[Move, State]]:
    for t in sem.successors(state):
        yield (t.actor, t.instance, t.label, t.choices), t.state


def _apply(sem: Semantics, state: State, move: Move) -> State | None:
    actor, instance, label, choices = move
    for sid, ch, nxt in sem.instance_successors(state, actor, instance):
        if ch == choices and sem.steps[sid].label == label:
            return nxt
    return None


def _trace(
    variant: str, init: State, moves: list[Move], states: list[State], kind: TraceKind, claim: str
) -> Trace:
    steps = tuple(TraceStep(m[0], m[1], m[2], s, m[3]) for m, s in zip(moves, states, strict=True))
    return Trace(variant, init, steps, kind, claim, "diff")


def _moves_of(sem: Semantics, trace: Trace) -> list[Move] | None:
    """The trace's moves with the choices the semantics records, or None."""
    out: list[Move] = []
    state = trace.init
    for step in trace.steps:
        for sid, ch, nxt in sem.instance_successors(state, step.actor, step.instance):
            if nxt == step.state and sem.steps[sid].label == step.label:
                out.append((step.actor, step.instance, step.label, ch))
                break
        else:
            return None
        state = step.state
    return out


def _follow_exact(sem: Semantics, init: State, moves: list[Move]) -> list[State] | None:
    states: list[State] = []
    state = init
    for move in moves:
        nxt = _apply(sem, state, move)
        if nxt is None:
            return None
        states.append(nxt)
        state = nxt
    return states


def _match(sem: Semantics, state: State, move: Move) -> tuple[Move, State] | None:
    """The other variant's step for `move`: the same label and choices, else the same
    choices under another label (a variant may rename or restructure a step)."""
    actor, instance, label, choices = move
    loose = None
    for sid, ch, nxt in sem.instance_successors(state, actor, instance):
        if ch != choices:
            continue
        found = (actor, instance, sem.steps[sid].label, ch)
        if found[2] == label:
            return found, nxt
        loose = loose or (found, nxt)
    return loose


def _catch_up(
    sem: Semantics, state: State, who: tuple[str, int], goal: Callable[[State], bool], depth: int
) -> list[tuple[Move, State]] | None:
    """Fewest extra steps of one instance from `state` to a state satisfying `goal`."""
    frontier: list[tuple[State, list[tuple[Move, State]]]] = [(state, [])]
    seen = {state}
    for _ in range(depth + 1):
        nxt_frontier = []
        for st, path in frontier:
            if goal(st):
                return path
            for sid, ch, nxt in sem.instance_successors(st, who[0], who[1]):
                if nxt not in seen:
                    seen.add(nxt)
                    move = (who[0], who[1], sem.steps[sid].label, ch)
                    nxt_frontier.append((nxt, [*path, (move, nxt)]))
        frontier = nxt_frontier
    return None


def _can_take(sem: Semantics, move: Move) -> Callable[[State], bool]:
    return lambda st: _match(sem, st, move) is not None


def _is_done(sem: Semantics, pc: int) -> Callable[[State], bool]:
    done = len(sem.layout.slots[pc].labels) - 1
    return lambda st: st[pc] == done


def _follow_loose(
    sem: Semantics, init: State, moves: list[Move], done: list[tuple[str, int]], depth: int = 8
) -> tuple[list[Move], list[State], tuple[int, ...]] | None:
    """The schedule in a variant whose steps differ: each instance moves when it moved in
    the counterexample, with the same choices, taking extra steps of its own where the
    variant needs them; instances done at the end of the counterexample finish.
    Returns (moves, states, 1-based positions of the extra steps), or None."""
    out_moves: list[Move] = []
    out_states: list[State] = []
    state = init
    extra: list[int] = []

    def take(path: list[tuple[Move, State]], *, added: bool) -> None:
        nonlocal state
        for mv, st in path:
            out_moves.append(mv)
            out_states.append(st)
            state = st
            if added:
                extra.append(len(out_moves))

    for move in moves:
        path = _catch_up(sem, state, move[:2], _can_take(sem, move), depth)
        if path is None:
            return None
        take(path, added=True)
        matched = _match(sem, state, move)
        assert matched is not None
        take([matched], added=False)
    for actor, instance in done:
        pc = sem.layout.pc_slot(actor, instance)
        path = _catch_up(sem, state, (actor, instance), _is_done(sem, pc), depth)
        if path is None:
            return None
        take(path, added=True)
    return out_moves, out_states, tuple(extra)


def follow(
    viol: Model,
    other: Model,
    claim: Claim,
    trace: Trace,
    max_starts: int = DEFAULT_MAX_PAIRS,
    *,
    adapt: bool = False,
) -> tuple[Trace, tuple[int, ...]] | None:
    """The counterexample's schedule run in `other` from an initial state agreeing with
    its first state on the shared slots, ending where the claim holds, with the
    positions of the extra steps `other` needed (none unless `adapt`); or None."""
    sem_v, sem_o = Semantics(viol), Semantics(other)
    moves = _moves_of(sem_v, trace)
    if moves is None:
        return None
    pairs = shared_slots(viol, other)
    want = _project(trace.init, (i for i, _ in pairs))
    holds = sem_o.predicate(claim.invariant)
    lv = sem_v.layout
    done = [
        (s.owner, s.index)
        for s, v in zip(lv.slots, trace.last, strict=True)
        if s.kind is SlotKind.PC and v == len(s.labels) - 1
    ]
    for n, init in enumerate(sem_o.initial_states(claim.assume)):
        if n >= max_starts:
            break
        if _project(init, (j for _, j in pairs)) != want:
            continue
        if not adapt:
            states = _follow_exact(sem_o, init, moves)
            if states is not None and holds(states[-1] if states else init):
                return _trace(other.variant, init, moves, states, TraceKind.RUN, claim.name), ()
            continue
        found = _follow_loose(sem_o, init, moves, done)
        if found is not None:
            o_moves, o_states, extra = found
            if holds(o_states[-1] if o_states else init):
                run = _trace(other.variant, init, o_moves, o_states, TraceKind.RUN, claim.name)
                return run, extra
    return None


def search(
    viol: Model, other: Model, claim: Claim, max_pairs: int = DEFAULT_MAX_PAIRS
) -> tuple[Trace, Trace] | str:
    """A shortest common schedule violating the claim in `viol` only (BFS over state
    pairs), as (run in viol, run in other); or why none was found."""
    sem_v, sem_o = Semantics(viol), Semantics(other)
    holds_v = sem_v.predicate(claim.invariant)
    holds_o = sem_o.predicate(claim.invariant)
    pairs = shared_slots(viol, other)
    by_key: dict[tuple[object, ...], list[State]] = {}
    for s in sem_o.initial_states(claim.assume):
        by_key.setdefault(_project(s, (j for _, j in pairs)), []).append(s)
    parent: dict[tuple[State, State], tuple[tuple[State, State], Move] | None] = {}
    frontier: list[tuple[State, State]] = []
    for s in sem_v.initial_states(claim.assume):
        for t in by_key.get(_project(s, (i for i, _ in pairs)), []):
            parent.setdefault((s, t), None)
            frontier.append((s, t))
    while frontier:
        nxt: list[tuple[State, State]] = []
        for pair in frontier:
            s, t = pair
            if not holds_v(s) and holds_o(t):
                return _path(viol, other, claim, parent, pair)
            other_moves: dict[Move, State] = dict(_moves(sem_o, t))
            for move, s2 in _moves(sem_v, s):
                t2 = other_moves.get(move)
                if t2 is None or (s2, t2) in parent:
                    continue
                if len(parent) >= max_pairs:
                    return f"no common run found within {max_pairs} state pairs"
                parent[(s2, t2)] = (pair, move)
                nxt.append((s2, t2))
        frontier = nxt
    return (
        "no common run exists: every run that both variants can take (same steps and "
        f"choices) satisfies the claim in {viol.variant} or violates it in {other.variant}"
    )


def _path(
    viol: Model,
    other: Model,
    claim: Claim,
    parent: dict[tuple[State, State], tuple[tuple[State, State], Move] | None],
    end: tuple[State, State],
) -> tuple[Trace, Trace]:
    moves: list[Move] = []
    pairs = [end]
    link = parent[end]
    while link is not None:
        prev, move = link
        moves.append(move)
        pairs.append(prev)
        link = parent[prev]
    moves.reverse()
    pairs.reverse()
    init_v, init_o = pairs[0]
    run_v = _trace(
        viol.variant, init_v, moves, [p[0] for p in pairs[1:]], TraceKind.VIOLATION, claim.name
    )
    run_o = _trace(
        other.variant, init_o, moves, [p[1] for p in pairs[1:]], TraceKind.RUN, claim.name
    )
    return run_v, run_o


def distinguish(
    viol: Model,
    other: Model,
    claim: Claim,
    trace: Trace | None,
    max_pairs: int = DEFAULT_MAX_PAIRS,
) -> Distinction:
    """The shortest run telling `viol` (claim violated) from `other` (see module doc)."""
    if trace is not None:
        for adapt in (False, True):
            found_run = follow(viol, other, claim, trace, max_pairs, adapt=adapt)
            if found_run is None:
                continue
            run, extra = found_run
            how = "adapted" if adapt else "counterexample"
            n = len(extra)
            note = f"{other.variant} takes {n} more step{'s' if n != 1 else ''}" if n else ""
            return Distinction(
                claim.name, viol.variant, other.variant, trace, run, True, how, note, extra
            )
    found = search(viol, other, claim, max_pairs)
    if isinstance(found, str):
        return Distinction(
            claim.name, viol.variant, other.variant, trace, None, False, "search", found
        )
    run_v, run_o = found
    if trace is not None and len(trace) < len(run_v):
        note = (
            f"the shortest counterexample in {viol.variant} ({len(trace)} steps) is not "
            f"legal in {other.variant} or violates there too"
        )
    else:
        note = ""
    return Distinction(claim.name, viol.variant, other.variant, run_v, run_o, True, "search", note)


def final_differences(viol: Model, other: Model, run_v: Trace, run_o: Trace) -> list[str]:
    """Shared slots whose last values differ, as `name: a (V1) vs b (V2)`."""
    la, lb = Layout(viol), Layout(other)
    out = []
    for i, j in shared_slots(viol, other):
        a, b = run_v.last[i], run_o.last[j]
        if a != b:
            sa, sb = la.slots[i], lb.slots[j]
            shown_a, shown_b = la.show(sa, a), lb.show(sb, b)
            out.append(f"{sa.name}: {shown_a} ({viol.variant}) vs {shown_b} ({other.variant})")
    return out


def schedule_lines(other: Model, run_o: Trace, extra: tuple[int, ...]) -> list[str]:
    """`run_o` one step a line (`k. who label choices`), extra steps marked with `+`."""
    lines = []
    for k, step in enumerate(run_o.steps, 1):
        who = instance_name(step.actor, other.actor(step.actor).instances, step.instance)
        choices = "".join(
            f" {name}={show_choice(other, step.actor, step.label, name, v)}"
            for name, v in step.choices
        )
        lines.append(f"{'+' if k in extra else ' '}{k}. {who} {step.label}{choices}")
    return lines
