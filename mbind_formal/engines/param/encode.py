"""The parametric Z3 encoding: one formula for a model at every size N of one collection.

Stage: engines (parametric). Input: a `Family` (the model at its base size and the
`Shape` saying how its integers scale with N). Output: `PEncoding`: `state(tag)` (the
state variables of one state), `domain`, `init`, `trans` (state "" -> state "'") and
`expr(e, state)` for claims and candidate invariants.

NOTE(parametric state): N is the Int `N` (N >= `Family.min_size`). Elements of a
collection are the integers 0..size-1 in collection order (size = N for the parametric
collection, a number for the others), `none` is -1, so `for p in C` is a position in
that order and `q < p` compares positions. A field is a Z3 array Int -> value (a set
field one Bool array per enum value); an actor's pc and locals are arrays over its
instances. Bools are Bools; enums, ranges, elements and pcs are Ints; a set is one Bool
per enum value. Quantifiers over the parametric collection (or over a range whose bounds
scale) stay Z3 quantifiers guarded by `0 <= x < N`; over a finite type they are
expanded. A step is an existential choice of instance, its body executed symbolically
path by path (straight-line `if`s merged into `If` terms), a store outside its type
disabling the path, as in `semantics.relation`.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import (
    Any,
    TypeAlias,
    assert_never,
)

import z3

from mbind_formal.engines.param.family import Affine, Family, NotParametric, Shape
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
    BoolType,
    Bound,
    Call,
    Done,
    Either,
    ElemLit,
    EnumLit,
    EnumType,
    Expr,
    Field,
    GlobalVar,
    Goto,
    If,
    IndexType,
    InitAny,
    InitIn,
    InitValue,
    IntLit,
    Ite,
    LocalVar,
    Model,
    NoneLit,
    Pick,
    Quant,
    Quantifier,
    RangeType,
    SelfRef,
    SetLit,
    SetType,
    Stmt,
    Type,
    Unary,
    UnOp,
    Var,
)

# z3 is untyped (its values are `Any`): a value is a Bool, an Int, or a tuple of Bools
# (a set's bits); an indexed location is an array (a set: a tuple of arrays).
V: TypeAlias = Any
FnI: TypeAlias = Callable[[Any], Any]


@dataclass(frozen=True, slots=True)
class Loc:
    """One state location: a global, a field, an actor's pc or local."""

    kind: str  # "global", "field", "pc", "local"
    owner: str  # collection or actor ("" for globals)
    name: str
    type: Type | None  # None for a pc
    const: bool = False
    guarded: bool = False  # a store outside `type` disables its path (NOTE(type rule))

    @property
    def key(self) -> str:
        return f"{self.owner}.{self.name}" if self.owner else self.name


State = dict[Loc, V]  # a scalar location -> value, an indexed one -> Arr (as V)


@dataclass(slots=True)
class Ctx:
    """Where an expression is evaluated: the state, bound names, the running instance."""

    state: State
    bound: dict[str, V] = field(default_factory=dict)
    actor: str | None = None
    self_v: z3.ArithRef | None = None


@dataclass(slots=True)
class _Path:
    state: State
    cond: list[z3.BoolRef]
    bound: dict[str, V]


@dataclass(frozen=True, slots=True)
class Outcome:
    """One path of one step: enabled when `cond` holds, leading to `state`."""

    cond: z3.BoolRef
    state: State


def _is_set(t: Type | None) -> bool:
    return isinstance(t, SetType)


class PEncoding:
    """The parametric encoding of one family (see the module docstring)."""

    def __init__(self, fam: Family) -> None:
        self.fam = fam
        self.model: Model = fam.model
        self.shape: Shape = fam.shape
        self.coll = fam.collection
        self.N = z3.Int("N")
        self.at_n: int | None = None  # set: encode at this one size (quantifiers expanded)
        # NOTE(param type rule): False, the proof's relation, where a store outside its
        # type disables its path; True, the relation where only a `guarded` variable's
        # store does, so that a state with an enabled type violation has a successor
        # outside `domain` (certify's "types" query looks for one)
        self.type_rule = False
        self._made: list[V] = []  # the pick variables made so far (for `enabled`)
        self._fresh = itertools.count()
        self.locs: list[Loc] = []
        m = self.model
        for v in m.globals:
            self.locs.append(Loc("global", "", v.name, v.type, v.const, v.guarded))
        for c in m.collections:
            for f in c.fields:
                self.locs.append(Loc("field", c.name, f.name, f.type, f.const, f.guarded))
        for a in m.actors:
            self.locs.append(Loc("pc", a.name, "pc", None))
            for v in a.locals:
                self.locs.append(Loc("local", a.name, v.name, v.type, v.const, v.guarded))
        self._check_fragment()

    # ------------------------------------------------------------------ fragment

    def _check_fragment(self) -> None:
        for a in self.model.actors:
            n = self.shape.num(a, "instances")
            if a.self_collection is None and n.b != 0:
                raise NotParametric(
                    f"actor {a.name} has one instance per number, not per element of {self.coll}"
                )
        for loc in self.locs:
            if isinstance(loc.type, IndexType) and loc.type.collection == self.coll:
                pass
        for c in self.model.collections:
            if c.name != self.coll and self.shape.num(c, "size").b != 0:
                raise NotParametric(f"collection {c.name} also grows with the size")

    # ------------------------------------------------------------------ sizes

    def aff(self, a: Affine) -> z3.ArithRef:
        if a.b == 0:
            return z3.IntVal(a.a)
        if self.at_n is not None:
            return z3.IntVal(a.at(self.at_n))
        return z3.IntVal(a.a) + a.b * self.N if a.a else (a.b * self.N if a.b != 1 else self.N)

    def size(self, coll: str) -> z3.ArithRef:
        return self.aff(self.shape.num(self.model.collection(coll), "size"))

    def instances(self, actor: str) -> tuple[z3.ArithRef, int | None]:
        """An actor's instance count, and its number when it does not scale."""
        a = self.model.actor(actor)
        if a.self_collection is not None:
            c = self.model.collection(a.self_collection)
            n = self.shape.num(c, "size")
        else:
            n = self.shape.num(a, "instances")
        return self.aff(n), self._fixed(n)

    def _fixed(self, n: Affine) -> int | None:
        if n.b == 0:
            return n.a
        return None if self.at_n is None else n.at(self.at_n)

    def fixed_size(self, coll: str) -> int | None:
        return self._fixed(self.shape.num(self.model.collection(coll), "size"))

    def at(self, n: int, e: Expr, st: State) -> z3.BoolRef:
        """`e` in `st` at the one size `n` (quantifiers over C expanded)."""
        old, self.at_n = self.at_n, n
        try:
            return _bool(self.expr(e, Ctx(st)))
        finally:
            self.at_n = old

    def bounds(self, t: Type) -> tuple[z3.ArithRef, z3.ArithRef] | None:
        """Integer bounds of a numeric type (None: bool or set)."""
        match t:
            case BoolType() | SetType():
                return None
            case EnumType(values=vals):
                return z3.IntVal(0), z3.IntVal(len(vals) - 1)
            case RangeType():
                return self.aff(self.shape.num(t, "lo")), self.aff(self.shape.num(t, "hi"))
            case IndexType(collection=c, optional=opt):
                return z3.IntVal(-1 if opt else 0), self.size(c) - 1
            case _:
                assert_never(t)

    def in_type(self, t: Type, v: V) -> z3.BoolRef:
        b = self.bounds(t)
        if b is None:
            return z3.BoolVal(True)
        assert isinstance(v, z3.ArithRef)
        return z3.And(b[0] <= v, v <= b[1])

    # ------------------------------------------------------------------ states

    def _sort(self, t: Type | None) -> z3.SortRef:
        return z3.BoolSort() if isinstance(t, BoolType) else z3.IntSort()

    def state(self, tag: str) -> State:
        """Fresh state variables named `<loc><tag>`."""
        st: State = {}
        for loc in self.locs:
            name = f"{loc.key}{tag}"
            indexed = loc.kind != "global"
            if isinstance(loc.type, SetType):
                bits = loc.type.enum.values
                if indexed:
                    st[loc] = tuple(
                        z3.Array(f"{name}#{b}", z3.IntSort(), z3.BoolSort()) for b in bits
                    )
                else:
                    st[loc] = tuple(z3.Bool(f"{name}#{b}") for b in bits)
            elif indexed:
                st[loc] = z3.Array(name, z3.IntSort(), self._sort(loc.type))
            else:
                st[loc] = z3.Bool(name) if isinstance(loc.type, BoolType) else z3.Int(name)
        return st

    def loc(self, kind: str, owner: str, name: str) -> Loc:
        for loc in self.locs:
            if (loc.kind, loc.owner, loc.name) == (kind, owner, name):
                return loc
        raise KeyError((kind, owner, name))

    def _domain_of(self, loc: Loc) -> tuple[z3.ArithRef, int | None]:
        if loc.kind == "field":
            return self.size(loc.owner), self.fixed_size(loc.owner)
        return self.instances(loc.owner)

    def forall_in(self, size: z3.ArithRef, fixed: int | None, body: FnI) -> z3.BoolRef:
        """`forall i in 0..size-1: body(i)` (expanded when the size is a number)."""
        if fixed is not None:
            return z3.And([body(z3.IntVal(i)) for i in range(fixed)] or [z3.BoolVal(True)])
        i = z3.Int(f"i!{next(self._fresh)}")
        return z3.ForAll([i], z3.Implies(z3.And(i >= 0, i < size), body(i)))

    def exists_in(self, size: z3.ArithRef, fixed: int | None, body: FnI) -> z3.BoolRef:
        if fixed is not None:
            return z3.Or([body(z3.IntVal(i)) for i in range(fixed)] or [z3.BoolVal(False)])
        i = z3.Int(f"i!{next(self._fresh)}")
        return z3.Exists([i], z3.And(i >= 0, i < size, body(i)))

    def read(self, st: State, loc: Loc, i: z3.ArithRef | None) -> V:
        v = st[loc]
        if loc.kind == "global":
            return v
        assert i is not None
        if isinstance(v, tuple):
            return tuple(z3.Select(a, i) for a in v)
        assert isinstance(v, z3.ArrayRef)
        return z3.Select(v, i)

    def write(self, st: State, loc: Loc, i: z3.ArithRef | None, val: V) -> State:
        out = dict(st)
        old = st[loc]
        if loc.kind == "global":
            out[loc] = val
        elif isinstance(old, tuple):
            assert isinstance(val, tuple) and i is not None
            out[loc] = tuple(z3.Store(a, i, b) for a, b in zip(old, val, strict=True))
        else:
            assert isinstance(old, z3.ArrayRef) and i is not None
            out[loc] = z3.Store(old, i, val)
        return out

    def domain(self, st: State) -> z3.BoolRef:
        """Every location holds a value of its type."""
        parts: list[z3.BoolRef] = [self.fam.min_size <= self.N]
        for loc in self.locs:
            t = loc.type
            if loc.kind != "pc":
                assert t is not None
                if self.bounds(t) is None:
                    continue
            ok = self._ok_of(loc)
            if loc.kind == "global":
                parts.append(ok(st[loc]))
            else:
                size, fixed = self._domain_of(loc)
                parts.append(
                    self.forall_in(size, fixed, lambda i, loc=loc, ok=ok: ok(self.read(st, loc, i)))  # type: ignore[misc]
                )
        return z3.And(parts)

    def _ok_of(self, loc: Loc) -> Callable[[V], V]:
        """The type check of one value stored at `loc`."""
        if loc.kind == "pc":
            steps = len(self.model.actor(loc.owner).steps)
            return lambda v: z3.And(v >= 0, v <= steps)
        t = loc.type
        assert t is not None
        return lambda v: self.in_type(t, v)

    def same_consts(self, a: State, b: State) -> z3.BoolRef:
        return z3.And([_eq(a[loc], b[loc]) for loc in self.locs if loc.const] or [z3.BoolVal(True)])

    # ------------------------------------------------------------------ init

    def init(self, st: State, assume: Expr | None) -> z3.BoolRef:
        parts: list[z3.BoolRef] = [self.domain(st)]
        m = self.model
        for v in m.globals:
            parts.append(self._init_var(st, self.loc("global", "", v.name), v, None, None))
        for c in m.collections:
            for f in c.fields:
                loc = self.loc("field", c.name, f.name)
                parts.append(
                    self.forall_in(
                        self.size(c.name),
                        self.fixed_size(c.name),
                        lambda i, loc=loc, f=f: self._init_var(st, loc, f, i, None),  # type: ignore[misc]
                    )
                )
        for a in m.actors:
            size, fixed = self.instances(a.name)
            pc = self.loc("pc", a.name, "pc")
            parts.append(
                self.forall_in(size, fixed, lambda i, pc=pc: _num(self.read(st, pc, i)) == 0)  # type: ignore[misc]
            )
            for v in a.locals:
                loc = self.loc("local", a.name, v.name)
                parts.append(
                    self.forall_in(
                        size,
                        fixed,
                        lambda i, loc=loc, v=v, a=a: self._init_var(st, loc, v, i, a.name),  # type: ignore[misc]
                    )
                )
        for e in m.init:
            parts.append(_bool(self.expr(e, Ctx(st))))
        if assume is not None:
            parts.append(_bool(self.expr(assume, Ctx(st))))
        return z3.And(parts)

    def _init_var(
        self, st: State, loc: Loc, v: Var, i: z3.ArithRef | None, actor: str | None
    ) -> z3.BoolRef:
        cur = self.read(st, loc, i)
        ctx = Ctx(st, actor=actor, self_v=i)
        match v.init:
            case InitAny():
                return self.in_type(v.type, cur)
            case InitIn(choices=choices):
                return z3.Or([_eq(cur, self.expr(ch, ctx)) for ch in choices])
            case InitValue(value=value):
                return _eq(cur, self.expr(value, ctx))
            case _:
                assert_never(v.init)

    # ------------------------------------------------------------------ transitions

    def trans(self, a: State, b: State) -> z3.BoolRef:
        """Some instance takes one step from `a` to `b` (final states stutter)."""
        disj: list[z3.BoolRef] = []
        for actor in self.model.actors:
            size, _ = self.instances(actor.name)
            i = z3.Int(f"inst!{actor.name}!{next(self._fresh)}")
            pc = self.loc("pc", actor.name, "pc")
            for j, st in enumerate(actor.steps):
                guard = z3.And(i >= 0, i < size, _num(self.read(a, pc, i)) == j)
                for out in self.step(a, actor.name, i, j, st.body):
                    frame = [_eq(b[loc], out.state[loc]) for loc in self.locs]
                    disj.append(z3.And(guard, out.cond, *frame))
        disj.append(
            z3.And(_bool(self.expr(AllDone(), Ctx(a))), *[_eq(b[loc], a[loc]) for loc in self.locs])
        )
        return z3.Or(disj)

    def enabled(self, a: State) -> z3.BoolRef:
        """Some instance has a step from `a` (NOTE(param deadlock)): the disjuncts of
        `trans` without the frame, each with its instance and pick variables bound."""
        disj: list[z3.BoolRef] = []
        for actor in self.model.actors:
            size, _ = self.instances(actor.name)
            pc = self.loc("pc", actor.name, "pc")
            for j, st in enumerate(actor.steps):
                i = z3.Int(f"inst!{actor.name}!{next(self._fresh)}")
                made = len(self._made)
                outs = self.step(a, actor.name, i, j, st.body)
                bound = [i, *self._made[made:]]
                guard = z3.And(i >= 0, i < size, _num(self.read(a, pc, i)) == j)
                some = z3.Or([o.cond for o in outs]) if outs else z3.BoolVal(False)
                disj.append(z3.Exists(bound, z3.And(guard, some)))
        return z3.Or(disj) if disj else z3.BoolVal(False)

    def step(self, st: State, actor: str, i: z3.ArithRef, j: int, body: Block) -> list[Outcome]:
        """The paths of step `j` of `actor` instance `i` from `st`."""
        nxt = j + 1
        outs: list[Outcome] = []
        self._run(list(body), _Path(st, [], {}), actor, i, nxt, outs)
        return outs

    def _end(self, p: _Path, actor: str, i: z3.ArithRef, target: int, outs: list[Outcome]) -> None:
        pc = self.loc("pc", actor, "pc")
        outs.append(
            Outcome(
                z3.And(p.cond) if p.cond else z3.BoolVal(True),
                self.write(p.state, pc, i, z3.IntVal(target)),
            )
        )

    def _run(
        self,
        stmts: list[Stmt],
        p: _Path,
        actor: str,
        i: z3.ArithRef,
        nxt: int,
        outs: list[Outcome],
    ) -> None:
        labels = self.model.actor(actor).labels
        while stmts:
            s = stmts[0]
            rest = stmts[1:]
            ctx = Ctx(p.state, dict(p.bound), actor, i)
            match s:
                case Assign():
                    p = self._assign(s, p, ctx)
                case Await(cond=c):
                    p = _Path(p.state, [*p.cond, _bool(self.expr(c, ctx))], p.bound)
                case If(cond=c, then=then, orelse=orelse):
                    cv = _bool(self.expr(c, ctx))
                    if _straight(then) and _straight(orelse):
                        t = self._straight_run(list(then), p, actor, i)
                        e = self._straight_run(list(orelse), p, actor, i)
                        merged = {loc: _ite(cv, t.state[loc], e.state[loc]) for loc in self.locs}
                        tc = z3.And(t.cond) if t.cond else z3.BoolVal(True)
                        ec = z3.And(e.cond) if e.cond else z3.BoolVal(True)
                        p = _Path(merged, [*p.cond, z3.If(cv, tc, ec)], p.bound)
                    else:
                        self._run(
                            [*then, *rest],
                            _Path(p.state, [*p.cond, cv], p.bound),
                            actor,
                            i,
                            nxt,
                            outs,
                        )
                        self._run(
                            [*orelse, *rest],
                            _Path(p.state, [*p.cond, z3.Not(cv)], p.bound),
                            actor,
                            i,
                            nxt,
                            outs,
                        )
                        return
                case Either(branches=branches):
                    for br in branches:
                        self._run([*br, *rest], p, actor, i, nxt, outs)
                    return
                case Pick(var=var, domain=dom, cond=c, body=body):
                    x = self._fresh_of(dom, var)
                    bound = {**p.bound, var: x}
                    ctx2 = Ctx(p.state, dict(bound), actor, i)
                    conds = [*p.cond, self.in_type(dom, x), _bool(self.expr(c, ctx2))]
                    self._run([*body, *rest], _Path(p.state, conds, bound), actor, i, nxt, outs)
                    return
                case Goto(label=label):
                    self._end(p, actor, i, labels.index(label), outs)
                    return
                case Done():
                    self._end(p, actor, i, len(labels), outs)
                    return
                case _:
                    assert_never(s)
            stmts = rest
        self._end(p, actor, i, nxt, outs)

    def _straight_run(self, stmts: list[Stmt], p: _Path, actor: str, i: z3.ArithRef) -> _Path:
        p = _Path(p.state, [], p.bound)
        for s in stmts:
            ctx = Ctx(p.state, dict(p.bound), actor, i)
            match s:
                case Assign():
                    p = self._assign(s, p, ctx)
                case If(cond=c, then=then, orelse=orelse):
                    cv = _bool(self.expr(c, ctx))
                    t = self._straight_run(list(then), p, actor, i)
                    e = self._straight_run(list(orelse), p, actor, i)
                    merged = {loc: _ite(cv, t.state[loc], e.state[loc]) for loc in self.locs}
                    tc = z3.And(t.cond) if t.cond else z3.BoolVal(True)
                    ec = z3.And(e.cond) if e.cond else z3.BoolVal(True)
                    p = _Path(merged, [*p.cond, z3.If(cv, tc, ec)], p.bound)
                case _:
                    raise AssertionError(f"not straight-line: {s}")
        return p

    def _fresh_of(self, t: Type, name: str) -> V:
        k = next(self._fresh)
        v = self._fresh_value(t, name, k)
        self._made.append(v)
        return v

    def _fresh_value(self, t: Type, name: str, k: int) -> V:
        if isinstance(t, BoolType):
            return z3.Bool(f"pick!{name}!{k}")
        if isinstance(t, SetType):
            raise NotParametric("a pick over a set type")
        return z3.Int(f"pick!{name}!{k}")

    def _assign(self, s: Assign, p: _Path, ctx: Ctx) -> _Path:
        val = self.expr(s.value, ctx)
        tgt = s.target
        match tgt:
            case GlobalVar(name=n):
                loc = self.loc("global", "", n)
                idx = None
            case LocalVar(name=n):
                assert ctx.actor is not None
                loc = self.loc("local", ctx.actor, n)
                idx = ctx.self_v
            case Field(collection=c, name=n, index=ie):
                loc = self.loc("field", c, n)
                idx = _num(self.expr(ie, ctx))
            case _:
                assert_never(tgt)
        assert loc.type is not None
        if self.type_rule and not loc.guarded:
            return _Path(self.write(p.state, loc, idx, val), p.cond, p.bound)
        ok = self.in_type(loc.type, val)
        return _Path(self.write(p.state, loc, idx, val), [*p.cond, ok], p.bound)

    # ------------------------------------------------------------------ expressions

    def expr(self, e: Expr, ctx: Ctx) -> V:
        """The value of `e` in `ctx`."""
        match e:
            case BoolLit(value=v):
                return z3.BoolVal(v)
            case IntLit():
                return self.aff(self.shape.num(e, "value"))
            case EnumLit(enum=en, value=v):
                return z3.IntVal(en.values.index(v))
            case SetLit(enum=en, items=items):
                vals = [_num(self.expr(x, ctx)) for x in items]
                return tuple(
                    z3.Or([v == k for v in vals]) if vals else z3.BoolVal(False)
                    for k in range(len(en.values))
                )
            case ElemLit():
                return self.aff(self.shape.num(e, "index"))
            case NoneLit():
                return z3.IntVal(-1)
            case GlobalVar(name=n):
                return self.read(ctx.state, self.loc("global", "", n), None)
            case LocalVar(name=n):
                assert ctx.actor is not None and ctx.self_v is not None
                return self.read(ctx.state, self.loc("local", ctx.actor, n), ctx.self_v)
            case SelfRef():
                assert ctx.self_v is not None
                return ctx.self_v
            case Bound(name=n):
                return ctx.bound[n]
            case Field(collection=c, name=n, index=ie):
                return self.read(ctx.state, self.loc("field", c, n), _num(self.expr(ie, ctx)))
            case ActorLocal(actor=a, instance=ie, name=n):
                return self.read(ctx.state, self.loc("local", a, n), _num(self.expr(ie, ctx)))
            case AtLabel(actor=a, instance=ie, label=label):
                act = self.model.actor(a)
                k = len(act.steps) if label == "done" else act.labels.index(label)
                pc = self.read(ctx.state, self.loc("pc", a, "pc"), _num(self.expr(ie, ctx)))
                return _num(pc) == k
            case Unary(op=op, arg=arg):
                return self._unary(op, self.expr(arg, ctx))
            case Binary(op=op, left=lhs, right=rhs):
                return self._binary(op, self.expr(lhs, ctx), self.expr(rhs, ctx))
            case Ite(cond=c, then=t, orelse=o):
                return _ite(_bool(self.expr(c, ctx)), self.expr(t, ctx), self.expr(o, ctx))
            case Quant(kind=kind, var=var, domain=dom, body=body):
                return self._quant(kind, var, dom, body, ctx)
            case Call(name=n, args=args):
                d = self.model.definition(n)
                vals = [self.expr(x, ctx) for x in args]
                inner = Ctx(
                    ctx.state,
                    {**ctx.bound, **{prm.name: v for prm, v in zip(d.params, vals, strict=True)}},
                    ctx.actor,
                    ctx.self_v,
                )
                return self.expr(d.body, inner)
            case AllDone():
                parts = []
                for act in self.model.actors:
                    size, fixed = self.instances(act.name)
                    pcl = self.loc("pc", act.name, "pc")
                    done = len(act.steps)
                    parts.append(
                        self.forall_in(
                            size,
                            fixed,
                            lambda i, pcl=pcl, done=done: (  # type: ignore[misc]
                                _num(self.read(ctx.state, pcl, i)) == done
                            ),
                        )
                    )
                return z3.And(parts)
            case _:
                assert_never(e)

    def _quant(self, kind: Quantifier, var: str, dom: Type, body: Expr, ctx: Ctx) -> z3.BoolRef:
        def at(x: V) -> z3.BoolRef:
            return _bool(
                self.expr(body, Ctx(ctx.state, {**ctx.bound, var: x}, ctx.actor, ctx.self_v))
            )

        many = z3.And if kind is Quantifier.FORALL else z3.Or
        if isinstance(dom, BoolType):
            return many(at(z3.BoolVal(False)), at(z3.BoolVal(True)))
        if isinstance(dom, SetType):
            raise NotParametric("a quantifier over a set type")
        b = self.bounds(dom)
        assert b is not None
        lo, hi = z3.simplify(b[0]), z3.simplify(b[1])
        if z3.is_int_value(lo) and z3.is_int_value(hi):
            vals = range(lo.as_long(), hi.as_long() + 1)
            return many([at(z3.IntVal(v)) for v in vals] or [z3.BoolVal(kind is Quantifier.FORALL)])
        x = z3.Int(f"{var}!{next(self._fresh)}")
        rng = z3.And(lo <= x, x <= hi)
        if kind is Quantifier.FORALL:
            return z3.ForAll([x], z3.Implies(rng, at(x)))
        return z3.Exists([x], z3.And(rng, at(x)))

    def _unary(self, op: UnOp, v: V) -> V:
        match op:
            case UnOp.NOT:
                return z3.Not(_bool(v))
            case UnOp.NEG:
                return -_num(v)
            case UnOp.NONEMPTY:
                assert isinstance(v, tuple)
                return z3.Or(*v) if v else z3.BoolVal(False)
            case UnOp.NEXT:
                return _num(v) + 1
            case UnOp.COMPL:
                assert isinstance(v, tuple)
                return tuple(z3.Not(b) for b in v)
            case UnOp.CARD:
                assert isinstance(v, tuple)
                return z3.Sum([z3.If(b, z3.IntVal(1), z3.IntVal(0)) for b in v] or [z3.IntVal(0)])
            case _:
                assert_never(op)

    def _binary(self, op: BinOp, lhs: V, r: V) -> V:
        match op:
            case BinOp.AND:
                return z3.And(_bool(lhs), _bool(r))
            case BinOp.OR:
                return z3.Or(_bool(lhs), _bool(r))
            case BinOp.IMPLIES:
                return z3.Implies(_bool(lhs), _bool(r))
            case BinOp.EQ:
                return _eq(lhs, r)
            case BinOp.NE:
                return z3.Not(_eq(lhs, r))
            case BinOp.LT:
                return _num(lhs) < _num(r)
            case BinOp.LE:
                return _num(lhs) <= _num(r)
            case BinOp.GT:
                return _num(lhs) > _num(r)
            case BinOp.GE:
                return _num(lhs) >= _num(r)
            case BinOp.ADD:
                return _num(lhs) + _num(r)
            case BinOp.SUB:
                return _num(lhs) - _num(r)
            case BinOp.MUL:
                return _num(lhs) * _num(r)
            case BinOp.DIV:  # NOTE(division): Int div is floor division for divisors > 0
                return _num(lhs) / _num(r)
            case BinOp.MOD:
                return _num(lhs) % _num(r)
            case BinOp.IN:
                assert isinstance(r, tuple)
                x = _num(lhs)
                return z3.Or([z3.And(x == k, b) for k, b in enumerate(r)])
            case BinOp.UNION:
                assert isinstance(lhs, tuple) and isinstance(r, tuple)
                return tuple(z3.Or(a, b) for a, b in zip(lhs, r, strict=True))
            case BinOp.INTER:
                assert isinstance(lhs, tuple) and isinstance(r, tuple)
                return tuple(z3.And(a, b) for a, b in zip(lhs, r, strict=True))
            case _:
                assert_never(op)


def _straight(block: Block) -> bool:
    for s in block:
        match s:
            case Assign():
                continue
            case If(then=t, orelse=o):
                if not (_straight(t) and _straight(o)):
                    return False
            case _:
                return False
    return True


def _bool(v: V) -> z3.BoolRef:
    assert isinstance(v, z3.BoolRef), v
    return v


def _num(v: V) -> z3.ArithRef:
    assert isinstance(v, z3.ArithRef), v
    return v


def _eq(a: V, b: V) -> z3.BoolRef:
    if isinstance(a, tuple):
        assert isinstance(b, tuple)
        return z3.And([x == y for x, y in zip(a, b, strict=True)] or [z3.BoolVal(True)])
    return a == b


def _ite(c: z3.BoolRef, a: V, b: V) -> V:
    if isinstance(a, tuple):
        assert isinstance(b, tuple)
        return tuple(z3.If(c, x, y) for x, y in zip(a, b, strict=True))
    if a.eq(b):
        return a
    return z3.If(c, a, b)
