"""Depth: how deep an expression nests once its definition calls are expanded in place.

Stage: a check of `ir.validate` and of the DSL lowering (before type inference walks
definition bodies). Input: IR expressions and the expanded depths of the definitions
they call. Output: depths, computed without recursion, and the limit.

Why: the phases after validation (type inference, the compiled closures, the Z3
encoding, replay) walk an expression recursively *through* the definitions it calls,
so a chain of 500 one-line definitions is 500 levels deep for them and overflowed
Python's stack. The parser already refuses text nested more than 200 levels
(MBF105); `MAX_EXPANDED_DEPTH` applies the same bound to the expansion, so every
later walker stays within the interpreter's recursion limit (a test runs a chain just
under the limit through every engine).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

from mbind_formal.diagnostics import Diagnostic, Span
from mbind_formal.ir.model import Call, Claim, Expr, Model
from mbind_formal.ir.walk import children, stmt_exprs, stmts, var_init_exprs

MAX_EXPANDED_DEPTH = 200  # NOTE(depth): dsl.parser.MAX_NESTING bounds the text itself


def expanded_depth(e: Expr, defs: Mapping[str, int]) -> int:
    """Levels of `e` (a literal is 1) with each call to a definition in `defs` counted as
    the depth of that definition's body, expanded below the call."""
    deepest = 0
    stack: list[tuple[Expr, int]] = [(e, 1)]
    while stack:
        x, level = stack.pop()
        below = defs.get(x.name, 0) if isinstance(x, Call) else 0
        deepest = max(deepest, level + below)
        stack.extend((c, level + 1) for c in children(x))
    return deepest


def deepest_call(e: Expr, defs: Mapping[str, int]) -> str | None:
    """The definition called in `e` whose expansion is deepest (None: no call)."""
    best: tuple[int, str] | None = None
    stack = [e]
    while stack:
        x = stack.pop()
        if isinstance(x, Call) and x.name in defs:
            cand = (defs[x.name], x.name)
            best = cand if best is None or cand > best else best
        stack.extend(children(x))
    return None if best is None else best[1]


def chain(name: str, bodies: Mapping[str, Expr], defs: Mapping[str, int], most: int = 6) -> str:
    """`name -> callee -> ...` following the deepest call, the middle elided when long."""
    names = [name]
    while len(names) <= len(bodies):
        nxt = deepest_call(bodies[names[-1]], defs) if names[-1] in bodies else None
        if nxt is None:
            break
        names.append(nxt)
    if len(names) > most:
        names = [*names[: most // 2], f"... ({len(names) - most} more)", *names[-(most // 2) :]]
    return " -> ".join(names)


def calls(e: Expr) -> set[str]:
    """The names of the definitions `e` calls directly."""
    found: set[str] = set()
    stack = [e]
    while stack:
        x = stack.pop()
        if isinstance(x, Call):
            found.add(x.name)
        stack.extend(children(x))
    return found


def def_depths(bodies: Mapping[str, Expr]) -> dict[str, int]:
    """The expanded depth of every definition body, callees first, without recursion (a
    call that closes a cycle counts as 0: cycles are reported as MBF406 elsewhere)."""
    depths: dict[str, int] = {}
    open_: set[str] = set()
    for root in sorted(bodies):
        if root in depths:
            continue
        stack = [(root, sorted(calls(bodies[root]) & bodies.keys()))]
        open_.add(root)
        while stack:
            name, todo = stack[-1]
            if todo:
                callee = todo.pop()
                if callee not in depths and callee not in open_:
                    open_.add(callee)
                    stack.append((callee, sorted(calls(bodies[callee]) & bodies.keys())))
                continue
            stack.pop()
            open_.discard(name)
            depths[name] = expanded_depth(bodies[name], depths)
    return depths


def _roots(model: Model, claims: Sequence[Claim]) -> Iterator[tuple[Expr, Span | None]]:
    """Every top-level expression outside definitions, with the nearest span."""
    for v in model.globals:
        yield from ((e, v.span) for e in var_init_exprs(v))
    for c in model.collections:
        for f in c.fields:
            yield from ((e, f.span) for e in var_init_exprs(f))
    yield from ((e, None) for e in model.init)
    for a in model.actors:
        for v in a.locals:
            yield from ((e, v.span) for e in var_init_exprs(v))
        for step in a.steps:
            for s in stmts(step.body):
                yield from ((e, s.span or step.span) for e in stmt_exprs(s))
    for claim in claims:
        assume = () if claim.assume is None else (claim.assume,)
        yield from ((e, claim.span) for e in (claim.prop, *claim.witnesses, *assume))


def too_deep(model: Model, claims: Sequence[Claim]) -> list[Diagnostic]:
    """MBF105 for each definition, and each expression, that nests deeper than
    `MAX_EXPANDED_DEPTH` once definition calls are expanded (the first of a chain only:
    a definition calling a reported one is not reported again)."""
    bodies = {d.name: d.body for d in model.defs}
    depths = def_depths(bodies)
    out: list[Diagnostic] = []
    reported: set[str] = set()
    for d in sorted(model.defs, key=lambda d: depths[d.name]):  # callees first
        if depths[d.name] <= MAX_EXPANDED_DEPTH:
            continue
        known = bool(calls(d.body) & reported)
        reported.add(d.name)  # and so its callers are not reported either
        if known:
            continue
        out.append(
            Diagnostic(
                code="MBF105",
                message=f"definition '{d.name}' nests {depths[d.name]} levels deep once the "
                f"definitions it calls are expanded ({chain(d.name, bodies, depths)}); the "
                f"limit is {MAX_EXPANDED_DEPTH}",
                span=d.span,
                hint="shorten the chain of definitions calling definitions, or merge some",
            )
        )
    if out:
        return out
    for e, span in _roots(model, claims):
        depth = expanded_depth(e, depths)
        if depth > MAX_EXPANDED_DEPTH:
            out.append(
                Diagnostic(
                    code="MBF105",
                    message=f"expression nests {depth} levels deep once the definitions it "
                    f"calls are expanded; the limit is {MAX_EXPANDED_DEPTH}",
                    span=span,
                    hint="split the expression, or shorten the definitions it calls",
                )
            )
    return out
