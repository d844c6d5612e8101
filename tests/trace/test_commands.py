"""The trace, replay, report and diff commands, run in-process on a hand-built spec.

The spec loader is replaced by one returning `race_model` variants, so these tests
exercise the commands' own logic (cell picking, exit codes, formats, files); the
DSL end-to-end runs live in test_commands_dsl.py.
"""

from __future__ import annotations

import argparse
import io
import json
from pathlib import Path
from typing import TextIO

import pytest
from trace_models import exclusive_claim, mbind_alone_claim, never_two_claim, race_model

from mbind_formal.cli import run_cli
from mbind_formal.cli.common import ExitCode, Loaded
from mbind_formal.ir.model import Spec
from mbind_formal.trace.itf import read_itf
from mbind_formal.trace.replay import replay


def _spec() -> Spec:
    return Spec(
        name="race",
        models=(race_model(), race_model("fixed", mbind_counted=False, extra_var=True)),
        claims=(mbind_alone_claim(), exclusive_claim(), never_two_claim()),
        source="race.mbf",
    )


@pytest.fixture(autouse=True)
def fake_loader(monkeypatch: pytest.MonkeyPatch) -> None:
    def load(args: argparse.Namespace, err: TextIO) -> Loaded | None:
        del err
        assert args.spec == "race.mbf"
        return Loaded(_spec(), {})

    for module in ("cmd_trace", "cmd_replay", "cmd_diff", "cells"):
        monkeypatch.setattr(f"mbind_formal.cli.{module}.load", load)


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run_cli(list(argv), out, err)
    assert "Traceback" not in err.getvalue()
    return code, out.getvalue(), err.getvalue()


TRACE = ("trace", "race.mbf", "--engine", "explicit", "--no-symmetry")


def test_trace_prints_the_counterexample() -> None:
    code, out, err = cli(*TRACE, "--variant", "base", "--claim", "mbind_alone")
    assert code == ExitCode.VIOLATED, err
    lines = out.splitlines()
    assert lines[0] == "claim mbind_alone violated in variant base (2 steps, explicit)"
    assert lines[-1] == "=> the last state violates claim mbind_alone"
    assert "mbind" in out and "isolate -> putback" in out


def test_trace_lanes_fit_a_mail() -> None:
    code, out, _ = cli(*TRACE, "--variant", "base", "--claim", "mbind_alone", "--layout", "lanes")
    assert code == ExitCode.VIOLATED
    assert all(len(line) <= 100 for line in out.splitlines())
    assert any(
        line.split()[:3] == ["mbind", "reclaim[0]", "reclaim[1]"] for line in out.splitlines()
    )


def test_trace_itf_round_trips_through_replay(tmp_path: Path) -> None:
    target = tmp_path / "t.itf.json"
    code, out, err = cli(
        *TRACE, "--variant", "base", "--claim", "mbind_alone", "--format", "itf", "-o", str(target)
    )
    assert code == ExitCode.VIOLATED, err
    assert out == ""
    spec = _spec()
    trace = read_itf(spec.model("base"), target.read_text())
    assert replay(spec.model("base"), trace, mbind_alone_claim()).ok
    code, out, err = cli("replay", "race.mbf", str(target))
    assert code == ExitCode.OK, err
    assert out.strip().endswith(
        "ok: 2 steps replay in variant base; the last state violates claim mbind_alone"
    )


def test_trace_json_and_html(tmp_path: Path) -> None:
    code, out, _ = cli(*TRACE, "--variant", "base", "--claim", "never_two", "--format", "json")
    assert code == ExitCode.VIOLATED
    doc = json.loads(out)
    assert doc["claim"] == "never_two" and len(doc["steps"]) == 2
    page = tmp_path / "t.html"
    code, _, _ = cli(
        *TRACE, "--variant", "fixed", "--claim", "never_two", "--format", "html", "-o", str(page)
    )
    assert code == ExitCode.VIOLATED
    assert "<svg" in page.read_text() and 'id="matrix"' in page.read_text()


def test_trace_when_the_claim_holds_or_is_unknown() -> None:
    code, out, err = cli(*TRACE, "--variant", "fixed", "--claim", "mbind_alone")
    assert code == ExitCode.OK and out == ""
    assert "fixed / mbind_alone: the claim holds (proved by exhaustive" in err
    code, out, err = cli(*TRACE, "--variant", "base", "--claim", "exclusive", "--max-states", "1")
    assert code == ExitCode.UNKNOWN and out == ""
    assert "base / exclusive: unknown (" in err


def test_trace_needs_one_variant_and_one_claim() -> None:
    code, _, err = cli(*TRACE, "--claim", "mbind_alone")
    assert code == ExitCode.USAGE
    assert "several variants" in err and "pass --variant: base, fixed" in err
    code, _, err = cli(*TRACE, "--variant", "base")
    assert code == ExitCode.USAGE and "pass --claim: mbind_alone, exclusive, never_two" in err
    code, _, err = cli(*TRACE, "--variant", "base", "--claim", "mbind_alon")
    assert code == ExitCode.USAGE and "did you mean 'mbind_alone'?" in err
    for bad in ("0", "nan", "inf", "-1"):
        code, _, err = cli(*TRACE, "--variant", "base", "--claim", "mbind_alone", "--timeout", bad)
        assert code == ExitCode.USAGE and "--timeout must be a positive number" in err


def test_trace_unwritable_output(tmp_path: Path) -> None:
    target = tmp_path / "missing-dir" / "t.txt"
    code, _, err = cli(*TRACE, "--variant", "base", "--claim", "mbind_alone", "-o", str(target))
    assert code == ExitCode.USAGE and "error[MBF503]" in err


def _itf(tmp_path: Path) -> Path:
    target = tmp_path / "t.itf.json"
    code, _, _ = cli(
        *TRACE, "--variant", "base", "--claim", "mbind_alone", "--format", "itf", "-o", str(target)
    )
    assert code == ExitCode.VIOLATED
    return target


def test_replay_names_the_first_illegal_step(tmp_path: Path) -> None:
    target = _itf(tmp_path)
    doc = json.loads(target.read_text())
    doc["states"][2]["nr_isolated"] = {"#bigint": "1"}  # the step counts one page, not two
    target.write_text(json.dumps(doc))
    code, out, _ = cli("replay", "race.mbf", str(target))
    assert code == ExitCode.VIOLATED
    assert "illegal in variant base: step 2" in out and "nr_isolated" in out


def test_replay_malformed_and_mismatched_files(tmp_path: Path) -> None:
    target = _itf(tmp_path)
    code, _, err = cli("replay", "race.mbf", str(target), "--variant", "fixed")
    assert code == ExitCode.USAGE
    assert "error[MBF008]" in err and "'has_unmovable' of variant fixed is missing" in err
    bad = tmp_path / "bad.itf.json"
    bad.write_text('{"states": [}')
    code, _, err = cli("replay", "race.mbf", str(bad))
    assert code == ExitCode.USAGE and "error[MBF008]" in err and "not JSON" in err
    code, _, err = cli("replay", "race.mbf", str(tmp_path / "none.json"))
    assert code == ExitCode.USAGE and "cannot read trace file" in err
    binary = tmp_path / "bin.json"
    binary.write_bytes(b"\xff\xfe\x00")
    code, _, err = cli("replay", "race.mbf", str(binary))
    assert code == ExitCode.USAGE and "not UTF-8" in err


def test_replay_with_another_claim_checks_the_ending(tmp_path: Path) -> None:
    target = _itf(tmp_path)
    code, out, _ = cli("replay", "race.mbf", str(target), "--claim", "exclusive")
    assert code == ExitCode.VIOLATED
    assert "satisfies claim 'exclusive'" in out


def test_report_writes_one_page(tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    code, out, err = cli(
        "report", "race.mbf", "-o", str(page), "--engine", "explicit", "--no-symmetry"
    )
    assert code == ExitCode.VIOLATED, err
    assert f"wrote {page}: 6 cells, 3 violated" in out
    html = page.read_text()
    assert html.count('<section class="trace"') == 3
    assert html.count("<svg") == 3


def test_diff_lists_the_claims_that_change_and_a_run_telling_them_apart() -> None:
    code, out, err = cli(
        "diff", "race.mbf", "--from", "base", "--to", "fixed", "--engine", "explicit"
    )
    assert code == ExitCode.VIOLATED, err
    assert "race.mbf: base -> fixed (engine explicit): 1 of 3 claim verdicts differ" in out
    assert "mbind_alone: base violated (2 steps) -> fixed holds (exhaustive" in out
    intro = "the counterexample (2 steps) is legal in both variants; it violates the claim"
    assert f"{intro} in base only:" in out
    assert "nr_isolated: 2 (base) vs 1 (fixed)" in out
    code, out, _ = cli(
        "diff", "race.mbf", "--from", "base", "--to", "fixed", "--claim", "exclusive"
    )
    code, _, err = cli("diff", "race.mbf", "--from", "base", "--to", "base")
    assert code == ExitCode.USAGE and "same variant" in err


def test_diff_without_differences() -> None:
    code, out, _ = cli(
        "diff",
        "race.mbf",
        "--from",
        "base",
        "--to",
        "fixed",
        "--engine",
        "explicit",
        "--claim",
        "exclusive",
    )
    assert code == ExitCode.OK
    assert "0 of 1 claim verdicts differ" in out


def test_replay_refuses_devices_and_directories(tmp_path: Path) -> None:
    code, _, err = cli("replay", "race.mbf", "/dev/zero")
    assert code == ExitCode.USAGE and "is not a regular file" in err
    code, _, err = cli("replay", "race.mbf", str(tmp_path))
    assert code == ExitCode.USAGE and "is a directory" in err
