"""Editor support: the Pygments lexer and the VS Code (TextMate) grammar know the
language's reserved words, and the lexer reads every bundled spec without an error."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from lark.lexer import PatternStr
from pygments.lexers import get_lexer_by_name, get_lexer_for_filename
from pygments.token import Comment, Error, Keyword, Name

from mbind_formal.dsl.parser import grammar
from mbind_formal.highlight import RESERVED, MbfLexer, highlight_html, tokens

ROOT = Path(__file__).resolve().parents[2]
VSCODE = ROOT / "editors" / "vscode"
SPECS = sorted(
    [*ROOT.glob("spec/**/*.mbf"), *ROOT.glob("tests/models/*.mbf"), *ROOT.glob("tests/tla/*.mbf")]
)


def _grammar_keywords() -> set[str]:
    return {
        t.pattern.value
        for t in grammar().terminals
        if isinstance(t.pattern, PatternStr) and t.pattern.value.isalpha()
    }


def test_lexer_reserved_words_are_the_grammars() -> None:
    assert set(RESERVED) == _grammar_keywords()


@pytest.mark.parametrize("path", SPECS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_bundled_spec_lexes_without_error(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    found = tokens(text)
    assert "".join(t for _, t in found) == text + ("" if text.endswith("\n") else "\n")
    assert [t for kind, t in found if kind in Error] == []


def test_lexer_roles() -> None:
    found = [(k, t) for k, t in tokens("actor a {\n  walk:\n    await x; // c\n}\n") if t.strip()]
    assert (Keyword.Declaration, "actor") in found
    assert (Name.Label, "walk") in found
    assert (Keyword, "await") in found
    assert (Comment.Single, "// c") in found


def test_lexer_is_a_pygments_plugin() -> None:
    assert isinstance(get_lexer_by_name("mbf"), MbfLexer)
    assert isinstance(get_lexer_for_filename("x.mbf"), MbfLexer)


def test_html_is_escaped() -> None:
    html = highlight_html('include "<b>.mbf";')
    assert "<b>" not in html and "&lt;b&gt;" in html


def _json(name: str) -> dict[str, object]:
    doc = json.loads((VSCODE / name).read_text(encoding="utf-8"))
    assert isinstance(doc, dict)
    return doc


def test_vscode_extension_files_are_valid_json_and_consistent() -> None:
    package = _json("package.json")
    grammar_doc = _json("syntaxes/mbf.tmLanguage.json")
    _json("language-configuration.json")
    contributes = package["contributes"]
    assert isinstance(contributes, dict)
    (lang,) = contributes["languages"]
    (gram,) = contributes["grammars"]
    assert lang["extensions"] == [".mbf"] and gram["language"] == lang["id"]
    assert gram["scopeName"] == grammar_doc["scopeName"]
    assert (VSCODE / gram["path"]).resolve() == (VSCODE / "syntaxes/mbf.tmLanguage.json")


def test_vscode_keywords_are_the_grammars_reserved_words() -> None:
    repo = _json("syntaxes/mbf.tmLanguage.json")["repository"]
    assert isinstance(repo, dict)
    words: set[str] = set()
    for pattern in repo["keywords"]["patterns"]:
        m = re.fullmatch(r"\\b\((.*)\)\\b", pattern["match"])
        assert m is not None, pattern
        words |= set(m.group(1).split("|"))
    assert words == _grammar_keywords()
    for kind in repo.values():  # every regex compiles (TextMate uses Oniguruma; these
        for pattern in kind["patterns"]:  # use only the common subset)
            for key in ("match", "begin", "end"):
                if key in pattern:
                    re.compile(pattern[key])
