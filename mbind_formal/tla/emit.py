"""IR -> TLA+: one module per variant and one TLC configuration per claim.

Input: a `Model` (one variant), the claims to state, the spec file's path (for the
header). Output: `EmittedModule`, the module text and its `.cfg` texts. Pure: no files,
no clock. A plain view-model (`tla.view`) is built here and the jinja2 templates in
`tla/templates/` only loop over it and substitute.

Representation: NOTE(tla values) in `tla.symbols`. Steps: NOTE(step translation) in
`tla.actions`. `Next` includes `Terminating == AllDone /\\ UNCHANGED vars`, so TLC's
deadlock check reports exactly our deadlocks (a non-final state with no enabled step).
Claims: `always P` is the invariant `P`, `final P` is `AllDone => P`; each witness `W`
gets the operator `W` and its negation, which TLC checks as an invariant: a violation
is a state where `W` holds, i.e. the witness is reachable.

Configurations: one per claim (claims differ in their `assume`, which restricts the
initial states, so they cannot share one `.cfg`): `SPECIFICATION`, the model values of
symmetric collections, `INVARIANTS TypeOK <claim>` (then `StoresInType`, the type rule of
NOTE(type rule) in `tla.actions`, when some step may store outside a type) and `SYMMETRY`
when sound.
"""

from __future__ import annotations

from dataclasses import dataclass

import jinja2

from mbind_formal.ir.model import Claim, Model
from mbind_formal.ir.symmetry import symmetric_collections
from mbind_formal.tla.symbols import build_symbols
from mbind_formal.tla.view import CfgView, ModuleView, cfg_view, module_view

KERNEL_REFERENCE = "shared/kernel/SEMANTICS.md"


@dataclass(frozen=True, slots=True)
class EmittedCfg:
    """One TLC configuration: check `claim`'s invariant, or (`witnesses` given) whether one
    of those witnesses (indices into `claim.witnesses`) is reachable."""

    name: str  # file stem
    claim: str
    witnesses: tuple[int, ...]
    text: str


@dataclass(frozen=True, slots=True)
class EmittedModule:
    name: str  # module name = file stem of the .tla
    tla_text: str
    cfgs: tuple[EmittedCfg, ...]

    @property
    def cfg_text(self) -> str:
        """The configuration, when the module was emitted for a single cell."""
        assert len(self.cfgs) == 1, "cfg_text is only defined for a single-cell emission"
        return self.cfgs[0].text


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("mbind_formal.tla", "templates"),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )


def represented_symmetric(model: Model, claims: tuple[Claim, ...]) -> frozenset[str]:
    """Collections written as model values: symmetric for every claim of the module."""
    if not claims:
        return symmetric_collections(model)
    out = symmetric_collections(model, claims[0])
    for c in claims[1:]:
        out &= symmetric_collections(model, c)
    return out


def render_module(view: ModuleView) -> str:
    return _environment().get_template("module.tla.j2").render(m=view)


def render_cfg(view: CfgView) -> str:
    return _environment().get_template("model.cfg.j2").render(c=view)


def emit(
    model: Model,
    claims: tuple[Claim, ...] | list[Claim],
    *,
    spec_path: str,
    symmetry: bool = True,
    witnesses: bool = False,
) -> EmittedModule:
    """The module of `model` stating `claims`, with one configuration per claim (and,
    if `witnesses`, one per witness)."""
    claims = tuple(claims)
    syms = build_symbols(model, claims, represented_symmetric(model, claims))
    view = module_view(syms, claims, spec_path=spec_path, kernel_reference=KERNEL_REFERENCE)
    cfgs: list[EmittedCfg] = []
    for c in claims:
        targets: list[tuple[int, ...]] = [()]
        if witnesses:
            targets.extend((i,) for i in range(len(c.witnesses)))
        for ws in targets:
            cv = cfg_view(
                syms,
                c,
                ws,
                spec_path=spec_path,
                symmetry=symmetry,
                stores_in_type=view.stores_in_type,
            )
            cfgs.append(EmittedCfg(cv.name, c.name, ws, render_cfg(cv)))
    return EmittedModule(syms.module, render_module(view), tuple(cfgs))


def emit_cell(
    model: Model,
    claim: Claim,
    *,
    spec_path: str,
    witnesses: tuple[int, ...] = (),
    symmetry: bool = True,
) -> EmittedModule:
    """The module and the one configuration TLC needs to check one cell: the claim's
    invariant, or (`witnesses` given) whether one of those witnesses is reachable."""
    syms = build_symbols(model, (claim,), represented_symmetric(model, (claim,)))
    view = module_view(syms, (claim,), spec_path=spec_path, kernel_reference=KERNEL_REFERENCE)
    cv = cfg_view(
        syms,
        claim,
        witnesses,
        spec_path=spec_path,
        symmetry=symmetry,
        stores_in_type=view.stores_in_type,
    )
    return EmittedModule(
        syms.module,
        render_module(view),
        (EmittedCfg(cv.name, claim.name, witnesses, render_cfg(cv)),),
    )
