"""Rewrite the golden files: `python -m tests.golden.update` (`make golden`).

Each producer returns {path: text} for the files it owns; this script writes them and
lists what changed, so a human reviews the diff (`git diff tests/golden`) before
committing. The tests compare the same producers' output with the files on disk.

Producers:
  tla  tests/golden/tla/: the TLA+ modules and TLC configurations (witness ones too)
       emitted for every variant of tests/golden/tla/race.mbf.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from mbind_formal.lower.spec import load_spec
from mbind_formal.tla.emit import emit

REPO = Path(__file__).resolve().parents[2]
TLA_DIR = REPO / "tests" / "golden" / "tla"
TLA_SPEC = TLA_DIR / "race.mbf"


def tla_goldens() -> dict[Path, str]:
    """Every variant of race.mbf as TLA+ (paths in headers relative to the repo)."""
    result = load_spec(str(TLA_SPEC), {}, allow_outside=True)
    if result.spec is None:
        raise SystemExit(f"cannot load {TLA_SPEC}: {[d.message for d in result.diagnostics]}")
    spec = result.spec
    shown = TLA_SPEC.relative_to(REPO).as_posix()
    out: dict[Path, str] = {}
    for model in spec.models:
        module = emit(model, spec.claims, spec_path=shown, witnesses=True)
        out[TLA_DIR / f"{module.name}.tla"] = module.tla_text
        for cfg in module.cfgs:
            out[TLA_DIR / f"{cfg.name}.cfg"] = cfg.text
    return out


PRODUCERS: tuple[tuple[str, Callable[[], dict[Path, str]]], ...] = (("tla", tla_goldens),)


def main() -> int:
    changed = 0
    for name, produce in PRODUCERS:
        for path, text in sorted(produce().items()):
            old = path.read_text(encoding="utf-8") if path.exists() else None
            if old != text:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text, encoding="utf-8")
                changed += 1
                how = "updated" if old is not None else "created"
                print(f"{name}: {how} {path.relative_to(REPO)}")
    print(f"{changed} golden file(s) changed; review with `git diff tests/golden`")
    return 0


if __name__ == "__main__":
    sys.exit(main())
