"""ITF traces: write a `Trace` as Apalache/Quint Informal Trace Format JSON, read one back.

Input: a `Model` and a `Trace` (writing), or ITF text (reading). Output: ITF JSON text
written with `itf-py`, or a `Trace` in `semantics.layout` order; malformed files raise
`DiagnosticError` with one MBF008 diagnostic naming the JSON path at fault.

NOTE(itf): the encoding (https://apalache-mc.org/docs/adr/015adr-trace.html):
  vars    one per global (by name), one per collection (`Page`: a `#map` from element
          names "Page[0]" to a record of its fields), one per actor (`reclaim`: a `#map`
          from instance names "reclaim[1]" to a record `{pc, <locals>}`), and
          `mbf::action`, the step that led to the state: `{"actor": "reclaim[1]",
          "label": "isolate", "choices": {"p": "Page[1]"}}` (`{"actor": "", "label":
          "init", "choices": {}}` in state 0), as Quint's `mbt::actionTaken` does.
  values  bool -> JSON bool; int range -> `{"#bigint": "3"}` (plain JSON numbers are
          accepted when reading); enum -> its name as a string; set -> `{"#set": [...]}`
          of enum names in declaration order; element -> "Page[1]", `none` -> "none";
          pc -> the step label or "done". Choices from a `pick` use the pick's domain;
          other choices (`either` branches) are integers.
  #meta   format, format-description, source, description, model, variant, claim,
          engine, kind, params (the spec parameters, e.g. {"pages": 2}); each state's
          `#meta.index` is its position.
  loop    a lasso (NOTE(fair lasso)) as Apalache writes one: `loop` is the index of the
          state that starts the cycle, which ends in the last state (the last state's
          successor is state `loop`); a `Trace` repeats that state at its end instead,
          so it is left out, and the step back to it is `#meta.loop-action` (an
          `mbf::action`). `loop` equal to the last index is stuttering there forever.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, NoReturn

import itf_py

from mbind_formal.diagnostics import Diagnostic, DiagnosticError
from mbind_formal.ir.model import (
    BoolType,
    EnumType,
    IndexType,
    Model,
    ParamValue,
    RangeType,
    SetType,
    Type,
)
from mbind_formal.schema import DocKind
from mbind_formal.semantics.layout import Layout, Slot, SlotKind, State, Value, instance_name
from mbind_formal.semantics.relation import Semantics, SemanticsError
from mbind_formal.trace.model import Trace, TraceKind, TraceStep
from mbind_formal.trace.text import choice_type, who

ACTION_VAR = "mbf::action"
FORMAT_DESCRIPTION = "https://apalache-mc.org/docs/adr/015adr-trace.html"
INIT_LABEL = "init"


@dataclass(frozen=True, slots=True)
class ItfMeta:
    """What an ITF file says about itself (all optional in a foreign file)."""

    variant: str | None = None
    claim: str | None = None
    engine: str = ""
    kind: TraceKind = TraceKind.VIOLATION
    source: str = ""
    description: str = ""
    params: tuple[tuple[str, ParamValue], ...] = ()  # the spec parameters it was written with


# ----------------------------------------------------------------------------- writing


def _encode(t: Type, value: Value) -> Any:
    """A value as the Python object `itf_py.value_to_json` turns into the ITF form."""
    match t:
        case BoolType():
            return bool(value)
        case EnumType(values=vals):
            return vals[int(value)]
        case RangeType():
            return int(value)
        case SetType(enum=e):
            return frozenset(e.values[i] for i in range(len(e.values)) if int(value) >> i & 1)
        case IndexType(collection=c):
            return "none" if int(value) < 0 else f"{c}[{int(value)}]"
        case _:
            raise AssertionError(t)


def _slot_value(slot: Slot, value: Value) -> Any:
    if slot.kind is SlotKind.PC:
        return slot.labels[int(value)]
    assert slot.type is not None
    return _encode(slot.type, value)


def _state_values(model: Model, layout: Layout, state: State) -> dict[str, Any]:
    values: dict[str, Any] = {}
    records: dict[str, dict[str, dict[str, Any]]] = {}
    for slot, value in zip(layout.slots, state, strict=True):
        encoded = _slot_value(slot, value)
        match slot.kind:
            case SlotKind.GLOBAL:
                values[slot.name] = encoded
            case SlotKind.FIELD:
                key = f"{slot.owner}[{slot.index}]"
                records.setdefault(slot.owner, {}).setdefault(key, {})[slot.member] = encoded
            case SlotKind.PC | SlotKind.LOCAL:
                key = instance_name(slot.owner, model.actor(slot.owner).instances, slot.index)
                records.setdefault(slot.owner, {}).setdefault(key, {})[slot.member] = encoded
    for owner, entries in records.items():
        values[owner] = {k: SimpleNamespace(**fields) for k, fields in entries.items()}
    for c in model.collections:  # a collection without fields is still a (empty) var
        values.setdefault(c.name, {f"{c.name}[{i}]": SimpleNamespace() for i in range(c.size)})
    return values


def _action(model: Model, step: TraceStep | None) -> SimpleNamespace:
    if step is None:
        return SimpleNamespace(actor="", label=INIT_LABEL, choices=SimpleNamespace())
    choices: dict[str, Any] = {}
    for name, value in step.choices:
        t = choice_type(model, step.actor, step.label, name)
        choices[name] = int(value) if t is None else _encode(t, value)
    actor = model.actor(step.actor)
    return SimpleNamespace(
        actor=instance_name(step.actor, actor.instances, step.instance),
        label=step.label,
        choices=SimpleNamespace(**choices),
    )


def var_names(model: Model) -> list[str]:
    # Names cannot clash: the front end rejects duplicate declarations (MBF202).
    return [
        *(g.name for g in model.globals),
        *(c.name for c in model.collections),
        *(a.name for a in model.actors),
        ACTION_VAR,
    ]


def _sort_sets(doc: Any, order: dict[str, int]) -> Any:
    """Sets in enum declaration order: frozenset iteration order is not stable."""
    if isinstance(doc, list):
        return [_sort_sets(x, order) for x in doc]
    if isinstance(doc, dict):
        out = {k: _sort_sets(v, order) for k, v in doc.items()}
        if "#set" in out and isinstance(out["#set"], list):
            out["#set"] = sorted(out["#set"], key=lambda x: order.get(str(x), -1))
        return out
    return doc


def _type_violation(model: Model, trace: Trace) -> str:
    """`mbind-formal type-violation trace: x := -1 outside 0..3 (reader[1] unlock)`."""
    try:
        bad = Semantics(model).bad_stores(trace.last)
    except SemanticsError:
        bad = ()
    if not bad:
        return f"mbind-formal {trace.kind.value} trace"
    b = bad[0]
    what = b.describe(f"{who(model, b.actor, b.instance)} {b.label}")
    return f"mbind-formal trace: {what}"


def to_itf(
    model: Model,
    trace: Trace,
    *,
    source: str = "",
    description: str = "",
    params: Sequence[tuple[str, ParamValue]] = (),
) -> Any:
    """The trace as an ITF JSON document (a dict); `params`: the spec parameters the
    model was built with (replay needs the same ones)."""
    layout = Layout(model)
    if not description and trace.kind is TraceKind.TYPE_VIOLATION:
        description = _type_violation(model, trace)
    meta = {
        "format": "ITF",
        "format-description": FORMAT_DESCRIPTION,
        "source": source or model.source,
        "description": description or f"mbind-formal {trace.kind.value} trace",
        "model": model.name,
        "variant": trace.variant,
        "claim": trace.claim,
        "engine": trace.engine,
        "kind": trace.kind.value,
        "params": dict(sorted(params)),
    }
    steps: list[TraceStep | None] = [None, *trace.steps]
    pairs = list(zip(trace.states, steps, strict=True))
    loop = trace.loop if trace.kind is TraceKind.LASSO else None
    if loop is not None and trace.cycle > 0:
        closing = pairs.pop()[1]
        meta["loop-action"] = vars(_action(model, closing)) | {
            "choices": vars(_action(model, closing).choices)
        }
    states = []
    for i, (state, step) in enumerate(pairs):
        values = _state_values(model, layout, state)
        values[ACTION_VAR] = _action(model, step)
        states.append(itf_py.State(meta={"index": i}, values=values))
    doc = itf_py.trace_to_json(
        itf_py.Trace(meta=meta, params=[], vars=var_names(model), states=states, loop=loop)
    )
    order = {v: i for e in model.enums for i, v in enumerate(e.values)}
    return _sort_sets(doc, order)


def write_itf(
    model: Model,
    trace: Trace,
    *,
    source: str = "",
    description: str = "",
    params: Sequence[tuple[str, ParamValue]] = (),
    compact: bool = False,
) -> str:
    """The trace as ITF JSON text (`compact`: no indentation, for embedding)."""
    doc = to_itf(model, trace, source=source, description=description, params=params)
    if compact:
        return json.dumps(doc, separators=(",", ":"), ensure_ascii=False) + "\n"
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


# ----------------------------------------------------------------------------- reading


class _Malformed(Exception):
    def __init__(self, path: str, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.path = path
        self.message = message
        self.hint = hint


def _fail(path: str, message: str, hint: str | None = None) -> NoReturn:
    raise _Malformed(path, message, hint)


def _error(filename: str, bad: _Malformed) -> DiagnosticError:
    where = f" at {bad.path}" if bad.path else ""
    return DiagnosticError(
        [Diagnostic(code="MBF008", message=f"{filename}{where}: {bad.message}", hint=bad.hint)]
    )


def _kind(v: Any) -> str:
    match v:
        case bool():
            return "a boolean"
        case int() | float():
            return "a number"
        case str():
            return "a string"
        case list():
            return "a list"
        case dict():
            return "an object"
        case None:
            return "null"
    return type(v).__name__


def _object(v: Any, path: str) -> dict[str, Any]:
    if not isinstance(v, dict):
        _fail(path, f"expected an object, found {_kind(v)}")
    return v


def _map(v: Any, path: str) -> dict[str, Any]:
    """An ITF `#map` with string keys, as a dict."""
    obj = _object(v, path)
    pairs = obj.get("#map")
    if not isinstance(pairs, list):
        _fail(path, 'expected a map {"#map": [[key, value], ...]}')
    out: dict[str, Any] = {}
    for i, pair in enumerate(pairs):
        if not (isinstance(pair, list) and len(pair) == 2 and isinstance(pair[0], str)):
            _fail(f"{path}.#map[{i}]", "expected a [key, value] pair with a string key")
        if pair[0] in out:
            _fail(f"{path}.#map[{i}]", f"duplicate key {pair[0]!r}")
        out[pair[0]] = pair[1]
    return out


def _bigint(v: Any, path: str) -> int:
    if isinstance(v, int) and not isinstance(v, bool):
        return v
    if isinstance(v, dict) and set(v) == {"#bigint"} and isinstance(v["#bigint"], str):
        digits = v["#bigint"]
        if re.fullmatch(r"-?[0-9]{1,40}", digits):
            return int(digits)
        if re.fullmatch(r"-?[0-9]+", digits):
            _fail(path, f"integer of {len(digits)} digits is out of any range of the model")
    _fail(path, f'expected an integer {{"#bigint": "..."}}, found {_kind(v)} {_preview(v)}')


def _preview(v: Any) -> str:
    """A short excerpt of a JSON value for an error message."""
    text = json.dumps(v)
    return text if len(text) <= 60 else text[:57] + "..."


def _name_in(v: Any, names: tuple[str, ...], what: str, path: str) -> int:
    if not isinstance(v, str):
        _fail(path, f"expected {what} (a string), found {_kind(v)}")
    if v not in names:
        _fail(path, f"{v!r} is not {what}", f"expected one of: {', '.join(names)}")
    return names.index(v)


def _decode(t: Type, v: Any, path: str, sizes: dict[str, int]) -> Value:
    match t:
        case BoolType():
            if not isinstance(v, bool):
                _fail(path, f"expected a boolean, found {_kind(v)}")
            return v
        case EnumType(name=name, values=vals):
            return _name_in(v, vals, f"a value of enum {name}", path)
        case RangeType(lo=lo, hi=hi):
            n = _bigint(v, path)
            if not lo <= n <= hi:
                _fail(path, f"{n} lies outside {lo}..{hi}")
            return n
        case SetType(enum=e):
            obj = _object(v, path)
            items = obj.get("#set")
            if not isinstance(items, list):
                _fail(path, 'expected a set {"#set": [...]}')
            mask = 0
            for i, item in enumerate(items):
                mask |= 1 << _name_in(item, e.values, f"a value of enum {e.name}", f"{path}[{i}]")
            return mask
        case IndexType(collection=c, optional=opt):
            elems = tuple(f"{c}[{i}]" for i in range(sizes[c]))
            if opt and v == "none":
                return -1
            return _name_in(v, elems, f"an element of {c}", path)
        case _:
            raise AssertionError(t)


_NAMES = frozenset({"variant", "claim", "engine"})  # the #meta texts messages may show


def _meta(doc: dict[str, Any]) -> ItfMeta:
    meta = _object(doc.get("#meta", {}), "#meta")

    def text(key: str) -> str | None:
        value = meta.get(key)
        if value is not None and not isinstance(value, str):
            _fail(f"#meta.{key}", f"expected a string, found {_kind(value)}")
        if key in _NAMES and value is not None and not value.replace(" ", "x").isprintable():
            # Names from the file reach the terminal in messages: no escape sequences.
            _fail(f"#meta.{key}", f"{value!r} holds a control character")
        return value

    raw_params = _object(meta.get("params", {}), "#meta.params")
    for name, value in raw_params.items():
        # bools are ints in Python; a string names an enum value
        if not (isinstance(value, int) or (isinstance(value, str) and value.isidentifier())):
            _fail(
                f"#meta.params.{name}",
                f"expected an integer, a bool or an enum value, found {_kind(value)}",
            )
    kind_name = text("kind") or TraceKind.VIOLATION.value
    kinds = tuple(k.value for k in TraceKind)
    kind = TraceKind(kinds[_name_in(kind_name, kinds, "a trace kind", "#meta.kind")])
    return ItfMeta(
        variant=text("variant"),
        claim=text("claim"),
        engine=text("engine") or "",
        kind=kind,
        source=text("source") or "",
        description=text("description") or "",
        params=tuple(sorted(raw_params.items())),
    )


def _document(text: str) -> dict[str, Any]:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        _fail("", f"not JSON: {e.msg} (line {e.lineno}, column {e.colno})")
    except RecursionError:
        _fail("", "not JSON: nested too deeply")
    except ValueError as e:  # a number beyond Python's int-string digit limit
        _fail("", f"not usable JSON: {e}")
    obj = _object(doc, "$")
    if obj.get("document") == DocKind.TRACE.value and "schema" in obj and "states" not in obj:
        # An easy mix-up: the plain JSON rendering has the variant at the top level,
        # so reading on would only say that the file names no variant.
        _fail(
            "",
            "this is a `trace --format json` file, not an ITF trace",
            "write the trace for replay with `mbind-formal trace --format itf`",
        )
    return obj


def read_meta(text: str, filename: str = "<itf>") -> ItfMeta:
    """The `#meta` of an ITF file (variant, claim, engine); raises `DiagnosticError`."""
    try:
        return _meta(_document(text))
    except _Malformed as bad:
        raise _error(filename, bad) from None


def read_itf(model: Model, text: str, filename: str = "<itf>") -> Trace:
    """An ITF file as a `Trace` of `model`; raises `DiagnosticError` (MBF008) naming the
    JSON path of the first problem."""
    try:
        return _read(model, _document(text))
    except _Malformed as bad:
        raise _error(filename, bad) from None


def _check_vars(model: Model, doc: dict[str, Any]) -> None:
    names = doc.get("vars")
    if not (isinstance(names, list) and all(isinstance(n, str) for n in names)):
        _fail("vars", "expected a list of variable names")
    expected = var_names(model)
    for name in expected:
        if name not in names:
            _fail(
                "vars",
                f"variable {name!r} of variant {model.variant} is missing",
                "was this trace written for another variant? pass --variant",
            )
    for name in names:
        if name not in expected:
            _fail(
                "vars",
                f"variable {name!r} is not declared in variant {model.variant}",
                "was this trace written for another variant? pass --variant",
            )


def _shape(model: Model) -> dict[str, dict[str, tuple[str, ...]]]:
    """Per collection / actor var: its entries (elements, instances) and their members."""
    out: dict[str, dict[str, tuple[str, ...]]] = {}
    for c in model.collections:
        members = tuple(f.name for f in c.fields)
        out[c.name] = {f"{c.name}[{i}]": members for i in range(c.size)}
    for a in model.actors:
        members = ("pc", *(v.name for v in a.locals))
        out[a.name] = {instance_name(a.name, a.instances, i): members for i in range(a.instances)}
    return out


def _tables(model: Model, obj: dict[str, Any], path: str) -> dict[str, dict[str, Any]]:
    """The state's collection and actor maps, with nothing missing and nothing extra."""
    expected = set(var_names(model)) | {"#meta"}
    for key in obj:
        if key not in expected:
            _fail(
                path,
                f"variable {key!r} is not declared in variant {model.variant}",
                "was this trace written for another variant? pass --variant",
            )
    tables: dict[str, dict[str, Any]] = {}
    for owner, entries in _shape(model).items():
        at = f"{path}.{owner}"
        if owner not in obj:
            _fail(path, f"variable {owner!r} is missing")
        table = _map(obj[owner], at)
        for key in entries:
            if key not in table:
                _fail(at, f"entry {key!r} is missing")
        for key, record in table.items():
            if key not in entries:
                _fail(at, f"entry {key!r} is not one of {', '.join(entries)}")
            fields = _object(record, f'{at}["{key}"]')
            for name in fields:
                if name not in entries[key]:
                    _fail(f'{at}["{key}"]', f"field {name!r} is not declared in {owner}")
        tables[owner] = table
    return tables


def _read_state(model: Model, layout: Layout, raw: Any, path: str) -> State:
    obj = _object(raw, path)
    sizes = {c.name: c.size for c in model.collections}
    tables = _tables(model, obj, path)
    values: list[Value] = []
    for slot in layout.slots:
        match slot.kind:
            case SlotKind.GLOBAL:
                if slot.name not in obj:
                    _fail(path, f"variable {slot.name!r} is missing")
                v, at = obj[slot.name], f"{path}.{slot.name}"
            case SlotKind.FIELD | SlotKind.PC | SlotKind.LOCAL:
                if slot.kind is SlotKind.FIELD:
                    key = f"{slot.owner}[{slot.index}]"
                else:
                    key = instance_name(slot.owner, model.actor(slot.owner).instances, slot.index)
                at = f'{path}.{slot.owner}["{key}"]'
                record = tables[slot.owner][key]
                if slot.member not in record:
                    _fail(at, f"field {slot.member!r} is missing")
                v, at = record[slot.member], f"{at}.{slot.member}"
        if slot.kind is SlotKind.PC:
            values.append(_name_in(v, slot.labels, f"a label of actor {slot.owner}", at))
        else:
            assert slot.type is not None
            values.append(_decode(slot.type, v, at, sizes))
    return tuple(values)


def _read_action(
    model: Model, raw: Any, path: str
) -> tuple[str, int, str, tuple[tuple[str, Value], ...]]:
    obj = _object(raw, path)
    instances = {
        instance_name(a.name, a.instances, i): (a.name, i)
        for a in model.actors
        for i in range(a.instances)
    }
    who = obj.get("actor")
    names = tuple(instances)
    actor, instance = instances[names[_name_in(who, names, "an actor instance", f"{path}.actor")]]
    labels = model.actor(actor).labels
    label = labels[_name_in(obj.get("label"), labels, f"a step of {who}", f"{path}.label")]
    choices_raw = _object(obj.get("choices", {}), f"{path}.choices")
    sizes = {c.name: c.size for c in model.collections}
    choices: list[tuple[str, Value]] = []
    for name, v in choices_raw.items():
        t = choice_type(model, actor, label, name)
        at = f"{path}.choices.{name}"
        choices.append((name, _bigint(v, at) if t is None else _decode(t, v, at, sizes)))
    return actor, instance, label, tuple(choices)


def _read(model: Model, doc: dict[str, Any]) -> Trace:
    meta = _meta(doc)
    _check_vars(model, doc)
    raw_states = doc.get("states")
    if not isinstance(raw_states, list) or not raw_states:
        _fail("states", "expected a non-empty list of states")
    layout = Layout(model)
    init = _read_state(model, layout, raw_states[0], "states[0]")
    steps = []
    for i, raw in enumerate(raw_states[1:], 1):
        path = f"states[{i}]"
        state = _read_state(model, layout, raw, path)
        obj = _object(raw, path)
        if ACTION_VAR not in obj:
            _fail(path, f"variable {ACTION_VAR!r} (the step taken) is missing")
        actor, instance, label, choices = _read_action(
            model, obj[ACTION_VAR], f"{path}.{ACTION_VAR}"
        )
        steps.append(TraceStep(actor, instance, label, state, choices))
    loop = _loop(doc, len(raw_states))
    if loop is not None and loop < len(raw_states) - 1:
        raw_meta = _object(doc.get("#meta", {}), "#meta")
        if "loop-action" not in raw_meta:
            _fail("#meta", "a lasso whose cycle has steps needs 'loop-action' (the step back)")
        actor, instance, label, choices = _read_action(
            model, raw_meta["loop-action"], "#meta.loop-action"
        )
        back = init if loop == 0 else steps[loop - 1].state
        steps.append(TraceStep(actor, instance, label, back, choices))
    return Trace(
        variant=model.variant,
        init=init,
        steps=tuple(steps),
        kind=meta.kind,
        claim=meta.claim,
        engine=meta.engine,
        loop=loop,
    )


def _loop(doc: dict[str, Any], n: int) -> int | None:
    """The ITF `loop` index (an int in 0..n-1), or None."""
    v = doc.get("loop")
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v < n:
        _fail("loop", f"expected a state index in 0..{n - 1}, found {_preview(v)}")
    return v
