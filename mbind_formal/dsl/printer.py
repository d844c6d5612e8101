"""Printer: AST -> canonical spec text.

Stage: the inverse of `dsl.parser.parse`. Input: a `SpecFile` (or any expression, type
or statement). Output: text in one canonical layout (two-space indents, labels one
level left of their step's statements, minimal parentheses, decimal integers, quoted
variant names). Round trip: `parse(print_spec(x))[0] == x` for every well-formed AST
(`IntLiteral` values non-negative, names not keywords, `either` with two branches or
more, include paths and variant names without '"' or line breaks); tests/dsl check it
on the examples and on hypothesis-generated ASTs.

Comments are not part of the AST: `print_spec(spec, notes)` prints the comments
`notes` places before, after or at the end of anchors (items, statements, labels,
fields, claim clauses), which is how `dsl.format` keeps a file's comments. Long
conditions wrap at their top-level `&&`, `||` and `=>` (past `WIDTH` columns).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import assert_never

from mbind_formal.diagnostics import Span
from mbind_formal.dsl import ast

INDENT = "  "
WIDTH = 100  # a condition longer than this wraps at its top-level && / || / =>
Key = tuple[int, int]  # an anchor's span start (line, col) in its file
END_OF_FILE: Key = (0, 0)  # `Notes.closing` key of comments after the last item


@dataclass(frozen=True, slots=True)
class Notes:
    """Comment lines to print at anchors: before one (`leading`), after its last line
    (`trailing`), or before the closing `}` of a container / the end of the file
    (`closing`). Keys are the anchors' span starts."""

    leading: Mapping[Key, tuple[str, ...]] = field(default_factory=dict)
    trailing: Mapping[Key, tuple[str, ...]] = field(default_factory=dict)
    closing: Mapping[Key, tuple[str, ...]] = field(default_factory=dict)
    blank_before: frozenset[Key] = frozenset()  # anchors the source set off by a blank line


NO_NOTES = Notes()


def key(span: Span | None) -> Key | None:
    return None if span is None else (span.line, span.col)


# Binding strength, loosest first; a sub-expression printed in a slot that needs a
# tighter level than its own gets parentheses.
(
    QUANT,
    COND,
    IMPLIES,
    OR,
    AND,
    BITOR,
    BITAND,
    EQUALITY,
    RELATION,
    SUM,
    PRODUCT,
    UNARY,
    POSTFIX,
    ATOM,
) = range(14)

_LEVEL: dict[ast.BinaryOp, int] = {
    ast.BinaryOp.IMPLIES: IMPLIES,
    ast.BinaryOp.LEADS_TO: IMPLIES,
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
    ast.BinaryOp.MUL: PRODUCT,
    ast.BinaryOp.DIV: PRODUCT,
    ast.BinaryOp.MOD: PRODUCT,
}


def print_spec(spec: ast.SpecFile, notes: Notes = NO_NOTES) -> str:
    """The canonical text of a whole file (ends with one newline; empty file: empty text),
    with the comments `notes` places."""
    return _Printer(notes).spec(spec)


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
            # `=>` and `~>` are right associative, the others left associative.
            right_assoc = op in (ast.BinaryOp.IMPLIES, ast.BinaryOp.LEADS_TO)
            lmin, rmin = (level + 1, level) if right_assoc else (level, level + 1)
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


# --------------------------------------------------------------------------- wrapping

_CHAIN = (ast.BinaryOp.AND, ast.BinaryOp.OR)


def _operands(e: ast.Expr, op: ast.BinaryOp) -> list[tuple[ast.Expr, int]]:
    """The left spine of a left-associative `op` chain as (operand, the level it is
    printed at), so the pieces print exactly as `_expr` prints the whole."""
    level = _LEVEL[op]
    spine: list[ast.Expr] = []
    while isinstance(e, ast.BinaryExpr) and e.op is op:
        spine.append(e.right)
        e = e.left
    first = (e, ATOM if _clarify(op, e) else level)
    return [first, *((x, ATOM if _clarify(op, x) else level + 1) for x in reversed(spine))]


def wrap_expr(e: ast.Expr, col: int, hang: str, min_level: int = QUANT) -> str:
    """`print_expr(e, min_level)` starting at column `col`, broken at top-level `&&`,
    `||` and `=>` into lines that start with `hang` when it would pass `WIDTH`."""
    flat = print_expr(e, min_level)
    if col + len(flat) <= WIDTH or _level(e) < min_level:
        return flat
    match e:
        case ast.BinaryExpr(op=op) if op in _CHAIN:
            lines = [""]
            for i, (x, level) in enumerate(_operands(e, op)):
                start = col if len(lines) == 1 else len(hang)
                piece = wrap_expr(x, start + len(lines[-1]), hang, level)
                sep = f" {op.value}" if i < len(_operands(e, op)) - 1 else ""
                if lines[-1] and start + len(lines[-1]) + 1 + len(piece) + len(sep) > WIDTH:
                    lines.append("")
                lines[-1] += (" " if lines[-1] else "") + piece + sep
            return ("\n" + hang).join(lines)
        case ast.BinaryExpr(
            op=ast.BinaryOp.IMPLIES | ast.BinaryOp.LEADS_TO as op, left=left, right=right
        ):
            level = _LEVEL[op]
            lhs = wrap_expr(left, col, hang, level + 1)
            rhs = wrap_expr(right, len(hang), hang, level)
            return f"{lhs} {op.value}\n{hang}{rhs}"
        case ast.QuantExpr(kind=kind, var=var, domain=domain, body=body):
            head = f"{kind.value} {var} in {print_type(domain)}: "
            return head + wrap_expr(body, col + len(head), hang)
        case _:
            return flat


# --------------------------------------------------------------------------- statements


def print_block(block: ast.Block, depth: int) -> str:
    """`{ ... }` with its statements at `depth + 1` (labels one level left of their step)."""
    return _Printer(NO_NOTES).block(block, depth, None)


def print_stmt(s: ast.Stmt, depth: int = 0) -> str:
    """One statement, its first line unindented, later lines indented for `depth`."""
    return _Printer(NO_NOTES).stmt(s, depth)


def print_item(item: ast.Item | ast.VariantItem, depth: int = 0) -> str:
    """One top-level (or variant) item, its first line unindented."""
    return _Printer(NO_NOTES).item(item, depth)


def _squeeze(lines: list[str]) -> list[str]:
    """No blank line at the start of a body, and never two in a row."""
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return out


def _quote(text: str) -> str:
    return f'"{text}"'


class _Printer:
    """The printer proper, placing `notes` (comments) at the anchors it prints."""

    def __init__(self, notes: Notes) -> None:
        self.notes = notes

    # ------------------------------------------------------------------ comments

    def lead(self, span: Span | None, pad: str) -> list[str]:
        """The comment lines before an anchor, indented by `pad`."""
        k = key(span)
        return [pad + c for c in self.notes.leading.get(k, ())] if k is not None else []

    def trail(self, span: Span | None, text: str) -> str:
        """`text` (an anchor's printed form) with its trailing comments after it."""
        k = key(span)
        found = self.notes.trailing.get(k, ()) if k is not None else ()
        return text + "".join(f"  {c}" for c in found)

    def close(self, k: Key | None, pad: str) -> list[str]:
        """The comment lines before a container's closing brace (or the end of file)."""
        return [pad + c for c in self.notes.closing.get(k, ())] if k is not None else []

    def anchored(self, span: Span | None, pad: str, text: str) -> list[str]:
        """An anchor's lines: a blank line where the source had one, leading comments,
        then `text` (first line padded)."""
        blank = [""] if key(span) in self.notes.blank_before else []
        return [*blank, *self.lead(span, pad), pad + self.trail(span, text)]

    # ------------------------------------------------------------------ file

    def spec(self, spec: ast.SpecFile) -> str:
        chunks: list[str] = []
        previous: tuple[type, str] | None = None
        for item in spec.items:
            text = "\n".join([*self.lead(item.span, ""), self.trail(item.span, self.item(item, 0))])
            if previous is not None:
                # Runs of one-line items of one kind (params, vars, ...) stay together,
                # unless the source set them apart.
                kind, last = previous
                one_line = "\n" not in text and "\n" not in last
                apart = key(item.span) in self.notes.blank_before
                chunks.append("\n" if one_line and kind is type(item) and not apart else "\n\n")
            chunks.append(text)
            previous = (type(item), text)
        end = self.close(END_OF_FILE, "")
        if end:
            chunks.append(("\n\n" if chunks else "") + "\n".join(end))
        return "".join(chunks) + "\n" if chunks else ""

    # ------------------------------------------------------------------ statements

    def block(self, block: ast.Block, depth: int, owner: Key | None) -> str:
        lines = _squeeze(
            [*self.stmt_lines(block, depth + 1), *self.close(owner, INDENT * (depth + 1))]
        )
        if not lines:
            return "{}"
        return "{\n" + "\n".join(lines) + "\n" + INDENT * depth + "}"

    def stmt_lines(self, block: ast.Block, depth: int) -> list[str]:
        labelled = any(isinstance(s, ast.LabeledStmt) for s in block)
        inner = depth + 1 if labelled else depth
        lines: list[str] = []
        for stmt in block:
            while isinstance(stmt, ast.LabeledStmt):
                lines += self.anchored(stmt.span, INDENT * depth, f"{stmt.label}:")
                stmt = stmt.stmt
            lines += self.anchored(stmt.span, INDENT * inner, self.stmt(stmt, inner))
        return lines

    def cond(self, e: ast.Expr, col: int, depth: int) -> str:
        return wrap_expr(e, col, INDENT * (depth + 2))

    def stmt(self, s: ast.Stmt, depth: int = 0) -> str:
        col = len(INDENT * depth)
        match s:
            case ast.LabeledStmt(label=label, stmt=stmt):
                return f"{label}:\n{INDENT * (depth + 1)}{self.stmt(stmt, depth + 1)}"
            case ast.AssignStmt(target=target, op=op, value=value, every=every):
                lhs = f"{print_expr(target)} {op.value} " + ("all " if every else "")
                return f"{lhs}{self.cond(value, col + len(lhs), depth)};"
            case ast.IncDecStmt(target=target, op=op):
                return f"{print_expr(target)}{op.value};"
            case ast.IfStmt(cond=cond, then=then, orelse=orelse):
                k = key(s.span)
                head = f"if ({self.cond(cond, col + 4, depth)}) "
                text = head + self.block(then, depth, None if orelse else k)
                match orelse:
                    case ():
                        return text
                    case (ast.IfStmt() as elif_,):
                        return f"{text} else {self.stmt(elif_, depth)}"
                    case _:
                        return f"{text} else {self.block(orelse, depth, k)}"
            case ast.EitherStmt(branches=branches):
                k = key(s.span)
                last = len(branches) - 1
                parts = [
                    self.block(b, depth, k if i == last else None) for i, b in enumerate(branches)
                ]
                return "either " + " or ".join(parts)
            case ast.AwaitStmt(cond=cond):
                return f"await {self.cond(cond, col + 6, depth)};"
            case ast.PickStmt(var=var, domain=domain, where=where):
                head = f"pick {var} in {print_type(domain)}"
                if where is None:
                    return head + ";"
                return f"{head} where {self.cond(where, col + len(head) + 7, depth)};"
            case ast.ForStmt(var=var, domain=domain, body=body):
                return f"for {var} in {print_type(domain)} {self.block(body, depth, key(s.span))}"
            case ast.WhileStmt(cond=cond, body=body):
                head = f"while ({self.cond(cond, col + 7, depth)}) "
                return head + self.block(body, depth, key(s.span))
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
            case ast.CallStmt(name=name, args=args, target=target):
                into = "" if target is None else f"{print_expr(target, POSTFIX)} = "
                return f"{into}call {name}({_args(args)});"
            case ast.ReturnStmt(value=value):
                return "return;" if value is None else f"return {print_expr(value)};"
            case _:
                assert_never(s)

    # ------------------------------------------------------------------ items

    def var(self, d: ast.VarDecl, col: int, depth: int) -> str:
        text = f"{'guarded ' if d.guarded else ''}{d.kind.value} {d.name}: {print_type(d.type)}"
        match d.init:
            case None:
                return text + ";"
            case ast.InitEq(value=value):
                return f"{text} = {self.cond(value, col + len(text) + 3, depth)};"
            case ast.InitChoice(choices=choices):
                return f"{text} in {{{_args(choices)}}};"
            case _:
                assert_never(d.init)

    def body(self, lines: list[str], depth: int, owner: Key | None) -> str:
        """`{` lines `}` where `lines` are already indented; `{}` when there are none."""
        lines = _squeeze([*lines, *self.close(owner, INDENT * (depth + 1))])
        if not lines:
            return "{}"
        return "{\n" + "\n".join(lines) + "\n" + INDENT * depth + "}"

    def fields(self, fields: tuple[ast.VarDecl, ...], depth: int) -> list[str]:
        pad = INDENT * (depth + 1)
        out: list[str] = []
        for f in fields:
            out += self.anchored(f.span, pad, self.var(f, len(pad), depth + 1))
        return out

    def clause(self, word: str, e: ast.Expr, depth: int) -> list[str]:
        pad = INDENT * (depth + 1)
        return self.anchored(
            e.span, pad, f"{word} {self.cond(e, len(pad) + len(word) + 1, depth + 1)};"
        )

    def item(self, item: ast.Item | ast.VariantItem, depth: int = 0) -> str:
        k = key(item.span)
        col = len(INDENT * depth)
        match item:
            case ast.Include(path=path):
                return f"include {_quote(path)};"
            case ast.AllowDeadlock():
                return "allow deadlock;"
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
                return f"{head} {self.body(self.fields(fields, depth), depth, k)}"
            case ast.VarDecl():
                return self.var(item, col, depth)
            case ast.InitDecl(cond=cond):
                return f"init {self.cond(cond, col + 5, depth)};"
            case ast.DefDecl(name=name, params=params, result=result, body=body):
                ps = ", ".join(f"{p.name}: {print_type(p.type)}" for p in params)
                ret = "" if result is None else f": {print_type(result)}"
                head = f"def {name}({ps}){ret} = "
                return f"{head}{self.cond(body, col + len(head), depth)};"
            case ast.MacroDecl(name=name, params=params, body=body):
                return f"macro {name}({', '.join(params)}) {self.block(body, depth, k)}"
            case ast.ActorDecl(name=name, instances=instances, locals=locals_, body=body):
                count = "" if instances is None else f"[{print_expr(instances)}]"
                lines = self.fields(locals_, depth)
                if locals_ and body:
                    lines.append("")
                lines.extend(self.stmt_lines(body, depth + 1))
                return f"actor {name}{count} {self.body(lines, depth, k)}"
            case ast.ProcDecl(name=name, params=params, result=result, locals=locals_, body=body):
                ps = ", ".join(f"{p.name}: {print_type(p.type)}" for p in params)
                ret = "" if result is None else f": {print_type(result)}"
                lines = self.fields(locals_, depth)
                if locals_ and body:
                    lines.append("")
                lines.extend(self.stmt_lines(body, depth + 1))
                return f"procedure {name}({ps}){ret} {self.body(lines, depth, k)}"
            case ast.VariantDecl(name=name, extends=extends, items=items):
                base = "" if extends is None else f" extends {_quote(extends)}"
                pad = INDENT * (depth + 1)
                lines = []
                for i in items:
                    lines += self.anchored(i.span, pad, self.item(i, depth + 1))
                return f"variant {_quote(name)}{base} {self.body(lines, depth, k)}"
            case ast.FieldAdditions(collection=collection, fields=fields):
                return f"collection {collection} {self.body(self.fields(fields, depth), depth, k)}"
            case ast.StepOverride(actor=actor, label=label, body=body):
                return f"step {actor}.{label} {self.block(body, depth, k)}"
            case ast.ClaimDecl(name=name, mode=mode, prop=prop, witnesses=witnesses, assume=assume):
                lines = [] if assume is None else self.clause("assume", assume, depth)
                pad = INDENT * (depth + 1)
                for f in item.fairness:
                    lines += self.anchored(f.span, pad, self.item(f, depth + 1))
                if mode is ast.ClaimMode.LEADS_TO:
                    lines += self.anchored(
                        prop.span, pad, f"{self.cond(prop, len(pad), depth + 1)};"
                    )
                else:
                    lines += self.clause(mode.value, prop, depth)
                for w in witnesses:
                    lines += self.clause("reachable", w, depth)
                return f"claim {name} {self.body(lines, depth, k)}"
            case ast.ScenarioDecl(
                name=name, run=run, expect=expect, settings=settings, assume=assume
            ):
                pad = INDENT * (depth + 1)
                lines = []
                if settings:
                    shown = ", ".join(f"{s.name} = {s.value}" for s in settings)
                    lines += self.anchored(settings[0].span, pad, f"with {shown};")
                if assume is not None:
                    lines += self.clause("assume", assume, depth)
                lines.append(f"{pad}run {', '.join(run)};")
                lines += self.clause("expect", expect, depth)
                return f"scenario {name} {self.body(lines, depth, k)}"
            case ast.FairnessDecl(strong=strong, actor=actor, label=label):
                what = f"actor {actor}" if label is None else f"step {actor}.{label}"
                return f"{'strong ' if strong else ''}fair {what};"
            case _:
                assert_never(item)
