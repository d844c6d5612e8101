"""`mbind-formal trace`: the counterexample of one (variant, claim) cell, in one format.

Input: a spec, a variant and a claim (either may be left out when the spec has only
one), an engine and a budget. Output: the minimised counterexample as text (rows or
swimlanes), ITF, plain JSON or an HTML page, on stdout or in `-o FILE`. Exit codes as
`EXITS` says (1: a counterexample was written). Also home of the helpers `report` and `diff`
share: picking one cell, running it, writing an output file.
"""

from __future__ import annotations

import argparse
import io
from dataclasses import replace
from typing import TextIO

from mbind_formal.cli.common import (
    ExitCode,
    Loaded,
    add_budget_args,
    add_spec_args,
    checked_budget,
    load,
    output_ok,
    pick_claims,
    pick_variants,
    usage_error,
    write_output,
)
from mbind_formal.cli.render import progress_bar
from mbind_formal.engines.base import Budget, Verdict
from mbind_formal.engines.registry import engine_names
from mbind_formal.ir.model import Claim, Model
from mbind_formal.trace.itf import write_itf
from mbind_formal.trace.minimize import minimize
from mbind_formal.trace.model import Trace
from mbind_formal.trace.report import ReportCell, TraceMode, render_report
from mbind_formal.trace.text import render_json, write_text
from mbind_formal.verdicts import Cell, bounded, check_cell

NAME = "trace"
HELP = "show the counterexample of one variant and claim (text, swimlanes, ITF, JSON, HTML)"
EXITS = (
    (ExitCode.OK, "the claim holds (or up to the printed bound): no counterexample"),
    (ExitCode.VIOLATED, "the claim is violated: the counterexample is written"),
    (ExitCode.UNKNOWN, "the verdict is unknown or vacuous"),
)

FORMATS = ("text", "itf", "json", "html")


def add_engine_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--engine",
        default="auto",
        choices=engine_names(),
        help="engine that looks for the counterexample (default auto)",
    )


def register(p: argparse.ArgumentParser) -> None:
    add_spec_args(p)
    p.add_argument("--variant", metavar="V", help="the variant (optional if there is only one)")
    p.add_argument("--claim", metavar="C", help="the claim (optional if there is only one)")
    add_engine_arg(p)
    p.add_argument("--format", choices=FORMATS, default="text", help="output format (default text)")
    p.add_argument(
        "--layout",
        choices=("rows", "lanes"),
        default="rows",
        help="text layout: one row per step, or one column per actor instance (default rows)",
    )
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")
    p.add_argument(
        "--no-minimize",
        action="store_true",
        help="show the engine's trace as found (default: drop unneeded steps and regroup "
        "commuting steps to cut context switches)",
    )
    add_budget_args(p)


# ----------------------------------------------------------------------------- shared


def pick_one(
    loaded: Loaded, variant: str | None, claim: str | None, err: TextIO
) -> tuple[Model, Claim] | None:
    """The one variant and claim named (or the only ones), or None after an error."""
    spec = loaded.spec
    if variant is None and len(spec.variants) > 1:
        usage_error(
            err, "the spec has several variants", f"pass --variant: {', '.join(spec.variants)}"
        )
        return None
    if claim is None and len(spec.claims) != 1:
        names = ", ".join(c.name for c in spec.claims)
        if not names:
            usage_error(err, f"{spec.source or 'the spec'} declares no claims")
        else:
            usage_error(err, "the spec has several claims", f"pass --claim: {names}")
        return None
    variants = pick_variants(spec, [variant] if variant else None, err)
    claims = pick_claims(spec, [claim] if claim else None, err)
    if not variants or not claims:
        return None
    return spec.model(variants[0]), claims[0]


def run_one(model: Model, claim: Claim, engine: str, budget: Budget, err: TextIO) -> Cell:
    """Check one cell (its trace already replayed by `verdicts.check_cell`)."""
    with progress_bar(err, 1, f"{model.variant} / {claim.name}") as (advance, report):
        cell = check_cell(model, claim, [engine], budget, report)
        advance(cell.verdict.value)
    for f in cell.failures:
        print(f"engine {f.engine} failed on {cell.variant}/{cell.claim}: {f.message}", file=err)
    return cell


def no_trace_message(cell: Cell) -> tuple[str, int]:
    """Why a cell has no counterexample, and the exit code that goes with it."""
    r = cell.result
    where = f"{cell.variant} / {cell.claim}"
    match cell.verdict:
        case Verdict.HOLDS:
            return (
                f"{where}: the claim holds (proved by {r.method}, engine {r.engine}); "
                "there is no counterexample",
                ExitCode.OK,
            )
        case Verdict.UNKNOWN if bounded(r) is not None:
            return (
                f"{where}: no violation up to depth {r.bound} (engine {r.engine}; a bounded "
                "search, not a proof); no counterexample within that depth",
                ExitCode.OK,
            )
        case Verdict.VACUOUS:
            why = r.reason or "a witness of the claim is unreachable"
            return f"{where}: vacuous ({why}); there is no counterexample", ExitCode.UNKNOWN
        case Verdict.UNKNOWN:
            why = r.reason or r.method
            return (
                f"{where}: unknown ({why}); no counterexample found within the limits",
                ExitCode.UNKNOWN,
            )
        case Verdict.VIOLATED:
            return f"{where}: violated, but the engine gave no trace", ExitCode.UNKNOWN


def shown_trace(model: Model, claim: Claim, trace: Trace, raw: bool) -> Trace:
    return trace if raw else minimize(model, trace, claim)


# ----------------------------------------------------------------------------- command


def _render(
    args: argparse.Namespace, loaded: Loaded, model: Model, cell: Cell, trace: Trace, out: TextIO
) -> str | None:
    """The trace in the requested format; None when it was printed to `out` directly."""
    match args.format:
        case "text":
            if args.output is None:
                write_text(model, trace, out, args.layout)
                return None
            buf = io.StringIO()
            write_text(model, trace, buf, args.layout)
            return buf.getvalue()
        case "itf":
            return write_itf(model, trace, source=loaded.spec.source, params=loaded.spec.params)
        case "json":
            return render_json(model, trace)
        case "html":
            shown = ReportCell(cell.variant, cell.claim, replace(cell.result, trace=trace))
            report = render_report(
                loaded.spec, [shown], engine=args.engine, sources=loaded.sources,
                traces=TraceMode.INLINE,
            )  # fmt: skip
            return report.page
    raise AssertionError(args.format)


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    budget = checked_budget(args, err)
    if budget is None:
        return ExitCode.USAGE
    loaded = load(args, err)
    if loaded is None or not output_ok(loaded, args.output, err):
        return ExitCode.USAGE
    picked = pick_one(loaded, args.variant, args.claim, err)
    if picked is None:
        return ExitCode.USAGE
    model, claim = picked
    cell = run_one(model, claim, args.engine, budget, err)
    trace = cell.result.trace
    if cell.verdict is not Verdict.VIOLATED or trace is None:
        message, code = no_trace_message(cell)
        print(message, file=err)
        return code
    trace = shown_trace(model, claim, trace, args.no_minimize)
    text = _render(args, loaded, model, cell, trace, out)
    if text is not None and not write_output(text, args.output, loaded, out, err):
        return ExitCode.USAGE
    return ExitCode.VIOLATED
