"""Lowering, the base model: declarations, definitions and actors (AST -> IR).

Stage: part of `lower.spec`. Input: the parsed items of a spec (includes spliced in) and
the requested parameters. Output: the base model handed to a `SpecBuilder` (as a Python
user would build it), plus a `Version` that variants start from, or diagnostics.

Order: parameters (requested values win; unknown ones are MBF208), enums, collections
(names and sizes), type aliases, then the types of every field, global and actor local,
so a declaration may refer to one written later; definitions callees first (recursion
is MBF406); initial values; `init` constraints; actor bodies (`lower.flow`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from mbind_formal.build.spec import SpecBuilder
from mbind_formal.diagnostics import Related, Span, did_you_mean, has_errors
from mbind_formal.dsl import ast
from mbind_formal.ir.depth import MAX_EXPANDED_DEPTH, chain, def_depths, expanded_depth
from mbind_formal.ir.model import (
    Actor,
    BoolLit,
    BoolType,
    Collection,
    Def,
    ElemLit,
    EnumLit,
    EnumType,
    Expr,
    IndexType,
    Init,
    InitAny,
    InitIn,
    InitValue,
    IntLit,
    Model,
    Param,
    ParamValue,
    Type,
    Var,
)
from mbind_formal.ir.types import same_kind
from mbind_formal.ir.validate_expr import show_type
from mbind_formal.lower.expr import BoundName, ExprLowerer, Scope, Sink
from mbind_formal.lower.flow import ActorShape, FlowLowerer, shape

# Collections, instance counts and parameters stay small: every element is a set of
# state slots, and sets of elements are bitmasks (the command line accepts 1..64 too).
MAX_SIZE = 64

__all__ = ("ModelLowering", "Version", "init_parts")

# --------------------------------------------------------------------------- state


@dataclass(slots=True)
class Version:
    """The base model, or one variant, as lowering needs it (AST where it must be)."""

    globals: list[Var]
    fields: dict[str, list[Var]]
    defs: dict[str, Def]
    def_asts: dict[str, ast.DefDecl]
    macros: dict[str, ast.MacroDecl]
    bodies: dict[str, ast.Block]
    actors: dict[str, Actor] = field(default_factory=dict)


class ModelLowering:
    """Lowers the base model; `lower.spec` extends it with variants, claims, scenarios."""

    def __init__(self, name: str, source: str, requested: dict[str, ParamValue]) -> None:
        self.sink = Sink()
        self.state_ok = False  # set once the state is declared (actor bodies come next)
        self.ex = ExprLowerer(self.sink)
        self.requested = requested
        self.b = SpecBuilder(name, source=source, params=requested)
        self.params: dict[str, int] = {}  # the integer ones (they may size the model)
        self.values: dict[str, Expr] = {}  # every parameter as its marked literal
        self.aliases: dict[str, Type] = {}
        self.enums: list[EnumType] = []
        self.sizes: dict[str, int] = {}
        self.size_exprs: dict[str, ast.Expr] = {}
        self.symmetric: dict[str, bool] = {}
        self.actor_decls: dict[str, ast.ActorDecl] = {}
        self.headers: dict[str, Actor] = {}  # instances, self collection, locals
        self.broken: set[str] = set()  # recursive definitions (reported once)

    def error(
        self,
        code: str,
        message: str,
        span: Span | None,
        hint: str | None = None,
        related: Sequence[Related] = (),
    ) -> None:
        self.sink.error(code, message, span, hint, related)

    # ------------------------------------------------------------------ scopes

    def model(self, v: Version, actors: Sequence[Actor] | None = None) -> Model:
        """A provisional model of version `v` (for name resolution and types)."""
        colls = tuple(
            Collection(
                name=n,
                size=self.sizes[n],
                fields=tuple(v.fields.get(n, ())),
                symmetric=self.symmetric[n],
            )
            for n in self.sizes
        )
        return Model(
            name=self.b.name,
            variant="base",
            enums=tuple(self.enums),
            collections=colls,
            globals=tuple(v.globals),
            actors=tuple(self.headers.values()) if actors is None else tuple(actors),
            defs=tuple(v.defs.values()),
        )

    def scope(self, v: Version, **kw: object) -> Scope:
        return Scope(
            model=self.model(v),
            params=self.params,
            values=self.values,
            aliases=self.aliases,
            macros=frozenset(v.macros),
            broken=frozenset(self.broken),
            **kw,  # type: ignore[arg-type]
        )

    def declare_param(self, it: ast.ParamDecl, empty: Version) -> None:
        """`param n = 3;` (an integer: may size the model), `= true` / `= false`, or an
        enum value; each use is a literal marked with its name (NOTE(constants))."""
        default: ParamValue
        match it.value:
            case ast.BoolLiteral(value=bv):
                default = bv
            case ast.NameRef(name=n) if any(n in en.values for en in self.enums):
                default = n
            case _:
                v = self.ex.const(it.value, self.scope(empty), f"parameter '{it.name}'")
                default = 0 if v is None else v
        value = self.b.param(it.name, default, span=it.span)
        match value:
            case bool():
                self.values[it.name] = BoolLit(value=value, param=it.name)
            case str():
                # the builder keeps the kind: a requested name stands for a default name
                en = next(e for e in self.enums if str(default) in e.values)
                if value not in en.values:
                    self.error(
                        "MBF208",
                        f"parameter '{it.name}' is requested as '{value}', which is not a "
                        f"value of enum '{en.name}'",
                        it.value.span or it.span,
                        did_you_mean(value, list(en.values))
                        or f"give one of {', '.join(en.values)}",
                    )
                    return
                self.values[it.name] = EnumLit(enum=en, value=value, param=it.name)
            case int():
                if not 0 <= value <= MAX_SIZE:
                    given = "requested" if it.name in self.requested else "declared"
                    self.error(
                        "MBF304",
                        f"parameter '{it.name}' is {given} as {value}, outside 0..{MAX_SIZE}",
                        it.value.span or it.span,
                        "parameters size a finite model: keep them small",
                    )
                    value = 0 if value < 0 else MAX_SIZE
                self.params[it.name] = value
                self.values[it.name] = IntLit(value=value, param=it.name)

    def constants(self) -> list[tuple[str, Expr]]:
        """The parameters no size, type or folded constant used (NOTE(constants))."""
        return [(n, v) for n, v in self.values.items() if n not in self.ex.baked]

    def names(self, items: Sequence[ast.Item]) -> None:
        """Top-level names are unique (MBF202); enum values are unique (MBF209)."""
        seen: dict[str, tuple[str, Span | None]] = {}
        enum_of: dict[str, tuple[str, Span | None]] = {}

        def declare(n: str, what: str, span: Span | None) -> None:
            if n in seen:
                first_what, first = seen[n]
                self.error(
                    "MBF202",
                    f"'{n}' is declared twice (as {_a(first_what)} and as {_a(what)})"
                    if first_what != what
                    else f"{what} '{n}' is declared twice",
                    span,
                    related=[Related(span=first, message="first declared here")] if first else [],
                )
            else:
                seen[n] = (what, span)

        for it in items:
            match it:
                case ast.ParamDecl(name=n):
                    declare(n, "parameter", it.span)
                case ast.EnumDecl(name=n, members=members):
                    declare(n, "enum", it.span)
                    for mem in members:
                        if mem.name in enum_of and enum_of[mem.name][0] == n:
                            self.error("MBF202", f"enum {n} lists '{mem.name}' twice", mem.span)
                            continue
                        if mem.name in enum_of:
                            other, first = enum_of[mem.name]
                            self.error(
                                "MBF209",
                                f"enum value '{mem.name}' is declared in enums '{other}' and '{n}'",
                                mem.span,
                                "enum values are global names; rename one of them",
                                [Related(span=first, message=f"'{mem.name}' in enum {other}")]
                                if first
                                else [],
                            )
                            continue
                        enum_of[mem.name] = (n, mem.span)
                        declare(mem.name, "enum value", mem.span)
                case ast.TypeAlias(name=n):
                    declare(n, "type", it.span)
                case ast.CollectionDecl(name=n):
                    declare(n, "collection", it.span)
                case ast.VarDecl(name=n):
                    declare(n, "global", it.span)
                case ast.DefDecl(name=n):
                    declare(n, "definition", it.span)
                case ast.MacroDecl(name=n):
                    declare(n, "macro", it.span)
                case ast.ActorDecl(name=n):
                    declare(n, "actor", it.span)
                case _:
                    pass
        for what, kind in (("claim", ast.ClaimDecl), ("scenario", ast.ScenarioDecl)):
            first_at: dict[str, Span | None] = {}
            for it in items:
                if isinstance(it, kind):
                    assert isinstance(it, ast.ClaimDecl | ast.ScenarioDecl)
                    if it.name in first_at:
                        self.error("MBF202", f"{what} '{it.name}' is declared twice", it.span)
                    first_at.setdefault(it.name, it.span)

    def declare(self, items: Sequence[ast.Item]) -> None:
        """Parameters, enums, collections (names and sizes) and type aliases."""
        empty = Version([], {}, {}, {}, {}, {})
        declared = [it.name for it in items if isinstance(it, ast.ParamDecl)]
        for n in self.requested:
            if n not in declared:
                self.error(
                    "MBF208",
                    f"unknown parameter '{n}'" + (" (set by --pages)" if n == "pages" else ""),
                    None,
                    did_you_mean(n, declared)
                    or (
                        f"the spec declares: {', '.join(declared)}"
                        if declared
                        else "the spec declares no parameters"
                    ),
                )
        for it in items:
            if isinstance(it, ast.EnumDecl):
                values = tuple(m.name for m in it.members)
                if not values:
                    self.error("MBF305", f"enum '{it.name}' has no values", it.span)
                self.enums.append(self.b.enum(it.name, *values, span=it.span))
        for it in items:
            if isinstance(it, ast.ParamDecl):
                self.declare_param(it, empty)
        for it in items:
            if isinstance(it, ast.CollectionDecl):
                size = self.ex.const(it.size, self.scope(empty), f"the size of '{it.name}'")
                if size is not None and size < 1:
                    self.error(
                        "MBF409",
                        f"collection '{it.name}' has {size} elements; it needs 1 or more",
                        it.size.span or it.span,
                    )
                elif size is not None and size > MAX_SIZE:
                    self.error(
                        "MBF304",
                        f"collection '{it.name}' has {size} elements; at most {MAX_SIZE} "
                        "are supported",
                        it.size.span or it.span,
                    )
                self.sizes[it.name] = min(MAX_SIZE, max(1, size or 1))
                self.size_exprs[it.name] = it.size
                self.symmetric[it.name] = it.symmetric
        for it in items:
            if isinstance(it, ast.TypeAlias):
                t = self.ex.type(it.type, self.scope(empty))
                if t is not None:
                    self.aliases[it.name] = t

    # ------------------------------------------------------------------ base model

    def var_types(self, decls: Sequence[ast.VarDecl], v: Version, owner: str) -> list[Var]:
        """Declarations typed, inits not yet lowered (InitAny placeholders)."""
        out: list[Var] = []
        seen: dict[str, Span | None] = {}
        for d in decls:
            if d.name in seen:
                self.error(
                    "MBF202",
                    f"{owner}'{d.name}' is declared twice",
                    d.span,
                    related=[Related(span=seen[d.name], message="first declared here")]
                    if seen[d.name]
                    else [],
                )
                continue
            seen[d.name] = d.span
            t = self.ex.type(d.type, self.scope(v))
            if t is not None:
                const = d.kind is ast.VarKind.CONST
                out.append(Var(name=d.name, type=t, const=const, span=d.span, guarded=d.guarded))
        return out

    def init(self, d: ast.VarDecl, var: Var, scope: Scope) -> Init:
        match d.init:
            case None:
                return InitAny()
            case ast.InitEq(value=x):
                return InitValue(value=self.ex.expr(x, scope, var.type))
            case ast.InitChoice(choices=cs):
                return InitIn(choices=tuple(self.ex.expr(c, scope, var.type) for c in cs))

    def with_inits(
        self, decls: Sequence[ast.VarDecl], vars_: Sequence[Var], scope: Scope
    ) -> list[Var]:
        by_name = {d.name: d for d in decls}
        return [replace(x, init=self.init(by_name[x.name], x, scope)) for x in vars_]

    def base(self, items: Sequence[ast.Item]) -> Version:
        v = Version(
            globals=[],
            fields={},
            defs={},
            def_asts={it.name: it for it in items if isinstance(it, ast.DefDecl)},
            macros={it.name: it for it in items if isinstance(it, ast.MacroDecl)},
            bodies={it.name: it.body for it in items if isinstance(it, ast.ActorDecl)},
        )
        colls = [it for it in items if isinstance(it, ast.CollectionDecl)]
        glob_decls = [it for it in items if isinstance(it, ast.VarDecl)]
        for c in colls:
            v.fields[c.name] = self.var_types(c.fields, v, f"field {c.name}.")
        v.globals = self.var_types(glob_decls, v, "global ")
        for it in items:
            if isinstance(it, ast.ActorDecl):
                self.actor_header(it, v)
        self.lower_defs(v, list(v.def_asts.values()))
        for c in colls:
            fscope = self.scope(v, self_type=IndexType(c.name))
            v.fields[c.name] = self.with_inits(c.fields, v.fields[c.name], fscope)
        v.globals = self.with_inits(glob_decls, v.globals, self.scope(v))
        for name, a in list(self.headers.items()):
            ascope = self.scope(v, actor=name)
            inits = self.with_inits(self.actor_decls[name].locals, a.locals, ascope)
            self.headers[name] = replace(a, locals=tuple(inits))
        if has_errors(self.sink.diags):
            return v
        self.state_ok = True  # declarations, definitions and initial values lowered
        self.emit_state(v)
        for it in items:
            if isinstance(it, ast.InitDecl):
                self.b.init(self.ex.cond(it.cond, self.scope(v)))
            elif isinstance(it, ast.AllowDeadlock):
                self.b.allow_deadlock()
        v.actors = self.lower_actors(v)
        for a in v.actors.values():
            ab = self.b.actor(
                a.name,
                instances=a.instances,
                over=a.self_collection,
                span=a.span,
            )
            for loc in a.locals:
                choices, value = init_parts(loc.init)
                ab.var(
                    loc.name,
                    loc.type,
                    value,
                    one_of=choices,
                    const=loc.const,
                    span=loc.span,
                    guarded=loc.guarded,
                )
            for st in a.steps:
                ab.step(st.label, st.body, span=st.span)
        return v

    def emit_state(self, v: Version) -> None:
        """Hand collections, fields, globals and definitions to the builder."""
        for cname, size in self.sizes.items():
            coll = self.b.collection(cname, size, symmetric=self.symmetric[cname])
            for f in v.fields.get(cname, ()):
                choices, value = init_parts(f.init)
                if f.const:
                    coll.const(f.name, f.type, value, one_of=choices, span=f.span)
                else:
                    coll.var(f.name, f.type, value, one_of=choices, span=f.span, guarded=f.guarded)
        for g in v.globals:
            choices, value = init_parts(g.init)
            if g.const:
                self.b.const(g.name, g.type, value, one_of=choices, span=g.span)
            else:
                self.b.var(g.name, g.type, value, one_of=choices, span=g.span, guarded=g.guarded)
        for d in v.def_asts:
            if d in v.defs:
                self.b.add_def(v.defs[d])

    def lower_defs(self, v: Version, decls: Sequence[ast.DefDecl]) -> None:
        """Lower `decls` into `v.defs`, callees first; cycles are MBF406."""
        todo = {d.name: d for d in decls}
        state: dict[str, int] = {}  # 1: on the current path, 2: lowered (or broken)
        depths = def_depths({n: d.body for n, d in v.defs.items() if n not in todo})
        # Depth-first without recursion (a chain of 500 definitions is fine): each frame
        # is a definition, the path that led to it and its callees still to visit.
        stack: list[tuple[ast.DefDecl, list[str], list[str]]] = []

        def enter(d: ast.DefDecl, path: list[str]) -> None:
            if state.get(d.name) == 2:
                return
            if state.get(d.name) == 1:
                cycle = [*path[path.index(d.name) :], d.name]
                self.broken.update(cycle)
                self.error(
                    "MBF406",
                    f"definition '{d.name}' is recursive: {' -> '.join(cycle)}",
                    d.span,
                    "definitions are expanded in place; unroll the recursion",
                )
                return
            state[d.name] = 1
            callees = [c for c in sorted(_calls(d.body), reverse=True) if c in todo]
            stack.append((d, [*path, d.name], callees))

        for root in decls:
            if state.get(root.name) == 2:
                continue
            enter(root, [])
            while stack:
                d, path, callees = stack[-1]
                if callees:
                    enter(todo[callees.pop()], path)
                    continue
                stack.pop()
                if _calls(d.body) & self.broken:  # already reported at the callee
                    self.broken.add(d.name)
                elif d.name not in self.broken:
                    self.lower_deep_enough(d, v, depths)
                state[d.name] = 2
        # source order, as the builder and `Model.defs` list them
        v.defs = {n: v.defs[n] for n in v.def_asts if n in v.defs}

    def lower_deep_enough(self, d: ast.DefDecl, v: Version, depths: dict[str, int]) -> None:
        """Lower `d` into `v.defs` unless its expansion nests deeper than later phases
        can walk (MBF105, NOTE(depth)): then it is reported once and left out, so that
        no caller's type inference walks it."""
        lowered = self.lower_def(d, v)
        depth = expanded_depth(lowered.body, depths)
        if depth > MAX_EXPANDED_DEPTH:
            self.broken.add(d.name)
            bodies = {n: x.body for n, x in v.defs.items()} | {d.name: lowered.body}
            self.error(
                "MBF105",
                f"definition '{d.name}' nests {depth} levels deep once the definitions it "
                f"calls are expanded ({chain(d.name, bodies, depths)}); the limit is "
                f"{MAX_EXPANDED_DEPTH}",
                d.span,
                "shorten the chain of definitions calling definitions, or merge some",
            )
            return
        depths[d.name] = depth
        v.defs[d.name] = lowered

    def lower_def(self, d: ast.DefDecl, v: Version) -> Def:
        scope = self.scope(v)
        params: list[Param] = []
        for p in d.params:
            t = self.ex.type(p.type, scope)
            if t is not None:
                params.append(Param(name=p.name, type=t))
                scope = scope.bind(p.name, BoundName(p.name, t))
        result = self.ex.type(d.result, scope) if d.result is not None else None
        # a declared `bool` result is a condition (C: `return flags & X;` in a bool helper)
        if isinstance(result, BoolType):
            body = self.ex.cond(d.body, scope)
        else:
            body = self.ex.expr(d.body, scope, result)
        if result is not None:
            got = self.ex.type_of(body, scope)
            if got is not None and not same_kind(result, got):
                self.error(
                    "MBF301",
                    f"definition '{d.name}' is declared {show_type(result)} "
                    f"but its body is {show_type(got)}",
                    d.body.span or d.span,
                )
        return Def(name=d.name, params=tuple(params), body=body, span=d.span)

    def actor_header(self, d: ast.ActorDecl, v: Version) -> None:
        self.actor_decls[d.name] = d
        instances, over = 1, None
        inst = d.instances
        if isinstance(inst, ast.NameRef) and inst.name in self.sizes:
            instances, over = self.sizes[inst.name], inst.name
        elif inst is not None:
            k = self.ex.const(inst, self.scope(v), f"the instance count of '{d.name}'")
            if k is not None and not 1 <= k <= MAX_SIZE:
                self.error(
                    "MBF409" if k < 1 else "MBF304",
                    f"actor '{d.name}' has {k} instances; 1..{MAX_SIZE} are supported",
                    inst.span,
                )
            instances = min(MAX_SIZE, max(1, k or 1))
        locals_ = self.var_types(d.locals, v, f"local {d.name}.")
        self.headers[d.name] = Actor(
            name=d.name,
            steps=(),
            locals=tuple(locals_),
            instances=instances,
            self_collection=over,
            span=d.span,
        )

    # ------------------------------------------------------------------ actors

    def lower_actors(self, v: Version) -> dict[str, Actor]:
        """Every actor of version `v`: locals (declared, then loop variables), steps."""
        shapes: dict[str, ActorShape] = {}
        headers: list[Actor] = []
        for name, hdr in self.headers.items():
            body = v.bodies[name]
            sh = shape(name, body, self.sink)
            shapes[name] = sh
            headers.append(replace(hdr, locals=(*hdr.locals, *self.loop_vars(hdr, body, v))))
        model = self.model(v, headers)
        out: dict[str, Actor] = {}
        for hdr in headers:
            scope = Scope(
                model=model,
                params=self.params,
                values=self.values,
                aliases=self.aliases,
                macros=frozenset(v.macros),
                actor=hdr.name,
            )
            flow = FlowLowerer(self.ex, hdr.name, shapes[hdr.name], v.macros)
            out[hdr.name] = replace(hdr, steps=tuple(flow.steps(v.bodies[hdr.name], scope)))
        return out

    def loop_vars(self, hdr: Actor, body: ast.Block, v: Version) -> list[Var]:
        """One local per `for` variable; loops may share one only over one collection."""
        seen: dict[str, tuple[Type, Span | None]] = {}
        out: list[Var] = []
        for var, dom, span in _all_loops(body):
            t = self.ex.type(dom, self.scope(v))
            if not isinstance(t, IndexType) or t.optional:
                continue  # reported when the loop is lowered
            if var in seen:
                if seen[var][0] != t:
                    self.error(
                        "MBF202",
                        f"loop variable '{var}' of actor '{hdr.name}' walks {show_type(t)} "
                        f"here and {show_type(seen[var][0])} in another loop",
                        span,
                        "use one variable name per collection",
                        [Related(span=seen[var][1], message="the other loop")]
                        if seen[var][1]
                        else [],
                    )
                continue
            seen[var] = (t, span)
            if any(x.name == var for x in hdr.locals):
                self.error(
                    "MBF202",
                    f"loop variable '{var}' is also declared as a local of '{hdr.name}'",
                    span,
                    "rename the loop variable",
                )
                continue
            first = ElemLit(collection=t.collection, index=0, span=span)
            # A loop cursor never leaves its type (the loop stops at the last element):
            # guarded, so no type-violation check is stated for it (NOTE(type rule)).
            out.append(Var(name=var, type=t, init=InitValue(value=first), span=span, guarded=True))
        return out


# --------------------------------------------------------------------------- helpers


def _a(noun: str) -> str:
    return ("an " if noun[0] in "aeiou" else "a ") + noun


def init_parts(init: Init) -> tuple[list[Expr] | None, Expr | None]:
    """An IR init as the builder's (one_of, init) arguments."""
    match init:
        case InitAny():
            return None, None
        case InitIn(choices=cs):
            return list(cs), None
        case InitValue(value=x):
            return None, x


def _calls(e: ast.Expr) -> set[str]:
    """Names called anywhere in `e`."""
    out: set[str] = set()
    stack: list[ast.Expr] = [e]
    while stack:
        x = stack.pop()
        match x:
            case ast.CallExpr(name=n, args=args):
                out.add(n)
                stack.extend(args)
            case ast.SetLiteral(items=items):
                stack.extend(items)
            case ast.IndexExpr(base=b, index=i):
                stack += [b, i]
            case ast.MemberExpr(base=b) | ast.AtExpr(base=b) | ast.UnaryExpr(arg=b):
                stack.append(b)
            case ast.BinaryExpr(left=left, right=right):
                stack += [left, right]
            case ast.CondExpr(cond=c, then=t, orelse=o):
                stack += [c, t, o]
            case ast.QuantExpr(body=b):
                stack.append(b)
            case _:
                pass
    return out


def _all_loops(body: Sequence[ast.Stmt]) -> list[tuple[str, ast.TypeExpr, Span | None]]:
    """Every `for` loop anywhere in `body` (misplaced ones too): (var, domain, span)."""
    out: list[tuple[str, ast.TypeExpr, Span | None]] = []
    for s in body:
        match s:
            case ast.LabeledStmt(stmt=inner):
                out += _all_loops((inner,))
            case ast.ForStmt(var=v, domain=d, body=b):
                out.append((v, d, s.span))
                out += _all_loops(b)
            case ast.WhileStmt(body=b):
                out += _all_loops(b)
            case ast.IfStmt(then=t, orelse=o):
                out += _all_loops(t) + _all_loops(o)
            case ast.EitherStmt(branches=bs):
                for br in bs:
                    out += _all_loops(br)
            case _:
                pass
    return out
