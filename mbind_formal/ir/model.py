"""IR: the typed, immutable model every engine, the TLA+ emitter and the traces read.

Input: built by `build.spec` (the Python API) or by `lower.spec` (from the DSL AST).
Output: a `Spec` holding one fully resolved `Model` per variant, the claims and the
scenarios. Engines take one `Model` and one `Claim`.

NOTE(values): every engine encodes values the same way, so traces can cross engines:
  bool -> Python bool; enum -> index into `EnumType.values`; int range -> int;
  set of enum -> bitmask int (bit i = values[i]); collection element -> index 0..size-1,
  `none` (optional index types only) -> -1; an actor's pc -> index into its step labels,
  `len(steps)` meaning `done`. The state layout (slot order) is fixed by `semantics.layout`.

NOTE(step semantics): a step of one actor instance runs its body atomically and
sequentially (later statements read earlier writes, as in PlusCal). A path of the body
is *enabled* iff every `Await` on it holds, every `Pick` finds a value, and every value
it stores lies in the target's type; a path that reaches a store outside the type of a
variable that is not `guarded` makes the state a type violation (NOTE(type rule) at
`Var`). Every path ends in `Goto` or `Done`. A state where
every instance is done is *final* and only stutters; a non-final state with no enabled
step is a deadlock.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mbind_formal.diagnostics import Span

# --------------------------------------------------------------------------- types


@dataclass(frozen=True, slots=True)
class BoolType:
    """`bool`."""


@dataclass(frozen=True, slots=True)
class EnumType:
    """A named enumeration; values are distinct identifiers, unique across enums."""

    name: str
    values: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RangeType:
    """A bounded integer range `lo..hi`, both ends included."""

    lo: int
    hi: int


@dataclass(frozen=True, slots=True)
class SetType:
    """A finite set of values of one enum (a bitmask, as kernel flags are)."""

    enum: EnumType


@dataclass(frozen=True, slots=True)
class IndexType:
    """An element of a collection; `optional` adds the value `none`."""

    collection: str
    optional: bool = False


Type = BoolType | EnumType | RangeType | SetType | IndexType

BOOL = BoolType()

# --------------------------------------------------------------------------- expressions


class UnOp(enum.Enum):
    NOT = "!"  # bool -> bool
    NEG = "-"  # int -> int
    NONEMPTY = "nonempty"  # set -> bool (C truthiness of a flag mask)
    NEXT = "next"  # element -> the next element of an ordered collection
    COMPL = "~"  # set -> its complement within the enum
    CARD = "card"  # set -> its number of values (TLA+ Cardinality)


class BinOp(enum.Enum):
    AND = "&&"
    OR = "||"
    IMPLIES = "=>"
    EQ = "=="
    NE = "!="
    LT = "<"  # ints, or elements of an ordered collection (by index)
    LE = "<="
    GT = ">"
    GE = ">="
    ADD = "+"
    SUB = "-"
    IN = "in"  # enum value in a set
    UNION = "|"  # sets
    INTER = "&"  # sets
    MUL = "*"
    DIV = "/"  # NOTE(division): floor division by a positive divisor, as TLA+ \div
    MOD = "%"  # the remainder of DIV, in 0..divisor-1, as TLA+ %


class Quantifier(enum.Enum):
    FORALL = "forall"
    EXISTS = "exists"


@dataclass(frozen=True, slots=True, kw_only=True)
class BoolLit:
    value: bool
    span: Span | None = field(default=None, compare=False)
    param: str | None = field(default=None, compare=False)  # NOTE(constants)


@dataclass(frozen=True, slots=True, kw_only=True)
class IntLit:
    value: int
    span: Span | None = field(default=None, compare=False)
    param: str | None = field(default=None, compare=False)  # NOTE(constants)


@dataclass(frozen=True, slots=True, kw_only=True)
class EnumLit:
    enum: EnumType
    value: str
    span: Span | None = field(default=None, compare=False)
    param: str | None = field(default=None, compare=False)  # NOTE(constants)


@dataclass(frozen=True, slots=True, kw_only=True)
class SetLit:
    enum: EnumType
    items: tuple[Expr, ...]
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class ElemLit:
    """A specific element `Coll[i]` (breaks symmetry of `Coll`, unless `every`)."""

    collection: str
    index: int
    span: Span | None = field(default=None, compare=False)
    # NOTE(every element): one of the stores of `C.f = all e`, which treat all elements
    # alike, so they neither break symmetry nor need an ordered TLA+ representation.
    every: bool = field(default=False, compare=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class NoneLit:
    """`none`, the missing element of an optional index type."""

    collection: str
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class GlobalVar:
    """A global variable or constant."""

    name: str
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class LocalVar:
    """A local of the actor instance whose step is running."""

    name: str
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class SelfRef:
    """The running actor instance (an int, or an element when indexed by a collection)."""

    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class Bound:
    """A name bound by a quantifier, a `Pick`, or a definition parameter."""

    name: str
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class Field:
    """`index.name`: field `name` of an element of `collection`; `index` is never `none`."""

    collection: str
    name: str
    index: Expr
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class ActorLocal:
    """`actor[instance].name` read from outside the actor (claims, scenarios)."""

    actor: str
    instance: Expr
    name: str
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class AtLabel:
    """`actor[instance]@label`: the instance's pc is at `label` (or `done`)."""

    actor: str
    instance: Expr
    label: str
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class Unary:
    op: UnOp
    arg: Expr
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class Binary:
    op: BinOp
    left: Expr
    right: Expr
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class Ite:
    """`cond ? then : orelse`."""

    cond: Expr
    then: Expr
    orelse: Expr
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class Quant:
    """`forall/exists var in domain: body`; the domain is a collection or a finite type."""

    kind: Quantifier
    var: str
    domain: Type
    body: Expr
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class Call:
    """A call of a pure definition (`Def`) of the model."""

    name: str
    args: tuple[Expr, ...]
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class AllDone:
    """True in a final state: every instance of every actor is done."""

    span: Span | None = field(default=None, compare=False)


Expr = (
    BoolLit
    | IntLit
    | EnumLit
    | SetLit
    | ElemLit
    | NoneLit
    | GlobalVar
    | LocalVar
    | SelfRef
    | Bound
    | Field
    | ActorLocal
    | AtLabel
    | Unary
    | Binary
    | Ite
    | Quant
    | Call
    | AllDone
)

LValue = GlobalVar | LocalVar | Field

# --------------------------------------------------------------------------- statements


@dataclass(frozen=True, slots=True, kw_only=True)
class Assign:
    target: LValue
    value: Expr
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class If:
    cond: Expr
    then: Block
    orelse: Block = ()
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class Either:
    """Nondeterministic choice between branches (each is a separate transition)."""

    branches: tuple[Block, ...]
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class Await:
    """The path is enabled only if `cond` holds here."""

    cond: Expr
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class Pick:
    """Choose any `var` of `domain` satisfying `cond`, then run `body` (the rest of the step).

    No such value: the path is not enabled.
    """

    var: str
    domain: Type
    cond: Expr
    body: Block
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class Goto:
    """End the step; the instance continues at `label`."""

    label: str
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class Done:
    """End the step; the instance has finished."""

    span: Span | None = field(default=None, compare=False)


Stmt = Assign | If | Either | Await | Pick | Goto | Done
Block = tuple[Stmt, ...]

# --------------------------------------------------------------------------- declarations


@dataclass(frozen=True, slots=True, kw_only=True)
class InitAny:
    """Any value of the type (nondeterministic)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class InitIn:
    """Any of the listed values; the expressions may read params and constants only."""

    choices: tuple[Expr, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class InitValue:
    """Exactly this value; the expression may read constants (and `self` in a field)."""

    value: Expr


Init = InitAny | InitIn | InitValue


@dataclass(frozen=True, slots=True, kw_only=True)
class Var:
    """A global, a collection field or an actor local. `const` ones never change.

    NOTE(type rule): a store of a value outside `type` is a *type violation* of every
    claim (the state before it violates the claim, as TLC checks TypeOK with every
    invariant), unless the variable is `guarded`: then the store only disables its path.
    """

    name: str
    type: Type
    init: Init = InitAny()
    const: bool = False
    span: Span | None = field(default=None, compare=False)
    guarded: bool = False  # a store outside `type` disables the path (NOTE(type rule))


@dataclass(frozen=True, slots=True, kw_only=True)
class Collection:
    """A finite, ordered set of elements with per-element fields (pages, VMAs, CPUs).

    `symmetric`: the author declares elements interchangeable; engines exploit it only
    when nothing in the model distinguishes elements (see `ir.validate.symmetric`).
    """

    name: str
    size: int
    fields: tuple[Var, ...] = ()
    symmetric: bool = False
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class Param:
    name: str
    type: Type


@dataclass(frozen=True, slots=True, kw_only=True)
class Def:
    """A pure, non-recursive definition `name(params) = body` (a kernel helper)."""

    name: str
    params: tuple[Param, ...]
    body: Expr
    doc: str = ""
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class Step:
    """One labelled atomic step of an actor."""

    label: str
    body: Block
    doc: str = ""
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class Actor:
    """A process with `instances` copies; each starts at `steps[0]`.

    `self` is an int `0..instances-1`, or an element of `self_collection` when the actor
    runs once per element (then `instances` equals that collection's size).
    """

    name: str
    steps: tuple[Step, ...]
    locals: tuple[Var, ...] = ()
    instances: int = 1
    self_collection: str | None = None
    span: Span | None = field(default=None, compare=False)

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(s.label for s in self.steps)


@dataclass(frozen=True, slots=True, kw_only=True)
class Model:
    """One variant, fully resolved: what engines check."""

    name: str
    variant: str
    enums: tuple[EnumType, ...]
    collections: tuple[Collection, ...]
    globals: tuple[Var, ...]
    actors: tuple[Actor, ...]
    defs: tuple[Def, ...] = ()
    init: tuple[Expr, ...] = ()  # extra constraints on initial states
    extends: str | None = None
    overrides: tuple[str, ...] = ()  # names of defs/steps this variant replaced
    source: str = ""  # spec file path, for headers and diagnostics
    span: Span | None = field(default=None, compare=False)
    # NOTE(deadlock): a reachable non-final state with no enabled step (and no type
    # violation) violates every claim, unless the spec says `allow deadlock;` (or the
    # CLI `--allow-deadlock`); then it is only reported on its own.
    allow_deadlock: bool = False
    fairness: tuple[Fairness, ...] = ()  # NOTE(liveness): assumed by every temporal claim
    # the root spec file's leading comment, line by line (emitted module headers repeat it)
    doc: tuple[str, ...] = field(default=(), compare=False)
    # NOTE(constants): the parameters every use of which is a literal marked with its
    # name (none sizes a collection, bounds a type or was folded into a constant), with
    # their values: TLA+ emits them as CONSTANTS set in the .cfg. Engines read the
    # literals and never this field.
    constants: tuple[tuple[str, Expr], ...] = field(default=(), compare=False)

    def collection(self, name: str) -> Collection:
        for c in self.collections:
            if c.name == name:
                return c
        raise KeyError(name)

    def actor(self, name: str) -> Actor:
        for a in self.actors:
            if a.name == name:
                return a
        raise KeyError(name)

    def definition(self, name: str) -> Def:
        for d in self.defs:
            if d.name == name:
                return d
        raise KeyError(name)

    def global_var(self, name: str) -> Var:
        for v in self.globals:
            if v.name == name:
                return v
        raise KeyError(name)


ParamValue = int | bool | str  # an integer, a bool, or the name of an enum value


def param_text(v: ParamValue) -> str:
    """A parameter value as the spec language writes it."""
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


class ClaimKind(enum.Enum):
    ALWAYS = "always"  # an invariant of every reachable state
    FINAL = "final"  # holds in every final state (all actors done)
    # NOTE(liveness): temporal claims, about every fair infinite behaviour (stuttering
    # included, as TLA+'s [][Next]_vars allows it); engines that check only safety
    # answer UNKNOWN for them (`Claim.temporal`).
    EVENTUALLY = "eventually"  # <>P: every fair behaviour reaches a P state
    ALWAYS_EVENTUALLY = "always eventually"  # []<>P: P holds again and again
    LEADS_TO = "leads to"  # [](trigger => <>P), for every value of the `over` names


class FairnessKind(enum.Enum):
    WEAK = "weak"  # WF: an action enabled forever from some point on is taken
    STRONG = "strong"  # SF: an action enabled again and again is taken


@dataclass(frozen=True, slots=True, kw_only=True)
class Fairness:
    """`[strong] fair actor A;` or `[strong] fair step A.label;`: for each instance of
    actor `A` separately, the action (any step of the instance, or its step `label`) is
    weakly or strongly fair. As TLA+'s <<A>>_vars, only a step that changes the state
    counts as taken, and the action is enabled where such a step is."""

    kind: FairnessKind
    actor: str
    label: str | None = None  # None: every step of the actor
    span: Span | None = field(default=None, compare=False)

    @property
    def text(self) -> str:
        """The declaration as the spec language writes it."""
        strong = "strong " if self.kind is FairnessKind.STRONG else ""
        what = f"step {self.actor}.{self.label}" if self.label else f"actor {self.actor}"
        return f"{strong}fair {what}"


@dataclass(frozen=True, slots=True, kw_only=True)
class Claim:
    """A safety or temporal claim, checked under `assume` (a constraint on initial states).

    Each witness must be reachable (under `assume`), or the claim is vacuous. A temporal
    claim (NOTE(liveness)) is about fair behaviours: the model's fairness and its own;
    `trigger ~> prop` is stated for every value of the names in `over` (its forall
    prefix), which `trigger` and `prop` read as `Bound`s.
    """

    name: str
    kind: ClaimKind
    prop: Expr
    witnesses: tuple[Expr, ...] = ()
    assume: Expr | None = None
    doc: str = ""
    span: Span | None = field(default=None, compare=False)
    trigger: Expr | None = None  # LEADS_TO: the left-hand side
    over: tuple[tuple[str, Type], ...] = ()  # LEADS_TO: forall-bound names, outermost first
    fairness: tuple[Fairness, ...] = ()  # assumed by this claim only

    @property
    def temporal(self) -> bool:
        """A liveness claim (about infinite behaviours), not a state invariant."""
        return self.kind not in (ClaimKind.ALWAYS, ClaimKind.FINAL)

    @property
    def invariant(self) -> Expr:
        """The claim as a state invariant (`final P` is `all_done => P`); a temporal
        claim has none, and its `prop` stands in (engines check `temporal` first)."""
        if self.kind is not ClaimKind.FINAL:
            return self.prop
        return Binary(op=BinOp.IMPLIES, left=AllDone(), right=self.prop)


@dataclass(frozen=True, slots=True, kw_only=True)
class Scenario:
    """A sequential run: only `run` actors move, one after the other, from the states
    allowed by `assume` (with `params` overriding the spec's); `expect` must hold in
    every state where they are all done, and such a state must be reached."""

    name: str
    run: tuple[str, ...]
    expect: Expr
    assume: Expr | None = None
    params: tuple[tuple[str, int], ...] = ()
    doc: str = ""
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class Spec:
    """A whole spec file: its variants (the base first), claims and scenarios."""

    name: str
    models: tuple[Model, ...]
    claims: tuple[Claim, ...] = ()
    scenarios: tuple[Scenario, ...] = ()
    params: tuple[tuple[str, ParamValue], ...] = ()  # the values this Spec was built with
    source: str = ""

    @property
    def variants(self) -> tuple[str, ...]:
        return tuple(m.variant for m in self.models)

    def model(self, variant: str) -> Model:
        for m in self.models:
            if m.variant == variant:
                return m
        raise KeyError(variant)

    def claim(self, name: str) -> Claim:
        for c in self.claims:
            if c.name == name:
                return c
        raise KeyError(name)
