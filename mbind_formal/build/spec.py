"""Python API: build the same IR as the DSL, with typed-by-construction expression helpers.

Stage: front end (the Python one; `lower.spec` drives the same builder from the DSL AST).
Input: calls on a `SpecBuilder`. Output: a validated `ir.model.Spec` (`build()` raises
`DiagnosticError` on errors; `finish()` returns the diagnostics instead).

    b = SpecBuilder("mutex")
    lock = b.var("lock", BOOL, init=False)
    Page = b.collection("Page", 2, symmetric=True)
    Page.var("lru", BOOL, init=True)
    a = b.actor("proc", instances=2)
    a.step("acquire", [b.await_(b.not_(lock)), b.assign(lock, True)])
    a.step("release", [b.assign(lock, False), b.done()])
    b.claim("safe", always=b.forall(Page, lambda p: b.field(p, "lru")), reachable=[lock])
    spec = b.build()

A step body that falls off its end continues at the next step (`Goto`), the last one
at `Done()`, exactly as a DSL step does (NOTE(closing) in `close_block`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import overload

from mbind_formal.diagnostics import (
    Diagnostic,
    DiagnosticError,
    Span,
    did_you_mean,
    has_errors,
)
from mbind_formal.build.expr import BuildContext, ExprBuilder, ExprLike, TypeLike
from mbind_formal.ir.model import (
    Actor,
    Claim,
    ClaimKind,
    Collection,
    Def,
    EnumType,
    Expr,
    Fairness,
    FairnessKind,
    Init,
    InitAny,
    InitIn,
    InitValue,
    Model,
    Param,
    ParamValue,
    Scenario,
    Spec,
    Step,
    Stmt,
    Var,
    param_text,
)
from mbind_formal.ir.resolve import (
    VariantDelta,
    apply_variant,
    close_actor,
    close_block,
    variant_order,
)
from mbind_formal.ir.validate import validate

__all__ = (
    "ActorBuilder",
    "CollectionBuilder",
    "DefRef",
    "SpecBuilder",
    "VariantBuilder",
    "close_block",
)

# --------------------------------------------------------------------------- pieces


@dataclass(frozen=True, slots=True)
class DefRef:
    """A declared definition; calling it builds a `Call`."""

    name: str
    builder: ExprBuilder = field(compare=False, repr=False)

    def __call__(self, *args: ExprLike) -> Expr:
        return self.builder.call(self.name, *args)


def _make_init(
    b: ExprBuilder, t: TypeLike, init: ExprLike | None, one_of: Sequence[ExprLike] | None
) -> Init:
    typ = b.type(t)
    if one_of is not None:
        return InitIn(choices=tuple(b.value(x, typ) for x in one_of))
    if init is None:
        return InitAny()
    return InitValue(value=b.value(init, typ))


def _make_var(
    b: ExprBuilder,
    name: str,
    t: TypeLike,
    init: ExprLike | None,
    one_of: Sequence[ExprLike] | None,
    const: bool,
    span: Span | None,
    guarded: bool = False,
) -> Var:
    typ = b.type(t)
    return Var(
        name=name,
        type=typ,
        init=_make_init(b, typ, init, one_of),
        const=const,
        span=span,
        guarded=guarded,
    )


class CollectionBuilder:
    """A collection being declared; `Page[0]` is the element literal, `Page.type` its type."""

    def __init__(self, owner: SpecBuilder, name: str) -> None:
        self._owner = owner
        self.name = name

    @property
    def type(self) -> TypeLike:
        return self._owner.type(self.name)

    @property
    def optional(self) -> TypeLike:
        return self._owner.type(f"{self.name}?")

    def __getitem__(self, index: int) -> Expr:
        return self._owner.elem(self.name, index)

    def var(
        self,
        name: str,
        type: TypeLike,
        init: ExprLike | None = None,
        *,
        one_of: Sequence[ExprLike] | None = None,
        span: Span | None = None,
        guarded: bool = False,
    ) -> None:
        """A per-element variable (its init may read `self`, the element); `guarded`:
        a store outside its type disables the step (ir.model NOTE(type rule))."""
        self._owner._add_field(self.name, name, type, init, one_of, False, span, guarded)

    def const(
        self,
        name: str,
        type: TypeLike,
        init: ExprLike | None = None,
        *,
        one_of: Sequence[ExprLike] | None = None,
        span: Span | None = None,
    ) -> None:
        """A per-element constant (any value of its type unless `init`/`one_of`)."""
        self._owner._add_field(self.name, name, type, init, one_of, True, span)


class ActorBuilder(ExprBuilder):
    """An actor being declared: locals, then steps in order (the first one runs first)."""

    def __init__(self, owner: SpecBuilder, actor: Actor) -> None:
        super().__init__(owner._ctx, actor=actor.name)
        self._owner = owner
        self.name = actor.name

    def var(
        self,
        name: str,
        type: TypeLike,
        init: ExprLike | None = None,
        *,
        one_of: Sequence[ExprLike] | None = None,
        const: bool = False,
        span: Span | None = None,
        guarded: bool = False,
    ) -> Expr:
        """An actor-local variable; returns the `LocalVar` naming it."""
        v = _make_var(self, name, type, init, one_of, const, span, guarded)
        self._owner._update_actor(self.name, lambda a: replace(a, locals=(*a.locals, v)))
        return self.local(name)

    def step(
        self, label: str, body: Sequence[Stmt], *, doc: str = "", span: Span | None = None
    ) -> None:
        """A labelled atomic step; falling off its end goes to the next step."""
        s = Step(label=label, body=tuple(body), doc=doc, span=span)
        self._owner._update_actor(self.name, lambda a: replace(a, steps=(*a.steps, s)))


class VariantBuilder(ExprBuilder):
    """A variant: replaces definitions and steps of what it extends, may add state."""

    def __init__(self, owner: SpecBuilder, delta: VariantDelta) -> None:
        super().__init__(owner._ctx)
        self._owner = owner
        self._delta = delta
        self.name = delta.name

    def define(
        self,
        name: str,
        params: Mapping[str, TypeLike] | Sequence[tuple[str, TypeLike]],
        body: Callable[..., ExprLike] | ExprLike,
        *,
        span: Span | None = None,
    ) -> None:
        """Replace definition `name` (it must exist in what this variant extends)."""
        self._delta.defs.append(self._owner._make_def(self, name, params, body, span))
        self._delta.overrides.append(name)

    def step(
        self, actor: str, label: str, body: Sequence[Stmt], *, span: Span | None = None
    ) -> None:
        """Replace the body of step `actor.label` (falling off its end: the next step)."""
        self._delta.steps.append((actor, label, tuple(body), span))
        self._delta.overrides.append(f"{actor}.{label}")

    def replace_actor(
        self, actor: Actor, overrides: Sequence[str], *, span: Span | None = None
    ) -> None:
        """Replace actor `actor.name` wholesale (what the DSL does for a step override
        whose lowering adds or removes labels); `overrides` names what was replaced."""
        self._delta.actors.append((actor, span))
        self._delta.overrides.extend(overrides)

    def note_override(self, name: str) -> None:
        """Record that this variant replaced `name` (a DSL macro, inlined into steps)."""
        self._delta.overrides.append(name)

    def var(
        self,
        name: str,
        type: TypeLike,
        init: ExprLike | None = None,
        *,
        one_of: Sequence[ExprLike] | None = None,
        const: bool = False,
        span: Span | None = None,
        guarded: bool = False,
    ) -> Expr:
        """Add a global variable (or constant) to this variant."""
        v = _make_var(self, name, type, init, one_of, const, span, guarded)
        self._delta.globals.append(v)
        return self.global_var(name)

    def add_field(
        self,
        collection: str,
        name: str,
        type: TypeLike,
        init: ExprLike | None = None,
        *,
        one_of: Sequence[ExprLike] | None = None,
        const: bool = False,
        span: Span | None = None,
        guarded: bool = False,
    ) -> None:
        """Add a per-element field to collection `collection` in this variant."""
        saved = self._self_type
        self._self_type = self.type(collection)
        try:
            v = _make_var(self, name, type, init, one_of, const, span, guarded)
        finally:
            self._self_type = saved
        self._delta.fields.append((collection, v))

    def init(self, cond: ExprLike) -> None:
        """Add a constraint on initial states."""
        self._delta.init.append(self.cond(cond))


# --------------------------------------------------------------------------- the spec


class SpecBuilder(ExprBuilder):
    """A whole spec: parameters, state, definitions, actors, variants, claims, scenarios."""

    def __init__(
        self, name: str, *, source: str = "", params: Mapping[str, ParamValue] | None = None
    ) -> None:
        super().__init__(BuildContext(model=self._lookup_model))
        self.name = name
        self.source = source
        self._requested = dict(params or {})
        self._params: list[tuple[str, ParamValue]] = []
        self._param_spans: dict[str, Span | None] = {}
        self._param_errors: list[Diagnostic] = []
        self._constants: tuple[tuple[str, Expr], ...] = ()
        self._enums: list[EnumType] = []
        self._collections: list[Collection] = []
        self._globals: list[Var] = []
        self._defs: list[Def] = []
        self._actors: list[Actor] = []
        self._init: list[Expr] = []
        self._variants: list[VariantDelta] = []
        self._claims: list[Claim] = []
        self._scenarios: list[Scenario] = []
        self._allow_deadlock = False
        self._fairness: list[Fairness] = []
        self._cache: Model | None = None
        self.diagnostics: tuple[Diagnostic, ...] = ()  # of the last `finish`/`build`

    # ------------------------------------------------------------------ lookup

    def _lookup_model(self) -> Model:
        """Everything declared so far, variant additions included, for the helpers."""
        if self._cache is None:
            colls = list(self._collections)
            extra: list[Var] = []
            for d in self._variants:
                extra.extend(d.globals)
                for cname, f in d.fields:
                    colls = [
                        replace(c, fields=(*c.fields, f)) if c.name == cname else c for c in colls
                    ]
            self._cache = self._assemble("base", self._actors, colls, [*self._globals, *extra])
        return self._cache

    def _assemble(
        self,
        variant: str,
        actors: Sequence[Actor],
        collections: Sequence[Collection] | None = None,
        globals_: Sequence[Var] | None = None,
    ) -> Model:
        return Model(
            name=self.name,
            variant=variant,
            enums=tuple(self._enums),
            collections=tuple(self._collections if collections is None else collections),
            globals=tuple(self._globals if globals_ is None else globals_),
            actors=tuple(actors),
            defs=tuple(self._defs),
            init=tuple(self._init),
            source=self.source,
            allow_deadlock=self._allow_deadlock,
            fairness=tuple(self._fairness),
            constants=self._constants,
        )

    def _changed(self) -> None:
        self._cache = None

    # ------------------------------------------------------------------ declarations

    @overload
    def param(self, name: str, default: bool, *, span: Span | None = None) -> bool: ...
    @overload
    def param(self, name: str, default: int, *, span: Span | None = None) -> int: ...
    @overload
    def param(self, name: str, default: str, *, span: Span | None = None) -> str: ...
    def param(self, name: str, default: ParamValue, *, span: Span | None = None) -> ParamValue:
        """Parameter `name`: the requested value if one was given, else `default`; an int,
        a bool or an enum value's name (a requested value of another kind is MBF301)."""
        value = self._requested.get(name, default)
        if _param_kind(value) != _param_kind(default):
            self._param_errors.append(
                Diagnostic(
                    code="MBF301",
                    message=f"parameter '{name}' is {_param_kind(default)}, "
                    f"requested as {param_text(value)!r}",
                    span=span,
                    hint=f"give it {_param_kind(default)}, e.g. {name}={param_text(default)}",
                )
            )
            value = default
        self._params.append((name, value))
        self._param_spans[name] = span
        return value

    def constants(self, values: Sequence[tuple[str, Expr]]) -> None:
        """The parameters TLA+ emits as CONSTANTS (NOTE(constants)); a front end that
        marks its literals with their parameter says which ones."""
        self._constants = tuple(values)
        self._changed()

    def enum(self, name: str, *values: str, span: Span | None = None) -> EnumType:
        """`enum name { values }`; its values are global names."""
        en = EnumType(name, tuple(values))
        self._enums.append(en)
        self._changed()
        return en

    def collection(
        self, name: str, size: int, *, symmetric: bool = False, span: Span | None = None
    ) -> CollectionBuilder:
        """A collection of `size` elements; declare its fields on the result."""
        self._collections.append(Collection(name=name, size=size, symmetric=symmetric, span=span))
        self._changed()
        return CollectionBuilder(self, name)

    def _add_field(
        self,
        coll: str,
        name: str,
        type: TypeLike,
        init: ExprLike | None,
        one_of: Sequence[ExprLike] | None,
        const: bool,
        span: Span | None,
        guarded: bool = False,
    ) -> None:
        saved = self._self_type
        self._self_type = self.type(coll)
        try:
            v = _make_var(self, name, type, init, one_of, const, span, guarded)
        finally:
            self._self_type = saved
        self._collections = [
            replace(c, fields=(*c.fields, v)) if c.name == coll else c for c in self._collections
        ]
        self._changed()

    def var(
        self,
        name: str,
        type: TypeLike,
        init: ExprLike | None = None,
        *,
        one_of: Sequence[ExprLike] | None = None,
        span: Span | None = None,
        guarded: bool = False,
    ) -> Expr:
        """A global variable; returns the `GlobalVar` naming it. `guarded`: a store
        outside its type disables the step (ir.model NOTE(type rule))."""
        return self._global(name, type, init, one_of, False, span, guarded)

    def const(
        self,
        name: str,
        type: TypeLike,
        init: ExprLike | None = None,
        *,
        one_of: Sequence[ExprLike] | None = None,
        span: Span | None = None,
    ) -> Expr:
        """A global constant (any value of its type unless `init`/`one_of`)."""
        return self._global(name, type, init, one_of, True, span)

    def _global(
        self,
        name: str,
        type: TypeLike,
        init: ExprLike | None,
        one_of: Sequence[ExprLike] | None,
        const: bool,
        span: Span | None,
        guarded: bool = False,
    ) -> Expr:
        self._globals.append(_make_var(self, name, type, init, one_of, const, span, guarded))
        self._changed()
        return self.global_var(name)

    def _make_def(
        self,
        b: ExprBuilder,
        name: str,
        params: Mapping[str, TypeLike] | Sequence[tuple[str, TypeLike]],
        body: Callable[..., ExprLike] | ExprLike,
        span: Span | None,
    ) -> Def:
        pairs = list(params.items()) if isinstance(params, Mapping) else list(params)
        ps = tuple(Param(name=n, type=b.type(t)) for n, t in pairs)
        if callable(body):
            self._ctx.bound.extend((p.name, p.type) for p in ps)
            try:
                result = body(*(b.bound(p.name) for p in ps))
            finally:
                del self._ctx.bound[len(self._ctx.bound) - len(ps) :]
        else:
            result = body
        return Def(name=name, params=ps, body=b.value(result), span=span)

    def define(
        self,
        name: str,
        params: Mapping[str, TypeLike] | Sequence[tuple[str, TypeLike]],
        body: Callable[..., ExprLike] | ExprLike,
        *,
        span: Span | None = None,
    ) -> DefRef:
        """A pure definition; `body` is an expression or a lambda over the parameters."""
        self._defs.append(self._make_def(self, name, params, body, span))
        self._changed()
        return DefRef(name, self)

    def add_def(self, d: Def) -> None:
        """A definition built elsewhere (the DSL lowering builds bodies itself)."""
        self._defs.append(d)
        self._changed()

    def init(self, cond: ExprLike) -> None:
        """A constraint on initial states."""
        self._init.append(self.cond(cond))
        self._changed()

    def actor(
        self,
        name: str,
        *,
        instances: int = 1,
        over: TypeLike | None = None,
        span: Span | None = None,
    ) -> ActorBuilder:
        """An actor with `instances` copies, or one per element of collection `over`."""
        coll: str | None = None
        if over is not None:
            coll = self._coll(over)
            instances = next((c.size for c in self._collections if c.name == coll), 1)
        a = Actor(name=name, steps=(), instances=instances, self_collection=coll, span=span)
        self._actors.append(a)
        self._changed()
        return ActorBuilder(self, a)

    def _update_actor(self, name: str, f: Callable[[Actor], Actor]) -> None:
        self._actors = [f(a) if a.name == name else a for a in self._actors]
        self._changed()

    def variant(
        self, name: str, *, extends: str = "base", span: Span | None = None
    ) -> VariantBuilder:
        """A variant of the model (`base` is the model itself)."""
        delta = VariantDelta(name=name, extends=extends, span=span)
        self._variants.append(delta)
        return VariantBuilder(self, delta)

    def claim(
        self,
        name: str,
        *,
        always: ExprLike | None = None,
        final: ExprLike | None = None,
        reachable: Sequence[ExprLike] = (),
        assume: ExprLike | None = None,
        doc: str = "",
        span: Span | None = None,
    ) -> None:
        """A safety claim: `always P` or `final P`, with witnesses that must be reachable."""
        if (always is None) == (final is None):
            raise DiagnosticError(
                [
                    Diagnostic(
                        code="MBF301", message=f"claim {name}: give exactly one of always/final"
                    )
                ]
            )
        kind = ClaimKind.ALWAYS if always is not None else ClaimKind.FINAL
        prop = always if always is not None else final
        assert prop is not None
        self._claims.append(
            Claim(
                name=name,
                kind=kind,
                prop=self.cond(prop),
                witnesses=tuple(self.cond(w) for w in reachable),
                assume=None if assume is None else self.cond(assume),
                doc=doc,
                span=span,
            )
        )

    def fair(
        self, actor: str, label: str | None = None, *, strong: bool = False, span: Span | None = None
    ) -> Fairness:
        """`[strong] fair actor A;` (`label` None) or `fair step A.label;`, for the whole
        model: every temporal claim assumes it (NOTE(liveness) in `ir.model`)."""
        f = self.fairness(actor, label, strong=strong, span=span)
        self._fairness.append(f)
        self._changed()
        return f

    @staticmethod
    def fairness(
        actor: str, label: str | None = None, *, strong: bool = False, span: Span | None = None
    ) -> Fairness:
        """A fairness assumption for one claim (`claim(..., fair=[...])`)."""
        kind = FairnessKind.STRONG if strong else FairnessKind.WEAK
        return Fairness(kind=kind, actor=actor, label=label, span=span)

    def live_claim(
        self,
        name: str,
        *,
        eventually: ExprLike | None = None,
        always_eventually: ExprLike | None = None,
        leads_to: tuple[ExprLike, ExprLike] | None = None,
        over: Sequence[tuple[str, TypeLike]] = (),
        fair: Sequence[Fairness] = (),
        reachable: Sequence[ExprLike] = (),
        assume: ExprLike | None = None,
        doc: str = "",
        span: Span | None = None,
    ) -> None:
        """A temporal claim: `eventually P`, `always eventually P` or `p ~> q` (given as
        `leads_to=(p, q)`, for every value of the names in `over`, which `p` and `q` read
        with `bound(name)`), under the model's fairness and `fair`."""
        given = [x is not None for x in (eventually, always_eventually, leads_to)]
        if sum(given) != 1:
            raise DiagnosticError(
                [
                    Diagnostic(
                        code="MBF301",
                        message=f"claim {name}: give exactly one of "
                        "eventually/always_eventually/leads_to",
                    )
                ]
            )
        if over and leads_to is None:
            raise DiagnosticError(
                [Diagnostic(code="MBF301", message=f"claim {name}: 'over' needs leads_to")]
            )
        names = tuple((n, self.type(t)) for n, t in over)
        trigger: Expr | None = None
        self._ctx.bound.extend(names)
        try:
            if eventually is not None:
                kind, prop = ClaimKind.EVENTUALLY, self.cond(eventually)
            elif always_eventually is not None:
                kind, prop = ClaimKind.ALWAYS_EVENTUALLY, self.cond(always_eventually)
            else:
                assert leads_to is not None
                kind, prop = ClaimKind.LEADS_TO, self.cond(leads_to[1])
                trigger = self.cond(leads_to[0])
        finally:
            del self._ctx.bound[len(self._ctx.bound) - len(names) :]
        self._claims.append(
            Claim(
                name=name,
                kind=kind,
                prop=prop,
                trigger=trigger,
                over=names,
                fairness=tuple(fair),
                witnesses=tuple(self.cond(w) for w in reachable),
                assume=None if assume is None else self.cond(assume),
                doc=doc,
                span=span,
            )
        )

    def add_claim(self, claim: Claim) -> None:
        self._claims.append(claim)

    def scenario(
        self,
        name: str,
        *,
        run: Sequence[str],
        expect: ExprLike,
        assume: ExprLike | None = None,
        params: Mapping[str, int] | None = None,
        doc: str = "",
        span: Span | None = None,
    ) -> None:
        """A sequential run of `run` actors; `expect` must hold once they are all done."""
        self._scenarios.append(
            Scenario(
                name=name,
                run=tuple(run),
                expect=self.cond(expect),
                assume=None if assume is None else self.cond(assume),
                params=tuple((params or {}).items()),
                doc=doc,
                span=span,
            )
        )

    def allow_deadlock(self) -> None:
        """`allow deadlock;`: deadlocks are reported on their own, not as violations of
        every claim (ir.model NOTE(deadlock))."""
        self._allow_deadlock = True
        self._changed()

    def add_scenario(self, scenario: Scenario) -> None:
        self._scenarios.append(scenario)

    # ------------------------------------------------------------------ finishing

    def finish(self) -> tuple[Spec, tuple[Diagnostic, ...]]:
        """The spec and every diagnostic about it (errors and warnings), unchecked."""
        diags: list[Diagnostic] = list(self._param_errors)
        declared = [n for n, _ in self._params]
        for name in self._requested:
            if name not in declared:
                diags.append(
                    Diagnostic(
                        code="MBF208",
                        message=f"unknown parameter '{name}'",
                        hint=did_you_mean(name, declared)
                        or (
                            f"the spec declares: {', '.join(declared)}"
                            if declared
                            else "the spec declares no parameters"
                        ),
                    )
                )
        base = self._assemble("base", [close_actor(a) for a in self._actors])
        models = {"base": base}
        for delta in variant_order(self._variants, diags):
            parent = models.get(delta.extends)
            if parent is not None:
                models[delta.name] = apply_variant(parent, delta, diags)
        ordered = [base, *(models[d.name] for d in self._variants if d.name in models)]
        spec = Spec(
            name=self.name,
            models=tuple(ordered),
            claims=tuple(self._claims),
            scenarios=tuple(self._scenarios),
            params=tuple(self._params),
            source=self.source,
        )
        if not has_errors(diags):
            diags.extend(validate(spec))
        self.diagnostics = tuple(diags)
        return spec, self.diagnostics

    def build(self) -> Spec:
        """The validated spec; raises `DiagnosticError` if it has errors."""
        spec, diags = self.finish()
        if has_errors(diags):
            raise DiagnosticError([d for d in diags if d.is_error])
        return spec


def _param_kind(v: ParamValue) -> str:
    if isinstance(v, bool):
        return "a bool"
    return "an integer" if isinstance(v, int) else "an enum value"
