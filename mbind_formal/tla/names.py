"""TLA+ identifiers: sanitising IR names and keeping every emitted name unique.

Input: names from the IR (variables, fields, actors, labels, definitions, claims, bound
variables). Output: TLA+ identifiers that are neither reserved words, nor operators of the
standard modules the emitted module extends, nor `.cfg` keywords, and that never collide
with each other. SANY rejects a bound name that shadows any name in scope, so bound names
get their own `Scope`, which avoids the module's names and every enclosing bound name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

# Reserved words of TLA+ (Specifying Systems, table 6) and of TLAPS.
TLA_KEYWORDS = frozenset(
    {
        "ACTION", "ASSUME", "ASSUMPTION", "AXIOM", "BOOLEAN", "BY", "CASE", "CHOOSE",
        "CONSTANT", "CONSTANTS", "COROLLARY", "DEF", "DEFINE", "DEFS", "DOMAIN", "ELSE",
        "ENABLED", "EXCEPT", "EXTENDS", "FALSE", "HAVE", "HIDE", "IF", "IN", "INSTANCE",
        "LAMBDA", "LEMMA", "LET", "LOCAL", "MODULE", "NEW", "OBVIOUS", "OMITTED", "ONLY",
        "OTHER", "PICK", "PROOF", "PROPOSITION", "PROVE", "QED", "RECURSIVE", "STATE",
        "STRING", "SUBSET", "SUFFICES", "TAKE", "TEMPORAL", "THEN", "THEOREM", "TRUE",
        "UNCHANGED", "UNION", "USE", "VARIABLE", "VARIABLES", "WITH", "WITNESS",
    }
)  # fmt: skip

# Operators defined by Naturals, Integers, Sequences, FiniteSets and TLC (EXTENDS brings
# them into scope, and a clash is a "multiply-defined symbol" error in SANY).
STANDARD_OPERATORS = frozenset(
    {
        "Nat", "Int", "Seq", "Len", "Head", "Tail", "Append", "SubSeq", "SelectSeq",
        "IsFiniteSet", "Cardinality", "Print", "PrintT", "Assert", "JavaTime", "TLCGet",
        "TLCSet", "Permutations", "SortSeq", "RandomElement", "Any", "ToString", "TLCEval",
    }
)  # fmt: skip

# Keywords of TLC's configuration language: a module name equal to one of them cannot be
# named in the .cfg file.
CFG_KEYWORDS = frozenset(
    {
        "CONSTANT", "CONSTANTS", "INIT", "NEXT", "SPECIFICATION", "INVARIANT", "INVARIANTS",
        "PROPERTY", "PROPERTIES", "SYMMETRY", "VIEW", "CONSTRAINT", "CONSTRAINTS",
        "ACTION_CONSTRAINT", "ACTION_CONSTRAINTS", "CHECK_DEADLOCK", "POSTCONDITION", "ALIAS",
    }
)  # fmt: skip

RESERVED = TLA_KEYWORDS | STANDARD_OPERATORS | CFG_KEYWORDS

_BAD_CHARS = re.compile(r"[^A-Za-z0-9_]")


def sanitize(name: str) -> str:
    """`name` as a syntactically valid TLA+ identifier (not yet checked for clashes)."""
    ident = _BAD_CHARS.sub("_", name) or "x"
    if not ident[0].isalpha():
        ident = "v" + ident
    if ident.startswith(("WF_", "SF_")):  # reserved prefixes of fairness operators
        ident = "v" + ident
    return ident


def one_line(text: str) -> str:
    """`text` (a file name, a variant name) fit for one comment line of generated TLA+ or
    .cfg: every character that would end the line or is not printable (newline, carriage
    return, U+2028, control characters) is written as its Python escape, `\\n`."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


class Namer:
    """Hands out module-level identifiers, each unique and never a reserved word."""

    def __init__(self, taken: Iterable[str] = ()) -> None:
        self._used: set[str] = set(RESERVED) | set(taken)

    def fresh(self, want: str) -> str:
        """`want`, sanitised, with a numeric suffix if it is already taken."""
        base = sanitize(want)
        name, n = base, 1
        while name in self._used:
            name = f"{base}_{n}"
            n += 1
        self._used.add(name)
        return name

    def used(self) -> frozenset[str]:
        return frozenset(self._used)


@dataclass(frozen=True, slots=True)
class Scope:
    """Bound names in scope: IR name -> TLA+ text, plus every identifier they must avoid.

    A binding usually maps to a fresh identifier (`\\E p \\in Page`), but a definition
    inlined into an action maps its parameters to the argument's text instead.
    """

    module_names: frozenset[str]
    bindings: tuple[tuple[str, str], ...] = ()
    taken: frozenset[str] = frozenset()

    def lookup(self, name: str) -> str:
        for ir_name, text in reversed(self.bindings):
            if ir_name == name:
                return text
        raise KeyError(name)

    def bind(
        self, ir_name: str, want: str | None = None, avoid: frozenset[str] = frozenset()
    ) -> tuple[str, Scope]:
        """A fresh TLA+ identifier for `ir_name` (spelt like `want`, if given), and the
        scope in which it is bound; it also avoids `avoid` (names bound inside text
        that will be substituted into the new binder's body)."""
        avoid = self.module_names | self.taken | avoid
        base = sanitize(want or ir_name)
        ident, n = base, 1
        while ident in avoid:
            ident = f"{base}_{n}"
            n += 1
        return ident, Scope(
            self.module_names, (*self.bindings, (ir_name, ident)), self.taken | {ident}
        )

    def alias(self, ir_name: str, text: str) -> Scope:
        """Bind `ir_name` to an arbitrary expression text (inlined definition parameters)."""
        return Scope(self.module_names, (*self.bindings, (ir_name, text)), self.taken)
