"""ITF: the written form, round trips, and clear MBF008 errors for malformed files."""

from __future__ import annotations

import json
from typing import Any

import itf_py
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from trace_models import race_model, race_trace

from mbind_formal.diagnostics import DiagnosticError
from mbind_formal.ir.model import Model
from mbind_formal.semantics.layout import Layout, State, Value, domain, sizes_of
from mbind_formal.trace.itf import ACTION_VAR, read_itf, read_meta, to_itf, write_itf
from mbind_formal.trace.model import Trace, TraceKind, TraceStep


def test_written_form() -> None:
    model = race_model()
    doc = to_itf(model, race_trace(model), source="spec/race.mbf")
    meta = doc["#meta"]
    assert meta["format"] == "ITF"
    assert (meta["source"], meta["variant"], meta["claim"], meta["engine"]) == (
        "spec/race.mbf",
        "base",
        "never_two",
        "explicit",
    )
    assert doc["vars"] == ["flags", "nr_isolated", "victim", "Page", "mbind", "reclaim", ACTION_VAR]
    s0, s1, s2 = doc["states"]
    assert [s["#meta"]["index"] for s in doc["states"]] == [0, 1, 2]
    assert s0["flags"] == {"#set": ["MPOL_MF_STRICT", "MPOL_MF_MOVE"]}
    assert s0["victim"] == "none"
    assert s2["nr_isolated"] == {"#bigint": "2"}
    assert s1["Page"]["#map"][1] == ["Page[1]", {"movable": True, "lru": False, "owner": "RECLAIM"}]
    assert s1["reclaim"]["#map"][1] == ["reclaim[1]", {"pc": "putback"}]
    assert s0[ACTION_VAR] == {"actor": "", "label": "init", "choices": {}}
    assert s1[ACTION_VAR] == {
        "actor": "reclaim[1]",
        "label": "scan",
        "choices": {"either": {"#bigint": "0"}, "p": "Page[1]"},
    }


def test_round_trip_and_itf_py_reads_it() -> None:
    model = race_model()
    trace = race_trace(model)
    text = write_itf(model, trace)
    assert read_itf(model, text) == trace
    parsed = itf_py.trace_from_json(json.loads(text))
    assert len(parsed.states) == 3
    assert parsed.states[2].values["nr_isolated"] == 2
    assert parsed.states[0].values["flags"] == frozenset({"MPOL_MF_STRICT", "MPOL_MF_MOVE"})


def test_meta_is_readable_without_a_model() -> None:
    model = race_model("5.2")
    meta = read_meta(write_itf(model, race_trace(model), params=(("pages", 2),)))
    assert meta.params == (("pages", 2),)
    assert (meta.variant, meta.claim, meta.engine, meta.kind) == (
        "5.2",
        "never_two",
        "explicit",
        TraceKind.VIOLATION,
    )


def _states(model: Model) -> st.SearchStrategy[State]:
    layout = Layout(model)
    sizes = sizes_of(model)
    parts: list[st.SearchStrategy[Value]] = []
    for slot in layout.slots:
        if slot.type is None:
            parts.append(st.integers(0, len(slot.labels) - 1))
        else:
            parts.append(st.sampled_from(domain(slot.type, sizes)))
    return st.tuples(*parts)


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_any_trace_round_trips(data: st.DataObject) -> None:
    model = race_model(pages=3)
    states = data.draw(st.lists(_states(model), min_size=1, max_size=4))
    steps = []
    for state in states[1:]:
        actor = data.draw(st.sampled_from(["mbind", "reclaim"]))
        instance = 0 if actor == "mbind" else data.draw(st.integers(0, 1))
        label = data.draw(st.sampled_from(model.actor(actor).labels))
        choices: tuple[tuple[str, Value], ...] = ()
        if data.draw(st.booleans()):
            choices = (("p", data.draw(st.integers(0, 2))),)
        steps.append(TraceStep(actor, instance, label, state, choices))
    kind = data.draw(st.sampled_from(list(TraceKind)))
    trace = Trace("base", states[0], tuple(steps), kind, data.draw(st.none() | st.just("c")), "bmc")
    assert read_itf(model, write_itf(model, trace)) == trace


def _malformed(model: Model, doc: Any) -> str:
    with pytest.raises(DiagnosticError) as info:
        read_itf(model, json.dumps(doc) if not isinstance(doc, str) else doc, "t.itf.json")
    (diag,) = info.value.diagnostics
    assert diag.code == "MBF008"
    assert diag.message.startswith("t.itf.json")
    return diag.message


def _doc() -> Any:
    model = race_model()
    return json.loads(write_itf(model, race_trace(model)))


def test_not_json() -> None:
    msg = _malformed(race_model(), '{"vars": [')
    assert "not JSON" in msg and "line 1" in msg


def test_missing_states() -> None:
    doc = _doc()
    doc["states"] = []
    assert "at states: expected a non-empty list of states" in _malformed(race_model(), doc)


def test_wrong_value_type_names_its_path() -> None:
    doc = _doc()
    doc["states"][2]["Page"]["#map"][0][1]["lru"] = "yes"
    msg = _malformed(race_model(), doc)
    assert 'at states[2].Page["Page[0]"].lru: expected a boolean, found a string' in msg


def test_bad_bigint_and_range() -> None:
    doc = _doc()
    doc["states"][1]["nr_isolated"] = {"#bigint": "x1"}
    assert "at states[1].nr_isolated: expected an integer" in _malformed(race_model(), doc)
    doc["states"][1]["nr_isolated"] = {"#bigint": "7"}
    assert "7 lies outside 0..3" in _malformed(race_model(), doc)
    doc["states"][1]["nr_isolated"] = 1  # a plain JSON number is fine
    model = race_model()
    assert read_itf(model, json.dumps(doc)) == race_trace(model)


def test_unknown_enum_element_and_label() -> None:
    doc = _doc()
    doc["states"][1]["Page"]["#map"][1][1]["owner"] = "KSWAPD"
    assert "'KSWAPD' is not a value of enum Owner" in _malformed(race_model(), doc)
    doc = _doc()
    doc["states"][1]["victim"] = "Page[9]"
    assert "'Page[9]' is not an element of Page" in _malformed(race_model(), doc)
    doc = _doc()
    doc["states"][1]["reclaim"]["#map"][0][1]["pc"] = "nowhere"
    assert "'nowhere' is not a label of actor reclaim" in _malformed(race_model(), doc)


def test_bad_action() -> None:
    doc = _doc()
    doc["states"][1][ACTION_VAR]["actor"] = "reclaim[7]"
    msg = _malformed(race_model(), doc)
    assert "at states[1].mbf::action.actor: 'reclaim[7]' is not an actor instance" in msg
    doc = _doc()
    del doc["states"][2][ACTION_VAR]
    assert "(the step taken) is missing" in _malformed(race_model(), doc)
    doc = _doc()
    doc["states"][1][ACTION_VAR]["choices"]["p"] = "Page[5]"
    assert "choices.p: 'Page[5]' is not an element of Page" in _malformed(race_model(), doc)


def test_missing_entries_and_fields() -> None:
    doc = _doc()
    del doc["states"][0]["Page"]["#map"][1]
    assert "at states[0].Page: entry 'Page[1]' is missing" in _malformed(race_model(), doc)
    doc = _doc()
    del doc["states"][0]["mbind"]["#map"][0][1]["ok"]
    assert "field 'ok' is missing" in _malformed(race_model(), doc)
    doc = _doc()
    doc["states"][0]["Page"] = {"Page[0]": {}}
    assert "at states[0].Page: expected a map" in _malformed(race_model(), doc)


def test_trace_of_another_variant_is_refused_with_a_hint() -> None:
    doc = _doc()
    doc["vars"].append("has_unmovable")
    with pytest.raises(DiagnosticError) as info:
        read_itf(race_model(), json.dumps(doc))
    (diag,) = info.value.diagnostics
    assert "variable 'has_unmovable' is not declared in variant base" in diag.message
    assert diag.hint is not None and "--variant" in diag.hint


def test_bad_meta_kind_and_params() -> None:
    doc = _doc()
    doc["#meta"]["kind"] = "oops"
    assert "at #meta.kind" in _malformed(race_model(), doc)
    doc = _doc()
    doc["#meta"]["params"] = {"pages": "2"}
    assert "at #meta.params.pages: expected an integer" in _malformed(race_model(), doc)
    doc["#meta"]["params"] = {"pages": [2]}
    assert "at #meta.params.pages: expected an integer" in _malformed(race_model(), doc)


def test_numbers_beyond_pythons_digit_limit() -> None:
    model = race_model()
    assert "not usable JSON" in _malformed(model, "[" + "9" * 5000 + "]")
    doc = _doc()
    doc["states"][1]["nr_isolated"] = {"#bigint": "9" * 5000}
    assert "integer of 5000 digits is out of any range" in _malformed(model, doc)


def test_extra_keys_are_reported_not_ignored() -> None:
    doc = _doc()
    doc["states"][1]["dirty"] = True
    assert "at states[1]: variable 'dirty' is not declared in variant base" in _malformed(
        race_model(), doc
    )
    doc = _doc()
    doc["states"][0]["Page"]["#map"][0][1]["dirty"] = True
    msg = _malformed(race_model(), doc)
    assert "at states[0].Page[\"Page[0]\"]: field 'dirty' is not declared in Page" in msg
    doc = _doc()
    doc["states"][2]["Page"]["#map"].append(["Page[7]", {}])
    assert "entry 'Page[7]' is not one of Page[0], Page[1]" in _malformed(race_model(), doc)
    doc = _doc()
    doc["states"][2]["reclaim"]["#map"].append(["reclaim[2]", {"pc": "scan"}])
    assert "entry 'reclaim[2]' is not one of" in _malformed(race_model(), doc)
