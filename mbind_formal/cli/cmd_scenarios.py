"""`mbind-formal scenarios`: run the spec's sequential scenarios on every variant.

Input: a spec (scenarios with `with` parameters reload it with those values), optional
variants and scenario names, and a budget per run (`--max-states`, default
1000000; `--timeout`; `--memory`). Output: a pass/fail table (scenarios as rows, variants
as columns; `?` for a run the budget stopped) and, for each failure, the failing run one
step per line; `--json FILE` also writes the JSON document (`-`: instead, on stdout).
Exit codes: `EXITS`.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from typing import Any, TextIO

from mbind_formal.cli.cells import (
    ScenarioRun,
    run_scenarios,
    scenario_exit,
    scenario_table,
    worst,
)
from mbind_formal.cli.common import (
    ExitCode,
    add_budget_args,
    add_spec_args,
    checked_budget,
    load,
    output_ok,
    pick_variants,
    write_output,
)
from mbind_formal.diagnostics import did_you_mean
from mbind_formal.ir.model import Scenario, Spec
from mbind_formal.schema import DocKind, header
from mbind_formal.trace.text import render_rows
from mbind_formal.verdicts import scenario_json

NAME = "scenarios"
HELP = "run the spec's sequential scenarios (LTP-style runs) on each variant"
EXITS = (
    (ExitCode.OK, "every scenario passes"),
    (ExitCode.VIOLATED, "some scenario fails"),
    (ExitCode.UNKNOWN, "none fails, but a run was stopped undecided"),
)


def register(p: argparse.ArgumentParser) -> None:
    add_spec_args(p)
    p.add_argument("--variant", action="append", metavar="V", help="only this variant (repeatable)")
    p.add_argument(
        "--scenario", action="append", metavar="NAME", help="only this scenario (repeatable)"
    )
    p.add_argument(
        "--json",
        metavar="FILE",
        help="write the JSON document; '-' = stdout",
    )
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


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    budget = checked_budget(args, err)
    if budget is None:
        return ExitCode.USAGE
    loaded = load(args, err)
    if loaded is None or not output_ok(loaded, args.json, err):
        return ExitCode.USAGE
    spec = loaded.spec
    variants = pick_variants(spec, args.variant, err)
    scenarios = _pick(spec, args.scenario, err)
    if variants is None or scenarios is None:
        return ExitCode.USAGE
    ran = run_scenarios(args, loaded, variants, budget, err, scenarios)
    if ran is None:
        return ExitCode.USAGE
    runs, interrupted = ran
    if args.json is not None:
        doc = scenarios_document(spec, runs)
        if interrupted:
            doc["interrupted"] = interrupted
        if not write_output(json.dumps(doc, indent=2) + "\n", args.json, loaded, out, err):
            return ExitCode.USAGE
    if args.json != "-":
        _print_text(scenarios, runs, out)
    if interrupted:
        print(interrupted, file=err)
        return ExitCode.UNKNOWN
    return worst(scenario_exit(run.result) for run in runs)


def _print_text(scenarios: list[Scenario], runs: list[ScenarioRun], out: TextIO) -> None:
    if not scenarios:
        print("no scenarios in this spec", file=out)
        return
    print(scenario_table(runs), file=out)
    for run in runs:
        r = run.result
        if r.passed:
            continue
        what = "FAIL" if r.decided else "undecided"
        print(f"\n{r.scenario} on variant {r.variant}: {what}: {r.reason}", file=out)
        if r.trace is not None:
            print(render_rows(run.model, r.trace).rstrip(), file=out)


def scenarios_document(spec: Spec, runs: list[ScenarioRun]) -> dict[str, Any]:
    """The JSON document (document `scenarios`) of a scenarios run."""
    return {
        **header(DocKind.SCENARIOS),
        "spec": spec.source,
        "params": dict(sorted(spec.params)),
        "passed": all(run.result.passed for run in runs),
        "decided": all(run.result.decided for run in runs),
        "scenarios": [scenario_json(run.result, run.model) for run in runs],
    }
