"""TLC's value syntax, and the one-to-one map between TLA+ states and `State` tuples.

The map is what makes TLC's distinct-state count comparable with the explicit engine's:
every reachable state prints as a different TLA+ state and reads back as itself.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from tla_helpers import GOLDEN_SPEC, load

from mbind_formal.ir.model import Model
from mbind_formal.ir.symmetry import symmetric_collections
from mbind_formal.semantics.layout import State
from mbind_formal.semantics.relation import Semantics
from mbind_formal.tla.symbols import build_symbols
from mbind_formal.tlc.values import (
    Fn,
    ModelValue,
    decode_state,
    parse_state,
    parse_value,
    tla_state,
)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("42", 42),
        ("-1", -1),
        ("TRUE", True),
        ('"MBIND"', "MBIND"),
        ('"a\\"b"', 'a"b'),
        ("Page_0", ModelValue("Page_0")),
        ('{"STRICT", "MOVE"}', frozenset({"STRICT", "MOVE"})),
        ("{}", frozenset()),
        ("<<1, FALSE>>", (1, False)),
        ("(0 :> TRUE @@ 1 :> FALSE)", Fn(((0, True), (1, False)))),
        ("(Page_0 :> {})", Fn(((ModelValue("Page_0"), frozenset()),))),
        ("[a |-> 1, b |-> <<>>]", Fn((("a", 1), ("b", ())))),
    ],
)
def test_parse_value(text: str, value: object) -> None:
    assert parse_value(text) == value


def test_parse_state_spanning_lines() -> None:
    text = '/\\ x = 1\n/\\ f = ( 0 :> "A" @@\n        1 :> "B" )\n/\\ s = {}\n'
    assert parse_state(text) == {"x": 1, "f": Fn(((0, "A"), (1, "B"))), "s": frozenset()}
    assert parse_state("x = 0") == {"x": 0}  # one variable: TLC prints no bullet


@pytest.mark.parametrize("bad", ["(0 :> 1", "{1,", "x = @", "[a |-> ]"])
def test_parse_rejects_garbage(bad: str) -> None:
    with pytest.raises(ValueError):
        parse_state(bad)


def _reachable(model: Model, limit: int) -> Iterator[State]:
    sem = Semantics(model)
    seen: set[State] = set()
    todo = list(sem.initial_states())
    while todo and len(seen) < limit:
        s = todo.pop()
        if s in seen:
            continue
        seen.add(s)
        yield s
        todo.extend(t.state for t in sem.successors(s))


@pytest.mark.parametrize("symmetric", [True, False])
def test_states_map_one_to_one(symmetric: bool) -> None:
    model = load(GOLDEN_SPEC).model("base")
    sym = symmetric_collections(model) if symmetric else frozenset()
    syms = build_symbols(model, (), sym)
    seen: dict[tuple[tuple[str, str], ...], State] = {}
    for state in _reachable(model, 400):
        printed = tla_state(syms, state)
        text = "\n".join(f"/\\ {var} = {value}" for var, value in printed.items())
        assert decode_state(syms, parse_state(text)) == state
        key = tuple(sorted(printed.items()))
        assert seen.setdefault(key, state) == state  # no two states print alike
    assert len(seen) == 400
    assert ("Page_0" in text) == symmetric  # model values, or integers


def test_decode_names_what_does_not_fit() -> None:
    model = load(GOLDEN_SPEC).model("base")
    syms = build_symbols(model, (), frozenset())
    state = next(_reachable(model, 1))
    printed = tla_state(syms, state)
    with pytest.raises(ValueError, match="nr_isolated"):
        decode_state(syms, parse_state(_text({**printed, "nr_isolated": "7"})))
    with pytest.raises(ValueError, match="owner"):
        decode_state(syms, parse_state(_text({**printed, "owner": '(0 :> "GONE" @@ 1 :> "NONE")'})))
    with pytest.raises(ValueError, match="no variable"):
        decode_state(syms, parse_state(_text({k: v for k, v in printed.items() if k != "lru"})))


def _text(printed: dict[str, str]) -> str:
    return "\n".join(f"/\\ {var} = {value}" for var, value in printed.items())
