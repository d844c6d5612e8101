"""CLI plumbing shared by the subcommands: exit codes, spec loading, common options.

Nothing here checks models; it turns arguments into calls and diagnostics into text.
"""

from __future__ import annotations

import argparse
import contextlib
import enum
import math
import os
import secrets
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TextIO

from mbind_formal.children import Interrupted
from mbind_formal.diagnostics import Diagnostic, did_you_mean, has_errors, render_all
from mbind_formal.engines.base import Budget
from mbind_formal.ir.model import Claim, ParamValue, Scenario, Spec


class ExitCode(enum.IntEnum):
    """The one exit-code contract of every command (README "Exit codes")."""

    OK = 0  # all claims hold (or hold up to the printed bound); nothing differs; it replays
    VIOLATED = 1  # something was found: a violation, a failing scenario, a difference
    USAGE = 2  # bad input: spec diagnostics, bad arguments, missing or malformed files
    UNKNOWN = 3  # inconclusive: unknown or vacuous verdicts, limits reached
    DISAGREE = 4  # `--engine all`: engines disagree on a cell
    INTERNAL = 5  # a bug in mbind-formal ("internal error, please report")


EXIT_CODES_HELP = """exit codes:
  0  success: every claim holds (or holds up to the printed bound), nothing differs
  1  found: a violation, a failing scenario, a difference, an illegal step
  2  bad input: spec errors, bad arguments, missing or malformed files
  3  inconclusive: unknown or vacuous verdicts, limits reached
  4  engines disagree (--engine all)
  5  internal error, please report"""

# What every command may answer besides its own codes (`EXITS` in each cmd_*.py).
COMMON_EXITS = (
    (ExitCode.USAGE, "bad input"),
    (ExitCode.INTERNAL, "internal error"),
)


def exits_help(exits: Sequence[tuple[ExitCode, str]]) -> str:
    """A subcommand's `--help` epilog: its own exit codes, then the common ones."""
    rows = sorted([*exits, *COMMON_EXITS])
    return "exit codes:\n" + "\n".join(f"  {int(code)}  {text}" for code, text in rows)


MAX_PARAM = 64  # as `lower.model.MAX_SIZE`: the range `param` declarations accept


@dataclass(frozen=True, slots=True)
class Loaded:
    spec: Spec
    sources: dict[str, str]
    files: tuple[Path, ...] = ()  # the real path of every spec file read


def add_spec_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("spec", metavar="SPEC", help="spec file (.mbf)")
    p.add_argument("--pages", type=int, metavar="N", help="set parameter 'pages' to N")
    p.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="set a spec parameter (repeatable)",
    )
    p.add_argument(
        "--allow-outside-includes",
        action="store_true",
        help="allow include paths outside the spec's directory tree",
    )


def spec_words(args: argparse.Namespace) -> str:
    """The spec and its parameters as typed on this command line, shell-quoted, for the
    follow-up commands a result suggests (`see: mbind-formal trace ...`)."""
    words = [args.spec]
    if args.pages is not None:
        words += ["--pages", str(args.pages)]
    for item in args.param:
        words += ["--param", item]
    if args.allow_outside_includes:
        words.append("--allow-outside-includes")
    return " ".join(shlex.quote(w) for w in words)


def add_budget_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--timeout", type=float, metavar="S", help="wall-time limit per cell (s)")
    p.add_argument("--query-timeout", type=float, metavar="S", help="per solver query (s)")
    p.add_argument(
        "--query-rlimit",
        type=int,
        metavar="N",
        help="z3 resource units per solver query (deterministic, unlike --query-timeout)",
    )
    p.add_argument("--max-states", type=int, metavar="N", help="explicit/TLC state limit")
    p.add_argument("--max-depth", type=int, metavar="K", help="BMC / k-induction bound")
    p.add_argument("--memory", type=int, metavar="MB", help="explicit engine memory guard")
    p.add_argument("--seed", type=int, default=0, help="solver seed (default 0)")
    p.add_argument("--no-symmetry", action="store_true", help="disable symmetry reduction")
    p.add_argument(
        "--no-por",
        action="store_true",
        help="explicit engine: disable partial-order reduction",
    )
    p.add_argument("--workers", type=int, default=1, metavar="N", help="TLC worker threads")
    p.add_argument(
        "--no-compile",
        action="store_true",
        help="explicit engine: run the reference closures, not the generated step code",
    )


def checked_budget(args: argparse.Namespace, err: TextIO) -> Budget | None:
    """The budget from the command line, or None after printing a usage error."""
    for flag in ("timeout", "query_timeout", "total_timeout"):
        value = getattr(args, flag, None)
        if value is not None and not (math.isfinite(value) and value > 0):
            usage_error(err, f"--{flag.replace('_', '-')} must be a positive number of seconds")
            return None
    for flag in ("max_states", "max_depth", "memory", "workers", "query_rlimit"):
        value = getattr(args, flag, None)
        if value is not None and value < 1:
            usage_error(err, f"--{flag.replace('_', '-')} must be at least 1")
            return None
    return _budget(args)


def _budget(args: argparse.Namespace) -> Budget:
    return Budget(
        timeout_s=args.timeout,
        query_timeout_s=args.query_timeout,
        query_rlimit=getattr(args, "query_rlimit", None),
        max_states=args.max_states,
        max_depth=args.max_depth,
        memory_mb=args.memory,
        seed=args.seed,
        symmetry=not args.no_symmetry,
        workers=args.workers,
        por=not getattr(args, "no_por", False),
        compiled=not getattr(args, "no_compile", False),
    )


def output_ok(
    loaded: Loaded, target: str | Path | None, err: TextIO, inputs: Sequence[Path] = ()
) -> bool:
    """False, after an MBF503 error, when writing `target` would overwrite an input of
    the run: the spec, a file it includes (by their real paths, so a symlink or another
    spelling of the name does not get through), or one of `inputs` (a trace being
    replayed). A run must never destroy its own model. Asked before a run starts, so a
    long run does not end in a refusal."""
    if target is None or target == "-":
        return True
    named = [(Path(f), str(f)) for f in loaded.files]
    named += [(Path(src), src) for src in loaded.sources]
    named += [(Path(f), str(f)) for f in inputs]
    for path, shown in named:
        if _same(target, path):
            spec = bool(loaded.spec.source) and _same(path, loaded.spec.source)
            what = "the spec file" if spec else "an input of this run"
            print(
                f"mbind-formal: error[MBF503]: refusing to write '{target}': it is {what} "
                f"({shown})",
                file=err,
            )
            print("  hint: name another output file", file=err)
            return False
    return True


def _same(a: str | Path, b: str | Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except (OSError, ValueError):
        return False


def atomic_write(path: Path, text: str) -> None:
    """Write `text` to `path` through a temporary file in the same directory and a
    rename, so that a reader (or a run interrupted half-way) never sees half a file.
    The file gets the mode a plain `open(path, "w")` would give it; OSError on failure,
    with the temporary file removed. A symlink is written through (its target is
    replaced), and a target that is not a regular file (/dev/stdout, a FIFO, /dev/full)
    is written in place: a rename would replace the device itself."""
    real = Path(os.path.realpath(path))
    if real.exists() and not real.is_file():
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return
    tmp = real.with_name(f".{real.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, real)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_files(directory: Path, files: Mapping[str, str], loaded: Loaded, err: TextIO) -> bool:
    """Write each `name -> text` into `directory` (made if missing), atomically, none of
    them over an input of the run; False after an MBF503 error."""
    targets = [directory / name for name in files]
    if not all(output_ok(loaded, t, err) for t in targets):
        return False
    try:
        directory.mkdir(parents=True, exist_ok=True)
        for target, text in zip(targets, files.values(), strict=True):
            atomic_write(target, text)
    except OSError as e:
        print(f"mbind-formal: error[MBF503]: cannot write {directory}: {e.strerror or e}", file=err)
        print("  hint: choose a writable directory", file=err)
        return False
    return True


def write_output(text: str, target: str | None, loaded: Loaded, out: TextIO, err: TextIO) -> bool:
    """Write `text` to `target` (to `out` when None or '-'); False after an MBF503 error
    (an input as the output, or the file system refuses)."""
    if target is None or target == "-":
        out.write(text)
        return True
    if not output_ok(loaded, target, err):
        return False
    try:
        atomic_write(Path(target), text)
    except OSError as e:
        print(f"mbind-formal: error[MBF503]: cannot write '{target}': {e.strerror or e}", file=err)
        return False
    return True


def interrupted_by(e: KeyboardInterrupt) -> str:
    """ "interrupted", naming the signal when it was not Ctrl-C."""
    return f"interrupted by {e.args[0]}" if isinstance(e, Interrupted) else "interrupted"


def interrupted_note(e: KeyboardInterrupt, decided: str) -> str:
    """What an interrupted command prints last: by what, and what it had decided."""
    return f"{interrupted_by(e)}: {decided}; the results above are partial"


def usage_error(err: TextIO, message: str, hint: str | None = None) -> int:
    print(f"mbind-formal: error[MBF501]: {message}", file=err)
    if hint:
        print(f"  hint: {hint}", file=err)
    return ExitCode.USAGE


def parse_params(args: argparse.Namespace, err: TextIO) -> dict[str, ParamValue] | None:
    """`--pages N` and `--param NAME=VALUE` as a dict, or None after printing an error.
    A value is an integer, `true`/`false`, or an enum value's name (the spec checks it)."""
    params: dict[str, ParamValue] = {}
    for item in args.param:
        name, sep, value = item.partition("=")
        if not sep or not name.isidentifier():
            usage_error(
                err, f"bad --param '{item}'", "write --param NAME=VALUE, e.g. --param pages=3"
            )
            return None
        if value in ("true", "false"):
            params[name] = value == "true"
            continue
        if value.isidentifier() and value.isascii():
            params[name] = value
            continue
        try:
            params[name] = int(value)
        except ValueError:
            usage_error(
                err,
                f"--param {name} needs an integer, true, false or an enum value, got '{value}'",
            )
            return None
    if args.pages is not None:
        params["pages"] = args.pages
    for name, value in params.items():
        if isinstance(value, int) and not isinstance(value, bool) and not 0 <= value <= MAX_PARAM:
            usage_error(
                err,
                f"parameter {name}={value} is out of range",
                f"parameters lie in 0..{MAX_PARAM} (collection sizes in 1..{MAX_PARAM})",
            )
            return None
    return params


def load(args: argparse.Namespace, err: TextIO) -> Loaded | None:
    """Load and check the spec named on the command line; print diagnostics on failure."""
    from mbind_formal.lower.spec import load_spec

    params = parse_params(args, err)
    if params is None:
        return None
    result = load_spec(args.spec, params, allow_outside=args.allow_outside_includes)
    print_diagnostics(result.diagnostics, result.sources, err)
    if result.spec is None or has_errors(result.diagnostics):
        return None
    spec = result.spec
    if getattr(args, "allow_deadlock", False):  # ir.model NOTE(deadlock): CLI over spec
        models = tuple(replace(m, allow_deadlock=True) for m in spec.models)
        spec = replace(spec, models=models)
    return Loaded(spec, dict(result.sources), result.files)


def spec_for_scenario(
    args: argparse.Namespace,
    loaded: Loaded,
    scenario: Scenario,
    cache: dict[tuple[tuple[str, ParamValue], ...], Spec],
    err: TextIO,
) -> Spec | None:
    """The spec loaded with a scenario's `with` parameters over the command line's ones."""
    if not scenario.params:
        return loaded.spec
    merged = {**dict(loaded.spec.params), **dict(scenario.params)}
    key = tuple(sorted(merged.items()))
    if key not in cache:
        from mbind_formal.lower.spec import load_spec

        result = load_spec(args.spec, merged, allow_outside=args.allow_outside_includes)
        if result.spec is None or has_errors(result.diagnostics):
            print_diagnostics(result.diagnostics, dict(result.sources), err)
            return None
        cache[key] = result.spec
    return cache[key]


def print_diagnostics(diags: Sequence[Diagnostic], sources: dict[str, str], err: TextIO) -> None:
    if diags:
        print(render_all(diags, sources), file=err)


def default_variants(spec: Spec) -> list[str]:
    """Every variant, except `base` when a declared variant is the base under another name
    (`variant "4.19" { }`): the matrix then shows that model once, by its better name."""
    base, *rest = spec.models
    for m in rest:
        if replace(m, variant=base.variant, extends=base.extends, span=base.span) == base:
            return [m.variant for m in rest]
    return list(spec.variants)


def pick_variants(spec: Spec, wanted: Sequence[str] | None, err: TextIO) -> list[str] | None:
    if not wanted:
        return default_variants(spec)
    out = []
    for v in wanted:
        if v not in spec.variants:
            print(f"mbind-formal: error[MBF502]: unknown variant '{v}'", file=err)
            print(
                f"  hint: {did_you_mean(v, spec.variants) or ''} known variants: "
                f"{', '.join(spec.variants)}".replace(":  ", ": "),
                file=err,
            )
            return None
        out.append(v)
    return out


def pick_some_claims(
    spec: Spec, wanted: Sequence[str] | None, where: str, err: TextIO
) -> list[Claim] | None:
    """`pick_claims` for commands that check something: a spec without claims is an
    error (MBF501) naming `where` (the spec path as given)."""
    claims = pick_claims(spec, wanted, err)
    if claims == []:
        usage_error(err, f"{where} declares no claims", "add a `claim name { ... }`")
        return None
    return claims


def pick_claims(spec: Spec, wanted: Sequence[str] | None, err: TextIO) -> list[Claim] | None:
    if not wanted:
        return list(spec.claims)
    names = [c.name for c in spec.claims]
    out = []
    for name in wanted:
        if name not in names:
            print(f"mbind-formal: error[MBF502]: unknown claim '{name}'", file=err)
            hint = did_you_mean(name, names)
            print(f"  hint: {hint + ' ' if hint else ''}known claims: {', '.join(names)}", file=err)
            return None
        out.append(spec.claim(name))
    return out
