"""Formulas laid out as TLA+ bulleted lists: the shape of an action, an Init, a TypeOK.

Input: a small tree (`Atom`, `Conj`, `Disj`, `Cond`, `Quantified`) built by `tla.actions`
and `tla.emit`. Output: lines of TLA+ text. Layout matters in TLA+: a bulleted `/\\`
or `\\/` list is delimited by the column of its bullets, so nested lists are always
indented past their parent's bullet, as PlusCal's translator prints them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import assert_never


@dataclass(frozen=True, slots=True)
class Atom:
    """One expression; `text` may span lines, continuation lines hang by `hang` columns."""

    text: str
    hang: int = 0


@dataclass(frozen=True, slots=True)
class Conj:
    items: tuple[Formula, ...]


@dataclass(frozen=True, slots=True)
class Disj:
    items: tuple[Formula, ...]


@dataclass(frozen=True, slots=True)
class Cond:
    """`IF cond THEN then ELSE orelse` (both branches are whole formulas)."""

    cond: str
    then: Formula
    orelse: Formula


@dataclass(frozen=True, slots=True)
class Quantified:
    """`\\E var \\in domain : body` (or `\\A`)."""

    quant: str  # "\\E" or "\\A"
    var: str
    domain: str
    body: Formula


@dataclass(frozen=True, slots=True)
class Let:
    """`LET name == text ... IN body` (definitions in order; later ones may use earlier)."""

    defs: tuple[tuple[str, str], ...]
    body: Formula


Formula = Atom | Conj | Disj | Cond | Quantified | Let


def conj(items: Sequence[Formula]) -> Formula:
    """A conjunction, flattened (nested conjunctions merge) and simplified."""
    flat: list[Formula] = []
    for f in items:
        if isinstance(f, Conj):
            flat.extend(f.items)
        else:
            flat.append(f)
    if len(flat) == 1:
        return flat[0]
    return Conj(tuple(flat)) if flat else Atom("TRUE")


def disj(items: Sequence[Formula]) -> Formula:
    flat: list[Formula] = []
    for f in items:
        if isinstance(f, Disj):
            flat.extend(f.items)
        else:
            flat.append(f)
    if len(flat) == 1:
        return flat[0]
    return Disj(tuple(flat)) if flat else Atom("FALSE")


def render(f: Formula, col: int) -> list[str]:
    """`f` as lines, the first starting at column `col` (its indentation is the caller's),
    the others indented absolutely."""
    match f:
        case Atom(text=text, hang=hang):
            first, *more = text.split("\n")
            return [first, *(" " * (col + hang) + m for m in more)]
        case Conj(items=items):
            return _bullets("/\\", items, col)
        case Disj(items=items):
            return _bullets("\\/", items, col)
        case Cond(cond=c, then=t, orelse=o):
            out = [f"IF {c}"]
            for word, branch in (("THEN", t), ("ELSE", o)):
                sub = render(branch, col + 8)
                out.append(" " * (col + 3) + f"{word} {sub[0]}")
                out.extend(sub[1:])
            return out
        case Quantified(quant=q, var=v, domain=d, body=body):
            head = f"{q} {v} \\in {d} :"
            if isinstance(body, Atom) and "\n" not in body.text:
                return [f"{head} {body.text}"]
            sub = render(body, col + 3)
            return [head, " " * (col + 3) + sub[0], *sub[1:]]
        case Let(defs=defs, body=body):
            out = [f"LET {defs[0][0]} == {defs[0][1]}"]
            out += [" " * (col + 4) + f"{n} == {t}" for n, t in defs[1:]]
            sub = render(body, col + 4)
            return [*out, " " * col + f"IN  {sub[0]}", *sub[1:]]
        case _:
            assert_never(f)


def _bullets(bullet: str, items: tuple[Formula, ...], col: int) -> list[str]:
    out: list[str] = []
    for i, item in enumerate(items):
        sub = render(item, col + 3)
        out.append(("" if i == 0 else " " * col) + f"{bullet} {sub[0]}")
        out.extend(sub[1:])
    return out


def wrap_names(prefix: str, names: tuple[str, ...], suffix: str, width: int = 64) -> Atom:
    """`prefix a, b, c suffix`, broken after about `width` characters of names (for
    `UNCHANGED << ... >>` and `vars == << ... >>`); continuation lines align after prefix."""
    lines: list[str] = []
    cur = ""
    for i, n in enumerate(names):
        piece = n + ("," if i < len(names) - 1 else "")
        if cur and len(cur) + 1 + len(piece) > width:
            lines.append(cur)
            cur = ""
        cur = f"{cur} {piece}" if cur else piece
    lines.append(f"{cur} {suffix}")
    return Atom(f"{prefix} " + "\n".join(lines), hang=len(prefix) + 1)
