"""Compiled steps: the step relation of one model as generated, straight-line Python.

Stage: executable semantics (an accelerator of `semantics.relation`). Input: the
`ExprCompiler` of a `Semantics` (model, layout, costs) and its closure step table.
Output: one function `successors(state) -> Out` whose source is generated per model
and `compile()`d once (the `Semantics` holding it is the per-model cache): a dispatch
on each instance's pc, then each step's guards, stores and forks inlined as Python
expressions and statements over the state tuple (guards) and one list per path
(stores), bound names as Python locals, small quantifiers unrolled over their values
(so `Page[p].x` under `forall p` becomes a fixed slot), definitions inlined. The
result is the same list, in the same order, with the same choices and the same values
as the closures produce: `semantics.relation` keeps the closures as the reference
(`Semantics(model, compiled=False)`, the CLI's `--no-compile`) and tests hold the two
equal on the bundled model and on random models.

NOTE(compiled fallback): what the closures do with a `Watch` tick (NOTE(watch): costly
definitions, quantifiers and picks over many values, steps of wide fan-out) and any
step whose generated source Python refuses (nesting limits) stays a call of its
closure, so limits inside one state behave exactly as without compilation.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
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
    IntLit,
    Ite,
    LocalVar,
    NoneLit,
    Pick,
    Quant,
    Quantifier,
    RangeType,
    SelfRef,
    SetLit,
    SetType,
    Type,
    Unary,
    UnOp,
)
from mbind_formal.ir.types import infer
from mbind_formal.semantics.closures import (
    Ctx,
    ExprCompiler,
    Fault,
    Out,
    Scratch,
    SemanticsError,
    literal,
)
from mbind_formal.semantics.layout import State, Value, lazy_domain
from mbind_formal.semantics.watch import WATCH_COST

_CHEAP = re.compile(r"[A-Za-z_]\w*|[A-Za-z_]\w*\[\d+\]|\(-?\d+\)")

StepFn = Callable[[State, Scratch, Out], None]
SuccFn = Callable[[State], Out]
ValueFn = Callable[[Sequence[Value]], Value]

_UNROLL_VALUES = 8  # quantifiers over at most this many values are unrolled ...
_UNROLL_COST = 400  # ... when their expanded body stays this small (node evaluations)
_MAX_INDENT = 40  # deeper than this, a path's rest becomes a function of its own
_INLINE_REST = 6  # a rest of at most this many lines is repeated; longer ones are called
_MAX_STEP_SOURCE = 400_000  # characters of one step's code; beyond, the closure runs it


class Fallback(Exception):
    """This step (or expression) stays a closure (NOTE(compiled fallback))."""


@dataclass(frozen=True, slots=True)
class _Name:
    """What a bound name is in generated code: its Python text, and its value when the
    value is known at generation time (an unrolled quantifier)."""

    text: str
    const: int | None = None


@dataclass(frozen=True, slots=True)
class _Env:
    """Where an expression or statement is generated."""

    ctx: Ctx  # actor, instance, self, bound names' types (positions unused)
    names: tuple[tuple[str, _Name], ...] = ()  # bound name -> its text (innermost last)
    sv: str = "s"  # the Python name of the state read (the tuple, or the path's list)

    def bind(self, name: str, t: Type, value: _Name) -> _Env:
        inner, _ = self.ctx.bind(name, t)
        return replace(self, ctx=inner, names=(*self.names, (name, value)))

    def lookup(self, name: str) -> _Name | None:
        for n, v in reversed(self.names):
            if n == name:
                return v
        return None


@dataclass(frozen=True, slots=True)
class _Path:
    """One path being generated: its list, its choices so far, its bound locals."""

    env: _Env
    choices: tuple[str, ...] = ()  # Python texts of the choice pairs made so far
    splat: str = ""  # a name holding earlier choices (inside a rest function)
    indent: int = 0
    # Whether `env.sv` is this path's own list. Paths share what they read (the state
    # tuple, the list of the path they forked from) and copy it at their first store,
    # so a path disabled before it stores anything copies nothing.
    owned: bool = False

    def ch(self) -> str:
        if self.splat and not self.choices:
            return self.splat
        parts = ([f"*{self.splat}"] if self.splat else []) + list(self.choices)
        if not parts:
            return "()"
        return "(" + ", ".join(parts) + ",)"

    def locals(self) -> list[str]:
        return [v.text for _, v in self.env.names if v.const is None]


Rest = Callable[["_Writer", _Path], None]


@dataclass
class _Writer:
    lines: list[str] = field(default_factory=list)

    def line(self, indent: int, text: str) -> None:
        self.lines.append("    " * indent + text)


class _Gen:
    """Generates the code of one model (see the module docstring)."""

    def __init__(self, c: ExprCompiler) -> None:
        self.c = c
        self.model = c.model
        self.counter = 0
        self.helpers: list[str] = []  # module-level functions (rests of paths)
        self.sid = 0  # the step being generated: its id and its instance's pc slot
        self.pc = 0

    def fresh(self, stem: str) -> str:
        self.counter += 1
        return f"_{stem}{self.counter}"

    # ------------------------------------------------------------------ expressions

    def expr(self, e: Expr, env: _Env) -> str:
        c, sv = self.c, env.sv
        match e:
            case BoolLit(value=bv):
                return repr(bool(bv))
            case IntLit(value=iv):
                return f"({iv!r})"
            case EnumLit(enum=en, value=name):
                return repr(en.values.index(name))
            case SetLit(enum=en, items=items):
                if all(isinstance(x, EnumLit) for x in items):
                    mask = 0
                    for x in items:
                        assert isinstance(x, EnumLit)
                        mask |= 1 << en.values.index(x.value)
                    return repr(mask)
                bits = ", ".join(f"1 << {self.expr(x, env)}" for x in items)
                return f"sum({{{bits}}})"
            case ElemLit(index=ei):
                return repr(ei)
            case NoneLit():
                return "(-1)"
            case GlobalVar(name=gn):
                return f"{sv}[{c.slot(gn)}]"
            case LocalVar(name=ln):
                if env.ctx.actor is None:
                    raise Fallback(f"local '{ln}' read outside an actor")
                return f"{sv}[{c.slot(f'{c.inst_name(env.ctx.actor, env.ctx.instance)}.{ln}')}]"
            case SelfRef():
                if env.ctx.self_value is None:
                    raise Fallback("'self' outside an actor")
                return repr(env.ctx.self_value)
            case Bound(name=bn):
                v = env.lookup(bn)
                if v is None:
                    raise Fallback(f"unbound name '{bn}'")
                return v.text
            case Field():
                return f"{sv}[{self.field_slot(e, env)}]"
            case ActorLocal(actor=an, instance=inst, name=ln):
                slots = [c.slot(f"{c.inst_name(an, k)}.{ln}") for k in range(c.actor(an).instances)]
                return self._per_instance(slots, inst, env)
            case AtLabel(actor=an, instance=inst, label=lab):
                actor = c.actor(an)
                if lab == "done":
                    li = len(actor.steps)
                elif lab in actor.labels:
                    li = actor.labels.index(lab)
                else:
                    raise Fallback(f"unknown label '{an}@{lab}'")
                pcs = [c.layout.pc_slot(an, k) for k in range(actor.instances)]
                return f"({self._per_instance(pcs, inst, env)} == {li})"
            case Unary():
                return self._unary(e, env)
            case Binary():
                return self._binary(e, env)
            case Ite(cond=cc, then=t, orelse=o):
                return f"({self.expr(t, env)} if {self.expr(cc, env)} else {self.expr(o, env)})"
            case Quant():
                return self._quant(e, env)
            case Call(name=cn, args=args):
                return self._call(cn, args, env)
            case AllDone():
                return self.all_done(sv)
            case _:
                assert_never(e)

    def all_done(self, sv: str) -> str:
        parts = [
            f"{sv}[{self.c.layout.pc_slot(a.name, k)}] == {len(a.steps)}"
            for a in self.model.actors
            for k in range(a.instances)
        ]
        return "(" + " and ".join(parts) + ")" if parts else "True"

    def _per_instance(self, slots: list[int], inst: Expr, env: _Env) -> str:
        if len(slots) == 1:
            return f"{env.sv}[{slots[0]}]"
        table = "(" + ", ".join(map(str, slots)) + ",)"
        return f"{env.sv}[{table}[{self.expr(inst, env)}]]"

    def field_slot(self, e: Field, env: _Env) -> str:
        """The text of field `e`'s slot number (see `ExprCompiler.field_slot`)."""
        base, stride = self.c.field_base(e.collection, e.name)
        match e.index:
            case ElemLit(index=ei):
                return str(base + ei * stride)
            case SelfRef() if env.ctx.self_value is not None:
                return str(base + env.ctx.self_value * stride)
            case Bound(name=bn):
                for name, _, t in reversed(env.ctx.scope):
                    if name == bn:
                        if isinstance(t, IndexType) and not t.optional:
                            v = env.lookup(bn)
                            assert v is not None
                            if v.const is not None:
                                return str(base + v.const * stride)
                            return f"{base} + {v.text} * {stride}"
                        break
            case _:
                pass
        idx = self.expr(e.index, env)
        what = repr(f"{e.collection}.{e.name}")
        i = self.fresh("i")
        return f"({base} + {i} * {stride} if ({i} := {idx}) >= 0 else _none({what}))"

    def _unary(self, e: Unary, env: _Env) -> str:
        a = self.expr(e.arg, env)
        match e.op:
            case UnOp.NOT:
                return f"(not {a})"
            case UnOp.NEG:
                return f"(-{a})"
            case UnOp.NONEMPTY:
                return f"({a} != 0)"
            case UnOp.NEXT:
                t = infer(e.arg, env.ctx.type_env(self.model))
                if not isinstance(t, IndexType):
                    raise Fallback("'next' of a non-element")
                last = self.c.sizes[t.collection] - 1
                n = self.fresh("n")
                return f"({n} + 1 if 0 <= ({n} := {a}) < {last} else -1)"  # NOTE(next)
            case UnOp.COMPL:
                t = infer(e.arg, env.ctx.type_env(self.model))
                if not isinstance(t, SetType):
                    raise Fallback("'~' of a non-set")
                return f"({(1 << len(t.enum.values)) - 1} ^ {a})"
            case UnOp.CARD:
                raise Fallback("card: the closures count the bits")
            case _:
                assert_never(e.op)

    def _binary(self, e: Binary, env: _Env) -> str:
        left, right = self.expr(e.left, env), self.expr(e.right, env)
        match e.op:
            case BinOp.AND:
                return f"({left} and {right})"
            case BinOp.OR:
                return f"({left} or {right})"
            case BinOp.IMPLIES:
                return f"((not {left}) or {right})"
            case BinOp.IN:
                item = literal(e.left)
                if item is not None:
                    return f"(({right}) & {1 << int(item[0])} != 0)"
                return f"((({right}) >> ({left})) & 1 == 1)"
            case BinOp.EQ:
                return f"({left} == {right})"
            case BinOp.NE:
                return f"({left} != {right})"
            case BinOp.LT:
                return f"({left} < {right})"
            case BinOp.LE:
                return f"({left} <= {right})"
            case BinOp.GT:
                return f"({left} > {right})"
            case BinOp.GE:
                return f"({left} >= {right})"
            case BinOp.ADD:
                return f"({left} + {right})"
            case BinOp.SUB:
                return f"({left} - {right})"
            case BinOp.UNION:
                return f"({left} | {right})"
            case BinOp.INTER:
                return f"({left} & {right})"
            case BinOp.MUL:
                return f"({left} * {right})"
            case BinOp.DIV:  # NOTE(division): floor division by a positive divisor
                return f"({left} // {right})"
            case BinOp.MOD:
                return f"({left} % {right})"
            case _:
                assert_never(e.op)

    def _quant(self, e: Quant, env: _Env) -> str:
        dom = lazy_domain(e.domain, self.c.sizes)
        per = self.c.cost(e.body)
        if len(dom) * per > WATCH_COST:  # NOTE(watch): the closure ticks here
            raise Fallback("a watched quantifier")
        forall = e.kind is Quantifier.FORALL
        if len(dom) <= _UNROLL_VALUES and len(dom) * per <= _UNROLL_COST:
            bodies = [
                self.expr(e.body, env.bind(e.var, e.domain, _Name(repr(v), int(v)))) for v in dom
            ]
            if not bodies:
                return repr(forall)
            joined = (" and " if forall else " or ").join(bodies)
            return f"(True if ({joined}) else False)"
        q = self.fresh("q")
        body = self.expr(e.body, env.bind(e.var, e.domain, _Name(q)))
        return f"{'all' if forall else 'any'}({body} for {q} in {_domain_text(dom)})"

    def _call(self, name: str, args: tuple[Expr, ...], env: _Env) -> str:
        try:
            d = self.model.definition(name)
        except KeyError:
            raise Fallback(f"unknown definition '{name}'") from None
        if len(d.params) != len(args) or self.c.def_cost(name) > WATCH_COST:
            raise Fallback(f"definition '{name}' stays a closure")
        # A definition sees only its parameters (as `ExprCompiler._call` compiles it).
        inner = _Env(ctx=Ctx(), sv=env.sv)
        binds: list[str] = []
        for p, a in zip(d.params, args, strict=True):
            lit = _constant(a, env)
            if lit is not None:
                value = _Name(repr(lit), lit)
            else:
                text = self.expr(a, env)
                if _CHEAP.fullmatch(text):  # a name or a slot read: read it again
                    value = _Name(text)
                else:
                    tmp = self.fresh("a")
                    binds.append(f"({tmp} := {text})")
                    value = _Name(tmp)
            inner = inner.bind(p.name, p.type, value)
        body = self.expr(d.body, inner)
        if not binds:
            return body
        return f"({', '.join(binds)}, {body})[-1]"

    # ------------------------------------------------------------------ statements

    def block(self, w: _Writer, block: Block, p: _Path, k: Rest) -> None:
        if not block:
            k(w, p)
            return
        head, rest = block[0], block[1:]

        def then(w2: _Writer, p2: _Path) -> None:
            self.block(w2, rest, p2, k)

        self.stmt(w, head, p, then if rest else k)

    def stmt(self, w: _Writer, st: object, p: _Path, k: Rest) -> None:
        env, ind = p.env, p.indent
        match st:
            case Assign(target=target, value=value):
                self._assign(w, target, value, p, k)
            case If(cond=cond, then=then, orelse=orelse):
                rest = self.shared(k, p, 2)
                w.line(ind, f"if {self.expr(cond, env)}:")
                self.block(w, then, replace(p, indent=ind + 1), rest)
                w.line(ind, "else:")
                self.block(w, orelse, replace(p, indent=ind + 1), rest)
            case Either(branches=branches):
                rest = self.shared(k, p, len(branches))
                for i, br in enumerate(branches):  # each copies what it reads at its first store
                    branch = replace(p, choices=(*p.choices, f"('either', {i})"), owned=False)
                    self.block(w, br, branch, rest)
            case Await(cond=cond):
                w.line(ind, f"if {self.expr(cond, env)}:")
                self.go(w, k, replace(p, indent=ind + 1))
            case Pick(var=pv, domain=pd, cond=cond, body=body):
                dom = lazy_domain(pd, self.c.sizes)
                if len(dom) * self.c.cost(cond) > WATCH_COST:  # NOTE(watch)
                    raise Fallback("a watched pick")
                found, q = self.fresh("f"), self.fresh("q")
                inner = env.bind(pv, pd, _Name(q))
                w.line(ind, f"{found} = []")
                w.line(ind, f"for {q} in {_domain_text(dom)}:")
                w.line(ind + 1, f"if {self.expr(cond, inner)}:")
                w.line(ind + 2, f"{found}.append({q})")
                # The values are found on the state before any body runs; each body
                # copies it at its first store (the closure keeps the last on the
                # original: the same values).
                w.line(ind, f"for {q} in {found}:")
                path = _Path(inner, (*p.choices, f"({pv!r}, {q})"), p.splat, ind + 1)
                self.block(w, body, path, self.rebind(k, p))
            case Goto(label=lab):
                actor = self.c.actor(env.ctx.actor or "")
                if lab not in actor.labels:
                    raise Fallback(f"goto unknown label '{lab}'")
                self.end(w, p, actor.labels.index(lab))
            case Done():
                self.end(w, p, len(self.c.actor(env.ctx.actor or "").steps))
            case _:
                raise Fallback(f"unknown statement {st!r}")

    def rebind(self, k: Rest, outer: _Path) -> Rest:
        """`k` seen from inside a pick: the outer names again, the path's own list."""

        def rest(w: _Writer, p: _Path) -> None:
            env = replace(outer.env, sv=p.env.sv)
            k(w, replace(p, env=env))

        return rest

    def own(self, w: _Writer, p: _Path) -> _Path:
        """`p` with a list of its own (copied here, at its first store)."""
        if p.owned:
            return p
        t = self.fresh("t")
        w.line(p.indent, f"{t} = list({p.env.sv})")
        return replace(p, env=replace(p.env, sv=t), owned=True)

    def end(self, w: _Writer, p: _Path, target: int) -> None:
        p = self.own(w, p)
        sv = p.env.sv
        w.line(p.indent, f"{sv}[{self.pc}] = {target}")
        w.line(p.indent, f"ap(({self.sid}, {p.ch()}, tuple({sv})))")

    def go(self, w: _Writer, k: Rest, p: _Path) -> None:
        """Write `k` here, or a call of it as a function when the path is deep."""
        if p.indent > _MAX_INDENT:
            k = self.shared(k, p, 2, force=True)
        k(w, p)

    def shared(self, k: Rest, p: _Path, times: int, *, force: bool = False) -> Rest:
        """`k` for a rest written `times` times: itself when short, else a call of a
        function holding it (generated once)."""
        if times < 2 and not force:
            return k
        trial, kept = _Writer(), len(self.helpers)
        k(trial, replace(p, indent=0))
        del self.helpers[kept:]  # the trial's own helpers: made again if needed
        if len(trial.lines) <= _INLINE_REST and not force:
            return k
        name = self.fresh("k")
        params = ["t", "ap", "ch", *p.locals()]
        body = _Writer()
        body.line(0, f"def {name}({', '.join(params)}):")
        k(body, _Path(replace(p.env, sv="t"), (), "ch", 1))
        self.helpers.append("\n".join(body.lines))

        def call(w: _Writer, p2: _Path) -> None:
            args = [p2.env.sv, "ap", p2.ch(), *p.locals()]
            w.line(p2.indent, f"{name}({', '.join(args)})")

        return call

    def _assign(
        self, w: _Writer, target: GlobalVar | LocalVar | Field, value: Expr, p: _Path, k: Rest
    ) -> None:
        env, ind, c = p.env, p.indent, self.c
        var_type = infer(target, env.ctx.type_env(self.model))
        if var_type is None:
            raise Fallback("an untyped store")
        match target:
            case GlobalVar(name=gn):
                where = str(c.slot(gn))
                guarded = self.model.global_var(gn).guarded
            case LocalVar(name=ln):
                if env.ctx.actor is None:
                    raise Fallback("a local written outside an actor")
                where = str(c.slot(f"{c.inst_name(env.ctx.actor, env.ctx.instance)}.{ln}"))
                guarded = any(v.guarded for v in c.actor(env.ctx.actor).locals if v.name == ln)
            case Field(collection=coll, name=fn):
                where = self.field_slot(target, env)
                fields = self.model.collection(coll).fields
                guarded = any(f.guarded for f in fields if f.name == fn)
            case _:
                assert_never(target)
        bounds = _bounds(var_type, c.sizes)
        text = self.expr(value, env)  # reads what the path reads: the same values
        lit = literal(value)
        if bounds is None or (lit is not None and bounds[0] <= lit[0] <= bounds[1]):
            p = self.own(w, p)
            w.line(ind, f"{p.env.sv}[{where}] = {text}")  # the value first, as the closure
            self.go(w, k, p)
            return
        # Out of range: a guarded target's store disables the path (counted), any
        # other is logged as a type violation, as `relation._store_checked` does
        # (ir.model NOTE(type rule)): the same step id, choices, slot and value.
        ch0 = p.ch()
        if lit is not None:  # a constant out of range: refused here
            if guarded:
                w.line(ind, f"blocked[{self.sid}] += 1")
            else:
                w.line(ind, f"faults.append(({self.sid}, {ch0}, {where}, {lit[0]!r}))")
            return
        lo, hi = bounds
        v = self.fresh("v")
        w.line(ind, f"{v} = {text}")
        w.line(ind, f"if {lo} <= {v} <= {hi}:")
        p = self.own(w, replace(p, indent=ind + 1))
        w.line(ind + 1, f"{p.env.sv}[{where}] = {v}")
        self.go(w, k, p)
        w.line(ind, "else:")
        if guarded:
            w.line(ind + 1, f"blocked[{self.sid}] += 1")
        else:
            w.line(ind + 1, f"faults.append(({self.sid}, {ch0}, {where}, {v}))")

    # ------------------------------------------------------------------ a step

    def step(self, body: Block, ctx: Ctx, sid: int, pc: int, nxt: int, indent: int) -> list[str]:
        """The code of one step, at `indent`, reading state `s` and appending with `ap`."""
        self.sid, self.pc = sid, pc
        env = _Env(ctx=ctx)
        guards: list[str] = []
        rest = body
        while rest and isinstance(rest[0], Await):
            guards.append(self.expr(rest[0].cond, env))
            rest = rest[1:]
        w = _Writer()
        inner = indent
        if guards:
            w.line(indent, f"if {' and '.join(guards)}:")
            inner += 1
        path = _Path(env, indent=inner)  # reads the state tuple `s` until its first store
        self.block(w, rest, path, lambda w2, p2: self.end(w2, p2, nxt))
        return w.lines


def _domain_text(dom: Sequence[Value]) -> str:
    if isinstance(dom, range):
        return f"range({dom.start}, {dom.stop})"
    return repr(tuple(dom))


def _constant(e: Expr, env: _Env) -> int | None:
    """The value of an argument known at generation time (a literal or a bound name
    of an unrolled quantifier), or None."""
    lit = literal(e)
    if lit is not None and not isinstance(lit[0], bool):
        return int(lit[0])
    if isinstance(e, Bound):
        v = env.lookup(e.name)
        if v is not None:
            return v.const
    return None


def _bounds(t: Type, sizes: dict[str, int]) -> tuple[int, int] | None:
    """As `relation._StepCompiler._bounds`: the range a store must check, or None."""
    match t:
        case RangeType(lo=lo, hi=hi):
            return lo, hi
        case IndexType(collection=coll, optional=False):
            return 0, sizes[coll] - 1
        case IndexType() | BoolType() | EnumType() | SetType():
            return None
        case _:
            assert_never(t)


# NOTE(generated code audit): spec text never becomes code. The generator writes slot
# numbers, integers, `repr`s of names and its own fresh names; before `compile()`, the
# source is parsed and every node checked against this small language (expressions,
# assignments, if/for, local function definitions), names against the generator's own,
# calls against its helpers and a few builtins, attributes against `append` and `copy`.
_AUDIT_NAMES = re.compile(
    r"(s|t|p|ap|out|ch|blocked|faults|successors|value|_none|_b"
    r"|_[a-z]+\d+|list|tuple|sum|all|any|range|True|False)"
)
_AUDIT_CALLS = frozenset({"list", "tuple", "sum", "all", "any", "range", "ap", "_none"})
_AUDIT_NODES = (
    ast.Module, ast.FunctionDef, ast.arguments, ast.arg, ast.Return, ast.Assign,
    ast.AugAssign, ast.If, ast.For, ast.Expr, ast.Call, ast.Name, ast.Load, ast.Store,
    ast.Constant, ast.Tuple, ast.List, ast.Set, ast.Subscript, ast.Starred, ast.BoolOp,
    ast.BinOp, ast.UnaryOp, ast.Compare, ast.IfExp, ast.NamedExpr, ast.GeneratorExp,
    ast.comprehension, ast.Attribute, ast.And, ast.Or, ast.Not, ast.USub, ast.Add,
    ast.Sub, ast.Mult, ast.FloorDiv, ast.Mod, ast.LShift, ast.RShift, ast.BitOr, ast.BitAnd,
    ast.BitXor,
    ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE,
)  # fmt: skip


def audit(source: str) -> None:
    """Raise AssertionError unless `source` is in the generator's language
    (NOTE(generated code audit))."""
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, _AUDIT_NODES):
            raise AssertionError(f"generated code holds a {type(node).__name__}")
        match node:
            case ast.Name(id=name) | ast.FunctionDef(name=name) | ast.arg(arg=name):
                if not _AUDIT_NAMES.fullmatch(name):
                    raise AssertionError(f"generated code names {name!r}")
            case ast.Attribute(attr=attr) if attr not in ("append", "copy"):
                raise AssertionError(f"generated code reads attribute {attr!r}")
            case ast.Constant(value=v) if not isinstance(v, int | str):
                raise AssertionError(f"generated code holds the constant {v!r}")
            case ast.Call(func=ast.Name(id=fn)) if not (
                fn in _AUDIT_CALLS or re.fullmatch(r"_(k|fb)\d+", fn)
            ):
                raise AssertionError(f"generated code calls {fn!r}")
            case ast.Call(func=ast.Attribute()) | ast.Call(func=ast.Name()):
                pass
            case ast.Call():
                raise AssertionError("generated code calls a computed function")
            case _:
                pass


def _none(what: str) -> Value:
    raise SemanticsError(f"field {what} accessed through none")


@dataclass(frozen=True, slots=True)
class InstanceSteps:
    """What `compile_successors` needs of one actor instance: its pc slot, its context,
    and per step (in pc order) its body, step id and closure (the fallback)."""

    pc: int
    ctx: Ctx
    bodies: tuple[Block, ...]
    sids: tuple[int, ...]
    closures: tuple[StepFn, ...]
    plain: tuple[bool, ...]  # False: the closure ticks (wide fan-out), keep it


@dataclass(frozen=True, slots=True)
class Compiled:
    """The generated successor function, its source, and the steps left as closures."""

    successors: SuccFn
    source: str
    fallbacks: tuple[int, ...]  # step ids run by their closure


def compile_successors(
    c: ExprCompiler,
    instances: Sequence[InstanceSteps],
    blocked: list[int],
    scratch: Scratch,
    faults: list[Fault],
) -> Compiled:
    """The successor function of a model (see the module docstring); type violations go
    to `faults` (NOTE(type rule)), refused guarded stores to `blocked`."""
    g = _Gen(c)
    lines = ["def successors(s):", "    out = []", "    ap = out.append"]
    namespace: dict[str, object] = {
        "blocked": blocked,
        "faults": faults,
        "_none": _none,
        "_b": scratch,
    }
    fallbacks: list[int] = []
    for inst in instances:
        lines.append(f"    p = s[{inst.pc}]")
        for j, (body, sid, closure, plain) in enumerate(
            zip(inst.bodies, inst.sids, inst.closures, inst.plain, strict=True)
        ):
            lines.append(f"    {'if' if j == 0 else 'elif'} p == {j}:")
            code = _step_code(g, body, inst, sid, j, plain)
            if code is None:
                fallbacks.append(sid)
                namespace[f"_fb{sid}"] = closure
                code = [f"        _fb{sid}(s, _b, out)"]
            lines.extend(code)
    lines.append("    return out")
    source = "\n\n".join([*g.helpers, "\n".join(lines)]) + "\n"
    audit(source)
    exec(compile(source, "<compiled steps>", "exec"), namespace)  # generated
    fn = namespace["successors"]
    assert callable(fn)
    return Compiled(fn, source, tuple(fallbacks))


def _step_code(
    g: _Gen, body: Block, inst: InstanceSteps, sid: int, j: int, plain: bool
) -> list[str] | None:
    """The lines of one step, or None when it stays a closure."""
    if not plain:
        return None
    helpers = len(g.helpers)
    try:
        code = g.step(body, inst.ctx, sid, inst.pc, j + 1, 2)
        text = "\n".join(code)
        if len(text) > _MAX_STEP_SOURCE:
            raise Fallback("too long")
        for h in g.helpers[helpers:]:
            compile(h, "<compiled step>", "exec")
        compile("def f(s):\n" + text, "<compiled step>", "exec")
    except (Fallback, SemanticsError, SyntaxError, RecursionError, MemoryError):
        del g.helpers[helpers:]
        return None
    return code


def compile_value(c: ExprCompiler, expr: Expr | None, *, truth: bool = False) -> ValueFn | None:
    """A claim-level expression (no actor context; None: every instance is done) as a
    generated function of the state (its truth as a bool when `truth`), or None when it
    stays a closure."""
    g = _Gen(c)
    try:
        text = g.all_done("s") if expr is None else g.expr(expr, _Env(ctx=Ctx()))
        if truth:
            text = f"True if {text} else False"
        source = f"def value(s):\n    return {text}\n"
        audit(source)
        namespace: dict[str, object] = {"_none": _none}
        exec(compile(source, "<compiled expression>", "exec"), namespace)
    except (Fallback, SemanticsError, SyntaxError, RecursionError, MemoryError):
        return None
    fn = namespace["value"]
    assert callable(fn)
    return fn
