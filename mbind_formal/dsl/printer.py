"""Printer: AST -> canonical spec text.

Stage: the inverse of `dsl.parser.parse`. Input: a `SpecFile` (or any expression, type
or statement). Output: text in one canonical layout (two-space indents, labels one
level left of their step's statements, minimal parentheses, decimal integers, quoted
variant names). Round trip: `parse(print_spec(x))[0] == x` for every well-formed AST
(`IntLiteral` values non-negative, names not keywords, `either` with two branches or
more, include paths and variant names without '"' or line breaks); tests/dsl check it
on the examples and on hypothesis-generated ASTs.

Comments are not part of the AST, so they do not survive printing.
"""

from __future__ import annotations

from typing import assert_never

from mbind_formal.dsl import ast

INDENT = "  "

# Binding strength, loosest first; a sub-expression printed in a slot that needs a
# tighter level than its own gets parentheses.
QUANT, COND, IMPLIES, OR, AND, BITOR, BITAND, EQUALITY, RELATION, SUM, UNARY, POSTFIX, ATOM = range(
    13
)

_LEVEL: dict[ast.BinaryOp, int] = {
    ast.BinaryOp.IMPLIES: IMPLIES,
    ast.BinaryOp.OR: OR,
    ast.BinaryOp.AND: AND,
    ast.BinaryOp.BITOR: BITOR,
    ast.BinaryOp.BITAND: BITAND,
    ast.BinaryOp.EQ: EQUALITY,
    ast.BinaryOp.NE: EQUALITY,
    ast.BinaryOp.LT: RELATION,
    ast.BinaryOp.LE: RELATION,
    ast.BinaryOp.GT: RELATION,
    ast.BinaryOp.GE: RELATION,
    ast.BinaryOp.IN: RELATION,
    ast.BinaryOp.NOT_IN: RELATION,
    ast.BinaryOp.ADD: SUM,
    ast.BinaryOp.SUB: SUM,
}


def print_spec(spec: ast.SpecFile) -> str:
    """The canonical text of a whole file (ends with one newline; empty file: empty text)."""
    chunks: list[str] = []
    previous: tuple[type, str] | None = None
    for item in spec.items:
        text = print_item(item)
        if previous is not None:
            # Runs of one-line items of one kind (params, vars, ...) stay together.
            kind, last = previous
            one_line = "\n" not in text and "\n" not in last
            chunks.append("\n" if one_line and kind is type(item) else "\n\n")
        chunks.append(text)
        previous = (type(item), text)
    return "".join(chunks) + "\n" if chunks else ""


# --------------------------------------------------------------------------- expressions


def _level(e: ast.Expr) -> int:
    match e:
        case ast.QuantExpr():
            return QUANT
        case ast.CondExpr():
            return COND
        case ast.BinaryExpr(op=op):
            return _LEVEL[op]
        case ast.UnaryExpr():
            return UNARY
        case ast.IndexExpr() | ast.MemberExpr() | ast.AtExpr():
            return POSTFIX
        case (
            ast.BoolLiteral()
            | ast.IntLiteral()
            | ast.NoneLiteral()
            | ast.SelfExpr()
            | ast.NameRef()
            | ast.SetLiteral()
            | ast.CallExpr()
        ):
            return ATOM
        case _:
            assert_never(e)


def print_expr(e: ast.Expr, min_level: int = QUANT) -> str:
    """`e` as text, parenthesized if it binds looser than `min_level`."""
    text = _expr(e)
    return f"({text})" if _level(e) < min_level else text


# Parentheses C compilers ask for (-Wparentheses) although precedence makes them
# redundant: `a || (b && c)`, `(flags & A) | B`, `!ok && (flags & STRICT)`.
_CLARIFY: dict[ast.BinaryOp, frozenset[ast.BinaryOp]] = {
    ast.BinaryOp.OR: frozenset({ast.BinaryOp.AND, ast.BinaryOp.BITOR, ast.BinaryOp.BITAND}),
    ast.BinaryOp.AND: frozenset({ast.BinaryOp.BITOR, ast.BinaryOp.BITAND}),
    ast.BinaryOp.BITOR: frozenset({ast.BinaryOp.BITAND}),
}


def _clarify(parent: ast.BinaryOp, child: ast.Expr) -> bool:
    return isinstance(child, ast.BinaryExpr) and child.op in _CLARIFY.get(parent, frozenset())


def _args(items: tuple[ast.Expr, ...]) -> str:
    return ", ".join(print_expr(a) for a in items)


def _expr(e: ast.Expr) -> str:
    match e:
        case ast.BoolLiteral(value=value):
            return "true" if value else "false"
        case ast.IntLiteral(value=value):
            return str(value)
        case ast.NoneLiteral():
            return "none"
        case ast.SelfExpr():
            return "self"
        case ast.NameRef(name=name):
            return name
        case ast.SetLiteral(items=items):
            return "{" + _args(items) + "}"
        case ast.CallExpr(name=name, args=args):
            return f"{name}({_args(args)})"
        case ast.IndexExpr(base=base, index=index):
            return f"{print_expr(base, POSTFIX)}[{print_expr(index)}]"
        case ast.MemberExpr(base=base, name=name):
            return f"{print_expr(base, POSTFIX)}.{name}"
        case ast.AtExpr(base=base, label=label):
            return f"{print_expr(base, POSTFIX)}@{label}"
        case ast.UnaryExpr(op=op, arg=arg):
            inner = print_expr(arg, UNARY)
            # `- -x`, not `--x`, which would lex as the decrement operator.
            sep = " " if op is ast.UnaryOp.NEG and inner.startswith("-") else ""
            return f"{op.value}{sep}{inner}"
        case ast.BinaryExpr(op=op, left=left, right=right):
            level = _LEVEL[op]
            # `=>` is right associative, the others left associative.
            lmin, rmin = (level + 1, level) if op is ast.BinaryOp.IMPLIES else (level, level + 1)
            lhs = print_expr(left, ATOM if _clarify(op, left) else lmin)
            rhs = print_expr(right, ATOM if _clarify(op, right) else rmin)
            return f"{lhs} {op.value} {rhs}"
        case ast.CondExpr(cond=cond, then=then, orelse=orelse):
            # The middle is parenthesized when it is a quantifier, whose body would
            # otherwise run on into `: orelse`; the last branch extends right.
            return f"{print_expr(cond, IMPLIES)} ? {print_expr(then, COND)} : {print_expr(orelse)}"
        case ast.QuantExpr(kind=kind, var=var, domain=domain, body=body):
            return f"{kind.value} {var} in {print_type(domain)}: {print_expr(body)}"
        case _:
            assert_never(e)


# --------------------------------------------------------------------------- types


def print_type(t: ast.TypeExpr) -> str:
    match t:
        case ast.BoolTypeExpr():
            return "bool"
        case ast.RangeTypeExpr(lo=lo, hi=hi):
            return f"{print_expr(lo, SUM)}..{print_expr(hi, SUM)}"
        case ast.SetTypeExpr(element=element):
            return f"set<{print_type(element)}>"
        case ast.NamedTypeExpr(name=name, optional=optional):
            return name + ("?" if optional else "")
        case _:
            assert_never(t)


# --------------------------------------------------------------------------- statements


def print_block(block: ast.Block, depth: int) -> str:
    """`{ ... }` with its statements at `depth + 1` (labels one level left of their step)."""
    if not block:
        return "{}"
    lines = _stmt_lines(block, depth + 1)
    return "{\n" + "\n".join(lines) + "\n" + INDENT * depth + "}"


def _stmt_lines(block: ast.Block, depth: int) -> list[str]:
    labelled = any(isinstance(s, ast.LabeledStmt) for s in block)
    inner = depth + 1 if labelled else depth
    lines: list[str] = []
    for stmt in block:
        while isinstance(stmt, ast.LabeledStmt):
            lines.append(f"{INDENT * depth}{stmt.label}:")
            stmt = stmt.stmt
        lines.append(INDENT * inner + print_stmt(stmt, inner))
    return lines


def print_stmt(s: ast.Stmt, depth: int = 0) -> str:
    """One statement, its first line unindented, later lines indented for `depth`."""
    match s:
        case ast.LabeledStmt(label=label, stmt=stmt):
            return f"{label}:\n{INDENT * (depth + 1)}{print_stmt(stmt, depth + 1)}"
        case ast.AssignStmt(target=target, op=op, value=value):
            return f"{print_expr(target)} {op.value} {print_expr(value)};"
        case ast.IncDecStmt(target=target, op=op):
            return f"{print_expr(target)}{op.value};"
        case ast.IfStmt(cond=cond, then=then, orelse=orelse):
            text = f"if ({print_expr(cond)}) {print_block(then, depth)}"
            match orelse:
                case ():
                    return text
                case (ast.IfStmt() as elif_,):
                    return f"{text} else {print_stmt(elif_, depth)}"
                case _:
                    return f"{text} else {print_block(orelse, depth)}"
        case ast.EitherStmt(branches=branches):
            return "either " + " or ".join(print_block(b, depth) for b in branches)
        case ast.AwaitStmt(cond=cond):
            return f"await {print_expr(cond)};"
        case ast.PickStmt(var=var, domain=domain, where=where):
            tail = "" if where is None else f" where {print_expr(where)}"
            return f"pick {var} in {print_type(domain)}{tail};"
        case ast.ForStmt(var=var, domain=domain, body=body):
            return f"for {var} in {print_type(domain)} {print_block(body, depth)}"
        case ast.WhileStmt(cond=cond, body=body):
            return f"while ({print_expr(cond)}) {print_block(body, depth)}"
        case ast.BreakStmt():
            return "break;"
        case ast.ContinueStmt():
            return "continue;"
        case ast.GotoStmt(label=label):
            return f"goto {label};"
        case ast.DoneStmt():
            return "done;"
        case ast.SkipStmt():
            return "skip;"
        case ast.MacroCallStmt(name=name, args=args):
            return f"{name}({_args(args)});"
        case _:
            assert_never(s)


# --------------------------------------------------------------------------- items


def _quote(text: str) -> str:
    return f'"{text}"'


def _var(d: ast.VarDecl) -> str:
    text = f"{d.kind.value} {d.name}: {print_type(d.type)}"
    match d.init:
        case None:
            return text + ";"
        case ast.InitEq(value=value):
            return f"{text} = {print_expr(value)};"
        case ast.InitChoice(choices=choices):
            return f"{text} in {{{_args(choices)}}};"
        case _:
            assert_never(d.init)


def _body(lines: list[str], depth: int) -> str:
    """`{` lines `}` where `lines` are already indented; `{}` when there are none."""
    if not lines:
        return "{}"
    return "{\n" + "\n".join(lines) + "\n" + INDENT * depth + "}"


def _fields(fields: tuple[ast.VarDecl, ...], depth: int) -> list[str]:
    return [INDENT * (depth + 1) + _var(f) for f in fields]


def print_item(item: ast.Item | ast.VariantItem, depth: int = 0) -> str:
    """One top-level (or variant) item, its first line unindented."""
    match item:
        case ast.Include(path=path):
            return f"include {_quote(path)};"
        case ast.ParamDecl(name=name, value=value):
            return f"param {name} = {print_expr(value)};"
        case ast.EnumDecl(name=name, members=members):
            inner = ", ".join(m.name for m in members)
            return f"enum {name} {{ {inner} }}" if members else f"enum {name} {{}}"
        case ast.TypeAlias(name=name, type=type_):
            return f"type {name} = {print_type(type_)};"
        case ast.CollectionDecl(name=name, size=size, fields=fields, symmetric=symmetric):
            prefix = "symmetric " if symmetric else ""
            head = f"{prefix}collection {name}[{print_expr(size)}]"
            return f"{head} {_body(_fields(fields, depth), depth)}"
        case ast.VarDecl():
            return _var(item)
        case ast.InitDecl(cond=cond):
            return f"init {print_expr(cond)};"
        case ast.DefDecl(name=name, params=params, result=result, body=body):
            ps = ", ".join(f"{p.name}: {print_type(p.type)}" for p in params)
            ret = "" if result is None else f": {print_type(result)}"
            return f"def {name}({ps}){ret} = {print_expr(body)};"
        case ast.MacroDecl(name=name, params=params, body=body):
            return f"macro {name}({', '.join(params)}) {print_block(body, depth)}"
        case ast.ActorDecl(name=name, instances=instances, locals=locals_, body=body):
            count = "" if instances is None else f"[{print_expr(instances)}]"
            lines = _fields(locals_, depth)
            if locals_ and body:
                lines.append("")
            lines.extend(_stmt_lines(body, depth + 1))
            return f"actor {name}{count} {_body(lines, depth)}"
        case ast.VariantDecl(name=name, extends=extends, items=items):
            base = "" if extends is None else f" extends {_quote(extends)}"
            lines = [INDENT * (depth + 1) + print_item(i, depth + 1) for i in items]
            return f"variant {_quote(name)}{base} {_body(lines, depth)}"
        case ast.FieldAdditions(collection=collection, fields=fields):
            return f"collection {collection} {_body(_fields(fields, depth), depth)}"
        case ast.StepOverride(actor=actor, label=label, body=body):
            return f"step {actor}.{label} {print_block(body, depth)}"
        case ast.ClaimDecl(name=name, mode=mode, prop=prop, witnesses=witnesses, assume=assume):
            pad = INDENT * (depth + 1)
            lines = [] if assume is None else [f"{pad}assume {print_expr(assume)};"]
            lines.append(f"{pad}{mode.value} {print_expr(prop)};")
            lines.extend(f"{pad}reachable {print_expr(w)};" for w in witnesses)
            return f"claim {name} {_body(lines, depth)}"
        case ast.ScenarioDecl(name=name, run=run, expect=expect, settings=settings, assume=assume):
            pad = INDENT * (depth + 1)
            lines = []
            if settings:
                lines.append(f"{pad}with {', '.join(f'{s.name} = {s.value}' for s in settings)};")
            if assume is not None:
                lines.append(f"{pad}assume {print_expr(assume)};")
            lines.append(f"{pad}run {', '.join(run)};")
            lines.append(f"{pad}expect {print_expr(expect)};")
            return f"scenario {name} {_body(lines, depth)}"
        case _:
            assert_never(item)
