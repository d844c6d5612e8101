"""The default engine: explicit search when the model is small, else Z3, cheapest first.

Stage: engines. Input: a `Model`, a `Claim`, a `Budget`. Output: the `Result` of the
first method that decides, re-labelled `engine="auto"`, `method="auto: <engine>
(<how>)"`, with the notes of the methods that did not decide in `reason` (when none
does) and in `stats["tried"]`.

Order: (1) the explicit engine, exhaustive when the product of the slot domains is at
most `EXPLICIT_STATES` and otherwise capped at that many states (it decides most small
models at once and gives the shortest trace); (2) BMC to depth `QUICK_DEPTH` for
shallow bugs; (3) k-induction up to the budget's depth; (4) PDR. Each phase gets a
share of the remaining time, so a slow phase cannot starve the ones after it.
"""

from __future__ import annotations

from dataclasses import replace

from mbind_formal.engines.base import Budget, Engine, Progress, Result, Verdict
from mbind_formal.engines.explicit import ExplicitEngine
from mbind_formal.engines.z3.bmc import BmcEngine
from mbind_formal.engines.z3.induction import InductionEngine
from mbind_formal.engines.z3.pdr import PdrEngine
from mbind_formal.engines.z3.run import Clock, max_depth, unknown
from mbind_formal.ir.model import Claim, Model
from mbind_formal.semantics.layout import Layout, SlotKind, domain, sizes_of

EXPLICIT_STATES = 200_000  # states the explicit engine may visit before Z3 takes over
QUICK_DEPTH = 10  # BMC depth of the quick bug hunt


def estimate_states(model: Model) -> int:
    """An upper bound on the number of states: the product of the slot domains."""
    layout, sizes = Layout(model), sizes_of(model)
    total = 1
    for slot in layout.slots:
        if slot.kind is SlotKind.PC:
            total *= len(slot.labels)
        else:
            assert slot.type is not None
            total *= len(domain(slot.type, sizes))
    return total


class AutoEngine:
    """Explicit search for small models, then BMC, k-induction and PDR."""

    name = "auto"

    def __init__(self) -> None:
        self._explicit = ExplicitEngine()
        self._bmc = BmcEngine()
        self._kind = InductionEngine()
        self._pdr = PdrEngine(quick_depth=0)  # the BMC phase already looked

    def check(
        self,
        model: Model,
        claim: Claim,
        budget: Budget,
        report: Progress | None = None,
    ) -> Result:
        clock = Clock(budget)
        if claim.temporal:  # NOTE(liveness): only the explicit search decides these
            r = self._explicit.check(model, claim, budget, report)
            return self._relabel(r, [], clock, estimate_states(model))
        estimate = estimate_states(model)
        small = estimate <= EXPLICIT_STATES
        cap = budget.max_states
        if not small:
            cap = min(cap or EXPLICIT_STATES, EXPLICIT_STATES)
        bound = max_depth(budget)
        phases: list[tuple[Engine, Budget, float]] = [
            (self._explicit, replace(budget, max_states=cap), 1.0 if small else 0.25),
            (self._bmc, replace(budget, max_depth=min(bound, QUICK_DEPTH)), 0.1),
            (self._kind, budget, 0.4),
            (self._pdr, budget, 1.0),
        ]
        notes: list[str] = []
        last: Result | None = None
        # A phase that searched every run up to the whole bound (k-induction reaching
        # it; the quick BMC hunt's shorter depth does not count): auto's own bound.
        bounds: list[int] = []
        for engine, phase_budget, share in phases:
            left = clock.remaining()
            if left is not None and left <= 0:
                notes.append(f"{engine.name}: not run (timeout)")
                break
            limited = (
                phase_budget if left is None else replace(phase_budget, timeout_s=left * share)
            )
            r = engine.check(model, claim, limited, report)
            last = r
            if r.verdict is not Verdict.UNKNOWN:
                return self._relabel(r, notes, clock, estimate)
            notes.append(f"{engine.name}: {r.reason or r.verdict.value}")
            if r.bound is not None and r.bound >= bound:
                bounds.append(r.bound)
        base = unknown(self.name, model, claim, clock)
        witnesses = last.witnesses if last is not None else ()
        return replace(
            base,
            method="auto",
            reason="; ".join(notes),
            witnesses=witnesses,
            bound=max(bounds, default=None),
            stats={"tried": " | ".join(notes), "estimate": estimate},
        )

    def _relabel(self, r: Result, notes: list[str], clock: Clock, estimate: int) -> Result:
        how = r.engine if r.method in (r.engine, "") else f"{r.engine} ({r.method})"
        stats = dict(r.stats)
        stats["tried"] = " | ".join(notes)
        stats["estimate"] = estimate
        return replace(
            r, engine=self.name, method=f"auto: {how}", seconds=clock.elapsed(), stats=stats
        )
