"""mbind-formal: a formal model checker for Linux memory-management races.

The public API: load a spec written in the DSL (`load_spec`, `load_text`), or build the
same IR from Python (`SpecBuilder`); both return / produce an `ir.model.Spec`. Check a
claim of one of its models with `check(model, claim, engine, budget)` (engine names:
`engine_names()`), which returns a `Result` whose `Verdict` is a value and whose
`trace` (when violated) has been replayed; show a trace with `render_rows` /
`render_lanes`, write it as ITF with `write_itf`, check one with `replay`. Diagnostics
are values (`Diagnostic`); `SpecBuilder.build()` raises `DiagnosticError` when the
model has errors. README "Python API" has a runnable example.
"""

from mbind_formal.build.spec import (
    ActorBuilder,
    CollectionBuilder,
    DefRef,
    SpecBuilder,
    VariantBuilder,
)
from mbind_formal.diagnostics import Diagnostic, DiagnosticError, Span, render, render_all
from mbind_formal.engines.base import Budget, Result, Verdict
from mbind_formal.engines.registry import engine_names
from mbind_formal.ir.model import BOOL, Claim, Model, Spec
from mbind_formal.ir.validate import validate
from mbind_formal.lower.spec import LoadResult, load_spec, load_text
from mbind_formal.trace.itf import read_itf, write_itf
from mbind_formal.trace.model import Trace, TraceKind, TraceStep
from mbind_formal.trace.replay import ReplayResult, replay
from mbind_formal.trace.text import render_lanes, render_rows
from mbind_formal.verdicts import check

__all__ = (
    "BOOL",
    "ActorBuilder",
    "Budget",
    "Claim",
    "CollectionBuilder",
    "DefRef",
    "Diagnostic",
    "DiagnosticError",
    "LoadResult",
    "Model",
    "ReplayResult",
    "Result",
    "Span",
    "Spec",
    "SpecBuilder",
    "Trace",
    "TraceKind",
    "TraceStep",
    "VariantBuilder",
    "Verdict",
    "check",
    "engine_names",
    "load_spec",
    "load_text",
    "read_itf",
    "render",
    "render_all",
    "render_lanes",
    "render_rows",
    "replay",
    "validate",
    "write_itf",
)
