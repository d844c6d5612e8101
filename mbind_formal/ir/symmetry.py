"""Symmetry: which declared-symmetric collections engines may permute, and why not.

Input: a `Model` and optionally the `Claim` being checked. Output: the collections
whose elements nothing distinguishes, and for the others the constructs that do.

A collection declared `symmetric` stays symmetric only if no expression names one of
its elements (`Page[0]`), orders them (`<`, `<=`, `>`, `>=`), or walks them in order
(`next`, which every `for` loop lowers to). Then every permutation of its elements,
applied to per-element slots, to element-valued slots and to the instances of actors
indexed by it, maps reachable states to reachable states and preserves every claim.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import assert_never

from mbind_formal.diagnostics import Span
from mbind_formal.ir.model import (
    Assign,
    Await,
    Binary,
    BinOp,
    Block,
    Claim,
    Done,
    Either,
    ElemLit,
    Expr,
    Goto,
    If,
    IndexType,
    Model,
    Pick,
    Quant,
    Unary,
    UnOp,
)
from mbind_formal.ir.types import TypeEnv, element_collection
from mbind_formal.ir.walk import children, var_init_exprs

_ORDER = (BinOp.LT, BinOp.LE, BinOp.GT, BinOp.GE)


@dataclass(frozen=True, slots=True)
class Breaker:
    collection: str
    span: Span | None
    what: str  # e.g. "element literal Page[0]", "ordered comparison", "ordered walk"


def _expr_breakers(e: Expr, env: TypeEnv) -> Iterator[Breaker]:
    match e:
        case ElemLit(collection=c, index=i, every=False):
            yield Breaker(c, e.span, f"element literal {c}[{i}]")
        case Binary(op=op, left=left) if op in _ORDER:
            oc = element_collection(left, env)
            if oc is not None:
                yield Breaker(oc, e.span, f"ordered comparison '{op.value}' on {oc} elements")
        case Unary(op=UnOp.NEXT, arg=arg):
            wc = element_collection(arg, env)
            if wc is not None:
                yield Breaker(wc, e.span, f"ordered walk over {wc} (for loop / next)")
        case _:
            pass
    if isinstance(e, Quant):
        inner = env.bind(e.var, e.domain)
        yield from _expr_breakers(e.body, inner)
        return
    for child in children(e):
        yield from _expr_breakers(child, env)


def _block_breakers(block: Block, env: TypeEnv) -> Iterator[Breaker]:
    for s in block:
        match s:
            case Assign(target=t, value=v):
                yield from _expr_breakers(t, env)
                yield from _expr_breakers(v, env)
            case If(cond=c, then=t, orelse=o):
                yield from _expr_breakers(c, env)
                yield from _block_breakers(t, env)
                yield from _block_breakers(o, env)
            case Either(branches=bs):
                for b in bs:
                    yield from _block_breakers(b, env)
            case Await(cond=c):
                yield from _expr_breakers(c, env)
            case Pick(var=v, domain=d, cond=c, body=body):
                inner = env.bind(v, d)
                yield from _expr_breakers(c, inner)
                yield from _block_breakers(body, inner)
            case Goto() | Done():
                pass
            case _:
                assert_never(s)


def breakers(model: Model, claim: Claim | None = None) -> tuple[Breaker, ...]:
    """Every construct that tells elements of a declared-symmetric collection apart."""
    declared = {c.name for c in model.collections if c.symmetric}
    env = TypeEnv(model=model)
    found: list[Breaker] = []
    for v in model.globals:
        for e in var_init_exprs(v):
            found.extend(_expr_breakers(e, env))
    for c in model.collections:
        fenv = TypeEnv(model=model, self_type=IndexType(c.name))
        for f in c.fields:
            for e in var_init_exprs(f):
                found.extend(_expr_breakers(e, fenv))
    for e in model.init:
        found.extend(_expr_breakers(e, env))
    for d in model.defs:
        denv = TypeEnv(model=model, bound=tuple((p.name, p.type) for p in d.params))
        found.extend(_expr_breakers(d.body, denv))
    for a in model.actors:
        aenv = TypeEnv(model=model, actor=a.name)
        for v in a.locals:
            for e in var_init_exprs(v):
                found.extend(_expr_breakers(e, aenv))
        for step in a.steps:
            found.extend(_block_breakers(step.body, aenv))
    if claim is not None:
        for e in (claim.prop, *claim.witnesses, *([claim.assume] if claim.assume else [])):
            found.extend(_expr_breakers(e, env))
    return tuple(b for b in found if b.collection in declared)


def symmetric_collections(model: Model, claim: Claim | None = None) -> frozenset[str]:
    """Declared-symmetric collections that engines may permute when checking `claim`."""
    broken = {b.collection for b in breakers(model, claim)}
    return frozenset(c.name for c in model.collections if c.symmetric and c.name not in broken)
