"""`--timeout`, `--memory` and Ctrl-C inside the evaluation of one state (issues 18, 19).

Before: the explicit engine polled its limits between states only, so one state whose
evaluation never ends kept it running past `--timeout 5`: doubling definitions that
read state (`d(n) = d(n-1)(b) == d(n-1)(!b)`, 2**n calls for one assignment), a
quantifier nested over two 65536-value ranges, a step of nested picks that forks one
state into 16 million successors. After: closures whose static cost is large tick a
`semantics.watch.Watch` that polls the same limits, so the cell is `unknown` with the
reason. Each command runs in a child process with a kill guard (`answers_within`): the
old behaviour fails the test instead of hanging the suite. The bundled model compiles
no ticking closure at all (checked below), which is why the engine's hot path is
unchanged.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest
from robust_support import (
    SMALL,
    answers_within,
    assert_no_traceback,
    capped_cli,
    signalled,
    write,
)

from mbind_formal.cli.common import ExitCode

UNKNOWN = int(ExitCode.UNKNOWN)


def doubling(levels: int = 40) -> str:
    """Each level calls the one below twice on a value read from the state."""
    lines = ["var x: bool = false;", "def d0(b: bool) = b != x;"]
    lines += [f"def d{i}(b: bool) = d{i - 1}(b) == d{i - 1}(!b);" for i in range(1, levels)]
    lines += [f"actor a {{ s: x = d{levels - 1}(x); goto s; }}"]
    lines += ["claim c { always true; reachable x; }"]
    lines += ["scenario one { run a; expect true; }"]
    return "\n".join(lines) + "\n"


WIDE_QUANT = """\
var x: 0..3 = 0;
actor a { s: x = x == 3 ? 0 : x + 1; goto s; }
claim c {
  always forall i in 0..65535: forall j in 0..65535: i + j + x >= 0;
  reachable x == 1;
}
"""

WIDE_STEP = """\
var x: 0..255 = 0;
var y: 0..255 = 0;
var z: 0..255 = 0;
actor a {
  s:
    pick i in 0..255;
    pick j in 0..255;
    pick k in 0..255;
    x = i;
    y = j;
    z = k;
    goto s;
}
claim c { always x + y + z >= 0; reachable x == 1; }
"""


def _timed_out(run_text: str) -> None:
    assert "timeout after 2 s" in run_text and "inside the evaluation of one state" in run_text


def test_doubling_definitions_obey_the_timeout(tmp_path: Path) -> None:
    spec = write(tmp_path, "dbl.mbf", doubling())
    run = answers_within(90, "prove", spec, "--engine", "explicit", "--timeout", "2", "--no-save")
    assert_no_traceback(run)
    assert run.code == UNKNOWN, run.text
    _timed_out(run.text)


def test_doubling_definitions_obey_the_timeout_in_scenarios(tmp_path: Path) -> None:
    spec = write(tmp_path, "dbl.mbf", doubling())
    run = answers_within(90, "scenarios", spec, "--timeout", "2")
    assert_no_traceback(run)
    assert run.code == UNKNOWN, run.text
    _timed_out(run.text)


def test_a_quantifier_over_two_wide_ranges_obeys_the_timeout(tmp_path: Path) -> None:
    spec = write(tmp_path, "quant.mbf", WIDE_QUANT)
    run = answers_within(90, "prove", spec, "--engine", "explicit", "--timeout", "2", "--no-save")
    assert_no_traceback(run)
    assert run.code == UNKNOWN, run.text
    _timed_out(run.text)


def test_a_step_forking_into_millions_obeys_the_limits(tmp_path: Path) -> None:
    """16.7 million successors of the initial state: the memory guard (or the timeout)
    stops the expansion well inside the child's 1.5 GB address space."""
    spec = write(tmp_path, "wide.mbf", WIDE_STEP)
    run = capped_cli("prove", spec, "--engine", "explicit", "--no-save",
                     "--timeout", "2", "--memory", "200", memory_mb=1536)  # fmt: skip
    assert_no_traceback(run)
    assert run.code == UNKNOWN, run.text
    assert "inside the evaluation of one state" in run.text


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_ctrl_c_inside_one_state(tmp_path: Path) -> None:
    """A real SIGINT once the child has spent 2 s of CPU (loading takes well under one):
    it is then inside the doubling evaluation, and must stop with exit 3."""
    spec = write(tmp_path, "dbl.mbf", doubling())

    def busy(proc: subprocess.Popen[str]) -> None:
        for _ in range(1200):  # polling the child's CPU time, not a timing assertion
            if proc.poll() is not None or _cpu_seconds(proc.pid) >= 2:
                break
            time.sleep(0.1)
        assert proc.poll() is None, "the evaluation ended by itself"

    run = signalled(["prove", str(spec), "--engine", "explicit", "--no-save"], busy)
    assert "Traceback" not in run.err, run.err
    assert run.code == UNKNOWN, run.err
    assert "interrupted" in run.err


@pytest.mark.parametrize("name", ["small", "mbind"])
def test_ordinary_models_compile_no_ticking_closure(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """NOTE(watch): the hot path of an ordinary model is untouched; its runs never tick."""
    from mbind_formal.engines.base import Budget
    from mbind_formal.engines.explicit import ExplicitEngine
    from mbind_formal.lower.spec import load_spec, load_text
    from mbind_formal.semantics.watch import Watch

    ticks: list[int] = []
    monkeypatch.setattr(Watch, "tick", lambda self, cost: ticks.append(cost))
    if name == "small":
        spec = load_text(SMALL, "small.mbf").spec
    else:
        root = Path(__file__).resolve().parents[2]
        spec = load_spec(root / "spec" / "mbind.mbf").spec
    assert spec is not None
    engine = ExplicitEngine()
    for variant in spec.variants[:2]:
        for claim in spec.claims[:2]:
            engine.check(spec.model(variant), claim, Budget())
    assert ticks == []
