"""The engine-running half of `prove` and `matrix`: options, runs, exit codes, run dirs.

Input: parsed arguments. Output: printed verdicts, an optional JSON document, a run
directory `runs/<spec>-<variant>-<claim>-<time>/run.json`, and the exit code.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, TextIO

from mbind_formal.cli.common import (
    ExitCode,
    Loaded,
    add_budget_args,
    add_spec_args,
    atomic_write,
    checked_budget,
    interrupted_note,
    load,
    output_ok,
    pick_some_claims,
    pick_variants,
    spec_for_scenario,
    write_output,
)
from mbind_formal.cli.render import progress_bar
from mbind_formal.engines.base import Budget, Result, Verdict
from mbind_formal.engines.registry import EnginePool, engine_names
from mbind_formal.engines.scenarios import ScenarioResult
from mbind_formal.ir.model import Spec
from mbind_formal.semantics.layout import Layout
from mbind_formal.verdicts import Cell, check_cell, matrix_document

ALL_ENGINES = ("explicit", "bmc", "kind", "pdr", "tlc")


def add_cell_args(p: argparse.ArgumentParser, *, default_engine: str) -> None:
    add_spec_args(p)
    p.add_argument("--variant", action="append", metavar="V", help="variant(s) to check")
    p.add_argument("--claim", action="append", metavar="C", help="claim(s) to check")
    p.add_argument(
        "--engine",
        default=default_engine,
        choices=[*engine_names(), "all"],
        help=f"engine to use; 'all' runs {', '.join(ALL_ENGINES)} and cross-checks them "
        f"(default {default_engine})",
    )
    p.add_argument("--json", metavar="FILE", help="write the JSON result (schema 1); '-' = stdout")
    p.add_argument("--total-timeout", type=float, metavar="S", help="wall-time limit for the run")
    p.add_argument("--runs-dir", default="runs", metavar="DIR", help="where run records go")
    p.add_argument("--no-save", action="store_true", help="do not write a run record")
    add_budget_args(p)


def exit_code(cells: Sequence[Cell]) -> ExitCode:
    if any(c.disagreement for c in cells):
        return ExitCode.DISAGREE
    if any(c.verdict is Verdict.VIOLATED for c in cells):
        return ExitCode.VIOLATED
    if any(c.verdict in (Verdict.UNKNOWN, Verdict.VACUOUS) for c in cells):
        return ExitCode.UNKNOWN
    return ExitCode.OK


def _skipped(variant: str, claim: str, engines: Sequence[str], why: str) -> Cell:
    r = Result(
        verdict=Verdict.UNKNOWN,
        engine=",".join(engines),
        method="none",
        variant=variant,
        claim=claim,
        reason=why,
    )
    return Cell(variant=variant, claim=claim, verdict=Verdict.UNKNOWN, result=r, results=())


def run_cells_cli(
    loaded: Loaded,
    variants: Sequence[str],
    claim_names: Sequence[str],
    engines: Sequence[str],
    budget: Budget,
    total_timeout: float | None,
    err: TextIO,
    on_cell: Callable[[Cell], None],
) -> tuple[list[Cell], str]:
    """Run the cells with a progress bar; returns (cells, "") or, when Ctrl-C, SIGTERM
    or SIGHUP stopped the run, (the cells decided so far, a line saying so)."""
    spec = loaded.spec
    deadline = None if total_timeout is None else time.monotonic() + total_timeout
    cells: list[Cell] = []
    todo = [(v, c) for v in variants for c in claim_names]
    pool = EnginePool()
    with progress_bar(err, len(todo), "checking") as (advance, report):
        try:
            for v, c in todo:
                if deadline is not None and time.monotonic() >= deadline:
                    cell = _skipped(v, c, engines, "total timeout reached before this cell")
                else:
                    cell_budget = budget
                    if deadline is not None:
                        left = max(0.1, deadline - time.monotonic())
                        limit = left if budget.timeout_s is None else min(left, budget.timeout_s)
                        cell_budget = replace(budget, timeout_s=limit)
                    cell = check_cell(
                        spec.model(v), spec.claim(c), engines, cell_budget, report, pool
                    )
                cells.append(cell)
                on_cell(cell)
                advance(f"{v} / {c}: {cell.verdict.value}")
        except KeyboardInterrupt as e:
            return cells, interrupted_note(e, f"{len(cells)} of {len(todo)} cells decided")
    return cells, ""


def run_scenarios(
    args: argparse.Namespace,
    loaded: Loaded,
    variants: Sequence[str],
    budget: Budget,
    err: TextIO,
) -> list[ScenarioResult] | None:
    """Every scenario of the spec on every variant (None after a load error), each within
    `budget` (its state limit defaults to the scenario runner's own)."""
    from mbind_formal.engines.scenarios import DEFAULT_BUDGET, run_scenario

    if budget.max_states is None:
        budget = replace(budget, max_states=DEFAULT_BUDGET.max_states)

    cache: dict[tuple[tuple[str, int], ...], Spec] = {}
    results: list[ScenarioResult] = []
    for sc in loaded.spec.scenarios:
        spec = spec_for_scenario(args, loaded, sc, cache, err)
        if spec is None:
            return None
        resolved = next(s for s in spec.scenarios if s.name == sc.name)
        results.extend(run_scenario(spec.model(v), resolved, budget) for v in variants)
    return results


def scenario_table(results: Sequence[ScenarioResult]) -> str:
    """Scenarios as rows, variants as columns: `pass` or `FAIL`."""
    names = list(dict.fromkeys(r.scenario for r in results))
    variants = list(dict.fromkeys(r.variant for r in results))
    shown = {
        (r.scenario, r.variant): ("pass" if r.passed else "FAIL") if r.decided else "?"
        for r in results
    }
    width = max(len("scenario \\ variant"), *(len(n) for n in names))
    cols = [max(4, len(v)) for v in variants]
    lines = [
        " | ".join(
            [
                "scenario \\ variant".ljust(width),
                *(v.ljust(w) for v, w in zip(variants, cols, strict=True)),
            ]
        )
    ]
    lines.append("-" * len(lines[0]))
    for n in names:
        cells = [shown[(n, v)] for v in variants]
        lines.append(
            " | ".join([n.ljust(width), *(c.ljust(w) for c, w in zip(cells, cols, strict=True))])
        )
    return "\n".join(line.rstrip() for line in lines)


def trace_json(loaded: Loaded, cell: Cell) -> dict[str, Any] | None:
    """A cell's counterexample with named slots (the run record's own trace form)."""
    trace = cell.result.trace
    if trace is None:
        return None
    layout = Layout(loaded.spec.model(cell.variant))
    return {
        "variant": cell.variant,
        "claim": cell.claim,
        "engine": trace.engine or cell.result.engine,
        "init": layout.as_dict(trace.init),
        "steps": [
            {
                "actor": s.actor,
                "instance": s.instance,
                "label": s.label,
                "choices": [list(c) for c in s.choices],
                "state": layout.as_dict(s.state),
            }
            for s in trace.steps
        ],
    }


def save_run(
    args: argparse.Namespace, loaded: Loaded, doc: dict[str, Any], cells: Sequence[Cell]
) -> Path | None:
    """Write runs/<spec>-<variant>-<claim>-<time>/: run.json and one file per trace."""
    if args.no_save:
        return None
    stem = Path(args.spec).stem
    variant = args.variant[0] if args.variant and len(args.variant) == 1 else "all"
    claim = args.claim[0] if args.claim and len(args.claim) == 1 else "all"
    stamp = time.strftime("%Y%m%dT%H%M%S")
    base = Path(args.runs_dir) / f"{stem}-{variant}-{claim}-{stamp}".replace("/", "_")
    record = {
        "command": ["mbind-formal", *sys.argv[1:]],
        "cwd": os.getcwd(),
        "options": {k: v for k, v in sorted(vars(args).items()) if not k.startswith("_")},
        "result": doc,
    }
    try:
        base.mkdir(parents=True, exist_ok=True)
        atomic_write(base / "run.json", json.dumps(record, indent=2, default=str) + "\n")
        for cell in cells:
            trace = trace_json(loaded, cell)
            if trace is not None:
                name = f"{cell.variant}-{cell.claim}.trace.json".replace("/", "_")
                atomic_write(base / name, json.dumps(trace, indent=2) + "\n")
    except OSError:
        return None
    return base


def idle_engines(cells: Sequence[Cell]) -> list[tuple[str, str]]:
    """Engines that ran on several cells and decided none, with their first reason, so a
    cross-check that silently lost an engine (no java for TLC) says so."""
    seen: dict[str, list[Result]] = {}
    for cell in cells:
        for r in cell.results:
            seen.setdefault(r.engine, []).append(r)
    engines = {r.engine for c in cells for r in c.results}
    if len(engines) < 2:
        return []
    return [
        (name, results[0].reason or "no reason given")
        for name, results in sorted(seen.items())
        if all(r.verdict is Verdict.UNKNOWN for r in results)
    ]


def resolve(
    args: argparse.Namespace, err: TextIO
) -> tuple[Loaded, list[str], list[str], list[str], Budget] | int:
    """Load the spec and resolve variants, claims, engines and budget (or an exit code)."""
    budget = checked_budget(args, err)
    if budget is None:
        return ExitCode.USAGE
    loaded = load(args, err)
    if loaded is None:
        return ExitCode.USAGE
    variants = pick_variants(loaded.spec, args.variant, err)
    claims = pick_some_claims(loaded.spec, args.claim, args.spec, err)
    if variants is None or claims is None:
        return ExitCode.USAGE
    for target in (getattr(args, "json", None), getattr(args, "output", None)):
        if not output_ok(loaded, target, err):
            return ExitCode.USAGE
    engines = list(ALL_ENGINES) if args.engine == "all" else [args.engine]
    return loaded, variants, [c.name for c in claims], engines, budget


def finish(
    args: argparse.Namespace,
    loaded: Loaded,
    cells: list[Cell],
    interrupted: str,
    out: TextIO,
    err: TextIO,
    scenarios: Sequence[ScenarioResult] = (),
) -> int:
    doc = matrix_document(loaded.spec, cells, args.engine, [r.as_dict() for r in scenarios])
    if interrupted:
        doc["interrupted"] = interrupted
    text = json.dumps(doc, indent=2, sort_keys=False) + "\n"
    if args.json and not write_output(text, args.json, loaded, out, err):
        return ExitCode.USAGE
    save_run(args, loaded, doc, cells)
    for engine, reason in idle_engines(cells):
        print(f"note: engine {engine} decided no cell: {reason}", file=err)
    for cell in cells:
        if cell.disagreement:
            print(f"DISAGREEMENT {cell.variant}/{cell.claim}: {cell.disagreement}", file=err)
        for f in cell.failures:
            print(f"engine {f.engine} failed on {cell.variant}/{cell.claim}: {f.message}", file=err)
    if interrupted:
        print(interrupted, file=err)
        return ExitCode.UNKNOWN
    code = exit_code(cells)
    if code == ExitCode.OK and any(r.decided and not r.passed for r in scenarios):
        return ExitCode.VIOLATED
    if code == ExitCode.OK and any(not r.decided for r in scenarios):
        return ExitCode.UNKNOWN
    return code
