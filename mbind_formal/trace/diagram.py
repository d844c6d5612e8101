"""Diagrams: a trace as an SVG sequence diagram that fits a 1400-pixel page.

Input: a `Model` and a `Trace`. Output: SVG text. Lanes are the actor instances that
take a shown step (those that never do are left out and named in `Diagram.idle`), then
the shared state the trace touches (`globals`, then each collection element that
changes, e.g. `Page[1]`, its header giving the element's constants too). Every step is
a box on its actor's lane with an arrow to each state lane it changes, ending at a mark
on that lane's lifeline; the change labels sit right of the mark, inside the lane, so a
label never crosses another lane's lifeline (NOTE(lanes)). Lane widths shrink to keep
the diagram within `MAX_WIDTH`; a clipped text is whole in the hover title. The facts
come from `trace.text.describe`, so the diagram and the text tell the same story, and
the trailing steps the text folds are one line here too.

Everything taken from the spec is escaped (`html.escape`).
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

from mbind_formal.ir.model import Model
from mbind_formal.semantics.layout import Layout, SlotKind
from mbind_formal.trace.model import Trace
from mbind_formal.trace.text import Change, StepView, TraceView, describe

CHAR_W = 7.3  # px per character of the 12px monospace font (DejaVu Sans Mono)
LINE_H = 15
LANE_MIN, LANE_MAX = 100, 320
GAP = 12  # between lanes
MARGIN = 16
MAX_WIDTH = 1300  # the whole diagram: a 1400 px window shows it without scrolling
STATE_LIFELINE = 10  # a state lane's lifeline, from its left edge (NOTE(lanes))
GLOBALS = "globals"


def _esc(s: str) -> str:
    return html.escape(s, quote=True)


def _text_w(s: str) -> float:
    return len(s) * CHAR_W


@dataclass(slots=True)
class _Lane:
    name: str
    kind: str  # "actor" or "state"
    header: list[str] = field(default_factory=list)  # what the head box shows
    tip: list[str] = field(default_factory=list)  # every initial value (hover)
    width: float = LANE_MIN
    left: float = 0.0

    @property
    def right(self) -> float:
        return self.left + self.width

    @property
    def lifeline(self) -> float:
        """NOTE(lanes): an actor's lifeline runs down its middle (its boxes cover it); a
        state lane's runs near its left edge, and the labels of its changes sit right
        of it, so they stay inside the lane."""
        return self.left + self.width / 2 if self.kind == "actor" else self.left + STATE_LIFELINE

    @property
    def label_x(self) -> float:
        return self.lifeline + 8


@dataclass(frozen=True, slots=True)
class Diagram:
    """The SVG, and the actors left out because they take no shown step."""

    svg: str
    idle: tuple[str, ...]


def _target(c: Change) -> str:
    """The state lane a change belongs to: its element, or `globals`."""
    if c.slot.kind is SlotKind.FIELD:
        return f"{c.slot.owner}[{c.slot.index}]"
    return GLOBALS


def _arrow_label(c: Change) -> str:
    name = c.slot.member if c.slot.kind is SlotKind.FIELD else c.name
    return f"{name}: {c.before} \u2192 {c.after}{c.note}"


def _own(c: Change) -> bool:
    """A change of the acting instance's own locals (shown inside its box)."""
    return c.slot.kind is SlotKind.LOCAL


def _box_lines(s: StepView) -> list[str]:
    lines = [f"{s.index}. {s.label} \u2192 {s.next_label}"]
    if s.choices:
        lines.append(" ".join(f"{k}={v}" for k, v in s.choices))
    lines.extend(f"{c.short}: {c.before} \u2192 {c.after}{c.note}" for c in s.changes if _own(c))
    return lines


def _wrap_items(items: list[str], width: float) -> list[str]:
    """`items` joined by spaces into lines of at most `width` pixels."""
    lines: list[str] = []
    for item in items:
        if lines and _text_w(lines[-1] + " " + item) <= width:
            lines[-1] += " " + item
        else:
            lines.append(item)
    return lines


def _lanes(model: Model, trace: Trace, view: TraceView) -> tuple[list[_Lane], tuple[str, ...]]:
    layout = Layout(model)
    moving = {s.who for s in view.shown}
    actors = {n: _Lane(n, "actor") for n in view.instances if n in moving}
    idle = tuple(n for n in view.instances if n not in moving)
    touched: dict[str, None] = {}
    changed: set[str] = set()
    for s in view.shown:
        for c in s.changes:
            changed.add(c.name)
            if not _own(c):
                touched[_target(c)] = None
    states: dict[str, _Lane] = {}  # globals first, then elements, in layout order
    consts: dict[str, list[str]] = {}
    for slot, value in zip(layout.slots, trace.init, strict=True):
        name = None
        if slot.kind is SlotKind.GLOBAL:
            name = GLOBALS
        elif slot.kind is SlotKind.FIELD:
            name = f"{slot.owner}[{slot.index}]"
        if name is None or name not in touched:
            continue
        lane = states.setdefault(name, _Lane(name, "state"))
        label = slot.member if slot.kind is SlotKind.FIELD else slot.name
        shown = f"{label}={layout.show(slot, value)}"
        lane.tip.append(shown)
        if slot.name in changed:
            lane.header.append(shown)
        elif slot.const and slot.kind is SlotKind.FIELD:
            consts.setdefault(name, []).append(shown)  # what explains the element
    for slot, value in zip(layout.slots, trace.init, strict=True):
        owner = slot.name.removesuffix(".pc" if slot.kind is SlotKind.PC else f".{slot.member}")
        actor = actors.get(owner) if slot.kind in (SlotKind.PC, SlotKind.LOCAL) else None
        if actor is None:
            continue
        if slot.kind is SlotKind.PC:
            actor.header.append(f"@{layout.show(slot, value)}")
            actor.tip.append(f"pc={layout.show(slot, value)}")
        else:
            shown = f"{slot.member}={layout.show(slot, value)}"
            actor.tip.append(shown)
            if slot.name in changed:
                actor.header.append(shown)
    lanes = [*actors.values(), *states.values()]
    for lane in lanes:
        texts = [lane.name, *lane.header]
        if lane.kind == "actor":
            texts += [ln for s in view.shown if s.who == lane.name for ln in _box_lines(s)]
            natural = max(_text_w(t) for t in texts) + 24
        else:
            labels = [
                _arrow_label(c) for s in view.shown for c in s.changes if _target(c) == lane.name
            ]
            natural = max(
                [_text_w(t) + 16 for t in texts]
                + [_text_w(t) + STATE_LIFELINE + 14 for t in labels]
            )
        lane.width = max(LANE_MIN, min(LANE_MAX, natural))
    _fit(lanes)
    for lane in lanes:
        if lane.name in consts:  # the constants wrap under the changed values
            lane.header += _wrap_items(consts[lane.name], lane.width - 16)
    x = float(MARGIN)
    for lane in lanes:
        lane.left = x
        x += lane.width + GAP
    return lanes, idle


def _fit(lanes: list[_Lane]) -> None:
    """Shrink the widest lanes first until the diagram fits `MAX_WIDTH` (never below
    `LANE_MIN`: a diagram with very many lanes stays wider, and its box scrolls)."""
    budget = MAX_WIDTH - 2 * MARGIN - GAP * max(0, len(lanes) - 1)
    while sum(lane.width for lane in lanes) > budget:
        wide = [lane for lane in lanes if lane.width > LANE_MIN]
        if not wide:
            return
        excess = sum(lane.width for lane in lanes) - budget
        top = max(lane.width for lane in wide)
        tied = [lane for lane in wide if lane.width >= top - 0.5]
        below = max([lane.width for lane in wide if lane.width < top - 0.5] + [LANE_MIN])
        cut = min(top - below, excess / len(tied)) or excess / len(tied)
        for lane in tied:
            lane.width = max(LANE_MIN, lane.width - cut)


def _clip(s: str, width: float) -> str:
    n = max(4, int(width / CHAR_W))
    return s if len(s) <= n else s[: n - 1] + "\u2026"


def _text(x: float, y: float, s: str, cls: str, anchor: str = "start") -> str:
    return f'<text x="{x:.1f}" y="{y:.1f}" class="{cls}" text-anchor="{anchor}">{_esc(s)}</text>'


def render_svg(model: Model, trace: Trace) -> str:
    """The trace as an inline SVG sequence diagram."""
    return render_diagram(model, trace).svg


def render_diagram(model: Model, trace: Trace) -> Diagram:
    """The trace as an SVG sequence diagram, and the actors it leaves out."""
    view = describe(model, trace)
    lanes, idle = _lanes(model, trace, view)
    by_name = {lane.name: lane for lane in lanes}
    header_h = LINE_H * (1 + max((len(lane.header) for lane in lanes), default=0)) + 14
    top = MARGIN + header_h + 14
    body: list[str] = []
    ends: dict[str, float] = {}
    y = top
    span_right = max((lane.right for lane in lanes), default=MARGIN * 2.0)
    for s in view.shown:
        if view.loop is not None and s.index == view.loop + 1:
            # NOTE(fair lasso): the steps below this line repeat forever
            body.append(
                f'<line x1="{MARGIN}" y1="{y:.1f}" x2="{span_right:.1f}" y2="{y:.1f}" '
                'class="cycle"/>'
            )
            body.append(_text(MARGIN + 4, y + 14, view.cycle_mark.strip("- "), "cycletext"))
            y += 24
        lane = by_name[s.who]
        lines = _box_lines(s)
        groups: dict[str, list[str]] = {}
        for c in s.changes:
            if not _own(c):
                groups.setdefault(_target(c), []).append(_arrow_label(c))
        box_h = LINE_H * len(lines) + 10
        bx, bw = lane.left + 6, lane.width - 12
        tip = "\n".join([f"step {s.index}: {s.who} {s.label}", *lines[1:]])
        tip += "".join(
            f"\n{c.name}: {c.before} -> {c.after}{c.note}" for c in s.changes if not _own(c)
        )
        body.append(f'<g class="step" id="s{s.index}"><title>{_esc(tip)}</title>')
        body.append(
            f'<rect x="{bx:.1f}" y="{y:.1f}" width="{bw:.1f}" height="{box_h}" rx="4" class="box"/>'
        )
        for i, ln in enumerate(lines):
            cls = "boxlabel" if i == 0 else "boxtext"
            body.append(_text(bx + 6, y + 16 + i * LINE_H, _clip(ln, bw - 12), cls))
        # NOTE(lanes): the arrow to the farthest lane runs first (highest), so it passes
        # above the labels of the nearer lanes, which start lower down.
        order = sorted(groups, key=lambda t: -by_name[t].left)
        block_end = y
        for k, target in enumerate(order):
            dest = by_name[target]
            ay = y + 12 + k * LINE_H
            x1 = bx + bw
            body.append(
                f'<line x1="{x1:.1f}" y1="{ay:.1f}" x2="{dest.lifeline - 5:.1f}" y2="{ay:.1f}" '
                f'class="arrow" marker-end="url(#head)"/>'
            )
            body.append(f'<circle cx="{dest.lifeline:.1f}" cy="{ay:.1f}" r="4" class="mark"/>')
            room = dest.right - 4 - dest.label_x
            for i, label in enumerate(groups[target]):
                body.append(_text(dest.label_x, ay + 4 + i * LINE_H, _clip(label, room), "change"))
            block_end = max(block_end, ay + 4 + (len(groups[target]) - 1) * LINE_H)
        body.append("</g>")
        if s.next_label == "done":
            ends[s.who] = y + box_h
        y = max(y + box_h, block_end + 6) + 12
    lifelines_end = y  # the folded line below crosses no lifeline
    if view.folded:
        first, last = len(view.steps) - view.folded + 1, len(view.steps)
        body.append(_text(MARGIN + 4, y + 12, f"{first}-{last}  {view.fold_line}", "fold"))
        y += 24
    bottom = y + 4
    parts = [_header(lane, header_h, ends.get(lane.name), lifelines_end) for lane in lanes]
    right = max((lane.right for lane in lanes), default=MARGIN * 2.0)
    width = max(right + MARGIN, _text_w(view.ending) + 2 * MARGIN + 16)
    if view.folded:
        width = max(width, _text_w(view.fold_line) + 60)
    parts.append(
        f'<rect x="{MARGIN}" y="{bottom:.1f}" width="{width - 2 * MARGIN:.1f}" height="24" '
        f'class="ending"/>'
    )
    parts.append(_text(MARGIN + 8, bottom + 16, view.ending, "endtext"))
    height = bottom + 24 + MARGIN
    svg = "\n".join(
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
    return Diagram(svg, idle)


def _header(lane: _Lane, header_h: float, done_at: float | None, bottom: float) -> str:
    """A lane's head box and lifeline; an actor's lifeline ends in an X once it is done."""
    x = lane.lifeline
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
        f'<rect x="{lane.left + 2:.1f}" y="{top}" width="{lane.width - 4:.1f}" '
        f'height="{header_h:.1f}" rx="5" class="head"/>'
    )
    mid = lane.left + lane.width / 2
    room = lane.width - 12
    out.append(_text(mid, top + 17, _clip(lane.name, room), "headname", "middle"))
    for i, ln in enumerate(lane.header):
        out.append(_text(mid, top + 17 + (i + 1) * LINE_H, _clip(ln, room), "headtext", "middle"))
    out.append("</g>")
    return "\n".join(out)
