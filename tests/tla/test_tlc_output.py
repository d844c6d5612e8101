"""Reading TLC's `-tool` output: the outcome comes from exit status and message codes.

The texts below have the shape TLC 2.15 prints (see tests/tla/test_tlc_engine.py for
the real thing); the English inside the messages is never what decides.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mbind_formal.diagnostics import Diagnostic
from mbind_formal.tlc.run import Outcome, find_tlc, read_run, split_messages
from mbind_formal.tlc.values import Fn


def msg(code: int, severity: int, body: str) -> str:
    return f"@!@!@STARTMSG {code}:{severity} @!@!@\n{body}\n@!@!@ENDMSG {code} @!@!@"


def stats(generated: str, distinct: str, depth: int | None = None) -> str:
    out = msg(2199, 0, f"{generated} states generated, {distinct} distinct states found, 0 left.")
    if depth is not None:
        out += "\n" + msg(2194, 0, f"The depth of the complete state graph search is {depth}.")
    return out


HEAD = msg(2262, 0, "TLC2 Version 2.15") + "\n" + msg(2185, 0, "Starting...")
TRACE = "\n".join(
    [
        msg(2121, 1, "The behavior up to this point is:"),
        msg(2217, 4, "1: <Initial predicate>\n/\\ x = 0\n/\\ f = (0 :> TRUE)\n"),
        msg(
            2217,
            4,
            "2: <inc line 5, col 6 to line 5, col 30 of module M>\n/\\ x = 1\n"
            "/\\ f = (0 :> FALSE)\n",
        ),
    ]
)


def test_success_with_counts() -> None:
    text = "\n".join([HEAD, msg(2193, 0, "Model checking completed."), stats("1,234", "567", 9)])
    run = read_run(text, 0)
    assert run.outcome is Outcome.NO_ERROR
    assert (run.generated, run.distinct, run.depth) == (1234, 567, 9)


def test_invariant_violation_with_trace() -> None:
    text = "\n".join([HEAD, msg(2110, 1, "Invariant Inv is violated."), TRACE, stats("3", "3")])
    run = read_run(text, 12)
    assert run.outcome is Outcome.VIOLATED
    assert run.actions == ("", "inc")
    assert run.states == ({"x": 0, "f": Fn(((0, True),))}, {"x": 1, "f": Fn(((0, False),))})


def test_violation_in_an_initial_state() -> None:
    text = "\n".join(
        [HEAD, msg(2107, 1, "Invariant Inv is violated by the initial state:\nx = 0\n")]
    )
    run = read_run(text, 12)
    assert run.outcome is Outcome.VIOLATED
    assert run.states == ({"x": 0},) and run.actions == ("",)


def test_deadlock() -> None:
    text = "\n".join([HEAD, msg(2114, 1, "Deadlock reached."), TRACE, stats("3", "3")])
    run = read_run(text, 11)
    assert run.outcome is Outcome.DEADLOCK and len(run.states) == 2


def test_parse_error_keeps_sany_output() -> None:
    text = "\n".join(
        [
            HEAD,
            msg(2220, 0, "Starting SANY..."),
            "***Parse Error***",
            'Encountered "=="',
            msg(2219, 0, "SANY finished."),
            msg(3002, 1, "Parsing or semantic analysis failed."),
        ]
    )
    run = read_run(text, 150)
    assert run.outcome is Outcome.FAILED
    assert "does not parse" in run.error and "Parse Error" in run.error and "[3002]" in run.error


@pytest.mark.parametrize("status", [151, 75, 255, 0])
def test_anything_else_is_a_failure(status: int) -> None:
    text = "\n".join([HEAD, msg(1000, 1, "something broke")])
    run = read_run(text, status)
    assert run.outcome is Outcome.FAILED and "[1000] something broke" in run.error


def test_exit_status_must_agree_with_the_messages() -> None:
    """A violation message with a success exit status is not trusted."""
    text = "\n".join([HEAD, msg(2110, 1, "Invariant Inv is violated."), TRACE])
    assert read_run(text, 0).outcome is Outcome.FAILED


def test_timeout_and_cut_output() -> None:
    cut = HEAD + "\n@!@!@STARTMSG 2200:0 @!@!@\nProgress(3)"
    messages, _ = split_messages(cut)
    assert [m.code for m in messages] == [2262, 2185, 2200]
    assert read_run(cut, None, timed_out=True).outcome is Outcome.TIMEOUT


def test_unreadable_counterexample_is_a_failure_not_a_verdict() -> None:
    text = "\n".join([HEAD, msg(2110, 1, "x"), msg(2217, 4, "1: <Initial predicate>\nx = (")])
    run = read_run(text, 12)
    assert run.outcome is Outcome.FAILED and "counterexample" in run.error


def test_missing_tools_are_diagnosed(tmp_path: Path) -> None:
    missing_jar = find_tlc({"TLA2TOOLS_JAR": str(tmp_path / "nope.jar"), "PATH": ""})
    assert isinstance(missing_jar, Diagnostic) and missing_jar.code == "MBF601"
    jar = tmp_path / "tla2tools.jar"
    jar.write_bytes(b"")
    no_java = find_tlc({"TLA2TOOLS_JAR": str(jar), "PATH": str(tmp_path)})
    assert isinstance(no_java, Diagnostic) and no_java.code == "MBF601"
    assert "java" in no_java.message and no_java.hint
    found = find_tlc({"TLA2TOOLS_JAR": str(jar), "JAVA_HOME": str(tmp_path), "PATH": ""})
    assert isinstance(found, Diagnostic)  # JAVA_HOME without bin/java does not count
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "java").write_text("")
    found = find_tlc({"TLA2TOOLS_JAR": str(jar), "JAVA_HOME": str(tmp_path), "PATH": ""})
    assert not isinstance(found, Diagnostic) and found.java == str(tmp_path / "bin" / "java")
