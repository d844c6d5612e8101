"""Closures: IR expressions compiled into Python functions over state slots.

Stage: executable semantics (the part `semantics.relation` and `semantics.initial_states` share).
Input: a `Model`, its `Layout`, an expression and a `Ctx` saying what names mean there.
Output: an `ExprFn` taking `(s, b)`: the state (a tuple, or the list a running step
writes to) and a scratch list holding the values of names bound by quantifiers, `pick`
and definition parameters (each bound name gets a fixed position at compile time).
Values are encoded as `ir.model` NOTE(values) says.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import assert_never

from mbind_formal.ir.model import (
    Actor,
    ActorLocal,
    AllDone,
    AtLabel,
    Binary,
    BinOp,
    BoolLit,
    BoolType,
    Bound,
    Call,
    ElemLit,
    EnumLit,
    EnumType,
    Expr,
    Field,
    GlobalVar,
    IndexType,
    IntLit,
    Ite,
    LocalVar,
    Model,
    NoneLit,
    Quant,
    Quantifier,
    RangeType,
    SelfRef,
    SetLit,
    SetType,
    Type,
    Unary,
    UnOp,
)
from mbind_formal.ir.types import TypeEnv, infer
from mbind_formal.ir.walk import children
from mbind_formal.semantics.layout import Layout, State, Value, domain, domain_size, sizes_of
from mbind_formal.semantics.watch import WATCH_COST, Watch

Choices = tuple[tuple[str, Value], ...]
# A logged type violation (ir.model NOTE(type rule)): step id, choices, slot, value.
Fault = tuple[int, Choices, int, Value]
Scratch = list[Value]
ExprFn = Callable[[Sequence[Value], Scratch], Value]
Emitted = tuple[int, Choices, State]  # (step id, choices, successor)
Out = list[Emitted]


_COST_CAP = 1 << 62  # costs are estimates; past this they only need to be "huge"


class SemanticsError(Exception):
    """The model cannot be executed: malformed IR, or a field read through `none`."""


@dataclass(frozen=True, slots=True)
class Ctx:
    """What names mean where an expression is compiled (the empty one: claims)."""

    actor: str | None = None  # the actor whose locals `LocalVar` reads
    instance: int = 0
    self_value: int | None = None  # the value of `SelfRef`
    self_type: Type | None = None
    scope: tuple[tuple[str, int, Type], ...] = ()  # bound name, scratch position, type
    depth: int = 0  # next free scratch position

    def bind(self, name: str, t: Type) -> tuple[Ctx, int]:
        pos = self.depth
        inner = Ctx(
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


def in_type(t: Type, v: Value, sizes: dict[str, int]) -> bool:
    """Whether `v` is a value of `t`, encoded as NOTE(values) says (bools are bools)."""
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
    BinOp.MUL: operator.mul,
    BinOp.DIV: operator.floordiv,  # NOTE(division): divisors are positive by typing
    BinOp.MOD: operator.mod,
}


class ExprCompiler:
    """Turns IR expressions into closures over slot positions (see the module docstring).

    `max_depth` grows to the number of scratch positions the compiled code needs.
    """

    def __init__(self, model: Model, layout: Layout, watch: Watch | None = None) -> None:
        self.model = model
        self.layout = layout
        self.sizes = sizes_of(model)
        self.max_depth = 1
        self.watch = watch if watch is not None else Watch()
        self._defs: dict[tuple[str, int], ExprFn] = {}
        self._def_costs: dict[str, int] = {}

    # ------------------------------------------------------------------ costs

    def cost(self, e: Expr) -> int:
        """An upper bound on the node evaluations of one evaluation of `e`: definition
        calls expanded, a quantifier's body counted once per value of its domain (capped
        at _COST_CAP). NOTE(watch): closures above WATCH_COST tick the watch. The
        recursion is bounded by `ir.depth.MAX_EXPANDED_DEPTH`."""
        match e:
            case Quant(domain=qd, body=body):
                total = 1 + domain_size(qd, self.sizes) * self.cost(body)
            case Call(name=cn, args=args):
                total = 1 + sum(self.cost(a) for a in args) + self.def_cost(cn)
            case _:
                total = 1 + sum(self.cost(c) for c in children(e))
        return min(total, _COST_CAP)

    def def_cost(self, name: str) -> int:
        if name not in self._def_costs:
            self._def_costs[name] = 0  # a recursive model is refused before; be safe anyway
            try:
                body = self.model.definition(name).body
            except KeyError:
                return 0
            self._def_costs[name] = self.cost(body)
        return self._def_costs[name]

    # ------------------------------------------------------------------ expressions

    def expr(self, e: Expr, ctx: Ctx) -> ExprFn:
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
                gi = self.slot(gn)
                return lambda s, b: s[gi]
            case LocalVar(name=ln):
                if ctx.actor is None:
                    raise SemanticsError(f"local '{ln}' read outside an actor")
                li = self.slot(f"{self.inst_name(ctx.actor, ctx.instance)}.{ln}")
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
                    self.slot(f"{self.inst_name(an, k)}.{ln}")
                    for k in range(self.actor(an).instances)
                ]
                return self._per_instance(slots, self.expr(inst, ctx), lambda v: v)
            case AtLabel(actor=an, instance=inst, label=lab):
                actor = self.actor(an)
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
                if len(dom) * self.cost(body) > WATCH_COST:  # NOTE(watch)
                    return self._watched_quant(kind, dom, pos, fb, self.cost(body))
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

    def _watched_quant(
        self, kind: Quantifier, dom: Sequence[Value], pos: int, fb: ExprFn, per: int
    ) -> ExprFn:
        """A quantifier over many values (or a costly body) that ticks per value."""
        tick = self.watch.tick
        want = kind is not Quantifier.FORALL  # the body value that decides the quantifier

        def quant(s: Sequence[Value], b: Scratch) -> Value:
            for v in dom:
                tick(per)
                b[pos] = v
                if bool(fb(s, b)) is want:
                    return want
            return not want

        return quant

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

    def _field(self, e: Field, ctx: Ctx) -> ExprFn:
        where = self.field_slot(e, ctx)
        if isinstance(where, int):
            return lambda s, b: s[where]
        if isinstance(where, tuple):
            base, stride, pos = where
            if stride == 1:
                return lambda s, b: s[base + int(b[pos])]
            return lambda s, b: s[base + int(b[pos]) * stride]
        slot_of = where
        return lambda s, b: s[slot_of(s, b)]

    def field_slot(self, e: Field, ctx: Ctx) -> int | tuple[int, int, int] | ExprFn:
        """Where field `e` lives: a fixed slot, (base, stride, scratch position) when the
        index is a bound element that cannot be none, or a function of the state."""
        base, stride = self.field_base(e.collection, e.name)
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

    def field_base(self, coll: str, name: str) -> tuple[int, int]:
        try:
            c = self.model.collection(coll)
        except KeyError:
            raise SemanticsError(f"unknown collection '{coll}'") from None
        names = [f.name for f in c.fields]
        if name not in names:
            raise SemanticsError(f"unknown field '{coll}.{name}'")
        return self.layout.field_slot(coll, 0, name), len(names)

    def _unary(self, e: Unary, ctx: Ctx) -> ExprFn:
        a = self.expr(e.arg, ctx)
        match e.op:
            case UnOp.NOT:
                return lambda s, b: not a(s, b)
            case UnOp.NEG:
                return lambda s, b: -a(s, b)
            case UnOp.NONEMPTY:
                return lambda s, b: a(s, b) != 0
            case UnOp.CARD:  # the bitmask's population count
                return lambda s, b: int(a(s, b)).bit_count()
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

    def _binary(self, e: Binary, ctx: Ctx) -> ExprFn:
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
                item = literal(e.left)
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
                | BinOp.MUL
                | BinOp.DIV
                | BinOp.MOD
            ):
                op = _CMP[e.op]
                const = literal(e.right)
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

    def _call(self, name: str, args: tuple[Expr, ...], ctx: Ctx) -> ExprFn:
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
            dctx = Ctx(
                scope=tuple(
                    (p.name, pos, p.type) for p, pos in zip(d.params, positions, strict=True)
                ),
                depth=ctx.depth + len(args),
            )
            body = self.expr(d.body, dctx)
            self._defs[key] = body
        fbody = body
        if self.def_cost(name) > WATCH_COST:  # NOTE(watch): a costly body ticks per call
            tick, inner = self.watch.tick, body

            def fbody(s: Sequence[Value], b: Scratch) -> Value:
                tick(WATCH_COST)
                return inner(s, b)

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

    # ------------------------------------------------------------------ names

    def slot(self, name: str) -> int:
        """The position of the slot called `name` in the layout."""
        try:
            return self.layout.index[name]
        except KeyError:
            raise SemanticsError(f"unknown variable '{name}'") from None

    def actor(self, name: str) -> Actor:
        try:
            return self.model.actor(name)
        except KeyError:
            raise SemanticsError(f"unknown actor '{name}'") from None

    def inst_name(self, actor: str, k: int) -> str:
        """How slot names spell instance `k` of `actor` (`semantics.layout.instance_name`)."""
        a = self.actor(actor)
        return actor if a.instances == 1 else f"{actor}[{k}]"


def literal(e: Expr) -> tuple[Value] | None:
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
