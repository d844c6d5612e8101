"""Specs whose sums of 32-bit constants hide doublings (issue 18.1): shared by the
robustness test of bit-vector widths and the cross-check test of `auto`.

`setters(n, head, claim)`: n independent actors each set one flag; `all_on()` needs n
steps. `WALKS[name]`: a walker that needs WALK steps to turn `all_on()` true, beside 4
setters, with the doubled sum through if-then-elses ("ite") or definition calls
("calls"); violated at depth WALK, above `auto`'s quick BMC depth.
"""

from __future__ import annotations

SETTERS = 6
WALK = 12  # steps of the walk before the doubled sum is compared
BIG = "type Big = 2147418112..2147483647;\nconst x: Big in {2147483647};\n"
NESTED = "(true ? (true ? x + x : 0) + (true ? x + x : 0) : 0)"


def setters(n: int, head: str, claim: str) -> str:
    lines = [head]
    lines += [f"var a{i}: bool = false;" for i in range(n)]
    lines.append("def all_on() = " + " && ".join(f"a{i}" for i in range(n)) + ";")
    lines += [f"actor s{i} {{ go: a{i} = true; done; }}" for i in range(n)]
    lines.append(f"claim c {{\n  always {claim};\n  reachable !all_on();\n}}")
    return "\n".join(lines) + "\n"


def _walk(head: str, claim: str) -> str:
    """A walker that needs WALK steps to turn `all_on()` true, and 4 setters beside it."""
    lines = [head, f"var n: 0..{WALK} = 0;", f"def all_on() = n == {WALK};"]
    lines.append(f"actor walker {{ go: if (n < {WALK}) {{ n = n + 1; goto go; }} done; }}")
    lines += [f"var a{i}: bool = false;" for i in range(4)]
    lines += [f"actor s{i} {{ go: a{i} = true; done; }}" for i in range(4)]
    lines.append(f"claim c {{\n  always {claim};\n  reachable !all_on();\n}}")
    return "\n".join(lines) + "\n"


WALKS = {
    "ite": _walk(BIG, f"(all_on() ? {NESTED} + {NESTED} : 0) < 5"),
    "calls": _walk(BIG + "def dbl(v: Big) = v + v;\n", "(all_on() ? dbl(dbl(dbl(x))) : 0) < 5"),
}
