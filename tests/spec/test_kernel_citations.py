"""The bundled kernel model cites the project's own kernel reference, docs/kernel/.

Input: the text of spec/mbind.mbf, spec/mbind/*.mbf and docs/kernel/*.md. Output: pass,
or the list of problems:
* a declaration (file:line) whose comment has no `KREF §id` citation. A citation sits on
  the declaration's own line or in the comment block right above it (blank lines end the
  block), as in `// KREF §pte.decision queue_pages_pte_range (5.3-6.5)`; further ids in
  the same comment may be bare (`§walk.early_stop`);
* a cited id that is no section of docs/kernel (a heading `## §id title` or `### §id`);
* a section of docs/kernel that the spec never cites and whose body does not say
  `Background only` (the reference explains it, the model does not depend on it);
* a citation of anything outside the repository (the old SEMANTICS.md, /work/...).
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SPEC_DIR = ROOT / "spec"
SPEC_FILES = (SPEC_DIR / "mbind.mbf", *sorted((SPEC_DIR / "mbind").glob("*.mbf")))
KREF_DIR = ROOT / "docs" / "kernel"

CITATION = re.compile(r"KREF §[a-z]")
SECTION_ID = re.compile(r"§([a-z][a-z0-9_]*(?:\.[a-z0-9_]+)*)")
HEADING = re.compile(r"^#{2,4} §([a-z][a-z0-9_]*(?:\.[a-z0-9_]+)*)\s")
BACKGROUND = "Background only"
# Declarations that need a citation: definitions, macros, actors, variants, step overrides,
# claims, scenarios, init constraints, enums, collections, params, and step labels.
DECLARATION = re.compile(
    r"^\s*(?:def|macro|actor|variant|step|claim|scenario|init|enum|collection|param)\b"
    r"|^\s*[A-Za-z_][A-Za-z0-9_]*:\s*(?://.*)?$"
)


def _is_comment(line: str) -> bool:
    s = line.strip()
    return s.startswith(("//", "/*", "*"))


def uncited(text: str) -> list[int]:
    """1-based line numbers of declarations without a KREF citation."""
    lines = text.splitlines()
    missing: list[int] = []
    for i, line in enumerate(lines):
        if not DECLARATION.match(line) or _is_comment(line):
            continue
        if CITATION.search(line):
            continue
        j = i - 1
        block: list[str] = []
        while j >= 0 and _is_comment(lines[j]):
            block.append(lines[j])
            j -= 1
        if not any(CITATION.search(b) for b in block):
            missing.append(i + 1)
    return missing


def sections(text: str) -> dict[str, str]:
    """Section id -> its body (up to the next heading of any level)."""
    out: dict[str, str] = {}
    current: str | None = None
    for line in text.splitlines():
        m = HEADING.match(line)
        if m:
            current = m.group(1)
            assert current not in out, f"duplicate section §{current}"
            out[current] = ""
        elif line.startswith("#"):
            current = None
        elif current is not None:
            out[current] += line + "\n"
    return out


def reference() -> dict[str, str]:
    out: dict[str, str] = {}
    for path in sorted(KREF_DIR.glob("*.md")):
        for sid, body in sections(path.read_text()).items():
            assert sid.split(".")[0] == path.stem or path.stem == "README", (path, sid)
            assert sid not in out, f"§{sid} defined twice"
            out[sid] = body
    return out


def cited(text: str) -> list[tuple[int, str]]:
    """(line, id) of every section id in the comments of a spec text."""
    out: list[tuple[int, str]] = []
    for n, line in enumerate(text.splitlines(), 1):
        at = line.find("//")
        comment = line[at:] if at >= 0 else (line if _is_comment(line) else "")
        out.extend((n, m.group(1).rstrip(".")) for m in SECTION_ID.finditer(comment))
    return out


def test_every_step_and_definition_is_cited() -> None:
    problems = [
        f"{path.relative_to(ROOT)}:{n}: {path.read_text().splitlines()[n - 1].strip()}"
        for path in SPEC_FILES
        for n in uncited(path.read_text())
    ]
    assert problems == []


def test_every_citation_resolves() -> None:
    known = reference()
    problems = [
        f"{path.relative_to(ROOT)}:{n}: §{sid}"
        for path in SPEC_FILES
        for n, sid in cited(path.read_text())
        if sid not in known
    ]
    assert problems == []


def test_every_section_is_cited_or_background() -> None:
    used = {sid for path in SPEC_FILES for _, sid in cited(path.read_text())}
    problems = [
        f"§{sid}" for sid, body in reference().items() if sid not in used and BACKGROUND not in body
    ]
    assert problems == []


def test_nothing_outside_the_repository_is_cited() -> None:
    for path in (*SPEC_FILES, *sorted(KREF_DIR.glob("*.md")), ROOT / "docs" / "kernel-model.md"):
        text = path.read_text()
        assert "/work/" not in text, path
    for path in SPEC_FILES:
        assert "SEMANTICS" not in path.read_text(), path


def test_the_scan_sees_the_declarations_and_sections() -> None:
    # The scans must find the model's declarations and the reference's sections at all
    # (a wrong pattern would pass vacuously).
    text = "\n".join(p.read_text() for p in SPEC_FILES)
    kinds = {
        m.group(0).strip().split()[0].rstrip(":")
        for m in map(DECLARATION.match, text.splitlines())
        if m
    }
    assert {"def", "macro", "actor", "variant", "step", "claim", "scenario", "init"} <= kinds
    assert {"enter", "walk", "decide", "migrate", "finish"} <= kinds
    known = reference()
    assert {"walk.test_walk", "walk.holes.first", "pte.toctou", "ltp.mbind02"} <= set(known)
    assert len(known) > 80


def test_uncited_declarations_are_reported() -> None:
    text = (
        "// KREF §pte.filter queue_pages_required\n"
        "def cited(p: Page) = p.misplaced;\n"
        "\n"
        "// a helper without a source\n"
        "def bare(p: Page) = p.lru;\n"
        "actor a {\n"
        "  first:  // KREF §walk.engine walk_page_range\n"
        "    skip;\n"
        "  second:\n"
        "    done;\n"
        "}\n"
    )
    assert uncited(text) == [5, 6, 9]
    assert cited(text) == [(1, "pte.filter"), (7, "walk.engine")]


def test_sections_and_background_markers_are_read() -> None:
    doc = "# x\n## §a.one One\ntext\n### §a.one.sub Sub\nBackground only: why.\n## Other\nz\n"
    assert sections(doc) == {"a.one": "text\n", "a.one.sub": "Background only: why.\n"}
