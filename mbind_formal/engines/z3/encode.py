"""The Z3 encoding of one model: state variables per time step, init, trans, props.

Stage: engines. Input: a `Model` (one variant) and `EncodeOptions`. Output: an
`Encoding`, built once and reused for every claim and depth: `state(t)` (the variables
`slot@t`, slot names from `semantics.layout`), `init()`, `trans(t)` (state t -> t+1), `prop(e, t)`,
`domain(t)`, `distinct(t, u)`, and `decode` (a z3 model -> a `trace.model.Trace`).

`trans` is built once over the template states 0 -> 1 and renamed per step with
`z3.substitute`. It is the disjunction over every (actor instance, step) of the step's
symbolic execution (`z3_exec`), selected by `step@t` (index into `steps`; the last
value is the stutter of a final state), with fresh choice variables
`actor[i].label.p#k@t` for picks and eithers. Every slot gets one equation
`x@t+1 == If(step@t == k1, v1, If(... , x@t))`, listing only the steps that write it.

NOTE(z3 sorts): bools are Bools; every integer-like slot (range, enum, element with
none = -1, pc, choice, selector) is one `NumV`; a set is one Bool per enum value; a
per-element field is one variable per element (a symbolic index reads through an `If`
chain). `EncodeOptions` picks Int or BitVec numbers (and Bools or one BitVec per set);
an `Encoding` is built once per (model, options) and cached by each engine object.
Measured (z3 5.4, seconds, on a shared 2-core machine, so ratios matter):
  BMC, 2-page lru model, 16 depths, all unsat: Int + default solver 21.3, BitVec +
    default solver 2.2, BitVec + SolverFor("QF_BV") 0.26 (QF_FD 0.21); 3 pages, 12
    depths: Int + QF_LIA 5.9, Int + default 9.8, BitVec + QF_BV 0.61.
  Spacer, 3-page lru "all pages back at the end" (holds): Int 13.9, BitVec > 20 (gave
    up); 2 pages: Int 1.7, BitVec 1.4; the counter model's claims: Int never slower.
  Sets as one BitVec instead of Bools: no difference for BMC, slower for Spacer (0.43
    vs 0.20).
  Fields, 3 elements, 15 BMC queries: variables + If chains 0.24; arrays 57 (default
    solver) or 101 (QF_ABV).
Hence BMC and k-induction use BitVec numbers with the QF_BV solver (`z3_run.BMC_OPTIONS`),
PDR uses Int numbers (`z3_run.PDR_OPTIONS`); both use Bools for sets and no arrays.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import assert_never

import z3

from mbind_formal.engines.z3.exec import Choice, Evaluator, Scope
from mbind_formal.engines.z3.ranges import bv_width
from mbind_formal.engines.z3.terms import (
    BoolV,
    EncodeOptions,
    NumSort,
    NumV,
    SetV,
    Term,
    Terms,
    Value,
)
from mbind_formal.ir.model import (
    ActorLocal,
    AllDone,
    AtLabel,
    Call,
    Expr,
    Field,
    GlobalVar,
    InitAny,
    InitIn,
    InitValue,
    LocalVar,
    Model,
    Var,
)
from mbind_formal.ir.walk import subexprs
from mbind_formal.semantics.layout import Layout, Slot, SlotKind, State
from mbind_formal.trace.model import Trace, TraceKind, TraceStep

TEMPLATE = "@0"  # the time suffix of the template transition's choice variables


@dataclass(frozen=True, slots=True)
class StepInfo:
    """One disjunct of `trans`: which instance runs which step, with its choices."""

    actor: str
    instance: int
    label: str
    choices: tuple[Choice, ...]


class Encoding:
    """A model encoded into one z3 context (each `Encoding` owns its context)."""

    def __init__(
        self, model: Model, options: EncodeOptions | None = None, width: int | None = None
    ) -> None:
        """`width`: the bit-vector width of numbers (default: `bv_width(model)`)."""
        self.model = model
        self.layout = Layout(model)
        self.options = options or EncodeOptions()
        self.ctx = z3.Context()
        if self.options.numbers is NumSort.INT:
            width = 0
        elif width is None:
            width = bv_width(model)
        self.terms = Terms(self.ctx, self.options, width)
        self.ev = Evaluator(model, self.layout, self.terms)
        self._states: dict[int, tuple[Value, ...]] = {}
        self._trans: dict[int, Term] = {}
        self._renamings: dict[int, list[tuple[Term, Term]]] = {}
        self._packs: dict[int, Term | None] = {}
        self._facts: dict[Expr | None, Term] = {}
        self._props: dict[Expr, Term] = {}
        self.steps: tuple[StepInfo, ...] = ()
        self._fault0: Term = None  # NOTE(type rule): set by `_build_trans`
        self._trans[0] = self._build_trans()

    # ------------------------------------------------------------------ variables

    def state(self, t: int) -> tuple[Value, ...]:
        """The variables of the state at time `t`, in layout order."""
        if t not in self._states:
            self._states[t] = tuple(
                self.ev.fresh(s.name, s.type, f"@{t}") for s in self.layout.slots
            )
        return self._states[t]

    def atoms(self, t: int) -> list[Term]:
        """The z3 constants making up state `t` (the arguments of a Horn predicate)."""
        return [a for v in self.state(t) for a in self.terms.atoms(v)]

    def selector(self, t: int) -> NumV:
        return self.terms.num_var("step", f"@{t}")

    @cached_property
    def _choice_atoms(self) -> list[Term]:
        return [a for st in self.steps for c in st.choices for a in self.terms.atoms(c.value)]

    def choice_atoms(self, t: int) -> list[Term]:
        """The selector and choice variables of the step from state t (the auxiliary
        variables of `trans(t)`)."""
        out = [self.selector(t).term]
        for a in self._choice_atoms:
            name = str(a.decl().name()).removesuffix(TEMPLATE)
            out.append(a if t == 0 else z3.Const(f"{name}@{t}", a.sort()))
        return out

    def _renaming(self, t: int) -> list[tuple[Term, Term]]:
        """Template (states 0, 1; choices @0) -> the same at time t, t+1."""
        if t in self._renamings:
            return self._renamings[t]
        pairs = list(zip(self.atoms(0), self.atoms(t), strict=True))
        pairs += zip(self.atoms(1), self.atoms(t + 1), strict=True)
        pairs += zip(self.choice_atoms(0), self.choice_atoms(t), strict=True)
        self._renamings[t] = pairs
        return pairs

    def at_time(self, term: Term, t: int) -> Term:
        """A template term (over states 0, 1 and choices @0) moved to time t."""
        return term if t == 0 else z3.substitute(term, *self._renaming(t))

    # ------------------------------------------------------------------ formulas

    def init(self) -> Term:
        """The initial-state predicate on state 0 (without any claim's `assume`)."""
        parts = [self._slot_init(j, 0) for j in range(len(self.layout.slots))]
        parts.extend(self.prop(e, 0) for e in self.model.init)
        return self.terms.and_(parts)

    def _slot_init(self, j: int, t: int) -> Term:
        """Slot j of state t takes one of its initial values (reading state t)."""
        slot, st = self.layout.slots[j], self.state(t)
        v = st[j]
        if slot.kind is SlotKind.PC:
            return self.terms.num_eq(_as_num(v), self.terms.num(0))
        decl, scope = self._decl(slot)
        parts = [self.ev.in_type(v, decl.type)]
        match decl.init:
            case InitAny():
                pass
            case InitIn(choices=cs):
                opts = [self.ev.expr(c, st.__getitem__, scope) for c in cs]
                parts.append(self.terms.or_(self.terms.eq(v, o) for o in opts))
            case InitValue(value=e):
                parts.append(self.terms.eq(v, self.ev.expr(e, st.__getitem__, scope)))
            case _:
                assert_never(decl.init)
        return self.terms.and_(parts)

    def facts(self, t: int, assume: Expr | None) -> Term:
        """What holds in every reachable state t, cheaply: every slot is in its type, and
        constants keep their initial constraints (their inits and the `init`/`assume`
        constraints that read constants only). Strengthens k-induction. Built once at
        time 0 and moved to t by substitution (cheaper than evaluating it again)."""
        if assume not in self._facts:
            self._facts[assume] = self._build_facts(assume)
        return self.at_time(self._facts[assume], t)

    def _build_facts(self, assume: Expr | None) -> Term:
        t = 0
        parts = [self.domain(t)]
        parts += [self._slot_init(j, t) for j, s in enumerate(self.layout.slots) if s.const]
        for e in (*self.model.init, *([assume] if assume is not None else [])):
            if self._reads_only_constants(e):
                parts.append(self.prop(e, t))
        return self.terms.and_(parts)

    def _reads_only_constants(self, e: Expr) -> bool:
        m = self.model
        for x in subexprs(e):
            match x:
                case GlobalVar(name=n):
                    if not m.global_var(n).const:
                        return False
                case Field(collection=c, name=n):
                    if not next(f for f in m.collection(c).fields if f.name == n).const:
                        return False
                case Call(name=n):
                    if not self._reads_only_constants(m.definition(n).body):
                        return False
                case LocalVar() | ActorLocal() | AtLabel() | AllDone():
                    return False
                case _:
                    pass
        return True

    def _decl(self, slot: Slot) -> tuple[Var, Scope]:
        m = self.model
        match slot.kind:
            case SlotKind.GLOBAL:
                return m.global_var(slot.member), Scope()
            case SlotKind.FIELD:
                decl = next(f for f in m.collection(slot.owner).fields if f.name == slot.member)
                return decl, Scope(self_value=slot.index)
            case SlotKind.LOCAL:
                decl = next(v for v in m.actor(slot.owner).locals if v.name == slot.member)
                return decl, Scope(actor=slot.owner, instance=slot.index, self_value=slot.index)
            case SlotKind.PC:
                raise AssertionError("pcs have no declaration")
            case _:
                assert_never(slot.kind)

    def trans(self, t: int) -> Term:
        """One step (or the final stutter) from state t to state t+1."""
        if t not in self._trans:
            self._trans[t] = self.at_time(self._trans[0], t)
        return self._trans[t]

    def _build_trans(self) -> Term:
        t = self.terms
        s0, s1 = self.state(0), self.state(1)
        sel = self.selector(0)
        infos: list[StepInfo] = []
        guards: list[Term] = []
        faults: list[Term] = []
        writes: list[dict[int, Value]] = []
        for a in self.model.actors:
            for i in range(a.instances):
                base = a.name if a.instances == 1 else f"{a.name}[{i}]"
                pc = _as_num(s0[self.layout.pc_slot(a.name, i)])
                for j, step in enumerate(a.steps):
                    prefix = f"{base}.{step.label}"
                    eff = self.ev.step(a.name, j, i, s0.__getitem__, prefix, TEMPLATE)
                    domains = [c.domain for c in eff.choices]
                    guards.append(t.and_((t.num_eq(pc, t.num(j)), eff.guard, *domains)))
                    if not z3.is_false(eff.fault):
                        faults.append(t.and_((t.num_eq(pc, t.num(j)), eff.fault, *domains)))
                    writes.append(dict(eff.writes))
                    infos.append(StepInfo(a.name, i, step.label, eff.choices))
        self.steps = tuple(infos)
        self._fault0 = t.or_(faults)
        guards.append(self.ev.all_done(s0.__getitem__))  # the final stutter
        writes.append({})
        picked = [t.num_eq(sel, t.num(k)) for k in range(len(guards))]
        parts = [t.in_range(sel, 0, len(guards) - 1)]
        parts += [t.implies(p, g) for p, g in zip(picked, guards, strict=True)]
        for slot, (now, nxt) in enumerate(zip(s0, s1, strict=True)):
            rhs = now
            for k in range(len(writes) - 1, -1, -1):
                if slot in writes[k]:
                    rhs = t.ite(picked[k], writes[k][slot], rhs)
            parts.append(t.eq(nxt, rhs))
        return t.and_(parts)

    def prop(self, e: Expr, t: int) -> Term:
        """A state predicate (claim, witness, assume) at time t (built at time 0 once,
        then moved to t as `facts` is)."""
        if e not in self._props:
            self._props[e] = self.ev.boolean(e, self.state(0).__getitem__, Scope())
        return self.at_time(self._props[e], t)

    def fault(self, t: int) -> Term:
        """State t has a type violation (ir.model NOTE(type rule)): some step enabled up
        to a store outside the type of a variable that is not guarded. Over state t
        and the choice variables of the step from t (free when `trans(t)` is not
        asserted, as at the last state of a query)."""
        return self.at_time(self._fault0, t)

    def bad(self, invariant: Expr, t: int) -> Term:
        """State t violates `invariant` or has a type violation: what every claim
        forbids (TLC checks TypeOK with every invariant)."""
        return self.terms.or_((self.terms.not_(self.prop(invariant, t)), self.fault(t)))

    def good(self, invariant: Expr, t: int) -> Term:
        """Not `bad`: the invariant holds at t and no enabled step stores out of type."""
        return self.terms.not_(self.bad(invariant, t))

    def final(self, t: int) -> Term:
        return self.ev.all_done(self.state(t).__getitem__)

    def domain(self, t: int) -> Term:
        """Every slot of state t holds a value of its type (pcs: a label or done)."""
        parts = []
        for slot, v in zip(self.layout.slots, self.state(t), strict=True):
            if slot.type is None:
                parts.append(self.terms.in_range(_as_num(v), 0, len(slot.labels) - 1))
            else:
                parts.append(self.ev.in_type(v, slot.type))
        return self.terms.and_(parts)

    def distinct(self, t: int, u: int) -> Term:
        """States t and u differ in some slot. With bit-vector numbers each state is
        packed once into one vector (`_packed`), so a pair costs one term instead of one
        per slot: k-induction and BMC's simple-path check ask for every pair, and
        building them slot by slot was over half of k-induction's time."""
        pt, pu = self._packed(t), self._packed(u)
        if pt is not None and pu is not None:
            return pt != pu
        pairs = zip(self.state(t), self.state(u), strict=True)
        return self.terms.or_(self.terms.not_(self.terms.eq(a, b)) for a, b in pairs)

    def _packed(self, t: int) -> Term | None:
        """Every atom of state t concatenated (booleans as 1-bit vectors), or None when
        numbers are integers."""
        if t not in self._packs:
            atoms = self.atoms(t)
            if all(z3.is_bv(a) or z3.is_bool(a) for a in atoms) and atoms:
                one, zero = z3.BitVecVal(1, 1, self.ctx), z3.BitVecVal(0, 1, self.ctx)
                bits = [z3.If(a, one, zero) if z3.is_bool(a) else a for a in atoms]
                self._packs[t] = bits[0] if len(bits) == 1 else z3.Concat(*bits)
            else:
                self._packs[t] = None
        return self._packs[t]

    def is_state(self, t: int, state: State) -> Term:
        """State t is exactly `state` (values encoded as in NOTE(values))."""
        parts: list[Term] = []
        for v, x in zip(self.state(t), state, strict=True):
            match v:
                case BoolV(term=term):
                    parts.append(term if x else z3.Not(term))
                case NumV(term=term):
                    parts.append(term == self.terms.num(int(x)).term)
                case SetV():
                    mask = self.terms.set_const(v.size, int(x))
                    parts.append(self.terms.eq(v, mask))
                case _:
                    assert_never(v)
        return z3.And(*parts) if parts else self.terms.true

    # ------------------------------------------------------------------ decoding

    def value(self, zmodel: Term, v: Value) -> int | bool:
        match v:
            case BoolV(term=term):
                return bool(z3.is_true(zmodel.eval(term, model_completion=True)))
            case NumV():
                return self.terms.num_value(zmodel, v)
            case SetV():
                return self.terms.set_value(zmodel, v)
            case _:
                assert_never(v)

    def state_value(self, zmodel: Term, t: int) -> State:
        return tuple(self.value(zmodel, v) for v in self.state(t))

    def decode(
        self, zmodel: Term, depth: int, kind: TraceKind, claim: str | None, engine: str
    ) -> Trace:
        """The path 0..depth of a satisfying assignment, as a trace (stutters dropped)."""
        states = [self.state_value(zmodel, t) for t in range(depth + 1)]
        steps: list[TraceStep] = []
        for t in range(depth):
            k = self.terms.num_value(zmodel, self.selector(t))
            if k >= len(self.steps):
                continue
            info = self.steps[k]
            choices = tuple(
                (c.name, self.value(zmodel, _value_at(self, c.value, t)))
                for c in info.choices
                if z3.is_true(zmodel.eval(self.at_time(c.active, t), model_completion=True))
            )
            steps.append(TraceStep(info.actor, info.instance, info.label, states[t + 1], choices))
        return Trace(self.model.variant, states[0], tuple(steps), kind, claim, engine)


def _value_at(enc: Encoding, v: Value, t: int) -> Value:
    match v:
        case BoolV(term=term):
            return BoolV(enc.at_time(term, t))
        case NumV(term=term):
            return NumV(enc.at_time(term, t))
        case SetV():
            if v.vec is not None:
                return SetV(v.size, vec=enc.at_time(v.vec, t))
            return SetV(v.size, bits=tuple(enc.at_time(b, t) for b in v.bits))
        case _:
            assert_never(v)


def _as_num(v: Value) -> NumV:
    assert isinstance(v, NumV)
    return v
