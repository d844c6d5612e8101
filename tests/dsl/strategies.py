"""Hypothesis strategies for well-formed DSL ASTs (the printer's round-trip domain).

Well-formed means what `dsl.printer` documents: integer literals are non-negative,
identifiers are not keywords, `either` has two branches or more, assignment targets
are names or member/index chains. Nothing here is type-correct or resolvable; the
round trip is purely syntactic. Sizes stay small so a hundred examples run in seconds.
"""

from __future__ import annotations

from hypothesis import strategies as st

from mbind_formal.dsl import ast

KEYWORDS = frozenset(
    {
        "include",
        "fair",
        "strong",
        "eventually",
        "param",
        "enum",
        "type",
        "collection",
        "symmetric",
        "guarded",
        "allow",
        "deadlock",
        "const",
        "var",
        "init",
        "def",
        "macro",
        "procedure",
        "call",
        "return",
        "all",
        "actor",
        "variant",
        "extends",
        "step",
        "claim",
        "assume",
        "always",
        "final",
        "reachable",
        "scenario",
        "with",
        "run",
        "expect",
        "if",
        "else",
        "either",
        "or",
        "await",
        "pick",
        "where",
        "for",
        "in",
        "while",
        "break",
        "continue",
        "goto",
        "done",
        "skip",
        "true",
        "false",
        "none",
        "self",
        "forall",
        "exists",
        "not",
        "set",
        "bool",
    }
)

names = st.one_of(
    st.sampled_from(["p", "q", "Page", "lru", "owner", "__PageMovable", "x1", "MPOL_MF_MOVE"]),
    st.from_regex(r"\A[A-Za-z_][A-Za-z0-9_]{0,6}\Z").filter(lambda s: s not in KEYWORDS),
)
labels = st.one_of(names, st.just("done"))
# Strings hold printable text (a control character is MBF102): no category C or Z but ' '.
printable = st.characters(
    codec="utf-8", exclude_categories=("C", "Z"), include_characters=" ", exclude_characters='"'
)
strings = st.text(alphabet=printable, max_size=12)


def _small_tuple(elements: st.SearchStrategy[object], max_size: int = 3) -> st.SearchStrategy:
    return st.lists(elements, max_size=max_size).map(tuple)


leaf_exprs: st.SearchStrategy[ast.Expr] = st.one_of(
    st.builds(ast.BoolLiteral, value=st.booleans()),
    st.builds(ast.IntLiteral, value=st.integers(min_value=0, max_value=2**40)),
    st.builds(ast.NoneLiteral),
    st.builds(ast.SelfExpr),
    st.builds(ast.NameRef, name=names),
)


def _extend_exprs(children: st.SearchStrategy[ast.Expr]) -> st.SearchStrategy[ast.Expr]:
    return st.one_of(
        st.builds(ast.SetLiteral, items=_small_tuple(children)),
        st.builds(ast.IndexExpr, base=children, index=children),
        st.builds(ast.MemberExpr, base=children, name=names),
        st.builds(ast.AtExpr, base=children, label=labels),
        st.builds(ast.CallExpr, name=names, args=_small_tuple(children)),
        st.builds(ast.UnaryExpr, op=st.sampled_from(ast.UnaryOp), arg=children),
        st.builds(ast.BinaryExpr, op=st.sampled_from(ast.BinaryOp), left=children, right=children),
        st.builds(ast.CondExpr, cond=children, then=children, orelse=children),
        st.builds(
            ast.QuantExpr,
            kind=st.sampled_from(ast.QuantKind),
            var=names,
            domain=types(children),
            body=children,
        ),
    )


def types(exprs: st.SearchStrategy[ast.Expr]) -> st.SearchStrategy[ast.TypeExpr]:
    base = st.one_of(
        st.builds(ast.BoolTypeExpr),
        st.builds(ast.NamedTypeExpr, name=names, optional=st.booleans()),
        st.builds(ast.RangeTypeExpr, lo=exprs, hi=exprs),
    )
    return st.one_of(base, st.builds(ast.SetTypeExpr, element=base))


exprs: st.SearchStrategy[ast.Expr] = st.recursive(leaf_exprs, _extend_exprs, max_leaves=8)
small_exprs = st.recursive(leaf_exprs, _extend_exprs, max_leaves=3)
type_exprs = types(small_exprs)


def _lvalue_base(children: st.SearchStrategy[ast.Expr]) -> st.SearchStrategy[ast.Expr]:
    return st.one_of(
        st.builds(ast.MemberExpr, base=children, name=names),
        st.builds(ast.IndexExpr, base=children, index=small_exprs),
    )


_target_bases = st.recursive(
    st.one_of(st.builds(ast.NameRef, name=names), st.builds(ast.SelfExpr)),
    _lvalue_base,
    max_leaves=3,
)
lvalues: st.SearchStrategy[ast.LValue] = st.one_of(
    st.builds(ast.NameRef, name=names),
    st.builds(ast.MemberExpr, base=_target_bases, name=names),
    st.builds(ast.IndexExpr, base=_target_bases, index=small_exprs),
)

simple_stmts: st.SearchStrategy[ast.Stmt] = st.one_of(
    st.builds(ast.AssignStmt, target=lvalues, op=st.sampled_from(ast.AssignOp), value=small_exprs),
    st.builds(
        ast.AssignStmt,
        target=lvalues,
        op=st.just(ast.AssignOp.SET),
        value=small_exprs,
        every=st.just(True),
    ),
    st.builds(ast.IncDecStmt, target=lvalues, op=st.sampled_from(ast.IncDecOp)),
    st.builds(ast.AwaitStmt, cond=small_exprs),
    st.builds(ast.PickStmt, var=names, domain=type_exprs, where=st.one_of(st.none(), small_exprs)),
    st.builds(ast.BreakStmt),
    st.builds(ast.ContinueStmt),
    st.builds(ast.GotoStmt, label=names),
    st.builds(ast.DoneStmt),
    st.builds(ast.SkipStmt),
    st.builds(ast.MacroCallStmt, name=names, args=_small_tuple(small_exprs)),
    st.builds(
        ast.CallStmt,
        name=names,
        args=_small_tuple(small_exprs),
        target=st.one_of(st.none(), lvalues),
    ),
    st.builds(ast.ReturnStmt, value=st.one_of(st.none(), small_exprs)),
)


def _extend_stmts(children: st.SearchStrategy[ast.Stmt]) -> st.SearchStrategy[ast.Stmt]:
    block = _small_tuple(children)
    return st.one_of(
        st.builds(ast.LabeledStmt, label=names, stmt=children),
        st.builds(ast.IfStmt, cond=small_exprs, then=block, orelse=block),
        st.builds(ast.EitherStmt, branches=st.lists(block, min_size=2, max_size=3).map(tuple)),
        st.builds(ast.ForStmt, var=names, domain=type_exprs, body=block),
        st.builds(ast.WhileStmt, cond=small_exprs, body=block),
    )


stmts: st.SearchStrategy[ast.Stmt] = st.recursive(simple_stmts, _extend_stmts, max_leaves=6)
blocks: st.SearchStrategy[ast.Block] = _small_tuple(stmts, max_size=4)

inits = st.one_of(
    st.none(),
    st.builds(ast.InitEq, value=small_exprs),
    st.builds(ast.InitChoice, choices=_small_tuple(small_exprs)),
)
var_decls = st.builds(
    ast.VarDecl,
    kind=st.sampled_from(ast.VarKind),
    name=names,
    type=type_exprs,
    init=inits,
    guarded=st.booleans(),
)
def_decls = st.builds(
    ast.DefDecl,
    name=names,
    params=_small_tuple(st.builds(ast.DefParam, name=names, type=type_exprs)),
    result=st.one_of(st.none(), type_exprs),
    body=exprs,
)
macro_decls = st.builds(ast.MacroDecl, name=names, params=_small_tuple(names), body=blocks)

variant_items: st.SearchStrategy[ast.VariantItem] = st.one_of(
    def_decls,
    macro_decls,
    var_decls,
    st.builds(ast.FieldAdditions, collection=names, fields=_small_tuple(var_decls)),
    st.builds(ast.StepOverride, actor=names, label=names, body=blocks),
)

items: st.SearchStrategy[ast.Item] = st.one_of(
    st.builds(ast.Include, path=strings),
    st.builds(ast.ParamDecl, name=names, value=small_exprs),
    st.builds(
        ast.EnumDecl, name=names, members=_small_tuple(st.builds(ast.EnumMember, name=names))
    ),
    st.builds(ast.TypeAlias, name=names, type=type_exprs),
    st.builds(
        ast.CollectionDecl,
        name=names,
        size=small_exprs,
        fields=_small_tuple(var_decls),
        symmetric=st.booleans(),
    ),
    var_decls,
    st.builds(ast.InitDecl, cond=exprs),
    def_decls,
    macro_decls,
    st.builds(
        ast.ProcDecl,
        name=names,
        params=_small_tuple(st.builds(ast.DefParam, name=names, type=type_exprs)),
        result=st.one_of(st.none(), type_exprs),
        locals=_small_tuple(var_decls, max_size=2),
        body=blocks,
    ),
    st.builds(
        ast.ActorDecl,
        name=names,
        instances=st.one_of(st.none(), small_exprs),
        locals=_small_tuple(var_decls, max_size=2),
        body=blocks,
    ),
    st.builds(
        ast.VariantDecl,
        name=strings,
        extends=st.one_of(st.none(), strings),
        items=_small_tuple(variant_items),
    ),
    st.builds(
        ast.ClaimDecl,
        name=names,
        mode=st.sampled_from(ast.ClaimMode),
        prop=exprs,
        witnesses=_small_tuple(small_exprs),
        assume=st.one_of(st.none(), small_exprs),
    ),
    st.builds(
        ast.ScenarioDecl,
        name=names,
        run=st.lists(names, min_size=1, max_size=3).map(tuple),
        expect=small_exprs,
        settings=_small_tuple(
            st.builds(ast.ScenarioSetting, name=names, value=st.integers(-(2**20), 2**20))
        ),
        assume=st.one_of(st.none(), small_exprs),
    ),
    st.just(ast.AllowDeadlock()),
)

spec_files: st.SearchStrategy[ast.SpecFile] = st.builds(
    ast.SpecFile, items=_small_tuple(items, max_size=4)
)
