"""Explicit-state engine: breadth-first search over the states of `semantics.relation`.

Input: a `Model`, a `Claim`, a `Budget`. Output: a `Result`: HOLDS when the search is
exhaustive, every reachable state satisfies the invariant and every witness was seen;
VACUOUS when a witness was never seen; VIOLATED with the shortest counterexample (BFS
order): a state violating the invariant, or a state with a type violation (a store
outside the type of a variable that is not guarded, ir.model NOTE(type rule)), whichever
is closer to an initial state; UNKNOWN when a limit stopped the search. A deadlock found
on the way is reported on its own (`Result.deadlock`) and does not stop the check.

NOTE(expansion checks): the invariant is tested when a state is discovered, a type
violation only when it is expanded (its successors computed). A state of depth d+1 that
violates the invariant is found while level d is expanded, so before stopping the
search expands the rest of level d: a type violation there is one step shorter.

Visited states are stored packed (one `bytes` per state, values shifted into 0..255)
with a pointer to the packed parent, so traces are rebuilt by re-running the
semantics along the parent chain: every returned trace is a genuine path and is
replayed before it is returned. With symmetry, states are stored in the canonical form
computed by `Canon` (exact: one representative per orbit, as TLC's SYMMETRY counts).
"""

from __future__ import annotations

import itertools
import operator
import os
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace

from mbind_formal.engines.base import Budget, Coverage, Progress, ProgressEvent, Result, Verdict
from mbind_formal.engines.codec import Codec, Key
from mbind_formal.ir.model import Claim, IndexType, Model
from mbind_formal.ir.symmetry import symmetric_collections
from mbind_formal.semantics.layout import Layout, State, Value
from mbind_formal.semantics.relation import Semantics, SemanticsError
from mbind_formal.semantics.watch import Expired
from mbind_formal.trace.model import Trace, TraceKind, TraceStep
from mbind_formal.trace.replay import replay_with, violation_reason

_CHECK_EVERY = 256  # expansions between clock / memory / progress checks
_CHECK_TRANSITIONS = 4096  # ... or after this many transitions
_PROGRESS_S = 0.5

# --------------------------------------------------------------------------- symmetry


Getter = Callable[[State], tuple[Value, ...]]


@dataclass(frozen=True, slots=True)
class _Group:
    """One permutable collection: per element, the slots that move with it."""

    name: str
    blocks: tuple[tuple[int, ...], ...]  # element -> its fields, then its actor instances
    whole: tuple[Getter, ...]  # element -> reader of its block
    plain: tuple[Getter, ...]  # element -> reader of its slots that are not references
    refs: tuple[tuple[tuple[int, int], ...], ...]  # element -> its ref slots (slot, group)
    classes: int  # kinds of block slots (group, position) that may refer to this group


class Canon:
    """The canonical representative of a state's orbit under the symmetry group.

    Exact: two states get the same representative iff a permutation maps one to the
    other, so the number of representatives is the number of orbits (what TLC's
    SYMMETRY reports). Elements are ordered by a signature that every permutation
    carries along: their own values with references abstracted (none / itself /
    another), which fixed slots refer to them, how many moving slots of each kind do,
    and, to break ties, the signatures of the elements they refer to. Elements with
    equal signatures that refer or are referred to are tried in every order; equal
    ones that do neither are identical, so their order does not matter. The
    representative is the smallest image over the orders tried.
    """

    def __init__(self, model: Model, layout: Layout, collections: frozenset[str]) -> None:
        names = [c.name for c in model.collections if c.name in collections]
        gid = {n: i for i, n in enumerate(names)}
        blocks_of: list[tuple[tuple[int, ...], ...]] = []
        for n in names:
            blocks = []
            for e in range(model.collection(n).size):
                b = [layout.field_slot(n, e, f.name) for f in model.collection(n).fields]
                for a in model.actors:
                    if a.self_collection == n:
                        b.append(layout.pc_slot(a.name, e))
                        b.extend(layout.local_slot(a.name, e, v.name) for v in a.locals)
                blocks.append(tuple(b))
            blocks_of.append(tuple(blocks))
        moved: dict[int, tuple[int, int]] = {}
        for g, group_blocks in enumerate(blocks_of):
            for block in group_blocks:
                for j, slot in enumerate(block):
                    moved[slot] = (g, j)
        target: dict[int, int] = {}
        for i, sl in enumerate(layout.slots):
            if isinstance(sl.type, IndexType) and sl.type.collection in gid:
                target[i] = gid[sl.type.collection]
        self.refs = tuple(sorted(target.items()))
        self._width = len(layout.slots)
        self._plans: dict[tuple[tuple[int, ...], ...], _Plan] = {}
        # Per ref slot: the group it points into and its kind there (-1: a fixed slot).
        kinds: list[dict[tuple[int, int], int]] = [{} for _ in names]
        info = []
        for slot, t in self.refs:
            cls = kinds[t].setdefault(moved[slot], len(kinds[t])) if slot in moved else -1
            info.append((slot, t, cls))
        self._refinfo = tuple(info)
        self.groups = tuple(
            _Group(
                name=n,
                blocks=blocks_of[g],
                whole=tuple(_getter(list(b)) for b in blocks_of[g]),
                plain=tuple(_getter([i for i in b if i not in target]) for b in blocks_of[g]),
                refs=tuple(tuple((i, target[i]) for i in b if i in target) for b in blocks_of[g]),
                classes=len(kinds[g]),
            )
            for g, n in enumerate(names)
        )

    def __call__(self, s: State) -> State:
        if not any(s[slot] >= 0 for slot, _ in self.refs):
            return self._sorted(s)
        return self._general(s)

    def _sorted(self, s: State) -> State:
        """No element is referred to: sorting each group's blocks is the lexmin image."""
        orders = []
        for grp in self.groups:
            vals = [get(s) for get in grp.whole]
            orders.append(tuple(sorted(range(len(vals)), key=vals.__getitem__)))
        return self._image(s, tuple(orders))

    def _signatures(self, s: State) -> tuple[list[list[Sig]], list[list[bool]]]:
        """Per group and element: its signature, and whether it refers or is referred to."""
        inbound: dict[tuple[int, int], list[int]] = {}  # (group, element) -> referring
        for slot, t, cls in self._refinfo:
            v = s[slot]
            if v >= 0:
                # a fixed slot is named by itself, a moving one only by its kind
                inbound.setdefault((t, int(v)), []).append(slot if cls < 0 else -1 - cls)
        sigs: list[list[Sig]] = []
        tangled: list[list[bool]] = []
        for g, grp in enumerate(self.groups):
            gs: list[Sig] = []
            gt: list[bool] = []
            for e, (plain, refs) in enumerate(zip(grp.plain, grp.refs, strict=True)):
                marks = tuple(
                    [-1 if s[i] < 0 else (-2 if t == g and s[i] == e else -3) for i, t in refs]
                )
                into = inbound.get((g, e))
                if into is None:
                    gs.append((plain(s), marks, ()))
                    gt.append(any(m != -1 for m in marks))
                else:
                    into.sort()
                    gs.append((plain(s), marks, tuple(into)))
                    gt.append(True)
            sigs.append(gs)
            tangled.append(gt)
        return sigs, tangled

    def _refine(self, s: State, sigs: list[list[Sig]]) -> list[list[Sig]]:
        """Each signature extended by the signatures of the elements it refers to."""
        return [
            [
                (sig, tuple([sigs[t][int(s[i])] if s[i] >= 0 else () for i, t in refs]))
                for sig, refs in zip(gs, grp.refs, strict=True)
            ]
            for gs, grp in zip(sigs, self.groups, strict=True)
        ]

    def _general(self, s: State) -> State:
        sigs, tangled = self._signatures(s)
        orders = self._orders(sigs, tangled, refine=False)
        if orders is None:
            orders = self._orders(self._refine(s, sigs), tangled, refine=True)
            assert orders is not None
        if len(orders) == 1:
            return self._image(s, orders[0])
        return min(self._image(s, o) for o in orders)

    def _orders(
        self, sigs: list[list[Sig]], tangled: list[list[bool]], refine: bool
    ) -> list[tuple[tuple[int, ...], ...]] | None:
        """The element orders to try (per group), or None when ties call for `_refine`."""
        per_group: list[list[tuple[int, ...]]] = []
        for gs, gt in zip(sigs, tangled, strict=True):
            ranked = sorted(range(len(gs)), key=gs.__getitem__)
            classes: list[list[int]] = [[ranked[0]]]
            tie = False
            for e in ranked[1:]:
                if gs[classes[-1][0]] == gs[e]:
                    classes[-1].append(e)
                    tie = tie or gt[e]
                else:
                    classes.append([e])
            if not tie:
                per_group.append([tuple(ranked)])
                continue
            if not refine:
                return None
            options: list[Sequence[tuple[int, ...]]] = [
                list(itertools.permutations(c)) if len(c) > 1 and gt[c[0]] else [tuple(c)]
                for c in classes
            ]
            per_group.append([sum(combo, ()) for combo in itertools.product(*options)])
        return list(itertools.product(*per_group))

    def _image(self, s: State, orders: tuple[tuple[int, ...], ...]) -> State:
        """`s` with each group's element `orders[g][p]` moved to position p."""
        plan = self._plans.get(orders)
        if plan is None:
            plan = self._plan(orders)
            if len(self._plans) < _PLAN_CACHE:
                self._plans[orders] = plan
        gather, remap = plan
        out = list(map(s.__getitem__, gather))
        for slot, pi in remap:
            v = out[slot]
            if v >= 0:
                out[slot] = pi[v]
        return tuple(out)

    def _plan(self, orders: tuple[tuple[int, ...], ...]) -> _Plan:
        """Where each slot of the image comes from, and how references are renamed."""
        gather = list(range(self._width))
        perms: list[tuple[int, ...]] = []
        for grp, order in zip(self.groups, orders, strict=True):
            blocks = grp.blocks
            pi = [0] * len(blocks)
            for p, e in enumerate(order):
                pi[e] = p
                for dst, src in zip(blocks[p], blocks[e], strict=True):
                    gather[dst] = src
            perms.append(tuple(pi))
        return tuple(gather), tuple((slot, perms[g]) for slot, g in self.refs)


_PLAN_CACHE = 50_000  # element orders whose gather plans are kept (6! = 720 per group)
_Plan = tuple[tuple[int, ...], tuple[tuple[int, tuple[int, ...]], ...]]
Sig = tuple[object, ...]


def _getter(slots: list[int]) -> Getter:
    """A fast reader of some slots, as a tuple."""
    if len(slots) == 1:
        only = slots[0]
        return lambda s: (s[only],)
    if not slots:
        return lambda s: ()
    get: Getter = operator.itemgetter(*slots)
    return get


# --------------------------------------------------------------------------- search


@dataclass
class _Search:
    """The mutable state of one BFS; what outlives it (the memo) is the engine's."""

    memo: _Memo  # the model's semantics, state keys and shared successors
    claim: Claim
    budget: Budget
    report: Progress | None
    started: float = field(default_factory=time.monotonic)
    parent: dict[Key, Key | None] = field(default_factory=dict)
    fired: list[bool] = field(default_factory=list)
    reached: list[bool] = field(default_factory=list)
    transitions: int = 0
    initial: int = 0
    depth: int = 0
    deadlock: Key | None = None
    violation: Key | None = None
    violation_kind: TraceKind = TraceKind.VIOLATION
    stopped: str = ""  # why the search stopped early ("" if it did not)
    rss0: int = 0  # resident memory when the search started
    last_report: float = 0.0
    blocked: list[int] = field(default_factory=list)  # per step id: stores refused here

    @property
    def sem(self) -> Semantics:
        return self.memo.sem

    @property
    def key(self) -> Callable[[State], Key]:
        return self.memo.key

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def progress(self, message: str = "") -> None:
        now = self.elapsed()
        self.last_report = now
        if self.report is not None:
            self.report(
                ProgressEvent(
                    engine="explicit",
                    phase="explore",
                    states=len(self.parent),
                    depth=self.depth,
                    elapsed_s=now,
                    message=message,
                )
            )

    def limits(self) -> str:
        """A reason to stop now, or ""; also sends progress every ~0.5 s."""
        b = self.budget
        now = self.elapsed()
        if now - self.last_report >= _PROGRESS_S:
            self.progress()
        if b.timeout_s is not None and now > b.timeout_s:
            return (
                f"timeout after {b.timeout_s:g} s ({len(self.parent)} states, depth {self.depth})"
            )
        if b.memory_mb is not None and rss_bytes() - self.rss0 > b.memory_mb << 20:
            return f"memory limit of {b.memory_mb} MB reached ({len(self.parent)} states)"
        return ""


def rss_bytes() -> int:
    """The process's resident memory (Linux /proc; else the peak from getrusage)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as f:
            pages = int(f.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        import resource  # Unix only, and only needed without /proc

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


# NOTE(successor memo): every claim of a matrix explores the same model, and most claims
# share most of their states (different `assume`s select overlapping sets of initial
# states: on spec/mbind.mbf at 3 pages, mainline's 17 claims visit 341k states of which
# 91k are distinct). The successors of a state do not depend on the claim, so the engine
# keeps, for the model it last checked (with the same symmetry reduction), each expanded
# state's successors as (step id, key) pairs and the stores its expansion refused, and
# later checks read them instead of running the semantics again. The search itself is
# unchanged: the same order, the same parents, the same statistics, so a cell's result
# does not depend on the cells checked before it (with symmetry, a memo built from
# another representative of an orbit can pick another trace of the same length).
# Memory is bounded: past _MEMO_TRANSITIONS stored successors (or half of --memory)
# new expansions are no longer kept.

_MEMO_TRANSITIONS = 2_000_000
_MEMO_BYTES_PER_TRANSITION = 240  # a (sid, key) pair, its key and the tuple holding it


@dataclass
class _Memo:
    """Successors of the states of one model already expanded (NOTE(successor memo))."""

    model: Model
    sym: frozenset[str]
    sem: Semantics
    key: Callable[[State], Key]
    unpack: Callable[[Key], State]
    # key -> (successors as (step id, key), stores refused (step id, n), type-violating)
    table: dict[Key, tuple[tuple[tuple[int, Key], ...], tuple[tuple[int, int], ...], bool]] = field(
        default_factory=dict
    )
    inits: dict[object, tuple[State, ...]] = field(default_factory=dict)  # assume -> states
    transitions: int = 0
    snap: list[int] = field(default_factory=list)  # blocked counters after the last expansion

    def refused(self) -> tuple[tuple[int, int], ...]:
        """The stores refused since the last call, as (step id, count) pairs."""
        now = self.sem.blocked_counts
        if now == self.snap:
            return ()
        delta = tuple(
            (i, n - o) for i, (n, o) in enumerate(zip(now, self.snap, strict=True)) if n != o
        )
        self.snap[:] = now
        return delta


class ExplicitEngine:
    """Breadth-first explicit-state model checking (see the module docstring)."""

    name = "explicit"

    def __init__(self) -> None:
        self._memo: _Memo | None = None

    def _memo_for(self, model: Model, sym: frozenset[str]) -> _Memo:
        """The memo of (model, sym), made anew (and the old one dropped) on a change."""
        memo = self._memo
        if memo is None or memo.model is not model or memo.sym != sym:
            self._memo = None  # let the old one go before the new one grows
            sem = Semantics(model)
            codec = Codec.of(sem.layout)
            key = codec.pack
            if sym:
                canon = Canon(model, sem.layout, sym)

                def key(s: State) -> Key:
                    return codec.pack(canon(s))

            memo = self._memo = _Memo(model, sym, sem, key, codec.unpack)
        memo.snap = list(memo.sem.blocked_counts)
        return memo

    def check(
        self,
        model: Model,
        claim: Claim,
        budget: Budget,
        report: Progress | None = None,
    ) -> Result:
        if claim.temporal:  # NOTE(liveness): its own search, without reductions
            from mbind_formal.engines.liveness import check_liveness

            return check_liveness(model, claim, budget, report)
        started = time.monotonic()
        sym = symmetric_collections(model, claim) if budget.symmetry else frozenset()
        try:
            memo = self._memo_for(model, sym)
        except SemanticsError as e:
            return self._unknown(model, claim, f"the model cannot be executed: {e}", started)
        search = _Search(memo, claim, budget, report, started, rss0=rss_bytes())
        search.progress("start")
        # NOTE(watch): long evaluations inside one state poll the same limits
        memo.sem.watch.check = search.limits
        try:
            _explore(search)
        except SemanticsError as e:
            self._memo = None  # it may hold a half-recorded expansion
            return self._unknown(model, claim, f"evaluation failed: {e}", started)
        except Expired as e:
            self._memo = None  # likewise
            search.stopped = f"{e.reason}, inside the evaluation of one state"
        except BaseException:
            self._memo = None  # Ctrl-C: likewise
            raise
        finally:
            memo.sem.watch.check = None
        search.progress(search.stopped or "done")
        return _result(search, sorted(sym))

    def _unknown(self, model: Model, claim: Claim, reason: str, started: float) -> Result:
        return Result(
            verdict=Verdict.UNKNOWN,
            engine=self.name,
            method="exhaustive",
            variant=model.variant,
            claim=claim.name,
            reason=reason,
            seconds=time.monotonic() - started,
        )


def _explore(x: _Search) -> None:
    """BFS from the initial states; fills `x` (violation, deadlock, witnesses, limits)."""
    sem, claim, key, parent = x.sem, x.claim, x.key, x.parent
    inv = sem.predicate(claim.invariant)
    wits = [sem.predicate(w) for w in claim.witnesses]
    x.reached = [False] * len(wits)
    x.fired = [False] * len(sem.steps)
    max_states = x.budget.max_states
    pending = list(range(len(wits)))

    def discover(s: State, k: Key) -> bool:
        """Check a new state; True when the search must stop (violation)."""
        nonlocal pending
        if pending:
            hit = [i for i in pending if wits[i](s)]
            if hit:
                for i in hit:
                    x.reached[i] = True
                pending = [i for i in pending if not x.reached[i]]
        if not inv(s):
            x.violation = k
            return True
        return False

    def out_of_budget() -> bool:
        x.stopped = x.limits()
        return bool(x.stopped)

    memo = x.memo
    x.blocked = [0] * len(sem.steps)
    inits: Iterable[State] | None = memo.inits.get(claim.assume)
    enumerated: list[State] | None = None
    if inits is None:
        enumerated = []
        inits = _recording(sem.initial_states(claim.assume, out_of_budget), enumerated)
    level: list[tuple[State, Key]] = []
    for n, s in enumerate(inits, start=1):
        if n % _CHECK_EVERY == 0 and out_of_budget():
            return
        k = key(s)
        if k in parent:
            continue
        if max_states is not None and len(parent) >= max_states:
            x.stopped = f"state limit of {max_states} reached while enumerating initial states"
            return
        parent[k] = None
        x.initial += 1
        level.append((s, k))
        if discover(s, k):
            return
    if x.stopped:
        return
    if enumerated is not None:  # every initial state was enumerated: keep them
        memo.inits[claim.assume] = tuple(enumerated)
    succ, final, fired, blocked = sem.raw_successors, sem.is_final, x.fired, x.blocked
    table, unpack = memo.table, memo.unpack
    faults = sem.fault_log
    del faults[:]
    room = _MEMO_TRANSITIONS
    if x.budget.memory_mb is not None:
        room = min(room, (x.budget.memory_mb << 19) // _MEMO_BYTES_PER_TRANSITION)
    count = 0
    checked_at = 0  # x.transitions when the limits were last checked
    finishing = False  # NOTE(expansion checks): the rest of the level, for type violations
    while level:
        nxt: list[tuple[State, Key]] = []
        for s, pk in level:
            count += 1
            # Every _CHECK_EVERY states, or sooner when states have many successors:
            # one state of a wide model can fan out to 10**5 states and more.
            if count % _CHECK_EVERY == 0 or x.transitions - checked_at >= _CHECK_TRANSITIONS:
                checked_at = x.transitions
                if out_of_budget():
                    return
            entry = table.get(pk)
            if entry is None:
                out = succ(s)
                news: list[State] | None = [t for _, _, t in out]
                entry = (tuple((sid, key(t)) for sid, _, t in out), memo.refused(), bool(faults))
                del faults[:]
                if memo.transitions < room:
                    table[pk] = entry
                    memo.transitions += len(out)
            else:
                news = None
            kids, refused, faulty = entry
            for sid, n in refused:
                blocked[sid] += n
            if faulty:
                x.violation, x.violation_kind = pk, TraceKind.TYPE_VIOLATION
                if finishing:
                    x.depth -= 1  # the level of `s`, one above the invariant's violation
                return
            if finishing:
                continue
            if not kids:
                if x.deadlock is None and not final(s):
                    x.deadlock = pk
                continue
            x.transitions += len(kids)
            for i, (sid, k) in enumerate(kids):
                fired[sid] = True
                if k in parent:
                    continue
                if max_states is not None and len(parent) >= max_states:
                    x.stopped = f"state limit of {max_states} reached at depth {x.depth + 1}"
                    return
                parent[k] = pk
                t = news[i] if news is not None else unpack(k)
                nxt.append((t, k))
                if discover(t, k):
                    x.depth += 1
                    finishing = True  # NOTE(expansion checks)
                    break
        if finishing:
            return
        if nxt:
            x.depth += 1
        level = nxt


def _recording(states: Iterable[State], into: list[State]) -> Iterator[State]:
    """`states`, each also appended to `into` as it passes."""
    for s in states:
        into.append(s)
        yield s


def _chain(parent: dict[Key, Key | None], k: Key) -> list[Key]:
    keys = [k]
    p = parent[k]
    while p is not None:
        keys.append(p)
        p = parent[p]
    keys.reverse()
    return keys


def rebuild(
    sem: Semantics, key: Callable[[State], Key], keys: Sequence[Key], claim: Claim
) -> tuple[State, tuple[TraceStep, ...]]:
    """A concrete path whose states have the given keys (canonical forms), in order.

    Re-running the semantics makes the trace a genuine path even when the search
    stored only orbit representatives: a state's successors include an image of every
    successor of any state in its orbit.
    """
    init = next((s for s in sem.initial_states(claim.assume) if key(s) == keys[0]), None)
    if init is None:
        raise RuntimeError("internal error: no initial state has the trace's first key")
    cur, steps = init, []
    for want in keys[1:]:
        for sid, ch, t in sem.raw_successors(cur):
            if key(t) == want:
                ref = sem.steps[sid]
                steps.append(TraceStep(ref.actor, ref.instance, ref.label, t, ch))
                cur = t
                break
        else:
            raise RuntimeError("internal error: the parent chain is not a path of the model")
    return init, tuple(steps)


def _trace(x: _Search, k: Key, kind: TraceKind) -> Trace:
    init, steps = rebuild(x.sem, x.key, _chain(x.parent, k), x.claim)
    trace = Trace(
        variant=x.sem.model.variant,
        init=init,
        steps=steps,
        kind=kind,
        claim=x.claim.name,
        engine="explicit",
    )
    checked = replay_with(x.sem, trace, x.claim)
    if not checked.ok:
        raise RuntimeError(f"internal error: explicit trace does not replay: {checked.message}")
    return trace


def coverage(
    sem: Semantics, fired: Sequence[bool], blocked: Mapping[tuple[str, str], int]
) -> Coverage:
    """Steps (actor, label) fired by some instance, those no instance fired, and the
    stores range checks refused (`blocked`, per (actor, label))."""
    done = {(r.actor, r.label) for r, f in zip(sem.steps, fired, strict=True) if f}
    every = {(a.name, st.label) for a in sem.model.actors for st in a.steps}
    return Coverage(
        fired=tuple(sorted(done)),
        never_fired=tuple(sorted(every - done)),
        blocked=tuple((a, lab, n) for (a, lab), n in sorted(blocked.items())),
    )


def _result(x: _Search, sym: list[str]) -> Result:
    sem, claim = x.sem, x.claim
    states = len(x.parent)
    seconds = x.elapsed()
    blocked = sem.blocked_stores(x.blocked)
    stats: dict[str, float | int | str] = {
        "distinct_states": states,
        "initial_states": x.initial,
        "transitions": x.transitions,
        "depth": x.depth,
        "symmetry": ",".join(sym),
        "blocked_stores": sum(blocked.values()),
        "blocked_steps": ",".join(f"{a}.{lab}={n}" for (a, lab), n in sorted(blocked.items())),
        "states_per_s": round(states / seconds) if seconds > 0 else states,
    }
    deadlock = _trace(x, x.deadlock, TraceKind.DEADLOCK) if x.deadlock is not None else None
    seen = tuple(True if r else None for r in x.reached)
    base = Result(
        verdict=Verdict.UNKNOWN,
        engine="explicit",
        method="exhaustive",
        variant=sem.model.variant,
        claim=claim.name,
        depth=x.depth,
        states=states,
        witnesses=seen,
        deadlock=deadlock,
        coverage=coverage(sem, x.fired, blocked),
        seconds=seconds,
        stats=stats,
    )
    if x.violation is not None:
        trace = _trace(x, x.violation, x.violation_kind)
        return replace(
            base,
            verdict=Verdict.VIOLATED,
            trace=trace,
            depth=len(trace),
            reason=violation_reason(sem, trace, "shortest, BFS"),
        )
    if x.stopped:
        return replace(base, reason=x.stopped)
    # The search was exhaustive: a witness not seen is unreachable.
    base = replace(base, witnesses=tuple(x.reached))
    missing = [i for i, r in enumerate(x.reached) if not r]
    if missing:
        shown = ", ".join(f"#{i + 1}" for i in missing)
        return replace(base, verdict=Verdict.VACUOUS, reason=f"witness {shown} is never reached")
    return replace(
        base, verdict=Verdict.HOLDS, reason=f"all {states} reachable states satisfy the claim"
    )
