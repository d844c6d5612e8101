"""Types within what engines represent and enumerate: 32-bit integers, at most
`MAX_VALUES` values per type (checked by `ir.validate`), and domains that stay lazy."""

from __future__ import annotations

import pytest

from mbind_formal import load_text
from mbind_formal.ir.model import BoolType, EnumType, IndexType, RangeType, SetType, Type
from mbind_formal.ir.validate import INT_MAX, INT_MIN, MAX_SET_ENUM, MAX_VALUES
from mbind_formal.semantics.layout import domain, domain_size, lazy_domain
from mbind_formal.semantics.relation import Semantics

ACTOR = "actor a { s: done; }\n"


def errors(text: str) -> list[tuple[str, int, str]]:
    result = load_text(text, "t.mbf")
    return [
        (d.code, d.span.line if d.span else 0, d.message) for d in result.diagnostics if d.is_error
    ]


def enum(n: int) -> str:
    return "enum E { " + ", ".join(f"V{i}" for i in range(n)) + " }\n"


@pytest.mark.parametrize(
    "decl",
    [
        f"var x: {INT_MIN}..{INT_MIN + 3} = {INT_MIN};",
        f"var x: {INT_MAX - MAX_VALUES + 1}..{INT_MAX};",
        f"var x: 0..{MAX_VALUES - 1};",
    ],
)
def test_ranges_at_the_bounds_are_accepted(decl: str) -> None:
    assert errors(decl + "\n" + ACTOR) == []


@pytest.mark.parametrize(
    ("decl", "message"),
    [
        (
            "var x: 0..9223372036854775807;",
            f"integer range 0..9223372036854775807 goes beyond 32-bit integers "
            f"({INT_MIN}..{INT_MAX})",
        ),
        (
            f"var x: {INT_MIN - 1}..0 = 0;",
            f"integer range {INT_MIN - 1}..0 goes beyond 32-bit integers ({INT_MIN}..{INT_MAX})",
        ),
        (
            "var x: 0..30000000;",
            f"integer range 0..30000000 has 30000001 values; at most {MAX_VALUES} are supported",
        ),
        (
            f"var x: 0..{MAX_VALUES};",
            f"integer range 0..{MAX_VALUES} has {MAX_VALUES + 1} values; "
            f"at most {MAX_VALUES} are supported",
        ),
    ],
)
def test_ranges_beyond_the_bounds_are_refused_where_declared(decl: str, message: str) -> None:
    assert errors(decl + "\n" + ACTOR) == [("MBF304", 1, message)]


def test_sets_over_small_enums_only() -> None:
    ok = enum(MAX_SET_ENUM) + "const s: set<E>;\n" + ACTOR
    assert errors(ok) == []
    wide = enum(64) + "const s: set<E>;\n" + ACTOR
    assert errors(wide) == [
        ("MBF304", 2, f"set<E> has 2**64 values; at most {MAX_VALUES} are supported")
    ]


@pytest.mark.parametrize(
    "text",
    [
        "var x: bool = false;\nactor a { s: pick v in 0..100000; x = v == 3; done; }\n",
        "var x: bool = false;\nactor a { s: x = forall v in 0..4294967296: v >= 0; done; }\n",
        "def f(v: 0..4294967296) = v > 1;\n" + ACTOR,
        enum(20) + "actor a { s: pick v in set<E>; done; }\n",
    ],
    ids=["pick", "forall", "def-param", "pick-set"],
)
def test_pick_quantifier_and_parameter_types_are_bounded_too(text: str) -> None:
    found = errors(text)
    assert [c for c, _, _ in found] == ["MBF304"], found


TYPES: list[tuple[Type, int]] = [
    (BoolType(), 2),
    (EnumType("E", ("A", "B", "C")), 3),
    (RangeType(-2, 5), 8),
    (SetType(EnumType("E", ("A", "B", "C"))), 8),
    (IndexType("Page"), 4),
    (IndexType("Page", optional=True), 5),
]


@pytest.mark.parametrize(("t", "n"), TYPES)
def test_lazy_domain_is_the_domain(t: Type, n: int) -> None:
    sizes = {"Page": 4}
    assert tuple(lazy_domain(t, sizes)) == domain(t, sizes)
    assert domain_size(t, sizes) == n == len(domain(t, sizes))
    assert list(domain(t, sizes)) == sorted(domain(t, sizes))


def test_lazy_domain_of_a_huge_type_is_not_built() -> None:
    wide = SetType(EnumType("E", tuple(f"V{i}" for i in range(64))))
    assert domain_size(wide, {}) == 1 << 64
    values = lazy_domain(wide, {})
    assert (1 << 64) - 1 in values and 1 << 64 not in values
    assert domain_size(RangeType(0, 2**63), {}) == 2**63 + 1


def test_an_init_list_in_a_wide_range() -> None:
    """`x in {..}` over the widest range: the listed values, in ascending order."""
    text = (
        f"var x: {INT_MAX - MAX_VALUES + 1}..{INT_MAX} in {{{INT_MAX}, {INT_MAX - 7}}};\n"
        "var y: 0..3 in {2, 0};\n" + ACTOR
    )
    result = load_text(text, "t.mbf")
    assert result.spec is not None
    sem = Semantics(result.spec.model("base"))
    states = list(sem.initial_states())
    assert [s[:2] for s in states] == [
        (INT_MAX - 7, 0),
        (INT_MAX - 7, 2),
        (INT_MAX, 0),
        (INT_MAX, 2),
    ]
