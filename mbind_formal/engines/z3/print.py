"""Print a z3 state formula (a PDR invariant) back in spec-language syntax.

Stage: engines (used by `z3_pdr`). Input: an `Encoding` and a quantifier-free z3 term
over the variables of its state 0. Output: readable text: slot names as the layout
spells them (`Page[1].lru`, `reclaim[0].pc`), enum values and labels by name
(`Page[0].owner == MBIND`, `mbind@walk`), set bits as `STRICT in flags` (`not in`), the
connectives `&&`, `||`, `!`, `=>`, `c ? a : b`; top-level conjuncts one per line.

Any sub-formula whose only variable is one integer-like slot is printed from its truth
table over the slot's (small) domain, so Spacer's `!(x + -1 <= 0)` over a pc reads as
`mbind@walk || mbind@done`.

NOTE(printed invariants): the text is spec syntax the parser accepts and that means the
certified term (`tests/engines/test_z3_pdr_invariant.py` parses it back, checks it with
the explicit engine and re-certifies it): a small coefficient is spelled as a sum
(`2*x` -> `(x + x)`); a conjunct the language cannot say directly (a pc inside
arithmetic, a large coefficient, Spacer's auxiliary terms such as `div`) is printed
from its truth table over the slots it reads (at most `_MAX_ROWS` rows); beyond that
`render_invariant` returns None and the caller says the invariant is not printable.
Elements of a `symmetric` collection cannot be named in a claim (MBF405), and the
invariant names them: it is printed as its symmetric closure, `forall proc0 in Proc:
forall proc1 in Proc: proc0 != proc1 => (...)`, which is an invariant too (the model is
symmetric in that collection, so every permutation of an inductive invariant is one)
and implies the printed term (the identity permutation is one of its instances).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import z3

from mbind_formal.engines.z3.encode import Encoding
from mbind_formal.engines.z3.terms import NumV, SetV, Term
from mbind_formal.ir.model import IndexType, Model, RangeType, SetType
from mbind_formal.semantics.layout import Slot, SlotKind, Value, domain, sizes_of

_MAX_TABLE = 64  # largest slot domain printed from a truth table
_MAX_ROWS = 1024  # largest truth table over several slots (a conjunct's fallback)
_MAX_COEFF = 4  # `k*x` with |k| up to this is printed as a sum


class _Unprintable(Exception):
    """A term the spec language cannot spell directly (NOTE(printed invariants))."""


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
        self.bools: set[str] = set()  # Bool atoms (bool slots and set bits)
        model = enc.model
        self.symmetric = {c.name for c in model.collections if c.symmetric}
        self.used: dict[str, set[int]] = {}  # symmetric collection -> elements named
        self._taken = _names(model)
        self._vars: dict[tuple[str, int], str] = {}
        for slot, v in zip(enc.layout.slots, enc.state(0), strict=True):
            if isinstance(v, SetV) and v.vec is None and isinstance(slot.type, SetType):
                for bit, name in zip(v.bits, slot.type.enum.values, strict=True):
                    self._add(bit, _Atom(slot, name))
                    self.bools.add(str(bit))
                continue
            for a in enc.terms.atoms(v):
                self._add(a, _Atom(slot))
                if z3.is_bool(a):
                    self.bools.add(str(a))
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

    def render(self, term: Term) -> str | None:
        """The whole formula, top-level conjuncts one per line (`true` ones dropped);
        None when some conjunct cannot be printed (NOTE(printed invariants))."""
        parts = _conjuncts(term)
        lines: list[str] = []
        for c in parts:
            try:
                lines.append(self.expr(c, top=len(parts) == 1))
            except _Unprintable:
                table = self._rows(c, top=len(parts) == 1)
                if table is None:
                    return None
                lines.append(table)
        kept = [x for x in lines if x != "true"]
        body = " &&\n".join(kept) if kept else "true"
        return self._closure(body)

    def _closure(self, body: str) -> str:
        """`body` with the elements of symmetric collections it names bound by
        `forall`, pairwise distinct (NOTE(printed invariants))."""
        names = [self._vars[(c, i)] for c in sorted(self.used) for i in sorted(self.used[c])]
        if not names:
            return body
        binders = " ".join(
            f"forall {self._vars[(c, i)]} in {c}:"
            for c in sorted(self.used)
            for i in sorted(self.used[c])
        )
        distinct = [
            f"{self._vars[(c, i)]} != {self._vars[(c, j)]}"
            for c in sorted(self.used)
            for i, j in itertools.combinations(sorted(self.used[c]), 2)
        ]
        inner = "  " + body.replace("\n", "\n  ")
        if not distinct:
            return f"{binders}\n  (\n{inner}\n  )"
        return f"{binders} {' && '.join(distinct)} =>\n  (\n{inner}\n  )"

    # ------------------------------------------------------------------ names

    def element(self, collection: str, index: int) -> str:
        """An element as a claim may name it: `Page[1]`, or the bound name that stands
        for it in a symmetric collection."""
        if collection not in self.symmetric:
            return f"{collection}[{index}]"
        self.used.setdefault(collection, set()).add(index)
        key = (collection, index)
        if key not in self._vars:
            base = f"{collection.lower()}{index}"
            while base in self._taken:
                base += "_"
            self._taken.add(base)
            self._vars[key] = base
        return self._vars[key]

    def _who(self, slot: Slot) -> str:
        """The actor instance of a pc or local slot: `mbind`, `reclaim[0]`, `proc[proc0]`."""
        actor = self.enc.model.actor(slot.owner)
        if actor.instances == 1:
            return actor.name
        if actor.self_collection is not None:
            return f"{actor.name}[{self.element(actor.self_collection, slot.index)}]"
        return f"{actor.name}[{slot.index}]"

    def slot_text(self, slot: Slot) -> str:
        match slot.kind:
            case SlotKind.GLOBAL:
                return slot.member
            case SlotKind.FIELD:
                return f"{self.element(slot.owner, slot.index)}.{slot.member}"
            case SlotKind.LOCAL:
                return f"{self._who(slot)}.{slot.member}"
            case SlotKind.PC:
                raise _Unprintable(slot.name)  # a pc is no expression: `actor@label` is
        raise AssertionError(slot.kind)

    def value_text(self, slot: Slot, value: Value) -> str:
        if isinstance(slot.type, IndexType) and int(value) >= 0:
            return self.element(slot.type.collection, int(value))
        return self.enc.layout.show(slot, value)

    def at(self, slot: Slot, label_index: int) -> str:
        return f"{self._who(slot)}@{slot.labels[label_index]}"

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
                return f"{atom.bit} not in {self.slot_text(atom.slot)}"
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
            if k == -1:
                return f"-{inner}"
            if not 1 <= abs(k) <= _MAX_COEFF:
                raise _Unprintable(str(t))
            total = " + ".join([inner] * abs(k))
            return f"-({total})" if k < 0 else f"({total})"
        if z3.is_int_value(t):
            return str(t.as_long())
        if z3.is_const(t) and str(t) in self.atoms:
            return self._name(self.atoms[str(t)])
        raise _Unprintable(str(t))

    def _operand(self, t: Term) -> str:
        """An operand of `!`, `==`, `!=`: parenthesised unless it is one name or group."""
        text = self.expr(t)
        return f"({text})" if " " in text and not _enclosed(text) else text

    def _name(self, atom: _Atom) -> str:
        plain = self.slot_text(atom.slot)
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
        show = self.value_text
        name = self.slot_text(slot)
        if len(yes) == 1:
            return f"{name} == {show(slot, yes[0])}"
        if len(no) == 1:
            return f"{name} != {show(slot, no[0])}"
        ints = [int(v) for v in yes]
        if isinstance(slot.type, RangeType) and ints == list(range(ints[0], ints[-1] + 1)):
            lo, hi = int(dom[0]), int(dom[-1])
            if ints[0] == lo:
                return f"{name} <= {show(slot, ints[-1])}"
            if ints[-1] == hi:
                return f"{name} >= {show(slot, ints[0])}"
        if len(no) < len(yes):
            body = " && ".join(f"{name} != {show(slot, v)}" for v in no)
        else:
            body = " || ".join(f"{name} == {show(slot, v)}" for v in yes)
        return body if top else f"({body})"

    def _labels(self, slot: Slot, yes: list[Value], no: list[Value], top: bool) -> str:
        if len(no) < len(yes):
            parts = [f"!{self.at(slot, int(v))}" for v in no]
            joined = " && ".join(parts)
        else:
            parts = [self.at(slot, int(v)) for v in yes]
            joined = " || ".join(parts)
        return joined if top or len(parts) == 1 else f"({joined})"

    def _rows(self, t: Term, top: bool) -> str | None:
        """`t` from its truth table over every slot atom it reads (None: it reads
        something else, or the table has more than `_MAX_ROWS` rows)."""
        names: set[str] = set()
        todo, seen = [t], set()
        while todo:
            x = todo.pop()
            if x.get_id() in seen:
                continue
            seen.add(x.get_id())
            if z3.is_const(x) and not (z3.is_true(x) or z3.is_false(x)):
                if str(x) in self.atoms:
                    names.add(str(x))
                elif not (z3.is_int_value(x) or z3.is_bv_value(x)):
                    return None
            todo.extend(x.children())
        order = sorted(names)
        doms: list[tuple[Value, ...]] = []
        rows = 1
        for n in order:
            d = (False, True) if n in self.bools else self.domains.get(n, ())
            if not d:
                return None
            doms.append(d)
            rows *= len(d)
            if rows > _MAX_ROWS:
                return None
        yes: list[tuple[Value, ...]] = []
        no: list[tuple[Value, ...]] = []
        for row in itertools.product(*doms):
            pairs = [(self.consts[n], self._const(n, v)) for n, v in zip(order, row, strict=True)]
            val = z3.simplify(z3.substitute(t, *pairs)) if pairs else z3.simplify(t)
            (yes if z3.is_true(val) else no).append(row)
        if not no:
            return "true"
        if not yes:
            return "false"
        if len(no) <= len(yes):
            cubes = [f"!({self._cube(order, r)})" for r in no]
            body = " && ".join(cubes)
        else:
            cubes = [f"({self._cube(order, r)})" for r in yes]
            body = " || ".join(cubes)
        return body if top or len(cubes) == 1 else f"({body})"

    def _const(self, name: str, v: Value) -> Term:
        if name in self.bools:
            return z3.BoolVal(bool(v), self.enc.ctx)
        return self.enc.terms.num(int(v)).term

    def _cube(self, order: list[str], row: tuple[Value, ...]) -> str:
        lits = []
        for n, v in zip(order, row, strict=True):
            atom = self.atoms[n]
            if atom.bit is not None:
                where = self.slot_text(atom.slot)
                lits.append(f"{atom.bit} {'in' if v else 'not in'} {where}")
            elif n in self.bools:
                lits.append(self.slot_text(atom.slot) if v else f"!{self.slot_text(atom.slot)}")
            elif atom.slot.kind is SlotKind.PC:
                lits.append(self.at(atom.slot, int(v)))
            else:
                lits.append(f"{self.slot_text(atom.slot)} == {self.value_text(atom.slot, v)}")
        return " && ".join(lits)


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


def _names(model: Model) -> set[str]:
    """Every name a bound variable of a printed invariant must not shadow."""
    out = {v.name for v in model.globals} | {c.name for c in model.collections}
    out |= {a.name for a in model.actors} | {d.name for d in model.defs}
    for en in model.enums:
        out.add(en.name)
        out.update(en.values)
    return out


def render_invariant(enc: Encoding, term: Term) -> str | None:
    """`term` (over state 0 of `enc`) in spec-language syntax (None: not printable,
    NOTE(printed invariants))."""
    return Printer(enc).render(term)
