"""The certificate of a parametric proof: the printed invariant, re-read and re-checked.

Stage: engines (parametric). Input: the invariant as spec text, the `SpecAt` that
appends it to the spec as a claim, the checked model and claim. Output: `Certificate`:
whether the text parsed, the three queries (initiation, consecution, implies-claim) on a
fresh encoding of the *re-parsed* text with fresh solvers, a fourth (types: no state of
the invariant stores outside a type, NOTE(param type rule)), a fifth (deadlock: no
state of the invariant is stuck, NOTE(param deadlock)), and the explicit engine's
verdict on the invariant at sizes 2..6 (it must hold in every reachable state there).
Any failure is named in `failed`; `ok` only when every check passed.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import z3

from mbind_formal.engines.base import Budget, Verdict
from mbind_formal.engines.param.encode import Ctx, PEncoding
from mbind_formal.engines.param.family import NotParametric, SpecAt, family
from mbind_formal.ir.model import AllDone, Claim, ClaimKind, Model

INVARIANT_CLAIM = "param_invariant_"
INSTANCE_SIZES = (2, 3, 4, 5, 6)


@dataclass(frozen=True, slots=True)
class Certificate:
    ok: bool
    failed: str  # "" when ok, else which check failed and why
    checks: tuple[tuple[str, str], ...]  # (check, outcome), in order
    instances: tuple[tuple[int, str, int | None], ...] = ()  # (size, verdict, states)


def claim_text(invariant: str) -> str:
    return f"\nclaim {INVARIANT_CLAIM} {{\n  always {invariant};\n}}\n"


def certify(
    respec: SpecAt,
    model: Model,
    claim: Claim,
    invariant: str,
    budget: Budget,
    deadline: float,
    sizes: Sequence[int] = INSTANCE_SIZES,
) -> Certificate:
    """Check `invariant` (spec text) from scratch (see the module docstring)."""
    checks: list[tuple[str, str]] = []

    def fail(what: str) -> Certificate:
        return Certificate(False, what, tuple(checks))

    extra = claim_text(invariant)
    try:
        fam = family(respec, model, claim, extra, INVARIANT_CLAIM)
        fam_claim = family(respec, model, claim)
    except NotParametric as e:
        return fail(f"the printed invariant does not parse or scale: {e}")
    checks.append(("parse", "the printed invariant parses"))
    enc = PEncoding(fam)
    inv = fam.claim.prop
    query_s = budget.query_timeout_s or 30.0
    s0, s1 = enc.state("c0"), enc.state("c1")

    def f(e: object, st: object) -> z3.BoolRef:
        v = enc.expr(e, Ctx(st))  # type: ignore[arg-type]
        assert isinstance(v, z3.BoolRef)
        return v

    # The claim (its assume and its invariant) is re-read from the family built without
    # the extra text, so its integers scale by their own shape; both encodings name the
    # same state variables (same names, same N), so their formulas meet in one query.
    enc_c = PEncoding(fam_claim)
    t0 = enc_c.state("c0")
    cl = fam_claim.claim
    assume = [] if cl.assume is None else [_b(enc_c.expr(cl.assume, Ctx(t0)))]
    goal = _b(enc_c.expr(cl.invariant, Ctx(t0)))
    queries: tuple[tuple[str, list[z3.BoolRef]], ...] = (
        ("initiation", [enc.init(s0, None), *assume, z3.Not(f(inv, s0))]),
        (
            "consecution",
            [
                enc.domain(s0),
                f(inv, s0),
                enc.trans(s0, s1),
                enc.same_consts(s0, s1),
                z3.Not(f(inv, s1)),
            ],
        ),
        ("implies-claim", [enc.domain(s0), f(inv, s0), z3.Not(goal)]),
    )
    # NOTE(param type rule): the invariant holds where a store outside its type disables
    # its path; the real relation makes such a store a violation (ir.model NOTE(type
    # rule)), so no state of the invariant may have one enabled: a well-typed state of
    # the invariant whose successor under the undisabled relation leaves the types.
    enc.type_rule = True
    try:
        types = ("types", [enc.domain(s0), f(inv, s0), enc.trans(s0, s1), z3.Not(enc.domain(s1))])
    finally:
        enc.type_rule = False
    queries = (*queries, types)
    # NOTE(param deadlock): a non-final state with no step violates every claim unless
    # the spec allows deadlocks (ir.model NOTE(deadlock)): none may satisfy the invariant.
    if not model.allow_deadlock:
        stuck = [
            enc.domain(s0),
            f(inv, s0),
            z3.Not(_b(enc.expr(AllDone(), Ctx(s0)))),
            z3.Not(enc.enabled(s0)),
        ]
        queries = (*queries, ("deadlock", stuck))
    for name, parts in queries:
        s = z3.Solver()
        s.set("timeout", max(1, int(min(query_s, max(0.1, deadline - time.monotonic())) * 1000)))
        s.set("random_seed", budget.seed)
        s.add(*parts)
        r = s.check()
        if r != z3.unsat:
            checks.append((name, str(r)))
            return fail(f"{name}: the solver answered {r}")
        checks.append((name, "unsat"))
    # instantiation against the explicit engine
    from mbind_formal.engines.explicit import ExplicitEngine

    inst: list[tuple[int, str, int | None]] = []
    for n in sizes:
        left = deadline - time.monotonic()
        if left <= 0:
            return Certificate(
                False, f"instantiation at size {n}: out of time", tuple(checks), tuple(inst)
            )
        spec = respec({fam.param: n}, extra)
        if spec is None:
            return Certificate(
                False,
                f"instantiation at size {n}: the spec does not build",
                tuple(checks),
                tuple(inst),
            )
        m = spec.model(model.variant)
        c = spec.claim(INVARIANT_CLAIM)
        assume_n = spec.claim(claim.name).assume
        probe = Claim(name=INVARIANT_CLAIM, kind=ClaimKind.ALWAYS, prop=c.prop, assume=assume_n)
        r2 = ExplicitEngine().check(m, probe, Budget(timeout_s=left, max_states=budget.max_states))
        inst.append((n, r2.verdict.value, r2.states))
        if r2.verdict is not Verdict.HOLDS:
            why = r2.reason or r2.verdict.value
            checks.append((f"explicit at size {n}", r2.verdict.value))
            return Certificate(
                False, f"instantiation at size {n}: {why}", tuple(checks), tuple(inst)
            )
        checks.append((f"explicit at size {n}", f"holds ({r2.states} states)"))
    return Certificate(True, "", tuple(checks), tuple(inst))


def _b(v: object) -> z3.BoolRef:
    assert isinstance(v, z3.BoolRef)
    return v
