"""TLC without its tools: no java, no jar, a java that fails, hangs or talks nonsense.

Each case must end in a plain message that says what is missing and how to install it,
a non-zero exit (2 from `tlc`, whose whole job is TLC; 3 from `prove --engine tlc`,
where the cell is unknown), and never a traceback. The broken javas are tiny shell
scripts on PATH, so no real JVM is needed (or harmed).
"""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from robust_support import SMALL, assert_fails, assert_no_traceback, cli, real_cli, write

from mbind_formal.cli.common import ExitCode

CELL = ("--variant", "fixed", "--claim", "exclusive")


@pytest.fixture
def spec(tmp_path: Path) -> Path:
    return write(tmp_path, "small.mbf", SMALL)


@pytest.fixture
def no_java(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """PATH holds only an empty directory, and JAVA_HOME is unset."""
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.delenv("TLA2TOOLS_JAR", raising=False)
    return empty


def _fake_java(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, script: str) -> None:
    """Put a `java` that runs `script` (sh) first on PATH."""
    bin_dir = tmp_path / "fake-bin"
    java = write(bin_dir, "java", "#!/bin/sh\n" + script + "\n")
    java.chmod(java.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    monkeypatch.delenv("JAVA_HOME", raising=False)


def _reason(run_out: str) -> str:
    doc = json.loads(run_out)
    reason: str = doc["cells"][0]["reason"]
    return reason


# ------------------------------------------------------------------ missing java


def test_tlc_command_without_java(spec: Path, no_java: Path) -> None:
    run = cli("tlc", spec, *CELL)
    r = assert_fails(run, int(ExitCode.USAGE), "MBF601")
    assert "java" in r.message
    assert "install" in run.err and "JAVA_HOME" in run.err


def test_prove_with_tlc_without_java(spec: Path, no_java: Path) -> None:
    run = cli("prove", spec, "--engine", "tlc", "--no-save", "--json", "-", *CELL)
    assert_no_traceback(run)
    assert run.code == int(ExitCode.UNKNOWN), run.text
    reason = _reason(run.out)
    assert "java was not found" in reason and "install" in reason


def test_tla_command_needs_no_java(spec: Path, no_java: Path, tmp_path: Path) -> None:
    """Writing TLA+ is pure: it works on a machine without java."""
    run = cli("tla", spec, "-o", tmp_path / "gen")
    assert_no_traceback(run)
    assert run.code == 0, run.text
    assert list((tmp_path / "gen").glob("*.tla"))


def test_other_engines_need_no_java(spec: Path, no_java: Path) -> None:
    run = cli("prove", spec, "--engine", "explicit", "--no-save", *CELL)
    assert run.code == 0, run.text


def test_engine_all_says_tlc_did_not_run(spec: Path, no_java: Path) -> None:
    run = cli("matrix", spec, "--engine", "all", "--no-save", *CELL)
    assert_no_traceback(run)
    assert "java" in run.err, run.text


def test_real_process_without_java(spec: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    env = {"PATH": str(empty), "JAVA_HOME": "", "TLA2TOOLS_JAR": ""}
    run = real_cli("tlc", spec, *CELL, env=env)
    assert_fails(run, int(ExitCode.USAGE), "MBF601")
    run = real_cli("prove", spec, "--engine", "tlc", "--no-save", *CELL, env=env)
    assert_no_traceback(run)
    assert run.code == int(ExitCode.UNKNOWN)
    assert "java was not found" in run.out


# ------------------------------------------------------------------ missing jar


@pytest.mark.parametrize("jar", ["/nonexistent", "/tmp", "relative/tla2tools.jar"])
def test_tlc_jar_missing(spec: Path, jar: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TLA2TOOLS_JAR", jar)
    run = cli("tlc", spec, *CELL)
    r = assert_fails(run, int(ExitCode.USAGE), "MBF601")
    assert jar in r.message
    assert "TLA2TOOLS_JAR" in run.err
    run = cli("prove", spec, "--engine", "tlc", "--no-save", "--json", "-", *CELL)
    assert_no_traceback(run)
    assert run.code == int(ExitCode.UNKNOWN)
    assert jar in _reason(run.out)


def test_jar_that_is_not_a_jar(spec: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file that is no jar at all: java fails to load it; the cell says TLC failed."""
    bogus = write(tmp_path, "tla2tools.jar", b"this is not a zip file\n")
    monkeypatch.setenv("TLA2TOOLS_JAR", str(bogus))
    run = cli("prove", spec, "--engine", "tlc", "--no-save", "--json", "-", *CELL)
    assert_no_traceback(run)
    assert run.code == int(ExitCode.UNKNOWN), run.text
    assert _reason(run.out)


# ------------------------------------------------------------------ broken javas


@pytest.mark.parametrize(
    "script",
    [
        "echo 'Error: Could not create the Java Virtual Machine.' >&2; exit 1",
        "echo '@!@!@STARTMSG 2262:0 @!@!@'; echo 'garbage'; exit 0",
        "printf 'Fehler: Speicher \\344berschritten\\n' >&2; exit 13",
        "kill -9 $$",
    ],
    ids=["jvm-fails", "half-a-message", "latin1-message", "killed"],
)
def test_broken_java(
    spec: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, script: str
) -> None:
    _fake_java(tmp_path, monkeypatch, script)
    run = cli("prove", spec, "--engine", "tlc", "--no-save", "--json", "-", *CELL)
    assert_no_traceback(run)
    assert run.code == int(ExitCode.UNKNOWN), run.text
    assert _reason(run.out), "the unknown verdict carries a reason"


def test_java_that_hangs_obeys_the_timeout(
    spec: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fake_java(tmp_path, monkeypatch, "exec sleep 600")
    run = cli("prove", spec, "--engine", "tlc", "--no-save", "--json", "-", "--timeout", "2", *CELL)
    assert_no_traceback(run)
    assert run.code == int(ExitCode.UNKNOWN), run.text
    assert "timeout" in _reason(run.out).lower()
