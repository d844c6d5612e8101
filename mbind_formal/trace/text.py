"""Text traces: a counterexample as rows or as swimlanes, for terminals and mail.

Input: a `Model` and a `Trace` (states in `semantics.layout` order). Output: text. `describe`
turns the trace into `StepView`s (who moved, which step, what was chosen, which slots
changed, printed as the spec spells values); `render_rows` and `render_lanes` lay them
out; `write_text` prints them highlighted with rich on a terminal and plain otherwise.
The HTML diagram (`trace.diagram`) reads the same `StepView`s, so every view of a
trace shows the same facts.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, TextIO

from rich.console import Console
from rich.text import Text

from mbind_formal.ir.model import Model, Pick, Type
from mbind_formal.ir.walk import stmts
from mbind_formal.schema import DocKind, header
from mbind_formal.semantics.layout import (
    Layout,
    Slot,
    SlotKind,
    State,
    Value,
    instance_name,
    show_value,
)
from mbind_formal.semantics.relation import Semantics, SemanticsError
from mbind_formal.trace.model import Trace, TraceKind, TraceStep

LayoutName = Literal["rows", "lanes"]

MAIL_WIDTH = 100  # lanes stay pasteable into a mail

STYLE_ACTOR = "bold cyan"
STYLE_LABEL = "bold"
STYLE_CHOICE = "magenta"
STYLE_NAME = "dim"
STYLE_OLD = "red"
STYLE_NEW = "green"
STYLE_VERDICT = "bold red"


@dataclass(frozen=True, slots=True)
class Change:
    """One slot whose value a step changed, or (`written`) a slot it stored the value it
    already held to, shown where it matters: a global or field that another actor
    instance also stores to in the trace (a lost update's decisive store is one);
    `short` drops the acting instance's prefix."""

    slot: Slot
    name: str
    short: str
    before: str
    after: str
    written: bool = False

    @property
    def note(self) -> str:
        """` (written)` after a store that left the value as it was."""
        return " (written)" if self.written else ""


@dataclass(frozen=True, slots=True)
class StepView:
    """One step as every renderer shows it (values already printed in spec syntax)."""

    index: int  # 1-based position in the trace
    actor: str
    instance: int
    who: str  # instance name as the layout spells it: `mbind`, `reclaim[1]`
    label: str
    next_label: str  # where the instance's pc points afterwards (`done` at the end)
    choices: tuple[tuple[str, str], ...]
    changes: tuple[Change, ...]


@dataclass(frozen=True, slots=True)
class InitGroup:
    """Part of the initial state: a heading and its items (`flags={...}`, `Page[0] ...`)."""

    heading: str
    items: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TraceView:
    title: str
    ending: str
    init: tuple[InitGroup, ...]
    steps: tuple[StepView, ...]
    instances: tuple[str, ...]  # every actor instance, in layout order
    folded: int = 0  # trailing steps shown as one line (`fold_line`), 0 for none
    loop: int | None = None  # a lasso's cycle starts after this many steps (Trace.loop)

    @property
    def cycle_mark(self) -> str:
        """The line set before the first step of a lasso's cycle."""
        return f"-- cycle: from state {self.loop}, the steps below repeat forever --"

    @property
    def shown(self) -> tuple[StepView, ...]:
        """The steps shown one by one (all but the folded tail)."""
        return self.steps[: len(self.steps) - self.folded]

    @property
    def fold_line(self) -> str:
        """`... 3 actors finish without changing state (a, b, c)` for the folded tail."""
        tail = self.steps[len(self.steps) - self.folded :]
        if not tail:
            return ""
        who = ", ".join(s.who for s in tail)
        n = len(tail)
        return f"... {n} actors finish without changing state ({who})"


# ----------------------------------------------------------------------------- analysis


def choice_type(model: Model, actor: str, label: str, name: str) -> Type | None:
    """The domain of the `pick name` in that step, when a choice comes from a pick
    (None when it does not, or when picks of that name in the step differ in domain:
    such choices are shown and written as plain integers)."""
    try:
        steps = model.actor(actor).steps
    except KeyError:
        return None
    found = {
        s.domain
        for step in steps
        if step.label == label
        for s in stmts(step.body)
        if isinstance(s, Pick) and s.var == name
    }
    return found.pop() if len(found) == 1 else None


def show_choice(model: Model, actor: str, label: str, name: str, value: Value) -> str:
    t = choice_type(model, actor, label, name)
    if t is None:
        return str(int(value)) if not isinstance(value, bool) else str(value).lower()
    try:
        return show_value(t, value)
    except (IndexError, ValueError):
        return str(value)


def who(model: Model, actor: str, instance: int) -> str:
    try:
        return instance_name(actor, model.actor(actor).instances, instance)
    except KeyError:
        return f"{actor}[{instance}]"


SHARED = (SlotKind.GLOBAL, SlotKind.FIELD)


def _raced(layout: Layout, stores: Sequence[tuple[str, frozenset[int]]]) -> frozenset[int]:
    """Shared slots that two or more actor instances store to in the trace, from each
    step's (instance, stored slots): where a store of the same value matters."""
    writers: dict[int, set[str]] = {}
    for who_, slots in stores:
        for i in slots:
            if layout.slots[i].kind in SHARED:
                writers.setdefault(i, set()).add(who_)
    return frozenset(i for i, w in writers.items() if len(w) >= 2)


def _changes(
    layout: Layout, before: State, after: State, acting: str, written: frozenset[int]
) -> tuple[Change, ...]:
    out = []
    for i, (slot, old, new) in enumerate(zip(layout.slots, before, after, strict=True)):
        if slot.kind is SlotKind.PC and slot.name == f"{acting}.pc":
            continue
        same = old == new
        if same and i not in written:
            continue
        short = slot.name.removeprefix(f"{acting}.")
        shown = layout.show(slot, old), layout.show(slot, new)
        out.append(Change(slot, slot.name, short, *shown, written=same))
    return tuple(out)


def _stores(sem: Semantics | None, before: State, step: TraceStep) -> frozenset[int]:
    """The slots the step's path stored to (None semantics, or a step no path of the
    model takes, e.g. in a trace that does not replay: none known)."""
    if sem is None:
        return frozenset()
    try:
        paths = sem.writes(before, step.actor, step.instance)
    except (SemanticsError, KeyError, IndexError):
        return frozenset()
    return next((log for nxt, log in paths if nxt == step.state), frozenset())


def _semantics(model: Model) -> Semantics | None:
    try:
        return Semantics(model)
    except SemanticsError:
        return None


def _folded(steps: Sequence[StepView]) -> int:
    """How many trailing steps only finish their actor: no change, straight to `done`
    (racers that take their `done` branch so a `final` claim can be judged). Two or
    more fold into one line, unless nothing else would be left; one stays as it is."""
    n = 0
    for s in reversed(steps):
        if s.changes or s.next_label != "done":
            break
        n += 1
    return n if 2 <= n < len(steps) else 0


def _next_label(layout: Layout, state: State, acting: str, fallback: str) -> str:
    pos = layout.index.get(f"{acting}.pc")
    if pos is None:
        return fallback
    return layout.show(layout.slots[pos], state[pos])


def describe_step(
    model: Model,
    layout: Layout,
    before: State,
    index: int,
    step: TraceStep,
    written: frozenset[int] = frozenset(),
) -> StepView:
    name = who(model, step.actor, step.instance)
    return StepView(
        index=index,
        actor=step.actor,
        instance=step.instance,
        who=name,
        label=step.label,
        next_label=_next_label(layout, step.state, name, "?"),
        choices=tuple(
            (k, show_choice(model, step.actor, step.label, k, v)) for k, v in step.choices
        ),
        changes=_changes(layout, before, step.state, name, written),
    )


def _init_groups(layout: Layout, state: State) -> tuple[InitGroup, ...]:
    """Constants first, then variables, then actors; fields grouped per element."""
    consts: list[str] = []
    variables: list[str] = []
    actors: list[str] = []
    per_elem: dict[tuple[bool, str], list[str]] = {}
    per_actor: dict[str, list[str]] = {}
    for slot, value in zip(layout.slots, state, strict=True):
        shown = layout.show(slot, value)
        match slot.kind:
            case SlotKind.GLOBAL:
                (consts if slot.const else variables).append(f"{slot.name}={shown}")
            case SlotKind.FIELD:
                key = (slot.const, f"{slot.owner}[{slot.index}]")
                per_elem.setdefault(key, []).append(f"{slot.member}={shown}")
            case SlotKind.PC:
                per_actor[slot.name.removesuffix(".pc")] = [f"@{shown}"]
            case SlotKind.LOCAL:
                base = slot.name.removesuffix(f".{slot.member}")
                per_actor[base].append(f"{slot.member}={shown}")
    for (const, elem), parts in per_elem.items():
        (consts if const else variables).append(f"{elem} " + " ".join(parts))
    for base, parts in per_actor.items():
        actors.append(base + parts[0] + "".join(f" {p}" for p in parts[1:]))
    groups = [("constants", consts), ("variables", variables), ("actors", actors)]
    return tuple(InitGroup(h, tuple(items)) for h, items in groups if items)


def _title(trace: Trace) -> str:
    where = f"variant {trace.variant}"
    engine = f", {trace.engine}" if trace.engine else ""
    n = f"{len(trace)} step{'s' if len(trace) != 1 else ''}"
    match trace.kind:
        case TraceKind.VIOLATION:
            what = f"claim {trace.claim} violated" if trace.claim else "claim violated"
        case TraceKind.WITNESS:
            what = f"witness of claim {trace.claim} reached" if trace.claim else "witness reached"
        case TraceKind.DEADLOCK:
            what = "deadlock"
        case TraceKind.TYPE_VIOLATION:
            what = f"claim {trace.claim} violated" if trace.claim else "claim violated"
            what = f"type violation ({what})"
        case TraceKind.RUN:
            what = "run"
        case TraceKind.LASSO:
            claim = f"claim {trace.claim}" if trace.claim else "the claim"
            what = f"fair lasso violating {claim}"
            n = f"{n}, cycle from state {trace.loop}"
    return f"{what} in {where} ({n}{engine})"


def _ending(trace: Trace, model: Model, sem: Semantics | None) -> str:
    match trace.kind:
        case TraceKind.TYPE_VIOLATION:
            try:
                bad = sem.bad_stores(trace.last) if sem is not None else ()
            except SemanticsError:
                bad = ()
            if not bad:
                return "=> type violation: the last state has an enabled store outside its type"
            b = bad[0]
            return f"=> {b.describe(f'{who(model, b.actor, b.instance)} {b.label}')}"
        case TraceKind.VIOLATION:
            claim = f"claim {trace.claim}" if trace.claim else "the claim"
            return f"=> the last state violates {claim}"
        case TraceKind.WITNESS:
            return "=> the last state satisfies the witness"
        case TraceKind.DEADLOCK:
            return "=> deadlock: the last state is not final and no step is enabled"
        case TraceKind.RUN:
            return "=> end of run"
        case TraceKind.LASSO:
            return lasso_ending(trace)


def lasso_ending(trace: Trace) -> str:
    """Where a lasso's cycle goes back to (NOTE(fair lasso))."""
    loop = len(trace) if trace.loop is None else trace.loop
    if trace.cycle == 0:
        return f"=> stuttering forever in state {loop}: no fair step is left to take"
    return f"=> back to state {loop}: steps {loop + 1}..{len(trace)} repeat forever"


def describe(model: Model, trace: Trace) -> TraceView:
    """The facts every renderer shows, computed once."""
    layout = Layout(model)
    sem = _semantics(model)
    stores = [
        _stores(sem, before, step) for before, step in zip(trace.states, trace.steps, strict=False)
    ]
    raced = _raced(
        layout,
        [(who(model, s.actor, s.instance), w) for s, w in zip(trace.steps, stores, strict=True)],
    )
    steps = []
    before = trace.init
    for i, (step, stored) in enumerate(zip(trace.steps, stores, strict=True), 1):
        steps.append(describe_step(model, layout, before, i, step, stored & raced))
        before = step.state
    instances = tuple(s.name.removesuffix(".pc") for s in layout.slots if s.kind is SlotKind.PC)
    return TraceView(
        title=_title(trace),
        ending=_ending(trace, model, sem),
        init=_init_groups(layout, trace.init),
        steps=tuple(steps),
        instances=instances,
        folded=0 if trace.kind is TraceKind.LASSO else _folded(steps),
        loop=trace.loop if trace.kind is TraceKind.LASSO else None,
    )


# ----------------------------------------------------------------------------- rendering


def _change_text(c: Change, *, short: bool, arrow: str = " -> ") -> Text:
    t = Text()
    t.append(c.short if short else c.name, STYLE_NAME)
    t.append(": ")
    t.append(c.before, STYLE_OLD)
    t.append(arrow)
    t.append(c.after, STYLE_NEW)
    if c.written:
        t.append(c.note, STYLE_NAME)
    return t


def _choices_text(choices: Sequence[tuple[str, str]]) -> Text:
    return Text(" ".join(f"{k}={v}" for k, v in choices), STYLE_CHOICE)


def _init_lines(view: TraceView, width: int) -> list[Text]:
    lines = [Text("initial state", STYLE_LABEL)]
    head = max((len(g.heading) for g in view.init), default=0)
    for g in view.init:
        pad = " " * (head + 4)
        packed: list[str] = []
        for item in g.items:
            if packed and len(packed[-1]) + 3 + len(item) <= width - len(pad):
                packed[-1] += f" | {item}"
            else:
                packed.append(item)
        first = True
        for line in packed:
            # an element with many fields wraps, its continuation indented under it
            for piece in _wrap_item(line, width - len(pad)):
                lead = f"  {g.heading:<{head}}  " if first else pad
                lines.append(Text(lead, STYLE_NAME) + Text(piece))
                first = False
    return lines


def _wrap_item(item: str, width: int) -> list[str]:
    """`item` cut at spaces into lines of at most `width`, continuations indented."""
    if len(item) <= width:
        return [item]
    return textwrap.wrap(item, width, subsequent_indent="  ", break_long_words=False)


def render_rows_text(view: TraceView) -> list[Text]:
    """One row per step: number, actor instance, `label -> next`, choices, changes."""
    w_who = max([5, *(len(s.who) for s in view.steps)])
    w_step = max([4, *(len(f"{s.label} -> {s.next_label}") for s in view.steps)])
    w_ch = max([7, *(len(_choices_text(s.choices).plain) for s in view.steps)])
    w_n = len(str(len(view.steps)))
    lines = [Text(view.title, STYLE_VERDICT), *_init_lines(view, MAIL_WIDTH), Text("")]
    lines.append(
        Text(f"{'#':>{w_n}}  {'actor':<{w_who}}  {'step':<{w_step}}  {'choices':<{w_ch}}  changes")
    )
    indent = " " * (w_n + w_who + w_step + w_ch + 8)
    for s in view.shown:
        if view.loop is not None and s.index == view.loop + 1:
            lines.append(Text(view.cycle_mark, STYLE_VERDICT))
        row = Text(f"{s.index:>{w_n}}  ")
        row.append(f"{s.who:<{w_who}}", STYLE_ACTOR)
        row.append("  ")
        row.append(s.label, STYLE_LABEL)
        row.append(f" -> {s.next_label}".ljust(w_step - len(s.label)))
        row.append("  ")
        choices = _choices_text(s.choices)
        row.append_text(choices)
        row.append(" " * (w_ch - len(choices.plain)) + "  ")
        changes = [_change_text(c, short=True) for c in s.changes] or [Text("-", STYLE_NAME)]
        row.append_text(changes[0])
        lines.append(row)
        lines.extend(Text(indent) + c for c in changes[1:])
    lines.extend(_fold_lines(view))
    lines.append(Text(view.ending, STYLE_VERDICT))
    return lines


def _fold_lines(view: TraceView) -> list[Text]:
    if not view.folded:
        return []
    first, last = len(view.steps) - view.folded + 1, len(view.steps)
    return [Text(f"{first}-{last}  ", STYLE_NAME) + Text(view.fold_line, STYLE_NAME)]


def _abbrev(s: str, width: int) -> str:
    return s if len(s) <= width else s[: max(1, width - 1)] + "~"


def render_lanes_text(view: TraceView, width: int = MAIL_WIDTH) -> list[Text]:
    """One column per actor instance; each step's changes wrapped under it."""
    lanes = view.instances or tuple(dict.fromkeys(s.who for s in view.steps))
    w_n = max(2, len(str(len(view.steps))))
    lane_w = max(10, min(28, (width - w_n - 2) // max(1, len(lanes))))
    lines = [Text(_abbrev(view.title, width), STYLE_VERDICT), *_init_lines(view, width)]
    lines.append(Text(""))
    header = Text(" " * (w_n + 2))
    for lane in lanes:
        header.append(f"{_abbrev(lane, lane_w - 1):<{lane_w}}", STYLE_ACTOR)
    header.rstrip()
    lines.append(header)
    done: set[str] = set()
    for s in view.shown:
        if view.loop is not None and s.index == view.loop + 1:
            lines.append(Text(_abbrev(view.cycle_mark, width), STYLE_VERDICT))
        row = Text(f"{s.index:>{w_n}}  ")
        for lane in lanes:
            if lane == s.who:
                row.append(
                    f"{_abbrev(_lane_cell(s, lane_w - 1), lane_w - 1):<{lane_w}}", STYLE_LABEL
                )
            else:
                row.append(f"{'' if lane in done else '|':<{lane_w}}", STYLE_NAME)
        if s.next_label == "done":
            done.add(s.who)
        row.rstrip()
        lines.append(row)
        lines.extend(_wrapped_changes(s, width, w_n + 4, lane_w))
    lines.extend(Text(_abbrev(t.plain, width), STYLE_NAME) for t in _fold_lines(view))
    lines.append(Text(_abbrev(view.ending, width), STYLE_VERDICT))
    return lines


def _lane_cell(s: StepView, width: int) -> str:
    """The step in its lane: the label, its choices when they fit, `(done)` at the end."""
    end = " (done)" if s.next_label == "done" else ""
    full = s.label + "".join(f" {k}={v}" for k, v in s.choices) + end
    if len(full) <= width:
        return full
    if len(s.label + end) <= width or width - len(end) < 4:
        return s.label + end
    return _abbrev(s.label, width - len(end)) + end


def _wrapped_changes(s: StepView, width: int, indent: int, lane_w: int) -> list[Text]:
    """The step's changes as `name: old->new` items, wrapped to `width`; choices that
    did not fit in the lane come first."""
    items = [_change_text(c, short=True, arrow="->") for c in s.changes]
    if s.choices and _lane_cell(s, lane_w - 1) != _lane_cell(s, 10**6):
        items.insert(0, _choices_text(s.choices))
    if not items:
        return []
    pad = " " * indent
    lines: list[Text] = []
    current = Text(pad)
    for item in items:
        sep = ", " if len(current.plain) > indent else ""
        if len(current.plain) > indent and len(current.plain) + 2 + len(item.plain) > width:
            lines.append(current + Text(","))
            current = Text(pad)
            sep = ""
        if len(pad) + len(item.plain) > width:
            for piece in textwrap.wrap(item.plain, width - indent):
                lines.append(Text(pad + piece))
            continue
        current.append(sep)
        current.append_text(item)
    if len(current.plain) > indent:
        lines.append(current)
    return lines


def render_rows(model: Model, trace: Trace) -> str:
    """The trace as plain text, one row per step."""
    return "\n".join(t.plain.rstrip() for t in render_rows_text(describe(model, trace))) + "\n"


def render_lanes(model: Model, trace: Trace, width: int = MAIL_WIDTH) -> str:
    """The trace as plain swimlanes, at most about `width` columns wide."""
    lines = render_lanes_text(describe(model, trace), width)
    return "\n".join(t.plain.rstrip() for t in lines) + "\n"


def write_text(model: Model, trace: Trace, out: TextIO, layout: LayoutName = "rows") -> None:
    """Print the trace: highlighted when `out` is a terminal, plain when piped."""
    view = describe(model, trace)
    lines = render_rows_text(view) if layout == "rows" else render_lanes_text(view)
    if getattr(out, "isatty", lambda: False)():
        console = Console(file=out, highlight=False, soft_wrap=True, emoji=False)
        for line in lines:
            console.print(line)
    else:
        out.write("\n".join(t.plain.rstrip() for t in lines) + "\n")


# ----------------------------------------------------------------------------- JSON


def trace_document(model: Model, trace: Trace) -> dict[str, Any]:
    """The trace as plain JSON-able data: printed values, per-step changes only."""
    view = describe(model, trace)
    layout = Layout(model)
    return {
        **header(DocKind.TRACE),
        "variant": trace.variant,
        "claim": trace.claim,
        "engine": trace.engine,
        "kind": trace.kind.value,
        "init": layout.as_dict(trace.init),
        "steps": [
            {
                "index": s.index,
                "actor": s.actor,
                "instance": s.instance,
                "who": s.who,
                "label": s.label,
                "next": s.next_label,
                "choices": dict(s.choices),
                "changes": {c.name: c.after for c in s.changes},
            }
            for s in view.steps
        ],
    }


def render_json(model: Model, trace: Trace) -> str:
    return json.dumps(trace_document(model, trace), indent=2) + "\n"
