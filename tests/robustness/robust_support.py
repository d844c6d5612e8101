"""Shared helpers for the robustness tests: small specs, in-process and real CLI runs.

Stage: tests only. Input: argv lists and spec texts. Output: `Run` records (exit code,
stdout, stderr) and assertions that a failure was reported the documented way: one
located, plain message, the right exit code, and never a Python traceback.
"""

from __future__ import annotations

import io
import os
import re
import resource
import signal
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from mbind_formal.cli import run_cli

ROOT = Path(__file__).resolve().parents[2]
EXE = ROOT / ".venv" / "bin" / "mbind-formal"
# how a test starts the installed CLI (`python -m` where the tree has no .venv)
EXE_ARGV = (str(EXE),) if EXE.exists() else (sys.executable, "-m", "mbind_formal")

# A small, valid spec: two variants, two claims (both violated in base, both hold in
# "fixed"), an enum, a set, a symmetric collection, a two-instance actor and a scenario.
SMALL = """\
param pages = 2;
enum Owner { NONE, MBIND, RECLAIM }
enum Flag { STRICT, MOVE }
symmetric collection Page[pages] {
  var lru: bool = true;
  var owner: Owner = NONE;
}
const flags: set<Flag>;
var scanned: 0..pages = 0;

def may_take(p: Page) = true;
def may_put(p: Page) = !p.lru;

actor mbind {
  var ok: bool = false;
  walk:
    pick p in Page where may_take(p);
    p.lru = false;
    p.owner = MBIND;
    ok = true;
  finish:
    scanned = 1;
    done;
}

actor reclaim[2] {
  isolate:
    either {
      pick p in Page where p.lru;
      p.lru = false;
      p.owner = RECLAIM;
    } or {
      done;
    }
  putback:
    pick p in Page where may_put(p);
    p.lru = true;
    if (p.owner == RECLAIM) { p.owner = NONE; }
    done;
}

variant fixed {
  def may_take(p: Page) = p.lru;
  def may_put(p: Page) = p.owner == RECLAIM;
}

claim exclusive {
  always forall p in Page: !(p.owner == MBIND && p.lru);
  reachable exists p in Page: p.owner == MBIND;
}

claim all_back {
  assume flags == {STRICT, MOVE};
  final forall p in Page: p.owner != RECLAIM;
  reachable exists p in Page: p.owner == RECLAIM;
}

scenario one_page {
  with pages = 1;
  run mbind;
  expect mbind.ok;
}
"""

# A spec whose state space grows fast with `pages` (independent counters per page and
# several actors), for tests that must hit a limit quickly. Its claim holds, so an
# engine that is not stopped by a limit would run for a long time, not fail.
BIG = """\
param pages = 8;
symmetric collection Page[pages] {
  var level: 0..3 = 0;
}
collection Slot[pages] {
  var busy: bool = false;
}

actor bumper[3] {
  bump:
    pick p in Page where p.level < 3;
    p.level += 1;
    goto bump;
}

actor toggler[2] {
  flip:
    pick s in Slot;
    s.busy = !s.busy;
    goto flip;
}

claim bounded {
  always forall p in Page: p.level <= 3;
  reachable exists p in Page: p.level == 3;
}
"""


@dataclass(frozen=True, slots=True)
class Run:
    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err


def cli(*argv: str | Path) -> Run:
    """Run one command line in-process (fast; what most tests use)."""
    out, err = io.StringIO(), io.StringIO()
    code = run_cli([str(a) for a in argv], out, err)
    return Run(code, out.getvalue(), err.getvalue())


def real_cli(*argv: str | Path, env: dict[str, str] | None = None, cwd: Path | None = None) -> Run:
    """Run the installed `mbind-formal` in a child process (real exit codes, real env)."""
    full_env = {**os.environ, **(env or {})}
    proc = subprocess.run(
        [*EXE_ARGV, *(str(a) for a in argv)],
        capture_output=True,
        text=True,
        env=full_env,
        cwd=cwd,
        timeout=300,
        check=False,
    )
    return Run(proc.returncode, proc.stdout, proc.stderr)


def capped_cli(*argv: str | Path, memory_mb: int = 1536) -> Run:
    """Run `python -m mbind_formal` in a child whose address space is capped, for inputs
    that could make a buggy reader eat all memory (/dev/zero): a regression then fails
    the test instead of the machine."""

    def cap() -> None:
        limit = memory_mb << 20
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    proc = subprocess.run(
        [sys.executable, "-m", "mbind_formal", *(str(a) for a in argv)],
        capture_output=True,
        text=True,
        preexec_fn=cap,
        timeout=300,
        check=False,
    )
    return Run(proc.returncode, proc.stdout, proc.stderr)


class Stuck(Exception):
    """The command gave no answer in time (it was killed)."""


def answers_within(seconds: int, *argv: str | Path) -> Run:
    """Run the command in a child process killed after `seconds` (the kill guard of hang
    tests): an alarm in this process could be swallowed (a signal handler's exception
    raised inside a z3 `__del__` is only printed), and then a hang runs on for the whole
    CI budget."""
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "mbind_formal", *(str(a) for a in argv)],
            capture_output=True,
            text=True,
            timeout=seconds,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise Stuck(f"no answer within {seconds} s") from None
    return Run(proc.returncode, proc.stdout, proc.stderr)


def write(directory: Path, name: str, text: str | bytes) -> Path:
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


_ERROR_LINE = re.compile(r"^(?P<where>.*?)(?:: )?error\[(?P<code>MBF\d{3})\]: (?P<msg>.+)$")
_LOCATED = re.compile(r"^(?P<file>.+):(?P<line>\d+):(?P<col>\d+)$")


@dataclass(frozen=True, slots=True)
class Reported:
    code: str
    where: str
    message: str

    @property
    def located(self) -> bool:
        return _LOCATED.match(self.where) is not None

    @property
    def line(self) -> int:
        m = _LOCATED.match(self.where)
        assert m is not None, f"{self.where!r} names no line"
        return int(m["line"])


def errors(text: str) -> list[Reported]:
    """Every `...error[MBFxxx]: message` line of a CLI's output, in order."""
    found = []
    for line in text.splitlines():
        m = _ERROR_LINE.match(line)
        if m is not None and not line.startswith(" "):
            found.append(Reported(m["code"], m["where"], m["msg"]))
    return found


def assert_no_traceback(run: Run) -> None:
    """No Python traceback and no "internal error" report (the --help text that *lists*
    exit code 5 is indented, so only a line starting with the words counts)."""
    assert "Traceback" not in run.text, run.text
    assert re.search(r"^internal error", run.text, re.M) is None, run.text


def assert_fails(run: Run, exit_code: int, code: str, *, located: bool | None = None) -> Reported:
    """The run failed with `exit_code`, printing error `code` first and no traceback;
    `located=True` also requires file:line:col, `False` forbids it."""
    assert_no_traceback(run)
    assert run.code == exit_code, f"exit {run.code}, wanted {exit_code}:\n{run.text}"
    found = errors(run.text)
    assert found, f"no error[MBF...] line in:\n{run.text}"
    first = found[0]
    assert first.code == code, f"wanted {code} first, got:\n{run.text}"
    if located is not None:
        assert first.located == located, f"located={first.located}:\n{run.text}"
    return first


# ------------------------------------------------------------------ processes (Linux /proc)


def default_sigint() -> None:
    """In the child: SIGINT's default action. A shell starts background jobs with SIGINT
    ignored, and an ignored signal stays ignored across exec, so a suite run with `&`
    would otherwise test nothing (Python installs its Ctrl-C handler only when SIGINT is
    not ignored at start-up). SIGHUP and SIGTERM too: under `nohup` SIGHUP is ignored,
    and mbind-formal keeps an ignored signal ignored (as `nohup` asks)."""
    for sig in (signal.SIGINT, signal.SIGHUP, signal.SIGTERM):
        signal.signal(sig, signal.SIG_DFL)


def children_of(pid: int) -> list[int]:
    """Direct children of `pid`."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[1] == str(pid):
            found.append(int(stat.parent.name))
    return found


def running(pid: int) -> bool:
    """Whether process `pid` exists and is not a zombie."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def cmdline(pid: int) -> list[str]:
    """The arguments of process `pid` ([] once it is gone)."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return [a.decode(errors="replace") for a in raw.split(b"\0") if a]


def signalled(
    argv: list[str],
    ready: Callable[[subprocess.Popen[str]], None],
    sig: int = signal.SIGINT,
    env: dict[str, str] | None = None,
) -> Run:
    """Start the CLI in a child (SIGINT at its default action), wait until `ready(proc)`
    returns (it polls the child; it may assert), send `sig`, and collect the outcome; the
    child is killed whatever happens (the kill guard)."""
    proc = subprocess.Popen(
        [*EXE_ARGV, *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
        preexec_fn=default_sigint,
    )
    try:
        ready(proc)
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return Run(proc.returncode, out, err)
