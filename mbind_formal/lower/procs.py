"""Procedures: `procedure`, `call` and `return` expanded into the actors that call them.

Stage: front end, between parsing and lowering (AST -> AST). Input: a file's items
(includes spliced in). Output: the items without `ProcDecl`s, every actor that calls a
procedure carrying its own copy of the procedure's steps and locals, and diagnostics.

NOTE(procedures): PlusCal semantics (and its keyword, `procedure`) without a stack.
Each calling actor gets the procedure's labelled steps (label `f_l` for label `l` of
procedure `f`) and one local per parameter and procedure local (`f_x`, starting at its
initial value: the declared one, or the first value of its type). `call f(a)` stores the
arguments and jumps to `f`'s first step; the statement after the call must be labelled:
the return point. `return e` stores `e` into the call's target, resets `f`'s locals to
their initial values (as PlusCal's return restores the values saved at the call, which
are the initial ones without recursion) and jumps back. One call site costs no state;
several add a local `f_ret` (which call site to return to), reset too. Recursion would
need a stack: refused.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import assert_never

from mbind_formal.diagnostics import Diagnostic, Span, did_you_mean
from mbind_formal.dsl import ast


def expand_procs(items: Sequence[ast.Item]) -> tuple[list[ast.Item], list[Diagnostic]]:
    """`items` with every procedure expanded into its calling actors."""
    procs: dict[str, ast.ProcDecl] = {}
    diags: list[Diagnostic] = []
    for it in items:
        if isinstance(it, ast.ProcDecl):
            if it.name in procs:
                diags.append(
                    Diagnostic(
                        code="MBF202",
                        message=f"procedure '{it.name}' is declared twice",
                        span=it.span,
                    )
                )
            procs.setdefault(it.name, it)
    actors = [it for it in items if isinstance(it, ast.ActorDecl)]
    if not procs and not any(_calls(a.body) or _returns(a.body) for a in actors):
        return list(items), diags
    world = _World.of(items, procs, diags)
    out: list[ast.Item] = []
    for it in items:
        if isinstance(it, ast.ProcDecl):
            continue
        out.append(_Actor(world, it).expand() if isinstance(it, ast.ActorDecl) else it)
    return out, diags


# --------------------------------------------------------------------------- the program


@dataclass
class _World:
    procs: dict[str, ast.ProcDecl]
    diags: list[Diagnostic]
    enums: dict[str, tuple[str, ...]]
    aliases: dict[str, ast.TypeExpr]
    symmetric: dict[str, bool]  # collection -> symmetric
    globals: frozenset[str]
    recursive: set[str] = field(default_factory=set)

    @staticmethod
    def of(
        items: Sequence[ast.Item], procs: dict[str, ast.ProcDecl], diags: list[Diagnostic]
    ) -> _World:
        w = _World(
            procs=procs,
            diags=diags,
            enums={
                it.name: tuple(m.name for m in it.members)
                for it in items
                if isinstance(it, ast.EnumDecl)
            },
            aliases={it.name: it.type for it in items if isinstance(it, ast.TypeAlias)},
            symmetric={it.name: it.symmetric for it in items if isinstance(it, ast.CollectionDecl)},
            globals=frozenset(it.name for it in items if isinstance(it, ast.VarDecl)),
        )
        w.find_recursion()
        return w

    def error(self, code: str, message: str, span: Span | None, hint: str | None = None) -> None:
        self.diags.append(Diagnostic(code=code, message=message, span=span, hint=hint))

    def find_recursion(self) -> None:
        """MBF415 for every cycle of procedures calling procedures."""
        state: dict[str, int] = {}

        def visit(name: str, path: list[str]) -> None:
            if state.get(name) == 2 or name not in self.procs:
                return
            if state.get(name) == 1:
                cycle = [*path[path.index(name) :], name]
                if name not in self.recursive:
                    self.error(
                        "MBF415",
                        f"procedure '{name}' is recursive: {' -> '.join(cycle)}",
                        self.procs[name].span,
                        "recursion needs a call stack, which procedures do not have yet; "
                        "unroll it into a bounded loop",
                    )
                self.recursive.update(cycle)
                return
            state[name] = 1
            for c in _calls(self.procs[name].body):
                visit(c.name, [*path, name])
            state[name] = 2

        for n in self.procs:
            visit(n, [])

    def default(self, t: ast.TypeExpr, span: Span | None) -> ast.Expr | None:
        """The first value of type `t`, where a procedure's local starts and returns to."""
        match t:
            case ast.BoolTypeExpr():
                return ast.BoolLiteral(value=False, span=span)
            case ast.RangeTypeExpr(lo=lo):
                return lo
            case ast.SetTypeExpr():
                return ast.SetLiteral(items=(), span=span)
            case ast.NamedTypeExpr(name=n, optional=opt):
                if opt:
                    return ast.NoneLiteral(span=span)
                if n in self.aliases:
                    return self.default(self.aliases[n], span)
                if self.enums.get(n):
                    return ast.NameRef(name=self.enums[n][0], span=span)
                if n in self.symmetric:
                    if self.symmetric[n]:
                        self.error(
                            "MBF415",
                            f"a procedure's parameter or local of symmetric collection {n} "
                            "has no first element to start from",
                            t.span or span,
                            f"declare it '{n}?' (it starts as none) and test '!= none' "
                            "before reading its fields",
                        )
                        return None
                    zero = ast.IntLiteral(value=0, span=span)
                    return ast.IndexExpr(base=ast.NameRef(name=n, span=span), index=zero, span=span)
                return None  # unknown: lowering reports the type
            case _:
                assert_never(t)


# --------------------------------------------------------------------------- one actor


@dataclass(frozen=True, slots=True)
class _Proc:
    """One procedure as copied into one actor."""

    decl: ast.ProcDecl
    names: Mapping[str, str]  # parameter or local -> actor local
    labels: Mapping[str, str]  # label -> actor label
    entry: str
    ret: str | None  # the call-site local, when there are several call sites


@dataclass(frozen=True, slots=True)
class _Site:
    ret_label: str
    target: ast.LValue | None
    span: Span | None


class _Actor:
    def __init__(self, world: _World, decl: ast.ActorDecl) -> None:
        self.w = world
        self.decl = decl
        self.taken_names = {v.name for v in decl.locals} | set(world.globals) | {"pc"}
        self.taken_labels = set(_labels(decl.body))
        self.copies: dict[str, _Proc] = {}
        self.sites: dict[str, list[_Site]] = {}

    def fresh(self, want: str, taken: set[str]) -> str:
        out, i = want, 1
        while out in taken:
            out, i = f"{want}_{i}", i + 1
        taken.add(out)
        return out

    def needed(self) -> list[str]:
        """The procedures this actor calls, directly or through procedures, in order."""
        out: list[str] = []
        todo = [c.name for c in _calls(self.decl.body)]
        while todo:
            n = todo.pop(0)
            if n in out or n not in self.w.procs or n in self.w.recursive:
                continue
            out.append(n)
            todo += [c.name for c in _calls(self.w.procs[n].body)]
        return out

    def expand(self) -> ast.ActorDecl:
        needed = self.needed()
        if not needed and not _calls(self.decl.body) and not _returns(self.decl.body):
            return self.decl
        # Names and labels first (so call sites know where they return), then sites.
        for n in needed:
            p = self.w.procs[n]
            names = {x: self.fresh(f"{n}_{x}", self.taken_names) for x in _proc_names(p)}
            labels = {lab: self.fresh(f"{n}_{lab}", self.taken_labels) for lab in _labels(p.body)}
            first = p.body[0] if p.body else None
            entry = (
                labels[first.label]
                if isinstance(first, ast.LabeledStmt)
                else self.fresh(n, self.taken_labels)
            )
            self.copies[n] = _Proc(p, names, labels, entry, None)
        bodies = {n: self.renamed(self.copies[n]) for n in needed}
        self.sites = {n: [] for n in needed}
        self.collect(self.decl.body, None)
        for n in needed:
            self.collect(bodies[n], None)
        for n in needed:
            if len(self.sites[n]) > 1:
                ret = self.fresh(f"{n}_ret", self.taken_names)
                self.copies[n] = replace(self.copies[n], ret=ret)
        body = list(self.rewrite(self.decl.body, None, None))
        if needed and not _ends(body):
            end: ast.Stmt = ast.DoneStmt(span=self.decl.span)
            if isinstance(_unlabel(body[-1]) if body else None, ast.WhileStmt | ast.ForStmt):
                end = ast.LabeledStmt(
                    label=self.fresh("end", self.taken_labels), stmt=end, span=self.decl.span
                )
            body.append(end)
        locals_ = list(self.decl.locals)
        for n in needed:
            cp = self.copies[n]
            pbody = list(self.rewrite(bodies[n], None, cp))
            if not _ends(pbody):
                pbody += self.returns(cp, None, cp.decl.span)
            if not pbody or not isinstance(pbody[0], ast.LabeledStmt):
                sp = cp.decl.span
                head = pbody[0] if pbody else ast.SkipStmt(span=sp)
                pbody[:1] = [ast.LabeledStmt(label=cp.entry, stmt=head, span=sp)]
            body += pbody
            locals_ += self.locals(cp)
        return replace(self.decl, locals=tuple(locals_), body=tuple(body))

    # ------------------------------------------------------------------ state

    def locals(self, cp: _Proc) -> list[ast.VarDecl]:
        out: list[ast.VarDecl] = []
        for name, t, init in self.inits(cp):
            out.append(
                ast.VarDecl(
                    kind=ast.VarKind.VAR,
                    name=name,
                    type=t,
                    init=None if init is None else ast.InitEq(value=init, span=init.span),
                    span=cp.decl.span,
                )
            )
        if cp.ret is not None:
            n = len(self.sites[cp.decl.name])
            zero, last = ast.IntLiteral(value=0), ast.IntLiteral(value=n - 1)
            out.append(
                ast.VarDecl(
                    kind=ast.VarKind.VAR,
                    name=cp.ret,
                    type=ast.RangeTypeExpr(lo=zero, hi=last),
                    init=ast.InitEq(value=zero),
                    span=cp.decl.span,
                )
            )
        return out

    def inits(self, cp: _Proc) -> Iterator[tuple[str, ast.TypeExpr, ast.Expr | None]]:
        """Each local of the copy: its name, type and initial (and reset) value."""
        p = cp.decl
        for prm in p.params:
            yield cp.names[prm.name], prm.type, self.w.default(prm.type, prm.span)
        for v in p.locals:
            match v.init:
                case ast.InitEq(value=x):
                    init: ast.Expr | None = _rename_expr(x, cp.names)
                case ast.InitChoice():
                    self.w.error(
                        "MBF415",
                        f"procedure local '{v.name}' has a choice of initial values",
                        v.span,
                        "give it one value ('= e'): it is reset to it at every return",
                    )
                    init = None
                case None:
                    init = self.w.default(v.type, v.span)
            yield cp.names[v.name], v.type, init

    # ------------------------------------------------------------------ rewriting

    def renamed(self, cp: _Proc) -> ast.Block:
        return _rename_block(cp.decl.body, cp.names, cp.labels)

    def collect(self, block: ast.Block, after: str | None) -> None:
        """Record every call site of `block` (its return label), in order."""
        for i, s in enumerate(block):
            nxt = _next_label(block, i, after)
            inner = _unlabel(s)
            match inner:
                case ast.CallStmt(name=n) if n in self.sites:
                    if nxt is not None:
                        self.sites[n].append(_Site(nxt, inner.target, inner.span))
                case ast.IfStmt(then=t, orelse=o):
                    self.collect(t, nxt)
                    self.collect(o, nxt)
                case ast.EitherStmt(branches=bs):
                    for b in bs:
                        self.collect(b, nxt)
                case ast.WhileStmt(body=b) | ast.ForStmt(body=b):
                    self.collect(b, None)
                case _:
                    pass

    def rewrite(self, block: ast.Block, after: str | None, cp: _Proc | None) -> ast.Block:
        out: list[ast.Stmt] = []
        for i, s in enumerate(block):
            nxt = _next_label(block, i, after)
            label = s.label if isinstance(s, ast.LabeledStmt) else None
            inner = _unlabel(s)
            new: list[ast.Stmt]
            match inner:
                case ast.CallStmt():
                    new = self.call(inner, nxt)
                case ast.ReturnStmt():
                    new = self.return_(inner, cp)
                case ast.IfStmt(then=t, orelse=o):
                    new = [
                        replace(
                            inner, then=self.rewrite(t, nxt, cp), orelse=self.rewrite(o, nxt, cp)
                        )
                    ]
                case ast.EitherStmt(branches=bs):
                    new = [replace(inner, branches=tuple(self.rewrite(b, nxt, cp) for b in bs))]
                case ast.WhileStmt(body=b):
                    new = [replace(inner, body=self.rewrite(b, None, cp))]
                case ast.ForStmt(body=b):
                    new = [replace(inner, body=self.rewrite(b, None, cp))]
                case _:
                    new = [inner]
            if label is not None:
                assert isinstance(s, ast.LabeledStmt)
                head = new[0] if new else ast.SkipStmt(span=s.span)
                new[:1] = [replace(s, stmt=head)]
            out += new
        return tuple(out)

    def call(self, s: ast.CallStmt, nxt: str | None) -> list[ast.Stmt]:
        p = self.w.procs.get(s.name)
        if p is None:
            self.w.error(
                "MBF415",
                f"call of unknown procedure '{s.name}'",
                s.span,
                did_you_mean(s.name, self.w.procs)
                or "declare it: procedure name(params) { label: ... return; }",
            )
            return [ast.SkipStmt(span=s.span)]
        if s.name in self.w.recursive:
            return [ast.SkipStmt(span=s.span)]  # reported once, at the procedure
        cp = self.copies[s.name]
        if len(s.args) != len(p.params):
            sig = ", ".join(f"{x.name}: ..." for x in p.params)
            self.w.error(
                "MBF302",
                f"'{s.name}' takes {len(p.params)} argument(s), got {len(s.args)}",
                s.span,
                f"{s.name}({sig})",
            )
            return [ast.SkipStmt(span=s.span)]
        if nxt is None:
            self.w.error(
                "MBF415",
                f"the call of '{s.name}' is not followed by a label",
                s.span,
                "label the statement after the call: the caller continues there after the "
                "return (PlusCal's rule), e.g. 'call f(); after: ...'",
            )
            return [ast.SkipStmt(span=s.span)]
        if s.target is not None and p.result is None:
            self.w.error(
                "MBF415",
                f"procedure '{s.name}' returns no value",
                s.target.span or s.span,
                f"declare its result type: procedure {s.name}(...): T {{ ... return e; }}",
            )
        if s.target is not None and not isinstance(s.target, ast.NameRef):
            self.w.error(
                "MBF415",
                "the result of a call is stored in a variable",
                s.target.span or s.span,
                "store it in a variable, then copy it where it belongs",
            )
        out: list[ast.Stmt] = [
            ast.AssignStmt(
                target=ast.NameRef(name=cp.names[prm.name], span=a.span),
                op=ast.AssignOp.SET,
                value=a,
                span=s.span,
            )
            for prm, a in zip(p.params, s.args, strict=True)
        ]
        if cp.ret is not None:
            k = next(
                i
                for i, site in enumerate(self.sites[s.name])
                if site.span == s.span and site.ret_label == nxt
            )
            out.append(
                ast.AssignStmt(
                    target=ast.NameRef(name=cp.ret, span=s.span),
                    op=ast.AssignOp.SET,
                    value=ast.IntLiteral(value=k, span=s.span),
                    span=s.span,
                )
            )
        out.append(ast.GotoStmt(label=cp.entry, span=s.span))
        return out

    def return_(self, s: ast.ReturnStmt, cp: _Proc | None) -> list[ast.Stmt]:
        if cp is None:
            self.w.error(
                "MBF415",
                "'return' outside a procedure",
                s.span,
                "an actor ends with 'done;'",
            )
            return [ast.DoneStmt(span=s.span)]
        if s.value is not None and cp.decl.result is None:
            self.w.error(
                "MBF415",
                f"procedure '{cp.decl.name}' returns a value but declares no result type",
                s.value.span or s.span,
                f"procedure {cp.decl.name}(...): T {{ ... }}",
            )
        return self.returns(cp, s.value, s.span)

    def returns(self, cp: _Proc, value: ast.Expr | None, span: Span | None) -> list[ast.Stmt]:
        """Store the result, reset the copy's locals, go back to the call site."""
        resets: list[ast.Stmt] = [
            ast.AssignStmt(
                target=ast.NameRef(name=name, span=span), op=ast.AssignOp.SET, value=v, span=span
            )
            for name, _, v in self.inits(cp)
            if v is not None
        ]
        sites = self.sites[cp.decl.name]
        branches: list[list[ast.Stmt]] = []
        for site in sites:
            b: list[ast.Stmt] = []
            if site.target is not None:
                if value is None:
                    self.w.error(
                        "MBF415",
                        f"'{cp.decl.name}' returns without a value, but a call stores it",
                        span,
                        "return a value: 'return e;'",
                        # the call site: site.span
                    )
                else:
                    b.append(
                        ast.AssignStmt(
                            target=site.target, op=ast.AssignOp.SET, value=value, span=span
                        )
                    )
            b += resets
            if cp.ret is not None:
                zero = ast.IntLiteral(value=0, span=span)
                b.append(
                    ast.AssignStmt(
                        target=ast.NameRef(name=cp.ret, span=span),
                        op=ast.AssignOp.SET,
                        value=zero,
                        span=span,
                    )
                )
            b.append(ast.GotoStmt(label=site.ret_label, span=span))
            branches.append(b)
        if not branches:
            return [ast.DoneStmt(span=span)]
        if cp.ret is None:
            return branches[0]
        chain: ast.Block = tuple(branches[-1])
        for k in range(len(branches) - 2, -1, -1):
            test = ast.BinaryExpr(
                op=ast.BinaryOp.EQ,
                left=ast.NameRef(name=cp.ret, span=span),
                right=ast.IntLiteral(value=k, span=span),
                span=span,
            )
            chain = (ast.IfStmt(cond=test, then=tuple(branches[k]), orelse=chain, span=span),)
        return list(chain)


# --------------------------------------------------------------------------- AST helpers


def _unlabel(s: ast.Stmt) -> ast.Stmt:
    while isinstance(s, ast.LabeledStmt):
        s = s.stmt
    return s


def _next_label(block: ast.Block, i: int, after: str | None) -> str | None:
    """The label the statement after `block[i]` starts with (`after` past the end)."""
    if i + 1 < len(block):
        nxt = block[i + 1]
        return nxt.label if isinstance(nxt, ast.LabeledStmt) else None
    return after


def _ends(block: Sequence[ast.Stmt]) -> bool:
    """Every path through `block` ends with goto, done or return."""
    if not block:
        return False
    last = _unlabel(block[-1])
    match last:
        case ast.GotoStmt() | ast.DoneStmt() | ast.ReturnStmt():
            return True
        case ast.IfStmt(then=t, orelse=o):
            return _ends(t) and _ends(o)
        case ast.EitherStmt(branches=bs):
            return all(_ends(b) for b in bs)
        case _:
            return False


def _children(s: ast.Stmt) -> Iterator[ast.Block]:
    match s:
        case ast.LabeledStmt(stmt=inner):
            yield (inner,)
        case ast.IfStmt(then=t, orelse=o):
            yield t
            yield o
        case ast.EitherStmt(branches=bs):
            yield from bs
        case ast.WhileStmt(body=b) | ast.ForStmt(body=b):
            yield b
        case _:
            pass


def _walk(block: ast.Block) -> Iterator[ast.Stmt]:
    for s in block:
        yield s
        for b in _children(s):
            yield from _walk(b)


def _calls(block: ast.Block) -> list[ast.CallStmt]:
    return [s for s in _walk(block) if isinstance(s, ast.CallStmt)]


def _returns(block: ast.Block) -> list[ast.ReturnStmt]:
    return [s for s in _walk(block) if isinstance(s, ast.ReturnStmt)]


def _labels(block: ast.Block) -> list[str]:
    return [s.label for s in _walk(block) if isinstance(s, ast.LabeledStmt)]


def _proc_names(p: ast.ProcDecl) -> list[str]:
    return [*(x.name for x in p.params), *(v.name for v in p.locals)]


def _rename_block(
    block: ast.Block, names: Mapping[str, str], labels: Mapping[str, str]
) -> ast.Block:
    return tuple(_rename_stmt(s, names, labels) for s in block)


def _rename_stmt(s: ast.Stmt, m: Mapping[str, str], labels: Mapping[str, str]) -> ast.Stmt:
    def e(x: ast.Expr) -> ast.Expr:
        return _rename_expr(x, m)

    def b(x: ast.Block) -> ast.Block:
        return _rename_block(x, m, labels)

    match s:
        case ast.LabeledStmt(label=lab, stmt=inner):
            return replace(s, label=labels.get(lab, lab), stmt=_rename_stmt(inner, m, labels))
        case ast.AssignStmt(target=t, value=v):
            return replace(s, target=_rename_lvalue(t, m), value=e(v))
        case ast.IncDecStmt(target=t):
            return replace(s, target=_rename_lvalue(t, m))
        case ast.IfStmt(cond=c, then=t, orelse=o):
            return replace(s, cond=e(c), then=b(t), orelse=b(o))
        case ast.EitherStmt(branches=bs):
            return replace(s, branches=tuple(b(x) for x in bs))
        case ast.AwaitStmt(cond=c):
            return replace(s, cond=e(c))
        case ast.PickStmt(var=v, where=w):
            return replace(s, var=m.get(v, v), where=None if w is None else e(w))
        case ast.ForStmt(var=v, body=body):
            return replace(s, var=m.get(v, v), body=b(body))
        case ast.WhileStmt(cond=c, body=body):
            return replace(s, cond=e(c), body=b(body))
        case ast.GotoStmt(label=lab):
            return replace(s, label=labels.get(lab, lab))
        case ast.MacroCallStmt(args=args):
            return replace(s, args=tuple(e(a) for a in args))
        case ast.CallStmt(args=args, target=t):
            target = None if t is None else _rename_lvalue(t, m)
            return replace(s, args=tuple(e(a) for a in args), target=target)
        case ast.ReturnStmt(value=v):
            return replace(s, value=None if v is None else e(v))
        case ast.BreakStmt() | ast.ContinueStmt() | ast.DoneStmt() | ast.SkipStmt():
            return s
        case _:
            assert_never(s)


def _rename_lvalue(t: ast.LValue, m: Mapping[str, str]) -> ast.LValue:
    out = _rename_expr(t, m)
    assert isinstance(out, ast.NameRef | ast.MemberExpr | ast.IndexExpr)
    return out


def _rename_expr(x: ast.Expr, m: Mapping[str, str]) -> ast.Expr:
    """`x` with the procedure's names replaced (binders of the same name too, so the
    renaming is consistent)."""

    def r(y: ast.Expr) -> ast.Expr:
        return _rename_expr(y, m)

    match x:
        case ast.NameRef(name=n):
            return replace(x, name=m[n]) if n in m else x
        case ast.BoolLiteral() | ast.IntLiteral() | ast.NoneLiteral() | ast.SelfExpr():
            return x
        case ast.SetLiteral(items=items):
            return replace(x, items=tuple(r(i) for i in items))
        case ast.IndexExpr(base=base, index=index):
            return replace(x, base=r(base), index=r(index))
        case ast.MemberExpr(base=base) | ast.AtExpr(base=base):
            return replace(x, base=r(base))
        case ast.CallExpr(args=args):
            return replace(x, args=tuple(r(a) for a in args))
        case ast.UnaryExpr(arg=a):
            return replace(x, arg=r(a))
        case ast.BinaryExpr(left=left, right=right):
            return replace(x, left=r(left), right=r(right))
        case ast.CondExpr(cond=c, then=t, orelse=o):
            return replace(x, cond=r(c), then=r(t), orelse=r(o))
        case ast.QuantExpr(var=v, body=body):
            return replace(x, var=m.get(v, v), body=r(body))
        case _:
            assert_never(x)
