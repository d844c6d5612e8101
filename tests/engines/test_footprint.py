"""Step footprints (`engines.footprint`): read and write sets, guards, dependencies."""

from __future__ import annotations

from mbind_formal.engines.footprint import Footprints, claim_reads, footprints, independent
from mbind_formal.ir.model import Model
from mbind_formal.lower.spec import load_text
from mbind_formal.semantics.layout import Layout

SPEC = """
enum Owner { NONE, A }
collection Page[2] {
  var lru: bool = true;
  var owner: Owner = NONE;
}
var x: bool = false;
var y: bool = false;
var n: 0..3 = 0;

actor writer {
  put:
    x = true;
  flip:
    await y;
    Page[0].lru = false;
    done;
}

actor picker {
  var mine: Page? = none;
  take:
    pick p in Page where p.lru;
    p.owner = A;
    mine = p;
  count:
    n = n + 1;
    done;
}

actor waiter {
  wait:
    await writer@flip;
    y = true;
    done;
}

claim c {
  always !(x && y);
  reachable n == 1;
}
"""


def _load() -> tuple[Model, Layout, Footprints]:
    loaded = load_text(SPEC)
    assert loaded.spec is not None, [d.message for d in loaded.diagnostics]
    model = loaded.spec.models[0]
    layout = Layout(model)
    return model, layout, footprints(model, layout)


def _names(layout: Layout, slots: frozenset[int]) -> set[str]:
    return {layout.slots[i].name for i in slots}


def _sid(fp: Footprints, layout: Layout, actor: str, label: int) -> int:
    pc = layout.pc_slot(actor, 0)
    return next(f.sid for f in fp.steps if fp.pcs[f.instance] == pc and f.label == label)


def test_reads_and_writes_include_the_pc_and_literal_fields() -> None:
    _, lay, fp = _load()
    put = fp.steps[_sid(fp, lay, "writer", 0)]
    assert _names(lay, put.writes) == {"x", "writer.pc"}
    assert _names(lay, put.reads) == {"writer.pc"}
    assert put.guards == ()
    flip = fp.steps[_sid(fp, lay, "writer", 1)]
    assert _names(lay, flip.writes) == {"Page[0].lru", "writer.pc"}  # a literal element
    assert _names(lay, flip.reads) == {"y", "writer.pc"}
    assert [_names(lay, g) for g in flip.guards] == [{"y"}]


def test_a_picked_index_touches_every_element() -> None:
    _, lay, fp = _load()
    take = fp.steps[_sid(fp, lay, "picker", 0)]
    assert _names(lay, take.reads) == {"Page[0].lru", "Page[1].lru", "picker.pc"}
    assert _names(lay, take.writes) == {
        "Page[0].owner",
        "Page[1].owner",
        "picker.mine",
        "picker.pc",
    }


def test_at_label_reads_the_other_actors_pc() -> None:
    _, lay, fp = _load()
    wait = fp.steps[_sid(fp, lay, "waiter", 0)]
    assert _names(lay, wait.reads) == {"writer.pc", "waiter.pc"}
    assert [_names(lay, g) for g in wait.guards] == [{"writer.pc"}]


def test_dependencies() -> None:
    _, lay, fp = _load()
    put, flip = (fp.steps[_sid(fp, lay, "writer", j)] for j in (0, 1))
    take, count = (fp.steps[_sid(fp, lay, "picker", j)] for j in (0, 1))
    wait = fp.steps[_sid(fp, lay, "waiter", 0)]
    assert independent(put, take) and independent(put, count)
    assert not independent(put, flip)  # one pc
    assert not independent(flip, take)  # flip writes Page[0].lru, which take reads
    assert not independent(flip, wait)  # wait writes y (flip's guard), reads writer's pc
    assert not independent(put, wait)  # put moves writer's pc, which wait reads
    assert independent(count, wait)
    assert fp.dependent[put.sid] >> take.sid & 1 == 0
    assert fp.dependent[flip.sid] >> take.sid & 1 == 1
    # the relation is symmetric
    for f in fp.steps:
        for g in fp.steps:
            assert (fp.dependent[f.sid] >> g.sid & 1) == (fp.dependent[g.sid] >> f.sid & 1)


def test_writers_and_claim_reads() -> None:
    model, lay, fp = _load()
    loaded = load_text(SPEC)
    assert loaded.spec is not None
    claim = loaded.spec.claims[0]
    reads = claim_reads(model, lay, (claim.prop,))
    assert _names(lay, reads) == {"x", "y"}
    visible = fp.written_by(reads)
    put = _sid(fp, lay, "writer", 0)
    wait = _sid(fp, lay, "waiter", 0)
    assert visible == (1 << put) | (1 << wait)
    wreads = claim_reads(model, lay, claim.witnesses)
    assert _names(lay, wreads) == {"n"}
    assert fp.written_by(wreads) == 1 << _sid(fp, lay, "picker", 1)
