"""Syntax errors: lark's parse failures -> one precise `Diagnostic` with a plain-words hint.

Stage: part of the parser (`dsl.parser.parse`), used only when parsing fails.
Input: the lark exception, the tokens around it and the interactive parser state (or a
string token holding a character no string may hold). Output: a `Diagnostic` (MBF101
unexpected token, MBF102 unexpected character, MBF103 unexpected end of file, MBF104
misplaced construct) whose span is the offending token or character.

Hints come from our own checks rather than lark's `match_examples`, because the
interactive parser can *try* a repair (is a ';' missing here?) and so is never wrong
about it, while example matching only recognises the exact parser states it was fed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from lark import Lark, Token
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken
from lark.lexer import PatternStr

from mbind_formal.diagnostics import Diagnostic, Related, Span

STMT_KEYWORDS = frozenset(
    {"if", "either", "await", "pick", "for", "while", "break", "continue", "goto", "done", "skip"}
    | {"call", "return"}
)
ITEM_KEYWORDS = frozenset(
    {
        "include",
        "param",
        "enum",
        "type",
        "collection",
        "symmetric",
        "guarded",
        "var",
        "const",
        "init",
        "def",
        "macro",
        "actor",
        "variant",
        "claim",
        "scenario",
        "allow",
        "fair",
        "strong",
        "procedure",
    }
)
CLAIM_KEYWORDS = frozenset({"assume", "always", "final", "reachable", "eventually"})
SCENARIO_KEYWORDS = frozenset({"with", "run", "expect"})
CONSTRUCT_KEYWORDS = (
    STMT_KEYWORDS | ITEM_KEYWORDS | CLAIM_KEYWORDS | SCENARIO_KEYWORDS | {"step", "else"}
)
EXPR_START = frozenset(
    {"NAME", "INT", "true", "false", "none", "self", "(", "{", "!", "-", "~", "forall", "exists"}
)
TYPE_START = frozenset({"bool", "set"}) | EXPR_START
OPERATORS = frozenset(
    {"=>", "~>", "||", "&&", "|", "&", "==", "!=", "<", "<=", ">", ">=", "in", "not", "+", "-"}
    | {"*", "/", "%"}
    | {".", "[", "@", "(", "?", ".."}
)
ASSIGN_OPERATORS = frozenset({"=", "+=", "-=", "|=", "&=", "++", "--"})
# Listed first when several single tokens are expected, closers before openers.
_ORDER = (";", ")", "]", "}", ",", ":", "=", "{", "(", "[", "NAME", "INT", "STRING")
_WORDS = {"NAME": "a name", "INT": "an integer", "STRING": "a string"}

_ITEM_HINT = (
    "only declarations (include, param, enum, type, collection, var, const, init, def,"
    " macro, actor, variant, claim, scenario) may appear at the top level"
)
_STMT_HINT = "statements belong inside an actor, a macro or a variant's step override"
_CLAIM_HINT = "a claim reads: claim name { [assume e;] always|final e; reachable e; ... }"
_SCENARIO_HINT = (
    "a scenario reads: scenario name { [with p = 1, ...;] [assume e;] run a, b; expect e; }"
)


def _point(filename: str, line: int, col: int, width: int = 1) -> Span:
    return Span(filename, line, col, line, col + width)


def token_span(filename: str, token: Token) -> Span:
    """The span of a lexed token (lark types positions as optional; lexed ones have them)."""
    line, col = token.line or 1, token.column or 1
    return Span(filename, line, col, token.end_line or line, token.end_column or col + 1)


def _show(value: str) -> str:
    return repr(value) if len(value) < 40 else repr(value[:37] + "...")


def describe_token(token: Token) -> str:
    """`name 'x'`, `keyword 'if'`, `integer 3`, `';'`, `end of file`."""
    match token.type:
        case "$END":
            return "end of file"
        case "NAME":
            return f"name {_show(str(token))}"
        case "INT":
            return f"integer {_show(str(token))}"
        case "STRING":
            return f"string {_show(str(token))}"
    text = str(token)
    return f"keyword {_show(text)}" if text.isalpha() else _show(text)


def _values(lark: Lark, names: Iterable[str]) -> set[str]:
    """Terminal names -> what the user would type (`SEMICOLON` -> `;`; `NAME` stays)."""
    by_name = {t.name: t for t in lark.terminals}
    out: set[str] = set()
    for name in names:
        term = by_name.get(name)
        if term is not None and isinstance(term.pattern, PatternStr):
            out.add(term.pattern.value)
        elif name != "$END":
            out.add(name)
    return out


def describe_expected(expected: set[str]) -> str:
    """Plain words for a set of expected token values: `';'`, `a statement or '}'`."""
    rest = set(expected)
    parts: list[str] = []
    if "if" in rest and "NAME" in rest:
        parts.append("a statement")
        rest -= STMT_KEYWORDS | {"NAME", "self"}
    if {"enum", "actor"} <= rest:
        parts.append("a declaration")
        rest -= ITEM_KEYWORDS
    if {"bool", "set"} <= rest:
        parts.append("a type")
        rest -= TYPE_START
    if {"NAME", "INT", "!"} <= rest:
        parts.append("an expression")
        rest -= EXPR_START
    if {"=", "+="} <= rest:
        parts.append("an assignment")
        rest -= ASSIGN_OPERATORS
    operators = rest & OPERATORS
    if len(operators) > 2:
        # After a complete expression every operator could follow; naming them all
        # buries the token that was really missing (usually ';' or ')').
        rest -= operators
        if not parts and not rest:
            parts.append("an operator")
    ordered = sorted(rest, key=lambda v: (_ORDER.index(v) if v in _ORDER else len(_ORDER), v))
    singles = [_WORDS.get(v, repr(v)) for v in ordered]
    if len(singles) > 6:
        singles = [*singles[:6], "..."]
    words = parts + singles
    if not words:
        return "something else"
    if len(words) == 1:
        return words[0]
    return ", ".join(words[:-1]) + " or " + words[-1]


# --------------------------------------------------------------------------- tokens


def token_error(
    lark: Lark,
    err: UnexpectedToken,
    interactive: Any,
    previous: Token | None,
    open_brackets: Sequence[Token],
    text: str,
    filename: str,
) -> Diagnostic:
    """MBF101 (or MBF104 for a construct in the wrong place) at the offending token."""
    token: Token = err.token
    marker = _comment_marker(token, text, filename)
    if marker is not None:
        return marker
    # lark's `err.expected` is the LALR lookahead set of the failing state, merged across
    # contexts; asking the parser which tokens it would really accept is exact.
    expected = _values(lark, interactive.accepts())
    span = token_span(filename, token)
    message = f"unexpected {describe_token(token)}: expected {describe_expected(expected)}"
    misplaced = _misplaced(token, expected)
    if misplaced is not None:
        what, why = misplaced
        return Diagnostic(code="MBF104", span=span, message=what, hint=why)
    hint = (
        _nested_comment_hint(token, text)
        or _hint(lark, token, previous, expected, interactive)
        or _bracket_hint(token, expected, open_brackets)
    )
    return Diagnostic(code="MBF101", span=span, message=message, hint=hint)


def _misplaced(token: Token, expected: set[str]) -> tuple[str, str] | None:
    """A keyword that starts a construct, at a construct boundary where it is not allowed."""
    word = str(token)
    if token.type in ("NAME", "INT", "STRING") or word not in CONSTRUCT_KEYWORDS:
        return None
    boundary = CONSTRUCT_KEYWORDS | {"}"}
    if not expected & boundary:
        return None
    what = f"'{word}' cannot appear here"
    if word == "else":
        return "'else' without a matching 'if'", (
            "'else' must directly follow the '}' of an if block"
        )
    if word == "step":
        return what, 'step overrides belong inside a variant: variant "v" { step a.l { ... } }'
    if word in STMT_KEYWORDS:
        return what, _STMT_HINT
    if word in CLAIM_KEYWORDS:
        return what, _CLAIM_HINT
    if word in SCENARIO_KEYWORDS:
        return what, _SCENARIO_HINT
    if word in ("var", "const") and "if" in expected:
        return what, (
            "actor locals are declared before the actor's first statement; globals at the top level"
        )
    if "if" in expected:
        return what, (
            "declarations belong at the top level (a variant may also hold def, macro,"
            " var, const, collection field additions and step overrides)"
        )
    if "step" in expected:
        return what, (
            "a variant may hold only def, macro, var, const, collection field additions"
            " and step overrides"
        )
    if "always" in expected or "reachable" in expected:
        return what, _CLAIM_HINT
    if "run" in expected or "expect" in expected:
        return what, _SCENARIO_HINT
    return what, _ITEM_HINT


def _hint(
    lark: Lark,
    token: Token,
    previous: Token | None,
    expected: set[str],
    interactive: Any,
) -> str | None:
    word = str(token)
    prev = str(previous) if previous is not None else ""
    expression_expected = {"NAME", "INT", "!"} <= expected
    if word == "and" and "&&" in expected:
        return "write '&&' for 'and'"
    if word == "or" and "||" in expected:
        return "write '||' for 'or'"
    if token.type == "NOT" and expression_expected:
        return "write '!' for 'not' ('not' appears only in 'not in')"
    if word == "=" and "==" in expected:
        return "'=' assigns; write '==' to compare"
    if word == "==" and "=" in expected:
        return "'==' compares; write '=' to assign"
    if word == ";" and prev == "}":
        return "no ';' is needed after a '}'"
    for missing in (";", ","):
        if (
            missing in expected
            and previous is not None
            and _repairs(lark, interactive, missing, token)
        ):
            end_line = previous.end_line or 0
            if (token.line or 0) > end_line:
                return f"missing '{missing}' at the end of line {end_line}?"
            return f"missing '{missing}' before {describe_token(token)}?"
    if expected == {"{"}:
        if prev in (")", "else"):
            return "a block needs braces, even around one statement: 'if (c) { ... }'"
        return "a block starts with '{'"
    if expected == {"("} and prev in ("if", "while"):
        return f"the condition needs parentheses: '{prev} (c) {{ ... }}'"
    if expected == {"or"}:
        return "'either' needs at least two branches: 'either { ... } or { ... }'"
    if prev == ":" and word == "}" and "if" in expected:
        return "a label must be followed by a statement (write 'skip;' for an empty step)"
    if word in ("++", "--") and "if" in expected:
        return f"only the postfix form exists: 'x{word};'"
    if {"bool", "set"} <= expected and prev == "<":
        return "a set type names the enum of its elements: 'set<Flag>'"
    binary_operators = OPERATORS - {".", "[", "@", "(", ".."}
    if expression_expected and previous is not None and prev in binary_operators:
        return f"'{prev}' needs an expression on its right"
    keyword = token.type not in ("NAME", "INT", "STRING", "$END") and word.isalpha()
    if keyword and "NAME" in expected:
        return f"'{word}' is a reserved word and cannot be used as a name"
    if token.type == "NAME" and "enum" in expected:
        return _ITEM_HINT
    return None


def _comment_marker(token: Token, text: str, filename: str) -> Diagnostic | None:
    """`/*` that never closes, or `*/` outside a comment: since `*` and `/` are operators
    they lex as tokens, and the parser fails on one of them (or on the one after)."""
    if token.type not in ("SLASH", "STAR"):
        return None
    pos, line, col = token.start_pos or 0, token.line or 1, token.column or 1
    for at in (pos, pos - 1):
        if at >= 0 and text.startswith(("/*", "*/"), at):
            return comment_diagnostic(text, at, line, col - (pos - at), filename)
    return None


def _nested_comment_hint(token: Token, text: str) -> str | None:
    """`/* a /* b */ c */`: the error comes right after the first `*/`."""
    start = token.start_pos or 0
    if text[:start].rstrip().endswith("*/") and "*/" in text[start:]:
        return "block comments do not nest: the '*/' before this closed the comment"
    return None


def _bracket_hint(token: Token, expected: set[str], open_brackets: Sequence[Token]) -> str | None:
    closer = {"(": ")", "[": "]", "{": "}"}
    if open_brackets and closer[str(open_brackets[-1])] in expected:
        opener = open_brackets[-1]
        return f"the '{opener}' at line {opener.line}, column {opener.column} is not closed"
    if str(token) in closer.values() and not open_brackets:
        return f"this '{token}' has no matching opening bracket"
    return None


def _repairs(lark: Lark, interactive: Any, value: str, token: Token) -> bool:
    """Would inserting `value` before `token` let the parse continue?"""
    names = [t.name for t in lark.terminals if isinstance(t.pattern, PatternStr)]
    by_value = {lark.get_terminal(n).pattern.value: n for n in names}
    trial = interactive.copy(deepcopy_values=False)
    try:
        trial.feed_token(Token.new_borrow_pos(by_value[value], value, token))
        trial.feed_token(token)
    except UnexpectedInput:
        return False
    return True


# --------------------------------------------------------------------------- characters


def comment_diagnostic(
    text: str, pos: int, line: int, col: int, filename: str
) -> Diagnostic | None:
    """MBF103 for a `/*` at `pos` that never closes, MBF102 for a `*/` outside a comment."""
    if text.startswith("/*", pos):
        return Diagnostic(
            code="MBF103",
            span=_point(filename, line, col, 2),
            message="unexpected end of file: unterminated comment ('/*' is never closed)",
            hint="a block comment ends with '*/' (comments do not nest)",
        )
    if text.startswith("*/", pos):
        return Diagnostic(
            code="MBF102",
            span=_point(filename, line, col),
            message="unexpected '*/' outside a comment",
            hint="block comments do not nest: the first '*/' closes the comment",
        )
    return None


def character_error(err: UnexpectedCharacters, text: str, filename: str) -> Diagnostic:
    """MBF102 for a character no token starts with; MBF103 for unterminated comments/strings."""
    pos: int = getattr(err, "pos_in_stream", None) or 0  # lark types it as None
    char = text[pos] if 0 <= pos < len(text) else ""
    line, col = err.line, err.column
    comment = comment_diagnostic(text, pos, line, col, filename)
    if comment is not None:
        return comment
    if char == '"':
        end = text.find("\n", pos)
        width = (len(text) if end < 0 else end) - pos
        return Diagnostic(
            code="MBF103",
            span=_point(filename, line, col, max(1, width)),
            message="unterminated string",
            hint="a string ends with '\"' on the same line",
        )
    message = f"unexpected character {char!r}"
    hint: str | None = None
    if char == "\x00":
        message += " (NUL)"
        hint = "this looks like a binary file, not a spec"
    elif char == "#":
        hint = "comments are '// ...' or '/* ... */'; there is no preprocessor"
    elif char == "'":
        hint = "strings use double quotes"
    elif char == "^":
        hint = f"'{char}' is not an operator of the spec language"
    elif not char.isascii():
        hint = "only ASCII characters are allowed outside comments"
    return Diagnostic(code="MBF102", span=_point(filename, line, col), message=message, hint=hint)


def string_error(token: Token, filename: str) -> Diagnostic | None:
    """MBF102 for a character in a string literal that is not printable text (ESC, BEL,
    tab, DEL, a line separator, a bidi override, ...), or None. Strings become variant
    names and include paths, which reach the terminal, HTML and TLA+ comments; an escape
    sequence there could rewrite the terminal ("\\x1b[2J" clears it)."""
    text = str(token)
    for i, char in enumerate(text):
        if not char.isprintable() and char != " ":
            line, col = token.line or 1, (token.column or 1) + i
            return Diagnostic(
                code="MBF102",
                span=_point(filename, line, col),
                message=f"unexpected character {char!r} (U+{ord(char):04X}) in a string",
                hint="strings hold printable text only: no control characters or tabs",
            )
    return None


# --------------------------------------------------------------------------- end of file


def end_of_file_error(
    lark: Lark,
    interactive: Any,
    text: str,
    filename: str,
    last: Token | None,
    open_brackets: Sequence[Token],
) -> Diagnostic:
    """MBF103 just after the last token, naming the innermost bracket left open."""
    if last is not None:
        end = token_span(filename, last)
        span = _point(filename, end.end_line, end.end_col)
    else:
        span = _point(filename, text.count("\n") + 1, len(text) - text.rfind("\n"))
    expected = describe_expected(_values(lark, interactive.accepts()))
    if open_brackets:
        opener = open_brackets[-1]
        return Diagnostic(
            code="MBF103",
            span=span,
            message=(
                f"unexpected end of file: the '{opener}' at line {opener.line},"
                f" column {opener.column} is never closed"
            ),
            hint=f"expected {expected}",
            related=(Related(span=token_span(filename, opener), message="opened here"),),
        )
    hint = "is the last ';' missing?" if expected == "';'" else None
    return Diagnostic(
        code="MBF103",
        span=span,
        message=f"unexpected end of file: expected {expected}",
        hint=hint,
    )


# --------------------------------------------------------------------------- limits


def nesting_error(node: Any, filename: str, limit: int) -> Diagnostic:
    """MBF105: expressions or blocks nested beyond what later phases can walk."""
    meta = getattr(node, "meta", None)
    span = None
    if meta is not None and not getattr(meta, "empty", True):
        span = Span(filename, meta.line, meta.column, meta.end_line, meta.end_column)
    return Diagnostic(
        code="MBF105",
        span=span,
        message=f"nesting too deep: more than {limit} levels of expressions or blocks",
        hint="split the expression with a 'def', or the block into steps",
    )


def number_error(token: Token, filename: str) -> Diagnostic:
    """MBF106: an integer literal far outside any model's range."""
    return Diagnostic(
        code="MBF106",
        span=token_span(filename, token),
        message=f"integer literal {_show(str(token))} is too large (the limit is 2**63 - 1)",
    )
