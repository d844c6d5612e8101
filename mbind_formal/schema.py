"""JSON documents: the one versioned schema family every command writes.

Every document the tool writes (`prove/matrix --json`, `scenarios --json`, `trace
--format json`, a run record's `run.json`) opens with `{"schema": SCHEMA_VERSION,
"document": ...}` and uses the same key for the same thing: `spec` (the spec path), `params`
(parameter -> value), `variant`, `claim`, `engine`, `verdict`, `scenarios` (scenario
rows), `trace_length`, `trace`, `scope` for what a `holds` covers (`"all sizes"`: a certified
parametric invariant, `--engine param`; `"this size"`: the model as built; null
otherwise), and `kind` for a trace's kind (`violation`, `witness`,
`deadlock`, `run`), as ITF's `#meta.kind` does. ITF files are the exception: they follow the ITF
format (`trace.itf`), with these names under `#meta`.

Stage: shared by trace, verdicts and cli (imports nothing of the package).
"""

from __future__ import annotations

import enum

SCHEMA_VERSION = 2  # 1: matrix and prove only, scenarios' list was called `results`


class DocKind(enum.Enum):
    MATRIX = "matrix"  # prove, matrix: cells and scenarios
    SCENARIOS = "scenarios"  # scenarios: scenario rows with their failing runs
    TRACE = "trace"  # trace --format json: one trace, changes per step
    RUN = "run"  # runs/<...>/run.json: the command, its options and its result


def header(kind: DocKind) -> dict[str, int | str]:
    """The first two keys of every document."""
    return {"schema": SCHEMA_VERSION, "document": kind.value}
