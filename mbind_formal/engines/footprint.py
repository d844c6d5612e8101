"""Footprints: which state slots each step of a model may read and write, from the IR.

Stage: static analysis for partial-order reduction (`engines.por`).
Input: a `Model` and its `Layout` (the slot order of `semantics.layout`).
Output: a `Footprints` table: per step id (the order of `Semantics.steps`) the slots its
leading awaits read, the slots its whole body reads and writes (its own pc included),
and the static relations the reduction needs: which steps are dependent (may not
commute) and which steps write which slots.

Over-approximations, all on the safe side: a field read or written through an index
that is not a literal (`p.lru` with `p` picked, `pg.vma.migratable`) touches that field
of every element; `actor[i].x` and `actor[i]@label` with a computed `i` read every
instance; a definition call reads what its body reads, whatever its arguments; both
branches of an `if` and every branch of an `either` count. A step writes its own pc
even when it jumps to its own label.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import assert_never

from mbind_formal.ir.model import (
    ActorLocal,
    AllDone,
    Assign,
    AtLabel,
    Await,
    Binary,
    BinOp,
    Block,
    BoolLit,
    Bound,
    Call,
    Done,
    Either,
    ElemLit,
    EnumLit,
    Expr,
    Field,
    GlobalVar,
    Goto,
    If,
    IntLit,
    Ite,
    LocalVar,
    Model,
    NoneLit,
    Pick,
    Quant,
    SelfRef,
    SetLit,
    Unary,
)
from mbind_formal.semantics.layout import Layout, SlotKind

Slots = frozenset[int]


@dataclass(frozen=True, slots=True)
class Footprint:
    """What one step (one actor instance's labelled step) may touch."""

    sid: int
    instance: int  # index into `Footprints.pcs`: the actor instance the step belongs to
    label: int  # the pc value at which the step runs
    guards: tuple[Slots, ...]  # per conjunct of the leading `await`s: the slots it reads
    reads: Slots  # every slot the body may read (own pc included)
    writes: Slots  # every slot the body may write (own pc included)


@dataclass(frozen=True, slots=True)
class Footprints:
    """The footprints of every step of one model, and the relations between them."""

    steps: tuple[Footprint, ...]
    pcs: tuple[int, ...]  # per actor instance: its pc slot
    at: tuple[tuple[int, ...], ...]  # per actor instance: pc value -> step id (no `done`)
    writers: tuple[int, ...]  # per slot: bitmask of the steps that may write it
    dependent: tuple[int, ...]  # per step: bitmask of the steps it may not commute with

    def written_by(self, slots: Slots) -> int:
        """Bitmask of the steps that may write one of `slots`."""
        mask = 0
        for x in slots:
            mask |= self.writers[x]
        return mask


def independent(a: Footprint, b: Footprint) -> bool:
    """Whether two steps commute and neither can enable or disable the other: neither
    writes what the other reads or writes (NOTE(partial-order reduction))."""
    return not (a.writes & (b.reads | b.writes)) and not (b.writes & a.reads)


def footprints(model: Model, layout: Layout) -> Footprints:
    """The footprint of every step of `model` (step ids as `Semantics.steps` numbers them)."""
    r = _Reader(model, layout)
    steps: list[Footprint] = []
    pcs: list[int] = []
    at: list[tuple[int, ...]] = []
    for a in model.actors:
        for k in range(a.instances):
            inst = len(pcs)
            pc = layout.pc_slot(a.name, k)
            pcs.append(pc)
            first = len(steps)
            for j, st in enumerate(a.steps):
                guards = [frozenset(r.expr(c, a.name, k)) for c in guard_conjuncts(st.body)]
                reads: set[int] = {pc}
                writes: set[int] = {pc}
                r.block(st.body, a.name, k, reads, writes)
                steps.append(
                    Footprint(
                        sid=len(steps),
                        instance=inst,
                        label=j,
                        guards=tuple(guards),
                        reads=frozenset(reads),
                        writes=frozenset(writes),
                    )
                )
            at.append(tuple(range(first, len(steps))))
    writers = [0] * len(layout.slots)
    for f in steps:
        for x in f.writes:
            writers[x] |= 1 << f.sid
    dependent = []
    for f in steps:
        mask = 0
        for g in steps:
            if g.sid != f.sid and not independent(f, g):
                mask |= 1 << g.sid
        dependent.append(mask)
    return Footprints(tuple(steps), tuple(pcs), tuple(at), tuple(writers), tuple(dependent))


def guard_conjuncts(body: Block) -> list[Expr]:
    """The conjuncts of a step's leading `await`s, in the order they are evaluated
    (`a && b` evaluates `b` only when `a` holds)."""
    out: list[Expr] = []
    for s in body:
        if not isinstance(s, Await):
            break
        out.extend(_conjuncts(s.cond))
    return out


def _conjuncts(e: Expr) -> list[Expr]:
    if isinstance(e, Binary) and e.op is BinOp.AND:
        return [*_conjuncts(e.left), *_conjuncts(e.right)]
    return [e]


def claim_reads(model: Model, layout: Layout, exprs: tuple[Expr, ...]) -> Slots:
    """The slots some of `exprs` (claims, witnesses: no actor context) may read."""
    r = _Reader(model, layout)
    out: set[int] = set()
    for e in exprs:
        out |= r.expr(e, None, 0)
    return frozenset(out)


class _Reader:
    """Read and write sets of IR expressions and statements, as slot positions."""

    def __init__(self, model: Model, layout: Layout) -> None:
        self.model = model
        self.layout = layout
        self._defs: dict[str, frozenset[int]] = {}

    def expr(self, e: Expr, actor: str | None, k: int) -> set[int]:
        out: set[int] = set()
        self._expr(e, actor, k, out)
        return out

    def _expr(self, e: Expr, actor: str | None, k: int, out: set[int]) -> None:
        lay = self.layout
        match e:
            case BoolLit() | IntLit() | EnumLit() | ElemLit() | NoneLit() | SelfRef() | Bound():
                pass
            case SetLit(items=items):
                for x in items:
                    self._expr(x, actor, k, out)
            case GlobalVar(name=gn):
                out.add(lay.global_slot(gn))
            case LocalVar(name=ln):
                assert actor is not None, "a local read outside an actor"
                out.add(lay.local_slot(actor, k, ln))
            case Field(index=index):
                out |= self.field_slots(e, actor, k)
                self._expr(index, actor, k, out)
            case ActorLocal(actor=an, instance=inst, name=ln):
                for i in self._instances(an, inst):
                    out.add(lay.local_slot(an, i, ln))
                self._expr(inst, actor, k, out)
            case AtLabel(actor=an, instance=inst):
                for i in self._instances(an, inst):
                    out.add(lay.pc_slot(an, i))
                self._expr(inst, actor, k, out)
            case AllDone():
                out |= {i for i, sl in enumerate(lay.slots) if sl.kind is SlotKind.PC}
            case Unary(arg=arg):
                self._expr(arg, actor, k, out)
            case Binary(left=left, right=right):
                self._expr(left, actor, k, out)
                self._expr(right, actor, k, out)
            case Ite(cond=c, then=t, orelse=o):
                for x in (c, t, o):
                    self._expr(x, actor, k, out)
            case Quant(body=body):
                self._expr(body, actor, k, out)
            case Call(name=cn, args=args):
                for x in args:
                    self._expr(x, actor, k, out)
                out |= self._def(cn)
            case _:
                assert_never(e)

    def _def(self, name: str) -> frozenset[int]:
        got = self._defs.get(name)
        if got is None:
            self._defs[name] = frozenset()  # validation refuses recursion; be safe anyway
            got = frozenset(self.expr(self.model.definition(name).body, None, 0))
            self._defs[name] = got
        return got

    def _instances(self, actor: str, inst: Expr) -> range:
        n = self.model.actor(actor).instances
        match inst:
            case IntLit(value=i) | ElemLit(index=i) if 0 <= i < n:
                return range(i, i + 1)
            case _:
                return range(n)

    def field_slots(self, e: Field, actor: str | None, k: int) -> set[int]:
        """The slots field `e` may name: one when its index is a literal or `self`."""
        lay = self.layout
        size = self.model.collection(e.collection).size
        match e.index:
            case ElemLit(index=i) if 0 <= i < size:
                return {lay.field_slot(e.collection, i, e.name)}
            case SelfRef() if actor is not None and 0 <= k < size:
                return {lay.field_slot(e.collection, k, e.name)}
            case _:
                return {lay.field_slot(e.collection, i, e.name) for i in range(size)}

    def block(self, block: Block, actor: str, k: int, reads: set[int], writes: set[int]) -> None:
        for s in block:
            match s:
                case Assign(target=target, value=value):
                    self._expr(value, actor, k, reads)
                    match target:
                        case GlobalVar(name=gn):
                            writes.add(self.layout.global_slot(gn))
                        case LocalVar(name=ln):
                            writes.add(self.layout.local_slot(actor, k, ln))
                        case Field(index=index):
                            writes |= self.field_slots(target, actor, k)
                            self._expr(index, actor, k, reads)
                        case _:
                            assert_never(target)
                case If(cond=c, then=then, orelse=orelse):
                    self._expr(c, actor, k, reads)
                    self.block(then, actor, k, reads, writes)
                    self.block(orelse, actor, k, reads, writes)
                case Either(branches=branches):
                    for br in branches:
                        self.block(br, actor, k, reads, writes)
                case Await(cond=c):
                    self._expr(c, actor, k, reads)
                case Pick(cond=c, body=body):
                    self._expr(c, actor, k, reads)
                    self.block(body, actor, k, reads, writes)
                case Goto() | Done():
                    pass
                case _:
                    assert_never(s)
