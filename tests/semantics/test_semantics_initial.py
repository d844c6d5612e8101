"""Initial states: constraints split into small conjuncts prune the enumeration early."""

from __future__ import annotations

from mbind_formal.ir.model import (
    BOOL,
    Actor,
    Binary,
    BinOp,
    BoolLit,
    Bound,
    Call,
    Collection,
    Def,
    Done,
    ElemLit,
    EnumType,
    Expr,
    Field,
    GlobalVar,
    IndexType,
    InitAny,
    IntLit,
    Model,
    Param,
    Quant,
    Quantifier,
    RangeType,
    SetType,
    Step,
    Unary,
    UnOp,
    Var,
)
from mbind_formal.semantics.closures import ExprCompiler
from mbind_formal.semantics.initial_states import conjuncts, substitute
from mbind_formal.semantics.layout import Layout
from mbind_formal.semantics.relation import Semantics

PAGE = IndexType("Page")
P = Bound(name="p")


def faulted(index: Expr) -> Field:
    return Field(collection="Page", name="faulted", index=index)


def world(pages: int, init: tuple[Expr, ...] = (), defs: tuple[Def, ...] = ()) -> Model:
    """`pages` pages with three free bool fields each, and one free mode 0..7."""
    fields = tuple(Var(name=n, type=BOOL, init=InitAny()) for n in ("faulted", "lru", "dirty"))
    return Model(
        name="w",
        variant="base",
        enums=(),
        collections=(Collection(name="Page", size=pages, fields=fields),),
        globals=(Var(name="mode", type=RangeType(0, 7), init=InitAny()),),
        actors=(Actor(name="a", steps=(Step(label="s", body=(Done(),)),)),),
        defs=defs,
        init=init,
    )


def untouched() -> Def:
    """`untouched(m) = mode == m && forall p in Page: !p.faulted && !p.lru && !p.dirty`."""
    none_set = Binary(
        op=BinOp.AND,
        left=Unary(op=UnOp.NOT, arg=faulted(P)),
        right=Unary(
            op=UnOp.NOT,
            arg=Binary(
                op=BinOp.OR,
                left=Field(collection="Page", name="lru", index=P),
                right=Field(collection="Page", name="dirty", index=P),
            ),
        ),
    )
    body = Binary(
        op=BinOp.AND,
        left=Binary(op=BinOp.EQ, left=GlobalVar(name="mode"), right=Bound(name="m")),
        right=Quant(kind=Quantifier.FORALL, var="p", domain=PAGE, body=none_set),
    )
    return Def(name="untouched", params=(Param(name="m", type=RangeType(0, 7)),), body=body)


def test_restrictive_assumptions_prune_through_calls_and_foralls() -> None:
    # 8 * 2**60 combinations; the constraint leaves exactly one initial state
    m = world(20, defs=(untouched(),))
    sem = Semantics(m)
    states = list(sem.initial_states(Call(name="untouched", args=(IntLit(value=3),))))
    assert states == [(3, *([False] * 60), 0)]
    # each field is tested as soon as it is set: 8 modes, 2 tries per field, 1 pc
    assert sem.inits.assignments == 8 + 60 * 2 + 1


def test_splitting_keeps_the_meaning() -> None:
    m = world(2, defs=(untouched(),))
    call = Call(name="untouched", args=(IntLit(value=1),))
    parts = conjuncts(call, m)
    # mode == 1, then per page: !faulted, !lru, !dirty
    assert len(parts) == 1 + 2 * 3
    sem = Semantics(m)
    every = list(sem.initial_states())
    assert len(every) == 8 * 2**6
    whole = sem.predicate(call)
    split = [sem.predicate(c) for c in parts]
    for s in every:
        assert whole(s) == all(f(s) for f in split)


def test_exists_under_not_becomes_a_forall_and_sets_are_not_unrolled() -> None:
    m = world(3)
    some = Quant(kind=Quantifier.EXISTS, var="p", domain=PAGE, body=faulted(P))
    assert len(conjuncts(Unary(op=UnOp.NOT, arg=some), m)) == 3
    flags = EnumType("F", ("A", "B"))
    over_sets = Quant(
        kind=Quantifier.FORALL, var="f", domain=SetType(flags), body=BoolLit(value=True)
    )
    assert conjuncts(over_sets, m) == [over_sets]
    assert conjuncts(Unary(op=UnOp.NOT, arg=Unary(op=UnOp.NOT, arg=some)), m) == [some]


def test_substitution_respects_shadowing() -> None:
    inner = Quant(kind=Quantifier.FORALL, var="p", domain=PAGE, body=faulted(P))
    e = Binary(op=BinOp.AND, left=faulted(P), right=inner)
    out = substitute(e, "p", ElemLit(collection="Page", index=1))
    assert out == Binary(
        op=BinOp.AND, left=faulted(ElemLit(collection="Page", index=1)), right=inner
    )


def test_layout_order_is_kept_when_no_init_reads_another_slot() -> None:
    m = world(1)
    sem = Semantics(m)
    states = list(sem.initial_states())
    assert states[:3] == [
        (0, False, False, False, 0),
        (0, False, False, True, 0),
        (0, False, True, False, 0),
    ]
    assert len(ExprCompiler(m, Layout(m)).layout) == 5
