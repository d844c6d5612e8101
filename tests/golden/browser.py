"""Headless Chromium for the HTML report's tests and for `make report-png`.

`chromium()` finds the browser (a test is skipped without it, and fails under CI);
`run_chromium` runs it headless in a throw-away profile; `measure` loads a copy of a
page with a small script appended (the page's own Content-Security-Policy, which
forbids scripts, is left out of the copy) and returns what the script measured of the
laid-out page; `png_pixels`/`count_color` read a screenshot without an image library.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import struct
import subprocess
import tempfile
import zlib
from pathlib import Path
from typing import Any

import pytest

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


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


# What the report test asks of a laid-out page: overflow, where the diagrams and the
# matrix end, and whether any change label's box crosses a lifeline (getBBox: the
# browser's own text metrics).
MEASURE = """
<script>
(() => {
  const de = document.documentElement;
  const box = (e) => e.getBoundingClientRect();
  const svgs = [...document.querySelectorAll("svg.seq")];
  const crossings = [];
  for (const svg of svgs) {
    const lines = [...svg.querySelectorAll("line.lifeline")].map((l) => [
      +l.getAttribute("x1"), +l.getAttribute("y1"), +l.getAttribute("y2")]);
    for (const t of svg.querySelectorAll("text.change")) {
      const b = t.getBBox();
      for (const [x, y1, y2] of lines) {
        if (b.x < x && x < b.x + b.width && b.y + b.height > y1 && b.y < y2) {
          crossings.push(t.textContent + " @ " + x);
        }
      }
    }
  }
  const matrix = document.getElementById("matrix");
  document.body.setAttribute("data-measure", JSON.stringify({
    viewport: window.innerWidth,
    scroll_width: de.scrollWidth,
    matrix_right: matrix ? box(matrix).right : 0,
    svgs: svgs.map((s) => ({right: box(s).right,
      box_scrolls: s.parentElement.scrollWidth > s.parentElement.clientWidth})),
    crossings: crossings,
    sections: document.querySelectorAll("section.trace").length,
    steps: document.querySelectorAll("g.step").length,
    scenario_rows: document.querySelectorAll("#scenarios tbody tr").length,
  }));
})();
</script>
"""


def measure(binary: str, page: Path, width: int, shot: Path | None = None) -> dict[str, Any]:
    """Load a measuring copy of `page` at `width` pixels (and screenshot the original)."""
    text = page.read_text(encoding="utf-8")
    text = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", text)
    page = page.resolve()
    probe = page.with_name(f"{page.stem}.measure-{width}.html")
    probe.write_text(text.replace("</body>", MEASURE + "</body>"), encoding="utf-8")
    size = f"--window-size={width},1200"
    dom = run_chromium(binary, "--dump-dom", size, probe.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    m = re.search(r'data-measure="([^"]*)"', dom.stdout)
    assert m is not None, dom.stdout[-2000:]
    if shot is not None:
        shot.unlink(missing_ok=True)
        ran = run_chromium(binary, f"--screenshot={shot}", size, "--hide-scrollbars", page.as_uri())
        assert ran.returncode == 0 and shot.exists(), ran.stderr[-2000:]
    found: dict[str, Any] = json.loads(html.unescape(m.group(1)))
    return found
