"""Formatting: spec text -> the printer's canonical text, every comment kept.

Stage: dsl (text -> AST -> text). Input: one file's text. Output: `Formatted`: the
canonical text, or the parse diagnostics. The AST has no comments, so they are read
from the text (`comments`) and placed at anchors the printer prints (`dsl.printer.Notes`):
an own-line comment goes before the next anchor of the innermost enclosing container
(an item, a statement, a label, a field, a claim clause), or before its closing brace
when nothing follows; a comment after code on its line goes after the anchor that ends
there. A comment inside a construct the printer writes on one line (an enum, a long
expression) moves before that construct: kept, next to what it explains.

NOTE(fmt never loses text): before `Formatted.text` is returned, the result is parsed
again and must give the same AST, and must hold the same comments in the same order;
otherwise formatting fails (a bug, reported as such), and `mbind-formal fmt` writes
nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import pairwise

from mbind_formal.diagnostics import Diagnostic, Span
from mbind_formal.dsl import ast
from mbind_formal.dsl.parser import parse
from mbind_formal.dsl.printer import END_OF_FILE, Key, Notes, print_spec


@dataclass(frozen=True, slots=True)
class Comment:
    line: int
    col: int
    text: str
    after_code: bool  # code precedes it on its first line


def comments(text: str) -> list[Comment]:
    """The `//` and `/* */` comments of `text` in order (string literals skipped; they
    hold no line breaks and no escapes)."""
    out: list[Comment] = []
    i, line, col, code = 0, 1, 1, False
    n = len(text)
    while i < n:
        c = text[i]
        if c == "\n":
            i, line, col, code = i + 1, line + 1, 1, False
            continue
        if c == '"':
            j = text.find('"', i + 1)
            j = n if j < 0 else j + 1
            col += j - i
            i, code = j, True
            continue
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(Comment(line, col, text[i:j].rstrip(), code))
            col += j - i
            i = j
            continue
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            body = text[i:j]
            out.append(Comment(line, col, body, code))
            breaks = body.count("\n")
            line += breaks
            col = (len(body) - body.rfind("\n")) if breaks else col + len(body)
            i = j
            continue
        if not c.isspace():
            code = True
        i, col = i + 1, col + 1
    return out


# ----------------------------------------------------------------------------- anchors


@dataclass(slots=True)
class _Anchor:
    span: Span
    children: list[_Anchor] = field(default_factory=list)
    container: bool = False  # it has a closing brace (its children are inside)

    @property
    def key(self) -> Key:
        return (self.span.line, self.span.col)

    @property
    def start(self) -> tuple[int, int]:
        return (self.span.line, self.span.col)

    @property
    def end(self) -> tuple[int, int]:
        return (self.span.end_line, self.span.end_col)


def _anchor(span: Span | None, children: list[_Anchor], container: bool) -> list[_Anchor]:
    return [] if span is None else [_Anchor(span, children, container)]


def _label_span(span: Span, label: str) -> Span:
    end = span.col + len(label) + 1
    return Span(span.file, span.line, span.col, span.line, end)


def _block(block: ast.Block) -> list[_Anchor]:
    out: list[_Anchor] = []
    for s in block:
        out += _stmt(s)
    return out


def _stmt(s: ast.Stmt) -> list[_Anchor]:
    match s:
        case ast.LabeledStmt(label=label, stmt=inner):
            # the label's own line ends at its colon (a comment after it trails it)
            own = None if s.span is None else _label_span(s.span, label)
            return [*_anchor(own, [], False), *_stmt(inner)]
        case ast.IfStmt(then=then, orelse=orelse):
            return _anchor(s.span, [*_block(then), *_block(orelse)], True)
        case ast.EitherStmt(branches=branches):
            return _anchor(s.span, [a for b in branches for a in _block(b)], True)
        case ast.ForStmt(body=body) | ast.WhileStmt(body=body):
            return _anchor(s.span, _block(body), True)
        case _:
            return _anchor(s.span, [], False)


def _fields(fields: tuple[ast.VarDecl, ...]) -> list[_Anchor]:
    return [a for f in fields for a in _anchor(f.span, [], False)]


def _item(it: ast.Item | ast.VariantItem) -> list[_Anchor]:
    match it:
        case ast.CollectionDecl(fields=fs) | ast.FieldAdditions(fields=fs):
            return _anchor(it.span, _fields(fs), True)
        case ast.ActorDecl(locals=locals_, body=body):
            return _anchor(it.span, [*_fields(locals_), *_block(body)], True)
        case ast.MacroDecl(body=body) | ast.StepOverride(body=body):
            return _anchor(it.span, _block(body), True)
        case ast.VariantDecl(items=items):
            return _anchor(it.span, [a for i in items for a in _item(i)], True)
        case ast.ClaimDecl(assume=assume, prop=prop, witnesses=witnesses, fairness=fairness):
            spans = [
                *([assume.span] if assume is not None else []),
                *(f.span for f in fairness),
                prop.span,
                *(w.span for w in witnesses),
            ]
            return _anchor(it.span, [a for sp in spans for a in _anchor(sp, [], False)], True)
        case ast.ScenarioDecl(settings=settings, assume=assume, expect=expect):
            parts = [
                *_anchor(settings[0].span if settings else None, [], False),
                *_anchor(assume.span if assume is not None else None, [], False),
                *_anchor(expect.span, [], False),
            ]
            return _anchor(it.span, parts, True)
        case _:
            return _anchor(it.span, [], False)


def _walk(anchors: list[_Anchor]) -> Iterator[_Anchor]:
    for a in anchors:
        yield a
        yield from _walk(a.children)


def _place(c: Comment, top: list[_Anchor], notes: dict[str, dict[Key, list[str]]]) -> None:
    pos = (c.line, c.col)
    if c.after_code:
        # After the innermost anchor that ends on this line, before the comment.
        ending = [a for a in _walk(top) if a.span.end_line == c.line and a.end <= pos]
        if ending:
            best = max(ending, key=lambda a: (a.end, a.start))
            notes["trailing"].setdefault(best.key, []).append(c.text)
            return
    # Own line (or after an opening brace): inside the innermost enclosing anchor.
    children, owner = top, END_OF_FILE
    while True:
        inside = next((a for a in children if a.start < pos < a.end), None)
        if inside is None:
            break
        if not inside.container:  # a one-line construct, or inside an expression
            notes["leading"].setdefault(inside.key, []).append(c.text)
            return
        children, owner = inside.children, inside.key
    nxt = next((a for a in children if a.start > pos), None)
    if nxt is not None:
        notes["leading"].setdefault(nxt.key, []).append(c.text)
    else:
        notes["closing"].setdefault(owner, []).append(c.text)


def _blanks(siblings: list[_Anchor], blank: set[int], out: set[Key]) -> None:
    """Anchors with a blank source line between them and the sibling before them."""
    for prev, cur in pairwise(siblings):
        if any(prev.span.end_line < n < cur.span.line for n in blank):
            out.add(cur.key)
    for a in siblings:
        _blanks(a.children, blank, out)


def notes_for(spec: ast.SpecFile, found: list[Comment], text: str = "") -> Notes:
    """Where each comment goes when `spec` is printed (and, from `text`, which anchors a
    blank line sets apart)."""
    top = [a for it in spec.items for a in _item(it)]
    notes: dict[str, dict[Key, list[str]]] = {"leading": {}, "trailing": {}, "closing": {}}
    for c in found:
        _place(c, top, notes)
    blank = {n for n, line in enumerate(text.splitlines(), 1) if not line.strip()}
    apart: set[Key] = set()
    _blanks(top, blank, apart)
    frozen = {k: {a: tuple(v) for a, v in d.items()} for k, d in notes.items()}
    return Notes(
        leading=frozen["leading"],
        trailing=frozen["trailing"],
        closing=frozen["closing"],
        blank_before=frozenset(apart),
    )


# ----------------------------------------------------------------------------- format


@dataclass(frozen=True, slots=True)
class Formatted:
    """The canonical text (None when the file does not parse), and the diagnostics."""

    text: str | None
    diagnostics: tuple[Diagnostic, ...] = ()


class FormatBug(Exception):
    """The formatted text would not be the same spec, or would lose a comment."""


def format_text(text: str, filename: str = "<text>") -> Formatted:
    """`text` in the canonical layout, comments kept (NOTE(fmt never loses text))."""
    spec, diags = parse(text, filename)
    if spec is None:
        return Formatted(None, diags)
    found = comments(text)
    out = print_spec(spec, notes_for(spec, found, text))
    again, _ = parse(out, filename)
    if again != spec:
        raise FormatBug(f"{filename}: the formatted text parses to another spec")
    if [c.text.strip() for c in comments(out)] != [c.text.strip() for c in found]:
        raise FormatBug(f"{filename}: formatting would move comments out of order or lose one")
    return Formatted(out, diags)
