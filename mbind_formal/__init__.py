"""mbind-formal: a formal model checker for Linux memory-management races.

The public API: load a spec written in the DSL (`load_spec`, `load_text`), or build the
same IR from Python (`SpecBuilder`); both return / produce an `ir.model.Spec` that the
engines check. Diagnostics are values (`Diagnostic`); `SpecBuilder.build()` raises
`DiagnosticError` when the model has errors.
"""

from mbind_formal.build.spec import (
    ActorBuilder,
    CollectionBuilder,
    DefRef,
    SpecBuilder,
    VariantBuilder,
)
from mbind_formal.diagnostics import Diagnostic, DiagnosticError, Span, render, render_all
from mbind_formal.ir.model import BOOL, Claim, Model, Spec
from mbind_formal.ir.validate import validate
from mbind_formal.lower.spec import LoadResult, load_spec, load_text

__all__ = (
    "BOOL",
    "ActorBuilder",
    "Claim",
    "CollectionBuilder",
    "DefRef",
    "Diagnostic",
    "DiagnosticError",
    "LoadResult",
    "Model",
    "Span",
    "Spec",
    "SpecBuilder",
    "VariantBuilder",
    "load_spec",
    "load_text",
    "render",
    "render_all",
    "validate",
)
