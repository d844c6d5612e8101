"""Owned child processes: every process the tool starts ends when the tool's run ends.

Stage: plumbing below `tlc/` (the JVMs of TLC) and whatever later starts worker
processes (the parallel cells' pool). Input: commands to start. Output: running
children, each the leader of a process group of its own, and one promise: when the
`with Children() as kids:` block is left - normally, by an exception, by a timeout,
by Ctrl-C (SIGINT), SIGTERM or SIGHUP - every one of those groups is killed (SIGKILL)
and its leader reaped, before the block's caller goes on (and so before a temporary
directory the children wrote into is removed).

Why groups: a child runs in a session of its own, so the terminal's Ctrl-C and a
closing terminal's SIGHUP never reach it directly, and killing the group also kills
whatever the child started (a shell script's `exec`, a JVM's helpers).

Why `signals_raise`: Python's default action for SIGTERM and SIGHUP ends the
interpreter at once, without running `finally` blocks or `__exit__`, which is how
`java` was left running with parent 1 and its `mbind-tlc-*` directory left behind.
While `signals_raise()` is active (the CLI's `main` holds it), both raise
`Interrupted`, a `KeyboardInterrupt`, so every path that handles Ctrl-C (partial
results, "interrupted", cleanup) handles them the same way.

NOTE(spawn-race): a signal that arrives while `Popen` is between fork and return would
raise inside it and orphan the child, so `popen` blocks the three signals around the
start and the registration; the child gets the mask it would have had (its
`preexec_fn` only unblocks them; it calls no other Python code) and the pending signal
is delivered, as an exception, just after the child is owned.

NOTE(lost-signal): a signal that lands after Python's last check for one and before the
blocking read of the child's output starts runs its C handler but raises nothing until
the read returns, which for a child that never ends is never (a CI run hung for 120 s
on one SIGINT). `run` therefore waits in slices of `_POLL_S`: each slice's end gives
the pending handler its turn, so the run ends within one slice of the signal.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from types import FrameType, TracebackType
from typing import IO, Self

_POLL_S = 0.5  # the longest a signal can wait for its handler in `run` (NOTE(lost-signal))
STOP_SIGNALS = frozenset({signal.SIGINT, signal.SIGTERM, signal.SIGHUP})


class Interrupted(KeyboardInterrupt):
    """SIGTERM or SIGHUP, raised in the main thread like Ctrl-C's KeyboardInterrupt."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


@contextlib.contextmanager
def signals_raise() -> Iterator[None]:
    """While active, SIGTERM and SIGHUP raise `Interrupted` (once: a second one while the
    run is already ending is ignored, so that cleanup is not cut short). Outside the main
    thread, or where a signal is ignored (`nohup`), it changes nothing for that signal."""
    raised: list[int] = []

    def handler(signum: int, frame: FrameType | None) -> None:
        if not raised:
            raised.append(signum)
            raise Interrupted(signum)

    previous: list[tuple[signal.Signals, signal._HANDLER]] = []
    try:
        for sig in (signal.SIGTERM, signal.SIGHUP):
            old = signal.getsignal(sig)
            if old is signal.SIG_IGN:
                continue
            signal.signal(sig, handler)
            previous.append((sig, old))
    except ValueError:  # not the main thread: signals cannot be handled here
        pass
    try:
        yield
    finally:
        for sig, old in previous:
            signal.signal(sig, old)


def slices(until: float | None) -> Iterator[float]:
    """Timeouts of at most `_POLL_S` for a blocking wait retried until the monotonic time
    `until` (forever if None); the loop's `else` is the deadline (NOTE(lost-signal))."""
    while True:
        left = _POLL_S if until is None else min(_POLL_S, until - time.monotonic())
        if left <= 0:
            return
        yield left


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Hold SIGINT, SIGTERM and SIGHUP until the block ends (then they are delivered)."""
    old = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _unblock_in_child() -> None:  # NOTE(spawn-race)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)


class Children:
    """The child processes of one block of work (see the module docstring)."""

    def __init__(self) -> None:
        self._procs: list[subprocess.Popen[str]] = []

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.end_all()

    @property
    def pids(self) -> tuple[int, ...]:
        """The children still owned (each is also its process group's id)."""
        return tuple(p.pid for p in self._procs)

    def popen(
        self,
        cmd: Sequence[str],
        *,
        cwd: Path | None = None,
        env: Mapping[str, str] | None = None,
        stdin: int | IO[str] | None = subprocess.DEVNULL,
    ) -> subprocess.Popen[str]:
        """Start `cmd` as the leader of a new session, stdout and stderr merged into one
        text pipe (UTF-8, undecodable bytes replaced: a child's output is data, and a
        byte that is not UTF-8 must not become an internal error)."""
        with _signals_held():
            proc = subprocess.Popen(
                list(cmd),
                cwd=cwd,
                env=None if env is None else dict(env),
                stdin=stdin,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                encoding="utf-8",
                errors="replace",
                start_new_session=True,
                preexec_fn=_unblock_in_child,
            )
            self._procs.append(proc)
        return proc

    def end(self, proc: subprocess.Popen[str]) -> None:
        """Kill `proc`'s process group, reap `proc` and stop owning it (nothing if it is
        not owned). The group is killed even when `proc` itself has exited: what it
        started may still run there."""
        with _signals_held():
            if proc not in self._procs:
                return
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            self._procs.remove(proc)

    def end_all(self) -> None:
        """`end` every owned child, the last started first."""
        for proc in reversed(list(self._procs)):
            self.end(proc)

    def run(
        self, cmd: Sequence[str], cwd: Path, timeout: float | None
    ) -> tuple[str, int | None, bool]:
        """Run `cmd` to its end: (its output, exit status, whether `timeout` ended it). The
        child is ended whichever way the wait ends (a timeout, Ctrl-C, a signal)."""
        proc = self.popen(cmd, cwd=cwd)
        until = None if timeout is None else time.monotonic() + timeout
        try:
            for left in slices(until):  # NOTE(lost-signal)
                try:
                    out, _ = proc.communicate(timeout=left)
                    break
                except subprocess.TimeoutExpired:
                    continue
            else:
                self.end(proc)
                out, _ = proc.communicate()
                return out, None, True
        finally:
            self.end(proc)
        return out, proc.returncode, False
