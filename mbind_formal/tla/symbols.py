"""The TLA+ name and representation of everything in one model.

Input: a `Model` and the collections to represent by model values (the symmetric ones).
Output: `Symbols`, the one table the expression and action translators and the
emitter read: which TLA+ identifier stands for each enum, collection, variable, pc,
definition, step and claim, and how each IR type is written as a TLA+ set.

NOTE(tla values): how a `State` slot is represented in TLA+ (and mapped back by
`tlc.values`):
  bool -> TRUE/FALSE; enum value -> the string "NAME"; int range -> integer;
  set of enum -> set of strings; element of an ordered collection C -> integer 0..N-1,
  `none` -> -1 (`NoC == -1`); element of a symmetric collection C -> model value `C_i`
  (`CONSTANT C` assigned `{C_0, ...}` in the .cfg), `none` -> model value `NoC`;
  a collection field -> one variable, a function from C's elements; an actor with one
  instance -> one variable per local plus `<actor>_pc`; with several instances -> one
  function per local and `<actor>_pc`, from `0..N-1` (or from the collection it is
  indexed by); pc -> the step label string, "done" when finished.
Every slot is one variable or one function entry, so TLA+ states and `State` tuples
correspond one to one and TLC's distinct-state count equals the explicit engine's.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import assert_never

from mbind_formal.ir.model import (
    Actor,
    BoolType,
    Claim,
    EnumType,
    IndexType,
    Model,
    RangeType,
    SetType,
    Type,
)
from mbind_formal.tla.names import Namer

SELF = "self"  # the parameter of every action of a multi-instance actor
DONE = "done"  # the pc label of a finished instance (as `semantics.layout` spells it)


def is_multi(actor: Actor) -> bool:
    """Whether the actor's pc and locals are functions of the instance (else scalars)."""
    return actor.instances != 1 or actor.self_collection is not None


def tla_string(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def int_text(v: int) -> str:
    """An integer as TLA+ text TLC reads: `-2147483648` is `-(2147483648)` to TLC, and
    2147483648 is beyond its integers, so the 32-bit minimum is written as a difference."""
    if v == -(1 << 31):
        return "(-2147483647 - 1)"
    return str(v) if v >= 0 else f"-{-v}"


@dataclass(frozen=True, slots=True)
class Symbols:
    """Every TLA+ identifier of one emitted module, keyed by what it names in the IR."""

    model: Model
    symmetric: frozenset[str]  # collections represented by model values
    module: str
    enum_sets: Mapping[str, str]  # enum name -> set operator
    coll_sets: Mapping[str, str]  # collection -> its element set (CONSTANT or 0..N-1)
    nones: Mapping[str, str]  # collection -> the `none` constant/operator
    successor_ops: Mapping[str, str]  # ordered collection -> `next` operator
    elements: Mapping[str, tuple[str, ...]]  # symmetric collection -> model value names
    globals: Mapping[str, str]
    fields: Mapping[tuple[str, str], str]  # (collection, field) -> function variable
    pcs: Mapping[str, str]  # actor -> pc variable
    locals: Mapping[tuple[str, str], str]  # (actor, local) -> variable
    instance_sets: Mapping[str, str]  # multi-instance actor -> its instance set (text)
    defs: Mapping[str, str]
    actions: Mapping[tuple[str, str], str]  # (actor, label) -> action operator
    actor_ops: Mapping[str, str]  # actor -> disjunction of its actions
    claims: Mapping[str, str]  # claim -> invariant operator
    witnesses: Mapping[tuple[str, int], str]  # (claim, i) -> witness operator W
    unreached: Mapping[tuple[str, int], str]  # (claim, i) -> ~W, the invariant TLC checks
    inits: Mapping[str, str]  # claim with an assume -> its initial predicate
    specs: Mapping[str, str]  # claim with an assume -> its specification
    fixed: Mapping[str, str]  # TypeOK, vars, Init, Next, Spec, AllDone, Terminating, Symmetry
    # (actor, label) -> the step's type-violation predicate (NOTE(type rule), tla.actions)
    bad_stores: Mapping[tuple[str, str], str] = field(default_factory=dict)
    # NOTE(liveness): "" -> the model's fairness operator, claim -> the claim's own
    fairness: Mapping[str, str] = field(default_factory=dict)
    # (temporal claim, "goal" | "trigger") -> the state predicate's operator
    live_ops: Mapping[tuple[str, str], str] = field(default_factory=dict)
    params: Mapping[str, str] = field(default_factory=dict)  # NOTE(constants): -> CONSTANT

    @property
    def variables(self) -> tuple[str, ...]:
        """Every TLA+ variable, in `semantics.layout` slot order."""
        m = self.model
        out = [self.globals[v.name] for v in m.globals]
        out += [self.fields[(c.name, f.name)] for c in m.collections for f in c.fields]
        for a in m.actors:
            out.append(self.pcs[a.name])
            out += [self.locals[(a.name, v.name)] for v in a.locals]
        return tuple(out)

    def element(self, collection: str, index: int) -> str:
        """The TLA+ value of element `index` of `collection` (`-1` is none)."""
        if index < 0:
            return self.nones[collection]
        if collection in self.symmetric:
            return self.elements[collection][index]
        return str(index)

    def instance(self, actor: Actor, index: int) -> str:
        """The TLA+ value identifying instance `index` of a multi-instance actor."""
        if actor.self_collection is not None:
            return self.element(actor.self_collection, index)
        return str(index)

    def type_set(self, t: Type) -> str:
        """The set of TLA+ values of type `t` (for TypeOK, `\\in`, quantifiers, picks)."""
        match t:
            case BoolType():
                return "BOOLEAN"
            case EnumType(name=en):
                return self.enum_sets[en]
            case RangeType(lo=lo, hi=hi):
                return f"{_bound(lo)}..{_bound(hi)}"
            case SetType(enum=e):
                return f"SUBSET {self.enum_sets[e.name]}"
            case IndexType(collection=c, optional=opt):
                base = self.coll_sets[c]
                return f"({base} \\cup {{{self.nones[c]}}})" if opt else base
            case _:
                assert_never(t)

    def module_names(self) -> frozenset[str]:
        """Every identifier declared at module level (bound names must avoid them)."""
        out: set[str] = set(self.fixed.values())
        for table in (
            self.enum_sets,
            self.coll_sets,
            self.nones,
            self.successor_ops,
            self.globals,
            self.pcs,
            self.defs,
            self.actor_ops,
            self.claims,
            self.inits,
            self.specs,
            self.fairness,
            self.params,
        ):
            out.update(table.values())
        for keyed in (
            self.fields,
            self.locals,
            self.actions,
            self.witnesses,
            self.unreached,
            self.bad_stores,
            self.live_ops,
        ):
            out.update(keyed.values())
        for names in self.elements.values():
            out.update(names)
        out.add(SELF)
        return frozenset(out)


def _bound(v: int) -> str:
    return int_text(v) if v >= 0 else f"({int_text(v)})"


FIXED = (
    "TypeOK",
    "vars",
    "Init",
    "Next",
    "Spec",
    "AllDone",
    "Terminating",
    "Symmetry",
    "StoresInType",
    "DeadlockFree",
)


def build_symbols(model: Model, claims: tuple[Claim, ...], symmetric: frozenset[str]) -> Symbols:
    """Allocate every identifier of the module in a fixed order, so names are stable.

    Canonical names (`Init`, `Next`, ...) come first, then the model's names in
    declaration order; a later name that clashes gets a numeric suffix.
    """
    namer = Namer((SELF,))
    fixed = {n: namer.fresh(n) for n in FIXED}
    module = namer.fresh(f"{model.name}_{model.variant}")
    enum_sets = {e.name: namer.fresh(e.name) for e in model.enums}
    coll_sets: dict[str, str] = {}
    nones: dict[str, str] = {}
    successor_ops: dict[str, str] = {}
    elements: dict[str, tuple[str, ...]] = {}
    for c in model.collections:
        coll_sets[c.name] = namer.fresh(c.name)
        nones[c.name] = namer.fresh(f"No{c.name}")
        if c.name in symmetric:
            elements[c.name] = tuple(namer.fresh(f"{c.name}_{i}") for i in range(c.size))
        else:
            successor_ops[c.name] = namer.fresh(f"Next{c.name}")
    globals_ = {v.name: namer.fresh(v.name) for v in model.globals}
    # A field reads best under its own name (`lru[p]`); a name that several collections
    # (or a global, or a definition) use is qualified instead (`Page_owner`).
    plain = Counter(f.name for c in model.collections for f in c.fields)
    plain.update(v.name for v in model.globals)
    plain.update(d.name for d in model.defs)
    fields = {
        (c.name, f.name): namer.fresh(f.name if plain[f.name] == 1 else f"{c.name}_{f.name}")
        for c in model.collections
        for f in c.fields
    }
    pcs: dict[str, str] = {}
    locals_: dict[tuple[str, str], str] = {}
    instance_sets: dict[str, str] = {}
    for a in model.actors:
        pcs[a.name] = namer.fresh(f"{a.name}_pc")
        for v in a.locals:
            locals_[(a.name, v.name)] = namer.fresh(f"{a.name}_{v.name}")
        if a.self_collection is not None:
            instance_sets[a.name] = coll_sets[a.self_collection]
        elif is_multi(a):
            instance_sets[a.name] = f"0..{a.instances - 1}"
    defs = {d.name: namer.fresh(d.name) for d in model.defs}
    actor_ops: dict[str, str] = {}
    actions: dict[tuple[str, str], str] = {}
    for a in model.actors:
        actor_ops[a.name] = namer.fresh(a.name)
        for st in a.steps:
            actions[(a.name, st.label)] = namer.fresh(f"{a.name}_{st.label}")
    claim_ops: dict[str, str] = {}
    witnesses: dict[tuple[str, int], str] = {}
    unreached: dict[tuple[str, int], str] = {}
    inits: dict[str, str] = {}
    specs: dict[str, str] = {}
    for cl in claims:
        claim_ops[cl.name] = namer.fresh(cl.name)
        many = len(cl.witnesses) > 1
        for i in range(len(cl.witnesses)):
            suffix = f"_{i + 1}" if many else ""
            witnesses[(cl.name, i)] = namer.fresh(f"{cl.name}_reachable{suffix}")
            unreached[(cl.name, i)] = namer.fresh(f"{cl.name}_unreached{suffix}")
        if cl.assume is not None:
            inits[cl.name] = namer.fresh(f"Init_{cl.name}")
        if cl.assume is not None or cl.fairness:
            specs[cl.name] = namer.fresh(f"Spec_{cl.name}")
    fairness: dict[str, str] = {}
    if model.fairness:
        fairness[""] = namer.fresh("Fairness")
    live_ops: dict[tuple[str, str], str] = {}
    for cl in claims:
        if cl.fairness:
            fairness[cl.name] = namer.fresh(f"Fairness_{cl.name}")
        if cl.temporal:
            if cl.trigger is not None:
                live_ops[(cl.name, "trigger")] = namer.fresh(f"{cl.name}_trigger")
            live_ops[(cl.name, "goal")] = namer.fresh(f"{cl.name}_goal")
    # Last, so that every name above is the same with or without them.
    bad_stores = {
        (a.name, st.label): namer.fresh(f"{a.name}_{st.label}_out_of_type")
        for a in model.actors
        for st in a.steps
    }
    # Last, so that adding a constant never renames anything else.
    params = {n: namer.fresh(n) for n, _ in model.constants}
    return Symbols(
        params=params,
        model=model,
        symmetric=symmetric,
        module=module,
        enum_sets=enum_sets,
        coll_sets=coll_sets,
        nones=nones,
        successor_ops=successor_ops,
        elements=elements,
        globals=globals_,
        fields=fields,
        pcs=pcs,
        locals=locals_,
        instance_sets=instance_sets,
        defs=defs,
        actions=actions,
        actor_ops=actor_ops,
        claims=claim_ops,
        witnesses=witnesses,
        unreached=unreached,
        inits=inits,
        specs=specs,
        fixed=fixed,
        bad_stores=bad_stores,
        fairness=fairness,
        live_ops=live_ops,
    )
