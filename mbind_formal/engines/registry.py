"""Engine registry: engine names as the CLI spells them -> engine objects.

Engines are imported on demand so that, e.g., a missing Java only matters to `tlc`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping

from mbind_formal.engines.base import Engine
from mbind_formal.ir.model import Spec

# Rebuilds the run's spec with some parameters changed and text appended (the `param`
# engine builds the model at other sizes with it; engines never load files themselves).
SpecAt = Callable[[Mapping[str, int], str], Spec | None]

# name -> (module, class); every class takes no constructor arguments.
ENGINES: dict[str, tuple[str, str]] = {
    "explicit": ("mbind_formal.engines.explicit", "ExplicitEngine"),
    "bmc": ("mbind_formal.engines.z3.bmc", "BmcEngine"),
    "kind": ("mbind_formal.engines.z3.induction", "InductionEngine"),
    "pdr": ("mbind_formal.engines.z3.pdr", "PdrEngine"),
    "lasso": ("mbind_formal.engines.z3.lasso", "LassoEngine"),
    "auto": ("mbind_formal.engines.auto", "AutoEngine"),
    "tlc": ("mbind_formal.engines.tlc", "TlcEngine"),
    "param": ("mbind_formal.engines.param.engine", "ParamEngine"),
}


def engine_names() -> tuple[str, ...]:
    return tuple(ENGINES)


def get_engine(name: str) -> Engine:
    """The engine called `name`; raises KeyError for an unknown name."""
    module, cls = ENGINES[name]
    engine: Engine = getattr(importlib.import_module(module), cls)()
    return engine


class EnginePool:
    """One object per engine name for the length of a run, so that an engine keeps what
    it caches between cells (the Z3 engines encode a variant once and reuse it for
    every claim and depth). Made per run and passed along: nothing is module-wide."""

    def __init__(self, respec: SpecAt | None = None) -> None:
        self._made: dict[str, Engine] = {}
        self._respec = respec

    def get(self, name: str) -> Engine:
        """The pool's engine called `name`; raises KeyError for an unknown name."""
        if name not in self._made:
            engine = get_engine(name)
            use = getattr(engine, "use_spec", None)
            if use is not None and self._respec is not None:
                use(self._respec)
            self._made[name] = engine
        return self._made[name]
