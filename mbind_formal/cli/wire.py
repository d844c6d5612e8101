"""Wire format of the parallel cells: results as JSON between the CLI and its workers.

Stage: CLI plumbing (`cli.parallel` and `cli.worker`). Input: the frozen dataclasses a
cell's answer is made of (`Cell`, `Result`, `Trace`, ...) and the `Budget` sent to a
worker. Output: JSON-ready values, and the same objects back, equal to the originals.

Why not pickle: the package never unpickles (tests/robustness/test_no_code_execution.py).
Decoding builds only the classes of `CLASSES` (a fixed table), so a worker's output is
data, whatever it holds. Tuples, enums and dataclasses are tagged; bools stay bools.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping
from typing import TypeVar

from mbind_formal.engines.base import Budget, Coverage, Result, Verdict
from mbind_formal.trace.model import Trace, TraceKind, TraceStep
from mbind_formal.verdicts import Cell, EngineFailure

T = TypeVar("T")
Json = None | bool | int | float | str | list["Json"] | dict[str, "Json"]

CLASSES: Mapping[str, type] = {
    c.__name__: c
    for c in (Cell, Result, EngineFailure, Coverage, Trace, TraceStep, Budget, Verdict, TraceKind)
}


def encode(value: object) -> Json:
    """`value` as JSON-ready data (see the module docstring)."""
    match value:
        case None | bool() | int() | float() | str():
            return value
        case enum.Enum():
            return {"$enum": type(value).__name__, "value": encode(value.value)}
        case tuple():
            return {"$tuple": [encode(v) for v in value]}
        case list():
            return [encode(v) for v in value]
        case Mapping():
            return {"$map": [[encode(k), encode(v)] for k, v in value.items()]}
        case _ if dataclasses.is_dataclass(value) and not isinstance(value, type):
            name = type(value).__name__
            if CLASSES.get(name) is not type(value):
                raise TypeError(f"cannot send a {name}")
            fields = {f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
            return {"$class": name, "fields": fields}
        case _:
            raise TypeError(f"cannot send a {type(value).__name__}")


def decode(data: Json) -> object:
    """The object `encode` was given (only classes of `CLASSES` are built)."""
    match data:
        case None | bool() | int() | float() | str():
            return data
        case list():
            return [decode(v) for v in data]
        case {"$tuple": list(items)}:
            return tuple(decode(v) for v in items)
        case {"$map": list(pairs)}:
            out: dict[object, object] = {}
            for pair in pairs:
                assert isinstance(pair, list) and len(pair) == 2
                out[decode(pair[0])] = decode(pair[1])
            return out
        case {"$enum": str(name), "value": v}:
            cls = CLASSES[name]
            assert issubclass(cls, enum.Enum)
            return cls(decode(v))
        case {"$class": str(name), "fields": dict(fields)}:
            cls = CLASSES[name]
            assert dataclasses.is_dataclass(cls) and not issubclass(cls, enum.Enum)
            return cls(**{k: decode(v) for k, v in fields.items()})
        case _:
            raise ValueError(f"not a wire value: {str(data)[:80]}")


def decode_as(data: Json, cls: type[T]) -> T:
    """`decode`, checked to give a `cls`."""
    value = decode(data)
    if not isinstance(value, cls):
        raise ValueError(f"expected a {cls.__name__}, got {type(value).__name__}")
    return value


__all__ = ["CLASSES", "Json", "Verdict", "decode", "decode_as", "encode"]
