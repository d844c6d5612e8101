"""Per-config totals, TLC/ours ratios, verdict agreement and the targets, from raw runs.

Stage: bench. Input: `ConfigRun`s (what each worker wrote, plus the wall time, exit and
peak memory the parent measured). Output: JSON-ready dicts for the results file, which
`bench.markdown` and `bench.plot` read back (so a table can be redrawn from a file).

NOTE(ratio bounds): a config that did not finish still bounds a ratio. When TLC ran out
of time and ours finished, TLC / ours is at least TLC's elapsed time over ours; in the
opposite case it is at most. `common` compares only the cells both decided within the
limit (summed per-cell seconds, so process start-up and spec loading are left out).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

DECIDED = ("holds", "violated", "vacuous")
OURS = ("explicit", "bmc", "kind", "pdr", "auto")


class Status(enum.Enum):
    FINISHED = "finished"  # every cell ran to its engine's own answer
    TIMEOUT = "timeout"  # the config's time limit cut or skipped some cells
    KILLED = "killed"  # the child overran its limit and was killed
    ERROR = "error"  # the spec did not load or the child crashed
    SKIPPED = "skipped"  # not run: the same config did not finish with fewer pages


@dataclass(frozen=True, slots=True, kw_only=True)
class ConfigRun:
    """One engine config on one world size, as measured."""

    config: str  # "explicit", ..., "tlc-w1", "tlc-w2"
    engine: str
    workers: int
    size: int
    limit_s: float
    status: Status
    wall_s: float | None = None  # spawn to exit, as a user waits for it
    peak_rss_mb: float | None = None  # the largest process: the worker or one JVM
    cpu_s: float | None = None  # user + system CPU of the worker and the JVMs it reaped
    exit_code: int | None = None
    load_avg: tuple[float, ...] = ()  # 1/5/15-minute load just before the run
    note: str = ""
    records: tuple[Mapping[str, Any], ...] = field(default=(), repr=False)


def _cells(run: ConfigRun) -> list[Mapping[str, Any]]:
    return [r for r in run.records if r.get("kind") == "cell"]


def _ran(record: Mapping[str, Any]) -> bool:
    return not record.get("not_run", False)


def _complete(record: Mapping[str, Any]) -> bool:
    """The cell ran and its engine, not the clock, ended it."""
    return _ran(record) and not record.get("timed_out", False)


def total_cells(run: ConfigRun) -> int | None:
    for r in run.records:
        if r.get("kind") == "start":
            return int(r["cells"])
    return None


def summarise(run: ConfigRun) -> dict[str, Any]:
    """The JSON record of one config: totals over its cells, and the cells themselves."""
    cells = _cells(run)
    ran = [c for c in cells if _ran(c)]
    verdicts: dict[str, int] = {}
    for c in ran:
        verdicts[c["verdict"]] = verdicts.get(c["verdict"], 0) + 1
    with_states = [c for c in ran if isinstance(c.get("states"), int) and c["states"] >= 0]
    states = sum(int(c["states"]) for c in with_states)
    state_s = sum(float(c["seconds"]) for c in with_states)
    queries = sum(int(c.get("solver_queries", 0)) for c in ran)
    solver_s = sum(float(c.get("solver_seconds", 0.0)) for c in ran)
    load_s = next((float(r["load_s"]) for r in run.records if r.get("kind") == "start"), None)
    tlc_runs = sum(int(c.get("stats", {}).get("tlc_runs", 0)) for c in ran)
    tlc_s = sum(float(c.get("stats", {}).get("tlc_seconds", 0.0)) for c in ran)
    return {
        "config": run.config,
        "engine": run.engine,
        "workers": run.workers,
        "size": run.size,
        "status": run.status.value,
        "limit_s": run.limit_s,
        "wall_s": None if run.wall_s is None else round(run.wall_s, 3),
        "cpu_s": run.cpu_s,
        "load_s": load_s,
        "peak_rss_mb": run.peak_rss_mb,
        "exit_code": run.exit_code,
        "load_avg": list(run.load_avg),
        "note": run.note,
        "cells_total": total_cells(run),
        "cells_run": len(ran),
        "cells_timed_out": sum(1 for c in ran if c.get("timed_out")),
        "decided": sum(verdicts.get(v, 0) for v in DECIDED),
        "verdicts": dict(sorted(verdicts.items())),
        "cell_seconds": round(sum(float(c["seconds"]) for c in ran), 3),
        "cell_cpu_s": round(sum(float(c.get("cpu_s", 0.0)) for c in ran), 3),
        "states": states if with_states else None,
        "states_per_s": round(states / state_s) if with_states and state_s > 0 else None,
        "solver_queries": queries,
        "solver_seconds": round(solver_s, 3),
        "solver_ms_per_query": round(1000 * solver_s / queries, 3) if queries else None,
        "tlc_runs": tlc_runs,
        "tlc_seconds": round(tlc_s, 3),
        "failures": sorted({f for c in ran for f in c.get("failures", ())}),
        "cells": cells,
    }


def finished(summary: Mapping[str, Any]) -> bool:
    return bool(summary["status"] == Status.FINISHED.value)


def _cut(summary: Mapping[str, Any]) -> bool:
    """Ran, but the limit stopped it: its elapsed time is a lower bound on its full time."""
    return summary["status"] in (Status.TIMEOUT.value, Status.KILLED.value)


def ratio(tlc: Mapping[str, Any], ours: Mapping[str, Any]) -> dict[str, Any]:
    """TLC's time over ours, exact or bounded (see NOTE(ratio bounds))."""
    out: dict[str, Any] = {"tlc": tlc["config"], "ours": ours["config"], "size": ours["size"]}
    t, o = tlc["wall_s"], ours["wall_s"]
    if finished(tlc) and finished(ours):
        out.update(kind="exact", value=round(t / o, 3))
    elif _cut(tlc) and finished(ours):
        out.update(kind="at_least", value=round(t / o, 3))
    elif finished(tlc) and _cut(ours):
        out.update(kind="at_most", value=round(t / o, 3))
    else:
        out.update(kind="unknown", value=None)
    # The same comparison in CPU time (steadier on a shared machine; TLC's workers add up).
    t_cpu, o_cpu = tlc.get("cpu_s"), ours.get("cpu_s")
    cpu = None
    if out["value"] is not None and t_cpu is not None and o_cpu:
        cpu = round(float(t_cpu) / float(o_cpu), 3)
    out["cpu_value"] = cpu
    mine = {(c["variant"], c["claim"]): c for c in ours["cells"] if _complete(c)}
    both = [
        (c, mine[c["variant"], c["claim"]])
        for c in tlc["cells"]
        if _complete(c) and (c["variant"], c["claim"]) in mine
    ]
    t_sum = sum(float(a["seconds"]) for a, _ in both)
    o_sum = sum(float(b["seconds"]) for _, b in both)
    out["common_cells"] = len(both)
    out["common_value"] = round(t_sum / o_sum, 3) if both and o_sum > 0 else None
    return out


def ratios(summaries: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """TLC / ours for every size, every TLC config and every one of our configs."""
    out = []
    for s in summaries:
        if not str(s["config"]).startswith("tlc"):
            continue
        for o in summaries:
            if o["size"] == s["size"] and o["engine"] in OURS:
                out.append(ratio(s, o))
    return out


def _baseline(config: str) -> str | None:
    """The config an optimisation config is compared with: `explicit-closures` and
    `explicit-j2` with `explicit`, `tlc-w2` with `tlc-w1` (None: not an optimisation)."""
    if config.endswith("-closures"):
        return config.removesuffix("-closures")
    head, _, tail = config.rpartition("-")
    if tail[:1] in ("j", "w") and tail[1:].isdigit() and int(tail[1:]) > 1:
        return head if tail[0] == "j" else f"{head}-w1"
    return None


def optimisations(summaries: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Per size, each optimisation's before / after: compiled steps (closures / compiled),
    parallel cells (--jobs 1 / --jobs N), TLC workers (1 / N); wall and CPU time, above 1:
    the optimisation is faster. `exact` only when both finished."""
    out = []
    for o in summaries:
        base_name = _baseline(str(o["config"]))
        if base_name is None:
            continue
        base = _pick(summaries, base_name, int(o["size"]))
        if not base:
            continue
        slow, fast = (o, base) if str(o["config"]).endswith("-closures") else (base, o)
        both = finished(slow) and finished(fast)
        wall = cpu = None
        if both and fast["wall_s"]:
            wall = round(float(slow["wall_s"]) / float(fast["wall_s"]), 3)
        if both and fast.get("cpu_s"):
            cpu = round(float(slow["cpu_s"]) / float(fast["cpu_s"]), 3)
        out.append(
            {
                "size": o["size"],
                "before": slow["config"],
                "after": fast["config"],
                "kind": "exact" if both else "unknown",
                "before_wall_s": slow["wall_s"],
                "after_wall_s": fast["wall_s"],
                "wall_ratio": wall,
                "before_cpu_s": slow.get("cpu_s"),
                "after_cpu_s": fast.get("cpu_s"),
                "cpu_ratio": cpu,
                "same_verdicts": _same_verdicts(slow, fast),
            }
        )
    return out


def _same_verdicts(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    """Every cell both decided has the same verdict in both, and for our engines the
    same distinct-state count (TLC's count with several workers is not exact)."""
    exact = a["engine"] != "tlc"
    mine = {(c["variant"], c["claim"]): c for c in a["cells"] if _complete(c)}
    for c in b["cells"]:
        other = mine.get((c["variant"], c["claim"]))
        if other is None or not _complete(c):
            continue
        if other["verdict"] != c["verdict"]:
            return False
        if exact and other.get("states") != c.get("states"):
            return False
    return True


def agreement(summaries: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Per size: how many cells two or more configs decided, and any that disagree."""
    out = []
    for size in sorted({int(s["size"]) for s in summaries}):
        decided: dict[tuple[str, str], dict[str, str]] = {}
        for s in summaries:
            if s["size"] != size:
                continue
            for c in s["cells"]:
                if _ran(c) and c["verdict"] in DECIDED:
                    decided.setdefault((c["variant"], c["claim"]), {})[s["config"]] = c["verdict"]
        compared = {k: v for k, v in decided.items() if len(v) >= 2}
        conflicts = [
            {"variant": k[0], "claim": k[1], "verdicts": dict(sorted(v.items()))}
            for k, v in sorted(compared.items())
            if len(set(v.values())) > 1
        ]
        out.append({"size": size, "cells_compared": len(compared), "conflicts": conflicts})
    return out


def _pick(summaries: Sequence[Mapping[str, Any]], config: str, size: int) -> Mapping[str, Any]:
    for s in summaries:
        if s["config"] == config and s["size"] == size:
            return s
    return {}


def _against(r: Mapping[str, Any] | None, threshold: float) -> str:
    """Whether a TLC / ours ratio reaches `threshold`, given what kind of bound it is."""
    if r is None or r["value"] is None:
        return "not measured"
    value = float(r["value"])
    if value >= threshold and r["kind"] in ("exact", "at_least"):
        return "met"
    if value < threshold and r["kind"] in ("exact", "at_most"):
        return "not met"
    return "undetermined"


def targets(
    summaries: Sequence[Mapping[str, Any]],
    default_size: int | None,
    big_size: int = 6,
    patience_s: float = 600.0,
) -> dict[str, Any]:
    """The project's speed targets, evaluated (reported, never asserted): at the default
    size `auto` takes at most a third of TLC's time; at `big_size` it decides every cell
    while TLC takes 10x longer or does not finish within `patience_s`."""
    rs = ratios(summaries)

    def fair_ratio(ours: str, size: int | None) -> Mapping[str, Any] | None:
        found = [r for r in rs if r["ours"] == ours and r["size"] == size and r["value"]]
        # The fastest TLC config is the fair opponent: the smallest TLC / ours ratio.
        return min(found, key=lambda r: float(r["value"]), default=None)

    default = fair_ratio("auto", default_size)
    big = fair_ratio("auto", big_size)
    big_auto = _pick(summaries, "auto", big_size)
    big_tlc = [s for s in summaries if str(s["config"]).startswith("tlc") and s["size"] == big_size]
    # Only TLC runs cut by a limit of at least `patience_s` count as "does not finish".
    tlc_dnf = bool(big_tlc) and all(_cut(s) and float(s["limit_s"]) >= patience_s for s in big_tlc)
    if not big_auto or big_auto["status"] == Status.SKIPPED.value:
        big_met = "not measured"
    elif big_auto["decided"] != big_auto["cells_total"]:
        big_met = "not met"
    elif tlc_dnf:
        big_met = "met"
    else:
        big_met = _against(big, 10)
    growth = [
        {"size": s["size"], "wall_s": s["wall_s"], "status": s["status"]}
        for s in sorted(summaries, key=lambda s: int(s["size"]))
        if s["config"] == "auto"
    ]
    return {
        "default_size": default_size,
        "auto_third_of_tlc": {"ratio": default, "met": _against(default, 3)},
        "big_size": big_size,
        "big_all_decided_and_tlc_10x": {
            "auto_decided": big_auto.get("decided"),
            "cells": big_auto.get("cells_total"),
            "ratio": big,
            "tlc_did_not_finish": tlc_dnf,
            "met": big_met,
        },
        "auto_growth": growth,
    }
