"""The examples written with the newer language features (procedures, narrowing, bool
parameters, `%`) agree with TLC state for state: the explicit engine's distinct-state
count equals TLC's on the emitted TLA+, pinned here (symmetry on, as Stateright's
examples/2pc.rs pins its counts), and each planted bug is found by both at the same
depth. (`test_tlc_engine.test_examples`, marked slow, runs every cell of every example.)
"""

from __future__ import annotations

import pytest
from test_tlc_engine import agree
from tla_helpers import REPO, load

from mbind_formal.engines.base import Verdict

pytestmark = pytest.mark.tlc

EXAMPLES = REPO / "spec" / "examples"

# (file, variant, claim) -> distinct states (holds) or counterexample length (violated)
CELLS = {
    ("spinlock_trylock.mbf", "base", "mutual_exclusion"): ("holds", 48),
    ("spinlock_trylock.mbf", "racy_trylock", "mutual_exclusion"): ("violated", 6),
    ("qrwlock_irq.mbf", "base", "exclusive"): ("holds", 5725),
    ("qrwlock_irq.mbf", "irq_skips_writer", "exclusive"): ("violated", 4),
}


SLOW = {("qrwlock_irq.mbf", "base", "exclusive")}  # about 10 s of TLC on a shared machine


@pytest.mark.parametrize(
    "cell",
    [pytest.param(c, marks=pytest.mark.slow) if c in SLOW else c for c in sorted(CELLS)],
    ids=lambda c: f"{c[0]}/{c[1]}/{c[2]}",
)
def test_example_cell(cell: tuple[str, str, str]) -> None:
    file, variant, claim = cell
    spec = load(EXAMPLES / file)
    result = agree(spec.model(variant), spec.claim(claim), symmetry=True)
    verdict, number = CELLS[cell]
    assert result.verdict is Verdict(verdict)
    if result.verdict is Verdict.VIOLATED:
        assert result.trace is not None and len(result.trace) == number
    else:
        assert result.states == number
