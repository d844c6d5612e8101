"""`mbind-formal report`: scenarios, claim texts, constants, and linked trace pages."""

from __future__ import annotations

import io
from html.parser import HTMLParser
from pathlib import Path

from lost_update import SPEC

from mbind_formal.cli import run_cli
from mbind_formal.cli.common import ExitCode
from mbind_formal.trace.itf import read_meta

BASE_AND_ATOMIC = ("--variant", "base", "--variant", "atomic")


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.hrefs += [v for k, v in attrs if k == "href" and v]


def _report(tmp_path: Path, *args: str) -> tuple[int, str, Path]:
    spec = tmp_path / "s.mbf"
    spec.write_text(SPEC, encoding="utf-8")
    page = tmp_path / "out" / "r.html"
    page.parent.mkdir()
    out, err = io.StringIO(), io.StringIO()
    code = run_cli(["report", str(spec), "--engine", "explicit", "-o", str(page), *args], out, err)
    assert "Traceback" not in err.getvalue()
    return code, out.getvalue(), page


def test_inline_report_has_scenarios_claim_text_and_constants(tmp_path: Path) -> None:
    code, out, page = _report(tmp_path, "--claim", "no_lost_update", *BASE_AND_ATOMIC)
    assert code == ExitCode.VIOLATED
    assert out.strip().endswith("2 cells, 1 violated")
    html = page.read_text(encoding="utf-8")
    # the scenarios, with the failing run
    assert 'id="scenarios"' in html and ">FAIL</a>" in html
    assert "wrong_expectation on variant base: FAIL" in html
    # the claim's own text, highlighted, with the comment above it
    assert "the increments of both workers land" in html
    assert '<span class="k' in html  # Pygments token classes
    # the constants of the initial state, and the lost update's store
    assert "constants: start=0" in html
    assert "count: 1 \u2192 1 (written)" in html
    assert not (page.parent / "r.traces").exists()  # one counterexample: inline


def test_linked_report_writes_one_page_per_counterexample(tmp_path: Path) -> None:
    code, out, page = _report(
        tmp_path, "--traces", "linked", "--claim", "no_lost_update", *BASE_AND_ATOMIC
    )
    assert code == ExitCode.VIOLATED
    assert "1 trace pages in " in out
    folder = page.parent / "r.traces"
    files = sorted(p.name for p in folder.iterdir())
    assert files == ["base--no_lost_update.html", "base--no_lost_update.itf.json"]
    links = _Links()
    links.feed(page.read_text(encoding="utf-8"))
    assert "r.traces/base--no_lost_update.html" in links.hrefs
    assert "<svg" not in page.read_text(encoding="utf-8")  # the page stays small
    trace_page = (folder / "base--no_lost_update.html").read_text(encoding="utf-8")
    assert "<svg" in trace_page and 'href="../r.html"' in trace_page
    itf = (folder / "base--no_lost_update.itf.json").read_text(encoding="utf-8")
    assert read_meta(itf).claim == "no_lost_update"
    assert 'href="base--no_lost_update.itf.json"' in trace_page


def test_report_without_scenarios(tmp_path: Path) -> None:
    code, _, page = _report(tmp_path, "--no-scenarios", "--variant", "atomic")
    assert code == ExitCode.OK
    html = page.read_text(encoding="utf-8")
    assert 'id="scenarios"' not in html and "No claim is violated." in html
