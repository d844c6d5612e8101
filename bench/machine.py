"""What a benchmark ran on: CPU, cores, RAM, load, and the tool versions.

Stage: bench. Input: the running system. Output: a JSON-ready dict that the results
file stores next to the numbers, so a ratio is never quoted without its machine.
"""

from __future__ import annotations

import os
import platform
import re
import socket
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path
from typing import Any

# A one-state module: timing TLC on it measures what every TLC run pays before it checks
# anything (JVM start-up, class loading, SANY parsing).
_TRIVIAL_TLA = """---- MODULE Trivial ----
VARIABLE x
Init == x = 0
Next == UNCHANGED x
====
"""
_TRIVIAL_CFG = "INIT Init\nNEXT Next\n"


def cpu_model() -> str:
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8")
    except OSError:
        return platform.processor() or platform.machine()
    found = re.search(r"^model name\s*:\s*(.+)$", text, re.MULTILINE)
    return found.group(1).strip() if found else platform.machine()


def ram_mb() -> int | None:
    try:
        text = Path("/proc/meminfo").read_text(encoding="utf-8")
    except OSError:
        return None
    found = re.search(r"^MemTotal:\s*(\d+) kB", text, re.MULTILINE)
    return int(found.group(1)) // 1024 if found else None


def java_version(java: str) -> str | None:
    try:
        done = subprocess.run(
            [java, "-version"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    first = (done.stderr or done.stdout).strip().splitlines()
    return first[0] if first else None


def package_version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def tlc_startup_s(java: str, jar: str) -> float | None:
    """Wall time of one TLC run on a one-state module (the fixed cost of every TLC run)."""
    with tempfile.TemporaryDirectory(prefix="bench-tlc-") as tmp:
        Path(tmp, "Trivial.tla").write_text(_TRIVIAL_TLA, encoding="utf-8")
        Path(tmp, "Trivial.cfg").write_text(_TRIVIAL_CFG, encoding="utf-8")
        cmd = [java, f"-Djava.io.tmpdir={tmp}", "-cp", jar, "tlc2.TLC", "-workers", "1"]
        cmd += ["-metadir", str(Path(tmp, "states")), "Trivial.tla"]
        started = time.monotonic()
        try:
            done = subprocess.run(cmd, cwd=tmp, capture_output=True, timeout=120, check=False)
        except (OSError, subprocess.TimeoutExpired):
            return None
        return round(time.monotonic() - started, 3) if done.returncode == 0 else None


def describe(*, with_tlc: bool) -> dict[str, Any]:
    """The machine and tool versions; with `with_tlc`, also java's and TLC's start-up."""
    from mbind_formal.diagnostics import Diagnostic
    from mbind_formal.tlc.run import find_tlc

    info: dict[str, Any] = {
        "host": socket.gethostname(),
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "ram_mb": ram_mb(),
        "os": platform.platform(),
        "python": sys.version.split()[0],
        "z3": package_version("z3-solver"),
        "mbind_formal": package_version("mbind-formal"),
        "load_avg_start": [round(x, 2) for x in os.getloadavg()],
    }
    setup = find_tlc()
    if isinstance(setup, Diagnostic):
        info["java"] = None
        return info
    info["java"] = java_version(setup.java)
    info["tla2tools_jar"] = setup.jar
    if with_tlc:
        info["tlc_trivial_run_s"] = tlc_startup_s(setup.java, setup.jar)
    return info
