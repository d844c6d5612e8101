"""Packing states into compact keys and back.

Stage: engines (shared by `explicit` and `scenarios`). Input: a `Layout`. Output: a
`Codec`: `pack` turns a state (a tuple of ints and bools) into one small `bytes` (one
struct field per slot, as narrow as the slot's values allow: 1 byte for most), and
`unpack` turns it back into the same tuple, bools as bools. A model with a value beyond
64 bits keeps the tuples themselves as keys.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from mbind_formal.ir.model import BoolType
from mbind_formal.semantics.layout import Layout, SlotKind, State, lazy_domain

Key = Hashable


@dataclass(frozen=True, slots=True)
class Codec:
    """Packs a state into bytes (one struct field per slot, as narrow as its values
    allow) and back; a model with values beyond 64 bits keeps the tuples themselves."""

    pack: Callable[[State], Key]
    unpack: Callable[[Key], State]

    @staticmethod
    def of(layout: Layout) -> Codec:
        sizes = {c.name: c.size for c in layout.model.collections}
        codes: list[str] = []
        for sl in layout.slots:
            if sl.kind is SlotKind.PC:
                lo, hi = 0, len(sl.labels) - 1
            elif isinstance(sl.type, BoolType):
                codes.append("?")  # one byte, unpacked as a bool (the same byte as 'b')
                continue
            else:
                assert sl.type is not None
                dom = lazy_domain(sl.type, sizes)
                lo, hi = int(dom[0]), int(dom[-1])
            code = next((c for c, bits in _CODES if -(1 << bits) <= lo and hi < 1 << bits), None)
            if code is None:
                return Codec(lambda s: s, _same)
            codes.append(code)
        fmt = struct.Struct("<" + "".join(codes))
        unpack: Callable[[Key], State] = fmt.unpack  # type: ignore[assignment]  # keys are bytes
        return Codec(lambda s: fmt.pack(*s), unpack)


_CODES = (("b", 7), ("h", 15), ("i", 31), ("q", 63))  # signed struct code, magnitude bits


def _same(key: Key) -> State:
    assert isinstance(key, tuple)
    return key
