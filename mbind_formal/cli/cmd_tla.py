"""`mbind-formal tla`: write the TLA+ module of each variant and a TLC config per claim.

Input: a spec (and optionally variants, claims, an output directory). Output: files
`<spec>_<variant>.tla` (one module per variant, every claim stated in it) and
`<spec>_<variant>_<claim>.cfg` (one per claim: claims differ in their `assume`, i.e.
in their initial states); with `--witnesses` also `..._<claim>_reachable<i>.cfg`,
whose invariant TLC violates exactly when witness i is reachable. `make tla` writes
the bundled spec's files into `generated/`, which is committed.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path, PurePosixPath
from typing import TextIO

from mbind_formal.cli.common import (
    ExitCode,
    add_spec_args,
    load,
    pick_claims,
    pick_variants,
    print_diagnostics,
    write_files,
)
from mbind_formal.diagnostics import Diagnostic, Related
from mbind_formal.ir.model import Model
from mbind_formal.tla.emit import EmittedModule, emit
from mbind_formal.tla.limits import tlc_int_errors

NAME = "tla"
HELP = "write the TLA+ module of each variant and a TLC configuration per claim"
EXITS = ((ExitCode.OK, "the files are written"),)


def register(p: argparse.ArgumentParser) -> None:
    add_spec_args(p)
    p.add_argument("--variant", action="append", metavar="V", help="variant(s) to write")
    p.add_argument("--claim", action="append", metavar="C", help="claim(s) to state")
    p.add_argument(
        "-o", "--output", default="generated", metavar="DIR", help="directory (default generated/)"
    )
    p.add_argument("--no-symmetry", action="store_true", help="leave SYMMETRY out of the .cfg")
    p.add_argument(
        "--witnesses", action="store_true", help="also write one .cfg per witness (reachability)"
    )


def shown_path(spec: str) -> str:
    """The spec path as headers show it: relative to the working directory when inside
    it, with `/` separators, so that generated files do not depend on the checkout."""
    path = Path(spec)
    try:
        rel = os.path.relpath(path.resolve(), Path.cwd().resolve())
    except ValueError:  # another drive (Windows)
        rel = str(path)
    if rel.startswith(".."):
        rel = path.name
    shown = str(PurePosixPath(*Path(rel).parts))
    # A Linux file name need not be UTF-8: show its stray bytes as \xNN, as diagnostics do.
    return shown.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def files_of(module: EmittedModule) -> dict[str, str]:
    """File name -> text, for one emitted module."""
    out = {f"{module.name}.tla": module.tla_text}
    out.update({f"{c.name}.cfg": c.text for c in module.cfgs})
    return out


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    loaded = load(args, err)
    if loaded is None:
        return ExitCode.USAGE
    spec = loaded.spec
    variants = pick_variants(spec, args.variant, err)
    claims = pick_claims(spec, args.claim, err)
    if variants is None or claims is None:
        return ExitCode.USAGE
    beyond = {d for v in variants for d in tlc_int_errors(spec.model(v), claims)}
    if beyond:  # TLC cannot run such a module: refuse it here, with the places
        print_diagnostics(list(beyond), loaded.sources, err)
        return ExitCode.USAGE
    files: dict[str, str] = {}
    owners: dict[str, Model] = {}
    for v in variants:
        module = emit(
            spec.model(v),
            claims,
            spec_path=shown_path(args.spec),
            symmetry=not args.no_symmetry,
            witnesses=args.witnesses,
        )
        clash = add_files(files, owners, module, spec.model(v))
        if clash is not None:
            print_diagnostics([clash], loaded.sources, err)
            return ExitCode.USAGE
    if not write_files(Path(args.output), files, loaded, err):
        return ExitCode.USAGE
    for name in files:
        print(Path(args.output) / name, file=out)
    return ExitCode.OK


def add_files(
    files: dict[str, str], owners: dict[str, Model], module: EmittedModule, model: Model
) -> Diagnostic | None:
    """Add `module`'s files to `files` (name -> text), or MBF504 when one of its names is
    already another variant's: variant names become TLA+ module names with every other
    character than letters, digits and `_` replaced, so "4.19" and "4_19" would write the
    same file (and the second overwrite the first)."""
    new = files_of(module)
    for name in new:
        other = owners.get(name)
        if other is not None and other.variant != model.variant:
            return Diagnostic(
                code="MBF504",
                message=f"variants '{other.variant}' and '{model.variant}' both become "
                f"TLA+ file {name}",
                span=model.span,
                related=(Related(span=other.span, message=f"variant '{other.variant}'"),),
                hint="rename one of them: module names keep only letters, digits and '_'",
            )
    for name in new:
        owners[name] = model
    files.update(new)
    return None
