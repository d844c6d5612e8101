"""Oracle table: small models with verdicts derived by hand, for every engine to match.

Each `OracleCase` names a model file in this directory, parameter overrides, a variant
and a claim, and the expected outcome:

- `verdict`: "holds", "violated" or "vacuous" (the invariant holds but a witness is
  unreachable).
- `length`: when violated, the number of steps (transitions) of a shortest
  counterexample, from an initial state to the first state violating the claim's
  invariant (for a `final` claim, the final state).
- `states`: the number of distinct reachable states of the whole model under the
  claim's `assume`, WITHOUT symmetry reduction (an engine that stops at the first
  violation, or reduces by symmetry, reports fewer); None when not derived by hand.
- `deadlock`: the length of a shortest path to a deadlock (a non-final state with no
  enabled step), or None when no deadlock is reachable.

The derivations are in the comments; `tests/models/test_oracle.py` replays them against
`semantics.relation` so the table and the reference step relation cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

MODELS = Path(__file__).resolve().parent


@dataclass(frozen=True, slots=True)
class OracleCase:
    file: str
    variant: str
    claim: str
    verdict: str  # "holds" | "violated" | "vacuous"
    length: int | None = None
    states: int | None = None
    deadlock: int | None = None
    params: tuple[tuple[str, int], ...] = ()

    @property
    def path(self) -> Path:
        return MODELS / self.file

    @property
    def id(self) -> str:
        ps = "".join(f",{k}={v}" for k, v in self.params)
        return f"{self.file.removesuffix('.mbf')}{ps}/{self.variant}/{self.claim}"


ORACLE: list[OracleCase] = [
    # mutex_ok: state (lock, pc0, pc1), pc in {acquire, critical, done}. From
    # (F,a,a) either process takes the lock: (T,c,a) (T,a,c); it leaves: (F,d,a)
    # (F,a,d); the other takes it: (T,d,c) (T,c,d); and leaves: (F,d,d). 8 states;
    # never both at critical; proc[0]@critical is reached.
    OracleCase("mutex_ok.mbf", "base", "mutex", "holds", states=8),
    # proc[0]@critical => lock holds in (T,c,a) and (T,c,d); "both at critical" is
    # never reached, so the claim is vacuous.
    OracleCase("mutex_ok.mbf", "base", "lock_held", "vacuous", states=8),
    # mutex_buggy: check (await !lock), take (lock = true), critical (lock = false).
    # Shortest violation: proc[0] check, proc[1] check, proc[0] take, proc[1] take:
    # 4 steps (each process needs check and take before it is at critical).
    # Reachable (lock, pc0, pc1) with K/T/C/D = check/take/critical/done: FKK FTK FKT
    # TCK FTT TKC FDK TCT TTC FKD FDT TCC FTD TDC FDC FCD TCD FDD = 18.
    OracleCase("mutex_buggy.mbf", "base", "mutex", "violated", length=4, states=18),
    # fixed: check tests and sets atomically, so at most one process is in
    # {take, critical} and lock says whether one is: 4 states with both in
    # {check, done} + 2 (who) * 2 (take/critical) * 2 (other: check/done) = 12.
    OracleCase("mutex_buggy.mbf", "fixed", "mutex", "holds", states=12),
    # counter (max = 3): (count, pc) = (0..3, tick) and (3, done): 5 states.
    OracleCase("counter.mbf", "base", "bounded", "holds", states=5),
    OracleCase("counter.mbf", "base", "reaches_max", "holds", states=5),
    # count < 3 fails after three ticks: 0 -> 1 -> 2 -> 3.
    OracleCase("counter.mbf", "base", "stays_below", "violated", length=3, states=5),
    # max = 2: (0..2, tick) + (2, done) = 4 states; violated after two ticks.
    OracleCase(
        "counter.mbf", "base", "stays_below", "violated", length=2, states=4, params=(("max", 2),)
    ),
    OracleCase("counter.mbf", "base", "bounded", "holds", states=4, params=(("max", 2),)),
    # deadlock (ABBA): p takes a, q takes b: both wait for ever after 2 steps.
    # Reachable (a, b, p, q): FF/take_a/take_b, TF/take_b/take_b, FT/take_a/take_a,
    # TT/release/take_b, TT/take_b/take_a (the deadlock), TT/take_a/release,
    # FF/done/take_b, FF/take_a/done, FT/done/take_a, TF/take_b/done, TT/done/release,
    # TT/release/done, FF/done/done = 13. Final only when both released both locks.
    # The deadlock violates every claim (ir.model NOTE(deadlock)): after 2 steps.
    OracleCase("deadlock.mbf", "base", "released", "violated", length=2, states=13, deadlock=2),
    OracleCase("deadlock.mbf", "base", "exclusive", "violated", length=2, states=13, deadlock=2),
    # deadlock_allowed: the same with `allow deadlock;`: reported on its own, the claims hold.
    OracleCase("deadlock_allowed.mbf", "base", "released", "holds", states=13, deadlock=2),
    OracleCase("deadlock_allowed.mbf", "base", "exclusive", "holds", states=13, deadlock=2),
    # overflow: the state is fixed by which instances are done (count = how many);
    # the third bump would store 3 into 0..2: a type violation (ir.model NOTE(type
    # rule)) of every state with two instances done, reached after 2 steps; that store
    # is never enabled, so states: 1 + 3 + 3 = 7 (at most two instances done), and the
    # stuck states are type violations, not deadlocks.
    OracleCase("overflow.mbf", "base", "in_range", "violated", length=2, states=7),
    # overflow_guarded: the same with `guarded var count` (and `allow deadlock;`): the
    # third bump only disables its path, so the run deadlocks after 2 steps.
    OracleCase("overflow_guarded.mbf", "base", "in_range", "holds", states=7, deadlock=2),
    # underflow (a reader-count lock whose unlock decrements twice, readers 0..3):
    # lock (readers 1), then unlock would store 1 - 1 - 1 = -1: a type violation of
    # the state after 2 steps (lock, cs).
    OracleCase("underflow.mbf", "base", "exclusive", "violated", length=2),
    OracleCase("underflow.mbf", "fixed", "exclusive", "holds"),
    # symmetric (pages = 2, reclaim[2]): isolated = number of pages off the LRU =
    # number of instances at putback. (pc0, pc1) and the off-LRU pages:
    # (I,I) 1, (I,P)/(P,I) 2 pages each = 4, (P,P) 1, (I,D)/(D,I) 2,
    # (P,D)/(D,P) 2 pages each = 4, (D,D) 1: 13 states (9 up to page symmetry).
    OracleCase("symmetric.mbf", "base", "consistent", "holds", states=13),
    # both instances isolate a page: isolated == 2 after 2 steps.
    OracleCase("symmetric.mbf", "base", "one_at_a_time", "violated", length=2, states=13),
    # walk (pages = 3): (walk, p = Page[i], i pages scanned, count = i) for i = 0..2,
    # then (fin, p reset to Page[0], all scanned, count 3) and (done, same): 5 states.
    OracleCase("walk.mbf", "base", "all_scanned", "holds", states=5),
    OracleCase("walk.mbf", "base", "in_order", "holds", states=5),
    # the final state is reached after walk, walk, walk, fin: 4 steps.
    OracleCase("walk.mbf", "base", "never_all", "violated", length=4, states=5),
    # arith (k = 3): (x, y, z) from (1, 0, 0); each step x' = 2x + (x / 2 * 3) % 3,
    # y' = (x' - 9) / 2 + 5 (floor), z' = 9x': (2, 1, 18), (4, 2, 36), (8, 4, 72),
    # where `x >= 7` ends the actor: 4 states at s and (8, 4, 72) done = 5. `y != 2`
    # fails at (4, 2, 36) after 2 steps (-5 / 2 is -3 when floored; truncating gives
    # y = 3); `(x - 9) % 4 != 3` fails there too (-5 % 4 is 3 floored, -1 truncated).
    OracleCase("arith.mbf", "base", "product", "holds", states=5),
    OracleCase("arith.mbf", "base", "floor", "violated", length=2, states=5),
    OracleCase("arith.mbf", "base", "remainder", "violated", length=2, states=5),
    # bounds: min/max of (x, y) along (1, 0) (2, 1) (4, 2) (8, 4): min(4, 2) == 2 and
    # max(4, 2) == 4 at the third state.
    OracleCase("arith.mbf", "base", "bounds", "holds", states=5),
    # narrow: the taker clears and restores one page's lru, the holder waits for the
    # page it holds to be off the LRU and restores it. Deadlock after 3 steps: holder
    # grabs p, taker takes the other page and gives it back (done); p stays on the LRU.
    # Every lru is true again when both are done. 15 states: counted by the reference
    # semantics (test_oracle), not by hand.
    OracleCase("narrow.mbf", "base", "lru_back", "holds", states=15, deadlock=3),
    # procs: cpu[1] sets `second` when release(2) returns: call (a -> acquire_spin),
    # spin, call (cs -> release_rel), return: 4 steps. 70 states (both claims that
    # hold): counted by the reference semantics, equal to TLC's on the emitted TLA+.
    OracleCase("procs.mbf", "base", "mutex", "holds", states=70),
    OracleCase("procs.mbf", "base", "first_release", "holds", states=70),
    OracleCase("procs.mbf", "base", "never_second", "violated", length=4, states=70),
    # every: two reclaimers take pages off the LRU and put all of them back at once
    # (`Page.lru = all true`) twice; then both wait at flush: a deadlock after 6 steps
    # (take, take... at least take + flush per round, three flushes are never enabled).
    # 55 states without symmetry (20 with): counted by the reference semantics.
    OracleCase("every.mbf", "base", "all_back", "holds", states=55, deadlock=6),
    # sets: {A, B, C} - B = {A, C}; {A, C} - {A, C} = {}; then minus A: s = {C}, t = {}.
    # States: one, two, done = 3.
    OracleCase("sets.mbf", "base", "c", "holds", states=3),
    # card: s has 3, 2, 1 values along the run and t none; s - C has at most 1 once
    # s lost B (card(s) < 3). card(s) == 1 is reached at the end.
    OracleCase("sets.mbf", "base", "sizes", "holds", states=3),
]
