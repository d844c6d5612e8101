"""Limits: what of a model TLC cannot represent, found before TLC runs.

Stage: a check beside the emitter. Input: a model and the claims to emit. Output:
located diagnostics (MBF604) for integer literals outside TLC's integers, which are
Java `int`s: TLC stops with "can't handle a number this big" at the first one, and
the cell used to end as an unexplained `unknown`. Range types are within 32 bits by
validation; their ends, -2**31 included, are written so that TLC reads them
(`symbols.int_text`).
"""

from __future__ import annotations

from collections.abc import Sequence

from mbind_formal.diagnostics import Diagnostic
from mbind_formal.ir.model import Claim, IntLit, Model
from mbind_formal.ir.walk import claim_exprs, model_exprs

TLC_INT_MIN, TLC_INT_MAX = -(1 << 31), (1 << 31) - 1


def tlc_int_errors(model: Model, claims: Sequence[Claim]) -> tuple[Diagnostic, ...]:
    """MBF604 for each distinct integer literal TLC cannot represent, at its first use."""
    seen: set[int] = set()
    out: list[Diagnostic] = []
    exprs = [*model_exprs(model), *(e for c in claims for e in claim_exprs(c))]
    for e in exprs:
        if not isinstance(e, IntLit) or TLC_INT_MIN <= e.value <= TLC_INT_MAX:
            continue
        if e.value in seen:
            continue
        seen.add(e.value)
        out.append(
            Diagnostic(
                code="MBF604",
                message=f"integer literal {e.value} is outside TLC's integers "
                f"({TLC_INT_MIN}..{TLC_INT_MAX})",
                span=e.span,
                hint="TLC computes with 32-bit integers: use a smaller literal, or check "
                "this model with another engine (--engine explicit, bmc, kind or pdr)",
            )
        )
    return tuple(sorted(out, key=lambda d: (str(d.span), d.message)))
