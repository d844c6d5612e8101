"""`mbind-formal fmt`: rewrite spec files in the canonical layout, comments kept.

Input: spec files (each on its own: an included file is formatted as it stands).
Output: the files rewritten in place (atomically: a temporary file renamed over the
old one, only when the text changes), or with `--check` nothing written and the files
that would change named, or with `--diff` the changes as a unified diff. Comments are
kept (`dsl.format`, NOTE(fmt never loses text)): a result that would parse to another
spec or lose a comment is an internal error and nothing is written. Exit codes: `EXITS`.
"""

from __future__ import annotations

import argparse
import difflib
import os
import tempfile
from pathlib import Path
from typing import TextIO

from mbind_formal.cli.common import ExitCode, print_diagnostics
from mbind_formal.dsl.format import format_text
from mbind_formal.lower.sources import display_name, read

NAME = "fmt"
HELP = "rewrite spec files in the canonical layout, keeping every comment (--check for CI)"
EXITS = (
    (ExitCode.OK, "every file is formatted (rewritten if it was not)"),
    (ExitCode.VIOLATED, "--check / --diff: some file is not formatted"),
)


def register(p: argparse.ArgumentParser) -> None:
    p.add_argument("files", nargs="+", metavar="FILE", help="spec files (.mbf)")
    what = p.add_mutually_exclusive_group()
    what.add_argument(
        "--check", action="store_true", help="write nothing; name the files that would change"
    )
    what.add_argument("--diff", action="store_true", help="write nothing; print the changes")


def _write(path: Path, text: str) -> str | None:
    """Replace `path`'s content with `text` atomically (same directory, same mode);
    None, or why not."""
    try:
        mode = path.stat().st_mode & 0o7777
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
                f.write(text)
            os.chmod(tmp, mode)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as e:
        return e.strerror or str(e)
    return None


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    changed: list[str] = []
    bad = False
    for name in args.files:
        shown = display_name(name)
        text, problem = read(Path(name), shown, None)
        if text is None:
            assert problem is not None
            print_diagnostics([problem], {}, err)
            bad = True
            continue
        result = format_text(text, shown)
        if result.text is None:
            print_diagnostics(result.diagnostics, {shown: text}, err)
            bad = True
            continue
        if result.text == text:
            continue
        changed.append(shown)
        if args.check:
            print(f"would reformat {shown}", file=out)
        elif args.diff:
            out.writelines(
                difflib.unified_diff(
                    text.splitlines(keepends=True),
                    result.text.splitlines(keepends=True),
                    fromfile=shown,
                    tofile=f"{shown} (formatted)",
                )
            )
        else:
            why = _write(Path(name), result.text)
            if why is not None:
                print(f"mbind-formal: error[MBF503]: cannot write '{shown}': {why}", file=err)
                bad = True
                continue
            print(f"formatted {shown}", file=out)
    if bad:
        return ExitCode.USAGE
    if changed and (args.check or args.diff):
        n = len(changed)
        print(f"{n} file{'s' if n != 1 else ''} would be reformatted", file=err)
        return ExitCode.VIOLATED
    return ExitCode.OK
