"""Fair behaviours: what the liveness engine searches for and lasso replay checks.

Input: a compiled `Semantics`, the model's and a claim's `Fairness` (NOTE(liveness) in
`ir.model`), a temporal `Claim`. Output: the per-instance fairness `Constraint`s, the
claim's instances (one per value of its `over` names, with state predicates), and
`violates`, which says whether a lasso (a path whose last state is its `loop`-th) is a
fair behaviour that violates one instance of the claim.

NOTE(fair lasso): a behaviour is infinite; a finite state space makes a violating one
a lasso: a prefix, then a cycle repeated forever. The cycle may be empty: the
behaviour then stutters in its last state forever (TLA+ allows stuttering in every
state; fairness is what forbids stopping while a fair action stays enabled). As in
TLA+ `<<A>>_vars`, a step that leaves the state unchanged is a stutter: it neither
enables nor takes an action. Over a cycle C (the states and steps repeated forever):
  weak fairness of A holds iff A is taken in C or disabled in some state of C;
  strong fairness of A holds iff A is taken in C or disabled in every state of C.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, fields, replace
from typing import Any

from mbind_formal.ir.model import (
    BoolLit,
    BoolType,
    Bound,
    Claim,
    ClaimKind,
    ElemLit,
    EnumLit,
    EnumType,
    Expr,
    Fairness,
    FairnessKind,
    IndexType,
    IntLit,
    Model,
    Quant,
    RangeType,
    Type,
)
from mbind_formal.semantics.layout import State, instance_name
from mbind_formal.semantics.relation import Semantics


@dataclass(frozen=True, slots=True)
class Constraint:
    """One fairness assumption of one actor instance: its action is any of `sids`."""

    kind: FairnessKind
    sids: frozenset[int]
    text: str  # `fair actor cpu[1]`, for reasons and replay messages


def constraints(sem: Semantics, fairness: Sequence[Fairness]) -> tuple[Constraint, ...]:
    """Each declaration expanded per instance (PlusCal's `fair process` reading), a
    strong one absorbing a weak one of the same action."""
    out: dict[frozenset[int], Constraint] = {}
    for f in fairness:
        n = sem.model.actor(f.actor).instances
        for k in range(n):
            sids = frozenset(
                i
                for i, ref in enumerate(sem.steps)
                if ref.actor == f.actor
                and ref.instance == k
                and (f.label is None or ref.label == f.label)
            )
            who = instance_name(f.actor, n, k)
            strong = "strong " if f.kind is FairnessKind.STRONG else ""
            what = f"step {who}.{f.label}" if f.label else f"actor {who}"
            c = Constraint(f.kind, sids, f"{strong}fair {what}")
            old = out.get(sids)
            if old is None or old.kind is FairnessKind.WEAK:
                out[sids] = c
    return tuple(out.values())


def claim_fairness(model: Model, claim: Claim) -> tuple[Fairness, ...]:
    """The fairness a temporal claim assumes: the model's, then its own."""
    return (*model.fairness, *claim.fairness)


# --------------------------------------------------------------------------- instances


@dataclass(frozen=True, slots=True)
class Instance:
    """The claim for one value of its `over` names: a violation is a fair behaviour
    that reaches a `start` state (after any prefix, or from the initial state when
    `from_init`) and from there on never satisfies `goal`."""

    binding: tuple[tuple[str, str], ...]  # (name, value as the spec writes it)
    start: Callable[[State], bool]
    goal: Callable[[State], bool]
    from_init: bool  # eventually: the prefix must avoid `goal` too (from the start)

    @property
    def label(self) -> str:
        return ", ".join(f"{n} = {v}" for n, v in self.binding)


@dataclass(frozen=True, slots=True)
class InstanceExprs:
    """One instance of a temporal claim as expressions (`start` None: any state)."""

    binding: tuple[tuple[str, str], ...]
    start: Expr | None
    goal: Expr
    from_init: bool


def instance_exprs(model: Model, claim: Claim) -> Iterator[InstanceExprs]:
    """The claim's instances (one per value of its `over` names), in value order."""
    assert claim.temporal
    domains = [[(n, v, text) for v, text in _values(model, t)] for n, t in claim.over]
    for combo in itertools.product(*domains):
        prop, trigger = claim.prop, claim.trigger
        for name, lit, _ in combo:
            prop = substitute(prop, name, lit)
            trigger = None if trigger is None else substitute(trigger, name, lit)
        match claim.kind:
            case ClaimKind.EVENTUALLY | ClaimKind.ALWAYS_EVENTUALLY:
                start = None
            case ClaimKind.LEADS_TO:
                assert trigger is not None
                start = trigger
            case _:
                raise AssertionError(f"not a temporal claim: {claim.kind}")
        binding = tuple((n, text) for n, _, text in combo)
        yield InstanceExprs(binding, start, prop, claim.kind is ClaimKind.EVENTUALLY)


def instances(sem: Semantics, claim: Claim) -> Iterator[Instance]:
    """The claim's instances with compiled predicates."""
    for x in instance_exprs(sem.model, claim):
        start = _always if x.start is None else sem.predicate(x.start)
        yield Instance(x.binding, start, sem.predicate(x.goal), x.from_init)


def _always(s: State) -> bool:
    return True


def _values(model: Model, t: Type) -> list[tuple[Expr, str]]:
    match t:
        case BoolType():
            return [(BoolLit(value=b), str(b).lower()) for b in (False, True)]
        case RangeType(lo=lo, hi=hi):
            return [(IntLit(value=v), str(v)) for v in range(lo, hi + 1)]
        case EnumType(values=vals):
            return [(EnumLit(enum=t, value=v), v) for v in vals]
        case IndexType(collection=c):
            size = model.collection(c).size
            return [(ElemLit(collection=c, index=i), f"{c}[{i}]") for i in range(size)]
        case _:
            raise ValueError(f"a claim cannot range over {t}")


def substitute(e: Expr, name: str, value: Expr) -> Expr:
    """`e` with the free `Bound(name)` replaced by `value`."""
    if isinstance(e, Bound):
        return value if e.name == name else e
    if isinstance(e, Quant) and e.var == name:
        return e  # shadowed
    changes: dict[str, Any] = {}
    for f in fields(e):
        v = getattr(e, f.name)
        if _is_expr(v):
            nv: object = substitute(v, name, value)
        elif isinstance(v, tuple) and v and all(_is_expr(x) for x in v):
            nv = tuple(substitute(x, name, value) for x in v)
        else:
            continue
        if nv is not v:
            changes[f.name] = nv
    return replace(e, **changes) if changes else e


def _is_expr(v: object) -> bool:
    return isinstance(v, Expr)


# --------------------------------------------------------------------------- lassos


def step_id(sem: Semantics, actor: str, instance: int, label: str) -> int:
    """The index in `sem.steps` of one actor instance's step (replay checked it exists)."""
    for i, ref in enumerate(sem.steps):
        if (ref.actor, ref.instance, ref.label) == (actor, instance, label):
            return i
    raise KeyError((actor, instance, label))


def moves(sem: Semantics, s: State) -> list[tuple[int, State]]:
    """The steps from `s` that change the state (NOTE(fair lasso): others stutter)."""
    return [(sid, t) for sid, _, t in sem.raw_successors(s) if t != s]


def unfair(
    sem: Semantics,
    cycle_states: Sequence[State],
    cycle_sids: Sequence[int],
    cons: Sequence[Constraint],
) -> Constraint | None:
    """The first constraint the cycle (states repeated forever, steps taken) breaks."""
    taken = set(cycle_sids)
    enabled = [{sid for sid, _ in moves(sem, s)} for s in cycle_states]
    for c in cons:
        if taken & c.sids:
            continue
        on = [bool(e & c.sids) for e in enabled]
        if c.kind is FairnessKind.WEAK and all(on):
            return c
        if c.kind is FairnessKind.STRONG and any(on):
            return c
    return None


def violates(
    sem: Semantics, claim: Claim, states: Sequence[State], sids: Sequence[int], loop: int
) -> str | None:
    """None when the lasso `states` (joined by steps `sids`; `states[-1]` is
    `states[loop]`) is a fair behaviour violating an instance of `claim`, else why not."""
    if states[-1] != states[loop]:
        return f"the last state is not state {loop}, where the cycle starts"
    cycle_states = states[loop:-1] if len(states) - 1 > loop else states[loop:]
    steps = zip(sids[loop:], states[loop:], states[loop + 1 :], strict=False)
    cycle_sids = [sid for sid, a, b in steps if a != b]
    bad = unfair(sem, cycle_states, cycle_sids, constraints(sem, claim_fairness(sem.model, claim)))
    if bad is not None:
        return f"the cycle is not fair: it breaks '{bad.text}'"
    for inst in instances(sem, claim):
        if _violated_by(inst, states, loop):
            return None
    return f"every state of the cycle (or after the trigger) satisfies claim '{claim.name}'"


def _violated_by(inst: Instance, states: Sequence[State], loop: int) -> bool:
    n = len(states) - 1  # states[n] repeats states[loop]
    if any(inst.goal(s) for s in states[loop:]):
        return False  # the goal holds again and again
    if inst.from_init:
        return not any(inst.goal(s) for s in states)
    # a start state after which (to the end of the prefix) the goal never holds
    for j in range(n, -1, -1):
        if j < loop and inst.goal(states[j]):
            return False
        if inst.start(states[j]):
            return True
    return False
