"""Regenerate docs/report.png, the README's picture of the HTML report (`make report-png`).

Writes the report of a few cells of the bundled model (the ones the README discusses)
to a temporary directory and screenshots it in headless Chromium at the width the
report is designed for (1400 px), down to the first counterexample's diagram.
"""

from __future__ import annotations

import io
import os
import sys
import tempfile
from pathlib import Path

from browser import chromium, run_chromium

from mbind_formal.cli import run_cli

ROOT = Path(__file__).resolve().parents[2]
TARGET = ROOT / "docs" / "report.png"
CELLS = (
    *("--variant", "4.19", "--variant", "5.3", "--variant", "mainline"),
    *("--claim", "no_false_eio", "--claim", "no_leak", "--claim", "best_effort_transient"),
)
SIZE = "--window-size=1400,1900"


def main() -> int:
    binary = chromium()
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "report.html"
        out, err = io.StringIO(), io.StringIO()
        os.chdir(ROOT)  # the page names the spec as the README does: spec/mbind.mbf
        code = run_cli(["report", "spec/mbind.mbf", *CELLS, "-o", str(page)], out, err)
        if code not in (0, 1):
            print(err.getvalue(), file=sys.stderr)
            return code
        shot = run_chromium(
            binary, f"--screenshot={TARGET}", SIZE, "--hide-scrollbars", page.as_uri()
        )
        if shot.returncode != 0:
            print(shot.stderr[-2000:], file=sys.stderr)
            return 1
    print(f"wrote {TARGET.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
