"""`mbind-formal scenarios`: run the spec's sequential scenarios on every variant.

Input: a spec (scenarios with `with` parameters reload it with those values), optional
variants and scenario names, and a budget per run (`--max-states`, default
1000000; `--timeout`; `--memory`). Output: a pass/fail table (scenarios as rows, variants
as columns; `?` for a run the budget stopped) and, for each failure, the failing run one
step per line; or JSON with `--json`. Exit 0 when every scenario passes, 1 when one
fails, 3 when none fails but a run was stopped undecided, 2 for bad input.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from dataclasses import replace
from typing import Any, TextIO

from mbind_formal.cli.common import (
    ExitCode,
    add_budget_args,
    add_spec_args,
    checked_budget,
    interrupted_note,
    load,
    pick_variants,
    spec_for_scenario,
)
from mbind_formal.diagnostics import did_you_mean
from mbind_formal.engines.scenarios import DEFAULT_MAX_STATES, ScenarioResult, run_scenario
from mbind_formal.ir.model import Scenario, Spec
from mbind_formal.trace.text import render_rows, trace_document

NAME = "scenarios"
HELP = "run the spec's sequential scenarios (LTP-style runs) on each variant"


def register(p: argparse.ArgumentParser) -> None:
    add_spec_args(p)
    p.add_argument("--variant", action="append", metavar="V", help="only this variant (repeatable)")
    p.add_argument(
        "--scenario", action="append", metavar="NAME", help="only this scenario (repeatable)"
    )
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    add_budget_args(p)  # per scenario and variant; --max-states defaults to 1000000


def _pick(spec: Spec, wanted: Sequence[str] | None, err: TextIO) -> list[Scenario] | None:
    if not wanted:
        return list(spec.scenarios)
    names = [s.name for s in spec.scenarios]
    out = []
    for name in wanted:
        if name not in names:
            hint = did_you_mean(name, names)
            print(f"mbind-formal: error[MBF502]: unknown scenario '{name}'", file=err)
            print(f"  hint: {hint + ' ' if hint else ''}known: {', '.join(names)}", file=err)
            return None
        out.append(next(s for s in spec.scenarios if s.name == name))
    return out


def _cell(r: ScenarioResult) -> str:
    return "?" if not r.decided else "pass" if r.passed else "FAIL"


def _table(names: list[str], variants: list[str], results: dict[tuple[str, str], str]) -> str:
    width = max([len("scenario"), *(len(n) for n in names)])
    cols = [max(4, len(v)) for v in variants]
    head = "  ".join(
        ["scenario".ljust(width), *(v.ljust(w) for v, w in zip(variants, cols, strict=True))]
    )
    lines = [head.rstrip()]
    for n in names:
        cells = [results.get((n, v), "-") for v in variants]  # "-": not run (interrupted)
        row = "  ".join([n.ljust(width), *(c.ljust(w) for c, w in zip(cells, cols, strict=True))])
        lines.append(row.rstrip())
    return "\n".join(lines)


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    budget = checked_budget(args, err)
    if budget is None:
        return ExitCode.USAGE
    if budget.max_states is None:
        budget = replace(budget, max_states=DEFAULT_MAX_STATES)
    loaded = load(args, err)
    if loaded is None:
        return ExitCode.USAGE
    spec = loaded.spec
    variants = pick_variants(spec, args.variant, err)
    scenarios = _pick(spec, args.scenario, err)
    if variants is None or scenarios is None:
        return ExitCode.USAGE
    cache: dict[tuple[tuple[str, int], ...], Spec] = {}
    done: list[tuple[ScenarioResult, Spec]] = []
    interrupted = ""
    try:
        for sc in scenarios:
            sc_spec = spec_for_scenario(args, loaded, sc, cache, err)
            if sc_spec is None:
                return ExitCode.USAGE
            resolved = next(s for s in sc_spec.scenarios if s.name == sc.name)
            for v in variants:
                done.append((run_scenario(sc_spec.model(v), resolved, budget), sc_spec))
    except KeyboardInterrupt as e:
        total = len(scenarios) * len(variants)
        interrupted = interrupted_note(e, f"{len(done)} of {total} scenario runs decided")
    if args.json:
        print(json.dumps(_document(spec, done), indent=2), file=out)
    else:
        _print_text(scenarios, variants, done, out)
    if interrupted:
        print(interrupted, file=err)
        return ExitCode.UNKNOWN
    if any(r.decided and not r.passed for r, _ in done):
        return ExitCode.VIOLATED
    return ExitCode.UNKNOWN if any(not r.decided for r, _ in done) else ExitCode.OK


def _print_text(
    scenarios: list[Scenario],
    variants: list[str],
    done: list[tuple[ScenarioResult, Spec]],
    out: TextIO,
) -> None:
    if not scenarios:
        print("no scenarios in this spec", file=out)
        return
    results = {(r.scenario, r.variant): _cell(r) for r, _ in done}
    print(_table([s.name for s in scenarios], variants, results), file=out)
    for r, sc_spec in done:
        if r.passed:
            continue
        what = "FAIL" if r.decided else "undecided"
        print(f"\n{r.scenario} on variant {r.variant}: {what}: {r.reason}", file=out)
        if r.trace is not None:
            print(render_rows(sc_spec.model(r.variant), r.trace).rstrip(), file=out)


def _document(spec: Spec, done: list[tuple[ScenarioResult, Spec]]) -> dict[str, Any]:
    rows = []
    for r, sc_spec in done:
        row = r.as_dict()
        model = sc_spec.model(r.variant)
        row["trace"] = trace_document(model, r.trace) if r.trace is not None else None
        rows.append(row)
    return {
        "spec": spec.name,
        "passed": all(r.passed for r, _ in done),
        "decided": all(r.decided for r, _ in done),
        "results": rows,
    }
