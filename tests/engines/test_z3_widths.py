"""Z3's value of random integer expressions equals the explicit engine's (Python's) at
the bit-vector width the encoding computes (NOTE(bit-vector widths) in `z3_ranges`).

Expressions mix constants at the extremes of their types (the 32-bit edges, 16-bit
ranges, small ranges), literals, `+`, `-`, unary `-`, if-then-else (its condition a
comparison or a quantifier over a range no variable has), and calls of definitions that
add, subtract or compare their arguments (only those an expression calls are declared,
and only the constants it reads, so nothing else widens the encoding): every construct
whose doubling the old syntactic width count could miss. Each example is encoded as BMC
encodes it (the width from the claim), the initial state solved by Z3, and the
expression's Z3 value compared with the value the explicit engine's closures compute in
that state.
"""

from __future__ import annotations

import z3
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mbind_formal.engines.z3.exec import Scope
from mbind_formal.engines.z3.run import BMC_OPTIONS, EncodingCache
from mbind_formal.engines.z3.terms import BoolV, NumV
from mbind_formal.ir.model import Binary
from mbind_formal.lower.spec import load_text
from mbind_formal.semantics.closures import Ctx, ExprCompiler
from mbind_formal.semantics.layout import Layout

# name -> (lo, hi): the type of each constant (its value is drawn from the edges)
TYPES = {
    "lo32": (-(2**31), -(2**31) + 65535),
    "hi32": (2**31 - 65536, 2**31 - 1),
    "u16": (0, 65535),
    "small": (-3, 3),
}
DEFS = (
    "def add(p: u16, q: u16) = p + q;",
    "def sub(p: u16, q: u16) = p - q;",
    "def dist(p: u16, q: u16) = p < q ? q - p : p - q;",
    "def neg3(p: u16) = -(-(-p));",
)


@st.composite
def values(draw: st.DrawFn) -> dict[str, int]:
    """A value at or near an edge for each constant (all are declared; an expression
    reads some of them, so the width comes from those it reads)."""
    out = {}
    for name, (lo, hi) in TYPES.items():
        out[name] = draw(st.sampled_from((lo, hi, lo + 1, hi - 1, (lo + hi) // 2)))
    return out


@st.composite
def cases(draw: st.DrawFn, top: str) -> tuple[str, dict[str, int]]:
    names = draw(st.lists(st.sampled_from(sorted(TYPES)), min_size=1, max_size=2, unique=True))
    strategy = ints(3, tuple(names)) if top == "int" else bools(2, tuple(names))
    return draw(strategy), draw(values())


def ints(depth: int, names: tuple[str, ...]) -> st.SearchStrategy[str]:
    leaf = st.one_of(
        st.sampled_from([f"c_{n}" for n in names]),
        st.sampled_from(["0", "1", "7"]),
    )
    if depth == 0:
        return leaf
    sub = ints(depth - 1, names)
    return st.one_of(
        leaf,
        st.tuples(sub, st.sampled_from(["+", "-"]), sub).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        sub.map(lambda a: f"(-{a})"),
        st.tuples(bools(depth - 1, names), sub, sub).map(lambda t: f"({t[0]} ? {t[1]} : {t[2]})"),
        st.tuples(st.sampled_from(["add", "sub", "dist"]), sub, sub).map(
            lambda t: f"{t[0]}({t[1]}, {t[2]})"
        ),
        sub.map(lambda a: f"neg3({a})"),
    )


def bools(depth: int, names: tuple[str, ...]) -> st.SearchStrategy[str]:
    sub = ints(depth, names)
    cmp = st.tuples(sub, st.sampled_from(["<", "<=", "==", ">"]), sub).map(
        lambda t: f"({t[0]} {t[1]} {t[2]})"
    )
    quant = st.tuples(st.sampled_from(["forall", "exists"]), sub, sub).map(
        lambda t: f"({t[0]} k in 60000..60003: k + {t[1]} > {t[2]} - k)"
    )
    return st.one_of(cmp, quant)


def _spec(expr: str, vals: dict[str, int]) -> str:
    used = [n for n in TYPES if f"c_{n}" in expr]
    lines = [f"type {n} = {lo}..{hi};" for n, (lo, hi) in TYPES.items() if n in used or n == "u16"]
    lines += [f"const c_{n}: {n} = {vals[n]};" for n in used]
    lines += [d for d in DEFS if d.split("(")[0].removeprefix("def ") + "(" in expr]
    lines.append("var z: bool = false;\nactor w { go: z = true; done; }")
    lines.append(f"claim c {{ always {expr} == {expr}; reachable z; }}")
    return "\n".join(lines) + "\n"


def _check(expr: str, vals: dict[str, int], want_bool: bool) -> None:
    loaded = load_text(_spec(expr, vals))
    assert loaded.spec is not None, [d.message for d in loaded.diagnostics]
    model, claim = loaded.spec.models[0], loaded.spec.claims[0]
    assert isinstance(claim.prop, Binary)
    e = claim.prop.left
    enc = EncodingCache(BMC_OPTIONS).get(model, claim)
    solver = z3.SolverFor("QF_BV", ctx=enc.ctx)
    solver.add(enc.init())
    assert solver.check() == z3.sat
    zm = solver.model()
    state = enc.state_value(zm, 0)
    v = enc.ev.expr(e, enc.state(0).__getitem__, Scope())
    compiler = ExprCompiler(model, Layout(model))
    fn = compiler.expr(e, Ctx())
    want = fn(state, [0] * (compiler.max_depth + 1))
    if want_bool:
        assert isinstance(v, BoolV)
        got: object = bool(z3.is_true(zm.eval(v.term, model_completion=True)))
    else:
        assert isinstance(v, NumV)
        got = enc.terms.num_value(zm, v)
    assert got == want, (expr, vals, enc.terms.width, got, want)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases("int"))
def test_integer_expressions_take_their_python_value(case: tuple[str, dict[str, int]]) -> None:
    _check(*case, want_bool=False)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases("bool"))
def test_comparisons_take_their_python_value(case: tuple[str, dict[str, int]]) -> None:
    _check(*case, want_bool=True)


def test_a_known_wrap_is_caught() -> None:
    """The issue's shape: 8 * (2^31 - 1) through if-then-elses and calls."""
    vals = {n: hi for n, (_, hi) in TYPES.items()}
    _check("((c_hi32 + c_hi32) + (c_hi32 + c_hi32))", vals, want_bool=False)
    nested = "(true ? (true ? c_hi32 + c_hi32 : 0) + (true ? c_hi32 + c_hi32 : 0) : 0)"
    _check(f"({nested} + {nested})", vals, want_bool=False)
    _check("add(add(add(c_u16, c_u16), add(c_u16, c_u16)), c_hi32)", vals, want_bool=False)
