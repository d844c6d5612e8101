"""One benchmark config in a child process: every cell of a spec with one engine.

Stage: bench. Input (command line): the spec, the parameter to set and its value, the
engine, TLC workers, the config's time limit, optional variant/claim filters, the
output file. Output: JSON lines in that file, flushed one by one so a killed child
still leaves its finished cells behind: a `start` line, one `cell` line per
(variant, claim) in variant-major order (the order `mbind-formal matrix` uses), and an
`end` line with the peak memory of this process and of its children (TLC's JVMs).

Each cell goes through `verdicts.check_cell` (traces replayed, as for a user) with the
time still left in the config as its budget; cells after the limit are `not_run`.
Z3 queries are timed by wrapping `Solver.check` and `Fixedpoint.query` for the run,
because the per-query time is what tells a slow encoding from a slow search.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import resource
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from mbind_formal.engines.base import Budget, Verdict
from mbind_formal.engines.registry import EnginePool
from mbind_formal.ir.model import Spec
from mbind_formal.lower.spec import load_spec
from mbind_formal.verdicts import Cell, check_cell

# Reasons an engine gives when the clock, not the search, ended it.
_TIMEOUT_WORDS = ("timeout", "timed out", "time limit", "canceled")


@dataclass(slots=True)
class SolverTally:
    """Z3 queries made so far and the wall time spent inside them."""

    queries: int = 0
    seconds: float = 0.0

    def add(self, seconds: float) -> None:
        self.queries += 1
        self.seconds += seconds


@contextlib.contextmanager
def solver_clock() -> Iterator[SolverTally]:
    """Time every `z3.Solver.check` and `z3.Fixedpoint.query` made inside the block."""
    import z3

    tally = SolverTally()
    saved: list[tuple[Any, str, Any]] = []

    def timed(original: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                tally.add(time.perf_counter() - started)

        return wrapper

    for cls, name in ((z3.Solver, "check"), (z3.Fixedpoint, "query")):
        original = getattr(cls, name)
        saved.append((cls, name, original))
        setattr(cls, name, timed(original))
    try:
        yield tally
    finally:
        for cls, name, original in saved:
            setattr(cls, name, original)


def maxrss_kb(who: int) -> int:
    """Peak resident set size in KiB (`ru_maxrss` is KiB on Linux, bytes on macOS)."""
    peak = resource.getrusage(who).ru_maxrss
    return peak // 1024 if sys.platform == "darwin" else peak


def cpu_s() -> float:
    """CPU seconds (user + system) of this process and of its reaped children (JVMs)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def timed_out(cell: Cell, budget_s: float) -> bool:
    """Whether the config's clock, rather than the engine, ended this cell."""
    r = cell.result
    if r.verdict is not Verdict.UNKNOWN:
        return False
    spent = sum(x.seconds for x in cell.results)
    return spent >= 0.9 * budget_s or any(w in r.reason.lower() for w in _TIMEOUT_WORDS)


def _stats(cell: Cell) -> dict[str, float | int | str]:
    out: dict[str, float | int | str] = {}
    for r in cell.results:
        out.update(r.stats)
    return out


def cell_record(
    cell: Cell, seconds: float, cpu: float, budget_s: float, tally: SolverTally
) -> dict[str, Any]:
    r = cell.result
    return {
        "kind": "cell",
        "variant": cell.variant,
        "claim": cell.claim,
        "verdict": cell.verdict.value,
        "method": r.method,
        "reason": r.reason[:300],
        "seconds": round(seconds, 4),
        "cpu_s": round(cpu, 4),
        "budget_s": round(budget_s, 3),
        "timed_out": timed_out(cell, budget_s),
        "states": r.states,
        "depth": r.depth,
        "trace_length": len(r.trace) if r.trace is not None else None,
        "failures": [f"{f.engine}: {f.message}"[:300] for f in cell.failures],
        "solver_queries": tally.queries,
        "solver_seconds": round(tally.seconds, 4),
        "stats": _stats(cell),
    }


def _emit(out: TextIO, record: dict[str, Any]) -> None:
    out.write(json.dumps(record, sort_keys=True) + "\n")
    out.flush()


def run_config(args: argparse.Namespace, out: TextIO) -> int:
    """Run every selected cell; 0 when the spec loaded, 2 when it did not."""
    started = time.monotonic()
    deadline = started + args.limit
    loaded = load_spec(args.spec, {args.scale: args.size})
    spec = loaded.spec
    if spec is None:
        problems = [f"{d.code}: {d.message}" for d in loaded.diagnostics]
        _emit(out, {"kind": "error", "message": "; ".join(problems)[:2000]})
        return 2
    variants = [v for v in spec.variants if not args.variant or v in args.variant]
    claims = [c for c in spec.claims if not args.claim or c.name in args.claim]
    _emit(
        out,
        {
            "kind": "start",
            "cells": len(variants) * len(claims),
            "load_s": round(time.monotonic() - started, 4),
            "params": dict(spec.params),
        },
    )
    if args.jobs > 1:
        return _run_parallel(args, spec, variants, [c.name for c in claims], deadline, out)
    pool = EnginePool()
    with solver_clock() as tally:
        for v in variants:
            model = spec.model(v)
            for claim in claims:
                left = deadline - time.monotonic()
                if left <= 0:
                    _emit(out, {"kind": "cell", "variant": v, "claim": claim.name, "not_run": True})
                    continue
                budget = Budget(timeout_s=left, workers=args.workers, compiled=args.compiled)
                before_q, before_s = tally.queries, tally.seconds
                cell_started, cpu_started = time.monotonic(), cpu_s()
                cell = check_cell(model, claim, [args.engine], budget, pool=pool)
                spent = SolverTally(tally.queries - before_q, tally.seconds - before_s)
                seconds, cpu = time.monotonic() - cell_started, cpu_s() - cpu_started
                _emit(out, cell_record(cell, seconds, cpu, left, spent))
    _end(out, started)
    return 0


def _end(out: TextIO, started: float) -> None:
    _emit(
        out,
        {
            "kind": "end",
            "wall_s": round(time.monotonic() - started, 4),
            "cpu_s": round(cpu_s(), 4),
            "maxrss_self_kb": maxrss_kb(resource.RUSAGE_SELF),
            "maxrss_children_kb": maxrss_kb(resource.RUSAGE_CHILDREN),
        },
    )


def _run_parallel(
    args: argparse.Namespace,
    spec: Spec,
    variants: list[str],
    claims: list[str],
    deadline: float,
    out: TextIO,
) -> int:
    """The cells through `matrix --jobs` (`cli.parallel`): per cell, its engines' own
    seconds (the cells of two workers overlap in time, and their CPU time is the
    workers', counted in the `end` line as reaped children)."""
    import io

    from mbind_formal.cli.parallel import WorkerOptions, run_parallel

    started = time.monotonic()
    options = WorkerOptions(args.spec, {args.scale: args.size}, False)
    budget = Budget(workers=args.workers, compiled=args.compiled)

    def on_cell(cell: Cell) -> None:
        if cell.result.method == "none":  # the config's deadline came before it
            _emit(out, {"kind": "cell", "variant": cell.variant, "claim": cell.claim,
                        "not_run": True})  # fmt: skip
            return
        seconds = sum(r.seconds for r in cell.results)
        left = max(0.0, deadline - started)
        _emit(out, cell_record(cell, seconds, 0.0, left, SolverTally()))

    run_parallel(
        options, variants, claims, [args.engine], budget, deadline, args.jobs, io.StringIO(),
        on_cell,
    )  # fmt: skip
    _end(out, started)
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench.worker", description=__doc__)
    p.add_argument("--spec", required=True)
    p.add_argument("--scale", default="pages", help="the parameter to set")
    p.add_argument("--size", type=int, required=True, help="its value")
    p.add_argument("--engine", required=True)
    p.add_argument("--workers", type=int, default=1, help="TLC workers")
    p.add_argument("--limit", type=float, required=True, help="seconds for the whole config")
    p.add_argument("--variant", action="append", default=[])
    p.add_argument("--claim", action="append", default=[])
    p.add_argument("--out", required=True, help="the JSON-lines file to write")
    p.add_argument("--jobs", type=int, default=1, help="matrix worker processes")
    p.add_argument(
        "--no-compile", dest="compiled", action="store_false", help="the reference closures"
    )
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    with Path(args.out).open("w", encoding="utf-8") as out:
        return run_config(args, out)


if __name__ == "__main__":
    sys.exit(main())
