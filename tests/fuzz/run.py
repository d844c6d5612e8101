"""The long fuzz run behind `make fuzz`: mutate the bundled specs, run `check` on each.

Stage: tests only. Input: `--examples N` (default 10000), `--seed S`, `--out DIR`,
`--no-engines` (skip the engine runs on mutants that are still valid specs).
Output: a summary line with the number of inputs tried and crashes found; each crash
(grouped by cause) saved as `DIR/<sha>.mbf` with the run's output in `DIR/<sha>.txt`.
Exit status 1 when anything crashed, else 0.

    .venv/bin/python -m tests.fuzz.run --examples 10000

The same mutators and oracle drive the bounded hypothesis test (`test_fuzz_spec.py`);
this runner uses a plain seeded `random.Random`, so a run is repeatable by its seed.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fuzz_corpus import ROOT, Crash, Seed, Stage, mutate, pick, seeds

DEFAULT_OUT = ROOT / "tests" / "artifacts" / "fuzz"


def _save(out: Path, seed: Seed, data: bytes, crash: Crash) -> Path:
    """Write the crashing input and a note saying which seed file it replaces."""
    out.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha1(data).hexdigest()[:12]
    rel = seed.target.relative_to(seed.root.parent).as_posix()
    (out / f"{digest}.mbf").write_bytes(data)
    (out / f"{digest}.txt").write_text(
        f"{crash.signature}\nexit code: {crash.exit_code}\n"
        f"reproduce: copy {seed.root.parent}, replace {rel} with {digest}.mbf, then run "
        f"`mbind-formal check {seed.root.name}` (or the command shown below)\n\n"
        f"{crash.output}\n",
        encoding="utf-8",
    )
    return out / f"{digest}.mbf"


def fuzz(
    examples: int, random_seed: int, out: Path, engines: bool = True, log: bool = True
) -> tuple[int, dict[str, Path]]:
    """Try `examples` mutants; returns (inputs tried, crash signature -> saved input).
    With `engines`, mutants that check cleanly also run through TLA+ emission, the
    scenarios, and explicit vs BMC (`fuzz_corpus.judge_engines`)."""
    rnd = random.Random(random_seed)
    pool = seeds()
    sources = {s: s.target.read_bytes() for s in pool}
    crashes: dict[str, Path] = {}
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="mbf-fuzz-") as tmp:
        stage = Stage(Path(tmp))
        for n in range(1, examples + 1):
            seed = pick(pool, rnd)
            data = mutate(sources[seed], rnd)
            crash = stage.check(seed, data, engines=engines)
            if crash is not None and crash.signature not in crashes:
                crashes[crash.signature] = _save(out, seed, data, crash)
                if log:
                    print(f"crash #{len(crashes)} ({seed.name}): {crash.signature}", flush=True)
            if log and n % 1000 == 0:
                rate = n / (time.monotonic() - started)
                print(f"{n} inputs, {len(crashes)} crashes ({rate:.0f}/s)", flush=True)
    return examples, crashes


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tests.fuzz.run", description="fuzz `check`")
    p.add_argument("--examples", type=int, default=10000, help="inputs to try (default 10000)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where crashing inputs go")
    p.add_argument(
        "--memory-cap",
        type=int,
        default=4096,
        metavar="MB",
        help="address-space cap for this process (default 4096): a mutant that makes the "
        "checker allocate without bound fails as a crash instead of swamping the machine",
    )
    p.add_argument(
        "--no-engines",
        action="store_true",
        help="only `check` (default: valid mutants also run tla, scenarios, explicit, bmc)",
    )
    args = p.parse_args(argv)
    if args.memory_cap > 0:
        cap = args.memory_cap << 20
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    started = time.monotonic()
    tried, crashes = fuzz(args.examples, args.seed, args.out, engines=not args.no_engines)
    took = time.monotonic() - started
    print(
        f"fuzz: {tried} inputs tried ({len(seeds())} seed files), "
        f"{len(crashes)} crashes found in {took:.0f} s"
    )
    for signature, path in sorted(crashes.items()):
        print(f"  {signature}\n    input: {path}")
    return 1 if crashes else 0


if __name__ == "__main__":
    sys.exit(main())
