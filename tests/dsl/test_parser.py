"""The parser construct by construct: items, statements, types, expressions, spans."""

from __future__ import annotations

import pytest

from mbind_formal.diagnostics import Span
from mbind_formal.dsl import ast
from mbind_formal.dsl.parser import parse

A = ast.BinaryOp


def spec(text: str) -> ast.SpecFile:
    result, diagnostics = parse(text, "t.mbf")
    assert diagnostics == (), diagnostics
    assert result is not None
    return result


def item(text: str) -> ast.Item:
    (only,) = spec(text).items
    return only


def expr(text: str) -> ast.Expr:
    decl = item(f"init {text};")
    assert isinstance(decl, ast.InitDecl)
    return decl.cond


def body(text: str) -> ast.Block:
    actor = item(f"actor a {{ {text} }}")
    assert isinstance(actor, ast.ActorDecl)
    return actor.body


def n(name: str) -> ast.NameRef:
    return ast.NameRef(name=name)


def i(value: int) -> ast.IntLiteral:
    return ast.IntLiteral(value=value)


def b(op: ast.BinaryOp, left: ast.Expr, right: ast.Expr) -> ast.BinaryExpr:
    return ast.BinaryExpr(op=op, left=left, right=right)


# --------------------------------------------------------------------------- files


@pytest.mark.parametrize("text", ["", "   \n\t\n", "// only a comment\n", "/* a\n b */"])
def test_empty_files_parse_to_no_items(text: str) -> None:
    assert spec(text) == ast.SpecFile(items=())


def test_include_is_recorded_not_resolved() -> None:
    got = item('include "lib/common.mbf";  // a // inside the string is not a comment')
    assert got == ast.Include(path="lib/common.mbf")
    assert item('include "a//b.mbf";') == ast.Include(path="a//b.mbf")


def test_param_enum_and_type_alias() -> None:
    assert item("param pages = 3;") == ast.ParamDecl(name="pages", value=i(3))
    assert item("enum Owner { NONE, MBIND, RECLAIM, }") == ast.EnumDecl(
        name="Owner",
        members=tuple(ast.EnumMember(name=m) for m in ("NONE", "MBIND", "RECLAIM")),
    )
    assert item("enum Empty {}") == ast.EnumDecl(name="Empty", members=())
    assert item("type Count = 0..pages - 1;") == ast.TypeAlias(
        name="Count",
        type=ast.RangeTypeExpr(lo=i(0), hi=b(A.SUB, n("pages"), i(1))),
    )


def test_collections_and_their_three_kinds_of_initial_value() -> None:
    got = item(
        """symmetric collection Page[pages] {
             const vma: Vma;
             const kind: Kind in {ANON, FILE};
             var lru: bool = true;
           }"""
    )
    bool_t = ast.BoolTypeExpr()
    assert got == ast.CollectionDecl(
        name="Page",
        size=n("pages"),
        symmetric=True,
        fields=(
            ast.VarDecl(kind=ast.VarKind.CONST, name="vma", type=ast.NamedTypeExpr(name="Vma")),
            ast.VarDecl(
                kind=ast.VarKind.CONST,
                name="kind",
                type=ast.NamedTypeExpr(name="Kind"),
                init=ast.InitChoice(choices=(n("ANON"), n("FILE"))),
            ),
            ast.VarDecl(
                kind=ast.VarKind.VAR,
                name="lru",
                type=bool_t,
                init=ast.InitEq(value=ast.BoolLiteral(value=True)),
            ),
        ),
    )
    plain = item("collection Vma[2] {}")
    assert plain == ast.CollectionDecl(name="Vma", size=i(2))


def test_types() -> None:
    def type_of(text: str) -> ast.TypeExpr:
        decl = item(f"var x: {text};")
        assert isinstance(decl, ast.VarDecl)
        return decl.type

    assert type_of("bool") == ast.BoolTypeExpr()
    assert type_of("Page?") == ast.NamedTypeExpr(name="Page", optional=True)
    assert type_of("set<MFlag>") == ast.SetTypeExpr(element=ast.NamedTypeExpr(name="MFlag"))
    assert type_of("-1..N + 1") == ast.RangeTypeExpr(
        lo=ast.UnaryExpr(op=ast.UnaryOp.NEG, arg=i(1)), hi=b(A.ADD, n("N"), i(1))
    )


def test_range_bound_stops_before_in_choice() -> None:
    """`0..3 in {1, 2}` is a range with an `in {}` initializer, not `3 in {1, 2}`."""
    got = item("var x: 0..3 in {1, 2};")
    assert got == ast.VarDecl(
        kind=ast.VarKind.VAR,
        name="x",
        type=ast.RangeTypeExpr(lo=i(0), hi=i(3)),
        init=ast.InitChoice(choices=(i(1), i(2))),
    )


def test_init_def_and_macro() -> None:
    assert item("init !x;") == ast.InitDecl(cond=ast.UnaryExpr(op=ast.UnaryOp.NOT, arg=n("x")))
    assert item("def f(p: Page, k: 0..2): bool = p.lru;") == ast.DefDecl(
        name="f",
        params=(
            ast.DefParam(name="p", type=ast.NamedTypeExpr(name="Page")),
            ast.DefParam(name="k", type=ast.RangeTypeExpr(lo=i(0), hi=i(2))),
        ),
        result=ast.BoolTypeExpr(),
        body=ast.MemberExpr(base=n("p"), name="lru"),
    )
    assert item("def g() = 1;") == ast.DefDecl(name="g", params=(), body=i(1))
    assert item("macro m(page, ok) { ok = page; }") == ast.MacroDecl(
        name="m",
        params=("page", "ok"),
        body=(ast.AssignStmt(target=n("ok"), op=ast.AssignOp.SET, value=n("page")),),
    )


@pytest.mark.parametrize(
    ("head", "instances"),
    [
        ("actor a", None),
        ("actor a[2]", i(2)),
        ("actor a[nr]", n("nr")),
        ("actor a[Cpu]", n("Cpu")),
    ],
)
def test_actor_instances(head: str, instances: ast.Expr | None) -> None:
    got = item(f"{head} {{ var ok: bool = false; l: skip; }}")
    assert got == ast.ActorDecl(
        name="a",
        instances=instances,
        locals=(
            ast.VarDecl(
                kind=ast.VarKind.VAR,
                name="ok",
                type=ast.BoolTypeExpr(),
                init=ast.InitEq(value=ast.BoolLiteral(value=False)),
            ),
        ),
        body=(ast.LabeledStmt(label="l", stmt=ast.SkipStmt()),),
    )


def test_variants_take_string_or_identifier_names() -> None:
    got = item(
        """variant "5.3" extends v2 {
             def f() = 1;
             macro m() { skip; }
             var extra: bool = false;
             collection Page { var isolated: bool = false; }
             step mbind.walk { done; }
           }"""
    )
    assert isinstance(got, ast.VariantDecl)
    assert (got.name, got.extends) == ("5.3", "v2")
    assert [type(x) for x in got.items] == [
        ast.DefDecl,
        ast.MacroDecl,
        ast.VarDecl,
        ast.FieldAdditions,
        ast.StepOverride,
    ]
    assert got.items[4] == ast.StepOverride(actor="mbind", label="walk", body=(ast.DoneStmt(),))
    assert item('variant "v2-posted" {}') == ast.VariantDecl(
        name="v2-posted", extends=None, items=()
    )


def test_claims() -> None:
    got = item(
        """claim no_leak {
             assume flags == {};
             final p;
             reachable q;
             reachable mbind@walk;
           }"""
    )
    assert got == ast.ClaimDecl(
        name="no_leak",
        assume=b(A.EQ, n("flags"), ast.SetLiteral(items=())),
        mode=ast.ClaimMode.FINAL,
        prop=n("p"),
        witnesses=(n("q"), ast.AtExpr(base=n("mbind"), label="walk")),
    )
    assert item("claim c { always x; }") == ast.ClaimDecl(
        name="c", mode=ast.ClaimMode.ALWAYS, prop=n("x")
    )


def test_scenarios() -> None:
    got = item(
        """scenario s {
             with pages = 1, delta = -2;
             assume Page[0].node == 1;
             run mbind, reclaim;
             expect mbind.ret == EIO;
           }"""
    )
    assert got == ast.ScenarioDecl(
        name="s",
        settings=(
            ast.ScenarioSetting(name="pages", value=1),
            ast.ScenarioSetting(name="delta", value=-2),
        ),
        assume=b(
            A.EQ,
            ast.MemberExpr(base=ast.IndexExpr(base=n("Page"), index=i(0)), name="node"),
            i(1),
        ),
        run=("mbind", "reclaim"),
        expect=b(A.EQ, ast.MemberExpr(base=n("mbind"), name="ret"), n("EIO")),
    )
    assert item("scenario t { run a; expect true; }") == ast.ScenarioDecl(
        name="t", run=("a",), expect=ast.BoolLiteral(value=True)
    )


# --------------------------------------------------------------------------- statements


def test_labels_assignments_and_compound_assignments() -> None:
    got = body("l: x = 1; p.f += 2; self.g -= 1; Page[0].h |= A; y &= B; c++; d--;")
    t = ast.AssignOp
    assert got == (
        ast.LabeledStmt(label="l", stmt=ast.AssignStmt(target=n("x"), op=t.SET, value=i(1))),
        ast.AssignStmt(target=ast.MemberExpr(base=n("p"), name="f"), op=t.ADD, value=i(2)),
        ast.AssignStmt(target=ast.MemberExpr(base=ast.SelfExpr(), name="g"), op=t.SUB, value=i(1)),
        ast.AssignStmt(
            target=ast.MemberExpr(base=ast.IndexExpr(base=n("Page"), index=i(0)), name="h"),
            op=t.OR,
            value=n("A"),
        ),
        ast.AssignStmt(target=n("y"), op=t.AND, value=n("B")),
        ast.IncDecStmt(target=n("c"), op=ast.IncDecOp.INC),
        ast.IncDecStmt(target=n("d"), op=ast.IncDecOp.DEC),
    )


def test_if_else_if_else_nests_in_orelse() -> None:
    (got,) = body("if (a) { x = 1; } else if (b) { x = 2; } else { x = 3; }")
    assign = [ast.AssignStmt(target=n("x"), op=ast.AssignOp.SET, value=i(k)) for k in (1, 2, 3)]
    assert got == ast.IfStmt(
        cond=n("a"),
        then=(assign[0],),
        orelse=(ast.IfStmt(cond=n("b"), then=(assign[1],), orelse=(assign[2],)),),
    )
    (plain,) = body("if (a) {}")
    assert plain == ast.IfStmt(cond=n("a"), then=())


def test_either_await_pick_loops_and_jumps() -> None:
    got = body(
        """either { skip; } or { done; } or { goto l; }
           await x;
           pick p in Page where p.lru;
           pick q in 0..2;
           for p in Page { break; }
           while (x) { continue; }
           isolate(p, MBIND, ok);
           flush();"""
    )
    assert got == (
        ast.EitherStmt(branches=((ast.SkipStmt(),), (ast.DoneStmt(),), (ast.GotoStmt(label="l"),))),
        ast.AwaitStmt(cond=n("x")),
        ast.PickStmt(
            var="p",
            domain=ast.NamedTypeExpr(name="Page"),
            where=ast.MemberExpr(base=n("p"), name="lru"),
        ),
        ast.PickStmt(var="q", domain=ast.RangeTypeExpr(lo=i(0), hi=i(2))),
        ast.ForStmt(var="p", domain=ast.NamedTypeExpr(name="Page"), body=(ast.BreakStmt(),)),
        ast.WhileStmt(cond=n("x"), body=(ast.ContinueStmt(),)),
        ast.MacroCallStmt(name="isolate", args=(n("p"), n("MBIND"), n("ok"))),
        ast.MacroCallStmt(name="flush", args=()),
    )


def test_labels_may_nest_and_stand_anywhere_syntactically() -> None:
    """Placement rules (MBF401) belong to lowering; the grammar accepts any label."""
    got = body("a: b: skip; if (c) { inner: skip; }")
    assert got[0] == ast.LabeledStmt(
        label="a", stmt=ast.LabeledStmt(label="b", stmt=ast.SkipStmt())
    )
    assert got[1] == ast.IfStmt(
        cond=n("c"), then=(ast.LabeledStmt(label="inner", stmt=ast.SkipStmt()),)
    )


# --------------------------------------------------------------------------- expressions


def test_literals_and_atoms() -> None:
    assert expr("true") == ast.BoolLiteral(value=True)
    assert expr("false") == ast.BoolLiteral(value=False)
    assert expr("none") == ast.NoneLiteral()
    assert expr("self") == ast.SelfExpr()
    assert expr("42") == i(42)
    assert expr("0x1F") == i(31)
    assert expr("007") == i(7)
    assert expr("__PageMovable") == n("__PageMovable")
    assert expr("{}") == ast.SetLiteral(items=())
    assert expr("{A, B}") == ast.SetLiteral(items=(n("A"), n("B")))
    assert expr("f()") == ast.CallExpr(name="f", args=())
    assert expr("f(a, 1)") == ast.CallExpr(name="f", args=(n("a"), i(1)))


def test_postfix_chains() -> None:
    assert expr("reclaim[1].ok") == ast.MemberExpr(
        base=ast.IndexExpr(base=n("reclaim"), index=i(1)), name="ok"
    )
    assert expr("reclaim[1]@putback") == ast.AtExpr(
        base=ast.IndexExpr(base=n("reclaim"), index=i(1)), label="putback"
    )
    assert expr("mbind@done") == ast.AtExpr(base=n("mbind"), label="done")
    assert expr("p.vma.migratable") == ast.MemberExpr(
        base=ast.MemberExpr(base=n("p"), name="vma"), name="migratable"
    )
    assert expr("f(x).lru") == ast.MemberExpr(
        base=ast.CallExpr(name="f", args=(n("x"),)), name="lru"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a || b && c", b(A.OR, n("a"), b(A.AND, n("b"), n("c")))),
        ("a && b || c", b(A.OR, b(A.AND, n("a"), n("b")), n("c"))),
        ("flags & A | B", b(A.BITOR, b(A.BITAND, n("flags"), n("A")), n("B"))),
        ("a | b & c", b(A.BITOR, n("a"), b(A.BITAND, n("b"), n("c")))),
        ("x && f & S", b(A.AND, n("x"), b(A.BITAND, n("f"), n("S")))),
        ("a == b & c", b(A.BITAND, b(A.EQ, n("a"), n("b")), n("c"))),
        ("a < b == c", b(A.EQ, b(A.LT, n("a"), n("b")), n("c"))),
        ("a + 1 <= b - 2", b(A.LE, b(A.ADD, n("a"), i(1)), b(A.SUB, n("b"), i(2)))),
        ("a - b - c", b(A.SUB, b(A.SUB, n("a"), n("b")), n("c"))),
        ("a => b => c", b(A.IMPLIES, n("a"), b(A.IMPLIES, n("b"), n("c")))),
        ("a || b => c", b(A.IMPLIES, b(A.OR, n("a"), n("b")), n("c"))),
        ("x in S == y not in T", b(A.EQ, b(A.IN, n("x"), n("S")), b(A.NOT_IN, n("y"), n("T")))),
        ("a > b >= c", b(A.GE, b(A.GT, n("a"), n("b")), n("c"))),
        ("a != b", b(A.NE, n("a"), n("b"))),
    ],
)
def test_binary_precedence_and_associativity(text: str, expected: ast.Expr) -> None:
    assert expr(text) == expected


def test_unary_binds_tighter_than_binary_and_looser_than_postfix() -> None:
    u = ast.UnaryOp
    assert expr("!a && b") == b(A.AND, ast.UnaryExpr(op=u.NOT, arg=n("a")), n("b"))
    assert expr("-a + b") == b(A.ADD, ast.UnaryExpr(op=u.NEG, arg=n("a")), n("b"))
    assert expr("!p.lru") == ast.UnaryExpr(op=u.NOT, arg=ast.MemberExpr(base=n("p"), name="lru"))
    assert expr("~S & T") == b(A.BITAND, ast.UnaryExpr(op=u.COMPL, arg=n("S")), n("T"))
    assert expr("!!x") == ast.UnaryExpr(op=u.NOT, arg=ast.UnaryExpr(op=u.NOT, arg=n("x")))
    assert expr("!(a && b)") == ast.UnaryExpr(op=u.NOT, arg=b(A.AND, n("a"), n("b")))


def test_ternary_is_below_implication_and_right_associative() -> None:
    assert expr("a => b ? c : d") == ast.CondExpr(
        cond=b(A.IMPLIES, n("a"), n("b")), then=n("c"), orelse=n("d")
    )
    assert expr("a ? b : c ? d : e") == ast.CondExpr(
        cond=n("a"), then=n("b"), orelse=ast.CondExpr(cond=n("c"), then=n("d"), orelse=n("e"))
    )
    assert expr("a ? b ? c : d : e") == ast.CondExpr(
        cond=n("a"), then=ast.CondExpr(cond=n("b"), then=n("c"), orelse=n("d")), orelse=n("e")
    )


def test_quantifier_body_extends_right() -> None:
    page = ast.NamedTypeExpr(name="Page")
    lru = ast.MemberExpr(base=n("p"), name="lru")
    assert expr("forall p in Page: p.lru && x || y") == ast.QuantExpr(
        kind=ast.QuantKind.FORALL,
        var="p",
        domain=page,
        body=b(A.OR, b(A.AND, lru, n("x")), n("y")),
    )
    assert expr("exists p in Page: c ? p.lru : x") == ast.QuantExpr(
        kind=ast.QuantKind.EXISTS,
        var="p",
        domain=page,
        body=ast.CondExpr(cond=n("c"), then=lru, orelse=n("x")),
    )


def test_quantifier_may_end_an_operand_chain() -> None:
    """`a => forall ...` and `a && !exists ...`: the quantifier takes the rest."""
    q = ast.QuantExpr(
        kind=ast.QuantKind.FORALL,
        var="q",
        domain=ast.RangeTypeExpr(lo=i(0), hi=i(3)),
        body=b(A.OR, n("x"), n("y")),
    )
    assert expr("a => forall q in 0..3: x || y") == b(A.IMPLIES, n("a"), q)
    assert expr("a && !forall q in 0..3: x || y") == b(
        A.AND, n("a"), ast.UnaryExpr(op=ast.UnaryOp.NOT, arg=q)
    )
    assert expr("(forall q in 0..3: x || y) && z") == b(A.AND, q, n("z"))
    assert expr("c ? forall q in 0..3: x || y : z") == ast.CondExpr(
        cond=n("c"), then=q, orelse=n("z")
    )


# --------------------------------------------------------------------------- spans


def test_spans_are_exact_and_excluded_from_equality() -> None:
    text = "// header\nactor mbind {\n  walk:\n    x = a && b;\n}\n"
    result = spec(text)
    actor = result.items[0]
    assert isinstance(actor, ast.ActorDecl)
    assert actor.span == Span("t.mbf", 2, 1, 5, 2)
    (labeled,) = actor.body
    assert isinstance(labeled, ast.LabeledStmt)
    assert labeled.span == Span("t.mbf", 3, 3, 4, 16)
    assign = labeled.stmt
    assert isinstance(assign, ast.AssignStmt)
    assert assign.span == Span("t.mbf", 4, 5, 4, 16)
    assert assign.target.span == Span("t.mbf", 4, 5, 4, 6)
    assert assign.value.span == Span("t.mbf", 4, 9, 4, 15)
    assert isinstance(assign.value, ast.BinaryExpr)
    assert assign.value.right.span == Span("t.mbf", 4, 14, 4, 15)
    moved, _ = parse("\n\n" + text.replace("  ", "\t"), "other.mbf")
    assert moved == result


def test_spans_after_block_comments_and_in_multiline_expressions() -> None:
    text = "/* one\n   two */ init a &&\n      b;"
    decl = spec(text).items[0]
    assert isinstance(decl, ast.InitDecl)
    assert decl.span == Span("t.mbf", 2, 11, 3, 9)
    assert decl.cond.span == Span("t.mbf", 2, 16, 3, 8)


def test_enum_members_and_params_have_their_own_spans() -> None:
    enum = item("enum E { A,\n  B }")
    assert isinstance(enum, ast.EnumDecl)
    assert [m.span for m in enum.members] == [
        Span("t.mbf", 1, 10, 1, 11),
        Span("t.mbf", 2, 3, 2, 4),
    ]


def test_windows_line_endings_keep_lines_and_columns() -> None:
    unix = "actor a {\n  l: x = 1;\n}\n"
    windows, _ = parse(unix.replace("\n", "\r\n"), "t.mbf")
    assert windows == spec(unix)
    assert windows is not None
    actor = windows.items[0]
    assert isinstance(actor, ast.ActorDecl)
    assert actor.body[0].span == Span("t.mbf", 2, 3, 2, 12)
