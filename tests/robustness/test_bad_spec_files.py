"""Bad spec files given to `check`: each gets one plain message, exit 2, no traceback.

Complements tests/errors (A2's corpus of spec-semantic errors): this file covers what
goes wrong *before* the spec means anything - the file itself (missing, a directory,
empty, huge, binary, wrong encoding, a device), includes (cycles, missing, leaving the
tree, through a symlink), and syntax of many kinds, all through the CLI.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from robust_support import (
    SMALL,
    assert_fails,
    assert_no_traceback,
    capped_cli,
    cli,
    errors,
    real_cli,
    write,
)

USAGE = 2


def test_the_small_spec_checks(tmp_path: Path) -> None:
    """The base every mutation below starts from is itself valid."""
    run = cli("check", write(tmp_path, "ok.mbf", SMALL))
    assert_no_traceback(run)
    assert run.code == 0, run.text
    assert errors(run.text) == []


# ------------------------------------------------------------------------ the file


def test_missing_file(tmp_path: Path) -> None:
    r = assert_fails(cli("check", tmp_path / "nope.mbf"), USAGE, "MBF001", located=False)
    assert "nope.mbf" in r.message and "does not exist" in r.message


def test_directory(tmp_path: Path) -> None:
    r = assert_fails(cli("check", tmp_path), USAGE, "MBF001", located=False)
    assert "directory" in r.message


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files regardless of their mode")
def test_unreadable_file(tmp_path: Path) -> None:
    path = write(tmp_path, "locked.mbf", SMALL)
    path.chmod(0)
    r = assert_fails(cli("check", path), USAGE, "MBF001", located=False)
    assert "locked.mbf" in r.message


@pytest.mark.parametrize(
    "text",
    ["", "   \n\t\n", "// only a comment\n", "/* block */\n"],
    ids=["zero-bytes", "whitespace", "line-comment", "block-comment"],
)
def test_empty(tmp_path: Path, text: str) -> None:
    assert_fails(cli("check", write(tmp_path, "e.mbf", text)), USAGE, "MBF003")


def test_huge_file(tmp_path: Path) -> None:
    """More than 1 MiB: refused before parsing, so a runaway file cannot stall `check`."""
    filler = "// " + "x" * 1020 + "\n"
    text = SMALL + filler * ((1 << 20) // len(filler) + 1)
    r = assert_fails(cli("check", write(tmp_path, "big.mbf", text)), USAGE, "MBF004")
    assert "big.mbf" in r.message


def test_device_file_is_read_with_a_bound() -> None:
    """`check /dev/zero`: a file whose size says 0 but never ends must hit the size
    limit (MBF004), not read until memory runs out (memory-capped child process)."""
    run = capped_cli("check", "/dev/zero")
    assert_fails(run, USAGE, "MBF004")


@pytest.mark.parametrize(
    "data",
    [
        bytes(range(256)) * 4,
        b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 64,
        b"param pages = 2;\x00\n",
    ],
    ids=["all-bytes", "elf-header", "nul-in-text"],
)
def test_binary_garbage(tmp_path: Path, data: bytes) -> None:
    r = assert_fails(cli("check", write(tmp_path, "bin.mbf", data)), USAGE, "MBF002")
    assert "bin.mbf" in r.message


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-32"])
def test_utf16_and_utf32(tmp_path: Path, encoding: str) -> None:
    data = SMALL.encode(encoding)
    assert_fails(cli("check", write(tmp_path, "wide.mbf", data)), USAGE, "MBF002")


def test_latin1(tmp_path: Path) -> None:
    """A latin-1 byte (0xe9, 'é') in a comment: not UTF-8, says where."""
    data = ("// caf\u00e9\n" + SMALL).encode("latin-1")
    run = cli("check", write(tmp_path, "l1.mbf", data))
    r = assert_fails(run, USAGE, "MBF002")
    assert "0xe9" in r.message
    assert "UTF-8" in run_hint(run.text)


def run_hint(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if "hint:" in line)


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    """Editors on Windows write a BOM; it is not part of the spec."""
    run = cli("check", write(tmp_path, "bom.mbf", b"\xef\xbb\xbf" + SMALL.encode()))
    assert run.code == 0, run.text


def test_crlf_line_endings_are_accepted(tmp_path: Path) -> None:
    run = cli("check", write(tmp_path, "crlf.mbf", SMALL.replace("\n", "\r\n").encode()))
    assert run.code == 0, run.text


def test_non_ascii_identifier_is_a_located_syntax_error(tmp_path: Path) -> None:
    text = SMALL.replace("var scanned", "var sc\u00e4nned")
    r = assert_fails(cli("check", write(tmp_path, "u.mbf", text)), USAGE, "MBF102", located=True)
    assert r.line == text.splitlines().index("var sc\u00e4nned: 0..pages = 0;") + 1


# ------------------------------------------------------------------------ includes


def test_include_cycle(tmp_path: Path) -> None:
    write(tmp_path, "a.mbf", 'include "b.mbf";\n' + SMALL)
    write(tmp_path, "b.mbf", 'include "a.mbf";\nenum Extra { E1 }\n')
    r = assert_fails(cli("check", tmp_path / "a.mbf"), USAGE, "MBF005", located=True)
    assert "a.mbf" in r.message and "b.mbf" in r.message


def test_self_include(tmp_path: Path) -> None:
    write(tmp_path, "self.mbf", 'include "self.mbf";\n' + SMALL)
    assert_fails(cli("check", tmp_path / "self.mbf"), USAGE, "MBF005", located=True)


def test_missing_include_suggests_a_sibling(tmp_path: Path) -> None:
    write(tmp_path, "common.mbf", "enum Extra { E1 }\n")
    write(tmp_path, "main.mbf", 'include "comon.mbf";\n' + SMALL)
    run = cli("check", tmp_path / "main.mbf")
    r = assert_fails(run, USAGE, "MBF006", located=True)
    assert r.line == 1 and "comon.mbf" in r.message
    assert "common.mbf" in run_hint(run.text)


@pytest.mark.parametrize("target", ["../outside.mbf", "/etc/hostname", "sub/../../outside.mbf"])
def test_include_outside_the_tree_needs_the_flag(tmp_path: Path, target: str) -> None:
    write(tmp_path, "outside.mbf", "enum Extra { E1 }\n")
    main = write(tmp_path / "tree", "main.mbf", f'include "{target}";\n' + SMALL)
    run = cli("check", main)
    r = assert_fails(run, USAGE, "MBF007", located=True)
    assert r.line == 1
    assert "--allow-outside-includes" in run_hint(run.text)


def test_include_outside_with_the_flag(tmp_path: Path) -> None:
    write(tmp_path, "outside.mbf", "enum Extra { E1 }\n")
    main = write(tmp_path / "tree", "main.mbf", 'include "../outside.mbf";\n' + SMALL)
    run = cli("check", "--allow-outside-includes", main)
    assert run.code == 0, run.text


def test_symlink_out_of_the_tree_is_outside(tmp_path: Path) -> None:
    """Confinement looks at where a file really is, not at the name it is reached by."""
    secret = write(tmp_path, "secret.mbf", "enum Extra { E1 }\n")
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "link.mbf").symlink_to(secret)
    write(tree, "main.mbf", 'include "link.mbf";\n' + SMALL)
    assert_fails(cli("check", tree / "main.mbf"), USAGE, "MBF007", located=True)


@pytest.mark.parametrize(
    ("content", "code"),
    [(b"", "MBF003"), (b"\xff\xfe\x00\x01", "MBF002"), (b"enum {", "MBF101")],
    ids=["empty", "binary", "syntax"],
)
def test_bad_included_file(tmp_path: Path, content: bytes, code: str) -> None:
    write(tmp_path, "inc.mbf", content)
    write(tmp_path, "main.mbf", 'include "inc.mbf";\n' + SMALL)
    run = cli("check", tmp_path / "main.mbf")
    r = assert_fails(run, USAGE, code)
    if code != "MBF101":  # a problem with the file is reported at the include
        assert r.located and r.where.startswith(str(tmp_path / "main.mbf")), run.text


def test_include_of_a_directory(tmp_path: Path) -> None:
    (tmp_path / "dir.mbf").mkdir()
    write(tmp_path, "main.mbf", 'include "dir.mbf";\n' + SMALL)
    assert_fails(cli("check", tmp_path / "main.mbf"), USAGE, "MBF001", located=True)


def test_diamond_include_is_read_once(tmp_path: Path) -> None:
    """Two files including the same third is not a cycle (and not a duplicate)."""
    write(tmp_path, "leaf.mbf", "enum Extra { E1 }\n")
    write(tmp_path, "l.mbf", 'include "leaf.mbf";\n')
    write(tmp_path, "r.mbf", 'include "leaf.mbf";\n')
    main = write(tmp_path, "main.mbf", 'include "l.mbf";\ninclude "r.mbf";\n' + SMALL)
    run = cli("check", main)
    assert run.code == 0, run.text


# ------------------------------------------------------------------------ syntax

TAKE = "def may_take(p: Page) = p.lru;"
SYNTAX_CASES = {
    # name: (replacement, the line of SMALL it replaces, expected code)
    "missing-semicolon": ("var scanned: 0..pages = 0", "var scanned: 0..pages = 0;", "MBF101"),
    "stray-character": ("var scanned: 0..pages = 0; $", "var scanned: 0..pages = 0;", "MBF102"),
    "backtick": ("def may_take(p: Page) = `p.lru`;", TAKE, "MBF102"),
    "keyword-as-name": ("var done: bool = false;", "var ok: bool = false;", "MBF101"),
    "unclosed-paren": ("def may_take(p: Page) = (p.lru;", TAKE, "MBF101"),
    "assign-in-expr": ("def may_take(p: Page) = p.lru = 1;", TAKE, "MBF101"),
    "c-not-equal": ("def may_take(p: Page) = p.lru <> true;", TAKE, "MBF101"),
    "statement-at-top": ("scanned = 1;", "var scanned: 0..pages = 0;", "MBF101"),
    "label-in-claim": ("claim exclusive { walk:", "claim exclusive {", "MBF101"),
    "var-in-claim": ("claim exclusive { var x: bool;", "claim exclusive {", "MBF104"),
    "unterminated-string": ('variant "fixed {', "variant fixed {", "MBF103"),
}


@pytest.mark.parametrize("case", sorted(SYNTAX_CASES))
def test_syntax_error_is_located(tmp_path: Path, case: str) -> None:
    new, old, code = SYNTAX_CASES[case]
    assert old in SMALL
    text = SMALL.replace(old, new, 1)
    path = write(tmp_path, "syn.mbf", text)
    run = cli("check", path)
    r = assert_fails(run, USAGE, code, located=True)
    assert r.where.startswith(f"{path}:")
    assert 1 <= r.line <= text.count("\n") + 1
    assert len(errors(run.text)) == 1, "one syntax error, one message"


EOF_CASES = {
    "actor": SMALL[: SMALL.index("actor mbind {") + len("actor mbind {")],
    "claim": SMALL[: SMALL.index("claim exclusive {")] + "claim exclusive {\n  always p.lru",
    "either": SMALL[: SMALL.index("either {") + len("either {")],
    "comment": SMALL + "/* open comment",
    "expression": SMALL[: SMALL.index("def may_take")] + "def may_take(p: Page) = p.lru &&",
}


@pytest.mark.parametrize("case", sorted(EOF_CASES))
def test_unexpected_end_of_file(tmp_path: Path, case: str) -> None:
    """Truncated in the middle of a block, comment or expression: MBF103 at the end."""
    text = EOF_CASES[case] + "\n"
    run = cli("check", write(tmp_path, "eof.mbf", text))
    r = assert_fails(run, USAGE, "MBF103", located=True)
    assert len(errors(run.text)) == 1
    assert r.line <= text.count("\n") + 1


def test_deep_parentheses_are_fine(tmp_path: Path) -> None:
    """Redundant parentheses do not nest the tree: 5000 of them still check."""
    expr = "(" * 5000 + "p.lru" + ")" * 5000
    text = SMALL.replace("def may_put(p: Page) = !p.lru;", f"def may_put(p: Page) = !{expr};")
    run = cli("check", write(tmp_path, "parens.mbf", text))
    assert run.code == 0, run.text


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("= !p.lru;", "= " + "!" * 20000 + "p.lru;"),
        ("= !p.lru;", "= " + "-(" * 3000 + "1" + ")" * 3000 + " > 0;"),
        ("ok = true;", "if (true) {" * 300 + "ok = true;" + "}" * 300),
        ("ok = true;", "either {" * 300 + "ok = true;" + "} or { skip; }" * 300),
    ],
    ids=["not", "minus", "if-blocks", "either-blocks"],
)
def test_deep_nesting(tmp_path: Path, old: str, new: str) -> None:
    """Thousands of nested operators or blocks: MBF105, not a RecursionError."""
    text = SMALL.replace(old, new, 1)
    r = assert_fails(cli("check", write(tmp_path, "deep.mbf", text)), USAGE, "MBF105")
    assert r.located


def test_long_operator_chain(tmp_path: Path) -> None:
    """A flat chain of 2000 `&&` terms parses or fails cleanly (MBF105 today: the tree of
    a left-associative chain is as deep as it is long)."""
    expr = " && ".join(["p.lru"] * 2000)
    text = SMALL.replace("def may_put(p: Page) = !p.lru;", f"def may_put(p: Page) = {expr};")
    run = cli("check", write(tmp_path, "wide.mbf", text))
    assert_no_traceback(run)
    assert run.code in (0, USAGE), run.text


@pytest.mark.parametrize("number", ["99999999999999999999999", "0x" + "f" * 40, "9" * 5000])
def test_huge_integer_literal(tmp_path: Path, number: str) -> None:
    text = SMALL.replace("param pages = 2;", f"param pages = {number};")
    r = assert_fails(cli("check", write(tmp_path, "num.mbf", text)), USAGE, "MBF106")
    assert r.located and r.line == 1


@pytest.mark.parametrize("pages", ["0", "65", "100000"])
def test_param_out_of_range_in_the_file(tmp_path: Path, pages: str) -> None:
    """`param pages = 100000` must be refused, not enumerated."""
    text = SMALL.replace("param pages = 2;", f"param pages = {pages};")
    run = cli("check", write(tmp_path, "p.mbf", text))
    assert_no_traceback(run)
    assert run.code == USAGE, run.text
    assert errors(run.text)[0].located, run.text


def test_real_process_exit_code_and_message(tmp_path: Path) -> None:
    """The installed entry point: exit status 2 and the rendered excerpt with a caret."""
    path = write(tmp_path, "syn.mbf", SMALL.replace("var scanned: 0..pages = 0;", "var = 0;"))
    run = real_cli("check", path)
    assert_fails(run, USAGE, "MBF101", located=True)
    assert "^" in run.err


# ------------------------------------------------------------------ the spec's own name

VIOLATED = (
    "var x: bool = false;\nactor a { s: x = true; done; }\nclaim c { always !x; reachable !x; }\n"
)


@pytest.mark.parametrize(
    "argv",
    [
        ("check", "{spec}"),
        ("prove", "{spec}", "--engine", "explicit", "--no-save"),
        ("matrix", "{spec}", "--engine", "explicit", "--json", "{out}/m.json", "--no-save"),
        ("trace", "{spec}", "--engine", "explicit", "--format", "json", "-o", "{out}/t.json"),
        ("trace", "{spec}", "--engine", "explicit", "--format", "itf", "-o", "{out}/t.itf"),
        ("trace", "{spec}", "--engine", "explicit", "--format", "html", "-o", "{out}/t.html"),
        ("report", "{spec}", "--engine", "explicit", "-o", "{out}/r.html"),
        ("tla", "{spec}", "-o", "{out}/tla"),
    ],
    ids=lambda a: " ".join(a[:1] + a[-2:-1]),
)
def test_spec_path_that_is_not_utf8(tmp_path: Path, argv: tuple[str, ...]) -> None:
    """`\\xffviol.mbf`: a legal Linux file name that no UTF-8 text can spell."""
    raw = os.fsencode(tmp_path) + b"/\xffviol.mbf"
    with open(raw, "wb") as f:
        f.write(VIOLATED.encode())
    spec = os.fsdecode(raw)
    run = cli(*(a.format(spec=spec, out=tmp_path) for a in argv))
    assert_no_traceback(run)
    assert run.code in (0, 1), run.text


def test_error_on_a_very_long_line_stays_readable(tmp_path: Path) -> None:
    line = "var scanned: 0..pages = 0;"
    text = SMALL.replace(line, line + " " * 500_000 + "$")
    run = cli("check", write(tmp_path, "long.mbf", text))
    r = assert_fails(run, USAGE, "MBF102", located=True)
    assert r.line == SMALL.splitlines().index(line) + 1
    assert len(run.err) < 10_000, f"{len(run.err)} characters for one error"
    shown, carets = (x for x in run.err.splitlines() if x.startswith("  ") and " | " in x)
    assert shown.endswith("$") and carets.endswith("^"), run.err  # the window holds the span
    assert carets.index("^") == shown.index("$"), run.err
