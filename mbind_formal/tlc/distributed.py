"""Distributed TLC on one host: a `TLCServer` and K `TLCWorker`s talking RMI on loopback.

Input: an `EmittedModule` with one configuration, the number of worker processes, a
timeout. Output: a `TlcRun` read from the server's `-tool` messages.

The server computes the initial states, binds its RMI registry on a free port and
prints message 7000 (TLC_DISTRIBUTED_SERVER_RUNNING); only then are the workers
started, pointed at 127.0.0.1. Every JVM advertises `java.rmi.server.hostname=127.0.0.1`
so no RMI stub names another interface. TLC 2.15 creates the registry with
`LocateRegistry.createRegistry(port)`, which listens on every interface: nothing in
TLC's options restricts that socket to loopback, so run this on a trusted host.

What TLC 2.15's distributed mode reports differs from the single-process TLC: the
server's exit status is 0 whatever happened, a violation is announced by the trace
messages (2121, 2217) without the 2110 that names the invariant, and the trace it
prints may start mid-run (its first state, labelled the initial predicate, need not
be initial). So a distributed run gives a verdict and state counts; the caller gets
a replayable counterexample from a single-process run.
"""

from __future__ import annotations

import socket
import subprocess
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path

from mbind_formal.children import Children, slices
from mbind_formal.tla.emit import EmittedModule
from mbind_formal.tlc.run import (
    TLC_BEHAVIOR_UP_TO_THIS_POINT,
    TLC_DEADLOCK_REACHED,
    Outcome,
    TlcRun,
    TlcSetup,
    read_run,
    split_messages,
    write_module,
)

TLC_DISTRIBUTED_SERVER_RUNNING = 7000
SERVER = "tlc2.tool.distributed.TLCServer"
WORKER = "tlc2.tool.distributed.TLCWorker"


def free_port() -> int:
    """A TCP port nobody listens on right now (on loopback)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _jvm(setup: TlcSetup, workdir: Path, port: int) -> list[str]:
    return [
        setup.java,
        "-XX:+UseParallelGC",
        "-XX:TieredStopAtLevel=1",  # NOTE(jit) in engines/tlc.py
        f"-Djava.io.tmpdir={workdir / 'tmp'}",
        "-Djava.rmi.server.hostname=127.0.0.1",
        f"-Dtlc2.tool.distributed.TLCServer.port={port}",
        # The server checks for completion once per report interval (default 60 s).
        "-Dtlc2.tool.distributed.TLCServer.report=500",
        "-Dtlc2.tool.distributed.TLCWorker.threadCount=1",
        "-cp",
        setup.jar,
    ]


def server_command(setup: TlcSetup, workdir: Path, port: int, module: str, cfg: str) -> list[str]:
    return [
        *_jvm(setup, workdir, port),
        SERVER,
        "-tool",
        "-deadlock",  # disables the deadlock check, as for the witness runs
        "-config",
        f"{cfg}.cfg",
        "-metadir",
        str(workdir / "states"),
        f"{module}.tla",
    ]


def worker_command(setup: TlcSetup, workdir: Path, port: int) -> list[str]:
    return [*_jvm(setup, workdir, port), WORKER, "127.0.0.1"]


class _Reader(threading.Thread):
    """Collects a process's output and notices when the server is ready."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        super().__init__(daemon=True)
        self.proc = proc
        self.lines: list[str] = []
        self.ready = threading.Event()

    def run(self) -> None:
        assert self.proc.stdout is not None
        marker = f"@!@!@STARTMSG {TLC_DISTRIBUTED_SERVER_RUNNING}:"
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))
            if line.startswith(marker):
                self.ready.set()
        self.ready.set()  # the server ended (maybe before it was ready)


def run_distributed(
    setup: TlcSetup, emitted: EmittedModule, *, workers: int, timeout: float | None = None
) -> TlcRun:
    """Check the single configuration of `emitted` with a server and `workers` workers."""
    assert len(emitted.cfgs) == 1, "run_distributed checks one configuration"
    started = time.monotonic()
    deadline = None if timeout is None else started + timeout
    # NOTE(children): every JVM is ended before the directory goes, on every way out
    with tempfile.TemporaryDirectory(prefix="mbind-tlcd-") as tmp, Children() as kids:
        workdir = Path(tmp)
        write_module(emitted, workdir)
        port = free_port()
        cmd = server_command(setup, workdir, port, emitted.name, emitted.cfgs[0].name)
        server = kids.popen(cmd, cwd=workdir)
        reader = _Reader(server)
        reader.start()
        timed_out = False
        try:
            for left in slices(deadline):  # NOTE(lost-signal): waits in slices
                if reader.ready.wait(left):
                    break
            if server.poll() is None and reader.ready.is_set():
                for _ in range(max(1, workers)):
                    kids.popen(worker_command(setup, workdir, port), cwd=workdir)
            for left in slices(deadline):
                try:
                    server.wait(timeout=left)
                    break
                except subprocess.TimeoutExpired:
                    continue
            else:
                timed_out = server.poll() is None
        finally:
            kids.end_all()
            reader.join(timeout=5)
    text = "\n".join(reader.lines)
    run = read_run(text, None, seconds=time.monotonic() - started, timed_out=timed_out)
    run = replace(run, command=tuple(cmd))
    codes = {m.code for m in split_messages(text)[0]}
    if run.outcome is Outcome.FAILED and TLC_BEHAVIOR_UP_TO_THIS_POINT in codes:
        outcome = Outcome.DEADLOCK if TLC_DEADLOCK_REACHED in codes else Outcome.VIOLATED
        return replace(run, outcome=outcome, error="")
    return run
