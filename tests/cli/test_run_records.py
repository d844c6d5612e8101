"""Run records replay as they are: every engine's counterexample, no flags.

`prove` writes runs/<spec>-<variant>-<claim>-<time>/ with run.json and one ITF file per
counterexample; `replay SPEC FILE` must accept each file exactly as written, with the
parameters the run used (here not the spec's defaults) taken from the file itself.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from tla_helpers import need_tlc

from mbind_formal.cli import run_cli
from mbind_formal.cli.common import ExitCode

COUNTER = Path(__file__).resolve().parents[2] / "spec" / "examples" / "counter.mbf"


def _cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run_cli(list(argv), out, err)
    assert "Traceback" not in err.getvalue()
    return code, out.getvalue(), err.getvalue()


def _record_replays(engine: str, tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    code, _, err = _cli(
        "prove", str(COUNTER), "--variant", "base", "--engine", engine, "--param", "limit=1",
        "--max-depth", "12", "--runs-dir", str(runs),
    )  # fmt: skip
    assert code == ExitCode.VIOLATED, err
    (record,) = runs.iterdir()
    run = json.loads((record / "run.json").read_text())
    assert (run["schema"], run["document"]) == (2, "run")
    assert run["traces"] == ["base-bounded.itf.json", "base-settles_at_limit.itf.json"]
    for name in run["traces"]:
        code, out, err = _cli("replay", str(COUNTER), str(record / name))
        assert code == ExitCode.OK, err
        claim = name.removeprefix("base-").removesuffix(".itf.json")
        assert out.strip().endswith(f"the last state violates claim {claim}"), out
        assert "--param limit=1" in err  # the run's parameter, read from the file


@pytest.mark.parametrize("engine", ["explicit", "bmc", "kind", "pdr", "auto"])
def test_run_record_of_every_engine_replays_without_flags(engine: str, tmp_path: Path) -> None:
    _record_replays(engine, tmp_path)


@pytest.mark.tlc
def test_run_record_of_tlc_replays_without_flags(tmp_path: Path) -> None:
    need_tlc()
    _record_replays("tlc", tmp_path)
