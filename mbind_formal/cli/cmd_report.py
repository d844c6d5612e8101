"""`mbind-formal report`: a self-contained HTML report of the verdicts and the traces.

Input: a spec, optional variants, claims, engine and budget. Output: `-o FILE`
(default report.html): the verdict matrix (variants as columns, claims as rows), the
scenarios, the claims' text and, for each violated cell, its minimised counterexample
as a sequence diagram and as text; with more than a dozen counterexamples (or
`--traces linked`) each gets its own page in `FILE`'s sibling `<stem>.traces/`, so the
page stays small. Nothing loads from the network. Exit codes: `EXITS`.
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path
from typing import TextIO

from mbind_formal.cli.cells import (
    ALL_ENGINES,
    ScenarioRun,
    exit_code,
    resolve,
    run_cells_cli,
    run_scenarios,
)
from mbind_formal.cli.cmd_trace import shown_trace
from mbind_formal.cli.common import ExitCode, add_budget_args, add_spec_args, write_output
from mbind_formal.engines.base import Verdict
from mbind_formal.engines.registry import engine_names
from mbind_formal.ir.model import Spec
from mbind_formal.trace.report import ReportCell, ReportScenario, TraceMode, render_report
from mbind_formal.verdicts import Cell

NAME = "report"
HELP = "write one self-contained HTML page: the verdict matrix and every counterexample"
EXITS = (
    (ExitCode.OK, "every claim holds (or up to the printed bound), every scenario passes"),
    (ExitCode.VIOLATED, "some claim is violated, or a scenario fails"),
    (ExitCode.UNKNOWN, "some verdict is unknown or vacuous, or a scenario undecided"),
    (ExitCode.DISAGREE, "engines disagree (--engine all)"),
)


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
    p.add_argument(
        "--traces",
        choices=[m.value for m in TraceMode],
        default=TraceMode.AUTO.value,
        help="counterexamples in the page (inline), one page each next to it (linked), or "
        "inline up to a dozen (auto, the default)",
    )
    p.add_argument("--no-scenarios", action="store_true", help="skip the spec's scenarios")
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


def report_scenarios(runs: list[ScenarioRun]) -> list[ReportScenario]:
    return [
        ReportScenario(
            scenario=r.result.scenario,
            variant=r.result.variant,
            status=("pass" if r.result.passed else "FAIL") if r.result.decided else "?",
            reason=r.result.reason,
            model=r.model,
            trace=r.result.trace,
        )
        for r in runs
    ]


def _write_files(files: dict[str, str], target: str, err: TextIO) -> bool:
    """The linked trace pages, next to the report page `target`."""
    base = Path(target).parent
    for name, text in files.items():
        path = base / name
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        except OSError as e:
            print(
                f"mbind-formal: error[MBF503]: cannot write '{path}': {e.strerror or e}", file=err
            )
            return False
    return True


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    resolved = resolve(args, err)
    if isinstance(resolved, int):
        return resolved
    loaded, variants, claims, engines, budget = resolved
    cells, interrupted = run_cells_cli(
        loaded, variants, claims, engines, budget, args.total_timeout, err, lambda _: None
    )
    runs: list[ScenarioRun] = []
    if not args.no_scenarios and not interrupted and loaded.spec.scenarios:
        ran = run_scenarios(args, loaded, variants, budget, err)
        if ran is None:
            return ExitCode.USAGE
        runs, stopped = ran
        if stopped:
            interrupted = f"{stopped} (all {len(cells)} cells decided)"
    shown = report_cells(loaded.spec, cells, args.no_minimize)
    mode = TraceMode(args.traces) if args.output != "-" else TraceMode.INLINE
    report = render_report(
        loaded.spec,
        shown,
        engine=args.engine,
        sources=loaded.sources,
        scenarios=report_scenarios(runs),
        traces=mode,
        name=Path(args.output).name if args.output != "-" else "report.html",
        partial=interrupted,
    )
    page, *extra = report.files.items()
    if not write_output(page[1], args.output, loaded, out, err):
        return ExitCode.USAGE
    if extra and not _write_files(dict(extra), args.output, err):
        return ExitCode.USAGE
    violated = sum(c.verdict is Verdict.VIOLATED for c in cells)
    pages = f", {len(extra) // 2} trace pages in {Path(extra[0][0]).parent}/" if extra else ""
    print(
        f"wrote {args.output}: {len(cells)} cells, {violated} violated{pages}",
        file=out if args.output != "-" else err,
    )
    if interrupted:
        print(f"{interrupted}; the report says it is partial", file=err)
        return ExitCode.UNKNOWN
    return exit_code(cells, [r.result for r in runs])
