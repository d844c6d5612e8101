"""Procedures (`lower.procs`, NOTE(procedures)): what a call costs in state, what the
expanded steps do, and the mistakes that are refused."""

from __future__ import annotations

from mbind_formal import load_text
from mbind_formal.engines.base import Budget, Verdict
from mbind_formal.engines.explicit import ExplicitEngine
from mbind_formal.ir.model import Actor, Assign, Goto, If, IntLit, LocalVar, Spec

LOCK = """
var lock: bool = false;
var got: 0..3 = 0;
procedure take(v: 0..3): 0..3 {
  spin:
    await !lock;
    lock = true;
    return v + 1;
}
"""


def _spec(text: str) -> Spec:
    result = load_text(text, "p.mbf")
    assert result.spec is not None, [d.message for d in result.diagnostics]
    return result.spec


def _actor(spec: Spec) -> Actor:
    return spec.model("base").actor("a")


def test_one_call_site_costs_no_return_address() -> None:
    spec = _spec(LOCK + "actor a { s: got = call take(1); t: done; }")
    a = _actor(spec)
    assert [v.name for v in a.locals] == ["take_v"]  # the parameter only
    assert a.labels == ("s", "t", "take_spin")
    # the call stores the argument and enters the procedure in the caller's step
    assert a.steps[0].body == (
        Assign(target=LocalVar(name="take_v"), value=IntLit(value=1)),
        Goto(label="take_spin"),
    )
    # the return stores the result, resets the parameter and goes back
    ret = a.steps[2].body[-3:]
    assert [type(s) for s in ret] == [Assign, Assign, Goto]
    assert ret[1] == Assign(target=LocalVar(name="take_v"), value=IntLit(value=0))
    assert ret[2] == Goto(label="t")


def test_several_call_sites_return_by_an_address_local() -> None:
    spec = _spec(
        LOCK + "actor a { s: call take(1); t: lock = false; u: got = call take(2); w: done; }"
    )
    a = _actor(spec)
    assert [v.name for v in a.locals] == ["take_v", "take_ret"]
    (ret,) = (s for s in a.steps[-1].body if isinstance(s, If))
    assert ret.then[-1] == Goto(label="t") and ret.orelse[-1] == Goto(label="w")


def test_the_result_reaches_the_caller() -> None:
    spec = _spec(
        LOCK + "actor a { s: got = call take(2); t: done; }\n"
        "claim c { final got == 3 && !(a.take_v != 0); reachable got == 3; }"
    )
    r = ExplicitEngine().check(spec.model("base"), spec.claim("c"), Budget())
    assert r.verdict is Verdict.HOLDS
    assert r.states == 4  # s, take_spin, t, done: no state besides the pc and v


def _errors(text: str) -> list[str]:
    result = load_text(text, "p.mbf")
    return [f"{d.code} {d.message}" for d in result.diagnostics if d.is_error]


def test_mistakes_are_located_errors() -> None:
    assert _errors(LOCK + "actor a { s: return; }") == ["MBF415 'return' outside a procedure"]
    assert _errors(LOCK + "actor a { s: call take(); t: done; }") == [
        "MBF302 'take' takes 1 argument(s), got 0"
    ]
    bare = "procedure p() { l: return 1; }\nactor a { s: call p(); t: done; }"
    assert _errors(bare) == ["MBF415 procedure 'p' returns a value but declares no result type"]
    inside = "macro m() { call p(); }\nprocedure p() { l: return; }\nactor a { s: m(); }"
    assert any("not in a macro" in e for e in _errors(inside))
