"""Determinism: the same command gives the same bytes, whatever PYTHONHASHSEED says.

Two child processes with PYTHONHASHSEED=0 and =12345 each run the same list of
commands in-process (one interpreter start each, to keep this fast) and print every
command's exit code and stdout; JSON outputs are compared after dropping timing keys
("seconds"), everything else byte for byte. A third run inside this process, twice,
catches state that leaks from one run into the next.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from robust_support import SMALL, write

from mbind_formal.verdicts import TIMING_KEYS

ROOT = Path(__file__).resolve().parents[2]

_DRIVER = """
import io, json, sys
from mbind_formal.cli import run_cli
results = []
for argv in json.loads(sys.argv[1]):
    out, err = io.StringIO(), io.StringIO()
    code = run_cli(argv, out, err)
    results.append({"argv": argv, "code": code, "out": out.getvalue()})
print(json.dumps(results))
"""


def _commands(spec: Path, tla_dir: Path) -> list[list[str]]:
    s = str(spec)
    cell = ["--variant", "base", "--claim", "all_back"]
    bundled = [
        ["check", "spec/mbind.mbf"],
        ["tla", "spec/mbind.mbf", "-o", str(tla_dir / "mbind")],
        ["matrix", "spec/examples/rwlock.mbf", "--engine", "explicit", "--json", "-", "--no-save"],
    ]
    return [
        *(bundled if (ROOT / "spec" / "mbind.mbf").is_file() else []),
        ["check", s],
        ["matrix", s, "--engine", "explicit", "--json", "-", "--no-save"],
        ["matrix", s, "--engine", "bmc", "--json", "-", "--no-save"],
        ["prove", s, "--engine", "explicit", "--no-symmetry", "--json", "-", "--no-save"],
        ["trace", s, *cell, "--engine", "explicit", "--format", "itf"],
        ["trace", s, *cell, "--engine", "bmc", "--format", "json"],
        ["trace", s, *cell, "--engine", "explicit", "--format", "text", "--layout", "lanes"],
        ["trace", s, *cell, "--engine", "explicit", "--format", "text", "--no-minimize"],
        ["scenarios", s, "--json", "-"],
        ["tla", s, "-o", str(tla_dir)],
    ]


def _drop_timing(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_timing(v) for k, v in value.items() if k not in TIMING_KEYS}
    if isinstance(value, list):
        return [_drop_timing(v) for v in value]
    return value


def _normal(out: str) -> Any:
    """JSON documents without timing; other text as it is."""
    try:
        return _drop_timing(json.loads(out))
    except ValueError:
        return out


def _run_child(commands: list[list[str]], hash_seed: str) -> list[dict[str, Any]]:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    proc = subprocess.run(
        [sys.executable, "-c", _DRIVER, json.dumps(commands)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    results: list[dict[str, Any]] = json.loads(proc.stdout)
    return results


def _tla_files(directory: Path) -> dict[str, bytes]:
    return {
        p.relative_to(directory).as_posix(): p.read_bytes()
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }


def test_outputs_do_not_depend_on_the_hash_seed(tmp_path: Path) -> None:
    spec = write(tmp_path, "small.mbf", SMALL)
    runs = {}
    files = {}
    out_dir = tmp_path / "tla"  # one name, so that the printed paths agree
    for seed in ("0", "12345"):
        runs[seed] = _run_child(_commands(spec, out_dir), seed)
        files[seed] = _tla_files(out_dir)
        shutil.rmtree(out_dir)
    a, b = runs["0"], runs["12345"]
    assert len(a) == len(b)
    # Each command answered as expected: one that failed the same way twice would
    # compare equal and prove nothing.
    assert all(r["code"] in (0, 1) for r in a), [(r["argv"], r["code"]) for r in a]
    mine = [r["code"] for r in a if r["argv"][1] == str(spec)]
    #       check matrix matrix prove trace trace trace trace scenarios tla
    assert mine == [0, 1, 1, 1, 1, 1, 1, 1, 0, 0]
    for x, y in zip(a, b, strict=True):
        where = " ".join(x["argv"][:1] + x["argv"][2:])
        assert x["code"] == y["code"], where
        assert _normal(x["out"]) == _normal(y["out"]), f"output differs: {where}"
    assert files["0"] == files["12345"], "emitted TLA+ differs"
    assert files["0"], "tla wrote files"


@pytest.mark.parametrize("engine", ["explicit", "bmc"])
def test_same_process_twice(tmp_path: Path, engine: str) -> None:
    """No state carried over between runs in one process (caches, registries)."""
    from robust_support import cli

    spec = write(tmp_path, "small.mbf", SMALL)
    argv = ("matrix", spec, "--engine", engine, "--json", "-", "--no-save")
    first, second = cli(*argv), cli(*argv)
    assert first.code == second.code == 1
    assert _normal(first.out) == _normal(second.out)
    trace = ("trace", spec, "--variant", "base", "--claim", "exclusive", "--engine", engine)
    assert cli(*trace).out == cli(*trace).out


def test_json_has_no_unstable_fields(tmp_path: Path) -> None:
    """Besides "seconds", nothing in the document looks like a time, a path that moves,
    or a memory address."""
    from robust_support import cli

    spec = write(tmp_path, "small.mbf", SMALL)
    run = cli("matrix", spec, "--engine", "explicit", "--json", "-", "--no-save")
    text = json.dumps(_drop_timing(json.loads(run.out)))
    assert " at 0x" not in text
    assert str(tmp_path) not in text.replace(str(spec), "SPEC")
