"""The printer: canonical layout, and the round trip `parse(print_spec(x)) == x`."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from strategies import exprs, spec_files, stmts

from mbind_formal.dsl import ast
from mbind_formal.dsl.parser import parse
from mbind_formal.dsl.printer import print_expr, print_spec, print_stmt

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "spec" / "examples").glob("*.mbf"))


def parsed(text: str) -> ast.SpecFile:
    result, diagnostics = parse(text, "p.mbf")
    assert diagnostics == (), (text, diagnostics)
    assert result is not None
    return result


def test_there_are_examples() -> None:
    assert len(EXAMPLES) >= 4


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_examples_round_trip_and_print_is_idempotent(path: Path) -> None:
    original = parsed(path.read_text(encoding="utf-8"))
    text = print_spec(original)
    assert parsed(text) == original
    assert print_spec(parsed(text)) == text


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec_files)
def test_generated_specs_round_trip(spec: ast.SpecFile) -> None:
    assert parsed(print_spec(spec)) == spec


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(exprs)
def test_generated_expressions_round_trip(e: ast.Expr) -> None:
    text = print_expr(e)
    decl = parsed(f"init {text};").items[0]
    assert isinstance(decl, ast.InitDecl)
    assert decl.cond == e, text


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(stmts)
def test_generated_statements_round_trip(s: ast.Stmt) -> None:
    text = print_stmt(s, 1)
    actor = parsed(f"actor a {{\n  {text}\n}}").items[0]
    assert isinstance(actor, ast.ActorDecl)
    assert actor.body == (s,), text


CANONICAL = """\
param pages = 2;
param cpus = 1;

enum Owner { NONE, MBIND }

symmetric collection Page[pages] {
  var lru: bool = true;
  var owner: Owner in {NONE, MBIND};
}

var flags: set<Owner>;

macro take(p, ok) {
  if (p.lru) {
    p.lru = false;
  } else if (!ok) {
    ok = true;
  }
}

actor mbind[cpus] {
  var ok: bool = false;

  lock:
    await !ok;
  walk:
    for p in Page {
      take(p, ok);
    }
    either {
      done;
    } or {
      goto lock;
    }
}

variant "5.3" extends "base" {
  step mbind.walk {
    skip;
  }
}

claim c {
  assume flags == {};
  always (((flags & MBIND) | NONE) && ok) || - -x => (forall p in Page: p.lru);
  reachable mbind[0]@walk;
}
"""


def test_canonical_layout() -> None:
    messy = """param pages=2;param cpus = 1 ;
    enum Owner{NONE,MBIND,}
    symmetric collection Page [ pages ] { var lru : bool = true ; var owner: Owner in { NONE , MBIND } ; }
    var flags : set < Owner > ;
    macro take(p,ok){if(p.lru){p.lru=false;}else if(!ok){ok=true;}else{}}
    actor mbind[cpus]{var ok:bool=false;lock:await !ok;walk:for p in Page{take(p,ok);}
      either{done;}or{goto lock;}}
    variant "5.3" extends base { step mbind.walk { skip; } }
    claim c { assume flags=={}; always ((flags&MBIND)|NONE)&&ok||-(-x)=>forall p in Page:p.lru;
      reachable mbind[0]@walk; }
    """  # noqa: E501
    assert print_spec(parsed(messy)) == CANONICAL
    assert print_spec(parsed(CANONICAL)) == CANONICAL


def test_empty_file_prints_as_empty_text() -> None:
    assert print_spec(ast.SpecFile(items=())) == ""


def test_parentheses_only_where_needed_or_customary() -> None:
    def show(text: str) -> str:
        decl = parsed(f"init {text};").items[0]
        assert isinstance(decl, ast.InitDecl)
        return print_expr(decl.cond)

    assert show("((a + b)) - (c - d)") == "a + b - (c - d)"
    assert show("a => (b => c)") == "a => b => c"
    assert show("(a => b) => c") == "(a => b) => c"
    assert show("a || (b && c)") == "a || (b && c)"
    assert show("a || b && c") == "a || (b && c)"
    assert show("!(p.lru)") == "!p.lru"
    assert show("(c ? a : b) + 1") == "(c ? a : b) + 1"
    assert show("c ? (forall x in D: p) : q") == "c ? (forall x in D: p) : q"
    assert show("c ? a : forall x in D: p") == "c ? a : forall x in D: p"
    assert show("-(-x)") == "- -x"
    assert show("(f(x)).y[(1)]") == "f(x).y[1]"


def test_range_bounds_get_parentheses_when_looser_than_a_sum() -> None:
    decl = parsed("var x: (a ? 1 : 2)..(n + 1);").items[0]
    assert print_spec(ast.SpecFile(items=(decl,))) == "var x: (a ? 1 : 2)..n + 1;\n"
