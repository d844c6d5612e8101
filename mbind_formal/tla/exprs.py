"""IR expressions -> TLA+ expression text.

Input: an IR `Expr` and an `ExprCtx` (the module's `Symbols`, the bound names in scope,
the running actor, and, inside a step, the current value of every variable the step
has already written). Output: `Tx`, the text with its binding strength, so that the
printer adds parentheses only where TLA+ needs them (SANY rejects mixed `/\\` and `\\/`
without them).

Inside a step a definition that reads a variable the step has already written is
inlined (its parameters substituted), so that it sees the new value, as the sequential
step semantics require; otherwise it is called by name.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import assert_never

from mbind_formal.ir.model import (
    ActorLocal,
    AllDone,
    AtLabel,
    Binary,
    BinOp,
    BoolLit,
    Bound,
    Call,
    ElemLit,
    EnumLit,
    Expr,
    Field,
    GlobalVar,
    IntLit,
    Ite,
    LocalVar,
    Model,
    NoneLit,
    Quant,
    Quantifier,
    SelfRef,
    SetLit,
    SetType,
    Type,
    Unary,
    UnOp,
)
from mbind_formal.ir.types import TypeEnv, element_collection, infer
from mbind_formal.ir.walk import subexprs
from mbind_formal.tla.formula import Atom, Formula, Quantified, conj, disj
from mbind_formal.tla.names import Scope
from mbind_formal.tla.symbols import Symbols, int_text, is_multi, tla_string

# Binding strengths (higher binds tighter), after TLA+'s operator precedences.
LOW = 0  # IF/THEN/ELSE, quantifiers: parenthesised whenever nested
IMPLIES = 1
JUNCT = 3  # /\ and \/
NOT = 4
REL = 5  # =, #, <, \in, ...
NEG = 6  # a negative number or negation (kept out of + and - operands)
SETOP = 8
RANGE = 9
ADD = 10
SUB = 11
MOD = 7  # `%` (TLA+ 10-11, which overlaps + and -: parenthesised in their operands)
DIV = 12  # `\div` (TLA+ 13-13, but never mixed unparenthesised with `*`)
MUL = 13
ATOM = 100


@dataclass(frozen=True, slots=True)
class Tx:
    """TLA+ text and how tightly it binds."""

    text: str
    prec: int = ATOM
    op: str = ""  # the operator of a /\ or \/ chain (chains of one operator need no parens)

    @property
    def rhs(self) -> str:
        """The text as the right side of `x = ...` (an IF or a quantifier extends to the
        right anyway; `x = a >= b` would be a precedence conflict)."""
        return self.text if self.prec == LOW else self.at(REL + 1)

    def at(self, min_prec: int) -> str:
        """The text, parenthesised unless it binds at least as tightly as `min_prec`."""
        return self.text if self.prec >= min_prec else f"({self.text})"


_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True, slots=True)
class ExprCtx:
    """Where an expression is translated."""

    syms: Symbols
    scope: Scope
    tenv: TypeEnv
    self_text: str | None = None  # the TLA+ value of `self`
    current: Mapping[str, Tx] = field(default_factory=dict)  # var -> value mid-step
    def_reads: Mapping[str, frozenset[str]] = field(default_factory=dict)

    def read(self, var: str) -> Tx:
        return self.current.get(var, Tx(var))

    def bind(self, name: str, t: Type) -> tuple[str, ExprCtx]:
        """Bind `name` to a fresh identifier. Fresh also against the identifiers inside
        the texts this context substitutes (values written earlier in the step, inlined
        definition arguments): they may hold binders of their own, `\\E q \\in Page`,
        and SANY rejects a bound name redeclared inside its scope."""
        inside = (x.text for x in self.current.values())
        inlined = (text for _, text in self.scope.bindings)
        avoid = frozenset(m for t in (*inside, *inlined) for m in _IDENT.findall(t))
        ident, scope = self.scope.bind(name, avoid=avoid)
        return ident, replace(self, scope=scope, tenv=self.tenv.bind(name, t))


_BIN: Mapping[BinOp, tuple[str, int]] = {
    BinOp.AND: ("/\\", JUNCT),
    BinOp.OR: ("\\/", JUNCT),
    BinOp.IMPLIES: ("=>", IMPLIES),
    BinOp.EQ: ("=", REL),
    BinOp.NE: ("#", REL),
    BinOp.LT: ("<", REL),
    BinOp.LE: ("<=", REL),
    BinOp.GT: (">", REL),
    BinOp.GE: (">=", REL),
    BinOp.ADD: ("+", ADD),
    BinOp.SUB: ("-", SUB),
    BinOp.IN: ("\\in", REL),
    BinOp.UNION: ("\\cup", SETOP),
    BinOp.INTER: ("\\cap", SETOP),
    BinOp.MUL: ("*", MUL),
    BinOp.DIV: ("\\div", DIV),
    BinOp.MOD: ("%", MOD),
}


def apply(fn: Tx, arg: str) -> Tx:
    """`fn[arg]`."""
    return Tx(f"{fn.at(ATOM)}[{arg}]")


def def_reads(model: Model, syms: Symbols) -> dict[str, frozenset[str]]:
    """Per definition: the TLA+ variables it reads, through the definitions it calls."""
    direct: dict[str, set[str]] = {}
    calls: dict[str, set[str]] = {}
    for d in model.defs:
        vs: set[str] = set()
        cs: set[str] = set()
        for e in subexprs(d.body):
            match e:
                case GlobalVar(name=n):
                    vs.add(syms.globals[n])
                case Field(collection=c, name=n):
                    vs.add(syms.fields[(c, n)])
                case ActorLocal(actor=a, name=n):
                    vs.add(syms.locals[(a, n)])
                case AtLabel(actor=a):
                    vs.add(syms.pcs[a])
                case AllDone():
                    vs.update(syms.pcs.values())
                case Call(name=n):
                    cs.add(n)
                case _:
                    pass
        direct[d.name], calls[d.name] = vs, cs
    out: dict[str, frozenset[str]] = {}
    for name in direct:
        seen, todo, acc = {name}, [name], set[str]()
        while todo:
            n = todo.pop()
            acc |= direct.get(n, set())
            for c in calls.get(n, set()):
                if c not in seen:
                    seen.add(c)
                    todo.append(c)
        out[name] = frozenset(acc)
    return out


def expr(e: Expr, ctx: ExprCtx) -> Tx:
    """The TLA+ translation of `e` in `ctx`."""
    syms = ctx.syms
    match e:
        case BoolLit(param=str(p)) | IntLit(param=str(p)) | EnumLit(param=str(p)) if (
            p in syms.params
        ):
            return Tx(syms.params[p])  # NOTE(constants): a CONSTANT set in the .cfg
        case BoolLit(value=bv):
            return Tx("TRUE" if bv else "FALSE")
        case IntLit(value=iv):
            return Tx(int_text(iv), ATOM if iv >= 0 else NEG)
        case EnumLit(value=name):
            return Tx(tla_string(name))
        case SetLit(items=items):
            return Tx("{" + ", ".join(expr(x, ctx).at(JUNCT + 1) for x in items) + "}")
        case ElemLit(collection=c, index=i, every=True):
            return Tx(syms.element(c, i))  # NOTE(every element): a model value if symmetric
        case ElemLit(collection=c, index=i):
            if c in syms.symmetric:
                raise ValueError(f"element literal {c}[{i}] of a symmetric collection")
            return Tx(str(i))
        case NoneLit(collection=c):
            return Tx(syms.nones[c])
        case GlobalVar(name=n):
            return ctx.read(syms.globals[n])
        case LocalVar(name=n):
            actor = ctx.tenv.actor
            if actor is None:
                raise ValueError(f"local '{n}' outside an actor")
            var = ctx.read(syms.locals[(actor, n)])
            if not is_multi(syms.model.actor(actor)):
                return var
            assert ctx.self_text is not None
            return apply(var, ctx.self_text)
        case SelfRef():
            if ctx.self_text is None:
                raise ValueError("'self' outside an actor or a field init")
            return Tx(ctx.self_text)
        case Bound(name=n):
            return Tx(ctx.scope.lookup(n))  # an identifier, or an inlined argument in parens
        case Field(collection=c, name=n, index=index):
            return apply(ctx.read(syms.fields[(c, n)]), expr(index, ctx).text)
        case ActorLocal(actor=a, instance=inst, name=n):
            var = ctx.read(syms.locals[(a, n)])
            if not is_multi(syms.model.actor(a)):
                return var
            return apply(var, expr(inst, ctx).text)
        case AtLabel(actor=a, instance=inst, label=label):
            pc = ctx.read(syms.pcs[a])
            if is_multi(syms.model.actor(a)):
                pc = apply(pc, expr(inst, ctx).text)
            return Tx(f"{pc.text} = {tla_string(label)}", REL)
        case Unary():
            return _unary(e, ctx)
        case Binary(op=op, left=left, right=right):
            sym, prec = _BIN[op]
            lt, rt = expr(left, ctx), expr(right, ctx)
            if prec == JUNCT:  # associative: a chain of one operator needs no parentheses
                ls = lt.text if lt.op == sym else lt.at(prec + 1)
                rs = rt.text if rt.op == sym else rt.at(prec + 1)
                return Tx(f"{ls} {sym} {rs}", prec, sym)
            if prec in (ADD, SUB):  # left-associative
                ls, rs = lt.at(ADD if prec == ADD else SUB), rt.at(prec + 1)
            elif prec in (MUL, DIV, MOD):  # `*` chains to the left; the others stand alone
                ls, rs = lt.at(MUL if prec == MUL else MUL + 1), rt.at(MUL + 1)
            else:
                ls, rs = lt.at(prec + 1), rt.at(prec + 1)
            return Tx(f"{ls} {sym} {rs}", prec)
        case Ite(cond=c, then=t, orelse=o):
            return Tx(
                f"IF {expr(c, ctx).text} THEN {expr(t, ctx).text} ELSE {expr(o, ctx).text}", LOW
            )
        case Quant(kind=kind, var=v, domain=dom, body=body):
            ident, inner = ctx.bind(v, dom)
            q = "\\A" if kind is Quantifier.FORALL else "\\E"
            return Tx(f"{q} {ident} \\in {syms.type_set(dom)} : {expr(body, inner).text}", LOW)
        case Call(name=n, args=args):
            return _call(n, args, ctx)
        case AllDone():
            return Tx(syms.fixed["AllDone"])
        case _:
            assert_never(e)


def _unary(e: Unary, ctx: ExprCtx) -> Tx:
    arg = expr(e.arg, ctx)
    match e.op:
        case UnOp.NOT:
            return Tx(f"~{arg.at(ATOM)}", NOT)
        case UnOp.NEG:
            return Tx(f"-{arg.at(ATOM)}", NEG)
        case UnOp.NONEMPTY:
            return Tx(f"{arg.at(REL + 1)} # {{}}", REL)
        case UnOp.CARD:
            return Tx(f"Cardinality({arg.text})")
        case UnOp.NEXT:
            coll = element_collection(e.arg, ctx.tenv)
            if coll is None or coll in ctx.syms.symmetric:
                raise ValueError("'next' needs an element of an ordered collection")
            return Tx(f"{ctx.syms.successor_ops[coll]}({arg.text})")
        case UnOp.COMPL:
            t = infer(e.arg, ctx.tenv)
            if not isinstance(t, SetType):
                raise ValueError("'~' of a non-set")
            return Tx(f"{ctx.syms.enum_sets[t.enum.name]} \\ {arg.at(SETOP + 1)}", SETOP)
        case _:
            assert_never(e.op)


def _call(name: str, args: tuple[Expr, ...], ctx: ExprCtx) -> Tx:
    syms = ctx.syms
    d = syms.model.definition(name)
    texts = [expr(a, ctx) for a in args]
    if not (ctx.def_reads.get(name, frozenset()) & ctx.current.keys()):
        op = syms.defs[name]
        if not args:
            return Tx(op)
        return Tx(f"{op}({', '.join(t.text for t in texts)})")
    # Inline: the definition must see what this step has written so far.
    scope = ctx.scope
    tenv = TypeEnv(model=syms.model)
    for p, t in zip(d.params, texts, strict=True):
        scope = scope.alias(p.name, t.at(ATOM))
        tenv = tenv.bind(p.name, p.type)
    body = expr(d.body, replace(ctx, scope=scope, tenv=tenv, self_text=None))
    return Tx(f"({body.text})")


def as_formula(e: Expr, ctx: ExprCtx) -> Formula:
    """`e` with its top-level junctions and quantifiers laid out as bulleted lists."""
    match e:
        case Binary(op=BinOp.AND | BinOp.OR as bop):
            chain: list[Expr] = []
            todo: list[Expr] = [e]
            while todo:
                x = todo.pop()
                if isinstance(x, Binary) and x.op is bop:
                    todo.extend((x.right, x.left))
                else:
                    chain.append(x)
            parts = [as_formula(x, ctx) for x in chain]
            return conj(parts) if bop is BinOp.AND else disj(parts)
        case Quant(kind=kind, var=v, domain=dom, body=body):
            ident, inner = ctx.bind(v, dom)
            q = "\\A" if kind is Quantifier.FORALL else "\\E"
            return Quantified(q, ident, ctx.syms.type_set(dom), as_formula(body, inner))
        case _:
            return Atom(expr(e, ctx).text)
