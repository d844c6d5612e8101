"""Type inference over IR expressions.

Input: an expression and a `TypeEnv` (the model, the actor whose step runs, the names
bound around the expression). Output: its `Type`, or None when it is ill-typed or
refers to something unknown (`ir.validate` turns that into a located diagnostic).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from mbind_formal.ir.model import (
    BOOL,
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
    RangeType,
    SelfRef,
    SetLit,
    SetType,
    Type,
    Unary,
    UnOp,
    Var,
)

INT = RangeType(lo=-(2**31), hi=2**31 - 1)  # the type of arithmetic results before a store


@dataclass(frozen=True, slots=True)
class TypeEnv:
    model: Model
    actor: str | None = None  # the actor whose step (or local init) is being typed
    bound: tuple[tuple[str, Type], ...] = ()  # innermost last
    self_type: Type | None = None  # `self` of a collection field's init
    _cache: dict[str, Type] = field(default_factory=dict, compare=False)
    # NOTE(narrowing): optional-element variables known not to be `none` here (after
    # `x != none` in an if, await, where, &&, => or ?:); `x.f` needs no pick for them.
    nonnone: frozenset[Expr] = frozenset()

    def bind(self, name: str, t: Type) -> TypeEnv:
        inner = Bound(name=name)  # a new binder hides what was known of the old one
        return replace(self, bound=(*self.bound, (name, t)), nonnone=self.nonnone - {inner})

    def lookup_bound(self, name: str) -> Type | None:
        for n, t in reversed(self.bound):
            if n == name:
                return t
        return None

    def narrow(self, known: frozenset[Expr]) -> TypeEnv:
        return replace(self, nonnone=self.nonnone | known) if known else self

    def forget(self, var: Expr) -> TypeEnv:
        """After a store to `var`: nothing is known of it any more."""
        return replace(self, nonnone=self.nonnone - {var}) if var in self.nonnone else self


def not_none(cond: Expr, holds: bool = True) -> frozenset[Expr]:
    """The variables `cond` shows are not `none` when it evaluates to `holds`
    (NOTE(narrowing)): `x != none`, `!(x == none)`, and conjunctions (disjunctions when
    it is false) of such tests."""
    test, junction = (BinOp.NE, BinOp.AND) if holds else (BinOp.EQ, BinOp.OR)
    match cond:
        case Binary(op=op, left=a, right=b) if op is test:
            if isinstance(b, NoneLit) and isinstance(a, LocalVar | GlobalVar | Bound):
                return frozenset({a})
            if isinstance(a, NoneLit) and isinstance(b, LocalVar | GlobalVar | Bound):
                return frozenset({b})
            return frozenset()
        case Binary(op=op, left=a, right=b) if op is junction:
            return not_none(a, holds) | not_none(b, holds)
        case Binary(op=BinOp.IMPLIES, left=a, right=b) if not holds:
            return not_none(a, True) | not_none(b, False)
        case Unary(op=UnOp.NOT, arg=a):
            return not_none(a, not holds)
        case _:
            return frozenset()


def is_int(t: Type | None) -> bool:
    return isinstance(t, RangeType)


def same_kind(a: Type | None, b: Type | None) -> bool:
    """Values of `a` and `b` may be compared or assigned (ints of any range mix)."""
    if a is None or b is None:
        return False
    if isinstance(a, RangeType) and isinstance(b, RangeType):
        return True
    if isinstance(a, IndexType) and isinstance(b, IndexType):
        return a.collection == b.collection
    return a == b


def join(a: Type | None, b: Type | None) -> Type | None:
    """The type of `c ? a : b`."""
    if isinstance(a, RangeType) and isinstance(b, RangeType):
        return RangeType(lo=min(a.lo, b.lo), hi=max(a.hi, b.hi))
    if isinstance(a, IndexType) and isinstance(b, IndexType) and a.collection == b.collection:
        return IndexType(a.collection, a.optional or b.optional)
    return a if a == b else None


def _var_type(decls: tuple[Var, ...], name: str) -> Type | None:
    for v in decls:
        if v.name == name:
            return v.type
    return None


def infer(e: Expr, env: TypeEnv) -> Type | None:
    """The type of `e` in `env`, or None if it is ill-typed."""
    m = env.model
    match e:
        case BoolLit() | AtLabel() | AllDone():
            return BOOL
        case IntLit(value=iv):
            return RangeType(lo=iv, hi=iv)
        case EnumLit(enum=en):
            return en
        case SetLit(enum=en):
            return SetType(en)
        case ElemLit(collection=c):
            return IndexType(c)
        case NoneLit(collection=c):
            return IndexType(c, optional=True)
        case GlobalVar(name=n):
            return _var_type(m.globals, n)
        case LocalVar(name=n):
            if env.actor is None:
                return None
            try:
                actor = m.actor(env.actor)
            except KeyError:
                return None
            return _var_type(actor.locals, n)
        case SelfRef():
            if env.self_type is not None:
                return env.self_type
            if env.actor is None:
                return None
            try:
                actor = m.actor(env.actor)
            except KeyError:
                return None
            if actor.self_collection is not None:
                return IndexType(actor.self_collection)
            return RangeType(lo=0, hi=actor.instances - 1)
        case Bound(name=n):
            return env.lookup_bound(n)
        case Field(collection=c, name=n):
            try:
                coll = m.collection(c)
            except KeyError:
                return None
            return _var_type(coll.fields, n)
        case ActorLocal(actor=a, name=n):
            try:
                actor = m.actor(a)
            except KeyError:
                return None
            return _var_type(actor.locals, n)
        case Unary(op=op, arg=arg):
            t = infer(arg, env)
            match op:
                case UnOp.NOT:
                    return BOOL if isinstance(t, BoolType) else None
                case UnOp.NEG:
                    return INT if is_int(t) else None
                case UnOp.NONEMPTY:
                    return BOOL if isinstance(t, SetType) else None
                case UnOp.COMPL:
                    return t if isinstance(t, SetType) else None
                case UnOp.CARD:
                    if not isinstance(t, SetType):
                        return None
                    return RangeType(lo=0, hi=len(t.enum.values))
                case UnOp.NEXT:  # the element after the last one is `none`
                    return (
                        IndexType(t.collection, optional=True) if isinstance(t, IndexType) else None
                    )
        case Binary(op=op, left=left, right=right):
            lt, rt = infer(left, env), infer(right, env)
            match op:
                case BinOp.AND | BinOp.OR | BinOp.IMPLIES:
                    ok = isinstance(lt, BoolType) and isinstance(rt, BoolType)
                    return BOOL if ok else None
                case BinOp.EQ | BinOp.NE:
                    return BOOL if same_kind(lt, rt) else None
                case BinOp.LT | BinOp.LE | BinOp.GT | BinOp.GE:
                    ordered = is_int(lt) or isinstance(lt, IndexType)
                    return BOOL if ordered and same_kind(lt, rt) else None
                case BinOp.ADD | BinOp.SUB | BinOp.MUL | BinOp.DIV | BinOp.MOD:
                    return INT if is_int(lt) and is_int(rt) else None
                case BinOp.IN:
                    ok = isinstance(rt, SetType) and isinstance(lt, EnumType) and rt.enum == lt
                    return BOOL if ok else None
                case BinOp.UNION | BinOp.INTER:
                    return lt if isinstance(lt, SetType) and lt == rt else None
        case Ite(cond=c, then=t, orelse=o):
            if not isinstance(infer(c, env), BoolType):
                return None
            return join(infer(t, env), infer(o, env))
        case Quant(var=qv, domain=qd, body=body):
            return BOOL if isinstance(infer(body, env.bind(qv, qd)), BoolType) else None
        case Call(name=n):
            try:
                d = m.definition(n)
            except KeyError:
                return None
            key = f"def:{n}"
            if key not in env._cache:
                denv = TypeEnv(model=m, bound=tuple((p.name, p.type) for p in d.params))
                t = infer(d.body, denv)
                if t is None:
                    return None
                env._cache[key] = t
            return env._cache[key]
    return None


def element_collection(e: Expr, env: TypeEnv) -> str | None:
    """The collection whose element `e` denotes, if it is index-typed."""
    t = infer(e, env)
    return t.collection if isinstance(t, IndexType) else None


__all__ = (
    "INT",
    "EnumType",
    "TypeEnv",
    "element_collection",
    "infer",
    "join",
    "not_none",
    "same_kind",
)
