"""The Python API builds exactly the IR the DSL does, and refuses what validation refuses."""

from __future__ import annotations

import pytest

from mbind_formal import SpecBuilder, load_text
from mbind_formal.build.spec import close_block
from mbind_formal.diagnostics import DiagnosticError
from mbind_formal.ir.model import (
    BOOL,
    Assign,
    Binary,
    BinOp,
    BoolLit,
    Bound,
    Done,
    Either,
    GlobalVar,
    Goto,
    If,
    IndexType,
    Pick,
    Quant,
    Quantifier,
    RangeType,
    SetType,
    Spec,
    Unary,
    UnOp,
)

SPEC_TEXT = """
param pages = 2;
enum Owner { NONE, MBIND }
enum MFlag { STRICT, MOVE }

symmetric collection Page[pages] {
  const kind: Owner in {NONE, MBIND};
  var lru: bool = true;
  var owner: Owner = NONE;
}
const flags: set<MFlag>;
var nr: 0..pages = 0;
init flags != {};

def candidate(p: Page): bool = p.lru && p.owner == NONE;

actor mbind {
  var ok: bool = false;
  isolate:
    pick p in Page where candidate(p);
    p.lru = false;
    p.owner = MBIND;
    nr += 1;
    if (flags & STRICT) { ok = true; }
  finish:
    await nr > 0;
}

actor reclaim[2] {
  go:
    either {
      pick q in Page where q.lru;
      q.lru = false;
      goto back;
    } or {
      done;
    }
  back:
    skip;
}

variant "v2" {
  def candidate(p: Page): bool = p.lru;
}
variant "v3" extends "v2" {
  step mbind.finish { await nr >= 0; }
}

claim c1 {
  assume flags == {STRICT};
  always forall p in Page: p.owner == MBIND => !p.lru;
  reachable nr == 1;
}

scenario s1 {
  with pages = 1;
  run mbind;
  expect nr == 1;
}
"""


def build_in_python() -> Spec:
    b = SpecBuilder("eq", source="eq.mbf")
    pages = b.param("pages", 2)
    owner = b.enum("Owner", "NONE", "MBIND")
    mflag = b.enum("MFlag", "STRICT", "MOVE")
    page = b.collection("Page", pages, symmetric=True)
    page.const("kind", owner, one_of=["NONE", "MBIND"])
    page.var("lru", BOOL, True)
    page.var("owner", owner, "NONE")
    flags = b.const("flags", SetType(mflag))
    nr = b.var("nr", RangeType(0, pages), 0)
    b.init(b.ne(flags, b.set(enum=mflag)))
    candidate = b.define(
        "candidate",
        {"p": page},
        lambda p: b.and_(b.field(p, "lru"), b.eq(b.field(p, "owner"), "NONE")),
    )

    mbind = b.actor("mbind")
    ok = mbind.var("ok", BOOL, False)
    mbind.step(
        "isolate",
        [
            b.pick(
                page,
                lambda p: [
                    b.assign(b.field(p, "lru"), False),
                    b.assign(b.field(p, "owner"), "MBIND"),
                    b.assign(nr, b.add(nr, 1)),
                    b.if_(b.inter(flags, "STRICT"), [b.assign(ok, True)]),
                ],
                where=lambda p: candidate(p),
            )
        ],
    )
    mbind.step("finish", [b.await_(b.gt(nr, 0))])

    reclaim = b.actor("reclaim", instances=2)
    reclaim.step(
        "go",
        [
            b.either(
                [
                    b.pick(
                        page,
                        lambda q: [b.assign(b.field(q, "lru"), False), b.goto("back")],
                        where=lambda q: b.field(q, "lru"),
                    )
                ],
                [b.done()],
            )
        ],
    )
    reclaim.step("back", [])

    v2 = b.variant("v2")
    v2.define("candidate", {"p": page}, lambda p: b.field(p, "lru"))
    v3 = b.variant("v3", extends="v2")
    v3.step("mbind", "finish", [b.await_(b.ge(nr, 0))])

    b.claim(
        "c1",
        assume=b.eq(flags, b.set("STRICT")),
        always=b.forall(
            page, lambda p: b.implies(b.eq(b.field(p, "owner"), "MBIND"), b.not_(b.field(p, "lru")))
        ),
        reachable=[b.eq(nr, 1)],
    )
    b.scenario("s1", run=["mbind"], expect=b.eq(nr, 1), params={"pages": 1})
    return b.build()


def test_python_and_dsl_build_equal_specs() -> None:
    result = load_text(SPEC_TEXT, "eq.mbf")
    assert result.spec is not None, [d.message for d in result.diagnostics]
    built = build_in_python()
    for dsl_model, py_model in zip(result.spec.models, built.models, strict=True):
        assert dsl_model == py_model, dsl_model.variant
    assert result.spec == built


def test_variants_record_what_they_replace() -> None:
    spec = build_in_python()
    assert spec.variants == ("base", "v2", "v3")
    assert spec.model("v2").overrides == ("candidate",)
    assert spec.model("v3").overrides == ("mbind.finish",)
    assert spec.model("v3").extends == "v2"
    assert spec.model("v3").definition("candidate") == spec.model("v2").definition("candidate")


def test_lambda_parameter_names_the_binder() -> None:
    b = SpecBuilder("m")
    page = b.collection("Page", 2)
    page.var("lru", BOOL, True)
    q = b.exists(page, lambda pg: b.field(pg, "lru"))
    assert q == Quant(
        kind=Quantifier.EXISTS,
        var="pg",
        domain=IndexType("Page"),
        body=b.field(Bound(name="pg"), "lru", collection="Page"),
    )


def test_helpers_apply_c_coercions() -> None:
    b = SpecBuilder("m")
    b.enum("MFlag", "STRICT", "MOVE")
    flags = b.const("flags", "set<MFlag>")
    n = b.var("n", "0..3", 0)
    strict = b.set("STRICT")
    assert b.cond(b.inter(flags, "STRICT")) == Unary(
        op=UnOp.NONEMPTY, arg=Binary(op=BinOp.INTER, left=flags, right=strict)
    )
    assert b.cond(n) == Binary(op=BinOp.NE, left=n, right=b.e(0))
    assert b.not_(flags) == b.not_(b.nonempty(flags))


def test_close_block_keeps_plain_ifs_in_sequence() -> None:
    x = GlobalVar(name="x")
    plain = If(cond=x, then=(Assign(target=x, value=BoolLit(value=False)),))
    assert close_block((plain,), (Goto(label="next"),)) == (plain, Goto(label="next"))


def test_close_block_pushes_the_continuation_into_diverting_branches() -> None:
    x = GlobalVar(name="x")
    leave = If(cond=x, then=(Goto(label="out"),))
    rest = Assign(target=x, value=BoolLit(value=True))
    closed = close_block((leave, rest), (Done(),))
    assert closed == (If(cond=x, then=(Goto(label="out"),), orelse=(rest, Done())),)
    pick = Pick(var="p", domain=IndexType("Page"), cond=BoolLit(value=True), body=())
    assert close_block((pick, rest), (Done(),)) == (
        Pick(var="p", domain=IndexType("Page"), cond=BoolLit(value=True), body=(rest, Done())),
    )
    both = Either(branches=((Done(),), ()))
    assert close_block((both,), (Goto(label="k"),)) == (
        Either(branches=((Done(),), (Goto(label="k"),))),
    )


def test_close_block_is_idempotent() -> None:
    result = load_text(SPEC_TEXT, "eq.mbf")
    assert result.spec is not None
    for m in result.spec.models:
        for a in m.actors:
            for s in a.steps:
                assert close_block(s.body, (Goto(label="never"),)) == s.body


def test_build_raises_with_every_error() -> None:
    b = SpecBuilder("m")
    x = b.var("x", BOOL, False)
    a = b.actor("a")
    a.step("s", [b.assign(x, 3), b.goto("nowhere")])
    with pytest.raises(DiagnosticError) as info:
        b.build()
    codes = sorted(d.code for d in info.value.diagnostics)
    assert codes == ["MBF204", "MBF301"]


def test_helpers_raise_for_what_they_cannot_build() -> None:
    b = SpecBuilder("m")
    b.enum("Owner", "NONE", "MBIND")
    with pytest.raises(DiagnosticError) as info:
        b.enum_value("MBNID")
    assert info.value.diagnostics[0].hint == "did you mean 'MBIND'?"
    with pytest.raises(DiagnosticError):
        b.field(b.e(True), "lru")
    with pytest.raises(DiagnosticError):
        b.type("Pgae")
    with pytest.raises(DiagnosticError):
        b.assign(b.e(1), 2)


def test_unknown_requested_parameter_is_reported() -> None:
    b = SpecBuilder("m", params={"pagez": 3})
    assert b.param("pages", 2) == 2
    b.actor("a").step("s", [])
    _, diags = b.finish()
    assert [(d.code, d.hint) for d in diags] == [("MBF208", "did you mean 'pages'?")]


def test_variant_problems_are_diagnostics() -> None:
    b = SpecBuilder("m")
    x = b.var("x", BOOL, False)
    b.actor("a").step("s", [b.assign(x, True)])
    b.variant("loop1", extends="loop2")
    b.variant("loop2", extends="loop1")
    b.variant("orphan", extends="nope")
    v = b.variant("bad")
    v.step("a", "t", [])
    v.define("missing", {}, True)
    _, diags = b.finish()
    assert sorted(d.code for d in diags) == ["MBF403", "MBF403", "MBF404", "MBF404"]


def test_the_module_docstring_example_builds() -> None:
    import textwrap

    import mbind_formal.build.spec as module

    assert module.__doc__ is not None
    example = textwrap.dedent(module.__doc__.split("\n\n")[2])
    scope: dict[str, object] = {"SpecBuilder": SpecBuilder, "BOOL": BOOL}
    exec(example, scope)
    spec = scope["spec"]
    assert isinstance(spec, Spec) and spec.claims[0].name == "safe"


def test_assign_all_is_what_the_dsl_lowers_to() -> None:
    text = """
symmetric collection Page[3] { var lru: bool = false; }
actor a { s: Page.lru = all true; }
"""
    result = load_text(text, "all.mbf")
    assert result.spec is not None, [d.message for d in result.diagnostics]
    lowered = result.spec.model("base").actor("a").steps[0].body
    b = SpecBuilder("all", source="all.mbf")
    page = b.collection("Page", 3, symmetric=True)
    page.var("lru", BOOL, False)
    stores = b.assign_all("Page", "lru", True)
    assert lowered[:3] == stores and len(stores) == 3


def test_set_difference_and_inclusion_are_what_the_dsl_lowers_to() -> None:
    text = """
enum Flag { A, B }
var s: set<Flag> = {A, B};
actor a { x: s = s - A; y: await s <= {B}; }
"""
    result = load_text(text, "sets.mbf")
    assert result.spec is not None, [d.message for d in result.diagnostics]
    steps = result.spec.model("base").actor("a").steps
    b = SpecBuilder("sets", source="sets.mbf")
    flag = b.enum("Flag", "A", "B")
    s = b.var("s", SetType(flag), b.set("A", "B"))
    assert steps[0].body[0] == b.assign(s, b.difference(s, "A"))
    assert steps[1].body[0] == b.await_(b.subset(s, b.set("B")))
