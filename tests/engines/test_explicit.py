"""The explicit engine: exact state counts, verdicts, shortest traces, deadlocks, limits."""

from __future__ import annotations

import itertools
import random

import pytest
from explicit_models import counter, cross_refs, mutex, pages, two_locks

from mbind_formal.engines.base import Budget, ProgressEvent, Verdict
from mbind_formal.engines.canon import Canon
from mbind_formal.engines.codec import Codec
from mbind_formal.engines.explicit import ExplicitEngine
from mbind_formal.engines.registry import get_engine
from mbind_formal.ir.model import Claim, IndexType, Model
from mbind_formal.ir.symmetry import symmetric_collections
from mbind_formal.semantics.layout import Layout, State, domain
from mbind_formal.semantics.relation import Semantics
from mbind_formal.trace.model import TraceKind
from mbind_formal.trace.replay import replay

ENGINE = ExplicitEngine()


def reachable(model: Model) -> set[State]:
    """Every reachable state, by a plain set-based search over `Semantics.successors`."""
    sem = Semantics(model)
    seen = set(sem.initial_states())
    todo = list(seen)
    while todo:
        for t in sem.successors(todo.pop()):
            if t.state not in seen:
                seen.add(t.state)
                todo.append(t.state)
    return seen


def buggy_mutex_states() -> int:
    """The buggy mutex's reachable states, computed without the semantics module."""
    labels = ("check", "set", "cs", "rel", "done")

    def moves(pc: int, lock: bool) -> list[tuple[int, bool]]:
        match labels[pc]:
            case "check":
                return [(1, lock)] if not lock else []
            case "set":
                return [(2, True)]
            case "cs":
                return [(3, lock)]
            case "rel":
                return [(4, False)]
        return []

    start = (0, 0, False)
    seen = {start}
    todo = [start]
    while todo:
        p0, p1, lock = todo.pop()
        nxt = [(a, p1, lk) for a, lk in moves(p0, lock)]
        nxt += [(p0, b, lk) for b, lk in moves(p1, lock)]
        for s in nxt:
            if s not in seen:
                seen.add(s)
                todo.append(s)
    return len(seen)


def test_correct_mutex_holds_with_exact_state_count() -> None:
    m, claim = mutex(buggy=False)
    r = ENGINE.check(m, claim, Budget())
    assert r.verdict is Verdict.HOLDS
    assert r.states == 12 == len(reachable(m))
    assert r.witnesses == (True,)
    assert r.deadlock is None and r.trace is None
    assert r.coverage is not None and r.coverage.never_fired == ()
    assert r.stats["initial_states"] == 1


def test_buggy_mutex_violation_is_shortest_and_replays() -> None:
    m, claim = mutex(buggy=True)
    r = ENGINE.check(m, claim, Budget())
    assert r.verdict is Verdict.VIOLATED
    assert r.trace is not None and r.trace.kind is TraceKind.VIOLATION
    # check, check, set, set: both processes passed the test before either set the lock
    assert len(r.trace) == r.depth == 4
    assert sorted(s.label for s in r.trace.steps) == ["check", "check", "set", "set"]
    assert replay(m, r.trace, claim).ok
    assert r.trace.claim == "exclusive" and r.trace.engine == "explicit"


def test_buggy_mutex_full_state_count_matches_an_independent_model() -> None:
    m, _ = mutex(buggy=True)
    assert len(reachable(m)) == buggy_mutex_states() == 29


def test_range_blocked_increment_deadlocks_without_stopping_the_check() -> None:
    m, claim = counter()
    r = ENGINE.check(m, claim, Budget())
    assert r.verdict is Verdict.HOLDS
    assert r.states == 4
    assert r.deadlock is not None and r.deadlock.kind is TraceKind.DEADLOCK
    assert len(r.deadlock) == 3 and r.deadlock.last == (3, 0)
    assert replay(m, r.deadlock, None).ok
    assert int(r.stats["blocked_stores"]) >= 1
    assert "inc.loop" in str(r.stats["blocked_steps"])


def test_increment_out_of_type_is_a_type_violation_of_the_state_before_it() -> None:
    """ir.model NOTE(type rule): x == 3 with `x += 1` enabled violates every claim."""
    m, claim = counter(guarded=False)
    r = ENGINE.check(m, claim, Budget())
    assert r.verdict is Verdict.VIOLATED
    assert r.trace is not None and r.trace.kind is TraceKind.TYPE_VIOLATION
    assert len(r.trace) == 3 and r.trace.last == (3, 0)
    assert replay(m, r.trace, claim).ok
    assert r.reason.startswith("type violation: x := 4 outside 0..3 (inc loop) after 3 steps")
    assert r.deadlock is None  # the state with the bad store is not called a deadlock
    assert int(r.stats["blocked_stores"]) == 0


def test_lock_order_deadlock_is_found_and_the_search_completes() -> None:
    m, claim = two_locks()
    r = ENGINE.check(m, claim, Budget())
    assert r.verdict is Verdict.HOLDS
    assert r.states == len(reachable(m)) == 13
    assert r.deadlock is not None and len(r.deadlock) == 2
    assert {s.actor for s in r.deadlock.steps} == {"t1", "t2"}


def test_unreachable_witness_makes_the_claim_vacuous() -> None:
    m, claim = mutex(buggy=False)
    both = claim.prop.arg  # type: ignore[union-attr]
    vacuous = Claim(
        name="v", kind=claim.kind, prop=claim.prop, witnesses=(both, claim.witnesses[0])
    )
    r = ENGINE.check(m, vacuous, Budget())
    assert r.verdict is Verdict.VACUOUS
    assert r.witnesses == (False, True)
    assert "#1" in r.reason


def _orbits(model: Model, states: set[State]) -> int:
    """Orbits of `states` under all permutations of Page, computed by brute force."""
    sem = Semantics(model)
    lay = sem.layout
    size = model.collection("Page").size
    fields = [f.name for f in model.collection("Page").fields]
    refs = [
        i
        for i, sl in enumerate(lay.slots)
        if isinstance(sl.type, IndexType) and sl.type.collection == "Page"
    ]
    canon = set()
    for s in states:
        images = []
        for perm in itertools.permutations(range(size)):
            out = list(s)
            for e in range(size):
                for f in fields:
                    out[lay.field_slot("Page", perm[e], f)] = s[lay.field_slot("Page", e, f)]
                out[lay.pc_slot("link", perm[e])] = s[lay.pc_slot("link", e)]
            for i in refs:
                if out[i] >= 0:
                    out[i] = perm[out[i]]
            images.append(tuple(out))
        canon.add(min(images))
    return len(canon)


@pytest.mark.parametrize("size", [2, 3])
def test_symmetry_reduction_counts_orbits_exactly(size: int) -> None:
    m, holds, _ = pages(size)
    assert symmetric_collections(m, holds) == frozenset({"Page"})
    # exact counts: without partial-order reduction (tests/engines/test_por.py has it)
    full = ENGINE.check(m, holds, Budget(symmetry=False, por=False))
    reduced = ENGINE.check(m, holds, Budget(symmetry=True, por=False))
    states = reachable(m)
    assert full.states == len(states)
    assert reduced.states == _orbits(m, states) < len(states)
    assert full.verdict is reduced.verdict is Verdict.HOLDS
    assert reduced.stats["symmetry"] == "Page" and full.stats["symmetry"] == ""


def test_symmetry_keeps_verdicts_and_shortest_lengths_and_traces_are_concrete() -> None:
    m, _, violated = pages(3)
    full = ENGINE.check(m, violated, Budget(symmetry=False))
    reduced = ENGINE.check(m, violated, Budget(symmetry=True))
    assert full.verdict is reduced.verdict is Verdict.VIOLATED
    assert full.trace is not None and reduced.trace is not None
    assert len(full.trace) == len(reduced.trace) == 2
    assert replay(m, reduced.trace, violated).ok
    assert reduced.states is not None and full.states is not None
    assert reduced.states < full.states


def test_results_are_deterministic() -> None:
    m, _, violated = pages(3)
    a = ENGINE.check(m, violated, Budget())
    b = ENGINE.check(m, violated, Budget())
    assert a.trace == b.trace and a.states == b.states


def test_state_limit_gives_unknown_with_a_reason() -> None:
    m, holds, _ = pages(3)
    r = ENGINE.check(m, holds, Budget(max_states=50))
    assert r.verdict is Verdict.UNKNOWN
    assert "state limit of 50" in r.reason
    assert r.states == 50


def test_timeout_gives_unknown_and_progress_is_reported() -> None:
    m, holds, _ = pages(3)
    events: list[ProgressEvent] = []
    r = ENGINE.check(m, holds, Budget(timeout_s=0.0, symmetry=False), events.append)
    assert r.verdict is Verdict.UNKNOWN and "timeout" in r.reason
    assert events[0].message == "start" and events[-1].message == r.reason
    assert all(e.engine == "explicit" for e in events)


def test_registry_finds_the_engine() -> None:
    assert get_engine("explicit").name == "explicit"


def test_packed_keys_distinguish_states() -> None:
    m, _, _ = pages(2)
    sem = Semantics(m)
    key = Codec.of(sem.layout).pack
    states = reachable(m)
    assert len({key(s) for s in states}) == len(states)


def _permute(model: Model, s: State, perms: dict[str, tuple[int, ...]]) -> State:
    """`s` with element e of each collection C moved to `perms[C][e]` (independently of
    the engine: fields, instances of actors indexed by C, and references all follow)."""
    lay = Layout(model)
    out = list(s)
    for c, perm in perms.items():
        coll = model.collection(c)
        for e in range(coll.size):
            for f in coll.fields:
                out[lay.field_slot(c, perm[e], f.name)] = s[lay.field_slot(c, e, f.name)]
            for a in model.actors:
                if a.self_collection == c:
                    out[lay.pc_slot(a.name, perm[e])] = s[lay.pc_slot(a.name, e)]
                    for v in a.locals:
                        dst = lay.local_slot(a.name, perm[e], v.name)
                        out[dst] = s[lay.local_slot(a.name, e, v.name)]
    for i, sl in enumerate(lay.slots):
        if isinstance(sl.type, IndexType) and sl.type.collection in perms and out[i] >= 0:
            out[i] = perms[sl.type.collection][out[i]]
    return tuple(out)


def _random_states(model: Model, n: int, seed: int) -> list[State]:
    rng = random.Random(seed)
    lay = Semantics(model).layout
    sizes = {c.name: c.size for c in model.collections}
    doms = [
        range(len(sl.labels)) if sl.type is None else domain(sl.type, sizes) for sl in lay.slots
    ]
    return [tuple(rng.choice(list(d)) for d in doms) for _ in range(n)]


def test_canonical_form_is_an_orbit_invariant_on_tangled_states() -> None:
    # two symmetric collections referring to each other and to themselves
    m = cross_refs()
    sym = frozenset({"Page", "Vma"})
    canon = Canon(m, Semantics(m).layout, sym)
    rng = random.Random(1)
    for s in _random_states(m, 300, seed=2):
        c = canon(s)
        perms = {
            "Page": tuple(rng.sample(range(3), 3)),
            "Vma": tuple(rng.sample(range(2), 2)),
        }
        assert canon(_permute(m, s, perms)) == c
        # and the representative is in the orbit of s
        images = {
            _permute(m, s, {"Page": p, "Vma": v})
            for p in itertools.permutations(range(3))
            for v in itertools.permutations(range(2))
        }
        assert c in images


def test_canonical_form_is_an_orbit_invariant_with_instances() -> None:
    m, _, _ = pages(4)
    canon = Canon(m, Semantics(m).layout, frozenset({"Page"}))
    rng = random.Random(3)
    for s in _random_states(m, 300, seed=4):
        perm = tuple(rng.sample(range(4), 4))
        assert canon(_permute(m, s, {"Page": perm})) == canon(s)


def test_memory_guard_gives_unknown(monkeypatch: pytest.MonkeyPatch) -> None:
    import mbind_formal.engines.explicit as explicit

    rss = itertools.count(0, 1 << 20)  # every reading finds 1 MB more in use
    monkeypatch.setattr(explicit, "rss_bytes", lambda: next(rss))
    m, holds, _ = pages(3)
    r = ENGINE.check(m, holds, Budget(memory_mb=2, symmetry=False))
    assert r.verdict is Verdict.UNKNOWN and "memory limit of 2 MB" in r.reason
