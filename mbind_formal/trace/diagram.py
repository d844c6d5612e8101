"""Diagrams: a trace as an SVG sequence diagram, and the self-contained HTML report.

Input: a `Model` and a `Trace` (`render_svg`), or a `Spec` plus one `ReportCell` per
(variant, claim) (`render_report`). Output: SVG or HTML text. Lanes are the actor
instances, then the shared state the trace touches (`globals`, then each collection
element that changes, e.g. `Page[1]`); every step is a box on its actor's lane with
arrows to the state it changes, labelled with the changes. The facts come from
`trace.text.describe`, so the diagram and the text tell the same story.

Everything taken from the spec is escaped (`html.escape` in the SVG, jinja2
autoescape in the page), and the page loads nothing: no network, no script.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources

import jinja2
from markupsafe import Markup

from mbind_formal.engines.base import Result, Verdict
from mbind_formal.ir.model import Model, Spec
from mbind_formal.semantics.layout import Layout, SlotKind
from mbind_formal.trace.itf import write_itf
from mbind_formal.trace.model import Trace
from mbind_formal.trace.text import Change, StepView, TraceView, describe, render_rows

CHAR_W = 7.3  # px per character of the 12px monospace font (DejaVu Sans Mono)
LINE_H = 15
LANE_MIN, LANE_MAX = 120, 300
MARGIN = 16
GLOBALS = "globals"


def _esc(s: str) -> str:
    return html.escape(s, quote=True)


def _text_w(s: str) -> float:
    return len(s) * CHAR_W


@dataclass(slots=True)
class _Lane:
    name: str
    kind: str  # "actor" or "state"
    header: list[str] = field(default_factory=list)  # initial values the trace changes
    tip: list[str] = field(default_factory=list)  # every initial value (hover)
    width: float = LANE_MIN
    x: float = 0.0  # centre

    @property
    def left(self) -> float:
        return self.x - self.width / 2


def _target(c: Change) -> str:
    """The state lane a change belongs to: its element, or `globals`."""
    if c.slot.kind is SlotKind.FIELD:
        return f"{c.slot.owner}[{c.slot.index}]"
    return GLOBALS


def _arrow_label(c: Change) -> str:
    name = c.slot.member if c.slot.kind is SlotKind.FIELD else c.name
    return f"{name}: {c.before} \u2192 {c.after}"


def _box_lines(s: StepView) -> list[str]:
    lines = [f"{s.index}. {s.label} \u2192 {s.next_label}"]
    if s.choices:
        lines.append(" ".join(f"{k}={v}" for k, v in s.choices))
    lines.extend(f"{c.short}: {c.before} \u2192 {c.after}" for c in s.changes if _own(c))
    return lines


def _own(c: Change) -> bool:
    """A change of the acting instance's own locals (shown inside its box)."""
    return c.slot.kind is SlotKind.LOCAL


def _lanes(model: Model, trace: Trace, view: TraceView) -> list[_Lane]:
    layout = Layout(model)
    actors: dict[str, _Lane] = {n: _Lane(n, "actor") for n in view.instances}
    touched: dict[str, None] = {}
    changed: set[str] = set()
    for s in view.steps:
        for c in s.changes:
            changed.add(c.name)
            if not _own(c):
                touched[_target(c)] = None
    # Heads show the initial values of what the trace changes; hovering shows all.
    states: dict[str, _Lane] = {}  # globals first, then elements, in layout order
    for slot, value in zip(layout.slots, trace.init, strict=True):
        name = _target_of_slot(slot.kind, slot.owner, slot.index)
        if name is None or name not in touched:
            continue
        lane = states.setdefault(name, _Lane(name, "state"))
        label = slot.member if slot.kind is SlotKind.FIELD else slot.name
        shown = f"{label}={layout.show(slot, value)}"
        lane.tip.append(shown)
        if slot.name in changed:
            lane.header.append(shown)
    for slot, value in zip(layout.slots, trace.init, strict=True):
        if slot.kind is SlotKind.PC:
            lane = actors[slot.name.removesuffix(".pc")]
            lane.header.append(f"@{layout.show(slot, value)}")
            lane.tip.append(f"pc={layout.show(slot, value)}")
        elif slot.kind is SlotKind.LOCAL:
            lane = actors[slot.name.removesuffix(f".{slot.member}")]
            shown = f"{slot.member}={layout.show(slot, value)}"
            lane.tip.append(shown)
            if slot.name in changed:
                lane.header.append(shown)
    lanes = [*actors.values(), *states.values()]
    for lane in lanes:
        texts = [lane.name, *lane.header]
        texts += [ln for s in view.steps if s.who == lane.name for ln in _box_lines(s)]
        lane.width = max(LANE_MIN, min(LANE_MAX, max(_text_w(t) for t in texts) + 24))
    x = float(MARGIN)
    for lane in lanes:
        lane.x = x + lane.width / 2
        x += lane.width + 12
    return lanes


def _target_of_slot(kind: SlotKind, owner: str, index: int) -> str | None:
    match kind:
        case SlotKind.GLOBAL:
            return GLOBALS
        case SlotKind.FIELD:
            return f"{owner}[{index}]"
        case SlotKind.PC | SlotKind.LOCAL:
            return None


def _clip(s: str, width: float) -> str:
    n = max(4, int((width - 12) / CHAR_W))
    return s if len(s) <= n else s[: n - 1] + "\u2026"


def _text(x: float, y: float, s: str, cls: str, anchor: str = "start") -> str:
    return f'<text x="{x:.1f}" y="{y:.1f}" class="{cls}" text-anchor="{anchor}">{_esc(s)}</text>'


def render_svg(model: Model, trace: Trace) -> str:
    """The trace as an inline SVG sequence diagram."""
    view = describe(model, trace)
    lanes = _lanes(model, trace, view)
    by_name = {lane.name: lane for lane in lanes}
    header_h = LINE_H * (1 + max((len(lane.header) for lane in lanes), default=0)) + 14
    top = MARGIN + header_h + 14
    body: list[str] = []
    right_edge = max((lane.x + lane.width / 2 for lane in lanes), default=MARGIN * 2.0)
    ends: dict[str, float] = {}
    y = top
    for s in view.steps:
        lane = by_name[s.who]
        lines = _box_lines(s)
        groups: dict[str, list[str]] = {}
        for c in s.changes:
            if not _own(c):
                groups.setdefault(_target(c), []).append(_arrow_label(c))
        box_h = LINE_H * len(lines) + 10
        arrows_h = sum(LINE_H * len(g) + 10 for g in groups.values())
        row_h = max(box_h, arrows_h) + 12
        bx, bw = lane.left + 6, lane.width - 12
        tip = "\n".join([f"step {s.index}: {s.who} {s.label}", *lines[1:]])
        tip += "".join(f"\n{c.name}: {c.before} -> {c.after}" for c in s.changes if not _own(c))
        body.append(f'<g class="step" id="s{s.index}"><title>{_esc(tip)}</title>')
        body.append(
            f'<rect x="{bx:.1f}" y="{y:.1f}" width="{bw:.1f}" height="{box_h}" rx="4" class="box"/>'
        )
        for i, ln in enumerate(lines):
            cls = "boxlabel" if i == 0 else "boxtext"
            body.append(_text(bx + 6, y + 16 + i * LINE_H, _clip(ln, bw), cls))
        ay = y + 6
        for target, labels in groups.items():
            dest = by_name[target]
            ay += LINE_H * len(labels)
            x1, x2 = bx + bw, dest.x - 5
            body.append(
                f'<line x1="{x1:.1f}" y1="{ay:.1f}" x2="{x2:.1f}" y2="{ay:.1f}" '
                f'class="arrow" marker-end="url(#head)"/>'
            )
            body.append(f'<circle cx="{dest.x:.1f}" cy="{ay:.1f}" r="4" class="mark"/>')
            for i, label in enumerate(labels):
                ly = ay - 6 - (len(labels) - 1 - i) * LINE_H
                body.append(_text(x1 + 6, ly, label, "change"))
                right_edge = max(right_edge, x1 + 6 + _text_w(label))
            ay += 10
        body.append("</g>")
        if s.next_label == "done":
            ends[s.who] = y + box_h
        y += row_h
    bottom = y + 4
    parts = [_header(lane, header_h, ends.get(lane.name), bottom) for lane in lanes]
    width = right_edge + MARGIN
    parts.append(
        f'<rect x="{MARGIN}" y="{bottom:.1f}" width="{width - 2 * MARGIN:.1f}" height="24" '
        f'class="ending"/>'
    )
    parts.append(_text(MARGIN + 8, bottom + 16, view.ending, "endtext"))
    height = bottom + 24 + MARGIN
    return "\n".join(
        [
            f'<svg xmlns="http://www.w3.org/2000/svg" class="seq" width="{width:.0f}" '
            f'height="{height:.0f}" viewBox="0 0 {width:.0f} {height:.0f}" role="img" '
            f'aria-label="{_esc(view.title)}">',
            '<defs><marker id="head" viewBox="0 0 10 10" refX="9" refY="5" '
            'markerWidth="7" markerHeight="7" orient="auto-start-reverse">'
            '<path d="M0,0 L10,5 L0,10 z" class="headpath"/></marker></defs>',
            *parts,
            *body,
            "</svg>",
        ]
    )


def _header(lane: _Lane, header_h: float, done_at: float | None, bottom: float) -> str:
    """A lane's head box and lifeline; an actor's lifeline ends in an X once it is done."""
    x, left = lane.x, lane.left + 4
    top = MARGIN
    end = bottom if done_at is None else done_at
    tip = "\n".join([f"{lane.name} initially:", *lane.tip])
    out = [f'<g class="lane {lane.kind}"><title>{_esc(tip)}</title>']
    out.append(
        f'<line x1="{x:.1f}" y1="{top + header_h:.1f}" x2="{x:.1f}" y2="{end:.1f}" '
        f'class="lifeline"/>'
    )
    if done_at is not None:
        mark = f"M{x - 5:.1f},{end + 3:.1f} l10,10 m0,-10 l-10,10"
        out.append(f'<path d="{mark}" class="endmark"/>')
    out.append(
        f'<rect x="{left:.1f}" y="{top}" width="{lane.width - 8:.1f}" height="{header_h:.1f}" '
        f'rx="5" class="head"/>'
    )
    out.append(_text(x, top + 17, _clip(lane.name, lane.width), "headname", "middle"))
    for i, ln in enumerate(lane.header):
        out.append(
            _text(x, top + 17 + (i + 1) * LINE_H, _clip(ln, lane.width), "headtext", "middle")
        )
    out.append("</g>")
    return "\n".join(out)


# ----------------------------------------------------------------------------- report


@dataclass(frozen=True, slots=True)
class ReportCell:
    """One (variant, claim) of the report: the answer shown, and an optional note
    (engines that disagree or failed)."""

    variant: str
    claim: str
    result: Result
    note: str = ""


def cell_label(result: Result) -> str:
    """A verdict in a few words: `VIOLATED (7 steps)`, `holds (pdr)`, `vacuous`."""
    match result.verdict:
        case Verdict.VIOLATED:
            n = len(result.trace) if result.trace is not None else result.depth
            return f"VIOLATED ({n} steps)" if n is not None else "VIOLATED"
        case Verdict.HOLDS:
            return f"holds ({result.method})"
        case Verdict.VACUOUS:
            return "vacuous"
        case Verdict.UNKNOWN:
            return "unknown"


def short_label(result: Result) -> str:
    """A matrix cell: `VIOLATED 7`, `holds`, `vacuous`, `unknown` (the method on hover)."""
    match result.verdict:
        case Verdict.VIOLATED:
            n = len(result.trace) if result.trace is not None else result.depth
            return f"VIOLATED {n}" if n is not None else "VIOLATED"
        case Verdict.HOLDS | Verdict.VACUOUS | Verdict.UNKNOWN:
            return str(result.verdict.value)


def _detail(result: Result) -> str:
    parts = [f"engine {result.engine}", f"method {result.method}"]
    if result.states is not None:
        parts.append(f"{result.states} states")
    if result.reason:
        parts.append(result.reason)
    return "; ".join(parts)


def render_report(
    spec: Spec,
    cells: Sequence[ReportCell],
    *,
    engine: str,
    command: str = "",
    partial: str = "",
) -> str:
    """The whole report page: verdict matrix, then each violated cell's trace. `partial`
    (why the run stopped early, and what it had decided) marks the page as partial."""
    env = jinja2.Environment(
        autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True
    )
    source = resources.files("mbind_formal.trace").joinpath("report.html").read_text("utf-8")
    template = env.from_string(source)
    variants = list(dict.fromkeys(c.variant for c in cells))
    claims = list(dict.fromkeys(c.claim for c in cells))
    docs = {c.name: c.doc for c in spec.claims}
    at = {(c.variant, c.claim): c for c in cells}
    traces = []
    anchors: dict[tuple[str, str], str] = {}
    for i, c in enumerate(cells):
        trace = c.result.trace
        if c.result.verdict is not Verdict.VIOLATED or trace is None:
            continue
        model = spec.model(c.variant)
        anchor = f"trace-{i}"
        anchors[(c.variant, c.claim)] = anchor
        itf = write_itf(model, trace, source=spec.source, params=spec.params, compact=True)
        traces.append(
            {
                "anchor": anchor,
                "variant": c.variant,
                "claim": c.claim,
                "doc": docs.get(c.claim, ""),
                "label": cell_label(c.result),
                "detail": _detail(c.result),
                "svg": Markup(render_svg(model, trace)),  # built from escaped parts
                "text": render_rows(model, trace),
                "itf_name": f"{c.variant}-{c.claim}.itf.json",
                "itf_href": "data:application/json;base64,"
                + base64.b64encode(itf.encode()).decode(),
                "note": c.note,
            }
        )
    rows = []
    for claim in claims:
        row: list[dict[str, str | None] | None] = []
        for v in variants:
            cell = at.get((v, claim))
            if cell is None:
                row.append(None)
                continue
            row.append(
                {
                    "label": short_label(cell.result),
                    "verdict": cell.result.verdict.value,
                    "title": f"{cell_label(cell.result)}: {_detail(cell.result)}",
                    "anchor": anchors.get((v, claim)),
                    "note": cell.note,
                }
            )
        rows.append({"claim": claim, "doc": docs.get(claim, ""), "cells": row})
    return template.render(
        spec=spec.source or spec.name,
        name=spec.name,
        params=", ".join(f"{k}={v}" for k, v in spec.params),
        engine=engine,
        command=command,
        variants=variants,
        rows=rows,
        traces=traces,
        partial=partial,
        decided=len(cells),
    )
