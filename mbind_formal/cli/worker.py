"""`python -m mbind_formal.cli.worker`: one worker process of `matrix --jobs N`.

Stage: CLI (started by `cli.parallel`, never by a user). Input, on stdin, one JSON
object per line: first the run ({"spec", "params", "allow_outside", "engines",
"budget"}), then jobs ({"cells": [[variant, claim], ...], "left": seconds or null}),
each answered on stdout by one `\\x1eCELL <json>` line per cell, in order, then
`\\x1eDONE`. It ends at the end of its input.

Each job is one variant's claims: they run in order on one `EnginePool`, so the explicit
engine's successor memo (NOTE(successor memo)) serves all of them, exactly as in a run
without workers. SIGTERM ends the worker as Ctrl-C ends the CLI (NOTE(children): what it
started, TLC's JVMs, is ended too), and so does the death of its parent.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
from typing import TextIO

from mbind_formal.children import signals_raise
from mbind_formal.cli.wire import decode_as, encode
from mbind_formal.engines.base import Budget
from mbind_formal.engines.registry import EnginePool
from mbind_formal.ir.model import Spec
from mbind_formal.verdicts import Cell

MARK = "\x1e"  # starts every protocol line (anything else on stdout is not ours)
_ORPHAN_POLL_S = 0.5


def _watch_parent(parent: int) -> None:
    """SIGTERM ourselves when the parent is gone (its SIGKILL cannot end us)."""
    while os.getppid() == parent:
        time.sleep(_ORPHAN_POLL_S)
    os.kill(os.getpid(), signal.SIGTERM)


def serve(spec: Spec, engines: list[str], budget: Budget, inp: TextIO, out: TextIO) -> None:
    """Answer jobs from `inp` until it ends (see the module docstring)."""
    from mbind_formal.cli.cells import check_one

    pool = EnginePool()
    for line in inp:
        job = json.loads(line)
        left = job["left"]
        deadline = None if left is None else time.monotonic() + float(left)
        for v, c in job["cells"]:
            cell: Cell = check_one(spec, v, c, engines, budget, deadline, None, pool)
            out.write(f"{MARK}CELL {json.dumps(encode(cell))}\n")
            out.flush()
        out.write(f"{MARK}DONE\n")
        out.flush()


def main() -> int:
    from mbind_formal.lower.spec import load_spec

    threading.Thread(target=_watch_parent, args=(os.getppid(),), daemon=True).start()
    with signals_raise():
        try:
            run = json.loads(sys.stdin.readline())
            loaded = load_spec(run["spec"], run["params"], allow_outside=run["allow_outside"])
            if loaded.spec is None:
                print("worker: the spec did not load", file=sys.stderr)
                return 2
            budget = decode_as(run["budget"], Budget)
            serve(loaded.spec, list(run["engines"]), budget, sys.stdin, sys.stdout)
        except KeyboardInterrupt:
            return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
