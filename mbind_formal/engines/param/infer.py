"""Candidate invariants: clauses from templates, kept if true in every sampled state.

Stage: engines (parametric). Input: the base model of a `Family` and the reachable
states of the family at small sizes (`reach`). Output: candidate invariants as IR
expressions (closed, in the spec language's vocabulary), with the numbers enumerated and
kept.

Templates (DistAI/DuoAI style): a clause is a disjunction of at most `MAX_LITERALS`
literals over atoms, under one of three prefixes: none, `forall p in C:`, and
`forall p in C: forall q in C: p != q => ...`, C being the parametric collection. Atoms
are the Boolean facts of one state about globals, singleton actors' pcs and locals,
and the fields, pcs and locals of the bound elements: `x` for a bool, `x == v` for each
value of an enum or a small constant range, `v in x` for a set, `x == p`, `x == none`
and `x < p` for an element, and `x == y`, `x < y` between integers of the same kind.
Each state (and each binding of p, q) is one vector of atom values; a clause is kept iff
every distinct vector satisfies it, tested as bitmask unions over the distinct vectors.
Clauses subsumed by a kept shorter one are skipped, and the enumeration stops at
`max_candidates` or at the deadline, so its cost is bounded.
"""

from __future__ import annotations

import dataclasses
import itertools
import time
import typing
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mbind_formal.ir.model import (
    ActorLocal,
    AtLabel,
    Binary,
    BinOp,
    BoolLit,
    BoolType,
    Bound,
    Call,
    ElemLit,
    EnumLit,
    EnumType,
    Expr,
    Field,
    GlobalVar,
    IndexType,
    InitAny,
    InitValue,
    IntLit,
    Model,
    NoneLit,
    Quant,
    Quantifier,
    RangeType,
    SelfRef,
    SetType,
    Type,
    Unary,
    UnOp,
)
from mbind_formal.ir.types import TypeEnv, infer
from mbind_formal.ir.walk import children, subexprs
from mbind_formal.semantics.layout import Layout, State
from mbind_formal.semantics.relation import Semantics

MAX_LITERALS = 3
MAX_TRIED_PER_BUCKET = 400_000  # clauses tested per (prefix, size): bounds the time
MAX_CONST_RANGE = 4  # ranges with at most this many values get `x == k` atoms
VARS = ("p", "q")

Eval = Callable[[State, tuple[int, ...]], bool]  # state, (p, q) -> value of the atom


@dataclass(frozen=True, slots=True)
class Atom:
    expr: Expr  # over Bound("p") / Bound("q")
    uses: frozenset[str]  # which of p, q it mentions
    text: str  # a stable sort key
    term: str = ""  # for `x == constant`: the term x (two such atoms on one x exclude)


@dataclass(frozen=True, slots=True)
class _Term:
    """An integer-like or Boolean term of one state, as IR and as a slot reader."""

    expr: Expr
    type: Type | None  # None: a pc
    labels: tuple[str, ...]  # for a pc
    uses: frozenset[str]
    slot: Callable[[Layout, tuple[int, ...]], int]  # layout, binding -> slot index
    kind: str  # what it may be compared with (same kind only)


def _terms(m: Model, coll: str, fixed_bits: bool) -> list[_Term]:
    out: list[_Term] = []
    for v in m.globals:
        out.append(
            _Term(GlobalVar(name=v.name), v.type, (), frozenset(), _gslot(v.name), _kind(v.type))
        )
    for c in m.collections:
        for f in c.fields:
            if c.name == coll:
                for var in VARS:
                    out.append(
                        _Term(
                            Field(collection=c.name, name=f.name, index=Bound(name=var)),
                            f.type,
                            (),
                            frozenset({var}),
                            _fslot(c.name, f.name, VARS.index(var)),
                            _kind(f.type),
                        )
                    )
            elif fixed_bits:
                for k in range(c.size):
                    out.append(
                        _Term(
                            Field(
                                collection=c.name,
                                name=f.name,
                                index=ElemLit(collection=c.name, index=k),
                            ),
                            f.type,
                            (),
                            frozenset(),
                            _fslot_k(c.name, f.name, k),
                            _kind(f.type),
                        )
                    )
    for a in m.actors:
        labels = (*a.labels, "done")
        if a.self_collection == coll:
            for var in VARS:
                inst: Expr = Bound(name=var)
                uses = frozenset({var})
                out.append(
                    _Term(
                        AtLabel(actor=a.name, instance=inst, label="?"),
                        None,
                        labels,
                        uses,
                        _pslot(a.name, VARS.index(var)),
                        f"pc:{a.name}",
                    )
                )
                for v in a.locals:
                    out.append(
                        _Term(
                            ActorLocal(actor=a.name, instance=inst, name=v.name),
                            v.type,
                            (),
                            uses,
                            _lslot(a.name, v.name, VARS.index(var)),
                            _kind(v.type),
                        )
                    )
        elif a.instances == 1:
            inst = IntLit(value=0)
            out.append(
                _Term(
                    AtLabel(actor=a.name, instance=inst, label="?"),
                    None,
                    labels,
                    frozenset(),
                    _pslot_k(a.name),
                    f"pc:{a.name}",
                )
            )
            for v in a.locals:
                out.append(
                    _Term(
                        ActorLocal(actor=a.name, instance=inst, name=v.name),
                        v.type,
                        (),
                        frozenset(),
                        _lslot_k(a.name, v.name),
                        _kind(v.type),
                    )
                )
    return out


def _kind(t: Type) -> str:
    match t:
        case BoolType():
            return "bool"
        case EnumType(name=n):
            return f"enum:{n}"
        case RangeType():
            return "int"
        case SetType(enum=e):
            return f"set:{e.name}"
        case IndexType(collection=c):
            return f"elem:{c}"
    raise AssertionError(t)


def _gslot(name: str) -> Callable[[Layout, tuple[int, ...]], int]:
    return lambda lay, b: lay.global_slot(name)


def _fslot(c: str, f: str, var: int) -> Callable[[Layout, tuple[int, ...]], int]:
    return lambda lay, b: lay.field_slot(c, b[var], f)


def _fslot_k(c: str, f: str, k: int) -> Callable[[Layout, tuple[int, ...]], int]:
    return lambda lay, b: lay.field_slot(c, k, f)


def _pslot(a: str, var: int) -> Callable[[Layout, tuple[int, ...]], int]:
    return lambda lay, b: lay.pc_slot(a, b[var])


def _pslot_k(a: str) -> Callable[[Layout, tuple[int, ...]], int]:
    return lambda lay, b: lay.pc_slot(a, 0)


def _lslot(a: str, n: str, var: int) -> Callable[[Layout, tuple[int, ...]], int]:
    return lambda lay, b: lay.local_slot(a, b[var], n)


def _lslot_k(a: str, n: str) -> Callable[[Layout, tuple[int, ...]], int]:
    return lambda lay, b: lay.local_slot(a, 0, n)


# An atom for evaluation: (layout, binding) -> a function of the state
Maker = Callable[[Layout, tuple[int, ...]], Callable[[State], bool]]


_EXPRS = typing.get_args(Expr)  # the expression node classes


def _subst(e: Expr, var: str, by: Expr) -> Expr:
    """`e` with the bound name `var` (`self` when `var` is "") replaced by `by` (not
    under a rebinding)."""
    match e:
        case SelfRef() if var == "":
            return by
        case Bound(name=n):
            return by if n == var else e
        case Quant(var=v) if v == var:
            return e
    if not dataclasses.is_dataclass(e):
        return e
    changes: dict[str, Any] = {}
    for f in dataclasses.fields(e):
        v = getattr(e, f.name)
        if isinstance(v, _EXPRS):
            nv = _subst(v, var, by)
            if nv is not v:
                changes[f.name] = nv
        elif isinstance(v, tuple) and v and isinstance(v[0], _EXPRS):
            nt = tuple(_subst(x, var, by) for x in v)
            if any(a is not b for a, b in zip(nt, v, strict=True)):
                changes[f.name] = nt
    return dataclasses.replace(e, **changes) if changes else e


def _compiled(coll: str, per_size: Mapping[int, Expr], sems: dict[int, Semantics]) -> Maker:
    """An atom given by an expression (per size, over Bound p/q), compiled by the
    executable semantics of the sampled model (so it agrees with the explicit engine);
    `sems` holds one `Semantics` per sampled size, shared by the atoms."""
    cache: dict[tuple[int, tuple[int, ...]], Callable[[State], bool]] = {}

    def mk(lay: Layout, b: tuple[int, ...]) -> Callable[[State], bool]:
        n = lay.model.collection(coll).size
        key = (n, b)
        got = cache.get(key)
        if got is None:
            e = per_size[n]
            for var, i in zip(VARS, b, strict=True):
                e = _subst(e, var, ElemLit(collection=coll, index=i))
            sem = sems.get(n)
            if sem is None:
                sem = sems[n] = Semantics(lay.model)
            got = cache[key] = sem.predicate(e)
        return got

    return mk


def rich_atoms(
    models: Mapping[int, Model], claims: Mapping[int, Expr], coll: str, base: int
) -> list[tuple[Atom, Maker]]:
    """Atoms in the model's own words, tried first: its Boolean definitions of no
    argument or of one element of `coll`, the claim's Boolean sub-formulas (quantifier
    bodies with their variable as p), and, per actor that runs once, "past step k"."""
    m = models[base]
    out: list[tuple[Atom, Maker]] = []
    seen: set[str] = set()
    sems: dict[int, Semantics] = {}

    def add(per: dict[int, Expr], uses: frozenset[str]) -> None:
        e = per[base]
        key = repr(e)
        if key in seen:
            return
        seen.add(key)
        out.append((Atom(e, uses, key), _compiled(coll, per, sems)))

    env = TypeEnv(m)
    elem = IndexType(collection=coll)
    for d in m.defs:
        if len(d.params) == 0 and infer(d.body, env) == BoolType():
            add({n: Call(name=d.name, args=()) for n in models}, frozenset())
        elif (
            len(d.params) == 1
            and d.params[0].type == elem
            and not _has_quant(d.body, m)  # a quantifier under a quantifier is slow
            and infer(d.body, env.bind(d.params[0].name, elem)) == BoolType()
        ):
            for var in VARS:
                call = Call(name=d.name, args=(Bound(name=var),))
                add({n: call for n in models}, frozenset({var}))

    # the claim's sub-formulas, walked in step at every size
    def walk(per: dict[int, Expr], scope: dict[str, str]) -> None:
        e = per[base]
        free = _free(e)
        if free <= scope.keys() and not isinstance(e, BoolLit):
            uses = frozenset(scope[v] for v in free)
            nested = _has_quant(e, m)
            whole = e is claims[base]  # the claim itself: already a candidate
            if (
                len(uses) <= 1
                and not (uses and nested)  # a quantifier under a quantifier is slow
                and not whole
                and infer(e, _env_with(env, scope, elem)) == BoolType()
            ):
                add({n: _rename(x, scope) for n, x in per.items()}, uses)
        if isinstance(e, Quant):
            inner = dict(scope)
            if e.domain == elem and "p" not in scope.values():
                inner[e.var] = "p"
            else:
                return
            walk({n: x.body for n, x in per.items() if isinstance(x, Quant)}, inner)
            return
        kids = [children(x) for x in per.values()]
        for i in range(len(children(e))):
            walk({n: children(x)[i] for n, x in per.items()}, scope)
        del kids

    walk(dict(claims), {})
    for a in m.actors:
        if a.instances != 1 or a.self_collection is not None:
            continue
        labels = (*a.labels, "done")
        for k in range(1, len(labels) - 1):
            e: Expr | None = None
            for label in labels[k:]:
                at = AtLabel(actor=a.name, instance=IntLit(value=0), label=label)
                e = at if e is None else Binary(op=BinOp.OR, left=e, right=at)
            assert e is not None
            key = repr(e)
            if key not in seen:
                seen.add(key)
                out.append((Atom(e, frozenset(), key), _past(a.name, k)))
    return out


def const_facts(m: Model, coll: str) -> list[Expr]:
    """What the declarations say about constants, true in every state: `forall p in C:
    p.f == init` (or one of its choices) for a constant field of C, and the same for a
    constant global."""
    out: list[Expr] = []
    p = Bound(name="p")
    for c in m.collections:
        if c.name != coll:
            continue
        for f in c.fields:
            if not f.const or isinstance(f.init, InitAny):
                continue
            cur = Field(collection=c.name, name=f.name, index=p)
            vals = (f.init.value,) if isinstance(f.init, InitValue) else f.init.choices
            body: Expr | None = None
            for v in vals:
                eq = Binary(op=BinOp.EQ, left=cur, right=_subst(v, "", p))
                body = eq if body is None else Binary(op=BinOp.OR, left=body, right=eq)
            assert body is not None
            out.append(
                Quant(kind=Quantifier.FORALL, var="p", domain=IndexType(collection=coll), body=body)
            )
    for g in m.globals:
        if g.const and isinstance(g.init, InitValue):
            out.append(Binary(op=BinOp.EQ, left=GlobalVar(name=g.name), right=g.init.value))
    return out


def _past(actor: str, k: int) -> Maker:
    def mk(lay: Layout, b: tuple[int, ...]) -> Callable[[State], bool]:
        i = lay.pc_slot(actor, 0)
        return lambda s: int(s[i]) >= k

    return mk


def _has_quant(e: Expr, m: Model) -> bool:
    """`e` holds a quantifier, definitions expanded."""
    for x in subexprs(e):
        if isinstance(x, Quant):
            return True
        if isinstance(x, Call) and _has_quant(m.definition(x.name).body, m):
            return True
    return False


def _free(e: Expr) -> set[str]:
    """The bound names `e` refers to without binding them."""
    match e:
        case Bound(name=n):
            return {n}
        case Quant(var=v, body=body):
            return _free(body) - {v}
    out: set[str] = set()
    for c in children(e):
        out |= _free(c)
    return out


def _env_with(env: TypeEnv, scope: dict[str, str], elem: IndexType) -> TypeEnv:
    for v in scope:
        env = env.bind(v, elem)
    return env


def _rename(e: Expr, scope: dict[str, str]) -> Expr:
    for v, new in scope.items():
        if v != new:
            e = _subst(e, v, Bound(name=new))
    return e


def atoms(
    m: Model, coll: str, scaled_ranges: Callable[[RangeType], bool]
) -> list[tuple[Atom, Maker]]:
    """Every atom of the templates, with its evaluator."""
    terms = _terms(m, coll, fixed_bits=True)
    out: list[tuple[Atom, Maker]] = []

    def add(e: Expr, uses: frozenset[str], mk: Maker, term: str = "") -> None:
        out.append((Atom(e, uses, repr(e), term), mk))

    for t in terms:
        if t.type is None:  # a pc
            assert isinstance(t.expr, AtLabel)
            for k, label in enumerate(t.labels):
                e: Expr = AtLabel(actor=t.expr.actor, instance=t.expr.instance, label=label)
                add(e, t.uses, _eq_const(t.slot, k), repr(t.expr))
            continue
        match t.type:
            case BoolType():
                add(t.expr, t.uses, _truth(t.slot))
            case EnumType(values=vals) as en:
                for k, val in enumerate(vals):
                    e = Binary(op=BinOp.EQ, left=t.expr, right=EnumLit(enum=en, value=val))
                    add(e, t.uses, _eq_const(t.slot, k), repr(t.expr))
            case RangeType(lo=lo, hi=hi) as rt:
                if not scaled_ranges(rt) and hi - lo + 1 <= MAX_CONST_RANGE:
                    for k in range(lo, hi + 1):
                        e = Binary(op=BinOp.EQ, left=t.expr, right=IntLit(value=k))
                        add(e, t.uses, _eq_const(t.slot, k), repr(t.expr))
            case SetType(enum=en):
                for k, val in enumerate(en.values):
                    e = Binary(op=BinOp.IN, left=EnumLit(enum=en, value=val), right=t.expr)
                    add(e, t.uses, _bit(t.slot, k))
            case IndexType(collection=c, optional=opt):
                if opt:
                    add(
                        Binary(op=BinOp.EQ, left=t.expr, right=NoneLit(collection=c)),
                        t.uses,
                        _eq_const(t.slot, -1),
                    )
                if c == coll:
                    for var in VARS:
                        if var in t.uses:
                            continue
                        vi = VARS.index(var)
                        u = t.uses | {var}
                        add(
                            Binary(op=BinOp.EQ, left=t.expr, right=Bound(name=var)),
                            u,
                            _eq_var(t.slot, vi),
                        )
                        add(
                            Binary(op=BinOp.LT, left=t.expr, right=Bound(name=var)),
                            u,
                            _lt_var(t.slot, vi),
                        )
                else:
                    size = m.collection(c).size
                    for k in range(size):
                        e = Binary(op=BinOp.EQ, left=t.expr, right=ElemLit(collection=c, index=k))
                        add(e, t.uses, _eq_const(t.slot, k), repr(t.expr))
    # comparisons between two integer terms of the same kind
    nums = [
        t
        for t in terms
        if (t.type is not None and t.kind in ("int",)) or t.kind.startswith("elem:")
    ]
    for a, b in itertools.combinations(nums, 2):
        if a.kind != b.kind or a.type is None or b.type is None:
            continue
        if a.expr == b.expr:
            continue
        u = a.uses | b.uses
        add(Binary(op=BinOp.EQ, left=a.expr, right=b.expr), u, _cmp(a.slot, b.slot, 0))
        if a.kind == "int":
            add(Binary(op=BinOp.LT, left=a.expr, right=b.expr), u, _cmp(a.slot, b.slot, 1))
            add(Binary(op=BinOp.LT, left=b.expr, right=a.expr), u, _cmp(b.slot, a.slot, 1))
    return out


def _truth(slot: Callable[[Layout, tuple[int, ...]], int]) -> Maker:
    def mk(lay: Layout, b: tuple[int, ...]) -> Callable[[State], bool]:
        i = slot(lay, b)
        return lambda s: bool(s[i])

    return mk


def _eq_const(slot: Callable[[Layout, tuple[int, ...]], int], k: int) -> Maker:
    def mk(lay: Layout, b: tuple[int, ...]) -> Callable[[State], bool]:
        i = slot(lay, b)
        return lambda s: s[i] == k

    return mk


def _bit(slot: Callable[[Layout, tuple[int, ...]], int], k: int) -> Maker:
    def mk(lay: Layout, b: tuple[int, ...]) -> Callable[[State], bool]:
        i = slot(lay, b)
        return lambda s: bool((int(s[i]) >> k) & 1)

    return mk


def _eq_var(slot: Callable[[Layout, tuple[int, ...]], int], vi: int) -> Maker:
    def mk(lay: Layout, b: tuple[int, ...]) -> Callable[[State], bool]:
        i = slot(lay, b)
        k = b[vi]
        return lambda s: s[i] == k

    return mk


def _lt_var(slot: Callable[[Layout, tuple[int, ...]], int], vi: int) -> Maker:
    def mk(lay: Layout, b: tuple[int, ...]) -> Callable[[State], bool]:
        i = slot(lay, b)
        k = b[vi]
        return lambda s: 0 <= s[i] < k

    return mk


def _cmp(
    sa: Callable[[Layout, tuple[int, ...]], int],
    sb: Callable[[Layout, tuple[int, ...]], int],
    strict: int,
) -> Maker:
    def mk(lay: Layout, b: tuple[int, ...]) -> Callable[[State], bool]:
        i, j = sa(lay, b), sb(lay, b)
        if strict:
            return lambda s: s[i] < s[j]
        return lambda s: s[i] == s[j]

    return mk


@dataclass(frozen=True, slots=True)
class Clause:
    """`forall prefix: (p != q =>) lit || lit ...`, literals as (atom, polarity)."""

    prefix: tuple[str, ...]
    lits: tuple[tuple[Expr, bool], ...]


@dataclass(frozen=True, slots=True)
class Candidates:
    exprs: tuple[Expr, ...]
    clauses: tuple[Clause, ...]  # the same candidates, by structure
    atoms: int  # atoms over all prefixes
    vectors: int  # distinct atom vectors seen
    tried: int  # clauses tested
    complete: bool  # the enumeration was not cut short


def candidates(
    m: Model,
    coll: str,
    samples: Sequence[tuple[Model, Sequence[State]]],
    scaled: Callable[[RangeType], bool],
    deadline: float,
    max_candidates: int,
    rich: Sequence[tuple[Atom, Maker]] = (),
) -> Candidates:
    """The template clauses true in every sampled state, as closed IR expressions."""
    texts = {a.text for a, _ in rich}
    table = [*rich, *(am for am in atoms(m, coll, scaled) if am[0].text not in texts)]
    out: list[Expr] = []
    cls: list[Clause] = []
    tried = 0
    nvec = 0
    complete = True
    tables: list[_Table] = []
    for prefix in ((), ("p",), ("p", "q")):
        mine = [(a, mk) for a, mk in table if a.uses <= set(prefix)]
        if len(prefix) == 2:  # pair clauses must relate p and q
            mine = [(a, mk) for a, mk in mine if a.uses]
        vecs: set[int] = set()
        for model, states in samples:
            lay = Layout(model)
            n = model.collection(coll).size
            binds: list[tuple[int, ...]]
            if not prefix:
                binds = [(0, 0)]
            elif len(prefix) == 1:
                binds = [(i, 0) for i in range(n)]
            else:
                binds = [(i, j) for i in range(n) for j in range(n) if i != j]
            for b in binds:
                fns = [mk(lay, b) for _, mk in mine]
                for s in states:
                    v = 0
                    for k, f in enumerate(fns):
                        if f(s):
                            v |= 1 << k
                    vecs.add(v)
                if time.monotonic() > deadline:
                    return Candidates((), (), len(table), nvec, tried, False)
        nvec += len(vecs)
        tables.append(_Table.of(prefix, mine, sorted(vecs)))
    # each (prefix, clause size) gets its share, so that the many clauses without a
    # quantifier cannot crowd out the quantified ones
    buckets = len(tables) * MAX_LITERALS
    for size in range(1, MAX_LITERALS + 1):
        for t in tables:
            quota = max(1, (max_candidates - len(out)) // buckets)  # unused share flows on
            buckets -= 1
            tried_here = 0
            for combo in itertools.combinations(t.lits, size):
                if len({k for k, _ in combo}) < size:
                    continue
                if t.made.get(size, 0) >= quota or tried_here >= MAX_TRIED_PER_BUCKET:
                    complete = False
                    break
                tried += 1
                tried_here += 1
                if tried % 4096 == 0 and time.monotonic() > deadline:
                    return Candidates(tuple(out), tuple(cls), len(table), nvec, tried, False)
                fs = frozenset(combo)
                if any(kc <= fs for kc in t.kept):
                    continue
                mask = 0
                for k, pol in combo:
                    mask |= t.pos[k] if pol else t.neg[k]
                if mask != t.full:
                    continue
                t.kept.append(fs)  # subsumes its supersets, even when not a candidate
                terms = [t.atoms[k].term for k, pol in combo if not pol and t.atoms[k].term]
                if len(terms) != len(set(terms)):
                    continue  # `x != a || x != b`: true of every state, says nothing
                t.made[size] = t.made.get(size, 0) + 1
                if len(t.prefix) == 2:
                    if len({u for k, _ in combo for u in t.atoms[k].uses}) < 2:
                        continue
                    swapped = frozenset((t.swap[k], pol) for k, pol in combo)
                    if swapped in t.seen:
                        continue
                    t.seen.add(fs)
                lits_e = tuple((t.atoms[k].expr, pol) for k, pol in combo)
                cls.append(Clause(t.prefix, lits_e))
                out.append(_clause(t.prefix, list(lits_e), coll))
                if len(out) >= max_candidates:
                    return Candidates(tuple(out), tuple(cls), len(table), nvec, tried, False)
    return Candidates(tuple(out), tuple(cls), len(table), nvec, tried, complete)


@dataclass(slots=True)
class _Table:
    """One prefix's atoms, their truth masks over the distinct vectors, kept clauses."""

    prefix: tuple[str, ...]
    atoms: list[Atom]
    pos: list[int]
    neg: list[int]
    full: int
    lits: list[tuple[int, bool]]
    swap: list[int]  # atom index -> the index of the same atom with p and q swapped
    kept: list[frozenset[tuple[int, bool]]]
    seen: set[frozenset[tuple[int, bool]]]
    made: dict[int, int]  # clause size -> candidates made

    @staticmethod
    def of(prefix: tuple[str, ...], mine: list[tuple[Atom, Maker]], vecs: list[int]) -> _Table:
        full = (1 << len(vecs)) - 1
        pos: list[int] = []
        neg: list[int] = []
        for k in range(len(mine)):
            mp = 0
            for j, v in enumerate(vecs):
                if (v >> k) & 1:
                    mp |= 1 << j
            pos.append(mp)
            neg.append(full & ~mp)
        lits = [(k, True) for k in range(len(mine))] + [(k, False) for k in range(len(mine))]
        # a literal false in every sample is useless in a clause, one true in every
        # sample is a clause of its own and subsumes every clause it would be in
        lits = [lt for lt in lits if (pos if lt[1] else neg)[lt[0]] != 0]
        ones = [lt for lt in lits if (pos if lt[1] else neg)[lt[0]] == full]
        lits = [lt for lt in lits if lt not in ones] + ones
        index = {a.text: k for k, (a, _) in enumerate(mine)}
        swap = [index.get(_swapped(a.text), k) for k, (a, _) in enumerate(mine)]
        return _Table(prefix, [a for a, _ in mine], pos, neg, full, lits, swap, [], set(), {})


def _swapped(text: str) -> str:
    return (
        text.replace("Bound(name='p'", "Bound(name='#'")
        .replace("Bound(name='q'", "Bound(name='p'")
        .replace("Bound(name='#'", "Bound(name='q'")
    )


def _clause(prefix: tuple[str, ...], lits: list[tuple[Expr, bool]], coll: str) -> Expr:
    body: Expr | None = None
    for e, pol in lits:
        lit = e if pol else Unary(op=UnOp.NOT, arg=e)
        body = lit if body is None else Binary(op=BinOp.OR, left=body, right=lit)
    assert body is not None
    if len(prefix) == 2:
        body = Binary(
            op=BinOp.IMPLIES,
            left=Binary(op=BinOp.NE, left=Bound(name="p"), right=Bound(name="q")),
            right=body,
        )
    for var in reversed(prefix):
        body = Quant(kind=Quantifier.FORALL, var=var, domain=IndexType(collection=coll), body=body)
    return body


TRUE = BoolLit(value=True)
