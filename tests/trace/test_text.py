"""Text traces: rows, swimlanes, plain vs highlighted output, and the JSON form."""

from __future__ import annotations

import io
import json
from dataclasses import replace

from trace_models import initial, race_model, race_trace, step

from mbind_formal.ir.model import BoolLit, Either, IndexType, Pick, RangeType, Step
from mbind_formal.trace.model import Trace, TraceKind
from mbind_formal.trace.text import (
    MAIL_WIDTH,
    choice_type,
    describe,
    render_json,
    render_lanes,
    render_rows,
    show_choice,
    write_text,
)


def test_describe_lists_only_changed_slots_with_spec_values() -> None:
    model = race_model()
    view = describe(model, race_trace(model))
    first, second = view.steps
    assert (first.who, first.label, first.next_label) == ("reclaim[1]", "scan", "putback")
    assert first.choices == (("either", "0"), ("p", "Page[1]"))
    assert [(c.name, c.before, c.after) for c in first.changes] == [
        ("nr_isolated", "0", "1"),
        ("Page[1].lru", "true", "false"),
        ("Page[1].owner", "NONE", "RECLAIM"),
    ]
    # the acting instance's own locals are shown without its prefix; its pc is the arrow
    assert [c.short for c in second.changes][-1] == "ok"
    assert all(not c.name.endswith(".pc") for c in second.changes)


def test_rows_text() -> None:
    model = race_model()
    text = render_rows(model, race_trace(model))
    assert text.splitlines()[0] == "claim never_two violated in variant base (2 steps, explicit)"
    assert "  constants  flags={MPOL_MF_STRICT, MPOL_MF_MOVE} | Page[0] movable=false" in text
    assert "  actors     mbind@isolate ok=false | reclaim[0]@scan | reclaim[1]@scan" in text
    lines = text.splitlines()
    row = next(line for line in lines if line.startswith("1  "))
    assert row.split() == [
        "1",
        "reclaim[1]",
        "scan",
        "->",
        "putback",
        "either=0",
        "p=Page[1]",
        "nr_isolated:",
        "0",
        "->",
        "1",
    ]
    # further changes of the same step line up under the first one
    nxt = lines[lines.index(row) + 1]
    assert nxt.strip() == "Page[1].lru: true -> false"
    assert nxt.index("Page[1]") == row.index("nr_isolated")
    assert lines[-1] == "=> the last state violates claim never_two"


def test_constants_come_before_variables_in_the_initial_state() -> None:
    model = race_model()
    groups = describe(model, race_trace(model)).init
    assert [g.heading for g in groups] == ["constants", "variables", "actors"]
    assert groups[0].items == (
        "flags={MPOL_MF_STRICT, MPOL_MF_MOVE}",
        "Page[0] movable=false",
        "Page[1] movable=true",
    )


def test_lanes_put_each_instance_in_its_column_and_fit_a_mail() -> None:
    model = race_model()
    text = render_lanes(model, race_trace(model))
    lines = text.splitlines()
    header = next(line for line in lines if line.lstrip().startswith("mbind"))
    col = {name: header.index(name) for name in ("mbind", "reclaim[0]", "reclaim[1]")}
    one = next(line for line in lines if line.startswith(" 1  "))
    two = next(line for line in lines if line.startswith(" 2  "))
    assert one.index("scan") == col["reclaim[1]"]
    assert one[col["mbind"]] == "|"
    assert two.index("isolate p=Page[0]") == col["mbind"]
    # changes wrap under the step they belong to
    assert "nr_isolated: 0->1" in lines[lines.index(one) + 1]
    assert all(len(line) <= MAIL_WIDTH for line in lines)


def test_lanes_abbreviate_and_wrap_when_narrow() -> None:
    model = race_model()
    lines = render_lanes(model, race_trace(model), width=60).splitlines()
    assert all(len(line) <= 60 for line in lines)
    one = lines.index(next(line for line in lines if line.startswith(" 1  ")))
    # the choices did not fit in the lane: they lead the change lines instead
    assert lines[one].rstrip().endswith("scan")
    assert lines[one + 1].strip().startswith("either=0 p=Page[1]")


def test_a_finished_instance_leaves_an_empty_lane() -> None:
    model = race_model()
    s0 = initial(model)
    s1 = step(model, s0, "reclaim", 0, "scan", (("either", 1),), **{"reclaim[0].pc": 2})
    s2 = step(model, s1.state, "reclaim", 1, "scan", (("either", 1),), **{"reclaim[1].pc": 2})
    trace = Trace("base", s0, (s1, s2), TraceKind.RUN)
    lines = render_lanes(model, trace).splitlines()
    one = next(line for line in lines if line.startswith(" 1  "))
    two = next(line for line in lines if line.startswith(" 2  "))
    assert "scan either=1 (done)" in one
    assert two.rstrip().endswith("scan either=1 (done)")
    header = next(line for line in lines if line.lstrip().startswith("mbind"))
    assert two[header.index("reclaim[0]")] == " "
    assert lines[-1] == "=> end of run"


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_plain_when_piped_highlighted_on_a_terminal() -> None:
    model = race_model()
    trace = race_trace(model)
    piped = io.StringIO()
    write_text(model, trace, piped)
    assert "\x1b[" not in piped.getvalue()
    assert piped.getvalue() == render_rows(model, trace)
    tty = _Tty()
    write_text(model, trace, tty, layout="lanes")
    assert "\x1b[" in tty.getvalue()


def test_deadlock_and_empty_traces_render() -> None:
    model = race_model()
    trace = Trace("base", initial(model), (), TraceKind.DEADLOCK)
    text = render_rows(model, trace)
    assert "deadlock in variant base (0 steps)" in text
    assert text.rstrip().endswith("no step is enabled")
    assert "deadlock" in render_lanes(model, trace)


def test_json_document() -> None:
    model = race_model()
    doc = json.loads(render_json(model, race_trace(model)))
    assert doc["kind"] == "violation" and doc["claim"] == "never_two"
    assert doc["init"]["Page[1].movable"] == "true"
    assert doc["steps"][1]["who"] == "mbind"
    assert doc["steps"][1]["choices"] == {"p": "Page[0]"}
    assert doc["steps"][1]["changes"] == {
        "nr_isolated": "2",
        "Page[0].lru": "false",
        "Page[0].owner": "MBIND",
        "mbind.ok": "true",
    }


def test_choices_of_same_named_picks_over_different_domains_are_plain_ints() -> None:
    model = race_model()
    mbind = model.actor("mbind")
    twice = Step(
        label="isolate",
        body=(
            Either(
                branches=(
                    (Pick(var="p", domain=IndexType("Page"), cond=BoolLit(value=True), body=()),),
                    (Pick(var="p", domain=RangeType(0, 3), cond=BoolLit(value=True), body=()),),
                )
            ),
        ),
    )
    odd = replace(model, actors=(replace(mbind, steps=(twice, *mbind.steps[1:])),))
    assert choice_type(model, "mbind", "isolate", "p") == IndexType("Page")
    assert choice_type(odd, "mbind", "isolate", "p") is None
    assert show_choice(odd, "mbind", "isolate", "p", 1) == "1"
    assert choice_type(model, "mbind", "isolate", "either") is None
    assert choice_type(model, "nobody", "isolate", "p") is None


def test_a_long_label_keeps_its_done_mark_in_a_narrow_lane() -> None:
    from mbind_formal.trace.text import StepView, _lane_cell

    s = StepView(3, "reclaim", 0, "reclaim", "reclaim_release", "done", (("p", "Page[0]"),), ())
    assert _lane_cell(s, 40) == "reclaim_release p=Page[0] (done)"
    assert _lane_cell(s, 22) == "reclaim_release (done)"
    assert _lane_cell(s, 18) == "reclaim_re~ (done)"
    assert len(_lane_cell(s, 18)) <= 18


LOST_UPDATE = """\
var count: 0..3 = 0;
actor worker[2] {
  var seen: 0..3 = 0;
  check:
    seen = count;
  bump:
    count = seen + 1;
    done;
}
actor idle[3] {
  s:
    done;
}
claim no_lost_update {
  final count == 2;
  reachable count == 2;
}
"""


def test_a_lost_update_shows_its_store_and_idle_actors_fold() -> None:
    """The decisive store writes the value the slot already holds: shown as written,
    since both workers store to `count`; a worker's own `seen = 0` stays unshown. The
    idle actors that only finish fold into one line."""
    from mbind_formal.engines.base import Budget
    from mbind_formal.engines.explicit import ExplicitEngine
    from mbind_formal.lower.spec import load_text

    spec = load_text(LOST_UPDATE, "lost.mbf").spec
    assert spec is not None
    model = spec.model("base")
    result = ExplicitEngine().check(model, spec.claim("no_lost_update"), Budget())
    assert result.trace is not None
    from mbind_formal.trace.minimize import minimize

    trace = minimize(model, result.trace, spec.claim("no_lost_update"))
    text = render_rows(model, trace)
    assert "count: 1 -> 1 (written)" in text
    assert "seen: 0 -> 0" not in text
    lines = text.splitlines()
    assert lines[-2].split("  ", 1)[1] == (
        "... 3 actors finish without changing state (idle[0], idle[1], idle[2])"
    )
    assert lines[-2].startswith(f"{len(trace) - 2}-{len(trace)}  ")
    lanes = render_lanes(model, trace)
    assert "count: 1->1 (written)" in lanes and "3 actors finish" in lanes
