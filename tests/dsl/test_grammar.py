"""The grammar itself: packaged, conflict-free LALR(1), every keyword reserved."""

from __future__ import annotations

import logging
from importlib import resources

import pytest
from lark import Lark
from lark.lexer import PatternStr
from strategies import KEYWORDS

from mbind_formal.dsl.parser import grammar, parse


def grammar_text() -> str:
    return resources.files("mbind_formal.dsl").joinpath("grammar.lark").read_text("utf-8")


def test_grammar_is_package_data() -> None:
    assert "start: item*" in grammar_text()
    assert grammar() is grammar()  # built once


def test_lalr_table_has_no_conflicts(caplog: pytest.LogCaptureFixture) -> None:
    """Lark resolves shift/reduce conflicts silently as shifts; we want none at all."""
    with caplog.at_level(logging.DEBUG, logger="lark"):
        Lark(grammar_text(), parser="lalr", lexer="basic", debug=True)
    conflicts = [r.getMessage() for r in caplog.records if "conflict" in r.getMessage().lower()]
    assert conflicts == []


def test_conflict_detection_works(caplog: pytest.LogCaptureFixture) -> None:
    """The check above would notice a conflict (dangling-else style grammar)."""
    ambiguous = 'start: "if" start ["else" start] | "x"\n%ignore " "'
    with caplog.at_level(logging.DEBUG, logger="lark"):
        Lark(ambiguous, parser="lalr", lexer="basic", debug=True)
    assert any("conflict" in r.getMessage().lower() for r in caplog.records)


def test_keyword_list_matches_grammar() -> None:
    """tests/dsl/strategies.KEYWORDS (names the generator must avoid) is the grammar's."""
    words = {
        t.pattern.value
        for t in grammar().terminals
        if isinstance(t.pattern, PatternStr) and t.pattern.value.isalpha()
    }
    assert words == KEYWORDS


@pytest.mark.parametrize("word", sorted(KEYWORDS))
def test_keywords_are_reserved_everywhere(word: str) -> None:
    for text in (f"var {word}: bool;", f"init x.{word};", f"actor a {{ {word}x: skip; }}"):
        if "x:" in text:  # a keyword prefix inside a longer name is an ordinary name
            assert parse(text, "k.mbf")[1] == ()
            continue
        result, (diag,) = parse(text, "k.mbf")
        assert result is None
        assert diag.code in ("MBF101", "MBF104")


def test_identifiers_may_start_with_underscores() -> None:
    result, diagnostics = parse("def __PageMovable(_p: _T) = _p._f;", "u.mbf")
    assert diagnostics == () and result is not None
