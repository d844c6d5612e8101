"""Executable semantics: the one step relation over the IR, every engine is checked against.

Input: a `Model` (one variant). Output: a `Semantics` that enumerates initial states,
successors (`Transition`s), finality and expression values over `State` tuples laid
out by `ir.layout.Layout`, exactly as `ir.model` NOTE(values) and NOTE(step semantics)
define them. The explicit engine, scenario runs and trace replay use it directly; the
Z3 and TLC engines are held to it by replaying their traces.

The model is compiled once into nested closures (no generated source). Expressions
take `(s, b)`: the state (a tuple, or the list a running step writes to) and a scratch
list holding the values of names bound by quantifiers, `pick` and definition parameters
(each bound name gets a fixed position at compile time). Statements are compiled in
continuation-passing style, so `either` and `pick` fork the rest of the step: each path
works on its own copy of the state and ends by appending its successor to `out`.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import assert_never

from mbind_formal.ir.layout import Layout, SlotKind, State, Value, domain, sizes_of
from mbind_formal.ir.model import (
    Actor,
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
    Quantifier,
    RangeType,
    SelfRef,
    SetLit,
    SetType,
    Stmt,
    Type,
    Unary,
    UnOp,
    Var,
)
from mbind_formal.ir.types import TypeEnv, infer
from mbind_formal.ir.walk import subexprs

Choices = tuple[tuple[str, Value], ...]
Scratch = list[Value]
ExprFn = Callable[[Sequence[Value], Scratch], Value]
Emitted = tuple[int, Choices, State]  # (step id, choices, successor)
Out = list[Emitted]
StmtFn = Callable[[list[Value], Scratch, Choices, Out], None]
StepFn = Callable[[State, Scratch, Out], None]
Values = Callable[[Sequence[Value]], Sequence[Value]]


class SemanticsError(Exception):
    """The model cannot be executed: malformed IR, or a field read through `none`."""


@dataclass(frozen=True, slots=True)
class StepRef:
    """One (actor, instance, step label) of the model; step ids index `Semantics.steps`."""

    actor: str
    instance: int
    label: str


@dataclass(frozen=True, slots=True)
class Transition:
    """One enabled path of one step: who moved, the choices made, the state after it."""

    actor: str
    instance: int
    label: str
    choices: Choices
    state: State


@dataclass(frozen=True, slots=True)
class _Ctx:
    """What names mean where an expression is compiled."""

    actor: str | None = None  # the actor whose locals `LocalVar` reads
    instance: int = 0
    self_value: int | None = None  # the value of `SelfRef`
    self_type: Type | None = None
    scope: tuple[tuple[str, int, Type], ...] = ()  # bound name, scratch position, type
    depth: int = 0  # next free scratch position

    def bind(self, name: str, t: Type) -> tuple[_Ctx, int]:
        pos = self.depth
        inner = _Ctx(
            self.actor,
            self.instance,
            self.self_value,
            self.self_type,
            (*self.scope, (name, pos, t)),
            pos + 1,
        )
        return inner, pos

    def type_env(self, model: Model) -> TypeEnv:
        return TypeEnv(
            model=model,
            actor=self.actor,
            bound=tuple((n, t) for n, _, t in self.scope),
            self_type=self.self_type,
        )


def _const(v: Value) -> ExprFn:
    return lambda s, b: v


def _conjuncts(e: Expr) -> list[Expr]:
    if isinstance(e, Binary) and e.op is BinOp.AND:
        return [*_conjuncts(e.left), *_conjuncts(e.right)]
    return [e]


def _in_type(t: Type, v: Value, sizes: dict[str, int]) -> bool:
    """Whether `v` is a value of `t` (the range check every store makes)."""
    match t:
        case BoolType():
            return isinstance(v, bool)
        case EnumType(values=vals):
            return not isinstance(v, bool) and 0 <= v < len(vals)
        case RangeType(lo=lo, hi=hi):
            return not isinstance(v, bool) and lo <= v <= hi
        case SetType(enum=en):
            return not isinstance(v, bool) and 0 <= v < 1 << len(en.values)
        case IndexType(collection=c, optional=opt):
            return not isinstance(v, bool) and (-1 if opt else 0) <= v < sizes[c]
        case _:
            assert_never(t)


_CMP: dict[BinOp, Callable[[Value, Value], Value]] = {
    BinOp.EQ: operator.eq,
    BinOp.NE: operator.ne,
    BinOp.LT: operator.lt,
    BinOp.LE: operator.le,
    BinOp.GT: operator.gt,
    BinOp.GE: operator.ge,
    BinOp.ADD: operator.add,
    BinOp.SUB: operator.sub,
    BinOp.UNION: operator.or_,
    BinOp.INTER: operator.and_,
}


class _Compiler:
    """Turns IR expressions and statements into closures over slot positions."""

    def __init__(self, model: Model, layout: Layout) -> None:
        self.model = model
        self.layout = layout
        self.sizes = sizes_of(model)
        self.max_depth = 1
        self.blocked: list[int] = []  # per step id: stores refused by a range check
        self._defs: dict[tuple[str, int], ExprFn] = {}

    # ------------------------------------------------------------------ expressions

    def expr(self, e: Expr, ctx: _Ctx) -> ExprFn:
        self.max_depth = max(self.max_depth, ctx.depth + 1)
        lay = self.layout
        match e:
            case BoolLit(value=bv):
                return _const(bv)
            case IntLit(value=iv):
                return _const(iv)
            case EnumLit(enum=en, value=name):
                return _const(en.values.index(name))
            case SetLit(enum=en, items=items):
                if all(isinstance(x, EnumLit) for x in items):
                    mask = 0
                    for x in items:
                        assert isinstance(x, EnumLit)
                        mask |= 1 << en.values.index(x.value)
                    return _const(mask)
                fns = [self.expr(x, ctx) for x in items]
                return lambda s, b: sum({1 << int(f(s, b)) for f in fns})
            case ElemLit(index=ei):
                return _const(ei)
            case NoneLit():
                return _const(-1)
            case GlobalVar(name=gn):
                gi = self._slot(gn)
                return lambda s, b: s[gi]
            case LocalVar(name=ln):
                if ctx.actor is None:
                    raise SemanticsError(f"local '{ln}' read outside an actor")
                li = self._slot(f"{self._inst_name(ctx.actor, ctx.instance)}.{ln}")
                return lambda s, b: s[li]
            case SelfRef():
                if ctx.self_value is None:
                    raise SemanticsError("'self' used outside an actor or a field init")
                return _const(ctx.self_value)
            case Bound(name=bn):
                for name, pos, _ in reversed(ctx.scope):
                    if name == bn:
                        return lambda s, b: b[pos]
                raise SemanticsError(f"unbound name '{bn}'")
            case Field():
                return self._field(e, ctx)
            case ActorLocal(actor=an, instance=inst, name=ln):
                slots = [
                    self._slot(f"{self._inst_name(an, k)}.{ln}")
                    for k in range(self._actor(an).instances)
                ]
                return self._per_instance(slots, self.expr(inst, ctx), lambda v: v)
            case AtLabel(actor=an, instance=inst, label=lab):
                actor = self._actor(an)
                if lab == "done":
                    li = len(actor.steps)
                elif lab in actor.labels:
                    li = actor.labels.index(lab)
                else:
                    raise SemanticsError(f"unknown label '{an}@{lab}'")
                pcs = [lay.pc_slot(an, k) for k in range(actor.instances)]
                return self._per_instance(pcs, self.expr(inst, ctx), lambda v: v == li)
            case Unary():
                return self._unary(e, ctx)
            case Binary():
                return self._binary(e, ctx)
            case Ite(cond=c, then=t, orelse=o):
                fc, ft, fo = self.expr(c, ctx), self.expr(t, ctx), self.expr(o, ctx)
                return lambda s, b: ft(s, b) if fc(s, b) else fo(s, b)
            case Quant(kind=kind, var=qv, domain=qd, body=body):
                inner, pos = ctx.bind(qv, qd)
                fb = self.expr(body, inner)
                dom = domain(qd, self.sizes)
                if kind is Quantifier.FORALL:

                    def forall(s: Sequence[Value], b: Scratch) -> Value:
                        for v in dom:
                            b[pos] = v
                            if not fb(s, b):
                                return False
                        return True

                    return forall

                def exists(s: Sequence[Value], b: Scratch) -> Value:
                    for v in dom:
                        b[pos] = v
                        if fb(s, b):
                            return True
                    return False

                return exists
            case Call(name=cn, args=args):
                return self._call(cn, args, ctx)
            case AllDone():
                return self.all_done()
            case _:
                assert_never(e)

    def all_done(self) -> ExprFn:
        pcs: list[int] = []
        dones: list[int] = []
        for a in self.model.actors:
            for k in range(a.instances):
                pcs.append(self.layout.pc_slot(a.name, k))
                dones.append(len(a.steps))
        if not pcs:
            return _const(True)
        if len(pcs) == 1:
            p0, d0 = pcs[0], dones[0]
            return lambda s, b: s[p0] == d0
        get = operator.itemgetter(*pcs)
        want = tuple(dones)
        return lambda s, b: get(s) == want

    def _per_instance(
        self, slots: list[int], inst: ExprFn, conv: Callable[[Value], Value]
    ) -> ExprFn:
        if len(slots) == 1:
            only = slots[0]
            return lambda s, b: conv(s[only])
        return lambda s, b: conv(s[slots[int(inst(s, b))]])

    def _field(self, e: Field, ctx: _Ctx) -> ExprFn:
        where = self._field_slot(e, ctx)
        if isinstance(where, int):
            return lambda s, b: s[where]
        if isinstance(where, tuple):
            base, stride, pos = where
            if stride == 1:
                return lambda s, b: s[base + int(b[pos])]
            return lambda s, b: s[base + int(b[pos]) * stride]
        slot_of = where
        return lambda s, b: s[slot_of(s, b)]

    def _field_slot(self, e: Field, ctx: _Ctx) -> int | tuple[int, int, int] | ExprFn:
        """Where field `e` lives: a fixed slot, (base, stride, scratch position) when the
        index is a bound element that cannot be none, or a function of the state."""
        base, stride = self._field_base(e.collection, e.name)
        match e.index:
            case ElemLit(index=ei):
                return base + ei * stride
            case SelfRef() if ctx.self_value is not None:
                return base + ctx.self_value * stride
            case Bound(name=bn):
                for name, pos, t in reversed(ctx.scope):
                    if name == bn:
                        if isinstance(t, IndexType) and not t.optional:
                            return base, stride, pos
                        break
            case _:
                pass
        idx = self.expr(e.index, ctx)
        what = f"{e.collection}.{e.name}"

        def slot_of(s: Sequence[Value], b: Scratch) -> int:
            i = int(idx(s, b))
            if i < 0:
                raise SemanticsError(f"field {what} accessed through none")
            return base + i * stride

        return slot_of

    def _field_base(self, coll: str, name: str) -> tuple[int, int]:
        try:
            c = self.model.collection(coll)
        except KeyError:
            raise SemanticsError(f"unknown collection '{coll}'") from None
        names = [f.name for f in c.fields]
        if name not in names:
            raise SemanticsError(f"unknown field '{coll}.{name}'")
        return self.layout.field_slot(coll, 0, name), len(names)

    def _unary(self, e: Unary, ctx: _Ctx) -> ExprFn:
        a = self.expr(e.arg, ctx)
        match e.op:
            case UnOp.NOT:
                return lambda s, b: not a(s, b)
            case UnOp.NEG:
                return lambda s, b: -a(s, b)
            case UnOp.NONEMPTY:
                return lambda s, b: a(s, b) != 0
            case UnOp.NEXT:
                t = infer(e.arg, ctx.type_env(self.model))
                if not isinstance(t, IndexType):
                    raise SemanticsError("'next' of a non-element")
                last = self.sizes[t.collection] - 1

                # NOTE(next): the element after the last one (and after none) is none.
                def nxt(s: Sequence[Value], b: Scratch) -> Value:
                    v = int(a(s, b))
                    return v + 1 if 0 <= v < last else -1

                return nxt
            case UnOp.COMPL:
                t = infer(e.arg, ctx.type_env(self.model))
                if not isinstance(t, SetType):
                    raise SemanticsError("'~' of a non-set")
                full = (1 << len(t.enum.values)) - 1
                return lambda s, b: full ^ int(a(s, b))
            case _:
                assert_never(e.op)

    def _binary(self, e: Binary, ctx: _Ctx) -> ExprFn:
        left, right = self.expr(e.left, ctx), self.expr(e.right, ctx)
        # Operands are bools here by typing (`ir.types`), so `and`/`or` return bools.
        match e.op:
            case BinOp.AND:
                return lambda s, b: left(s, b) and right(s, b)
            case BinOp.OR:
                return lambda s, b: left(s, b) or right(s, b)
            case BinOp.IMPLIES:
                return lambda s, b: (not left(s, b)) or right(s, b)
            case BinOp.IN:
                item = _literal(e.left)
                if item is not None:
                    bit = 1 << int(item[0])
                    return lambda s, b: int(right(s, b)) & bit != 0
                return lambda s, b: (int(right(s, b)) >> int(left(s, b))) & 1 == 1
            case (
                BinOp.EQ
                | BinOp.NE
                | BinOp.LT
                | BinOp.LE
                | BinOp.GT
                | BinOp.GE
                | BinOp.ADD
                | BinOp.SUB
                | BinOp.UNION
                | BinOp.INTER
            ):
                op = _CMP[e.op]
                const = _literal(e.right)
                if const is None:
                    return lambda s, b: op(left(s, b), right(s, b))
                c = const[0]
                match e.op:  # the common shapes `x == K`, `x + 1` without a call of `op`
                    case BinOp.EQ:
                        return lambda s, b: left(s, b) == c
                    case BinOp.NE:
                        return lambda s, b: left(s, b) != c
                    case BinOp.ADD:
                        return lambda s, b: left(s, b) + c
                    case BinOp.SUB:
                        return lambda s, b: left(s, b) - c
                    case _:
                        return lambda s, b: op(left(s, b), c)
            case _:
                assert_never(e.op)

    def _call(self, name: str, args: tuple[Expr, ...], ctx: _Ctx) -> ExprFn:
        try:
            d = self.model.definition(name)
        except KeyError:
            raise SemanticsError(f"unknown definition '{name}'") from None
        if len(d.params) != len(args):
            raise SemanticsError(f"'{name}' takes {len(d.params)} arguments, got {len(args)}")
        fargs = [self.expr(x, ctx) for x in args]
        positions = list(range(ctx.depth, ctx.depth + len(args)))
        key = (name, ctx.depth)
        body = self._defs.get(key)
        if body is None:
            # A definition sees only its parameters, placed above the caller's names.
            dctx = _Ctx(
                scope=tuple(
                    (p.name, pos, p.type) for p, pos in zip(d.params, positions, strict=True)
                ),
                depth=ctx.depth + len(args),
            )
            body = self.expr(d.body, dctx)
            self._defs[key] = body
        fbody = body
        if len(fargs) == 1:
            a0, p0 = fargs[0], positions[0]

            def call1(s: Sequence[Value], b: Scratch) -> Value:
                b[p0] = a0(s, b)
                return fbody(s, b)

            return call1
        pairs = list(zip(positions, fargs, strict=True))

        def call(s: Sequence[Value], b: Scratch) -> Value:
            vals = [f(s, b) for _, f in pairs]
            for (p, _), v in zip(pairs, vals, strict=True):
                b[p] = v
            return fbody(s, b)

        return call

    # ------------------------------------------------------------------ statements

    def block(self, block: Block, ctx: _Ctx, sid: int, pc: int, k: StmtFn) -> StmtFn:
        fn = k
        for st in reversed(block):
            fn = self.stmt(st, ctx, sid, pc, fn)
        return fn

    def stmt(self, st: Stmt, ctx: _Ctx, sid: int, pc: int, k: StmtFn) -> StmtFn:
        match st:
            case Assign(target=target, value=value):
                return self._assign(target, value, ctx, sid, k)
            case If(cond=c, then=then, orelse=orelse):
                fc = self.expr(c, ctx)
                ft = self.block(then, ctx, sid, pc, k)
                fo = self.block(orelse, ctx, sid, pc, k)

                def if_(s: list[Value], b: Scratch, ch: Choices, out: Out) -> None:
                    if fc(s, b):
                        ft(s, b, ch, out)
                    else:
                        fo(s, b, ch, out)

                return if_
            case Either(branches=branches):
                fbs = [self.block(br, ctx, sid, pc, k) for br in branches]
                last = len(fbs) - 1

                def either(s: list[Value], b: Scratch, ch: Choices, out: Out) -> None:
                    for i, fbr in enumerate(fbs):
                        fbr(s if i == last else s.copy(), b, (*ch, ("either", i)), out)

                return either
            case Await(cond=c):
                fc = self.expr(c, ctx)

                def await_(s: list[Value], b: Scratch, ch: Choices, out: Out) -> None:
                    if fc(s, b):
                        k(s, b, ch, out)

                return await_
            case Pick(var=pv, domain=pd, cond=c, body=body):
                inner, pos = ctx.bind(pv, pd)
                fc = self.expr(c, inner)
                fbody = self.block(body, inner, sid, pc, k)
                dom = domain(pd, self.sizes)

                def pick(s: list[Value], b: Scratch, ch: Choices, out: Out) -> None:
                    found = []
                    for v in dom:
                        b[pos] = v
                        if fc(s, b):
                            found.append(v)
                    last = len(found) - 1
                    for j, v in enumerate(found):
                        b[pos] = v
                        fbody(s if j == last else s.copy(), b, (*ch, (pv, v)), out)

                return pick
            case Goto(label=lab):
                actor = self._actor(ctx.actor or "")
                if lab not in actor.labels:
                    raise SemanticsError(f"goto unknown label '{lab}' in actor {actor.name}")
                return self._end(sid, pc, actor.labels.index(lab))
            case Done():
                return self._end(sid, pc, len(self._actor(ctx.actor or "").steps))
            case _:
                assert_never(st)

    def _end(self, sid: int, pc: int, target: int) -> StmtFn:
        def end(s: list[Value], b: Scratch, ch: Choices, out: Out) -> None:
            s[pc] = target
            out.append((sid, ch, tuple(s)))

        return end

    def _assign(
        self,
        target: GlobalVar | LocalVar | Field,
        value: Expr,
        ctx: _Ctx,
        sid: int,
        k: StmtFn,
    ) -> StmtFn:
        fv = self.expr(value, ctx)
        var_type = infer(target, ctx.type_env(self.model))
        if var_type is None:
            raise SemanticsError(f"cannot type the assignment target {target}")
        bounds = self._bounds(var_type)
        match target:
            case GlobalVar(name=gn):
                where: int | tuple[int, int, int] | ExprFn = self._slot(gn)
            case LocalVar(name=ln):
                if ctx.actor is None:
                    raise SemanticsError(f"local '{ln}' written outside an actor")
                where = self._slot(f"{self._inst_name(ctx.actor, ctx.instance)}.{ln}")
            case Field():
                where = self._field_slot(target, ctx)
            case _:
                assert_never(target)
        if isinstance(where, tuple):
            base, stride, pos = where
            where = lambda s, b: base + int(b[pos]) * stride  # noqa: E731
        if bounds is None:
            return _store(where, fv, k)
        return _store_checked(where, fv, k, bounds, self.blocked, sid)

    def _bounds(self, t: Type) -> tuple[int, int] | None:
        """The integer bounds a store must check (None: in range by typing)."""
        match t:
            case RangeType(lo=lo, hi=hi):
                return lo, hi
            case IndexType(collection=c, optional=False):
                return 0, self.sizes[c] - 1  # `none` or `next` past the end
            case IndexType() | BoolType() | EnumType() | SetType():
                return None
            case _:
                assert_never(t)

    # ------------------------------------------------------------------ helpers

    def _slot(self, name: str) -> int:
        try:
            return self.layout.index[name]
        except KeyError:
            raise SemanticsError(f"unknown variable '{name}'") from None

    def _actor(self, name: str) -> Actor:
        try:
            return self.model.actor(name)
        except KeyError:
            raise SemanticsError(f"unknown actor '{name}'") from None

    def _inst_name(self, actor: str, k: int) -> str:
        a = self.model.actor(actor)
        return actor if a.instances == 1 else f"{actor}[{k}]"


def _store(where: int | ExprFn, fv: ExprFn, k: StmtFn) -> StmtFn:
    """`target = value` where the value is in range by typing."""
    if isinstance(where, int):
        slot = where

        def store(s: list[Value], b: Scratch, ch: Choices, out: Out) -> None:
            s[slot] = fv(s, b)
            k(s, b, ch, out)

        return store
    slot_of = where

    def store_at(s: list[Value], b: Scratch, ch: Choices, out: Out) -> None:
        s[int(slot_of(s, b))] = fv(s, b)
        k(s, b, ch, out)

    return store_at


def _store_checked(
    where: int | ExprFn,
    fv: ExprFn,
    k: StmtFn,
    bounds: tuple[int, int],
    blocked: list[int],
    sid: int,
) -> StmtFn:
    """`target = value`, disabling the path (and counting it) when out of range."""
    lo, hi = bounds
    if isinstance(where, int):
        slot = where

        def store(s: list[Value], b: Scratch, ch: Choices, out: Out) -> None:
            v = fv(s, b)
            if lo <= v <= hi:
                s[slot] = v
                k(s, b, ch, out)
            else:
                blocked[sid] += 1

        return store
    slot_of = where

    def store_at(s: list[Value], b: Scratch, ch: Choices, out: Out) -> None:
        v = fv(s, b)
        if lo <= v <= hi:
            s[int(slot_of(s, b))] = v
            k(s, b, ch, out)
        else:
            blocked[sid] += 1

    return store_at


def _literal(e: Expr) -> tuple[Value] | None:
    """The value of a literal expression, boxed (so that false and 0 are values too)."""
    match e:
        case BoolLit(value=v) | IntLit(value=v):
            return (v,)
        case EnumLit(enum=en, value=name):
            return (en.values.index(name),)
        case ElemLit(index=i):
            return (i,)
        case NoneLit():
            return (-1,)
        case _:
            return None


# --------------------------------------------------------------------------- initial states


def _reads(e: Expr, ctx: _Ctx, c: _Compiler, seen: frozenset[str] = frozenset()) -> set[int]:
    """The state slots `e` may read (over-approximated where an index is dynamic)."""
    m, lay = c.model, c.layout
    out: set[int] = set()
    for x in subexprs(e):
        match x:
            case GlobalVar(name=gn):
                out.add(c._slot(gn))
            case LocalVar(name=ln) if ctx.actor is not None:
                out.add(c._slot(f"{c._inst_name(ctx.actor, ctx.instance)}.{ln}"))
            case Field(collection=coll, name=fname, index=index):
                base, stride = c._field_base(coll, fname)
                if isinstance(index, ElemLit):
                    out.add(base + index.index * stride)
                elif isinstance(index, SelfRef) and ctx.self_value is not None:
                    out.add(base + ctx.self_value * stride)
                else:
                    out.update(base + i * stride for i in range(m.collection(coll).size))
            case ActorLocal(actor=an, name=ln):
                n = c._actor(an).instances
                out.update(c._slot(f"{c._inst_name(an, k)}.{ln}") for k in range(n))
            case AtLabel(actor=an):
                out.update(lay.pc_slot(an, k) for k in range(c._actor(an).instances))
            case AllDone():
                out.update(i for i, s in enumerate(lay.slots) if s.kind is SlotKind.PC)
            case Call(name=cn) if cn not in seen:
                try:
                    body = m.definition(cn).body
                except KeyError:
                    raise SemanticsError(f"unknown definition '{cn}'") from None
                out |= _reads(body, _Ctx(), c, seen | {cn})
            case _:
                pass
    return out


@dataclass(frozen=True, slots=True)
class _SlotInit:
    """How one slot gets its initial values: `values(partial state)` and what it reads."""

    values: Values
    reads: frozenset[int]


def _init_ctx(c: _Compiler, slot: int) -> tuple[Var | None, _Ctx]:
    sl = c.layout.slots[slot]
    m = c.model
    match sl.kind:
        case SlotKind.GLOBAL:
            return m.global_var(sl.member), _Ctx()
        case SlotKind.FIELD:
            coll = m.collection(sl.owner)
            var = next(f for f in coll.fields if f.name == sl.member)
            return var, _Ctx(self_value=sl.index, self_type=IndexType(sl.owner))
        case SlotKind.LOCAL:
            actor = m.actor(sl.owner)
            var = next(v for v in actor.locals if v.name == sl.member)
            return var, _Ctx(actor=sl.owner, instance=sl.index, self_value=sl.index)
        case SlotKind.PC:
            return None, _Ctx()
        case _:
            assert_never(sl.kind)


def _slot_init(c: _Compiler, slot: int) -> _SlotInit:
    var, ctx = _init_ctx(c, slot)
    if var is None:
        return _SlotInit(lambda s: (0,), frozenset())
    t, sizes = var.type, c.sizes
    match var.init:
        case InitAny():
            dom = domain(t, sizes)
            return _SlotInit(lambda s: dom, frozenset())
        case InitIn(choices=choices):
            fns = [c.expr(x, ctx) for x in choices]
            reads: set[int] = set()
            for x in choices:
                reads |= _reads(x, ctx, c)

            def listed(s: Sequence[Value]) -> Sequence[Value]:
                vals = {f(s, [0] * c.max_depth) for f in fns}
                return [v for v in domain(t, sizes) if v in vals]

            return _SlotInit(listed, frozenset(reads))
        case InitValue(value=value):
            f = c.expr(value, ctx)

            def one(s: Sequence[Value]) -> Sequence[Value]:
                v = f(s, [0] * c.max_depth)
                if isinstance(t, BoolType):
                    return (bool(v),)
                return (v,) if _in_type(t, v, sizes) else ()

            return _SlotInit(one, frozenset(_reads(value, ctx, c)))
        case _:
            assert_never(var.init)


def _init_order(inits: Sequence[_SlotInit], names: Sequence[str]) -> list[int]:
    """Slots in layout order, except that a slot comes after every slot its init reads."""
    order: list[int] = []
    placed: set[int] = set()
    pending = list(range(len(inits)))
    while pending:
        for j in pending:
            if inits[j].reads <= placed:
                break
        else:
            stuck = ", ".join(names[j] for j in pending)
            raise SemanticsError(f"initial values depend on each other in a cycle: {stuck}")
        pending.remove(j)
        placed.add(j)
        order.append(j)
    return order


# --------------------------------------------------------------------------- the relation


class Semantics:
    """The compiled step relation of one model (see the module docstring)."""

    def __init__(self, model: Model) -> None:
        self.model = model
        self.layout = Layout(model)
        c = self._c = _Compiler(model, self.layout)
        self.steps: tuple[StepRef, ...] = tuple(
            StepRef(a.name, k, st.label)
            for a in model.actors
            for k in range(a.instances)
            for st in a.steps
        )
        c.blocked.extend(0 for _ in self.steps)
        # Per actor instance: its pc slot and, per pc value, the step runner (None: done).
        self._instances: list[tuple[int, list[StepFn | None]]] = []
        sid = 0
        for a in model.actors:
            for k in range(a.instances):
                pc = self.layout.pc_slot(a.name, k)
                self_value = k
                ctx = _Ctx(actor=a.name, instance=k, self_value=self_value)
                table: list[StepFn | None] = []
                for j, st in enumerate(a.steps):
                    table.append(self._step(st.body, ctx, sid, pc, j + 1))
                    sid += 1
                table.append(None)
                self._instances.append((pc, table))
        self._final = c.all_done()
        self._scratch: Scratch = [0] * c.max_depth
        self._cache: dict[Expr, ExprFn] = {}
        self._inits = [_slot_init(c, j) for j in range(len(self.layout))]
        self._order = _init_order(self._inits, [s.name for s in self.layout.slots])

    def _step(self, body: Block, ctx: _Ctx, sid: int, pc: int, nxt: int) -> StepFn:
        c = self._c
        # Falling off the end of a step's body continues at the next step (the DSL's rule).
        fall = c._end(sid, pc, nxt)
        # Leading awaits are tested on the state before it is copied: most steps are
        # disabled most of the time, and this keeps them cheap.
        guards: list[ExprFn] = []
        rest = body
        while rest and isinstance(rest[0], Await):
            guards.append(c.expr(rest[0].cond, ctx))
            rest = rest[1:]
        run = c.block(rest, ctx, sid, pc, fall)
        if not guards:
            return lambda s, b, out: run(list(s), b, (), out)
        if len(guards) == 1:
            g0 = guards[0]

            def guarded1(s: State, b: Scratch, out: Out) -> None:
                if g0(s, b):
                    run(list(s), b, (), out)

            return guarded1

        def guarded(s: State, b: Scratch, out: Out) -> None:
            for g in guards:
                if not g(s, b):
                    return
            run(list(s), b, (), out)

        return guarded

    # ------------------------------------------------------------------ expressions

    def compile(self, expr: Expr) -> Callable[[Sequence[Value]], Value]:
        """`expr` (a claim, witness, assume or expect: no actor context) as a function."""
        f = self._cache.get(expr)
        if f is None:
            f = self._c.expr(expr, _Ctx())
            self._cache[expr] = f
        fn = f
        return lambda s: fn(s, [0] * self._c.max_depth)

    def predicate(self, expr: Expr) -> Callable[[Sequence[Value]], bool]:
        f = self.compile(expr)
        return lambda s: bool(f(s))

    def eval(self, expr: Expr, state: Sequence[Value]) -> Value:
        """The value of `expr` in `state` (ActorLocal/AtLabel name their instances)."""
        return self.compile(expr)(state)

    # ------------------------------------------------------------------ initial states

    def initial_states(self, assume: Expr | None = None) -> Iterator[State]:
        """Every initial state satisfying `model.init` and `assume`, in a fixed order.

        Backtracks over the slots (in layout order, adjusted so that an initial value
        is computed after the constants it reads) and tests each `init`/`assume`
        conjunct as soon as every slot it reads has a value.
        """
        c, order = self._c, self._order
        n = len(order)
        position = {slot: i for i, slot in enumerate(order)}
        checks: list[list[Callable[[Sequence[Value]], Value]]] = [[] for _ in range(n)]
        upfront: list[Callable[[Sequence[Value]], Value]] = []
        exprs = [*self.model.init, *([assume] if assume is not None else [])]
        for e in exprs:
            for conj in _conjuncts(e):
                f = self.compile(conj)
                reads = _reads(conj, _Ctx(), c)
                if reads:
                    checks[max(position[r] for r in reads)].append(f)
                else:
                    upfront.append(f)
        cur: list[Value] = [0] * len(self.layout)
        if not all(f(cur) for f in upfront):
            return
        if n == 0:
            yield ()
            return
        values = [self._inits[slot].values for slot in order]
        iters: list[Iterator[Value]] = [iter(())] * n
        iters[0] = iter(values[0](cur))
        pos = 0
        while pos >= 0:
            v = next(iters[pos], None)
            if v is None:
                pos -= 1
                continue
            cur[order[pos]] = v
            if not all(f(cur) for f in checks[pos]):
                continue
            if pos == n - 1:
                yield tuple(cur)
            else:
                pos += 1
                iters[pos] = iter(values[pos](cur))

    def is_initial(self, state: State, assume: Expr | None = None) -> str | None:
        """None if `state` is initial (and satisfies `assume`), else why not."""
        bad = self.check_state(state)
        if bad is not None:
            return bad
        for slot in self._order:
            if state[slot] not in self._inits[slot].values(state):
                sl = self.layout.slots[slot]
                shown = self.layout.show(sl, state[slot])
                return f"{sl.name} = {shown} is not an initial value"
        for e in self.model.init:
            if not self.eval(e, state):
                return "an init constraint of the model does not hold"
        if assume is not None and not self.eval(assume, state):
            return "the claim's assume does not hold"
        return None

    def check_state(self, state: State) -> str | None:
        """None if `state` has one value of the right type per slot, else why not."""
        slots = self.layout.slots
        if len(state) != len(slots):
            return f"the state has {len(state)} slots, the model {len(slots)}"
        for sl, v in zip(slots, state, strict=True):
            if sl.kind is SlotKind.PC:
                ok = not isinstance(v, bool) and 0 <= v < len(sl.labels)
            else:
                assert sl.type is not None
                ok = _in_type(sl.type, v, self._c.sizes)
            if not ok:
                return f"{sl.name} holds {v!r}, not a value of its type"
        return None

    # ------------------------------------------------------------------ steps

    def raw_successors(self, state: State) -> Out:
        """Every enabled path from `state` as (step id, choices, successor), in order."""
        out: Out = []
        b = self._scratch
        for pc, table in self._instances:
            run = table[state[pc]]
            if run is not None:
                run(state, b, out)
        return out

    def successors(self, state: State) -> Iterator[Transition]:
        """One transition per enabled path: actors in declaration order, instances
        ascending, steps' branches in order (final states have none)."""
        steps = self.steps
        for sid, ch, nxt in self.raw_successors(state):
            ref = steps[sid]
            yield Transition(ref.actor, ref.instance, ref.label, ch, nxt)

    def instance_successors(self, state: State, actor: str, instance: int) -> Out:
        """The enabled paths of one actor instance only (scenario runs, replay)."""
        out: Out = []
        pc = self.layout.pc_slot(actor, instance)
        for a_pc, table in self._instances:
            if a_pc == pc:
                run = table[state[pc]]
                if run is not None:
                    run(state, self._scratch, out)
        return out

    def enabled_steps(self, state: State) -> tuple[StepRef, ...]:
        """The steps with at least one enabled path from `state`, in order, once each."""
        seen: dict[int, None] = {}
        for sid, _, _ in self.raw_successors(state):
            seen[sid] = None
        return tuple(self.steps[sid] for sid in seen)

    def is_final(self, state: Sequence[Value]) -> bool:
        """Every instance of every actor is done."""
        return bool(self._final(state, self._scratch))

    def blocked_stores(self) -> dict[tuple[str, str], int]:
        """Stores refused by a range check so far, per (actor, label) (for coverage)."""
        out: dict[tuple[str, str], int] = {}
        for ref, n in zip(self.steps, self._c.blocked, strict=True):
            if n:
                key = (ref.actor, ref.label)
                out[key] = out.get(key, 0) + n
        return out

    def label_index(self, actor: str, label: str) -> int:
        """The pc value of `label` in `actor` (`done` is the number of steps)."""
        a = self.model.actor(actor)
        return len(a.steps) if label == "done" else a.labels.index(label)
