"""A corpus of syntax errors: each one's code, exact position, message and hint."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from mbind_formal.diagnostics import Span, render
from mbind_formal.dsl.parser import parse


@dataclass(frozen=True)
class Case:
    text: str
    code: str
    line: int
    col: int
    message: str  # a substring of the message
    hint: str | None  # a substring of the hint; None: there must be no hint


CORPUS: dict[str, Case] = {
    "missing semicolon": Case(
        "actor a {\n  l: x = 1\n  y = 2;\n}\n",
        "MBF101", 3, 3, "unexpected name 'y': expected ';'", "missing ';' at the end of line 2",
    ),
    "missing semicolon on one line": Case(
        "actor a { l: x = 1 y = 2; }",
        "MBF101", 1, 20, "expected ';'", "missing ';' before name 'y'",
    ),
    "missing semicolon at end of file": Case(
        "param p = 3", "MBF103", 1, 12, "unexpected end of file: expected ';'", "last ';'",
    ),
    "unterminated block": Case(
        "actor a {\n  l: if (x) {\n    skip;\n  }\n",
        "MBF103", 4, 4, "the '{' at line 1, column 9 is never closed", "expected a statement",
    ),
    "extra closing brace": Case(
        "actor a { l: skip; } }",
        "MBF101", 1, 22, "unexpected '}': expected a declaration", "no matching opening",
    ),
    "unterminated comment": Case(
        "param p = 1;\n/* never\n closed\n",
        "MBF103", 2, 1, "unterminated comment", "ends with '*/'",
    ),
    "nested comment": Case(
        "/* a /* b */ c */ param p = 1;",
        "MBF101", 1, 14, "unexpected name 'c'", "comments do not nest",
    ),
    "stray dollar": Case("var $x: bool;", "MBF102", 1, 5, "unexpected character '$'", None),
    "stray hash": Case(
        '#include "x.mbf"\n', "MBF102", 1, 1, "unexpected character '#'", "no preprocessor",
    ),
    "non-ASCII operator": Case(
        "init a ≤ b;", "MBF102", 1, 8, "unexpected character '≤'", "only ASCII",
    ),
    "binary garbage with NUL bytes": Case(
        "param p = 1;\n\x00\x01\x02ELF\xff", "MBF102", 2, 1, "'\\x00' (NUL)", "binary file",
    ),
    "keyword used as a name": Case(
        "var step: bool;", "MBF101", 1, 5, "unexpected keyword 'step': expected a name",
        "'step' is a reserved word",
    ),
    "keyword used as a field name": Case(
        "collection C[2] { var type: bool; }", "MBF101", 1, 23, "keyword 'type'",
        "reserved word",
    ),
    "and instead of &&": Case(
        "init a and b;", "MBF101", 1, 8, "unexpected name 'and'", "write '&&' for 'and'",
    ),
    "or instead of ||": Case(
        "init a or b;", "MBF101", 1, 8, "unexpected keyword 'or'", "write '||' for 'or'",
    ),
    "not instead of !": Case(
        "init not a;", "MBF101", 1, 6, "expected an expression", "write '!' for 'not'",
    ),
    "if without braces": Case(
        "actor a {\n  l: if (x) y = 1;\n}", "MBF101", 2, 13, "expected '{'",
        "a block needs braces",
    ),
    "if without parentheses": Case(
        "actor a { l: if x { skip; } }", "MBF101", 1, 17, "expected '('",
        "the condition needs parentheses",
    ),
    "= where == was meant": Case(
        "actor a { l: if (x = 1) { skip; } }", "MBF101", 1, 20, "unexpected '=': expected ')'",
        "write '==' to compare",
    ),
    "== where = was meant": Case(
        "actor a { l: x == 1; }", "MBF101", 1, 16, "expected an assignment",
        "write '=' to assign",
    ),
    "missing expression after operator": Case(
        "init a + ;", "MBF101", 1, 10, "unexpected ';': expected an expression",
        "'+' needs an expression on its right",
    ),
    "missing right operand before a parenthesis": Case(
        "init (a && );", "MBF101", 1, 12, "expected an expression", "'&&' needs an expression",
    ),
    "empty set type": Case(
        "var s: set<>;", "MBF101", 1, 12, "unexpected '>': expected a type", "set<Flag>",
    ),
    "unterminated string in include": Case(
        'include "common.mbf;\n', "MBF103", 1, 9, "unterminated string", "same line",
    ),
    "else without if": Case(
        "actor a { l: skip; else { skip; } }", "MBF104", 1, 20,
        "'else' without a matching 'if'", "directly follow",
    ),
    "statement at the top level": Case(
        "if (x) { skip; }", "MBF104", 1, 1, "'if' cannot appear here",
        "statements belong inside an actor",
    ),
    "assignment at the top level": Case(
        "x = 1;", "MBF101", 1, 1, "unexpected name 'x': expected a declaration",
        "only declarations",
    ),
    "local declared after a statement": Case(
        "actor a { l: skip; var y: bool; }", "MBF104", 1, 20, "'var' cannot appear here",
        "before the actor's first statement",
    ),
    "declaration inside a block": Case(
        "actor a { l: if (x) { def f() = 1; } }", "MBF104", 1, 23, "'def' cannot appear here",
        "declarations belong at the top level",
    ),
    "claim parts out of order": Case(
        "claim c { reachable x; always y; }", "MBF104", 1, 11,
        "'reachable' cannot appear here", "a claim reads",
    ),
    "scenario without run": Case(
        "scenario s { expect x; }", "MBF104", 1, 14, "'expect' cannot appear here",
        "a scenario reads",
    ),
    "step override outside a variant": Case(
        "step a.l { skip; }", "MBF104", 1, 1, "'step' cannot appear here", "inside a variant",
    ),
    "enum in a variant": Case(
        'variant "v" { enum E { A } }', "MBF104", 1, 15, "'enum' cannot appear here",
        "a variant may hold only",
    ),
    "semicolon after a closing brace": Case(
        "enum E { A, B };", "MBF101", 1, 16, "unexpected ';'", "no ';' is needed after a '}'",
    ),
    "either with one branch": Case(
        "actor a { l: either { skip; } }", "MBF101", 1, 31, "expected 'or'",
        "at least two branches",
    ),
    "label without a statement": Case(
        "actor a { l: }", "MBF101", 1, 14, "expected a statement", "followed by a statement",
    ),
    "prefix increment": Case(
        "actor a { l: ++x; }", "MBF101", 1, 14, "unexpected '++'", "'x++;'",
    ),
    "missing comma": Case(
        "enum E { A B }", "MBF101", 1, 12, "expected '}' or ','", "missing ',' before name 'B'",
    ),
    "unclosed parenthesis": Case(
        "init (a && (b || c);", "MBF101", 1, 20, "expected ')'",
        "the '(' at line 1, column 6 is not closed",
    ),
    "too deeply nested": Case(
        "init " + "!" * 300 + "x;", "MBF105", 1, 204, "nesting too deep", "'def'",
    ),
    "integer literal too large": Case(
        "param p = 99999999999999999999999;", "MBF106", 1, 11, "too large", None,
    ),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_syntax_error(name: str) -> None:
    case = CORPUS[name]
    result, diagnostics = parse(case.text, "bad.mbf")
    assert result is None
    (diag,) = diagnostics
    assert diag.code == case.code, render(diag, {"bad.mbf": case.text})
    assert diag.span is not None
    assert (diag.span.file, diag.span.line, diag.span.col) == ("bad.mbf", case.line, case.col)
    assert case.message in diag.message
    if case.hint is None:
        assert diag.hint is None
    else:
        assert diag.hint is not None and case.hint in diag.hint, diag.hint


def test_corpus_covers_every_syntax_code() -> None:
    codes = {case.code for case in CORPUS.values()}
    assert {"MBF101", "MBF102", "MBF103", "MBF104"} <= codes


def test_span_covers_the_whole_offending_token() -> None:
    _, (diag,) = parse("var  reachable: bool;", "bad.mbf")
    assert diag.span == Span("bad.mbf", 1, 6, 1, 15)


def test_unterminated_block_names_where_it_was_opened() -> None:
    text = "actor a {\n  l: while (x) {\n    skip;\n"
    _, (diag,) = parse(text, "bad.mbf")
    assert diag.code == "MBF103"
    assert "the '{' at line 2, column 16 is never closed" in diag.message
    (related,) = diag.related
    assert related.span == Span("bad.mbf", 2, 16, 2, 17)


def test_rendered_error_points_at_the_token() -> None:
    text = "actor a {\n  l: await a and b;\n}\n"
    _, (diag,) = parse(text, "spec/x.mbf")
    assert render(diag, {"spec/x.mbf": text}).splitlines() == [
        "spec/x.mbf:2:14: error[MBF101]: unexpected name 'and': expected ';'",
        "  2 |   l: await a and b;",
        "    |              ^^^",
        "  hint: write '&&' for 'and'",
    ]
