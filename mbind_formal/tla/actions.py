"""One actor step -> one TLA+ action, by symbolic execution of its sequential body.

Input: the module's `Symbols`, an actor and one of its steps. Output: a `Formula`, the
action's body (`tla.formula` lays it out).

NOTE(step translation): a step runs sequentially and atomically (ir.model NOTE(step
semantics)); a TLA+ action is one formula over unprimed and primed variables. The
translator walks each path of the body keeping, per variable already written, the TLA+
expression of its current value, as PlusCal's translator does:
  - `x = e` becomes the conjunct `x' = e` when no later statement on any path writes
    `x` again (later reads then say `x'`); otherwise the new value is kept symbolically
    (`[f EXCEPT ![i] = v]`) and primed where the path ends;
  - a store whose value may lie outside the target's type adds the conjunct
    `v \\in T` first, so the path is disabled exactly as the semantics disable it;
  - an `if` whose branches are straight-line code (stores, awaits, such ifs) is merged:
    each variable either branch writes gets `IF c THEN <after then> ELSE <after else>`
    (an element's store `[f EXCEPT ![i] = IF c THEN v ELSE @]`), branch awaits and
    range checks become `c => ...`, and the rest of the step is written once. A value
    read again later gets a LET name (`cond_1`, `x_2`), so nested ifs stay linear in
    size (the 5.3 walk step: 1.2k lines instead of 9.9k);
  - any other `if` becomes IF/THEN/ELSE with the rest of the step copied into both
    branches (PlusCal's translation), `either` a disjunction, `pick` an `\\E`, `await`
    a conjunct;
  - `goto`/`done` (or falling off the end, which continues at the next step) set the pc
    and list the variables this path leaves unchanged; variables no path of the step
    writes are left unchanged once, at the top.

NOTE(type rule) in ir.model: `StepTranslator.fault` translates a step a second time into
a *state predicate*: some path of it is enabled up to a store outside the type of a
variable that is not guarded. Nothing is primed (every write stays pending), such a
store becomes `v \notin T \\/ (v \\in T /\\ <the rest of the path>)`, a path's end is
FALSE, and ifs holding such stores are not merged. The module states the disjunction of
these predicates, negated, as the invariant `StoresInType` checked with every claim, so
TLC stops at the state before the store, as the other engines do.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import assert_never

from mbind_formal.ir.model import (
    Actor,
    Assign,
    Await,
    BoolLit,
    Done,
    Either,
    ElemLit,
    Expr,
    Field,
    GlobalVar,
    Goto,
    If,
    IndexType,
    LocalVar,
    Pick,
    RangeType,
    Step,
    Stmt,
    Type,
    Unary,
    UnOp,
)
from mbind_formal.ir.types import TypeEnv, infer
from mbind_formal.ir.walk import stmts, subexprs
from mbind_formal.tla.exprs import IMPLIES, REL, ExprCtx, Tx, expr
from mbind_formal.tla.formula import (
    Atom,
    Cond,
    Conj,
    Disj,
    Formula,
    Let,
    Quantified,
    conj,
    disj,
    wrap_names,
)
from mbind_formal.tla.names import Scope
from mbind_formal.tla.symbols import DONE, SELF, Symbols, is_multi, tla_string


def unchanged(names: tuple[str, ...]) -> Atom:
    if len(names) == 1:
        return Atom(f"UNCHANGED {names[0]}")
    return wrap_names("UNCHANGED <<", names, ">>")


def needs_range_check(value: Expr, value_type: Type | None, target: Type) -> bool:
    """Whether a store of `value` into `target` can fail the semantics' range check."""
    match target:
        case RangeType(lo=lo, hi=hi):
            inside = (
                isinstance(value_type, RangeType) and lo <= value_type.lo <= value_type.hi <= hi
            )
            return not inside
        case IndexType(optional=opt):
            if opt:
                return False
            # `next` of the last element is none, whatever its static type says.
            has_next = any(isinstance(x, Unary) and x.op is UnOp.NEXT for x in subexprs(value))
            return has_next or not (isinstance(value_type, IndexType) and not value_type.optional)
        case _:
            return False  # bool, enum and set values are always in range (by typing)


@dataclass(frozen=True, slots=True)
class _Path:
    """One path through the step so far."""

    ctx: ExprCtx
    conj: tuple[Formula, ...] = ()
    primed: frozenset[str] = frozenset()  # written with an `x' = ...` conjunct
    pending: Mapping[str, Tx] = field(default_factory=dict)  # written, not yet primed
    # A pending function variable's value is `[base EXCEPT ![i] = v, ...]`: its base (the
    # variable, or a LET name) and its updates.
    bases: Mapping[str, str] = field(default_factory=dict)
    updates: Mapping[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)
    lets: tuple[tuple[str, str], ...] = ()  # LET definitions the rest of the path needs


class StepTranslator:
    """Translates the steps of one actor (see NOTE(step translation))."""

    def __init__(self, syms: Symbols, actor: Actor, def_reads: Mapping[str, frozenset[str]]):
        self.syms = syms
        self.actor = actor
        self.multi = is_multi(actor)
        self.pc = syms.pcs[actor.name]
        self.self_text = SELF if self.multi else "0"
        scope = Scope(syms.module_names(), taken=frozenset({SELF}) if self.multi else frozenset())
        self.base_ctx = ExprCtx(
            syms=syms,
            scope=scope,
            tenv=TypeEnv(model=syms.model, actor=actor.name),
            self_text=self.self_text,
            def_reads=def_reads,
        )
        self.fallthrough = DONE  # where a path that runs off the step's end continues
        self.touched: set[str] = set()  # variables some path of the step writes, and the pc
        self.counts: dict[str, int] = {}  # LET names handed out so far in this step
        # Variables that are functions (of elements or instances): stores update entries.
        multi_locals = {
            syms.locals[(a.name, v.name)]
            for a in syms.model.actors
            if is_multi(a)
            for v in a.locals
        }
        self.fn_vars = set(syms.fields.values()) | multi_locals
        self.faults = False  # translating `fault` (NOTE(type rule)), not `action`

    # ------------------------------------------------------------------ targets

    def _target(
        self, t: GlobalVar | LocalVar | Field, ctx: ExprCtx
    ) -> tuple[str, str | None, Type]:
        """(variable, index into it or None, the declared type of the slot)."""
        syms, m = self.syms, self.syms.model
        match t:
            case GlobalVar(name=n):
                return syms.globals[n], None, m.global_var(n).type
            case LocalVar(name=n):
                decl = next(v for v in self.actor.locals if v.name == n)
                idx = self.self_text if self.multi else None
                return syms.locals[(self.actor.name, n)], idx, decl.type
            case Field(collection=c, name=n, index=index):
                decl = next(f for f in m.collection(c).fields if f.name == n)
                return syms.fields[(c, n)], expr(index, ctx).text, decl.type
            case _:
                assert_never(t)

    def _written(self, block: tuple[Stmt, ...]) -> set[str]:
        """Variables some statement of `block` (nested ones included) writes."""
        out: set[str] = set()
        for s in stmts(block):
            if isinstance(s, Assign):
                match s.target:
                    case GlobalVar(name=n):
                        out.add(self.syms.globals[n])
                    case LocalVar(name=n):
                        out.add(self.syms.locals[(self.actor.name, n)])
                    case Field(collection=c, name=n):
                        out.add(self.syms.fields[(c, n)])
                    case _:
                        assert_never(s.target)
        return out

    # ------------------------------------------------------------------ the action

    def action(self, step: Step) -> Formula:
        index = self.actor.labels.index(step.label)
        self.fallthrough = (
            self.actor.labels[index + 1] if index + 1 < len(self.actor.steps) else DONE
        )
        self.touched = self._written(step.body) | {self.pc}
        self.counts = {}
        pc_now = f"{self.pc}[{SELF}]" if self.multi else self.pc
        guard = Atom(f"{pc_now} = {tla_string(step.label)}")
        body = self._path(step.body, _Path(ctx=self.base_ctx))
        untouched = tuple(v for v in self.syms.variables if v not in self.touched)
        tail = [unchanged(untouched)] if untouched else []
        return conj([guard, body, *tail])

    def fault(self, step: Step) -> Formula | None:
        """The state predicate "`step` reaches a store outside the type of a variable
        that is not guarded" (NOTE(type rule)), or None when no path of it can."""
        if not any(self._faulty(s, self.base_ctx) for s in stmts(step.body)):
            return None
        index = self.actor.labels.index(step.label)
        self.fallthrough = (
            self.actor.labels[index + 1] if index + 1 < len(self.actor.steps) else DONE
        )
        self.touched = self._written(step.body) | {self.pc}
        self.counts = {}
        pc_now = f"{self.pc}[{SELF}]" if self.multi else self.pc
        guard = Atom(f"{pc_now} = {tla_string(step.label)}")
        self.faults = True
        try:
            body = _prune(self._path(step.body, _Path(ctx=self.base_ctx)))
        finally:
            self.faults = False
        if body == _FALSE:
            return None
        return conj([guard, body])

    def _faulty(self, s: Stmt, ctx: ExprCtx) -> bool:
        """Whether `s` is a store that may leave the type of a variable not guarded
        (a pick's bound names are not in `ctx`: their type is unknown, so it may)."""
        if not isinstance(s, Assign):
            return False
        t, guarded = self._decl(s.target)
        if guarded:
            return False
        try:
            vt = infer(s.value, ctx.tenv)
        except (KeyError, AssertionError):
            vt = None
        return needs_range_check(s.value, vt, t)

    def _decl(self, t: GlobalVar | LocalVar | Field) -> tuple[Type, bool]:
        """(declared type, guarded) of a store's target."""
        m = self.syms.model
        match t:
            case GlobalVar(name=n):
                g = m.global_var(n)
                return g.type, g.guarded
            case LocalVar(name=n):
                d = next(v for v in self.actor.locals if v.name == n)
                return d.type, d.guarded
            case Field(collection=c, name=n):
                f = next(f for f in m.collection(c).fields if f.name == n)
                return f.type, f.guarded
            case _:
                assert_never(t)

    def _path(self, block: tuple[Stmt, ...], p: _Path) -> Formula:
        if not block:
            return self._end(self.fallthrough, p)
        s, rest = block[0], block[1:]
        ctx = p.ctx
        prime = not self.faults
        match s:
            case Assign(target=target, value=value) if self.faults and self._faulty(s, ctx):
                # NOTE(type rule): out of the type here, or in it and a fault later.
                t = self._target(target, ctx)[2]
                v = expr(value, ctx)
                outside = Atom(f"{v.at(REL + 1)} \\notin {self.syms.type_set(t)}")
                start = replace(p, conj=())
                inside = self._then(
                    rest, start, self._assign(target, value, rest, start, may_prime=False)
                )
                return conj([*p.conj, disj([outside, inside])])
            case Assign(target=target, value=value):
                return self._then(rest, p, self._assign(target, value, rest, p, may_prime=prime))
            case If(cond=BoolLit(value=bv), then=then, orelse=orelse):
                return self._path((*(then if bv else orelse), *rest), p)
            case If(cond=c, then=then, orelse=orelse):
                merge = self._straight(then) and self._straight(orelse)
                if self.faults and merge:
                    merge = not any(self._faulty(x, ctx) for x in stmts((*then, *orelse)))
                if not _ends(rest) and merge:
                    return self._then(rest, p, self._merge(s, rest, p, may_prime=prime))
                cond = expr(c, ctx).text
                start = replace(p, conj=())
                branch = Cond(
                    cond,
                    self._path((*then, *rest), start),
                    self._path((*orelse, *rest), start),
                )
                return conj([*p.conj, branch])
            case Either(branches=branches):
                start = replace(p, conj=())
                alts = [self._path((*b, *rest), start) for b in branches]
                return conj([*p.conj, disj(alts)])
            case Await(cond=c):
                return self._path(rest, replace(p, conj=(*p.conj, Atom(expr(c, ctx).text))))
            case Pick(var=v, domain=dom, cond=c, body=body):
                ident, inner = ctx.bind(v, dom)
                first: tuple[Formula, ...] = ()
                if not (isinstance(c, BoolLit) and c.value):
                    first = (Atom(expr(c, inner).text),)
                sub = self._path((*body, *rest), replace(p, ctx=inner, conj=first))
                return conj([*p.conj, Quantified("\\E", ident, self.syms.type_set(dom), sub)])
            case Goto(label=label):
                return self._end(label, p)
            case Done():
                return self._end(DONE, p)
            case _:
                assert_never(s)

    def _then(self, rest: tuple[Stmt, ...], before: _Path, after: _Path) -> Formula:
        """Continue with `rest` after a statement took the path from `before` to `after`,
        defining the LET names it introduced around everything that follows."""
        cont = self._path(rest, replace(after, conj=after.conj[len(before.conj) :], lets=()))
        if after.lets:
            cont = Let(after.lets, cont)
        return conj([*before.conj, cont])

    # ------------------------------------------------------------------ straight-line code

    def _straight(self, block: tuple[Stmt, ...]) -> bool:
        """Whether `block` always falls through, deterministically: assignments, awaits
        and ifs of such blocks. Such an `if` is merged into IF-expressions instead of
        copying the rest of the step into both branches (which grows exponentially)."""
        for s in block:
            match s:
                case Assign() | Await():
                    pass
                case If(then=then, orelse=orelse):
                    if not (self._straight(then) and self._straight(orelse)):
                        return False
                case _:
                    return False
        return True

    def _exec(self, block: tuple[Stmt, ...], p: _Path) -> _Path:
        """Run straight-line `block` symbolically, keeping every write pending."""
        for s in block:
            match s:
                case Assign(target=target, value=value):
                    p = self._assign(target, value, (), p, may_prime=False)
                case Await(cond=c):
                    p = replace(p, conj=(*p.conj, Atom(expr(c, p.ctx).text)))
                case If(cond=BoolLit(value=bv), then=then, orelse=orelse):
                    p = self._exec(then if bv else orelse, p)
                case If():
                    p = self._merge(s, (), p, may_prime=False)
                case _:
                    raise AssertionError(f"not straight-line code: {s}")
        return p

    def _merge(self, s: If, rest: tuple[Stmt, ...], p: _Path, *, may_prime: bool) -> _Path:
        """`if (c) T else E` over straight-line T and E: each variable either writes gets
        `IF c THEN <after T> ELSE <after E>` (`@` keeps an element's value), named by a
        LET definition when later statements read it, so that values stay small."""
        cond = expr(s.cond, p.ctx)
        start = replace(p, conj=())
        pt, pe = self._exec(s.then, start), self._exec(s.orelse, start)
        # Both branches may have named values (nested ifs): keep every definition.
        lets = (*pt.lets, *(d for d in pe.lets if d not in pt.lets))
        scope = pe.ctx.scope if len(pe.ctx.scope.taken) > len(pt.ctx.scope.taken) else pt.ctx.scope
        scope = scope.__class__(
            scope.module_names, scope.bindings, pt.ctx.scope.taken | pe.ctx.scope.taken
        )
        out = replace(p, ctx=replace(p.ctx, scope=scope), lets=lets)
        changed = [
            v
            for v in self.syms.variables
            if pt.ctx.current.get(v) != p.ctx.current.get(v)
            or pe.ctx.current.get(v) != p.ctx.current.get(v)
        ]
        c = cond.at(IMPLIES + 1)
        if len(changed) + len(pt.conj) + len(pe.conj) > 1 and not _simple(cond.text):
            c, out = self._name(out, "cond", cond.text)
        out = replace(out, conj=(*out.conj, *(_implies(c, f) for f in pt.conj)))
        out = replace(out, conj=(*out.conj, *(_implies(f"~{_atom(c)}", f) for f in pe.conj)))
        for var in changed:
            base = p.bases.get(var, var)
            same_base = pt.bases.get(var, var) == base == pe.bases.get(var, var)
            if (var in pt.updates or var in pe.updates) and same_base:
                old = p.updates.get(var, ())
                ups = (
                    *old,
                    *(
                        (i, f"IF {c} THEN {a} ELSE @")
                        for i, a in pt.updates.get(var, old)[len(old) :]
                    ),
                    *(
                        (i, f"IF {c} THEN @ ELSE {b}")
                        for i, b in pe.updates.get(var, old)[len(old) :]
                    ),
                )
                out = self._settle(out, var, _except(base, ups), (base, ups), rest, may_prime)
                continue
            a, b = pt.ctx.read(var).text, pe.ctx.read(var).text
            merged = Tx(f"IF {c} THEN {a} ELSE {b}", 0)
            out = self._settle(out, var, merged, None, rest, may_prime)
        return out

    def _name(self, p: _Path, want: str, text: str) -> tuple[str, _Path]:
        """Bind `text` to a fresh LET name (`want_k`) for the rest of the path."""
        self.counts[want] = self.counts.get(want, 0) + 1
        ident, scope = p.ctx.scope.bind(f"#let {want}", f"{want}_{self.counts[want]}")
        return ident, replace(p, ctx=replace(p.ctx, scope=scope), lets=(*p.lets, (ident, text)))

    # ------------------------------------------------------------------ stores

    def _assign(
        self,
        target: GlobalVar | LocalVar | Field,
        value: Expr,
        rest: tuple[Stmt, ...],
        p: _Path,
        *,
        may_prime: bool,
    ) -> _Path:
        ctx = p.ctx
        every = isinstance(target, Field) and isinstance(target.index, ElemLit)
        if every and isinstance(target, Field) and isinstance(target.index, ElemLit):
            every = target.index.every
            if every and target.index.index > 0:
                return p  # NOTE(every element): the store to element 0 wrote them all
        var, idx, t = self._target(target, ctx)
        v = expr(value, ctx)
        if needs_range_check(value, infer(value, ctx.tenv), t):
            check = Atom(f"{v.at(REL + 1)} \\in {self.syms.type_set(t)}")
            p = replace(p, conj=(*p.conj, check))
        if every and isinstance(target, Field):
            ident, _ = ctx.bind("x", IndexType(target.collection))
            whole = Tx(f"[{ident} \\in {self.syms.coll_sets[target.collection]} |-> {v.text}]")
            return self._settle(p, var, whole, None, rest, may_prime)
        if idx is None:
            return self._settle(p, var, v, None, rest, may_prime)
        base = p.bases.get(var, var)
        ups = (*p.updates.get(var, ()), (idx, v.at(IMPLIES + 1)))
        return self._settle(p, var, _except(base, ups), (base, ups), rest, may_prime)

    def _settle(
        self,
        p: _Path,
        var: str,
        new: Tx,
        fn: tuple[str, tuple[tuple[str, str], ...]] | None,
        rest: tuple[Stmt, ...],
        may_prime: bool,
    ) -> _Path:
        """`var` now holds `new` (for a function variable also given as base and
        updates): prime it now if nothing later writes it, else keep it pending; a
        pending IF-expression gets a LET name."""
        current, pending = dict(p.ctx.current), dict(p.pending)
        bases, updates = dict(p.bases), dict(p.updates)
        if may_prime and var not in self._written(rest):
            current[var] = Tx(f"{var}'")
            pending.pop(var, None)
            bases.pop(var, None)
            updates.pop(var, None)
            return replace(
                p,
                ctx=replace(p.ctx, current=current),
                conj=(*p.conj, Atom(f"{var}' = {new.rhs}")),
                primed=p.primed | {var},
                pending=pending,
                bases=bases,
                updates=updates,
            )
        is_fn = var in self.fn_vars
        if new.prec == 0 or (is_fn and (fn is None or "IF " in new.text)):
            # A function variable given as a whole (a merged IF) is named, so that later
            # stores update the name: `[f_2 EXCEPT ![i] = v]`.
            name, p = self._name(p, var, new.text)
            new, fn = Tx(name), ((name, ()) if is_fn else None)
        current[var] = new
        pending[var] = new
        if fn is not None:
            bases[var], updates[var] = fn
        return replace(
            p,
            ctx=replace(p.ctx, current=current),
            pending=pending,
            bases=bases,
            updates=updates,
        )

    def _end(self, label: str, p: _Path) -> Formula:
        if self.faults:
            return _FALSE  # NOTE(type rule): the path ended without a type violation
        out: list[Formula] = list(p.conj)
        for var, val in p.pending.items():
            out.append(Atom(f"{var}' = {val.rhs}"))
        target = tla_string(label)
        if self.multi:
            out.append(Atom(f"{self.pc}' = [{self.pc} EXCEPT ![{SELF}] = {target}]"))
        else:
            out.append(Atom(f"{self.pc}' = {target}"))
        written = p.primed | p.pending.keys() | {self.pc}
        same = tuple(v for v in self.syms.variables if v in self.touched and v not in written)
        if same:
            out.append(unchanged(same))
        return conj(out)


_FALSE = Atom("FALSE")


def _prune(f: Formula) -> Formula:
    """`f` with FALSE propagated: a conjunction (quantifier, LET) with a FALSE part is
    FALSE, a disjunction drops its FALSE items (the paths `fault` ends without one)."""
    match f:
        case Atom():
            return f
        case Conj(items=items):
            parts = [_prune(x) for x in items]
            return _FALSE if _FALSE in parts else conj(parts)
        case Disj(items=items):
            return disj([x for x in (_prune(y) for y in items) if x != _FALSE])
        case Cond(cond=c, then=a, orelse=b):
            pa, pb = _prune(a), _prune(b)
            if pa == _FALSE and pb == _FALSE:
                return _FALSE
            return Cond(c, pa, pb)
        case Quantified(body=body):
            pb = _prune(body)
            return _FALSE if pb == _FALSE else replace(f, body=pb)
        case Let(body=body):
            pb = _prune(body)
            return _FALSE if pb == _FALSE else replace(f, body=pb)
        case _:
            assert_never(f)


def _except(base: str, ups: tuple[tuple[str, str], ...]) -> Tx:
    if not ups:
        return Tx(base)
    return Tx(f"[{base} EXCEPT " + ", ".join(f"![{i}] = {x}" for i, x in ups) + "]")


def _simple(text: str) -> bool:
    """An identifier, possibly primed or negated: not worth a LET name."""
    return text.lstrip("~").rstrip("'").replace("_", "a").isalnum()


def _atom(text: str) -> str:
    return text if _simple(text) else f"({text})"


def _implies(cond: str, f: Formula) -> Formula:
    """`cond => f` for a conjunct of a merged branch (an await or a range check)."""
    assert isinstance(f, Atom)
    return Atom(f"{cond} => ({f.text})")


def _ends(rest: tuple[Stmt, ...]) -> bool:
    """Whether `rest` only ends the step (copying it into two branches costs nothing)."""
    return len(rest) <= 1 and all(isinstance(s, Goto | Done) for s in rest)
