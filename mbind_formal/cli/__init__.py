"""CLI: parses arguments and dispatches to one `cmd_*.py` module per subcommand.

Each subcommand module defines `NAME`, `HELP`, `EXITS` (what its exit codes mean,
besides 2 and 5), `register(parser)` and `run(args, out, err) -> int`; `main()` only
parses and calls `sys.exit`, so tests run commands in-process with `run_cli([...])`.
"""

from __future__ import annotations

import argparse
import importlib
import io
import os
import pkgutil
import sys
import traceback
from types import ModuleType
from typing import NoReturn, TextIO, cast

from mbind_formal.children import signals_raise
from mbind_formal.cli.common import EXIT_CODES_HELP, ExitCode, exits_help, interrupted_by


def _commands() -> list[ModuleType]:
    import mbind_formal.cli as pkg

    names = sorted(m.name for m in pkgutil.iter_modules(pkg.__path__) if m.name.startswith("cmd_"))
    return [importlib.import_module(f"mbind_formal.cli.{n}") for n in names]


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors as exit code 2 without exiting the process."""

    def error(self, message: str) -> NoReturn:
        raise _UsageError(
            f"{self.prog}: error[MBF501]: {message}\n  hint: see '{self.prog} --help'"
        )


class _UsageError(Exception):
    pass


class _HelpShown(Exception):
    pass


def version() -> str:
    """The installed package's version (pyproject.toml), or `unknown` when run from a
    tree that was never installed."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    try:
        return installed("mbind-formal")
    except PackageNotFoundError:
        return "unknown"


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="mbind-formal",
        description="A formal model checker for Linux memory-management races.",
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    parser.add_argument("--version", action="version", version=f"mbind-formal {version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for mod in _commands():
        p = sub.add_parser(
            mod.NAME,
            help=mod.HELP,
            description=mod.HELP,
            epilog=exits_help(mod.EXITS),
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        # SUPPRESS: `mbind-formal --debug CMD` must not be reset by CMD's own default
        p.add_argument(
            "--debug",
            action="store_true",
            default=argparse.SUPPRESS,
            help="show tracebacks of internal errors",
        )
        mod.register(p)
        p.set_defaults(_run=mod.run)
    return parser


def run_cli(argv: list[str], out: TextIO, err: TextIO) -> int:
    """Run one command line in-process and return its exit code."""
    parser = build_parser()
    try:
        old_out, old_err = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = out, err  # argparse prints --help to sys.stdout
        try:
            args = parser.parse_args(argv)
        except SystemExit as e:  # --help / --version
            return int(e.code or 0)
        finally:
            sys.stdout, sys.stderr = old_out, old_err
    except _UsageError as e:
        print(str(e), file=err)
        return ExitCode.USAGE
    if not getattr(args, "_run", None):
        parser.print_help(out)
        return ExitCode.USAGE
    try:
        return int(args._run(args, out, err))
    except KeyboardInterrupt as e:
        print(f"{interrupted_by(e)}: stopped before any result", file=err)
        return ExitCode.UNKNOWN
    except Exception:
        print("internal error, please report: mbind-formal hit a bug.", file=err)
        if args.debug:
            traceback.print_exc(file=err)
        else:
            print("  hint: rerun with --debug to see the traceback", file=err)
        return ExitCode.INTERNAL


class _ReaderMayLeave(io.TextIOBase):
    """stdout and stderr for `main`: a reader that stops early (`| head`), or a terminal
    that closed (SIGHUP, then EIO), is not a failure, and the command still finishes and
    returns its own exit code."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self.left = False

    def write(self, text: str) -> int:
        if not self.left:
            try:
                self._stream.write(text)
            except OSError:  # EPIPE (a reader left), EIO (the terminal hung up)
                self.left = True
        return len(text)

    def flush(self) -> None:
        if not self.left:
            try:
                self._stream.flush()
            except OSError:
                self.left = True

    def isatty(self) -> bool:
        return self._stream.isatty()


def main(argv: list[str] | None = None) -> NoReturn:
    out = _ReaderMayLeave(sys.stdout)
    err = _ReaderMayLeave(sys.stderr)
    # SIGTERM and SIGHUP end the run the way Ctrl-C does (children ended, temporary
    # directories removed, partial results printed): NOTE(children)
    with signals_raise():
        code = run_cli(sys.argv[1:] if argv is None else argv, cast(TextIO, out), cast(TextIO, err))
        out.flush()
        err.flush()
    for stream, left in ((sys.stdout, out.left), (sys.stderr, err.left)):
        if left:  # keep the interpreter's final flush from failing on the closed pipe
            os.dup2(os.open(os.devnull, os.O_WRONLY), stream.fileno())
    sys.exit(code)
