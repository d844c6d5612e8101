"""The view-model of an emitted module and configuration: plain strings, laid out.

Input: `Symbols` (the names), the claims, the spec path. Output: `ModuleView` and
`CfgView`, which the templates only loop over. Everything that needs thought (names,
translation, the layout of bulleted formulas, ordering) happens here or below, never in
a template.
"""

from __future__ import annotations

import math
import os
import posixpath
import re
from dataclasses import dataclass
from pathlib import Path

from mbind_formal.diagnostics import Span
from mbind_formal.ir.model import (
    BoolLit,
    Call,
    Claim,
    ClaimKind,
    Def,
    EnumLit,
    Expr,
    Fairness,
    FairnessKind,
    IntLit,
)
from mbind_formal.ir.types import TypeEnv
from mbind_formal.ir.walk import subexprs
from mbind_formal.tla.actions import StepTranslator
from mbind_formal.tla.exprs import ExprCtx, as_formula, def_reads
from mbind_formal.tla.formula import Atom, Formula, conj, disj, render, wrap_names
from mbind_formal.tla.init import expr_reads, plan_init, type_ok, variable_infos
from mbind_formal.tla.names import Namer, Scope, one_line
from mbind_formal.tla.symbols import DONE, SELF, Symbols, int_text, is_multi, tla_string


@dataclass(frozen=True, slots=True)
class OpView:
    """`head == lines[0]`, then `lines[1:]` (already indented), after `comment` lines."""

    head: str
    lines: tuple[str, ...]
    comment: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SectionView:
    title: str
    ops: tuple[OpView, ...]

    @property
    def rule(self) -> str:
        """`\\* ---- title ----...` to column 78."""
        return f"\\* ---- {self.title} " + "-" * max(4, 78 - 9 - len(self.title))


@dataclass(frozen=True, slots=True)
class VarView:
    name: str
    comment: str
    pad: str  # spaces aligning the comments


@dataclass(frozen=True, slots=True)
class ModuleView:
    name: str
    header: tuple[str, ...]
    extends: str
    constants: tuple[str, ...]
    values: tuple[OpView, ...]  # constant-level definitions, before VARIABLES
    variables: tuple[VarView, ...]
    sections: tuple[SectionView, ...]
    top_rule: str
    bottom_rule: str
    stores_in_type: bool = False  # the module states StoresInType (NOTE(type rule))
    deadlock_free: bool = False  # the module states DeadlockFree (ir.model NOTE(deadlock))
    assumes: tuple[str, ...] = ()  # what each spec parameter's CONSTANT ranges over


@dataclass(frozen=True, slots=True)
class CfgView:
    name: str
    header: tuple[str, ...]
    specification: str
    constants: tuple[str, ...]
    invariants: tuple[str, ...]
    symmetry: str | None
    properties: tuple[str, ...] = ()  # temporal claims (NOTE(liveness))


CONSTANT_NOTE = "stated with TypeOK, as TLC refuses an invariant equal to FALSE"


def op(head: str, body: Formula, comment: tuple[str, ...] = ()) -> OpView:
    return OpView(head, tuple(render(body, len(head) + 4)), comment)


def _doc(text: str) -> tuple[str, ...]:
    return tuple(line.rstrip() for line in text.strip().splitlines()) if text.strip() else ()


def shown_file(file: str, source: str, spec_path: str) -> str:
    """`file` (a span's file, named as the loader named it) as generated text shows it:
    `spec_path` for the spec itself, else its place relative to the spec's directory,
    below `spec_path`'s directory (`spec/mbind/others.mbf`)."""
    if not source or file == source:
        return spec_path
    rel = os.path.relpath(file, os.path.dirname(source) or ".")
    return posixpath.normpath(posixpath.join(posixpath.dirname(spec_path), *Path(rel).parts))


class _ModuleBuilder:
    def __init__(self, syms: Symbols, claims: tuple[Claim, ...], spec_path: str) -> None:
        self.syms = syms
        self.model = syms.model
        self.claims = claims
        self.spec_path = one_line(spec_path)  # a file name may hold a newline
        self.reads = def_reads(self.model, syms)
        self.fixed = syms.fixed
        self.assumes = {c.name: c.assume for c in claims if c.assume is not None}
        # Init comes in parts when assumes cut it (tla.init.InitPlan): name the parts,
        # then plan again with those names out of the bound names' way.
        names = syms.module_names()
        ctx = ExprCtx(syms, Scope(names), TypeEnv(model=self.model), def_reads=self.reads)
        count = len(plan_init(syms, ctx, self.assumes).parts)
        namer = Namer(names)
        init = self.fixed["Init"]
        self.init_parts = tuple(namer.fresh(f"{init}_{i + 1}") for i in range(count))
        self.scope = Scope(names | set(self.init_parts))
        self.ctx = ExprCtx(syms, self.scope, TypeEnv(model=self.model), def_reads=self.reads)
        self.plan = plan_init(syms, self.ctx, self.assumes)
        self.faults: list[Formula] = []  # NOTE(type rule): calls of the fault predicates

    def where(self, span: Span | None) -> str:
        """` (file:line)` of a declaration: the spec as the header names it, or the
        included file it comes from, named from the spec's directory the same way."""
        if span is None:
            return ""
        return f" ({shown_file(span.file, self.model.source, self.spec_path)}:{span.line})"

    def header(self) -> tuple[str, ...]:
        m = self.model
        lines = [
            f'Generated by mbind-formal from {self.spec_path}: variant "{one_line(m.variant)}"'
        ]
        if m.extends is not None:
            over = f", replacing {', '.join(m.overrides)}" if m.overrides else ""
            lines.append(f'(extends "{one_line(m.extends)}"{over}).')
        lines += [
            "Do not edit: `make tla` (mbind-formal tla) regenerates it.",
            "Values: NOTE(tla values) in mbind_formal/tla/symbols.py.",
            "Steps: NOTE(step translation) in mbind_formal/tla/actions.py.",
        ]
        if m.doc:
            lines += ["The spec's leading comment:", *(f"  {d}" for d in m.doc if d)]
        return tuple(lines)

    def values(self) -> list[OpView]:
        syms, out = self.syms, []
        for e in self.model.enums:
            items = ", ".join(tla_string(v) for v in e.values)
            out.append(op(syms.enum_sets[e.name], Atom(f"{{{items}}}"), (f"enum {e.name}",)))
        for c in self.model.collections:
            if c.name in syms.symmetric:
                continue
            comment = (f"collection {c.name}[{c.size}] (ordered): elements 0..{c.size - 1}",)
            out.append(op(syms.coll_sets[c.name], Atom(f"0..{c.size - 1}"), comment))
            out.append(op(syms.nones[c.name], Atom("-1"), (f"none (a {c.name}?)",)))
        return out

    def successors(self, used_in: str) -> list[OpView]:
        """`NextC(x)` for the ordered collections whose `next` some operator uses."""
        out = []
        for c in self.model.collections:
            name = self.syms.successor_ops.get(c.name)
            if name is None or not re.search(rf"\b{name}\(", used_in):
                continue
            x, _ = self.scope.bind("#x", "x")
            body = f"IF 0 <= {x} /\\ {x} < {c.size - 1} THEN {x} + 1 ELSE {self.syms.nones[c.name]}"
            comment = (f"`next` in {c.name}: the following element, none after the last",)
            out.append(op(f"{name}({x})", Atom(body), comment))
        return out

    def all_done(self) -> OpView:
        items: list[Formula] = []
        for a in self.model.actors:
            pc = self.syms.pcs[a.name]
            dom = self.syms.instance_sets.get(a.name)
            if dom is None:
                items.append(Atom(f'{pc} = "{DONE}"'))
            else:
                i, _ = self.scope.bind("#i", "i")
                items.append(Atom(f'\\A {i} \\in {dom} : {pc}[{i}] = "{DONE}"'))
        comment = ("Every instance of every actor has finished (a final state).",)
        return op(self.fixed["AllDone"], conj(items), comment)

    def definitions(self) -> list[OpView]:
        by_name = {d.name: d for d in self.model.defs}
        out = []
        for name in _def_order(self.model.defs):
            d = by_name[name]
            ctx = self.ctx
            params = []
            for p in d.params:
                ident, ctx = ctx.bind(p.name, p.type)
                params.append(ident)
            head = self.syms.defs[name] + (f"({', '.join(params)})" if params else "")
            comment = (*_doc(d.doc), f"def {name}{self.where(d.span)}")
            out.append(op(head, as_formula(d.body, ctx), comment))
        return out

    def actors(self) -> list[SectionView]:
        out = []
        for a in self.model.actors:
            tr = StepTranslator(self.syms, a, self.reads)
            param = f"({SELF})" if is_multi(a) else ""
            ops = []
            for st in a.steps:
                comment = (*_doc(st.doc), f"{a.name}.{st.label}{self.where(st.span)}")
                ops.append(
                    op(self.syms.actions[(a.name, st.label)] + param, tr.action(st), comment)
                )
                bad = tr.fault(st)
                if bad is not None:
                    name = self.syms.bad_stores[(a.name, st.label)]
                    why = (f"{a.name}.{st.label} stores a value outside its variable's type",)
                    ops.append(op(name + param, bad, why))
                    dom = self.syms.instance_sets.get(a.name)
                    self.faults.append(
                        Atom(
                            f"~{name}"
                            if dom is None
                            else f"\\A {SELF} \\in {dom} : ~{name}({SELF})"
                        )
                    )
            if a.steps:
                calls = [Atom(self.syms.actions[(a.name, st.label)] + param) for st in a.steps]
                ops.append(op(self.syms.actor_ops[a.name] + param, disj(calls)))
            kind = f"{a.instances} instances" if is_multi(a) else "one instance"
            if a.self_collection is not None:
                kind = f"one instance per {a.self_collection}"
            out.append(SectionView(f"actor {a.name} ({kind})", tuple(ops)))
        return out

    def next_state(self) -> list[OpView]:
        fixed = self.fixed
        term = op(
            fixed["Terminating"],
            Atom(f"{fixed['AllDone']} /\\ UNCHANGED {fixed['vars']}"),
            ("Final states stutter, so that TLC reports only real deadlocks.",),
        )
        moves: list[Formula] = []
        for a in self.model.actors:
            if not a.steps:
                continue
            name = self.syms.actor_ops[a.name]
            dom = self.syms.instance_sets.get(a.name)
            moves.append(Atom(name if dom is None else f"\\E {SELF} \\in {dom} : {name}({SELF})"))
        nxt = op(fixed["Next"], disj([*moves, Atom(fixed["Terminating"])]))
        out = [term, nxt]
        model_fair = self.syms.fairness.get("")
        if model_fair is not None:
            comment = ("Fairness of the model (fair actor/step declarations), per instance.",)
            out.append(op(model_fair, self.fairness(self.model.fairness), comment))
        spec = op(fixed["Spec"], Atom(self.spec_text(fixed["Init"], None)))
        if self.model.allow_deadlock:
            return [*out, spec]
        # ir.model NOTE(deadlock): an invariant, so that TLC tests it when it finds a
        # state, as it tests the claim (TLC's own check waits until it expands one).
        free_note = (
            "Some step is enabled, or every actor is done (Terminating): no deadlock.",
            "Checked as an invariant with every claim, TLC run with -deadlock.",
        )
        free = op(fixed["DeadlockFree"], Atom(f"ENABLED {fixed['Next']}"), free_note)
        return [*out, spec, free]

    def spec_text(self, init: str, claim: Claim | None) -> str:
        """`Init /\\ [][Next]_vars`, then the model's and the claim's fairness."""
        fixed = self.fixed
        parts = [init, f"[][{fixed['Next']}]_{fixed['vars']}"]
        for key in ("", *(() if claim is None else (claim.name,))):
            name = self.syms.fairness.get(key)
            if name is not None:
                parts.append(name)
        return " /\\ ".join(parts)

    def fairness(self, decls: tuple[Fairness, ...]) -> Formula:
        """`WF_vars(A(self))` / `SF_vars(...)` per declaration, for every instance
        (NOTE(fair lasso) in semantics.fairness: <<A>>_vars, as TLA+ defines them)."""
        syms, items = self.syms, []
        for f in decls:
            a = self.model.actor(f.actor)
            name = syms.actor_ops[a.name] if f.label is None else syms.actions[(a.name, f.label)]
            kind = "SF" if f.kind is FairnessKind.STRONG else "WF"
            dom = syms.instance_sets.get(a.name)
            if dom is None:
                items.append(Atom(f"{kind}_{self.fixed['vars']}({name})"))
            else:
                items.append(
                    Atom(f"\\A {SELF} \\in {dom} : {kind}_{self.fixed['vars']}({name}({SELF}))")
                )
        return conj(items)

    def type_rule(self) -> list[OpView]:
        """NOTE(type rule): `StoresInType`, checked with every claim (after it, as the
        other engines test the claim first): no enabled step stores out of type."""
        if not self.faults:
            return []
        comment = (
            "No enabled step stores a value outside the type of a variable that is not",
            "guarded: a type violation of every claim (NOTE(type rule) in ir/model.py).",
        )
        return [op(self.fixed["StoresInType"], conj(self.faults), comment)]

    def claim_ops(self, c: Claim) -> SectionView:
        syms, fixed = self.syms, self.fixed
        ops = []
        if c.assume is not None:
            parts = self.init_parts if len(self.init_parts) > 1 else (fixed["Init"],)
            items: list[Formula] = []
            for name, tested in zip(parts, self.plan.assumes[c.name], strict=True):
                items += [Atom(name), *tested]
            comment = (
                "Init under the claim's assume (each conjunct tested as early as it can be)",
            )
            ops.append(op(syms.inits[c.name], conj(items), comment))
        own_fair = syms.fairness.get(c.name)
        if own_fair is not None:
            comment = ("Fairness this claim assumes (besides the model's)",)
            ops.append(op(own_fair, self.fairness(c.fairness), comment))
        if c.name in syms.specs:
            init = syms.inits.get(c.name, fixed["Init"])
            ops.append(op(syms.specs[c.name], Atom(self.spec_text(init, c))))
        if c.temporal:
            ops.extend(self.temporal(c))
        else:
            kind = "holds in every final state" if c.kind is ClaimKind.FINAL else "always holds"
            inv = as_formula(c.invariant, self.ctx)
            if self.constant(c.invariant):
                inv, kind = conj([Atom(fixed["TypeOK"]), inv]), f"{kind}; {CONSTANT_NOTE}"
            ops.append(op(syms.claims[c.name], inv, (*_doc(c.doc), kind)))
        for i, w in enumerate(c.witnesses):
            w_op = syms.witnesses[(c.name, i)]
            ops.append(op(w_op, as_formula(w, self.ctx), ("witness: must be reachable",)))
            note = "checked as an invariant: a violation is a state reaching the witness"
            negated: Formula = Atom(f"~{w_op}")
            if self.constant(w):
                negated = conj([Atom(fixed["TypeOK"]), negated])
                note = f"{note}; {CONSTANT_NOTE}"
            ops.append(op(syms.unreached[(c.name, i)], negated, (note,)))
        return SectionView(f"claim {c.name}{self.where(c.span)}", tuple(ops))

    def temporal(self, c: Claim) -> list[OpView]:
        """A temporal claim as a TLC PROPERTY over named state predicates:
        `<>G`, `[]<>G`, `\\A x \\in D : T(x) ~> G(x)`."""
        ctx, idents, heads = self.ctx, [], []
        for name, t in c.over:
            ident, ctx = ctx.bind(name, t)
            idents.append(ident)
            heads.append(f"\\A {ident} \\in {self.syms.type_set(t)} : ")
        args = f"({', '.join(idents)})" if idents else ""
        ops = []
        for role, e in (("trigger", c.trigger), ("goal", c.prop)):
            if e is None:
                continue
            name = self.syms.live_ops[(c.name, role)]
            what = "the left-hand side of ~>" if role == "trigger" else "what must come"
            ops.append(op(name + args, as_formula(e, ctx), (f"claim {c.name}: {what}",)))
        goal = self.syms.live_ops[(c.name, "goal")] + args
        match c.kind:
            case ClaimKind.EVENTUALLY:
                body = f"<>{goal}"
            case ClaimKind.ALWAYS_EVENTUALLY:
                body = f"[]<>{goal}"
            case _:
                body = f"{self.syms.live_ops[(c.name, 'trigger')]}{args} ~> {goal}"
        comment = (*_doc(c.doc), f"{c.kind.value} (checked as a PROPERTY, under fairness)")
        ops.append(op(self.syms.claims[c.name], Atom("".join(heads) + body), comment))
        return ops

    def constant(self, e: Expr) -> bool:
        """Whether `e` reads no variable (TLC rejects an invariant that is constant FALSE)."""
        return not expr_reads(e, self.syms, self.reads, None)

    def init_ops(self) -> list[OpView]:
        fixed, parts = self.fixed, self.plan.parts
        if len(parts) == 1:
            return [op(fixed["Init"], conj(parts[0]))]
        out = []
        for i, (name, items) in enumerate(zip(self.init_parts, parts, strict=True)):
            comment = (
                ("Init in parts: claims test their assume between them (see Init_<claim>).",)
                if i == 0
                else ()
            )
            out.append(op(name, conj(items), comment))
        out.append(op(fixed["Init"], conj([Atom(n) for n in self.init_parts])))
        return out

    def symmetry(self) -> list[OpView]:
        colls = [c.name for c in self.model.collections if c.name in self.syms.symmetric]
        if not colls:
            return []
        perms = " \\cup ".join(f"Permutations({self.syms.coll_sets[c]})" for c in colls)
        return [op(self.fixed["Symmetry"], Atom(perms), ("Symmetric collections",))]

    def build(self) -> ModuleView:
        syms, fixed = self.syms, self.fixed
        constants = []
        for c in self.model.collections:
            if c.name in syms.symmetric:
                constants += [syms.coll_sets[c.name], syms.nones[c.name]]
        constants += [syms.params[n] for n, _ in self.model.constants]
        assumes = tuple(
            f"{syms.params[n]} \\in {param_domain(syms, v)}" for n, v in self.model.constants
        )
        infos = variable_infos(syms)
        state = [
            op(fixed["vars"], wrap_names("<<", tuple(v.name for v in infos), ">>")),
            op(fixed["TypeOK"], type_ok(syms), ("Every variable holds a value of its type.",)),
            self.all_done(),
        ]
        defs = self.definitions()
        inits = self.init_ops()
        actors = self.actors()
        sections = [
            SectionView("state", tuple(state)),
            SectionView("definitions", tuple(defs)),
            SectionView("initial states", tuple(inits)),
            *actors,
            SectionView("next-state relation", tuple(self.next_state())),
            SectionView("type rule", tuple(self.type_rule())),
            *(self.claim_ops(c) for c in self.claims),
            SectionView("symmetry", tuple(self.symmetry())),
        ]
        used = "\n".join(line for s in sections for o in s.ops for line in o.lines)
        values = [*self.values(), *self.successors(used)]
        width = max((len(v.name) for v in infos), default=0) + 2
        head = f" MODULE {syms.module} "
        side = max(4, (78 - len(head)) // 2)
        return ModuleView(
            name=syms.module,
            header=self.header(),
            extends="Integers, FiniteSets, TLC",
            constants=tuple(constants),
            values=tuple(values),
            variables=tuple(VarView(v.name, v.comment, " " * (width - len(v.name))) for v in infos),
            sections=tuple(s for s in sections if s.ops),
            top_rule="-" * side + head + "-" * side,
            bottom_rule="=" * (2 * side + len(head)),
            stores_in_type=bool(self.faults),
            deadlock_free=not self.model.allow_deadlock,
            assumes=assumes,
        )


def _def_order(defs: tuple[Def, ...]) -> list[str]:
    """Definitions in declaration order, each moved after the definitions it calls
    (TLA+ requires a definition before its use)."""
    calls: dict[str, list[str]] = {}
    for d in defs:
        calls[d.name] = [x.name for x in subexprs(d.body) if isinstance(x, Call)]
    order: list[str] = []
    placing: set[str] = set()

    def place(n: str) -> None:
        if n in placing or n not in calls:
            return
        placing.add(n)
        for c in calls[n]:
            place(c)
        order.append(n)

    for n in calls:
        place(n)
    return order


def module_view(syms: Symbols, claims: tuple[Claim, ...], *, spec_path: str) -> ModuleView:
    return _ModuleBuilder(syms, claims, spec_path).build()


def cfg_view(
    syms: Symbols,
    claim: Claim,
    witnesses: tuple[int, ...],
    *,
    spec_path: str,
    symmetry: bool,
    stores_in_type: bool = False,
    deadlock_free: bool = False,
) -> CfgView:
    """The TLC configuration checking `claim`, or (given `witnesses`) whether any of
    those witnesses is reachable: TLC then violates one of their negations."""
    fixed = syms.fixed
    what = f"claim {claim.name}"
    name = f"{syms.module}_{claim.name}"
    targets: tuple[str, ...] = (syms.claims[claim.name],)
    if witnesses:
        numbers = [str(w + 1) for w in witnesses]
        what = f"witness {', '.join(numbers)} of claim {claim.name} (violated = reachable)"
        name = f"{name}_reachable{'_'.join(numbers)}"
        targets = tuple(syms.unreached[(claim.name, w)] for w in witnesses)
    model = syms.model
    constants = []
    for c in model.collections:
        if c.name in syms.symmetric:
            elems = ", ".join(syms.elements[c.name])
            constants.append(f"{syms.coll_sets[c.name]} = {{{elems}}}")
            constants.append(f"{syms.nones[c.name]} = {syms.nones[c.name]}")
    constants += [f"{syms.params[n]} = {param_value(v)}" for n, v in model.constants]
    header: tuple[str, ...] = (
        f"Generated by mbind-formal from {one_line(spec_path)}: "
        f'variant "{one_line(model.variant)}", {what}.',
        "Do not edit: `make tla` (mbind-formal tla) regenerates it.",
    )
    if model.constants:
        header = (
            *header,
            "CONSTANTS are the spec's parameters: change their values here, no need to",
            "regenerate (parameters that size the model are fixed in the module).",
        )
    use_symmetry = uses_symmetry(syms, symmetry)
    properties: tuple[str, ...] = ()
    if claim.temporal and not witnesses:
        properties, targets = targets, ()
        if use_symmetry:
            use_symmetry = False
            header = (*header, "No SYMMETRY: not sound for liveness under per-instance fairness.")
    if symmetry and syms.symmetric and not use_symmetry and not claim.temporal:
        header = (
            *header,
            f"No SYMMETRY: {symmetry_group(syms)} permutations are more than TLC can use "
            f"(it enumerates Permutations(S); at most {MAX_SYMMETRY_GROUP}).",
        )
    return CfgView(
        name=name,
        header=header,
        specification=syms.specs.get(claim.name, fixed["Spec"]),
        constants=tuple(constants),
        invariants=(
            fixed["TypeOK"],
            *targets,
            *((fixed["StoresInType"],) if stores_in_type and not witnesses else ()),
            # NOTE(liveness): a temporal claim judges a deadlock as stuttering for ever
            *(
                (fixed["DeadlockFree"],)
                if deadlock_free and not witnesses and not claim.temporal
                else ()
            ),
        ),
        symmetry=fixed["Symmetry"] if use_symmetry else None,
        properties=properties,
    )


def param_domain(syms: Symbols, v: Expr) -> str:
    """The TLA+ set a spec parameter's CONSTANT ranges over (its ASSUME)."""
    match v:
        case BoolLit():
            return "BOOLEAN"
        case EnumLit(enum=en):
            return syms.enum_sets[en.name]
        case _:
            return "Nat"


def param_value(v: Expr) -> str:
    """A spec parameter's value as the .cfg writes it."""
    match v:
        case BoolLit(value=b):
            return "TRUE" if b else "FALSE"
        case EnumLit(value=name):
            return tla_string(name)
        case IntLit(value=i):
            return int_text(i)
        case _:
            raise ValueError(f"a parameter's value is a literal, not {v}")


# TLC enumerates the whole group (`Permutations(S)` is |S|! functions) and canonicalises
# every state by trying each permutation: 7! is slow already, 13! exhausts the heap.
MAX_SYMMETRY_GROUP = 5040


def symmetry_group(syms: Symbols) -> int:
    """The number of permutations SYMMETRY would make TLC enumerate."""
    return math.prod(math.factorial(syms.model.collection(c).size) for c in syms.symmetric)


def uses_symmetry(syms: Symbols, symmetry: bool) -> bool:
    """Whether a configuration of this module (with `symmetry` asked for) has SYMMETRY."""
    return symmetry and bool(syms.symmetric) and symmetry_group(syms) <= MAX_SYMMETRY_GROUP
