"""Explicit-state liveness: temporal claims under fairness on the explored state graph.

Input: a `Model`, a temporal `Claim` (NOTE(liveness) in `ir.model`), a `Budget`.
Output: a `Result`: HOLDS when no fair behaviour violates any instance of the claim
(and every witness is reachable), VIOLATED with a replayed lasso (`TraceKind.LASSO`,
NOTE(fair lasso) in `semantics.fairness`), UNKNOWN when a limit stopped the search.

Method: breadth-first exploration of every reachable state (steps that leave the state
unchanged are stutters and not edges); then, per claim instance, the states where its
goal fails (C) that a violation may start from (S), the strongly connected components
of the graph restricted to C (Tarjan, iterative), and the fair ones among them by the
Streett/Emerson-Lei refinement: a component breaking a weak fairness constraint (its
action enabled in all its states, taken on none of its edges) has no fair cycle; one
breaking a strong constraint (enabled somewhere, never taken) loses the states where
the action is enabled and is split again. Every single state is a candidate cycle,
since stuttering is always possible. A violation is a fair component reachable within
C from S; the lasso is a shortest path to S, a shortest path within C to the
component, and a cycle through the component that meets each constraint.

NOTE(liveness reductions): symmetry reduction and partial-order reduction are not used
here. Fairness is per actor instance, and a quotient by symmetry renames instances
along a cycle, so an instance that does move can look starved and a real violation
is lost (tests/engines/test_liveness.py has such a model). The search stores every
state itself and the result says so; `canon` exists only for that test.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from mbind_formal.engines.base import Budget, Progress, ProgressEvent, Result, Verdict
from mbind_formal.ir.model import Claim, FairnessKind, Model
from mbind_formal.ir.symmetry import symmetric_collections
from mbind_formal.semantics.fairness import (
    Constraint,
    Instance,
    claim_fairness,
    constraints,
    instances,
)
from mbind_formal.semantics.layout import State
from mbind_formal.semantics.relation import Semantics, SemanticsError
from mbind_formal.trace.model import Trace, TraceKind, TraceStep
from mbind_formal.trace.replay import replay_with, violation_reason

_CHECK_EVERY = 512
REDUCTIONS_OFF = "no symmetry or partial-order reduction (not sound for liveness under fairness)"


@dataclass
class _Graph:
    """The explored state graph: states by index, non-stutter edges, BFS parents."""

    states: list[State] = field(default_factory=list)
    index: dict[State, int] = field(default_factory=dict)
    succ: list[list[tuple[int, int]]] = field(default_factory=list)  # (step id, target)
    parent: list[tuple[int, int]] = field(default_factory=list)  # (parent, step id); -1
    depth: list[int] = field(default_factory=list)
    inits: list[int] = field(default_factory=list)
    bad: int | None = None  # a state with a type violation (ir.model NOTE(type rule))
    transitions: int = 0

    def add(self, s: State, parent: int, sid: int) -> tuple[int, bool]:
        i = self.index.get(s)
        if i is not None:
            return i, False
        i = len(self.states)
        self.index[s] = i
        self.states.append(s)
        self.succ.append([])
        self.parent.append((parent, sid))
        self.depth.append(0 if parent < 0 else self.depth[parent] + 1)
        return i, True


def _explore(
    sem: Semantics,
    claim: Claim,
    budget: Budget,
    started: float,
    canon: Callable[[State], State] | None,
) -> tuple[_Graph, str]:
    """Every reachable state (under the claim's assume), or a reason to stop."""
    g = _Graph()
    norm = canon or (lambda s: s)
    queue: deque[int] = deque()
    faults = sem.fault_log
    for s in sem.initial_states(claim.assume):
        i, new = g.add(norm(s), -1, -1)
        if new:
            g.inits.append(i)
            queue.append(i)
    count = 0
    while queue:
        i = queue.popleft()
        count += 1
        late = budget.timeout_s is not None and time.monotonic() - started > budget.timeout_s
        if count % _CHECK_EVERY == 0 and late:
            return g, f"timeout after {budget.timeout_s:g} s ({len(g.states)} states)"
        s = g.states[i]
        out = g.succ[i]
        del faults[:]
        kids = sem.raw_successors(s)
        if faults:  # an enabled store outside its type: a violation of every claim
            g.bad = i
            return g, ""
        for sid, _, t in kids:
            t = norm(t)
            if t == s:
                continue  # a stutter (NOTE(fair lasso))
            full = budget.max_states is not None and len(g.states) >= budget.max_states
            if full and t not in g.index:
                return g, f"state limit of {budget.max_states} reached"
            j, new = g.add(t, i, sid)
            out.append((sid, j))
            if new:
                queue.append(j)
        g.transitions += len(out)
    return g, ""


def _sccs(g: _Graph, nodes: set[int]) -> list[list[int]]:
    """The strongly connected components of the subgraph induced by `nodes` (iterative
    Tarjan), each a list of states, in a fixed order."""
    index: dict[int, int] = {}
    low: dict[int, int] = {}
    on: set[int] = set()
    stack: list[int] = []
    out: list[list[int]] = []
    counter = 0
    for root in sorted(nodes):
        if root in index:
            continue
        work: list[tuple[int, int]] = [(root, 0)]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on.add(root)
        while work:
            v, k = work[-1]
            edges = g.succ[v]
            if k < len(edges):
                work[-1] = (v, k + 1)
                w = edges[k][1]
                if w not in nodes:
                    continue
                if w not in index:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on.add(w)
                    work.append((w, 0))
                elif w in on:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                u = work[-1][0]
                low[u] = min(low[u], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                out.append(sorted(comp))
    return out


def _enabled(g: _Graph, v: int, c: Constraint) -> bool:
    return any(sid in c.sids for sid, _ in g.succ[v])


def fair_components(g: _Graph, nodes: set[int], cons: Sequence[Constraint]) -> list[list[int]]:
    """The components of `nodes` holding a fair cycle (see the module docstring)."""
    work = [nodes]
    found: list[list[int]] = []
    while work:
        part = work.pop()
        for comp in _sccs(g, part):
            members = set(comp)
            taken = {sid for v in comp for sid, w in g.succ[v] if w in members}
            drop: set[int] = set()
            ok = True
            for c in cons:
                if taken & c.sids:
                    continue
                on = [v for v in comp if _enabled(g, v, c)]
                if c.kind is FairnessKind.WEAK and len(on) == len(comp):
                    ok = False
                    break
                if c.kind is FairnessKind.STRONG:
                    drop.update(on)
            if not ok:
                continue
            if drop:
                rest = members - drop
                if rest:
                    work.append(rest)
                continue
            found.append(comp)
    found.sort(key=lambda comp: comp[0])
    return found


# --------------------------------------------------------------------------- lassos


def _bfs(
    g: _Graph,
    sources: dict[int, int],
    allowed: Callable[[int], bool],
    goal: Callable[[int], bool],
) -> list[tuple[int, int]] | None:
    """A shortest path (as (state, step id into it) pairs, the first step id -1) from
    any source (with its starting distance) to a `goal` state, through allowed states."""
    buckets: dict[int, list[int]] = {}
    for v, d in sources.items():
        buckets.setdefault(d, []).append(v)
    prev: dict[int, tuple[int, int]] = {v: (-1, -1) for v in sources}
    dist = dict(sources)
    d = min(buckets, default=0)
    top = max(buckets, default=0)
    while d <= top:
        for v in sorted(buckets.pop(d, [])):
            if dist[v] != d:
                continue
            if goal(v):
                nodes = [v]
                while prev[nodes[-1]][0] >= 0:
                    nodes.append(prev[nodes[-1]][0])
                nodes.reverse()
                return [(u, prev[u][1]) for u in nodes]
            for sid, w in g.succ[v]:
                if allowed(w) and (w not in dist or dist[w] > d + 1):
                    dist[w] = d + 1
                    prev[w] = (v, sid)
                    buckets.setdefault(d + 1, []).append(w)
                    top = max(top, d + 1)
        d += 1
    return None


def _cycle(g: _Graph, comp: list[int], entry: int, cons: Sequence[Constraint]) -> list[int]:
    """Step ids and states of a fair cycle from `entry` back to it inside `comp`, as a
    flat list [sid, state, sid, state, ...]; empty: stuttering at `entry` is fair."""
    members = set(comp)
    taken_needed: list[Constraint] = []
    visit_needed: list[set[int]] = []
    inner = {sid for v in comp for sid, w in g.succ[v] if w in members}
    for c in cons:
        off = {v for v in comp if not _enabled(g, v, c)}
        if c.kind is FairnessKind.WEAK and off:
            visit_needed.append(off)
        elif c.kind is FairnessKind.STRONG and len(off) == len(comp):
            continue
        elif inner & c.sids:
            taken_needed.append(c)
    walk: list[int] = []
    visited = {entry}
    taken: set[int] = set()
    cur = entry
    inside = members.__contains__

    def follow(path: list[tuple[int, int]]) -> None:
        nonlocal cur
        for v, sid in path[1:]:
            walk.extend((sid, v))
            visited.add(v)
            taken.add(sid)
        cur = path[-1][0]

    for want in visit_needed:
        if visited & want:
            continue
        path = _bfs(g, {cur: 0}, inside, want.__contains__)
        assert path is not None
        follow(path)
    for c in taken_needed:
        if taken & c.sids:
            continue
        # the shortest way to an edge of the action: to its source, then along it
        srcs = {v for v in comp if any(sid in c.sids and w in members for sid, w in g.succ[v])}
        path = _bfs(g, {cur: 0}, inside, srcs.__contains__)
        assert path is not None
        follow(path)
        sid, w = next((sid, w) for sid, w in g.succ[cur] if sid in c.sids and w in members)
        follow([(cur, -1), (w, sid)])
    if cur != entry:
        path = _bfs(g, {cur: 0}, inside, lambda v: v == entry)
        assert path is not None
        follow(path)
    return walk


@dataclass(frozen=True, slots=True)
class _Lasso:
    instance: Instance
    states: tuple[int, ...]  # state indices, the last equal to states[loop]
    sids: tuple[int, ...]
    loop: int


def _search(g: _Graph, inst: Instance, cons: Sequence[Constraint]) -> _Lasso | None:
    """A fair lasso violating `inst`, or None."""
    n = len(g.states)
    bad = [not inst.goal(s) for s in g.states]
    if inst.from_init:
        starts = {i: 0 for i in g.inits if bad[i]}
    else:
        starts = {i: g.depth[i] for i in range(n) if bad[i] and inst.start(g.states[i])}
    if not starts:
        return None
    allowed = bad.__getitem__
    seen = set(starts)
    todo = list(starts)
    while todo:
        v = todo.pop()
        for _, w in g.succ[v]:
            if bad[w] and w not in seen:
                seen.add(w)
                todo.append(w)
    comps = fair_components(g, seen, cons)
    if not comps:
        return None
    where = {v: k for k, comp in enumerate(comps) for v in comp}
    tail = _bfs(g, starts, allowed, where.__contains__)
    assert tail is not None
    start = tail[0][0]
    head: list[tuple[int, int]] = []
    v = start
    while v >= 0:  # the BFS tree's path from an initial state to `start`
        p, sid = g.parent[v]
        head.append((v, sid))
        v = p
    head.reverse()
    path = [*head, *tail[1:]]
    states = [v for v, _ in path]
    sids = [sid for _, sid in path[1:]]
    entry = states[-1]
    walk = _cycle(g, comps[where[entry]], entry, cons)
    loop = len(states) - 1
    for k in range(0, len(walk), 2):
        sids.append(walk[k])
        states.append(walk[k + 1])
    return _Lasso(inst, tuple(states), tuple(sids), loop)


def _trace(sem: Semantics, g: _Graph, claim: Claim, lasso: _Lasso) -> Trace:
    """The lasso as a replayed trace (choices recovered by running each step again)."""
    steps: list[TraceStep] = []
    for a, b, sid in zip(lasso.states, lasso.states[1:], lasso.sids, strict=False):
        s, t = g.states[a], g.states[b]
        ch = next(c for i, c, u in sem.raw_successors(s) if i == sid and u == t)
        ref = sem.steps[sid]
        steps.append(TraceStep(ref.actor, ref.instance, ref.label, t, ch))
    trace = Trace(
        variant=sem.model.variant,
        init=g.states[lasso.states[0]],
        steps=tuple(steps),
        kind=TraceKind.LASSO,
        claim=claim.name,
        engine="explicit",
        loop=lasso.loop,
    )
    checked = replay_with(sem, trace, claim)
    if not checked.ok:
        raise RuntimeError(f"internal error: explicit lasso does not replay: {checked.message}")
    return trace


def _path_trace(sem: Semantics, g: _Graph, claim: Claim, end: int) -> Trace:
    """The BFS path to `end`, a state with a type violation, as a replayed trace."""
    path: list[tuple[int, int]] = []
    v = end
    while g.parent[v][0] >= 0:
        path.append((v, g.parent[v][1]))
        v = g.parent[v][0]
    steps: list[TraceStep] = []
    prev = v
    for w, sid in reversed(path):
        s, t = g.states[prev], g.states[w]
        ch = next(c for i, c, u in sem.raw_successors(s) if i == sid and u == t)
        ref = sem.steps[sid]
        steps.append(TraceStep(ref.actor, ref.instance, ref.label, t, ch))
        prev = w
    trace = Trace(
        variant=sem.model.variant,
        init=g.states[v],
        steps=tuple(steps),
        kind=TraceKind.TYPE_VIOLATION,
        claim=claim.name,
        engine="explicit",
    )
    checked = replay_with(sem, trace, claim)
    if not checked.ok:
        raise RuntimeError(f"internal error: explicit trace does not replay: {checked.message}")
    return trace


def check_liveness(
    model: Model,
    claim: Claim,
    budget: Budget,
    report: Progress | None = None,
    *,
    canon: Callable[[State], State] | None = None,
) -> Result:
    """Check a temporal claim (see the module docstring). `canon` (tests only) stores
    states as the given representatives, i.e. a quotient the result must not trust."""
    started = time.monotonic()
    base = Result(
        verdict=Verdict.UNKNOWN,
        engine="explicit",
        method="exhaustive, fair SCCs",
        variant=model.variant,
        claim=claim.name,
    )

    def done(**kw: object) -> Result:
        return replace(base, seconds=time.monotonic() - started, **kw)  # type: ignore[arg-type]

    try:
        sem = Semantics(model)
        if report is not None:
            report(ProgressEvent(engine="explicit", phase="liveness", message="start"))
        g, stopped = _explore(sem, claim, budget, started, canon)
        cons = constraints(sem, claim_fairness(model, claim))
        blocked = sem.blocked_stores()
        notes = []
        if budget.symmetry and symmetric_collections(model, claim) and canon is None:
            notes.append(REDUCTIONS_OFF)
        stats: dict[str, float | int | str] = {
            "distinct_states": len(g.states),
            "initial_states": len(g.inits),
            "transitions": g.transitions,
            "depth": max(g.depth, default=0),
            "fairness": "; ".join(c.text for c in cons),
            "symmetry": "quotient (test only)" if canon is not None else "",
            "reductions": "off",
            "blocked_stores": sum(blocked.values()),
            "blocked_steps": ",".join(f"{a}.{lab}={n}" for (a, lab), n in sorted(blocked.items())),
        }
        if stopped:
            return done(reason=stopped, states=len(g.states), stats=stats)
        if g.bad is not None:
            bad = _path_trace(sem, g, claim, g.bad)
            return done(
                verdict=Verdict.VIOLATED,
                trace=bad,
                depth=len(bad),
                states=len(g.states),
                reason=violation_reason(sem, bad, "shortest, BFS"),
                stats=stats,
            )
        for inst in instances(sem, claim):
            lasso = _search(g, inst, cons)
            if lasso is None:
                continue
            trace = None if canon is not None else _trace(sem, g, claim, lasso)
            prefix, cycle = lasso.loop, len(lasso.sids) - lasso.loop
            where = f" for {inst.label}" if inst.binding else ""
            shape = f"cycle of {cycle} steps" if cycle else "then stuttering forever"
            return done(
                verdict=Verdict.VIOLATED,
                trace=trace,
                depth=len(lasso.sids),
                states=len(g.states),
                reason="; ".join([f"fair lasso{where}: prefix of {prefix} steps, {shape}", *notes]),
                stats={**stats, "lasso_prefix": prefix, "lasso_cycle": cycle},
            )
        reached = tuple(any(sem.predicate(w)(s) for s in g.states) for w in claim.witnesses)
        if not all(reached):
            shown = ", ".join(f"#{i + 1}" for i, r in enumerate(reached) if not r)
            return done(
                verdict=Verdict.VACUOUS,
                witnesses=reached,
                states=len(g.states),
                depth=max(g.depth, default=0),
                reason=f"witness {shown} is never reached",
                stats=stats,
            )
        fairness = f" under {len(cons)} fairness constraint(s)" if cons else " (no fairness)"
        return done(
            verdict=Verdict.HOLDS,
            witnesses=reached,
            states=len(g.states),
            depth=max(g.depth, default=0),
            reason="; ".join(
                [f"no fair behaviour of the {len(g.states)} states violates it{fairness}", *notes]
            ),
            stats=stats,
        )
    except SemanticsError as e:
        return done(reason=f"evaluation failed: {e}")
