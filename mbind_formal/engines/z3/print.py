"""Print a z3 state formula (a PDR invariant) back in spec-language syntax.

Stage: engines (used by `z3_pdr`). Input: an `Encoding` and a quantifier-free z3 term
over the variables of its state 0. Output: readable text: slot names as the layout
spells them (`Page[1].lru`, `reclaim[0].pc`), enum values and labels by name
(`Page[0].owner == MBIND`, `mbind@walk`), set bits as `STRICT in flags` (`not in`), the
connectives `&&`, `||`, `!`, `=>`, `c ? a : b`; top-level conjuncts one per line.

Any sub-formula whose only variable is one integer-like slot is printed from its truth
table over the slot's (small) domain, so Spacer's `!(x + -1 <= 0)` over a pc reads as
`mbind@walk || mbind@done`. Linear terms keep their coefficients (`2*x`), which the
spec language does not have; the text is for people, not for the parser.
"""

from __future__ import annotations

from dataclasses import dataclass

import z3

from mbind_formal.engines.z3.encode import Encoding
from mbind_formal.engines.z3.terms import NumV, SetV, Term
from mbind_formal.ir.model import RangeType, SetType
from mbind_formal.semantics.layout import Slot, SlotKind, Value, domain, sizes_of

_MAX_TABLE = 64  # largest slot domain printed from a truth table


@dataclass(frozen=True, slots=True)
class _Atom:
    slot: Slot
    bit: str | None = None  # for a set slot's Bool: the enum value it stands for


class Printer:
    """Renders terms over one encoding's state 0."""

    def __init__(self, enc: Encoding) -> None:
        self.enc = enc
        self.atoms: dict[str, _Atom] = {}
        self.consts: dict[str, Term] = {}
        sizes = sizes_of(enc.model)
        self.domains: dict[str, tuple[Value, ...]] = {}
        for slot, v in zip(enc.layout.slots, enc.state(0), strict=True):
            if isinstance(v, SetV) and v.vec is None and isinstance(slot.type, SetType):
                for bit, name in zip(v.bits, slot.type.enum.values, strict=True):
                    self._add(bit, _Atom(slot, name))
                continue
            for a in enc.terms.atoms(v):
                self._add(a, _Atom(slot))
            if isinstance(v, NumV):
                dom = (
                    tuple(range(len(slot.labels)))
                    if slot.kind is SlotKind.PC
                    else domain(slot.type, sizes)
                    if slot.type is not None
                    else ()
                )
                self.domains[str(v.term)] = dom

    def _add(self, term: Term, atom: _Atom) -> None:
        self.atoms[str(term)] = atom
        self.consts[str(term)] = term

    def render(self, term: Term) -> str:
        """The whole formula, top-level conjuncts one per line (`true` ones dropped)."""
        parts = _conjuncts(term)
        lines = [self.expr(c, top=len(parts) == 1) for c in parts]
        kept = [x for x in lines if x != "true"]
        return " &&\n".join(kept) if kept else "true"

    # ------------------------------------------------------------------ formulas

    def expr(self, t: Term, top: bool = False) -> str:
        if z3.is_bool(t):
            single = self._single_slot(t)
            if single is not None and not self._is_plain_atom(t):
                return self._table(t, single, top)
        return self._plain(t, top)

    def _is_plain_atom(self, t: Term) -> bool:
        return z3.is_const(t) and str(t) in self.atoms

    def _plain(self, t: Term, top: bool) -> str:
        def wrap(s: str) -> str:
            return s if top else f"({s})"

        kids = t.children()
        if z3.is_true(t):
            return "true"
        if z3.is_false(t):
            return "false"
        if z3.is_and(t):
            return wrap(" && ".join(self.expr(c) for c in kids))
        if z3.is_or(t):
            return wrap(" || ".join(self.expr(c) for c in kids))
        if z3.is_not(t):
            atom = self.atoms.get(str(kids[0])) if z3.is_const(kids[0]) else None
            if atom is not None and atom.bit is not None:
                return f"{atom.bit} not in {atom.slot.name}"
            return "!" + self._operand(kids[0])
        if z3.is_implies(t):
            return wrap(f"{self.expr(kids[0])} => {self.expr(kids[1])}")
        if z3.is_app_of(t, z3.Z3_OP_ITE):
            return wrap(f"{self.expr(kids[0])} ? {self.expr(kids[1])} : {self.expr(kids[2])}")
        if z3.is_eq(t):
            return wrap(f"{self._operand(kids[0])} == {self._operand(kids[1])}")
        if z3.is_distinct(t):
            return wrap(" != ".join(self._operand(c) for c in kids))
        for test, op in ((z3.is_le, "<="), (z3.is_lt, "<"), (z3.is_ge, ">="), (z3.is_gt, ">")):
            if test(t):
                # `+`/`-` bind tighter than comparisons: no parentheses around the sides.
                left, right = self._plain(kids[0], True), self._plain(kids[1], True)
                return wrap(f"{left} {op} {right}")
        if z3.is_add(t):
            out = self.expr(kids[0])
            for c in kids[1:]:
                s = self.expr(c)
                out += f" - {s[1:]}" if s.startswith("-") else f" + {s}"
            return wrap(out)
        if z3.is_sub(t):
            return wrap(" - ".join(self.expr(c) for c in kids))
        if z3.is_mul(t) and len(kids) == 2 and z3.is_int_value(kids[0]):
            k = kids[0].as_long()
            inner = self.expr(kids[1])
            return f"-{inner}" if k == -1 else f"{k}*{inner}"
        if z3.is_int_value(t):
            return str(t.as_long())
        if z3.is_const(t) and str(t) in self.atoms:
            return self._name(self.atoms[str(t)])
        return str(t)

    def _operand(self, t: Term) -> str:
        """An operand of `!`, `==`, `!=`: parenthesised unless it is one name or group."""
        text = self.expr(t)
        return f"({text})" if " " in text and not _enclosed(text) else text

    def _name(self, atom: _Atom) -> str:
        plain = atom.slot.name
        if atom.bit is not None:
            return f"{atom.bit} in {plain}"
        return plain

    # ------------------------------------------------------------------ truth tables

    def _single_slot(self, t: Term) -> str | None:
        """The one integer-like slot variable `t` reads, if it reads exactly one."""
        found: set[str] = set()
        todo, seen = [t], set()
        while todo:
            x = todo.pop()
            key = x.get_id()
            if key in seen:
                continue
            seen.add(key)
            if z3.is_const(x) and not z3.is_true(x) and not z3.is_false(x):
                name = str(x)
                if name in self.atoms:
                    found.add(name)
                elif not (z3.is_int_value(x) or z3.is_bv_value(x)):
                    return None
            todo.extend(x.children())
        if len(found) != 1:
            return None
        (name,) = found
        dom = self.domains.get(name)
        return name if dom is not None and 0 < len(dom) <= _MAX_TABLE else None

    def _table(self, t: Term, name: str, top: bool) -> str:
        var = self.consts[name]
        dom = self.domains[name]
        slot = self.atoms[name].slot
        enc = self.enc
        yes: list[Value] = []
        for v in dom:
            val = enc.terms.num(int(v)).term
            if z3.is_true(z3.simplify(z3.substitute(t, (var, val)))):
                yes.append(v)
        no = [v for v in dom if v not in yes]
        if not no:
            return "true"
        if not yes:
            return "false"
        if slot.kind is SlotKind.PC:
            return self._labels(slot, yes, no, top)
        show = enc.layout.show
        if len(yes) == 1:
            return f"{slot.name} == {show(slot, yes[0])}"
        if len(no) == 1:
            return f"{slot.name} != {show(slot, no[0])}"
        ints = [int(v) for v in yes]
        if isinstance(slot.type, RangeType) and ints == list(range(ints[0], ints[-1] + 1)):
            lo, hi = int(dom[0]), int(dom[-1])
            if ints[0] == lo:
                return f"{slot.name} <= {show(slot, ints[-1])}"
            if ints[-1] == hi:
                return f"{slot.name} >= {show(slot, ints[0])}"
        if len(no) < len(yes):
            body = " && ".join(f"{slot.name} != {show(slot, v)}" for v in no)
        else:
            body = " || ".join(f"{slot.name} == {show(slot, v)}" for v in yes)
        return body if top else f"({body})"

    def _labels(self, slot: Slot, yes: list[Value], no: list[Value], top: bool) -> str:
        who = slot.name.removesuffix(".pc")
        if len(no) < len(yes):
            parts = [f"!{who}@{slot.labels[int(v)]}" for v in no]
            joined = " && ".join(parts)
        else:
            parts = [f"{who}@{slot.labels[int(v)]}" for v in yes]
            joined = " || ".join(parts)
        return joined if top or len(parts) == 1 else f"({joined})"


def _enclosed(text: str) -> bool:
    """`text` is one parenthesised group: `(a || b)`, not `(a || b) && c`."""
    if not text.startswith("("):
        return False
    depth = 0
    for i, ch in enumerate(text):
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth == 0:
            return i == len(text) - 1
    return False


def _conjuncts(t: Term) -> list[Term]:
    if z3.is_and(t):
        return [c for k in t.children() for c in _conjuncts(k)]
    return [t]


def render_invariant(enc: Encoding, term: Term) -> str:
    """`term` (over state 0 of `enc`) in spec-language syntax."""
    return Printer(enc).render(term)
