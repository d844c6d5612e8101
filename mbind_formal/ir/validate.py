"""Validation: the checks every IR `Spec` passes before an engine sees it.

Stage: after `build.spec` (Python API) or `lower.spec` (DSL) has produced a `Spec`.
Input: a `Spec`. Output: located `Diagnostic`s (errors and warnings), never raised.

Python-API users get the same checks as DSL users: names (globals, locals, fields,
definitions, actors, labels), types (`ir.types` rules: conditions are bool, values fit
their targets, `in` needs an enum and a set of it, fields are read through non-optional
elements, calls have the right arity), no assignment to constants, goto targets exist,
every path of every step ends in `Goto`/`Done`, definitions are not recursive,
collections have at least one element, types stay within what engines represent and
enumerate (32-bit integers, at most `MAX_VALUES` values), and the symmetry promise
(`ir.symmetry`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from typing import assert_never

from mbind_formal.diagnostics import Diagnostic, Related, Severity, Span, did_you_mean
from mbind_formal.ir.confusables import Named, confusable_names
from mbind_formal.ir.depth import too_deep
from mbind_formal.ir.model import (
    Actor,
    Assign,
    Await,
    Binary,
    BinOp,
    Block,
    Call,
    Claim,
    Def,
    Done,
    Either,
    ElemLit,
    EnumType,
    Expr,
    Fairness,
    Field,
    GlobalVar,
    Goto,
    If,
    IndexType,
    InitAny,
    InitIn,
    InitValue,
    LocalVar,
    Pick,
    RangeType,
    Scenario,
    SetType,
    Spec,
    Stmt,
    Type,
    Unary,
    UnOp,
    Var,
)
from mbind_formal.ir.resolve import terminates
from mbind_formal.ir.symmetry import breakers
from mbind_formal.ir.types import TypeEnv, not_none
from mbind_formal.ir.validate_expr import ExprChecker
from mbind_formal.ir.walk import children, stmt_exprs, stmts, subexprs, var_init_exprs

__all__ = ("validate",)


def _def_calls(d: Def) -> set[str]:
    return {e.name for e in subexprs(d.body) if isinstance(e, Call)}


# What engines can represent and enumerate. Integers are TLC's (Java int, 32 bits); the
# values of any type are enumerated for initial states, picks and quantifiers (and the
# explicit engine's state packing), so a type has at most MAX_VALUES of them: ranges up
# to 65536 values, sets over enums of up to 16 values.
INT_MIN, INT_MAX = -(1 << 31), (1 << 31) - 1
MAX_VALUES = 1 << 16
MAX_SET_ENUM = 16  # a set<E> has 2**len(E) values


class _Checker(ExprChecker):
    """Statement, declaration and symmetry checks over one model."""

    def type_ok(self, t: Type, span: Span | None) -> bool:
        """A well-formed type (`ExprChecker.type_ok`) within the engines' bounds."""
        if not super().type_ok(t, span):
            return False
        match t:
            case RangeType(lo=lo, hi=hi) if lo < INT_MIN or hi > INT_MAX:
                self.error(
                    "MBF304",
                    f"integer range {lo}..{hi} goes beyond 32-bit integers ({INT_MIN}..{INT_MAX})",
                    span,
                    "TLC's integers are 32-bit; model the quantity on a smaller scale",
                )
                return False
            case RangeType(lo=lo, hi=hi) if hi - lo + 1 > MAX_VALUES:
                self.error(
                    "MBF304",
                    f"integer range {lo}..{hi} has {hi - lo + 1} values; "
                    f"at most {MAX_VALUES} are supported",
                    span,
                    "engines enumerate the values of a type (initial states, pick, "
                    "forall); model the quantity on a smaller scale",
                )
                return False
            case SetType(enum=e) if len(e.values) > MAX_SET_ENUM:
                self.error(
                    "MBF304",
                    f"set<{e.name}> has 2**{len(e.values)} values; at most {MAX_VALUES} "
                    "are supported",
                    span,
                    f"a set holds values of an enum of at most {MAX_SET_ENUM} values",
                )
                return False
            case EnumType(name=name, values=vals) if len(vals) > MAX_VALUES:
                self.error(
                    "MBF304",
                    f"enum '{name}' has {len(vals)} values; at most {MAX_VALUES} are supported",
                    span,
                )
                return False
        return True

    def block(self, block: Block, env: TypeEnv, actor: Actor) -> TypeEnv | None:
        """Check `block`; what is known after it (NOTE(narrowing)), None if it ends the
        step on every path."""
        after: TypeEnv | None = env
        for i, s in enumerate(block):
            after = self.stmt(s, env, actor)
            if after is None or isinstance(s, Goto | Done) or terminates((s,)):
                if i + 1 < len(block):
                    nxt = block[i + 1]
                    self.error(
                        "MBF402",
                        "unreachable statement: the step already ended (goto/done)",
                        nxt.span or s.span,
                    )
                return None
            env = after
        return env

    def stmt(self, s: Stmt, env: TypeEnv, actor: Actor) -> TypeEnv | None:
        """Check `s` in `env`; the environment after it (None: the step ended)."""
        match s:
            case Assign(target=t, value=v):
                self.assign(s, t, v, env)
                return env.forget(t)
            case If(cond=c, then=t, orelse=o):
                self.cond(c, env, "an if condition")
                then = self.block(t, env.narrow(not_none(c)), actor)
                orelse = self.block(o, env.narrow(not_none(c, False)), actor)
                if then is None or orelse is None:
                    return then or orelse
                return replace(env, nonnone=then.nonnone & orelse.nonnone)
            case Either(branches=bs):
                ends = [self.block(b, env, actor) for b in bs]
                live = [e for e in ends if e is not None]
                if not live:
                    return None
                return replace(env, nonnone=frozenset.intersection(*(e.nonnone for e in live)))
            case Await(cond=c):
                self.cond(c, env, "an await condition")
                return env.narrow(not_none(c))
            case Pick(var=v, domain=d, cond=c, body=body):
                if self.type_ok(d, s.span):
                    inner = env.bind(v, d)
                    self.cond(c, inner, "a pick condition")
                    self.block(body, inner.narrow(not_none(c)), actor)
                return None if terminates((s,)) else env  # its body is the rest of the step
            case Goto(label=lab):
                if lab not in actor.labels:
                    self.error(
                        "MBF204",
                        f"goto unknown label '{lab}' in actor '{actor.name}'",
                        s.span,
                        did_you_mean(lab, actor.labels),
                    )
                return None
            case Done():
                return None
            case _:
                assert_never(s)

    def assign(self, s: Assign, t: Expr, v: Expr, env: TypeEnv) -> None:
        if not isinstance(t, GlobalVar | LocalVar | Field):
            self.error("MBF303", "only variables and fields can be assigned", s.span)
            return
        tt = self.field_type(t, env, write=True) if isinstance(t, Field) else self.expr(t, env)
        vt = self.expr(v, env)
        decl = self.var_decl(t, env)
        if decl is not None and decl.const:
            self.error(
                "MBF303",
                f"cannot assign to constant '{t.name}'",
                t.span or s.span,
                "declare it 'var' if it changes",
                [Related(span=decl.span, message=f"'{t.name}' is declared const here")]
                if decl.span
                else [],
            )
        if tt is not None and vt is not None:
            self.value_fits(tt, v, vt, f"'{t.name}'", s.span)

    # ------------------------------------------------------------------ declarations

    def unique(
        self, what: str, named: Iterable[tuple[str, Span | None]], code: str = "MBF202"
    ) -> None:
        seen: dict[str, Span | None] = {}
        for name, span in named:
            if name in seen:
                first = seen[name]
                self.error(
                    code,
                    f"{what} '{name}' is declared twice",
                    span,
                    related=[Related(span=first, message="first declared here")] if first else [],
                )
            else:
                seen[name] = span

    def var_init(self, v: Var, env: TypeEnv, owner: str) -> None:
        if not self.type_ok(v.type, v.span):
            return
        match v.init:
            case InitAny():
                values: tuple[Expr, ...] = ()
            case InitIn(choices=cs):
                values = cs
            case InitValue(value=val):
                values = (val,)
        for val in values:
            vt = self.expr(val, env)
            if vt is not None:
                self.value_fits(v.type, val, vt, f"'{owner}{v.name}'", val.span or v.span)
            for x in subexprs(val):
                if isinstance(x, GlobalVar | LocalVar | Field):
                    decl = self.var_decl(x, env)
                    if decl is not None and not decl.const:
                        self.error(
                            "MBF307",
                            f"the initial value of '{owner}{v.name}' reads variable '{x.name}'",
                            x.span or v.span,
                            "initial values may read parameters and constants only",
                        )

    def declarations(self) -> None:
        m = self.m
        self.unique("enum", ((e.name, None) for e in m.enums))
        owner: dict[str, str] = {}
        for en in m.enums:
            for v in en.values:
                if v in owner and owner[v] != en.name:
                    self.error(
                        "MBF209",
                        f"enum value '{v}' is declared in enums '{owner[v]}' and '{en.name}'",
                        None,
                        "enum values are global names; rename one",
                    )
                owner.setdefault(v, en.name)
        self.unique(
            "name",
            [
                *((c.name, c.span) for c in m.collections),
                *((g.name, g.span) for g in m.globals),
                *((d.name, d.span) for d in m.defs),
                *((a.name, a.span) for a in m.actors),
                *((e.name, None) for e in m.enums),
                *((v, None) for v in owner),
            ],
        )
        env = TypeEnv(model=m)
        for g in m.globals:
            self.var_init(g, env, "")
        for c in m.collections:
            if c.size < 1:
                self.error(
                    "MBF409",
                    f"collection '{c.name}' has {c.size} elements; it needs 1 or more",
                    c.span,
                )
            self.unique(f"field of {c.name}", ((f.name, f.span) for f in c.fields))
            fenv = TypeEnv(model=m, self_type=IndexType(c.name))
            for f in c.fields:
                self.var_init(f, fenv, f"{c.name}.")
        for e in m.init:
            self.cond(e, env, "an init constraint")
        self.recursion()
        for d in m.defs:
            self.def_type(d)
        for a in m.actors:
            self.actor_decl(a)

    def recursion(self) -> None:
        calls = {d.name: _def_calls(d) for d in self.m.defs}
        spans = {d.name: d.span for d in self.m.defs}
        for start in calls:
            stack: list[tuple[str, list[str]]] = [(start, [start])]
            while stack:
                name, path = stack.pop()
                for callee in sorted(calls.get(name, ())):
                    if callee == start:
                        if start not in self.recursive:
                            cycle = [*path, start]
                            self.recursive.update(path)
                            self.error(
                                "MBF406",
                                f"definition '{start}' is recursive: {' -> '.join(cycle)}",
                                spans[start],
                                "definitions are inlined expressions; unroll the recursion",
                                [
                                    Related(span=spans[n], message=f"'{n}' is defined here")
                                    for n in path[1:]
                                ],
                            )
                    elif callee in calls and callee not in path:
                        stack.append((callee, [*path, callee]))

    def actor_decl(self, a: Actor) -> None:
        if a.instances < 1:
            self.error("MBF409", f"actor '{a.name}' has {a.instances} instances", a.span)
        if a.self_collection is not None:
            size = self.coll(a.self_collection, a.span)
            if size is not None and size != a.instances:
                self.error(
                    "MBF301",
                    f"actor '{a.name}' runs once per {a.self_collection} element "
                    f"({size}) but has {a.instances} instances",
                    a.span,
                )
        self.unique(f"local of {a.name}", ((v.name, v.span) for v in a.locals))
        for v in a.locals:
            if v.name == "pc":  # the state names each instance's program counter `<actor>.pc`
                self.error(
                    "MBF202",
                    f"local 'pc' of {a.name} clashes with the actor's program counter",
                    v.span,
                    "rename it: every actor instance already has a state variable 'pc' "
                    "(its next step, shown in traces)",
                )
        self.unique(f"label of {a.name}", ((s.label, s.span) for s in a.steps), "MBF412")
        if "done" in a.labels:
            self.error("MBF412", f"actor '{a.name}': 'done' is reserved, not a label", a.span)
        env = TypeEnv(model=self.m, actor=a.name)
        for v in a.locals:
            self.var_init(v, env, f"{a.name}.")
        for s in a.steps:
            self.block(s.body, env, a)
            if not terminates(s.body):
                self.error(
                    "MBF413",
                    f"step '{a.name}.{s.label}': a path falls off its end without goto or done",
                    s.span or a.span,
                )

    # ------------------------------------------------------------------ symmetry

    def symmetry(self, claims: Sequence[Claim]) -> None:
        """Element literals of a symmetric collection are errors; ordered constructs warn."""
        symmetric = {c.name for c in self.m.collections if c.symmetric}
        if not symmetric or self.recursive:
            return
        for e, where in self.user_elem_lits(claims):
            if e.collection in symmetric:
                self.error(
                    "MBF405",
                    f"symmetry broken: {e.collection}[{e.index}] names a specific element of "
                    f"symmetric collection '{e.collection}'{where}",
                    e.span,
                    f"drop 'symmetric' from '{e.collection}', or quantify "
                    f"(forall/exists/pick) instead of naming an element",
                )
        seen: set[tuple[str, Span | None, str]] = set()
        base = set(breakers(self.m))
        found = list(base)
        for c in claims:
            found += [b for b in breakers(self.m, c) if b not in base]
        for b in found:
            if b.what.startswith("element literal") or (b.collection, b.span, b.what) in seen:
                continue
            seen.add((b.collection, b.span, b.what))
            self.diags.append(
                Diagnostic(
                    code="MBF405",
                    severity=Severity.WARNING,
                    message=f"symmetry of '{b.collection}' is not used: {b.what}",
                    span=b.span,
                    hint=f"engines treat '{b.collection}' as ordered (sound, without the "
                    "reduction); walk it with 'pick' to keep the symmetry",
                )
            )

    def user_elem_lits(self, claims: Sequence[Claim]) -> list[tuple[ElemLit, str]]:
        """Element literals the author wrote: every one except a `for` loop's own cursor
        resets and end tests (NOTE(loops) in `lower.flow`)."""
        out: list[tuple[ElemLit, str]] = []

        def scan(e: Expr, cursors: frozenset[str], where: str) -> None:
            if (
                isinstance(e, Binary)
                and e.op is BinOp.EQ
                and isinstance(e.left, LocalVar)
                and e.left.name in cursors
                and isinstance(e.right, ElemLit)
            ):
                return
            if isinstance(e, ElemLit) and not e.every:  # NOTE(every element)
                out.append((e, where))
            for ch in children(e):
                scan(ch, cursors, where)

        m = self.m
        for g in m.globals:
            for e in var_init_exprs(g):
                scan(e, frozenset(), "")
        for c in m.collections:
            for f in c.fields:
                for e in var_init_exprs(f):
                    scan(e, frozenset(), "")
        for e in m.init:
            scan(e, frozenset(), "")
        for d in m.defs:
            scan(d.body, frozenset(), "")
        for a in m.actors:
            cursors = _cursors(a)
            for v in a.locals:
                if v.name not in cursors:
                    for e in var_init_exprs(v):
                        scan(e, cursors, "")
            for step in a.steps:
                for s in stmts(step.body):
                    for e in stmt_exprs(s):
                        if (
                            isinstance(s, Assign)
                            and isinstance(s.target, LocalVar)
                            and s.target.name in cursors
                            and e is s.value
                        ):
                            continue
                        scan(e, cursors, "")
        for cl in claims:
            for e in (cl.prop, *cl.witnesses, *([cl.assume] if cl.assume else [])):
                scan(e, frozenset(), f" (claim {cl.name})")
        return out


def _cursors(a: Actor) -> frozenset[str]:
    """Locals an actor walks with `next` (the variables of its `for` loops)."""
    names: set[str] = set()
    for step in a.steps:
        for s in stmts(step.body):
            for e in stmt_exprs(s):
                for x in subexprs(e):
                    if isinstance(x, Unary) and x.op is UnOp.NEXT and isinstance(x.arg, LocalVar):
                        names.add(x.arg.name)
    return frozenset(names)


# --------------------------------------------------------------------------- entry point


def _check_claim(ck: _Checker, c: Claim) -> None:
    env = TypeEnv(model=ck.m)
    inner = env
    for name, t in c.over:
        inner = inner.bind(name, t)
    ck.cond(c.prop, inner, f"claim {c.name}'s property")
    if c.trigger is not None:
        ck.cond(c.trigger, inner, f"the left-hand side of claim {c.name}'s '~>'")
    for f in c.fairness:
        _check_fairness(ck, f, f" (claim {c.name})")
    for w in c.witnesses:
        ck.cond(w, env, f"a witness of claim {c.name}")
    if c.assume is not None:
        ck.cond(c.assume, env, f"claim {c.name}'s assumption")


def _check_fairness(ck: _Checker, f: Fairness, where: str = "") -> None:
    """A fairness assumption names an actor, and a step that actor has."""
    actors = [a.name for a in ck.m.actors]
    if f.actor not in actors:
        ck.error(
            "MBF205",
            f"'{f.text}'{where} names unknown actor '{f.actor}'",
            f.span,
            did_you_mean(f.actor, actors) or f"actors: {', '.join(actors) or '(none)'}",
        )
        return
    labels = list(ck.m.actor(f.actor).labels)
    if f.label is not None and f.label not in labels:
        ck.error(
            "MBF204",
            f"'{f.text}'{where}: actor {f.actor} has no step '{f.label}'",
            f.span,
            did_you_mean(f.label, labels) or f"steps of {f.actor}: {', '.join(labels)}",
        )


def _check_scenario(ck: _Checker, sc: Scenario, params: Sequence[str]) -> None:
    actors = [a.name for a in ck.m.actors]
    for name in sc.run:
        if name not in actors:
            ck.error(
                "MBF410",
                f"scenario {sc.name} runs unknown actor '{name}'",
                sc.span,
                did_you_mean(name, actors),
            )
    for name, _ in sc.params:
        if name not in params:
            ck.error(
                "MBF410",
                f"scenario {sc.name} sets unknown parameter '{name}'",
                sc.span,
                did_you_mean(name, params),
            )
    ck.check_elem_range = not sc.params  # sizes may differ under the scenario's params
    env = TypeEnv(model=ck.m)
    ck.cond(sc.expect, env, f"scenario {sc.name}'s expectation")
    if sc.assume is not None:
        ck.cond(sc.assume, env, f"scenario {sc.name}'s assumption")
    ck.check_elem_range = True


def _names(spec: Spec) -> Iterator[Named]:
    """Every name a user chose, with its kind and span (for `ir.confusables`)."""
    m = spec.models[0]
    for model in spec.models:
        yield ("variant", model.variant, model.span)
    yield from (("claim", c.name, c.span) for c in spec.claims)
    yield from (("scenario", sc.name, sc.span) for sc in spec.scenarios)
    yield from (("parameter", name, None) for name, _ in spec.params)
    for en in m.enums:
        yield ("enum", en.name, None)
        yield from (("enum value", v, None) for v in en.values)
    for c in m.collections:
        yield ("collection", c.name, c.span)
        yield from (("field", f"{c.name}.{f.name}", f.span) for f in c.fields)
    yield from (("variable", g.name, g.span) for g in m.globals)
    yield from (("definition", d.name, d.span) for d in m.defs)
    for a in m.actors:
        yield ("actor", a.name, a.span)
        yield from (("local", f"{a.name}.{v.name}", v.span) for v in a.locals)
        yield from (("label", f"{a.name}@{st.label}", st.span) for st in a.steps)


def validate(spec: Spec) -> tuple[Diagnostic, ...]:
    """Every problem of `spec` (errors and warnings), each reported once."""
    out: list[Diagnostic] = []
    seen: set[tuple[str, str, Span | None, Severity]] = set()

    def add(diags: Iterable[Diagnostic], variant: str | None) -> None:
        for d in diags:
            key = (d.code, d.message, d.span, d.severity)
            if key in seen:
                continue
            seen.add(key)
            if variant is not None:
                d = replace(
                    d, related=(*d.related, Related(span=None, message=f"in variant '{variant}'"))
                )
            out.append(d)

    deep = False
    for i, m in enumerate(spec.models):
        # NOTE(depth): the checks below walk expressions through definitions recursively
        found = too_deep(m, spec.claims)
        if found:
            add(found, None if i == 0 else m.variant)
            deep = True
            continue
        ck = _Checker(m)
        ck.declarations()
        for c in spec.claims:
            _check_claim(ck, c)
        for f in m.fairness:
            _check_fairness(ck, f)
        ck.symmetry(spec.claims)
        add(ck.diags, None if i == 0 else m.variant)
    if spec.models:
        add(confusable_names(_names(spec)), None)
    if spec.models and not deep:
        ck = _Checker(spec.models[0])
        ck.unique("claim", ((c.name, c.span) for c in spec.claims))
        ck.unique("scenario", ((s.name, s.span) for s in spec.scenarios))
        base = spec.models[0]
        example = next((f"{a.name}@{a.labels[-1]}" for a in base.actors if a.labels), "x == 1")
        for c in spec.claims:
            if not c.witnesses:
                ck.diags.append(
                    Diagnostic(
                        code="MBF407",
                        severity=Severity.WARNING,
                        message=f"claim {c.name} has no 'reachable' witness, so a vacuous "
                        "pass cannot be told from a real one",
                        span=c.span,
                        hint=f"add e.g. 'reachable {example};' for a state the claim is about",
                    )
                )
        params = [n for n, _ in spec.params]
        for sc in spec.scenarios:
            _check_scenario(ck, sc, params)
        add(ck.diags, None)
    return tuple(out)
