"""The `tla` and `tlc` subcommands, run in-process."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from tla_helpers import GOLDEN, GOLDEN_SPEC, REPO, need_tlc, relative

from mbind_formal.cli import run_cli


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run_cli(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def test_tla_writes_what_the_goldens_hold(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    code, out, err = cli("tla", relative(GOLDEN_SPEC), "--witnesses", "-o", str(tmp_path))
    assert code == 0, err
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == sorted(p.name for p in GOLDEN.iterdir() if p.suffix in (".tla", ".cfg"))
    assert out.splitlines()[0] == str(tmp_path / "race_base.tla")
    for name in written:
        assert (tmp_path / name).read_text() == (GOLDEN / name).read_text()


def test_tla_narrows_to_a_variant_and_a_claim(tmp_path: Path) -> None:
    code, _, err = cli(
        "tla", str(GOLDEN_SPEC), "--variant", "lazy", "--claim", "exclusive", "-o", str(tmp_path)
    )
    assert code == 0, err
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "race_lazy.tla",
        "race_lazy_exclusive.cfg",
    ]
    assert "balanced" not in (tmp_path / "race_lazy.tla").read_text()


def test_tla_bad_input(tmp_path: Path) -> None:
    code, _, err = cli("tla", str(GOLDEN_SPEC), "--variant", "laz", "-o", str(tmp_path))
    assert code == 2 and "MBF502" in err and "lazy" in err
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code, _, err = cli("tla", str(GOLDEN_SPEC), "-o", str(blocker / "sub"))
    assert code == 2 and "MBF503" in err


def test_tlc_without_java(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "")
    monkeypatch.delenv("JAVA_HOME", raising=False)
    code, _, err = cli("tlc", str(GOLDEN_SPEC), "--claim", "exclusive")
    assert code == 2 and "error[MBF601]" in err and "hint:" in err


@pytest.mark.tlc
def test_tlc_prints_verdict_counts_and_trace() -> None:
    need_tlc()
    code, out, _ = cli("tlc", str(GOLDEN_SPEC), "--variant", "base", "--claim", "balanced")
    assert code == 1
    assert out.startswith("base / balanced: violated (TLC)")
    assert "counterexample of 7 steps" in out and "violates claim balanced" in out


@pytest.mark.tlc
def test_tlc_distributed_on_one_host() -> None:
    """A TLCServer and two TLCWorker processes on loopback count what one TLC counts."""
    need_tlc()
    code, out, _ = cli(
        "tlc", str(GOLDEN_SPEC), "--variant", "base", "--claim", "exclusive",
        "--distributed-workers", "2", "--timeout", "120",
    )  # fmt: skip
    assert code == 0, out
    assert "holds (distributed TLC, 2 workers)" in out and "2352 distinct states" in out
    code, out, _ = cli(
        "tlc", str(GOLDEN_SPEC), "--variant", "base", "--claim", "balanced",
        "--distributed-workers", "1", "--timeout", "120",
    )  # fmt: skip
    assert code == 1 and "violated (distributed TLC, 1 workers)" in out


def test_tla_spec_path_that_is_not_utf8(tmp_path: Path) -> None:
    """A Linux file name is bytes: the header shows its stray byte as \\xff."""
    raw = os.fsencode(tmp_path) + b"/\xffviol.mbf"
    with open(raw, "wb") as f:
        f.write(b"var x: bool = false;\nactor a { s: x = true; done; }\n")
    code, _, err = cli("tla", os.fsdecode(raw), "-o", str(tmp_path / "out"))
    assert code == 0, err
    module = next((tmp_path / "out").glob("*.tla")).read_text(encoding="utf-8")
    assert "\\xffviol.mbf" in module
