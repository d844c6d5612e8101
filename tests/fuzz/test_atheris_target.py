"""The optional atheris target: its callback works without atheris; a short real run with it."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from atheris_target import RobustnessViolation, make_target
from fuzz_corpus import roots

TARGET = Path(__file__).resolve().parent / "atheris_target.py"


def _callback(tmp_path: Path) -> Callable[[bytes], None]:
    return make_target(tmp_path)


def test_callback_accepts_good_and_bad_specs(tmp_path: Path) -> None:
    one_input = _callback(tmp_path)
    one_input(roots()[0].read_bytes())
    one_input(b"actor {")
    one_input(b"\xff\xfe\x00garbage")


def test_callback_raises_on_a_crash(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import mbind_formal.lower.spec as lower

    def broken(*args: object, **kwargs: object) -> object:
        raise RuntimeError("planted bug")

    monkeypatch.setattr(lower, "load_spec", broken)
    with pytest.raises(RobustnessViolation, match="planted bug"):
        _callback(tmp_path)(b"param pages = 1;")


def test_short_atheris_run(tmp_path: Path) -> None:
    pytest.importorskip("atheris")
    seeds = tmp_path / "corpus"
    seeds.mkdir()
    for p in roots():
        (seeds / p.name).write_bytes(p.read_bytes())
    proc = subprocess.run(
        [sys.executable, str(TARGET), "-atheris_runs=50", str(seeds)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
