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
computed by `engines.canon.Canon` (exact: one representative per orbit, as TLC's
SYMMETRY counts). With partial-order reduction (`Budget.por`, on by default) a state's
expansion follows only a stubborn set of its steps (`engines.por`); a counterexample it
finds is made shortest by a search without it (NOTE(partial-order reduction)).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace

from mbind_formal.engines.base import Budget, Coverage, Progress, ProgressEvent, Result, Verdict
from mbind_formal.engines.canon import Canon
from mbind_formal.engines.codec import Codec, Key
from mbind_formal.engines.footprint import claim_reads, footprints
from mbind_formal.engines.por import Reducer
from mbind_formal.ir.model import Claim, ClaimKind, Model
from mbind_formal.ir.symmetry import symmetric_collections
from mbind_formal.semantics.layout import State
from mbind_formal.semantics.relation import Semantics, SemanticsError
from mbind_formal.semantics.watch import Expired
from mbind_formal.trace.model import Trace, TraceKind, TraceStep
from mbind_formal.trace.replay import replay_with, violation_reason

_CHECK_EVERY = 256  # expansions between clock / memory / progress checks
_CHECK_TRANSITIONS = 4096  # ... or after this many transitions
_PROGRESS_S = 0.5

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
    por: bool = False  # NOTE(partial-order reduction): follow stubborn sets only
    reduced: int = 0  # expanded states where some enabled step was not followed
    proviso: int = 0  # ... where the proviso made the search follow every step
    pruned: int = 0  # transitions not followed
    first_reduced: int | None = None  # the depth of the first reduced expansion
    skipped: set[Key] = field(default_factory=set)  # successors not followed

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
# With partial-order reduction the memo still holds every successor (and the enabled
# steps): the stubborn set depends on the claim (its visible steps) and is chosen per
# search from the entry, so cells still do not depend on each other. With symmetry too,
# the stubborn set must be computed at the state whose successors the entry lists, so
# such a search expands each orbit's canonical state itself and keeps its own memo
# (`_Memo.canonical`); the search that minimises a counterexample reuses it.

_MEMO_TRANSITIONS = 2_000_000
# key -> (successors as (step id, key), stores refused (step id, n), type-violating,
# the steps with a successor as a bitmask of step ids)
_Entry = tuple[tuple[tuple[int, Key], ...], tuple[tuple[int, int], ...], bool, int]
_MEMO_BYTES_PER_TRANSITION = 240  # a (sid, key) pair, its key and the tuple holding it


@dataclass
class _Memo:
    """Successors of the states of one model already expanded (NOTE(successor memo))."""

    model: Model
    sym: frozenset[str]
    sem: Semantics
    key: Callable[[State], Key]
    unpack: Callable[[Key], State]
    canonical: bool = False  # expand canonical states only (NOTE(partial-order reduction))
    table: dict[Key, _Entry] = field(default_factory=dict)
    inits: dict[object, tuple[State, ...]] = field(default_factory=dict)  # assume -> states
    transitions: int = 0
    snap: list[int] = field(default_factory=list)  # blocked counters after the last expansion
    reducer: Reducer | None = None  # made on the first search with partial-order reduction

    def reduction(self) -> Reducer:
        if self.reducer is None:
            self.reducer = Reducer(
                self.model, self.sem.layout, footprints(self.model, self.sem.layout)
            )
        return self.reducer

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

    def _memo_for(
        self, model: Model, sym: frozenset[str], canonical: bool = False, compiled: bool = True
    ) -> _Memo:
        """The memo of (model, sym, canonical, compiled), made anew (and the old one
        dropped) on a change. `canonical`: successors are those of the canonical state of
        each orbit (what partial-order reduction needs with symmetry); a memo filled from
        other members of the orbits cannot serve, nor the other way round. `compiled`:
        generated step code, else the reference closures (the same successors)."""
        memo = self._memo
        canonical = canonical and bool(sym)
        if (
            memo is None
            or memo.model is not model
            or memo.sym != sym
            or memo.canonical != canonical
            or memo.sem.compiled != compiled
        ):
            self._memo = None  # let the old one go before the new one grows
            sem = Semantics(model, compiled=compiled)
            codec = Codec.of(sem.layout)
            key = codec.pack
            if sym:
                canon = Canon(model, sem.layout, sym)

                def key(s: State) -> Key:
                    return codec.pack(canon(s))

            memo = self._memo = _Memo(model, sym, sem, key, codec.unpack, canonical)
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
            memo = self._memo_for(model, sym, budget.por, budget.compiled)
        except SemanticsError as e:
            return self._unknown(model, claim, f"the model cannot be executed: {e}", started)
        search = _Search(memo, claim, budget, report, started, rss0=rss_bytes(), por=budget.por)
        result = self._search(search)
        if result.trace is None or not _may_be_longer(search, len(result.trace)):
            return result
        return self._minimise(model, claim, budget, report, started, search, result)

    def _minimise(
        self,
        model: Model,
        claim: Claim,
        budget: Budget,
        report: Progress | None,
        started: float,
        reduced: _Search,
        result: Result,
    ) -> Result:
        """A shortest counterexample, by a search without reduction: it stops at the
        first violation, at most as deep as the one found (NOTE(partial-order
        reduction): the reduced search may find a longer one first)."""
        assert result.trace is not None
        found = len(result.trace)
        left = None if budget.timeout_s is None else budget.timeout_s - reduced.elapsed()
        plain = _Search(
            reduced.memo,
            claim,
            replace(budget, timeout_s=left),
            report,
            rss0=rss_bytes(),
        )
        if left is not None and left <= 0:
            plain.stopped = "no time left"
        else:
            again = self._search(plain)
            if again.verdict is Verdict.VIOLATED and again.trace is not None:
                n = len(again.trace)
                how = "shorter than" if n < found else "as long as"
                stats = {**result.stats, **_minimise_stats(plain)}
                return replace(
                    result,
                    trace=again.trace,
                    depth=n,
                    seconds=time.monotonic() - started,
                    stats=stats,
                    reason=violation_reason(
                        self._sem_of(reduced),
                        again.trace,
                        f"shortest, BFS without partial-order reduction; {how} the {found} "
                        "steps found with it",
                    ),
                )
            plain.stopped = plain.stopped or again.reason
            if not plain.stopped:
                raise RuntimeError(
                    "internal error: a counterexample found with partial-order reduction "
                    "is not found without it"
                )
        return replace(
            result,
            seconds=time.monotonic() - started,
            stats={**result.stats, **_minimise_stats(plain)},
            reason=violation_reason(
                self._sem_of(reduced),
                result.trace,
                "partial-order reduction: may not be shortest; the search for a shorter one "
                f"stopped: {plain.stopped}",
            ),
        )

    @staticmethod
    def _sem_of(search: _Search) -> Semantics:
        return search.memo.sem

    def _search(self, search: _Search) -> Result:
        """Run one BFS and make its result (SemanticsError: the model cannot run)."""
        memo, model, claim = search.memo, search.memo.model, search.claim
        search.progress("start")
        # NOTE(watch): long evaluations inside one state poll the same limits
        memo.sem.watch.check = search.limits
        try:
            _explore(search)
        except SemanticsError as e:
            self._memo = None  # it may hold a half-recorded expansion
            return self._unknown(model, claim, f"evaluation failed: {e}", search.started)
        except Expired as e:
            self._memo = None  # likewise
            search.stopped = f"{e.reason}, inside the evaluation of one state"
        except BaseException:
            self._memo = None  # Ctrl-C: likewise
            raise
        finally:
            memo.sem.watch.check = None
        search.progress(search.stopped or "done")
        return _result(search, sorted(memo.sym))

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
    memo = x.memo
    reducer = memo.reduction() if x.por else None
    visible, seen_vis = 0, [0] * len(wits)  # NOTE(partial-order reduction): V
    if reducer is not None:
        lay, fp = sem.layout, reducer.fp
        if claim.kind is ClaimKind.ALWAYS:  # `final`: checked in terminal states only
            visible = fp.written_by(claim_reads(sem.model, lay, (claim.prop,)))
        seen_vis = [fp.written_by(claim_reads(sem.model, lay, (w,))) for w in claim.witnesses]
    always_vis = visible
    for m in seen_vis:
        visible |= m

    def discover(s: State, k: Key) -> bool:
        """Check a new state; True when the search must stop (violation)."""
        nonlocal pending, visible
        if pending:
            hit = [i for i in pending if wits[i](s)]
            if hit:
                for i in hit:
                    x.reached[i] = True
                pending = [i for i in pending if not x.reached[i]]
                visible = always_vis
                for i in pending:
                    visible |= seen_vis[i]
        if not inv(s):
            x.violation = k
            return True
        return False

    def out_of_budget() -> bool:
        x.stopped = x.limits()
        return bool(x.stopped)

    x.blocked = [0] * len(sem.steps)
    canonical = memo.canonical  # expand each orbit's canonical state itself
    unpack = memo.unpack
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
        level.append((unpack(k) if canonical else s, k))
        if discover(s, k):
            return
    if x.stopped:
        return
    if enumerated is not None:  # every initial state was enumerated: keep them
        memo.inits[claim.assume] = tuple(enumerated)
    succ, final, fired, blocked = sem.raw_successors, sem.is_final, x.fired, x.blocked
    table = memo.table
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
        here: set[Key] | None = None  # the keys of `level`, made when the proviso asks
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
                enabled = 0  # the steps with a successor, as a bitmask of step ids
                for sid, _, _ in out:
                    enabled |= 1 << sid
                kept = tuple((sid, key(t)) for sid, _, t in out)
                entry = (kept, memo.refused(), bool(faults), enabled)
                del faults[:]
                if memo.transitions < room:
                    table[pk] = entry
                    memo.transitions += len(out)
            else:
                news = None
            kids, refused, faulty, enabled = entry
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
            follow: Sequence[int] = range(len(kids))
            if reducer is not None:
                seeds = reducer.seeds(enabled, visible)
                if seeds:  # else nothing is independent here, and no state is read
                    if here is None:
                        here = {k for _, k in level}
                    follow = _stubborn(x, reducer, s, kids, enabled, visible, seeds, here)
            x.transitions += len(follow)
            for i in follow:
                sid, k = kids[i]
                fired[sid] = True
                if k in parent:
                    continue
                if max_states is not None and len(parent) >= max_states:
                    x.stopped = f"state limit of {max_states} reached at depth {x.depth + 1}"
                    return
                parent[k] = pk
                t = news[i] if news is not None and not canonical else unpack(k)
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


def _stubborn(
    x: _Search,
    reducer: Reducer,
    s: State,
    kids: tuple[tuple[int, Key], ...],
    enabled: int,
    visible: int,
    seeds: Sequence[int],
    here: set[Key],
) -> Sequence[int]:
    """The positions in `kids` (every successor of `s`, at depth `x.depth`; `here`: the
    keys at that depth) the search follows: those of a stubborn set's steps, or all
    when the proviso says so (NOTE(partial-order reduction)). Every enabled step
    counts as fired: coverage is preserved."""
    everything = range(len(kids))
    keep = reducer.reduce(s, enabled, visible, seeds)
    if keep == enabled:
        return everything
    chosen = [i for i, (sid, _) in enumerate(kids) if keep >> sid & 1]
    # The cycle proviso for BFS (after Bosnacki, Leue, Lluch-Lafuente, "Partial-order
    # reduction for general state exploring algorithms", SPIN 2006, which states it
    # with the search's open and closed sets): a followed successor already seen at
    # this depth or above may close a cycle, so expand fully. Every cycle of the
    # explored graph then holds a fully expanded state: an edge of BFS goes at most
    # one level down, so some edge of a cycle does not go down, and its source saw a
    # target already at its depth or above. A successor seen before is one level down
    # iff its BFS parent lies at this depth.
    if _closes_cycle(x.parent, here, [kids[i][1] for i in chosen]):
        x.proviso += 1
        return everything
    fired = x.fired
    for sid, _ in kids:
        fired[sid] = True
    x.reduced += 1
    if x.first_reduced is None:
        x.first_reduced = x.depth
    x.pruned += len(kids) - len(chosen)
    skipped = x.skipped
    for sid, k in kids:
        if not keep >> sid & 1:
            skipped.add(k)
    return chosen


def _closes_cycle(parent: Mapping[Key, Key | None], here: set[Key], keys: Sequence[Key]) -> bool:
    """Whether one of `keys` (successors of a state at depth d; `here`: the keys at depth
    d) was already seen at depth d or above (the proviso in `_stubborn`)."""
    return any(k in parent and parent[k] not in here for k in keys)


def _may_be_longer(x: _Search, length: int) -> bool:
    """Whether a counterexample of `length` steps may be longer than a shortest one: some
    expansion at depth `length - 2` or above followed a stubborn set (below that, every
    state up to depth `length - 1` was seen and expanded, so no shorter invariant or
    type violation exists)."""
    return x.first_reduced is not None and x.first_reduced < length - 1


def _minimise_stats(plain: _Search) -> dict[str, float | int | str]:
    return {"por_minimise_states": len(plain.parent), "por_minimise_s": round(plain.elapsed(), 3)}


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
    stats["por"] = "on" if x.por else "off"
    if x.por:
        stats.update(
            por_reduced_states=x.reduced,
            por_proviso_states=x.proviso,
            por_pruned_transitions=x.pruned,
            por_states_saved_at_least=sum(1 for k in x.skipped if k not in x.parent),
        )
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
