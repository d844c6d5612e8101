"""Z3 terms for IR values: the small value algebra the Z3 encoding is written in.

Stage: engines (Z3 encoding, below `z3_encode`). Input: IR types and constants.
Output: `Value`s wrapping untyped z3 terms (`BoolV`, `NumV`, `SetV`) and the operations
the IR needs on them (comparison, arithmetic, set algebra, merge by `If`), with
constant folding so that quantifiers over collections stay small.

Sorts (NOTE(z3 sorts), measured in `z3_encode`'s docstring): bools are z3 Bools; every
integer-like value (ranges, enum indices, elements with `none` = -1, pcs, choices) is a
`NumV`, an `Int` or a signed `BitVec` of one width per encoding; a set of an enum with
n values is n Bools (`SetSort.BOOLS`) or one `BitVec` of width n.
z3 is untyped (its values are `Any`); `Term` names that and stays inside `engines/`.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import z3

Term = Any  # an untyped z3 expression; never leaves mbind_formal.engines


class NumSort(enum.Enum):
    INT = "int"  # mathematical integers with range constraints (LIA; Spacer-friendly)
    BV = "bv"  # signed bit-vectors wide enough for every value the model computes


class SetSort(enum.Enum):
    BOOLS = "bools"  # one Bool per enum value
    BV = "bv"  # one bit-vector, bit i = enum value i (the NOTE(values) bitmask)


@dataclass(frozen=True, slots=True)
class EncodeOptions:
    """How IR values become z3 sorts (see NOTE(z3 sorts) in `z3_encode`)."""

    numbers: NumSort = NumSort.INT
    sets: SetSort = SetSort.BOOLS


@dataclass(frozen=True, slots=True)
class BoolV:
    term: Term


@dataclass(frozen=True, slots=True)
class NumV:
    term: Term
    const: int | None = None  # the value when known statically (folds Field/ActorLocal reads)


@dataclass(frozen=True, slots=True)
class SetV:
    """A set of an enum with `size` values: `bits` (SetSort.BOOLS) or `vec` (SetSort.BV)."""

    size: int
    bits: tuple[Term, ...] = ()
    vec: Term = None


Value = BoolV | NumV | SetV


class Terms:
    """Builds terms in one z3 context with one choice of sorts (one per `Encoding`)."""

    def __init__(self, ctx: z3.Context, options: EncodeOptions, width: int) -> None:
        self.ctx = ctx
        self.options = options
        self.width = width  # bit-vector width of NumV when numbers are BV
        self.true: Term = z3.BoolVal(True, ctx)
        self.false: Term = z3.BoolVal(False, ctx)

    # ------------------------------------------------------------------ booleans

    def boolean(self, b: bool) -> Term:
        return self.true if b else self.false

    def and_(self, items: Iterable[Term]) -> Term:
        kept: list[Term] = []
        for t in items:
            if z3.is_false(t):
                return self.false
            if not z3.is_true(t):
                kept.append(t)
        if not kept:
            return self.true
        return kept[0] if len(kept) == 1 else z3.And(*kept)

    def or_(self, items: Iterable[Term]) -> Term:
        kept: list[Term] = []
        for t in items:
            if z3.is_true(t):
                return self.true
            if not z3.is_false(t):
                kept.append(t)
        if not kept:
            return self.false
        return kept[0] if len(kept) == 1 else z3.Or(*kept)

    def not_(self, t: Term) -> Term:
        if z3.is_true(t):
            return self.false
        if z3.is_false(t):
            return self.true
        if z3.is_not(t):
            return t.arg(0)
        return z3.Not(t)

    def implies(self, a: Term, b: Term) -> Term:
        return self.or_((self.not_(a), b))

    def ite_term(self, c: Term, a: Term, b: Term) -> Term:
        if z3.is_true(c) or a.eq(b):
            return a
        if z3.is_false(c):
            return b
        if z3.is_bool(a) and z3.is_true(a) and z3.is_false(b):
            return c
        if z3.is_bool(a) and z3.is_false(a) and z3.is_true(b):
            return self.not_(c)
        return z3.If(c, a, b)

    # ------------------------------------------------------------------ numbers

    def num(self, v: int) -> NumV:
        if self.options.numbers is NumSort.INT:
            return NumV(z3.IntVal(v, self.ctx), v)
        if not -(2 ** (self.width - 1)) <= v < 2 ** (self.width - 1):
            raise AssertionError(f"constant {v} does not fit the {self.width}-bit encoding")
        return NumV(z3.BitVecVal(v, self.width, self.ctx), v)

    def num_sort(self) -> Term:
        if self.options.numbers is NumSort.INT:
            return z3.IntSort(self.ctx)
        return z3.BitVecSort(self.width, self.ctx)

    def num_var(self, name: str, suffix: str = "") -> NumV:
        return NumV(z3.Const(name + suffix, self.num_sort()))

    def num_eq(self, a: NumV, b: NumV) -> Term:
        if a.const is not None and b.const is not None:
            return self.boolean(a.const == b.const)
        return a.term == b.term

    def num_le(self, a: NumV, b: NumV) -> Term:
        if a.const is not None and b.const is not None:
            return self.boolean(a.const <= b.const)
        return a.term <= b.term

    def num_lt(self, a: NumV, b: NumV) -> Term:
        if a.const is not None and b.const is not None:
            return self.boolean(a.const < b.const)
        return a.term < b.term

    def add(self, a: NumV, b: NumV) -> NumV:
        if a.const is not None and b.const is not None:
            return self.num(a.const + b.const)
        return NumV(a.term + b.term)

    def sub(self, a: NumV, b: NumV) -> NumV:
        if a.const is not None and b.const is not None:
            return self.num(a.const - b.const)
        return NumV(a.term - b.term)

    def mul(self, a: NumV, b: NumV) -> NumV:
        if a.const is not None and b.const is not None:
            return self.num(a.const * b.const)
        return NumV(a.term * b.term)

    # NOTE(division): the divisor is positive (by typing), where floor division (TLA+
    # `\div`, Python `//`), z3's Int `div` (Euclidean) and the bit-vector quotient of
    # `a - a mod b` by `b` agree; z3's BitVec `%` is bvsmod, whose sign follows the
    # divisor, so it is the floor remainder.
    def div(self, a: NumV, b: NumV) -> NumV:
        if a.const is not None and b.const is not None and b.const > 0:
            return self.num(a.const // b.const)
        if self.options.numbers is NumSort.INT:
            return NumV(a.term / b.term)
        return NumV(z3.simplify((a.term - a.term % b.term) / b.term))

    def mod(self, a: NumV, b: NumV) -> NumV:
        if a.const is not None and b.const is not None and b.const > 0:
            return self.num(a.const % b.const)
        return NumV(a.term % b.term)

    def neg(self, a: NumV) -> NumV:
        return self.num(-a.const) if a.const is not None else NumV(-a.term)

    def in_range(self, a: NumV, lo: int, hi: int) -> Term:
        """lo <= a <= hi."""
        if a.const is not None:
            return self.boolean(lo <= a.const <= hi)
        if lo == hi:
            return a.term == self.num(lo).term
        return self.and_((self.num(lo).term <= a.term, a.term <= self.num(hi).term))

    def num_value(self, model: Term, a: NumV) -> int:
        v = model.eval(a.term, model_completion=True)
        if self.options.numbers is NumSort.INT:
            return int(v.as_long())
        return int(v.as_signed_long())

    # ------------------------------------------------------------------ sets

    def set_const(self, size: int, mask: int) -> SetV:
        return self.set_of_bits(size, [self.boolean(bool(mask >> i & 1)) for i in range(size)])

    def set_var(self, name: str, values: Sequence[str], suffix: str = "") -> SetV:
        """A set variable; with SetSort.BOOLS one Bool `name{VALUE}suffix` per value."""
        if self.options.sets is SetSort.BOOLS:
            bits = tuple(z3.Bool(f"{name}{{{v}}}{suffix}", self.ctx) for v in values)
            return SetV(len(values), bits=bits)
        return SetV(len(values), vec=z3.BitVec(name + suffix, len(values), self.ctx))

    def set_bit(self, s: SetV, i: int) -> Term:
        if s.vec is None:
            return s.bits[i]
        return z3.simplify(z3.Extract(i, i, s.vec) == z3.BitVecVal(1, 1, self.ctx))

    def set_bits(self, s: SetV) -> tuple[Term, ...]:
        return s.bits if s.vec is None else tuple(self.set_bit(s, i) for i in range(s.size))

    def set_of_bits(self, size: int, bits: Sequence[Term]) -> SetV:
        if self.options.sets is SetSort.BOOLS:
            return SetV(size, bits=tuple(bits))
        one, zero = z3.BitVecVal(1, 1, self.ctx), z3.BitVecVal(0, 1, self.ctx)
        parts = [self.ite_term(b, one, zero) for b in reversed(bits)]
        vec = parts[0] if size == 1 else z3.Concat(*parts)
        return SetV(size, vec=z3.simplify(vec))

    def union(self, a: SetV, b: SetV) -> SetV:
        if a.vec is not None:
            return SetV(a.size, vec=a.vec | b.vec)
        return SetV(a.size, bits=tuple(self.or_(p) for p in zip(a.bits, b.bits, strict=True)))

    def inter(self, a: SetV, b: SetV) -> SetV:
        if a.vec is not None:
            return SetV(a.size, vec=a.vec & b.vec)
        return SetV(a.size, bits=tuple(self.and_(p) for p in zip(a.bits, b.bits, strict=True)))

    def compl(self, a: SetV) -> SetV:
        if a.vec is not None:
            return SetV(a.size, vec=~a.vec)
        return SetV(a.size, bits=tuple(self.not_(b) for b in a.bits))

    def card(self, a: SetV) -> NumV:
        """The number of values in `a`: a sum of 0/1 terms (constant when the bits are)."""
        bits = self.set_bits(a)
        if all(z3.is_true(b) or z3.is_false(b) for b in bits):
            return self.num(sum(1 for b in bits if z3.is_true(b)))
        one, zero = self.num(1).term, self.num(0).term
        return NumV(z3.Sum(*(z3.If(b, one, zero) for b in bits)))

    def nonempty(self, a: SetV) -> Term:
        if a.vec is not None:
            return a.vec != z3.BitVecVal(0, a.size, self.ctx)
        return self.or_(a.bits)

    def member(self, e: NumV, s: SetV) -> Term:
        """Enum value `e` is in `s`."""
        if e.const is not None:
            return self.set_bit(s, e.const) if 0 <= e.const < s.size else self.false
        return self.or_(
            self.and_((e.term == self.num(i).term, self.set_bit(s, i))) for i in range(s.size)
        )

    def set_value(self, model: Term, s: SetV) -> int:
        mask = 0
        for i, b in enumerate(self.set_bits(s)):
            if z3.is_true(model.eval(b, model_completion=True)):
                mask |= 1 << i
        return mask

    # ------------------------------------------------------------------ any value

    def eq(self, a: Value, b: Value) -> Term:
        match a, b:
            case BoolV(), BoolV():
                if a.term.eq(b.term):
                    return self.true
                if z3.is_true(b.term):
                    return a.term
                if z3.is_true(a.term):
                    return b.term
                return a.term == b.term
            case NumV(), NumV():
                return self.num_eq(a, b)
            case SetV(), SetV():
                if a.vec is not None and b.vec is not None:
                    return a.vec == b.vec
                pairs = zip(self.set_bits(a), self.set_bits(b), strict=True)
                return self.and_(self.eq(BoolV(x), BoolV(y)) for x, y in pairs)
            case _:
                raise AssertionError(f"comparing values of different kinds: {a} {b}")

    def ite(self, c: Term, a: Value, b: Value) -> Value:
        match a, b:
            case BoolV(), BoolV():
                return BoolV(self.ite_term(c, a.term, b.term))
            case NumV(), NumV():
                if a.const is not None and a.const == b.const:
                    return a
                return NumV(self.ite_term(c, a.term, b.term))
            case SetV(), SetV():
                if a.vec is not None and b.vec is not None:
                    return SetV(a.size, vec=self.ite_term(c, a.vec, b.vec))
                pairs = zip(self.set_bits(a), self.set_bits(b), strict=True)
                return self.set_of_bits(a.size, [self.ite_term(c, x, y) for x, y in pairs])
            case _:
                raise AssertionError(f"merging values of different kinds: {a} {b}")

    def select(self, index: NumV, options: Sequence[Value]) -> Value:
        """`options[index]` for a symbolic index (the last option when out of range)."""
        if index.const is not None and 0 <= index.const < len(options):
            return options[index.const]
        out = options[-1]
        for i in range(len(options) - 2, -1, -1):
            out = self.ite(self.num_eq(index, self.num(i)), options[i], out)
        return out

    def atoms(self, v: Value) -> tuple[Term, ...]:
        """The z3 constants or terms a value is made of (what substitution and Horn need)."""
        match v:
            case BoolV(term=t) | NumV(term=t):
                return (t,)
            case SetV():
                return v.bits if v.vec is None else (v.vec,)
