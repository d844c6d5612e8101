"""Verdicts: run engines on (variant, claim) cells, cross-check them, and serialise.

Input: a `Spec`, the variants, claims and engine names to run, a `Budget`.
Output: `Cell`s (one per variant and claim) holding each engine's `Result`, the
combined verdict and any disagreement; `matrix_document` turns them into the
versioned JSON document (`schema`, document `matrix`) that `prove --json` and `matrix
--json` write.

NOTE(trust): a verdict reaches the user only from an engine that ran, and a trace
only after `trace.replay` accepted it against `semantics.relation`; a trace that fails to
replay turns the engine's answer into a failure of that engine, never a verdict.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from mbind_formal.engines.base import Budget, Progress, Result, Verdict
from mbind_formal.engines.registry import EnginePool
from mbind_formal.engines.scenarios import ScenarioResult
from mbind_formal.ir.model import Claim, Model, Spec
from mbind_formal.schema import DocKind, header
from mbind_formal.trace.model import Trace, TraceKind

# Decided verdicts that cannot both be right for one cell.
_CONFLICTS = frozenset(
    {
        frozenset({Verdict.VIOLATED, Verdict.HOLDS}),
        frozenset({Verdict.VIOLATED, Verdict.VACUOUS}),
    }
)


@dataclass(frozen=True, slots=True)
class EngineFailure:
    """An engine that could not answer (missing tool, failed replay, crash)."""

    engine: str
    message: str


@dataclass(frozen=True, slots=True)
class Cell:
    variant: str
    claim: str
    verdict: Verdict
    result: Result  # the result the verdict comes from
    results: tuple[Result, ...]  # every engine that answered, in the order run
    failures: tuple[EngineFailure, ...] = ()
    disagreement: str | None = None  # set when engines contradict each other

    @property
    def engines(self) -> dict[str, str]:
        out = {r.engine: verdict_name(r) for r in self.results}
        out.update({f.engine: "error" for f in self.failures})
        return out


def _replayed(model: Model, claim: Claim, result: Result) -> Result | EngineFailure:
    """The result if its traces replay; otherwise the engine failed."""
    from mbind_formal.trace.replay import replay

    for trace in (result.trace, result.deadlock):
        if trace is None:
            continue
        checked = replay(model, trace, claim if trace is result.trace else None)
        if not checked.ok:
            return EngineFailure(
                result.engine, f"its trace does not replay (engine bug): {checked.message}"
            )
    if result.verdict is Verdict.VIOLATED and result.trace is None:
        return EngineFailure(result.engine, "reported a violation without a trace")
    return result


def _conflict(a: Result, b: Result) -> str | None:
    if frozenset({a.verdict, b.verdict}) in _CONFLICTS:
        return f"{a.engine} says {a.verdict.value}, {b.engine} says {b.verdict.value}"
    pair = {a.verdict, b.verdict}
    if pair == {Verdict.HOLDS, Verdict.VACUOUS}:
        holds = a if a.verdict is Verdict.HOLDS else b
        if holds.witnesses and all(w is True for w in holds.witnesses):
            other = b if holds is a else a
            return (
                f"{other.engine} says a witness is unreachable, "
                f"{holds.engine} reached every witness"
            )
    if a.verdict is Verdict.VIOLATED and b.verdict is Verdict.VIOLATED:
        exact = ("explicit", "bmc", "kind", "pdr", "tlc")
        if (
            a.trace is not None
            and b.trace is not None
            and a.engine in exact
            and b.engine in exact
            and a.trace.loop is None  # a lasso is not a shortest counterexample (TLC's)
            and b.trace.loop is None
            and len(a.trace) != len(b.trace)
        ):
            return (
                f"shortest counterexample lengths differ: {a.engine} {len(a.trace)}, "
                f"{b.engine} {len(b.trace)}"
            )
    return None


def _combine(results: Sequence[Result]) -> Result:
    """The most informative answer: a violation, then a proof, then vacuity, then unknown."""
    rank = {Verdict.VIOLATED: 0, Verdict.HOLDS: 1, Verdict.VACUOUS: 2, Verdict.UNKNOWN: 3}
    return min(results, key=lambda r: rank[r.verdict])


def check_cell(
    model: Model,
    claim: Claim,
    engines: Sequence[str],
    budget: Budget,
    report: Progress | None = None,
    pool: EnginePool | None = None,
) -> Cell:
    """Run every engine in `engines` on one cell and cross-check their answers. Cells of
    one run share `pool` (engines made once, with their caches); without it the
    engines are made for this cell alone."""
    pool = pool or EnginePool()
    answered: list[Result] = []
    failures: list[EngineFailure] = []
    for name in engines:
        started = time.monotonic()
        try:
            result = pool.get(name).check(model, claim, budget, report)
        except ImportError as e:
            failures.append(EngineFailure(name, f"engine not available: {e}"))
            continue
        result = replace(result, seconds=result.seconds or time.monotonic() - started)
        checked = _replayed(model, claim, result)
        if isinstance(checked, EngineFailure):
            failures.append(checked)
        else:
            answered.append(checked)
    disagreement = None
    for a in answered:  # an engine that cross-checks itself (auto, NOTE(auto cross-check))
        split = a.stats.get("disagreement")
        disagreement = disagreement or (f"{a.engine}: {split}" if split else None)
    for i, a in enumerate(answered):
        for b in answered[i + 1 :]:
            disagreement = disagreement or _conflict(a, b)
    if answered:
        best = _combine(answered)
    else:
        reason = "; ".join(f"{f.engine}: {f.message}" for f in failures) or "no engine ran"
        best = Result(
            verdict=Verdict.UNKNOWN,
            engine=",".join(engines),
            method="none",
            variant=model.variant,
            claim=claim.name,
            reason=reason,
        )
    return Cell(
        variant=model.variant,
        claim=claim.name,
        verdict=best.verdict,
        result=best,
        results=tuple(answered),
        failures=tuple(failures),
        disagreement=disagreement,
    )


def check(model: Model, claim: Claim, engine: str = "auto", budget: Budget | None = None) -> Result:
    """Check one claim of one model (a variant: `spec.model(name)`) with one engine: the
    Python API's `mbind-formal prove` of one cell. The counterexample, if any, has been
    replayed through the semantics; an engine that failed (its trace does not replay)
    answers `unknown` with the reason. Raises `ValueError` for an unknown engine name."""
    from mbind_formal.engines.registry import engine_names

    if engine not in engine_names():
        raise ValueError(f"unknown engine '{engine}' (known: {', '.join(engine_names())})")
    return check_cell(model, claim, [engine], budget or Budget()).result


def run_cells(
    spec: Spec,
    variants: Sequence[str],
    claims: Sequence[Claim],
    engines: Sequence[str],
    budget: Budget,
    report: Progress | None = None,
    on_cell: Callable[[Cell], None] | None = None,
) -> list[Cell]:
    """Check every (variant, claim) in variant-major order; `on_cell` sees each as it ends."""
    cells = []
    pool = EnginePool()
    for v in variants:
        model = spec.model(v)
        for claim in claims:
            cell = check_cell(model, claim, engines, budget, report, pool)
            cells.append(cell)
            if on_cell is not None:
                on_cell(cell)
    return cells


def bounded(result: Result) -> int | None:
    """The depth up to which an undecided result searched every run (README "Exit
    codes": a complete bounded search counts as success, with its bound printed)."""
    return result.bound if result.verdict is Verdict.UNKNOWN else None


def verdict_name(result: Result) -> str:
    """The verdict as JSON and tables name it: `holds`, `violated`, `vacuous`,
    `unknown`, or `bounded` for a complete bounded search."""
    return "bounded" if bounded(result) is not None else result.verdict.value


def lasso_shape(trace: Trace) -> str:
    """`2 + 8-step cycle` or `3 steps, then stuttering` (NOTE(fair lasso))."""
    prefix = trace.loop if trace.loop is not None else len(trace)
    if trace.cycle == 0:
        return f"{prefix} steps, then stuttering"
    return f"{prefix} + {trace.cycle}-step cycle"


def how(result: Result) -> str:
    """A short phrase saying how a verdict was reached, for tables."""
    match result.verdict:
        case Verdict.VIOLATED if result.trace is not None and result.trace.loop is not None:
            return f"violated (fair lasso: {lasso_shape(result.trace)})"
        case Verdict.VIOLATED:
            n = len(result.trace) if result.trace is not None else result.depth
            kind = result.trace.kind if result.trace is not None else TraceKind.VIOLATION
            if kind is TraceKind.TYPE_VIOLATION:
                return f"violated: type violation after {n} steps"
            if kind is TraceKind.DEADLOCK:
                return f"violated: deadlock after {n} steps"
            return f"violated ({n} steps)"
        case Verdict.HOLDS:
            return f"holds ({result.method})"
        case Verdict.VACUOUS:
            return "vacuous"
        case Verdict.UNKNOWN if result.bound is not None:
            return f"no violation up to depth {result.bound} (bounded search, not a proof)"
        case Verdict.UNKNOWN:
            return f"unknown ({result.reason or result.method})"


def por_summary(r: Result) -> str:
    """What partial-order reduction did in an explicit search, in one line."""
    s = r.stats
    line = (
        f"partial-order reduction: {s.get('por_reduced_states', 0)} states reduced, "
        f"{s.get('por_pruned_transitions', 0)} transitions not followed, at least "
        f"{s.get('por_states_saved_at_least', 0)} states not visited"
    )
    if "por_minimise_states" in s:
        line += (
            f"; a search without it ({s['por_minimise_states']} states) looked for a shortest trace"
        )
    return line


def por_totals(cells: Sequence[Cell]) -> str | None:
    """One line on what partial-order reduction did over a run's cells (None: unused)."""
    used = [c.result for c in cells if c.result.stats.get("por") == "on"]
    if not used:
        return None
    reduced = [r for r in used if int(r.stats.get("por_reduced_states", 0))]
    saved = sum(int(r.stats.get("por_states_saved_at_least", 0)) for r in used)
    again = sum(1 for r in used if "por_minimise_states" in r.stats)
    line = f"partial-order reduction: {len(reduced)} of {len(used)} explicit searches reduced"
    if reduced:
        line += f", at least {saved} states not visited"
    if again:
        line += f"; {again} counterexample(s) searched again without it for a shortest one"
    return line + " (--no-por: off)"


def por_json(r: Result) -> dict[str, Any] | None:
    """The partial-order reduction figures of an explicit result (None: not used)."""
    s = r.stats
    if s.get("por") != "on":
        return None
    return {
        "reduced_states": s.get("por_reduced_states", 0),
        "proviso_states": s.get("por_proviso_states", 0),
        "pruned_transitions": s.get("por_pruned_transitions", 0),
        "states_saved_at_least": s.get("por_states_saved_at_least", 0),
        "minimise_states": s.get("por_minimise_states"),
    }


def scope(result: Result) -> str | None:
    """What a `holds` covers: "all sizes" (a certified parametric invariant) or "this
    size" (the model as built); None for any other verdict (schema key `scope`)."""
    if result.verdict is not Verdict.HOLDS:
        return None
    return "all sizes" if result.stats.get("scope") == "all sizes" else "this size"


def cell_json(cell: Cell) -> dict[str, Any]:
    r = cell.result
    return {
        "variant": cell.variant,
        "claim": cell.claim,
        "verdict": verdict_name(r),
        "scope": scope(r),
        "engine": r.engine,
        "method": r.method,
        "bound": bounded(r),
        "trace_length": len(r.trace) if r.trace is not None else None,
        # the trace's kind: `violation`, `type-violation` (a store outside its type) or
        # `deadlock` (README "Type violations and deadlocks"); None without a trace
        "kind": r.trace.kind.value if r.trace is not None else None,
        "states": r.states,
        "reason": r.reason,
        "seconds": round(sum(x.seconds for x in cell.results), 3),
        "engines": dict(sorted(cell.engines.items())),
        "disagreement": cell.disagreement,
        "por": por_json(r),
    }


def scenario_json(result: ScenarioResult, model: Model) -> dict[str, Any]:
    """One scenario row, the same in every document: the result and its failing run."""
    from mbind_formal.trace.text import trace_document

    trace = result.trace
    return {
        **result.as_dict(),
        "verdict": "undecided" if not result.decided else "pass" if result.passed else "fail",
        "trace": trace_document(model, trace) if trace is not None else None,
    }


def matrix_document(
    spec: Spec,
    cells: Sequence[Cell],
    engine: str,
    scenarios: Sequence[dict[str, Any]] = (),
) -> dict[str, Any]:
    """The versioned JSON document (document `matrix`) of a matrix or prove run."""
    params = dict(spec.params)
    return {
        **header(DocKind.MATRIX),
        "spec": spec.source,
        "pages": params.get("pages"),
        "params": dict(sorted(params.items())),
        "engine": engine,
        "variants": list(dict.fromkeys(c.variant for c in cells)),
        "claims": list(dict.fromkeys(c.claim for c in cells)),
        "cells": [cell_json(c) for c in cells],
        "scenarios": list(scenarios),
    }


TIMING_KEYS = frozenset({"seconds"})
