"""`python -m bench.profile`: where one engine spends its time on the bundled model.

Stage: bench. Input: spec, world size, engine, optional variant/claim filters and a
cell count. Output (stdout): per cell its verdict and time, then the profile of all of
them together: the top functions by own time and by cumulative time, and own time
summed per source file, as percentages of the profiled time.

The default profiler is the standard library's cProfile (deterministic; it inflates
call-heavy code such as the closures of `semantics.relation` by a similar factor throughout,
so shares stay comparable). `--sampler` uses pyinstrument instead when it is installed
(statistical, low overhead, call tree as text), which is how BENCHMARKS.md's profiles
were cross-checked.
"""

from __future__ import annotations

import argparse
import cProfile
import importlib
import importlib.util
import pstats
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from mbind_formal.engines.base import Budget
from mbind_formal.engines.registry import EnginePool
from mbind_formal.lower.spec import load_spec
from mbind_formal.verdicts import check_cell

ROOT = Path(__file__).resolve().parent.parent


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__)
    p.add_argument("--spec", default=str(ROOT / "spec" / "mbind.mbf"))
    p.add_argument("--scale", default="pages")
    p.add_argument("--pages", type=int, help="the value of --scale (default: the spec's)")
    p.add_argument("--engine", default="explicit")
    p.add_argument("--variant", action="append", default=[])
    p.add_argument("--claim", action="append", default=[])
    p.add_argument("--cells", type=int, default=0, help="profile the first N cells (0: all)")
    p.add_argument("--timeout", type=float, default=300.0, help="seconds per cell")
    p.add_argument("--top", type=int, default=25, help="functions listed per table")
    p.add_argument("--sampler", action="store_true", help="pyinstrument instead of cProfile")
    p.add_argument("--no-compile", action="store_true", help="the reference closures")
    p.add_argument(
        "--time-only", action="store_true", help="no profiler: per-cell and total wall time"
    )
    return p


def _where(filename: str) -> str:
    """A short name for a source file: relative to the repository, else its base name."""
    if not filename.startswith("/"):
        return filename  # "~" (built-ins) or "<frozen ...>"
    path = Path(filename)
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return "/".join(path.parts[-2:])


def report(stats: pstats.Stats, total: float, states: int, top: int, out: TextIO) -> None:
    """Own time per function and per file, cumulative time per function, as % of total;
    Python function calls per distinct state (what an interpreter of closures costs)."""
    entries = stats.stats  # type: ignore[attr-defined]  # pstats keeps its table untyped
    calls = stats.total_calls  # type: ignore[attr-defined]
    per_state = f", {calls / states:,.0f} per distinct state" if states else ""
    print(f"\n{calls:,} Python function calls{per_state} ({states:,} states)", file=out)
    rows = []
    per_file: dict[str, float] = {}
    for (filename, line, name), (_cc, _nc, own, cum, _callers) in entries.items():
        where = _where(filename)
        rows.append((own, cum, f"{where}:{line}({name})"))
        per_file[where] = per_file.get(where, 0.0) + own
    pct = 100.0 / total if total > 0 else 0.0
    print(f"\nown time per file (% of {total:.2f} s profiled):", file=out)
    for where, own in sorted(per_file.items(), key=lambda kv: -kv[1])[:top]:
        print(f"  {own * pct:5.1f}%  {own:8.3f} s  {where}", file=out)
    print("\nown time per function:", file=out)
    for own, _cum, name in sorted(rows, key=lambda r: -r[0])[:top]:
        print(f"  {own * pct:5.1f}%  {own:8.3f} s  {name}", file=out)
    print("\ncumulative time per function:", file=out)
    for _own, cum, name in sorted(rows, key=lambda r: -r[1])[:top]:
        print(f"  {cum * pct:5.1f}%  {cum:8.3f} s  {name}", file=out)


def main(argv: Sequence[str] | None = None, out: TextIO = sys.stdout) -> int:
    args = parser().parse_args(argv)
    params = {} if args.pages is None else {args.scale: args.pages}
    loaded = load_spec(args.spec, params)
    if loaded.spec is None:
        for d in loaded.diagnostics:
            print(f"{d.code}: {d.message}", file=sys.stderr)
        return 2
    spec = loaded.spec
    cells = [
        (spec.model(v), c)
        for v in spec.variants
        if not args.variant or v in args.variant
        for c in spec.claims
        if not args.claim or c.name in args.claim
    ]
    if args.cells:
        cells = cells[: args.cells]
    budget = Budget(timeout_s=args.timeout, compiled=not args.no_compile)
    sampler = None
    if args.sampler:
        if importlib.util.find_spec("pyinstrument") is None:
            print("bench: pyinstrument is not installed", file=sys.stderr)
            return 2
        sampler = importlib.import_module("pyinstrument").Profiler(interval=0.001)
    profile = cProfile.Profile()
    started = time.perf_counter()
    if sampler is not None:
        sampler.start()
    elif not args.time_only:
        profile.enable()
    states = 0
    pool = EnginePool()
    for model, claim in cells:
        t = time.perf_counter()
        cell = check_cell(model, claim, [args.engine], budget, pool=pool)
        r = cell.result
        states += r.states or 0
        print(
            f"{model.variant} / {claim.name}: {cell.verdict.value} ({r.method}) "
            f"states={r.states} {time.perf_counter() - t:.3f} s",
            file=out,
        )
    total = time.perf_counter() - started
    if args.time_only:
        print(f"total {total:.3f} s for {len(cells)} cells", file=out)
        return 0
    if sampler is not None:
        sampler.stop()
        print(sampler.output_text(unicode=False, color=False), file=out)
        return 0
    profile.disable()
    report(pstats.Stats(profile), total, states, args.top, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
