"""ITF reading refuses what is not an ITF trace of ours in plain words: the plain JSON
rendering (`trace --format json`), and names in `#meta` that would put control
characters on the terminal."""

from __future__ import annotations

import json

import pytest
from trace_models import race_model, race_trace

from mbind_formal.diagnostics import DiagnosticError
from mbind_formal.trace.itf import read_itf, read_meta, write_itf
from mbind_formal.trace.text import trace_document


def _error(text: str) -> tuple[str, str | None]:
    with pytest.raises(DiagnosticError) as e:
        read_meta(text, "t.json")
    [d] = e.value.diagnostics
    assert d.code == "MBF008"
    return d.message, d.hint


def test_the_plain_json_rendering_is_recognised() -> None:
    model = race_model()
    text = json.dumps(trace_document(model, race_trace(model)))
    message, hint = _error(text)
    assert message == "t.json: this is a `trace --format json` file, not an ITF trace"
    assert hint is not None and "trace --format itf" in hint
    with pytest.raises(DiagnosticError):
        read_itf(model, text, "t.json")


@pytest.mark.parametrize("key", ["variant", "claim", "engine"])
def test_control_characters_in_meta_names_are_refused(key: str) -> None:
    model = race_model()
    doc = json.loads(write_itf(model, race_trace(model)))
    doc["#meta"][key] = "a\x1b[2Jb"
    message, _ = _error(json.dumps(doc))
    assert message == f"t.json at #meta.{key}: 'a\\x1b[2Jb' holds a control character"


def test_other_meta_texts_may_span_lines() -> None:
    model = race_model()
    doc = json.loads(write_itf(model, race_trace(model)))
    doc["#meta"]["description"] = "written by hand\nsecond line"
    assert read_meta(json.dumps(doc)).description == "written by hand\nsecond line"
    assert len(read_itf(model, json.dumps(doc))) == len(race_trace(model))
