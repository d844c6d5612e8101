"""`semantics.compile`: the generated step code computes exactly what the closures do.

Compared with compilation on and off (`Semantics(model, compiled=...)`, the CLI's
`--no-compile`): for every state reached (up to a bound), the successor lists (order,
step ids, choices, values and their Python types), finality, the claims' predicates and
the refused-store counters and the logged type violations; and, one level up, the
explicit engine's results (verdict,
distinct states, transitions, depth, witnesses, coverage, counterexample and deadlock
traces). On the bundled model (spec/mbind.mbf at 2 pages, every variant) and on random
models (hypothesis, `tests/engines/model_strategies.py`).
"""

from __future__ import annotations

from collections import deque
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from model_strategies import RandomCase, random_cases, render

from mbind_formal.engines.base import Budget, Result
from mbind_formal.engines.explicit import ExplicitEngine
from mbind_formal.ir.model import (
    Actor,
    Assign,
    Await,
    Binary,
    BinOp,
    Bound,
    Claim,
    ClaimKind,
    GlobalVar,
    InitValue,
    IntLit,
    Model,
    Quant,
    Quantifier,
    RangeType,
    Step,
    Var,
)
from mbind_formal.lower.spec import load_spec
from mbind_formal.semantics.layout import State
from mbind_formal.semantics.relation import Semantics

ROOT = Path(__file__).resolve().parents[2]


def step_mismatches(model: Model, claim: Claim | None, limit: int) -> list[str]:
    """Differences between the two implementations over the first `limit` states (BFS)."""
    ref, gen = Semantics(model, compiled=False), Semantics(model)
    preds: list[tuple[str, object, object]] = []
    if claim is not None:
        exprs = [claim.invariant, *claim.witnesses]
        exprs += [claim.assume] if claim.assume is not None else []
        preds = [(str(i), ref.predicate(e), gen.predicate(e)) for i, e in enumerate(exprs)]
    inits = list(ref.initial_states())
    if inits != list(gen.initial_states()):
        return ["initial states differ"]
    seen: set[State] = set(inits)
    todo = deque(inits)
    problems: list[str] = []
    done = 0
    while todo and done < limit and not problems:
        s = todo.popleft()
        done += 1
        del ref.fault_log[:], gen.fault_log[:]
        a, b = ref.raw_successors(s), gen.raw_successors(s)
        if ref.fault_log != gen.fault_log:  # NOTE(type rule): the same violations, in order
            problems.append(f"type violations of {s}: {ref.fault_log} != {gen.fault_log}")
        if a != b or [type(v) for x in a for v in x[2]] != [type(v) for x in b for v in x[2]]:
            problems.append(f"successors of {s}: closures {a}, compiled {b}")
        if ref.is_final(s) != gen.is_final(s):
            problems.append(f"finality of {s}")
        for name, p, q in preds:
            if p(s) != q(s):  # type: ignore[operator]  # predicates
                problems.append(f"predicate {name} on {s}")
        for _, _, t in a:
            if t not in seen:
                seen.add(t)
                todo.append(t)
    if ref.blocked_counts != gen.blocked_counts:
        problems.append(f"refused stores {ref.blocked_counts} != {gen.blocked_counts}")
    return problems


def same_result(a: Result, b: Result) -> list[str]:
    """The fields of two explicit results that must agree (all but timings)."""
    out = []
    for name in ("verdict", "states", "depth", "witnesses", "reason", "coverage"):
        if getattr(a, name) != getattr(b, name):
            out.append(f"{name}: {getattr(a, name)!r} != {getattr(b, name)!r}")
    if a.trace != b.trace:
        out.append("counterexample traces differ")
    if a.deadlock != b.deadlock:
        out.append("deadlock traces differ")
    for stat in ("distinct_states", "transitions", "initial_states", "depth", "blocked_steps"):
        if a.stats.get(stat) != b.stats.get(stat):
            out.append(f"stats[{stat}]: {a.stats.get(stat)} != {b.stats.get(stat)}")
    return out


@settings(
    max_examples=40,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(random_cases())
def test_random_models_step_and_check_alike(case: RandomCase) -> None:
    model, claim = case.model, case.claim
    problems = step_mismatches(model, claim, 2_000)
    for symmetry in (False, True):
        budget = Budget(symmetry=symmetry, max_states=20_000)
        on = ExplicitEngine().check(model, claim, budget)
        ref = Budget(symmetry=symmetry, max_states=20_000, compiled=False)
        off = ExplicitEngine().check(model, claim, ref)
        problems += [f"symmetry={symmetry}: {p}" for p in same_result(off, on)]
    assert not problems, "\n".join([*problems, "", render(model, claim)])


def _bundled() -> list[Model]:
    spec = load_spec(str(ROOT / "spec" / "mbind.mbf"), {"pages": 2}).spec
    assert spec is not None
    return [spec.model(v) for v in spec.variants]


@pytest.mark.parametrize("model", _bundled(), ids=lambda m: m.variant)
def test_bundled_model_steps_alike(model: Model) -> None:
    gen = Semantics(model)
    assert gen.code is not None and gen.code.fallbacks == ()  # every step is generated
    assert step_mismatches(model, None, 400) == []


def test_bundled_model_checks_alike() -> None:
    """Every claim of two variants, one engine each way (so the memo is exercised too)."""
    spec = load_spec(str(ROOT / "spec" / "mbind.mbf"), {"pages": 2}).spec
    assert spec is not None
    on, off = ExplicitEngine(), ExplicitEngine()
    for variant in ("base", "mainline"):
        model = spec.model(variant)
        for claim in spec.claims:
            a = off.check(model, claim, Budget(compiled=False, max_states=60_000))
            b = on.check(model, claim, Budget(max_states=60_000))
            assert same_result(a, b) == [], (variant, claim.name)


def _watched_model() -> tuple[Model, Claim]:
    """A guard quantifying over a wide range: the closure ticks (NOTE(watch)), so the
    generated code keeps calling it (NOTE(compiled fallback))."""
    wide = RangeType(0, 5_000)
    x = GlobalVar(name="x")
    guard = Quant(
        kind=Quantifier.EXISTS,
        var="v",
        domain=wide,
        body=Binary(op=BinOp.EQ, left=Bound(name="v"), right=x),
    )
    inc = Assign(target=x, value=Binary(op=BinOp.ADD, left=x, right=IntLit(value=1)))
    actor = Actor(
        name="a",
        steps=(
            Step(label="wide", body=(Await(cond=guard), inc)),
            Step(label="narrow", body=(inc,)),
        ),
    )
    model = Model(
        name="m",
        variant="base",
        enums=(),
        collections=(),
        globals=(Var(name="x", type=RangeType(0, 3), init=InitValue(value=IntLit(value=0))),),
        actors=(actor,),
    )
    claim = Claim(
        name="c",
        kind=ClaimKind.ALWAYS,
        prop=Binary(op=BinOp.LE, left=x, right=IntLit(value=1)),
    )
    return model, claim


def test_watched_steps_stay_closures_and_agree() -> None:
    model, claim = _watched_model()
    gen = Semantics(model)
    assert gen.code is not None and gen.code.fallbacks == (0,)
    assert step_mismatches(model, claim, 100) == []
    on = ExplicitEngine().check(model, claim, Budget())
    off = ExplicitEngine().check(model, claim, Budget(compiled=False))
    assert same_result(off, on) == []
    assert on.verdict.value == "violated"


@pytest.mark.parametrize("name", ["underflow.mbf", "overflow_guarded.mbf"])
def test_type_violations_are_logged_alike(name: str) -> None:
    """Stores outside their type (ir.model NOTE(type rule)): logged with the same step,
    choices, slot and value, or (guarded) counted, by both implementations; and the
    explicit engine's type-violation traces are the same."""
    spec = load_spec(str(ROOT / "tests" / "models" / name)).spec
    assert spec is not None
    for variant in spec.variants:
        model = spec.model(variant)
        assert step_mismatches(model, None, 5_000) == []
        for claim in spec.claims:
            on = ExplicitEngine().check(model, claim, Budget())
            off = ExplicitEngine().check(model, claim, Budget(compiled=False))
            assert same_result(off, on) == [], (variant, claim.name)
