"""The trace commands end to end on the bundled spec (spec/mbind.mbf, two pages)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from browser import ARTIFACTS, chromium, measure, png_pixels

from mbind_formal.cli import run_cli
from mbind_formal.cli.common import ExitCode
from mbind_formal.engines.base import Budget, Verdict
from mbind_formal.engines.registry import get_engine
from mbind_formal.lower.spec import load_spec
from mbind_formal.trace.itf import read_itf, write_itf
from mbind_formal.trace.replay import replay
from mbind_formal.trace.text import render_lanes

ROOT = Path(__file__).resolve().parents[2]
SPEC = str(ROOT / "spec" / "mbind.mbf")
SMALL = ("--pages", "2", "--engine", "explicit")


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run_cli(list(argv), out, err)
    assert "Traceback" not in err.getvalue()
    return code, out.getvalue(), err.getvalue()


def test_trace_of_the_53_leak() -> None:
    code, out, err = cli("trace", SPEC, *SMALL, "--variant", "5.3", "--claim", "no_leak")
    assert code == ExitCode.VIOLATED, err
    assert out.startswith("claim no_leak violated in variant 5.3 (6 steps, explicit)\n")
    assert "Page[0].holders: {} -> {H_MBIND}" in out
    assert out.rstrip().endswith("=> the last state violates claim no_leak")
    code, lanes, _ = cli(
        "trace", SPEC, *SMALL, "--variant", "5.3", "--claim", "no_leak", "--layout", "lanes"
    )
    assert code == ExitCode.VIOLATED
    assert max(len(line) for line in lanes.splitlines()) <= 100


def test_itf_of_a_race_replays(tmp_path: Path) -> None:
    target = tmp_path / "race.itf.json"
    code, _, err = cli(
        "trace",
        SPEC,
        *SMALL,
        "--variant",
        "5.3",
        "--claim",
        "best_effort_transient",
        "--format",
        "itf",
        "-o",
        str(target),
    )
    assert code == ExitCode.VIOLATED, err
    doc = json.loads(target.read_text())
    actors = {s["mbf::action"]["actor"] for s in doc["states"][1:]}
    assert {"mbind", "reclaim"} <= actors
    code, out, err = cli("replay", SPEC, "--pages", "2", str(target))
    assert code == ExitCode.OK, err
    assert "replay in variant 5.3; the last state violates claim best_effort_transient" in out
    # 6.6 disables the LRU caches when mbind enters (docs/kernel §syscall.drain): not the same run
    code, out, _ = cli("replay", SPEC, "--pages", "2", str(target), "--variant", "6.6")
    assert code == ExitCode.VIOLATED
    assert "illegal in variant 6.6: step 1 (mbind enter)" in out and "lru_disabled" in out


def test_the_claim_holds_in_mainline() -> None:
    code, out, err = cli("trace", SPEC, *SMALL, "--variant", "6.6", "--claim", "no_leak")
    assert code == ExitCode.OK and out == ""
    assert "6.6 / no_leak: the claim holds (proved by exhaustive" in err


def test_diff_53_54_shows_the_leak_fix() -> None:
    code, out, err = cli("diff", SPEC, *SMALL, "--from", "5.3", "--to", "5.4", "--claim", "no_leak")
    assert code == ExitCode.VIOLATED, err
    assert "no_leak: 5.3 violated (6 steps) -> 5.4 holds (exhaustive" in out
    assert "5.4 takes 1 more step" in out
    assert "+5. mbind migrate q=Page[0]" in out
    assert "Page[0].holders: {H_MBIND} (5.3) vs {} (5.4)" in out


@pytest.mark.parametrize("engine", ["explicit", "bmc", "kind"])
def test_engine_traces_of_the_bundled_spec_render_and_round_trip(engine: str) -> None:
    loaded = load_spec(SPEC, {"pages": 2})
    assert loaded.spec is not None
    model, claim = loaded.spec.model("5.3"), loaded.spec.claim("no_leak")
    result = get_engine(engine).check(model, claim, Budget(max_depth=8, timeout_s=120))
    assert result.verdict is Verdict.VIOLATED and result.trace is not None
    trace = result.trace
    assert read_itf(model, write_itf(model, trace)) == trace
    assert replay(model, trace, claim).ok
    assert all(len(line) <= 100 for line in render_lanes(model, trace).splitlines())


@pytest.mark.browser
def test_report_of_the_bundled_spec_fits_and_never_crosses_a_lifeline(tmp_path: Path) -> None:
    """At 1400 px the page needs no horizontal scrolling: matrix and diagrams are in
    view; at 1000 px the page still does not overflow (wide parts scroll in their own
    box); the structure is the same at both widths, and no change label crosses a
    lifeline (the browser's own text metrics). Screenshots go to tests/artifacts/."""
    binary = chromium()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = ARTIFACTS / "mbind-report.html"
    code, out, err = cli(
        "report", SPEC, *SMALL, *("--variant", "4.19", "--variant", "5.3", "--variant", "mainline"),
        *("--claim", "no_leak", "--claim", "no_false_eio", "--claim", "exclusive_isolation"),
        "-o", str(page),
    )  # fmt: skip
    assert code == ExitCode.VIOLATED, err
    assert "9 cells, 3 violated" in out
    wide = measure(binary, page, 1400, ARTIFACTS / "mbind-report-1400.png")
    narrow = measure(binary, page, 1000, ARTIFACTS / "mbind-report-1000.png")
    for m in (wide, narrow):
        assert m["scroll_width"] <= m["viewport"], m
        assert m["crossings"] == [], m["crossings"]
        assert m["scenario_rows"] == 16  # the LTP scenarios are in the report
    assert wide["matrix_right"] <= wide["viewport"]
    assert wide["svgs"] and all(s["right"] <= 1400 and not s["box_scrolls"] for s in wide["svgs"])
    same = ("sections", "steps", "scenario_rows")
    assert [wide[k] for k in same] == [narrow[k] for k in same] and wide["sections"] == 3
    for width in (1400, 1000):
        assert png_pixels((ARTIFACTS / f"mbind-report-{width}.png").read_bytes())[0] == width


def test_replay_uses_the_parameters_a_trace_was_written_with(tmp_path: Path) -> None:
    target = tmp_path / "leak.itf.json"
    code, _, _ = cli(
        "trace", SPEC, *SMALL, "--variant", "5.3", "--claim", "no_leak", "--format", "itf",
        "-o", str(target),
    )  # fmt: skip
    assert code == ExitCode.VIOLATED
    assert json.loads(target.read_text())["#meta"]["params"]["pages"] == 2
    code, out, err = cli("replay", SPEC, str(target))  # no flags: the file's two pages
    assert code == ExitCode.OK, err
    assert "note: replaying with the trace's parameters (" in err and "pages=2" in err
    assert "the last state violates claim no_leak" in out
    code, _, err = cli("replay", SPEC, "--pages", "3", str(target))  # told otherwise
    assert code == ExitCode.USAGE
    assert "note: " in err and "to replay it as written, pass " in err and "pages=2" in err
    assert "entry 'Page[2]' is missing" in err
