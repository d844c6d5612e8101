"""`mbind-formal matrix`: every (variant, claim) of a spec as one table (the main job)."""

from __future__ import annotations

import argparse
from typing import TextIO

from mbind_formal.cli.cells import (
    ScenarioRun,
    add_cell_args,
    finish,
    resolve,
    run_cells_cli,
    run_scenarios,
    scenario_table,
)
from mbind_formal.cli.common import ExitCode, parse_params, spec_words, usage_error
from mbind_formal.cli.parallel import WorkerOptions, default_jobs
from mbind_formal.cli.render import print_matrix
from mbind_formal.verdicts import Cell, por_totals

NAME = "matrix"
HELP = "check every variant against every claim and print the verdict matrix"
EXITS = (
    (ExitCode.OK, "every claim holds (or up to the printed bound), every scenario passes"),
    (ExitCode.VIOLATED, "some claim is violated, or a scenario fails"),
    (ExitCode.UNKNOWN, "some verdict is unknown or vacuous, or a scenario undecided"),
    (ExitCode.DISAGREE, "engines disagree (--engine all, or auto's cross-check)"),
)


def register(p: argparse.ArgumentParser) -> None:
    add_cell_args(p, default_engine="auto")
    p.add_argument("--no-scenarios", action="store_true", help="skip the spec's scenarios")
    p.add_argument(
        "--jobs",
        type=int,
        metavar="N",
        help="worker processes checking variants in parallel (default: the cores; "
        "1: in this process); the output does not depend on it",
    )


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    resolved = resolve(args, err)
    if isinstance(resolved, int):
        return resolved
    loaded, variants, claims, engines, budget = resolved

    def on_cell(cell: Cell) -> None:
        del cell  # the progress bar shows cells as they end; the table comes at the end

    jobs = default_jobs() if args.jobs is None else args.jobs
    if jobs < 1:
        return usage_error(err, "--jobs must be at least 1")
    params = parse_params(args, err)
    assert params is not None  # `resolve` parsed them already
    options = WorkerOptions(args.spec, params, bool(args.allow_outside_includes))
    cells, interrupted = run_cells_cli(
        loaded, variants, claims, engines, budget, args.total_timeout, err, on_cell, jobs, options
    )
    scenarios: list[ScenarioRun] = []
    if not args.no_scenarios and not interrupted and loaded.spec.scenarios:
        ran = run_scenarios(args, loaded, variants, budget, err)
        if ran is None:
            return ExitCode.USAGE
        scenarios, stopped = ran
        if stopped:
            interrupted = f"{stopped} (all {len(cells)} cells decided)"
    if args.json != "-":
        print_matrix(cells, out)
        totals = por_totals(cells)
        if totals:
            print(totals, file=out)
        if scenarios:
            note = f"details: mbind-formal scenarios {spec_words(args)}"
            print(f"\nscenarios (sequential runs, {note}):", file=out)
            print(scenario_table(scenarios), file=out)
    return finish(args, loaded, cells, interrupted, out, err, scenarios)
