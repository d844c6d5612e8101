"""AST: the spec language as written, before names, types and variants are resolved.

Stage: produced by `dsl.parser.parse` (text -> AST), consumed by `lower.spec` (AST -> IR)
and by `dsl.printer.print_spec` (AST -> canonical text).
Input: nothing (plain data). Output: frozen dataclasses mirroring the surface syntax of
README "The spec language" one to one; nothing is resolved here (a `NameRef` may name a
variable, a constant, a parameter, an enum value, a collection or an actor).

Spans are excluded from equality (`compare=False`), so two files that differ only in
layout or comments parse to equal ASTs; that is what makes the printer round trip
`parse(print_spec(x)) == x` checkable.

Node names avoid the IR's (`ir.model`) where both exist with different meanings:
AST `BinaryExpr`/`BinaryOp` vs IR `Binary`/`BinOp`, `BoolTypeExpr` vs `BoolType`, etc.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from mbind_formal.diagnostics import Span

# --------------------------------------------------------------------------- operators


class UnaryOp(enum.Enum):
    NOT = "!"
    NEG = "-"
    COMPL = "~"


class BinaryOp(enum.Enum):
    """Binary operators, listed from the loosest to the tightest binding level."""

    IMPLIES = "=>"
    LEADS_TO = "~>"  # temporal, same level as =>: only a live claim's line may hold it
    OR = "||"
    AND = "&&"
    BITOR = "|"
    BITAND = "&"
    EQ = "=="
    NE = "!="
    LT = "<"
    LE = "<="
    GT = ">"
    GE = ">="
    IN = "in"
    NOT_IN = "not in"
    ADD = "+"
    SUB = "-"
    MUL = "*"
    DIV = "/"
    MOD = "%"


class QuantKind(enum.Enum):
    FORALL = "forall"
    EXISTS = "exists"


class AssignOp(enum.Enum):
    SET = "="
    ADD = "+="
    SUB = "-="
    OR = "|="
    AND = "&="


class IncDecOp(enum.Enum):
    INC = "++"
    DEC = "--"


class ClaimMode(enum.Enum):
    """`always P` (every reachable state) or `final P` (every final state)."""

    ALWAYS = "always"
    FINAL = "final"
    EVENTUALLY = "eventually"  # `eventually P;`
    ALWAYS_EVENTUALLY = "always eventually"  # `always eventually P;`
    LEADS_TO = "~>"  # `[forall x in D:]* p ~> q;` (the whole line is `prop`)


class VarKind(enum.Enum):
    VAR = "var"
    CONST = "const"


# --------------------------------------------------------------------------- types


@dataclass(frozen=True, slots=True, kw_only=True)
class BoolTypeExpr:
    """`bool`."""

    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class RangeTypeExpr:
    """`lo..hi`; the bounds are constant expressions (additive level, e.g. `0..pages-1`)."""

    lo: Expr
    hi: Expr
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class SetTypeExpr:
    """`set<E>`."""

    element: TypeExpr
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class NamedTypeExpr:
    """An enum, a collection or a type alias by name; `optional` is the `Name?` form."""

    name: str
    optional: bool = False
    span: Span | None = field(default=None, compare=False)


TypeExpr = BoolTypeExpr | RangeTypeExpr | SetTypeExpr | NamedTypeExpr

# --------------------------------------------------------------------------- expressions


@dataclass(frozen=True, slots=True, kw_only=True)
class BoolLiteral:
    value: bool
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class IntLiteral:
    """A non-negative integer literal (`-1` is `UnaryExpr(NEG, IntLiteral(1))`)."""

    value: int
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class NoneLiteral:
    """`none`."""

    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class SelfExpr:
    """`self`."""

    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class NameRef:
    """A bare identifier; what it names is decided by lowering."""

    name: str
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class SetLiteral:
    """`{a, b}` (`{}` is the empty set)."""

    items: tuple[Expr, ...]
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class IndexExpr:
    """`base[index]`: a collection element `Page[0]` or an actor instance `reclaim[1]`."""

    base: Expr
    index: Expr
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class MemberExpr:
    """`base.name`: a field of an element or a local of an actor instance."""

    base: Expr
    name: str
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class AtExpr:
    """`base@label`: the actor instance's next step is `label` (`done`: it has finished)."""

    base: Expr
    label: str
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class CallExpr:
    """`name(args)`: a call of a definition."""

    name: str
    args: tuple[Expr, ...]
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class UnaryExpr:
    op: UnaryOp
    arg: Expr
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class BinaryExpr:
    op: BinaryOp
    left: Expr
    right: Expr
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class CondExpr:
    """`cond ? then : orelse`."""

    cond: Expr
    then: Expr
    orelse: Expr
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class QuantExpr:
    """`forall/exists var in domain: body`; the body extends as far right as possible."""

    kind: QuantKind
    var: str
    domain: TypeExpr
    body: Expr
    span: Span | None = field(default=None, compare=False)


Expr = (
    BoolLiteral
    | IntLiteral
    | NoneLiteral
    | SelfExpr
    | NameRef
    | SetLiteral
    | IndexExpr
    | MemberExpr
    | AtExpr
    | CallExpr
    | UnaryExpr
    | BinaryExpr
    | CondExpr
    | QuantExpr
)

# An assignment target is syntactically a NameRef, or a MemberExpr / IndexExpr over one.
LValue = NameRef | MemberExpr | IndexExpr

# --------------------------------------------------------------------------- statements


@dataclass(frozen=True, slots=True, kw_only=True)
class LabeledStmt:
    """`label: stmt`; the label starts an atomic step (placement is checked by lowering)."""

    label: str
    stmt: Stmt
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class AssignStmt:
    """`target = value;` and the compound forms `+= -= |= &=`."""

    target: LValue
    op: AssignOp
    value: Expr
    span: Span | None = field(default=None, compare=False)
    every: bool = False  # `Coll.field = all value;`: the field of every element


@dataclass(frozen=True, slots=True, kw_only=True)
class IncDecStmt:
    """`target++;` / `target--;`."""

    target: LValue
    op: IncDecOp
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class IfStmt:
    """`if (cond) { then } else { orelse }`; `else if` is an `orelse` of one `IfStmt`."""

    cond: Expr
    then: Block
    orelse: Block = ()
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class EitherStmt:
    """`either { } or { } ...`: at least two branches."""

    branches: tuple[Block, ...]
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class AwaitStmt:
    cond: Expr
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class PickStmt:
    """`pick var in domain [where cond];` binds `var` for the rest of the step."""

    var: str
    domain: TypeExpr
    where: Expr | None = None
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class ForStmt:
    """`for var in domain { body }`: an ordered walk."""

    var: str
    domain: TypeExpr
    body: Block
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class WhileStmt:
    cond: Expr
    body: Block
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class BreakStmt:
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class ContinueStmt:
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class GotoStmt:
    label: str
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class DoneStmt:
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class SkipStmt:
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class MacroCallStmt:
    """`name(args);`: a macro call, inlined by lowering."""

    name: str
    args: tuple[Expr, ...]
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class CallStmt:
    """`call name(args);` or `target = call name(args);`: a procedure call (PlusCal)."""

    name: str
    args: tuple[Expr, ...]
    target: LValue | None = None
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class ReturnStmt:
    """`return [value];`: back from a procedure to the label after its call."""

    value: Expr | None = None
    span: Span | None = field(default=None, compare=False)


Stmt = (
    LabeledStmt
    | AssignStmt
    | IncDecStmt
    | IfStmt
    | EitherStmt
    | AwaitStmt
    | PickStmt
    | ForStmt
    | WhileStmt
    | BreakStmt
    | ContinueStmt
    | GotoStmt
    | DoneStmt
    | SkipStmt
    | MacroCallStmt
    | CallStmt
    | ReturnStmt
)
Block = tuple[Stmt, ...]

# --------------------------------------------------------------------------- declarations


@dataclass(frozen=True, slots=True, kw_only=True)
class InitEq:
    """`= value`: exactly one initial value."""

    value: Expr
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class InitChoice:
    """`in {a, b}`: any of the listed initial values."""

    choices: tuple[Expr, ...]
    span: Span | None = field(default=None, compare=False)


Initializer = InitEq | InitChoice


@dataclass(frozen=True, slots=True, kw_only=True)
class VarDecl:
    """`[guarded] var|const name: type [init];` (a global, a collection field or an
    actor local).

    `init` None means any value of the type. `guarded`: a store outside the type
    disables the step instead of being a type violation (ir.model NOTE(type rule)).
    """

    kind: VarKind
    name: str
    type: TypeExpr
    init: Initializer | None = None
    span: Span | None = field(default=None, compare=False)
    guarded: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Include:
    """`include "path";` (recorded, resolved by the file loader)."""

    path: str
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class ParamDecl:
    """`param name = value;`."""

    name: str
    value: Expr
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class EnumMember:
    name: str
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class EnumDecl:
    """`enum Name { A, B, C }`."""

    name: str
    members: tuple[EnumMember, ...]
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class TypeAlias:
    """`type Name = type;`."""

    name: str
    type: TypeExpr
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class CollectionDecl:
    """`[symmetric] collection Name[size] { fields }`."""

    name: str
    size: Expr
    fields: tuple[VarDecl, ...] = ()
    symmetric: bool = False
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class InitDecl:
    """`init cond;`: a constraint on initial states."""

    cond: Expr
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class DefParam:
    name: str
    type: TypeExpr
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class DefDecl:
    """`def name(p: T, ...) [: R] = body;`: a pure helper."""

    name: str
    params: tuple[DefParam, ...]
    body: Expr
    result: TypeExpr | None = None
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class MacroDecl:
    """`macro name(a, b) { body }`: untyped parameters, inlined at each call."""

    name: str
    params: tuple[str, ...]
    body: Block
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class ProcDecl:
    """`procedure name(p: T, ...) [: R] { locals body }`: a procedure with labels inside,
    entered by `call` and left by `return` (PlusCal); `lower.procs` expands it."""

    name: str
    params: tuple[DefParam, ...]
    locals: tuple[VarDecl, ...]
    body: Block
    result: TypeExpr | None = None
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class ActorDecl:
    """`actor name[instances] { locals body }`.

    `instances`: None (one instance), an expression (an int or a parameter), or a
    `NameRef` naming a collection (one instance per element); lowering decides which.
    """

    name: str
    instances: Expr | None
    locals: tuple[VarDecl, ...]
    body: Block
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class FieldAdditions:
    """`collection Name { fields }` inside a variant: extra fields for an existing collection."""

    collection: str
    fields: tuple[VarDecl, ...]
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class StepOverride:
    """`step actor.label { body }` inside a variant: replaces that step's statements."""

    actor: str
    label: str
    body: Block
    span: Span | None = field(default=None, compare=False)


VariantItem = DefDecl | MacroDecl | VarDecl | FieldAdditions | StepOverride


@dataclass(frozen=True, slots=True, kw_only=True)
class VariantDecl:
    """`variant "name" [extends "base"] { items }`; names are strings or identifiers."""

    name: str
    extends: str | None
    items: tuple[VariantItem, ...]
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class FairnessDecl:
    """`[strong] fair actor A;` or `[strong] fair step A.label;` (label None: the actor)."""

    strong: bool
    actor: str
    label: str | None = None
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class ClaimDecl:
    """`claim name { [assume e;] always|final e; reachable e; ... }`, or a temporal
    claim `{ [assume e;] fairness... eventually e; | always eventually e; | p ~> q; ... }`."""

    name: str
    mode: ClaimMode
    prop: Expr
    witnesses: tuple[Expr, ...] = ()
    assume: Expr | None = None
    span: Span | None = field(default=None, compare=False)
    fairness: tuple[FairnessDecl, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class ScenarioSetting:
    """`name = value` in a scenario's `with` line (a parameter override)."""

    name: str
    value: int
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class ScenarioDecl:
    """`scenario name { [with p = 1, ...;] [assume e;] run a, b; expect e; }`."""

    name: str
    run: tuple[str, ...]
    expect: Expr
    settings: tuple[ScenarioSetting, ...] = ()
    assume: Expr | None = None
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class AllowDeadlock:
    """`allow deadlock;`: a reachable state where nothing can move and not every actor
    is done is no violation in this spec (README "Deadlocks")."""

    span: Span | None = field(default=None, compare=False)


Item = (
    Include
    | ParamDecl
    | EnumDecl
    | TypeAlias
    | CollectionDecl
    | VarDecl
    | InitDecl
    | DefDecl
    | MacroDecl
    | ActorDecl
    | VariantDecl
    | ClaimDecl
    | ScenarioDecl
    | AllowDeadlock
    | FairnessDecl
    | ProcDecl
)


@dataclass(frozen=True, slots=True, kw_only=True)
class SpecFile:
    """One parsed file: its items in source order (includes are not resolved)."""

    items: tuple[Item, ...]
    span: Span | None = field(default=None, compare=False)
