"""Hypothesis strategies for small, well-typed random models (the engine agreement tests).

Named `model_strategies` rather than `strategies`: `tests/dsl/strategies.py` exists and
test directories are not packages, so two `strategies` modules collide for mypy (and for
`import strategies` under pytest).

A drawn `RandomCase` is an `ir.model` `Model` (built from the dataclasses, then passed
through `ir.validate`) with one claim: 2-3 pages with `lru: bool` and `owner: Owner`,
globals `flag: bool`, `cnt: 0..2` and the constant `mode: set<Flag>`, and 2-3 actors
(1-2 instances each, at most 4 instances) whose steps mix assignments (counts computed
with `+ - * / %` and `card`, whole-collection updates; some may store
out of range, which disables the path), `if`, `either`, `await`, `pick`, early `goto`,
`done` and a local `mine: Page?`. `render` prints a model and its claim in the spec
language's syntax, so a failing example reads like a spec.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import assert_never

from hypothesis import strategies as st

from mbind_formal.ir.model import (
    BOOL,
    Actor,
    ActorLocal,
    AllDone,
    Assign,
    AtLabel,
    Await,
    Binary,
    BinOp,
    Block,
    BoolLit,
    Bound,
    Call,
    Claim,
    ClaimKind,
    Collection,
    Def,
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
    Init,
    InitAny,
    InitIn,
    InitValue,
    IntLit,
    Ite,
    LocalVar,
    Model,
    NoneLit,
    Param,
    Pick,
    Quant,
    Quantifier,
    RangeType,
    SelfRef,
    SetLit,
    SetType,
    Spec,
    Step,
    Stmt,
    Type,
    Unary,
    UnOp,
    Var,
)
from mbind_formal.ir.validate import validate

OWNER = EnumType("Owner", ("NONE", "A", "B"))
FLAG = EnumType("Flag", ("X", "Y"))
PAGE = IndexType("Page")
PAGE_OPT = IndexType("Page", optional=True)
FLAG_VAR = GlobalVar(name="flag")
CNT = GlobalVar(name="cnt")
MODE = GlobalVar(name="mode")
MINE = LocalVar(name="mine")


@dataclass(frozen=True, slots=True)
class RandomCase:
    model: Model
    claim: Claim


@dataclass(frozen=True, slots=True)
class _Ctx:
    pages: int
    actors: tuple[tuple[str, int, tuple[str, ...]], ...]  # name, instances, labels
    actor: str | None = None  # whose step is being drawn
    labels: tuple[str, ...] = ()
    bound: tuple[str, ...] = ()  # page-valued names in scope


def _b(op: BinOp, a: Expr, b: Expr) -> Binary:
    return Binary(op=op, left=a, right=b)


# --------------------------------------------------------------------------- expressions


def _page(draw: st.DrawFn, ctx: _Ctx) -> Expr:
    options: list[Expr] = [ElemLit(collection="Page", index=i) for i in range(ctx.pages)]
    options += [Bound(name=n) for n in ctx.bound]
    return draw(st.sampled_from(options))


def _owner(draw: st.DrawFn, ctx: _Ctx) -> Expr:
    if draw(st.booleans()):
        return EnumLit(enum=OWNER, value=draw(st.sampled_from(OWNER.values)))
    return Field(collection="Page", name="owner", index=_page(draw, ctx))


def _count(draw: st.DrawFn) -> Expr:
    match draw(st.integers(0, 7)):
        case 0:
            return IntLit(value=draw(st.integers(0, 2)))
        case 1:
            return CNT
        case 2:
            return _b(BinOp.ADD, CNT, IntLit(value=1))
        case 3:
            return _b(BinOp.SUB, CNT, IntLit(value=1))
        case 4:  # products: the bit-vector width must hold both factors
            return _b(BinOp.MUL, _b(BinOp.ADD, CNT, IntLit(value=1)), CNT)
        case 5:  # floor division of a possibly negative dividend (-1 / 2 == -1)
            return _b(BinOp.DIV, _b(BinOp.SUB, CNT, IntLit(value=1)), IntLit(value=2))
        case 6:  # a set's cardinality
            return Unary(op=UnOp.CARD, arg=MODE)
        case _:  # the floor remainder lies in 0..divisor-1 (-2 % 3 == 1)
            return _b(BinOp.MOD, _b(BinOp.SUB, CNT, IntLit(value=2)), IntLit(value=3))


def _atom(draw: st.DrawFn, ctx: _Ctx, claim: bool) -> Expr:
    kinds = ["lit", "flag", "lru", "owner", "cnt", "mode", "at"]
    if ctx.actor is not None:
        kinds.append("mine")
    if claim:
        kinds += ["done", "local"]
    match draw(st.sampled_from(kinds)):
        case "lit":
            return BoolLit(value=draw(st.booleans()))
        case "flag":
            return FLAG_VAR
        case "lru":
            return Field(collection="Page", name="lru", index=_page(draw, ctx))
        case "owner":
            op = draw(st.sampled_from((BinOp.EQ, BinOp.NE)))
            return _b(op, _owner(draw, ctx), _owner(draw, ctx))
        case "cnt":
            op = draw(st.sampled_from((BinOp.EQ, BinOp.LT, BinOp.LE, BinOp.GE)))
            return _b(op, _count(draw), IntLit(value=draw(st.integers(0, 2))))
        case "mode":
            item = EnumLit(enum=FLAG, value=draw(st.sampled_from(FLAG.values)))
            if draw(st.booleans()):
                return _b(BinOp.IN, item, MODE)
            both = _b(BinOp.UNION, MODE, SetLit(enum=FLAG, items=(item,)))
            return Unary(
                op=UnOp.NONEMPTY, arg=_b(BinOp.INTER, both, Unary(op=UnOp.COMPL, arg=MODE))
            )
        case "at":
            name, count, labels = draw(st.sampled_from(ctx.actors))
            i = draw(st.integers(0, count - 1))
            label = draw(st.sampled_from((*labels, "done")))
            return AtLabel(actor=name, instance=IntLit(value=i), label=label)
        case "mine":
            return _b(
                BinOp.EQ,
                MINE,
                draw(st.sampled_from((NoneLit(collection="Page"), _page(draw, ctx)))),
            )
        case "done":
            return AllDone()
        case "local":
            name, count, _ = draw(st.sampled_from(ctx.actors))
            i = draw(st.integers(0, count - 1))
            mine = ActorLocal(actor=name, instance=IntLit(value=i), name="mine")
            return _b(BinOp.NE, mine, NoneLit(collection="Page"))
        case _:
            raise AssertionError("unreachable")


def _cond(draw: st.DrawFn, ctx: _Ctx, depth: int = 2, claim: bool = False) -> Expr:
    if depth <= 0 or draw(st.integers(0, 2)) == 0:
        return _atom(draw, ctx, claim)
    match draw(st.integers(0, 4)):
        case 0:
            return Unary(op=UnOp.NOT, arg=_cond(draw, ctx, depth - 1, claim))
        case 1:
            op = draw(st.sampled_from((BinOp.AND, BinOp.OR, BinOp.IMPLIES)))
            return _b(op, _cond(draw, ctx, depth - 1, claim), _cond(draw, ctx, depth - 1, claim))
        case 2:
            q = f"q{len(ctx.bound)}"
            inner = _Ctx(ctx.pages, ctx.actors, ctx.actor, ctx.labels, (*ctx.bound, q))
            kind = draw(st.sampled_from(Quantifier))
            body = _cond(draw, inner, depth - 1, claim)
            return Quant(kind=kind, var=q, domain=PAGE, body=body)
        case 3:
            return Ite(
                cond=_cond(draw, ctx, depth - 1, claim),
                then=_cond(draw, ctx, depth - 1, claim),
                orelse=_cond(draw, ctx, depth - 1, claim),
            )
        case _:
            return Call(name="busy", args=(_page(draw, ctx),))


# --------------------------------------------------------------------------- statements


def _assign(draw: st.DrawFn, ctx: _Ctx) -> Stmt:
    match draw(st.integers(0, 6)):
        case 0:
            return Assign(target=FLAG_VAR, value=_cond(draw, ctx, 1))
        case 1:
            return Assign(target=CNT, value=_count(draw))
        case 2:
            target = Field(collection="Page", name="lru", index=_page(draw, ctx))
            return Assign(target=target, value=_cond(draw, ctx, 1))
        case 3:
            target = Field(collection="Page", name="owner", index=_page(draw, ctx))
            return Assign(target=target, value=_owner(draw, ctx))
        case 4:
            value = draw(st.sampled_from((NoneLit(collection="Page"), _page(draw, ctx))))
            return Assign(target=MINE, value=value)
        case 5:  # `Page.owner = all v`: one store per element (v reads no owner)
            v = draw(st.sampled_from(OWNER.values))
            stores = tuple(
                Assign(
                    target=Field(
                        collection="Page",
                        name="owner",
                        index=ElemLit(collection="Page", index=i, every=True),
                    ),
                    value=EnumLit(enum=OWNER, value=v),
                )
                for i in range(ctx.pages)
            )
            return If(cond=FLAG_VAR, then=stores)
        case _:  # optional narrowing: `mine.lru` under `mine != none`
            target = Field(collection="Page", name="lru", index=MINE)
            test = _b(BinOp.NE, MINE, NoneLit(collection="Page"))
            return If(cond=test, then=(Assign(target=target, value=_cond(draw, ctx, 1)),))


def _end(draw: st.DrawFn, ctx: _Ctx) -> Stmt:
    if draw(st.booleans()):
        return Done()
    return Goto(label=draw(st.sampled_from(ctx.labels)))


def _block(draw: st.DrawFn, ctx: _Ctx, depth: int, tail: bool) -> Block:
    """A block; `tail`: every path of it must end in Goto/Done."""
    out: list[Stmt] = []
    for _ in range(draw(st.integers(0, 2))):
        if depth > 0 and draw(st.integers(0, 3)) == 0:
            c = _cond(draw, ctx, 1)
            then = _block(draw, ctx, depth - 1, tail=False)
            if draw(st.integers(0, 3)) == 0:
                then = (*then, _end(draw, ctx))  # an early exit: later statements are skipped
            out.append(If(cond=c, then=then, orelse=_block(draw, ctx, depth - 1, tail=False)))
        elif draw(st.integers(0, 4)) == 0:
            out.append(Await(cond=_cond(draw, ctx, 1)))
        else:
            out.append(_assign(draw, ctx))
    if not tail:
        return tuple(out)
    match draw(st.integers(0, 4)) if depth > 0 else 0:
        case 1:
            c = _cond(draw, ctx, 1)
            out.append(
                If(
                    cond=c,
                    then=_block(draw, ctx, depth - 1, True),
                    orelse=_block(draw, ctx, depth - 1, True),
                )
            )
        case 2:
            out.append(
                Either(
                    branches=(
                        _block(draw, ctx, depth - 1, True),
                        _block(draw, ctx, depth - 1, True),
                    )
                )
            )
        case 3:
            var = f"p{len(ctx.bound)}"
            inner = _Ctx(ctx.pages, ctx.actors, ctx.actor, ctx.labels, (*ctx.bound, var))
            c = _cond(draw, inner, 1)
            out.append(
                Pick(var=var, domain=PAGE, cond=c, body=_block(draw, inner, depth - 1, True))
            )
        case _:
            out.append(_end(draw, ctx))
    return tuple(out)


# --------------------------------------------------------------------------- models


def _prop(draw: st.DrawFn, ctx: _Ctx) -> Expr:
    """A claim's property, biased towards ones that often hold (an implication or a
    disjunction), so that proofs get exercised as much as counterexamples."""
    op = draw(st.sampled_from((BinOp.IMPLIES, BinOp.OR, BinOp.AND)))
    return _b(op, _cond(draw, ctx, 1, claim=True), _cond(draw, ctx, 1, claim=True))


def _init(draw: st.DrawFn, fixed: Expr, others: tuple[Expr, ...]) -> Init:
    match draw(st.integers(0, 3)):
        case 0:
            return InitAny()
        case 1:
            return InitIn(choices=(fixed, *others))
        case _:
            return InitValue(value=fixed)


@st.composite
def random_cases(draw: st.DrawFn) -> RandomCase:
    """A small well-typed model and one claim about it."""
    pages = draw(st.integers(2, 3))
    shapes: list[tuple[str, int, tuple[str, ...]]] = []
    budget = 4
    for k in range(draw(st.integers(2, 3))):
        count = draw(st.integers(1, min(2, budget - (2 - k))))
        budget -= count
        labels = tuple(f"s{j}" for j in range(draw(st.integers(1, 3))))
        shapes.append((f"t{k}", count, labels))
    actors_ctx = tuple(shapes)
    actors: list[Actor] = []
    for name, count, labels in shapes:
        ctx = _Ctx(pages, actors_ctx, name, labels)
        steps = tuple(Step(label=lab, body=_block(draw, ctx, 2, tail=True)) for lab in labels)
        mine = Var(name="mine", type=PAGE_OPT, init=InitValue(value=NoneLit(collection="Page")))
        actors.append(Actor(name=name, steps=steps, locals=(mine,), instances=count))
    true_, false_ = BoolLit(value=True), BoolLit(value=False)
    page = Collection(
        name="Page",
        size=pages,
        fields=(
            Var(name="lru", type=BOOL, init=_init(draw, true_, (false_,))),
            Var(
                name="owner",
                type=OWNER,
                init=_init(
                    draw, EnumLit(enum=OWNER, value="NONE"), (EnumLit(enum=OWNER, value="A"),)
                ),
            ),
        ),
    )
    glob = (
        Var(name="flag", type=BOOL, init=_init(draw, false_, (true_,))),
        # Stores out of 0..2 are type violations unless `cnt` is guarded (NOTE(type rule)).
        Var(
            name="cnt",
            type=RangeType(0, 2),
            init=_init(draw, IntLit(value=0), (IntLit(value=1),)),
            guarded=draw(st.booleans()),
        ),
        Var(name="mode", type=SetType(FLAG), const=True),
    )
    busy_body = _b(
        BinOp.OR,
        Unary(op=UnOp.NOT, arg=Field(collection="Page", name="lru", index=Bound(name="x"))),
        _b(
            BinOp.NE,
            Field(collection="Page", name="owner", index=Bound(name="x")),
            EnumLit(enum=OWNER, value="NONE"),
        ),
    )
    model = Model(
        # ir.model NOTE(deadlock): a deadlock violates every claim unless allowed
        allow_deadlock=draw(st.booleans()),
        name="random",
        variant="base",
        enums=(OWNER, FLAG),
        collections=(page,),
        globals=glob,
        actors=tuple(actors),
        defs=(Def(name="busy", params=(Param(name="x", type=PAGE),), body=busy_body),),
    )
    cctx = _Ctx(pages, actors_ctx)
    kind = draw(st.sampled_from((ClaimKind.ALWAYS, ClaimKind.FINAL)))  # safety claims
    prop = _prop(draw, cctx)
    # Starting inside the invariant (assume = the property) makes violations need steps;
    # without it most random invariants already fail in some initial state.
    flag_x = _b(BinOp.IN, EnumLit(enum=FLAG, value="X"), MODE)
    inside = prop if kind is ClaimKind.ALWAYS else BoolLit(value=True)
    both = _b(BinOp.AND, flag_x, inside)
    assume = draw(st.sampled_from((None, flag_x, inside, both)))
    claim = Claim(
        name="random",
        kind=kind,
        prop=prop,
        witnesses=tuple(_cond(draw, cctx, 1, claim=True) for _ in range(draw(st.integers(1, 2)))),
        assume=assume,
    )
    errors = [
        d for d in validate(Spec(name="random", models=(model,), claims=(claim,))) if d.is_error
    ]
    assert not errors, [d.message for d in errors]
    return RandomCase(model, claim)


# --------------------------------------------------------------------------- printing


def render(model: Model, claim: Claim | None = None) -> str:
    """`model` (and `claim`) in the spec language's syntax, for failure messages."""
    out = ["allow deadlock;"] if model.allow_deadlock else []
    out += [f"enum {e.name} {{ {', '.join(e.values)} }}" for e in model.enums]
    for c in model.collections:
        out.append(f"collection {c.name}[{c.size}] {{")
        out += [f"  {_var(v)}" for v in c.fields]
        out.append("}")
    out += [_var(v) for v in model.globals]
    out += [f"init {show(e)};" for e in model.init]
    for d in model.defs:
        params = ", ".join(f"{p.name}: {_type(p.type)}" for p in d.params)
        out.append(f"def {d.name}({params}) = {show(d.body)};")
    for a in model.actors:
        out.append(f"actor {a.name}[{a.instances}] {{")
        out += [f"  {_var(v)}" for v in a.locals]
        for step in a.steps:
            out.append(f"  {step.label}:")
            out += _stmts(step.body, 2)
        out.append("}")
    if claim is not None:
        out.append(f"claim {claim.name} {{")
        if claim.assume is not None:
            out.append(f"  assume {show(claim.assume)};")
        out.append(f"  {claim.kind.value} {show(claim.prop)};")
        out += [f"  reachable {show(w)};" for w in claim.witnesses]
        out.append("}")
    return "\n".join(out)


def _type(t: Type | None) -> str:
    match t:
        case None:
            return "pc"
        case EnumType(name=n):
            return n
        case RangeType(lo=lo, hi=hi):
            return f"{lo}..{hi}"
        case SetType(enum=e):
            return f"set<{e.name}>"
        case IndexType(collection=c, optional=o):
            return c + ("?" if o else "")
        case _:
            return "bool"


def _var(v: Var) -> str:
    kind = ("guarded " if v.guarded else "") + ("const" if v.const else "var")
    match v.init:
        case InitAny():
            init = ""
        case InitIn(choices=cs):
            init = " in {" + ", ".join(show(c) for c in cs) + "}"
        case InitValue(value=e):
            init = f" = {show(e)}"
        case _:
            assert_never(v.init)
    return f"{kind} {v.name}: {_type(v.type)}{init};"


def _stmts(block: Block, depth: int) -> list[str]:
    pad = "  " * depth
    out: list[str] = []
    for s in block:
        match s:
            case Assign(target=t, value=v):
                out.append(f"{pad}{show(t)} = {show(v)};")
            case If(cond=c, then=t, orelse=o):
                out.append(f"{pad}if ({show(c)}) {{")
                out += _stmts(t, depth + 1)
                out.append(f"{pad}}} else {{")
                out += _stmts(o, depth + 1)
                out.append(f"{pad}}}")
            case Either(branches=bs):
                for i, b in enumerate(bs):
                    out.append(f"{pad}{'either' if i == 0 else '} or'} {{")
                    out += _stmts(b, depth + 1)
                out.append(f"{pad}}}")
            case Await(cond=c):
                out.append(f"{pad}await {show(c)};")
            case Pick(var=v, domain=d, cond=c, body=b):
                out.append(f"{pad}pick {v} in {_type(d)} where {show(c)};")
                out += _stmts(b, depth)
            case Goto(label=lab):
                out.append(f"{pad}goto {lab};")
            case Done():
                out.append(f"{pad}done;")
            case _:
                assert_never(s)
    return out


def show(e: Expr) -> str:
    """An expression in spec syntax (fully parenthesised)."""
    match e:
        case BoolLit(value=v):
            return "true" if v else "false"
        case IntLit(value=v):
            return str(v)
        case EnumLit(value=v):
            return v
        case SetLit(items=items):
            return "{" + ", ".join(show(i) for i in items) + "}"
        case ElemLit(collection=c, index=i):
            return f"{c}[{i}]"
        case NoneLit():
            return "none"
        case GlobalVar(name=n) | LocalVar(name=n) | Bound(name=n):
            return n
        case SelfRef():
            return "self"
        case Field(name=n, index=i):
            return f"{show(i)}.{n}"
        case ActorLocal(actor=a, instance=i, name=n):
            return f"{a}[{show(i)}].{n}"
        case AtLabel(actor=a, instance=i, label=lab):
            return f"{a}[{show(i)}]@{lab}"
        case Unary(op=op, arg=a):
            if op in (UnOp.NONEMPTY, UnOp.NEXT, UnOp.CARD):
                return f"{op.value}({show(a)})"
            return f"{op.value}{show(a)}"
        case Binary(op=op, left=left, right=right):
            return f"({show(left)} {op.value} {show(right)})"
        case Ite(cond=c, then=t, orelse=o):
            return f"({show(c)} ? {show(t)} : {show(o)})"
        case Quant(kind=k, var=v, domain=d, body=b):
            return f"({k.value} {v} in {_type(d)}: {show(b)})"
        case Call(name=n, args=args):
            return f"{n}({', '.join(show(a) for a in args)})"
        case AllDone():
            return "all_done"
        case _:
            assert_never(e)
