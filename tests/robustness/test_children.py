"""Child processes end with the run, whichever way it ends (issue 19, "orphan JVM").

Every way out of a TLC run - SIGINT, SIGTERM, SIGHUP, `--timeout`, an exception - must
leave no `java` running and no `mbind-tlc-*` directory behind. The `java` here is a
fake (a Python script that keeps its arguments and sleeps), so a leftover is certain
and cheap to see rather than a race with a JVM that dies when its directory goes. Each
check names the child by its own pid (a child of the `mbind-formal` process) and the
directory by the path in that child's `-Djava.io.tmpdir=` argument, never by name.
Before the fix, SIGTERM and SIGHUP ended Python without running any `finally`: java
was left with parent 1 and the directory stayed.
"""

from __future__ import annotations

import contextlib
import io
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from robust_support import (
    EXE_ARGV,
    SMALL,
    children_of,
    cmdline,
    default_sigint,
    running,
    write,
)

from mbind_formal.children import Children, Interrupted, signals_raise
from mbind_formal.cli import run_cli
from mbind_formal.cli.common import ExitCode

FAKE_JAVA = f"""#!{sys.executable}
import sys, time
time.sleep(600)
"""


@pytest.fixture
def fake_java(tmp_path: Path) -> dict[str, str]:
    """An environment whose `java` sleeps for ten minutes (and says nothing)."""
    java = write(tmp_path / "bin", "java", FAKE_JAVA)
    java.chmod(0o755)
    return {**os.environ, "PATH": f"{java.parent}:/usr/bin:/bin", "JAVA_HOME": ""}


@dataclass(frozen=True, slots=True)
class Child:
    pid: int
    workdir: Path | None  # the run's temporary directory, from the child's arguments


def _java_children(pid: int) -> list[Child]:
    found = []
    for kid in children_of(pid):
        args = cmdline(kid)
        if not any(a.startswith("-Djava.io.tmpdir=") for a in args):
            continue
        tmp = next(a for a in args if a.startswith("-Djava.io.tmpdir="))
        found.append(Child(kid, Path(tmp.partition("=")[2]).parent))
    return found


def _wait_for_java(proc: subprocess.Popen[str], count: int = 1) -> list[Child]:
    for _ in range(1200):  # polling until the child runs, not a timing assertion
        java = _java_children(proc.pid)
        if len(java) >= count or proc.poll() is not None:
            return java
        time.sleep(0.1)
    return _java_children(proc.pid)


@contextlib.contextmanager
def _started(argv: list[str], env: dict[str, str]) -> Iterator[subprocess.Popen[str]]:
    proc = subprocess.Popen(
        [*EXE_ARGV, *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        preexec_fn=default_sigint,
    )
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def _kill_leftovers(java: list[Child]) -> None:
    """Never leave our own child's child running, whatever the test found."""
    for c in java:
        if running(c.pid):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(c.pid, signal.SIGKILL)


def _ended(pid: int) -> bool:
    """Whether `pid` has ended: a killed process that is not our child (a grandchild,
    reparented when its parent died) takes a moment to go; this polls, bounded."""
    for _ in range(200):
        if not running(pid):
            return True
        time.sleep(0.05)
    return False


def _assert_nothing_left(java: list[Child]) -> None:
    left = [c.pid for c in java if not _ended(c.pid)]
    assert not left, f"java {left} still running after mbind-formal exited"
    dirs = [str(c.workdir) for c in java if c.workdir is not None and c.workdir.exists()]
    assert not dirs, f"temporary directories left behind: {dirs}"


COMMANDS = {
    "tlc": ["tlc", "--variant", "base", "--claim", "exclusive"],
    "prove-tlc": ["prove", "--engine", "tlc", "--variant", "base", "--no-save"],
    "distributed": ["tlc", "--distributed-workers", "2", "--claim", "exclusive"],
}


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP], ids=str)
@pytest.mark.parametrize("command", list(COMMANDS))
def test_signal_ends_java_and_removes_its_directory(
    tmp_path: Path, fake_java: dict[str, str], command: str, sig: signal.Signals
) -> None:
    spec = write(tmp_path, "small.mbf", SMALL)
    argv = [COMMANDS[command][0], str(spec), *COMMANDS[command][1:]]
    java: list[Child] = []
    with _started(argv, fake_java) as proc:
        try:
            java = _wait_for_java(proc)
            assert java, "the fake java never started"
            assert all(c.workdir is not None and c.workdir.is_dir() for c in java)
            proc.send_signal(sig)
            _, err = proc.communicate(timeout=120)
            assert "Traceback" not in err, err
            assert proc.returncode == int(ExitCode.UNKNOWN), err
            assert "interrupted" in err, err
            if sig is not signal.SIGINT:
                assert sig.name in err, err
            _assert_nothing_left(java)
        finally:
            _kill_leftovers(java)


def test_timeout_ends_java_and_removes_its_directory(
    tmp_path: Path, fake_java: dict[str, str]
) -> None:
    spec = write(tmp_path, "small.mbf", SMALL)
    argv = ["prove", str(spec), "--engine", "tlc", "--variant", "base", "--claim", "exclusive",
            "--timeout", "2", "--no-save"]  # fmt: skip
    java: list[Child] = []
    with _started(argv, fake_java) as proc:
        try:
            java = _wait_for_java(proc)
            assert java, "the fake java never started"
            out, err = proc.communicate(timeout=120)
            assert proc.returncode == int(ExitCode.UNKNOWN), out + err
            assert "timeout" in out, out
            _assert_nothing_left(java)
        finally:
            _kill_leftovers(java)


def test_an_exception_ends_java_and_removes_its_directory(
    tmp_path: Path, fake_java: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bug while java runs (planted in the wait): exit 5, and still nothing left."""
    spec = write(tmp_path, "small.mbf", SMALL)
    for name in ("PATH", "JAVA_HOME"):
        monkeypatch.setenv(name, fake_java[name])
    java: list[Child] = []

    def broken(self: subprocess.Popen[str], timeout: float | None = None) -> object:
        java.extend(_java_children(os.getpid()))
        raise RuntimeError("planted")

    monkeypatch.setattr(subprocess.Popen, "communicate", broken)
    out, err = io.StringIO(), io.StringIO()
    try:
        code = run_cli(["tlc", str(spec), "--claim", "exclusive"], out, err)
        assert code == int(ExitCode.INTERNAL), err.getvalue()
        assert java, "the fake java never started"
        _assert_nothing_left(java)
    finally:
        _kill_leftovers(java)


# ------------------------------------------------------------------ the module itself


def test_children_end_with_the_block_and_take_their_group() -> None:
    """A child's own children (same group) end too; an exception still ends them."""
    script = "sleep 600 & echo $!; wait"
    pids: list[int] = []
    with pytest.raises(RuntimeError), Children() as kids:
        proc = kids.popen(["sh", "-c", script])
        assert proc.stdout is not None
        pids = [proc.pid, int(proc.stdout.readline())]
        assert all(running(p) for p in pids)
        raise RuntimeError("leave the block")
    assert all(_ended(p) for p in pids), pids
    assert kids.pids == ()


def test_end_is_idempotent_and_forgets_the_child() -> None:
    with Children() as kids:
        proc = kids.popen(["sleep", "600"])
        kids.end(proc)
        kids.end(proc)
        assert kids.pids == ()
        assert proc.returncode == -signal.SIGKILL


def test_run_reports_a_timeout() -> None:
    with Children() as kids:
        out, status, timed_out = kids.run(["sh", "-c", "echo hi; sleep 600"], Path("."), 0.5)
    assert (out, status, timed_out) == ("hi\n", None, True)


class _Signalled(Exception):
    pass


def test_a_signal_whose_handler_missed_the_read_still_ends_the_run(tmp_path: Path) -> None:
    """NOTE(lost-signal), made certain: the main thread blocks SIGUSR1, so the kernel
    hands it to another thread, whose C handler trips while the main thread sits in the
    child's read; only waiting in slices lets the Python handler run before the child
    ends (it would then have written `ended`)."""

    def handler(signum: int, frame: object) -> None:
        raise _Signalled

    def later() -> None:
        time.sleep(0.3)
        os.kill(os.getpid(), signal.SIGUSR1)

    ended = tmp_path / "ended"
    old = signal.signal(signal.SIGUSR1, handler)
    thread = threading.Thread(target=later, daemon=True)
    thread.start()  # before the block: the thread keeps SIGUSR1 unblocked
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1})
    try:
        with pytest.raises(_Signalled), Children() as kids:
            kids.run(["sh", "-c", f"sleep 20; touch {ended}"], Path("."), None)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        signal.signal(signal.SIGUSR1, old)
        thread.join()
    assert not ended.exists(), "the run waited for the child's end"


def test_signals_raise_turns_sigterm_into_an_interrupt() -> None:
    with signals_raise(), pytest.raises(Interrupted) as caught:
        os.kill(os.getpid(), signal.SIGTERM)
        for _ in range(100):  # the handler runs at the next bytecode boundary
            time.sleep(0.01)
    assert caught.value.signum == signal.SIGTERM
    assert isinstance(caught.value, KeyboardInterrupt)
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL


@pytest.mark.tlc
def test_sigterm_ends_a_real_tlc(tmp_path: Path) -> None:
    """The same with the real JVM (skipped without java)."""
    from mbind_formal.tlc.run import TlcSetup, find_tlc

    if not isinstance(find_tlc(), TlcSetup):
        pytest.skip("no java / TLC jar")
    from robust_support import BIG

    spec = write(tmp_path, "big.mbf", BIG)
    argv = ["prove", str(spec), "--pages", "12", "--engine", "tlc", "--no-save"]
    java: list[Child] = []
    with _started(argv, dict(os.environ)) as proc:
        try:
            java = _wait_for_java(proc)
            assert java, "java never started"
            proc.send_signal(signal.SIGTERM)
            _, err = proc.communicate(timeout=120)
            assert "Traceback" not in err, err
            assert proc.returncode == int(ExitCode.UNKNOWN), err
            _assert_nothing_left(java)
        finally:
            _kill_leftovers(java)
