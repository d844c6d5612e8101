"""The HTML report: verdict matrix, scenarios, claims and counterexamples.

Input: a `Spec`, one `ReportCell` per (variant, claim), optional `ReportScenario`s and
the spec's source texts (for the claims' own text). Output: `Report.files`, file name
-> text: the page itself and, when traces are linked (`TraceMode.LINKED`, the default
for more than `INLINE_MAX` counterexamples, so the report of the whole matrix stays
small and opens at once), one page and one ITF file per counterexample in a sibling
directory. Every page is self-contained and loads nothing (no network, no script).

Each counterexample shows the claim's text (highlighted with `highlight.MbfLexer`),
the constants of the initial state, the sequence diagram (`trace.diagram`) and the
text form. Everything from the spec is escaped (jinja2 autoescape; the SVG escapes its
own parts; the highlighter escapes the excerpts).
"""

from __future__ import annotations

import base64
import enum
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import jinja2
from markupsafe import Markup

from mbind_formal.diagnostics import Span
from mbind_formal.engines.base import Result, Verdict
from mbind_formal.highlight import highlight_html, style_css
from mbind_formal.ir.model import Model, Spec
from mbind_formal.semantics.layout import Layout, SlotKind
from mbind_formal.trace.diagram import render_diagram
from mbind_formal.trace.itf import write_itf
from mbind_formal.trace.model import Trace
from mbind_formal.trace.text import render_rows

INLINE_MAX = 12  # counterexamples inlined in the page by default; more are linked


class TraceMode(enum.Enum):
    AUTO = "auto"  # inline up to INLINE_MAX counterexamples, linked beyond
    INLINE = "inline"  # every counterexample in the one page
    LINKED = "linked"  # one page per counterexample, in `<name>.traces/`


@dataclass(frozen=True, slots=True)
class ReportCell:
    """One (variant, claim) of the report: the answer shown, and an optional note
    (engines that disagree or failed)."""

    variant: str
    claim: str
    result: Result
    note: str = ""


@dataclass(frozen=True, slots=True)
class ReportScenario:
    """One scenario on one variant: `pass`, `FAIL` or `?`, why, and the failing run."""

    scenario: str
    variant: str
    status: str
    reason: str
    model: Model
    trace: Trace | None = None


@dataclass(frozen=True, slots=True)
class Report:
    files: dict[str, str] = field(default_factory=dict)  # name -> text; the page first

    @property
    def page(self) -> str:
        return next(iter(self.files.values()))


def cell_label(result: Result) -> str:
    """A verdict in a few words: `VIOLATED (7 steps)`, `holds (pdr)`, `vacuous`."""
    match result.verdict:
        case Verdict.VIOLATED if result.trace is not None and result.trace.loop is not None:
            t = result.trace
            cycle = f"{t.cycle}-step cycle from state {t.loop}" if t.cycle else "then stuttering"
            return f"VIOLATED (fair lasso: {t.loop} steps, {cycle})"
        case Verdict.VIOLATED:
            n = len(result.trace) if result.trace is not None else result.depth
            return f"VIOLATED ({n} steps)" if n is not None else "VIOLATED"
        case Verdict.HOLDS:
            return f"holds ({result.method})"
        case Verdict.VACUOUS:
            return "vacuous"
        case Verdict.UNKNOWN if result.bound is not None:
            return f"no violation up to depth {result.bound} (bounded)"
        case Verdict.UNKNOWN:
            return "unknown"


def short_label(result: Result) -> str:
    """A matrix cell: `✗7`, `✓`, `≤10`, `vac`, `?` (the method on hover)."""
    match result.verdict:
        case Verdict.VIOLATED:
            n = len(result.trace) if result.trace is not None else result.depth
            return f"\u2717{n}" if n is not None else "\u2717"
        case Verdict.HOLDS:
            return "\u2713"
        case Verdict.VACUOUS:
            return "vac"
        case Verdict.UNKNOWN if result.bound is not None:
            return f"\u2264{result.bound}"
        case Verdict.UNKNOWN:
            return "?"


def _detail(result: Result) -> str:
    parts = [f"engine {result.engine}", f"method {result.method}"]
    if result.states is not None:
        parts.append(f"{result.states} states")
    if result.reason:
        parts.append(result.reason)
    return "; ".join(parts)


def slug(variant: str, claim: str) -> str:
    """A file-name-safe name for a cell's pages (distinct cells, distinct slugs)."""
    raw = f"{variant}--{claim}"
    return re.sub(r"[^A-Za-z0-9_.-]", lambda m: f"~{ord(m.group()):x}", raw)


def excerpt(span: Span | None, sources: Mapping[str, str]) -> str:
    """The declaration at `span` as written, with the comment lines right above it."""
    if span is None or span.file not in sources:
        return ""
    lines = sources[span.file].splitlines()
    start = span.line - 1
    while start > 0 and lines[start - 1].lstrip().startswith("//"):
        start -= 1
    return "\n".join(lines[start : span.end_line])


def _constants(model: Model, trace: Trace) -> str:
    """The global constants of the trace's initial state, as the text form shows them."""
    layout = Layout(model)
    return " | ".join(
        f"{slot.name}={layout.show(slot, v)}"
        for slot, v in zip(layout.slots, trace.init, strict=True)
        if slot.kind is SlotKind.GLOBAL and slot.const
    )


def _env() -> jinja2.Environment:
    return jinja2.Environment(
        autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True
    )


def _template(name: str) -> jinja2.Template:
    text = resources.files("mbind_formal.trace").joinpath(name).read_text("utf-8")
    return _env().from_string(text)


def render_report(
    spec: Spec,
    cells: Sequence[ReportCell],
    *,
    engine: str,
    command: str = "",
    sources: Mapping[str, str] | None = None,
    scenarios: Sequence[ReportScenario] = (),
    traces: TraceMode = TraceMode.AUTO,
    name: str = "report.html",
    partial: str = "",
) -> Report:
    """The report's files: the page `name` first, then (linked traces) the trace pages
    and ITF files under `<stem>.traces/`. `partial` (why the run stopped early, and what
    it had decided) marks the page as partial."""
    sources = sources or {}
    violated = [c for c in cells if c.result.verdict is Verdict.VIOLATED and c.result.trace]
    mode = traces
    if mode is TraceMode.AUTO:
        mode = TraceMode.INLINE if len(violated) <= INLINE_MAX else TraceMode.LINKED
    folder = name.rsplit("/", 1)[-1].removesuffix(".html") + ".traces"
    claim_text = {c.name: highlight_html(excerpt(c.span, sources)) for c in spec.claims}
    sections: list[dict[str, Any]] = []
    files: dict[str, str] = {}
    href: dict[tuple[str, str], str] = {}
    for c in violated:
        trace = c.result.trace
        assert trace is not None
        section = _section(spec, c, trace, claim_text.get(c.claim, ""))
        key = (c.variant, c.claim)
        if mode is TraceMode.LINKED:
            page_name = f"{folder}/{slug(*key)}.html"
            itf_name = f"{slug(*key)}.itf.json"
            files[f"{folder}/{itf_name}"] = section.pop("itf")
            section["itf_href"] = itf_name
            files[page_name] = _page(
                spec, engine, command, [section], back=f"../{name.rsplit('/', 1)[-1]}"
            )
            href[key] = page_name
        else:
            section["itf_href"] = (
                "data:application/json;base64,"
                + base64.b64encode(section.pop("itf").encode()).decode()
            )
            href[key] = f"#{section['anchor']}"
            sections.append(section)
    main = _template("report.html").render(
        **_head(spec, engine, command),
        css=Markup(style_css()),
        variants=list(dict.fromkeys(c.variant for c in cells)),
        rows=_rows(spec, cells, href),
        claims=[
            {"name": c.name, "text": Markup(claim_text[c.name]), "doc": c.doc}
            for c in spec.claims
            if any(x.claim == c.name for x in cells)
        ],
        scenarios=_scenarios(scenarios),
        traces=sections,
        linked=[
            {
                "variant": c.variant,
                "claim": c.claim,
                "label": cell_label(c.result),
                "href": href[(c.variant, c.claim)],
            }
            for c in violated
        ]
        if mode is TraceMode.LINKED
        else [],
        back="",
        single=False,
        partial=partial,
        decided=len(cells),
    )
    return Report({name: main, **files})


def _head(spec: Spec, engine: str, command: str) -> dict[str, str]:
    return {
        "spec": spec.source or spec.name,
        "name": spec.name,
        "params": ", ".join(f"{k}={v}" for k, v in spec.params),
        "engine": engine,
        "command": command,
    }


def _page(spec: Spec, engine: str, command: str, sections: list[dict[str, Any]], back: str) -> str:
    """A page holding counterexample sections only (a linked trace page)."""
    return _template("report.html").render(
        **_head(spec, engine, command),
        css=Markup(style_css()),
        variants=[],
        rows=[],
        claims=[],
        scenarios=None,
        traces=sections,
        linked=[],
        back=back,
        single=True,
        partial="",
        decided=0,
    )


def _section(spec: Spec, c: ReportCell, trace: Trace, claim_html: str) -> dict[str, Any]:
    model = spec.model(c.variant)
    diagram = render_diagram(model, trace)
    itf = write_itf(model, trace, source=spec.source, params=spec.params, compact=True)
    return {
        "anchor": "trace-" + slug(c.variant, c.claim),
        "variant": c.variant,
        "claim": c.claim,
        "claim_text": Markup(claim_html),
        "constants": _constants(model, trace),
        "label": cell_label(c.result),
        "detail": _detail(c.result),
        "svg": Markup(diagram.svg),  # built from escaped parts
        "idle": ", ".join(diagram.idle),
        "text": render_rows(model, trace),
        "itf_name": f"{slug(c.variant, c.claim)}.itf.json",
        "itf": itf,
        "note": c.note,
    }


def _rows(
    spec: Spec, cells: Sequence[ReportCell], href: Mapping[tuple[str, str], str]
) -> list[dict[str, Any]]:
    variants = list(dict.fromkeys(c.variant for c in cells))
    claims = list(dict.fromkeys(c.claim for c in cells))
    at = {(c.variant, c.claim): c for c in cells}
    docs = {c.name: c.doc for c in spec.claims}
    rows = []
    for claim in claims:
        row: list[dict[str, str | None] | None] = []
        for v in variants:
            cell = at.get((v, claim))
            if cell is None:
                row.append(None)
                continue
            verdict = (
                "bounded"
                if cell.result.bound is not None and cell.result.verdict is Verdict.UNKNOWN
                else cell.result.verdict.value
            )
            row.append(
                {
                    "label": short_label(cell.result),
                    "verdict": verdict,
                    "title": f"{v} / {claim}: {cell_label(cell.result)}: {_detail(cell.result)}",
                    "href": href.get((v, claim)),
                    "note": cell.note,
                }
            )
        rows.append({"claim": claim, "doc": docs.get(claim, ""), "cells": row})
    return rows


def _scenarios(scenarios: Sequence[ReportScenario]) -> dict[str, Any] | None:
    if not scenarios:
        return None
    variants = list(dict.fromkeys(s.variant for s in scenarios))
    names = list(dict.fromkeys(s.scenario for s in scenarios))
    at = {(s.scenario, s.variant): s for s in scenarios}
    failing = [s for s in scenarios if s.status != "pass"]
    anchors = {(s.scenario, s.variant): f"scenario-{slug(s.variant, s.scenario)}" for s in failing}
    rows = [
        {
            "name": n,
            "cells": [
                {
                    "status": at[(n, v)].status,
                    "cls": {"pass": "holds", "FAIL": "violated"}.get(at[(n, v)].status, "unknown"),
                    "title": at[(n, v)].reason,
                    "href": f"#{anchors[(n, v)]}" if (n, v) in anchors else None,
                }
                if (n, v) in at
                else None
                for v in variants
            ],
        }
        for n in names
    ]
    runs = [
        {
            "anchor": anchors[(s.scenario, s.variant)],
            "title": f"{s.scenario} on variant {s.variant}: {s.status}",
            "reason": s.reason,
            "text": render_rows(s.model, s.trace) if s.trace is not None else "",
        }
        for s in failing
    ]
    return {"variants": variants, "rows": rows, "runs": runs}
