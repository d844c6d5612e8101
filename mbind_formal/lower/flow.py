"""Lowering, control flow: an actor's statements (AST) -> labelled atomic IR steps.

Stage: part of `lower.spec`. Input: an actor body (with any variant's step overrides
already spliced in), the macros in force, a `Scope`. Output: `Step`s whose every path
ends in `Goto`/`Done` (NOTE(closing) in `ir.resolve`), or diagnostics.

A label starts a step; the step runs to the next label at the same level. Labels stand
at the top level of an actor body or of a loop body (MBF401), every loop is labelled and
a statement after a loop needs a label (MBF411). Falling off a step goes to the next
label, off the actor to `Done()`. `pick x in D where c; rest` is `Pick(x, D, c, rest)`.
Macros are inlined PlusCal style: parameters stand for the call's arguments (lowered at
the call site), other names resolve at the call site. A call whose full expansion
exceeds `MAX_EXPANSION` statements is refused at the call (MBF414): macros that call
one another twice per level double at each level, and a 30-line spec would otherwise
expand to millions of statements before any engine limit applies.

NOTE(loops): `L: for p in C { body }` makes `p` an actor local of type `C` starting at
`C[0]`. Step `L` runs the body's first segment with `p` as the current element; the end
of the body's last segment is the continuation
    if (p == C[last]) { p = C[0]; <after> } else { p = next(p); goto L; }
`break` is `p = C[0]; <after>`, `continue` the continuation, and a `goto` or `done`
leaving loops resets their variables to `C[0]` too, so states after a loop never differ
by a stale cursor. `<after>` is `goto <next label>`, or, when the loop ends an enclosing
loop's body, that loop's continuation inlined. `L: while (c) { body }` is step `L`:
`if (c) { first segment } else { <after> }`, and its body's end is `goto L`.
`ir.validate` recognises these cursor resets and end tests, so they are not reported as
element literals that break a symmetric collection's symmetry.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from mbind_formal.build.expr import to_set
from mbind_formal.diagnostics import Related, Span, did_you_mean
from mbind_formal.dsl import ast
from mbind_formal.ir.model import (
    Assign,
    Await,
    Binary,
    BinOp,
    Block,
    BoolLit,
    BoolType,
    Done,
    Either,
    ElemLit,
    Expr,
    Field,
    GlobalVar,
    Goto,
    If,
    IndexType,
    IntLit,
    LocalVar,
    Pick,
    SetType,
    Step,
    Stmt,
    Unary,
    UnOp,
)
from mbind_formal.ir.resolve import close_block
from mbind_formal.ir.walk import subexprs
from mbind_formal.lower.expr import (
    BoundName,
    ExprLowerer,
    LoopVar,
    MacroArg,
    MacroFrame,
    Scope,
    Sink,
)

LValue = GlobalVar | LocalVar | Field

# --------------------------------------------------------------------------- structure


@dataclass(slots=True)
class Segment:
    """The statements from one label to the next at one level (`label` None: the head)."""

    label: str | None
    span: Span | None
    stmts: list[ast.Stmt] = field(default_factory=list)


def segments(body: Sequence[ast.Stmt]) -> list[Segment]:
    """`body` cut at its labels; element 0 is the unlabelled head (maybe empty)."""
    segs = [Segment(None, None)]
    for s in body:
        cur: ast.Stmt = s
        while isinstance(cur, ast.LabeledStmt):
            segs.append(Segment(cur.label, cur.span))
            cur = cur.stmt
        segs[-1].stmts.append(cur)
    return segs


@dataclass(slots=True)
class ActorShape:
    """What lowering must know about an actor before lowering any step."""

    labels: dict[str, Span | None] = field(default_factory=dict)
    inside: dict[str, frozenset[str]] = field(default_factory=dict)  # loop label -> labels
    loop_vars: dict[str, tuple[ast.TypeExpr, Span | None]] = field(default_factory=dict)


def shape(actor: str, body: Sequence[ast.Stmt], sink: Sink) -> ActorShape:
    """Labels (MBF412 on duplicates), loop bodies' labels and loop variables."""
    out = ActorShape()

    def level(stmts: Sequence[ast.Stmt]) -> set[str]:
        found: set[str] = set()
        for seg in segments(stmts)[1:]:
            assert seg.label is not None
            if seg.label in out.labels or seg.label == "done":
                sink.error(
                    "MBF412",
                    f"label '{seg.label}' is declared twice in actor '{actor}'"
                    if seg.label != "done"
                    else "'done' is reserved (actor@done), not a label",
                    seg.span,
                    related=[Related(span=out.labels[seg.label], message="first declared here")]
                    if out.labels.get(seg.label)
                    else [],
                )
            out.labels.setdefault(seg.label, seg.span)
            found.add(seg.label)
            head = seg.stmts[0] if seg.stmts else None
            if isinstance(head, ast.ForStmt | ast.WhileStmt):
                inner = level(head.body) | {seg.label}
                out.inside[seg.label] = frozenset(inner)
                found |= inner
                if isinstance(head, ast.ForStmt):
                    out.loop_vars.setdefault(head.var, (head.domain, head.span))
        return found

    level(body)
    return out


def replace_step(body: Sequence[ast.Stmt], label: str, new: Sequence[ast.Stmt]) -> ast.Block | None:
    """`body` with the statements of step `label` (to the next label at its level)
    replaced by `new`; None if there is no such label."""
    items = list(body)
    for i, s in enumerate(items):
        if isinstance(s, ast.LabeledStmt):
            if s.label == label:
                inner = s.stmt
                keep: list[ast.Stmt] = []
                if isinstance(inner, ast.LabeledStmt):
                    keep = [inner]  # `label: other: ...`: the step was empty
                first = new[0] if new else ast.SkipStmt(span=s.span)
                j = i + 1
                while j < len(items) and not isinstance(items[j], ast.LabeledStmt):
                    j += 1
                head = ast.LabeledStmt(label=label, stmt=first, span=s.span)
                return (*items[:i], head, *new[1:], *keep, *items[j:])
            cur: ast.Stmt = s
            while isinstance(cur, ast.LabeledStmt):
                cur = cur.stmt
            if isinstance(cur, ast.ForStmt | ast.WhileStmt):
                inner_body = replace_step(cur.body, label, new)
                if inner_body is not None:
                    items[i] = _relabel(s, replace(cur, body=inner_body))
                    return tuple(items)
    return None


def _relabel(s: ast.Stmt, loop: ast.Stmt) -> ast.Stmt:
    if isinstance(s, ast.LabeledStmt):
        return replace(s, stmt=_relabel(s.stmt, loop))
    return loop


# --------------------------------------------------------------------------- lowering


@dataclass(frozen=True, slots=True)
class Loop:
    label: str
    span: Span | None
    cont: Block  # `continue`, and the end of the body
    brk: Block  # `break`
    reset: Stmt | None  # `p = C[0]` for a `for` loop
    inside: frozenset[str]


MAX_EXPANSION = 20_000  # statements one macro call may expand to


def _block_size(block: Sequence[ast.Stmt], macro_size: Callable[[str], int]) -> int:
    """Statements in `block` once every macro call in it is expanded."""
    total = 0
    for s in block:
        while isinstance(s, ast.LabeledStmt):
            s = s.stmt
        match s:
            case ast.IfStmt(then=then, orelse=orelse):
                total += 1 + _block_size(then, macro_size) + _block_size(orelse, macro_size)
            case ast.EitherStmt(branches=branches):
                total += 1 + sum(_block_size(b, macro_size) for b in branches)
            case ast.ForStmt(body=body) | ast.WhileStmt(body=body):
                total += 1 + _block_size(body, macro_size)
            case ast.MacroCallStmt(name=name):
                total += macro_size(name)
            case _:
                total += 1
    return total


class FlowLowerer:
    """Lowers one actor's body (for one variant) into steps."""

    def __init__(
        self,
        ex: ExprLowerer,
        actor: str,
        shape_: ActorShape,
        macros: Mapping[str, ast.MacroDecl],
    ) -> None:
        self.ex = ex
        self.sink = ex.sink
        self.actor = actor
        self.shape = shape_
        self.macros = macros
        self._sizes: dict[str, int] = {}

    def expanded_size(self, name: str) -> int:
        """Statements a call of macro `name` expands to (an unknown or recursive macro
        counts as one: its call is reported on its own)."""
        if name not in self._sizes:
            decl = self.macros.get(name)
            self._sizes[name] = 1  # while in progress: a recursive call counts once
            if decl is not None:
                self._sizes[name] = _block_size(decl.body, self.expanded_size)
        return self._sizes[name]

    def steps(self, body: Sequence[ast.Stmt], scope: Scope) -> list[Step]:
        segs = segments(body)
        if segs[0].stmts:
            first = segs[0].stmts[0]
            self.sink.error(
                "MBF411",
                f"the first statement of actor '{self.actor}' needs a label",
                first.span,
                "start the actor body with 'name: ...' (a label starts an atomic step)",
            )
        return self.level(segs, scope, (Done(),), ())

    def level(
        self, segs: list[Segment], scope: Scope, end: Block, loops: tuple[Loop, ...]
    ) -> list[Step]:
        out: list[Step] = []
        labelled = segs[1:]
        for i, seg in enumerate(labelled):
            assert seg.label is not None
            k: Block = (Goto(label=labelled[i + 1].label or ""),) if i + 1 < len(labelled) else end
            head = seg.stmts[0] if seg.stmts else None
            if isinstance(head, ast.ForStmt | ast.WhileStmt):
                if len(seg.stmts) > 1:
                    self.sink.error(
                        "MBF411",
                        "a statement after a loop needs a label",
                        seg.stmts[1].span,
                        "label it ('next: ...'): the loop's last iteration continues there",
                    )
                out += self.loop(seg.label, seg.span, head, scope, k, loops)
            else:
                body = self.block(seg.stmts, scope, loops)
                out.append(Step(label=seg.label, body=close_block(body, k), span=seg.span))
        return out

    def loop(
        self,
        label: str,
        span: Span | None,
        s: ast.ForStmt | ast.WhileStmt,
        scope: Scope,
        after: Block,
        loops: tuple[Loop, ...],
    ) -> list[Step]:
        inside = self.shape.inside.get(label, frozenset({label}))
        segs = segments(s.body)
        if isinstance(s, ast.WhileStmt):
            lp = Loop(label, s.span, (Goto(label=label, span=s.span),), after, None, inside)
            nested = (*loops, lp)
            first: Block = (Goto(label=segs[1].label or ""),) if len(segs) > 1 else lp.cont
            then = close_block(self.block(segs[0].stmts, scope, nested), first)
            test = If(cond=self.ex.cond(s.cond, scope), then=then, orelse=after, span=s.span)
            return [
                Step(label=label, body=(test,), span=span),
                *self.level(segs, scope, lp.cont, nested),
            ]
        dom = self.ex.type(s.domain, scope)
        if not isinstance(dom, IndexType) or dom.optional:
            if dom is not None:
                self.sink.error(
                    "MBF306",
                    "'for' walks the elements of a collection",
                    s.domain.span,
                    "for other finite types use 'pick' or a quantifier",
                )
            return []
        size = next(c.size for c in scope.model.collections if c.name == dom.collection)
        cursor = LocalVar(name=s.var, span=s.span)
        reset = Assign(
            target=cursor,
            value=ElemLit(collection=dom.collection, index=0, span=s.span),
            span=s.span,
        )
        last = ElemLit(collection=dom.collection, index=size - 1, span=s.span)
        advance = Assign(
            target=cursor, value=Unary(op=UnOp.NEXT, arg=cursor, span=s.span), span=s.span
        )
        cont: Block = (
            If(
                cond=Binary(op=BinOp.EQ, left=cursor, right=last, span=s.span),
                then=(reset, *after),
                orelse=(advance, Goto(label=label, span=s.span)),
                span=s.span,
            ),
        )
        lp = Loop(label, s.span, cont, (reset, *after), reset, inside)
        nested = (*loops, lp)
        inner = scope.bind(s.var, LoopVar(IndexType(dom.collection)))
        first = (Goto(label=segs[1].label or ""),) if len(segs) > 1 else cont
        head = close_block(self.block(segs[0].stmts, inner, nested), first)
        return [Step(label=label, body=head, span=span), *self.level(segs, inner, cont, nested)]

    # ------------------------------------------------------------------ statements

    def block(self, stmts: Sequence[ast.Stmt], scope: Scope, loops: tuple[Loop, ...]) -> list[Stmt]:
        """Statements in sequence, not closed (the caller appends the continuation)."""
        out: list[Stmt] = []
        for i, s in enumerate(stmts):
            ended = False
            match s:
                case ast.LabeledStmt(label=lab):
                    self.sink.error(
                        "MBF401",
                        f"label '{lab}' is inside a block; labels start steps at the top "
                        "level of an actor or loop body",
                        s.span,
                        "move the label out of the if/either, or split the step before it",
                        frames=scope.frames,
                    )
                case ast.AssignStmt(every=True):
                    out += self.assign_all(s, scope)
                case ast.AssignStmt() | ast.IncDecStmt():
                    a = self.assign(s, scope)
                    if a is not None:
                        out.append(a)
                case ast.IfStmt(cond=c, then=t, orelse=o):
                    out.append(
                        If(
                            cond=self.ex.cond(c, scope),
                            then=tuple(self.block(t, scope, loops)),
                            orelse=tuple(self.block(o, scope, loops)),
                            span=s.span,
                        )
                    )
                case ast.EitherStmt(branches=bs):
                    out.append(
                        Either(
                            branches=tuple(tuple(self.block(b, scope, loops)) for b in bs),
                            span=s.span,
                        )
                    )
                case ast.AwaitStmt(cond=c):
                    out.append(Await(cond=self.ex.cond(c, scope), span=s.span))
                case ast.PickStmt(var=v, domain=d, where=w):
                    dom = self.ex.type(d, scope)
                    if dom is None:
                        return out
                    ir_name = scope.fresh(v)
                    inner = scope.bind(v, BoundName(ir_name, dom))
                    cond = BoolLit(value=True) if w is None else self.ex.cond(w, inner)
                    body = tuple(self.block(stmts[i + 1 :], inner, loops))
                    out.append(Pick(var=ir_name, domain=dom, cond=cond, body=body, span=s.span))
                    return out
                case ast.ForStmt() | ast.WhileStmt():
                    self.sink.error(
                        "MBF411",
                        "a loop needs a label and must start a step at the top level of an "
                        "actor or loop body",
                        s.span,
                        "write 'name: for ...' / 'name: while ...' on its own step",
                        frames=scope.frames,
                    )
                case ast.BreakStmt() | ast.ContinueStmt():
                    word = "break" if isinstance(s, ast.BreakStmt) else "continue"
                    if not loops:
                        self.sink.error(
                            "MBF408", f"'{word}' outside a loop", s.span, frames=scope.frames
                        )
                    else:
                        out += loops[-1].brk if word == "break" else loops[-1].cont
                    ended = True
                case ast.GotoStmt(label=lab):
                    if lab not in self.shape.labels:
                        self.sink.error(
                            "MBF204",
                            f"goto unknown label '{lab}' in actor '{self.actor}'",
                            s.span,
                            did_you_mean(lab, self.shape.labels),
                            frames=scope.frames,
                        )
                    out += [lp.reset for lp in reversed(loops) if lp.reset and lab not in lp.inside]
                    out.append(Goto(label=lab, span=s.span))
                    ended = True
                case ast.DoneStmt():
                    out += [lp.reset for lp in reversed(loops) if lp.reset]
                    out.append(Done(span=s.span))
                    ended = True
                case ast.SkipStmt():
                    pass
                case ast.MacroCallStmt():
                    out += self.macro(s, scope, loops)
                case ast.CallStmt() | ast.ReturnStmt():
                    # `lower.procs` expands the calls of actor bodies; others remain
                    word = "call" if isinstance(s, ast.CallStmt) else "return"
                    self.sink.error(
                        "MBF415",
                        f"'{word}' stands in an actor's or a procedure's body, "
                        "not in a macro or a variant's step override",
                        s.span,
                        "call the procedure from the actor's own steps",
                        frames=scope.frames,
                    )
            if ended and i + 1 < len(stmts):
                self.sink.error(
                    "MBF402",
                    "unreachable statement: the step already ended",
                    stmts[i + 1].span,
                    related=[Related(span=s.span, message="the step ends here")],
                    frames=scope.frames,
                )
                return out
        return out

    def assign(self, s: ast.AssignStmt | ast.IncDecStmt, scope: Scope) -> Stmt | None:
        target = self.lvalue(s.target, scope)
        if target is None:
            return None
        tt = self.ex.type_of(target, scope)
        if isinstance(s, ast.IncDecStmt):
            op = BinOp.ADD if s.op is ast.IncDecOp.INC else BinOp.SUB
            return Assign(
                target=target,
                value=Binary(op=op, left=target, right=IntLit(value=1, span=s.span), span=s.span),
                span=s.span,
            )
        value: Expr
        match s.op:
            case ast.AssignOp.SET:
                value = self.ex.expr(s.value, scope, tt)
            case ast.AssignOp.SUB if isinstance(tt, SetType):  # `s -= t`: set difference
                r = self.ex.expr(s.value, scope, tt)
                compl = Unary(op=UnOp.COMPL, arg=to_set(r, self.ex.type_of(r, scope)), span=s.span)
                value = Binary(op=BinOp.INTER, left=target, right=compl, span=s.span)
            case ast.AssignOp.ADD | ast.AssignOp.SUB:
                op = BinOp.ADD if s.op is ast.AssignOp.ADD else BinOp.SUB
                value = Binary(op=op, left=target, right=self.ex.expr(s.value, scope), span=s.span)
            case ast.AssignOp.OR | ast.AssignOp.AND:
                is_or = s.op is ast.AssignOp.OR
                if isinstance(tt, BoolType):
                    op = BinOp.OR if is_or else BinOp.AND
                    right = self.ex.cond(s.value, scope)
                else:
                    op = BinOp.UNION if is_or else BinOp.INTER
                    r = self.ex.expr(s.value, scope)
                    right = to_set(r, self.ex.type_of(r, scope))
                value = Binary(op=op, left=target, right=right, span=s.span)
        return Assign(target=target, value=value, span=s.span)

    def assign_all(self, s: ast.AssignStmt, scope: Scope) -> list[Stmt]:
        """`C.f = all e;`: field `f` of every element of `C` (NOTE(every element))."""
        t = s.target
        m = scope.model
        coll = None
        base = t.base if isinstance(t, ast.MemberExpr) else None
        if isinstance(base, ast.NameRef) and scope.lookup(base.name) is None:
            coll = next((c for c in m.collections if c.name == base.name), None)
        if coll is None or not isinstance(t, ast.MemberExpr):
            self.sink.error(
                "MBF303",
                "'= all' sets a field of every element: its target is 'Collection.field'",
                t.span or s.span,
                "e.g. 'Slot.used = all false;'",
                frames=scope.frames,
            )
            return []
        decl = next((f for f in coll.fields if f.name == t.name), None)
        if decl is None:
            self.sink.error(
                "MBF203",
                f"{coll.name} has no field '{t.name}'",
                t.span or s.span,
                did_you_mean(t.name, [f.name for f in coll.fields]),
                frames=scope.frames,
            )
            return []
        value = self.ex.expr(s.value, scope, decl.type)
        reads = [x for x in subexprs(value) if isinstance(x, Field) and x.collection == coll.name]
        if any(x.name == t.name for x in reads):
            self.sink.error(
                "MBF303",
                f"the value stored in every {coll.name}.{t.name} reads {coll.name}.{t.name}",
                s.value.span or s.span,
                "every element gets one value: compute it into a variable first",
                frames=scope.frames,
            )
            return []
        # NOTE(every element): one store per element, in order; the value reads no field
        # being written, so the stores are independent. The element literals are marked
        # `every`: all elements alike keep a symmetric collection symmetric.
        return [
            Assign(
                target=Field(
                    collection=coll.name,
                    name=t.name,
                    index=ElemLit(collection=coll.name, index=i, every=True, span=s.span),
                    span=t.span,
                ),
                value=value,
                span=s.span,
            )
            for i in range(coll.size)
        ]

    def lvalue(self, e: ast.Expr, scope: Scope) -> LValue | None:
        sp = e.span
        if isinstance(e, ast.NameRef):
            b = scope.lookup(e.name)
            match b:
                case BoundName():
                    return self.not_var(scope, f"'{e.name}' is bound by pick/forall", sp)
                case LoopVar():
                    return self.not_var(scope, f"'{e.name}' is a loop variable", sp)
                case MacroArg(expr=x, param=p, span=arg_span):
                    if isinstance(x, GlobalVar | LocalVar | Field):
                        return x
                    self.sink.error(
                        "MBF303",
                        f"macro parameter '{p}' is assigned, so its argument must be a variable",
                        sp,
                        related=[Related(span=arg_span, message="the argument given here")],
                        frames=scope.frames,
                    )
                    return None
                case None:
                    pass
            x = self.ex.name(e.name, sp, scope)
            if isinstance(x, GlobalVar | LocalVar):
                return x
            if e.name in scope.params:
                return self.not_var(scope, f"'{e.name}' is a parameter", sp)
            if self.ex.is_bad(x):  # the name was unknown: already reported
                return None
            return self.not_var(scope, f"'{e.name}' is not a variable", sp)
        if isinstance(e, ast.MemberExpr):
            if self.ex.is_actor(e.base, scope):
                return self.not_var(
                    scope, f"'{e.name}' belongs to another actor; only it can assign it", sp
                )
            x = self.ex.member(e, scope)
            return x if isinstance(x, Field) else None
        return self.not_var(scope, "an element or an instance is not a variable", sp)

    def not_var(self, scope: Scope, why: str, span: Span | None) -> LValue | None:
        """Report an assignment to something that is not a variable (returns None)."""
        self.sink.error("MBF303", f"cannot assign here: {why}", span, frames=scope.frames)
        return None

    def macro(self, s: ast.MacroCallStmt, scope: Scope, loops: tuple[Loop, ...]) -> list[Stmt]:
        decl = self.macros.get(s.name)
        if decl is None:
            if any(d.name == s.name for d in scope.model.defs):
                msg = f"'{s.name}' is a definition (an expression), not a macro"
                hint: str | None = "use it in a condition or an assignment"
            else:
                msg = f"unknown macro '{s.name}'"
                hint = did_you_mean(s.name, self.macros)
            self.sink.error("MBF206", msg, s.span, hint, frames=scope.frames)
            return []
        if any(f.name == s.name for f in scope.frames):
            chain = " -> ".join([*(f.name for f in scope.frames), s.name])
            self.sink.error(
                "MBF406", f"macro '{s.name}' is recursive: {chain}", s.span, frames=scope.frames
            )
            return []
        if len(s.args) != len(decl.params):
            self.sink.error(
                "MBF302",
                f"macro '{s.name}' takes {len(decl.params)} argument(s), got {len(s.args)}",
                s.span,
                f"{s.name}({', '.join(decl.params)})",
                frames=scope.frames,
            )
            return []
        size = self.expanded_size(s.name)
        if size > MAX_EXPANSION:
            self.sink.error(
                "MBF414",
                f"macro '{s.name}' expands to {size:,} statements (at most "
                f"{MAX_EXPANSION:,} per call)",
                s.span,
                "a macro that calls another twice doubles it; move the repeated part into "
                "a loop or a step of its own",
                frames=scope.frames,
            )
            return []
        args = [self.ex.expr(a, scope) for a in s.args]
        inner = replace(scope, frames=(*scope.frames, MacroFrame(s.name, s.span)))
        for p, x, a in zip(decl.params, args, s.args, strict=True):
            inner = inner.bind(p, MacroArg(x, p, a.span))
        return self.block(decl.body, inner, loops)
