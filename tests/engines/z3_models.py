"""Small hand-built models (straight from the `ir.model` dataclasses) for the Z3 engine
tests, and `step_mismatches`, the state-by-state check of an encoding.

Each `Case` is a model with claims whose verdicts are obvious by reading the model; the
tests compare every engine against the explicit search on them, not against these notes.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Any

import z3

from mbind_formal.engines.z3.encode import Encoding
from mbind_formal.engines.z3.terms import EncodeOptions
from mbind_formal.ir.model import (
    BOOL,
    Actor,
    AllDone,
    Assign,
    AtLabel,
    Await,
    Binary,
    BinOp,
    BoolLit,
    Bound,
    Claim,
    ClaimKind,
    Collection,
    Done,
    Either,
    EnumLit,
    EnumType,
    Expr,
    Field,
    GlobalVar,
    Goto,
    If,
    IndexType,
    InitIn,
    InitValue,
    IntLit,
    LocalVar,
    Model,
    Pick,
    Quant,
    Quantifier,
    RangeType,
    SetLit,
    SetType,
    Step,
    Unary,
    UnOp,
    Var,
)
from mbind_formal.semantics.layout import State
from mbind_formal.semantics.relation import Semantics

OWNER = EnumType("Owner", ("NONE", "MBIND", "RECLAIM"))
FLAG = EnumType("MFlag", ("STRICT", "MOVE"))
PAGE = IndexType("Page")


@dataclass(frozen=True, slots=True)
class Case:
    model: Model
    claims: tuple[Claim, ...]


def _b(op: BinOp, a: Expr, b: Expr) -> Binary:
    return Binary(op=op, left=a, right=b)


def _f(p: Expr, name: str) -> Field:
    return Field(collection="Page", name=name, index=p)


def _own(who: str) -> EnumLit:
    return EnumLit(enum=OWNER, value=who)


P = Bound(name="p")


def _forall_pages(body: Expr) -> Quant:
    return Quant(kind=Quantifier.FORALL, var="p", domain=PAGE, body=body)


def _exists_pages(body: Expr) -> Quant:
    return Quant(kind=Quantifier.EXISTS, var="p", domain=PAGE, body=body)


def _isolate(who: str, then: str) -> tuple[Pick]:
    return (
        Pick(
            var="p",
            domain=PAGE,
            cond=_f(P, "lru"),
            body=(
                Assign(target=_f(P, "lru"), value=BoolLit(value=False)),
                Assign(target=_f(P, "owner"), value=_own(who)),
                Goto(label=then),
            ),
        ),
    )


def _putback(who: str, then: tuple[Goto] | tuple[Done]) -> tuple[Pick]:
    return (
        Pick(
            var="p",
            domain=PAGE,
            cond=_b(BinOp.EQ, _f(P, "owner"), _own(who)),
            body=(
                Assign(target=_f(P, "lru"), value=BoolLit(value=True)),
                Assign(target=_f(P, "owner"), value=_own("NONE")),
                *then,
            ),
        ),
    )


def lru_case(pages: int = 2, reclaimers: int = 2) -> Case:
    """mbind isolates one LRU page and puts it back; reclaimers do the same, in a loop."""
    page = Collection(
        name="Page",
        size=pages,
        fields=(
            Var(name="lru", type=BOOL, init=InitValue(value=BoolLit(value=True))),
            Var(name="owner", type=OWNER, init=InitValue(value=_own("NONE"))),
        ),
    )
    mbind = Actor(
        name="mbind",
        steps=(
            Step(label="isolate", body=_isolate("MBIND", "putback")),
            Step(label="putback", body=_putback("MBIND", (Done(),))),
        ),
    )
    reclaim = Actor(
        name="reclaim",
        instances=reclaimers,
        steps=(
            Step(
                label="isolate",
                body=(Either(branches=(_isolate("RECLAIM", "putback"), (Done(),))),),
            ),
            Step(label="putback", body=_putback("RECLAIM", (Goto(label="isolate"),))),
        ),
    )
    model = Model(
        name="lru",
        variant="base",
        enums=(OWNER,),
        collections=(page,),
        globals=(),
        actors=(mbind, reclaim),
    )
    owned_lru = _b(BinOp.AND, _b(BinOp.NE, _f(P, "owner"), _own("NONE")), _f(P, "lru"))
    claims = (
        Claim(
            name="exclusive",
            kind=ClaimKind.ALWAYS,
            prop=_forall_pages(Unary(op=UnOp.NOT, arg=owned_lru)),
            witnesses=(_exists_pages(_b(BinOp.EQ, _f(P, "owner"), _own("MBIND"))),),
        ),
        Claim(
            name="never_reclaimed",
            kind=ClaimKind.ALWAYS,
            prop=_forall_pages(_b(BinOp.NE, _f(P, "owner"), _own("RECLAIM"))),
            witnesses=(AtLabel(actor="mbind", instance=IntLit(value=0), label="putback"),),
        ),
        Claim(
            name="all_back",
            kind=ClaimKind.FINAL,
            prop=_forall_pages(_f(P, "lru")),
            witnesses=(AllDone(),),
        ),
        Claim(
            name="vacuous",
            kind=ClaimKind.ALWAYS,
            prop=_forall_pages(Unary(op=UnOp.NOT, arg=owned_lru)),
            witnesses=(
                _b(BinOp.AND, AllDone(), _exists_pages(Unary(op=UnOp.NOT, arg=_f(P, "lru")))),
            ),
            assume=BoolLit(value=True),
        ),
    )
    return Case(model, claims)


def counter_case(limit: int = 3) -> Case:
    """Two incrementers race on a bounded counter; flags pick whether they may. The
    counter is guarded: an increment past `limit` disables the step (ir.model
    NOTE(type rule))."""
    n = GlobalVar(name="n")
    flags = GlobalVar(name="flags")
    mode = GlobalVar(name="mode")
    count = Var(
        name="n", type=RangeType(0, limit), init=InitValue(value=IntLit(value=0)), guarded=True
    )
    consts = (
        Var(name="flags", type=SetType(FLAG), const=True),
        Var(
            name="mode",
            type=RangeType(0, 2),
            const=True,
            init=InitIn(choices=(IntLit(value=0), IntLit(value=2))),
        ),
        count,
    )
    strict = _b(BinOp.IN, EnumLit(enum=FLAG, value="STRICT"), flags)
    tmp = LocalVar(name="tmp")
    inc = Actor(
        name="inc",
        instances=2,
        locals=(Var(name="tmp", type=RangeType(0, limit), init=InitValue(value=IntLit(value=0))),),
        steps=(
            Step(
                label="read",
                body=(
                    Await(cond=Unary(op=UnOp.NONEMPTY, arg=flags)),
                    Assign(target=tmp, value=n),
                    Goto(label="write"),
                ),
            ),
            Step(
                label="write",
                body=(
                    If(
                        cond=strict,
                        then=(Assign(target=n, value=_b(BinOp.ADD, tmp, IntLit(value=1))),),
                        orelse=(Assign(target=n, value=_b(BinOp.ADD, n, IntLit(value=1))),),
                    ),
                    If(cond=_b(BinOp.EQ, mode, IntLit(value=2)), then=(Done(),)),
                    Goto(label="read"),
                ),
            ),
        ),
    )
    model = Model(
        name="counter",
        variant="base",
        enums=(FLAG,),
        collections=(),
        globals=consts,
        actors=(inc,),
    )
    all_flags = SetLit(
        enum=FLAG, items=(EnumLit(enum=FLAG, value="STRICT"), EnumLit(enum=FLAG, value="MOVE"))
    )
    claims = (
        Claim(
            name="below_limit",
            kind=ClaimKind.ALWAYS,
            prop=_b(BinOp.LT, n, IntLit(value=limit)),
            witnesses=(_b(BinOp.EQ, n, IntLit(value=1)),),
        ),
        Claim(
            name="lost_update",
            kind=ClaimKind.FINAL,
            prop=_b(BinOp.EQ, n, IntLit(value=2)),
            witnesses=(AllDone(),),
            assume=_b(BinOp.EQ, mode, IntLit(value=2)),
        ),
        Claim(
            name="no_lost_update_without_strict",
            kind=ClaimKind.FINAL,
            prop=_b(BinOp.EQ, n, IntLit(value=2)),
            witnesses=(AllDone(),),
            assume=_b(
                BinOp.AND,
                _b(BinOp.EQ, mode, IntLit(value=2)),
                _b(BinOp.EQ, flags, SetLit(enum=FLAG, items=(EnumLit(enum=FLAG, value="MOVE"),))),
            ),
        ),
        Claim(
            name="flags_full",
            kind=ClaimKind.ALWAYS,
            prop=BoolLit(value=True),
            witnesses=(_b(BinOp.EQ, flags, all_flags),),
        ),
    )
    return Case(model, claims)


def cases() -> dict[str, Case]:
    return {"lru": lru_case(), "counter": counter_case()}


# --------------------------------------------------------------------------- checking


def solutions(enc: Encoding, s: Any, t: int, limit: int = 500, exhaust: bool = True) -> set[State]:
    """The values of state t allowed by the assertions of `s` (all-SAT): all of them
    (`exhaust`, failing beyond `limit`), or the first `limit`."""
    found: set[State] = set()
    while len(found) < limit and s.check() == z3.sat:
        st = enc.state_value(s.model(), t)
        found.add(st)
        s.add(z3.Not(enc.is_state(t, st)))
    assert not exhaust or len(found) < limit, "too many solutions for a unit test"
    return found


def reachable(sem: Semantics, limit: int) -> list[State]:
    seen: dict[State, None] = {}
    todo = deque(sem.initial_states())
    while todo and len(seen) < limit:
        s = todo.popleft()
        if s in seen:
            continue
        seen[s] = None
        todo.extend(t.state for t in sem.successors(s))
    return list(seen)


def step_mismatches(model: Model, options: EncodeOptions, states: int) -> list[str]:
    """Where the encoding and `semantics.relation` disagree: the initial states, and the
    successors (plus the stutter of a final state) of up to `states` reachable states."""
    sem = Semantics(model)
    enc = Encoding(model, options)
    out: list[str] = []
    inits = list(sem.initial_states())
    s = z3.Solver(ctx=enc.ctx)
    s.add(enc.init())
    # Every z3 initial state is one (all of them when there are few, else the first 20).
    allowed = set(inits)
    limit = len(inits) + 1 if len(inits) <= 200 else 20
    extra = [x for x in solutions(enc, s, 0, limit, exhaust=len(inits) <= 200) if x not in allowed]
    out += [f"z3 allows the initial state {sem.layout.as_dict(x)}" for x in extra]
    s = z3.Solver(ctx=enc.ctx)
    s.add(enc.init())
    for x in inits[:: max(1, len(inits) // 20)]:
        if s.check(enc.is_state(0, x)) != z3.sat:
            out.append(f"z3 forbids the initial state {sem.layout.as_dict(x)}")
    for state in reachable(sem, states):
        s = z3.Solver(ctx=enc.ctx)
        s.add(enc.is_state(0, state), enc.trans(0))
        expected = {t.state for t in sem.successors(state)}
        if sem.is_final(state):
            expected.add(state)
        got = solutions(enc, s, 1)
        if got != expected:
            show = sem.layout.as_dict
            out.append(
                f"successors of {show(state)}: z3 only {[show(x) for x in got - expected]}, "
                f"semantics only {[show(x) for x in expected - got]}"
            )
    return out
