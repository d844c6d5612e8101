"""Plumbing shared by the Z3 engines: clocks, seeded solvers, answers, the replay gate,
the witness rule and the encoding cache.

Stage: engines. Input: a `Budget`, an `Encoding`, z3 answers. Output: seeded,
time-limited solvers; `Answer`s (sat / unsat / unknown with the reason); replayed
traces; `Result`s. Nothing here runs at import time; each engine run makes its own
solvers inside the encoding's own z3 context.

NOTE(witness rule): a claim whose invariant is proved HOLDS only when every witness is
shown reachable (a BMC path reaches it, or PDR finds it reachable). A witness proved
unreachable (PDR, k-induction of its negation, or an exhausted simple-path unrolling)
makes the verdict VACUOUS. Otherwise the verdict is UNKNOWN, the undecided witnesses
stay None and the reason says which ones. A violation is reported whatever the
witnesses are.
"""

from __future__ import annotations

import enum
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, replace

import z3

from mbind_formal.engines.base import Budget, Progress, ProgressEvent, Result, Verdict
from mbind_formal.engines.z3.encode import Encoding
from mbind_formal.engines.z3.ranges import Ranges
from mbind_formal.engines.z3.terms import EncodeOptions, NumSort, SetSort, Term
from mbind_formal.ir.model import Claim, Expr, Model
from mbind_formal.semantics.relation import Semantics
from mbind_formal.trace.model import Trace, TraceKind
from mbind_formal.trace.replay import replay_with, violation_kind

DEFAULT_DEPTH = 30  # BMC / k-induction bound when the budget sets none


class EncodingBug(RuntimeError):
    """A Z3 trace that does not replay: the encoding disagrees with `semantics.relation`."""


class Status(enum.Enum):
    SAT = "sat"
    UNSAT = "unsat"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Answer:
    status: Status
    reason: str = ""  # why unknown ("timeout", "canceled", ...)


class Clock:
    """The budget's wall-time limits, applied to each query."""

    def __init__(self, budget: Budget) -> None:
        self.budget = budget
        self.start = time.monotonic()
        self._query: tuple[float, int | None] = (self.start, None)  # last query's start, ms

    def elapsed(self) -> float:
        return time.monotonic() - self.start

    def remaining(self) -> float | None:
        if self.budget.timeout_s is None:
            return None
        return self.budget.timeout_s - self.elapsed()

    def expired(self) -> bool:
        left = self.remaining()
        return left is not None and left <= 0

    def start_query(self) -> int | None:
        """`query_ms`, remembered with the query's start (see `query_left`)."""
        ms = self.query_ms()
        self._query = (time.monotonic(), ms)
        return ms

    def query_left(self) -> bool:
        """The last query stopped clearly before its time limit (so not by it)."""
        began, ms = self._query
        return ms is None or (time.monotonic() - began) * 1000 < 0.9 * ms

    def rlimit(self) -> int:
        """z3's resource limit for one query (0: none)."""
        return self.budget.query_rlimit or 0

    def query_ms(self) -> int | None:
        """The time one query may take, in ms (None: unlimited)."""
        limits = [x for x in (self.remaining(), self.budget.query_timeout_s) if x is not None]
        return None if not limits else max(1, int(min(limits) * 1000))


def max_depth(budget: Budget) -> int:
    return DEFAULT_DEPTH if budget.max_depth is None else budget.max_depth


def new_solver(enc: Encoding, budget: Budget) -> Term:
    """A solver in the encoding's context, seeded from the budget (the bit-blasting
    QF_BV solver for a bit-vector encoding: 8-15x faster than the default on BMC)."""
    if enc.options.numbers is NumSort.BV:
        s = z3.SolverFor("QF_BV", ctx=enc.ctx)
    else:
        s = z3.Solver(ctx=enc.ctx)
    # `sat.random_seed` is a global-only parameter in z3 5.4 (a solver refuses it);
    # these two cover the solver and its SMT core.
    s.set("random_seed", budget.seed)
    s.set("smt.random_seed", budget.seed)
    return s


def check(solver: Term, clock: Clock, *assumptions: Term) -> Answer:
    """`solver.check(assumptions)` within the clock's limits."""
    if clock.expired():
        return Answer(Status.UNKNOWN, "timeout")
    ms = clock.start_query()
    solver.set("timeout", 4294967295 if ms is None else ms)
    solver.set("rlimit", clock.rlimit())
    try:
        r = solver.check(*assumptions)
    except z3.Z3Exception as e:  # canceled by the timeout, or out of memory: a limit
        return Answer(Status.UNKNOWN, limit_reason(clock, str(e)))
    if r == z3.sat:
        return Answer(Status.SAT)
    if r == z3.unsat:
        return Answer(Status.UNSAT)
    return Answer(Status.UNKNOWN, limit_reason(clock, str(solver.reason_unknown())))


def limit_reason(clock: Clock, why: str) -> str:
    """z3's reason for giving up, as a user reads it."""
    # z3 says "max. resource limit exceeded", or (the bit-blasting SAT core)
    # "sat.canceled", which a query timeout also gives: the clock tells them apart.
    spent = "resource" in why or ("canceled" in why and clock.query_left())
    if clock.rlimit() and not clock.expired() and "timeout" not in why and spent:
        return f"resource limit ({clock.rlimit()} per query)"
    if clock.expired() or "timeout" in why or "canceled" in why:
        return "timeout"
    return f"z3 gave up: {why}"


def progress(report: Progress | None, engine: str, phase: str, clock: Clock, depth: int) -> None:
    if report is not None:
        report(ProgressEvent(engine=engine, phase=phase, depth=depth, elapsed_s=clock.elapsed()))


class Replayer:
    """Decodes z3 models into traces and refuses any that `semantics.relation` rejects."""

    def __init__(self, enc: Encoding, engine: str) -> None:
        self.enc = enc
        self.engine = engine
        self.sem = Semantics(enc.model)

    def trace(self, zmodel: Term, depth: int, kind: TraceKind | None, claim: Claim) -> Trace:
        """The replayed trace; `kind` None: a violation, its kind read off the last
        state (the claim fails, else a type violation; `trace.replay.violation_kind`)."""
        tr = self.enc.decode(zmodel, depth, kind or TraceKind.VIOLATION, claim.name, self.engine)
        if kind is None:
            tr = replace(tr, kind=violation_kind(self.sem, tr.last, claim) or tr.kind)
        res = replay_with(self.sem, tr, claim)
        if not res.ok:
            raise EncodingBug(
                f"internal error [MBF603]: the {self.engine} trace for claim '{claim.name}' "
                f"does not replay at state {res.step}: {res.message}"
            )
        return tr


# NOTE(z3 sorts): BMC and k-induction bit-blast (BitVec numbers, QF_BV solver), PDR
# works in integer arithmetic (Spacer's generalisation is arithmetic); see `z3_encode`.
BMC_OPTIONS = EncodeOptions(numbers=NumSort.BV, sets=SetSort.BOOLS)
PDR_OPTIONS = EncodeOptions(numbers=NumSort.INT, sets=SetSort.BOOLS)


class EncodingCache:
    """The last few encodings, so one engine object encodes a variant once."""

    def __init__(self, options: EncodeOptions, size: int = 4) -> None:
        self.options = options
        self.size = size
        self._items: OrderedDict[tuple[Model, int], Encoding] = OrderedDict()
        self._ranges: OrderedDict[Model, Ranges] = OrderedDict()

    def get(self, model: Model, claim: Claim) -> Encoding:
        width = 0
        if self.options.numbers is NumSort.BV:
            width = self.ranges(model).width(claim_roots(claim))
        key = (model, width)
        enc = self._items.get(key)
        if enc is None:
            enc = Encoding(model, self.options, width)
            self._items[key] = enc
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        self._items.move_to_end(key)
        return enc

    def ranges(self, model: Model) -> Ranges:
        """The interval analysis of `model` (NOTE(bit-vector widths)), kept per model."""
        r = self._ranges.get(model)
        if r is None:
            r = self._ranges[model] = Ranges(model)
            while len(self._ranges) > self.size:
                self._ranges.popitem(last=False)
        self._ranges.move_to_end(model)
        return r


def claim_roots(claim: Claim) -> tuple[Expr, ...]:
    """The expressions a claim's encoding evaluates: prop (as its invariant), witnesses,
    assume."""
    assume = () if claim.assume is None else (claim.assume,)
    return (claim.invariant, *claim.witnesses, *assume)


def settle(proof: str, witnesses: Sequence[bool | None], how: Sequence[str]) -> tuple[Verdict, str]:
    """The verdict of a proved invariant under NOTE(witness rule); `how[i]` says how
    witness i was decided (or why not)."""
    dead = [i for i, w in enumerate(witnesses) if w is False]
    if dead:
        which = "; ".join(f"witness {i + 1} unreachable ({how[i]})" for i in dead)
        return Verdict.VACUOUS, f"{proof}, but {which}"
    open_ = [i for i, w in enumerate(witnesses) if w is None]
    if open_:
        which = "; ".join(f"witness {i + 1} undetermined ({how[i]})" for i in open_)
        return Verdict.UNKNOWN, f"invariant proved ({proof}), but {which}"
    return Verdict.HOLDS, proof


def cannot_run(engine: str, model: Model, claim: Claim, clock: Clock, e: Exception) -> Result:
    """UNKNOWN: `semantics.relation` cannot execute the model, so no trace could be checked."""
    r = unknown(engine, model, claim, clock)
    return replace(r, reason=f"the model cannot be executed: {e}")


def not_safety(engine: str, model: Model, claim: Claim, clock: Clock) -> Result:
    """UNKNOWN: a temporal claim (NOTE(liveness)); this engine checks invariants only."""
    r = unknown(engine, model, claim, clock)
    return replace(
        r,
        reason=f"claim {claim.name} is temporal ({claim.kind.value}): {engine} checks "
        "invariants only; use explicit, tlc or lasso",
    )


def unknown(engine: str, model: Model, claim: Claim, clock: Clock) -> Result:
    """An UNKNOWN result stamped with the engine, variant, claim and elapsed time;
    engines `dataclasses.replace` what they found into it."""
    return Result(
        verdict=Verdict.UNKNOWN,
        engine=engine,
        method=engine,
        variant=model.variant,
        claim=claim.name,
        seconds=clock.elapsed(),
    )
