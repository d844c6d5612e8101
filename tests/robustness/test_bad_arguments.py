"""Bad command lines: unknown names, out-of-range numbers, unwritable outputs.

Every case must print one `error[MBF5xx]` line (with a hint where one helps), exit 2
(ExitCode.USAGE) and never show a traceback. Tests run in-process (`run_cli`); a few
go through the installed `mbind-formal` to check real exit statuses.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from robust_support import SMALL, assert_fails, assert_no_traceback, cli, real_cli, write

from mbind_formal.cli.common import ExitCode

USAGE = int(ExitCode.USAGE)

# Every command that takes a spec, with the extra arguments it needs to get going.
SPEC_COMMANDS: dict[str, tuple[str, ...]] = {
    "check": (),
    "prove": ("--engine", "explicit", "--no-save"),
    "matrix": ("--engine", "explicit", "--no-save"),
    "trace": ("--variant", "base", "--claim", "exclusive"),
    "scenarios": (),
}


@pytest.fixture
def spec(tmp_path: Path) -> Path:
    return write(tmp_path, "small.mbf", SMALL)


def _hint(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if "hint:" in line)


# ------------------------------------------------------------------ names


@pytest.mark.parametrize("command", ["prove", "matrix", "trace"])
def test_unknown_variant_lists_the_known_ones(spec: Path, command: str) -> None:
    extra = () if command == "trace" else ("--no-save",)
    run = cli(command, spec, "--variant", "fixd", "--claim", "exclusive", *extra)
    r = assert_fails(run, USAGE, "MBF502", located=False)
    assert "fixd" in r.message
    hint = _hint(run.text)
    assert "did you mean 'fixed'?" in hint, run.text
    assert "base" in hint and "fixed" in hint, run.text


@pytest.mark.parametrize("command", ["prove", "matrix", "trace"])
def test_unknown_claim_lists_the_known_ones(spec: Path, command: str) -> None:
    extra = () if command == "trace" else ("--no-save",)
    run = cli(command, spec, "--variant", "base", "--claim", "exclusiv", *extra)
    r = assert_fails(run, USAGE, "MBF502", located=False)
    assert "exclusiv" in r.message
    hint = _hint(run.text)
    assert "did you mean 'exclusive'?" in hint, run.text
    assert "all_back" in hint, run.text


def test_unknown_claim_without_a_close_match(spec: Path) -> None:
    run = cli("prove", spec, "--claim", "zzzzzz", "--no-save")
    assert_fails(run, USAGE, "MBF502")
    hint = _hint(run.text)
    assert "did you mean" not in hint and "exclusive" in hint and "all_back" in hint


def test_unknown_scenario(spec: Path) -> None:
    run = cli("scenarios", spec, "--scenario", "one_pag")
    r = assert_fails(run, USAGE, "MBF502")
    assert "one_pag" in r.message


def test_replay_with_unknown_variant(spec: Path, tmp_path: Path) -> None:
    itf = write(tmp_path, "t.itf.json", '{"vars": [], "states": []}')
    run = cli("replay", spec, itf, "--variant", "nope", "--claim", "exclusive")
    assert_fails(run, USAGE, "MBF502")


# ------------------------------------------------------------------ parameters


@pytest.mark.parametrize("command", sorted(SPEC_COMMANDS))
@pytest.mark.parametrize("pages", ["1000", "-1", "65"])
def test_pages_out_of_range(spec: Path, command: str, pages: str) -> None:
    run = cli(command, spec, "--pages", pages, *SPEC_COMMANDS[command])
    r = assert_fails(run, USAGE, "MBF501", located=False)
    assert pages in r.message


@pytest.mark.parametrize("command", sorted(SPEC_COMMANDS))
def test_pages_zero_is_a_parameter_the_spec_refuses(spec: Path, command: str) -> None:
    """0 is a parameter value like any in 0..64 (`param k = 0;` is accepted too); this
    spec sizes a collection with it, which the spec's own check refuses, located."""
    run = cli(command, spec, "--pages", "0", *SPEC_COMMANDS[command])
    assert_fails(run, USAGE, "MBF409")


@pytest.mark.parametrize("command", sorted(SPEC_COMMANDS))
def test_pages_not_a_number(spec: Path, command: str) -> None:
    run = cli(command, spec, "--pages", "abc", *SPEC_COMMANDS[command])
    r = assert_fails(run, USAGE, "MBF501")
    assert "abc" in r.message and "--pages" in r.message


@pytest.mark.parametrize(
    ("param", "words"),
    [
        ("x", "NAME=VALUE"),
        ("=3", "NAME=VALUE"),
        ("1x=3", "NAME=VALUE"),
        ("pages=a-b", "integer"),
        ("pages=", "integer"),
        ("pages=99", "out of range"),
        ("pages=2.5", "integer"),
    ],
)
def test_bad_param(spec: Path, param: str, words: str) -> None:
    run = cli("check", spec, "--param", param)
    assert_fails(run, USAGE, "MBF501")
    assert words in run.text, run.text


def test_param_of_the_wrong_kind(spec: Path) -> None:
    """`--param pages=abc` reads as an enum value's name; the spec says pages is an int."""
    run = cli("check", spec, "--param", "pages=abc")
    assert_fails(run, USAGE, "MBF301")
    assert "'pages' is an integer, requested as 'abc'" in run.text, run.text


def test_param_the_spec_does_not_declare(spec: Path) -> None:
    """`--param nosuch=1`: an unknown parameter, said as such (not silently ignored)."""
    run = cli("check", spec, "--param", "nosuch=1")
    assert_no_traceback(run)
    assert run.code == USAGE, run.text
    assert "nosuch" in run.text


def test_pages_in_range_changes_the_model(spec: Path) -> None:
    assert cli("check", spec, "--pages", "3").code == 0
    assert cli("check", spec, "--param", "pages=1").code == 0


# ------------------------------------------------------------------ engines and budgets


@pytest.mark.parametrize("engine", ["z3", "EXPLICIT", "", "tlc2", "all,bmc"])
def test_bad_engine_name(spec: Path, engine: str) -> None:
    run = cli("prove", spec, "--engine", engine, "--no-save")
    r = assert_fails(run, USAGE, "MBF501", located=False)
    assert "explicit" in r.message and "bmc" in r.message, "the known engines are listed"


@pytest.mark.parametrize(
    "flag",
    ["--timeout", "--total-timeout", "--query-timeout"],
)
@pytest.mark.parametrize("value", ["-1", "0", "-0.5"])
def test_non_positive_timeouts(spec: Path, flag: str, value: str) -> None:
    run = cli("prove", spec, "--engine", "explicit", "--no-save", f"{flag}={value}")
    r = assert_fails(run, USAGE, "MBF501")
    assert flag in r.message


@pytest.mark.parametrize("engine", ["explicit", "bmc"])
@pytest.mark.parametrize("value", ["nan", "inf", "1e999", "-inf"])
def test_timeout_that_is_not_a_duration(spec: Path, value: str, engine: str) -> None:
    """float() accepts 'nan' and 'inf': neither is a usable time limit, so both are
    usage errors (whatever the engine would make of them)."""
    run = cli("prove", spec, "--engine", engine, "--no-save", f"--timeout={value}",
              "--variant", "fixed", "--claim", "exclusive")  # fmt: skip
    assert_fails(run, USAGE, "MBF501")


@pytest.mark.parametrize("flag", ["--max-states", "--max-depth", "--memory", "--workers"])
@pytest.mark.parametrize("value", ["0", "-3"])
def test_non_positive_limits(spec: Path, flag: str, value: str) -> None:
    run = cli("prove", spec, "--engine", "explicit", "--no-save", f"{flag}={value}")
    r = assert_fails(run, USAGE, "MBF501")
    assert flag in r.message


@pytest.mark.parametrize("flag", ["--max-states", "--timeout", "--seed"])
def test_limit_not_a_number(spec: Path, flag: str) -> None:
    run = cli("prove", spec, "--engine", "explicit", "--no-save", flag, "lots")
    assert_fails(run, USAGE, "MBF501")


# ------------------------------------------------------------------ outputs


@pytest.mark.parametrize("command", ["prove", "matrix"])
def test_json_to_a_missing_directory(spec: Path, tmp_path: Path, command: str) -> None:
    target = tmp_path / "no" / "such" / "dir" / "out.json"
    run = cli(command, spec, "--engine", "explicit", "--no-save", "--json", target)
    r = assert_fails(run, USAGE, "MBF503")
    assert str(target) in r.message


def test_json_to_a_directory(spec: Path, tmp_path: Path) -> None:
    run = cli("prove", spec, "--engine", "explicit", "--no-save", "--json", tmp_path)
    assert_fails(run, USAGE, "MBF503")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere")
def test_json_to_a_read_only_directory(spec: Path, tmp_path: Path) -> None:
    locked = tmp_path / "ro"
    locked.mkdir()
    locked.chmod(0o500)
    run = cli("prove", spec, "--engine", "explicit", "--no-save", "--json", locked / "o.json")
    assert_fails(run, USAGE, "MBF503")


def test_json_to_dev_full(spec: Path) -> None:
    """A write that fails half-way (ENOSPC) is reported like any unwritable path."""
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full")
    run = cli("prove", spec, "--engine", "explicit", "--no-save", "--json", "/dev/full")
    assert_fails(run, USAGE, "MBF503")


def test_trace_output_to_a_missing_directory(spec: Path, tmp_path: Path) -> None:
    target = tmp_path / "nowhere" / "t.txt"
    run = cli("trace", spec, "--variant", "base", "--claim", "exclusive", "-o", target)
    assert_fails(run, USAGE, "MBF503")


def test_unwritable_runs_dir_does_not_fail_the_check(spec: Path, tmp_path: Path) -> None:
    """The run record is a convenience: a runs dir that cannot be created must not turn a
    verdict into a crash (the verdict's exit code stands)."""
    blocker = write(tmp_path, "file-not-dir", "x")
    run = cli("prove", spec, "--engine", "explicit", "--claim", "exclusive", "--variant",
              "fixed", "--runs-dir", blocker / "runs")  # fmt: skip
    assert_no_traceback(run)
    assert run.code == 0, run.text


# ------------------------------------------------------------------ the command line itself


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["frobnicate"],
        ["check"],
        ["prove"],
        ["check", "a.mbf", "b.mbf"],
        ["prove", "x.mbf", "--no-such-flag"],
        ["--pages", "3"],
    ],
    ids=lambda a: " ".join(a) or "nothing",
)
def test_malformed_command_lines(argv: list[str]) -> None:
    run = cli(*argv)
    assert_no_traceback(run)
    assert run.code == USAGE, run.text
    assert run.text.strip(), "some explanation is printed"


def test_help_exits_zero() -> None:
    for argv in (["--help"], ["check", "--help"], ["prove", "-h"]):
        run = cli(*argv)
        assert run.code == 0 and "usage:" in run.out


def test_real_process_usage_error_exit_status(spec: Path) -> None:
    run = real_cli("prove", spec, "--pages", "65", "--no-save")
    assert_fails(run, USAGE, "MBF501")
    run = real_cli("prove", spec, "--engine", "nope", "--no-save")
    assert_fails(run, USAGE, "MBF501")


def test_real_process_unknown_claim_exit_status(spec: Path) -> None:
    run = real_cli("matrix", spec, "--claim", "exclusiv", "--no-save")
    assert_fails(run, USAGE, "MBF502")


# ------------------------------------------------------------------ the other commands


@pytest.mark.parametrize(
    ("argv", "code", "words"),
    [
        (("diff", "{spec}", "--from", "base", "--to", "base"), "MBF501", "same variant"),
        (("diff", "{spec}", "--from", "base", "--to", "fixd"), "MBF502", "fixd"),
        (("diff", "{spec}", "--from", "base"), "MBF501", "--to"),
        (("report", "{spec}", "-o", "{tmp}/no/dir/r.html", "--engine", "explicit"), "MBF503", ""),
        (("report", "{spec}", "-o", "/dev/full", "--engine", "explicit"), "MBF503", ""),
        (("tla", "{spec}", "-o", "{file}"), "MBF503", ""),
        (("tla", "{spec}", "-o", "{file}/sub"), "MBF503", ""),
        (("tlc", "{spec}", "--keep", "{file}", *("--variant", "fixed")), "MBF503", ""),
        (("tlc", "{spec}", "--workers", "0"), "MBF501", "--workers"),
        (("trace", "{spec}", "--format", "pdf"), "MBF501", "pdf"),
        (("trace", "{spec}", "--variant", "base"), "MBF501", "--claim"),
        (("scenarios", "{spec}", "--variant", "nope"), "MBF502", "nope"),
    ],
    ids=lambda v: " ".join(v) if isinstance(v, tuple) else str(v),
)
def test_other_commands(
    spec: Path, tmp_path: Path, argv: tuple[str, ...], code: str, words: str
) -> None:
    blocker = write(tmp_path, "a-file", "x")
    fill = {"spec": str(spec), "tmp": str(tmp_path), "file": str(blocker)}
    run = cli(*(a.format(**fill) for a in argv))
    r = assert_fails(run, USAGE, code)
    assert words in run.err, run.err
    assert r.message


# ------------------------------------------------------------------ specs without claims


@pytest.mark.parametrize(
    "argv",
    [
        ("prove", "{spec}", "--no-save"),
        ("matrix", "{spec}", "--no-save"),
        ("trace", "{spec}"),
        ("report", "{spec}", "-o", "{tmp}/r.html"),
        ("diff", "{spec}", "--from", "base", "--to", "base"),
        ("tlc", "{spec}"),
    ],
    ids=lambda a: a[0],
)
def test_spec_without_claims(tmp_path: Path, argv: tuple[str, ...]) -> None:
    spec = write(tmp_path, "noclaim.mbf", "actor a { s: done; }\n")
    run = cli(*(a.format(spec=spec, tmp=tmp_path) for a in argv))
    r = assert_fails(run, USAGE, "MBF501")
    assert "no claims" in r.message


def test_replay_of_a_json_trace_says_to_use_itf(spec: Path, tmp_path: Path) -> None:
    out = tmp_path / "t.json"
    made = cli("trace", spec, "--variant", "base", "--claim", "exclusive", "--engine",
               "explicit", "--format", "json", "-o", out)  # fmt: skip
    assert made.code == 1
    run = cli("replay", spec, out)
    assert_no_traceback(run)
    assert run.code == USAGE
    assert "itf" in run.err.lower(), run.err


# ------------------------------------------------------------------ outputs onto inputs


@pytest.mark.parametrize(
    "argv",
    [
        ("prove", "{spec}", "--engine", "explicit", "--no-save", "--json", "{spec}"),
        ("matrix", "{spec}", "--engine", "explicit", "--no-save", "--json", "{inc}"),
        ("trace", "{spec}", *("--variant", "base", "--claim", "exclusive"), "-o", "{spec}"),
        ("report", "{spec}", "--engine", "explicit", "-o", "{spec}"),
    ],
    ids=["prove-json", "matrix-json-include", "trace-o", "report-o"],
)
def test_output_never_overwrites_the_spec(tmp_path: Path, argv: tuple[str, ...]) -> None:
    inc = write(tmp_path, "common.mbf", "enum Extra { E1 }\n")
    spec = write(tmp_path, "main.mbf", 'include "common.mbf";\n' + SMALL)
    before = {p: p.read_bytes() for p in (spec, inc)}
    run = cli(*(a.format(spec=spec, inc=inc) for a in argv))
    assert {p: p.read_bytes() for p in (spec, inc)} == before, "the model was overwritten"
    assert_fails(run, USAGE, "MBF503")
