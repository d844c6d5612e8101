"""The `param` engine: a claim proved for every size of one collection, or unknown.

Stage: engines. Input: a `Model`, a `Claim`, a `Budget`, and (from the CLI) a `SpecAt`
that rebuilds the spec at other sizes. Output: a `Result`: HOLDS with
`stats["scope"] == "all sizes"` and the certified invariant only when the whole pipeline
passed; otherwise UNKNOWN with the reason (not parametric, violated at a small size, a
counterexample to induction shown as a state, a solver or time limit). It never answers
VIOLATED: a claim that fails at some size says nothing about the checked size.

Pipeline: `family` (the model at sizes 1..5 and how it scales) -> `reach` (every
reachable state at sizes 2, 3, 4; the claim must hold in all) -> `infer` (template
clauses true in those states) -> `houdini` (the inductive subset, for symbolic N) ->
`certify` (the invariant printed, re-parsed, re-checked with fresh solvers, and checked
by the explicit engine at sizes 2..6).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import z3

from mbind_formal.engines.base import Budget, Progress, ProgressEvent, Result, Verdict
from mbind_formal.engines.param.certify import certify
from mbind_formal.engines.param.encode import Loc, PEncoding
from mbind_formal.engines.param.family import Family, NotParametric, SpecAt, family
from mbind_formal.engines.param.houdini import CTI_SIZES_UP_TO, houdini
from mbind_formal.engines.param.infer import Clause, candidates, const_facts, rich_atoms
from mbind_formal.engines.param.reach import reach
from mbind_formal.engines.param.text import Printer
from mbind_formal.ir.model import (
    BoolType,
    Claim,
    EnumType,
    Expr,
    IndexType,
    Model,
    RangeType,
    SetType,
    Spec,
)
from mbind_formal.semantics.layout import Layout, State

SAMPLE_SIZES = (2, 3, 4)
DEFAULT_TIMEOUT_S = 120.0
DEFAULT_QUERY_S = 20.0
MAX_CANDIDATES = 1000
MAX_SAMPLE_STATES = 4000  # per size, for enumerating candidates (all are checked later)
MAX_REACH_STATES = 400_000
SCOPE = "all sizes"


@dataclass(frozen=True, slots=True)
class _Stop(Exception):
    reason: str


class ParamEngine:
    """Parametric proofs (see the module docstring)."""

    name = "param"

    def __init__(self, respec: SpecAt | None = None) -> None:
        self.respec: SpecAt | None = None
        if respec is not None:
            self.use_spec(respec)

    def use_spec(self, respec: SpecAt) -> None:
        """The CLI hands over how to rebuild the spec at other sizes. Rebuilt specs are
        kept for the engine's life (one run), so the claims of a spec share them."""
        built: dict[tuple[tuple[tuple[str, int], ...], str], Spec | None] = {}

        def cached(params: Mapping[str, int], extra: str) -> Spec | None:
            key = (tuple(sorted(params.items())), extra)
            if key not in built:
                built[key] = respec(params, extra)
            return built[key]

        self.respec = cached

    def check(
        self, model: Model, claim: Claim, budget: Budget, report: Progress | None = None
    ) -> Result:
        started = time.monotonic()
        limit = budget.timeout_s if budget.timeout_s is not None else DEFAULT_TIMEOUT_S
        deadline = started + limit
        stats: dict[str, float | int | str] = {}

        def done(verdict: Verdict, reason: str, **kw: object) -> Result:
            return Result(
                verdict=verdict,
                engine=self.name,
                method=kw.pop("method", "parametric invariant"),  # type: ignore[arg-type]
                variant=model.variant,
                claim=claim.name,
                reason=reason,
                seconds=time.monotonic() - started,
                stats=stats,
                **kw,  # type: ignore[arg-type]
            )

        def say(phase: str, message: str) -> None:
            if report is not None:
                report(
                    ProgressEvent(
                        engine=self.name,
                        phase=phase,
                        elapsed_s=time.monotonic() - started,
                        message=message,
                    )
                )

        if self.respec is None:
            return done(
                Verdict.UNKNOWN,
                "not parametric because the engine was not told "
                "how to rebuild the spec at other sizes (run it from the CLI)",
            )
        try:
            fam = family(self.respec, model, claim)
            enc = PEncoding(fam)
        except NotParametric as e:
            return done(Verdict.UNKNOWN, f"not parametric because {e}")
        stats["param"] = fam.param
        stats["collection"] = fam.collection
        stats["min_size"] = fam.min_size
        # 1. every reachable state at the small sizes
        say("reach", "reachable states at sizes 2, 3, 4")
        samples: list[tuple[Model, Sequence[State]]] = []
        witnessed: tuple[bool | None, ...] = tuple(None for _ in claim.witnesses)
        for n in sorted({*SAMPLE_SIZES, fam.given}):
            if n not in fam.models:
                continue
            m, c = fam.models[n], fam.claims[n]
            got = reach(
                m,
                c.assume,
                c.invariant,
                c.witnesses,
                deadline,
                budget.max_states or MAX_REACH_STATES,
            )
            stats[f"states@{n}"] = len(got.states)
            if got.bad is not None:
                shown = _show_concrete(m, got.bad)
                return done(
                    Verdict.UNKNOWN,
                    f"does not hold for every size: violated at {fam.param} = {n} (state: {shown})",
                )
            if not got.complete:
                return done(Verdict.UNKNOWN, f"reachable states at {fam.param} = {n}: {got.why}")
            if n == fam.given:
                witnessed = got.witnessed
            if n in SAMPLE_SIZES:
                step = max(1, len(got.states) // MAX_SAMPLE_STATES)
                samples.append((m, got.states[::step]))
        # 2. candidates
        say("infer", "candidate clauses")
        scaled_ranges = _scaled_ranges(fam)
        rich = rich_atoms(
            fam.models, {n: c.invariant for n, c in fam.claims.items()}, fam.collection, fam.base
        )
        cands = candidates(
            fam.model, fam.collection, samples, scaled_ranges, deadline, MAX_CANDIDATES, rich
        )
        extra = _structural(fam)
        all_cands: tuple[Expr | Clause, ...] = (*extra, *cands.clauses)
        all_exprs = (fam.claim.invariant, *extra, *cands.exprs)
        stats["atoms"] = cands.atoms
        stats["candidates"] = len(all_cands)
        stats["clauses_tried"] = cands.tried
        # 3. Houdini
        say("houdini", f"{len(all_cands)} candidates")
        query_s = budget.query_timeout_s or DEFAULT_QUERY_S
        h = houdini(
            enc, fam.claim.invariant, fam.claim.assume, all_cands, deadline, query_s, budget.seed
        )
        stats["kept"] = len(h.kept)
        stats["dropped_init"] = h.dropped_init
        stats["dropped_step"] = h.dropped_step
        stats["undecided"] = h.undecided
        stats["unneeded"] = h.unneeded
        stats["queries"] = h.queries
        if h.timed_out:
            why = (
                f"out of time during Houdini ({len(all_cands)} candidates, {h.queries} "
                "solver queries; a larger --timeout may decide it)"
            )
            return done(Verdict.UNKNOWN, why, witnesses=witnessed)
        if not h.claim_kept:
            if h.cti is not None and h.cti_init:
                why = "the claim fails in an initial state at some size: " + _show_model(
                    enc, h.cti, h.cti_tag
                )
            elif h.cti is not None:
                why = (
                    "the claim is not inductive relative to the inferred candidates; "
                    "counterexample to induction: " + _show_model(enc, h.cti, h.cti_tag)
                )
            else:
                why = (
                    "the solver could not decide whether the claim is inductive for every "
                    "size (relative to the candidates, no counterexample to induction at "
                    f"{fam.param} <= {CTI_SIZES_UP_TO})"
                )
            return done(Verdict.UNKNOWN, why, witnesses=witnessed)
        # 4. certificate
        printer = Printer(fam.model, fam.shape, fam.param)
        kept = _minimal(tuple(all_exprs[k] for k in h.kept))
        text = " && ".join(printer.expr(e) for e in kept)
        say("certify", "re-checking the invariant")
        cert = certify(self.respec, model, claim, text, budget, deadline)
        stats["certificate"] = "; ".join(f"{k}: {v}" for k, v in cert.checks)
        if not cert.ok:
            return done(
                Verdict.UNKNOWN,
                f"certificate check failed: {cert.failed}",
                invariant=text,
                witnesses=witnessed,
            )
        stats["scope"] = SCOPE
        wit_ok = all(w is True for w in witnessed)
        size_words = f"{fam.param} >= {fam.min_size}"
        if not wit_ok:
            return done(
                Verdict.VACUOUS,
                "the invariant holds for every size but a witness is "
                f"unreachable at {fam.param} = {fam.given}",
                invariant=text,
                witnesses=witnessed,
                method=f"parametric invariant: all sizes, {size_words}",
            )
        return done(
            Verdict.HOLDS,
            f"holds for every {size_words}",
            invariant=text,
            witnesses=witnessed,
            method=f"parametric invariant: all sizes, {size_words}",
        )


def _minimal(kept: tuple[Expr, ...]) -> tuple[Expr, ...]:
    """The kept clauses without duplicates, in order."""
    return tuple(dict.fromkeys(kept))


def _scaled_ranges(fam: Family) -> Callable[[RangeType], bool]:
    def scaled(t: RangeType) -> bool:
        return fam.shape.num(t, "lo").b != 0 or fam.shape.num(t, "hi").b != 0

    return scaled


def _structural(fam: Family) -> tuple[Expr, ...]:
    """Candidates that need no template: the model's and the claim's constraints on
    initial states (true forever when they read constants only; Houdini decides)."""
    out: list[Expr] = [*const_facts(fam.model, fam.collection), *fam.model.init]
    if fam.claim.assume is not None:
        out.append(fam.claim.assume)
    return tuple(out)


def _show_concrete(m: Model, s: State) -> str:
    lay = Layout(m)
    return ", ".join(f"{k} = {v}" for k, v in lay.as_dict(s).items())


def _show_model(enc: PEncoding, mdl: z3.ModelRef, tag: str) -> str:
    """The pre-state of a z3 model as `name = value` items (elements 0..N-1)."""
    n_val = mdl.eval(enc.N, model_completion=True)
    n = n_val.as_long() if z3.is_int_value(n_val) else 0
    st = enc.state(tag)
    items = [f"{enc.fam.param} = {n}"]
    for loc in enc.locs:
        if loc.kind == "global":
            items.append(f"{loc.key} = {_val(enc, loc, mdl, st[loc])}")
            continue
        if loc.kind == "field":
            count = n if loc.owner == enc.coll else enc.fixed_size(loc.owner) or 0
        else:
            a = enc.model.actor(loc.owner)
            count = n if a.self_collection == enc.coll else a.instances
        for i in range(min(count, 8)):
            v = enc.read(st, loc, z3.IntVal(i))
            name = (
                f"{loc.owner}[{i}].{loc.name}"
                if loc.kind == "field" or count > 1 or enc.model.actor(loc.owner).self_collection
                else loc.key
            )
            items.append(f"{name} = {_val(enc, loc, mdl, v)}")
    return ", ".join(items)


def _val(enc: PEncoding, loc: Loc, mdl: z3.ModelRef, v: object) -> str:
    if isinstance(v, tuple):
        assert isinstance(loc.type, SetType)
        on = [
            name
            for name, b in zip(loc.type.enum.values, v, strict=True)
            if z3.is_true(mdl.eval(b, model_completion=True))
        ]
        return "{" + ", ".join(on) + "}"
    got = mdl.eval(v, model_completion=True)
    if z3.is_true(got):
        return "true"
    if z3.is_false(got):
        return "false"
    if not z3.is_int_value(got):
        return str(got)
    k = got.as_long()
    if loc.kind == "pc":
        labels = (*enc.model.actor(loc.owner).labels, "done")
        return labels[k] if 0 <= k < len(labels) else str(k)
    t = loc.type
    if isinstance(t, EnumType):
        return t.values[k] if 0 <= k < len(t.values) else str(k)
    if isinstance(t, IndexType):
        return "none" if k < 0 else f"{t.collection}[{k}]"
    if isinstance(t, BoolType | RangeType):
        return str(k)
    return str(k)


__all__ = ("SCOPE", "ParamEngine")
