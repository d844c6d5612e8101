"""`mbind-formal fmt`: canonical layout, every comment kept, nothing overwritten silently."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from mbind_formal.cli import run_cli
from mbind_formal.cli.common import ExitCode
from mbind_formal.dsl.format import comments, format_text
from mbind_formal.dsl.parser import parse

ROOT = Path(__file__).resolve().parents[2]
SPECS = sorted([*ROOT.glob("spec/**/*.mbf"), *ROOT.glob("tests/models/*.mbf")])

MESSY = """\
// header comment
param   n=2;   // trailing on a param
var x : 0..3 = 0;

/* a block
   comment */
actor a {
  var seen: 0..3 = 0;  // why seen
  s:   // after a label
    seen = x;
    if (seen < n) { x = seen + 1; }  // after an if
    // before the end of the actor
}

claim c {
  assume x == 0 &&
    // inside an expression
    n == 2;
  always x <= 3;
  reachable x == 1;
}
// the end
"""


def _cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run_cli(["fmt", *argv], out, err)
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("path", SPECS, ids=lambda p: str(p.relative_to(ROOT)))
def test_bundled_specs_keep_every_comment_and_their_meaning(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    formatted = format_text(text, path.name).text  # raises if a comment or meaning is lost
    assert formatted is not None
    assert [c.text for c in comments(formatted)] == [c.text for c in comments(text)]
    assert parse(formatted, "f.mbf")[0] == parse(text, "t.mbf")[0]
    assert format_text(formatted).text == formatted  # idempotent


def test_comments_stay_next_to_what_they_explain() -> None:
    out = format_text(MESSY).text
    assert out is not None
    assert out.startswith("// header comment\nparam n = 2;  // trailing on a param\n")
    assert "  var seen: 0..3 = 0;  // why seen\n" in out
    assert "  s:  // after a label\n" in out
    assert "    }  // after an if\n  // before the end of the actor\n}" in out
    # moved before its clause, not lost
    assert "  // inside an expression\n  assume x == 0 && n == 2;\n" in out
    assert out.endswith("}\n\n// the end\n")
    assert "/* a block\n   comment */\nactor a {" in out


def test_fmt_rewrites_in_place_and_check_reports(tmp_path: Path) -> None:
    spec = tmp_path / "m.mbf"
    spec.write_text(MESSY, encoding="utf-8")
    code, out, err = _cli("--check", str(spec))
    assert (code, out) == (ExitCode.VIOLATED, f"would reformat {spec}\n"), err
    assert spec.read_text(encoding="utf-8") == MESSY  # --check writes nothing
    code, out, _ = _cli("--diff", str(spec))
    assert code == ExitCode.VIOLATED and out.startswith(f"--- {spec}\n")
    assert spec.read_text(encoding="utf-8") == MESSY
    code, out, _ = _cli(str(spec))
    assert (code, out) == (ExitCode.OK, f"formatted {spec}\n")
    assert spec.read_text(encoding="utf-8") == format_text(MESSY).text
    assert _cli("--check", str(spec))[0] == ExitCode.OK
    assert not [p for p in tmp_path.iterdir() if p.name != "m.mbf"]  # no temporary left


def test_a_file_that_does_not_parse_is_left_alone(tmp_path: Path) -> None:
    spec = tmp_path / "bad.mbf"
    spec.write_text("var x: 0..1 = ;\n", encoding="utf-8")
    code, out, err = _cli(str(spec))
    assert code == ExitCode.USAGE and out == "" and "error[MBF101]" in err
    assert spec.read_text(encoding="utf-8") == "var x: 0..1 = ;\n"
    code, _, err = _cli(str(tmp_path / "missing.mbf"))
    assert code == ExitCode.USAGE and "MBF001" in err


def test_a_formatter_that_would_lose_a_comment_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The last line of defence (NOTE(fmt never loses text)): a printer that dropped a
    comment is caught before anything is written."""
    from mbind_formal.dsl import format as fmt
    from mbind_formal.dsl.printer import NO_NOTES, print_spec

    monkeypatch.setattr(fmt, "print_spec", lambda spec, notes: print_spec(spec, NO_NOTES))
    spec = tmp_path / "m.mbf"
    spec.write_text(MESSY, encoding="utf-8")
    code, _, err = _cli(str(spec))
    assert code == ExitCode.INTERNAL and "internal error" in err
    assert spec.read_text(encoding="utf-8") == MESSY


def test_long_conditions_wrap() -> None:
    text = (
        "var aaaaaaaaaa: bool; var bbbbbbbbbb: bool; var cccccccccc: bool;\n"
        "claim c { always aaaaaaaaaa && bbbbbbbbbb && cccccccccc && aaaaaaaaaa && bbbbbbbbbb "
        "&& cccccccccc && aaaaaaaaaa; reachable aaaaaaaaaa; }\n"
    )
    out = format_text(text).text
    assert out is not None
    assert all(len(line) <= 100 for line in out.splitlines())
    assert "  always aaaaaaaaaa && bbbbbbbbbb &&" in out and "&&\n      aaaaaaaaaa;" in out
