"""Confusables: names that are not what they look like (Unicode NFKC and look-alikes).

Stage: a check of `ir.validate`. Input: the user-chosen names of a spec (variants,
claims, scenarios; and, for specs built with the Python API, which allows any string,
every declared name), each with its kind and span. Output: MBF210 diagnostics.

Why: variant names are strings, so `variant "pаge"` with a Cyrillic `а` was accepted
next to `variant "page"` as a different variant, and `--variant page` then picked one
of two look-alikes. A name must be in Unicode NFKC form (so that one spelling has one
encoding), must not mix scripts with letters that look like another script's
(`confusable_homoglyphs.is_dangerous`, the Unicode confusables data), and two names
of a spec, one of them not ASCII, must not have the same skeleton (each character
replaced by the Latin letter it can be confused with). ASCII names are left alone:
`v1` and `vl` are distinct on purpose.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from confusable_homoglyphs import categories, confusables

from mbind_formal.diagnostics import Diagnostic, Related, Span

Named = tuple[str, str, Span | None]  # (kind, name, where it is declared)


def skeleton(name: str) -> str:
    """`name` with every character that has a Latin look-alike replaced by it."""
    if name.isascii():
        return name
    out = []
    for ch in name:
        found = None if ch.isascii() else confusables.is_confusable(ch, greedy=True)
        glyphs = [g["c"] for f in found or () for g in f["homoglyphs"] if g["c"].isascii()]
        out.append(glyphs[0] if glyphs else ch)
    return "".join(out)


def confusable_names(names: Iterable[Named]) -> list[Diagnostic]:
    """MBF210 for each name not in NFKC form, mixing scripts with look-alikes, or
    looking like an earlier name of the list."""
    out: list[Diagnostic] = []
    listed = list(names)
    first: dict[str, Named] = {}
    for kind, name, span in listed:
        if name.isascii():
            first.setdefault(name, (kind, name, span))
    for kind, name, span in listed:
        if name.isascii():
            continue
        nfkc = unicodedata.normalize("NFKC", name)
        if nfkc != name:
            out.append(
                Diagnostic(
                    code="MBF210",
                    message=f"{kind} name {name!r} is not in Unicode NFKC form",
                    span=span,
                    hint=f"write it as {nfkc!r}: the same text, in the one encoding",
                )
            )
            continue
        if confusables.is_dangerous(name):
            scripts = ", ".join(sorted(categories.unique_aliases(name)))
            out.append(
                Diagnostic(
                    code="MBF210",
                    message=f"{kind} name {name!r} mixes scripts ({scripts}) with letters "
                    "that look alike",
                    span=span,
                    hint=f"write it in one script (it reads as {skeleton(name)!r})",
                )
            )
            continue
        key = skeleton(name)
        earlier = first.get(key)
        if earlier is not None and earlier[1] != name:
            out.append(
                Diagnostic(
                    code="MBF210",
                    message=f"{kind} name {name!r} looks like {earlier[0]} {earlier[1]!r}",
                    span=span,
                    related=(Related(span=earlier[2], message=f"{earlier[1]!r} is declared here"),),
                    hint="rename one of them so that they differ in letters one can see",
                )
            )
            continue
        first.setdefault(key, (kind, name, span))
    return out
