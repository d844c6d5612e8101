"""`--no-por` and what a run says about partial-order reduction (text and JSON)."""

from __future__ import annotations

import io
import json
from pathlib import Path

from mbind_formal.cli import run_cli

RWLOCK = str(Path(__file__).resolve().parents[2] / "spec" / "examples" / "rwlock.mbf")


def _cli(*argv: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run_cli([*argv, "--no-save"], out, err)
    return code, out.getvalue()


def test_prove_says_what_the_reduction_saved_and_no_por_turns_it_off() -> None:
    args = ("prove", RWLOCK, "--engine", "explicit", "--claim", "exclusive")
    code, on = _cli(*args)
    code_off, off = _cli(*args, "--no-por")
    assert code == code_off == 1
    assert "base / exclusive: holds (exhaustive) [explicit]" in on.splitlines()
    assert "scan_readers / exclusive: violated (8 steps) [explicit]" in on.splitlines()
    assert "scan_readers / exclusive: violated (8 steps) [explicit]" in off.splitlines()
    assert "  partial-order reduction: " in on and "states not visited" in on
    assert "partial-order reduction" not in off
    assert "looked for a shortest trace" in on  # the violated cell was searched again


def test_json_cells_carry_the_figures() -> None:
    args = ("matrix", RWLOCK, "--engine", "explicit", "--no-scenarios", "--json", "-")
    _, on = _cli(*args)
    _, off = _cli(*args, "--no-por")
    cells_on = json.loads(on)["cells"]
    cells_off = json.loads(off)["cells"]
    assert [c["verdict"] for c in cells_on] == [c["verdict"] for c in cells_off]
    assert [c["trace_length"] for c in cells_on] == [c["trace_length"] for c in cells_off]
    assert all(c["por"] is None for c in cells_off)
    held = [c for c in cells_on if c["verdict"] == "holds"]
    assert held and all(c["por"]["states_saved_at_least"] > 0 for c in held)
    for a, b in zip(cells_on, cells_off, strict=True):
        if a["verdict"] == "holds":
            assert a["states"] < b["states"]


def test_matrix_prints_the_totals() -> None:
    code, out = _cli("matrix", RWLOCK, "--engine", "explicit", "--no-scenarios")
    assert code == 1
    assert "partial-order reduction: 4 of 4 explicit searches reduced" in out
    code, out = _cli("matrix", RWLOCK, "--engine", "explicit", "--no-scenarios", "--no-por")
    assert "partial-order reduction" not in out
