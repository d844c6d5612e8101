"""Spec text never escapes into TLA+, HTML or the terminal as code.

A hostile spec names things after TLA+ reserved words and standard operators (MODULE,
EXTENDS, CHOOSE, Nat, VARIABLE, DOMAIN, SUBSET, EXCEPT, WF_vars, ...) and its variants
carry HTML, TLA+ comment closers, backslashes and quotes. The emitted TLA+ must parse
(SANY) and check (TLC agrees with the explicit engine); the HTML report and trace must
escape every such string; terminal output must not carry markup or control sequences
that came from the spec. Everything goes through the public CLI.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
from pathlib import Path

import pytest
from robust_support import SMALL, assert_no_traceback, cli, write

from mbind_formal.tlc.run import find_tlc

SCRIPT = "<script>alert(1)</script>"
COMMENTS = "*) ==== (* \\* a\\b it's ---- MODULE x ---- ../../evil"

HOSTILE = f"""\
param pages = 2;
enum Owner {{ NONE, MODULE, EXTENDS, CHOOSE, TRUE, Nat, ENABLED, UNCHANGED, Init, vars }}
symmetric collection Int[pages] {{
  var DOMAIN: bool = true;
  var SUBSET: Owner = NONE;
}}
var VARIABLE: 0..pages = 0;
var LET: bool = false;

def Seq(p: Int) = true;
def Len(p: Int) = !p.DOMAIN;
macro UNION(p, who) {{ p.DOMAIN = false; p.SUBSET = who; }}

actor Next {{
  var Cardinality: bool = false;
  WF_vars:
    pick p in Int where Seq(p);
    UNION(p, MODULE);
    Cardinality = true;
  TypeInv:
    VARIABLE = 1;
    done;
}}

actor Spec[2] {{
  EXCEPT:
    either {{
      pick p in Int where p.DOMAIN;
      p.DOMAIN = false;
      p.SUBSET = CHOOSE;
    }} or {{
      done;
    }}
  IF:
    pick p in Int where Len(p);
    p.DOMAIN = true;
    if (p.SUBSET == CHOOSE) {{ p.SUBSET = NONE; }}
    done;
}}

variant "{SCRIPT}" {{
  def Seq(p: Int) = p.DOMAIN;
  def Len(p: Int) = p.SUBSET == CHOOSE;
}}
variant "{COMMENTS}" extends "{SCRIPT}" {{
  var THEOREM: bool = false;
}}

claim INVARIANT {{
  always forall p in Int: !(p.SUBSET == MODULE && p.DOMAIN);
  reachable exists p in Int: p.SUBSET == MODULE;
}}
"""


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    return write(tmp_path, "hostile.mbf", HOSTILE)


def _needs_java() -> str:
    setup = find_tlc()
    if not hasattr(setup, "jar"):
        if os.environ.get("CI"):
            pytest.fail("java and the TLC jar are required in CI")
        pytest.skip("java or the TLC jar is missing")
    jar: str = setup.jar
    return jar


def test_hostile_spec_is_a_valid_spec(hostile: Path) -> None:
    run = cli("check", hostile)
    assert run.code == 0, run.text
    doc = json.loads(cli("matrix", hostile, "--engine", "explicit", "--json", "-",
                         "--no-save").out)  # fmt: skip
    verdicts = {c["variant"]: c["verdict"] for c in doc["cells"]}
    assert verdicts == {"base": "violated", SCRIPT: "holds", COMMENTS: "holds"}


@pytest.mark.tlc
def test_emitted_tla_parses(hostile: Path, tmp_path: Path) -> None:
    jar = _needs_java()
    out = tmp_path / "gen"
    run = cli("tla", hostile, "-o", out)
    assert run.code == 0, run.text
    modules = sorted(out.glob("*.tla"))
    assert len(modules) == 3
    for module in modules:
        text = module.read_text(encoding="utf-8")
        assert text.count("====") >= 1 and text.rstrip().endswith("=" * 4), module.name
        sany = subprocess.run(
            ["java", "-cp", jar, "tla2sany.SANY", module.name],
            cwd=out,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert sany.returncode == 0, f"{module.name}:\n{sany.stdout}\n{sany.stderr}"


@pytest.mark.tlc
def test_tlc_agrees_on_the_hostile_spec(hostile: Path) -> None:
    """TLC parses module and .cfg and reaches the explicit engine's verdicts."""
    _needs_java()
    verdicts = {}
    for engine in ("explicit", "tlc"):
        run = cli("matrix", hostile, "--engine", engine, "--json", "-", "--no-save")
        assert_no_traceback(run)
        verdicts[engine] = {c["variant"]: c["verdict"] for c in json.loads(run.out)["cells"]}
    assert verdicts["tlc"] == verdicts["explicit"]


def _assert_escaped(html: str) -> None:
    assert "<script" not in html.lower(), "spec text became a script element"
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img" not in html.lower()


def test_html_report_escapes_spec_strings(hostile: Path, tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    run = cli("report", hostile, "-o", page, "--engine", "explicit")
    assert_no_traceback(run)
    _assert_escaped(page.read_text(encoding="utf-8"))


def test_html_trace_escapes_spec_strings(tmp_path: Path) -> None:
    """The only strings in base's trace page are the spec's path and names."""
    spec = write(tmp_path, "<img src=x onerror=alert(2)>.mbf", HOSTILE)
    run = cli("trace", spec, "--variant", "base", "--claim", "INVARIANT",
              "--engine", "explicit", "--format", "html")  # fmt: skip
    assert run.code == 1, run.text
    assert "<img" not in run.out.lower() and "<script" not in run.out.lower()
    assert "&lt;img src=x onerror=alert(2)&gt;" in run.out


def test_html_report_escapes_the_spec_path(tmp_path: Path) -> None:
    """The file name is spec text too: `<img src=x onerror=alert(2)>.mbf`."""
    spec = write(tmp_path, "<img src=x onerror=alert(2)>.mbf", HOSTILE)
    page = tmp_path / "report.html"
    run = cli("report", spec, "-o", page, "--engine", "explicit")
    assert_no_traceback(run)
    _assert_escaped(page.read_text(encoding="utf-8"))


def test_includes_cannot_read_outside_even_through_tla(tmp_path: Path) -> None:
    """The spec's include is confined; so is what `tla -o` writes (to the named dir)."""
    spec = write(tmp_path / "tree", "s.mbf", 'include "../../../../etc/hostname";\n' + SMALL)
    assert cli("tla", spec, "-o", tmp_path / "gen").code == 2
    assert not (tmp_path / "gen").exists() or not list((tmp_path / "gen").iterdir())


# ------------------------------------------------------------------ the terminal


class _Terminal(io.StringIO):
    """A stream that says it is a terminal, so the CLI uses rich's styled output."""

    def isatty(self) -> bool:
        return True


def _tty_cli(*argv: str | Path) -> tuple[int, str]:
    from mbind_formal.cli import run_cli

    out, err = _Terminal(), _Terminal()
    code = run_cli([str(a) for a in argv], out, err)
    return code, out.getvalue() + err.getvalue()


@pytest.mark.parametrize("command", ["matrix", "prove"])
def test_rich_markup_in_names_is_text(tmp_path: Path, command: str) -> None:
    spec = write(tmp_path, "m.mbf", SMALL.replace("variant fixed {", 'variant "[/][bold]x" {'))
    code, text = _tty_cli(command, spec, "--engine", "explicit", "--no-save")
    assert "Traceback" not in text and "internal error" not in text, text
    assert code == 1
    assert "[/][bold]x" in text


def test_control_characters_never_reach_the_terminal(tmp_path: Path) -> None:
    name = "a\x1b[2Jb\x1b]0;pwned\x07"
    spec = write(tmp_path, "esc.mbf", SMALL.replace("variant fixed {", f'variant "{name}" {{'))
    run = cli("check", spec)
    if run.code == 0:  # accepted: then every output must neutralise the escapes
        for argv in (("check", spec), ("prove", spec, "--engine", "explicit", "--no-save")):
            assert "\x1b" not in cli(*argv).text
    else:
        assert run.code == 2 and "\x1b" not in run.text


def test_tla_output_dir_is_not_a_spec_choice(hostile: Path, tmp_path: Path) -> None:
    """Module file names come from sanitised identifiers: nothing is written outside -o,
    whatever the variant names say (they contain '/', '..', '*')."""
    out = tmp_path / "gen"
    assert cli("tla", hostile, "-o", out).code == 0
    written = {p.resolve() for p in tmp_path.rglob("*") if p.is_file()}
    allowed = {hostile.resolve(), *(p.resolve() for p in out.iterdir())}
    assert written <= allowed, written - allowed
