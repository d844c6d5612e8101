"""Print the README's error-code and exit-code tables, generated from the code itself.

Stage: documentation tooling (tests only). Input: `mbind_formal.diagnostics.CODES` and
`mbind_formal.cli.common.ExitCode` / `EXIT_CODES_HELP`. Output: Markdown tables on
stdout; `test_codes_table.py` checks that docs/robustness.md (and the README, once it
carries the tables) holds exactly this text, so a new code cannot go undocumented.

    .venv/bin/python tests/robustness/gen_codes_table.py            # both tables
    .venv/bin/python tests/robustness/gen_codes_table.py --errors   # error codes only
    .venv/bin/python tests/robustness/gen_codes_table.py --commands # exit codes per command
"""

from __future__ import annotations

import argparse
import re
import sys

from mbind_formal.cli.common import EXIT_CODES_HELP, ExitCode
from mbind_formal.diagnostics import CODES

# The ranges the registry's header comment assigns, as section names for the table.
GROUPS = (
    ("MBF0", "files and input"),
    ("MBF1", "syntax"),
    ("MBF2", "names"),
    ("MBF3", "types"),
    ("MBF4", "structure"),
    ("MBF5", "command line"),
    ("MBF6", "engines and external tools"),
    ("MBF9", "internal"),
)


def _cell(text: str) -> str:
    """Markdown-safe table cell: a `|` inside a cell would split it."""
    return text.replace("|", "\\|")


def group_of(code: str) -> str:
    for prefix, name in GROUPS:
        if code.startswith(prefix):
            return name
    raise ValueError(f"{code} lies outside every documented range")


def error_codes_table() -> str:
    """`| code | group | meaning |`, one row per registered code, in code order."""
    rows = ["| code | group | meaning |", "|---|---|---|"]
    for code in sorted(CODES):
        rows.append(f"| `{code}` | {group_of(code)} | {_cell(CODES[code])} |")
    return "\n".join(rows) + "\n"


def exit_codes_table() -> str:
    """`| code | meaning |` in the words of `--help` (the README's existing table)."""
    helped = dict(re.findall(r"^\s+(\d)\s+(.+)$", EXIT_CODES_HELP, re.M))
    rows = ["| code | meaning |", "|---|---|"]
    for code in ExitCode:
        rows.append(f"| `{int(code)}` | {_cell(helped[str(int(code))])} |")
    return "\n".join(rows) + "\n"


def command_exits_table() -> str:
    """`| command | 0 | 1 | 3 | 4 |`: what each subcommand's own codes mean (its
    `EXITS`); 2 and 5 mean the same for every command."""
    from mbind_formal.cli import _commands

    codes = (ExitCode.OK, ExitCode.VIOLATED, ExitCode.UNKNOWN, ExitCode.DISAGREE)
    rows = [
        "| command | " + " | ".join(f"`{int(c)}`" for c in codes) + " |",
        "|---" * (len(codes) + 1) + "|",
    ]
    for mod in _commands():
        meaning = dict(mod.EXITS)
        cells = [_cell(meaning[c]) if c in meaning else "-" for c in codes]
        rows.append(f"| `{mod.NAME}` | " + " | ".join(cells) + " |")
    return "\n".join(rows) + "\n"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    which = p.add_mutually_exclusive_group()
    which.add_argument("--errors", action="store_true", help="only the error-code table")
    which.add_argument("--exits", action="store_true", help="only the exit-code table")
    which.add_argument(
        "--commands", action="store_true", help="only the per-command exit-code table"
    )
    args = p.parse_args(argv)
    if args.commands:
        sys.stdout.write(command_exits_table())
        return 0
    parts = []
    if not args.errors:
        parts.append(exit_codes_table())
    if not args.exits:
        parts.append(error_codes_table())
    sys.stdout.write("\n".join(parts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
