"""Resource limits and Ctrl-C: a run that cannot finish ends as `unknown`, with the reason.

`--timeout` (per cell), `--total-timeout` (the whole run), `--max-states`, `--max-depth`
and `--memory` each stop an engine on a model far too big to finish (BIG with 20 pages:
about 1.8e9 states), so every assertion is about the *outcome* - verdict unknown, a
reason naming the limit, exit 3 - never about how long anything took. Ctrl-C, raised
inside an engine, prints the verdicts found so far and exits 3 without a traceback.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from robust_support import (
    BIG,
    SMALL,
    answers_within,
    assert_no_traceback,
    capped_cli,
    cli,
    signalled,
    write,
)

from mbind_formal.cli.common import ExitCode
from mbind_formal.engines.base import Budget, Result
from mbind_formal.ir.model import Claim, Model

UNKNOWN = int(ExitCode.UNKNOWN)
HUGE = ("--pages", "20")


@pytest.fixture
def big(tmp_path: Path) -> Path:
    return write(tmp_path, "big.mbf", BIG)


@pytest.fixture
def small(tmp_path: Path) -> Path:
    return write(tmp_path, "small.mbf", SMALL)


def _json_run(*argv: str | Path) -> tuple[int, dict[str, Any], str]:
    run = cli(*argv, "--no-save", "--json", "-")
    assert_no_traceback(run)
    return run.code, json.loads(run.out), run.err


def _only_cell(doc: dict[str, Any]) -> dict[str, Any]:
    cells: list[dict[str, Any]] = doc["cells"]
    assert len(cells) == 1, cells
    return cells[0]


# ------------------------------------------------------------------ per-cell limits


# BIG with a violation 60 steps deep (every one of 20 pages bumped three times): too deep
# for any engine to reach in a second, and no invariant proves it, so each must time out.
DEEP_BUG = BIG.replace(
    "always forall p in Page: p.level <= 3;", "always !(forall p in Page: p.level == 3);"
)


@pytest.mark.parametrize("engine", ["explicit", "bmc", "kind", "pdr"])
def test_timeout_per_cell(tmp_path: Path, engine: str) -> None:
    spec = write(tmp_path, "deep.mbf", DEEP_BUG)
    assert DEEP_BUG != BIG
    code, doc, _ = _json_run("prove", spec, *HUGE, "--engine", engine, "--timeout", "1",
                             "--max-depth", "100000")  # fmt: skip
    cell = _only_cell(doc)
    assert cell["verdict"] == "unknown", cell
    assert "timeout" in cell["reason"] or "canceled" in cell["reason"], cell
    assert code == UNKNOWN


def test_max_states(big: Path) -> None:
    code, doc, _ = _json_run("prove", big, *HUGE, "--engine", "explicit", "--max-states", "300")
    cell = _only_cell(doc)
    assert cell["verdict"] == "unknown"
    assert "state limit of 300" in cell["reason"], cell
    assert cell["states"] is not None and cell["states"] <= 300
    assert code == UNKNOWN


def test_max_states_reached_while_enumerating_initial_states(tmp_path: Path) -> None:
    """Many initial states (2^12 values of unset variables): the limit also bounds init."""
    text = BIG.replace("var busy: bool = false;", "var busy: bool;")
    spec = write(tmp_path, "init.mbf", text)
    code, doc, _ = _json_run("prove", spec, "--pages", "12", "--engine", "explicit",
                             "--max-states", "50")  # fmt: skip
    cell = _only_cell(doc)
    assert cell["verdict"] == "unknown" and "state limit of 50" in cell["reason"], cell
    assert code == UNKNOWN


def test_max_depth_bounds_bmc(big: Path) -> None:
    """A bounded search that finds nothing up to the requested depth is success (0),
    with the bound in the answer (README "Exit codes")."""
    code, doc, _ = _json_run("prove", big, *HUGE, "--engine", "bmc", "--max-depth", "2")
    cell = _only_cell(doc)
    assert cell["verdict"] == "bounded" and cell["bound"] == 2, cell
    assert "2" in cell["reason"], cell
    assert code == 0


def test_memory_guard(big: Path) -> None:
    code, doc, _ = _json_run("prove", big, *HUGE, "--engine", "explicit", "--memory", "1")
    cell = _only_cell(doc)
    assert cell["verdict"] == "unknown"
    assert "memory limit of 1 MB" in cell["reason"], cell
    assert code == UNKNOWN


def test_a_limit_does_not_hide_a_violation(small: Path) -> None:
    """Limits stop a search; they never turn a found violation into unknown."""
    code, doc, _ = _json_run(
        "prove", small, "--engine", "explicit", "--variant", "base", "--max-states", "100000"
    )
    assert {c["verdict"] for c in doc["cells"]} == {"violated"}
    assert code == int(ExitCode.VIOLATED)


# ------------------------------------------------------------------ the whole run

MANY_CELLS = BIG + "\n".join(
    f"claim c{i} {{\n  always forall p in Page: p.level <= 3;\n"
    f"  reachable exists p in Page: p.level == 3;\n}}"
    for i in range(4)
)


def test_total_timeout_ends_every_cell_as_unknown(tmp_path: Path) -> None:
    spec = write(tmp_path, "many.mbf", MANY_CELLS)
    code, doc, _ = _json_run(
        "matrix", spec, *HUGE, "--engine", "explicit", "--total-timeout", "1.5"
    )
    cells = doc["cells"]
    assert [c["claim"] for c in cells] == ["bounded", "c0", "c1", "c2", "c3"]
    assert all(c["verdict"] == "unknown" for c in cells), cells
    assert "timeout" in cells[0]["reason"], cells[0]
    assert any("total timeout" in c["reason"] for c in cells[1:]), cells
    assert code == UNKNOWN


def test_total_timeout_with_a_larger_per_cell_timeout(tmp_path: Path) -> None:
    """The smaller of the two limits wins for the cell that is running."""
    spec = write(tmp_path, "many.mbf", MANY_CELLS)
    code, doc, _ = _json_run("matrix", spec, *HUGE, "--engine", "explicit",
                             "--timeout", "600", "--total-timeout", "1")  # fmt: skip
    assert all(c["verdict"] == "unknown" for c in doc["cells"])
    assert code == UNKNOWN


def test_matrix_table_shows_unknown_cells(big: Path) -> None:
    run = cli("matrix", big, *HUGE, "--engine", "explicit", "--max-states", "100", "--no-save")
    assert_no_traceback(run)
    assert run.code == UNKNOWN
    assert "unknown" in run.out.lower(), run.out


# ------------------------------------------------------------------ Ctrl-C


class _InterruptOnSecondCall:
    """An engine stand-in: the first cell runs the real explicit engine, the second is
    interrupted as if the user pressed Ctrl-C while it ran."""

    name = "explicit"

    def __init__(self) -> None:
        from mbind_formal.engines.explicit import ExplicitEngine

        self.real = ExplicitEngine()
        self.calls = 0

    def check(self, model: Model, claim: Claim, budget: Budget, report: Any = None) -> Result:
        self.calls += 1
        if self.calls >= 2:
            raise KeyboardInterrupt
        return self.real.check(model, claim, budget, report)


@pytest.fixture
def interrupting(monkeypatch: pytest.MonkeyPatch) -> _InterruptOnSecondCall:
    from mbind_formal.engines import registry

    engine = _InterruptOnSecondCall()
    monkeypatch.setattr(registry, "get_engine", lambda name: engine)
    return engine


@pytest.mark.parametrize("command", ["matrix", "prove"])
def test_ctrl_c_prints_the_partial_result(
    small: Path, interrupting: _InterruptOnSecondCall, command: str
) -> None:
    jobs = ("--jobs", "1") if command == "matrix" else ()  # the stand-in is in this process
    run = cli(command, small, "--engine", "explicit", "--no-save", *jobs)
    assert_no_traceback(run)
    assert run.code == UNKNOWN, run.text
    assert "interrupted" in run.err
    assert interrupting.calls == 2
    assert "exclusive" in run.out and "base" in run.out, "the finished cell is shown"


def test_ctrl_c_json_holds_the_finished_cells(
    small: Path, interrupting: _InterruptOnSecondCall
) -> None:
    code, doc, err = _json_run("matrix", small, "--engine", "explicit", "--jobs", "1")
    assert code == UNKNOWN
    assert [(c["variant"], c["claim"]) for c in doc["cells"]] == [("base", "exclusive")]
    assert doc["cells"][0]["verdict"] == "violated"
    assert "interrupted" in err


def test_ctrl_c_while_loading(small: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import mbind_formal.lower.spec as lower

    def interrupted(*args: object, **kwargs: object) -> object:
        raise KeyboardInterrupt

    monkeypatch.setattr(lower, "load_spec", interrupted)
    run = cli("prove", small, "--engine", "explicit", "--no-save")
    assert_no_traceback(run)
    assert run.code == UNKNOWN
    assert "interrupted" in run.err


def test_real_sigint_mid_run(tmp_path: Path) -> None:
    """A real SIGINT to a real process, sent once the first cell has printed its line (so
    the run is certainly inside the engine loop): partial output, exit 3, no traceback."""
    quick = (
        "claim quick {\n  always forall p in Page: p.level == 0;\n"
        "  reachable exists p in Page: p.level == 0;\n}\n"
    )
    spec = write(tmp_path, "sig.mbf", BIG.replace("claim bounded {", quick + "claim bounded {"))

    def first_cell_printed(proc: subprocess.Popen[str]) -> None:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        assert "quick" in first and "violated" in first, first

    run = signalled(["prove", str(spec), *HUGE, "--engine", "explicit", "--no-save"],
                    first_cell_printed)  # fmt: skip
    assert "Traceback" not in run.err, run.err
    assert run.code == UNKNOWN, run.err
    assert "interrupted" in run.err


# ------------------------------------------------------------------ huge domains

HUGE_RANGE = """\
var x: 0..9223372036854775807;
actor a {
  s: x += 1; goto s;
}
claim c {
  always x >= 0;
  reachable x == 5;
}
"""

WIDE_SET = (
    "enum E { " + ", ".join(f"V{i}" for i in range(64)) + " }\n"
    "const big: set<E>;\nvar seen: set<E> = {};\n"
    "actor a {\n  s: pick v in E where v in big; seen |= v; goto s;\n}\n"
    "claim c {\n  always seen == (seen & big);\n  reachable V63 in seen;\n}\n"
)


@pytest.mark.parametrize("engine", ["explicit", "bmc"])
@pytest.mark.parametrize("text", [HUGE_RANGE, WIDE_SET], ids=["range-2^63", "set-of-64"])
def test_huge_domains_are_refused_or_bounded(tmp_path: Path, text: str, engine: str) -> None:
    """Either `check` refuses the type (exit 2, located), or the run ends as unknown
    within its limits; never an internal error. (A memory-capped child process.)"""
    spec = write(tmp_path, "huge.mbf", text)
    run = capped_cli(
        "prove", spec, "--engine", engine, "--no-save", "--timeout", "5", "--memory", "300"
    )
    assert_no_traceback(run)
    assert run.code in (int(ExitCode.USAGE), UNKNOWN), run.text


MANY_INITS = """\
collection Vma[40] {
  const migratable: bool;
}
var ok: bool = false;
actor mbind {
  walk: ok = true; done;
}
claim c {
  always true;
  reachable ok;
}
scenario every_vma {
  run mbind;
  expect ok;
}
"""


def test_scenario_with_too_many_initial_states(tmp_path: Path) -> None:
    spec = write(tmp_path, "inits.mbf", MANY_INITS)
    run = capped_cli("scenarios", spec, memory_mb=512)
    assert_no_traceback(run)
    assert run.code in (int(ExitCode.VIOLATED), int(ExitCode.USAGE), UNKNOWN), run.text


@pytest.mark.tlc
def test_tlc_symmetry_on_a_large_collection(big: Path) -> None:
    if find_tlc_jar() is None:
        pytest.skip("no java / TLC jar")
    code, doc, _ = _json_run("prove", big, "--pages", "13", "--engine", "tlc", "--timeout", "20")
    cell = _only_cell(doc)
    assert "Permutations" not in cell["reason"], cell["reason"]
    assert cell["verdict"] in ("holds", "unknown"), cell
    assert code in (0, UNKNOWN)


def find_tlc_jar() -> str | None:
    from mbind_formal.tlc.run import find_tlc

    setup = find_tlc()
    jar: str | None = getattr(setup, "jar", None)
    return jar


WIDE_STEPS = """\
param pages = 64;
collection Page[pages] {
  var v: 0..3 = 0;
}
actor a[2] {
  s:
    pick p in Page;
    pick q in Page;
    pick r in Page;
    p.v = p.v == 3 ? 0 : p.v + 1;
    q.v = q.v == 3 ? 0 : q.v + 1;
    r.v = r.v == 3 ? 0 : r.v + 1;
    goto s;
}
claim c {
  always forall p in Page: p.v <= 3;
  reachable exists p in Page: p.v == 3;
}
"""


def test_limits_hold_when_every_state_has_many_successors(tmp_path: Path) -> None:
    """With --timeout 2 --memory 200 the run must stop by itself (exit 3) well inside a
    700 MB address-space cap; the bug shows as MemoryError at the cap (exit 5)."""
    spec = write(tmp_path, "wide.mbf", WIDE_STEPS)
    run = capped_cli("prove", spec, "--engine", "explicit", "--no-save",
                     "--timeout", "2", "--memory", "200", memory_mb=700)  # fmt: skip
    assert_no_traceback(run)
    assert run.code == UNKNOWN, run.text


# ------------------------------------------------------------------ expansion bombs


def _bomb(kind: str, levels: int = 26) -> str:
    """Each level calls the one below twice: 2**(levels-1) copies once expanded."""
    if kind == "macro":
        lines = ["var x: 0..3 = 0;", "macro m0(v) { v = v == 3 ? 0 : v + 1; }"]
        lines += [f"macro m{i}(v) {{ m{i - 1}(v); m{i - 1}(v); }}" for i in range(1, levels)]
        lines += [f"actor a {{ s: m{levels - 1}(x); done; }}"]
        lines += ["claim c { always x <= 3; reachable x == 0; }"]
    else:
        lines = ["var x: bool = false;", "def d0(b: bool) = !b;"]
        lines += [f"def d{i}(b: bool) = d{i - 1}(b) && d{i - 1}(!b);" for i in range(1, levels)]
        lines += [f"actor a {{ s: x = d{levels - 1}(x); done; }}"]
        lines += ["claim c { always true; reachable x; }"]
    return "\n".join(lines) + "\n"


def test_macro_expansion_bomb(tmp_path: Path) -> None:
    spec = write(tmp_path, "macros.mbf", _bomb("macro"))
    run = answers_within(30, "check", spec)
    assert_no_traceback(run)
    assert run.code == int(ExitCode.USAGE) and "macros.mbf:" in run.err, run.text


def test_definition_bomb_in_bmc(tmp_path: Path) -> None:
    spec = write(tmp_path, "defs.mbf", _bomb("def"))
    assert cli("check", spec).code == 0
    run = answers_within(30, "prove", spec, "--engine", "bmc", "--timeout", "2", "--no-save")
    assert_no_traceback(run)
    assert run.code in (0, 1, UNKNOWN), run.text


MBIND = Path(__file__).resolve().parents[2] / "spec" / "mbind.mbf"


@pytest.mark.skipif(not MBIND.is_file(), reason="spec/mbind.mbf is not there")
def test_timeout_while_enumerating_initial_states() -> None:
    run = answers_within(30, "prove", MBIND, "--pages", "64", "--variant", "base",
                          "--claim", "no_false_eio", "--engine", "explicit",
                          "--timeout", "2", "--no-save")  # fmt: skip
    assert_no_traceback(run)
    assert run.code == UNKNOWN, run.text
