"""`mbind-formal report`: one self-contained HTML page with the verdicts and the traces.

Input: a spec, optional variants, claims, engine and budget. Output: `-o FILE`
(default report.html): the verdict matrix (variants as columns, claims as rows) and,
for each violated cell, its minimised counterexample as a sequence diagram and as
text. The page loads nothing from the network. Exit codes as for `prove`: 0 all
hold, 1 some claim violated, 3 unknown or vacuous cells, 4 engines disagree.
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from typing import TextIO

from mbind_formal.cli.cells import ALL_ENGINES, exit_code, resolve, run_cells_cli
from mbind_formal.cli.cmd_trace import shown_trace
from mbind_formal.cli.common import ExitCode, add_budget_args, add_spec_args, write_output
from mbind_formal.engines.base import Verdict
from mbind_formal.engines.registry import engine_names
from mbind_formal.ir.model import Spec
from mbind_formal.trace.diagram import ReportCell, render_report
from mbind_formal.verdicts import Cell

NAME = "report"
HELP = "write one self-contained HTML page: the verdict matrix and every counterexample"


def register(p: argparse.ArgumentParser) -> None:
    add_spec_args(p)
    p.add_argument("-o", "--output", default="report.html", metavar="FILE", help="(report.html)")
    p.add_argument("--variant", action="append", metavar="V", help="variant(s) to include")
    p.add_argument("--claim", action="append", metavar="C", help="claim(s) to include")
    p.add_argument(
        "--engine",
        default="auto",
        choices=[*engine_names(), "all"],
        help=f"engine to use; 'all' runs {', '.join(ALL_ENGINES)} and cross-checks them "
        "(default auto)",
    )
    p.add_argument("--total-timeout", type=float, metavar="S", help="wall-time limit for the run")
    p.add_argument(
        "--no-minimize", action="store_true", help="show traces as the engines found them"
    )
    add_budget_args(p)


def _note(cell: Cell) -> str:
    parts = []
    if cell.disagreement:
        parts.append(f"engines disagree: {cell.disagreement}")
    parts.extend(f"{f.engine} failed: {f.message}" for f in cell.failures)
    return "; ".join(parts)


def report_cells(spec: Spec, cells: list[Cell], raw: bool) -> list[ReportCell]:
    """The cells as the report shows them, violations with their minimised traces."""
    shown = []
    for cell in cells:
        result = cell.result
        if cell.verdict is Verdict.VIOLATED and result.trace is not None:
            trace = shown_trace(spec.model(cell.variant), spec.claim(cell.claim), result.trace, raw)
            result = replace(result, trace=trace)
        shown.append(ReportCell(cell.variant, cell.claim, result, _note(cell)))
    return shown


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    resolved = resolve(args, err)
    if isinstance(resolved, int):
        return resolved
    loaded, variants, claims, engines, budget = resolved
    cells, interrupted = run_cells_cli(
        loaded, variants, claims, engines, budget, args.total_timeout, err, lambda _: None
    )
    shown = report_cells(loaded.spec, cells, args.no_minimize)
    page = render_report(loaded.spec, shown, engine=args.engine, partial=interrupted)
    if not write_output(page, args.output, loaded, out, err):
        return ExitCode.USAGE
    violated = sum(c.verdict is Verdict.VIOLATED for c in cells)
    print(
        f"wrote {args.output}: {len(cells)} cells, {violated} violated",
        file=out if args.output != "-" else err,
    )
    if interrupted:
        print(f"{interrupted}; the report says it is partial", file=err)
        return ExitCode.UNKNOWN
    return exit_code(cells)
