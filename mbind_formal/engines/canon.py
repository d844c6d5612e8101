"""Canonical states under symmetry: one representative per orbit (the explicit engine's keys).

Input: a `Model`, its `Layout` and the collections that may be permuted
(`ir.symmetry.symmetric_collections`). Output: `Canon`, a function from a state to the
canonical (lexicographically smallest) image of it under the permutations of those
collections' elements.
"""

from __future__ import annotations

import itertools
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from mbind_formal.ir.model import IndexType, Model
from mbind_formal.semantics.layout import Layout, State, Value

Getter = Callable[[State], tuple[Value, ...]]


@dataclass(frozen=True, slots=True)
class _Group:
    """One permutable collection: per element, the slots that move with it."""

    name: str
    blocks: tuple[tuple[int, ...], ...]  # element -> its fields, then its actor instances
    whole: tuple[Getter, ...]  # element -> reader of its block
    plain: tuple[Getter, ...]  # element -> reader of its slots that are not references
    refs: tuple[tuple[tuple[int, int], ...], ...]  # element -> its ref slots (slot, group)
    classes: int  # kinds of block slots (group, position) that may refer to this group


class Canon:
    """The canonical representative of a state's orbit under the symmetry group.

    Exact: two states get the same representative iff a permutation maps one to the
    other, so the number of representatives is the number of orbits (what TLC's
    SYMMETRY reports). Elements are ordered by a signature that every permutation
    carries along: their own values with references abstracted (none / itself /
    another), which fixed slots refer to them, how many moving slots of each kind do,
    and, to break ties, the signatures of the elements they refer to. Elements with
    equal signatures that refer or are referred to are tried in every order; equal
    ones that do neither are identical, so their order does not matter. The
    representative is the smallest image over the orders tried.
    """

    def __init__(self, model: Model, layout: Layout, collections: frozenset[str]) -> None:
        names = [c.name for c in model.collections if c.name in collections]
        gid = {n: i for i, n in enumerate(names)}
        blocks_of: list[tuple[tuple[int, ...], ...]] = []
        for n in names:
            blocks = []
            for e in range(model.collection(n).size):
                b = [layout.field_slot(n, e, f.name) for f in model.collection(n).fields]
                for a in model.actors:
                    if a.self_collection == n:
                        b.append(layout.pc_slot(a.name, e))
                        b.extend(layout.local_slot(a.name, e, v.name) for v in a.locals)
                blocks.append(tuple(b))
            blocks_of.append(tuple(blocks))
        moved: dict[int, tuple[int, int]] = {}
        for g, group_blocks in enumerate(blocks_of):
            for block in group_blocks:
                for j, slot in enumerate(block):
                    moved[slot] = (g, j)
        target: dict[int, int] = {}
        for i, sl in enumerate(layout.slots):
            if isinstance(sl.type, IndexType) and sl.type.collection in gid:
                target[i] = gid[sl.type.collection]
        self.refs = tuple(sorted(target.items()))
        self._width = len(layout.slots)
        self._plans: dict[tuple[tuple[int, ...], ...], _Plan] = {}
        # Per ref slot: the group it points into and its kind there (-1: a fixed slot).
        kinds: list[dict[tuple[int, int], int]] = [{} for _ in names]
        info = []
        for slot, t in self.refs:
            cls = kinds[t].setdefault(moved[slot], len(kinds[t])) if slot in moved else -1
            info.append((slot, t, cls))
        self._refinfo = tuple(info)
        self.groups = tuple(
            _Group(
                name=n,
                blocks=blocks_of[g],
                whole=tuple(_getter(list(b)) for b in blocks_of[g]),
                plain=tuple(_getter([i for i in b if i not in target]) for b in blocks_of[g]),
                refs=tuple(tuple((i, target[i]) for i in b if i in target) for b in blocks_of[g]),
                classes=len(kinds[g]),
            )
            for g, n in enumerate(names)
        )

    def __call__(self, s: State) -> State:
        if not any(s[slot] >= 0 for slot, _ in self.refs):
            return self._sorted(s)
        return self._general(s)

    def _sorted(self, s: State) -> State:
        """No element is referred to: sorting each group's blocks is the lexmin image."""
        orders = []
        for grp in self.groups:
            vals = [get(s) for get in grp.whole]
            orders.append(tuple(sorted(range(len(vals)), key=vals.__getitem__)))
        return self._image(s, tuple(orders))

    def _signatures(self, s: State) -> tuple[list[list[Sig]], list[list[bool]]]:
        """Per group and element: its signature, and whether it refers or is referred to."""
        inbound: dict[tuple[int, int], list[int]] = {}  # (group, element) -> referring
        for slot, t, cls in self._refinfo:
            v = s[slot]
            if v >= 0:
                # a fixed slot is named by itself, a moving one only by its kind
                inbound.setdefault((t, int(v)), []).append(slot if cls < 0 else -1 - cls)
        sigs: list[list[Sig]] = []
        tangled: list[list[bool]] = []
        for g, grp in enumerate(self.groups):
            gs: list[Sig] = []
            gt: list[bool] = []
            for e, (plain, refs) in enumerate(zip(grp.plain, grp.refs, strict=True)):
                marks = tuple(
                    [-1 if s[i] < 0 else (-2 if t == g and s[i] == e else -3) for i, t in refs]
                )
                into = inbound.get((g, e))
                if into is None:
                    gs.append((plain(s), marks, ()))
                    gt.append(any(m != -1 for m in marks))
                else:
                    into.sort()
                    gs.append((plain(s), marks, tuple(into)))
                    gt.append(True)
            sigs.append(gs)
            tangled.append(gt)
        return sigs, tangled

    def _refine(self, s: State, sigs: list[list[Sig]]) -> list[list[Sig]]:
        """Each signature extended by the signatures of the elements it refers to."""
        return [
            [
                (sig, tuple([sigs[t][int(s[i])] if s[i] >= 0 else () for i, t in refs]))
                for sig, refs in zip(gs, grp.refs, strict=True)
            ]
            for gs, grp in zip(sigs, self.groups, strict=True)
        ]

    def _general(self, s: State) -> State:
        sigs, tangled = self._signatures(s)
        orders = self._orders(sigs, tangled, refine=False)
        if orders is None:
            orders = self._orders(self._refine(s, sigs), tangled, refine=True)
            assert orders is not None
        if len(orders) == 1:
            return self._image(s, orders[0])
        return min(self._image(s, o) for o in orders)

    def _orders(
        self, sigs: list[list[Sig]], tangled: list[list[bool]], refine: bool
    ) -> list[tuple[tuple[int, ...], ...]] | None:
        """The element orders to try (per group), or None when ties call for `_refine`."""
        per_group: list[list[tuple[int, ...]]] = []
        for gs, gt in zip(sigs, tangled, strict=True):
            ranked = sorted(range(len(gs)), key=gs.__getitem__)
            classes: list[list[int]] = [[ranked[0]]]
            tie = False
            for e in ranked[1:]:
                if gs[classes[-1][0]] == gs[e]:
                    classes[-1].append(e)
                    tie = tie or gt[e]
                else:
                    classes.append([e])
            if not tie:
                per_group.append([tuple(ranked)])
                continue
            if not refine:
                return None
            options: list[Sequence[tuple[int, ...]]] = [
                list(itertools.permutations(c)) if len(c) > 1 and gt[c[0]] else [tuple(c)]
                for c in classes
            ]
            per_group.append([sum(combo, ()) for combo in itertools.product(*options)])
        return list(itertools.product(*per_group))

    def _image(self, s: State, orders: tuple[tuple[int, ...], ...]) -> State:
        """`s` with each group's element `orders[g][p]` moved to position p."""
        plan = self._plans.get(orders)
        if plan is None:
            plan = self._plan(orders)
            if len(self._plans) < _PLAN_CACHE:
                self._plans[orders] = plan
        gather, remap = plan
        out = list(map(s.__getitem__, gather))
        for slot, pi in remap:
            v = out[slot]
            if v >= 0:
                out[slot] = pi[v]
        return tuple(out)

    def _plan(self, orders: tuple[tuple[int, ...], ...]) -> _Plan:
        """Where each slot of the image comes from, and how references are renamed."""
        gather = list(range(self._width))
        perms: list[tuple[int, ...]] = []
        for grp, order in zip(self.groups, orders, strict=True):
            blocks = grp.blocks
            pi = [0] * len(blocks)
            for p, e in enumerate(order):
                pi[e] = p
                for dst, src in zip(blocks[p], blocks[e], strict=True):
                    gather[dst] = src
            perms.append(tuple(pi))
        return tuple(gather), tuple((slot, perms[g]) for slot, g in self.refs)


_PLAN_CACHE = 50_000  # element orders whose gather plans are kept (6! = 720 per group)
_Plan = tuple[tuple[int, ...], tuple[tuple[int, tuple[int, ...]], ...]]
Sig = tuple[object, ...]


def _getter(slots: list[int]) -> Getter:
    """A fast reader of some slots, as a tuple."""
    if len(slots) == 1:
        only = slots[0]
        return lambda s: (s[only],)
    if not slots:
        return lambda s: ()
    get: Getter = operator.itemgetter(*slots)
    return get
