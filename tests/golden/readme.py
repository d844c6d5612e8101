"""Regenerate the README's tool-output blocks (`python -m tests.golden.readme`).

A block is a fenced code block right after a marker comment naming the command:

    <!-- mbf: trace spec/mbind.mbf --variant mainline --claim no_false_eio -->

Its content is exactly what `mbind-formal <args>` prints, so the README shows real
output; `tests/test_readme.py` keeps the cheap blocks current on every test run.
"""

from __future__ import annotations

import io
import re
import shlex
import sys
from pathlib import Path

from mbind_formal.cli import run_cli

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
BLOCK = re.compile(r"(<!-- mbf: (?P<args>[^>]*?) -->\n```[a-z]*\n)(?P<body>.*?)(\n```)", re.S)


def blocks(text: str) -> list[tuple[list[str], str]]:
    """(command arguments, current content) of every marked block, in order."""
    return [(shlex.split(m["args"]), m["body"]) for m in BLOCK.finditer(text)]


def output(args: list[str]) -> str:
    """What `mbind-formal ARGS` prints to stdout (run from the repository root)."""
    out, err = io.StringIO(), io.StringIO()
    argv = [*args, "--no-save"] if args[0] == "matrix" else args
    cwd = Path.cwd()
    try:
        import os

        os.chdir(ROOT)
        run_cli(argv, out, err)
    finally:
        os.chdir(cwd)
    return out.getvalue().rstrip("\n")


def update(text: str, only: str | None = None) -> str:
    def fill(m: re.Match[str]) -> str:
        args = shlex.split(m["args"])
        if only is not None and args[0] != only:
            return m.group(0)
        return m.group(1) + output(args) + m.group(4)

    return BLOCK.sub(fill, text)


def main() -> int:
    only = sys.argv[1] if len(sys.argv) > 1 else None
    README.write_text(update(README.read_text(encoding="utf-8"), only), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
