"""Validation of IR specs built in Python: the same checks the DSL gets."""

from __future__ import annotations

from collections.abc import Callable

from mbind_formal import SpecBuilder, validate
from mbind_formal.build.spec import ActorBuilder, CollectionBuilder
from mbind_formal.diagnostics import Diagnostic, Severity
from mbind_formal.ir.model import (
    BOOL,
    Actor,
    Assign,
    AtLabel,
    BoolLit,
    Call,
    Claim,
    ClaimKind,
    Collection,
    Def,
    Done,
    ElemLit,
    EnumLit,
    EnumType,
    GlobalVar,
    Goto,
    IndexType,
    InitValue,
    IntLit,
    Model,
    Param,
    RangeType,
    Scenario,
    Spec,
    Step,
    Var,
)


def spec_of(
    *,
    globals_: tuple[Var, ...] = (),
    steps: tuple[Step, ...] = (),
    defs: tuple[Def, ...] = (),
    collections: tuple[Collection, ...] = (),
    enums: tuple[EnumType, ...] = (),
    claims: tuple[Claim, ...] = (),
    locals_: tuple[Var, ...] = (),
) -> Spec:
    actor = Actor(name="a", steps=steps, locals=locals_)
    model = Model(
        name="m",
        variant="base",
        enums=enums,
        collections=collections,
        globals=globals_,
        actors=(actor,),
        defs=defs,
    )
    return Spec(name="m", models=(model,), claims=claims)


def codes(diags: tuple[Diagnostic, ...]) -> list[str]:
    return sorted(d.code for d in diags if d.is_error)


def built(setup: Callable[[SpecBuilder, ActorBuilder, CollectionBuilder], None]) -> list[str]:
    """Codes of the errors of a small builder model extended by `setup`."""
    b = SpecBuilder("m")
    page = b.collection("Page", 2)
    page.var("lru", BOOL, True)
    a = b.actor("a")
    setup(b, a, page)
    _, diags = b.finish()
    return codes(diags)


X = Var(name="x", type=BOOL, init=InitValue(value=BoolLit(value=False)))


def test_a_good_model_has_no_diagnostics() -> None:
    assert validate(spec_of(globals_=(X,), steps=(Step(label="s", body=(Done(),)),))) == ()


def test_unknown_global_has_a_did_you_mean_hint() -> None:
    body = (Assign(target=GlobalVar(name="y"), value=BoolLit(value=True)), Done())
    diags = validate(spec_of(globals_=(X,), steps=(Step(label="s", body=body),)))
    assert [(d.code, d.message) for d in diags] == [("MBF201", "unknown name 'y'")]
    one = spec_of(
        globals_=(Var(name="lock", type=BOOL),),
        steps=(
            Step(
                label="s",
                body=(Assign(target=GlobalVar(name="lokc"), value=BoolLit(value=True)), Done()),
            ),
        ),
    )
    assert validate(one)[0].hint == "did you mean 'lock'?"


def test_paths_must_end_in_goto_or_done() -> None:
    body = (Assign(target=GlobalVar(name="x"), value=BoolLit(value=True)),)
    diags = validate(spec_of(globals_=(X,), steps=(Step(label="s", body=body),)))
    assert codes(diags) == ["MBF413"]


def test_statements_after_goto_are_unreachable() -> None:
    body = (Goto(label="s"), Done())
    assert codes(validate(spec_of(steps=(Step(label="s", body=body),)))) == ["MBF402"]


def test_goto_target_must_exist() -> None:
    diags = validate(spec_of(steps=(Step(label="start", body=(Goto(label="strat"),)),)))
    assert [(d.code, d.hint) for d in diags] == [("MBF204", "did you mean 'start'?")]


def test_recursive_definitions_are_reported_and_do_not_hang() -> None:
    f = Def(name="f", params=(), body=Call(name="g", args=()))
    g = Def(name="g", params=(), body=Call(name="f", args=()))
    diags = validate(spec_of(defs=(f, g), steps=(Step(label="s", body=(Done(),)),)))
    assert set(codes(diags)) == {"MBF406"}


def test_collection_needs_an_element() -> None:
    diags = validate(spec_of(collections=(Collection(name="Page", size=0),)))
    assert codes(diags) == ["MBF409"]


def test_assignment_to_a_constant() -> None:
    def setup(b: SpecBuilder, a: ActorBuilder, page: CollectionBuilder) -> None:
        limit = b.const("limit", "0..3", 1)
        a.step("s", [b.assign(limit, 2)])

    assert built(setup) == ["MBF303"]


def test_literal_out_of_range_and_none_into_a_plain_element() -> None:
    def setup(b: SpecBuilder, a: ActorBuilder, page: CollectionBuilder) -> None:
        n = b.var("n", "0..3", 0)
        cur = a.var("cur", "Page", page[0])
        a.step("s", [b.assign(n, 4), b.assign(cur, b.none(page)), b.assign(n, b.add(n, 1))])

    assert built(setup) == ["MBF304", "MBF304"]


def test_field_read_through_an_optional_element() -> None:
    def setup(b: SpecBuilder, a: ActorBuilder, page: CollectionBuilder) -> None:
        cur = a.var("cur", "Page?", b.none(page))
        a.step("s", [b.assign(b.field(cur, "lru", collection=page), False)])

    b = SpecBuilder("m")
    page = b.collection("Page", 2)
    page.var("lru", BOOL, True)
    a = b.actor("a")
    setup(b, a, page)
    _, diags = b.finish()
    assert codes(diags) == ["MBF306"]
    assert diags[0].hint is not None and "none" in diags[0].hint


def test_in_needs_an_enum_and_a_set_of_it() -> None:
    def setup(b: SpecBuilder, a: ActorBuilder, page: CollectionBuilder) -> None:
        b.enum("Kind", "ANON", "FILE")
        b.enum("Owner", "NONE", "MBIND")
        a.step("s", [b.await_(b.in_("ANON", b.set("NONE")))])

    assert built(setup) == ["MBF301"]


def test_wrong_number_of_arguments() -> None:
    def setup(b: SpecBuilder, a: ActorBuilder, page: CollectionBuilder) -> None:
        lru = b.define("lru", {"p": page}, lambda p: b.field(p, "lru"))
        a.step("s", [b.await_(lru(page[0], page[1]))])

    assert built(setup) == ["MBF302"]


def test_conditions_must_be_bool() -> None:
    def setup(b: SpecBuilder, a: ActorBuilder, page: CollectionBuilder) -> None:
        b.enum("Owner", "NONE", "MBIND")
        a.step("s", [b.await_("NONE")])

    assert built(setup) == ["MBF301"]


def test_duplicates_and_enum_values_in_two_enums() -> None:
    e1 = EnumType("Owner", ("NONE", "MBIND"))
    e2 = EnumType("State", ("NONE",))
    diags = validate(
        spec_of(enums=(e1, e2), globals_=(X, X), steps=(Step(label="s", body=(Done(),)),))
    )
    assert codes(diags) == ["MBF202", "MBF209"]


def test_unknown_label_in_at_and_unknown_actor() -> None:
    claim = Claim(
        name="c",
        kind=ClaimKind.ALWAYS,
        prop=AtLabel(actor="a", instance=IntLit(value=0), label="strat"),
        witnesses=(AtLabel(actor="b", instance=IntLit(value=0), label="done"),),
    )
    diags = validate(spec_of(steps=(Step(label="start", body=(Done(),)),), claims=(claim,)))
    assert codes(diags) == ["MBF204", "MBF205"]


def test_element_literal_of_a_symmetric_collection_is_an_error() -> None:
    coll = Collection(name="Page", size=2, fields=(Var(name="lru", type=BOOL),), symmetric=True)
    claim = Claim(
        name="c",
        kind=ClaimKind.ALWAYS,
        prop=BoolLit(value=True),
        witnesses=(GlobalVar(name="x"),),
    )
    body = (Assign(target=GlobalVar(name="cur"), value=ElemLit(collection="Page", index=1)), Done())
    cur = Var(name="cur", type=IndexType("Page"))
    diags = validate(
        spec_of(
            collections=(coll,),
            globals_=(X, cur),
            steps=(Step(label="s", body=body),),
            claims=(claim,),
        )
    )
    assert codes(diags) == ["MBF405"]
    assert "Page[1]" in diags[0].message


def test_a_for_loop_on_a_symmetric_collection_only_warns() -> None:
    b = SpecBuilder("m")
    page = b.collection("Page", 2, symmetric=True)
    page.var("lru", BOOL, True)
    a = b.actor("a")
    p = a.var("p", "Page", page[0])
    a.step(
        "walk",
        [
            b.assign(b.field(p, "lru"), False),
            b.if_(
                b.eq(p, page[1]),
                [b.assign(p, page[0]), b.done()],
                [b.assign(p, b.next_(p)), b.goto("walk")],
            ),
        ],
    )
    _, diags = b.finish()
    assert [(d.code, d.severity) for d in diags] == [("MBF405", Severity.WARNING)]
    assert "ordered walk" in diags[0].message


def test_ordered_comparison_in_a_claim_warns() -> None:
    b = SpecBuilder("m")
    page = b.collection("Page", 2, symmetric=True)
    page.var("lru", BOOL, True)
    b.actor("a").step("s", [])
    b.claim(
        "c",
        always=b.forall(page, lambda p: b.forall(page, lambda q: b.implies(b.lt(p, q), True))),
        reachable=[True],
    )
    _, diags = b.finish()
    assert [(d.code, d.severity) for d in diags] == [("MBF405", Severity.WARNING)]


def test_claim_without_witness_warns() -> None:
    b = SpecBuilder("m")
    b.actor("a").step("s", [])
    b.claim("c", always=True)
    _, diags = b.finish()
    assert [(d.code, d.severity) for d in diags] == [("MBF407", Severity.WARNING)]


def test_claims_are_typed_against_every_variant() -> None:
    b = SpecBuilder("m")
    b.enum("Owner", "NONE", "MBIND")
    b.define("busy", {}, True)
    b.actor("a").step("s", [])
    v = b.variant("v2")
    v.define("busy", {}, "NONE")
    b.claim("c", always=b.call("busy"), reachable=[True])
    _, diags = b.finish()
    assert codes(diags) == ["MBF301"]
    assert any("variant 'v2'" in r.message for r in diags[0].related)


def test_scenarios_name_known_actors_and_parameters() -> None:
    b = SpecBuilder("m")
    b.param("pages", 2)
    b.actor("mbind").step("s", [])
    b.add_scenario(
        Scenario(name="s", run=("mbnid",), expect=BoolLit(value=True), params=(("pgaes", 1),))
    )
    _, diags = b.finish()
    assert [(d.code, d.hint) for d in diags] == [
        ("MBF410", "did you mean 'mbind'?"),
        ("MBF410", "did you mean 'pages'?"),
    ]


def test_init_values_read_constants_only() -> None:
    x = Var(name="x", type=BOOL)
    y = Var(name="y", type=BOOL, init=InitValue(value=GlobalVar(name="x")))
    assert codes(validate(spec_of(globals_=(x, y)))) == ["MBF307"]
    cx = Var(name="x", type=BOOL, const=True)
    assert codes(validate(spec_of(globals_=(cx, y)))) == []


def test_enum_literal_of_an_undeclared_enum() -> None:
    ghost = EnumType("Ghost", ("BOO",))
    v = Var(name="g", type=RangeType(0, 1))
    d = Def(name="f", params=(Param(name="p", type=BOOL),), body=EnumLit(enum=ghost, value="BOO"))
    assert codes(validate(spec_of(globals_=(v,), defs=(d,)))) == ["MBF201"]
