"""The TLC engine: check one (variant, claim) cell with the real TLC.

Input: a `Model`, a `Claim`, a `Budget` (timeout, workers, symmetry). Output: a `Result`.

One TLC run checks the claim's invariant with TLC's deadlock check on; a deadlock stops
TLC, so it is kept as `Result.deadlock` and the run repeated without the check. When
the invariant holds, a run checks the witnesses' negations `~W` as invariants: TLC
violates one exactly when some witness is reachable; the witnesses that hold at the end
of its trace are reached, and the others get another run, until TLC finds no more
(those are unreachable: the claim is VACUOUS). Every counterexample is
mapped back to our states (`tlc.counterexample`) and replayed through `semantics.relation`
before it is returned. Missing java or jar, a module TLC rejects, a timeout: UNKNOWN
with the reason. TLC has no state limit, so `Budget.max_states` is not applied; with
`Budget.workers` > 1 TLC's search is not strictly level by level, so a counterexample
may be longer than the shortest one.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

from mbind_formal.diagnostics import Diagnostic
from mbind_formal.engines.base import Budget, Progress, ProgressEvent, Result, Verdict
from mbind_formal.ir.model import Claim, Model
from mbind_formal.semantics.relation import Semantics, SemanticsError
from mbind_formal.tla.emit import emit_cell, represented_symmetric
from mbind_formal.tla.limits import tlc_int_errors
from mbind_formal.tla.symbols import Symbols, build_symbols
from mbind_formal.tla.view import uses_symmetry
from mbind_formal.tlc.counterexample import to_trace
from mbind_formal.tlc.run import Outcome, TlcRun, TlcSetup, find_tlc, run_tlc
from mbind_formal.trace.model import Trace, TraceKind
from mbind_formal.trace.replay import replay_with, violation_kind, violation_reason


class _Stop(Exception):
    """The check cannot go on; `reason` says why (becomes an UNKNOWN result)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class _Cell:
    model: Model
    claim: Claim
    budget: Budget
    report: Progress | None
    setup: TlcSetup
    sem: Semantics
    syms: Symbols
    started: float = field(default_factory=time.monotonic)
    quick_jit: bool = True
    runs: int = 0
    tlc_seconds: float = 0.0

    def left(self) -> float | None:
        if self.budget.timeout_s is None:
            return None
        left = self.budget.timeout_s - (time.monotonic() - self.started)
        if left <= 0:
            raise _Stop(f"timeout after {self.budget.timeout_s:g} s")
        return left

    def run(self, phase: str, witnesses: tuple[int, ...], *, deadlock: bool) -> TlcRun:
        if self.report is not None:
            self.report(
                ProgressEvent(engine="tlc", phase=phase, elapsed_s=time.monotonic() - self.started)
            )
        emitted = emit_cell(
            self.model,
            self.claim,
            spec_path=self.model.source or self.model.name,
            witnesses=witnesses,
            symmetry=self.budget.symmetry,
        )
        out = run_tlc(
            self.setup,
            emitted,
            workers=self.budget.workers,
            timeout=self.left(),
            check_deadlock=deadlock,
            quick_jit=self.quick_jit,
        )
        self.runs += 1
        self.tlc_seconds += out.seconds
        match out.outcome:
            case Outcome.TIMEOUT:
                raise _Stop(f"timeout after {self.budget.timeout_s:g} s (TLC {phase} run)")
            case Outcome.FAILED:
                raise _Stop(f"TLC failed ({phase} run): {out.error}")
            case _:
                return out

    def trace(self, out: TlcRun, kind: TraceKind | None, claim: Claim | None) -> Trace:
        """TLC's trace, replayed; `kind` None: a violation of the claim or of
        `StoresInType`, told apart by the last state (`trace.replay.violation_kind`)."""
        try:
            trace = to_trace(
                self.sem,
                self.syms,
                out.states,
                out.actions,
                kind=kind or TraceKind.VIOLATION,
                claim=self.claim.name,
                loop=out.loop if kind is TraceKind.LASSO else None,
                back=out.back,
            )
            if kind is None:
                found = violation_kind(self.sem, trace.last, claim)
                trace = replace(trace, kind=found or TraceKind.VIOLATION)
        except (ValueError, SemanticsError) as e:
            raise _Stop(f"internal error (MBF603): TLC's trace cannot be read back: {e}") from e
        checked = replay_with(self.sem, trace, claim)
        if not checked.ok:
            raise _Stop(f"internal error (MBF603): TLC's trace does not replay: {checked.message}")
        return trace


class TlcEngine:
    """Exhaustive checking by TLC (see the module docstring)."""

    name = "tlc"

    def __init__(self, *, quick_jit: bool = True) -> None:
        # NOTE(jit): cells at the bundled sizes are small (tens of thousands of states), so
        # a JVM that only uses the C1 compiler finishes in about half the CPU time; runs
        # of millions of states want the full JIT (`mbind-formal tlc --full-jit`).
        self.quick_jit = quick_jit

    def check(
        self,
        model: Model,
        claim: Claim,
        budget: Budget,
        report: Progress | None = None,
    ) -> Result:
        started = time.monotonic()
        base = Result(
            verdict=Verdict.UNKNOWN,
            engine=self.name,
            method="exhaustive",
            variant=model.variant,
            claim=claim.name,
        )
        setup = find_tlc()
        if isinstance(setup, Diagnostic):
            hint = f" ({setup.hint})" if setup.hint else ""
            return replace(
                base, reason=f"{setup.message}{hint}", seconds=time.monotonic() - started
            )
        beyond = tlc_int_errors(model, (claim,))
        if beyond:  # refused before the run, with the place (TLC would stop at it)
            first = beyond[0]
            where = f"{first.span}: " if first.span else ""
            return replace(
                base,
                reason=f"not run: {where}{first.message} (MBF604)",
                seconds=time.monotonic() - started,
            )
        try:
            sem = Semantics(model)
        except SemanticsError as e:
            return replace(base, reason=f"the model cannot be executed: {e}")
        syms = build_symbols(model, (claim,), represented_symmetric(model, (claim,)))
        cell = _Cell(model, claim, budget, report, setup, sem, syms, started, self.quick_jit)
        try:
            result = _check(cell, base)
        except _Stop as stop:
            result = replace(base, reason=stop.reason)
        stats = dict(result.stats)
        stats.update({"tlc_runs": cell.runs, "tlc_seconds": round(cell.tlc_seconds, 3)})
        return replace(result, seconds=time.monotonic() - started, stats=stats)


def _check(cell: _Cell, base: Result) -> Result:
    claim = cell.claim
    # NOTE(liveness): a deadlock is a behaviour that stutters forever, which the
    # temporal property judges; TLC's deadlock check would stop before it.
    out = cell.run("claim", (), deadlock=not claim.temporal)
    deadlock = None
    if out.outcome is Outcome.DEADLOCK:
        deadlock = cell.trace(out, TraceKind.DEADLOCK, None)
        out = cell.run("claim", (), deadlock=False)
    used = uses_symmetry(cell.syms, cell.budget.symmetry)
    symmetry = ",".join(sorted(cell.syms.symmetric)) if used else ""
    stats: dict[str, float | int | str] = {
        "distinct_states": out.distinct if out.distinct is not None else -1,
        "generated_states": out.generated if out.generated is not None else -1,
        "symmetry": symmetry,
    }
    # TLC counts the states on the longest path; we count the steps.
    depth = out.depth - 1 if out.depth is not None else None
    base = replace(base, deadlock=deadlock, states=out.distinct, depth=depth, stats=stats)
    if out.outcome is Outcome.VIOLATED and claim.temporal:
        if out.loop is None:
            return replace(base, reason="TLC: a temporal violation without a lasso")
        trace = cell.trace(out, TraceKind.LASSO, claim)
        cycle = trace.cycle
        shape = f"cycle of {cycle} steps" if cycle else "then stuttering forever"
        return replace(
            base,
            verdict=Verdict.VIOLATED,
            trace=trace,
            depth=len(trace),
            witnesses=tuple(None for _ in claim.witnesses),
            reason=f"fair lasso (TLC): prefix of {trace.loop} steps, {shape}",
            stats={**base.stats, "lasso_prefix": trace.loop or 0, "lasso_cycle": cycle},
        )
    if out.outcome is Outcome.VIOLATED:
        trace = cell.trace(out, None, claim)
        return replace(
            base,
            verdict=Verdict.VIOLATED,
            trace=trace,
            depth=len(trace),
            witnesses=tuple(None for _ in claim.witnesses),
            reason=violation_reason(cell.sem, trace, "TLC, breadth-first"),
        )
    if out.outcome is not Outcome.NO_ERROR:
        return replace(base, reason=f"TLC: unexpected outcome {out.outcome.value}")
    reached = _witnesses(cell)
    base = replace(base, witnesses=reached)
    missing = [i for i, r in enumerate(reached) if not r]
    if missing:
        shown = ", ".join(f"#{i + 1}" for i in missing)
        return replace(base, verdict=Verdict.VACUOUS, reason=f"witness {shown} is never reached")
    states = f"{out.distinct} distinct states" if out.distinct is not None else "every state"
    return replace(base, verdict=Verdict.HOLDS, reason=f"TLC checked {states}")


def _witnesses(cell: _Cell) -> tuple[bool, ...]:
    """Which witnesses are reachable: TLC checks the negations of all those not yet seen
    at once; a violation ends in a state where some hold (replayed, then evaluated)."""
    claim = cell.claim
    reached = [False] * len(claim.witnesses)
    holds = [cell.sem.predicate(w) for w in claim.witnesses]
    pending = tuple(range(len(claim.witnesses)))
    while pending:
        shown = ", ".join(str(i + 1) for i in pending)
        out = cell.run(f"witness {shown}", pending, deadlock=False)
        if out.outcome is Outcome.NO_ERROR:
            break  # none of the pending ones is reachable
        if out.outcome is not Outcome.VIOLATED:
            raise _Stop(f"TLC: unexpected outcome {out.outcome.value} (witness run)")
        last = cell.trace(out, TraceKind.WITNESS, claim).last
        hit = [i for i in pending if holds[i](last)]
        if not hit:
            raise _Stop("internal error (MBF603): TLC reached no pending witness")
        for i in hit:
            reached[i] = True
        pending = tuple(i for i in pending if not reached[i])
    return tuple(reached)
