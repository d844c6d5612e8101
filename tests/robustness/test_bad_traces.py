"""Malformed ITF files given to `mbind-formal replay`: exit 2, one MBF008 naming the place.

A valid trace comes from `trace --format itf`; each case damages one thing in it (the
file, the JSON, a value deep inside) and expects one error that names the file and the
JSON path at fault, exit 2, no traceback. A well-formed trace whose steps are illegal is
a different outcome: exit 1 with the first illegal step.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from robust_support import SMALL, assert_fails, assert_no_traceback, capped_cli, cli, write

from mbind_formal.cli.common import ExitCode

USAGE = int(ExitCode.USAGE)

Doc = dict[str, Any]


@pytest.fixture(scope="module")
def good(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Doc]:
    """The spec and a valid 3-step ITF counterexample of base/exclusive."""
    tmp = tmp_path_factory.mktemp("itf")
    spec = write(tmp, "small.mbf", SMALL)
    itf = tmp / "good.itf.json"
    run = cli("trace", spec, "--variant", "base", "--claim", "exclusive", "--engine",
              "explicit", "--format", "itf", "-o", itf)  # fmt: skip
    assert run.code == 1, run.text
    return spec, json.loads(itf.read_text(encoding="utf-8"))


def _replay(spec: Path, tmp: Path, data: str | bytes, *extra: str) -> Any:
    return cli("replay", spec, write(tmp, "t.itf.json", data), *extra)


def test_the_good_trace_replays(good: tuple[Path, Doc], tmp_path: Path) -> None:
    spec, doc = good
    run = _replay(spec, tmp_path, json.dumps(doc))
    assert run.code == 0, run.text
    assert "ok" in run.out


# ------------------------------------------------------------------ the file itself


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"   \n",
        b"not json at all",
        b"{",
        b'{"states": [}',
        b"[]",
        b"null",
        b"42",
        b'"a string"',
        b"\x89PNG\r\n\x1a\n\x00\x00",
        '{"vars": []}'.encode("utf-16"),
        b"\xff\xfe\xfa",
        b"[" * 100000 + b"]" * 100000,
        b'{"a": ' * 50000 + b"1" + b"}" * 50000,
    ],
    ids=[
        "empty",
        "blank",
        "text",
        "open-brace",
        "bad-json",
        "array",
        "null",
        "number",
        "string",
        "png",
        "utf16",
        "latin1",
        "deep-array",
        "deep-object",
    ],
)
def test_not_an_itf_document(good: tuple[Path, Doc], tmp_path: Path, data: bytes) -> None:
    spec, _ = good
    run = _replay(spec, tmp_path, data)
    r = assert_fails(run, USAGE, "MBF008")
    assert "t.itf.json" in r.message or "t.itf.json" in r.where, run.text


@pytest.mark.parametrize(
    "data",
    [
        "[" + "9" * 5000 + "]",
        '{"vars": [], "states": [], "#meta": {"x": ' + "1" * 4301 + "}}",
    ],
    ids=["array", "meta"],
)
def test_json_number_beyond_pythons_digit_limit(
    good: tuple[Path, Doc], tmp_path: Path, data: str
) -> None:
    """json.loads raises ValueError (not JSONDecodeError) past 4300 digits."""
    spec, _ = good
    assert_fails(_replay(spec, tmp_path, data), USAGE, "MBF008")


def test_missing_trace_file(good: tuple[Path, Doc], tmp_path: Path) -> None:
    spec, _ = good
    run = cli("replay", spec, tmp_path / "nope.itf.json")
    r = assert_fails(run, USAGE, "MBF501")
    assert "nope.itf.json" in r.message


def test_trace_file_is_a_directory(good: tuple[Path, Doc], tmp_path: Path) -> None:
    spec, _ = good
    assert_fails(cli("replay", spec, tmp_path), USAGE, "MBF501")


def test_huge_trace_file_is_refused_unread(good: tuple[Path, Doc], tmp_path: Path) -> None:
    """A sparse 65 MB file: refused by its size, without reading it."""
    spec, _ = good
    big = tmp_path / "big.itf.json"
    with big.open("wb") as f:
        f.truncate(65 << 20)
    r = assert_fails(cli("replay", spec, big), USAGE, "MBF501")
    assert "larger than" in r.message


def test_device_as_trace_file(good: tuple[Path, Doc]) -> None:
    """/dev/zero has size 0 and no end: it must not be read to exhaustion (run in a
    memory-capped child: in-process, this bug took the whole machine's memory)."""
    spec, _ = good
    run = capped_cli("replay", spec, "/dev/zero")
    assert_no_traceback(run)
    assert run.code == USAGE, run.text


# ------------------------------------------------------------------ damaged content


def _state(doc: Doc, i: int) -> Doc:
    states: list[Doc] = doc["states"]
    return states[i]


def _page(doc: Doc, i: int, elem: int) -> Doc:
    pairs: list[list[Any]] = _state(doc, i)["Page"]["#map"]
    rec: Doc = pairs[elem][1]
    return rec


def _set(path: Callable[[Doc], Doc], key: str, value: Any) -> Callable[[Doc], None]:
    def change(doc: Doc) -> None:
        path(doc)[key] = value

    return change


def _delete(path: Callable[[Doc], Doc], key: str) -> Callable[[Doc], None]:
    def change(doc: Doc) -> None:
        del path(doc)[key]

    return change


def _root(doc: Doc) -> Doc:
    return doc


def _meta(doc: Doc) -> Doc:
    meta: Doc = doc["#meta"]
    return meta


def _s0(doc: Doc) -> Doc:
    return _state(doc, 0)


def _s1(doc: Doc) -> Doc:
    return _state(doc, 1)


def _action1(doc: Doc) -> Doc:
    action: Doc = _s1(doc)["mbf::action"]
    return action


def _p00(doc: Doc) -> Doc:
    return _page(doc, 0, 0)


def _mbind0(doc: Doc) -> Doc:
    rec: Doc = _s0(doc)["mbind"]["#map"][0][1]
    return rec


DAMAGE: dict[str, Callable[[Doc], None]] = {
    "no-states": _delete(_root, "states"),
    "states-not-list": _set(_root, "states", {"0": 1}),
    "states-empty": _set(_root, "states", []),
    "state-not-object": lambda d: d["states"].__setitem__(1, [1, 2]),
    "vars-not-list": _set(_root, "vars", "flags"),
    "vars-unknown": lambda d: d["vars"].append("nr_mystery"),
    "var-missing-in-state": _delete(_s1, "scanned"),
    "extra-var-in-state": _set(_s1, "bogus", True),
    "bool-as-string": _set(_p00, "lru", "true"),
    "bool-as-int": _set(_p00, "lru", 1),
    "enum-unknown": _set(_p00, "owner", "KSWAPD"),
    "enum-as-int": _set(_p00, "owner", 0),
    "field-missing": _delete(_p00, "owner"),
    "field-unknown": _set(_p00, "dirty", True),
    "bigint-out-of-range": _set(_s0, "scanned", {"#bigint": "99"}),
    "bigint-negative": _set(_s0, "scanned", {"#bigint": "-1"}),
    "bigint-not-digits": _set(_s0, "scanned", {"#bigint": "0x1"}),
    "bigint-huge": _set(_s0, "scanned", {"#bigint": "9" * 5000}),
    "bigint-float": _set(_s0, "scanned", 0.5),
    "bigint-null": _set(_s0, "scanned", None),
    "set-unknown-member": _set(_s0, "flags", {"#set": ["STRICT", "MPOL_MF_LAZY"]}),
    "set-not-set": _set(_s0, "flags", ["STRICT"]),
    "map-not-map": _set(_s0, "Page", [["Page[0]", {}]]),
    "map-element-unknown": lambda d: d["states"][0]["Page"]["#map"].append(["Page[7]", {}]),
    "map-element-missing": lambda d: d["states"][0]["Page"]["#map"].pop(),
    "map-duplicate-key": lambda d: d["states"][0]["Page"]["#map"].append(
        copy.deepcopy(d["states"][0]["Page"]["#map"][0])
    ),
    "map-pair-not-pair": lambda d: d["states"][0]["Page"]["#map"].__setitem__(0, ["Page[0]"]),
    "pc-unknown-label": _set(_mbind0, "pc", "teleport"),
    "pc-not-string": _set(_mbind0, "pc", 3),
    "action-unknown-actor": _set(_action1, "actor", "kswapd[0]"),
    "action-instance-out-of-range": _set(_action1, "actor", "reclaim[9]"),
    "action-unknown-label": _set(_action1, "label", "teleport"),
    "action-not-object": _set(_s1, "mbf::action", "step"),
    "action-choices-not-object": _set(_action1, "choices", [1]),
    "meta-not-object": _set(_root, "#meta", ["variant", "base"]),
    "meta-kind-unknown": _set(_meta, "kind", "proof"),
    "meta-variant-not-string": _set(_meta, "variant", 5),
}


@pytest.mark.parametrize("name", sorted(DAMAGE))
def test_damaged_trace(good: tuple[Path, Doc], tmp_path: Path, name: str) -> None:
    spec, doc = good
    bad = copy.deepcopy(doc)
    DAMAGE[name](bad)
    run = _replay(spec, tmp_path, json.dumps(bad))
    r = assert_fails(run, USAGE, "MBF008")
    assert "t.itf.json" in r.message, run.text


@pytest.mark.parametrize(
    "name",
    ["enum-unknown", "bigint-out-of-range", "pc-unknown-label", "set-unknown-member"],
)
def test_damage_is_named_by_its_json_path(
    good: tuple[Path, Doc], tmp_path: Path, name: str
) -> None:
    spec, doc = good
    bad = copy.deepcopy(doc)
    DAMAGE[name](bad)
    r = assert_fails(_replay(spec, tmp_path, json.dumps(bad)), USAGE, "MBF008")
    assert "states[0]" in r.message, r.message


def test_unknown_variant_in_meta(good: tuple[Path, Doc], tmp_path: Path) -> None:
    spec, doc = good
    bad = copy.deepcopy(doc)
    bad["#meta"]["variant"] = "fixd"
    run = _replay(spec, tmp_path, json.dumps(bad))
    assert_fails(run, USAGE, "MBF502")
    assert "did you mean 'fixed'?" in run.err


# ------------------------------------------------------------------ well-formed, illegal


def test_swapped_states_are_an_illegal_step(good: tuple[Path, Doc], tmp_path: Path) -> None:
    spec, doc = good
    bad = copy.deepcopy(doc)
    bad["states"][1], bad["states"][2] = bad["states"][2], bad["states"][1]
    run = _replay(spec, tmp_path, json.dumps(bad))
    assert_no_traceback(run)
    assert run.code == int(ExitCode.VIOLATED), run.text
    assert "illegal" in run.out


def test_trace_of_the_wrong_variant(good: tuple[Path, Doc], tmp_path: Path) -> None:
    """base's counterexample does not violate `exclusive` in `fixed`."""
    spec, doc = good
    run = _replay(spec, tmp_path, json.dumps(doc), "--variant", "fixed")
    assert_no_traceback(run)
    assert run.code == int(ExitCode.VIOLATED), run.text


def test_trace_for_another_spec(good: tuple[Path, Doc], tmp_path: Path) -> None:
    """Replayed against a spec with other variables: a malformed trace, not a crash."""
    _, doc = good
    other = write(tmp_path, "other.mbf", SMALL.replace("scanned", "counted"))
    run = cli("replay", other, write(tmp_path, "t.itf.json", json.dumps(doc)))
    assert_fails(run, USAGE, "MBF008")
