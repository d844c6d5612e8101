"""Spec files and includes: reading, confinement, cycles, and what reaches the renderer."""

from __future__ import annotations

from pathlib import Path

import pytest

from mbind_formal import load_spec, load_text
from mbind_formal.lower.sources import MAX_BYTES

ACTOR = "actor a { s: x = true; }\n"


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def codes(path: Path, **kw: bool) -> list[str]:
    result = load_spec(path, allow_outside=kw.get("allow_outside", False))
    return [d.code for d in result.diagnostics if d.is_error]


def test_includes_resolve_relative_to_the_including_file(tmp_path: Path) -> None:
    write(tmp_path / "lib" / "state.mbf", 'include "more/flags.mbf";\nvar x: bool = false;\n')
    write(tmp_path / "lib" / "more" / "flags.mbf", "var y: bool = true;\n")
    root = write(tmp_path / "spec.mbf", 'include "lib/state.mbf";\n' + ACTOR)
    result = load_spec(root)
    assert result.spec is not None
    assert [g.name for g in result.spec.models[0].globals] == ["y", "x"]
    assert set(result.sources) == {
        str(root),
        str(tmp_path / "lib" / "state.mbf"),
        str(tmp_path / "lib" / "more" / "flags.mbf"),
    }


def test_a_file_included_twice_is_read_once(tmp_path: Path) -> None:
    write(tmp_path / "common.mbf", "var x: bool = false;\n")
    write(tmp_path / "a.mbf", 'include "common.mbf";\n')
    write(tmp_path / "b.mbf", 'include "common.mbf";\n')
    root = write(tmp_path / "spec.mbf", 'include "a.mbf";\ninclude "b.mbf";\n' + ACTOR)
    result = load_spec(root)
    assert result.spec is not None
    assert [g.name for g in result.spec.models[0].globals] == ["x"]


def test_include_cycle_names_the_chain(tmp_path: Path) -> None:
    write(tmp_path / "a.mbf", 'include "b.mbf";\n')
    write(tmp_path / "b.mbf", 'include "a.mbf";\n')
    root = write(tmp_path / "spec.mbf", 'include "a.mbf";\n' + ACTOR)
    result = load_spec(root)
    [d] = [d for d in result.diagnostics if d.is_error]
    assert d.code == "MBF005"
    chain = d.message.removeprefix("include cycle: ").split(" -> ")
    assert [Path(x).name for x in chain] == ["a.mbf", "b.mbf", "a.mbf"]
    assert d.related and all(r.span is not None for r in d.related)


def test_an_include_may_not_leave_the_tree_unless_allowed(tmp_path: Path) -> None:
    write(tmp_path / "shared.mbf", "var x: bool = false;\n")
    root = write(tmp_path / "spec" / "m.mbf", 'include "../shared.mbf";\n' + ACTOR)
    assert codes(root) == ["MBF007"]
    assert codes(root, allow_outside=True) == []


def test_missing_include_suggests_a_sibling(tmp_path: Path) -> None:
    write(tmp_path / "common.mbf", "var x: bool = false;\n")
    root = write(tmp_path / "spec.mbf", 'include "comon.mbf";\n' + ACTOR)
    result = load_spec(root)
    assert [(d.code, d.hint) for d in result.diagnostics] == [
        ("MBF006", "did you mean 'common.mbf'?")
    ]


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"", "MBF003"),
        (b"// only a comment\n", "MBF003"),
        (b"var x: bool = false;\x00", "MBF002"),
        (b"var caf\xc3: bool;", "MBF002"),
        (b" " * (MAX_BYTES + 1), "MBF004"),
    ],
    ids=["empty", "comment-only", "nul", "bad-utf8", "too-large"],
)
def test_unusable_file_contents(tmp_path: Path, content: bytes, code: str) -> None:
    assert codes(write(tmp_path / "spec.mbf", content)) == [code]


def test_unusable_included_file_points_at_the_include(tmp_path: Path) -> None:
    write(tmp_path / "bin.mbf", b"\x00\x01")
    root = write(tmp_path / "spec.mbf", 'include "bin.mbf";\n' + ACTOR)
    [d] = load_spec(root).diagnostics
    assert d.code == "MBF002"
    assert d.span is not None and (d.span.file, d.span.line) == (str(root), 1)
    assert d.related[0].span is not None and d.related[0].span.file.endswith("bin.mbf")


def test_missing_file_and_directory(tmp_path: Path) -> None:
    assert codes(tmp_path / "nope.mbf") == ["MBF001"]
    assert codes(tmp_path) == ["MBF001"]


def test_byte_order_mark_is_ignored(tmp_path: Path) -> None:
    root = write(tmp_path / "spec.mbf", b"\xef\xbb\xbfvar x: bool = false;\n" + ACTOR.encode())
    assert load_spec(root).spec is not None


def test_load_text_resolves_includes_from_the_current_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "common.mbf", "var x: bool = false;\n")
    monkeypatch.chdir(tmp_path)
    result = load_text('include "common.mbf";\n' + ACTOR)
    assert result.spec is not None
    assert result.spec.name == "spec" and result.spec.source == "<text>"
    assert set(result.sources) == {"<text>", "common.mbf"}
