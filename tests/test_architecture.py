"""The tree is the architecture: imports point one way.

Two front ends meet in one IR: dsl -> lower -> build -> ir (the DSL lowering drives the
Python builder, which validates into the IR); then ir -> semantics -> {engines, tla,
trace} -> verdicts -> cli.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parent.parent / "mbind_formal"

# the back end: what only engines, emitters, traces and the CLI may import
_BACK = ("engines", "tla", "tlc", "trace", "cli", "verdicts")

# layer -> packages it must never import (downstream ones)
FORBIDDEN = {
    "children": ("diagnostics", "dsl", "ir", "build", "lower", "semantics", *_BACK),
    "diagnostics": ("dsl", "ir", "build", "lower", "semantics", *_BACK),
    "schema": ("dsl", "ir", "build", "lower", "semantics", *_BACK),
    "highlight": ("dsl", "ir", "build", "lower", "semantics", *_BACK),
    "dsl": ("ir", "build", "lower", "semantics", *_BACK),
    "ir": ("dsl", "build", "lower", "semantics", *_BACK),
    "build": ("dsl", "lower", "semantics", *_BACK),
    "lower": ("semantics", *_BACK),
    "semantics": ("dsl", "build", "lower", *_BACK),
    "engines": ("dsl", "build", "lower", "cli", "verdicts"),
    "tla": ("dsl", "build", "lower", "tlc", "cli", "verdicts"),
    "tlc": ("dsl", "build", "lower", "cli", "verdicts"),
    "trace": ("dsl", "build", "lower", "cli", "verdicts"),
    "verdicts": ("cli",),
}


def _layer(path: Path) -> str:
    rel = path.relative_to(PKG)
    return rel.parts[0].removesuffix(".py")


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, a.name) for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
    return found


MODULES = sorted(p for p in PKG.rglob("*.py") if _layer(p) in FORBIDDEN)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PKG)))
def test_imports_point_downstream_only(path: Path) -> None:
    layer = _layer(path)
    for lineno, module in _imports(path):
        parts = module.split(".")
        if parts[0] != "mbind_formal" or len(parts) < 2:
            continue
        assert parts[1] not in FORBIDDEN[layer], (
            f"{path.relative_to(PKG)}:{lineno} imports {module}: "
            f"the {layer} layer must not depend on {parts[1]}"
        )


@pytest.mark.parametrize("path", sorted(PKG.rglob("*.py")), ids=lambda p: str(p.relative_to(PKG)))
def test_no_module_level_mutable_state(path: Path) -> None:
    """No globals: module-level lists, dicts and sets must not exist (constants are tuples,
    frozensets or read-only mappings named in UPPER_CASE)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign | ast.AnnAssign):
            value = node.value
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names = [t.id for t in targets if isinstance(t, ast.Name) and not t.id.startswith("__")]
            if not names:
                continue
            mutable = isinstance(value, ast.List | ast.Set | ast.ListComp | ast.SetComp)
            if isinstance(value, ast.Dict | ast.DictComp):
                mutable = not all(
                    n.isupper() or (n.startswith("_") and n[1:].isupper()) for n in names
                )
            assert not mutable, (
                f"{path.relative_to(PKG)}:{node.lineno}: module-level mutable {names}"
            )


# A folder holds one concern; one that outgrows this share of the package is split.
MAX_FOLDER_SHARE = 0.20


def test_no_folder_outgrows_its_share() -> None:
    lines: dict[Path, int] = {}
    for path in PKG.rglob("*.py"):
        lines[path.parent] = lines.get(path.parent, 0) + len(path.read_text("utf-8").splitlines())
    total = sum(lines.values())
    for folder, n in sorted(lines.items()):
        assert n <= MAX_FOLDER_SHARE * total, (
            f"{folder.relative_to(PKG.parent)} holds {n} of {total} lines "
            f"({n / total:.0%}): split it by concern"
        )
