"""Diagnostics in time linear in the input (issue 19, "quadratic diagnostics").

Before: every rendered diagnostic split its whole file into lines again, so a 1 MiB
spec (the documented limit) of duplicate declarations took 647 s in `check` before
exit 2. After: each file's lines are split once however many diagnostics point into
it. The budget is counted, not timed: a source text that counts its own
`splitlines()` calls, at the 1 MiB limit with tens of thousands of errors.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from robust_support import Run, assert_fails, errors, write

from mbind_formal.cli import run_cli
from mbind_formal.diagnostics import Diagnostic, Related, SourceLines, Span, render_all
from mbind_formal.lower.sources import MAX_BYTES

DECL = "var x: bool = false;\n"
LINES = MAX_BYTES // len(DECL)  # a file just under the limit


class CountingText(str):
    """A file's text that counts how often it is split into lines."""

    splits: int

    def splitlines(self, keepends: bool = False) -> list[str]:
        self.splits = getattr(self, "splits", 0) + 1
        return super().splitlines(keepends)


def test_many_diagnostics_split_a_1mib_file_once() -> None:
    text = CountingText(DECL * LINES)
    assert MAX_BYTES - len(DECL) < len(text) <= MAX_BYTES
    first = Span("big.mbf", 1, 1, 1, 21)
    diags = [
        Diagnostic(
            code="MBF202",
            message="global 'x' is declared twice",
            span=Span("big.mbf", n, 1, n, 21),
            related=(Related(span=first, message="first declared here"),),
        )
        for n in range(2, LINES + 1)
    ]
    shown = render_all(diags, {"big.mbf": text})
    assert text.splits == 1
    assert shown.count("error[MBF202]") == LINES - 1
    assert f"  {LINES} | var x: bool = false;" in shown


def test_lines_are_split_once_per_file() -> None:
    a, b = CountingText("one\ntwo\n"), CountingText("three\n")
    lines = SourceLines({"a": a, "b": b})
    assert lines.of("a") == ["one", "two"] and lines.of("a") is lines.of("a")
    assert lines.of("b") == ["three"] and lines.of("missing") is None
    assert (a.splits, b.splits) == (1, 1)


@pytest.mark.nightly
def test_check_of_a_1mib_spec_of_duplicates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """End to end at the limit: every duplicate reported, and the file split once while
    rendering them (before: once per diagnostic, 647 s)."""
    spec = write(tmp_path, "dups.mbf", DECL * LINES)
    splits: list[str] = []
    real = SourceLines.of

    def counting(self: SourceLines, file: str) -> list[str] | None:
        if file not in self._lines:
            splits.append(file)
        return real(self, file)

    monkeypatch.setattr(SourceLines, "of", counting)
    out, err = io.StringIO(), io.StringIO()
    code = run_cli(["check", str(spec)], out, err)
    run = Run(code, out.getvalue(), err.getvalue())
    assert_fails(run, 2, "MBF202", located=True)
    assert len(errors(run.text)) == LINES - 1
    assert splits == [str(spec)]
