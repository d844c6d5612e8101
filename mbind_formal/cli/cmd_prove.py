"""`mbind-formal prove`: check claims of a spec, one line per (variant, claim)."""

from __future__ import annotations

import argparse
import shlex
from typing import TextIO

from mbind_formal.cli.cells import add_cell_args, finish, resolve, run_cells_cli
from mbind_formal.cli.common import ExitCode, spec_words
from mbind_formal.engines.base import Verdict
from mbind_formal.trace.model import TraceKind
from mbind_formal.verdicts import Cell, how, por_summary

NAME = "prove"
HELP = "prove or refute the claims of a spec (every variant and claim unless narrowed)"
EXITS = (
    (ExitCode.OK, "every claim holds, or holds up to the printed bound (bmc, kind)"),
    (ExitCode.VIOLATED, "some claim is violated"),
    (ExitCode.UNKNOWN, "some verdict is unknown or vacuous"),
    (ExitCode.DISAGREE, "engines disagree (--engine all, or auto's cross-check)"),
)


def register(p: argparse.ArgumentParser) -> None:
    add_cell_args(p, default_engine="auto")
    p.add_argument(
        "--show-invariant", action="store_true", help="print the invariant of a proof (pdr, param)"
    )


def describe(cell: Cell, show_invariant: bool, spec: str) -> list[str]:
    """The lines of one cell; `spec`: the spec words of the follow-up command."""
    r = cell.result
    lines = [f"{cell.variant} / {cell.claim}: {how(r)} [{r.engine}]"]
    if len(cell.results) + len(cell.failures) > 1:
        lines += [f"  {e.engine + ':':<9} {how(e)}" for e in cell.results]
        lines += [f"  {f.engine + ':':<9} error: {f.message}" for f in cell.failures]
    if cell.verdict is Verdict.VACUOUS and r.reason:
        lines.append(f"  {r.reason}")
    if r.states is not None:
        lines.append(f"  {r.states} distinct states")
    if r.stats.get("crosscheck"):
        lines.append(f"  cross-check: {r.stats['crosscheck']}")
    if r.stats.get("por") == "on":
        lines.append(f"  {por_summary(r)}")
    if r.deadlock is not None:
        lines.append(f"  note: a deadlock is reachable in {len(r.deadlock)} steps")
    # Coverage is only true of a search that saw every reachable state: a stopped or
    # violated search never reached the steps it lists.
    exhaustive = cell.verdict in (Verdict.HOLDS, Verdict.VACUOUS)
    if exhaustive and r.coverage is not None and r.coverage.never_fired:
        steps = ", ".join(f"{a}.{label}" for a, label in r.coverage.never_fired)
        lines.append(f"  note: steps that never fire: {steps}")
    if r.coverage is not None and r.coverage.blocked:
        refused = ", ".join(f"{a}.{label} ({n}x)" for a, label, n in r.coverage.blocked)
        lines.append(f"  note: stores out of their type's range disabled: {refused}")
    if show_invariant and r.invariant:
        lines.append("  invariant:")  # spec syntax (NOTE(printed invariants)), one conjunct a line
        lines += [f"    {line}" for line in r.invariant.splitlines()]
    elif show_invariant and r.stats.get("invariant"):
        lines.append(f"  invariant: {r.stats['invariant']}")
    if cell.verdict is Verdict.VIOLATED:
        if r.trace is not None and r.trace.kind is TraceKind.TYPE_VIOLATION and r.reason:
            lines.append(f"  {r.reason}")
        variant, claim = shlex.quote(cell.variant), shlex.quote(cell.claim)
        lines.append(f"  see: mbind-formal trace {spec} --variant {variant} --claim {claim}")
    return lines


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    resolved = resolve(args, err)
    if isinstance(resolved, int):
        return resolved
    loaded, variants, claims, engines, budget = resolved
    quiet = args.json == "-"

    def on_cell(cell: Cell) -> None:
        if not quiet:
            lines = describe(cell, args.show_invariant, spec_words(args))
            print("\n".join(lines), file=out, flush=True)

    cells, interrupted = run_cells_cli(
        loaded, variants, claims, engines, budget, args.total_timeout, err, on_cell
    )
    return finish(args, loaded, cells, interrupted, out, err)
