"""`mbind-formal replay`: check an ITF trace file against a spec, step by step.

Input: a spec and an ITF file (as `trace --format itf` and run records write, or
edited by hand); the variant, claim and parameters come from the file's `#meta` unless
`--variant` / `--claim` / `--param` say otherwise. Output: `ok` (every step legal, the
last state violating the claim), or the first illegal step. Exit codes: `EXITS`.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TextIO

from mbind_formal.cli.common import (
    ExitCode,
    Loaded,
    add_spec_args,
    load,
    pick_claims,
    pick_variants,
    print_diagnostics,
    usage_error,
)
from mbind_formal.diagnostics import DiagnosticError
from mbind_formal.ir.model import ParamValue, Spec, param_text
from mbind_formal.trace.itf import read_itf, read_meta
from mbind_formal.trace.model import TraceKind
from mbind_formal.trace.replay import replay

NAME = "replay"
HELP = "check that an ITF trace file is a legal run of the spec that violates its claim"
EXITS = (
    (ExitCode.OK, "the trace replays (every step legal, the end as its kind says)"),
    (
        ExitCode.VIOLATED,
        "a step is illegal (or its recorded choices do not lead to its state), or the last "
        "state is not what the trace says",
    ),
)

MAX_TRACE_BYTES = 64 * 1024 * 1024


def register(p: argparse.ArgumentParser) -> None:
    add_spec_args(p)
    p.add_argument("trace", metavar="TRACE", help="ITF trace file (.itf.json)")
    p.add_argument("--variant", metavar="V", help="variant to replay in (default: from the file)")
    p.add_argument("--claim", metavar="C", help="claim the trace violates (default: from the file)")


def _read(path: str, err: TextIO) -> str | None:
    """The trace file's text, read only if it is a regular file of bounded size (a
    device such as /dev/zero reports size 0 and never ends)."""
    p = Path(path)
    try:
        if p.is_dir():
            usage_error(err, f"trace file '{path}' is a directory")
            return None
        if p.exists() and not p.is_file():
            usage_error(err, f"trace file '{path}' is not a regular file")
            return None
        if p.exists() and p.stat().st_size > MAX_TRACE_BYTES:
            usage_error(err, f"trace file '{path}' is larger than {MAX_TRACE_BYTES >> 20} MB")
            return None
        with p.open("rb") as f:
            data = f.read(MAX_TRACE_BYTES + 1)
    except OSError as e:
        usage_error(err, f"cannot read trace file '{path}': {e.strerror or e}")
        return None
    if len(data) > MAX_TRACE_BYTES:
        usage_error(err, f"trace file '{path}' is larger than {MAX_TRACE_BYTES >> 20} MB")
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        print(f"{path}: error[MBF008]: the trace file is not UTF-8 text", file=err)
        return None


def _with_params(
    args: argparse.Namespace, spec: Spec, params: tuple[tuple[str, ParamValue], ...], err: TextIO
) -> Loaded | None:
    """The spec loaded again with the parameters a trace file names (those the spec
    still declares)."""
    declared = dict(spec.params)
    wanted = [f"{k}={param_text(v)}" for k, v in params if k in declared]
    return load(argparse.Namespace(**{**vars(args), "param": wanted}), err)


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    text = _read(args.trace, err)
    if text is None:
        return ExitCode.USAGE
    loaded = load(args, err)
    if loaded is None:
        return ExitCode.USAGE
    spec = loaded.spec
    try:
        meta = read_meta(text, args.trace)
    except DiagnosticError as e:
        print_diagnostics(e.diagnostics, {}, err)
        return ExitCode.USAGE
    if meta.params and dict(meta.params) != dict(spec.params):
        shown = " ".join(f"--param {k}={param_text(v)}" for k, v in meta.params)
        if args.param or args.pages is not None:
            print(
                f"note: {args.trace} was written with other spec parameters; to replay it "
                f"as written, pass {shown}",
                file=err,
            )
        else:
            # Replayed as written: a run record or `trace --format itf` file names the
            # parameters it was made with, so it replays without flags.
            loaded = _with_params(args, spec, meta.params, err)
            if loaded is None:
                return ExitCode.USAGE
            spec = loaded.spec
            print(f"note: replaying with the trace's parameters ({shown})", file=err)
    variant = args.variant or meta.variant
    if variant is None and len(spec.variants) == 1:
        variant = spec.variants[0]
    if variant is None:
        return usage_error(
            err,
            f"{args.trace} does not name its variant",
            f"pass --variant: {', '.join(spec.variants)}",
        )
    variants = pick_variants(spec, [variant], err)
    claim_name = args.claim or meta.claim
    claims = pick_claims(spec, [claim_name], err) if claim_name else []
    if variants is None or claims is None:
        return ExitCode.USAGE
    model = spec.model(variant)
    claim = claims[0] if claims else None
    try:
        trace = read_itf(model, text, args.trace)
    except DiagnosticError as e:
        print_diagnostics(e.diagnostics, {}, err)
        return ExitCode.USAGE
    result = replay(model, trace, claim)
    if not result.ok:
        print(f"{args.trace}: illegal in variant {variant}: {result.message}", file=out)
        return ExitCode.VIOLATED
    n = len(trace)
    what = f"{n} step{'s' if n != 1 else ''} replay in variant {variant}"
    # Issue 18.3: what the trace shows comes from its states, not from its recorded kind
    # (a lasso's cycle is what the liveness replay checked).
    ending = f"; {result.shows}" if result.shows else ""
    if trace.kind is TraceKind.LASSO and claim is not None:
        ending = (
            f"; a fair lasso (cycle from state {trace.loop}, {trace.cycle} steps) "
            f"violating claim {claim.name}"
        )
    print(f"{args.trace}: ok: {what}{ending}", file=out)
    return ExitCode.OK
