"""Where the bundled kernel model lives (shared by the tests in tests/spec)."""

from __future__ import annotations

from pathlib import Path

SPEC = Path(__file__).resolve().parents[2] / "spec" / "mbind.mbf"
