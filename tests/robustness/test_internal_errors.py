"""Tool bugs: "internal error, please report", exit 5, the traceback only with --debug.

A bug is planted (monkeypatched) inside a command so that this path is exercised for
real; a closed stdout (`mbind-formal ... | head -1`) must not look like a bug.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from robust_support import EXE, ROOT, SMALL, cli, write

from mbind_formal.cli.common import ExitCode

INTERNAL = int(ExitCode.INTERNAL)


@pytest.fixture
def spec(tmp_path: Path) -> Path:
    return write(tmp_path, "small.mbf", SMALL)


@pytest.fixture(params=[RuntimeError("planted bug"), RecursionError(), MemoryError()],
                ids=["runtime", "recursion", "memory"])  # fmt: skip
def planted(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> BaseException:
    """Make the explicit engine fail with the given exception."""
    from mbind_formal.engines.explicit import ExplicitEngine

    error: BaseException = request.param

    def broken(*args: object, **kwargs: object) -> object:
        raise error

    monkeypatch.setattr(ExplicitEngine, "check", broken)
    return error


def test_internal_error_without_debug(spec: Path, planted: BaseException) -> None:
    run = cli("prove", spec, "--engine", "explicit", "--no-save")
    assert run.code == INTERNAL, run.text
    assert run.err.startswith("internal error, please report"), run.err
    assert "Traceback" not in run.text
    assert "--debug" in run.err, "says how to see more"


def test_internal_error_with_debug_after_the_command(spec: Path, planted: BaseException) -> None:
    run = cli("prove", "--debug", spec, "--engine", "explicit", "--no-save")
    assert run.code == INTERNAL
    assert "internal error, please report" in run.err
    assert "Traceback" in run.err and type(planted).__name__ in run.err


def test_internal_error_with_debug_before_the_command(spec: Path, planted: BaseException) -> None:
    run = cli("--debug", "prove", spec, "--engine", "explicit", "--no-save")
    assert run.code == INTERNAL
    assert "Traceback" in run.err


def test_internal_error_in_check(spec: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import mbind_formal.lower.spec as lower

    def broken(*args: object, **kwargs: object) -> object:
        raise KeyError("planted")

    monkeypatch.setattr(lower, "load_spec", broken)
    run = cli("check", spec)
    assert run.code == INTERNAL
    assert "internal error, please report" in run.err


def test_closed_stdout_is_not_a_bug() -> None:
    """stdout is a pipe whose reading end is already closed: every write fails."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        proc = subprocess.run(
            [str(EXE), "check", "spec/mbind.mbf"],
            cwd=ROOT,
            stdout=write_end,
            stderr=subprocess.PIPE,
            timeout=120,
            check=False,
        )
    finally:
        os.close(write_end)
    err = proc.stderr.decode("utf-8", "replace")
    assert "internal error" not in err and "Traceback" not in err, err
    assert "Exception ignored" not in err, err
    assert proc.returncode != INTERNAL
