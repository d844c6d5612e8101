"""Differential test: the Z3 engines agree with the explicit engine on random models.

Hypothesis draws small well-typed models (`model_strategies.random_cases`). On each, the
explicit engine (exhaustive, no symmetry) is the reference; BMC, k-induction and PDR
must agree wherever both decide: the same verdict, counterexamples of the explicit
engine's (shortest) length that replay, "no violation up to depth k" only when the
shortest violation is longer than k, a PDR/k-induction proof only when the explicit
search finds no counterexample, and no witness called reachable that the exhaustive
search never reaches (or the reverse). A disagreement prints the model in spec syntax.

`test_encoding_steps_like_the_semantics` checks the same random models one level down:
the initial states and each reachable state's successors, both sort choices.

Known gaps (by design, not failures): an engine may answer UNKNOWN (a per-engine
timeout of a few seconds, the depth bound, or k-induction leaving a witness undecided);
those examples check only what was decided. Deadlocks are the explicit engine's job
(the Z3 engines do not look for them).
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from model_strategies import RandomCase, random_cases, render
from z3_models import step_mismatches

from mbind_formal.engines.base import Budget, Result, Verdict
from mbind_formal.engines.explicit import ExplicitEngine
from mbind_formal.engines.z3.bmc import BmcEngine
from mbind_formal.engines.z3.induction import InductionEngine
from mbind_formal.engines.z3.pdr import PdrEngine
from mbind_formal.engines.z3.run import BMC_OPTIONS, PDR_OPTIONS
from mbind_formal.trace.replay import replay

BOUND = 10
Z3_BUDGET = Budget(max_depth=BOUND, timeout_s=4.0, seed=0)
# PDR without its BMC pre-pass, so that Spacer itself finds the (shallow) violations.
ENGINES = (BmcEngine(), InductionEngine(), PdrEngine(quick_depth=0))


def disagreements(ref: Result, r: Result) -> list[str]:
    """Why `r` contradicts the exhaustive explicit result `ref` (empty: it does not)."""
    out: list[str] = []
    if ref.verdict is Verdict.UNKNOWN:
        return out
    if ref.verdict is Verdict.VIOLATED:
        assert ref.trace is not None
        shortest = len(ref.trace)
        if r.verdict is Verdict.VIOLATED:
            assert r.trace is not None
            if len(r.trace) != shortest:
                out.append(f"trace of {len(r.trace)} steps, the shortest has {shortest}")
        elif r.verdict in (Verdict.HOLDS, Verdict.VACUOUS):
            out.append(f"{r.verdict.value}, but explicit has a {shortest}-step counterexample")
        elif r.depth is not None and "no violation up to depth" in r.reason and r.depth >= shortest:
            out.append(f"no violation up to depth {r.depth}, but one of {shortest} exists")
    elif r.verdict is Verdict.VIOLATED:
        out.append(f"violated, but explicit says {ref.verdict.value}")
    elif r.verdict is not Verdict.UNKNOWN and r.verdict is not ref.verdict:
        out.append(f"{r.verdict.value}, explicit says {ref.verdict.value}")
    for i, (mine, theirs) in enumerate(zip(r.witnesses, ref.witnesses, strict=False)):
        if mine is not None and theirs is not None and mine != theirs:
            out.append(f"witness {i + 1}: reachable={mine}, explicit says {theirs}")
    return out


@settings(
    max_examples=40,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(random_cases())
def test_z3_engines_agree_with_explicit(case: RandomCase) -> None:
    model, claim = case.model, case.claim
    ref = ExplicitEngine().check(model, claim, Budget(symmetry=False, max_states=50_000))
    problems: list[str] = []
    for engine in ENGINES:
        r = engine.check(model, claim, Z3_BUDGET)
        if r.trace is not None:
            rr = replay(model, r.trace, claim)
            if not rr.ok:
                problems.append(f"{engine.name}: trace does not replay: {rr.message}")
        problems += [f"{engine.name}: {p}" for p in disagreements(ref, r)]
    assert not problems, "\n".join([*problems, "", render(model, claim)])


@settings(
    max_examples=12,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(random_cases())
def test_encoding_steps_like_the_semantics(case: RandomCase) -> None:
    """Below the verdicts: init and every step of up to 8 reachable states, exactly."""
    problems = [
        f"{name}: {p}"
        for name, options in (("bv", BMC_OPTIONS), ("int", PDR_OPTIONS))
        for p in step_mismatches(case.model, options, 8)
    ]
    assert not problems, "\n".join([*problems, "", render(case.model)])
