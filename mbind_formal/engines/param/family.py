"""The family of a model: the same variant and claim built at every size of one collection.

Stage: engines (parametric). Input: the checked `Model` and `Claim`, and a `SpecAt`
(supplied by the CLI: engines never load spec files themselves) that rebuilds the spec
with some parameters changed. Output: a `Family`: the parameter that sizes one
collection, the models and claims at sizes 1..5, and a `Shape` that says how every
integer of the IR depends on the size N (`a + b*N`), or the reason the model is not
parametric.

The shape comes from anti-unification: the IR trees built at sizes 2, 3 and 4 are walked
in step; every integer that differs between them must be affine in N (fitted on two
sizes, checked on the others), and must sit where the parametric encoding reads it (a
range bound, an integer literal, an element literal, a collection size, an actor's
instance count). Anything else that changes with N (a tuple that grows, a name that
differs) means the lowering unrolled something per element: not parametric.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from mbind_formal.ir.model import (
    Actor,
    Claim,
    Collection,
    ElemLit,
    IntLit,
    Model,
    RangeType,
    Spec,
)

# Rebuilds the spec with these parameters overriding the ones it was loaded with, and
# this text appended to its main file (the certificate re-parses its invariant that
# way); None when the spec does not load.
SpecAt = Callable[[Mapping[str, int], str], Spec | None]

FIT_SIZES = (2, 3, 4)  # the sizes the shape is fitted on
CHECK_SIZES = (1, 5)  # the shape is checked on these too (size 1 only if it loads)

# (node type, attribute) of the integers the encoding reads through the shape
_SCALED = frozenset(
    {
        (RangeType, "lo"),
        (RangeType, "hi"),
        (IntLit, "value"),
        (ElemLit, "index"),
        (Collection, "size"),
        (Actor, "instances"),
    }
)


@dataclass(frozen=True, slots=True)
class Affine:
    """The integer `a + b*N`."""

    a: int
    b: int

    def at(self, n: int) -> int:
        return self.a + self.b * n


class NotParametric(Exception):
    """The model is outside the parametric fragment (the message says why)."""


@dataclass(frozen=True, slots=True)
class Shape:
    """How the integers of the base IR (the trees built at the largest fit size) scale."""

    scaled: Mapping[tuple[int, str], Affine]  # (id(node), attribute) -> affine value
    keep: tuple[object, ...]  # the base trees, kept alive so that ids stay valid

    def num(self, node: object, attr: str) -> Affine:
        """The affine value of `node.attr` (a constant unless it scales)."""
        got = self.scaled.get((id(node), attr))
        if got is not None:
            return got
        v = getattr(node, attr)
        assert isinstance(v, int)
        return Affine(v, 0)


@dataclass(frozen=True, slots=True)
class Family:
    param: str  # the spec parameter that sizes `collection`
    collection: str  # the parametric collection (its size is N)
    params: Mapping[str, int]  # the other parameters, as the checked model was built
    models: Mapping[int, Model]  # size -> the variant at that size
    claims: Mapping[int, Claim]  # size -> the claim at that size
    shape: Shape
    base: int  # the size whose trees `shape` keys on
    min_size: int  # the smallest size the shape is valid for
    given: int  # the size of the checked model

    @property
    def model(self) -> Model:
        return self.models[self.base]

    @property
    def claim(self) -> Claim:
        return self.claims[self.base]


def _plain(m: Model) -> Model:
    return dataclasses.replace(m, source="")


def _build(
    respec: SpecAt, params: Mapping[str, int], variant: str, claim: str, extra: str = ""
) -> tuple[Model, Claim] | None:
    spec = respec(params, extra)
    if spec is None or variant not in spec.variants:
        return None
    try:
        return spec.model(variant), spec.claim(claim)
    except KeyError:
        return None


def family(
    respec: SpecAt,
    model: Model,
    claim: Claim,
    extra: str = "",
    claim_name: str | None = None,
) -> Family:
    """The family of `model` and `claim` (raises `NotParametric` with the reason).

    `extra` is text appended to the spec (and `claim_name` the claim to take from it):
    how the certificate re-reads a printed invariant."""
    spec = respec({}, "")
    if spec is None:
        raise NotParametric("the spec does not load again")
    if model.variant not in spec.variants or _plain(spec.model(model.variant)) != _plain(model):
        raise NotParametric("the model is not the one its spec file builds")
    # only integer parameters size collections (bool and enum ones stay at their values)
    defaults = {p: v for p, v in spec.params if isinstance(v, int) and not isinstance(v, bool)}
    choice: tuple[str, str] | None = None
    for p, v in sorted(defaults.items()):
        bumped = respec({p: v + 1}, "")
        if bumped is None or model.variant not in bumped.variants:
            continue
        grown = [
            c.name
            for c in bumped.model(model.variant).collections
            if c.size != model.collection(c.name).size
        ]
        if len(grown) == 1 and bumped.model(model.variant).collection(grown[0]).size == v + 1:
            choice = (p, grown[0])
            break
    if choice is None:
        sizes = ", ".join(f"{c.name}[{c.size}]" for c in model.collections) or "none"
        raise NotParametric(f"no parameter sets the size of a collection (collections: {sizes})")
    param, coll = choice
    given = model.collection(coll).size
    name = claim.name if claim_name is None else claim_name
    built: dict[int, tuple[Model, Claim]] = {}
    for n in (*CHECK_SIZES, *FIT_SIZES):
        got = _build(respec, {param: n}, model.variant, name, extra)
        if got is not None and got[0].collection(coll).size == n:
            built[n] = got
    for n in FIT_SIZES:
        if n not in built:
            raise NotParametric(f"the spec does not build with {param} = {n}")
    base = FIT_SIZES[-1]
    trees = {n: (built[n][0], built[n][1]) for n in built}
    scaled: dict[tuple[int, str], Affine] = {}
    _walk([trees[n] for n in FIT_SIZES], list(FIT_SIZES), "model", scaled)
    shape = Shape(scaled, (trees[base],))
    size = shape.num(trees[base][0].collection(coll), "size")
    if size != Affine(0, 1):
        raise NotParametric(f"the size of {coll} is not {param}")
    min_size = 1 if 1 in built and _fits(trees, shape, 1) else 2
    if 5 in built and not _fits(trees, shape, 5):
        raise NotParametric(f"the model at {param} = 5 does not follow sizes 2..4")
    others = {p: v for p, v in defaults.items() if p != param}
    return Family(
        param=param,
        collection=coll,
        params=others,
        models={n: t[0] for n, t in trees.items()},
        claims={n: t[1] for n, t in trees.items()},
        shape=shape,
        base=base,
        min_size=min_size,
        given=given,
    )


def _fits(trees: Mapping[int, tuple[Model, Claim]], shape: Shape, n: int) -> bool:
    """The trees at size `n` are what the shape predicts."""
    scaled: dict[tuple[int, str], Affine] = {}
    try:
        _walk([trees[n], trees[FIT_SIZES[-1]]], [n, FIT_SIZES[-1]], "model", scaled)
    except NotParametric:
        return False
    for key, aff in scaled.items():
        want = shape.scaled.get(key)
        if want is None or want.at(n) != aff.at(n):
            return False
    return True


def _walk(
    nodes: Sequence[object],
    sizes: Sequence[int],
    path: str,
    scaled: dict[tuple[int, str], Affine],
) -> None:
    """Anti-unify `nodes` (one per size); record scaling integers of the last one."""
    first = nodes[-1]
    if isinstance(first, bool) or first is None or isinstance(first, str | enum.Enum):
        if any(n != first for n in nodes):
            raise NotParametric(f"{path} changes with the size")
        return
    if isinstance(first, tuple):
        if any(not isinstance(n, tuple) or len(n) != len(first) for n in nodes):
            raise NotParametric(f"the number of items in {path} changes with the size")
        for i in range(len(first)):
            _walk([n[i] for n in nodes if isinstance(n, tuple)], sizes, f"{path}[{i}]", scaled)
        return
    if not dataclasses.is_dataclass(first) or isinstance(first, type):
        if any(n != first for n in nodes):
            raise NotParametric(f"{path} changes with the size")
        return
    if any(type(n) is not type(first) for n in nodes):
        raise NotParametric(f"{path} changes its kind with the size")
    for f in dataclasses.fields(first):
        if not f.compare:
            continue
        vals = [getattr(n, f.name) for n in nodes]
        here = f"{path}.{f.name}"
        if isinstance(vals[-1], int) and not isinstance(vals[-1], bool):
            if all(v == vals[-1] for v in vals):
                aff = Affine(vals[-1], 0)
            else:
                if (type(first), f.name) not in _SCALED:
                    raise NotParametric(f"{here} changes with the size")
                b = (vals[1] - vals[0]) // (sizes[1] - sizes[0])
                aff = Affine(vals[0] - b * sizes[0], b)
                if any(aff.at(s) != v for s, v in zip(sizes, vals, strict=True)):
                    raise NotParametric(f"{here} is not affine in the size ({vals})")
            key = (id(first), f.name)
            old = scaled.get(key)
            if old is not None and old != aff:
                raise NotParametric(f"{here} is shared by places that scale differently")
            scaled[key] = aff
            continue
        _walk(vals, sizes, here, scaled)
