"""What the tool writes: never over its inputs, never half a file, never a clash, and
names that are what they look like (issue 18, item 5).

Before: two variants whose names sanitise to the same TLA+ module name ("4.19" and
"4_19") silently overwrote each other under `tla -o`; a newline in the spec's file
name reached the TLA+ and .cfg headers as a raw line (the rest of the name became TLA+
text); `tla -o` could overwrite an included file named like a generated one; files
were written in place; a variant named with a Cyrillic letter was a distinct variant
next to its Latin look-alike. After: MBF504 names both variants; file names are
escaped to one line; every output is refused (MBF503) when it resolves to an input of
the run, and written through a temporary file and a rename; names must be NFKC and
not confusable (MBF210, with a hint).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from robust_support import SMALL, assert_fails, cli, write

from mbind_formal import SpecBuilder
from mbind_formal.cli.common import atomic_write
from mbind_formal.diagnostics import DiagnosticError
from mbind_formal.ir.confusables import skeleton
from mbind_formal.ir.model import BOOL

USAGE = 2

TWO_DOTS = SMALL.replace(
    "variant fixed {", 'variant "4.19" { }\nvariant "4_19" { }\nvariant fixed {'
)


def test_variants_with_the_same_module_name_are_refused(tmp_path: Path) -> None:
    spec = write(tmp_path, "dots.mbf", TWO_DOTS)
    out = tmp_path / "out"
    run = cli("tla", spec, "-o", out)
    first = assert_fails(run, USAGE, "MBF504", located=True)
    assert "'4.19' and '4_19'" in first.message
    note = next(line for line in run.text.splitlines() if "note: variant '4.19'" in line)
    assert note.strip().startswith(f"{spec}:"), "the other variant is located too"
    assert not out.exists(), "nothing is written when a name clashes"


@pytest.mark.tlc
def test_tlc_keep_refuses_the_same_clash(tmp_path: Path) -> None:
    from mbind_formal.tlc.run import TlcSetup, find_tlc

    if not isinstance(find_tlc(), TlcSetup):
        pytest.skip("no java / TLC jar")
    spec = write(tmp_path, "dots.mbf", TWO_DOTS)
    run = cli("tlc", spec, "--claim", "exclusive", "--variant", "4.19", "--variant", "4_19",
              "--keep", tmp_path / "kept")  # fmt: skip
    assert_fails(run, USAGE, "MBF504", located=True)


def test_distinct_variants_are_all_written(tmp_path: Path) -> None:
    spec = write(tmp_path, "ok.mbf", SMALL)
    run = cli("tla", spec, "-o", tmp_path / "out")
    assert run.code == 0, run.text
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "ok_base.tla", "ok_base_all_back.cfg", "ok_base_exclusive.cfg",
        "ok_fixed.tla", "ok_fixed_all_back.cfg", "ok_fixed_exclusive.cfg",
    ]  # fmt: skip


def test_a_newline_in_the_file_name_stays_in_one_comment_line(tmp_path: Path) -> None:
    spec = write(tmp_path, "two\nTHEOREM lines.mbf", SMALL)
    out = tmp_path / "out"
    run = cli("tla", spec, "-o", out)
    assert run.code == 0, run.text
    for f in out.iterdir():
        for line in f.read_text(encoding="utf-8").splitlines():
            assert not line.startswith("THEOREM"), f"{f.name}: {line!r}"
        assert "two\\nTHEOREM lines.mbf" in f.read_text(encoding="utf-8"), f.name


def test_tla_output_never_overwrites_an_include(tmp_path: Path) -> None:
    """An included file named like a generated one, in the output directory."""
    inc = write(tmp_path, "main_base.tla", "enum Extra { E1 }\n")
    spec = write(tmp_path, "main.mbf", 'include "main_base.tla";\n' + SMALL)
    run = cli("tla", spec, "-o", tmp_path)
    first = assert_fails(run, USAGE, "MBF503")
    assert "main_base.tla" in first.message and "input of this run" in first.message
    assert inc.read_text(encoding="utf-8") == "enum Extra { E1 }\n"


def test_outputs_never_overwrite_an_include_through_a_symlink(tmp_path: Path) -> None:
    write(tmp_path / "project", "common.mbf", "enum Extra { E1 }\n")
    spec = write(tmp_path / "project", "main.mbf", 'include "common.mbf";\n' + SMALL)
    (tmp_path / "alias.json").symlink_to(tmp_path / "project" / "common.mbf")
    run = cli("prove", spec, "--engine", "explicit", "--no-save", "--json", tmp_path / "alias.json")
    assert_fails(run, USAGE, "MBF503")
    assert "enum Extra" in (tmp_path / "project" / "common.mbf").read_text(encoding="utf-8")


def test_writes_are_atomic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A write that fails half-way leaves the old file whole and no temporary file."""
    target = write(tmp_path, "report.html", "old")
    real_replace = os.replace

    def failing(src: str | Path, dst: str | Path) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", failing)
    with pytest.raises(OSError):
        atomic_write(target, "new")
    assert target.read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]
    monkeypatch.setattr(os, "replace", real_replace)
    atomic_write(target, "new")
    assert target.read_text(encoding="utf-8") == "new"


def test_atomic_write_keeps_symlinks_and_devices(tmp_path: Path) -> None:
    real = write(tmp_path, "real.json", "old")
    (tmp_path / "link.json").symlink_to(real)
    atomic_write(tmp_path / "link.json", "new")
    assert (tmp_path / "link.json").is_symlink() and real.read_text(encoding="utf-8") == "new"
    atomic_write(Path("/dev/null"), "nothing")  # written in place, not replaced
    assert Path("/dev/null").is_char_device()


def test_report_output_is_written_whole(tmp_path: Path) -> None:
    spec = write(tmp_path, "ok.mbf", SMALL)
    page = tmp_path / "r.html"
    run = cli("report", spec, "--engine", "explicit", "-o", page)
    assert run.code == 1, run.text
    assert page.read_text(encoding="utf-8").rstrip().endswith("</html>")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


# ------------------------------------------------------------------ confusable names

LOOK_ALIKE = SMALL.replace(
    "variant fixed {", 'variant "page" { }\nvariant "pаge" { }\nvariant fixed {'
)


def test_a_variant_differing_by_a_cyrillic_letter_is_refused(tmp_path: Path) -> None:
    spec = write(tmp_path, "alike.mbf", LOOK_ALIKE)
    run = cli("check", spec)
    first = assert_fails(run, USAGE, "MBF210", located=True)
    assert "'pаge'" in first.message and "CYRILLIC" in first.message
    assert "reads as 'page'" in run.text


def test_a_whole_cyrillic_look_alike_is_refused(tmp_path: Path) -> None:
    text = SMALL.replace("variant fixed {", 'variant "poe" { }\nvariant "рое" { }\nvariant fixed {')
    run = cli("check", write(tmp_path, "alike.mbf", text))
    first = assert_fails(run, USAGE, "MBF210", located=True)
    assert "looks like variant 'poe'" in first.message, first.message


def test_a_name_not_in_nfkc_form_is_refused(tmp_path: Path) -> None:
    text = SMALL.replace("variant fixed {", 'variant "ﬁx" { }\nvariant fixed {')
    run = cli("check", write(tmp_path, "nfkc.mbf", text))
    first = assert_fails(run, USAGE, "MBF210", located=True)
    assert "NFKC" in first.message
    assert "write it as 'fix'" in run.text


def test_other_scripts_and_ascii_neighbours_are_fine(tmp_path: Path) -> None:
    text = SMALL.replace(
        "variant fixed {", 'variant "тест" { }\nvariant "v1" { }\nvariant "vl" { }\nvariant fixed {'
    )
    run = cli("check", write(tmp_path, "fine.mbf", text))
    assert run.code == 0, run.text


def test_python_api_names_are_checked_too() -> None:
    b = SpecBuilder("m")
    x = b.var("x", BOOL, False)
    b.var("х", BOOL, False)  # a Cyrillic letter: another variable that looks the same
    b.actor("a").step("s", [b.assign(x, True), b.done()])
    b.claim("c", always=x, reachable=[x])
    with pytest.raises(DiagnosticError) as caught:
        b.build()
    assert [d.code for d in caught.value.diagnostics] == ["MBF210"]


def test_skeleton_maps_look_alikes_to_latin() -> None:
    assert skeleton("pаge") == "page"
    assert skeleton("page") == "page"
    assert skeleton("тест") != "тест"  # Cyrillic т has a Latin look-alike too
