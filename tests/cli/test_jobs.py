"""`matrix --jobs N` (cli/parallel.py, cli/worker.py, cli/wire.py): worker processes
check the variants in parallel, and the output does not depend on the job count.

Byte-identical text and JSON with --jobs 1 and --jobs 2 (the JSON's `seconds` are
timings, the only thing allowed to differ); cells as JSON between the processes come
back equal; SIGTERM during a parallel run ends every worker and keeps what was decided.
"""

from __future__ import annotations

import io
import json
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from mbind_formal.cli import run_cli
from mbind_formal.cli.wire import decode, decode_as, encode
from mbind_formal.engines.base import Budget
from mbind_formal.engines.explicit import ExplicitEngine
from mbind_formal.lower.spec import load_spec
from mbind_formal.verdicts import Cell, check_cell

ROOT = Path(__file__).resolve().parents[2]
MUTEX = ROOT / "tests" / "models" / "mutex_buggy.mbf"
MBIND = ROOT / "spec" / "mbind.mbf"
CLAIMS = ("no_false_eio", "hole_gives_efault")  # one holds, one is violated


def _matrix(*argv: str | Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run_cli(["matrix", *map(str, argv), "--no-save"], out, err)
    return code, out.getvalue(), err.getvalue()


def _untimed(doc: Any) -> Any:
    """The document without its timings."""
    match doc:
        case dict():
            return {k: _untimed(v) for k, v in doc.items() if k != "seconds"}
        case list():
            return [_untimed(v) for v in doc]
        case _:
            return doc


def test_cells_cross_the_wire_unchanged() -> None:
    spec = load_spec(str(MUTEX), {}).spec
    assert spec is not None
    pool_engine = ExplicitEngine()
    for variant in spec.variants:
        model = spec.model(variant)
        for claim in spec.claims:
            cell = check_cell(model, claim, ["explicit"], Budget())
            assert decode_as(json.loads(json.dumps(encode(cell))), Cell) == cell
            r = pool_engine.check(model, claim, Budget())
            assert decode(json.loads(json.dumps(encode(r)))) == r


def test_jobs_do_not_change_the_output(tmp_path: Path) -> None:
    runs = {}
    for jobs in ("1", "2"):
        path = tmp_path / f"m{jobs}.json"
        argv = (MBIND, "--pages", "1", "--engine", "explicit", "--jobs", jobs, "--json", path)
        code, out, _ = _matrix(
            *argv, "--variant", "base", "--variant", "mainline", "--no-scenarios"
        )
        runs[jobs] = (code, out, _untimed(json.loads(path.read_text())))
    assert runs["1"] == runs["2"]
    assert runs["1"][2]["cells"]  # not vacuous: cells were checked


def test_jobs_must_be_positive() -> None:
    code, _, err = _matrix(MUTEX, "--jobs", "0")
    assert code == 2 and "--jobs must be at least 1" in err


def _workers_of(pid: int) -> list[int]:
    """The worker processes `pid` started (Linux /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = stat.read_text().rsplit(")", 1)[1].split()[1]
            args = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:
            continue
        if parent == str(pid) and b"mbind_formal.cli.worker" in args:
            found.append(int(stat.parent.name))
    return found


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _default_signals() -> None:
    for sig in (signal.SIGINT, signal.SIGHUP, signal.SIGTERM):
        signal.signal(sig, signal.SIG_DFL)


def test_sigterm_ends_every_worker(tmp_path: Path) -> None:
    argv = [
        sys.executable,
        "-m",
        "mbind_formal",
        "matrix",
        str(MBIND),
        "--pages",
        "3",
        "--engine",
        "explicit",
    ]
    argv += ["--jobs", "2", "--no-save", "--no-scenarios", "--json", "-"]
    proc = subprocess.Popen(
        argv,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        preexec_fn=_default_signals,
    )
    try:
        workers: list[int] = []
        for _ in range(600):
            workers = _workers_of(proc.pid)
            if len(workers) == 2:
                break
            time.sleep(0.05)
        assert len(workers) == 2, "the workers did not start"
        time.sleep(0.5)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 3, err
    assert "Traceback" not in err
    assert "interrupted by SIGTERM" in err
    assert not any(_running(w) for w in workers)
    assert json.loads(out)["interrupted"].startswith("interrupted by SIGTERM")
