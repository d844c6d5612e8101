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
  - `if` becomes IF/THEN/ELSE with the rest of the step copied into both branches,
    `either` a disjunction, `pick` an `\\E`, `await` a conjunct;
  - `goto`/`done` (or falling off the end, which continues at the next step) set the pc
    and list the variables this path leaves unchanged; variables no path of the step
    writes are left unchanged once, at the top.
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
from mbind_formal.tla.formula import Atom, Cond, Formula, Quantified, conj, disj, wrap_names
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
    updates: Mapping[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)


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
        pc_now = f"{self.pc}[{SELF}]" if self.multi else self.pc
        guard = Atom(f"{pc_now} = {tla_string(step.label)}")
        body = self._path(step.body, _Path(ctx=self.base_ctx))
        untouched = tuple(v for v in self.syms.variables if v not in self.touched)
        tail = [unchanged(untouched)] if untouched else []
        return conj([guard, body, *tail])

    def _path(self, block: tuple[Stmt, ...], p: _Path) -> Formula:
        if not block:
            return self._end(self.fallthrough, p)
        s, rest = block[0], block[1:]
        ctx = p.ctx
        match s:
            case Assign(target=target, value=value):
                return self._path(rest, self._assign(target, value, rest, p))
            case If(cond=c, then=then, orelse=orelse):
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

    def _assign(
        self, target: GlobalVar | LocalVar | Field, value: Expr, rest: tuple[Stmt, ...], p: _Path
    ) -> _Path:
        ctx = p.ctx
        var, idx, t = self._target(target, ctx)
        v = expr(value, ctx)
        checks: list[Formula] = []
        if needs_range_check(value, infer(value, ctx.tenv), t):
            checks.append(Atom(f"{v.at(REL + 1)} \\in {self.syms.type_set(t)}"))
        updates = dict(p.updates)
        if idx is None:
            new = v
        else:
            ups = (*updates.get(var, ()), (idx, v.at(IMPLIES + 1)))
            updates[var] = ups
            new = Tx(f"[{var} EXCEPT " + ", ".join(f"![{i}] = {x}" for i, x in ups) + "]")
        current = dict(ctx.current)
        pending = dict(p.pending)
        if var in self._written(rest):
            current[var] = new
            pending[var] = new
            return replace(
                p,
                ctx=replace(ctx, current=current),
                conj=(*p.conj, *checks),
                pending=pending,
                updates=updates,
            )
        current[var] = Tx(f"{var}'")
        pending.pop(var, None)
        updates.pop(var, None)
        return replace(
            p,
            ctx=replace(ctx, current=current),
            conj=(*p.conj, *checks, Atom(f"{var}' = {new.text}")),
            primed=p.primed | {var},
            pending=pending,
            updates=updates,
        )

    def _end(self, label: str, p: _Path) -> Formula:
        out: list[Formula] = list(p.conj)
        for var, val in p.pending.items():
            out.append(Atom(f"{var}' = {val.text}"))
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
