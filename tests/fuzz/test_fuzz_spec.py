"""Fuzz `mbind-formal check` with mutated specs: exit 0 or 2, no traceback, located errors.

A bounded, derandomized slice of what `make fuzz` runs (`tests/fuzz/run.py`), so CI sees
the same inputs on every run. The seeds themselves must check cleanly, or a mutant's
errors would say nothing about the mutation.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from fuzz_corpus import (
    FILE_LEVEL_CODES,
    Crash,
    Seed,
    Stage,
    disagreement,
    judge,
    judge_engines,
    mutate,
    pick,
    roots,
    seeds,
    tokens,
    unlocated_errors,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

SEEDS = seeds()


def _explain(crash: Crash | None, seed: Seed, data: bytes) -> str:
    if crash is None:
        return ""
    text = data.decode("utf-8", "replace")
    return f"{crash.signature}\n{seed.name} replaced by:\n{text}\n---\n{crash.output}"


@pytest.mark.parametrize("root", roots(), ids=lambda p: p.name)
def test_seed_checks_cleanly(root: Path) -> None:
    """A seed with errors of its own would hide what a mutation did."""
    crash = judge(root)
    assert crash is None, crash
    assert judge(root) is None


def test_multi_file_specs_are_fuzzed_in_every_file() -> None:
    main = [s for s in SEEDS if s.root.name == "mbind.mbf"]
    if main:
        assert len(main) > 1, "the includes of spec/mbind.mbf are seeds too"
    assert len({s.root for s in SEEDS}) == len(roots())


@settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(rnd=st.randoms())
def test_mutated_specs_fail_cleanly(rnd: random.Random, tmp_path: Path) -> None:
    seed = pick(SEEDS, rnd)
    data = mutate(seed.target.read_bytes(), rnd)
    crash = Stage(tmp_path).check(seed, data)
    assert crash is None, _explain(crash, seed, data)


# ------------------------------------------------------------------ the oracle itself


def test_mutations_change_the_text() -> None:
    rnd = random.Random(1)
    seed = SEEDS[0].target.read_bytes()
    changed = sum(mutate(seed, rnd) != seed for _ in range(50))
    assert changed >= 45


def test_tokens_cover_the_text() -> None:
    for s in SEEDS:
        text = s.target.read_text(encoding="utf-8")
        assert "".join(tokens(text)) == text


def test_oracle_flags_unlocated_errors() -> None:
    def three(file: str) -> int | None:
        return 3 if file == "spec.mbf" else None

    text = "spec.mbf: error[MBF201]: unknown name 'x'"
    assert unlocated_errors(text, three) == [text]
    assert unlocated_errors("error[MBF201]: unknown name 'x'", three) != []
    assert unlocated_errors("spec.mbf:2:5: error[MBF201]: unknown name 'x'", three) == []
    assert unlocated_errors("spec.mbf:9:1: error[MBF201]: unknown name 'x'", three) != []
    assert unlocated_errors("spec.mbf:1:0: error[MBF201]: unknown name 'x'", three) != []
    assert "MBF003" in FILE_LEVEL_CODES
    assert unlocated_errors("error[MBF003]: 'spec.mbf' is empty", three) == []


def test_stage_puts_the_seed_back(tmp_path: Path) -> None:
    seed = SEEDS[-1]
    stage = Stage(tmp_path)
    crash = stage.check(seed, b"this is { not a spec")
    assert crash is None
    copy = stage.box(seed) / seed.target.relative_to(seed.root.parent)
    assert copy.read_bytes() == seed.target.read_bytes()


def test_oracle_flags_a_traceback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """judge() must notice an internal error: make `check` crash on purpose."""
    import mbind_formal.lower.spec as lower

    def broken(*args: object, **kwargs: object) -> object:
        raise RuntimeError("planted bug")

    monkeypatch.setattr(lower, "load_spec", broken)
    crash = judge(SEEDS[0].root)
    assert crash is not None and crash.rule == "traceback"
    assert "planted bug" in crash.output


@pytest.mark.parametrize("root", roots()[:1] + roots()[-1:], ids=lambda p: p.name)
def test_engine_oracle_accepts_the_seeds(root: Path, tmp_path: Path) -> None:
    crash = judge_engines(root, tmp_path)
    assert crash is None, crash


def test_engine_oracle_flags_contradictions() -> None:
    def cell(verdict: str, length: int | None, reason: str = "") -> dict[str, object]:
        return {"verdict": verdict, "trace_length": length, "reason": reason}

    assert disagreement(cell("violated", 2, ""), cell("unknown", None)) is not None
    assert disagreement(cell("violated", 5, ""), cell("unknown", None)) is None  # too deep
    assert disagreement(cell("holds", None), cell("violated", 3)) is not None
    assert disagreement(cell("violated", 2), cell("violated", 3)) is not None
    assert disagreement(cell("unknown", None, "state limit"), cell("violated", 3)) is None
    assert disagreement(cell("violated", 2), cell("unknown", None, "timeout at depth 1")) is None


def test_engine_oracle_allows_a_spec_without_claims(tmp_path: Path) -> None:
    """A mutant may delete every claim: `prove` then says so (exit 2), not a crash."""
    spec = tmp_path / "bare.mbf"
    spec.write_text("actor a { s: done; }\n", encoding="utf-8")
    assert judge(spec) is None
    assert judge_engines(spec, tmp_path / "work") is None
