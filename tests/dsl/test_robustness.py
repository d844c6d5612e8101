"""`parse` never raises: arbitrary text, mangled examples, binary junk, huge and deep input."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from mbind_formal.diagnostics import CODES
from mbind_formal.dsl import ast
from mbind_formal.dsl.parser import MAX_NESTING, parse

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "spec" / "examples").glob("*.mbf"))
SYNTAX_CODES = {"MBF101", "MBF102", "MBF103", "MBF104", "MBF105", "MBF106"}


def check_outcome(text: str) -> None:
    """Either a SpecFile and no diagnostics, or None and exactly one located syntax error."""
    result, diagnostics = parse(text, "f.mbf")
    if result is not None:
        assert isinstance(result, ast.SpecFile)
        assert diagnostics == ()
        return
    (diag,) = diagnostics
    assert diag.code in SYNTAX_CODES and diag.code in CODES
    assert diag.span is not None and diag.span.file == "f.mbf"
    assert 1 <= diag.span.line <= text.count("\n") + 1
    assert diag.span.col >= 1


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=200))
def test_any_text(text: str) -> None:
    check_outcome(text)


SPEC_ALPHABET = st.sampled_from(
    [*'{}()[];:,.@?!~&|=<>+-*/"#$ \n\t', "if", "x", "0", "actor", "var", "//", "/*", "*/"]
)


@settings(max_examples=150, deadline=None)
@given(st.lists(SPEC_ALPHABET, max_size=60).map(" ".join))
def test_token_soup(text: str) -> None:
    check_outcome(text)


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(EXAMPLES), st.data())
def test_mangled_examples(path: Path, data: st.DataObject) -> None:
    text = path.read_text(encoding="utf-8")
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, min(len(text), start + 20)))
    junk = data.draw(st.text(max_size=3))
    check_outcome(text[:start] + junk + text[end:])


def test_binary_junk() -> None:
    junk = bytes(range(256)).decode("latin-1")
    for text in ("\x00", "\x00" * 1000, junk, "param p = 1;" + junk):
        check_outcome(text)
        assert parse(text, "f.mbf")[0] is None


def test_leading_byte_order_mark_is_ignored_and_columns_kept() -> None:
    result, diagnostics = parse("\ufeffparam p = 1;", "f.mbf")
    assert diagnostics == () and result is not None
    (item,) = result.items
    assert item.span is not None and item.span.col == 2
    (diag,) = parse("param p = 1;\ufeff", "f.mbf")[1]
    assert diag.code == "MBF102"


def test_large_input_parses() -> None:
    text = "".join(f"param p{k} = {k};\n" for k in range(5000))
    text += "/*" + "x" * 200_000 + "*/\n" + "// " + "y" * 100_000 + "\n"
    result, diagnostics = parse(text, "big.mbf")
    assert diagnostics == () and result is not None
    assert len(result.items) == 5000


def test_nesting_limit_is_reported_not_crashed() -> None:
    fits = "init " + " + ".join(["a"] * (MAX_NESTING // 2)) + ";"
    assert parse(fits, "f.mbf")[1] == ()
    for text in (
        "init " + " + ".join(["a"] * 5000) + ";",
        "init " + "- " * 5000 + "x;",
        "init " + "(!" * 3000 + "x" + ")" * 3000 + ";",
        "actor a { l: " + "while (x) { " * 400 + "skip;" + " }" * 400 + " }",
    ):
        (diag,) = parse(text, "f.mbf")[1]
        assert diag.code == "MBF105"


def test_huge_integer_literals_are_rejected_without_overflow() -> None:
    for digits in ("9" * 5000, "0x" + "f" * 5000, "9223372036854775808"):
        (diag,) = parse(f"param p = {digits};", "f.mbf")[1]
        assert diag.code == "MBF106"
    largest = "9223372036854775807"
    assert parse(f"param p = {largest};", "f.mbf")[1] == ()
