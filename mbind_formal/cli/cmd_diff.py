"""`mbind-formal diff`: which claims change verdict between two variants, and why.

Input: a spec, `--from V1 --to V2`, optional claims, an engine and a budget. Output:
per claim whose verdict differs, both verdicts and the shortest run that tells the
variants apart (legal in both, violating the claim in one: `trace.diff`), or the reason
there is none. Exit 0 when no verdict differs, 1 when some does, 3 when nothing differs
but some verdict is unknown, 2 for bad input.
"""

from __future__ import annotations

import argparse
from typing import TextIO

from mbind_formal.cli.cells import run_cells_cli
from mbind_formal.cli.cmd_trace import add_engine_arg, shown_trace
from mbind_formal.cli.common import (
    ExitCode,
    Loaded,
    add_budget_args,
    add_spec_args,
    checked_budget,
    load,
    pick_some_claims,
    pick_variants,
    usage_error,
)
from mbind_formal.engines.base import Verdict
from mbind_formal.ir.model import Claim
from mbind_formal.trace.diff import (
    DEFAULT_MAX_PAIRS,
    distinguish,
    final_differences,
    schedule_lines,
)
from mbind_formal.trace.text import write_text
from mbind_formal.verdicts import Cell, how

NAME = "diff"
HELP = "list the claims whose verdict differs between two variants, with a run telling them apart"
EXITS = (
    (ExitCode.OK, "no verdict differs"),
    (ExitCode.VIOLATED, "some verdict differs"),
    (ExitCode.UNKNOWN, "no verdict differs, but some is unknown"),
)


def register(p: argparse.ArgumentParser) -> None:
    add_spec_args(p)
    p.add_argument("--from", dest="from_variant", required=True, metavar="V1", help="old variant")
    p.add_argument("--to", dest="to_variant", required=True, metavar="V2", help="new variant")
    p.add_argument("--claim", action="append", metavar="C", help="claim(s) to compare")
    add_engine_arg(p)
    p.add_argument(
        "--layout", choices=("rows", "lanes"), default="rows", help="trace layout (default rows)"
    )
    p.add_argument(
        "--max-pairs",
        type=int,
        default=DEFAULT_MAX_PAIRS,
        metavar="N",
        help=f"state pairs the common-run search may visit (default {DEFAULT_MAX_PAIRS})",
    )
    add_budget_args(p)


def _explain(
    args: argparse.Namespace, loaded: Loaded, claim: Claim, a: Cell, b: Cell, out: TextIO
) -> None:
    """Print the run telling the two cells apart, or why there is none."""
    spec = loaded.spec
    viol, other = (a, b) if a.verdict is Verdict.VIOLATED else (b, a)
    if viol.verdict is not Verdict.VIOLATED:
        print(
            "  no run tells them apart: neither variant violates the claim "
            f"({a.variant}: {how(a.result)}; {b.variant}: {how(b.result)})",
            file=out,
        )
        return
    m_viol, m_other = spec.model(viol.variant), spec.model(other.variant)
    trace = viol.result.trace
    if trace is not None:
        trace = shown_trace(m_viol, claim, trace, raw=False)
    found = distinguish(m_viol, m_other, claim, trace, args.max_pairs)
    if not found.common or found.trace is None or found.other_trace is None:
        print(f"  {found.note}", file=out)
        if trace is not None:
            print(f"  the counterexample in {viol.variant} alone:", file=out)
            write_text(m_viol, trace, out, args.layout)
        return
    n = len(found.trace)
    steps = f"{n} step{'s' if n != 1 else ''}"
    match found.how:
        case "counterexample":
            intro = f"the counterexample ({steps}) is legal in both variants"
        case "adapted":
            intro = (
                f"the counterexample ({steps}); {other.variant} runs the same interleaving\n"
                f"  with the same choices ({found.note})"
            )
        case _:
            intro = f"a shortest run legal in both variants ({steps}, found by a search)"
    print(f"  {intro}; it violates the claim in {viol.variant} only:", file=out)
    if found.note and found.how == "search":
        print(f"  note: {found.note}", file=out)
    write_text(m_viol, found.trace, out, args.layout)
    if found.how == "adapted":
        print(f"  the run in {other.variant} (+ marks its extra steps):", file=out)
        for line in schedule_lines(m_other, found.other_trace, found.extra):
            print(f"    {line}", file=out)
    diffs = final_differences(m_viol, m_other, found.trace, found.other_trace)
    print(
        f"  in {other.variant} the run ends where the claim holds; "
        f"shared slots that differ at the end:",
        file=out,
    )
    for line in diffs or ["(none: the claim reads state only one variant has)"]:
        print(f"    {line}", file=out)


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    budget = checked_budget(args, err)
    if budget is None:
        return ExitCode.USAGE
    if args.max_pairs < 1:
        return usage_error(err, "--max-pairs must be at least 1")
    loaded = load(args, err)
    if loaded is None:
        return ExitCode.USAGE
    spec = loaded.spec
    variants = pick_variants(spec, [args.from_variant, args.to_variant], err)
    claims = pick_some_claims(spec, args.claim, args.spec, err)
    if variants is None or claims is None:
        return ExitCode.USAGE
    v1, v2 = variants
    if v1 == v2:
        return usage_error(err, f"--from and --to name the same variant '{v1}'")
    names = [c.name for c in claims]
    cells, interrupted = run_cells_cli(
        loaded, [v1, v2], names, [args.engine], budget, None, err, lambda _: None
    )
    if interrupted:
        print(f"{interrupted}; no difference is reported", file=err)
        return ExitCode.UNKNOWN
    by_key = {(c.variant, c.claim): c for c in cells}
    differ = [c for c in claims if by_key[(v1, c.name)].verdict != by_key[(v2, c.name)].verdict]
    print(
        f"{args.spec}: {v1} -> {v2} (engine {args.engine}): "
        f"{len(differ)} of {len(claims)} claim verdicts differ",
        file=out,
    )
    for claim in differ:
        a, b = by_key[(v1, claim.name)], by_key[(v2, claim.name)]
        print(f"\n{claim.name}: {v1} {how(a.result)} -> {v2} {how(b.result)}", file=out)
        _explain(args, loaded, claim, a, b, out)
    for c in cells:
        for f in c.failures:
            print(f"engine {f.engine} failed on {c.variant}/{c.claim}: {f.message}", file=err)
    if differ:
        return ExitCode.VIOLATED
    if any(c.verdict is Verdict.UNKNOWN for c in cells):
        return ExitCode.UNKNOWN
    return ExitCode.OK
