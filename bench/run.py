"""`python -m bench.run` (`make bench`): our engines against TLC as the world grows.

Stage: bench. Input: options (spec, the parameter to grow and its values, engines, the
time limit per config). Output: `bench/results/<date>-<host>.json`, the generated half
of `BENCHMARKS.md`, the plot `docs/bench.png`, progress lines on stderr.

A config is one engine (TLC: one worker count) on one world size, checking every
(variant, claim) cell. Each config runs in its own child process (`bench.worker`), one
after the other, so its wall time is what a user waits for, its peak memory is its own,
and an overrun is a kill. A config that does not finish within the limit is reported as
such and, unless `--no-skip`, not run again at larger sizes; TLC is, unless `--skip-tlc`,
since every size's ratio needs its time or a bound on it. Without `--pages`, sizes go
on past 6 while one of our engines still finishes, up to `--max-pages`.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from bench import markdown, plot
from bench.machine import describe
from bench.summary import (
    OURS,
    ConfigRun,
    Status,
    agreement,
    optimisations,
    ratios,
    summarise,
    targets,
)
from mbind_formal.lower.spec import load_spec

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SIZES = (2, 3, 4, 5, 6)
DEFAULT_ENGINES = (*OURS, "tlc")
SCHEMA = 1


@dataclass(frozen=True, slots=True)
class Config:
    name: str  # as tables show it: "auto", "tlc-w2", "explicit-closures", "explicit-j2"
    engine: str
    workers: int
    compiled: bool = True  # our engines: generated step code (False: the closures)
    jobs: int = 1  # our engines: matrix worker processes (`--jobs`)


@dataclass(frozen=True, slots=True, kw_only=True)
class Options:
    spec: Path
    scale: str
    default_size: int  # the spec's own value of `scale`
    sizes: tuple[int, ...]
    grow_to: int | None  # keep adding sizes up to this one while some config finishes
    configs: tuple[Config, ...]
    limit_s: float
    variants: tuple[str, ...]
    claims: tuple[str, ...]
    skip_after_dnf: bool  # our engines: not run again at larger sizes once they time out
    skip_tlc: bool  # the same for TLC (off by default: every size's ratio needs TLC's time)
    results: Path
    markdown: Path | None
    plot: Path | None


def _list(text: str) -> list[str]:
    return [x.strip() for x in text.split(",") if x.strip()]


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m bench.run",
        description="Time the full verdict matrix per engine and with TLC, per world size.",
    )
    p.add_argument("--spec", default="spec/mbind.mbf", help="the spec (default spec/mbind.mbf)")
    p.add_argument("--scale", default="pages", help="the parameter to grow (default pages)")
    p.add_argument("--pages", help="its values, e.g. 2,3,4 (default 2..6, then more)")
    p.add_argument("--max-pages", type=int, default=8, help="growth stops here (default 8)")
    p.add_argument(
        "--engines",
        default=",".join(DEFAULT_ENGINES),
        help="engines to time; 'tlc' means one config per --tlc-workers value "
        f"(default {','.join(DEFAULT_ENGINES)})",
    )
    p.add_argument("--tlc-workers", default="1,2", help="TLC -workers values (default 1,2)")
    p.add_argument(
        "--jobs", default="1", help="our engines: matrix --jobs values, e.g. 1,2 (default 1)"
    )
    p.add_argument(
        "--closures",
        action="store_true",
        help="also time explicit/auto on the reference closures (--no-compile)",
    )
    p.add_argument("--timeout", type=float, help="seconds per config (default 600; quick 60)")
    p.add_argument("--variant", action="append", default=[], help="only this variant")
    p.add_argument("--claim", action="append", default=[], help="only this claim")
    p.add_argument(
        "--no-skip", action="store_true", help="run our engines again after they did not finish"
    )
    p.add_argument("--skip-tlc", action="store_true", help="skip TLC after it did not finish")
    p.add_argument("--quick", action="store_true", help="tiny run: first size, 2x3 cells")
    p.add_argument("--results-dir", default="bench/results", help="where the JSON goes")
    p.add_argument(
        "--tag", default="", help="suffix of the results file name (<date>-<host>-<tag>.json)"
    )
    p.add_argument("--markdown", help="the BENCHMARKS.md to update (default: it, unless quick)")
    p.add_argument("--plot", help="the PNG to write (default docs/bench.png, unless quick)")
    p.add_argument("--no-plot", action="store_true", help="do not draw the plot")
    p.add_argument("--render", metavar="FILE", help="only redo tables and plot from FILE")
    return p


def _configs(
    engines: Sequence[str],
    tlc_workers: Sequence[int],
    jobs: Sequence[int] = (1,),
    closures: bool = False,
) -> tuple[Config, ...]:
    out = []
    for e in engines:
        if e == "tlc":
            out += [Config(f"tlc-w{w}", "tlc", w) for w in tlc_workers]
            continue
        for j in jobs:
            out.append(Config(e if j == 1 else f"{e}-j{j}", e, 1, jobs=j))
        if closures and e in ("explicit", "auto"):
            out.append(Config(f"{e}-closures", e, 1, compiled=False))
    return tuple(out)


def resolve(args: argparse.Namespace, err: TextIO) -> Options | None:
    """The options, or None after saying on `err` what is wrong."""
    from mbind_formal.engines.registry import engine_names

    engines = _list(args.engines)
    unknown = [e for e in engines if e not in engine_names()]
    if unknown or not engines:
        print(f"bench: unknown engine(s) {unknown}; known: {engine_names()}", file=err)
        return None
    try:
        workers = [int(w) for w in _list(args.tlc_workers)]
        jobs = [int(j) for j in _list(args.jobs)] or [1]
        sizes = tuple(int(n) for n in _list(args.pages)) if args.pages else DEFAULT_SIZES
    except ValueError as e:
        print(f"bench: {e}", file=err)
        return None
    if args.timeout is not None and args.timeout <= 0:
        print("bench: --timeout must be positive", file=err)
        return None
    spec = Path(args.spec).resolve()
    base = load_spec(spec)
    if base.spec is None:
        for d in base.diagnostics:
            print(f"bench: {spec}: {d.code}: {d.message}", file=err)
        return None
    if args.scale not in dict(base.spec.params):
        print(f"bench: {spec} has no parameter '{args.scale}'", file=err)
        return None
    variants, claims = tuple(args.variant), tuple(args.claim)
    if args.quick:
        sizes = sizes if args.pages else sizes[:1]
        variants = variants or base.spec.variants[:2]
        claims = claims or tuple(c.name for c in base.spec.claims[:3])
    def_md = None if args.quick else ROOT / "BENCHMARKS.md"
    def_plot = None if args.quick or args.no_plot else ROOT / "docs" / "bench.png"
    return Options(
        spec=spec,
        scale=args.scale,
        default_size=int(dict(base.spec.params)[args.scale]),
        sizes=sizes,
        grow_to=None if args.pages or args.quick else args.max_pages,
        configs=_configs(engines, workers, jobs, args.closures),
        limit_s=args.timeout or (60.0 if args.quick else 600.0),
        variants=variants,
        claims=claims,
        skip_after_dnf=not args.no_skip,
        skip_tlc=args.skip_tlc,
        results=Path(args.results_dir),
        markdown=Path(args.markdown) if args.markdown else def_md,
        plot=None if args.no_plot else (Path(args.plot) if args.plot else def_plot),
    )


def descendants(pid: int) -> list[int]:
    """Processes below `pid` (TLC's JVMs run in sessions of their own, so a group kill
    of the worker would orphan them)."""
    parent: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # "pid (comm) state ppid ...": comm may hold spaces, so split after its ')'.
        parent[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        kids = [c for c, pp in parent.items() if pp == p]
        found += kids
        todo += kids
    return found


def _read_records(path: Path) -> tuple[dict[str, Any], ...]:
    out = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return ()
    for line in lines:
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError:
            break  # the last line of a killed worker may be cut short
    return tuple(out)


def _wait(pid: int, kill_at: float) -> tuple[int, resource.struct_rusage, bool]:
    """Wait for child `pid`: (wait status, its rusage, whether it had to be killed at
    `kill_at`). `wait4` gives this child's own peak RSS, not the parent's or a sibling's."""
    while True:
        done, status, usage = os.wait4(pid, os.WNOHANG)
        if done:
            return status, usage, False
        if time.monotonic() > kill_at:
            for p in [*descendants(pid), pid]:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(p, signal.SIGKILL)
            _, status, usage = os.wait4(pid, 0)
            return status, usage, True
        time.sleep(0.05)


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The code and spec every worker of one run uses (see `snapshot`)."""

    root: Path  # holds mbind_formal/, bench/ and the spec's top directory
    spec: Path


def snapshot(opts: Options, into: Path) -> Snapshot:
    """Copy the package, the harness and the spec's tree into `into`. Workers import from
    the copy, so edits made to the working tree during a long run (other people work
    in it) cannot mix two versions of the code into one results file."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for package in ("mbind_formal", "bench"):
        shutil.copytree(ROOT / package, into / package, ignore=ignore)
    try:
        rel = opts.spec.relative_to(ROOT)
    except ValueError:
        return Snapshot(into, opts.spec)  # a spec outside the repository is read in place
    shutil.copytree(ROOT / rel.parts[0], into / rel.parts[0], ignore=ignore)
    return Snapshot(into, into / rel)


def code_version() -> dict[str, Any]:
    """The commit measured, and whether the working tree differed from it."""

    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(
                ["git", "-C", str(ROOT), *args], capture_output=True, text=True, timeout=30
            )
        except (OSError, subprocess.TimeoutExpired):
            return None
        return done.stdout.strip() if done.returncode == 0 else None

    changed = git("status", "--porcelain", "--", "mbind_formal", "bench", "spec")
    dirty = None if changed is None else bool(changed)
    return {"commit": git("rev-parse", "HEAD"), "dirty": dirty}


def run_config(opts: Options, snap: Snapshot, config: Config, size: int) -> ConfigRun:
    """Run one config in a child process and measure it."""
    grace = max(30.0, 0.1 * opts.limit_s)
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        out, errs = Path(tmp, "cells.jsonl"), Path(tmp, "stderr.txt")
        cmd = [sys.executable, "-m", "bench.worker", "--spec", str(snap.spec)]
        cmd += ["--scale", opts.scale, "--size", str(size), "--engine", config.engine]
        cmd += ["--workers", str(config.workers), "--limit", str(opts.limit_s), "--out", str(out)]
        cmd += ["--jobs", str(config.jobs)] + ([] if config.compiled else ["--no-compile"])
        for v in opts.variants:
            cmd += ["--variant", v]
        for c in opts.claims:
            cmd += ["--claim", c]
        load = tuple(round(x, 2) for x in os.getloadavg())
        started = time.monotonic()
        with errs.open("w") as err_file:
            path = os.pathsep.join(x for x in (str(snap.root), os.environ.get("PYTHONPATH")) if x)
            proc = subprocess.Popen(
                cmd,
                cwd=snap.root,
                env={**os.environ, "PYTHONPATH": path},
                stdout=subprocess.DEVNULL,
                stderr=err_file,
                start_new_session=True,
            )
            status, usage, killed = _wait(proc.pid, started + opts.limit_s + grace)
            proc.returncode = os.waitstatus_to_exitcode(status)
        wall = time.monotonic() - started
        records = _read_records(out)
        stderr_tail = errs.read_text(errors="replace")[-1500:]
    end = next((r for r in records if r.get("kind") == "end"), None)
    error = next((r for r in records if r.get("kind") == "error"), None)
    peak_kb = max(usage.ru_maxrss, int(end["maxrss_children_kb"]) if end else 0)
    cells = [r for r in records if r.get("kind") == "cell"]
    note = ""
    if killed:
        state = Status.KILLED
        note = f"killed after {wall:.0f} s"
    elif error is not None or end is None:
        state = Status.ERROR
        note = str(error["message"]) if error else f"exit {proc.returncode}: {stderr_tail}"
    elif any(r.get("not_run") or r.get("timed_out") for r in cells):
        state = Status.TIMEOUT
    else:
        state = Status.FINISHED
    return ConfigRun(
        config=config.name,
        engine=config.engine,
        workers=config.workers,
        size=size,
        limit_s=opts.limit_s,
        status=state,
        wall_s=wall,
        peak_rss_mb=round(peak_kb / 1024, 1),
        cpu_s=round(usage.ru_utime + usage.ru_stime, 3),
        exit_code=proc.returncode,
        load_avg=load,
        note=note,
        records=records,
    )


def _skipped(opts: Options, config: Config, size: int, why: str) -> ConfigRun:
    return ConfigRun(
        config=config.name,
        engine=config.engine,
        workers=config.workers,
        size=size,
        limit_s=opts.limit_s,
        status=Status.SKIPPED,
        note=why,
    )


def measure(opts: Options, snap: Snapshot, err: TextIO) -> tuple[list[ConfigRun], list[int]]:
    """Every config at every size (growing if asked); returns the runs and the sizes."""
    runs: list[ConfigRun] = []
    stopped: dict[str, int] = {}  # config -> the size at which it did not finish
    sizes = list(opts.sizes)
    i = 0
    while i < len(sizes):
        size = sizes[i]
        for config in opts.configs:
            skip = opts.skip_after_dnf
            if config.engine == "tlc":  # past the requested sizes, TLC is skipped anyway
                skip = opts.skip_tlc or size not in opts.sizes
            if config.name in stopped and skip:
                why = f"did not finish with {opts.scale}={stopped[config.name]}"
                runs.append(_skipped(opts, config, size, why))
                continue
            print(f"bench: {opts.scale}={size} {config.name} ...", file=err, flush=True)
            run = run_config(opts, snap, config, size)
            runs.append(run)
            done = sum(1 for r in run.records if r.get("kind") == "cell" and not r.get("not_run"))
            print(
                f"bench: {opts.scale}={size} {config.name}: {run.status.value} "
                f"in {run.wall_s or 0:.1f} s ({done} cells run) {run.note[:200]}",
                file=err,
                flush=True,
            )
            if run.status is not Status.FINISHED:
                stopped.setdefault(config.name, size)
        i += 1
        still = any(c.name not in stopped for c in opts.configs if c.engine != "tlc")
        if i == len(sizes) and opts.grow_to is not None and size < opts.grow_to and still:
            sizes.append(size + 1)
    return runs, sizes


def analyse(doc: dict[str, Any]) -> dict[str, Any]:
    """`doc` with its ratios, agreement and targets (re)computed from its runs."""
    runs = doc["runs"]
    doc.update(
        ratios=ratios(runs),
        optimisations=optimisations(runs),
        agreement=agreement(runs),
        targets=targets(runs, doc["default_size"]),
    )
    return doc


def document(opts: Options, runs: Sequence[ConfigRun], sizes: Sequence[int]) -> dict[str, Any]:
    summaries = [summarise(r) for r in runs]
    with_tlc = any(c.engine == "tlc" for c in opts.configs)
    machine = describe(with_tlc=with_tlc)
    machine["load_avg_end"] = [round(x, 2) for x in os.getloadavg()]
    try:
        spec_name = str(opts.spec.relative_to(ROOT))
    except ValueError:
        spec_name = str(opts.spec)
    doc = {
        "schema": SCHEMA,
        "created": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "spec": spec_name,
        "scale": opts.scale,
        "default_size": opts.default_size,
        "sizes": list(sizes),
        "limit_s": opts.limit_s,
        "variants": list(opts.variants) or "all",
        "claims": list(opts.claims) or "all",
        "machine": machine,
        "runs": summaries,
    }
    return analyse(doc)


def results_path(directory: Path, tag: str = "") -> Path:
    date = datetime.date.today().isoformat()
    host = socket.gethostname().split(".")[0] or "host"
    suffix = f"-{tag}" if tag else ""
    return directory / f"{date}-{host}{suffix}.json"


def publish(doc: dict[str, Any], md: Path | None, png: Path | None, err: TextIO) -> None:
    """Write the tables into `md` and the plot into `png` (each when given)."""
    if md is not None:
        markdown.update(md, markdown.render(doc))
        print(f"bench: tables in {md}", file=err)
    if png is not None:
        if plot.available():
            plot.draw(doc, png)
            print(f"bench: plot in {png}", file=err)
        else:
            print("bench: matplotlib is not installed (pip install '.[bench]'): no plot", file=err)


def rerender(args: argparse.Namespace, err: TextIO) -> int:
    """`--render FILE`: tables and plot again from a results file, without measuring."""
    try:
        doc = json.loads(Path(args.render).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as e:
        print(f"bench: cannot read {args.render}: {e}", file=err)
        return 2
    md = Path(args.markdown) if args.markdown else ROOT / "BENCHMARKS.md"
    png = None if args.no_plot else Path(args.plot) if args.plot else ROOT / "docs" / "bench.png"
    publish(analyse(doc), md, png, err)
    return 0


def main(argv: Sequence[str] | None = None, err: TextIO = sys.stderr) -> int:
    args = parser().parse_args(argv)
    if args.render:
        return rerender(args, err)
    if not all(c.isalnum() or c in "-_" for c in args.tag):
        print(f"bench: --tag {args.tag!r}: letters, digits, '-' and '_' only", file=err)
        return 2
    opts = resolve(args, err)
    if opts is None:
        return 2
    code = code_version()
    with tempfile.TemporaryDirectory(prefix="bench-code-") as tmp:
        runs, sizes = measure(opts, snapshot(opts, Path(tmp)), err)
    doc = document(opts, runs, sizes)
    doc["code"] = code
    path = results_path(opts.results, args.tag)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
    print(f"bench: results in {path}", file=err)
    publish(doc, opts.markdown, opts.plot, err)
    return 0


if __name__ == "__main__":
    sys.exit(main())
