"""Hand-built IR models and traces for the trace renderer tests.

`race_model()` is a small mbind-like race: two pages, an `mbind` actor that isolates a
page it picks and puts it back, and two `reclaim` instances that may isolate a page
for themselves. Traces are written as slot-name edits over the initial state, so the
tests read like the text they expect.
"""

from __future__ import annotations

from mbind_formal.ir.model import (
    BOOL,
    Actor,
    Assign,
    AtLabel,
    Binary,
    BinOp,
    BoolLit,
    Bound,
    Claim,
    ClaimKind,
    Collection,
    Done,
    Either,
    ElemLit,
    EnumLit,
    EnumType,
    Expr,
    Field,
    GlobalVar,
    Goto,
    IndexType,
    InitAny,
    InitValue,
    IntLit,
    LocalVar,
    Model,
    Pick,
    Quant,
    Quantifier,
    RangeType,
    SetLit,
    SetType,
    Step,
    Stmt,
    Unary,
    UnOp,
    Var,
)
from mbind_formal.semantics.layout import Layout, State, Value
from mbind_formal.trace.model import Trace, TraceKind, TraceStep

OWNER = EnumType("Owner", ("NONE", "MBIND", "RECLAIM"))
MFLAG = EnumType("MFlag", ("MPOL_MF_STRICT", "MPOL_MF_MOVE"))
PAGE = IndexType("Page")


def _owner(name: str) -> EnumLit:
    return EnumLit(enum=OWNER, value=name)


def _field(name: str, var: str = "p") -> Field:
    return Field(collection="Page", name=name, index=Bound(name=var))


def _count(op: BinOp) -> Assign:
    return Assign(
        target=GlobalVar(name="nr_isolated"),
        value=Binary(op=op, left=GlobalVar(name="nr_isolated"), right=IntLit(value=1)),
    )


def _take(who: str, then: str, *, counted: bool = True, only: int | None = None) -> Pick:
    """`pick p in Page where p.lru; p.lru = false; p.owner = WHO; nr_isolated++; goto THEN`
    (`only`: the pick is restricted to that element)."""
    cond: Expr = _field("lru")
    if only is not None:
        same = Binary(
            op=BinOp.EQ, left=Bound(name="p"), right=ElemLit(collection="Page", index=only)
        )
        cond = Binary(op=BinOp.AND, left=cond, right=same)
    body: list[Stmt] = [
        Assign(target=_field("lru"), value=BoolLit(value=False)),
        Assign(target=_field("owner"), value=_owner(who)),
    ]
    if counted:
        body.append(_count(BinOp.ADD))
    return Pick(var="p", domain=PAGE, cond=cond, body=(*body, Goto(label=then)))


def _give_back(who: str, *, counted: bool = True) -> Pick:
    body: list[Stmt] = [
        Assign(target=_field("lru"), value=BoolLit(value=True)),
        Assign(target=_field("owner"), value=_owner("NONE")),
    ]
    if counted:
        body.append(_count(BinOp.SUB))
    return Pick(
        var="p",
        domain=PAGE,
        cond=Binary(op=BinOp.EQ, left=_field("owner"), right=_owner(who)),
        body=(*body, Done()),
    )


def race_model(
    variant: str = "base",
    pages: int = 2,
    *,
    mbind_counted: bool = True,
    mbind_only: int | None = None,
    extra_var: bool = False,
    mbind_settle: bool = False,
) -> Model:
    """The race; the keyword options make variants: mbind's isolations not counted in
    `nr_isolated`, mbind restricted to one page, an extra global `has_unmovable`, an
    extra mbind step `settle` (`victim = Page[0]`) between isolate and putback."""
    settle = (
        (
            Step(
                label="settle",
                body=(
                    Assign(
                        target=GlobalVar(name="victim"), value=ElemLit(collection="Page", index=0)
                    ),
                    Goto(label="putback"),
                ),
            ),
        )
        if mbind_settle
        else ()
    )
    mbind = Actor(
        name="mbind",
        locals=(Var(name="ok", type=BOOL, init=InitValue(value=BoolLit(value=False))),),
        steps=(
            Step(
                label="isolate",
                body=(
                    Assign(target=LocalVar(name="ok"), value=BoolLit(value=True)),
                    _take(
                        "MBIND",
                        "settle" if mbind_settle else "putback",
                        counted=mbind_counted,
                        only=mbind_only,
                    ),
                ),
            ),
            *settle,
            Step(label="putback", body=(_give_back("MBIND", counted=mbind_counted),)),
        ),
    )
    reclaim = Actor(
        name="reclaim",
        instances=2,
        steps=(
            Step(
                label="scan",
                body=(Either(branches=((_take("RECLAIM", "putback"),), (Done(),))),),
            ),
            Step(label="putback", body=(_give_back("RECLAIM"),)),
        ),
    )
    extra = (
        (Var(name="has_unmovable", type=BOOL, init=InitValue(value=BoolLit(value=False))),)
        if extra_var
        else ()
    )
    return Model(
        name="race",
        variant=variant,
        enums=(OWNER, MFLAG),
        collections=(
            Collection(
                name="Page",
                size=pages,
                symmetric=True,
                fields=(
                    Var(name="movable", type=BOOL, init=InitAny(), const=True),
                    Var(name="lru", type=BOOL, init=InitValue(value=BoolLit(value=True))),
                    Var(name="owner", type=OWNER, init=InitValue(value=_owner("NONE"))),
                ),
            ),
        ),
        globals=(
            Var(
                name="flags",
                type=SetType(MFLAG),
                const=True,
                init=InitValue(
                    value=SetLit(
                        enum=MFLAG,
                        items=(
                            EnumLit(enum=MFLAG, value="MPOL_MF_STRICT"),
                            EnumLit(enum=MFLAG, value="MPOL_MF_MOVE"),
                        ),
                    )
                ),
            ),
            Var(name="nr_isolated", type=RangeType(0, 3), init=InitValue(value=IntLit(value=0))),
            Var(name="victim", type=IndexType("Page", optional=True), init=InitAny()),
            *extra,
        ),
        actors=(mbind, reclaim),
        source="race.mbf",
    )


def exclusive_claim() -> Claim:
    """`always forall p in Page: !(p.owner == MBIND && p.lru)` (holds in `race_model`)."""
    return Claim(
        name="exclusive",
        kind=ClaimKind.ALWAYS,
        prop=Quant(
            kind=Quantifier.FORALL,
            var="p",
            domain=PAGE,
            body=Unary(
                op=UnOp.NOT,
                arg=Binary(
                    op=BinOp.AND,
                    left=Binary(op=BinOp.EQ, left=_field("owner"), right=_owner("MBIND")),
                    right=_field("lru"),
                ),
            ),
        ),
    )


def never_two_claim() -> Claim:
    """`always nr_isolated < 2`: violated once two pages are isolated at the same time."""
    return Claim(
        name="never_two",
        kind=ClaimKind.ALWAYS,
        prop=Binary(op=BinOp.LT, left=GlobalVar(name="nr_isolated"), right=IntLit(value=2)),
    )


def initial(model: Model, **edits: Value) -> State:
    """The initial state with every slot at its declared value; edits by slot name
    (`Page_0_movable=True` for `Page[0].movable`: `_i_` stands for `[i].`)."""
    layout = Layout(model)
    values: list[Value] = []
    for slot in layout.slots:
        match slot.member:
            case "lru":
                values.append(True)
            case "flags":
                values.append(0b11)
            case "victim":
                values.append(-1)
            case "movable" | "ok" | "has_unmovable":
                values.append(False)
            case _:
                values.append(0)
    state = tuple(values)
    return edit(model, state, **edits)


def _slot_name(key: str) -> str:
    out = key
    for i in range(10):
        out = out.replace(f"_{i}_", f"[{i}].")
    return out


def edit(model: Model, state: State, **edits: Value) -> State:
    layout = Layout(model)
    values = list(state)
    for key, value in edits.items():
        values[layout.index[_slot_name(key)]] = value
    return tuple(values)


def step(
    model: Model,
    before: State,
    actor: str,
    instance: int,
    label: str,
    choices: tuple[tuple[str, Value], ...] = (),
    **edits: Value,
) -> TraceStep:
    return TraceStep(actor, instance, label, edit(model, before, **edits), choices)


def race_trace(model: Model) -> Trace:
    """reclaim[1] isolates Page[1], mbind isolates Page[0]: two pages isolated."""
    s0 = initial(model, Page_1_movable=True)
    s1 = step(
        model,
        s0,
        "reclaim",
        1,
        "scan",
        (("either", 0), ("p", 1)),
        **{"Page_1_lru": False, "Page_1_owner": 2, "nr_isolated": 1, "reclaim[1].pc": 1},
    )
    s2 = step(
        model,
        s1.state,
        "mbind",
        0,
        "isolate",
        (("p", 0),),
        **{
            "Page_0_lru": False,
            "Page_0_owner": 1,
            "nr_isolated": 2,
            "mbind.pc": 1,
            "mbind.ok": True,
        },
    )
    return Trace(
        variant=model.variant,
        init=s0,
        steps=(s1, s2),
        kind=TraceKind.VIOLATION,
        claim="never_two",
        engine="explicit",
    )


def mbind_alone_claim() -> Claim:
    """`always !(mbind@putback && nr_isolated == 2)`: mbind holds a page while two pages
    are counted as isolated."""
    return Claim(
        name="mbind_alone",
        kind=ClaimKind.ALWAYS,
        prop=Unary(
            op=UnOp.NOT,
            arg=Binary(
                op=BinOp.AND,
                left=AtLabel(actor="mbind", instance=IntLit(value=0), label="putback"),
                right=Binary(
                    op=BinOp.EQ, left=GlobalVar(name="nr_isolated"), right=IntLit(value=2)
                ),
            ),
        ),
    )
