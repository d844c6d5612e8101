"""Hand-built IR models with known state spaces for the explicit engine and scenario tests.

Each builder returns a `Model` (and the claims that go with it) written directly with
the `ir.model` dataclasses, so these tests do not depend on the DSL front end.
"""

from __future__ import annotations

from mbind_formal.ir.model import (
    BOOL,
    Actor,
    Assign,
    AtLabel,
    Await,
    Binary,
    BinOp,
    BoolLit,
    Bound,
    Claim,
    ClaimKind,
    Collection,
    Done,
    Either,
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
    Model,
    NoneLit,
    Pick,
    Quant,
    Quantifier,
    RangeType,
    SelfRef,
    Step,
    Stmt,
    Unary,
    UnOp,
    Var,
)


def lit(v: bool | int) -> Expr:
    return BoolLit(value=v) if isinstance(v, bool) else IntLit(value=v)


def bin_(op: BinOp, a: Expr, b: Expr) -> Expr:
    return Binary(op=op, left=a, right=b)


def not_(a: Expr) -> Expr:
    return Unary(op=UnOp.NOT, arg=a)


def at(actor: str, i: int, label: str) -> Expr:
    return AtLabel(actor=actor, instance=IntLit(value=i), label=label)


def step(label: str, *body: Stmt) -> Step:
    return Step(label=label, body=body)


def model(
    name: str,
    gvars: tuple[Var, ...],
    *actors: Actor,
    enums: tuple[EnumType, ...] = (),
    collections: tuple[Collection, ...] = (),
) -> Model:
    return Model(
        name=name,
        variant="base",
        enums=enums,
        collections=collections,
        globals=gvars,
        actors=actors,
    )


def always(name: str, prop: Expr, *witnesses: Expr, assume: Expr | None = None) -> Claim:
    return Claim(name=name, kind=ClaimKind.ALWAYS, prop=prop, witnesses=witnesses, assume=assume)


LOCK = GlobalVar(name="lock")


def mutex(buggy: bool) -> tuple[Model, Claim]:
    """Two processes and a lock; the buggy one tests and sets in two steps."""
    take = Assign(target=LOCK, value=lit(True))
    steps: tuple[Step, ...]
    if buggy:
        steps = (
            step("check", Await(cond=not_(LOCK)), Goto(label="set")),
            step("set", take, Goto(label="cs")),
        )
    else:
        steps = (step("acq", Await(cond=not_(LOCK)), take, Goto(label="cs")),)
    steps += (
        step("cs", Goto(label="rel")),
        step("rel", Assign(target=LOCK, value=lit(False)), Done()),
    )
    m = model(
        "mutex",
        (Var(name="lock", type=BOOL, init=InitValue(value=lit(False))),),
        Actor(name="p", steps=steps, instances=2),
    )
    claim = always(
        "exclusive",
        not_(bin_(BinOp.AND, at("p", 0, "cs"), at("p", 1, "cs"))),
        at("p", 0, "cs"),
    )
    return m, claim


X = GlobalVar(name="x")


def counter(guarded: bool = True) -> tuple[Model, Claim]:
    """x counts up to 3; the increment past 3 is range-blocked (x is guarded), so x == 3
    deadlocks; with `guarded=False` that increment is a type violation (ir.model
    NOTE(type rule)) of the state x == 3."""
    m = model(
        "counter",
        (Var(name="x", type=RangeType(0, 3), init=InitValue(value=lit(0)), guarded=guarded),),
        Actor(
            name="inc",
            steps=(
                step(
                    "loop", Assign(target=X, value=bin_(BinOp.ADD, X, lit(1))), Goto(label="loop")
                ),
            ),
        ),
    )
    return m, always("bounded", bin_(BinOp.LE, X, lit(3)), bin_(BinOp.EQ, X, lit(3)))


def two_locks() -> tuple[Model, Claim]:
    """Two threads take locks a and b in opposite orders: the classic deadlock."""
    a, b = GlobalVar(name="a"), GlobalVar(name="b")

    def thread(name: str, first: GlobalVar, second: GlobalVar) -> Actor:
        return Actor(
            name=name,
            steps=(
                step(
                    "one",
                    Await(cond=not_(first)),
                    Assign(target=first, value=lit(True)),
                    Goto(label="two"),
                ),
                step(
                    "two",
                    Await(cond=not_(second)),
                    Assign(target=second, value=lit(True)),
                    Goto(label="rel"),
                ),
                step(
                    "rel",
                    Assign(target=first, value=lit(False)),
                    Assign(target=second, value=lit(False)),
                    Done(),
                ),
            ),
        )

    init = InitValue(value=lit(False))
    m = model(
        "locks",
        (Var(name="a", type=BOOL, init=init), Var(name="b", type=BOOL, init=init)),
        thread("t1", a, b),
        thread("t2", b, a),
    )
    both = bin_(BinOp.AND, at("t1", 0, "rel"), at("t2", 0, "rel"))
    return m, always("never_both", not_(both), at("t1", 0, "rel"))


OWNER = EnumType("Owner", ("NONE", "RECL"))
PAGE = IndexType("Page")
PAGE_OPT = IndexType("Page", optional=True)


def fld(index: Expr, name: str) -> Field:
    return Field(collection="Page", name=name, index=index)


def pages(size: int = 3) -> tuple[Model, Claim, Claim]:
    """Interchangeable pages, reclaimers that isolate and put back any of them, and one
    `link` actor per page pointing its page at another: symmetric, with references.

    Returns the model, a claim that holds and one that is violated.
    """
    p, q = Bound(name="p"), Bound(name="q")
    recl = EnumLit(enum=OWNER, value="RECL")
    none = EnumLit(enum=OWNER, value="NONE")
    last = GlobalVar(name="last")
    reclaim = Actor(
        name="reclaim",
        instances=2,
        steps=(
            step(
                "iso",
                Either(
                    branches=(
                        (
                            Pick(
                                var="p",
                                domain=PAGE,
                                cond=fld(p, "lru"),
                                body=(
                                    Assign(target=fld(p, "lru"), value=lit(False)),
                                    Assign(target=fld(p, "owner"), value=recl),
                                    Assign(target=last, value=p),
                                    Goto(label="put"),
                                ),
                            ),
                        ),
                        (Done(),),
                    )
                ),
            ),
            step(
                "put",
                Pick(
                    var="p",
                    domain=PAGE,
                    cond=bin_(BinOp.EQ, fld(p, "owner"), recl),
                    body=(
                        Assign(target=fld(p, "lru"), value=lit(True)),
                        Assign(target=fld(p, "owner"), value=none),
                        Goto(label="iso"),
                    ),
                ),
            ),
        ),
    )
    link = Actor(
        name="link",
        instances=size,
        self_collection="Page",
        steps=(
            step(
                "link",
                Pick(
                    var="q",
                    domain=PAGE,
                    cond=bin_(BinOp.NE, q, SelfRef()),
                    body=(Assign(target=fld(SelfRef(), "buddy"), value=q), Done()),
                ),
            ),
        ),
    )
    coll = Collection(
        name="Page",
        size=size,
        symmetric=True,
        fields=(
            Var(name="lru", type=BOOL, init=InitAny()),
            Var(name="owner", type=OWNER, init=InitValue(value=none)),
            Var(name="buddy", type=PAGE_OPT, init=InitValue(value=NoneLit(collection="Page"))),
        ),
    )
    m = model(
        "pages",
        (Var(name="last", type=PAGE_OPT, init=InitValue(value=NoneLit(collection="Page"))),),
        reclaim,
        link,
        enums=(OWNER,),
        collections=(coll,),
    )
    isolated = bin_(BinOp.EQ, fld(p, "owner"), recl)
    some_isolated = Quant(kind=Quantifier.EXISTS, var="p", domain=PAGE, body=isolated)
    holds = always(
        "isolated_off_lru",
        Quant(
            kind=Quantifier.FORALL,
            var="p",
            domain=PAGE,
            body=bin_(BinOp.IMPLIES, isolated, not_(fld(p, "lru"))),
        ),
        some_isolated,
    )
    two = Quant(
        kind=Quantifier.EXISTS,
        var="p",
        domain=PAGE,
        body=Quant(
            kind=Quantifier.EXISTS,
            var="q",
            domain=PAGE,
            body=bin_(
                BinOp.AND,
                bin_(BinOp.NE, p, q),
                bin_(BinOp.AND, isolated, bin_(BinOp.EQ, fld(q, "owner"), recl)),
            ),
        ),
    )
    violated = always("never_two_isolated", not_(two), some_isolated)
    return m, holds, violated


def cross_refs() -> Model:
    """Two symmetric collections referring to each other and to themselves, and an actor
    per page with a reference-valued local: every kind of slot a permutation renames."""
    vma_opt = IndexType("Vma", optional=True)
    any_ = InitAny()
    vma = Collection(
        name="Vma",
        size=2,
        symmetric=True,
        fields=(Var(name="page", type=PAGE_OPT, init=any_), Var(name="hot", type=BOOL, init=any_)),
    )
    page = Collection(
        name="Page",
        size=3,
        symmetric=True,
        fields=(
            Var(name="vma", type=vma_opt, init=any_),
            Var(name="buddy", type=PAGE_OPT, init=any_),
            Var(name="lru", type=BOOL, init=any_),
        ),
    )
    watcher = Actor(
        name="w",
        instances=3,
        self_collection="Page",
        locals=(Var(name="seen", type=vma_opt, init=any_),),
        steps=(step("look", Done()),),
    )
    return model(
        "cross",
        (Var(name="cur", type=PAGE_OPT, init=any_),),
        watcher,
        collections=(vma, page),
    )
