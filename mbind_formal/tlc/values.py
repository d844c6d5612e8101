"""TLC's printed values <-> `State` tuples.

Input: the body of a TLC state message (`/\\ x = 1` lines, values in TLA+ syntax:
integers, strings, TRUE/FALSE, model values, sets `{...}`, sequences `<<...>>`,
records `[f |-> v]`, functions `(k :> v @@ ...)`), and the module's `Symbols`.
Output: the `State` of `semantics.layout` it denotes (NOTE(tla values) in `tla.symbols`),
or a `ValueError` naming what does not fit. `tla_state` goes the other way, so tests
can check the correspondence in both directions.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import assert_never

from mbind_formal.ir.model import BoolType, EnumType, IndexType, RangeType, SetType, Type
from mbind_formal.semantics.layout import Layout, Slot, SlotKind, State, Value
from mbind_formal.tla.symbols import Symbols, int_text, is_multi, tla_string


@dataclass(frozen=True, slots=True)
class ModelValue:
    """A TLC model value (an element of a symmetric collection, or a `none`)."""

    name: str


@dataclass(frozen=True, slots=True)
class Fn:
    """A TLA+ function (or record), as its (argument, value) pairs in printed order."""

    pairs: tuple[tuple[TlaValue, TlaValue], ...]

    def get(self, key: TlaValue) -> TlaValue:
        for k, v in self.pairs:
            if k == key:
                return v
        raise ValueError(f"the function has no entry for {key!r}")


TlaValue = int | bool | str | ModelValue | frozenset["TlaValue"] | tuple["TlaValue", ...] | Fn

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<str>"(?:[^"\\]|\\.)*")
      | (?P<int>-?\d+)
      | (?P<op><<|>>|:>|@@|\|->|/\\|[{}()\[\],=])
      | (?P<id>[A-Za-z_][A-Za-z0-9_]*)
    )""",
    re.VERBOSE,
)


def _tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            raise ValueError(f"unexpected text in a TLC state at {text[pos : pos + 20]!r}")
        kind = m.lastgroup
        assert kind is not None
        out.append((kind, m.group(kind)))
        pos = m.end()
    return out


class _Parser:
    def __init__(self, text: str) -> None:
        self.toks = _tokens(text)
        self.i = 0

    def peek(self) -> str:
        return self.toks[self.i][1] if self.i < len(self.toks) else ""

    def take(self, want: str | None = None) -> tuple[str, str]:
        if self.i >= len(self.toks):
            raise ValueError("a TLC state ends in the middle of a value")
        tok = self.toks[self.i]
        if want is not None and tok[1] != want:
            raise ValueError(f"expected {want!r} in a TLC state, found {tok[1]!r}")
        self.i += 1
        return tok

    def items(self, close: str) -> list[TlaValue]:
        out: list[TlaValue] = []
        while self.peek() != close:
            out.append(self.value())
            if self.peek() == ",":
                self.take(",")
        self.take(close)
        return out

    def value(self) -> TlaValue:
        kind, tok = self.take()
        if kind == "str":
            return re.sub(r"\\(.)", r"\1", tok[1:-1])
        if kind == "int":
            return int(tok)
        if kind == "id":
            return {"TRUE": True, "FALSE": False}.get(tok, ModelValue(tok))
        match tok:
            case "{":
                return frozenset(self.items("}"))
            case "<<":
                return tuple(self.items(">>"))
            case "(":
                pairs = []
                while True:
                    k = self.value()
                    self.take(":>")
                    pairs.append((k, self.value()))
                    if self.peek() != "@@":
                        break
                    self.take("@@")
                self.take(")")
                return Fn(tuple(pairs))
            case "[":
                fields: list[tuple[TlaValue, TlaValue]] = []
                while self.peek() != "]":
                    _, name = self.take()
                    self.take("|->")
                    fields.append((name, self.value()))
                    if self.peek() == ",":
                        self.take(",")
                self.take("]")
                return Fn(tuple(fields))
        raise ValueError(f"unexpected {tok!r} in a TLC state")


def parse_state(text: str) -> dict[str, TlaValue]:
    """`/\\ x = v /\\ y = w ...` (as TLC prints a state) -> {x: v, y: w}."""
    p = _Parser(text)
    out: dict[str, TlaValue] = {}
    while p.i < len(p.toks):
        if p.peek() == "/\\":
            p.take()
        kind, name = p.take()
        if kind != "id":
            raise ValueError(f"expected a variable name in a TLC state, found {name!r}")
        p.take("=")
        out[name] = p.value()
    return out


def parse_value(text: str) -> TlaValue:
    p = _Parser(text)
    v = p.value()
    if p.i != len(p.toks):
        raise ValueError(f"trailing text after a TLC value: {text!r}")
    return v


# --------------------------------------------------------------------------- decoding


def _decode(syms: Symbols, t: Type, v: TlaValue, where: str) -> Value:
    match t:
        case BoolType():
            if isinstance(v, bool):
                return v
        case EnumType(values=vals):
            if isinstance(v, str) and v in vals:
                return vals.index(v)
        case RangeType(lo=lo, hi=hi):
            if isinstance(v, int) and not isinstance(v, bool) and lo <= v <= hi:
                return v
        case SetType(enum=e):
            if isinstance(v, frozenset) and all(isinstance(x, str) and x in e.values for x in v):
                return sum(1 << e.values.index(str(x)) for x in v)
        case IndexType(collection=c, optional=opt):
            found = _element_index(syms, c, v)
            if found is not None and (found >= 0 or opt):
                return found
        case _:
            assert_never(t)
    raise ValueError(f"{where}: TLC value {v!r} is not a value of its type")


def _element_index(syms: Symbols, coll: str, v: TlaValue) -> int | None:
    size = syms.model.collection(coll).size
    if isinstance(v, ModelValue):
        if v.name == syms.nones[coll]:
            return -1
        names = syms.elements.get(coll, ())
        return names.index(v.name) if v.name in names else None
    if isinstance(v, int) and not isinstance(v, bool) and coll not in syms.symmetric:
        return v if -1 <= v < size else None
    return None


def _key(syms: Symbols, slot: Slot) -> TlaValue:
    """The argument of the function variable that holds `slot`."""
    if slot.kind is SlotKind.FIELD:
        coll = slot.owner
    else:
        coll = syms.model.actor(slot.owner).self_collection or ""
    if coll in syms.symmetric:
        return ModelValue(syms.elements[coll][slot.index])
    return slot.index


def _var_of(syms: Symbols, slot: Slot) -> tuple[str, bool]:
    """(TLA+ variable holding `slot`, whether it is a function of element/instance)."""
    match slot.kind:
        case SlotKind.GLOBAL:
            return syms.globals[slot.member], False
        case SlotKind.FIELD:
            return syms.fields[(slot.owner, slot.member)], True
        case SlotKind.PC:
            return syms.pcs[slot.owner], is_multi(syms.model.actor(slot.owner))
        case SlotKind.LOCAL:
            var = syms.locals[(slot.owner, slot.member)]
            return var, is_multi(syms.model.actor(slot.owner))
        case _:
            assert_never(slot.kind)


def decode_state(syms: Symbols, tla: Mapping[str, TlaValue]) -> State:
    """The `State` a TLA+ state of the module denotes (ValueError if it denotes none)."""
    out: list[Value] = []
    for slot in Layout(syms.model).slots:
        var, is_fn = _var_of(syms, slot)
        if var not in tla:
            raise ValueError(f"the TLC state has no variable {var}")
        v = tla[var]
        if is_fn:
            if not isinstance(v, Fn):
                raise ValueError(f"{slot.name}: TLC value of {var} is not a function")
            v = v.get(_key(syms, slot))
        if slot.kind is SlotKind.PC:
            if not (isinstance(v, str) and v in slot.labels):
                raise ValueError(f"{slot.name}: {v!r} is not a label")
            out.append(slot.labels.index(v))
        else:
            assert slot.type is not None
            out.append(_decode(syms, slot.type, v, slot.name))
    return tuple(out)


# --------------------------------------------------------------------------- encoding


def _encode(syms: Symbols, t: Type, v: Value) -> str:
    match t:
        case BoolType():
            return "TRUE" if v else "FALSE"
        case EnumType(values=vals):
            return tla_string(vals[int(v)])
        case RangeType():
            return int_text(int(v))
        case SetType(enum=e):
            return (
                "{"
                + ", ".join(tla_string(x) for i, x in enumerate(e.values) if int(v) >> i & 1)
                + "}"
            )
        case IndexType(collection=c):
            return syms.element(c, int(v))
        case _:
            assert_never(t)


def tla_state(syms: Symbols, state: State) -> dict[str, str]:
    """`state` as TLC prints it: variable -> value text (functions as `k :> v @@ ...`)."""
    parts: dict[str, list[tuple[str, str]]] = {}
    scalars: dict[str, str] = {}
    for slot, v in zip(Layout(syms.model).slots, state, strict=True):
        var, is_fn = _var_of(syms, slot)
        if slot.kind is SlotKind.PC:
            text = tla_string(slot.labels[int(v)])
        else:
            assert slot.type is not None
            text = _encode(syms, slot.type, v)
        if is_fn:
            key = _key(syms, slot)
            key_text = key.name if isinstance(key, ModelValue) else str(key)
            parts.setdefault(var, []).append((key_text, text))
        else:
            scalars[var] = text
    out = dict(scalars)
    for var, pairs in parts.items():
        out[var] = "(" + " @@ ".join(f"{k} :> {x}" for k, x in pairs) + ")"
    return {v: out[v] for v in syms.variables}
