"""Every step and definition of the bundled kernel model cites SEMANTICS.md.

Input: the text of spec/mbind.mbf and spec/mbind/*.mbf. Output: pass, or the list of
declarations (file:line) whose comment lacks a `SEMANTICS §n` citation. A citation sits on
the declaration's own line or in the comment block right above it (blank lines end the
block), as in `// SEMANTICS §4.3 queue_pages_pte_range (E2 5.3-6.5)`.
"""

from __future__ import annotations

import re
from pathlib import Path

SPEC_DIR = Path(__file__).resolve().parents[2] / "spec"
SPEC_FILES = (SPEC_DIR / "mbind.mbf", *sorted((SPEC_DIR / "mbind").glob("*.mbf")))

CITATION = re.compile(r"SEMANTICS §\d")
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
    """1-based line numbers of declarations without a SEMANTICS citation."""
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


def test_every_step_and_definition_is_cited() -> None:
    problems = [
        f"{path.relative_to(SPEC_DIR.parent)}:{n}: {path.read_text().splitlines()[n - 1].strip()}"
        for path in SPEC_FILES
        for n in uncited(path.read_text())
    ]
    assert problems == []


def test_the_scan_sees_the_declarations() -> None:
    # The scan must find the model's declarations at all (a wrong pattern would pass vacuously).
    text = "\n".join(p.read_text() for p in SPEC_FILES)
    kinds = {
        m.group(0).strip().split()[0].rstrip(":")
        for m in map(DECLARATION.match, text.splitlines())
        if m
    }
    assert {"def", "macro", "actor", "variant", "step", "claim", "scenario", "init"} <= kinds
    assert {"enter", "walk", "decide", "migrate", "finish"} <= kinds


def test_uncited_declarations_are_reported() -> None:
    text = (
        "// SEMANTICS §1.2 queue_pages_required\n"
        "def cited(p: Page) = p.misplaced;\n"
        "\n"
        "// a helper without a source\n"
        "def bare(p: Page) = p.lru;\n"
        "actor a {\n"
        "  first:  // SEMANTICS §4.1 walk_page_range\n"
        "    skip;\n"
        "  second:\n"
        "    done;\n"
        "}\n"
    )
    assert uncited(text) == [5, 6, 9]
