"""Lowering, expressions: DSL expressions and types (AST) -> typed IR expressions.

Stage: part of `lower.spec`. Input: `dsl.ast` expressions and a `Scope` (the declarations
so far as a provisional `Model`, the parameters, the names bound around the expression).
Output: `ir.model` expressions, or diagnostics in the `Sink`.

Names resolve innermost first: bound names (quantifier, `pick`, definition parameter,
`for` variable, macro parameter), actor locals, globals, parameters, enum values; then
collection names (in `Coll[i]`) and actor names (in `actor.local`, `actor@label`).
C conventions are made explicit here (NOTE(coercions)): a set, an int or an optional
element used as a condition becomes `NONEMPTY` / `!= 0` / `!= none`; an enum value where a
set is expected becomes the singleton; `&`/`|` are set operators on sets and logical
ones on bools; `a not in S` is `!(a in S)`; `none` and `{}` take their type from context.
Integer arithmetic over literals and parameters is folded, as a Python user's would be.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from mbind_formal.build.expr import to_bool, to_set
from mbind_formal.diagnostics import Diagnostic, Related, Span, did_you_mean
from mbind_formal.dsl import ast
from mbind_formal.ir.model import (
    BOOL,
    ActorLocal,
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
from mbind_formal.ir.validate_expr import show_type

# --------------------------------------------------------------------------- scopes


@dataclass(frozen=True, slots=True)
class BoundName:
    """A quantifier, `pick` or definition-parameter name; `ir_name` may differ from the
    written one when a macro body's binder would capture a caller's name."""

    ir_name: str
    type: Type


@dataclass(frozen=True, slots=True)
class LoopVar:
    """A `for` variable: an actor local, visible inside its loop."""

    type: Type


@dataclass(frozen=True, slots=True)
class MacroArg:
    """A macro parameter: the argument, lowered at the call site."""

    expr: Expr
    param: str
    span: Span | None


Binding = BoundName | LoopVar | MacroArg


@dataclass(frozen=True, slots=True)
class MacroFrame:
    name: str
    call: Span | None


INT_NAMES = frozenset({"int", "integer", "uint", "unsigned", "long", "nat", "natural", "number"})


def _type_hint(name: str, m: Model) -> str | None:
    """A hint for a type name a newcomer reaches for: a C integer type, or an actor
    (as the domain of a quantifier or pick)."""
    if name.lower() in INT_NAMES or re.fullmatch(r"u?int\d+(_t)?", name):
        return (
            "integers are finite ranges here: write `lo..hi` (e.g. `0..3`), or name one "
            "with `type Count = 0..3;`"
        )
    if any(a.name == name for a in m.actors):
        return (
            f"'{name}' is an actor, not a collection or a finite type: to quantify over its "
            f"instances, declare it `actor {name}[Coll]` (one instance per element) and "
            f"range over `Coll`, or name one instance: `{name}[0]@label`, `{name}[0].local`"
        )
    return None


@dataclass(slots=True)
class Sink:
    """Where lowering's diagnostics go (macro frames add "called here" notes)."""

    diags: list[Diagnostic] = field(default_factory=list)

    def error(
        self,
        code: str,
        message: str,
        span: Span | None,
        hint: str | None = None,
        related: Sequence[Related] = (),
        frames: Sequence[MacroFrame] = (),
    ) -> None:
        notes = [*related]
        for f in reversed(frames):
            notes.append(Related(span=f.call, message=f"in macro {f.name} called here"))
        self.diags.append(
            Diagnostic(code=code, message=message, span=span, hint=hint, related=tuple(notes))
        )


@dataclass(frozen=True, slots=True)
class Scope:
    """What a name can mean where an expression stands."""

    model: Model  # provisional: every declaration visible here, steps not needed
    params: Mapping[str, int]
    aliases: Mapping[str, Type]
    values: Mapping[str, Expr] = field(default_factory=dict)  # every param's literal
    macros: frozenset[str] = frozenset()
    actor: str | None = None
    bound: tuple[tuple[str, Binding], ...] = ()
    self_type: Type | None = None
    frames: tuple[MacroFrame, ...] = ()
    broken: frozenset[str] = frozenset()  # definitions already reported (recursive)

    def bind(self, name: str, b: Binding) -> Scope:
        return replace(self, bound=(*self.bound, (name, b)))

    def lookup(self, name: str) -> Binding | None:
        for n, b in reversed(self.bound):
            if n == name:
                return b
        return None

    def fresh(self, name: str) -> str:
        """`name`, or a variant of it no enclosing binder uses (inside macro bodies)."""
        if not self.frames:
            return name
        taken = {b.ir_name for _, b in self.bound if isinstance(b, BoundName)}
        out, i = name, 1
        while out in taken:
            out, i = f"{name}_{i}", i + 1
        return out

    def env(self) -> TypeEnv:
        bound = tuple((b.ir_name, b.type) for _, b in self.bound if isinstance(b, BoundName))
        return TypeEnv(model=self.model, actor=self.actor, bound=bound, self_type=self.self_type)

    def visible(self) -> list[str]:
        """Every value name visible here (for did-you-mean hints)."""
        names = [n for n, _ in self.bound]
        if self.actor is not None:
            names += [v.name for v in self.model.actor(self.actor).locals]
        names += [g.name for g in self.model.globals]
        names += list({**self.params, **self.values})
        names += [v for en in self.model.enums for v in en.values]
        return names


def const_value(e: ast.Expr, params: Mapping[str, int]) -> int | None:
    """The value of a constant integer expression over literals and parameters."""
    match e:
        case ast.IntLiteral(value=v):
            return v
        case ast.NameRef(name=n):
            return params.get(n)
        case ast.UnaryExpr(op=ast.UnaryOp.NEG, arg=a):
            neg = const_value(a, params)
            return None if neg is None else -neg
        case ast.BinaryExpr(op=op, left=left, right=right) if op in _ARITH:
            lv, rv = const_value(left, params), const_value(right, params)
            if lv is None or rv is None:
                return None
            return fold(op, lv, rv)
        case _:
            return None


def _param_names(e: ast.Expr, params: Mapping[str, int]) -> set[str]:
    """The parameters a constant expression reads."""
    match e:
        case ast.NameRef(name=n):
            return {n} if n in params else set()
        case ast.UnaryExpr(arg=a):
            return _param_names(a, params)
        case ast.BinaryExpr(left=left, right=right):
            return _param_names(left, params) | _param_names(right, params)
        case _:
            return set()


_ARITH = {
    ast.BinaryOp.ADD: BinOp.ADD,
    ast.BinaryOp.SUB: BinOp.SUB,
    ast.BinaryOp.MUL: BinOp.MUL,
    ast.BinaryOp.DIV: BinOp.DIV,
    ast.BinaryOp.MOD: BinOp.MOD,
}


def fold(op: ast.BinaryOp, a: int, b: int) -> int | None:
    """`a op b` for constant operands; None for a division by a non-positive number
    (left to the checker, which reports it at its place)."""
    match op:
        case ast.BinaryOp.ADD:
            return a + b
        case ast.BinaryOp.SUB:
            return a - b
        case ast.BinaryOp.MUL:
            return a * b
        case ast.BinaryOp.DIV:
            return a // b if b > 0 else None  # NOTE(division): floor, as TLA+ \div
        case ast.BinaryOp.MOD:
            return a % b if b > 0 else None
        case _:
            return None


# --------------------------------------------------------------------------- lowering


class ExprLowerer:
    """Lowers expressions and types; reports into `sink` and returns placeholders on error."""

    def __init__(self, sink: Sink) -> None:
        self.sink = sink
        # NOTE(constants): parameters whose value went into a size, a type bound or a
        # folded constant; those stay baked into the emitted TLA+.
        self.baked: set[str] = set()
        # Placeholders returned after an error: expressions built on them stay quiet,
        # so one mistake is one diagnostic. (Identity, not equality: a real `false`
        # literal is not a placeholder.)
        self._bad: list[Expr] = []

    def placeholder(self, span: Span | None) -> Expr:
        x = BoolLit(value=False, span=span)
        self._bad.append(x)
        return x

    def is_bad(self, x: Expr) -> bool:
        return any(x is b for b in self._bad)

    def error(
        self,
        scope: Scope,
        code: str,
        message: str,
        span: Span | None,
        hint: str | None = None,
        related: Sequence[Related] = (),
    ) -> Expr:
        self.sink.error(code, message, span, hint, related, scope.frames)
        return self.placeholder(span)

    def type_of(self, e: Expr, scope: Scope) -> Type | None:
        return infer(e, scope.env())

    # ------------------------------------------------------------------ constants, types

    def const(self, e: ast.Expr, scope: Scope, what: str) -> int | None:
        self.baked.update(_param_names(e, scope.params))
        v = const_value(e, scope.params)
        if v is None:
            self.sink.error(
                "MBF301",
                f"{what} must be a constant (integers, parameters, + and -)",
                e.span,
                frames=scope.frames,
            )
        return v

    def type(self, t: ast.TypeExpr, scope: Scope) -> Type | None:
        """A type expression as an IR type (None after reporting)."""
        m = scope.model
        match t:
            case ast.BoolTypeExpr():
                return BOOL
            case ast.RangeTypeExpr(lo=lo, hi=hi):
                lv, hv = (
                    self.const(lo, scope, "a range bound"),
                    self.const(hi, scope, "a range bound"),
                )
                if lv is None or hv is None:
                    return None
                if lv > hv:
                    self.sink.error("MBF305", f"empty integer range {lv}..{hv}", t.span)
                    return None
                return RangeType(lo=lv, hi=hv)
            case ast.SetTypeExpr(element=el):
                inner = self.type(el, scope)
                if inner is None:
                    return None
                if not isinstance(inner, EnumType):
                    self.sink.error("MBF306", "set<...> holds the values of one enum", el.span)
                    return None
                return SetType(inner)
            case ast.NamedTypeExpr(name=n, optional=opt):
                found: Type | None = scope.aliases.get(n)
                if found is None:
                    found = next((en for en in m.enums if en.name == n), None)
                if found is None and any(c.name == n for c in m.collections):
                    found = IndexType(n)
                if found is None:
                    known = [*scope.aliases, *(en.name for en in m.enums)]
                    known += [c.name for c in m.collections]
                    hint = _type_hint(n, m) or did_you_mean(n, [*known, "bool"])
                    self.sink.error("MBF201", f"unknown type '{n}'", t.span, hint)
                    return None
                if opt:
                    if not isinstance(found, IndexType):
                        self.sink.error(
                            "MBF306",
                            f"only collection elements can be optional, not '{n}'",
                            t.span,
                        )
                        return None
                    return IndexType(found.collection, True)
                return found

    # ------------------------------------------------------------------ expressions

    def cond(self, e: ast.Expr, scope: Scope) -> Expr:
        """An expression used as a condition (C truthiness)."""
        x = self.expr(e, scope)
        return to_bool(x, self.type_of(x, scope))

    def expr(self, e: ast.Expr, scope: Scope, expected: Type | None = None) -> Expr:
        """`e` lowered; `expected` types `none`/`{}` and turns enum values into sets.

        An expected bool does not coerce: truthiness applies to conditions (`cond`) only,
        so `lock = count;` stays a type error rather than meaning `count != 0`."""
        x = self._expr(e, scope, expected)
        if isinstance(expected, SetType):
            return to_set(x, self.type_of(x, scope))
        return x

    def _expr(self, e: ast.Expr, scope: Scope, expected: Type | None) -> Expr:
        sp = e.span
        match e:
            case ast.BoolLiteral(value=v):
                return BoolLit(value=v, span=sp)
            case ast.IntLiteral(value=v):
                return IntLit(value=v, span=sp)
            case ast.NoneLiteral():
                if isinstance(expected, IndexType):
                    return NoneLit(collection=expected.collection, span=sp)
                return self.error(
                    scope,
                    "MBF301",
                    "cannot tell which collection this 'none' belongs to",
                    sp,
                    "compare it with or assign it to an element-typed value",
                )
            case ast.SelfExpr():
                if scope.actor is None and scope.self_type is None:
                    return self.error(
                        scope, "MBF201", "'self' is only defined inside an actor or a field", sp
                    )
                return SelfRef(span=sp)
            case ast.NameRef(name=n):
                return self.name(n, sp, scope)
            case ast.SetLiteral(items=items):
                return self.set_lit(e, items, scope, expected)
            case ast.IndexExpr():
                return self.index(e, scope)
            case ast.MemberExpr():
                return self.member(e, scope)
            case ast.AtExpr(base=base, label=label):
                target = self.actor_ref(base, scope)
                if target is None:
                    return self.placeholder(sp)
                return AtLabel(actor=target[0], instance=target[1], label=label, span=sp)
            case ast.CallExpr():
                return self.call(e, scope)
            case ast.UnaryExpr(op=op, arg=arg):
                return self.unary(op, arg, sp, scope)
            case ast.BinaryExpr():
                return self.binary(e, scope)
            case ast.CondExpr(cond=c, then=t, orelse=o):
                cond = self.cond(c, scope)
                then = self._expr(t, scope, expected)
                then_t = self.type_of(then, scope) if expected is None else expected
                orelse = self._expr(o, scope, then_t)
                if isinstance(t, ast.NoneLiteral | ast.SetLiteral) and expected is None:
                    then = self._expr(t, scope, self.type_of(orelse, scope))
                return Ite(cond=cond, then=then, orelse=orelse, span=sp)
            case ast.QuantExpr(kind=kind, var=v, domain=d, body=body):
                dom = self.type(d, scope)
                if dom is None:
                    return self.placeholder(sp)
                ir_name = scope.fresh(v)
                inner = scope.bind(v, BoundName(ir_name, dom))
                q = Quantifier.FORALL if kind is ast.QuantKind.FORALL else Quantifier.EXISTS
                return Quant(kind=q, var=ir_name, domain=dom, body=self.cond(body, inner), span=sp)

    def name(self, n: str, sp: Span | None, scope: Scope) -> Expr:
        b = scope.lookup(n)
        match b:
            case BoundName(ir_name=ir):
                return Bound(name=ir, span=sp)
            case LoopVar():
                return LocalVar(name=n, span=sp)
            case MacroArg(expr=x):
                return x
            case None:
                pass
        m = scope.model
        if scope.actor is not None and any(v.name == n for v in m.actor(scope.actor).locals):
            return LocalVar(name=n, span=sp)
        if any(g.name == n for g in m.globals):
            return GlobalVar(name=n, span=sp)
        if n in scope.values:
            return replace(scope.values[n], span=sp)
        if n in scope.params:
            return IntLit(value=scope.params[n], span=sp)
        for en in m.enums:
            if n in en.values:
                return EnumLit(enum=en, value=n, span=sp)
        if any(c.name == n for c in m.collections):
            return self.error(
                scope,
                "MBF301",
                f"'{n}' is a collection, not a value",
                sp,
                f"name one element with {n}[i], or quantify: exists x in {n}: ...",
            )
        if any(a.name == n for a in m.actors):
            return self.error(
                scope,
                "MBF301",
                f"'{n}' is an actor, not a value",
                sp,
                f"read a local with {n}.name, or test its step with {n}@label",
            )
        return self.error(
            scope, "MBF201", f"unknown name '{n}'", sp, did_you_mean(n, scope.visible())
        )

    def set_lit(
        self, e: ast.Expr, items: Sequence[ast.Expr], scope: Scope, expected: Type | None
    ) -> Expr:
        en = expected.enum if isinstance(expected, SetType) else None
        xs = tuple(self._expr(i, scope, en) for i in items)
        if en is None and xs:
            t = self.type_of(xs[0], scope)
            en = t if isinstance(t, EnumType) else None
        if en is None and any(self.is_bad(x) for x in xs):
            return self.placeholder(e.span)
        if en is None:
            what = "{}" if not items else "a set literal"
            return self.error(
                scope,
                "MBF301",
                f"cannot tell which enum {what} holds",
                e.span,
                "sets hold enum values, e.g. {MPOL_MF_STRICT, MPOL_MF_MOVE}",
            )
        return SetLit(enum=en, items=xs, span=e.span)

    def index(self, e: ast.IndexExpr, scope: Scope) -> Expr:
        """`Coll[i]`: an element literal (i constant)."""
        base, sp = e.base, e.span
        if isinstance(base, ast.NameRef) and scope.lookup(base.name) is None:
            coll = next((c for c in scope.model.collections if c.name == base.name), None)
            if coll is not None:
                i = self.const(e.index, scope, f"an element index of {coll.name}")
                if i is None:
                    return self.placeholder(sp)
                if not 0 <= i < coll.size:
                    return self.error(
                        scope,
                        "MBF304",
                        f"element {coll.name}[{i}] does not exist "
                        f"({coll.name} has {coll.size} elements)",
                        sp,
                        f"valid elements are {coll.name}[0]..{coll.name}[{coll.size - 1}]",
                    )
                return ElemLit(collection=coll.name, index=i, span=sp)
            if any(a.name == base.name for a in scope.model.actors):
                return self.error(
                    scope,
                    "MBF301",
                    f"'{base.name}[...]' is an actor instance, not a value",
                    sp,
                    f"read a local with {base.name}[i].name or test {base.name}[i]@label",
                )
        return self.error(
            scope, "MBF306", "only collections (Cpu[0]) and actors (worker[1]) can be indexed", sp
        )

    def actor_ref(self, base: ast.Expr, scope: Scope) -> tuple[str, Expr] | None:
        """`actor` or `actor[i]` as (actor name, instance expression)."""
        idx: ast.Expr | None = None
        if isinstance(base, ast.IndexExpr):
            idx = base.index
            base = base.base
        if not isinstance(base, ast.NameRef):
            self.error(scope, "MBF205", "expected an actor name before '@'", base.span)
            return None
        a = next((x for x in scope.model.actors if x.name == base.name), None)
        if a is None:
            known = [x.name for x in scope.model.actors]
            self.error(
                scope,
                "MBF205",
                f"unknown actor '{base.name}'",
                base.span,
                did_you_mean(base.name, known),
            )
            return None
        if idx is None:
            if a.instances != 1:
                self.error(
                    scope,
                    "MBF301",
                    f"actor '{a.name}' has {a.instances} instances; say which one",
                    base.span,
                    f"write {a.name}[i]",
                )
                return None
            inst: Expr = (
                ElemLit(collection=a.self_collection, index=0)
                if a.self_collection is not None
                else IntLit(value=0)
            )
            return a.name, inst
        if a.self_collection is not None:
            k = const_value(idx, scope.params)
            if k is not None:
                self.baked.update(_param_names(idx, scope.params))
                return a.name, ElemLit(collection=a.self_collection, index=k, span=idx.span)
            return a.name, self.expr(idx, scope, IndexType(a.self_collection))
        return a.name, self.expr(idx, scope)

    def is_actor(self, e: ast.Expr, scope: Scope) -> bool:
        base = e.base if isinstance(e, ast.IndexExpr) else e
        if not isinstance(base, ast.NameRef) or scope.lookup(base.name) is not None:
            return False
        m = scope.model
        if scope.actor is not None and any(
            v.name == base.name for v in m.actor(scope.actor).locals
        ):
            return False
        if any(g.name == base.name for g in m.globals):
            return False
        return any(a.name == base.name for a in m.actors)

    def member(self, e: ast.MemberExpr, scope: Scope) -> Expr:
        """`p.field` (an element's field) or `actor.local` / `actor[i].local`."""
        sp = e.span
        if self.is_actor(e.base, scope):
            target = self.actor_ref(e.base, scope)
            if target is None:
                return self.placeholder(sp)
            actor = scope.model.actor(target[0])
            if not any(v.name == e.name for v in actor.locals):
                return self.error(
                    scope,
                    "MBF201",
                    f"actor '{actor.name}' has no local '{e.name}'",
                    sp,
                    did_you_mean(e.name, [v.name for v in actor.locals]),
                )
            return ActorLocal(actor=target[0], instance=target[1], name=e.name, span=sp)
        base = self.expr(e.base, scope)
        if self.is_bad(base):
            return base
        t = self.type_of(base, scope)
        colls = scope.model.collections
        if isinstance(t, IndexType):
            coll = next(c for c in colls if c.name == t.collection)
            if not any(f.name == e.name for f in coll.fields):
                return self.error(
                    scope,
                    "MBF203",
                    f"{coll.name} has no field '{e.name}'",
                    sp,
                    did_you_mean(e.name, [f.name for f in coll.fields]),
                )
            return Field(collection=coll.name, name=e.name, index=base, span=sp)
        if t is None:
            owners = [c.name for c in colls if any(f.name == e.name for f in c.fields)]
            if len(owners) == 1:
                return Field(collection=owners[0], name=e.name, index=base, span=sp)
        return self.error(
            scope,
            "MBF301",
            f"'.{e.name}' reads a field of a collection element, but this is "
            + ("not typed" if t is None else f"a {show_type(t)}"),
            sp,
        )

    def call(self, e: ast.CallExpr, scope: Scope) -> Expr:
        d = next((x for x in scope.model.defs if x.name == e.name), None)
        if d is None and e.name in ("min", "max") and len(e.args) == 2:
            # built-in `min(a, b)` / `max(a, b)` of ints (a definition of that name wins)
            one, two = (self.expr(x, scope) for x in e.args)
            op = BinOp.LE if e.name == "min" else BinOp.GE
            test = Binary(op=op, left=one, right=two, span=e.span)
            return Ite(cond=test, then=one, orelse=two, span=e.span)
        if d is None and e.name == "card" and len(e.args) == 1:
            # the built-in cardinality of a set (a definition named `card` wins)
            x = self.expr(e.args[0], scope)
            return Unary(op=UnOp.CARD, arg=to_set(x, self.type_of(x, scope)), span=e.span)
        if d is None:
            if e.name in scope.broken:
                return self.placeholder(e.span)
            if e.name in scope.macros:
                return self.error(
                    scope,
                    "MBF206",
                    f"'{e.name}' is a macro (a statement), not a definition",
                    e.span,
                    f"call it on its own line: {e.name}(...);",
                )
            return self.error(
                scope,
                "MBF206",
                f"unknown definition '{e.name}'",
                e.span,
                did_you_mean(e.name, [x.name for x in scope.model.defs]),
            )
        args = []
        for i, a in enumerate(e.args):
            args.append(self.expr(a, scope, d.params[i].type if i < len(d.params) else None))
        return Call(name=e.name, args=tuple(args), span=e.span)

    def unary(self, op: ast.UnaryOp, arg: ast.Expr, sp: Span | None, scope: Scope) -> Expr:
        match op:
            case ast.UnaryOp.NOT:
                return Unary(op=UnOp.NOT, arg=self.cond(arg, scope), span=sp)
            case ast.UnaryOp.NEG:
                x = self.expr(arg, scope)
                if isinstance(x, IntLit):
                    if x.param is not None:
                        self.baked.add(x.param)
                    return IntLit(value=-x.value, span=sp)
                return Unary(op=UnOp.NEG, arg=x, span=sp)
            case ast.UnaryOp.COMPL:
                x = self.expr(arg, scope)
                return Unary(op=UnOp.COMPL, arg=to_set(x, self.type_of(x, scope)), span=sp)

    def binary(self, e: ast.BinaryExpr, scope: Scope) -> Expr:
        op, sp = e.op, e.span
        B = ast.BinaryOp
        match op:
            case B.LEADS_TO:
                return self.error(
                    scope,
                    "MBF420",
                    "'~>' is a claim of its own, not part of a condition",
                    sp,
                    "state it as a claim's line: 'claim c { p ~> q; }', under 'forall x in D:' "
                    "at most",
                )
            case B.IMPLIES | B.OR | B.AND:
                iop = {B.IMPLIES: BinOp.IMPLIES, B.OR: BinOp.OR, B.AND: BinOp.AND}[op]
                return Binary(
                    op=iop, left=self.cond(e.left, scope), right=self.cond(e.right, scope), span=sp
                )
            case B.BITOR | B.BITAND:
                left, right = self.expr(e.left, scope), self.expr(e.right, scope)
                lt, rt = self.type_of(left, scope), self.type_of(right, scope)
                if isinstance(lt, BoolType) and isinstance(rt, BoolType):
                    iop = BinOp.OR if op is B.BITOR else BinOp.AND
                    return Binary(op=iop, left=left, right=right, span=sp)
                iop = BinOp.UNION if op is B.BITOR else BinOp.INTER
                return Binary(op=iop, left=to_set(left, lt), right=to_set(right, rt), span=sp)
            case B.EQ | B.NE:
                left, right = self.pair(e.left, e.right, scope)
                return Binary(
                    op=BinOp.EQ if op is B.EQ else BinOp.NE, left=left, right=right, span=sp
                )
            case B.LE | B.GE if self.is_set(e.left, scope) or self.is_set(e.right, scope):
                # `a <= b` on sets: a is a subset of b (nothing of a outside b)
                small, big = (e.left, e.right) if op is B.LE else (e.right, e.left)
                outside = self.difference(small, big, scope, sp)
                return Unary(op=UnOp.NOT, arg=Unary(op=UnOp.NONEMPTY, arg=outside), span=sp)
            case B.LT | B.LE | B.GT | B.GE:
                iop = {B.LT: BinOp.LT, B.LE: BinOp.LE, B.GT: BinOp.GT, B.GE: BinOp.GE}[op]
                return Binary(
                    op=iop, left=self.expr(e.left, scope), right=self.expr(e.right, scope), span=sp
                )
            case B.SUB if self.is_set(e.left, scope):
                return self.difference(e.left, e.right, scope, sp)
            case B.IN | B.NOT_IN:
                left = self.expr(e.left, scope)
                lt = self.type_of(left, scope)
                right = self.expr(e.right, scope, SetType(lt) if isinstance(lt, EnumType) else None)
                test = Binary(op=BinOp.IN, left=left, right=right, span=sp)
                return test if op is B.IN else Unary(op=UnOp.NOT, arg=test, span=sp)
            case B.ADD | B.SUB | B.MUL | B.DIV | B.MOD:
                left, right = self.expr(e.left, scope), self.expr(e.right, scope)
                if isinstance(left, IntLit) and isinstance(right, IntLit):
                    v = fold(op, left.value, right.value)
                    if v is not None:
                        self.baked.update(x.param for x in (left, right) if x.param is not None)
                        return IntLit(value=v, span=sp)
                return Binary(op=_ARITH[op], left=left, right=right, span=sp)

    def is_set(self, e: ast.Expr, scope: Scope) -> bool:
        """Whether `e` is a set (so `-` is set difference and `<=` inclusion)."""
        if isinstance(e, ast.SetLiteral):
            return True
        probe = ExprLowerer(Sink())  # typing only: its diagnostics are not reported
        return isinstance(self.type_of(probe.expr(e, scope), scope), SetType)

    def difference(self, a: ast.Expr, b: ast.Expr, scope: Scope, sp: Span | None) -> Expr:
        """`a - b` on sets of one enum: `a & ~b` (an enum value stands for its singleton)."""
        left, right = self.pair(a, b, scope)
        lt, rt = self.type_of(left, scope), self.type_of(right, scope)
        left, right = to_set(left, lt), to_set(right, rt)
        return Binary(
            op=BinOp.INTER, left=left, right=Unary(op=UnOp.COMPL, arg=right, span=sp), span=sp
        )

    def pair(self, a: ast.Expr, b: ast.Expr, scope: Scope) -> tuple[Expr, Expr]:
        """Two compared operands: `none`/`{}` and enum-vs-set take the other side's type."""
        contextual = (ast.NoneLiteral, ast.SetLiteral)
        if isinstance(a, contextual) and not isinstance(b, contextual):
            right = self.expr(b, scope)
            left = self.expr(a, scope, _context(self.type_of(right, scope)))
        else:
            left = self.expr(a, scope)
            right = self.expr(b, scope, _context(self.type_of(left, scope)))
        lt, rt = self.type_of(left, scope), self.type_of(right, scope)
        if isinstance(lt, SetType):
            right = to_set(right, rt)
        elif isinstance(rt, SetType):
            left = to_set(left, lt)
        return left, right


def _context(t: Type | None) -> Type | None:
    """What one side of a comparison tells the other: its collection or its set type."""
    return t if isinstance(t, IndexType | SetType) else None
