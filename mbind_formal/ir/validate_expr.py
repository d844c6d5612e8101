"""Validation, expressions: the type of every IR expression, or a located diagnostic.

Stage: part of `ir.validate`. Input: an expression and a `TypeEnv`. Output: its type
(the rules of `ir.types.infer`), reporting the innermost problem with a did-you-mean
hint; a parent of an ill-typed expression stays quiet, so one mistake is one diagnostic.
"""

from __future__ import annotations

from collections.abc import Sequence

from mbind_formal.diagnostics import Diagnostic, Related, Span, did_you_mean
from mbind_formal.ir.model import (
    BOOL,
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
    Def,
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
from mbind_formal.ir.types import INT, TypeEnv, join, not_none, same_kind

__all__ = (
    "ExprChecker",
    "const_int",
    "show_type",
)


def show_type(t: Type | None) -> str:
    """A type as the spec language spells it."""
    match t:
        case None:
            return "?"
        case BoolType():
            return "bool"
        case EnumType(name=n):
            return n
        case RangeType(lo=lo, hi=hi):
            return "int" if t == INT else f"{lo}..{hi}"
        case SetType(enum=en):
            return f"set<{en.name}>"
        case IndexType(collection=c, optional=o):
            return c + ("?" if o else "")


def const_int(e: Expr) -> int | None:
    """The value of an integer literal (`3`, `-1`), else None."""
    match e:
        case IntLit(value=v):
            return v
        case Unary(op=UnOp.NEG, arg=IntLit(value=v)):
            return -v
        case _:
            return None


class ExprChecker:
    """Type and name checks over one model; diagnostics accumulate in `diags`."""

    def __init__(self, model: Model) -> None:
        self.m = model
        self.diags: list[Diagnostic] = []
        self.recursive: set[str] = set()
        self.def_types: dict[str, Type | None] = {}
        self.check_elem_range = True

    def error(
        self,
        code: str,
        message: str,
        span: Span | None,
        hint: str | None = None,
        related: Sequence[Related] = (),
    ) -> None:
        self.diags.append(
            Diagnostic(code=code, message=message, span=span, hint=hint, related=tuple(related))
        )

    # ------------------------------------------------------------------ lookups

    def coll(self, name: str, span: Span | None) -> int | None:
        for c in self.m.collections:
            if c.name == name:
                return c.size
        self.error(
            "MBF201",
            f"unknown collection '{name}'",
            span,
            did_you_mean(name, [c.name for c in self.m.collections]),
        )
        return None

    def actor(self, name: str, span: Span | None) -> Actor | None:
        for a in self.m.actors:
            if a.name == name:
                return a
        self.error(
            "MBF205",
            f"unknown actor '{name}'",
            span,
            did_you_mean(name, [a.name for a in self.m.actors]),
        )
        return None

    def var_decl(self, e: GlobalVar | LocalVar | Field, env: TypeEnv) -> Var | None:
        decls: tuple[Var, ...] = ()
        match e:
            case GlobalVar():
                decls = self.m.globals
            case LocalVar():
                if env.actor is not None:
                    decls = self.m.actor(env.actor).locals
            case Field(collection=c):
                decls = next((x.fields for x in self.m.collections if x.name == c), ())
        return next((v for v in decls if v.name == e.name), None)

    def type_ok(self, t: Type, span: Span | None) -> bool:
        match t:
            case RangeType(lo=lo, hi=hi):
                if lo > hi:
                    self.error("MBF305", f"empty integer range {lo}..{hi}", span)
                    return False
            case EnumType() | SetType():
                en = t if isinstance(t, EnumType) else t.enum
                if en not in self.m.enums:
                    self.error("MBF201", f"unknown enum '{en.name}'", span)
                    return False
            case IndexType(collection=c):
                return self.coll(c, span) is not None
            case BoolType():
                pass
        return True

    # ------------------------------------------------------------------ expressions

    def cond(self, e: Expr, env: TypeEnv, what: str) -> None:
        t = self.expr(e, env)
        if t is not None and not isinstance(t, BoolType):
            self.error(
                "MBF301",
                f"{what} must be a bool, got {show_type(t)}",
                e.span,
                "compare explicitly, e.g. 'x != 0'" if isinstance(t, RangeType) else None,
            )

    def expr(self, e: Expr, env: TypeEnv) -> Type | None:
        """The type of `e`, reporting the innermost problem (parents stay quiet)."""
        match e:
            case BoolLit() | AllDone():
                return BOOL
            case IntLit(value=v):
                return RangeType(lo=v, hi=v)
            case EnumLit(enum=en, value=v):
                if en not in self.m.enums or v not in en.values:
                    known = [x for d in self.m.enums for x in d.values]
                    self.error(
                        "MBF201", f"unknown enum value '{v}'", e.span, did_you_mean(v, known)
                    )
                    return None
                return en
            case SetLit(enum=en, items=items):
                if en not in self.m.enums:
                    self.error("MBF201", f"unknown enum '{en.name}'", e.span)
                    return None
                for item in items:
                    it = self.expr(item, env)
                    if it is not None and it != en:
                        self.error(
                            "MBF301",
                            f"a set<{en.name}> holds {en.name} values, not {show_type(it)}",
                            item.span or e.span,
                        )
                return SetType(en)
            case ElemLit(collection=c, index=i):
                size = self.coll(c, e.span)
                if size is None:
                    return None
                if self.check_elem_range and not 0 <= i < size:
                    self.error(
                        "MBF304",
                        f"element {c}[{i}] does not exist ({c} has {size} elements)",
                        e.span,
                        f"valid elements are {c}[0]..{c}[{size - 1}]",
                    )
                return IndexType(c)
            case NoneLit(collection=c):
                return IndexType(c, True) if self.coll(c, e.span) is not None else None
            case GlobalVar() | LocalVar():
                return self.name_type(e, env)
            case SelfRef():
                if env.self_type is not None:
                    return env.self_type
                if env.actor is None:
                    self.error(
                        "MBF201", "'self' is only defined inside an actor or a field", e.span
                    )
                    return None
                me = self.m.actor(env.actor)
                if me.self_collection is not None:
                    return IndexType(me.self_collection)
                return RangeType(lo=0, hi=me.instances - 1)
            case Bound(name=n):
                t = env.lookup_bound(n)
                if t is None:
                    known = [b for b, _ in env.bound]
                    self.error("MBF201", f"unknown name '{n}'", e.span, did_you_mean(n, known))
                return t
            case Field():
                return self.field_type(e, env)
            case ActorLocal(actor=an, instance=inst, name=n):
                a = self.actor(an, e.span)
                if a is None:
                    return None
                self.instance(a, inst, env)
                loc = next((x for x in a.locals if x.name == n), None)
                if loc is None:
                    self.error(
                        "MBF201",
                        f"actor '{an}' has no local '{n}'",
                        e.span,
                        did_you_mean(n, [x.name for x in a.locals]),
                    )
                    return None
                return loc.type
            case AtLabel(actor=an, instance=inst, label=lab):
                at = self.actor(an, e.span)
                if at is None:
                    return None
                self.instance(at, inst, env)
                if lab != "done" and lab not in at.labels:
                    self.error(
                        "MBF204",
                        f"actor '{an}' has no step '{lab}'",
                        e.span,
                        did_you_mean(lab, [*at.labels, "done"]),
                    )
                return BOOL
            case Unary():
                return self.unary(e, env)
            case Binary():
                return self.binary(e, env)
            case Ite(cond=c, then=t, orelse=o):
                self.cond(c, env, "the condition of '?:'")
                tt = self.expr(t, env.narrow(not_none(c)))
                ot = self.expr(o, env.narrow(not_none(c, False)))
                if tt is None or ot is None:
                    return None
                j = join(tt, ot)
                if j is None:
                    self.error(
                        "MBF301",
                        f"the branches of '?:' differ: {show_type(tt)} vs {show_type(ot)}",
                        e.span,
                    )
                return j
            case Quant(var=v, domain=d, body=body):
                if not self.type_ok(d, e.span):
                    return None
                self.cond(body, env.bind(v, d), f"the body of '{e.kind.value}'")
                return BOOL
            case Call():
                return self.call(e, env)
        return None

    def name_type(self, e: GlobalVar | LocalVar, env: TypeEnv) -> Type | None:
        if isinstance(e, LocalVar) and env.actor is None:
            self.error("MBF201", f"local '{e.name}' used outside an actor", e.span)
            return None
        v = self.var_decl(e, env)
        if v is not None:
            return v.type
        known = [g.name for g in self.m.globals]
        if env.actor is not None:
            known += [x.name for x in self.m.actor(env.actor).locals]
        known += [b for b, _ in env.bound]
        self.error("MBF201", f"unknown name '{e.name}'", e.span, did_you_mean(e.name, known))
        return None

    def field_type(self, e: Field, env: TypeEnv, write: bool = False) -> Type | None:
        it = self.expr(e.index, env)
        if self.coll(e.collection, e.span) is None:
            return None
        v = self.var_decl(e, env)
        if v is None:
            fields = next(c.fields for c in self.m.collections if c.name == e.collection)
            self.error(
                "MBF203",
                f"{e.collection} has no field '{e.name}'",
                e.span,
                did_you_mean(e.name, [f.name for f in fields]),
            )
            return None
        if it is None:
            return v.type
        if not isinstance(it, IndexType) or it.collection != e.collection:
            self.error(
                "MBF301",
                f"'.{e.name}' needs an element of {e.collection}, got {show_type(it)}",
                e.span,
            )
        elif it.optional and e.index not in env.nonnone:
            how = "written" if write else "read"
            if isinstance(e.index, LocalVar | GlobalVar | Bound):
                hint = (
                    f"test '{e.index.name} != none' first, in an if, await or where "
                    "condition of this step (or before && / =>), or pick a "
                    f"{e.collection}"
                )
            else:
                hint = f"store it in a variable and test that for none, or pick a {e.collection}"
            self.error(
                "MBF306",
                f"'.{e.name}' is {how} through a {show_type(it)}, which may be none",
                e.span,
                hint,
            )
        return v.type

    def instance(self, a: Actor, inst: Expr, env: TypeEnv) -> None:
        t = self.expr(inst, env)
        if t is None:
            return
        if a.self_collection is not None:
            if not (isinstance(t, IndexType) and t.collection == a.self_collection):
                self.error(
                    "MBF301",
                    f"instances of '{a.name}' are {a.self_collection} elements, not {show_type(t)}",
                    inst.span,
                )
            return
        k = const_int(inst)
        if not isinstance(t, RangeType):
            self.error(
                "MBF301", f"'{a.name}' instances are numbered, not {show_type(t)}", inst.span
            )
        elif k is not None and not 0 <= k < a.instances:
            self.error(
                "MBF304",
                f"'{a.name}' has {a.instances} instance(s); [{k}] does not exist",
                inst.span,
            )

    def unary(self, e: Unary, env: TypeEnv) -> Type | None:
        t = self.expr(e.arg, env)
        if t is None:
            return None
        want = {
            UnOp.NOT: "a bool",
            UnOp.NEG: "an int",
            UnOp.NONEMPTY: "a set",
            UnOp.COMPL: "a set",
            UnOp.CARD: "a set",
            UnOp.NEXT: "an element",
        }[e.op]
        match e.op:
            case UnOp.NOT if isinstance(t, BoolType):
                return BOOL
            case UnOp.NEG if isinstance(t, RangeType):
                return INT
            case UnOp.NONEMPTY if isinstance(t, SetType):
                return BOOL
            case UnOp.COMPL if isinstance(t, SetType):
                return t
            case UnOp.CARD if isinstance(t, SetType):
                return RangeType(lo=0, hi=len(t.enum.values))
            case UnOp.NEXT if isinstance(t, IndexType) and not t.optional:
                return IndexType(t.collection)
        self.error("MBF306", f"'{e.op.value}' needs {want}, got {show_type(t)}", e.span)
        return None

    def binary(self, e: Binary, env: TypeEnv) -> Type | None:
        lt = self.expr(e.left, env)
        # NOTE(narrowing): the right operand of && and => is evaluated only when the
        # left one holds, that of || only when it does not (every engine and TLC agree).
        match e.op:
            case BinOp.AND | BinOp.IMPLIES:
                renv = env.narrow(not_none(e.left))
            case BinOp.OR:
                renv = env.narrow(not_none(e.left, False))
            case _:
                renv = env
        rt = self.expr(e.right, renv)
        if lt is None or rt is None:
            return None
        op = e.op
        sym = f"'{op.value}'"
        match op:
            case BinOp.AND | BinOp.OR | BinOp.IMPLIES:
                if isinstance(lt, BoolType) and isinstance(rt, BoolType):
                    return BOOL
                bad = lt if not isinstance(lt, BoolType) else rt
                self.error("MBF301", f"{sym} needs bools, got {show_type(bad)}", e.span)
            case BinOp.EQ | BinOp.NE:
                if same_kind(lt, rt):
                    return BOOL
                self.error("MBF301", f"cannot compare {show_type(lt)} with {show_type(rt)}", e.span)
            case BinOp.LT | BinOp.LE | BinOp.GT | BinOp.GE:
                if isinstance(lt, RangeType | IndexType) and same_kind(lt, rt):
                    return BOOL
                self.error(
                    "MBF306",
                    f"{sym} orders ints or elements, not {show_type(lt)} and {show_type(rt)}",
                    e.span,
                )
            case BinOp.ADD | BinOp.SUB | BinOp.MUL:
                if isinstance(lt, RangeType) and isinstance(rt, RangeType):
                    return INT
                self.error(
                    "MBF306", f"{sym} needs ints, got {show_type(lt)} and {show_type(rt)}", e.span
                )
            case BinOp.DIV | BinOp.MOD:
                if not (isinstance(lt, RangeType) and isinstance(rt, RangeType)):
                    self.error(
                        "MBF306",
                        f"{sym} needs ints, got {show_type(lt)} and {show_type(rt)}",
                        e.span,
                    )
                elif rt.lo < 1:
                    # NOTE(division): a divisor is positive by its type, so `/` and `%`
                    # are total and mean the same in every engine and in TLA+.
                    self.error(
                        "MBF306",
                        f"the divisor of {sym} may be {rt.lo} (its type is {show_type(rt)}): "
                        "a divisor must be positive",
                        e.right.span or e.span,
                        "divide by a literal or by a variable of a range starting at 1, "
                        "e.g. `var n: 1..4`",
                    )
                else:
                    return INT
            case BinOp.IN:
                if isinstance(rt, SetType) and lt == rt.enum:
                    return BOOL
                self.error(
                    "MBF301",
                    f"'in' needs an enum value and a set of that enum, got {show_type(lt)} "
                    f"in {show_type(rt)}",
                    e.span,
                )
            case BinOp.UNION | BinOp.INTER:
                if isinstance(lt, SetType) and lt == rt:
                    return lt
                self.error(
                    "MBF301",
                    f"{sym} needs two sets of one enum, got {show_type(lt)} and {show_type(rt)}",
                    e.span,
                )
        return None

    def call(self, e: Call, env: TypeEnv) -> Type | None:
        d = next((x for x in self.m.defs if x.name == e.name), None)
        arg_types = [self.expr(a, env) for a in e.args]
        if d is None:
            self.error(
                "MBF206",
                f"unknown definition '{e.name}'",
                e.span,
                did_you_mean(e.name, [x.name for x in self.m.defs]),
            )
            return None
        if len(e.args) != len(d.params):
            self.error(
                "MBF302",
                f"'{e.name}' takes {len(d.params)} argument(s), got {len(e.args)}",
                e.span,
                f"{e.name}({', '.join(f'{p.name}: {show_type(p.type)}' for p in d.params)})",
            )
            return None
        for a, at, p in zip(e.args, arg_types, d.params, strict=True):
            if at is not None and not same_kind(p.type, at):
                self.error(
                    "MBF301",
                    f"argument '{p.name}' of '{e.name}' is {show_type(p.type)}, "
                    f"got {show_type(at)}",
                    a.span or e.span,
                )
        return self.def_type(d)

    def def_type(self, d: Def) -> Type | None:
        if d.name in self.recursive:
            return None
        if d.name not in self.def_types:
            self.def_types[d.name] = None  # guards a cycle the recursion check missed
            for p in d.params:
                self.type_ok(p.type, d.span)
            env = TypeEnv(model=self.m, bound=tuple((p.name, p.type) for p in d.params))
            self.def_types[d.name] = self.expr(d.body, env)
        return self.def_types[d.name]

    # ------------------------------------------------------------------ statements

    def value_fits(self, target: Type, value: Expr, vt: Type, what: str, span: Span | None) -> None:
        if not same_kind(target, vt):
            self.error(
                "MBF301",
                f"cannot store a {show_type(vt)} in {what}, which is {show_type(target)}",
                span,
            )
            return
        k = const_int(value)
        if isinstance(target, RangeType) and k is not None and not target.lo <= k <= target.hi:
            self.error(
                "MBF304",
                f"{k} is outside the range {target.lo}..{target.hi} of {what}",
                value.span or span,
            )
        if isinstance(target, IndexType) and not target.optional and isinstance(value, NoneLit):
            self.error(
                "MBF304",
                f"{what} is a {target.collection}, never none",
                value.span or span,
                f"declare it {target.collection}? to allow none",
            )
