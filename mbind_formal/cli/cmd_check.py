"""`mbind-formal check`: load and validate a spec, then summarise what it declares.

Input: a spec path and parameter overrides. Output (stdout): parameters, enums,
collections (size, and whether a declared symmetry is usable, with the reason when it
is not), globals, actors with their instances and step labels, definitions, variants
with what each replaces or adds, claims and scenarios. Diagnostics (warnings too) go to
stderr; exit 0 when the spec is valid, 2 otherwise. Plain text, stable when piped.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from typing import TextIO

from mbind_formal.cli.common import ExitCode, add_spec_args, load
from mbind_formal.ir.model import Claim, Model, Spec, Var, param_text
from mbind_formal.ir.symmetry import Breaker, breakers
from mbind_formal.ir.validate_expr import show_type

NAME = "check"
HELP = "check a spec for errors and summarise its state, actors, variants and claims"
EXITS = ((ExitCode.OK, "the spec is valid"),)


def register(p: argparse.ArgumentParser) -> None:
    add_spec_args(p)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "es" if word.endswith("s") else "s")


def _var(v: Var) -> str:
    return f"{'const' if v.const else 'var'} {v.name}: {show_type(v.type)}"


def _reasons(found: tuple[Breaker, ...], coll: str) -> list[str]:
    """Why `coll` is told apart: each distinct construct once, with its first place.

    Element literals are left out: in a valid spec the only ones on a symmetric
    collection are a `for` loop's own cursor resets (`lower.flow` NOTE(loops)),
    already covered by its "ordered walk"."""
    out: dict[str, str] = {}
    for b in found:
        if b.collection == coll and b.what not in out and not b.what.startswith("element"):
            out[b.what] = f"{b.what}" + (f" at {b.span}" if b.span else "")
    return list(out.values())


def _collections(m: Model) -> Iterator[str]:
    found = breakers(m)
    for c in m.collections:
        if not c.symmetric:
            kind = "ordered"
        else:
            reasons = _reasons(found, c.name)
            kind = "symmetric" if not reasons else "declared symmetric, checked as ordered: "
            kind += "; ".join(reasons)
        yield f"  {c.name}[{c.size}]  {kind}"
        for f in c.fields:
            yield f"      {_var(f)}"


def _actors(m: Model) -> Iterator[str]:
    for a in m.actors:
        if a.self_collection is not None:
            who = f"one per {a.self_collection} element ({a.instances})"
        else:
            who = _plural(a.instances, "instance")
        steps = ", ".join(a.labels) if a.steps else "(no steps)"
        yield f"  {a.name} [{who}]: {steps}"
        for v in a.locals:
            yield f"      {_var(v)}"


def _variant(spec: Spec, m: Model) -> str:
    if m.extends is None:
        return f"  {m.variant}"
    parent = spec.model(m.extends)
    parts = []
    if m.overrides:
        parts.append("replaces " + ", ".join(m.overrides))
    added = [g.name for g in m.globals if g not in parent.globals]
    for c in m.collections:
        old = parent.collection(c.name).fields
        added += [f"{c.name}.{f.name}" for f in c.fields if f not in old]
    if added:
        parts.append("adds " + ", ".join(added))
    extra = symmetric_changes(parent, m)
    if extra:
        parts.append(extra)
    return f"  {m.variant} extends {m.extends}" + (": " + "; ".join(parts) if parts else "")


def symmetric_changes(parent: Model, m: Model) -> str:
    """Collections whose symmetry this variant gives up (relative to `parent`)."""
    before = {b.collection for b in breakers(parent)}
    lost = sorted({b.collection for b in breakers(m)} - before)
    return ("checks " + ", ".join(lost) + " as ordered") if lost else ""


def _claim(base: Model, c: Claim) -> str:
    parts = [c.kind.value, _plural(len(c.witnesses), "witness")]
    if c.assume is not None:
        parts.append("with assume")
    own = {b.collection for b in breakers(base, c)} - {b.collection for b in breakers(base)}
    if own:
        parts.append("tells apart " + ", ".join(sorted(own)))
    return f"  {c.name}: " + ", ".join(parts)


def summary(spec: Spec) -> list[str]:
    """The lines `check` prints for a valid spec."""
    base = spec.models[0]
    lines = [f"spec {spec.name} ({spec.source})" if spec.source else f"spec {spec.name}"]
    params = ", ".join(f"{k}={param_text(v)}" for k, v in spec.params)
    lines.append(f"params: {params or '(none)'}")
    lines.append("enums:")
    lines += [f"  {e.name} {{{', '.join(e.values)}}}" for e in base.enums] or ["  (none)"]
    lines.append("collections:")
    lines += list(_collections(base)) or ["  (none)"]
    lines.append("globals:")
    lines += [f"  {_var(g)}" for g in base.globals] or ["  (none)"]
    lines.append("definitions: " + (", ".join(d.name for d in base.defs) or "(none)"))
    lines.append("actors:")
    lines += list(_actors(base)) or ["  (none)"]
    lines.append("variants:")
    lines += [_variant(spec, m) for m in spec.models]
    lines.append("claims:")
    lines += [_claim(base, c) for c in spec.claims] or ["  (none)"]
    lines.append("scenarios:")
    for s in spec.scenarios:
        with_ = ", ".join(f"{k}={v}" for k, v in s.params)
        lines.append(f"  {s.name}: run {', '.join(s.run)}" + (f"; with {with_}" if with_ else ""))
    if not spec.scenarios:
        lines.append("  (none)")
    lines.append(
        f"ok: {_plural(len(spec.models), 'variant')}, {_plural(len(spec.claims), 'claim')}, "
        f"{_plural(len(spec.scenarios), 'scenario')}"
    )
    return lines


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    loaded = load(args, err)
    if loaded is None:
        return ExitCode.USAGE
    print("\n".join(summary(loaded.spec)), file=out)
    return ExitCode.OK
