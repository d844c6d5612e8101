"""Coverage-guided fuzzing of `mbind-formal check` with atheris (optional).

Stage: tests only. Input: raw bytes from libFuzzer, written as a spec file. Output: an
uncaught exception (which libFuzzer records as a crash) whenever `fuzz_corpus.judge`
finds a broken robustness rule. atheris is not a dependency; without it this module
explains how to get it and exits 0, and pytest skips it.

    .venv/bin/pip install atheris
    .venv/bin/python tests/fuzz/atheris_target.py -atheris_runs=100000 tests/fuzz/seeds
"""

from __future__ import annotations

import importlib.util
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fuzz_corpus import judge


class RobustnessViolation(Exception):
    """What libFuzzer sees when `check` misbehaved on an input."""


def make_target(work: Path) -> Callable[[bytes], None]:
    """The libFuzzer callback: bytes -> spec file -> `check` -> raise on a crash."""
    target = work / "fuzz_input.mbf"

    def one_input(data: bytes) -> None:
        target.write_bytes(data)
        crash = judge(target)
        if crash is not None:
            raise RobustnessViolation(f"{crash.signature}\n{crash.output}")

    return one_input


def main(argv: list[str]) -> int:
    if importlib.util.find_spec("atheris") is None:
        print("atheris is not installed: `.venv/bin/pip install atheris` to use this target")
        return 0
    import atheris  # type: ignore[import-untyped]

    with tempfile.TemporaryDirectory(prefix="mbf-atheris-") as tmp:
        atheris.Setup(argv, make_target(Path(tmp)))
        atheris.Fuzz()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
