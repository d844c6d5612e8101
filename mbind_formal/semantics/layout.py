"""State layout: the one order of state slots shared by every engine, trace and emitter.

Input: a `Model`. Output: a `Layout` naming each slot of a state tuple and how to
print its value. Order: globals (declaration order), then each collection's fields
element by element (`Page[0].lru, Page[0].owner, Page[1].lru, ...`), then each actor
instance's pc and locals (`mbind.pc, mbind.ret, reclaim[1].pc, ...`).

A `State` is a tuple of values encoded as described in `ir.model` NOTE(values).
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property

from mbind_formal.ir.model import (
    BoolType,
    EnumType,
    IndexType,
    Model,
    RangeType,
    SetType,
    Type,
)

Value = int | bool
State = tuple[Value, ...]


class SlotKind(enum.Enum):
    GLOBAL = "global"
    FIELD = "field"
    PC = "pc"
    LOCAL = "local"


@dataclass(frozen=True, slots=True)
class Slot:
    """One component of the state: `name` is how traces and ITF show it."""

    name: str
    kind: SlotKind
    type: Type | None  # None for a pc (its values are `labels`)
    const: bool = False
    owner: str = ""  # collection or actor name ("" for globals)
    index: int = 0  # element or instance index
    member: str = ""  # field / local / variable name
    labels: tuple[str, ...] = ()  # for a pc: step labels, then "done"
    guarded: bool = False  # a store outside `type` disables the step (NOTE(type rule))


def instance_name(actor: str, instances: int, i: int) -> str:
    return actor if instances == 1 else f"{actor}[{i}]"


@dataclass(frozen=True)
class Layout:
    model: Model

    @cached_property
    def slots(self) -> tuple[Slot, ...]:
        out: list[Slot] = []
        for v in self.model.globals:
            out.append(
                Slot(v.name, SlotKind.GLOBAL, v.type, v.const, member=v.name, guarded=v.guarded)
            )
        for c in self.model.collections:
            for i in range(c.size):
                for f in c.fields:
                    out.append(
                        Slot(
                            f"{c.name}[{i}].{f.name}",
                            SlotKind.FIELD,
                            f.type,
                            f.const,
                            owner=c.name,
                            index=i,
                            member=f.name,
                            guarded=f.guarded,
                        )
                    )
        for a in self.model.actors:
            labels = (*a.labels, "done")
            for i in range(a.instances):
                base = instance_name(a.name, a.instances, i)
                out.append(
                    Slot(
                        f"{base}.pc",
                        SlotKind.PC,
                        None,
                        owner=a.name,
                        index=i,
                        member="pc",
                        labels=labels,
                    )
                )
                for v in a.locals:
                    out.append(
                        Slot(
                            f"{base}.{v.name}",
                            SlotKind.LOCAL,
                            v.type,
                            v.const,
                            owner=a.name,
                            index=i,
                            member=v.name,
                            guarded=v.guarded,
                        )
                    )
        return tuple(out)

    @cached_property
    def index(self) -> dict[str, int]:
        """Slot name -> position."""
        return {s.name: i for i, s in enumerate(self.slots)}

    def global_slot(self, name: str) -> int:
        return self.index[name]

    def field_slot(self, collection: str, element: int, field: str) -> int:
        return self.index[f"{collection}[{element}].{field}"]

    def pc_slot(self, actor: str, instance: int) -> int:
        a = self.model.actor(actor)
        return self.index[f"{instance_name(actor, a.instances, instance)}.pc"]

    def local_slot(self, actor: str, instance: int, name: str) -> int:
        a = self.model.actor(actor)
        return self.index[f"{instance_name(actor, a.instances, instance)}.{name}"]

    def __len__(self) -> int:
        return len(self.slots)

    def __iter__(self) -> Iterator[Slot]:
        return iter(self.slots)

    # ------------------------------------------------------------------ values

    def show(self, slot: Slot, value: Value) -> str:
        """A value as the spec language spells it."""
        if slot.kind is SlotKind.PC:
            return slot.labels[int(value)]
        assert slot.type is not None
        return show_value(slot.type, value)

    def as_dict(self, state: State) -> dict[str, str]:
        """The state as slot name -> printed value (ordered as the layout)."""
        return {s.name: self.show(s, v) for s, v in zip(self.slots, state, strict=True)}


def show_value(t: Type, value: Value) -> str:
    match t:
        case BoolType():
            return "true" if value else "false"
        case EnumType(values=vals):
            return vals[int(value)]
        case RangeType():
            return str(int(value))
        case SetType(enum=e):
            items = [e.values[i] for i in range(len(e.values)) if int(value) >> i & 1]
            return "{" + ", ".join(items) + "}"
        case IndexType(collection=c):
            return "none" if int(value) < 0 else f"{c}[{int(value)}]"
        case _:
            raise AssertionError(t)


def domain(t: Type, sizes: dict[str, int]) -> tuple[Value, ...]:
    """Every value of a type, in the canonical order (sizes: collection name -> size).
    Materialised: prefer `lazy_domain` where a sequence will do. `ir.validate` bounds
    every type to `MAX_VALUES` values, so this tuple stays small."""
    return tuple(lazy_domain(t, sizes))


def lazy_domain(t: Type, sizes: dict[str, int]) -> Sequence[Value]:
    """`domain` without building it: a `range` for every type but bool (ascending, as
    the canonical order is), so that a wide type costs nothing until its values are
    enumerated and `in` takes constant time."""
    match t:
        case BoolType():
            return (False, True)
        case EnumType(values=vals):
            return range(len(vals))
        case RangeType(lo=lo, hi=hi):
            return range(lo, hi + 1)
        case SetType(enum=e):
            return range(1 << len(e.values))
        case IndexType(collection=c, optional=opt):
            return range(-1 if opt else 0, sizes[c])
        case _:
            raise AssertionError(t)


def domain_size(t: Type, sizes: dict[str, int]) -> int:
    """How many values a type has (exact, also beyond what `len` of a range can say)."""
    match t:
        case BoolType():
            return 2
        case EnumType(values=vals):
            return len(vals)
        case RangeType(lo=lo, hi=hi):
            return max(0, hi - lo + 1)
        case SetType(enum=e):
            return 1 << len(e.values)
        case IndexType(collection=c, optional=opt):
            return sizes[c] + (1 if opt else 0)
        case _:
            raise AssertionError(t)


def sizes_of(model: Model) -> dict[str, int]:
    return {c.name: c.size for c in model.collections}
