"""Make the `bench` package (at the repository root, not installed) importable here.

pytest puts only this directory on sys.path (no `__init__.py` above it); `python -m
bench.run` finds the package from the current directory, these tests from any.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = str(Path(__file__).resolve().parents[2])
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)
