"""Fuzz corpus and oracle: seed specs, mutators, and the check that a run behaved.

Stage: tests only. Input: the bundled specs (`spec/examples/*.mbf`, `spec/mbind.mbf` and
every file it includes) plus the small seeds in `tests/fuzz/seeds/`, and a
`random.Random` that drives the mutations (hypothesis hands one in for
`test_fuzz_spec.py`; `run.py` seeds its own). Output: mutated file bytes, and
`Stage.check` / `judge`, which run `mbind-formal check` in-process and return a `Crash`
when the run broke a robustness rule, else None.

The rules (docs/robustness.md): `check` exits 0 or 2, never prints a traceback or
"internal error", and every error it prints names file:line:col, except the file-level
errors (MBF001-MBF004) that concern the file as a whole.
"""

from __future__ import annotations

import functools
import io
import json
import random
import re
import shutil
import signal
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from mbind_formal.cli import run_cli
from mbind_formal.dsl.parser import grammar

ROOT = Path(__file__).resolve().parents[2]
SEEDS_DIR = Path(__file__).resolve().parent / "seeds"

# Errors about the file as a whole (unreadable, not UTF-8, empty, too large): no position.
FILE_LEVEL_CODES = frozenset({"MBF001", "MBF002", "MBF003", "MBF004"})

# Tokens of the spec language: what token-level mutations delete, swap and duplicate.
_TOKEN = re.compile(
    r"""//[^\n]*|/\*[\s\S]*?\*/|"[^"\n]*"|0[xX][0-9A-Fa-f]+|[0-9]+|[A-Za-z_][A-Za-z0-9_]*"""
    r"""|\.\.|=>|\|\||&&|==|!=|<=|>=|\+\+|--|\+=|-=|\|=|&=|\s+|."""
)
# Beyond the grammar's own keywords and operators (see `_splice_pool`): edge numbers,
# strings that are paths out of the tree, comment openers and odd characters.
_EXTRA_SPLICE = (
    "0",
    "1",
    "-1",
    "64",
    "65",
    "0x7fffffffffffffff",
    "99999999999999999999999",
    '"x"',
    '""',
    '"../outside.mbf"',
    '"/etc/passwd"',
    "/*",
    "*/",
    "//",
    "\n",
    "\t",
    "\u00e9",
    "\u202e",
    "\x00",
)


@functools.cache
def _splice_pool() -> tuple[str, ...]:
    """Every literal token of the grammar (keywords, operators, brackets) plus extras."""
    lark = grammar()
    literals = sorted(t.pattern.value for t in lark.terminals if t.pattern.type == "str")
    return (*literals, *_EXTRA_SPLICE)


@dataclass(frozen=True, slots=True)
class Seed:
    """A spec to check (`root`) and the file a mutation replaces: the root itself or one
    of the files it includes, so multi-file specs are fuzzed in every part."""

    root: Path
    target: Path

    @property
    def name(self) -> str:
        rel = self.target.relative_to(self.root.parent).as_posix()
        return self.root.name if self.target == self.root else f"{self.root.name}:{rel}"


_INCLUDE = re.compile(r'^\s*include\s+"([^"]+)"\s*;', re.M)


def _included(root: Path) -> list[Path]:
    """The files `root` includes, transitively, that lie under its directory."""
    found: list[Path] = []
    todo = [root]
    while todo:
        text = todo.pop().read_text(encoding="utf-8")
        for rel in _INCLUDE.findall(text):
            path = (root.parent / rel).resolve()
            if path.is_file() and path not in found and path.is_relative_to(root.parent):
                found.append(path)
                todo.append(path)
    return sorted(found)


def roots() -> list[Path]:
    """Every spec the fuzzer starts from: the bundled ones, then our own seeds."""
    bundled = sorted((ROOT / "spec" / "examples").glob("*.mbf"))
    main = ROOT / "spec" / "mbind.mbf"
    if main.is_file():
        bundled.append(main)
    return [p.resolve() for p in (*bundled, *sorted(SEEDS_DIR.glob("*.mbf")))]


def seeds() -> list[Seed]:
    return [Seed(r, t) for r in roots() for t in (r, *_included(r))]


def pick(pool: list[Seed], rnd: random.Random) -> Seed:
    """A seed: a root uniformly, then one of its files, so that a spec split over many
    files (spec/mbind.mbf) is not drawn more often than a one-file example."""
    by_root: dict[Path, list[Seed]] = {}
    for s in pool:
        by_root.setdefault(s.root, []).append(s)
    group = by_root[rnd.choice(sorted(by_root))]
    return rnd.choice(group)


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def _pick_span(rnd: random.Random, n: int) -> tuple[int, int]:
    """A short random slice [i, j) of a length-n sequence (n >= 1)."""
    i = rnd.randrange(n)
    return i, min(n, i + 1 + min(rnd.randrange(4), rnd.randrange(4)))


def _delete(toks: list[str], rnd: random.Random) -> list[str]:
    i, j = _pick_span(rnd, len(toks))
    return toks[:i] + toks[j:]


def _swap(toks: list[str], rnd: random.Random) -> list[str]:
    i, j = rnd.randrange(len(toks)), rnd.randrange(len(toks))
    out = list(toks)
    out[i], out[j] = out[j], out[i]
    return out


def _duplicate(toks: list[str], rnd: random.Random) -> list[str]:
    i, j = _pick_span(rnd, len(toks))
    at = rnd.randrange(len(toks) + 1)
    return toks[:at] + toks[i:j] + toks[at:]


def _replace(toks: list[str], rnd: random.Random) -> list[str]:
    out = list(toks)
    pool = _splice_pool() if rnd.random() < 0.6 else toks
    out[rnd.randrange(len(out))] = rnd.choice(pool)
    return out


def _insert(toks: list[str], rnd: random.Random) -> list[str]:
    at = rnd.randrange(len(toks) + 1)
    return [*toks[:at], " ", rnd.choice(_splice_pool()), " ", *toks[at:]]


def _numbers(toks: list[str], rnd: random.Random) -> list[str]:
    """Push one integer literal to an edge: 0, the bounds of params, huge values."""
    where = [i for i, t in enumerate(toks) if t[:1].isdigit()]
    if not where:
        return _replace(toks, rnd)
    out = list(toks)
    out[rnd.choice(where)] = rnd.choice(("0", "1", "2", "63", "64", "65", "1000", "4294967296"))
    return out


_TOKEN_MUTATORS: tuple[Callable[[list[str], random.Random], list[str]], ...] = (
    _delete,
    _delete,
    _swap,
    _duplicate,
    _replace,
    _insert,
    _numbers,
)


def _byte_mutation(data: bytes, rnd: random.Random) -> bytes:
    """Raw byte damage: truncation, random bytes, a flipped bit, a re-encoding."""
    match rnd.randrange(5):
        case 0:
            return data[: rnd.randrange(len(data) + 1)]
        case 1:
            at = rnd.randrange(len(data) + 1)
            junk = bytes(rnd.randrange(256) for _ in range(rnd.randrange(1, 9)))
            return data[:at] + junk + data[at:]
        case 2:
            if not data:
                return data
            at = rnd.randrange(len(data))
            return data[:at] + bytes([data[at] ^ (1 << rnd.randrange(8))]) + data[at + 1 :]
        case 3:
            text = data.decode("utf-8", errors="replace")
            return text.encode(rnd.choice(("utf-16", "latin-1", "utf-32")), errors="replace")
        case _:
            return b"\xef\xbb\xbf" + data if rnd.random() < 0.5 else data.replace(b"\n", b"\r")


def mutate(seed: bytes, rnd: random.Random, rounds: int | None = None) -> bytes:
    """Apply 1-4 random mutations to `seed`; token-level ones mostly, bytes sometimes."""
    data = seed
    for _ in range(rounds if rounds is not None else 1 + rnd.randrange(4)):
        if rnd.random() < 0.15:
            data = _byte_mutation(data, rnd)
            continue
        toks = tokens(data.decode("utf-8", errors="replace"))
        if not toks:
            data = _byte_mutation(data, rnd)
            continue
        data = "".join(rnd.choice(_TOKEN_MUTATORS)(toks, rnd)).encode("utf-8", errors="replace")
    return data


@dataclass(frozen=True, slots=True)
class Crash:
    """A robustness rule the run broke, with what it printed."""

    rule: str
    exit_code: int | None
    output: str

    @property
    def signature(self) -> str:
        """Groups crashes with one cause: the rule and the innermost frame or message."""
        frames = re.findall(r'File "([^"]+)", line (\d+), in (\w+)', self.output)
        if frames:
            file, line, fn = frames[-1]
            return f"{self.rule} at {Path(file).name}:{line} in {fn}"
        return f"{self.rule}: {self.output.strip().splitlines()[-1:]}"


class Hang(BaseException):
    """Raised by the watchdog; a BaseException so that run_cli's handler does not eat it."""


@contextmanager
def watchdog(seconds: int) -> Iterator[None]:
    """Raise `Hang` in the main thread after `seconds` (SIGALRM; a no-op elsewhere)."""

    def fire(signum: int, frame: types.FrameType | None) -> None:
        raise Hang(f"no answer after {seconds} s")

    if seconds <= 0 or not hasattr(signal, "SIGALRM"):
        yield
        return
    old = signal.signal(signal.SIGALRM, fire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


_LOCATED = re.compile(r"^(?P<file>.+?):(?P<line>\d+):(?P<col>\d+): error\[(?P<code>MBF\d{3})\]")
_ERROR = re.compile(r"error\[(?P<code>MBF\d{3})\]")


def _line_count(file: str) -> int | None:
    path = Path(file)
    if not path.is_file():
        return None
    return path.read_bytes().decode("utf-8", errors="replace").count("\n") + 1


def unlocated_errors(stderr: str, lines: Callable[[str], int | None] = _line_count) -> list[str]:
    """Error lines of `stderr` that do not name a position inside a real file (`lines`
    gives a file's line count); file-level errors (FILE_LEVEL_CODES) may name none."""
    bad = []
    for line in stderr.splitlines():
        found = _ERROR.search(line)
        if found is None or line.startswith(" "):
            continue
        located = _LOCATED.match(line)
        if located is None:
            if found["code"] not in FILE_LEVEL_CODES:
                bad.append(line)
            continue
        row, col = int(located["line"]), int(located["col"])
        limit = lines(located["file"])
        if row < 1 or col < 1 or (limit is not None and row > limit):
            bad.append(line)
    return bad


def judge(path: Path, timeout_s: int = 20) -> Crash | None:
    """Run `mbind-formal check PATH` in-process; a `Crash` if it broke a rule."""
    return check_and_judge(path, timeout_s)[1]


def check_and_judge(path: Path, timeout_s: int = 20) -> tuple[int | None, Crash | None]:
    """`check PATH`'s exit code, and a `Crash` if the run broke a rule."""
    out, err = io.StringIO(), io.StringIO()
    code: int | None = None
    try:
        with watchdog(timeout_s):
            code = run_cli(["check", "--debug", str(path)], out, err)
    except Hang as e:
        return code, Crash("hang", None, f"{e}\n{err.getvalue()}")
    except Exception as e:  # run_cli itself must never raise
        return code, Crash("exception escaped run_cli", None, f"{type(e).__name__}: {e}")
    return code, _rules(code, out.getvalue(), err.getvalue())


def _rules(code: int, out: str, err: str) -> Crash | None:
    text = err + out
    if "Traceback" in text or re.search(r"^internal error", text, re.M):
        return Crash("traceback", code, text)
    if code not in (0, 2):
        return Crash(f"exit code {code}", code, text)
    if code == 2 and "error[" not in text:
        return Crash("exit 2 without an error message", code, text)
    bad = unlocated_errors(err)
    if bad:
        return Crash("unlocated error", code, "\n".join(bad) + "\n---\n" + text)
    return None


# The engines a valid mutant is run through, with budgets that keep one run short.
EXPLICIT_RUN = ("--engine", "explicit", "--max-states", "3000", "--timeout", "5")
BMC_DEPTH = 3
BMC_RUN = ("--engine", "bmc", "--max-depth", str(BMC_DEPTH), "--timeout", "5")


def _run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run_cli(argv, out, err)
    return code, out.getvalue(), err.getvalue()


def _broken(code: int, text: str, allowed: tuple[int, ...], usage: str) -> str | None:
    """What is wrong with a run's outcome, or None. Exit 2 is allowed only with an error
    line matching `usage` (a valid spec can still have no claims, or a scenario's
    `with` can put an initial value out of its range)."""
    if "Traceback" in text or re.search(r"^internal error", text, re.M):
        return "traceback"
    if re.search(r"^engine \S+ failed on", text, re.M):
        return "engine failed (a trace that does not replay)"
    if code == 2 and re.search(usage, text, re.M):
        return None
    if code not in allowed:
        return f"exit code {code}"
    return None


def disagreement(explicit: dict[str, object], bmc: dict[str, object]) -> str | None:
    """Where a bounded explicit search and BMC to depth BMC_DEPTH cannot both be right."""
    if any("timeout" in str(c["reason"]) for c in (explicit, bmc)):
        return None  # a run cut short by the clock proves nothing either way
    ev, bv = explicit["verdict"], bmc["verdict"]
    el, bl = explicit["trace_length"], bmc["trace_length"]
    if ev == "violated" and isinstance(el, int) and el <= BMC_DEPTH and bv != "violated":
        return f"explicit violated in {el} steps, bmc to depth {BMC_DEPTH} says {bv}"
    if bv == "violated" and ev in ("holds", "vacuous"):
        return f"bmc violated in {bl} steps, explicit says {ev}"
    if ev == bv == "violated" and el != bl:
        return f"shortest counterexamples differ: explicit {el}, bmc {bl}"
    if bv == "holds" and ev == "violated":
        return f"bmc says holds, explicit violated in {el} steps"
    return None


def judge_engines(path: Path, work: Path, timeout_s: int = 120) -> Crash | None:
    """For a spec that checks: emit TLA+, run the scenarios, and run explicit and BMC on
    the base variant with small budgets; they must not crash, fail to replay, or
    contradict each other (differential fuzzing of the engines)."""
    spec = str(path)
    runs = {
        "tla": ["tla", "--debug", spec, "--variant", "base", "-o", str(work / "tla")],
        "scenarios": ["scenarios", "--debug", spec, "--variant", "base"],
        "explicit": ["prove", "--debug", spec, "--variant", "base", *EXPLICIT_RUN],
        "bmc": ["prove", "--debug", spec, "--variant", "base", *BMC_RUN],
    }
    allowed = {"tla": (0,), "scenarios": (0, 1, 3), "explicit": (0, 1, 3), "bmc": (0, 1, 3)}
    no_claims = r"error\[MBF501\]: .* declares no claims"
    usage = {
        "tla": no_claims,
        "scenarios": r":\d+:\d+: error\[MBF\d{3}\]",
        "explicit": no_claims,
        "bmc": no_claims,
    }
    docs: dict[str, dict[str, dict[str, object]]] = {}
    running = ""
    try:
        with watchdog(timeout_s):
            for name, argv in runs.items():
                running = " ".join(a for a in argv if a != "--debug")
                if name in ("explicit", "bmc"):
                    argv = [*argv, "--json", "-", "--no-save"]
                code, out, err = _run(argv)
                rule = _broken(code, out + err, allowed[name], usage[name])
                if rule is not None:
                    shown = " ".join(a for a in argv if a != "--debug")
                    return Crash(f"{name}: {rule}", code, f"$ mbind-formal {shown}\n{err}{out}")
                if name in ("explicit", "bmc") and code != 2:
                    cells = json.loads(out)["cells"]
                    docs[name] = {str(c["claim"]): c for c in cells}
    except Hang as e:
        return Crash(f"hang in {running.split()[0]}", None, f"$ mbind-formal {running}\n{e}")
    for claim, cell in docs.get("explicit", {}).items():
        why = disagreement(cell, docs["bmc"][claim])
        if why is not None:
            runs_shown = "\n".join(
                "$ mbind-formal " + " ".join(a for a in runs[n] if a != "--debug") for n in docs
            )
            return Crash("engines disagree", None, f"claim {claim}: {why}\n{runs_shown}")
    return None


class Stage:
    """A scratch copy of each seed's directory, where mutants replace their target file
    for one `check` and are then put back."""

    def __init__(self, work: Path) -> None:
        self.work = work

    def box(self, seed: Seed) -> Path:
        box = self.work / seed.root.parent.name
        if not box.exists():
            shutil.copytree(seed.root.parent, box, ignore=shutil.ignore_patterns("__pycache__"))
        return box

    def check(self, seed: Seed, data: bytes, engines: bool = False) -> Crash | None:
        """`judge` the seed's root with `data` in place of its target file; with
        `engines`, a mutant that checks cleanly also goes through `judge_engines`."""
        box = self.box(seed)
        target = box / seed.target.relative_to(seed.root.parent)
        target.write_bytes(data)
        try:
            code, crash = check_and_judge(box / seed.root.name)
            if crash is None and engines and code == 0:
                crash = judge_engines(box / seed.root.name, self.work / "out")
            return crash
        finally:
            target.write_bytes(seed.target.read_bytes())
