"""Print an IR expression in the spec language, so that the spec's parser reads it back.

Stage: engines (parametric). Input: a closed IR expression over a `Family`'s base model
and its `Shape`. Output: text: integers that scale with N are spelled with the size
parameter (`cpus`, `pages - 1`), every binary operation is parenthesised, `all_done`
becomes the conjunction of each actor's `@done`.
"""

from __future__ import annotations

from typing import assert_never

from mbind_formal.engines.param.family import Affine, Shape
from mbind_formal.ir.model import (
    ActorLocal,
    AllDone,
    AtLabel,
    Binary,
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
    IntLit,
    Ite,
    LocalVar,
    Model,
    NoneLit,
    Quant,
    RangeType,
    SelfRef,
    SetLit,
    SetType,
    Type,
    Unary,
    UnOp,
)


class Printer:
    def __init__(self, model: Model, shape: Shape, param: str) -> None:
        self.model = model
        self.shape = shape
        self.param = param

    def num(self, a: Affine) -> str:
        if a.b == 0:
            return str(a.a)
        n = " + ".join([self.param] * a.b) if a.b > 0 else f"0 - {self.param}"
        if a.a == 0:
            return n if a.b > 0 else f"(0 - {self.param})"
        return f"({n} {'+' if a.a > 0 else '-'} {abs(a.a)})"

    def type(self, t: Type) -> str:
        match t:
            case BoolType():
                return "bool"
            case EnumType(name=n):
                return n
            case RangeType():
                lo = self.num(self.shape.num(t, "lo"))
                hi = self.num(self.shape.num(t, "hi"))
                return f"{lo}..{hi}"
            case SetType(enum=e):
                return f"set<{e.name}>"
            case IndexType(collection=c, optional=o):
                return f"{c}?" if o else c
            case _:
                assert_never(t)

    def instance(self, actor: str, inst: Expr) -> str:
        a = self.model.actor(actor)
        if a.instances == 1 and a.self_collection is None:
            return actor
        return f"{actor}[{self.expr(inst)}]"

    def expr(self, e: Expr) -> str:
        match e:
            case BoolLit(value=v):
                return "true" if v else "false"
            case IntLit():
                return self.num(self.shape.num(e, "value"))
            case EnumLit(value=v):
                return v
            case SetLit(items=items):
                return "{" + ", ".join(self.expr(x) for x in items) + "}"
            case ElemLit(collection=c):
                return f"{c}[{self.num(self.shape.num(e, 'index'))}]"
            case NoneLit():
                return "none"
            case GlobalVar(name=n) | Bound(name=n):
                return n
            case LocalVar(name=n):
                return n
            case SelfRef():
                return "self"
            case Field(name=n, index=ie):
                return f"{self._postfix(ie)}.{n}"
            case ActorLocal(actor=a, instance=ie, name=n):
                return f"{self.instance(a, ie)}.{n}"
            case AtLabel(actor=a, instance=ie, label=label):
                return f"{self.instance(a, ie)}@{label}"
            case Unary(op=op, arg=arg):
                if op is UnOp.NEXT:
                    raise ValueError("`next` has no spelling in the spec language")
                inner = self.expr(arg)
                if op is UnOp.NONEMPTY:
                    return f"({inner} != {{}})"
                return f"{op.value}({inner})"
            case Binary(op=op, left=left, right=right):
                return f"({self.expr(left)} {op.value} {self.expr(right)})"
            case Ite(cond=c, then=t, orelse=o):
                return f"({self.expr(c)} ? {self.expr(t)} : {self.expr(o)})"
            case Quant(kind=k, var=v, domain=d, body=body):
                return f"({k.value} {v} in {self.type(d)}: {self.expr(body)})"
            case Call(name=n, args=args):
                return f"{n}({', '.join(self.expr(x) for x in args)})"
            case AllDone():
                parts = []
                for act in self.model.actors:
                    if act.self_collection is None and act.instances == 1:
                        parts.append(f"{act.name}@done")
                    elif act.self_collection is not None:
                        c = act.self_collection
                        parts.append(f"(forall x_ in {c}: {act.name}[x_]@done)")
                    else:
                        parts.extend(f"{act.name}[{i}]@done" for i in range(act.instances))
                return "(" + " && ".join(parts) + ")"
            case _:
                assert_never(e)

    def _postfix(self, e: Expr) -> str:
        s = self.expr(e)
        return s if isinstance(e, Bound | SelfRef | GlobalVar | LocalVar) else f"({s})"
