"""`mbind-formal scenarios`: the table, failing runs, JSON, `with` parameters, exit codes."""

from __future__ import annotations

import io
import json
from pathlib import Path

from mbind_formal.cli import run_cli

SPEC = """
param pages = 2;
enum Owner { NONE, RECLAIM }
symmetric collection Page[pages] {
  var lru: bool;
  var owner: Owner = NONE;
}
var nr: 0..pages = 0;
const cap: 0..8 = pages;

actor reclaim {
  isolate:
    either {
      pick p in Page where p.lru;
      p.lru = false; p.owner = RECLAIM; nr += 1;
    } or {
      done;
    }
  putback:
    pick p in Page where p.owner == RECLAIM;
    p.lru = true; p.owner = NONE; nr -= 1;
    goto isolate;
}

variant "leak" {
  step reclaim.putback {
    pick p in Page where p.owner == RECLAIM;
    p.owner = NONE; nr -= 1;
    goto isolate;
  }
}

scenario balanced {
  run reclaim;
  expect nr == 0;
}
scenario back_on_lru {
  with pages = 1;
  assume Page[0].lru;
  run reclaim;
  expect cap == 1 && forall p in Page: p.lru;
}
"""


def cli(tmp_path: Path, *args: str, text: str = SPEC) -> tuple[int, str, str]:
    spec = tmp_path / "s.mbf"
    spec.write_text(text, encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    code = run_cli(["scenarios", str(spec), *args], out, err)
    return code, out.getvalue(), err.getvalue()


def test_table_has_scenarios_as_rows_and_variants_as_columns(tmp_path: Path) -> None:
    code, out, err = cli(tmp_path)
    assert code == 1, err
    lines = out.splitlines()
    assert lines[:4] == [
        "scenario \\ variant | base | leak",
        "--------------------------------",
        "balanced           | pass | pass",
        "back_on_lru        | pass | FAIL",
    ]
    # the failing run, one step per line, with what changed
    assert "back_on_lru on variant leak: FAIL: expect does not hold" in out
    assert "reclaim  isolate -> putback" in out


def test_narrowed_to_passing_cells_exits_zero(tmp_path: Path) -> None:
    code, out, _ = cli(tmp_path, "--variant", "base")
    assert code == 0
    assert out.splitlines() == [
        "scenario \\ variant | base",
        "-------------------------",
        "balanced           | pass",
        "back_on_lru        | pass",
    ]
    code, out, _ = cli(tmp_path, "--scenario", "balanced")
    assert code == 0 and "back_on_lru" not in out


def test_json_output(tmp_path: Path) -> None:
    code, out, _ = cli(tmp_path, "--json", "-")
    assert code == 1
    doc = json.loads(out)
    assert (doc["schema"], doc["document"], doc["passed"]) == (2, "scenarios", False)
    cells = {(r["scenario"], r["variant"]): r for r in doc["scenarios"]}
    assert cells[("balanced", "leak")]["passed"] is True
    failed = cells[("back_on_lru", "leak")]
    assert failed["verdict"] == "fail" and failed["trace"]["kind"] == "run"
    assert len(failed["trace"]["steps"]) == failed["trace_length"] == 3


def test_json_file_and_matrix_rows_are_the_same(tmp_path: Path) -> None:
    """`--json FILE` writes the document and still prints the table; the matrix's
    scenario rows are the same rows (one schema family)."""
    target = tmp_path / "s.json"
    text = SPEC + "claim bounded { always nr <= pages; reachable nr == 1; }\n"
    code, out, _ = cli(tmp_path, "--json", str(target), text=text)
    assert code == 1 and out.startswith("scenario \\ variant")
    rows = json.loads(target.read_text())["scenarios"]
    spec = tmp_path / "s.mbf"
    matrix = tmp_path / "m.json"
    args = ["matrix", str(spec), "--engine", "explicit", "--no-save", "--json", str(matrix)]
    run_cli(args, io.StringIO(), io.StringIO())
    assert json.loads(matrix.read_text())["scenarios"] == rows


def test_bad_input_exits_two(tmp_path: Path) -> None:
    code, _, err = cli(tmp_path, "--variant", "nope")
    assert code == 2 and "unknown variant 'nope'" in err
    code, _, err = cli(tmp_path, "--scenario", "balance")
    assert code == 2 and "did you mean 'balanced'?" in err
    code, _, err = cli(tmp_path, text="actor a { s: x = 1; }")
    assert code == 2 and "error[" in err


def test_a_spec_without_scenarios(tmp_path: Path) -> None:
    code, out, _ = cli(tmp_path, text="var x: 0..1 = 0;\nactor a { s: x = 1; }\n")
    assert code == 0 and out.strip() == "no scenarios in this spec"
