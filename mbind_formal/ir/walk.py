"""IR traversal helpers shared by validation, symmetry detection and the engines.

Input: IR expressions, statements, models. Output: iterators over their parts.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import assert_never

from mbind_formal.ir.model import (
    ActorLocal,
    AllDone,
    Assign,
    AtLabel,
    Await,
    Binary,
    Block,
    BoolLit,
    Bound,
    Call,
    Claim,
    Done,
    Either,
    ElemLit,
    EnumLit,
    Expr,
    Field,
    GlobalVar,
    Goto,
    If,
    InitAny,
    InitIn,
    InitValue,
    IntLit,
    Ite,
    LocalVar,
    Model,
    NoneLit,
    Pick,
    Quant,
    SelfRef,
    SetLit,
    Stmt,
    Unary,
    Var,
)


def children(e: Expr) -> tuple[Expr, ...]:
    """The direct sub-expressions of `e`."""
    match e:
        case (
            BoolLit()
            | IntLit()
            | EnumLit()
            | ElemLit()
            | NoneLit()
            | GlobalVar()
            | LocalVar()
            | SelfRef()
            | Bound()
            | AllDone()
        ):
            return ()
        case SetLit(items=items):
            return items
        case Field(index=index):
            return (index,)
        case ActorLocal(instance=inst) | AtLabel(instance=inst):
            return (inst,)
        case Unary(arg=arg):
            return (arg,)
        case Binary(left=left, right=right):
            return (left, right)
        case Ite(cond=c, then=t, orelse=o):
            return (c, t, o)
        case Quant(body=body):
            return (body,)
        case Call(args=args):
            return args
        case _:
            assert_never(e)


def subexprs(e: Expr) -> Iterator[Expr]:
    """`e` and every expression below it, pre-order."""
    stack = [e]
    while stack:
        x = stack.pop()
        yield x
        stack.extend(reversed(children(x)))


def stmts(block: Block) -> Iterator[Stmt]:
    """Every statement in `block`, nested ones included, pre-order."""
    for s in block:
        yield s
        match s:
            case If(then=t, orelse=o):
                yield from stmts(t)
                yield from stmts(o)
            case Either(branches=bs):
                for b in bs:
                    yield from stmts(b)
            case Pick(body=body):
                yield from stmts(body)
            case Assign() | Await() | Goto() | Done():
                pass
            case _:
                assert_never(s)


def stmt_exprs(s: Stmt) -> tuple[Expr, ...]:
    """The expressions a statement reads directly (not those of nested statements)."""
    match s:
        case Assign(target=t, value=v):
            return (t, v)
        case If(cond=c) | Await(cond=c) | Pick(cond=c):
            return (c,)
        case Either() | Goto() | Done():
            return ()
        case _:
            assert_never(s)


def var_init_exprs(v: Var) -> tuple[Expr, ...]:
    match v.init:
        case InitAny():
            return ()
        case InitIn(choices=cs):
            return cs
        case InitValue(value=val):
            return (val,)
        case _:
            assert_never(v.init)


def model_exprs(model: Model) -> Iterator[Expr]:
    """Every expression of a model: inits, init constraints, definitions, step bodies."""
    for v in model.globals:
        for e in var_init_exprs(v):
            yield from subexprs(e)
    for c in model.collections:
        for f in c.fields:
            for e in var_init_exprs(f):
                yield from subexprs(e)
    for e in model.init:
        yield from subexprs(e)
    for d in model.defs:
        yield from subexprs(d.body)
    for a in model.actors:
        for v in a.locals:
            for e in var_init_exprs(v):
                yield from subexprs(e)
        for step in a.steps:
            for s in stmts(step.body):
                for e in stmt_exprs(s):
                    yield from subexprs(e)


def claim_exprs(claim: Claim) -> Iterator[Expr]:
    yield from subexprs(claim.prop)
    if claim.trigger is not None:  # a leads-to's left-hand side
        yield from subexprs(claim.trigger)
    for w in claim.witnesses:
        yield from subexprs(w)
    if claim.assume is not None:
        yield from subexprs(claim.assume)
