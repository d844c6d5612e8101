"""Resolution: a builder's declarations -> closed steps and one resolved `Model` per variant.

Stage: inside `build.spec` (and so `lower.spec`). Input: the base `Model` and each variant's
delta (replaced definitions and steps, added state). Output: `Model`s with
`variant`/`extends`/`overrides` set, in dependency order, with step bodies closed
(NOTE(closing)); unknown or cyclic bases (MBF404), duplicate variants (MBF202) and
overrides of things the base lacks (MBF403) become diagnostics.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from mbind_formal.diagnostics import Diagnostic, Related, Span, did_you_mean
from mbind_formal.ir.model import (
    Actor,
    Block,
    Def,
    Done,
    Either,
    Expr,
    Goto,
    If,
    Model,
    Pick,
    Stmt,
    Var,
)

__all__ = (
    "VariantDelta",
    "apply_variant",
    "close_actor",
    "close_block",
    "terminates",
    "variant_order",
)

# --------------------------------------------------------------------------- closing


def terminates(block: Block) -> bool:
    """Every path through `block` ends in `Goto`/`Done` (or is disabled)."""
    if not block:
        return False
    last = block[-1]
    match last:
        case Goto() | Done():
            return True
        case If(then=t, orelse=o):
            return terminates(t) and terminates(o)
        case Either(branches=bs):
            return all(terminates(b) for b in bs)
        case Pick(body=body):
            return terminates(body)
        case _:
            return False


def _diverts(s: Stmt) -> bool:
    """`s` contains a `Goto`/`Done`/`Pick` somewhere inside it."""
    match s:
        case Goto() | Done() | Pick():
            return True
        case If(then=t, orelse=o):
            return any(_diverts(x) for x in (*t, *o))
        case Either(branches=bs):
            return any(_diverts(x) for b in bs for x in b)
        case _:
            return False


def close_block(block: Sequence[Stmt], k: Block) -> Block:
    """Append continuation `k` to every path of `block` that falls off its end.

    NOTE(closing): the IR keeps one canonical shape that every engine can run: a `Goto`
    or `Done` is always the last statement of its block, a `Pick` takes the rest of its
    block as its body, and an `If`/`Either` that contains a `Goto`/`Done`/`Pick` is the
    last statement of its block (its branches get the continuation). Other `If`s and
    `Either`s stay in sequence, so consecutive conditionals do not duplicate code.
    """
    out: list[Stmt] = []
    items = list(block)
    for i, s in enumerate(items):
        rest = tuple(items[i + 1 :])
        match s:
            case Goto() | Done():
                out.append(s)
                return tuple(out)
            case Pick():
                out.append(replace(s, body=close_block((*s.body, *rest), k)))
                return tuple(out)
            case If() if _diverts(s) or (not rest and not k):
                tail = close_block(rest, k)
                out.append(
                    replace(s, then=close_block(s.then, tail), orelse=close_block(s.orelse, tail))
                )
                return tuple(out)
            case Either() if _diverts(s):
                tail = close_block(rest, k)
                out.append(replace(s, branches=tuple(close_block(b, tail) for b in s.branches)))
                return tuple(out)
            case _:
                out.append(s)
    return (*out, *k)


@dataclass(slots=True)
class VariantDelta:
    name: str
    extends: str
    span: Span | None
    defs: list[Def] = field(default_factory=list)
    globals: list[Var] = field(default_factory=list)
    fields: list[tuple[str, Var]] = field(default_factory=list)
    steps: list[tuple[str, str, Block, Span | None]] = field(default_factory=list)
    actors: list[tuple[Actor, Span | None]] = field(default_factory=list)
    init: list[Expr] = field(default_factory=list)
    overrides: list[str] = field(default_factory=list)


def close_actor(a: Actor) -> Actor:
    """Close every step: falling off its end goes to the next step, the last to `Done`."""
    steps = []
    for i, s in enumerate(a.steps):
        k: Block = (Goto(label=a.steps[i + 1].label),) if i + 1 < len(a.steps) else (Done(),)
        steps.append(replace(s, body=close_block(s.body, k)))
    return replace(a, steps=tuple(steps))


def variant_order(deltas: Sequence[VariantDelta], diags: list[Diagnostic]) -> list[VariantDelta]:
    """Variants in dependency order; unknown bases, cycles and duplicates are reported."""
    by_name: dict[str, VariantDelta] = {}
    for d in deltas:
        if d.name == "base" or d.name in by_name:
            diags.append(
                Diagnostic(
                    code="MBF202",
                    message=f"variant '{d.name}' is declared twice"
                    if d.name != "base"
                    else "'base' names the model itself, not a variant",
                    span=d.span,
                )
            )
            continue
        by_name[d.name] = d
    order: list[VariantDelta] = []
    state: dict[str, int] = {}  # 1 visiting, 2 done, 3 broken

    def visit(d: VariantDelta, chain: list[VariantDelta]) -> bool:
        if state.get(d.name) == 2:
            return True
        if state.get(d.name) == 3:
            return False
        if state.get(d.name) == 1:
            cyc = chain[chain.index(d) :]
            diags.append(
                Diagnostic(
                    code="MBF404",
                    message="variants extend each other in a cycle: "
                    + " -> ".join(f"'{x.name}'" for x in [*cyc, d]),
                    span=d.span,
                    related=tuple(
                        Related(span=x.span, message=f"'{x.name}' extends '{x.extends}'")
                        for x in cyc
                    ),
                )
            )
            for x in cyc:
                state[x.name] = 3
            return False
        state[d.name] = 1
        ok = True
        if d.extends != "base":
            parent = by_name.get(d.extends)
            if parent is None:
                diags.append(
                    Diagnostic(
                        code="MBF404",
                        message=f"variant '{d.name}' extends unknown variant '{d.extends}'",
                        span=d.span,
                        hint=did_you_mean(d.extends, ["base", *by_name]),
                    )
                )
                ok = False
            else:
                ok = visit(parent, [*chain, d])
        if state.get(d.name) == 3:
            return False
        state[d.name] = 2 if ok else 3
        if ok:
            order.append(d)
        return ok

    for d in by_name.values():
        visit(d, [])
    return order


def apply_variant(parent: Model, d: VariantDelta, diags: list[Diagnostic]) -> Model:
    """`parent` with the variant's replacements and additions."""
    defs = list(parent.defs)
    for new in d.defs:
        names = [x.name for x in defs]
        if new.name not in names:
            diags.append(
                Diagnostic(
                    code="MBF403",
                    message=f"variant '{d.name}' replaces definition '{new.name}', "
                    f"which '{d.extends}' does not have",
                    span=new.span or d.span,
                    hint=did_you_mean(new.name, names),
                )
            )
            continue
        defs[names.index(new.name)] = new
    colls = list(parent.collections)
    for cname, f in d.fields:
        if not any(c.name == cname for c in colls):
            diags.append(
                Diagnostic(
                    code="MBF201",
                    message=f"variant '{d.name}' adds a field to unknown collection '{cname}'",
                    span=f.span or d.span,
                    hint=did_you_mean(cname, [c.name for c in colls]),
                )
            )
            continue
        colls = [replace(c, fields=(*c.fields, f)) if c.name == cname else c for c in colls]
    actors = {a.name: a for a in parent.actors}
    for new_actor, span in d.actors:
        if new_actor.name not in actors:
            diags.append(
                Diagnostic(
                    code="MBF403",
                    message=f"variant '{d.name}' replaces actor '{new_actor.name}', "
                    f"which '{d.extends}' does not have",
                    span=span or d.span,
                    hint=did_you_mean(new_actor.name, list(actors)),
                )
            )
            continue
        actors[new_actor.name] = close_actor(new_actor)
    for aname, label, body, span in d.steps:
        actor = actors.get(aname)
        if actor is None or label not in actor.labels:
            known = list(actors) if actor is None else list(actor.labels)
            what = f"actor '{aname}'" if actor is None else f"step '{aname}.{label}'"
            diags.append(
                Diagnostic(
                    code="MBF403",
                    message=f"variant '{d.name}' replaces {what}, "
                    f"which '{d.extends}' does not have",
                    span=span or d.span,
                    hint=did_you_mean(aname if actor is None else label, known),
                )
            )
            continue
        i = actor.labels.index(label)
        k: Block = (
            (Goto(label=actor.steps[i + 1].label),) if i + 1 < len(actor.steps) else (Done(),)
        )
        steps = list(actor.steps)
        steps[i] = replace(steps[i], body=close_block(body, k), span=span or steps[i].span)
        actors[aname] = replace(actor, steps=tuple(steps))
    return replace(
        parent,
        variant=d.name,
        extends=d.extends,
        overrides=tuple(d.overrides),
        globals=(*parent.globals, *d.globals),
        collections=tuple(colls),
        defs=tuple(defs),
        actors=tuple(actors.values()),
        init=(*parent.init, *d.init),
        span=d.span,
    )
