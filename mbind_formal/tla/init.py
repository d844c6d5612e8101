"""The state variables of an emitted module: their declarations, `TypeOK` and `Init`.

Input: `Symbols` and the definitions' read sets. Output: `VarInfo`s (one per TLA+
variable, in `semantics.layout` order) and the `TypeOK` and `Init` formulas.

`Init` assigns each variable after the variables its initial value reads (a constant
computed from another constant), as `semantics.relation` orders slots, because TLC evaluates
an initial predicate's conjuncts left to right. A value that may fall outside the
variable's type is checked (`x \\in T`): the semantics drops such initial states.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import assert_never

from mbind_formal.ir.model import (
    Actor,
    ActorLocal,
    AllDone,
    AtLabel,
    Binary,
    BinOp,
    BoolType,
    Call,
    EnumType,
    Expr,
    Field,
    GlobalVar,
    IndexType,
    InitAny,
    InitIn,
    InitValue,
    LocalVar,
    RangeType,
    SelfRef,
    SetType,
    Type,
    Var,
)
from mbind_formal.ir.types import TypeEnv, infer
from mbind_formal.ir.walk import subexprs, var_init_exprs
from mbind_formal.tla.actions import needs_range_check
from mbind_formal.tla.exprs import ExprCtx, as_formula, expr
from mbind_formal.tla.formula import Atom, Formula, conj
from mbind_formal.tla.symbols import DONE, Symbols, tla_string


@dataclass(frozen=True, slots=True)
class VarInfo:
    """One TLA+ variable: a global, a collection field, an actor's pc or local."""

    name: str
    decl: Var | None  # None for a pc
    domain: str | None  # for a function variable: the set it maps (elements, instances)
    actor: Actor | None  # for a pc or local
    collection: str | None  # for a field
    comment: str


def show_type(t: Type) -> str:
    """A type as the spec language writes it (for comments)."""
    match t:
        case BoolType():
            return "bool"
        case EnumType(name=n):
            return n
        case RangeType(lo=lo, hi=hi):
            return f"{lo}..{hi}"
        case SetType(enum=e):
            return f"set<{e.name}>"
        case IndexType(collection=c, optional=opt):
            return c + ("?" if opt else "")
        case _:
            assert_never(t)


def variable_infos(syms: Symbols) -> list[VarInfo]:
    m = syms.model
    out: list[VarInfo] = []
    for v in m.globals:
        kind = "const" if v.const else "var"
        out.append(
            VarInfo(
                syms.globals[v.name], v, None, None, None, f"{kind} {v.name}: {show_type(v.type)}"
            )
        )
    for c in m.collections:
        for f in c.fields:
            kind = "const" if f.const else "var"
            comment = f"{c.name}[i].{f.name}: {show_type(f.type)} ({kind})"
            out.append(
                VarInfo(
                    syms.fields[(c.name, f.name)], f, syms.coll_sets[c.name], None, c.name, comment
                )
            )
    for a in m.actors:
        dom = syms.instance_sets.get(a.name)
        who = a.name if dom is None else f"{a.name}[i]"
        out.append(VarInfo(syms.pcs[a.name], None, dom, a, None, f"{who}: the next step"))
        for v in a.locals:
            comment = f"{who}.{v.name}: {show_type(v.type)}"
            out.append(VarInfo(syms.locals[(a.name, v.name)], v, dom, a, None, comment))
    return out


def _pc_values(a: Actor) -> str:
    return "{" + ", ".join(tla_string(x) for x in (*a.labels, DONE)) + "}"


def type_ok(syms: Symbols) -> Formula:
    """Every variable holds a value of its type (NOTE(tla values))."""
    items: list[Formula] = []
    for v in variable_infos(syms):
        if v.decl is None:
            assert v.actor is not None
            t = _pc_values(v.actor)
        else:
            t = syms.type_set(v.decl.type)
        items.append(
            Atom(f"{v.name} \\in [{v.domain} -> {t}]" if v.domain else f"{v.name} \\in {t}")
        )
    return conj(items)


def expr_reads(
    e: Expr, syms: Symbols, reads: Mapping[str, frozenset[str]], actor: str | None
) -> set[str]:
    """The TLA+ variables `e` reads (through the definitions it calls)."""
    out: set[str] = set()
    for x in subexprs(e):
        match x:
            case GlobalVar(name=n):
                out.add(syms.globals[n])
            case Field(collection=c, name=n):
                out.add(syms.fields[(c, n)])
            case ActorLocal(actor=a, name=n):
                out.add(syms.locals[(a, n)])
            case LocalVar(name=n) if actor is not None:
                out.add(syms.locals[(actor, n)])
            case AtLabel(actor=a):
                out.add(syms.pcs[a])
            case AllDone():
                out.update(syms.pcs.values())
            case Call(name=n):
                out |= reads.get(n, frozenset())
            case _:
                pass
    return out


def _ordered(infos: list[VarInfo], deps: dict[str, set[str]]) -> list[VarInfo]:
    """`infos` in order, except that each comes after the variables its init reads."""
    out: list[VarInfo] = []
    placed: set[str] = set()
    pending = list(infos)
    while pending:
        for v in pending:
            if deps[v.name] - {v.name} <= placed:
                break
        else:  # a cycle: keep declaration order (the semantics reports it as an error)
            v = pending[0]
        pending.remove(v)
        placed.add(v.name)
        out.append(v)
    return out


def _var_init(v: VarInfo, ctx: ExprCtx) -> list[Formula]:
    """The conjuncts that give `v` its initial values."""
    syms = ctx.syms
    if v.decl is None:  # a pc: every instance starts at its first step
        assert v.actor is not None
        first = tla_string(v.actor.labels[0] if v.actor.steps else DONE)
        if v.domain is None:
            return [Atom(f"{v.name} = {first}")]
        i, _ = ctx.scope.bind("#instance", "i")
        return [Atom(f"{v.name} = [{i} \\in {v.domain} |-> {first}]")]
    decl, t = v.decl, v.decl.type
    tset = syms.type_set(t)
    # The context in which the init expression is read: `self` is the element / instance.
    ictx, elem = ctx, None
    if v.domain is not None:
        want = v.collection[0].lower() if v.collection else "i"
        elem, scope = ctx.scope.bind("#self", want)
        self_type: Type | None = IndexType(v.collection) if v.collection else None
        tenv = TypeEnv(
            model=syms.model, actor=v.actor.name if v.actor else None, self_type=self_type
        )
        ictx = replace(ctx, scope=scope, tenv=tenv, self_text=elem)
    elif v.actor is not None:
        ictx = replace(ctx, tenv=TypeEnv(model=syms.model, actor=v.actor.name), self_text="0")

    def each(body: str) -> str:  # `\A e \in D : body` for a function variable
        return f"\\A {elem} \\in {v.domain} : {body}"

    out: list[Formula] = []
    match decl.init:
        case InitAny():
            out.append(
                Atom(f"{v.name} \\in [{v.domain} -> {tset}]" if elem else f"{v.name} \\in {tset}")
            )
            return out
        case InitIn(choices=choices):
            texts = ", ".join(expr(c, ictx).text for c in choices)
            check = any(needs_range_check(c, infer(c, ictx.tenv), t) for c in choices)
            if elem is None:
                out.append(Atom(f"{v.name} \\in {{{texts}}}"))
                if check:
                    out.append(Atom(f"{v.name} \\in {tset}"))
            elif any(isinstance(x, SelfRef) for c in choices for x in subexprs(c)):
                out.append(Atom(f"{v.name} \\in [{v.domain} -> {tset}]"))
                out.append(Atom(each(f"{v.name}[{elem}] \\in {{{texts}}}")))
            else:
                out.append(Atom(f"{v.name} \\in [{v.domain} -> {{{texts}}}]"))
                if check:
                    out.append(Atom(each(f"{v.name}[{elem}] \\in {tset}")))
            return out
        case InitValue(value=value):
            val = expr(value, ictx)
            check = needs_range_check(value, infer(value, ictx.tenv), t)
            if elem is None:
                out.append(Atom(f"{v.name} = {val.rhs}"))
                if check:
                    out.append(Atom(f"{v.name} \\in {tset}"))
            else:
                out.append(Atom(f"{v.name} = [{elem} \\in {v.domain} |-> {val.text}]"))
                if check:
                    out.append(Atom(each(f"{v.name}[{elem}] \\in {tset}")))
            return out
        case _:
            assert_never(decl.init)


def conjuncts(e: Expr) -> list[Expr]:
    """The top-level conjuncts of `e`."""
    if isinstance(e, Binary) and e.op is BinOp.AND:
        return [*conjuncts(e.left), *conjuncts(e.right)]
    return [e]


@dataclass(frozen=True, slots=True)
class InitPlan:
    """`Init` cut into parts so that each claim's `assume` can be tested early.

    TLC enumerates initial states conjunct by conjunct and drops a branch as soon as a
    constraint fails, so a constraint placed right after the variables it reads prunes
    early, while one placed last is tested on every combination (the bundled model
    has 680k initial states without its claims' assumes, about a thousand with them).
    `parts[i]` are conjuncts; `assumes[claim][i]` are that claim's conjuncts to test
    right after `parts[i]`.
    """

    parts: tuple[tuple[Formula, ...], ...]
    assumes: Mapping[str, tuple[tuple[Formula, ...], ...]]


def plan_init(syms: Symbols, ctx: ExprCtx, assumes: Mapping[str, Expr]) -> InitPlan:
    """Order the variables' initial values (a value after what it reads), place each
    `init` constraint and each assume conjunct right after the last variable it reads."""
    infos = variable_infos(syms)
    deps: dict[str, set[str]] = {}
    for v in infos:
        actor = v.actor.name if v.actor else None
        exprs = var_init_exprs(v.decl) if v.decl is not None else ()
        deps[v.name] = set().union(*(expr_reads(e, syms, ctx.def_reads, actor) for e in exprs))
    order = _ordered(infos, deps)
    position = {v.name: i for i, v in enumerate(order)}

    def where(e: Expr) -> int:
        reads = expr_reads(e, syms, ctx.def_reads, None)
        return max((position[r] for r in reads), default=-1)

    # slots[k + 1]: what follows variable k (slots[0]: what needs no variable)
    slots: list[list[Formula]] = [[] for _ in range(len(order) + 1)]
    for k, v in enumerate(order):
        slots[k + 1].extend(_var_init(v, ctx))
    for e in syms.model.init:
        for c in conjuncts(e):
            slots[where(c) + 1].append(as_formula(c, ctx))
    placed: dict[str, list[tuple[int, Formula]]] = {}
    for claim, e in assumes.items():
        placed[claim] = [(where(c) + 1, as_formula(c, ctx)) for c in conjuncts(e)]
    last = len(order)
    cuts = sorted({k for items in placed.values() for k, _ in items if k < last} | {last})
    parts: list[tuple[Formula, ...]] = []
    start = 0
    for cut in cuts:
        parts.append(tuple(f for slot in slots[start : cut + 1] for f in slot))
        start = cut + 1
    by_claim = {
        claim: tuple(
            tuple(f for k, f in items if (cuts[i - 1] if i else -1) < k <= cut)
            for i, cut in enumerate(cuts)
        )
        for claim, items in placed.items()
    }
    return InitPlan(tuple(parts), by_claim)
