"""The SVG sequence diagram and the HTML report: structure, escaping, a real browser."""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import tempfile
import xml.etree.ElementTree as ET
import zlib
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import pytest
from trace_models import exclusive_claim, never_two_claim, race_model, race_trace

from mbind_formal.engines.base import Result, Verdict
from mbind_formal.ir.model import Spec
from mbind_formal.trace.diagram import ReportCell, cell_label, render_report, render_svg
from mbind_formal.trace.model import Trace

SVG = "{http://www.w3.org/2000/svg}"
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


def test_svg_lanes_boxes_and_arrows() -> None:
    model = race_model()
    svg = ET.fromstring(render_svg(model, race_trace(model)))
    heads = [t.text for t in svg.iter(f"{SVG}text") if t.get("class") == "headname"]
    # actors first, then the shared state the trace changes (constants-only lanes omitted)
    assert heads == ["mbind", "reclaim[0]", "reclaim[1]", "globals", "Page[0]", "Page[1]"]
    steps = [g for g in svg.iter(f"{SVG}g") if g.get("class") == "step"]
    assert len(steps) == 2
    # step 1 writes nr_isolated (globals) and Page[1]: two arrows, two marks
    arrows = [e for e in steps[0].iter(f"{SVG}line") if e.get("class") == "arrow"]
    assert len(arrows) == 2
    labels = [t.text for t in steps[0].iter(f"{SVG}text") if t.get("class") == "change"]
    assert labels == [
        "nr_isolated: 0 \u2192 1",
        "lru: true \u2192 false",
        "owner: NONE \u2192 RECLAIM",
    ]
    # mbind's own local shows inside its box
    box = [t.text for t in steps[1].iter(f"{SVG}text")]
    assert "ok: false \u2192 true" in box
    ending = [t.text for t in svg.iter(f"{SVG}text") if t.get("class") == "endtext"]
    assert ending == ["=> the last state violates claim never_two"]


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
    return render_report(spec, cells, engine="explicit")


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
    links = [href for href in links if href.startswith("#")]
    assert links == ["#trace-0"]
    assert ("section", {"class": "trace", "id": "trace-0"}) in tags.tags
    assert sum(1 for t, _ in tags.tags if t == "svg") == 1
    assert "VIOLATED (2 steps)" in page and "holds (exhaustive)" in page
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


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    if os.environ.get("CI"):
        pytest.fail("chromium is required in CI for the HTML report test")
    pytest.skip("chromium is not installed")


def run_chromium(binary: str, *args: str) -> subprocess.CompletedProcess[str]:
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run(
            [
                binary,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                f"--user-data-dir={profile}",
                *args,
            ],
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )


def png_pixels(data: bytes) -> tuple[int, int, list[bytes]]:
    """Decode an 8-bit RGB/RGBA, non-interlaced PNG: (width, channels, rows)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width, height, channels = 8, b"", 0, 0, 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and interlace == 0 and color in (2, 6)
            channels = 3 if color == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * channels
    rows: list[bytes] = []
    prev = bytearray(stride)
    for y in range(height):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b = prev[i]
            c = prev[i - channels] if i >= channels else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else b if pb <= pc else c
                line[i] = (line[i] + pred) & 255
        rows.append(bytes(line))
        prev = line
    return width, channels, rows


def count_color(image: tuple[int, int, list[bytes]], rgb: tuple[int, int, int]) -> int:
    width, channels, rows = image
    target = bytes(rgb)
    return sum(
        1 for row in rows for x in range(width) if row[x * channels : x * channels + 3] == target
    )


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
