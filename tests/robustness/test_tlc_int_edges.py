"""Integers at the 32-bit edges and TLC (issue 19).

Before: a range containing -2**31 was emitted as `-2147483648`, which TLC reads as
`-(2147483648)` and stops on ("TLC can't handle a number this big"), and a literal
above 2**31 - 1 did the same; either way the TLC cell was an unexplained `unknown`.
After: -2**31 is emitted as `(-2147483647 - 1)`, so TLC checks such ranges (and agrees
with the explicit engine, traces included), and a literal TLC cannot represent is
refused before the run with its place: MBF604 from `tla` and `tlc`, a located reason
in the cell of `prove --engine tlc`.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from robust_support import assert_fails, assert_no_traceback, cli, write

from mbind_formal.tla.symbols import int_text

USAGE = 2

LOWEST = """\
var x: -2147483648..-2147483640 = -2147483648;
actor a { s: x = x == -2147483640 ? -2147483648 : x + 1; goto s; }
claim holds { always x <= -2147483640; reachable x == -2147483647; }
claim broken { always x != -2147483645; reachable x == -2147483648; }
"""

HIGHEST = """\
var x: 2147483640..2147483647 = 2147483647;
actor a { s: x = x == 2147483647 ? 2147483640 : x + 1; goto s; }
claim holds { always x >= 2147483640; reachable x == 2147483641; }
"""

BIG_LITERAL = """\
var x: 0..3 = 0;
actor a { s: x = x == 3 ? 0 : x + 1; goto s; }
claim c { always x + 3000000000 > 2999999999; reachable x == 1; }
"""


def test_the_lowest_int_is_written_as_tlc_reads_it() -> None:
    assert int_text(-(1 << 31)) == "(-2147483647 - 1)"
    assert int_text(-(1 << 31) + 1) == "-2147483647"
    assert int_text((1 << 31) - 1) == "2147483647"


def test_emitted_module_never_spells_the_unreadable_literal(tmp_path: Path) -> None:
    spec = write(tmp_path, "low.mbf", LOWEST)
    run = cli("tla", spec, "-o", tmp_path / "out")
    assert run.code == 0, run.text
    text = next((tmp_path / "out").glob("*.tla")).read_text(encoding="utf-8")
    body = "\n".join(line.split("\\*")[0] for line in text.splitlines())  # not comments
    assert "2147483648" not in body
    assert "(-2147483647 - 1)" in body


@pytest.mark.tlc
@pytest.mark.parametrize("text", [LOWEST, HIGHEST], ids=["lowest", "highest"])
def test_tlc_checks_ranges_at_the_edges_and_agrees(tmp_path: Path, text: str) -> None:
    from mbind_formal.tlc.run import TlcSetup, find_tlc

    if not isinstance(find_tlc(), TlcSetup):
        pytest.skip("no java / TLC jar")
    spec = write(tmp_path, "edge.mbf", text)
    verdicts = {}
    for engine in ("explicit", "tlc"):
        run = cli("prove", spec, "--engine", engine, "--no-save")
        assert_no_traceback(run)
        verdicts[engine] = sorted(line.split(" [")[0] for line in run.out.splitlines()
                                  if line.startswith("base / "))  # fmt: skip
    assert verdicts["tlc"] == verdicts["explicit"]
    assert all("unknown" not in v for v in verdicts["tlc"]), verdicts


@pytest.mark.parametrize("command", ["tla", "tlc"])
def test_a_literal_beyond_tlc_is_refused_with_its_place(tmp_path: Path, command: str) -> None:
    spec = write(tmp_path, "big.mbf", BIG_LITERAL)
    extra = ("-o", str(tmp_path / "out")) if command == "tla" else ()
    run = cli(command, spec, *extra)
    if command == "tlc" and "MBF601" in run.text:
        pytest.skip("no java / TLC jar")
    first = assert_fails(run, USAGE, "MBF604", located=True)
    assert first.where == f"{spec}:3:22" and "3000000000" in first.message
    assert not (tmp_path / "out").exists(), "nothing is written"


def test_the_tlc_cell_says_why_it_was_not_run(tmp_path: Path) -> None:
    spec = write(tmp_path, "big.mbf", BIG_LITERAL)
    run = cli("prove", spec, "--engine", "tlc", "--no-save")
    if "java was not found" in run.out or ("jar" in run.out and "not found" in run.out):
        pytest.skip("no java / TLC jar")
    assert run.code == 3, run.text
    assert f"not run: {spec}:3:22: integer literal 3000000000" in run.out, run.out
    # the other engines compute with unbounded integers and decide it
    assert cli("prove", spec, "--engine", "explicit", "--no-save").code == 0
