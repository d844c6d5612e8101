"""The SVG sequence diagram and the HTML report: structure, escaping, a real browser."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import replace
from html.parser import HTMLParser

import pytest
from browser import ARTIFACTS, chromium, count_color, png_pixels, run_chromium
from trace_models import exclusive_claim, never_two_claim, race_model, race_trace

from mbind_formal.engines.base import Result, Verdict
from mbind_formal.ir.model import Spec
from mbind_formal.trace.diagram import CHAR_W, render_diagram, render_svg
from mbind_formal.trace.model import Trace
from mbind_formal.trace.report import ReportCell, cell_label, render_report

SVG = "{http://www.w3.org/2000/svg}"


def test_svg_lanes_boxes_and_arrows() -> None:
    model = race_model()
    svg = ET.fromstring(render_svg(model, race_trace(model)))
    heads = [t.text for t in svg.iter(f"{SVG}text") if t.get("class") == "headname"]
    # the actors that move, then the shared state the trace changes (reclaim[0] never
    # moves: no lane; constants-only elements: no lane)
    assert heads == ["mbind", "reclaim[1]", "globals", "Page[0]", "Page[1]"]
    assert render_diagram(model, race_trace(model)).idle == ("reclaim[0]",)
    steps = [g for g in svg.iter(f"{SVG}g") if g.get("class") == "step"]
    assert len(steps) == 2
    # step 1 writes nr_isolated (globals) and Page[1]: two arrows, two marks
    arrows = [e for e in steps[0].iter(f"{SVG}line") if e.get("class") == "arrow"]
    assert len(arrows) == 2
    labels = [t.text for t in steps[0].iter(f"{SVG}text") if t.get("class") == "change"]
    assert sorted(str(x) for x in labels) == [
        "lru: true \u2192 false",
        "nr_isolated: 0 \u2192 1",
        "owner: NONE \u2192 RECLAIM",
    ]
    # mbind's own local shows inside its box
    box = [t.text for t in steps[1].iter(f"{SVG}text")]
    assert "ok: false \u2192 true" in box
    ending = [t.text for t in svg.iter(f"{SVG}text") if t.get("class") == "endtext"]
    assert ending == ["=> the last state violates claim never_two"]


def crossings(svg_text: str) -> list[str]:
    """Change labels whose (estimated) extent crosses a lifeline: a label starts right
    of its lane's lifeline and must end before the next lane's."""
    svg = ET.fromstring(svg_text)
    lifelines = [
        (float(e.get("x1") or 0), float(e.get("y1") or 0), float(e.get("y2") or 0))
        for e in svg.iter(f"{SVG}line")
        if e.get("class") == "lifeline"
    ]
    bad = []
    for t in svg.iter(f"{SVG}text"):
        if t.get("class") != "change":
            continue
        x, y = float(t.get("x") or 0), float(t.get("y") or 0)
        right = x + len(t.text or "") * CHAR_W
        for lx, y1, y2 in lifelines:
            if x <= lx <= right and y1 <= y <= y2 + 12:
                bad.append(f"{t.text!r} at x={x:.0f}..{right:.0f} crosses the lifeline at {lx:.0f}")
    return bad


def test_labels_never_cross_a_lifeline() -> None:
    model = race_model()
    assert crossings(render_svg(model, race_trace(model))) == []


def _result(variant: str, claim: str, verdict: Verdict, trace: Trace | None = None) -> Result:
    return Result(
        verdict=verdict,
        engine="explicit",
        method="exhaustive" if verdict is Verdict.HOLDS else "bfs",
        variant=variant,
        claim=claim,
        trace=trace,
        reason="state limit" if verdict is Verdict.UNKNOWN else "",
    )


def _report(variant: str = "5.2", claim_doc: str = "") -> str:
    base = race_model()
    other = race_model(variant)
    claims = (replace(never_two_claim(), doc=claim_doc), exclusive_claim())
    spec = Spec(name="race", models=(base, other), claims=claims, source="race.mbf")
    trace = race_trace(base)
    cells = [
        ReportCell("base", "never_two", _result("base", "never_two", Verdict.VIOLATED, trace)),
        ReportCell("base", "exclusive", _result("base", "exclusive", Verdict.HOLDS)),
        ReportCell(variant, "never_two", _result(variant, "never_two", Verdict.UNKNOWN)),
        ReportCell(
            variant, "exclusive", _result(variant, "exclusive", Verdict.VACUOUS), note="bmc failed"
        ),
    ]
    return render_report(spec, cells, engine="explicit").page


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _parse(page: str) -> _Tags:
    p = _Tags()
    p.feed(page)
    return p


def test_report_matrix_and_traces() -> None:
    page = _report()
    tags = _parse(page)
    cells = [a for t, a in tags.tags if t == "td"]
    assert [c.get("class") for c in cells] == ["violated", "unknown", "holds", "vacuous"]
    links = [a.get("href") or "" for t, a in tags.tags if t == "a"]
    links = [href for href in links if href.startswith("#trace")]
    assert links == ["#trace-base--never_two"]
    assert ("section", {"class": "trace", "id": "trace-base--never_two"}) in tags.tags
    assert sum(1 for t, _ in tags.tags if t == "svg") == 1
    assert "VIOLATED (2 steps)" in page and "holds (exhaustive)" in page  # headings, titles
    assert "bmc failed" in page
    # the text form sits beside the diagram
    assert "=&gt; the last state violates claim never_two" in page


def test_report_is_self_contained() -> None:
    tags = _parse(_report())
    for tag, attrs in tags.tags:
        assert tag not in ("script", "link", "img", "iframe", "object"), tag
        for name, value in attrs.items():
            if name in ("src", "href") and value:
                assert value.startswith(("#", "data:")), (tag, name, value)
    csp = [a for t, a in tags.tags if t == "meta" and a.get("http-equiv")]
    assert csp and "default-src 'none'" in (csp[0].get("content") or "")


def test_everything_from_the_spec_is_escaped() -> None:
    evil = '<script>alert("x")</script>'
    page = _report(variant=evil, claim_doc='<img src=x onerror="alert(1)">')
    tags = _parse(page)
    assert not any(t in ("script", "img") for t, _ in tags.tags)
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in page


def test_svg_escapes_names() -> None:
    model = race_model()
    trace = race_trace(model)
    svg = render_svg(model, replace(trace, claim="a<b&c"))
    assert "a&lt;b&amp;c" in svg and "a<b" not in svg
    ET.fromstring(svg)  # still well-formed XML


def test_cell_labels() -> None:
    model = race_model()
    assert cell_label(_result("base", "c", Verdict.VIOLATED, race_trace(model))) == (
        "VIOLATED (2 steps)"
    )
    assert cell_label(_result("base", "c", Verdict.HOLDS)) == "holds (exhaustive)"
    assert cell_label(_result("base", "c", Verdict.UNKNOWN)) == "unknown"


# ----------------------------------------------------------------------------- browser


@pytest.mark.browser
def test_report_renders_in_headless_chromium() -> None:
    binary = chromium()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = ARTIFACTS / "trace-report.html"
    page.write_text(_report(), encoding="utf-8")
    shot = ARTIFACTS / "trace-report.png"
    shot.unlink(missing_ok=True)
    dom = run_chromium(
        binary, "--dump-dom", f"--screenshot={shot}", "--window-size=1200,900", page.as_uri()
    )
    assert dom.returncode == 0 and shot.exists(), dom.stderr[-2000:]
    assert '<table class="matrix" id="matrix">' in dom.stdout
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="seq"' in dom.stdout
    assert dom.stdout.count('class="step"') == 2
    image = png_pixels(shot.read_bytes())
    assert count_color(image, (0xFD, 0xE2, 0xE1)) > 500  # the violated cell and the ending bar
    assert count_color(image, (0xE7, 0xF0, 0xFB)) > 500  # the step boxes of the diagram
    assert count_color(image, (0xDD, 0xF4, 0xE4)) > 200  # the holds cell
