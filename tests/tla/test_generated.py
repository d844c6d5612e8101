"""generated/ holds the bundled spec's TLA+ (`make tla`), committed; it must be current,
and TLC must accept every module in it."""

from __future__ import annotations

import pytest
from tla_helpers import BUNDLED_SPEC, GENERATED, load, need_tlc, relative

from mbind_formal.cli.cmd_tla import files_of
from mbind_formal.cli.common import default_variants
from mbind_formal.tla.emit import emit
from mbind_formal.tlc.run import parse_check


def _expected() -> dict[str, str]:
    spec = load(BUNDLED_SPEC)
    out: dict[str, str] = {}
    for v in default_variants(spec):
        module = emit(spec.model(v), spec.claims, spec_path=relative(BUNDLED_SPEC))
        out.update(files_of(module))
    return out


def test_generated_files_are_current() -> None:
    expected = _expected()
    on_disk = {p.name for p in GENERATED.iterdir() if p.suffix in (".tla", ".cfg")}
    assert on_disk == set(expected), "generated/ is stale: run `make tla`"
    for name, text in expected.items():
        assert (GENERATED / name).read_text(encoding="utf-8") == text, f"{name}: `make tla`"


@pytest.mark.tlc
@pytest.mark.slow
@pytest.mark.parametrize("module", sorted(p.stem for p in GENERATED.glob("*.tla")))
def test_tlc_accepts_generated_module(module: str) -> None:
    setup = need_tlc()
    cfg = sorted(p.stem for p in GENERATED.glob(f"{module}_*.cfg"))[0]
    assert parse_check(setup, GENERATED, module, cfg) == ""
