"""Smoke tests of the benchmark harness: tiny runs end to end, and its bookkeeping.

No timing asserts: the numbers are the benchmark's business. These check that a run
writes a results file, tables and a plot, that the verdicts it records are the right
ones, that ratios of unfinished runs come out as bounds, and that an overrunning child
is killed together with the processes it started.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from bench import markdown, plot
from bench.run import _wait, main
from bench.summary import ConfigRun, Status, agreement, ratio, summarise, targets

ROOT = Path(__file__).resolve().parents[2]
COUNTER = ROOT / "spec" / "examples" / "counter.mbf"  # param workers; base races, atomic not


def _run(tmp_path: Path, *extra: str) -> tuple[int, dict[str, Any], str]:
    err = io.StringIO()
    code = main(
        [
            "--spec",
            str(COUNTER),
            "--scale",
            "workers",
            "--quick",
            "--timeout",
            "60",
            "--results-dir",
            str(tmp_path / "results"),
            *extra,
        ],
        err,
    )
    files = list((tmp_path / "results").glob("*.json"))
    doc = json.loads(files[0].read_text()) if len(files) == 1 else {}
    return code, doc, err.getvalue()


def test_quick_run_writes_results_tables_and_plot(tmp_path: Path) -> None:
    md = tmp_path / "BENCHMARKS.md"
    md.write_text("# Hand-written intro\n\nkept as it is\n")
    png = tmp_path / "bench.png"
    code, doc, err = _run(
        tmp_path,
        "--pages",
        "2,3",
        "--engines",
        "explicit,bmc",
        "--markdown",
        str(md),
        "--plot",
        str(png),
    )
    assert code == 0, err
    assert doc["schema"] == 1 and doc["scale"] == "workers" and doc["sizes"] == [2, 3]
    assert doc["machine"]["cores"] >= 1 and doc["machine"]["python"]
    runs = {(r["config"], r["size"]): r for r in doc["runs"]}
    assert set(runs) == {(c, n) for c in ("explicit", "bmc") for n in (2, 3)}
    expected = {"base": "violated", "atomic": "holds"}
    for (config, _size), run in runs.items():
        assert run["status"] in ("finished", "timeout"), run["note"]
        assert run["cells_total"] == 4 and run["peak_rss_mb"] > 0
        for cell in run["cells"]:
            if cell.get("not_run") or cell["timed_out"]:
                continue
            if config == "explicit" or cell["verdict"] != "unknown":  # BMC cannot prove
                assert cell["verdict"] == expected[cell["variant"]], cell
    explicit = runs["explicit", 3]
    if explicit["status"] == "finished":
        assert explicit["states"] > runs["explicit", 2]["states"] > 0
    assert runs["bmc", 2]["solver_queries"] > 0
    assert all(not a["conflicts"] for a in doc["agreement"])
    text = md.read_text()
    assert text.startswith("# Hand-written intro\n\nkept as it is\n")
    assert markdown.MARKER in text and "| `explicit` |" in text and "| `bmc` |" in text
    if plot.available():
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.tlc
def test_tlc_counts_the_states_the_explicit_engine_counts(tmp_path: Path) -> None:
    if shutil.which("java") is None:
        if os.environ.get("CI"):
            pytest.fail("java is required in CI for the TLC engine")
        pytest.skip("java is not installed")
    code, doc, err = _run(
        tmp_path,
        "--pages",
        "2",
        "--engines",
        "explicit,tlc",
        "--tlc-workers",
        "1",
        "--variant",
        "atomic",
        "--claim",
        "bounded",
        "--no-plot",
    )
    assert code == 0, err
    runs = {r["config"]: r for r in doc["runs"]}
    assert set(runs) == {"explicit", "tlc-w1"}
    if all(r["status"] == "finished" for r in runs.values()):
        assert runs["tlc-w1"]["states"] == runs["explicit"]["states"] > 0
        assert runs["tlc-w1"]["verdicts"] == runs["explicit"]["verdicts"] == {"holds": 1}
        assert runs["tlc-w1"]["tlc_runs"] >= 2  # the claim, then its witness
        (r,) = doc["ratios"]
        assert r["kind"] == "exact" and r["common_cells"] == 1
    assert doc["machine"]["java"]


def test_bad_options_are_reported_not_raised(tmp_path: Path) -> None:
    for extra in (["--engines", "nope"], ["--scale", "pages"], ["--timeout", "-1"]):
        err = io.StringIO()
        argv = ["--spec", str(COUNTER), "--quick", "--results-dir", str(tmp_path), *extra]
        if "--scale" not in extra:
            argv += ["--scale", "workers"]
        assert main(argv, err) == 2
        assert err.getvalue().startswith("bench: ")
    assert not list(tmp_path.glob("*.json"))


def test_an_overrunning_child_is_killed_with_what_it_started() -> None:
    # The child starts a grandchild in a session of its own, as the TLC engine does.
    script = (
        "import subprocess, sys, time\n"
        "p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'],"
        " start_new_session=True)\n"
        "print(p.pid, flush=True)\n"
        "time.sleep(60)\n"
    )
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    grandchild = int(child.stdout.readline())
    status, usage, killed = _wait(child.pid, time.monotonic() + 0.5)
    child.returncode = os.waitstatus_to_exitcode(status)
    child.stdout.close()
    assert killed and child.returncode < 0 and usage.ru_maxrss > 0
    for _ in range(100):  # the grandchild is reaped by init once killed
        if not Path(f"/proc/{grandchild}").exists():
            break
        state = Path(f"/proc/{grandchild}/stat").read_text().rsplit(")", 1)[1].split()[0]
        if state == "Z":
            break
        time.sleep(0.05)
    else:
        pytest.fail("the grandchild survived")


def _cell(variant: str, verdict: str, seconds: float, **extra: Any) -> dict[str, Any]:
    return {
        "kind": "cell",
        "variant": variant,
        "claim": "c",
        "verdict": verdict,
        "seconds": seconds,
        "timed_out": False,
        "states": 10,
        **extra,
    }


def _summary(config: str, status: Status, wall: float, *cells: dict[str, Any]) -> dict[str, Any]:
    records = ({"kind": "start", "cells": 2, "load_s": 0.1}, *cells)
    engine = "tlc" if config.startswith("tlc") else config
    run = ConfigRun(
        config=config,
        engine=engine,
        workers=1,
        size=6,
        limit_s=600.0,
        status=status,
        wall_s=wall,
        records=records,
    )
    return summarise(run)


def test_ratios_of_unfinished_runs_are_bounds() -> None:
    a1, a2 = _cell("a", "holds", 1.0), _cell("b", "violated", 3.0)
    ours = _summary("auto", Status.FINISHED, 5.0, a1, a2)
    cut = _cell("b", "unknown", 590.0, timed_out=True)
    tlc_cut = _summary("tlc-w1", Status.TIMEOUT, 610.0, _cell("a", "holds", 8.0), cut)
    r = ratio(tlc_cut, ours)
    assert (r["kind"], r["value"]) == ("at_least", 122.0)
    assert (r["common_cells"], r["common_value"]) == (1, 8.0)
    tlc_done = _summary("tlc-w1", Status.FINISHED, 10.0, _cell("a", "holds", 4.0))
    assert ratio(tlc_done, ours)["kind"] == "exact"
    ours_cut = _summary("auto", Status.TIMEOUT, 600.0, a1, cut)
    assert ratio(tlc_done, ours_cut)["kind"] == "at_most"
    assert ratio(tlc_cut, ours_cut)["value"] is None
    t = targets([ours, tlc_cut], default_size=6)
    assert t["big_all_decided_and_tlc_10x"]["met"] == "met"
    assert t["auto_third_of_tlc"]["met"] == "met"
    assert targets([ours_cut, tlc_done], 6)["big_all_decided_and_tlc_10x"]["met"] == "not met"


def test_agreement_names_cells_where_engines_disagree() -> None:
    one = _summary("explicit", Status.FINISHED, 1.0, _cell("a", "holds", 1.0))
    two = _summary("kind", Status.FINISHED, 1.0, _cell("a", "vacuous", 1.0))
    bmc = _summary("bmc", Status.FINISHED, 1.0, _cell("a", "unknown", 1.0))
    (found,) = agreement([one, bmc])
    assert found == {"size": 6, "cells_compared": 0, "conflicts": []}
    (found,) = agreement([one, two, bmc])
    assert found["conflicts"] == [
        {"variant": "a", "claim": "c", "verdicts": {"explicit": "holds", "kind": "vacuous"}}
    ]


def test_optimisations_compare_each_config_with_its_baseline() -> None:
    from bench.run import _configs
    from bench.summary import optimisations

    names = [c.name for c in _configs(["explicit", "tlc"], [1, 2], [1, 2], closures=True)]
    assert names == ["explicit", "explicit-j2", "explicit-closures", "tlc-w1", "tlc-w2"]
    a = _cell("a", "holds", 1.0)
    runs = [
        _summary("explicit", Status.FINISHED, 4.0, a),
        _summary("explicit-j2", Status.FINISHED, 2.0, a),
        _summary("explicit-closures", Status.FINISHED, 8.0, _cell("a", "violated", 2.0)),
        _summary("tlc-w1", Status.FINISHED, 30.0, a),
        _summary("tlc-w2", Status.TIMEOUT, 20.0, a),
    ]
    got = {(o["before"], o["after"]): o for o in optimisations(runs)}
    assert set(got) == {
        ("explicit", "explicit-j2"),
        ("explicit-closures", "explicit"),
        ("tlc-w1", "tlc-w2"),
    }
    assert got["explicit", "explicit-j2"]["wall_ratio"] == 2.0
    assert got["explicit-closures", "explicit"]["wall_ratio"] == 2.0
    assert not got["explicit-closures", "explicit"]["same_verdicts"]
    assert got["tlc-w1", "tlc-w2"]["kind"] == "unknown"
