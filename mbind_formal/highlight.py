"""Syntax highlighting of spec text: a Pygments lexer for `.mbf` files.

Stage: shared presentation (imports nothing of the package). Input: spec text. Output:
Pygments tokens; `highlight_html` renders an excerpt as HTML spans (the HTML report
shows claim texts with it). The lexer is also registered as the Pygments plugin `mbf`
(`pygmentize -l mbf spec/mbind.mbf`). Its reserved words are the grammar's, split by
role; `tests/dsl/test_highlight.py` holds the union equal to the grammar's keywords and
to the VS Code grammar's (`editors/vscode/`).
"""

from __future__ import annotations

from typing import ClassVar

from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexer import RegexLexer, bygroups, words
from pygments.token import (
    Comment,
    Keyword,
    Name,
    Number,
    Operator,
    Punctuation,
    String,
    Whitespace,
)

DECLARATIONS = (
    "include", "param", "enum", "type", "collection", "symmetric", "const", "var", "init",
    "def", "macro", "actor", "variant", "extends", "step", "claim", "assume", "always",
    "final", "reachable", "scenario", "with", "run", "expect", "guarded", "allow",
    "deadlock", "fair", "strong", "eventually", "procedure",
)  # fmt: skip
STATEMENTS = (
    "if", "else", "either", "or", "await", "pick", "where", "for", "in", "while", "break",
    "continue", "goto", "done", "skip", "call", "return", "all",
)  # fmt: skip
CONSTANTS = ("true", "false", "none", "self")
OPERATOR_WORDS = ("forall", "exists", "not")
TYPES = ("set", "bool")
RESERVED = frozenset((*DECLARATIONS, *STATEMENTS, *CONSTANTS, *OPERATOR_WORDS, *TYPES))

_IDENT = r"[A-Za-z_][A-Za-z0-9_]*"


class MbfLexer(RegexLexer):  # type: ignore[misc]  # pygments is untyped
    """The mbind-formal spec language (`.mbf`)."""

    name = "mbind-formal"
    aliases: ClassVar[list[str]] = ["mbf", "mbind-formal"]
    filenames: ClassVar[list[str]] = ["*.mbf"]
    mimetypes: ClassVar[list[str]] = ["text/x-mbf"]

    tokens: ClassVar[dict[str, list[tuple[object, ...]]]] = {
        "root": [
            # a label starts a step at the start of a line: `  walk:` (`::` is no label)
            (
                rf"(\n[ \t]*)({_IDENT})([ \t]*)(:)(?!:)",
                bygroups(Whitespace, Name.Label, Whitespace, Punctuation),
            ),
            (r"\s+", Whitespace),
            (r"//[^\n]*", Comment.Single),
            (r"/\*", Comment.Multiline, "comment"),
            (r'"[^"\n]*"', String),
            (r"0[xX][0-9a-fA-F]+", Number.Hex),
            (r"[0-9]+", Number.Integer),
            (words(DECLARATIONS, suffix=r"\b"), Keyword.Declaration),
            (words(STATEMENTS, suffix=r"\b"), Keyword),
            (words(CONSTANTS, suffix=r"\b"), Keyword.Constant),
            (words(OPERATOR_WORDS, suffix=r"\b"), Operator.Word),
            (words(TYPES, suffix=r"\b"), Keyword.Type),
            (rf"(@)({_IDENT})", bygroups(Operator, Name.Label)),
            (_IDENT, Name),
            (r"\.\.|&&|\|\||=>|~>|==|!=|<=|>=|\+\+|--|[-+|&]=|[-+*/%!~<>=&|?:@.]", Operator),
            (r"[{}()\[\];,]", Punctuation),
        ],
        "comment": [
            (r"[^*/]+", Comment.Multiline),
            (r"\*/", Comment.Multiline, "#pop"),
            (r"[*/]", Comment.Multiline),
        ],
    }


def tokens(text: str) -> list[tuple[object, str]]:
    """The (token type, text) pairs of `text`."""
    return list(MbfLexer().get_tokens(text))


def highlight_html(text: str, css_class: str = "mbf") -> str:
    """`text` as HTML (`<span class="k">...`, escaped), without a wrapping element."""
    formatter = HtmlFormatter(nowrap=True, cssclass=css_class)
    return str(highlight(text, MbfLexer(), formatter))


def style_css(css_class: str = "mbf") -> str:
    """The CSS of `highlight_html`'s classes under `.css_class` (a light theme)."""
    return str(HtmlFormatter(style="default", cssclass=css_class).get_style_defs(f".{css_class}"))
