"""Lowering: DSL spec files -> a validated IR `Spec` (the DSL front end's entry points).

Stage: front end, after parsing. Input: a spec path or text, parameter overrides.
Output: `LoadResult(spec, diagnostics, sources)`; `spec` is None whenever there is an
error. Lowering makes the same `build.spec` calls a Python user would (`SpecBuilder`),
so both front ends meet in one validated IR.

Order: files and includes (`lower.sources`), the base model (`lower.model`: parameters,
declarations, definitions, actors), then each variant in dependency order from what it
extends: replaced definitions and macros, added state, and step overrides spliced into
the actor's AST before its control flow is lowered again. Claims are lowered against the
base model (validation types them against every variant); scenarios see their own
`with` parameters.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, is_dataclass, replace
from pathlib import Path

from mbind_formal.diagnostics import Diagnostic, Related, Span, did_you_mean, has_errors
from mbind_formal.dsl import ast
from mbind_formal.ir.model import (
    IndexType,
    ParamValue,
    Quant,
    Spec,
    Type,
    Var,
)
from mbind_formal.ir.resolve import VariantDelta, variant_order
from mbind_formal.lower.expr import Scope, Sink, const_value
from mbind_formal.lower.flow import replace_step, shape
from mbind_formal.lower.model import MAX_SIZE, ModelLowering, Version, init_parts
from mbind_formal.lower.procs import expand_procs
from mbind_formal.lower.sources import display_name, leading_comment, load_sources, read

__all__ = ("LoadResult", "load_spec", "load_text", "lower")


@dataclass(frozen=True, slots=True)
class LoadResult:
    """A loaded spec (None on any error), every diagnostic, and the text of every file."""

    spec: Spec | None
    diagnostics: tuple[Diagnostic, ...]
    # file name -> text as diagnostics quote it (`lower.sources.shown_text`: control
    # characters as visible symbols); a fresh dict per load
    sources: dict[str, str]
    files: tuple[Path, ...] = ()  # the real path of every file read (outputs must avoid them)


def load_text(
    text: str,
    filename: str = "<text>",
    params: Mapping[str, ParamValue] | None = None,
    allow_outside: bool = False,
) -> LoadResult:
    """Load a spec from text; includes resolve relative to the current directory."""
    path = Path(filename)
    real = path if not filename.startswith("<") else None
    directory = path.parent if real is not None else Path.cwd()
    return _load(text, display_name(filename), real, directory, params, allow_outside)


def load_spec(
    path: str | Path, params: Mapping[str, ParamValue] | None = None, allow_outside: bool = False
) -> LoadResult:
    """Load the spec file `path` and its includes."""
    p = Path(path)
    display = display_name(path)  # the name in diagnostics and `Spec.source`: clean text
    text, problem = read(p, display, None)
    if text is None:
        assert problem is not None
        return LoadResult(None, (problem,), {})
    return _load(text, display, p, p.parent, params, allow_outside)


def _load(
    text: str,
    display: str,
    real: Path | None,
    directory: Path,
    params: Mapping[str, ParamValue] | None,
    allow_outside: bool,
) -> LoadResult:
    src = load_sources(text, display, real, directory, allow_outside)
    if has_errors(src.diags):
        return LoadResult(None, tuple(src.diags), src.texts, tuple(src.files))
    name = Path(display).stem if not display.startswith("<") else "spec"
    spec, diags = lower(src.items, name=name, source=display, params=params)
    doc = leading_comment(text)
    if spec is not None and doc:
        spec = replace(spec, models=tuple(replace(m, doc=doc) for m in spec.models))
    return LoadResult(spec, (*src.diags, *diags), src.texts, tuple(src.files))


def lower(
    items: Sequence[ast.Item],
    *,
    name: str,
    source: str,
    params: Mapping[str, ParamValue] | None = None,
) -> tuple[Spec | None, tuple[Diagnostic, ...]]:
    """Lower parsed items (includes already spliced in) to a validated spec."""
    expanded, proc_diags = expand_procs(items)
    lw = _Lowering(name, source, dict(params or {}))
    spec, diags = lw.run(expanded)
    if proc_diags:
        diags = tuple(dict.fromkeys((*proc_diags, *diags)))
        spec = None if has_errors(diags) else spec
    return spec, diags


def _within(inner: Span | None, outer: Span | None) -> bool:
    """`inner` lies inside `outer`: a check's complaint about an expression that already
    failed to lower (`x = zz` stores a placeholder) is a consequence, not news."""
    if inner is None or outer is None or inner.file != outer.file:
        return False
    start, end = (inner.line, inner.col), (inner.end_line, inner.end_col)
    return (outer.line, outer.col) <= start and end <= (outer.end_line, outer.end_col)


def _picks(node: object, found: dict[str, ast.PickStmt]) -> None:
    """Every `pick` below `node` (an AST value), by the name it binds (first one)."""
    if isinstance(node, ast.PickStmt):
        found.setdefault(node.var, node)
    if isinstance(node, tuple):
        for x in node:
            _picks(x, found)
    elif is_dataclass(node) and not isinstance(node, type):
        for f in fields(node):
            if f.name != "span":
                _picks(getattr(node, f.name), found)


def _inside(span: Span | None, body: Sequence[ast.Stmt]) -> bool:
    lines = [s.span.line for s in body if s.span is not None]
    files = {s.span.file for s in body if s.span is not None}
    return bool(lines) and span is not None and span.file in files and lines[0] <= span.line


def pick_hints(items: Sequence[ast.Item], diags: Sequence[Diagnostic]) -> list[Diagnostic]:
    """`unknown name 'p'` where `p` is bound by a `pick` earlier in the same actor: the
    binding lasts for the rest of its step only, so say so and point at the pick."""
    picks = []
    for a in (it for it in items if isinstance(it, ast.ActorDecl)):
        found: dict[str, ast.PickStmt] = {}
        _picks(a.body, found)
        picks.append((a.body, found))
    return [_pick_hint(d, picks) for d in diags]


def _pick_hint(
    d: Diagnostic, picks: Sequence[tuple[ast.Block, dict[str, ast.PickStmt]]]
) -> Diagnostic:
    name = d.message.removeprefix("unknown name '").removesuffix("'")
    if d.code != "MBF201" or d.message != f"unknown name '{name}'" or d.span is None:
        return d
    for body, found in picks:
        pick = found.get(name)
        if pick is None or pick.span is None or not _inside(d.span, body):
            continue
        if (pick.span.file, pick.span.line) >= (d.span.file, d.span.line):
            continue
        hint = (
            f"`pick {name}` binds '{name}' for the rest of its step only; to use the element "
            "in a later step, store it in an actor local first "
            f"(`var chosen: {_domain(pick)}? = none;` ... `chosen = {name};`)"
        )
        note = Related(span=pick.span, message=f"'{name}' is picked here")
        return replace(d, hint=hint, related=(*d.related, note))
    return d


def _domain(pick: ast.PickStmt) -> str:
    t = pick.domain
    return t.name if isinstance(t, ast.NamedTypeExpr) else "T"


class _Lowering(ModelLowering):
    """The whole spec: the base model, then variants, claims and scenarios."""

    def run(self, items: Sequence[ast.Item]) -> tuple[Spec | None, tuple[Diagnostic, ...]]:
        self.names(items)
        self.declare(items)
        if has_errors(self.sink.diags):
            return None, tuple(self.sink.diags)
        base = self.base(items)
        if self.state_ok:
            # All diagnostics in one pass: an error in an actor's body does not keep
            # variants, claims and scenarios from being checked (they read the actors'
            # names, labels and locals, which the headers fixed before the bodies).
            self.variants(items, base)
            self.claims(items, base)
            self.scenarios(items, base)
        if not self.state_ok:
            return None, tuple(self.sink.diags)
        # The builder's checks run even after a lowering error, so that, e.g., a claim
        # naming an unknown label is reported with a typo in an actor's body. A variant
        # lowers its actors again: an error in a body it keeps would be reported once
        # per variant (and by the checks once more); once is enough.
        self.b.constants(self.constants())
        spec, diags = self.b.finish()
        lowered = pick_hints(items, self.sink.diags)
        checked = [d for d in diags if not any(_within(e.span, d.span) for e in lowered)]
        all_diags = tuple(dict.fromkeys((*lowered, *checked)))
        return (None if has_errors(all_diags) else spec), all_diags

    # ------------------------------------------------------------------ variants

    def variants(self, items: Sequence[ast.Item], base: Version) -> None:
        decls = [it for it in items if isinstance(it, ast.VariantDecl)]
        shells = [VariantDelta(d.name, d.extends or "base", d.span) for d in decls]
        order = variant_order(shells, self.sink.diags)
        by_name = {d.name: d for d in decls}
        versions: dict[str, Version] = {"base": base}
        for shell in order:
            parent = versions.get(shell.extends)
            if parent is not None:
                versions[shell.name] = self.variant(by_name[shell.name], shell.extends, parent)

    def variant(self, d: ast.VariantDecl, extends: str, parent: Version) -> Version:
        vb = self.b.variant(d.name, extends=extends, span=d.span)
        v = Version(
            globals=list(parent.globals),
            fields={k: list(x) for k, x in parent.fields.items()},
            defs=dict(parent.defs),
            def_asts=dict(parent.def_asts),
            macros=dict(parent.macros),
            bodies=dict(parent.bodies),
        )
        known = {g.name for g in v.globals} | {f.name for fs in v.fields.values() for f in fs}
        new_globals = [it for it in d.items if isinstance(it, ast.VarDecl)]
        added = self.var_types(new_globals, v, "global ")
        for g in added:
            if g.name in known or any(g.name == n for n in self.sizes):
                self.error("MBF202", f"variant '{d.name}' redeclares '{g.name}'", g.span)
        v.globals += added
        additions: list[tuple[str, ast.VarDecl, Var]] = []
        for it in d.items:
            if isinstance(it, ast.FieldAdditions):
                if it.collection not in self.sizes:
                    self.error(
                        "MBF201",
                        f"variant '{d.name}' adds fields to unknown collection '{it.collection}'",
                        it.span,
                        did_you_mean(it.collection, self.sizes),
                    )
                    continue
                for f in self.var_types(it.fields, v, f"field {it.collection}."):
                    if any(x.name == f.name for x in v.fields[it.collection]):
                        self.error(
                            "MBF202", f"{it.collection} already has a field '{f.name}'", f.span
                        )
                        continue
                    fd = next(x for x in it.fields if x.name == f.name)
                    additions.append((it.collection, fd, f))
                    v.fields[it.collection].append(f)
        overrides: list[str] = []
        defs = [it for it in d.items if isinstance(it, ast.DefDecl)]
        for it in d.items:
            if isinstance(it, ast.DefDecl | ast.MacroDecl):
                table: Mapping[str, object] = (
                    v.def_asts if isinstance(it, ast.DefDecl) else v.macros
                )
                what = "definition" if isinstance(it, ast.DefDecl) else "macro"
                if it.name not in table:
                    self.error(
                        "MBF403",
                        f"variant '{d.name}' replaces {what} '{it.name}', "
                        f"which '{extends}' does not have",
                        it.span,
                        did_you_mean(it.name, table) or "a variant may only replace what exists",
                    )
                    continue
                overrides.append(it.name)
                if isinstance(it, ast.DefDecl):
                    v.def_asts[it.name] = it
                else:
                    v.macros[it.name] = it
            elif isinstance(it, ast.StepOverride):
                self.step_override(d.name, extends, it, v, overrides)
        self.lower_defs(v, [x for x in v.def_asts.values() if x.name in {y.name for y in defs}])
        scope = self.scope(v)
        for g, gd in zip(
            added, (x for x in new_globals if x.name in {a.name for a in added}), strict=False
        ):
            g2 = replace(g, init=self.init(gd, g, scope))
            v.globals[v.globals.index(g)] = g2
            choices, value = init_parts(g2.init)
            vb.var(
                g2.name,
                g2.type,
                value,
                one_of=choices,
                const=g2.const,
                span=g2.span,
                guarded=g2.guarded,
            )
        for coll, fd, f in additions:
            f2 = replace(f, init=self.init(fd, f, self.scope(v, self_type=IndexType(coll))))
            v.fields[coll] = [f2 if x is f else x for x in v.fields[coll]]
            choices, value = init_parts(f2.init)
            vb.add_field(
                coll,
                f2.name,
                f2.type,
                value,
                one_of=choices,
                const=f2.const,
                span=f2.span,
                guarded=f2.guarded,
            )
        if has_errors(self.sink.diags):
            return v
        v.actors = self.lower_actors(v)
        for it in d.items:
            if isinstance(it, ast.DefDecl) and it.name in v.defs:
                nd = v.defs[it.name]
                vb.define(nd.name, [(p.name, p.type) for p in nd.params], nd.body, span=nd.span)
            elif isinstance(it, ast.MacroDecl) and it.name in overrides:
                vb.note_override(it.name)
        for name, a in v.actors.items():
            mine = [o for o in overrides if o.startswith(f"{name}.")]
            if a != parent.actors.get(name):
                vb.replace_actor(a, mine, span=d.span)
            else:
                for o in mine:
                    vb.note_override(o)
        return v

    def step_override(
        self, variant: str, extends: str, it: ast.StepOverride, v: Version, overrides: list[str]
    ) -> None:
        if it.actor not in v.bodies:
            self.error(
                "MBF403",
                f"variant '{variant}' replaces a step of unknown actor '{it.actor}'",
                it.span,
                did_you_mean(it.actor, v.bodies),
            )
            return
        new = replace_step(v.bodies[it.actor], it.label, it.body)
        if new is None:
            labels = shape(it.actor, v.bodies[it.actor], Sink()).labels
            self.error(
                "MBF403",
                f"variant '{variant}' replaces step '{it.actor}.{it.label}', "
                f"which '{extends}' does not have",
                it.span,
                did_you_mean(it.label, labels)
                or f"steps of {it.actor}: {', '.join(labels) or '(none)'}",
            )
            return
        v.bodies[it.actor] = new
        overrides.append(f"{it.actor}.{it.label}")

    # ------------------------------------------------------------------ claims, scenarios

    def claims(self, items: Sequence[ast.Item], base: Version) -> None:
        scope = replace(self.scope(base), model=self.model(base, list(base.actors.values())))
        for it in items:
            if isinstance(it, ast.FairnessDecl):
                self.b.fair(it.actor, it.label, strong=it.strong, span=it.span)
        for it in items:
            if not isinstance(it, ast.ClaimDecl):
                continue
            if it.mode not in (ast.ClaimMode.ALWAYS, ast.ClaimMode.FINAL):
                self.live_claim(it, scope)
                continue
            prop = self.ex.cond(it.prop, scope)
            self.b.claim(
                it.name,
                always=prop if it.mode is ast.ClaimMode.ALWAYS else None,
                final=prop if it.mode is ast.ClaimMode.FINAL else None,
                reachable=[self.ex.cond(w, scope) for w in it.witnesses],
                assume=None if it.assume is None else self.ex.cond(it.assume, scope),
                span=it.span,
            )

    def live_claim(self, it: ast.ClaimDecl, scope: Scope) -> None:
        """A temporal claim (NOTE(liveness) in `ir.model`): `p ~> q` under a forall
        prefix is lowered as the two quantified sides, whose binders become `over`."""
        reach = [self.ex.cond(w, scope) for w in it.witnesses]
        assume = None if it.assume is None else self.ex.cond(it.assume, scope)
        fair = [
            self.b.fairness(f.actor, f.label, strong=f.strong, span=f.span) for f in it.fairness
        ]
        common = {"fair": fair, "reachable": reach, "assume": assume, "span": it.span}
        if it.mode is ast.ClaimMode.LEADS_TO:
            sides = _leads_to(it.prop)
            if sides is None:
                before = len(self.sink.diags)
                self.ex.cond(it.prop, scope)  # reports a nested '~>' where it stands
                if len(self.sink.diags) > before:
                    return
                self.error(
                    "MBF420",
                    f"claim {it.name} states no temporal property",
                    it.prop.span,
                    "write 'always P;', 'final P;', 'eventually P;', 'always eventually P;' "
                    "or 'p ~> q;' (optionally under 'forall x in D:')",
                )
                return
            left, right, prefix = sides
            lhs, rhs = self.ex.cond(left, scope), self.ex.cond(right, scope)
            over: list[tuple[str, Type]] = []
            for _ in range(prefix):
                if not (isinstance(lhs, Quant) and isinstance(rhs, Quant)):
                    return  # the domain failed to lower: already reported
                # both sides were lowered in one scope, so their fresh names agree
                assert rhs.var == lhs.var and rhs.domain == lhs.domain
                over.append((lhs.var, lhs.domain))
                lhs, rhs = lhs.body, rhs.body
            self.b.live_claim(
                it.name,
                leads_to=(lhs, rhs),
                over=over,
                **common,  # type: ignore[arg-type]
            )
            return
        prop = self.ex.cond(it.prop, scope)
        if it.mode is ast.ClaimMode.EVENTUALLY:
            self.b.live_claim(it.name, eventually=prop, **common)  # type: ignore[arg-type]
        else:
            self.b.live_claim(it.name, always_eventually=prop, **common)  # type: ignore[arg-type]

    def scenarios(self, items: Sequence[ast.Item], base: Version) -> None:
        for it in items:
            if not isinstance(it, ast.ScenarioDecl):
                continue
            params = dict(self.params)
            settings: dict[str, int] = {}
            for st in it.settings:
                if st.name not in self.params:
                    self.error(
                        "MBF410",
                        f"scenario {it.name} sets unknown parameter '{st.name}'",
                        st.span,
                        did_you_mean(st.name, self.params),
                    )
                    continue
                if not 1 <= st.value <= MAX_SIZE:
                    self.error(
                        "MBF304",
                        f"scenario {it.name} sets '{st.name}' to {st.value}, outside 1..{MAX_SIZE}",
                        st.span,
                    )
                    continue
                params[st.name] = settings[st.name] = st.value
            sizes = {
                n: _size(const_value(e, params), self.sizes[n]) for n, e in self.size_exprs.items()
            }
            model = self.model(base, list(base.actors.values()))
            model = replace(
                model,
                collections=tuple(replace(c, size=sizes[c.name]) for c in model.collections),
            )
            values = {k: v for k, v in self.values.items() if k not in settings}
            scope = Scope(model=model, params=params, values=values, aliases=self.aliases)
            self.b.scenario(
                it.name,
                run=it.run,
                expect=self.ex.cond(it.expect, scope),
                assume=None if it.assume is None else self.ex.cond(it.assume, scope),
                params=settings,
                span=it.span,
            )


def _leads_to(e: ast.Expr) -> tuple[ast.Expr, ast.Expr, int] | None:
    """`forall x in D: ... p ~> q` as (`forall x in D: ... p`, `forall ...: q`, the
    number of foralls), or None when `e` is no leads-to."""
    chain: list[ast.QuantExpr] = []
    while isinstance(e, ast.QuantExpr) and e.kind is ast.QuantKind.FORALL:
        chain.append(e)
        e = e.body
    if not (isinstance(e, ast.BinaryExpr) and e.op is ast.BinaryOp.LEADS_TO):
        return None
    left, right = e.left, e.right
    for q in reversed(chain):
        left, right = replace(q, body=left), replace(q, body=right)
    return left, right, len(chain)


def _size(value: int | None, default: int) -> int:
    """A collection's size under a scenario's parameters (its own size if not constant)."""
    return default if value is None else min(MAX_SIZE, max(1, value))
