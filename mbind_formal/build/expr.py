"""Python API, expressions and statements: helpers that build typed IR nodes.

Stage: front end (Python). Input: Python values, IR nodes and lambdas for binders
(`b.forall(Page, lambda p: b.field(p, "lru"))` binds `p`). Output: `ir.model` expressions
and statements, shaped exactly as `lower.spec` shapes the DSL's, including its C-style
coercions: a set or an int used as a condition means non-empty / non-zero, an enum value
where a set is expected is the singleton.

Helpers raise `DiagnosticError` when they cannot build a node at all (an unknown enum
value, a field no collection has); everything else is left to `ir.validate`.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from mbind_formal.diagnostics import Diagnostic, DiagnosticError, did_you_mean
from mbind_formal.ir.model import (
    BOOL,
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


class Named(Protocol):
    """Anything with a declared name (a `CollectionBuilder`, say)."""

    @property
    def name(self) -> str: ...


ExprLike = Expr | bool | int | str
TypeLike = Type | str | Named


def param_name(fn: Callable[..., object], i: int = 0, default: str = "x") -> str:
    """The name of `fn`'s i-th parameter (`lambda p: ...` binds `p`)."""
    try:
        names = list(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        return default
    return names[i] if i < len(names) else default


@dataclass(slots=True)
class BuildContext:
    """What every helper of one spec shares: the declarations so far and the binders."""

    model: Callable[[], Model]
    bound: list[tuple[str, Type]] = field(default_factory=list)


def _fail(code: str, message: str, hint: str | None = None) -> DiagnosticError:
    return DiagnosticError([Diagnostic(code=code, message=message, hint=hint)])


def to_bool(e: Expr, t: Type | None) -> Expr:
    """C truthiness: a set is non-empty, an int non-zero, an optional element not `none`."""
    match t:
        case SetType():
            return Unary(op=UnOp.NONEMPTY, arg=e, span=e.span)
        case RangeType():
            return Binary(op=BinOp.NE, left=e, right=IntLit(value=0), span=e.span)
        case IndexType(collection=c, optional=True):
            return Binary(op=BinOp.NE, left=e, right=NoneLit(collection=c), span=e.span)
        case _:
            return e


def to_set(e: Expr, t: Type | None) -> Expr:
    """An enum value where a set is expected: the singleton."""
    if isinstance(t, EnumType):
        return SetLit(enum=t, items=(e,), span=e.span)
    return e


class ExprBuilder:
    """Expression and statement helpers; `actor` types `LocalVar`s and `self`."""

    def __init__(self, ctx: BuildContext, actor: str | None = None) -> None:
        self._ctx = ctx
        self._actor = actor
        self._self_type: Type | None = None

    # ------------------------------------------------------------------ lookup

    def _model(self) -> Model:
        return self._ctx.model()

    def infer(self, e: Expr) -> Type | None:
        """The type of `e` where this builder stands (None if unknown or ill-typed)."""
        env = TypeEnv(
            model=self._model(),
            actor=self._actor,
            bound=tuple(self._ctx.bound),
            self_type=self._self_type,
        )
        return infer(e, env)

    def enum_of(self, value: str) -> EnumType:
        for en in self._model().enums:
            if value in en.values:
                return en
        known = [v for en in self._model().enums for v in en.values]
        raise _fail("MBF201", f"unknown enum value '{value}'", did_you_mean(value, known))

    def type(self, t: TypeLike) -> Type:
        """A type from a `Type`, a collection builder, or a name: `"bool"`, `"Owner"`,
        `"Page"`, `"Page?"`, `"0..3"`, `"set<MFlag>"`."""
        if isinstance(t, BoolType | EnumType | RangeType | SetType | IndexType):
            return t
        name = t if isinstance(t, str) else t.name
        m = self._model()
        if name == "bool":
            return BOOL
        if ".." in name:
            lo, _, hi = name.partition("..")
            return RangeType(lo=int(lo), hi=int(hi))
        if name.startswith("set<") and name.endswith(">"):
            inner = self.type(name[4:-1])
            if not isinstance(inner, EnumType):
                raise _fail("MBF306", f"set<...> needs an enum, got '{name[4:-1]}'")
            return SetType(inner)
        optional = name.endswith("?")
        base = name.removesuffix("?")
        for en in m.enums:
            if en.name == base and not optional:
                return en
        if any(c.name == base for c in m.collections):
            return IndexType(base, optional)
        known = [en.name for en in m.enums] + [c.name for c in m.collections]
        raise _fail("MBF201", f"unknown type '{name}'", did_you_mean(base, known))

    def value(self, x: ExprLike, expected: Type | None = None) -> Expr:
        """An expression from a Python value; `expected` resolves enum-vs-set."""
        match x:
            case bool():
                e: Expr = BoolLit(value=x)
            case int():
                e = IntLit(value=x)
            case str():
                e = EnumLit(enum=self.enum_of(x), value=x)
            case _:
                e = x
        if isinstance(expected, SetType):
            return to_set(e, self.infer(e))
        return e

    def e(self, x: ExprLike) -> Expr:
        """Any expression-like value as an expression."""
        return self.value(x)

    def cond(self, x: ExprLike) -> Expr:
        """A condition, with C truthiness for sets, ints and optional elements."""
        e = self.value(x)
        return to_bool(e, self.infer(e))

    # ------------------------------------------------------------------ atoms

    def global_var(self, name: str) -> Expr:
        return GlobalVar(name=name)

    def local(self, name: str) -> Expr:
        return LocalVar(name=name)

    def bound(self, name: str) -> Expr:
        return Bound(name=name)

    def self_(self) -> Expr:
        return SelfRef()

    def enum_value(self, value: str) -> Expr:
        return EnumLit(enum=self.enum_of(value), value=value)

    def elem(self, collection: TypeLike, index: int) -> Expr:
        return ElemLit(collection=self._coll(collection), index=index)

    def none(self, collection: TypeLike) -> Expr:
        return NoneLit(collection=self._coll(collection))

    def set(self, *items: ExprLike, enum: EnumType | str | None = None) -> Expr:
        """A set literal; `enum` is needed only for the empty set."""
        exprs = tuple(self.value(i) for i in items)
        en: Type | None = self.type(enum) if enum is not None else None
        if en is None and exprs:
            en = self.infer(exprs[0])
        if not isinstance(en, EnumType):
            raise _fail("MBF301", "a set literal needs enum values (pass enum= for {})")
        return SetLit(enum=en, items=exprs)

    def field(self, index: ExprLike, name: str, collection: TypeLike | None = None) -> Expr:
        """`index.name`; the collection comes from `index`'s type, or from the one
        collection that has a field `name`."""
        idx = self.value(index)
        if collection is not None:
            return Field(collection=self._coll(collection), name=name, index=idx)
        t = self.infer(idx)
        if isinstance(t, IndexType):
            return Field(collection=t.collection, name=name, index=idx)
        owners = [
            c.name for c in self._model().collections if any(f.name == name for f in c.fields)
        ]
        if len(owners) == 1:
            return Field(collection=owners[0], name=name, index=idx)
        fields = [f.name for c in self._model().collections for f in c.fields]
        raise _fail(
            "MBF203",
            f"cannot tell which collection's field '{name}' this is",
            did_you_mean(name, fields) if not owners else "pass collection=",
        )

    def local_of(self, actor: str, name: str, instance: ExprLike = 0) -> Expr:
        """`actor[instance].name`, read from outside the actor."""
        return ActorLocal(actor=actor, instance=self.value(instance), name=name)

    def at(self, actor: str, label: str, instance: ExprLike = 0) -> Expr:
        """`actor[instance]@label` (`label` may be `"done"`)."""
        return AtLabel(actor=actor, instance=self.value(instance), label=label)

    def all_done(self) -> Expr:
        return AllDone()

    def _coll(self, c: TypeLike) -> str:
        t = self.type(c)
        if not isinstance(t, IndexType):
            raise _fail("MBF306", f"'{c}' is not a collection")
        return t.collection

    # ------------------------------------------------------------------ operators

    def not_(self, x: ExprLike) -> Expr:
        return Unary(op=UnOp.NOT, arg=self.cond(x))

    def neg(self, x: ExprLike) -> Expr:
        return Unary(op=UnOp.NEG, arg=self.value(x))

    def nonempty(self, x: ExprLike) -> Expr:
        return Unary(op=UnOp.NONEMPTY, arg=self.value(x))

    def next_(self, x: ExprLike) -> Expr:
        return Unary(op=UnOp.NEXT, arg=self.value(x))

    def compl(self, x: ExprLike) -> Expr:
        e = self.value(x)
        return Unary(op=UnOp.COMPL, arg=to_set(e, self.infer(e)))

    def _fold(self, op: BinOp, xs: Sequence[ExprLike]) -> Expr:
        if not xs:
            return BoolLit(value=op is BinOp.AND)
        out = self.cond(xs[0])
        for x in xs[1:]:
            out = Binary(op=op, left=out, right=self.cond(x))
        return out

    def and_(self, *xs: ExprLike) -> Expr:
        return self._fold(BinOp.AND, xs)

    def or_(self, *xs: ExprLike) -> Expr:
        return self._fold(BinOp.OR, xs)

    def implies(self, a: ExprLike, b: ExprLike) -> Expr:
        return Binary(op=BinOp.IMPLIES, left=self.cond(a), right=self.cond(b))

    def _cmp(self, op: BinOp, a: ExprLike, b: ExprLike) -> Expr:
        left, right = self.value(a), self.value(b)
        lt, rt = self.infer(left), self.infer(right)
        if isinstance(lt, SetType):
            right = to_set(right, rt)
        elif isinstance(rt, SetType):
            left = to_set(left, lt)
        return Binary(op=op, left=left, right=right)

    def eq(self, a: ExprLike, b: ExprLike) -> Expr:
        return self._cmp(BinOp.EQ, a, b)

    def ne(self, a: ExprLike, b: ExprLike) -> Expr:
        return self._cmp(BinOp.NE, a, b)

    def lt(self, a: ExprLike, b: ExprLike) -> Expr:
        return Binary(op=BinOp.LT, left=self.value(a), right=self.value(b))

    def le(self, a: ExprLike, b: ExprLike) -> Expr:
        return Binary(op=BinOp.LE, left=self.value(a), right=self.value(b))

    def gt(self, a: ExprLike, b: ExprLike) -> Expr:
        return Binary(op=BinOp.GT, left=self.value(a), right=self.value(b))

    def ge(self, a: ExprLike, b: ExprLike) -> Expr:
        return Binary(op=BinOp.GE, left=self.value(a), right=self.value(b))

    def add(self, a: ExprLike, b: ExprLike) -> Expr:
        return Binary(op=BinOp.ADD, left=self.value(a), right=self.value(b))

    def sub(self, a: ExprLike, b: ExprLike) -> Expr:
        return Binary(op=BinOp.SUB, left=self.value(a), right=self.value(b))

    def mul(self, a: ExprLike, b: ExprLike) -> Expr:
        return Binary(op=BinOp.MUL, left=self.value(a), right=self.value(b))

    def div(self, a: ExprLike, b: ExprLike) -> Expr:
        """Floor division by a positive divisor (NOTE(division))."""
        return Binary(op=BinOp.DIV, left=self.value(a), right=self.value(b))

    def mod(self, a: ExprLike, b: ExprLike) -> Expr:
        """The remainder of `div`, in `0..b-1`."""
        return Binary(op=BinOp.MOD, left=self.value(a), right=self.value(b))

    def in_(self, a: ExprLike, s: ExprLike) -> Expr:
        right = self.value(s)
        return Binary(op=BinOp.IN, left=self.value(a), right=to_set(right, self.infer(right)))

    def not_in(self, a: ExprLike, s: ExprLike) -> Expr:
        return Unary(op=UnOp.NOT, arg=self.in_(a, s))

    def _setop(self, op: BinOp, a: ExprLike, b: ExprLike) -> Expr:
        left, right = self.value(a), self.value(b)
        return Binary(
            op=op, left=to_set(left, self.infer(left)), right=to_set(right, self.infer(right))
        )

    def union(self, a: ExprLike, b: ExprLike) -> Expr:
        return self._setop(BinOp.UNION, a, b)

    def inter(self, a: ExprLike, b: ExprLike) -> Expr:
        return self._setop(BinOp.INTER, a, b)

    def difference(self, a: ExprLike, b: ExprLike) -> Expr:
        """`a - b` on sets: `a & ~b` (what the DSL's `-` on sets lowers to)."""
        left, right = self.value(a), self.value(b)
        right = to_set(right, self.infer(right))
        return Binary(
            op=BinOp.INTER, left=to_set(left, self.infer(left)), right=Unary(op=UnOp.COMPL, arg=right)
        )

    def card(self, s: ExprLike) -> Expr:
        """The number of values in set `s` (the DSL's `card(s)`)."""
        e = self.value(s)
        return Unary(op=UnOp.CARD, arg=to_set(e, self.infer(e)))

    def subset(self, a: ExprLike, b: ExprLike) -> Expr:
        """`a <= b` on sets: nothing of `a` lies outside `b`."""
        return Unary(op=UnOp.NOT, arg=Unary(op=UnOp.NONEMPTY, arg=self.difference(a, b)))

    def ite(self, c: ExprLike, a: ExprLike, b: ExprLike) -> Expr:
        return Ite(cond=self.cond(c), then=self.value(a), orelse=self.value(b))

    def call(self, name: str, *args: ExprLike) -> Expr:
        """A call of definition `name`; enum arguments become sets where a set is wanted."""
        params: tuple[Type, ...] = ()
        for d in self._model().defs:
            if d.name == name:
                params = tuple(p.type for p in d.params)
        out = []
        for i, a in enumerate(args):
            out.append(self.value(a, params[i] if i < len(params) else None))
        return Call(name=name, args=tuple(out))

    # ------------------------------------------------------------------ binders

    def _quant(
        self, kind: Quantifier, domain: TypeLike, fn: Callable[[Expr], ExprLike], var: str | None
    ) -> Expr:
        name = var or param_name(fn)
        t = self.type(domain)
        self._ctx.bound.append((name, t))
        try:
            body = self.cond(fn(Bound(name=name)))
        finally:
            self._ctx.bound.pop()
        return Quant(kind=kind, var=name, domain=t, body=body)

    def forall(
        self, domain: TypeLike, fn: Callable[[Expr], ExprLike], *, var: str | None = None
    ) -> Expr:
        """`forall x in domain: fn(x)`; `x` is named after the lambda's parameter."""
        return self._quant(Quantifier.FORALL, domain, fn, var)

    def exists(
        self, domain: TypeLike, fn: Callable[[Expr], ExprLike], *, var: str | None = None
    ) -> Expr:
        """`exists x in domain: fn(x)`."""
        return self._quant(Quantifier.EXISTS, domain, fn, var)

    # ------------------------------------------------------------------ statements

    def assign(self, target: Expr, value: ExprLike) -> Stmt:
        """`target = value` (`target` a global, local or field)."""
        if not isinstance(target, GlobalVar | LocalVar | Field):
            raise _fail("MBF303", "only variables and fields can be assigned")
        return Assign(target=target, value=self.value(value, self.infer(target)))

    def assign_all(self, collection: str, field: str, value: ExprLike) -> tuple[Stmt, ...]:
        """`Collection.field = all value;`: one store per element (NOTE(every element));
        `value` may not read that field."""
        coll = self._ctx.model().collection(collection)
        decl = next(f for f in coll.fields if f.name == field)
        v = self.value(value, decl.type)
        return tuple(
            Assign(
                target=Field(
                    collection=collection,
                    name=field,
                    index=ElemLit(collection=collection, index=i, every=True),
                ),
                value=v,
            )
            for i in range(coll.size)
        )

    def if_(self, cond: ExprLike, then: Sequence[Stmt], orelse: Sequence[Stmt] = ()) -> Stmt:
        return If(cond=self.cond(cond), then=tuple(then), orelse=tuple(orelse))

    def either(self, *branches: Sequence[Stmt]) -> Stmt:
        """One transition per branch."""
        return Either(branches=tuple(tuple(b) for b in branches))

    def await_(self, cond: ExprLike) -> Stmt:
        return Await(cond=self.cond(cond))

    def pick(
        self,
        domain: TypeLike,
        body: Callable[[Expr], Sequence[Stmt]],
        *,
        where: Callable[[Expr], ExprLike] | None = None,
        var: str | None = None,
    ) -> Stmt:
        """`pick x in domain where where(x);` then `body(x)` (the rest of the step)."""
        name = var or param_name(body)
        t = self.type(domain)
        self._ctx.bound.append((name, t))
        try:
            cond = BoolLit(value=True) if where is None else self.cond(where(Bound(name=name)))
            stmts: Block = tuple(body(Bound(name=name)))
        finally:
            self._ctx.bound.pop()
        return Pick(var=name, domain=t, cond=cond, body=stmts)

    def goto(self, label: str) -> Stmt:
        return Goto(label=label)

    def done(self) -> Stmt:
        return Done()
