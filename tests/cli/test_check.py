"""`mbind-formal check`: the summary of a valid spec, and exit 2 with diagnostics."""

from __future__ import annotations

import io
from pathlib import Path

from mbind_formal.cli import run_cli

MODELS = Path(__file__).resolve().parents[1] / "models"


def check(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run_cli(["check", *argv], out, err)
    return code, out.getvalue(), err.getvalue()


def test_summary_of_a_model_with_a_variant() -> None:
    code, out, err = check(str(MODELS / "mutex_buggy.mbf"))
    assert (code, err) == (0, "")
    assert out.splitlines()[1:] == [
        "params: (none)",
        "enums:",
        "  (none)",
        "collections:",
        "  (none)",
        "globals:",
        "  var lock: bool",
        "definitions: (none)",
        "actors:",
        "  proc [2 instances]: check, take, critical",
        "variants:",
        "  base",
        "  fixed extends base: replaces proc.check",
        "claims:",
        "  mutex: always, 1 witness",
        "scenarios:",
        "  (none)",
        "ok: 2 variants, 1 claim, 0 scenarios",
    ]


def test_parameters_change_sizes_and_ranges() -> None:
    code, out, _ = check(str(MODELS / "symmetric.mbf"), "--pages", "3")
    assert code == 0
    assert "params: pages=3" in out
    assert "  Page[3]  symmetric" in out.splitlines()
    assert "  var isolated: 0..3" in out.splitlines()
    code, out, _ = check(str(MODELS / "counter.mbf"), "--param", "max=2")
    assert code == 0 and "  var count: 0..2" in out.splitlines()


def test_unusable_symmetry_is_explained(tmp_path: Path) -> None:
    spec = tmp_path / "walk.mbf"
    spec.write_text(
        "symmetric collection Page[2] { var lru: bool = true; }\n"
        "actor a {\n  walk:\n    for p in Page { p.lru = false; }\n}\n",
        encoding="utf-8",
    )
    code, out, err = check(str(spec))
    assert code == 0
    assert (
        f"  Page[2]  declared symmetric, checked as ordered: ordered walk over Page "
        f"(for loop / next) at {spec}:4:5"
    ) in out.splitlines()
    assert "warning[MBF405]" in err
    assert "      var p: Page" in out.splitlines()


def test_a_bad_spec_exits_2_with_located_diagnostics(tmp_path: Path) -> None:
    spec = tmp_path / "bad.mbf"
    spec.write_text("var lock: bool = false;\nactor a { s: lokc = true; }\n", encoding="utf-8")
    code, out, err = check(str(spec))
    assert (code, out) == (2, "")
    assert err.splitlines()[0] == f"{spec}:2:14: error[MBF201]: unknown name 'lokc'"
    assert "hint: did you mean 'lock'?" in err


def test_unknown_parameter_exits_2() -> None:
    code, out, err = check(str(MODELS / "walk.mbf"), "--param", "pagse=2")
    assert (code, out) == (2, "")
    assert "error[MBF208]: unknown parameter 'pagse'" in err
    assert "did you mean 'pages'?" in err
