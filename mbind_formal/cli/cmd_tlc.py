"""`mbind-formal tlc`: check cells with the real TLC and print its verdict and counts.

Input: a spec, variants and claims (all by default), `--workers N` (TLC worker threads),
or `--distributed-workers K` (a `TLCServer` and K `TLCWorker` processes on this host,
on loopback: see `tlc.distributed`). Output: one block per (variant, claim): the
verdict, TLC's distinct and generated state counts, the depth (in steps, with TLC's
own count of states beside it) and the time; the
replayed counterexample when the claim is violated. Exit codes as for `prove`.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TextIO

from mbind_formal.cli.cmd_tla import add_files, files_of, shown_path
from mbind_formal.cli.common import (
    ExitCode,
    Loaded,
    add_spec_args,
    load,
    pick_some_claims,
    pick_variants,
    print_diagnostics,
    usage_error,
    write_files,
)
from mbind_formal.diagnostics import Diagnostic, render
from mbind_formal.engines.base import Budget, Result, Verdict
from mbind_formal.engines.tlc import TlcEngine
from mbind_formal.ir.model import Claim, Model
from mbind_formal.tla.emit import emit_cell
from mbind_formal.tla.limits import tlc_int_errors
from mbind_formal.tlc.distributed import run_distributed
from mbind_formal.tlc.run import Outcome, TlcSetup, find_tlc
from mbind_formal.trace.text import write_text

NAME = "tlc"
HELP = "check claims with the real TLC (threads or distributed workers) and print its counts"
EXITS = (
    (ExitCode.OK, "every claim holds"),
    (ExitCode.VIOLATED, "some claim is violated"),
    (ExitCode.UNKNOWN, "some verdict is unknown or vacuous (timeout, TLC failed)"),
)


def register(p: argparse.ArgumentParser) -> None:
    add_spec_args(p)
    p.add_argument("--variant", action="append", metavar="V", help="variant(s) to check")
    p.add_argument("--claim", action="append", metavar="C", help="claim(s) to check")
    p.add_argument("--workers", type=int, default=1, metavar="N", help="TLC worker threads")
    p.add_argument(
        "--distributed-workers",
        type=int,
        metavar="K",
        help="run a TLCServer and K TLCWorker processes on loopback instead "
        "(verdict and counts only; witnesses are not checked)",
    )
    p.add_argument("--timeout", type=float, metavar="S", help="wall-time limit per cell (s)")
    p.add_argument("--no-symmetry", action="store_true", help="disable SYMMETRY")
    p.add_argument("--keep", metavar="DIR", help="also write the checked .tla/.cfg files to DIR")
    p.add_argument(
        "--full-jit",
        action="store_true",
        help="let the JVM use its optimising compiler (slower start, faster on millions of states)",
    )


def _counts(states: int | None, generated: object, depth: int | None, seconds: float) -> str:
    parts = []
    if states is not None:
        parts.append(f"{states} distinct states")
    if isinstance(generated, int) and generated >= 0:
        parts.append(f"{generated} generated")
    if depth is not None:
        # TLC's "depth" counts the states of the longest shortest path, the initial one
        # too; ours counts its steps (transitions), as traces do. Say both.
        parts.append(f"{depth} steps deep (TLC's depth {depth + 1} counts states)")
    parts.append(f"{seconds:.1f} s")
    return ", ".join(parts)


def _threads(model: Model, claim: Claim, budget: Budget, full_jit: bool, out: TextIO) -> ExitCode:
    r: Result = TlcEngine(quick_jit=not full_jit).check(model, claim, budget)
    gen = r.stats.get("generated_states")
    print(f"{model.variant} / {claim.name}: {r.verdict.value} (TLC)", file=out)
    print(f"  {_counts(r.states, gen, r.depth, r.seconds)}", file=out)
    if r.reason:
        print(f"  {r.reason}", file=out)
    if r.deadlock is not None:
        print(f"  note: a deadlock is reachable in {len(r.deadlock)} steps", file=out)
    if r.trace is not None:
        write_text(model, r.trace, out)
    match r.verdict:
        case Verdict.HOLDS:
            return ExitCode.OK
        case Verdict.VIOLATED:
            return ExitCode.VIOLATED
        case Verdict.VACUOUS | Verdict.UNKNOWN:
            return ExitCode.UNKNOWN


def _distributed(
    setup: TlcSetup, model: Model, claim: Claim, args: argparse.Namespace, out: TextIO
) -> ExitCode:
    emitted = emit_cell(
        model, claim, spec_path=shown_path(args.spec), symmetry=not args.no_symmetry
    )
    run = run_distributed(setup, emitted, workers=args.distributed_workers, timeout=args.timeout)
    depth = run.depth - 1 if run.depth is not None else None
    k = args.distributed_workers
    verdict = "holds" if run.outcome is Outcome.NO_ERROR else run.outcome.value
    print(f"{model.variant} / {claim.name}: {verdict} (distributed TLC, {k} workers)", file=out)
    print(f"  {_counts(run.distinct, run.generated, depth, run.seconds)}", file=out)
    match run.outcome:
        case Outcome.NO_ERROR:
            print("  the invariant holds; witnesses are not checked in this mode", file=out)
            return ExitCode.OK
        case Outcome.VIOLATED | Outcome.DEADLOCK:
            print(
                "  distributed TLC 2.15 prints a partial trace; rerun without "
                "--distributed-workers for the replayed counterexample",
                file=out,
            )
            return ExitCode.VIOLATED
        case Outcome.TIMEOUT:
            print("  timeout", file=out)
            return ExitCode.UNKNOWN
        case Outcome.FAILED:
            print(f"  TLC failed: {run.error}", file=out)
            return ExitCode.UNKNOWN


def _keep(
    model: Model,
    claim: Claim,
    args: argparse.Namespace,
    loaded: Loaded,
    kept: tuple[dict[str, str], dict[str, Model]],
    err: TextIO,
) -> bool:
    """Write the cell's module and .cfg into --keep DIR (False after an error)."""
    cell = emit_cell(model, claim, spec_path=shown_path(args.spec), symmetry=not args.no_symmetry)
    clash = add_files(*kept, cell, model)
    if clash is not None:
        print_diagnostics([clash], loaded.sources, err)
        return False
    return write_files(Path(args.keep), files_of(cell), loaded, err)


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    if args.workers < 1 or (args.distributed_workers is not None and args.distributed_workers < 1):
        return usage_error(err, "--workers and --distributed-workers must be at least 1")
    if args.timeout is not None and args.timeout <= 0:
        return usage_error(err, "--timeout must be positive")
    setup = find_tlc()
    if isinstance(setup, Diagnostic):
        print(render(setup, {}), file=err)
        return ExitCode.USAGE
    loaded = load(args, err)
    if loaded is None:
        return ExitCode.USAGE
    spec = loaded.spec
    variants = pick_variants(spec, args.variant, err)
    claims = pick_some_claims(spec, args.claim, args.spec, err)
    if variants is None or claims is None:
        return ExitCode.USAGE
    beyond = {d for v in variants for d in tlc_int_errors(spec.model(v), claims)}
    if beyond:  # TLC cannot run such a module: refuse it here, with the places
        print_diagnostics(list(beyond), loaded.sources, err)
        return ExitCode.USAGE
    budget = Budget(timeout_s=args.timeout, workers=args.workers, symmetry=not args.no_symmetry)
    codes: list[ExitCode] = []
    kept: tuple[dict[str, str], dict[str, Model]] = ({}, {})
    for v in variants:
        model = spec.model(v)
        for claim in claims:
            if args.keep and not _keep(model, claim, args, loaded, kept, err):
                return ExitCode.USAGE
            if args.distributed_workers is not None:
                codes.append(_distributed(setup, model, claim, args, out))
            else:
                codes.append(_threads(model, claim, budget, args.full_jit, out))
    for worst in (ExitCode.VIOLATED, ExitCode.UNKNOWN):
        if worst in codes:
            return worst
    return ExitCode.OK
