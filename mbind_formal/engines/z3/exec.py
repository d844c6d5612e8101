"""Symbolic execution of IR expressions and step bodies into z3 terms.

Stage: engines (below `z3_encode`). Input: a `Model`, its `Layout`, a `Terms` builder
and the current value of every slot. Output: the `Value` of an expression, or for a
step the `Effect` of one actor instance running it: when it is enabled (`guard`), what
it writes (`writes`, slot -> value; the pc included) and which fresh choice variables
resolve its nondeterminism (`choices`).

The step semantics is NOTE(step semantics) in `ir.model`, merged into one formula per
(instance, step) instead of one per path: `If` runs both branches and merges their
writes with z3 `If`; `Either` runs every branch under a fresh choice variable `either`;
`Pick` makes a fresh variable of its domain (constrained by its condition); `Await`,
the pick condition and every store's range check conjoin to the guard; `Goto`/`Done`
write the pc and end the path (a body that falls off its end continues at the next
step, as in `semantics.relation`). A path that ended inside an `If` branch is tracked by the
symbolic flag `ended`, which guards every later write and check. `next` follows
NOTE(next) in `semantics.relation`: after the last element (and after none) comes none.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import assert_never

import z3

from mbind_formal.engines.z3.terms import BoolV, NumV, SetV, Term, Terms, Value
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
    Quantifier,
    RangeType,
    SelfRef,
    SetLit,
    SetType,
    Stmt,
    Type,
    Unary,
    UnOp,
)
from mbind_formal.ir.types import TypeEnv, infer
from mbind_formal.ir.walk import subexprs
from mbind_formal.semantics.layout import Layout, domain, sizes_of

Read = Callable[[int], Value]  # slot index -> its current value


@dataclass(frozen=True, slots=True)
class Scope:
    """Where an expression is evaluated: the running instance and the bound names."""

    actor: str | None = None
    instance: int = 0
    self_value: int | None = None  # what `self` denotes (instance or element index)
    bound: tuple[tuple[str, Value, Type], ...] = ()  # innermost last

    def bind(self, name: str, v: Value, ty: Type) -> Scope:
        return replace(self, bound=(*self.bound, (name, v, ty)))


@dataclass(frozen=True, slots=True)
class Choice:
    """A fresh variable resolving nondeterminism inside a step (a pick or an either)."""

    name: str  # the pick variable, or "either"
    value: Value
    domain: Term  # constraint on its values (always asserted)
    active: Term  # the path reaches it: informs trace decoding only
    values: tuple[Value, ...] = ()  # every value of its domain (deadlock checks expand them)


@dataclass(frozen=True, slots=True)
class Effect:
    guard: Term
    writes: Mapping[int, Value]
    choices: tuple[Choice, ...]
    # NOTE(type rule) in ir.model: with these choices, the step reaches a store outside
    # the type of a variable that is not guarded (every earlier check holding)
    fault: Term = None


@dataclass(slots=True)
class _Path:
    env: dict[int, Value]  # written slots
    ok: Term  # every check so far holds (on the path that has not ended)
    ended: Term  # the path has executed Goto/Done
    cond: Term  # branch conditions leading here
    pre: Term  # the checks of the enclosing paths before this branch all hold
    fault: Term  # a type violation happened on the way here (NOTE(type rule))


@dataclass
class _StepCtx:
    base: Read
    scope: Scope
    pc_slot: int
    prefix: str  # names fresh choice variables
    suffix: str  # ... and ends their names (the time step)
    choices: list[Choice] = field(default_factory=list)


class Evaluator:
    """Evaluates expressions and executes step bodies of one model."""

    def __init__(self, model: Model, layout: Layout, terms: Terms) -> None:
        self.model = model
        self.layout = layout
        self.t = terms
        self.sizes = sizes_of(model)
        self._pcs = [
            (i, len(self.model.actor(s.owner).steps))
            for i, s in enumerate(layout.slots)
            if s.member == "pc" and s.labels
        ]
        # Calls of definitions that read no state, by (name, argument terms): a body is
        # encoded once per distinct argument list, so z3 shares it as a DAG instead of
        # Python rebuilding it at every call (definitions calling one another twice per
        # level would otherwise cost 2**levels). The arguments are kept with the answer
        # so that z3 cannot recycle their ids while the key is alive.
        self._closed: dict[str, bool] = {}
        self._calls: dict[tuple[object, ...], tuple[list[Value], Value]] = {}

    # ------------------------------------------------------------------ types

    def in_type(self, v: Value, ty: Type) -> Term:
        """`v` lies in `ty` (what a store checks)."""
        match ty:
            case BoolType() | SetType():
                return self.t.true
            case EnumType(values=vals):
                return self.t.in_range(_num(v), 0, len(vals) - 1)
            case RangeType(lo=lo, hi=hi):
                return self.t.in_range(_num(v), lo, hi)
            case IndexType(collection=c, optional=opt):
                return self.t.in_range(_num(v), -1 if opt else 0, self.sizes[c] - 1)
            case _:
                assert_never(ty)

    def values_of(self, ty: Type) -> tuple[Value, ...]:
        """Every value of a finite type, as constants."""
        match ty:
            case BoolType():
                return (BoolV(self.t.false), BoolV(self.t.true))
            case SetType(enum=e):
                n = len(e.values)
                return tuple(self.t.set_const(n, m) for m in range(1 << n))
            case EnumType() | RangeType() | IndexType():
                return tuple(self.t.num(int(x)) for x in domain(ty, self.sizes))
            case _:
                assert_never(ty)

    def fresh(self, name: str, ty: Type | None, suffix: str = "") -> Value:
        """A new variable of type `ty` (None: a pc) named `name` + `suffix`."""
        match ty:
            case BoolType():
                return BoolV(z3.Bool(name + suffix, self.t.ctx))
            case SetType(enum=e):
                return self.t.set_var(name, e.values, suffix)
            case EnumType() | RangeType() | IndexType() | None:
                return self.t.num_var(name, suffix)
            case _:
                assert_never(ty)

    # ------------------------------------------------------------------ expressions

    def all_done(self, read: Read) -> Term:
        return self.t.and_(self.t.num_eq(_num(read(i)), self.t.num(n)) for i, n in self._pcs)

    def boolean(self, e: Expr, read: Read, scope: Scope) -> Term:
        v = self.expr(e, read, scope)
        assert isinstance(v, BoolV), e
        return v.term

    def num(self, e: Expr, read: Read, scope: Scope) -> NumV:
        return _num(self.expr(e, read, scope))

    def expr(self, e: Expr, read: Read, scope: Scope) -> Value:
        t = self.t
        match e:
            case BoolLit(value=b):
                return BoolV(t.boolean(b))
            case IntLit(value=n):
                return t.num(n)
            case EnumLit(enum=en, value=name):
                return t.num(en.values.index(name))
            case SetLit(enum=en, items=items):
                elems = [self.num(i, read, scope) for i in items]
                bits = [t.or_(t.num_eq(x, t.num(k)) for x in elems) for k in range(len(en.values))]
                return t.set_of_bits(len(en.values), bits)
            case ElemLit(index=i):
                return t.num(i)
            case NoneLit():
                return t.num(-1)
            case GlobalVar(name=n):
                return read(self.layout.global_slot(n))
            case LocalVar(name=n):
                assert scope.actor is not None, f"local {n} read outside an actor"
                return read(self.layout.local_slot(scope.actor, scope.instance, n))
            case SelfRef():
                assert scope.self_value is not None, "self read outside an actor or field"
                return t.num(scope.self_value)
            case Bound(name=n):
                for bn, bv, _ in reversed(scope.bound):
                    if bn == n:
                        return bv
                raise AssertionError(f"unbound name {n}")
            case Field(collection=c, name=n, index=ix):
                idx = self.num(ix, read, scope)
                slots = [self.layout.field_slot(c, i, n) for i in range(self.sizes[c])]
                return self._select(idx, slots, read)
            case ActorLocal(actor=a, instance=ix, name=n):
                idx = self.num(ix, read, scope)
                count = self.model.actor(a).instances
                slots = [self.layout.local_slot(a, i, n) for i in range(count)]
                return self._select(idx, slots, read)
            case AtLabel(actor=a, instance=ix, label=lab):
                idx = self.num(ix, read, scope)
                actor = self.model.actor(a)
                want = t.num((*actor.labels, "done").index(lab))
                at = [
                    BoolV(t.num_eq(_num(read(self.layout.pc_slot(a, i))), want))
                    for i in range(actor.instances)
                ]
                return t.select(idx, at)
            case Unary(op=op, arg=arg):
                return self._unary(op, self.expr(arg, read, scope), arg, read, scope)
            case Binary(op=op, left=left, right=right):
                return self._binary(op, left, right, read, scope)
            case Ite(cond=c, then=a, orelse=b):
                cond = self.boolean(c, read, scope)
                return t.ite(cond, self.expr(a, read, scope), self.expr(b, read, scope))
            case Quant(kind=kind, var=qv, domain=qd, body=body):
                parts = [
                    self.boolean(body, read, scope.bind(qv, v, qd)) for v in self.values_of(qd)
                ]
                if kind is Quantifier.FORALL:
                    return BoolV(t.and_(parts))
                return BoolV(t.or_(parts))
            case Call(name=n, args=args):
                d = self.model.definition(n)
                vals = [self.expr(a, read, scope) for a in args]
                key = (n, *map(_value_key, vals)) if self._is_closed(n) else None
                if key is not None and key in self._calls:
                    return self._calls[key][1]
                bound = tuple((p.name, v, p.type) for p, v in zip(d.params, vals, strict=True))
                inner = replace(scope, bound=bound)
                out = self.expr(d.body, read, inner)
                if key is not None:
                    self._calls[key] = (vals, out)
                return out
            case AllDone():
                return BoolV(self.all_done(read))
            case _:
                assert_never(e)

    def _is_closed(self, name: str) -> bool:
        """Whether definition `name` depends on its arguments only: it reads no slot and
        no running instance, and calls only definitions that are closed too."""
        known = self._closed.get(name)
        if known is None:
            self._closed[name] = False  # definitions do not recurse; be safe if one did
            body = self.model.definition(name).body
            known = all(
                not isinstance(x, _STATEFUL)
                and (not isinstance(x, Call) or self._is_closed(x.name))
                for x in subexprs(body)
            )
            self._closed[name] = known
        return known

    def _select(self, idx: NumV, slots: list[int], read: Read) -> Value:
        if idx.const is not None and 0 <= idx.const < len(slots):
            return read(slots[idx.const])
        return self.t.select(idx, [read(s) for s in slots])

    def _unary(self, op: UnOp, v: Value, arg: Expr, read: Read, scope: Scope) -> Value:
        t = self.t
        match op:
            case UnOp.NOT:
                assert isinstance(v, BoolV)
                return BoolV(t.not_(v.term))
            case UnOp.NEG:
                return t.neg(_num(v))
            case UnOp.NONEMPTY:
                assert isinstance(v, SetV)
                return BoolV(t.nonempty(v))
            case UnOp.COMPL:
                assert isinstance(v, SetV)
                return t.compl(v)
            case UnOp.CARD:
                assert isinstance(v, SetV)
                return t.card(v)
            case UnOp.NEXT:
                # NOTE(next): the element after the last one (and after none) is none.
                last = self.sizes[self._index_type(arg, scope)] - 1
                n = _num(v)
                inside = t.and_((t.num_le(t.num(0), n), t.num_lt(n, t.num(last))))
                return t.ite(inside, t.add(n, t.num(1)), t.num(-1))
            case _:
                assert_never(op)

    def _index_type(self, arg: Expr, scope: Scope) -> str:
        bound = tuple((n, ty) for n, _, ty in scope.bound)
        env = TypeEnv(model=self.model, actor=scope.actor, bound=bound)
        ty = infer(arg, env)
        assert isinstance(ty, IndexType), f"next() of a non-element {arg}"
        return ty.collection

    def _binary(self, op: BinOp, left: Expr, right: Expr, read: Read, scope: Scope) -> Value:
        t = self.t
        a = self.expr(left, read, scope)
        if op in (BinOp.AND, BinOp.OR, BinOp.IMPLIES):
            # C-style short circuit does not matter: expressions are total and pure.
            b = self.expr(right, read, scope)
            assert isinstance(a, BoolV) and isinstance(b, BoolV)
            match op:
                case BinOp.AND:
                    return BoolV(t.and_((a.term, b.term)))
                case BinOp.OR:
                    return BoolV(t.or_((a.term, b.term)))
                case _:
                    return BoolV(t.implies(a.term, b.term))
        b = self.expr(right, read, scope)
        match op:
            case BinOp.EQ:
                return BoolV(t.eq(a, b))
            case BinOp.NE:
                return BoolV(t.not_(t.eq(a, b)))
            case BinOp.LT:
                return BoolV(t.num_lt(_num(a), _num(b)))
            case BinOp.LE:
                return BoolV(t.num_le(_num(a), _num(b)))
            case BinOp.GT:
                return BoolV(t.num_lt(_num(b), _num(a)))
            case BinOp.GE:
                return BoolV(t.num_le(_num(b), _num(a)))
            case BinOp.ADD:
                return t.add(_num(a), _num(b))
            case BinOp.SUB:
                return t.sub(_num(a), _num(b))
            case BinOp.MUL:
                return t.mul(_num(a), _num(b))
            case BinOp.DIV:
                return t.div(_num(a), _num(b))
            case BinOp.MOD:
                return t.mod(_num(a), _num(b))
            case BinOp.IN:
                assert isinstance(b, SetV)
                return BoolV(t.member(_num(a), b))
            case BinOp.UNION:
                assert isinstance(a, SetV) and isinstance(b, SetV)
                return t.union(a, b)
            case BinOp.INTER:
                assert isinstance(a, SetV) and isinstance(b, SetV)
                return t.inter(a, b)
            case BinOp.AND | BinOp.OR | BinOp.IMPLIES:
                raise AssertionError("handled above")
            case _:
                assert_never(op)

    # ------------------------------------------------------------------ statements

    def step(
        self, actor: str, index: int, instance: int, base: Read, prefix: str, suffix: str
    ) -> Effect:
        """The effect of `actor[instance]` running its step number `index` from `base`."""
        scope = Scope(actor=actor, instance=instance, self_value=instance)
        ctx = _StepCtx(base, scope, self.layout.pc_slot(actor, instance), prefix, suffix)
        t = self.t
        start = _Path(env={}, ok=t.true, ended=t.false, cond=t.true, pre=t.true, fault=t.false)
        end = self._block(self.model.actor(actor).steps[index].body, start, ctx, scope)
        # Falling off the end of a step's body continues at the next step (the DSL's
        # rule, as in `semantics.relation`); the step after the last one is `done`.
        if not z3_is_true(end.ended):
            self._write(end, ctx.pc_slot, self.t.num(index + 1), _reader(end, ctx))
        return Effect(guard=end.ok, writes=end.env, choices=tuple(ctx.choices), fault=end.fault)

    def _block(self, block: Block, p: _Path, ctx: _StepCtx, scope: Scope) -> _Path:
        for s in block:
            if z3_is_true(p.ended):
                break
            p, scope = self._stmt(s, p, ctx, scope)
        return p

    def _stmt(self, s: Stmt, p: _Path, ctx: _StepCtx, scope: Scope) -> tuple[_Path, Scope]:
        t = self.t
        read = _reader(p, ctx)

        match s:
            case Assign(target=target, value=value):
                v = self.expr(value, read, scope)
                self._assign(target, v, p, ctx, scope, read)
            case Await(cond=c):
                self._check(p, self.boolean(c, read, scope))
            case If(cond=c, then=then, orelse=orelse):
                cond = self.boolean(c, read, scope)
                pt = self._block(then, self._branch(p, cond), ctx, scope)
                pe = self._block(orelse, self._branch(p, t.not_(cond)), ctx, scope)
                p = self._merge([cond], p, [pt, pe], ctx)
            case Either(branches=branches):
                e = self.t.num_var(f"{ctx.prefix}.either#{len(ctx.choices)}", ctx.suffix)
                n = len(branches)
                active = t.and_((p.cond, t.not_(p.ended)))
                ctx.choices.append(
                    Choice(
                        "either",
                        e,
                        t.in_range(e, 0, n - 1),
                        active,
                        tuple(t.num(k) for k in range(n)),
                    )
                )
                sel = [t.num_eq(e, t.num(k)) for k in range(n)]
                outs = [
                    self._block(b, self._branch(p, sel[k]), ctx, scope)
                    for k, b in enumerate(branches)
                ]
                p = self._merge(sel[:-1], p, outs, ctx)
            case Pick(var=var, domain=dom, cond=c, body=body):
                v = self.fresh(f"{ctx.prefix}.{var}#{len(ctx.choices)}", dom, ctx.suffix)
                active = t.and_((p.cond, t.not_(p.ended)))
                ctx.choices.append(
                    Choice(var, v, self.in_type(v, dom), active, self.values_of(dom))
                )
                inner = scope.bind(var, v, dom)
                self._check(p, self.boolean(c, read, inner))
                p = self._block(body, p, ctx, inner)
            case Goto(label=label):
                labels = self.model.actor(ctx.scope.actor or "").labels
                self._write(p, ctx.pc_slot, t.num(labels.index(label)), read)
                p.ended = t.true
            case Done():
                n = len(self.model.actor(ctx.scope.actor or "").steps)
                self._write(p, ctx.pc_slot, t.num(n), read)
                p.ended = t.true
            case _:
                assert_never(s)
        return p, scope

    def _assign(
        self, target: Expr, v: Value, p: _Path, ctx: _StepCtx, scope: Scope, read: Read
    ) -> None:
        t = self.t
        match target:
            case GlobalVar(name=n):
                slot = self.layout.global_slot(n)
                self._store(p, slot, v, read)
            case LocalVar(name=n):
                assert scope.actor is not None
                slot = self.layout.local_slot(scope.actor, scope.instance, n)
                self._store(p, slot, v, read)
            case Field(collection=c, name=n, index=ix):
                idx = self.num(ix, read, scope)
                size = self.sizes[c]
                if idx.const is not None:
                    if 0 <= idx.const < size:
                        self._store(p, self.layout.field_slot(c, idx.const, n), v, read)
                    else:
                        self._check(p, t.false)
                    return
                self._check(p, t.in_range(idx, 0, size - 1))
                slot_type = self.model.collection(c)
                decl = next(f for f in slot_type.fields if f.name == n)
                self._typed(p, self.in_type(v, decl.type), decl.guarded)
                for i in range(size):
                    slot = self.layout.field_slot(c, i, n)
                    self._write(p, slot, t.ite(t.num_eq(idx, t.num(i)), v, read(slot)), read)
            case _:
                raise AssertionError(f"not an assignable target: {target}")

    def _store(self, p: _Path, slot: int, v: Value, read: Read) -> None:
        sl = self.layout.slots[slot]
        assert sl.type is not None
        self._typed(p, self.in_type(v, sl.type), sl.guarded)
        self._write(p, slot, v, read)

    def _typed(self, p: _Path, inside: Term, guarded: bool) -> None:
        """A store's range check: it disables the path, and unless the target is
        guarded, reaching it out of range is a type violation (NOTE(type rule))."""
        t = self.t
        if not guarded and not z3_is_true(inside):
            here = t.and_((p.cond, p.pre, p.ok, t.not_(p.ended), t.not_(inside)))
            p.fault = t.or_((p.fault, here))
        self._check(p, inside)

    def _write(self, p: _Path, slot: int, v: Value, read: Read) -> None:
        p.env[slot] = v if z3_is_false(p.ended) else self.t.ite(p.ended, read(slot), v)

    def _check(self, p: _Path, c: Term) -> None:
        p.ok = self.t.and_((p.ok, self.t.or_((p.ended, c))))

    def _branch(self, p: _Path, c: Term) -> _Path:
        t = self.t
        return _Path(
            dict(p.env), t.true, p.ended, t.and_((p.cond, c)), t.and_((p.pre, p.ok)), t.false
        )

    def _merge(
        self, conds: Sequence[Term], before: _Path, outs: Sequence[_Path], ctx: _StepCtx
    ) -> _Path:
        """Join branch paths: `outs[k]` where `conds[k]` first holds, else `outs[-1]`."""
        t = self.t
        env: dict[int, Value] = {}
        for slot in sorted(set().union(*(o.env.keys() for o in outs))):
            old = before.env[slot] if slot in before.env else ctx.base(slot)
            v = outs[-1].env.get(slot, old)
            for c, o in zip(reversed(conds), reversed(outs[:-1]), strict=True):
                v = t.ite(c, o.env.get(slot, old), v)
            env[slot] = v
        ok, ended = outs[-1].ok, outs[-1].ended
        for c, o in zip(reversed(conds), reversed(outs[:-1]), strict=True):
            ok, ended = t.ite_term(c, o.ok, ok), t.ite_term(c, o.ended, ended)
        # Each branch's faults are conditioned on reaching it (its `cond`).
        fault = t.or_((before.fault, *(o.fault for o in outs)))
        return _Path(env, t.and_((before.ok, ok)), ended, before.cond, before.pre, fault)


def _reader(p: _Path, ctx: _StepCtx) -> Read:
    """Reads the path's current value of a slot (its writes, else the state before)."""

    def read(slot: int) -> Value:
        return p.env[slot] if slot in p.env else ctx.base(slot)

    return read


_STATEFUL = (GlobalVar, LocalVar, Field, ActorLocal, AtLabel, AllDone, SelfRef)


def _value_key(v: Value) -> tuple[object, ...]:
    """Identifies a value by its z3 terms (z3 hash-conses them: equal ids, equal terms)."""
    match v:
        case BoolV(term=term):
            return ("b", term.get_id())
        case NumV(term=term, const=const):
            return ("n", term.get_id(), const)
        case SetV(size=size, bits=bits, vec=vec):
            return (
                "s",
                size,
                tuple(b.get_id() for b in bits),
                None if vec is None else vec.get_id(),
            )
        case _:
            assert_never(v)


def _num(v: Value) -> NumV:
    assert isinstance(v, NumV), f"expected a number, got {v}"
    return v


def z3_is_true(t: Term) -> bool:
    return bool(z3.is_true(t))


def z3_is_false(t: Term) -> bool:
    return bool(z3.is_false(t))
