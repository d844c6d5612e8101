"""String literals (variant names, include paths) hold printable text only: a control
character is a located MBF102, so no escape sequence from a spec reaches a terminal."""

from __future__ import annotations

import pytest

from mbind_formal.dsl.parser import parse

ACTOR = "actor a { s: done; }\n"


@pytest.mark.parametrize(
    ("char", "shown"),
    [
        ("\x1b", "'\\x1b' (U+001B)"),
        ("\x07", "'\\x07' (U+0007)"),
        ("\t", "'\\t' (U+0009)"),
        ("\x7f", "'\\x7f' (U+007F)"),
        ("\x9b", "'\\x9b' (U+009B)"),
        ("\u202e", "'\\u202e' (U+202E)"),
        ("\u2028", "'\\u2028' (U+2028)"),
    ],
)
def test_a_control_character_in_a_variant_name(char: str, shown: str) -> None:
    text = f'{ACTOR}variant "ab{char}c" {{ }}\n'
    spec, diags = parse(text, "v.mbf")
    assert spec is None
    [d] = diags
    assert d.code == "MBF102"
    assert d.message == f"unexpected character {shown} in a string"
    assert d.span is not None and (d.span.line, d.span.col, d.span.end_col) == (2, 12, 13)
    assert d.hint is not None and "printable" in d.hint


def test_a_control_character_in_an_include_path() -> None:
    spec, diags = parse('include "lib/\x1b[2J.mbf";\n' + ACTOR, "i.mbf")
    assert spec is None
    [d] = diags
    assert d.code == "MBF102" and d.span is not None and (d.span.line, d.span.col) == (1, 14)


@pytest.mark.parametrize("name", ["fixed 4.19", "ça marche", "a/b*c", "[bold]x"])
def test_printable_strings_are_accepted(name: str) -> None:
    spec, diags = parse(f'{ACTOR}variant "{name}" {{ }}\n', "v.mbf")
    assert diags == () and spec is not None


def test_control_characters_in_comments_are_ignored() -> None:
    spec, diags = parse(f"// a\x1b[2J comment\x07\n/* \x9b */ {ACTOR}", "c.mbf")
    assert diags == () and spec is not None
