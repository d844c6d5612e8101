"""The verdict matrix as text, and the exit code of a set of cells."""

from __future__ import annotations

from mbind_formal.cli.cells import exit_code
from mbind_formal.cli.common import ExitCode
from mbind_formal.cli.render import matrix_text, proof_method, short
from mbind_formal.engines.base import Result, Verdict
from mbind_formal.trace.model import Trace, TraceStep
from mbind_formal.verdicts import Cell


def cell(variant: str, claim: str, verdict: Verdict, method: str = "", steps: int = 0) -> Cell:
    trace = Trace(variant, (), tuple(TraceStep("a", 0, "s", ()) for _ in range(steps)))
    r = Result(
        verdict=verdict,
        engine="e",
        method=method,
        variant=variant,
        claim=claim,
        trace=trace if verdict is Verdict.VIOLATED else None,
    )
    return Cell(variant=variant, claim=claim, verdict=verdict, result=r, results=(r,))


def test_cells_say_how_in_a_few_characters() -> None:
    assert short(cell("v", "c", Verdict.HOLDS, "explicit (exhaustive)")) == "✓exh"
    assert short(cell("v", "c", Verdict.HOLDS, "auto: k-induction k=3")) == "✓k=3"
    assert short(cell("v", "c", Verdict.HOLDS, "auto: pdr")) == "✓pdr"
    assert short(cell("v", "c", Verdict.VIOLATED, steps=7)) == "✗7"
    assert short(cell("v", "c", Verdict.UNKNOWN)) == "?"
    assert proof_method("bmc") == "bmc"


def test_matrix_has_claims_as_rows_and_variants_as_columns() -> None:
    cells = [
        cell("5.3", "no_leak", Verdict.VIOLATED, steps=7),
        cell("5.3", "no_false_eio", Verdict.HOLDS, "exhaustive"),
        cell("mainline", "no_leak", Verdict.HOLDS, "pdr"),
        cell("mainline", "no_false_eio", Verdict.VIOLATED, steps=12),
    ]
    assert matrix_text(cells).splitlines() == [
        "claim \\ variant | 5.3  | mainline",
        "---------------------------------",
        "no_leak         | ✗7   | ✓pdr",
        "no_false_eio    | ✓exh | ✗12",
    ]


def test_exit_code_ranks_disagreement_then_violation_then_unknown() -> None:
    ok = cell("v", "a", Verdict.HOLDS, "exhaustive")
    bad = cell("v", "b", Verdict.VIOLATED, steps=1)
    unk = cell("v", "c", Verdict.UNKNOWN)
    assert exit_code([ok]) == ExitCode.OK
    assert exit_code([ok, unk]) == ExitCode.UNKNOWN
    assert exit_code([ok, unk, bad]) == ExitCode.VIOLATED
    split = Cell("v", "d", Verdict.HOLDS, ok.result, ok.results, disagreement="x vs y")
    assert exit_code([bad, split]) == ExitCode.DISAGREE


def test_matrix_command_runs_scenarios_and_writes_them_to_json(tmp_path: object) -> None:
    import io
    import json
    from pathlib import Path

    from mbind_formal.cli import run_cli

    target = Path(str(tmp_path)) / "m.json"
    out, err = io.StringIO(), io.StringIO()
    spec = str(Path(__file__).resolve().parents[2] / "spec" / "examples" / "rwlock.mbf")
    code = run_cli(
        ["matrix", spec, "--engine", "explicit", "--no-save", "--json", str(target)], out, err
    )
    assert code == ExitCode.VIOLATED, err.getvalue()  # the scan_readers variant is buggy
    assert "lone_writer        | pass | pass" in out.getvalue()
    doc = json.loads(target.read_text())
    assert (doc["schema"], doc["document"]) == (2, "matrix")
    assert [(s["scenario"], s["variant"], s["passed"]) for s in doc["scenarios"]] == [
        ("lone_writer", "base", True),
        ("lone_writer", "scan_readers", True),
    ]
    assert {(c["variant"], c["claim"]): c["verdict"] for c in doc["cells"]} == {
        ("base", "exclusive"): "holds",
        ("base", "readers_see_versions"): "holds",
        ("scan_readers", "exclusive"): "violated",
        ("scan_readers", "readers_see_versions"): "holds",
    }
