"""README.md stays true: its tool-output blocks are what the tool prints today."""

from __future__ import annotations

import pytest
from readme import README, blocks, output
from test_kernel_verdicts import EXPECTED

from mbind_formal.engines.base import Verdict

TEXT = README.read_text(encoding="utf-8")
TRACES = [(args, body) for args, body in blocks(TEXT) if args[0] == "trace"]


@pytest.mark.parametrize("args,body", TRACES, ids=[" ".join(a[2:]) for a, _ in TRACES])
def test_trace_blocks_are_current(args: list[str], body: str) -> None:
    assert output(args) == body, "stale README block: run `python -m tests.golden.readme trace`"


def test_matrix_block_shows_the_pinned_verdicts() -> None:
    (matrix,) = [body for args, body in blocks(TEXT) if args[0] == "matrix"]
    lines = matrix.splitlines()
    variants = [v.strip() for v in lines[0].split("|")[1:]]
    seen = {}
    for line in lines[2:]:
        if "|" not in line:
            break
        claim, *cells = (c.strip() for c in line.split("|"))
        for variant, cell in zip(variants, cells, strict=True):
            seen[(variant, claim)] = Verdict.VIOLATED if cell.startswith("✗") else Verdict.HOLDS
            assert cell.startswith(("✗", "✓")), f"{variant}/{claim}: {cell}"
    assert seen == EXPECTED
    assert len(TRACES) >= 3


def test_python_api_example_runs_and_prints_what_the_readme_says() -> None:
    """The README's Python example imports only the package root and prints exactly
    the output block after it."""
    import contextlib
    import io
    import re

    code = re.search(r"<!-- mbf-python -->\n```python\n(.*?)```", TEXT, re.S)
    shown = re.search(r"<!-- mbf-python-output -->\n```\n(.*?)```", TEXT, re.S)
    assert code is not None and shown is not None
    assert "mbind_formal." not in code.group(1).replace("import mbind_formal as mf", "")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code.group(1), "README.md", "exec"), {})
    assert out.getvalue() == shown.group(1)
