"""Parallel cells: `matrix --jobs N` checks variants in N worker processes.

Stage: CLI. Input: the resolved run (how to load the spec, variants, claims, engines,
budget, deadline). Output: the same `Cell`s, in the same order, as the sequential loop
of `cli.cells.run_cells_cli`, and the same interruption note when stopped.

The unit of work is one variant's claims, run in order in one worker (`cli.worker`):
the explicit engine's successor memo (NOTE(successor memo)) and the Z3 engines' per
variant encodings then serve those claims exactly as without workers, and no result
depends on how variants were spread over workers, so the output is the same whatever
the job count. Variants go to the first idle worker, in order; answers come back as
JSON (`cli.wire`), one line per cell, read by one thread per worker.

NOTE(children): workers are owned `Children` (a process group each). On every way out
(the end, an exception, Ctrl-C, SIGTERM, SIGHUP, the total timeout) each is first sent
SIGTERM, which it turns into its own Ctrl-C so that what it started (TLC's JVMs) is
ended too, then, after a short grace, its group is killed. A worker also ends itself
when the CLI dies (`cli.worker`).
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TextIO

from mbind_formal.children import Children
from mbind_formal.cli.common import interrupted_note
from mbind_formal.cli.render import progress_bar
from mbind_formal.cli.wire import decode_as, encode
from mbind_formal.cli.worker import MARK
from mbind_formal.engines.base import Budget
from mbind_formal.ir.model import ParamValue
from mbind_formal.verdicts import Cell

_GRACE_S = 2.0  # SIGTERM to SIGKILL
_LATE_S = 5.0  # past the total deadline, a worker that has not answered is ended
_POLL_S = 0.2


@dataclass(frozen=True, slots=True)
class WorkerOptions:
    """How a worker loads the spec: as the CLI did."""

    spec: str
    params: dict[str, ParamValue]
    allow_outside: bool


def default_jobs() -> int:
    """The cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


@dataclass
class _Worker:
    proc: subprocess.Popen[str]
    job: list[tuple[str, str]]  # the cells of the job it works on ([]: idle)
    output: list[str]  # its lines that are not protocol (for an internal error)


def _reader(w: _Worker, into: queue.Queue[tuple[_Worker, str | None]]) -> None:
    assert w.proc.stdout is not None
    for line in w.proc.stdout:
        into.put((w, line))
    into.put((w, None))


def run_parallel(
    options: WorkerOptions,
    variants: Sequence[str],
    claims: Sequence[str],
    engines: Sequence[str],
    budget: Budget,
    deadline: float | None,
    jobs: int,
    err: TextIO,
    on_cell: Callable[[Cell], None],
) -> tuple[list[Cell], str]:
    """The cells of `variants` x `claims` (see the module docstring)."""
    from mbind_formal.cli.cells import TOTAL_TIMEOUT_SKIP, _skipped

    todo = [(v, c) for v in variants for c in claims]
    order = {vc: i for i, vc in enumerate(todo)}
    units = [[(v, c) for c in claims] for v in variants]
    done: dict[tuple[str, str], Cell] = {}
    shown = 0  # cells handed to on_cell (in order)
    run = json.dumps(
        {
            "spec": options.spec,
            "params": options.params,
            "allow_outside": options.allow_outside,
            "engines": list(engines),
            "budget": encode(budget),
        }
    )
    lines: queue.Queue[tuple[_Worker, str | None]] = queue.Queue()
    workers: list[_Worker] = []

    def flush_in_order() -> None:
        nonlocal shown
        while shown < len(todo) and todo[shown] in done:
            on_cell(done[todo[shown]])
            shown += 1

    def send(w: _Worker) -> None:
        assert w.proc.stdin is not None
        if not units:
            w.job = []
            w.proc.stdin.close()
            return
        w.job = units.pop(0)
        left = None if deadline is None else max(0.0, deadline - time.monotonic())
        w.proc.stdin.write(json.dumps({"cells": w.job, "left": left}) + "\n")
        w.proc.stdin.flush()

    with progress_bar(err, len(todo), "checking") as (advance, _report), Children() as kids:
        try:
            for _ in range(min(jobs, len(units))):
                proc = kids.popen(
                    [sys.executable, "-m", "mbind_formal.cli.worker"], stdin=subprocess.PIPE
                )
                assert proc.stdin is not None
                proc.stdin.write(run + "\n")
                w = _Worker(proc, [], [])
                workers.append(w)
                threading.Thread(target=_reader, args=(w, lines), daemon=True).start()
                send(w)
            alive = len(workers)
            while alive:
                if deadline is not None and time.monotonic() > deadline + _LATE_S:
                    break
                try:
                    w, line = lines.get(timeout=_POLL_S)
                except queue.Empty:
                    continue
                if line is None:
                    alive -= 1
                    if w.job:
                        raise RuntimeError(_died(w))
                    continue
                if not line.startswith(MARK):
                    w.output.append(line)
                elif line.startswith(f"{MARK}CELL "):
                    cell = decode_as(json.loads(line[len(MARK) + 5 :]), Cell)
                    done[(cell.variant, cell.claim)] = cell
                    advance(f"{cell.variant} / {cell.claim}: {cell.verdict.value}")
                    flush_in_order()
                elif line.startswith(f"{MARK}DONE"):
                    send(w)
        except KeyboardInterrupt as e:
            _stop(kids, workers)
            cells = sorted(done.values(), key=lambda c: order[(c.variant, c.claim)])
            return cells, interrupted_note(e, f"{len(cells)} of {len(todo)} cells decided")
        finally:
            _stop(kids, workers)
    for v, c in todo:  # the total timeout ended the workers before these
        if (v, c) not in done:
            done[(v, c)] = _skipped(v, c, engines, TOTAL_TIMEOUT_SKIP)
    flush_in_order()
    return [done[vc] for vc in todo], ""


def _died(w: _Worker) -> str:
    tail = "".join(w.output[-20:]).rstrip()
    return (
        f"a worker process ended (status {w.proc.poll()}) before answering "
        f"{len(w.job)} cells of variant {w.job[0][0]}:\n{tail}"
    )


def _stop(kids: Children, workers: list[_Worker]) -> None:
    """NOTE(children): SIGTERM first (a worker ends what it started), then the groups'
    SIGKILL by `Children`."""
    running = [w.proc for w in workers if w.proc.pid in kids.pids and w.proc.poll() is None]
    for proc in running:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGTERM)
    end = time.monotonic() + _GRACE_S
    for proc in running:
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=max(0.0, end - time.monotonic()))
    kids.end_all()
