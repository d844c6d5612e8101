"""Executable semantics: the one step relation over the IR, every engine is checked against.

Input: a `Model` (one variant). Output: a `Semantics` that enumerates initial states,
successors (`Transition`s), finality and expression values over `State` tuples laid
out by `semantics.layout.Layout`, exactly as `ir.model` NOTE(values) and NOTE(step semantics)
define them. The explicit engine, scenario runs and trace replay use it directly; the
Z3 and TLC engines are held to it by replaying their traces.

The model is compiled once into nested closures: expressions by `semantics.closures`,
statements here, in continuation-passing style, so that `either` and `pick` fork the
rest of the step: each path works on its own copy of the state and ends by appending
its successor to `out`. These closures are the reference; by default the successors,
claims and finality run as Python source generated from the same IR by
`semantics.compile` (the same results; `compiled=False` keeps the closures). A store
outside the target's type disables its path; for a `guarded` variable it is counted (for
coverage), for any other it is logged as a type violation of the state being stepped
(ir.model NOTE(type rule); `Semantics.bad_stores`). Initial states come from
`semantics.initial_states`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, assert_never

from mbind_formal.ir.model import (
    Assign,
    Await,
    Block,
    BoolType,
    Done,
    Either,
    EnumType,
    Expr,
    Field,
    GlobalVar,
    Goto,
    If,
    IndexType,
    LocalVar,
    Model,
    Pick,
    RangeType,
    SetType,
    Stmt,
    Type,
)
from mbind_formal.ir.types import infer
from mbind_formal.semantics.closures import (
    Choices,
    Ctx,
    Emitted,
    ExprCompiler,
    ExprFn,
    Fault,
    Out,
    Scratch,
    SemanticsError,
    in_type,
)
from mbind_formal.semantics.compile import (
    Compiled,
    InstanceSteps,
    compile_successors,
    compile_value,
)
from mbind_formal.semantics.initial_states import InitialStates
from mbind_formal.semantics.layout import Layout, SlotKind, State, Value, domain, domain_size
from mbind_formal.semantics.watch import WATCH_COST, Watch

__all__ = [
    "BadStore",
    "Choices",
    "Emitted",
    "Out",
    "Semantics",
    "SemanticsError",
    "StepRef",
    "Transition",
]

StmtFn = Callable[[list[Value], Scratch, Choices, Out], None]
_WIDE_STEP = 4096  # steps that may fork into more successors tick per successor
_FAN_CAP = 1 << 62
StepFn = Callable[[State, Scratch, Out], None]


@dataclass(frozen=True, slots=True)
class StepRef:
    """One (actor, instance, step label) of the model; step ids index `Semantics.steps`."""

    actor: str
    instance: int
    label: str


@dataclass(frozen=True, slots=True)
class Transition:
    """One enabled path of one step: who moved, the choices made, the state after it."""

    actor: str
    instance: int
    label: str
    choices: Choices
    state: State


@dataclass(frozen=True, slots=True)
class BadStore:
    """A type violation (ir.model NOTE(type rule)): from the state it was found in, this
    enabled path of one step stores `value` into `target` (a slot name), outside `type`."""

    actor: str
    instance: int
    label: str
    choices: Choices
    target: str
    value: Value
    type: str  # the declared type as the spec spells it (`0..3`, `Page`)

    def describe(self, who: str | None = None) -> str:
        """`type violation: x := -1 outside 0..3 (reader[1] unlock)`."""
        by = who if who is not None else f"{self.actor}[{self.instance}] {self.label}"
        return f"type violation: {self.target} := {self.value} outside {self.type} ({by})"


# (step id, choices, slot, value): a store outside its type, logged while stepping


class _StepCompiler(ExprCompiler):
    """Adds statements: a step body becomes a function appending its successors."""

    def __init__(self, model: Model, layout: Layout, watch: Watch) -> None:
        super().__init__(model, layout, watch)
        self.blocked: list[int] = []  # per step id: stores refused by a range check
        self.faults: list[Fault] = []  # type violations logged (NOTE(type rule))
        self.ticking_ends = False  # NOTE(watch): set while compiling a step of wide fan-out

    def fan_out(self, block: Block) -> int:
        """An upper bound on the successors one run of `block` appends (picks multiply
        by their domain, `either` adds its branches), capped at _FAN_CAP."""
        total = 1
        for st in block:
            match st:
                case If(then=then, orelse=orelse):
                    total *= max(self.fan_out(then), self.fan_out(orelse))
                case Either(branches=branches):
                    total *= sum(self.fan_out(br) for br in branches)
                case Pick(domain=pd, body=body):
                    total *= domain_size(pd, self.sizes) * self.fan_out(body)
                case Assign() | Await() | Goto() | Done():
                    pass
                case _:
                    assert_never(st)
            total = min(total, _FAN_CAP)
        return total

    def block(self, block: Block, ctx: Ctx, sid: int, pc: int, k: StmtFn) -> StmtFn:
        fn = k
        for st in reversed(block):
            fn = self.stmt(st, ctx, sid, pc, fn)
        return fn

    def stmt(self, st: Stmt, ctx: Ctx, sid: int, pc: int, k: StmtFn) -> StmtFn:
        match st:
            case Assign(target=target, value=value):
                return self._assign(target, value, ctx, sid, k)
            case If(cond=c, then=then, orelse=orelse):
                fc = self.expr(c, ctx)
                ft = self.block(then, ctx, sid, pc, k)
                fo = self.block(orelse, ctx, sid, pc, k)

                def if_(s: list[Value], b: Scratch, ch: Choices, out: Out) -> None:
                    if fc(s, b):
                        ft(s, b, ch, out)
                    else:
                        fo(s, b, ch, out)

                return if_
            case Either(branches=branches):
                fbs = [self.block(br, ctx, sid, pc, k) for br in branches]
                last = len(fbs) - 1

                def either(s: list[Value], b: Scratch, ch: Choices, out: Out) -> None:
                    for i, fbr in enumerate(fbs):
                        fbr(s if i == last else s.copy(), b, (*ch, ("either", i)), out)

                return either
            case Await(cond=c):
                fc = self.expr(c, ctx)

                def await_(s: list[Value], b: Scratch, ch: Choices, out: Out) -> None:
                    if fc(s, b):
                        k(s, b, ch, out)

                return await_
            case Pick(var=pv, domain=pd, cond=c, body=body):
                inner, pos = ctx.bind(pv, pd)
                fc = self.expr(c, inner)
                fbody = self.block(body, inner, sid, pc, k)
                dom = domain(pd, self.sizes)

                per = self.cost(c)
                if len(dom) * per > WATCH_COST:  # NOTE(watch): many values, or a costly test
                    fc = self._ticking(fc, per)

                def pick(s: list[Value], b: Scratch, ch: Choices, out: Out) -> None:
                    found = []
                    for v in dom:
                        b[pos] = v
                        if fc(s, b):
                            found.append(v)
                    last = len(found) - 1
                    for j, v in enumerate(found):
                        b[pos] = v
                        fbody(s if j == last else s.copy(), b, (*ch, (pv, v)), out)

                return pick
            case Goto(label=lab):
                actor = self.actor(ctx.actor or "")
                if lab not in actor.labels:
                    raise SemanticsError(f"goto unknown label '{lab}' in actor {actor.name}")
                return self._end(sid, pc, actor.labels.index(lab))
            case Done():
                return self._end(sid, pc, len(self.actor(ctx.actor or "").steps))
            case _:
                assert_never(st)

    def _ticking(self, f: ExprFn, cost: int) -> ExprFn:
        tick = self.watch.tick

        def ticking(s: Sequence[Value], b: Scratch) -> Value:
            tick(cost)
            return f(s, b)

        return ticking

    def _end(self, sid: int, pc: int, target: int) -> StmtFn:
        if self.ticking_ends:  # NOTE(watch): one state may fork into millions
            tick, width = self.watch.tick, len(self.layout.slots)

            def ticking_end(s: list[Value], b: Scratch, ch: Choices, out: Out) -> None:
                tick(width)
                s[pc] = target
                out.append((sid, ch, tuple(s)))

            return ticking_end

        def end(s: list[Value], b: Scratch, ch: Choices, out: Out) -> None:
            s[pc] = target
            out.append((sid, ch, tuple(s)))

        return end

    def _assign(
        self,
        target: GlobalVar | LocalVar | Field,
        value: Expr,
        ctx: Ctx,
        sid: int,
        k: StmtFn,
    ) -> StmtFn:
        fv = self.expr(value, ctx)
        var_type = infer(target, ctx.type_env(self.model))
        if var_type is None:
            raise SemanticsError(f"cannot type the assignment target {target}")
        bounds = self._bounds(var_type)
        match target:
            case GlobalVar(name=gn):
                where: int | tuple[int, int, int] | ExprFn = self.slot(gn)
                guarded = self.model.global_var(gn).guarded
            case LocalVar(name=ln):
                if ctx.actor is None:
                    raise SemanticsError(f"local '{ln}' written outside an actor")
                where = self.slot(f"{self.inst_name(ctx.actor, ctx.instance)}.{ln}")
                guarded = any(v.guarded for v in self.actor(ctx.actor).locals if v.name == ln)
            case Field(collection=coll, name=fn):
                where = self.field_slot(target, ctx)
                fields = self.model.collection(coll).fields
                guarded = any(f.guarded for f in fields if f.name == fn)
            case _:
                assert_never(target)
        if isinstance(where, tuple):
            base, stride, pos = where
            where = lambda s, b: base + int(b[pos]) * stride  # noqa: E731
        if bounds is None:
            return _store(where, fv, k)
        faults = None if guarded else self.faults
        return _store_checked(where, fv, k, bounds, self.blocked, sid, faults)

    def _bounds(self, t: Type) -> tuple[int, int] | None:
        """The integer bounds a store must check (None: in range by typing)."""
        match t:
            case RangeType(lo=lo, hi=hi):
                return lo, hi
            case IndexType(collection=c, optional=False):
                return 0, self.sizes[c] - 1  # `none` or `next` past the end
            case IndexType() | BoolType() | EnumType() | SetType():
                return None
            case _:
                assert_never(t)

    # ------------------------------------------------------------------ helpers


def _store(where: int | ExprFn, fv: ExprFn, k: StmtFn) -> StmtFn:
    """`target = value` where the value is in range by typing."""
    if isinstance(where, int):
        slot = where

        def store(s: list[Value], b: Scratch, ch: Choices, out: Out) -> None:
            s[slot] = fv(s, b)
            k(s, b, ch, out)

        return store
    slot_of = where

    def store_at(s: list[Value], b: Scratch, ch: Choices, out: Out) -> None:
        s[int(slot_of(s, b))] = fv(s, b)
        k(s, b, ch, out)

    return store_at


def _store_checked(
    where: int | ExprFn,
    fv: ExprFn,
    k: StmtFn,
    bounds: tuple[int, int],
    blocked: list[int],
    sid: int,
    faults: list[Fault] | None,
) -> StmtFn:
    """`target = value`, disabling the path when out of range: counted in `blocked`
    (a guarded target, `faults` None), else logged in `faults` (NOTE(type rule))."""
    lo, hi = bounds
    if isinstance(where, int):
        slot = where
        if faults is None:

            def store(s: list[Value], b: Scratch, ch: Choices, out: Out) -> None:
                v = fv(s, b)
                if lo <= v <= hi:
                    s[slot] = v
                    k(s, b, ch, out)
                else:
                    blocked[sid] += 1

            return store
        log = faults

        def store_typed(s: list[Value], b: Scratch, ch: Choices, out: Out) -> None:
            v = fv(s, b)
            if lo <= v <= hi:
                s[slot] = v
                k(s, b, ch, out)
            else:
                log.append((sid, ch, slot, v))

        return store_typed
    slot_of = where

    def store_at(s: list[Value], b: Scratch, ch: Choices, out: Out) -> None:
        v = fv(s, b)
        if lo <= v <= hi:
            s[int(slot_of(s, b))] = v
            k(s, b, ch, out)
        elif faults is None:
            blocked[sid] += 1
        else:
            faults.append((sid, ch, int(slot_of(s, b)), v))

    return store_at


class _Logged(list[Value]):
    """A state being stepped that logs the slots stored to (see `Semantics.writes`)."""

    def __init__(self, state: Sequence[Value], ended: list[frozenset[int]]) -> None:
        super().__init__(state)
        self.log: set[int] = set()
        self.ended = ended

    def __setitem__(self, i: Any, v: Any) -> None:
        self.log.add(int(i))
        super().__setitem__(i, v)

    def copy(self) -> _Logged:
        forked = _Logged(list.copy(self), self.ended)  # a plain copy: no __iter__
        forked.log = set(self.log)
        return forked

    def __iter__(self) -> Iterator[Value]:
        self.ended.append(frozenset(self.log))  # the path ends: `tuple(s)` in `_end`
        return super().__iter__()


# --------------------------------------------------------------------------- the relation


class Semantics:
    """The compiled step relation of one model (see the module docstring)."""

    def __init__(self, model: Model, *, compiled: bool = True) -> None:
        self.model = model
        self.compiled = compiled  # generated code (`semantics.compile`), else the closures
        self.layout = Layout(model)
        self.watch = Watch()  # NOTE(watch): engines install their limits in `watch.check`
        c = self._c = _StepCompiler(model, self.layout, self.watch)
        self.steps: tuple[StepRef, ...] = tuple(
            StepRef(a.name, k, st.label)
            for a in model.actors
            for k in range(a.instances)
            for st in a.steps
        )
        c.blocked.extend(0 for _ in self.steps)
        # Per actor instance: its pc slot and, per pc value, the step runner (None: done).
        self._instances: list[tuple[int, list[StepFn | None]]] = []
        self._bodies: list[tuple[tuple[ExprFn, ...], StmtFn]] = []  # per step id
        plans: list[InstanceSteps] = []
        sid = 0
        for a in model.actors:
            for k in range(a.instances):
                pc = self.layout.pc_slot(a.name, k)
                self_value = k
                ctx = Ctx(actor=a.name, instance=k, self_value=self_value)
                table: list[StepFn | None] = []
                plain: list[bool] = []
                for j, st in enumerate(a.steps):
                    table.append(self._step(st.body, ctx, sid, pc, j + 1))
                    plain.append(not c.ticking_ends)
                    sid += 1
                steps = tuple(f for f in table if f is not None)
                table.append(None)
                self._instances.append((pc, table))
                sids = tuple(range(sid - len(a.steps), sid))
                bodies = tuple(st.body for st in a.steps)
                plans.append(InstanceSteps(pc, ctx, bodies, sids, steps, tuple(plain)))
        self._final = c.all_done()
        self._scratch: Scratch = [0] * c.max_depth
        self._cache: dict[Expr, ExprFn] = {}
        self._gen_cache: dict[tuple[Expr, bool], Callable[[Sequence[Value]], Value] | None] = {}
        self.inits = InitialStates(c)  # initial states (and their enumeration statistics)
        # Every enabled path from a state as (step id, choices, successor), in order:
        # the generated function (NOTE(compiled fallback)) or the closures' loop.
        self.raw_successors: Callable[[State], Out] = self._closure_successors
        self.code: Compiled | None = None  # the generated code, when compiled
        if compiled:
            self.code = compile_successors(c, plans, c.blocked, self._scratch, c.faults)
            self.raw_successors = self.code.successors
            final = compile_value(c, None, truth=True)
            if final is not None:
                done = final
                self._final = lambda s, b: done(s)

    def _step(self, body: Block, ctx: Ctx, sid: int, pc: int, nxt: int) -> StepFn:
        c = self._c
        c.ticking_ends = c.fan_out(body) > _WIDE_STEP
        # Falling off the end of a step's body continues at the next step (the DSL's rule).
        fall = c._end(sid, pc, nxt)
        # Leading awaits are tested on the state before it is copied: most steps are
        # disabled most of the time, and this keeps them cheap.
        guards: list[ExprFn] = []
        rest = body
        while rest and isinstance(rest[0], Await):
            guards.append(c.expr(rest[0].cond, ctx))
            rest = rest[1:]
        run = c.block(rest, ctx, sid, pc, fall)
        self._bodies.append((tuple(guards), run))  # for `writes` (traces), by step id
        if not guards:
            return lambda s, b, out: run(list(s), b, (), out)
        if len(guards) == 1:
            g0 = guards[0]

            def guarded1(s: State, b: Scratch, out: Out) -> None:
                if g0(s, b):
                    run(list(s), b, (), out)

            return guarded1

        def guarded(s: State, b: Scratch, out: Out) -> None:
            for g in guards:
                if not g(s, b):
                    return
            run(list(s), b, (), out)

        return guarded

    # ------------------------------------------------------------------ expressions

    def compile(self, expr: Expr) -> Callable[[Sequence[Value]], Value]:
        """`expr` (a claim, witness, assume or expect: no actor context) as a function."""
        f = self._cache.get(expr)
        if f is None:
            f = self._c.expr(expr, Ctx())  # also when compiled: it raises what cannot run
            self._cache[expr] = f
        if self.compiled:
            generated = self._generated(expr, truth=False)
            if generated is not None:
                return generated
        fn = f
        return lambda s: fn(s, [0] * self._c.max_depth)

    def predicate(self, expr: Expr) -> Callable[[Sequence[Value]], bool]:
        f = self.compile(expr)
        if self.compiled:
            generated = self._generated(expr, truth=True)
            if generated is not None:
                return generated  # type: ignore[return-value]  # a bool by `truth`
        return lambda s: bool(f(s))

    def _generated(self, expr: Expr, truth: bool) -> Callable[[Sequence[Value]], Value] | None:
        key = (expr, truth)
        if key not in self._gen_cache:
            self._gen_cache[key] = compile_value(self._c, expr, truth=truth)
        return self._gen_cache[key]

    def eval(self, expr: Expr, state: Sequence[Value]) -> Value:
        """The value of `expr` in `state` (ActorLocal/AtLabel name their instances)."""
        return self.compile(expr)(state)

    # ------------------------------------------------------------------ initial states

    def initial_states(
        self, assume: Expr | None = None, stop: Callable[[], bool] | None = None
    ) -> Iterator[State]:
        """Every initial state satisfying `model.init` and `assume`, in a fixed order;
        ends early when `stop()` answers True (see `InitialStates.enumerate`)."""
        constraints = [*self.model.init, *([assume] if assume is not None else [])]
        return self.inits.enumerate(constraints, self.compile, stop)

    def is_initial(self, state: State, assume: Expr | None = None) -> str | None:
        """None if `state` is initial (and satisfies `assume`), else why not."""
        why = self.check_state(state) or self.inits.why_not(state)
        if why is not None:
            return why
        for e in self.model.init:
            if not self.eval(e, state):
                return "an init constraint of the model does not hold"
        if assume is not None and not self.eval(assume, state):
            return "the claim's assume does not hold"
        return None

    def check_state(self, state: State) -> str | None:
        """None if `state` has one value of the right type per slot, else why not."""
        slots = self.layout.slots
        if len(state) != len(slots):
            return f"the state has {len(state)} slots, the model {len(slots)}"
        for sl, v in zip(slots, state, strict=True):
            if sl.kind is SlotKind.PC:
                ok = not isinstance(v, bool) and 0 <= v < len(sl.labels)
            else:
                assert sl.type is not None
                ok = in_type(sl.type, v, self._c.sizes)
            if not ok:
                return f"{sl.name} holds {v!r}, not a value of its type"
        return None

    # ------------------------------------------------------------------ steps

    def _closure_successors(self, state: State) -> Out:
        """Every enabled path from `state` as (step id, choices, successor), in order
        (the closures: the reference `semantics.compile` is held to)."""
        out: Out = []
        b = self._scratch
        for pc, table in self._instances:
            run = table[state[pc]]
            if run is not None:
                run(state, b, out)
        return out

    def successors(self, state: State) -> Iterator[Transition]:
        """One transition per enabled path: actors in declaration order, instances
        ascending, steps' branches in order (final states have none)."""
        steps = self.steps
        for sid, ch, nxt in self.raw_successors(state):
            ref = steps[sid]
            yield Transition(ref.actor, ref.instance, ref.label, ch, nxt)

    def instance_successors(self, state: State, actor: str, instance: int) -> Out:
        """The enabled paths of one actor instance only (scenario runs, replay)."""
        out: Out = []
        pc = self.layout.pc_slot(actor, instance)
        for a_pc, table in self._instances:
            if a_pc == pc:
                run = table[state[pc]]
                if run is not None:
                    run(state, self._scratch, out)
        return out

    def writes(self, state: State, actor: str, instance: int) -> list[tuple[State, frozenset[int]]]:
        """Each enabled path of one instance as (successor, the slots its statements
        stored to), the pc aside: a store of the value a slot already holds is a write
        that the successor alone cannot show (traces mark it, `x: 0 -> 0 (written)`).

        NOTE(write log): the path runs on a `_Logged` state, a list that logs the
        indices stored to; paths fork with `copy()` (the log forks too) and each ends in
        `tuple(s)` (`_StepCompiler._end`), which hands the log over. The hot path
        (`successors`) never pays for this."""
        pc = self.layout.pc_slot(actor, instance)
        at = state[pc]
        sid = next(
            (
                i
                for i, ref in enumerate(self.steps)
                if (ref.actor, ref.instance) == (actor, instance)
                and self.label_index(actor, ref.label) == at
            ),
            None,
        )
        if sid is None:
            return []
        guards, run = self._bodies[sid]
        b = self._scratch
        if not all(g(state, b) for g in guards):
            return []
        logs: list[frozenset[int]] = []
        out: Out = []
        run(_Logged(state, logs), b, (), out)
        assert len(logs) == len(out), "every path ends in exactly one tuple(s)"
        return [(nxt, log - {pc}) for (_, _, nxt), log in zip(out, logs, strict=True)]

    def enabled_steps(self, state: State) -> tuple[StepRef, ...]:
        """The steps with at least one enabled path from `state`, in order, once each."""
        seen: dict[int, None] = {}
        for sid, _, _ in self.raw_successors(state):
            seen[sid] = None
        return tuple(self.steps[sid] for sid in seen)

    def is_final(self, state: Sequence[Value]) -> bool:
        """Every instance of every actor is done."""
        return bool(self._final(state, self._scratch))

    @property
    def fault_log(self) -> list[Fault]:
        """The type violations logged by the paths run so far, as (step id, choices,
        slot, value); engines clear it (`del log[:]`) before the states they test."""
        return self._c.faults

    def bad_stores(self, state: State) -> tuple[BadStore, ...]:
        """The type violations of `state` (ir.model NOTE(type rule)): every enabled path
        of a step that stores a value outside the type of a variable that is not
        guarded, in successor order. Empty: `state` is well typed."""
        log = self._c.faults
        del log[:]
        self.raw_successors(state)
        found = [self.bad_store(f) for f in log]
        del log[:]
        return tuple(found)

    def bad_store(self, fault: Fault) -> BadStore:
        """A logged fault, named (slot name, the type as the spec spells it)."""
        sid, ch, slot, v = fault
        ref, sl = self.steps[sid], self.layout.slots[slot]
        assert sl.type is not None
        return BadStore(ref.actor, ref.instance, ref.label, ch, sl.name, v, type_text(sl.type))

    @property
    def blocked_counts(self) -> list[int]:
        """Per step id, the stores refused by a range check so far (the live counters:
        they grow as successors are computed)."""
        return self._c.blocked

    def blocked_stores(self, counts: Sequence[int] | None = None) -> dict[tuple[str, str], int]:
        """Stores refused by a range check, per (actor, label) (for coverage): so far, or
        as `counts` (per step id) says."""
        out: dict[tuple[str, str], int] = {}
        counts = self._c.blocked if counts is None else counts
        for ref, n in zip(self.steps, counts, strict=True):
            if n:
                key = (ref.actor, ref.label)
                out[key] = out.get(key, 0) + n
        return out

    def label_index(self, actor: str, label: str) -> int:
        """The pc value of `label` in `actor` (`done` is the number of steps)."""
        a = self.model.actor(actor)
        return len(a.steps) if label == "done" else a.labels.index(label)


def type_text(t: Type) -> str:
    """A type as the spec spells it (`0..3`, `Page?`, `set<Flag>`)."""
    match t:
        case BoolType():
            return "bool"
        case EnumType(name=n):
            return n
        case RangeType(lo=lo, hi=hi):
            return f"{lo}..{hi}"
        case SetType(enum=e):
            return f"set<{e.name}>"
        case IndexType(collection=c, optional=opt):
            return f"{c}?" if opt else c
        case _:
            assert_never(t)
