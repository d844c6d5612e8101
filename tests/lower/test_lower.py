"""Lowering: the exact IR of small DSL fragments (loops, while, macros, picks, coercions,
variants, scenarios), following the scheme in `lower.flow` NOTE(loops)."""

from __future__ import annotations

from mbind_formal import load_text
from mbind_formal.diagnostics import Diagnostic
from mbind_formal.ir.model import (
    Actor,
    Assign,
    AtLabel,
    Await,
    Binary,
    BinOp,
    Block,
    BoolLit,
    Bound,
    Done,
    ElemLit,
    EnumLit,
    EnumType,
    Expr,
    Field,
    GlobalVar,
    Goto,
    If,
    IndexType,
    InitValue,
    IntLit,
    LocalVar,
    NoneLit,
    Pick,
    Quant,
    Quantifier,
    SetLit,
    SetType,
    Spec,
    Stmt,
    Unary,
    UnOp,
    Var,
)

PAGE = "collection Page[2] { var lru: bool = true; }\n"
T, F = BoolLit(value=True), BoolLit(value=False)


def load(text: str, **params: int) -> Spec:
    result = load_text(text, "t.mbf", params=params or None)
    assert result.spec is not None, [d.message for d in result.diagnostics]
    return result.spec


def errors(text: str, **params: int) -> list[Diagnostic]:
    result = load_text(text, "t.mbf", params=params or None)
    assert result.spec is None
    return [d for d in result.diagnostics if d.is_error]


def steps(spec: Spec, actor: str = "a", variant: str = "base") -> dict[str, Block]:
    return {s.label: s.body for s in spec.model(variant).actor(actor).steps}


def lv(name: str) -> LocalVar:
    return LocalVar(name=name)


def gv(name: str) -> GlobalVar:
    return GlobalVar(name=name)


def elem(i: int, coll: str = "Page") -> ElemLit:
    return ElemLit(collection=coll, index=i)


def fld(index: Expr, name: str = "lru", coll: str = "Page") -> Field:
    return Field(collection=coll, name=name, index=index)


def put(target: LocalVar | GlobalVar | Field, value: Expr) -> Assign:
    return Assign(target=target, value=value)


def cont(var: str, label: str, after: Block, coll: str = "Page", last: int = 1) -> Block:
    """The end of a `for` body (NOTE(loops))."""
    cur = lv(var)
    return (
        If(
            cond=Binary(op=BinOp.EQ, left=cur, right=elem(last, coll)),
            then=(put(cur, elem(0, coll)), *after),
            orelse=(put(cur, Unary(op=UnOp.NEXT, arg=cur)), Goto(label=label)),
        ),
    )


def test_for_loop_is_one_step_per_element() -> None:
    spec = load(PAGE + "actor a { walk: for p in Page { p.lru = false; } fin: skip; }")
    actor = spec.model("base").actor("a")
    # The cursor is guarded (it never leaves Page): no type-rule check is stated for it.
    cursor = Var(name="p", type=IndexType("Page"), init=InitValue(value=elem(0)), guarded=True)
    assert actor.locals == (cursor,)
    assert steps(spec) == {
        "walk": (put(fld(lv("p")), F), *cont("p", "walk", (Goto(label="fin"),))),
        "fin": (Done(),),
    }


def test_for_loop_with_inner_label_break_and_continue() -> None:
    spec = load(
        PAGE
        + "var n: 0..3 = 0;\n"
        + """actor a {
          walk:
            for p in Page {
              if (!p.lru) { continue; }
              p.lru = false;
            mid:
              if (p.lru) { break; }
              n += 1;
            }
          fin:
            done;
        }"""
    )
    loop_end = cont("p", "walk", (Goto(label="fin"),))
    assert steps(spec) == {
        "walk": (
            If(
                cond=Unary(op=UnOp.NOT, arg=fld(lv("p"))),
                then=loop_end,
                orelse=(put(fld(lv("p")), F), Goto(label="mid")),
            ),
        ),
        "mid": (
            If(
                cond=fld(lv("p")),
                then=(put(lv("p"), elem(0)), Goto(label="fin")),
                orelse=(
                    put(gv("n"), Binary(op=BinOp.ADD, left=gv("n"), right=IntLit(value=1))),
                    *loop_end,
                ),
            ),
        ),
        "fin": (Done(),),
    }


def test_inner_loop_ending_an_outer_body_inlines_the_outer_continuation() -> None:
    spec = load(
        PAGE
        + "collection Vma[2] { var seen: bool = false; }\n"
        + """actor a {
          outer:
            for v in Vma {
              v.seen = true;
            inner:
              for p in Page { p.lru = false; }
            }
        }"""
    )
    outer_end = cont("v", "outer", (Done(),), coll="Vma")
    assert [v.name for v in spec.model("base").actor("a").locals] == ["v", "p"]
    assert steps(spec) == {
        "outer": (put(fld(lv("v"), "seen", "Vma"), T), Goto(label="inner")),
        "inner": (put(fld(lv("p")), F), *cont("p", "inner", outer_end)),
    }


def test_goto_and_done_leaving_a_loop_reset_its_variable() -> None:
    spec = load(
        PAGE
        + """var n: 0..3 = 0;
        actor a {
          walk:
            for p in Page {
              if (!p.lru) { goto fin; }
              if (p.lru && n == 3) { done; }
            }
          fin:
            skip;
        }"""
    )
    reset = put(lv("p"), elem(0))
    second = If(
        cond=Binary(
            op=BinOp.AND,
            left=fld(lv("p")),
            right=Binary(op=BinOp.EQ, left=gv("n"), right=IntLit(value=3)),
        ),
        then=(reset, Done()),
        orelse=cont("p", "walk", (Goto(label="fin"),)),
    )
    assert steps(spec)["walk"] == (
        If(
            cond=Unary(op=UnOp.NOT, arg=fld(lv("p"))),
            then=(reset, Goto(label="fin")),
            orelse=(second,),
        ),
    )


def test_while_loop_tests_at_its_label() -> None:
    spec = load(
        """var n: 0..3 = 0;
        actor a {
          loop:
            while (n < 3) {
              if (n == 2) { break; }
            again:
              n += 1;
            }
          fin:
            skip;
        }"""
    )
    assert steps(spec) == {
        "loop": (
            If(
                cond=Binary(op=BinOp.LT, left=gv("n"), right=IntLit(value=3)),
                then=(
                    If(
                        cond=Binary(op=BinOp.EQ, left=gv("n"), right=IntLit(value=2)),
                        then=(Goto(label="fin"),),
                        orelse=(Goto(label="again"),),
                    ),
                ),
                orelse=(Goto(label="fin"),),
            ),
        ),
        "again": (
            put(gv("n"), Binary(op=BinOp.ADD, left=gv("n"), right=IntLit(value=1))),
            Goto(label="loop"),
        ),
        "fin": (Done(),),
    }


def test_pick_takes_the_rest_of_its_block() -> None:
    spec = load(
        PAGE
        + """var x: bool = false;
        actor a {
          s:
            if (x) {
              pick p in Page where p.lru;
              p.lru = false;
            }
            x = true;
        }"""
    )
    p = Bound(name="p")
    pick = Pick(
        var="p",
        domain=IndexType("Page"),
        cond=fld(p),
        body=(put(fld(p), F), put(gv("x"), T), Done()),
    )
    assert steps(spec)["s"] == (If(cond=gv("x"), then=(pick,), orelse=(put(gv("x"), T), Done())),)
    errs = errors(
        PAGE + "actor a { s: if (true) { pick p in Page; p.lru = false; } p.lru = true; }"
    )
    assert [(e.code, e.message) for e in errs] == [("MBF201", "unknown name 'p'")]


def test_macros_are_inlined_with_arguments_and_without_capture() -> None:
    spec = load(
        PAGE
        + """var ok: bool = false;
        macro isolate(page, res) {
          if (page.lru) { page.lru = false; res = true; } else { res = false; }
        }
        macro any_other(page, res) {
          res = exists p in Page: p.lru && page.lru;
        }
        actor a {
          s:
            pick p in Page;
            isolate(p, ok);
            any_other(p, ok);
        }"""
    )
    p, p1 = Bound(name="p"), Bound(name="p_1")
    quant = Quant(
        kind=Quantifier.EXISTS,
        var="p_1",
        domain=IndexType("Page"),
        body=Binary(op=BinOp.AND, left=fld(p1), right=fld(p)),
    )
    assert steps(spec)["s"] == (
        Pick(
            var="p",
            domain=IndexType("Page"),
            cond=T,
            body=(
                If(
                    cond=fld(p),
                    then=(put(fld(p), F), put(gv("ok"), T)),
                    orelse=(put(gv("ok"), F),),
                ),
                put(gv("ok"), quant),
                Done(),
            ),
        ),
    )


def test_errors_inside_macros_say_where_they_were_called() -> None:
    errs = errors("macro m() { y = true; }\nactor a {\n s:\n  m();\n}")
    assert errs[0].code == "MBF201"
    assert [r.message for r in errs[0].related] == ["in macro m called here"]
    assert errs[0].related[0].span is not None and errs[0].related[0].span.line == 4


def test_c_coercions_are_explicit_in_the_ir() -> None:
    spec = load(
        PAGE
        + """enum MFlag { STRICT, MOVE, MOVE_ALL }
        const flags: set<MFlag>;
        var mask: set<MFlag> = {};
        var n: 0..3 = 0;
        var cur: Page? = none;
        actor a {
          s:
            await flags & STRICT;
            await !(flags & (MOVE | MOVE_ALL));
            await n;
            await cur;
            await STRICT not in flags;
            await ~flags == {MOVE};
            await cur == none && (true | false);
            mask |= STRICT;
            mask = MOVE;
            cur = none;
        }"""
    )
    en = EnumType("MFlag", ("STRICT", "MOVE", "MOVE_ALL"))

    def one(v: str) -> SetLit:
        return SetLit(enum=en, items=(EnumLit(enum=en, value=v),))

    flags, mask, none = gv("flags"), gv("mask"), NoneLit(collection="Page")
    assert spec.model("base").global_var("mask").init == InitValue(value=SetLit(enum=en, items=()))
    assert spec.model("base").global_var("cur").init == InitValue(value=none)
    body: list[Stmt] = [
        Await(
            cond=Unary(
                op=UnOp.NONEMPTY, arg=Binary(op=BinOp.INTER, left=flags, right=one("STRICT"))
            )
        ),
        Await(
            cond=Unary(
                op=UnOp.NOT,
                arg=Unary(
                    op=UnOp.NONEMPTY,
                    arg=Binary(
                        op=BinOp.INTER,
                        left=flags,
                        right=Binary(op=BinOp.UNION, left=one("MOVE"), right=one("MOVE_ALL")),
                    ),
                ),
            )
        ),
        Await(cond=Binary(op=BinOp.NE, left=gv("n"), right=IntLit(value=0))),
        Await(cond=Binary(op=BinOp.NE, left=gv("cur"), right=none)),
        Await(
            cond=Unary(
                op=UnOp.NOT,
                arg=Binary(op=BinOp.IN, left=EnumLit(enum=en, value="STRICT"), right=flags),
            )
        ),
        Await(
            cond=Binary(
                op=BinOp.EQ,
                left=Unary(op=UnOp.COMPL, arg=flags),
                right=SetLit(enum=en, items=(EnumLit(enum=en, value="MOVE"),)),
            )
        ),
        Await(
            cond=Binary(
                op=BinOp.AND,
                left=Binary(op=BinOp.EQ, left=gv("cur"), right=none),
                right=Binary(op=BinOp.OR, left=T, right=F),
            )
        ),
        put(mask, Binary(op=BinOp.UNION, left=mask, right=one("STRICT"))),
        put(mask, one("MOVE")),
        put(gv("cur"), none),
        Done(),
    ]
    assert steps(spec)["s"] == tuple(body)
    assert isinstance(spec.model("base").global_var("flags").type, SetType)


def test_constant_arithmetic_over_parameters_is_folded() -> None:
    spec = load(
        "param pages = 3;\n"
        + "collection Page[pages] { var lru: bool = true; }\n"
        + "var n: 0..pages - 1 = pages - 2;\n"
        + "actor a { s: n = -1 + pages; }",
        pages=4,
    )
    m = spec.model("base")
    assert spec.params == (("pages", 4),)
    assert m.collection("Page").size == 4
    assert m.global_var("n").init == InitValue(value=IntLit(value=2))
    assert steps(spec)["s"] == (put(gv("n"), IntLit(value=3)), Done())


def test_unknown_parameter_override_is_mbf208() -> None:
    errs = errors("param pages = 2;\nactor a { s: skip; }", pagse=3)
    assert [(e.code, e.hint) for e in errs] == [("MBF208", "did you mean 'pages'?")]


def test_actor_over_a_collection_and_references_to_its_instances() -> None:
    spec = load(
        """collection Cpu[2] { var busy: bool = false; }
        actor cpu[Cpu] {
          var mine: bool = false;
          s:
            self.busy = true;
        }
        claim c {
          always cpu[1]@done => Cpu[1].busy;
          reachable cpu[Cpu[0]].mine || !cpu[0]@s;
        }"""
    )
    actor = spec.model("base").actor("cpu")
    assert (actor.instances, actor.self_collection) == (2, "Cpu")
    claim = spec.claim("c")
    assert claim.prop == Binary(
        op=BinOp.IMPLIES,
        left=AtLabel(actor="cpu", instance=elem(1, "Cpu"), label="done"),
        right=fld(elem(1, "Cpu"), "busy", "Cpu"),
    )


def test_variants_replace_macros_and_steps_and_add_state() -> None:
    spec = load(
        PAGE
        + """var x: bool = false;
        macro touch() { x = true; }
        actor a {
          first:
            touch();
          second:
            x = false;
        }
        variant "m" { macro touch() { x = false; } }
        variant "s" extends "m" {
          var y: bool = true;
          collection Page { var seen: bool = false; }
          step a.first {
            y = false;
          mid:
            x = true;
          }
        }"""
    )
    assert spec.variants == ("base", "m", "s")
    assert steps(spec)["first"] == (put(gv("x"), T), Goto(label="second"))
    assert steps(spec, variant="m")["first"] == (put(gv("x"), F), Goto(label="second"))
    assert steps(spec, variant="s") == {
        "first": (put(gv("y"), F), Goto(label="mid")),
        "mid": (put(gv("x"), T), Goto(label="second")),
        "second": (put(gv("x"), F), Done()),
    }
    m, s = spec.model("m"), spec.model("s")
    assert (m.extends, m.overrides) == ("base", ("touch",))
    assert (s.extends, s.overrides) == ("m", ("a.first",))
    assert [g.name for g in s.globals] == ["x", "y"]
    assert [f.name for f in s.collection("Page").fields] == ["lru", "seen"]
    assert [f.name for f in m.collection("Page").fields] == ["lru"]


def test_a_step_override_inside_a_loop_body() -> None:
    spec = load(
        PAGE
        + """var n: 0..3 = 0;
        actor a {
          walk:
            for p in Page {
              p.lru = false;
            inner:
              n = 1;
            }
        }
        variant "v" { step a.inner { n = 2; } }"""
    )
    end = cont("p", "walk", (Done(),))
    assert steps(spec, variant="v")["inner"] == (put(gv("n"), IntLit(value=2)), *end)
    assert steps(spec, variant="v")["walk"] == steps(spec)["walk"]


def test_scenarios_see_their_own_parameters() -> None:
    text = (
        "param pages = 2;\ncollection Page[pages] { var lru: bool = true; }\n"
        + "actor a { s: skip; }\n"
        + "scenario one { with pages = 1; assume Page[0].lru; run a; expect a@done; }\n"
    )
    spec = load(text)
    assert spec.scenarios[0].params == (("pages", 1),)
    assert spec.scenarios[0].assume == fld(elem(0))
    errs = errors(text.replace("Page[0]", "Page[1]"))
    assert [e.code for e in errs] == ["MBF304"]
    errs = errors(text.replace("with pages = 1", "with pages = 0"))
    assert [e.message for e in errs] == ["scenario one sets 'pages' to 0, outside 1..64"]


def test_loaded_actor_matches_the_header_it_declared() -> None:
    spec = load("var x: bool = false;\nactor a[3] { var k: 0..2 = 1; s: x = true; }")
    assert spec.model("base").actors == (
        Actor(
            name="a",
            steps=spec.model("base").actor("a").steps,
            locals=(
                Var(
                    name="k",
                    type=spec.model("base").actor("a").locals[0].type,
                    init=InitValue(value=IntLit(value=1)),
                ),
            ),
            instances=3,
        ),
    )
