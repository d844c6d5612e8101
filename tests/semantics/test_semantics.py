"""The executable semantics: every construct of NOTE(step semantics) on tiny models."""

from __future__ import annotations

from dataclasses import replace

import pytest

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
    BoolLit,
    Bound,
    Call,
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
    Step,
    Stmt,
    Unary,
    UnOp,
    Var,
)
from mbind_formal.semantics.relation import Semantics, SemanticsError, Transition

FLAG = EnumType("Flag", ("A", "B", "C"))
PAGE = IndexType("Page")
X, Y = GlobalVar(name="x"), GlobalVar(name="y")


def i(v: int) -> IntLit:
    return IntLit(value=v)


def b(v: bool) -> BoolLit:
    return BoolLit(value=v)


def op(o: BinOp, left: Expr, right: Expr) -> Binary:
    return Binary(op=o, left=left, right=right)


def fa(var: str, dom: IndexType | RangeType | EnumType, body: Expr, all_: bool = True) -> Quant:
    kind = Quantifier.FORALL if all_ else Quantifier.EXISTS
    return Quant(kind=kind, var=var, domain=dom, body=body)


def flag(name: str) -> EnumLit:
    return EnumLit(enum=FLAG, value=name)


def page_field(index: Expr, name: str = "lru") -> Field:
    return Field(collection="Page", name=name, index=index)


def mk(
    *steps: Step,
    gvars: tuple[Var, ...] = (),
    instances: int = 1,
    locals_: tuple[Var, ...] = (),
    pages: int = 0,
    fields: tuple[Var, ...] = (),
    defs: tuple[Def, ...] = (),
    init: tuple[Expr, ...] = (),
    extra: tuple[Actor, ...] = (),
) -> Model:
    colls = (Collection(name="Page", size=pages, fields=fields),) if pages else ()
    actor = Actor(name="a", steps=steps, instances=instances, locals=locals_)
    return Model(
        name="t",
        variant="base",
        enums=(FLAG,),
        collections=colls,
        globals=gvars,
        actors=(actor, *extra),
        defs=defs,
        init=init,
    )


def gvar(name: str, t: RangeType | EnumType | SetType | IndexType, init: Expr | None = None) -> Var:
    return Var(name=name, type=t, init=InitAny() if init is None else InitValue(value=init))


def step(label: str, *body: Stmt) -> Step:
    return Step(label=label, body=body)


R = RangeType(0, 3)


def only_init(sem: Semantics) -> tuple[int | bool, ...]:
    (s,) = list(sem.initial_states())
    return s


def succ(m: Model) -> list[Transition]:
    sem = Semantics(m)
    return list(sem.successors(only_init(sem)))


# --------------------------------------------------------------------------- steps


def test_writes_within_a_step_are_sequential() -> None:
    m = mk(
        step(
            "s",
            Assign(target=X, value=i(1)),
            Assign(target=Y, value=op(BinOp.ADD, X, i(1))),
            Done(),
        ),
        gvars=(gvar("x", R, i(0)), gvar("y", R, i(0))),
    )
    (t,) = succ(m)
    assert t.state == (1, 2, 1)  # x, y, a.pc == done
    assert (t.actor, t.instance, t.label, t.choices) == ("a", 0, "s", ())


def test_out_of_range_store_of_a_guarded_variable_disables_the_path_and_is_counted() -> None:
    m = mk(
        step("s", Either(branches=((Assign(target=X, value=i(4)), Done()), (Done(),)))),
        gvars=(replace(gvar("x", R, i(3)), guarded=True),),
    )
    sem = Semantics(m)
    ts = list(sem.successors(only_init(sem)))
    assert [t.choices for t in ts] == [(("either", 1),)]
    assert sem.blocked_stores() == {("a", "s"): 1}
    assert sem.bad_stores(only_init(sem)) == ()


def test_out_of_range_store_is_a_type_violation_of_the_state_before_it() -> None:
    """ir.model NOTE(type rule): the path is still disabled, and the state is named bad."""
    m = mk(
        step("s", Either(branches=((Assign(target=X, value=i(4)), Done()), (Done(),)))),
        gvars=(gvar("x", R, i(3)),),
    )
    sem = Semantics(m)
    ts = list(sem.successors(only_init(sem)))
    assert [t.choices for t in ts] == [(("either", 1),)]
    assert sem.blocked_stores() == {}
    (bad,) = sem.bad_stores(only_init(sem))
    assert (bad.actor, bad.label, bad.choices) == ("a", "s", (("either", 0),))
    assert (bad.target, bad.value, bad.type) == ("x", 4, "0..3")
    assert bad.describe("a s") == "type violation: x := 4 outside 0..3 (a s)"
    assert sem.bad_stores(ts[0].state) == ()


def test_storing_none_into_a_non_optional_element_is_blocked() -> None:
    m = mk(
        step("s", Assign(target=X, value=NoneLit(collection="Page")), Done()),
        gvars=(gvar("x", PAGE, ElemLit(collection="Page", index=0)),),
        pages=2,
    )
    assert succ(m) == []


def test_pick_and_either_fork_one_transition_per_path_in_order() -> None:
    p = Bound(name="p")
    m = mk(
        step(
            "s",
            Either(
                branches=(
                    (
                        Pick(
                            var="p",
                            domain=PAGE,
                            cond=page_field(p),
                            body=(Assign(target=page_field(p), value=b(False)), Goto(label="s")),
                        ),
                    ),
                    (Done(),),
                )
            ),
        ),
        pages=3,
        fields=(Var(name="lru", type=BOOL, init=InitIn(choices=(b(True),))),),
    )
    ts = succ(m)
    assert [t.choices for t in ts] == [
        (("either", 0), ("p", 0)),
        (("either", 0), ("p", 1)),
        (("either", 0), ("p", 2)),
        (("either", 1),),
    ]
    assert [t.state for t in ts] == [
        (False, True, True, 0),
        (True, False, True, 0),
        (True, True, False, 0),
        (True, True, True, 1),
    ]


def test_pick_without_candidates_and_failed_await_disable_the_step() -> None:
    m = mk(
        step(
            "s", Pick(var="v", domain=R, cond=op(BinOp.GT, Bound(name="v"), i(5)), body=(Done(),))
        ),
        extra=(
            Actor(
                name="w",
                steps=(step("w", Await(cond=op(BinOp.EQ, X, i(1))), Done()),),
            ),
        ),
        gvars=(gvar("x", R, i(0)),),
    )
    sem = Semantics(m)
    s = only_init(sem)
    assert list(sem.successors(s)) == []
    assert not sem.is_final(s)
    assert sem.enabled_steps(s) == ()


def test_if_branches_and_falling_off_a_step_continues_at_the_next() -> None:
    m = mk(
        step(
            "s",
            If(
                cond=op(BinOp.EQ, X, i(0)),
                then=(Assign(target=Y, value=i(1)),),
                orelse=(Goto(label="s"),),
            ),
        ),
        step("t", Done()),
        gvars=(gvar("x", R, i(0)), gvar("y", R, i(0))),
    )
    (t,) = succ(m)
    assert t.state == (0, 1, 1)  # fell through to step `t`


def test_final_states_have_no_successors() -> None:
    m = mk(step("s", Done()))
    sem = Semantics(m)
    (t,) = list(sem.successors(only_init(sem)))
    assert sem.is_final(t.state)
    assert list(sem.successors(t.state)) == []


def test_instances_run_in_order_with_their_own_locals_and_self() -> None:
    me = LocalVar(name="me")
    m = mk(
        step(
            "s",
            Assign(target=me, value=SelfRef()),
            Assign(target=X, value=op(BinOp.ADD, X, i(1))),
            Done(),
        ),
        gvars=(gvar("x", R, i(0)),),
        instances=2,
        locals_=(Var(name="me", type=RangeType(0, 1), init=InitValue(value=i(0))),),
    )
    ts = succ(m)
    assert [(t.instance, t.state) for t in ts] == [(0, (1, 1, 0, 0, 0)), (1, (1, 0, 0, 1, 1))]


# --------------------------------------------------------------------------- expressions


def evaluator(**kw: object) -> tuple[Semantics, tuple[int | bool, ...]]:
    m = mk(step("s", Done()), **kw)  # type: ignore[arg-type]
    sem = Semantics(m)
    return sem, only_init(sem)


def test_next_walks_elements_and_ends_in_none() -> None:
    sem, s = evaluator(pages=3, fields=(Var(name="lru", type=BOOL, init=InitValue(value=b(True))),))
    nxt = [
        sem.eval(Unary(op=UnOp.NEXT, arg=ElemLit(collection="Page", index=k)), s) for k in range(3)
    ]
    assert nxt == [1, 2, -1]


def test_set_operators_are_bitmasks_within_the_enum() -> None:
    flags = GlobalVar(name="flags")
    sem, s = evaluator(
        gvars=(gvar("flags", SetType(FLAG), SetLit(enum=FLAG, items=(flag("A"), flag("C")))),)
    )
    assert s[0] == 0b101
    compl = Unary(op=UnOp.COMPL, arg=flags)
    assert sem.eval(compl, s) == 0b010
    assert sem.eval(Unary(op=UnOp.NONEMPTY, arg=compl), s) is True
    empty = SetLit(enum=FLAG, items=())
    assert sem.eval(Unary(op=UnOp.NONEMPTY, arg=op(BinOp.INTER, flags, compl)), s) is False
    assert sem.eval(op(BinOp.IN, flag("C"), flags), s) is True
    assert sem.eval(op(BinOp.IN, flag("B"), flags), s) is False
    assert sem.eval(op(BinOp.UNION, empty, SetLit(enum=FLAG, items=(flag("B"),))), s) == 0b010
    dynamic = SetLit(enum=FLAG, items=(Ite(cond=b(True), then=flag("B"), orelse=flag("A")),))
    assert sem.eval(dynamic, s) == 0b010


def test_quantifiers_over_collections_and_finite_types() -> None:
    p = Bound(name="p")
    sem, s = evaluator(
        pages=3,
        fields=(Var(name="n", type=R, init=InitValue(value=i(2))),),
    )
    n = page_field(p, "n")
    assert sem.eval(fa("p", PAGE, op(BinOp.EQ, n, i(2))), s) is True
    assert sem.eval(fa("p", PAGE, op(BinOp.EQ, n, i(3)), all_=False), s) is False
    v = Bound(name="v")
    assert sem.eval(fa("v", R, op(BinOp.LE, v, i(3))), s) is True
    assert sem.eval(fa("v", FLAG, op(BinOp.EQ, v, flag("C")), all_=False), s) is True
    nested = fa("p", PAGE, fa("q", PAGE, op(BinOp.EQ, n, page_field(Bound(name="q"), "n"))))
    assert sem.eval(nested, s) is True


def test_definitions_are_called_with_their_own_parameters() -> None:
    a, c = Bound(name="a"), Bound(name="c")
    add = Def(
        name="add",
        params=(Param(name="a", type=R), Param(name="c", type=R)),
        body=op(BinOp.ADD, a, c),
    )
    twice = Def(name="twice", params=(Param(name="a", type=R),), body=Call(name="add", args=(a, a)))
    sem, s = evaluator(defs=(add, twice), gvars=(gvar("x", R, i(3)),))
    assert sem.eval(Call(name="add", args=(X, i(1))), s) == 4
    assert sem.eval(Call(name="twice", args=(Call(name="add", args=(i(1), i(1))),)), s) == 4
    # a bound name of the caller is not visible inside the definition's body
    assert sem.eval(fa("a", R, op(BinOp.EQ, Call(name="twice", args=(i(1),)), i(2))), s) is True


def test_labels_locals_and_all_done_read_from_outside() -> None:
    sem, s = evaluator(
        instances=2,
        locals_=(Var(name="r", type=R, init=InitValue(value=SelfRef())),),
    )
    inst1 = ActorLocal(actor="a", instance=i(1), name="r")
    assert sem.eval(inst1, s) == 1
    assert sem.eval(AtLabel(actor="a", instance=i(1), label="s"), s) is True
    assert sem.eval(AtLabel(actor="a", instance=i(1), label="done"), s) is False
    assert sem.eval(AllDone(), s) is False
    done = tuple(1 if sl.endswith("pc") else v for sl, v in zip(sem.layout.index, s, strict=True))
    assert sem.eval(AllDone(), done) is True and sem.is_final(done)


def test_reading_a_field_through_none_is_an_error() -> None:
    sem, s = evaluator(pages=1, fields=(Var(name="lru", type=BOOL, init=InitValue(value=b(True))),))
    with pytest.raises(SemanticsError):
        sem.eval(page_field(NoneLit(collection="Page")), s)


# --------------------------------------------------------------------------- initial states


def test_initial_states_enumerate_every_choice_and_respect_constraints() -> None:
    c = GlobalVar(name="c")
    m = mk(
        step("s", Done()),
        gvars=(
            Var(name="c", type=R, init=InitAny(), const=True),
            Var(name="x", type=R, init=InitValue(value=c)),  # reads the constant
            Var(name="y", type=R, init=InitIn(choices=(i(1), i(2), i(1)))),
        ),
        init=(op(BinOp.NE, c, i(0)),),
    )
    sem = Semantics(m)
    states = list(sem.initial_states())
    assert states == [(cv, cv, yv, 0) for cv in (1, 2, 3) for yv in (1, 2)]
    assume = op(BinOp.AND, op(BinOp.EQ, Y, i(2)), op(BinOp.LE, c, i(2)))
    assert list(sem.initial_states(assume)) == [(1, 1, 2, 0), (2, 2, 2, 0)]
    assert sem.is_initial((1, 1, 2, 0)) is None
    assert "x = 2" in str(sem.is_initial((1, 2, 2, 0)))
    assert "init constraint" in str(sem.is_initial((0, 0, 2, 0)))
    assert "assume" in str(sem.is_initial((3, 3, 1, 0), assume))


def test_field_inits_see_their_element_and_out_of_type_inits_are_dropped() -> None:
    m = mk(
        step("s", Done()),
        pages=3,
        fields=(Var(name="me", type=RangeType(0, 1), init=InitValue(value=SelfRef())),),
    )
    assert list(Semantics(m).initial_states()) == []  # Page[2].me = 2 is out of 0..1
    m2 = mk(
        step("s", Done()),
        pages=2,
        fields=(Var(name="me", type=PAGE, init=InitValue(value=SelfRef())),),
    )
    assert list(Semantics(m2).initial_states()) == [(0, 1, 0)]


def test_many_slots_with_a_restrictive_constraint_enumerate_quickly() -> None:
    # 16 slots of 0..3 is 4**16 combinations; pruning keeps the search tiny.
    gvars = tuple(Var(name=f"v{k}", type=R, init=InitAny()) for k in range(16))
    zero = tuple(op(BinOp.EQ, GlobalVar(name=f"v{k}"), i(0)) for k in range(15))
    m = mk(step("s", Done()), gvars=gvars, init=zero)
    assert len(list(Semantics(m).initial_states())) == 4


def test_state_checks_name_the_bad_slot() -> None:
    sem, s = evaluator(gvars=(gvar("x", R, i(0)),))
    assert sem.check_state(s) is None
    assert "x holds 7" in str(sem.check_state((7, 0)))
    assert "x holds True" in str(sem.check_state((True, 0)))
    assert "slots" in str(sem.check_state((0,)))
