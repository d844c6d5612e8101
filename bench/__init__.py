"""Benchmarks: our engines against TLC on the bundled kernel model, as the world grows.

Stage: outside the pipeline (it drives `verdicts.check_cell` and the engines like a user
would). Input: a spec, the parameter to grow (`pages`) and its values, engine configs.
Output: `bench/results/<date>-<host>.json`, the generated half of `BENCHMARKS.md` and
the plot `docs/bench.png`. `python -m bench.run` is the entry point (`make bench`);
`python -m bench.profile` profiles one engine's hot paths.

Modules: `run` (options, orchestration), `worker` (one config in a child process),
`machine` (what the numbers were measured on), `summary` (per-config totals, ratios,
agreement), `markdown` (the BENCHMARKS.md tables), `plot`, `profile`.
"""
