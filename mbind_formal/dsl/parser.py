"""Parser: spec text -> AST (`dsl.ast.SpecFile`) plus syntax diagnostics.

Stage: the first phase of the front end. Input: the text of one spec file and its name
(for spans). Output: `(SpecFile | None, diagnostics)`; `None` exactly when there is a
syntax error. Includes are recorded as `ast.Include` items, not resolved (the file
loader in `lower.spec` does that). `parse` never raises on any `str`: every problem in the
text becomes a `Diagnostic` (MBF1xx; see `dsl.syntax_errors`).

The grammar is `grammar.lark` (LALR(1), basic lexer, so keywords are reserved). Lark
builds a parse tree, which `_Builder` turns into frozen AST nodes bottom-up.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from importlib import resources
from typing import Any

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedToken

from mbind_formal.diagnostics import Diagnostic, Span
from mbind_formal.dsl import ast
from mbind_formal.dsl.syntax_errors import (
    character_error,
    end_of_file_error,
    nesting_error,
    number_error,
    string_error,
    token_error,
)

# Deeper parse trees are rejected (MBF104) before building the AST, so no later phase
# (lowering, the printer, dataclass equality) can hit Python's recursion limit.
MAX_NESTING = 200
# Integer literals beyond this are certainly outside any finite-state model; rejecting
# them early also keeps `int()` clear of Python's digit limit on huge literals.
MAX_INT = 2**63 - 1

_OPENERS = {"LBRACE": "RBRACE", "LPAR": "RPAR", "LSQB": "RSQB"}


@functools.cache
def grammar() -> Lark:
    """The LALR parser for `grammar.lark` (built once; a Lark object is not mutated by use)."""
    text = resources.files("mbind_formal.dsl").joinpath("grammar.lark").read_text("utf-8")
    return Lark(
        text,
        parser="lalr",
        lexer="basic",
        propagate_positions=True,
        maybe_placeholders=True,
    )


def parse(text: str, filename: str) -> tuple[ast.SpecFile | None, tuple[Diagnostic, ...]]:
    """Parse one spec file; on a syntax error return None and the first error found."""
    lark = grammar()
    if text.startswith("\ufeff"):
        # A byte-order mark is invisible in editors; a space keeps every column the same.
        text = " " + text[1:]
    interactive = lark.parse_interactive(text)
    previous: Token | None = None
    current: Token | None = None
    open_brackets: list[Token] = []
    try:
        for token in interactive.iter_parse():
            if token.type == "STRING" and (bad := string_error(token, filename)) is not None:
                return None, (bad,)
            previous, current = current, token
            _track_brackets(token, open_brackets)
        tree = interactive.feed_eof(current)  # type: ignore[no-untyped-call]
    except UnexpectedCharacters as err:
        return None, (character_error(err, text, filename),)
    except UnexpectedToken as err:
        if err.token.type == "$END":
            return None, (
                end_of_file_error(lark, interactive, text, filename, current, open_brackets),
            )
        return None, (token_error(lark, err, interactive, previous, open_brackets, text, filename),)
    except UnexpectedEOF:
        return None, (end_of_file_error(lark, interactive, text, filename, current, open_brackets),)
    deep = _too_deep(tree)
    if deep is not None:
        return None, (nesting_error(deep, filename, MAX_NESTING),)
    big = _huge_number(tree)
    if big is not None:
        return None, (number_error(big, filename),)
    spec = _Builder(filename).build(tree)
    assert isinstance(spec, ast.SpecFile)
    return spec, ()


def _track_brackets(token: Token, stack: list[Token]) -> None:
    if token.type in _OPENERS:
        stack.append(token)
    elif stack and token.type == _OPENERS[stack[-1].type]:
        stack.pop()


def _too_deep(tree: Tree[Token]) -> Token | Tree[Token] | None:
    """The first node nested more than MAX_NESTING levels deep, found without recursion."""
    stack: list[tuple[Tree[Token], int]] = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_NESTING:
            return node
        stack.extend((c, depth + 1) for c in node.children if isinstance(c, Tree))
    return None


def _huge_number(tree: Tree[Token]) -> Token | None:
    for token in tree.scan_values(lambda v: isinstance(v, Token) and v.type == "INT"):
        digits = str(token)
        if len(digits) > 1000 or _int_value(digits) > MAX_INT:
            return token
    return None


def _int_value(digits: str) -> int:
    return int(digits, 16) if digits[:2] in ("0x", "0X") else int(digits, 10)


# --------------------------------------------------------------------------- tree -> AST


def _span(filename: str, meta: Any) -> Span | None:
    if getattr(meta, "empty", True):
        return None
    line: int = meta.line
    col: int = meta.column
    return Span(filename, line, col, meta.end_line, meta.end_column)


def _present(children: Sequence[object]) -> list[object]:
    """Children without lark's `None` placeholders for absent optional parts."""
    return [c for c in children if c is not None]


def _s(x: object) -> str:
    assert isinstance(x, Token)
    return str(x)


def _e(x: object) -> ast.Expr:
    assert isinstance(x, ast.Expr)
    return x


def _opt_e(x: object) -> ast.Expr | None:
    return None if x is None else _e(x)


def _t(x: object) -> ast.TypeExpr:
    assert isinstance(x, ast.TypeExpr)
    return x


def _lv(x: object) -> ast.LValue:
    assert isinstance(x, ast.LValue)
    return x


def _block(x: object) -> ast.Block:
    assert isinstance(x, tuple)
    return x


def _stmts(xs: Sequence[object]) -> ast.Block:
    out: list[ast.Stmt] = []
    for x in xs:
        assert isinstance(x, ast.Stmt)
        out.append(x)
    return tuple(out)


def _exprs(xs: Sequence[object]) -> tuple[ast.Expr, ...]:
    return tuple(_e(x) for x in _present(xs))


def _var_decls(xs: Sequence[object]) -> tuple[ast.VarDecl, ...]:
    out: list[ast.VarDecl] = []
    for x in xs:
        assert isinstance(x, ast.VarDecl)
        out.append(x)
    return tuple(out)


_BINARY = {op.value: op for op in ast.BinaryOp}
_UNARY = {op.value: op for op in ast.UnaryOp}
_ASSIGN = {op.value: op for op in ast.AssignOp}
_INCDEC = {op.value: op for op in ast.IncDecOp}


class _Builder:
    """Turns one lark parse tree into AST nodes; one instance per parsed file."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.rules: dict[str, Callable[[Span | None, list[object]], object]] = {
            name[len("r_") :]: getattr(self, name) for name in dir(self) if name.startswith("r_")
        }

    def build(self, root: Tree[Token]) -> object:
        """Convert bottom-up with an explicit stack (no recursion on deep trees)."""
        values: list[object] = []
        todo: list[tuple[Tree[Token] | Token | None, bool]] = [(root, False)]
        while todo:
            node, ready = todo.pop()
            if not isinstance(node, Tree):
                values.append(node)
            elif ready:
                first = len(values) - len(node.children)
                children = values[first:]
                del values[first:]
                values.append(self.rules[str(node.data)](_span(self.filename, node.meta), children))
            else:
                todo.append((node, True))
                todo.extend((c, False) for c in reversed(node.children))
        assert len(values) == 1
        return values[0]

    # ------------------------------------------------------------------ items

    def r_start(self, span: Span | None, c: list[object]) -> ast.SpecFile:
        items: list[ast.Item] = []
        for x in c:
            assert isinstance(x, ast.Item)
            items.append(x)
        return ast.SpecFile(items=tuple(items), span=span)

    def r_include(self, span: Span | None, c: list[object]) -> ast.Include:
        return ast.Include(path=_s(c[0])[1:-1], span=span)

    def r_param(self, span: Span | None, c: list[object]) -> ast.ParamDecl:
        return ast.ParamDecl(name=_s(c[0]), value=_e(c[1]), span=span)

    def r_enum_decl(self, span: Span | None, c: list[object]) -> ast.EnumDecl:
        members: list[ast.EnumMember] = []
        for x in _present(c[1:]):
            assert isinstance(x, ast.EnumMember)
            members.append(x)
        return ast.EnumDecl(name=_s(c[0]), members=tuple(members), span=span)

    def r_enum_member(self, span: Span | None, c: list[object]) -> ast.EnumMember:
        return ast.EnumMember(name=_s(c[0]), span=span)

    def r_type_alias(self, span: Span | None, c: list[object]) -> ast.TypeAlias:
        return ast.TypeAlias(name=_s(c[0]), type=_t(c[1]), span=span)

    def r_collection(self, span: Span | None, c: list[object]) -> ast.CollectionDecl:
        return ast.CollectionDecl(
            name=_s(c[1]),
            size=_e(c[2]),
            fields=_var_decls(c[3:]),
            symmetric=c[0] is not None,
            span=span,
        )

    def r_var_decl(self, span: Span | None, c: list[object]) -> ast.VarDecl:
        guarded, c = c[0] is not None, c[1:]
        init = c[3]
        assert init is None or isinstance(init, ast.InitEq | ast.InitChoice)
        kind = ast.VarKind.CONST if _s(c[0]) == "const" else ast.VarKind.VAR
        return ast.VarDecl(
            kind=kind, name=_s(c[1]), type=_t(c[2]), init=init, span=span, guarded=guarded
        )

    def r_init_eq(self, span: Span | None, c: list[object]) -> ast.InitEq:
        return ast.InitEq(value=_e(c[0]), span=span)

    def r_init_choice(self, span: Span | None, c: list[object]) -> ast.InitChoice:
        return ast.InitChoice(choices=_exprs(c), span=span)

    def r_init_decl(self, span: Span | None, c: list[object]) -> ast.InitDecl:
        return ast.InitDecl(cond=_e(c[0]), span=span)

    def r_def_decl(self, span: Span | None, c: list[object]) -> ast.DefDecl:
        params: list[ast.DefParam] = []
        for x in _present(c[1:-2]):
            assert isinstance(x, ast.DefParam)
            params.append(x)
        result = None if c[-2] is None else _t(c[-2])
        return ast.DefDecl(
            name=_s(c[0]), params=tuple(params), result=result, body=_e(c[-1]), span=span
        )

    def r_def_param(self, span: Span | None, c: list[object]) -> ast.DefParam:
        return ast.DefParam(name=_s(c[0]), type=_t(c[1]), span=span)

    def r_macro_decl(self, span: Span | None, c: list[object]) -> ast.MacroDecl:
        params = tuple(_s(x) for x in _present(c[1:-1]))
        return ast.MacroDecl(name=_s(c[0]), params=params, body=_block(c[-1]), span=span)

    def r_actor(self, span: Span | None, c: list[object]) -> ast.ActorDecl:
        rest = c[2:]
        n_locals = sum(1 for x in rest if isinstance(x, ast.VarDecl))
        return ast.ActorDecl(
            name=_s(c[0]),
            instances=_opt_e(c[1]),
            locals=_var_decls(rest[:n_locals]),
            body=_stmts(rest[n_locals:]),
            span=span,
        )

    def r_proc_decl(self, span: Span | None, c: list[object]) -> ast.ProcDecl:
        params: list[ast.DefParam] = []
        i = 2 if c[1] is None else 1  # `[params]` left out is one placeholder
        while i < len(c) and isinstance(c[i], ast.DefParam):
            params.append(c[i])  # type: ignore[arg-type]
            i += 1
        result = None if c[i] is None else _t(c[i])
        rest = c[i + 1 :]
        n_locals = sum(1 for x in rest if isinstance(x, ast.VarDecl))
        return ast.ProcDecl(
            name=_s(c[0]),
            params=tuple(params),
            locals=_var_decls(rest[:n_locals]),
            body=_stmts(rest[n_locals:]),
            result=result,
            span=span,
        )

    def r_variant(self, span: Span | None, c: list[object]) -> ast.VariantDecl:
        items: list[ast.VariantItem] = []
        for x in c[2:]:
            assert isinstance(x, ast.VariantItem)
            items.append(x)
        extends = None if c[1] is None else str(c[1])
        return ast.VariantDecl(name=str(c[0]), extends=extends, items=tuple(items), span=span)

    def r_variant_name(self, span: Span | None, c: list[object]) -> str:
        token = c[0]
        assert isinstance(token, Token)
        return str(token)[1:-1] if token.type == "STRING" else str(token)

    def r_field_additions(self, span: Span | None, c: list[object]) -> ast.FieldAdditions:
        return ast.FieldAdditions(collection=_s(c[0]), fields=_var_decls(c[1:]), span=span)

    def r_step_override(self, span: Span | None, c: list[object]) -> ast.StepOverride:
        return ast.StepOverride(actor=_s(c[0]), label=_s(c[1]), body=_block(c[2]), span=span)

    def r_claim(self, span: Span | None, c: list[object]) -> ast.ClaimDecl:
        mode = ast.ClaimMode.ALWAYS if _s(c[2]) == "always" else ast.ClaimMode.FINAL
        return ast.ClaimDecl(
            name=_s(c[0]),
            assume=_opt_e(c[1]),
            mode=mode,
            prop=_e(c[3]),
            witnesses=_exprs(c[4:]),
            span=span,
        )

    def r_fair_actor(self, span: Span | None, c: list[object]) -> ast.FairnessDecl:
        return ast.FairnessDecl(strong=c[0] is not None, actor=_s(c[2]), span=span)

    def r_fair_step(self, span: Span | None, c: list[object]) -> ast.FairnessDecl:
        return ast.FairnessDecl(strong=c[0] is not None, actor=_s(c[2]), label=_s(c[3]), span=span)

    def r_live_claim(self, span: Span | None, c: list[object]) -> ast.ClaimDecl:
        fairness = tuple(x for x in c[2:] if isinstance(x, ast.FairnessDecl))
        line = next(x for x in c[2:] if isinstance(x, tuple))
        mode, prop = line
        assert isinstance(mode, ast.ClaimMode)
        return ast.ClaimDecl(
            name=_s(c[0]),
            assume=_opt_e(c[1]),
            mode=mode,
            prop=_e(prop),
            witnesses=_exprs(c[3 + len(fairness) :]),
            fairness=fairness,
            span=span,
        )

    def r_eventually_line(self, span: Span | None, c: list[object]) -> tuple[object, ...]:
        return (ast.ClaimMode.EVENTUALLY, c[1])

    def r_always_eventually_line(self, span: Span | None, c: list[object]) -> tuple[object, ...]:
        return (ast.ClaimMode.ALWAYS_EVENTUALLY, c[2])

    def r_leads_to_line(self, span: Span | None, c: list[object]) -> tuple[object, ...]:
        return (ast.ClaimMode.LEADS_TO, c[0])

    def r_reachable(self, span: Span | None, c: list[object]) -> ast.Expr:
        return _e(c[0])

    def r_allow(self, span: Span | None, c: list[object]) -> ast.AllowDeadlock:
        return ast.AllowDeadlock(span=span)

    def r_scenario(self, span: Span | None, c: list[object]) -> ast.ScenarioDecl:
        settings = c[1]
        run = c[3]
        assert settings is None or isinstance(settings, tuple)
        assert isinstance(run, tuple)
        return ast.ScenarioDecl(
            name=_s(c[0]),
            settings=settings or (),
            assume=_opt_e(c[2]),
            run=run,
            expect=_e(c[4]),
            span=span,
        )

    def r_with_line(self, span: Span | None, c: list[object]) -> tuple[ast.ScenarioSetting, ...]:
        out: list[ast.ScenarioSetting] = []
        for x in c:
            assert isinstance(x, ast.ScenarioSetting)
            out.append(x)
        return tuple(out)

    def r_setting(self, span: Span | None, c: list[object]) -> ast.ScenarioSetting:
        value = _int_value(_s(c[2]))
        return ast.ScenarioSetting(
            name=_s(c[0]), value=-value if c[1] is not None else value, span=span
        )

    def r_run_line(self, span: Span | None, c: list[object]) -> tuple[str, ...]:
        return tuple(_s(x) for x in c)

    # ------------------------------------------------------------------ statements

    def r_block(self, span: Span | None, c: list[object]) -> ast.Block:
        return _stmts(c)

    def r_labeled(self, span: Span | None, c: list[object]) -> ast.LabeledStmt:
        stmt = c[1]
        assert isinstance(stmt, ast.Stmt)
        return ast.LabeledStmt(label=_s(c[0]), stmt=stmt, span=span)

    def r_assign(self, span: Span | None, c: list[object]) -> ast.AssignStmt:
        op = _ASSIGN[_s(c[1])]
        return ast.AssignStmt(target=_lv(c[0]), op=op, value=_e(c[2]), span=span)

    def r_assign_all(self, span: Span | None, c: list[object]) -> ast.AssignStmt:
        return ast.AssignStmt(
            target=_lv(c[0]), op=ast.AssignOp.SET, value=_e(c[1]), every=True, span=span
        )

    def r_assign_op(self, span: Span | None, c: list[object]) -> Token:
        token = c[0]
        assert isinstance(token, Token)
        return token

    def r_incdec(self, span: Span | None, c: list[object]) -> ast.IncDecStmt:
        return ast.IncDecStmt(target=_lv(c[0]), op=_INCDEC[_s(c[1])], span=span)

    def r_if_stmt(self, span: Span | None, c: list[object]) -> ast.IfStmt:
        orelse = c[2]
        if isinstance(orelse, ast.IfStmt):
            orelse = (orelse,)
        return ast.IfStmt(cond=_e(c[0]), then=_block(c[1]), orelse=_block(orelse or ()), span=span)

    def r_either(self, span: Span | None, c: list[object]) -> ast.EitherStmt:
        return ast.EitherStmt(branches=tuple(_block(x) for x in c), span=span)

    def r_await_stmt(self, span: Span | None, c: list[object]) -> ast.AwaitStmt:
        return ast.AwaitStmt(cond=_e(c[0]), span=span)

    def r_pick(self, span: Span | None, c: list[object]) -> ast.PickStmt:
        return ast.PickStmt(var=_s(c[0]), domain=_t(c[1]), where=_opt_e(c[2]), span=span)

    def r_for_stmt(self, span: Span | None, c: list[object]) -> ast.ForStmt:
        return ast.ForStmt(var=_s(c[0]), domain=_t(c[1]), body=_block(c[2]), span=span)

    def r_while_stmt(self, span: Span | None, c: list[object]) -> ast.WhileStmt:
        return ast.WhileStmt(cond=_e(c[0]), body=_block(c[1]), span=span)

    def r_break_stmt(self, span: Span | None, c: list[object]) -> ast.BreakStmt:
        return ast.BreakStmt(span=span)

    def r_continue_stmt(self, span: Span | None, c: list[object]) -> ast.ContinueStmt:
        return ast.ContinueStmt(span=span)

    def r_goto(self, span: Span | None, c: list[object]) -> ast.GotoStmt:
        return ast.GotoStmt(label=_s(c[0]), span=span)

    def r_done(self, span: Span | None, c: list[object]) -> ast.DoneStmt:
        return ast.DoneStmt(span=span)

    def r_skip(self, span: Span | None, c: list[object]) -> ast.SkipStmt:
        return ast.SkipStmt(span=span)

    def r_macro_call(self, span: Span | None, c: list[object]) -> ast.MacroCallStmt:
        return ast.MacroCallStmt(name=_s(c[0]), args=_exprs(c[1:]), span=span)

    def r_call_stmt(self, span: Span | None, c: list[object]) -> ast.CallStmt:
        return ast.CallStmt(name=_s(c[0]), args=_exprs(c[1:]), span=span)

    def r_call_assign(self, span: Span | None, c: list[object]) -> ast.CallStmt:
        return ast.CallStmt(name=_s(c[1]), args=_exprs(c[2:]), target=_lv(c[0]), span=span)

    def r_return_stmt(self, span: Span | None, c: list[object]) -> ast.ReturnStmt:
        return ast.ReturnStmt(value=_opt_e(c[0]) if c else None, span=span)

    # ------------------------------------------------------------------ types

    def r_bool_type(self, span: Span | None, c: list[object]) -> ast.BoolTypeExpr:
        return ast.BoolTypeExpr(span=span)

    def r_named_type(self, span: Span | None, c: list[object]) -> ast.NamedTypeExpr:
        return ast.NamedTypeExpr(name=_s(c[0]), span=span)

    def r_optional_type(self, span: Span | None, c: list[object]) -> ast.NamedTypeExpr:
        return ast.NamedTypeExpr(name=_s(c[0]), optional=True, span=span)

    def r_set_type(self, span: Span | None, c: list[object]) -> ast.SetTypeExpr:
        return ast.SetTypeExpr(element=_t(c[0]), span=span)

    def r_range_type(self, span: Span | None, c: list[object]) -> ast.RangeTypeExpr:
        return ast.RangeTypeExpr(lo=_e(c[0]), hi=_e(c[1]), span=span)

    # ------------------------------------------------------------------ expressions

    def r_quant(self, span: Span | None, c: list[object]) -> ast.QuantExpr:
        kind = ast.QuantKind.FORALL if _s(c[0]) == "forall" else ast.QuantKind.EXISTS
        return ast.QuantExpr(kind=kind, var=_s(c[1]), domain=_t(c[2]), body=_e(c[3]), span=span)

    def r_cond_expr(self, span: Span | None, c: list[object]) -> ast.CondExpr:
        return ast.CondExpr(cond=_e(c[0]), then=_e(c[1]), orelse=_e(c[2]), span=span)

    def r_binary(self, span: Span | None, c: list[object]) -> ast.BinaryExpr:
        op = _BINARY[_s(c[1])]
        return ast.BinaryExpr(op=op, left=_e(c[0]), right=_e(c[2]), span=span)

    def r_not_in(self, span: Span | None, c: list[object]) -> ast.BinaryExpr:
        op = ast.BinaryOp.NOT_IN
        return ast.BinaryExpr(op=op, left=_e(c[0]), right=_e(c[3]), span=span)

    def r_unary(self, span: Span | None, c: list[object]) -> ast.UnaryExpr:
        return ast.UnaryExpr(op=_UNARY[_s(c[0])], arg=_e(c[1]), span=span)

    def r_member(self, span: Span | None, c: list[object]) -> ast.MemberExpr:
        return ast.MemberExpr(base=_e(c[0]), name=_s(c[1]), span=span)

    def r_at_label(self, span: Span | None, c: list[object]) -> ast.AtExpr:
        label = c[1]
        assert isinstance(label, str)
        return ast.AtExpr(base=_e(c[0]), label=str(label), span=span)

    def r_label(self, span: Span | None, c: list[object]) -> str:
        return _s(c[0])

    def r_index(self, span: Span | None, c: list[object]) -> ast.IndexExpr:
        return ast.IndexExpr(base=_e(c[0]), index=_e(c[1]), span=span)

    def r_int_lit(self, span: Span | None, c: list[object]) -> ast.IntLiteral:
        return ast.IntLiteral(value=_int_value(_s(c[0])), span=span)

    def r_bool_lit(self, span: Span | None, c: list[object]) -> ast.BoolLiteral:
        return ast.BoolLiteral(value=_s(c[0]) == "true", span=span)

    def r_none_lit(self, span: Span | None, c: list[object]) -> ast.NoneLiteral:
        return ast.NoneLiteral(span=span)

    def r_self_expr(self, span: Span | None, c: list[object]) -> ast.SelfExpr:
        return ast.SelfExpr(span=span)

    def r_name_ref(self, span: Span | None, c: list[object]) -> ast.NameRef:
        return ast.NameRef(name=_s(c[0]), span=span)

    def r_call(self, span: Span | None, c: list[object]) -> ast.CallExpr:
        return ast.CallExpr(name=_s(c[0]), args=_exprs(c[1:]), span=span)

    def r_set_lit(self, span: Span | None, c: list[object]) -> ast.SetLiteral:
        return ast.SetLiteral(items=_exprs(c), span=span)
