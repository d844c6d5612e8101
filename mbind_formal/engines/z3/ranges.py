"""Sound value ranges of every integer term the Z3 encoding builds: the bit-vector width.

Stage: engines (below `z3_encode`). Input: a `Model` and extra expressions (a claim's).
Output: `Ranges.width(extra)`, a signed bit-vector width in which no integer term of the
encoding wraps: every literal, type bound, collection and enum size, pc, step selector,
`either` branch index, quantifier and `pick` domain, and the value of every integer
sub-expression, computed by interval arithmetic over the whole expression language.

NOTE(bit-vector widths): BMC and k-induction encode numbers as signed bit-vectors of one
width (NOTE(z3 sorts)); a term whose mathematical value leaves that width wraps, and a
wrapped `8*x` that turns negative makes a violated claim "hold". So the width comes from
an interval for every integer expression, evaluated where the encoding evaluates it:
  - a slot read (global, field, local, actor local) is its declared type's range: a
    state holds values of their types, and a store outside the type disables its path
    (what a disabled path computes afterwards is never part of a run);
  - `c ? a : b` is the union of both sides (the encoding builds both terms);
  - a definition call evaluates the body with its parameters at the arguments' ranges
    (memoised per (definition, argument ranges), so doubling definitions stay linear);
  - a quantifier or `pick` binds its variable to its domain's range (and the encoding
    builds one constant per domain value: the bounds count);
  - `either` with n branches makes a choice variable compared with 0..n-1;
  - `+`, `-` and unary `-` combine intervals exactly; `next(e)` is `e + 1` or none (-1).
The width is the least one holding every bound in two's complement, plus one spare bit.
`tests/engines/test_z3_widths.py` compares Z3's value of random expressions at the
extremes of their types with Python's, at the computed width.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import assert_never

from mbind_formal.ir.model import (
    ActorLocal,
    AllDone,
    Assign,
    AtLabel,
    Await,
    Binary,
    BinOp,
    Block,
    BoolLit,
    BoolType,
    Bound,
    Call,
    Done,
    Either,
    ElemLit,
    EnumLit,
    EnumType,
    Expr,
    Field,
    GlobalVar,
    Goto,
    If,
    IndexType,
    IntLit,
    Ite,
    LocalVar,
    Model,
    NoneLit,
    Pick,
    Quant,
    RangeType,
    SelfRef,
    SetLit,
    SetType,
    Type,
    Unary,
    UnOp,
    Var,
)
from mbind_formal.ir.walk import var_init_exprs

MAX_SET_VALUES = 16  # the largest enum a set may range over (README: type limits)


@dataclass(frozen=True, slots=True)
class Interval:
    """The integers lo..hi (both included)."""

    lo: int
    hi: int

    def join(self, other: Interval) -> Interval:
        return Interval(min(self.lo, other.lo), max(self.hi, other.hi))


Env = tuple[tuple[str, Interval | None], ...]  # bound names -> their ranges, innermost last
_CallKey = tuple[str, tuple[Interval | None, ...], str | None]  # (definition, arguments, actor)


def type_interval(ty: Type, sizes: dict[str, int]) -> Interval | None:
    """The range of an integer-like type (None: bools and sets, which are not numbers)."""
    match ty:
        case BoolType() | SetType():
            return None
        case EnumType(values=vals):
            return Interval(0, max(0, len(vals) - 1))
        case RangeType(lo=lo, hi=hi):
            return Interval(lo, hi)
        case IndexType(collection=c, optional=opt):
            return Interval(-1 if opt else 0, max(0, sizes[c] - 1))
        case _:
            assert_never(ty)


def signed_width(lo: int, hi: int) -> int:
    """The least two's-complement width holding every integer of lo..hi."""
    need = max(hi.bit_length() if hi > 0 else 0, (-lo - 1).bit_length() if lo < 0 else 0)
    return need + 1


class Ranges:
    """The interval analysis of one model; `width` adds a claim's expressions."""

    def __init__(self, model: Model) -> None:
        self.model = model
        self.sizes = {c.name: c.size for c in model.collections}
        self.lo, self.hi = 0, 1
        # (definition, argument ranges) -> (the body's range, the ranges met inside)
        self._calls: dict[_CallKey, tuple[Interval | None, Interval]] = {}
        selves = [1, *self.sizes.values(), *(a.instances for a in model.actors)]
        self._self = Interval(0, max(selves))  # `self`: an instance or an element
        self._defs = {d.name: d for d in model.defs}
        self._globals = {v.name: v for v in model.globals}
        self._fields = {(c.name, f.name): f for c in model.collections for f in c.fields}
        self._locals = {(a.name, v.name): v for a in model.actors for v in a.locals}
        self._model_bounds()
        self.model_lo, self.model_hi = self.lo, self.hi

    # ------------------------------------------------------------------ results

    def width(self, extra: Sequence[Expr] = ()) -> int:
        """The bit-vector width for the model and `extra` (a claim's prop, witnesses
        and assume), with one spare bit."""
        self.lo, self.hi = self.model_lo, self.model_hi
        for e in extra:
            self.expr(e, (), None)
        return signed_width(self.lo, self.hi) + 1

    def bounds(self, extra: Sequence[Expr] = ()) -> Interval:
        """The range every integer term of the encoding lies in (model and `extra`)."""
        self.lo, self.hi = self.model_lo, self.model_hi
        for e in extra:
            self.expr(e, (), None)
        return Interval(self.lo, self.hi)

    def _see(self, r: Interval | None) -> Interval | None:
        if r is not None:
            self.lo, self.hi = min(self.lo, r.lo), max(self.hi, r.hi)
        return r

    def _see_int(self, *values: int) -> None:
        for v in values:
            self.lo, self.hi = min(self.lo, v), max(self.hi, v)

    # ------------------------------------------------------------------ the model

    def _model_bounds(self) -> None:
        m = self.model
        steps = sum(len(a.steps) * a.instances for a in m.actors)
        self._see_int(steps + 1)  # the step selector, the final stutter included
        for a in m.actors:
            self._see_int(len(a.steps) + 1, a.instances)  # pcs (done = len), `self`
        for c in m.collections:
            self._see_int(c.size, -1)
        for en in m.enums:
            self._see_int(len(en.values))
        for v in self._all_vars():
            self._see(type_interval(v.type, self.sizes))
        for d in m.defs:
            for p in d.params:
                self._see(type_interval(p.type, self.sizes))
        for v in m.globals:
            self._inits(v, None)
        for c in m.collections:
            for f in c.fields:
                self._inits(f, None)
        for e in m.init:
            self.expr(e, (), None)
        for a in m.actors:
            for v in a.locals:
                self._inits(v, a.name)
            for step in a.steps:
                self._block(step.body, (), a.name)

    def _all_vars(self) -> Iterable[Var]:
        yield from self.model.globals
        for c in self.model.collections:
            yield from c.fields
        for a in self.model.actors:
            yield from a.locals

    def _inits(self, v: Var, actor: str | None) -> None:
        for e in var_init_exprs(v):
            self.expr(e, (), actor)

    def _block(self, block: Block, env: Env, actor: str) -> None:
        for s in block:
            match s:
                case Assign(target=target, value=value):
                    self.expr(target, env, actor)
                    self.expr(value, env, actor)
                case If(cond=c, then=then, orelse=orelse):
                    self.expr(c, env, actor)
                    self._block(then, env, actor)
                    self._block(orelse, env, actor)
                case Either(branches=branches):
                    self._see_int(len(branches))
                    for b in branches:
                        self._block(b, env, actor)
                case Await(cond=c):
                    self.expr(c, env, actor)
                case Pick(var=var, domain=dom, cond=c, body=body):
                    r = self._see(type_interval(dom, self.sizes))
                    inner = (*env, (var, r))
                    self.expr(c, inner, actor)
                    self._block(body, inner, actor)
                case Goto() | Done():
                    pass
                case _:
                    assert_never(s)

    # ------------------------------------------------------------------ expressions

    def expr(self, e: Expr, env: Env, actor: str | None) -> Interval | None:
        """The range of `e`'s value (None: not a number), recording every integer
        range met on the way."""
        return self._see(self._expr(e, env, actor))

    def _expr(self, e: Expr, env: Env, actor: str | None) -> Interval | None:
        ty = type_interval
        match e:
            case BoolLit() | AllDone():
                return None
            case IntLit(value=n):
                return Interval(n, n)
            case EnumLit(enum=en, value=name):
                k = en.values.index(name)
                return Interval(k, k)
            case SetLit(enum=en, items=items):
                for x in items:
                    self.expr(x, env, actor)
                self._see_int(len(en.values))
                return None
            case ElemLit(index=i):
                return Interval(i, i)
            case NoneLit():
                return Interval(-1, -1)
            case GlobalVar(name=n):
                return ty(self._globals[n].type, self.sizes)
            case LocalVar(name=n):
                return self._local(n, actor)
            case SelfRef():
                return self._self
            case Bound(name=n):
                for bn, r in reversed(env):
                    if bn == n:
                        return r
                raise AssertionError(f"unbound name {n}")
            case Field(collection=c, name=n, index=ix):
                self.expr(ix, env, actor)
                return ty(self._fields[(c, n)].type, self.sizes)
            case ActorLocal(actor=a, instance=ix, name=n):
                self.expr(ix, env, actor)
                return ty(self._locals[(a, n)].type, self.sizes)
            case AtLabel(instance=ix):
                self.expr(ix, env, actor)
                return None
            case Unary(op=op, arg=arg):
                return self._unary(op, self.expr(arg, env, actor))
            case Binary(op=op, left=left, right=right):
                return _binary(op, self.expr(left, env, actor), self.expr(right, env, actor))
            case Ite(cond=c, then=then, orelse=orelse):
                self.expr(c, env, actor)
                ra, rb = self.expr(then, env, actor), self.expr(orelse, env, actor)
                return ra.join(rb) if ra is not None and rb is not None else None
            case Quant(var=qv, domain=qd, body=body):
                r = self._see(ty(qd, self.sizes))
                self.expr(body, (*env, (qv, r)), actor)
                return None
            case Call(name=n, args=args):
                rs = tuple(self.expr(x, env, actor) for x in args)
                key = (n, rs, actor)  # a body may read the running actor's locals
                if key not in self._calls:
                    d = self._defs[n]
                    inner = tuple((p.name, r) for p, r in zip(d.params, rs, strict=True))
                    outer = (self.lo, self.hi)
                    self.lo, self.hi = 0, 0
                    out = self.expr(d.body, inner, actor)
                    self._calls[key] = (out, Interval(self.lo, self.hi))
                    self.lo, self.hi = min(outer[0], self.lo), max(outer[1], self.hi)
                out, met = self._calls[key]
                self._see(met)
                return out
            case _:
                assert_never(e)

    def _local(self, name: str, actor: str | None) -> Interval | None:
        """A local of the running actor (any actor's local of that name when the
        expression is a definition body reached from outside an actor)."""
        if actor is not None and (actor, name) in self._locals:
            return type_interval(self._locals[(actor, name)].type, self.sizes)
        found: Interval | None = None
        for (_, n), v in self._locals.items():
            r = type_interval(v.type, self.sizes) if n == name else None
            if r is not None:
                found = r if found is None else found.join(r)
        return found

    def _unary(self, op: UnOp, a: Interval | None) -> Interval | None:
        match op:
            case UnOp.NOT | UnOp.NONEMPTY | UnOp.COMPL:
                return None
            case UnOp.CARD:  # sets have at most MAX_SET_VALUES values (MBF304)
                return Interval(0, MAX_SET_VALUES)
            case UnOp.NEG:
                assert a is not None
                return Interval(-a.hi, -a.lo)
            case UnOp.NEXT:
                # NOTE(next) in `z3_exec`: `n + 1` inside the collection, else none.
                assert a is not None
                self._see(Interval(a.lo + 1, a.hi + 1))
                return Interval(-1, max(a.hi + 1, 0))
            case _:
                assert_never(op)


def _binary(op: BinOp, a: Interval | None, b: Interval | None) -> Interval | None:
    match op:
        case BinOp.ADD:
            assert a is not None and b is not None
            return Interval(a.lo + b.lo, a.hi + b.hi)
        case BinOp.SUB:
            assert a is not None and b is not None
            return Interval(a.lo - b.hi, a.hi - b.lo)
        case BinOp.MUL:
            assert a is not None and b is not None
            ends = [x * y for x in (a.lo, a.hi) for y in (b.lo, b.hi)]
            return Interval(min(ends), max(ends))
        case BinOp.DIV:
            # NOTE(division): the divisor is positive by typing, and floor division is
            # monotone in each operand there; the bit-vector encoding also computes
            # `a - a mod b`, which lies in a.lo - b.hi + 1 .. a.hi.
            assert a is not None and b is not None
            d = Interval(max(b.lo, 1), max(b.hi, 1))
            ends = [x // y for x in (a.lo, a.hi) for y in (d.lo, d.hi)]
            return Interval(min(*ends, a.lo - d.hi), max(*ends, a.hi))
        case BinOp.MOD:
            assert b is not None
            return Interval(0, max(b.hi, 1) - 1)
        case (
            BinOp.AND
            | BinOp.OR
            | BinOp.IMPLIES
            | BinOp.EQ
            | BinOp.NE
            | BinOp.LT
            | BinOp.LE
            | BinOp.GT
            | BinOp.GE
            | BinOp.IN
            | BinOp.UNION
            | BinOp.INTER
        ):
            return None
        case _:
            assert_never(op)


def bv_width(model: Model, extra: Sequence[Expr] = ()) -> int:
    """A bit-vector width no integer term of the model's encoding (or of `extra`, e.g.
    a claim's expressions) overflows: NOTE(bit-vector widths)."""
    return Ranges(model).width(extra)
