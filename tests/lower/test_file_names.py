"""Spec file names as every writer sees them: clean UTF-8 text, whatever the bytes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mbind_formal import load_spec, load_text
from mbind_formal.lower.sources import display_name

SPEC = "var x: bool = false;\nactor a { s: x = true; done; }\n"


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("spec.mbf", "spec.mbf"),
        ("dir/é.mbf", "dir/é.mbf"),
        (os.fsdecode(b"\xffviol.mbf"), "\\xffviol.mbf"),
        ("a\x1b[2Jb\x07.mbf", "a\\x1b[2Jb\\x07.mbf"),
        ("\ud800.mbf", "\\ud800.mbf"),  # a surrogate no file name decodes to
        ("<text>", "<text>"),
    ],
)
def test_display_name(name: str, shown: str) -> None:
    assert display_name(name) == shown
    shown.encode("utf-8")


def test_a_spec_path_that_is_not_utf8_is_shown_escaped(tmp_path: Path) -> None:
    raw = os.fsencode(tmp_path) + b"/\xffviol.mbf"
    with open(raw, "wb") as f:
        f.write(SPEC.encode())
    result = load_spec(os.fsdecode(raw))
    assert result.spec is not None
    shown = f"{tmp_path}/\\xffviol.mbf"
    assert result.spec.source == shown
    assert list(result.sources) == [shown]
    assert result.spec.name == "\\xffviol"


def test_diagnostics_name_the_file_the_same_way(tmp_path: Path) -> None:
    raw = os.fsencode(tmp_path) + b"/\xfebad.mbf"
    with open(raw, "wb") as f:
        f.write(b"var x: bool = ;\n")
    result = load_spec(os.fsdecode(raw))
    assert result.spec is None
    spans = [d.span for d in result.diagnostics if d.span is not None]
    assert spans and all(s.file == f"{tmp_path}/\\xfebad.mbf" for s in spans)
    assert set(result.sources) == {f"{tmp_path}/\\xfebad.mbf"}


def test_load_text_cleans_its_file_name_too() -> None:
    result = load_text(SPEC, filename=os.fsdecode(b"t\xff.mbf"))
    assert result.spec is not None
    assert result.spec.source == "t\\xff.mbf"
