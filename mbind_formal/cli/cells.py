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
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

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
from mbind_formal.engines.base import Budget, Progress, Result, Verdict
from mbind_formal.engines.registry import EnginePool, engine_names
from mbind_formal.engines.scenarios import ScenarioResult
from mbind_formal.ir.model import Model, ParamValue, Scenario, Spec
from mbind_formal.schema import DocKind, header
from mbind_formal.trace.itf import write_itf
from mbind_formal.verdicts import Cell, bounded, check_cell, matrix_document, scenario_json

if TYPE_CHECKING:
    from mbind_formal.cli.parallel import WorkerOptions

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
    p.add_argument(
        "--allow-deadlock",
        action="store_true",
        help="a deadlock is no violation (as the spec's 'allow deadlock;'; TLC's -deadlock)",
    )
    add_budget_args(p)


def cell_exit(cell: Cell) -> ExitCode:
    """One cell's share of the exit code: a complete bounded search is success."""
    if cell.disagreement:
        return ExitCode.DISAGREE
    match cell.verdict:
        case Verdict.VIOLATED:
            return ExitCode.VIOLATED
        case Verdict.HOLDS:
            return ExitCode.OK
        case Verdict.UNKNOWN if bounded(cell.result) is not None:
            return ExitCode.OK
        case Verdict.UNKNOWN | Verdict.VACUOUS:
            return ExitCode.UNKNOWN


def scenario_exit(result: ScenarioResult) -> ExitCode:
    if not result.decided:
        return ExitCode.UNKNOWN
    return ExitCode.OK if result.passed else ExitCode.VIOLATED


def worst(codes: Iterable[ExitCode]) -> ExitCode:
    """The exit code of several answers: disagreement (4), then something found (1),
    then inconclusive (3), else success."""
    found = set(codes)
    for code in (ExitCode.DISAGREE, ExitCode.VIOLATED, ExitCode.UNKNOWN):
        if code in found:
            return code
    return ExitCode.OK


def exit_code(cells: Sequence[Cell], scenarios: Sequence[ScenarioResult] = ()) -> ExitCode:
    """The exit code of a run of cells (and scenarios): the worst of them decides."""
    return worst([*map(cell_exit, cells), *map(scenario_exit, scenarios)])


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


def check_one(
    spec: Spec,
    v: str,
    c: str,
    engines: Sequence[str],
    budget: Budget,
    deadline: float | None,
    report: Progress | None,
    pool: EnginePool,
) -> Cell:
    """One cell within `budget` and what is left before `deadline` (a monotonic time)."""
    if deadline is not None and time.monotonic() >= deadline:
        return _skipped(v, c, engines, TOTAL_TIMEOUT_SKIP)
    cell_budget = budget
    if deadline is not None:
        left = max(0.1, deadline - time.monotonic())
        limit = left if budget.timeout_s is None else min(left, budget.timeout_s)
        cell_budget = replace(budget, timeout_s=limit)
    return check_cell(spec.model(v), spec.claim(c), engines, cell_budget, report, pool)


TOTAL_TIMEOUT_SKIP = "total timeout reached before this cell"


def run_cells_cli(
    loaded: Loaded,
    variants: Sequence[str],
    claim_names: Sequence[str],
    engines: Sequence[str],
    budget: Budget,
    total_timeout: float | None,
    err: TextIO,
    on_cell: Callable[[Cell], None],
    jobs: int = 1,
    options: WorkerOptions | None = None,
) -> tuple[list[Cell], str]:
    """Run the cells with a progress bar; returns (cells, "") or, when Ctrl-C, SIGTERM
    or SIGHUP stopped the run, (the cells decided so far, a line saying so). With
    `jobs` > 1 and several variants, worker processes check the variants in parallel
    (`cli.parallel`; `options` say how they load the spec): the same cells, in the same
    order."""
    spec = loaded.spec
    deadline = None if total_timeout is None else time.monotonic() + total_timeout
    cells: list[Cell] = []
    todo = [(v, c) for v in variants for c in claim_names]
    # The param engine rebuilds the spec from this process's files (respec_of): its
    # cells run here, in order.
    if jobs > 1 and len(variants) > 1 and options is not None and "param" not in engines:
        from mbind_formal.cli.parallel import run_parallel

        return run_parallel(
            options, variants, claim_names, engines, budget, deadline, jobs, err, on_cell
        )
    pool = EnginePool(respec_of(loaded))
    with progress_bar(err, len(todo), "checking") as (advance, report):
        try:
            for v, c in todo:
                cell = check_one(spec, v, c, engines, budget, deadline, report, pool)
                cells.append(cell)
                on_cell(cell)
                advance(f"{v} / {c}: {cell.verdict.value}")
        except KeyboardInterrupt as e:
            return cells, interrupted_note(e, f"{len(cells)} of {len(todo)} cells decided")
    return cells, ""


def respec_of(loaded: Loaded) -> Callable[[Mapping[str, int], str], Spec | None]:
    """How the `param` engine rebuilds this run's spec at other sizes: the same main
    file and parameters, some overridden, some text appended."""
    from mbind_formal.lower.spec import load_text

    if not loaded.files:
        return lambda params, extra: None
    main = loaded.files[0]
    text = main.read_text(encoding="utf-8")
    base = dict(loaded.spec.params)

    def respec(params: Mapping[str, int], extra: str) -> Spec | None:
        r = load_text(text + extra, str(main), {**base, **params}, allow_outside=True)
        return r.spec

    return respec


@dataclass(frozen=True, slots=True)
class ScenarioRun:
    """A scenario's result on one variant, with the model it ran on (loaded with the
    scenario's `with` parameters), which renders its failing run."""

    result: ScenarioResult
    model: Model


def run_scenarios(
    args: argparse.Namespace,
    loaded: Loaded,
    variants: Sequence[str],
    budget: Budget,
    err: TextIO,
    only: Sequence[Scenario] | None = None,
) -> tuple[list[ScenarioRun], str] | None:
    """Every scenario of the spec (or `only` these) on every variant (None after a load
    error), each within `budget` (its state limit defaults to the scenario runner's own),
    and the interruption note ("" when every run finished): an interrupted phase keeps
    the runs that finished."""
    from mbind_formal.engines.scenarios import DEFAULT_BUDGET, run_scenario

    if budget.max_states is None:
        budget = replace(budget, max_states=DEFAULT_BUDGET.max_states)

    chosen = loaded.spec.scenarios if only is None else only
    cache: dict[tuple[tuple[str, ParamValue], ...], Spec] = {}
    runs: list[ScenarioRun] = []
    try:
        for sc in chosen:
            spec = spec_for_scenario(args, loaded, sc, cache, err)
            if spec is None:
                return None
            resolved = next(s for s in spec.scenarios if s.name == sc.name)
            for v in variants:
                model = spec.model(v)
                runs.append(ScenarioRun(run_scenario(model, resolved, budget), model))
    except KeyboardInterrupt as e:
        total = len(chosen) * len(variants)
        return runs, interrupted_note(e, f"{len(runs)} of {total} scenario runs decided")
    return runs, ""


def scenario_table(runs: Sequence[ScenarioRun]) -> str:
    """Scenarios as rows, variants as columns: `pass`, `FAIL`, or `?` (undecided)."""
    results = [run.result for run in runs]
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
        cells = [shown.get((n, v), "-") for v in variants]  # "-": not run (interrupted)
        lines.append(
            " | ".join([n.ljust(width), *(c.ljust(w) for c, w in zip(cells, cols, strict=True))])
        )
    return "\n".join(line.rstrip() for line in lines)


def record_name(variant: str, claim: str) -> str:
    """The file of a cell's counterexample in a run record."""
    return f"{variant}-{claim}.itf.json".replace("/", "_")


def save_run(
    args: argparse.Namespace, loaded: Loaded, doc: dict[str, Any], cells: Sequence[Cell]
) -> Path | None:
    """Write runs/<spec>-<variant>-<claim>-<time>/: run.json (document `run`) and each
    counterexample as an ITF file that `mbind-formal replay SPEC FILE` reads as it is
    (its `#meta` names the variant, claim, kind and parameters)."""
    if args.no_save:
        return None
    stem = Path(args.spec).stem
    variant = args.variant[0] if args.variant and len(args.variant) == 1 else "all"
    claim = args.claim[0] if args.claim and len(args.claim) == 1 else "all"
    stamp = time.strftime("%Y%m%dT%H%M%S")
    base = Path(args.runs_dir) / f"{stem}-{variant}-{claim}-{stamp}".replace("/", "_")
    spec = loaded.spec
    traces = {
        record_name(c.variant, c.claim): write_itf(
            spec.model(c.variant), c.result.trace, source=spec.source, params=spec.params
        )
        for c in cells
        if c.result.trace is not None
    }
    record = {
        **header(DocKind.RUN),
        "command": ["mbind-formal", *sys.argv[1:]],
        "cwd": os.getcwd(),
        "options": {k: v for k, v in sorted(vars(args).items()) if not k.startswith("_")},
        "traces": sorted(traces),
        "result": doc,
    }
    try:
        base.mkdir(parents=True, exist_ok=True)
        atomic_write(base / "run.json", json.dumps(record, indent=2, default=str) + "\n")
        for name, text in traces.items():
            atomic_write(base / name, text)
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
    scenarios: Sequence[ScenarioRun] = (),
) -> int:
    rows = [scenario_json(run.result, run.model) for run in scenarios]
    doc = matrix_document(loaded.spec, cells, args.engine, rows)
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
    return exit_code(cells, [run.result for run in scenarios])
