"""Initial states: enumerated by backtracking over slots, pruned as early as possible.

Stage: executable semantics (used by `semantics.relation`). Input: an `ExprCompiler` for a
model and the constraints on initial states (`model.init`, a claim's or scenario's
`assume`). Output: the initial states, in a fixed order, and why a given state is not
one. Every slot takes the values its `Var.init` allows (NOTE(values)); pcs start at 0.

Slots are assigned in layout order, adjusted so that an initial value is computed
after the constants it reads. The constraints are split into small conjuncts (through
`&&`, `!(a || b)`, calls of definitions and `forall` over finite domains, which become
one conjunct per value), and each conjunct is tested as soon as every slot it reads
has a value, so restrictive assumptions never materialise the product of all slots.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import assert_never

from mbind_formal.ir.model import (
    ActorLocal,
    AllDone,
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
    InitIn,
    InitValue,
    IntLit,
    Ite,
    LocalVar,
    Model,
    NoneLit,
    Quant,
    Quantifier,
    RangeType,
    SelfRef,
    SetLit,
    SetType,
    Type,
    Unary,
    UnOp,
    Var,
)
from mbind_formal.ir.walk import subexprs
from mbind_formal.semantics.closures import Ctx, ExprCompiler, SemanticsError, in_type
from mbind_formal.semantics.layout import SlotKind, State, Value, lazy_domain

Values = Callable[[Sequence[Value]], Sequence[Value]]
Check = Callable[[Sequence[Value]], Value]
_MAX_CONJUNCTS = 4096  # splitting stops here (nested foralls multiply)
_MAX_DOMAIN = 64  # a forall over more values stays one conjunct


def reads(e: Expr, ctx: Ctx, c: ExprCompiler, seen: frozenset[str] = frozenset()) -> set[int]:
    """The state slots `e` may read (over-approximated where an index is dynamic)."""
    m, lay = c.model, c.layout
    out: set[int] = set()
    for x in subexprs(e):
        match x:
            case GlobalVar(name=gn):
                out.add(c.slot(gn))
            case LocalVar(name=ln) if ctx.actor is not None:
                out.add(c.slot(f"{c.inst_name(ctx.actor, ctx.instance)}.{ln}"))
            case Field(collection=coll, name=fname, index=index):
                base, stride = c.field_base(coll, fname)
                if isinstance(index, ElemLit):
                    out.add(base + index.index * stride)
                elif isinstance(index, SelfRef) and ctx.self_value is not None:
                    out.add(base + ctx.self_value * stride)
                else:
                    out.update(base + i * stride for i in range(m.collection(coll).size))
            case ActorLocal(actor=an, instance=inst, name=ln):
                ks = _instances(inst, c.actor(an).instances)
                out.update(c.slot(f"{c.inst_name(an, k)}.{ln}") for k in ks)
            case AtLabel(actor=an, instance=inst):
                out.update(lay.pc_slot(an, k) for k in _instances(inst, c.actor(an).instances))
            case AllDone():
                out.update(i for i, s in enumerate(lay.slots) if s.kind is SlotKind.PC)
            case Call(name=cn) if cn not in seen:
                try:
                    body = m.definition(cn).body
                except KeyError:
                    raise SemanticsError(f"unknown definition '{cn}'") from None
                out |= reads(body, Ctx(), c, seen | {cn})
            case _:
                pass
    return out


def _instances(inst: Expr, n: int) -> range:
    """The instances an `actor[inst]` reference may name."""
    match inst:
        case IntLit(value=k) | ElemLit(index=k) if 0 <= k < n:
            return range(k, k + 1)
        case _:
            return range(n)


@dataclass(frozen=True, slots=True)
class _SlotInit:
    """How one slot gets its initial values: `values(partial state)` and what it reads."""

    values: Values
    reads: frozenset[int]
    single: bool = False  # at most one value (a pc, `= e`): never branches


def _init_ctx(c: ExprCompiler, slot: int) -> tuple[Var | None, Ctx]:
    sl = c.layout.slots[slot]
    m = c.model
    match sl.kind:
        case SlotKind.GLOBAL:
            return m.global_var(sl.member), Ctx()
        case SlotKind.FIELD:
            coll = m.collection(sl.owner)
            var = next(f for f in coll.fields if f.name == sl.member)
            return var, Ctx(self_value=sl.index, self_type=IndexType(sl.owner))
        case SlotKind.LOCAL:
            actor = m.actor(sl.owner)
            var = next(v for v in actor.locals if v.name == sl.member)
            return var, Ctx(actor=sl.owner, instance=sl.index, self_value=sl.index)
        case SlotKind.PC:
            return None, Ctx()
        case _:
            assert_never(sl.kind)


def _slot_init(c: ExprCompiler, slot: int) -> _SlotInit:
    var, ctx = _init_ctx(c, slot)
    if var is None:
        return _SlotInit(lambda s: (0,), frozenset(), single=True)
    t, sizes = var.type, c.sizes
    match var.init:
        case InitAny():
            dom = lazy_domain(t, sizes)  # enumerated lazily: the engine's budget applies
            return _SlotInit(lambda s: dom, frozenset())
        case InitIn(choices=choices):
            fns = [c.expr(x, ctx) for x in choices]
            deps: set[int] = set()
            for x in choices:
                deps |= reads(x, ctx, c)

            dom = lazy_domain(t, sizes)

            def listed(s: Sequence[Value]) -> Sequence[Value]:
                vals = {f(s, [0] * c.max_depth) for f in fns}
                if isinstance(t, BoolType):
                    return [v for v in dom if v in vals]
                # Domains other than bool are ascending ranges: no need to walk them.
                return sorted(v for v in vals if v in dom)

            return _SlotInit(listed, frozenset(deps))
        case InitValue(value=value):
            f = c.expr(value, ctx)

            def one(s: Sequence[Value]) -> Sequence[Value]:
                v = f(s, [0] * c.max_depth)
                if isinstance(t, BoolType):
                    return (bool(v),)
                return (v,) if in_type(t, v, sizes) else ()

            return _SlotInit(one, frozenset(reads(value, ctx, c)), single=True)
        case _:
            assert_never(var.init)


def _init_order(
    inits: Sequence[_SlotInit], names: Sequence[str], constraints: Sequence[frozenset[int]]
) -> list[int]:
    """The order to assign slots in: each after the slots its init reads, and, among
    those ready: first a slot with a single value (computed once for the whole subtree
    below it), then one that brings a constraint closest to being checkable (fewest of
    its slots still unassigned), then in layout order. Free slots no constraint reads
    come last, so that they multiply leaves rather than failing subtrees."""
    involved: list[list[int]] = [[] for _ in inits]
    for ci, read in enumerate(constraints):
        for slot in read:
            involved[slot].append(ci)
    left = [len(r) for r in constraints]
    order: list[int] = []
    placed: set[int] = set()
    pending = list(range(len(inits)))
    free = len(constraints) + len(inits) + 1  # a score worse than any constraint's

    def score(j: int) -> tuple[int, int]:
        if inits[j].single:
            return -1, j
        return min((left[ci] for ci in involved[j]), default=free), j

    while pending:
        ready = [j for j in pending if inits[j].reads <= placed]
        if not ready:
            stuck = ", ".join(names[j] for j in pending)
            raise SemanticsError(f"initial values depend on each other in a cycle: {stuck}")
        j = min(ready, key=score)
        pending.remove(j)
        placed.add(j)
        order.append(j)
        for ci in involved[j]:
            left[ci] -= 1
    return order


# --------------------------------------------------------------------------- conjuncts


def conjuncts(e: Expr, model: Model) -> list[Expr]:
    """`e` as a conjunction of smaller expressions, each reading fewer slots."""
    out: list[Expr] = []
    _split(e, model, out)
    return out


def _split(e: Expr, model: Model, out: list[Expr]) -> None:
    if len(out) >= _MAX_CONJUNCTS:
        out.append(e)
        return
    match e:
        case Binary(op=BinOp.AND, left=left, right=right):
            _split(left, model, out)
            _split(right, model, out)
            return
        case Unary(op=UnOp.NOT, arg=Binary(op=BinOp.OR, left=left, right=right)):
            _split(Unary(op=UnOp.NOT, arg=left), model, out)
            _split(Unary(op=UnOp.NOT, arg=right), model, out)
            return
        case Unary(op=UnOp.NOT, arg=Unary(op=UnOp.NOT, arg=inner)):
            _split(inner, model, out)
            return
        case Unary(op=UnOp.NOT, arg=Quant(kind=Quantifier.EXISTS) as q):
            _split(
                replace(q, kind=Quantifier.FORALL, body=Unary(op=UnOp.NOT, arg=q.body)), model, out
            )
            return
        case Call(name=name, args=args) if all(_closed(a) for a in args):
            try:
                d = model.definition(name)
            except KeyError:
                raise SemanticsError(f"unknown definition '{name}'") from None
            body = d.body
            for p, a in zip(d.params, args, strict=True):
                body = substitute(body, p.name, a)
            _split(body, model, out)
            return
        case Quant(kind=Quantifier.FORALL, var=var, domain=dom, body=body):
            lits = _literals(dom, model)
            if lits is not None:
                for lit in lits:
                    _split(substitute(body, var, lit), model, out)
                return
        case _:
            pass
    out.append(e)


def _closed(e: Expr) -> bool:
    """No bound names (so it can be substituted into a definition's body)."""
    return not any(isinstance(x, Bound) for x in subexprs(e))


def _literals(t: Type, model: Model) -> list[Expr] | None:
    """Every value of a finite type as a literal, or None when there are too many."""
    match t:
        case BoolType():
            return [BoolLit(value=False), BoolLit(value=True)]
        case EnumType(values=vals):
            lits: list[Expr] = [EnumLit(enum=t, value=v) for v in vals]
        case RangeType(lo=lo, hi=hi):
            lits = [IntLit(value=v) for v in range(lo, hi + 1)]
        case IndexType(collection=c, optional=opt):
            size = model.collection(c).size
            lits = [ElemLit(collection=c, index=i) for i in range(size)]
            if opt:
                lits.insert(0, NoneLit(collection=c))
        case SetType():
            return None
        case _:
            assert_never(t)
    return lits if len(lits) <= _MAX_DOMAIN else None


def substitute(e: Expr, name: str, value: Expr) -> Expr:
    """`e` with the bound name `name` replaced by the closed expression `value`."""
    match e:
        case Bound(name=n):
            return value if n == name else e
        case (
            BoolLit()
            | IntLit()
            | EnumLit()
            | ElemLit()
            | NoneLit()
            | GlobalVar()
            | LocalVar()
            | SelfRef()
            | AllDone()
        ):
            return e
        case SetLit(items=items):
            return replace(e, items=tuple(substitute(x, name, value) for x in items))
        case Field(index=index):
            return replace(e, index=substitute(index, name, value))
        case ActorLocal(instance=inst) | AtLabel(instance=inst):
            return replace(e, instance=substitute(inst, name, value))
        case Unary(arg=arg):
            return replace(e, arg=substitute(arg, name, value))
        case Binary(left=left, right=right):
            return replace(
                e, left=substitute(left, name, value), right=substitute(right, name, value)
            )
        case Ite(cond=c, then=th, orelse=o):
            return replace(
                e,
                cond=substitute(c, name, value),
                then=substitute(th, name, value),
                orelse=substitute(o, name, value),
            )
        case Quant(var=var, body=body):
            return e if var == name else replace(e, body=substitute(body, name, value))
        case Call(args=args):
            return replace(e, args=tuple(substitute(a, name, value) for a in args))
        case _:
            assert_never(e)


# --------------------------------------------------------------------------- enumeration


_POLL_EVERY = 4096


class InitialStates:
    """The initial states of one model (see the module docstring)."""

    def __init__(self, c: ExprCompiler) -> None:
        self._c = c
        self._inits = [_slot_init(c, j) for j in range(len(c.layout))]
        self._order = _init_order(self._inits, [s.name for s in c.layout.slots], ())
        self.assignments = 0  # slot values tried so far (how well pruning works)

    def enumerate(
        self,
        constraints: Sequence[Expr],
        compile: Callable[[Expr], Check],
        stop: Callable[[], bool] | None = None,
    ) -> Iterator[State]:
        """Every initial state satisfying `constraints`, in a fixed order. `stop` is
        asked every `_POLL_EVERY` slot values tried, since the search can run for long
        without yielding a state (pruned backtracking over wide worlds); when it answers
        True the enumeration ends early."""
        c = self._c
        parts: dict[Expr, frozenset[int]] = {}
        for e in constraints:
            for conj in conjuncts(e, c.model):
                parts[conj] = frozenset(reads(conj, Ctx(), c))
        names = [s.name for s in c.layout.slots]
        order = _init_order(self._inits, names, list(parts.values()))
        n = len(order)
        position = {slot: i for i, slot in enumerate(order)}
        checks: list[list[Check]] = [[] for _ in range(n)]
        upfront: list[Check] = []
        for conj, read in parts.items():
            f = compile(conj)
            if read:
                checks[max(position[r] for r in read)].append(f)
            else:
                upfront.append(f)
        cur: list[Value] = [0] * len(c.layout)
        if not all(f(cur) for f in upfront):
            return
        if n == 0:
            yield ()
            return
        values = [self._inits[slot].values for slot in order]
        iters: list[Iterator[Value]] = [iter(())] * n
        iters[0] = iter(values[0](cur))
        pos = 0
        while pos >= 0:
            v = next(iters[pos], None)
            if v is None:
                pos -= 1
                continue
            cur[order[pos]] = v
            self.assignments += 1
            if stop is not None and self.assignments % _POLL_EVERY == 0 and stop():
                return
            if not all(f(cur) for f in checks[pos]):
                continue
            if pos == n - 1:
                yield tuple(cur)
            else:
                pos += 1
                iters[pos] = iter(values[pos](cur))

    def why_not(self, state: State) -> str | None:
        """None if every slot of `state` holds one of its initial values, else which not
        (the constraints are the caller's to check)."""
        layout = self._c.layout
        for slot in self._order:
            if state[slot] not in self._inits[slot].values(state):
                sl = layout.slots[slot]
                return f"{sl.name} = {layout.show(sl, state[slot])} is not an initial value"
        return None
