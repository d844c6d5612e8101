"""Spec files cannot run code: the package never evaluates, unpickles or shells out.

A spec is data. These checks scan the package's syntax trees for every way Python can
turn text into behaviour (eval/exec/compile, pickle/marshal/shelve, dynamic imports,
shell commands, jinja2 templates built from strings without autoescape) and allow only
the few uses whose input is a constant of the package itself.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[2] / "mbind_formal"
SOURCES = sorted(PKG.rglob("*.py"))

# Builtins that execute or import text.
FORBIDDEN_CALLS = frozenset({"eval", "exec", "compile", "__import__", "breakpoint", "input"})
# Modules that deserialise code or run commands through a shell.
FORBIDDEN_MODULES = frozenset({"pickle", "cPickle", "marshal", "shelve", "dill", "code", "pty"})
# Attribute calls that run a shell or load objects: (module-ish receiver, attribute).
FORBIDDEN_ATTRS = frozenset(
    {
        ("os", "system"),
        ("os", "popen"),
        ("os", "execv"),
        ("os", "execvp"),
        ("os", "spawnv"),
        ("yaml", "load"),
        ("runpy", "run_path"),
        ("runpy", "run_module"),
    }
)
# importlib.import_module is allowed only where the module name comes from the package:
# the engine registry's constant table and the CLI's own cmd_* modules.
DYNAMIC_IMPORT_ALLOWED = frozenset({"engines/registry.py", "cli/__init__.py"})
# compile()/exec() of the step code generated from the IR: never spec text, and every
# source is audited before it is compiled (NOTE(generated code audit), tested below).
EXEC_ALLOWED = frozenset({"semantics/compile.py"})


def _rel(path: Path) -> str:
    return path.relative_to(PKG).as_posix()


def _calls(tree: ast.AST) -> list[ast.Call]:
    return [n for n in ast.walk(tree) if isinstance(n, ast.Call)]


def _dotted(node: ast.expr) -> tuple[str, ...]:
    """`a.b.c` as ("a", "b", "c"); other receivers end the chain with "?"."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    parts.append(node.id if isinstance(node, ast.Name) else "?")
    return tuple(reversed(parts))


def _own_nodes(scope: ast.AST) -> list[ast.AST]:
    """The nodes of `scope` outside any nested function or class (their own scopes)."""
    out: list[ast.AST] = []
    todo = list(ast.iter_child_nodes(scope))
    while todo:
        node = todo.pop()
        out.append(node)
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef):
            todo.extend(ast.iter_child_nodes(node))
    return out


def _binds(scope: ast.AST) -> set[str]:
    """Names `scope` binds: parameters, assignment targets, defs, classes, imports."""
    names: set[str] = set()
    if isinstance(scope, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
        a = scope.args
        names.update(x.arg for x in (*a.posonlyargs, *a.args, *a.kwonlyargs))
        names.update(x.arg for x in (a.vararg, a.kwarg) if x is not None)
    for node in _own_nodes(scope):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names.update((x.asname or x.name).split(".")[0] for x in node.names)
    return names


def builtin_calls(tree: ast.Module, wanted: frozenset[str]) -> list[tuple[int, str]]:
    """Calls `name(...)` of names in `wanted` that really are the builtins: no enclosing
    scope rebinds them (a parameter called `compile` is not the builtin)."""
    found: list[tuple[int, str]] = []

    def visit(scope: ast.AST, shadowed: frozenset[str]) -> None:
        inner = shadowed | _binds(scope)
        for node in _own_nodes(scope):
            func = node.func if isinstance(node, ast.Call) else None
            if isinstance(func, ast.Name) and func.id in wanted and func.id not in inner:
                found.append((func.lineno, func.id))
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                visit(node, inner)
            elif isinstance(node, ast.ClassDef):  # class names are not visible in methods
                methods = [
                    x for x in node.body if isinstance(x, ast.FunctionDef | ast.AsyncFunctionDef)
                ]
                rest = [x for x in node.body if x not in methods]
                visit(ast.Module(body=rest, type_ignores=[]), inner)
                for method in methods:
                    visit(method, inner)

    visit(tree, frozenset())
    return found


@pytest.mark.parametrize("path", SOURCES, ids=_rel)
def test_no_eval_exec_or_deserialisation(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    where = _rel(path)
    for lineno, name in builtin_calls(tree, FORBIDDEN_CALLS):
        if where in EXEC_ALLOWED and name in ("compile", "exec"):
            continue
        raise AssertionError(f"{where}:{lineno} calls {name}()")
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = [a.name for a in node.names]
            mods = names if isinstance(node, ast.Import) else [node.module or ""]
            for mod in mods:
                root = mod.split(".")[0]
                assert root not in FORBIDDEN_MODULES, f"{where}:{node.lineno} imports {mod}"
    for call in _calls(tree):
        func = call.func
        chain = _dotted(func)
        if len(chain) >= 2:
            assert chain[-2:] not in FORBIDDEN_ATTRS, f"{where}:{call.lineno} calls {chain}"
        for kw in call.keywords:
            if kw.arg == "shell":
                value = kw.value
                assert isinstance(value, ast.Constant) and value.value is False, (
                    f"{where}:{call.lineno} runs a command through a shell"
                )


@pytest.mark.parametrize("path", SOURCES, ids=_rel)
def test_dynamic_imports_only_of_package_modules(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for call in _calls(tree):
        chain = _dotted(call.func)
        if chain[-1] == "import_module":
            assert _rel(path) in DYNAMIC_IMPORT_ALLOWED, (
                f"{_rel(path)}:{call.lineno}: import_module outside the registries"
            )


def test_registry_imports_only_its_own_table() -> None:
    """get_engine looks the name up in ENGINES (KeyError otherwise), never imports it."""
    from mbind_formal.engines.registry import ENGINES, get_engine

    assert all(module.startswith("mbind_formal.") for module, _ in ENGINES.values())
    with pytest.raises(KeyError):
        get_engine("os")


@pytest.mark.parametrize("path", SOURCES, ids=_rel)
def test_jinja_templates_come_from_the_package(path: Path) -> None:
    """No template is compiled from a string that could hold spec text: `from_string`
    reads a packaged file, and HTML environments autoescape."""
    text = path.read_text(encoding="utf-8")
    tree = ast.parse(text)
    for call in _calls(tree):
        chain = _dotted(call.func)
        if chain[-1] == "from_string":
            arg = call.args[0] if call.args else None
            assert isinstance(arg, ast.Name), f"{_rel(path)}:{call.lineno}: template text?"
            assert "resources.files(" in text, (
                f"{_rel(path)}:{call.lineno}: from_string on text not read from the package"
            )
        if chain[-1] == "Template" and chain[0] in ("jinja2", "Template"):
            raise AssertionError(f"{_rel(path)}:{call.lineno}: jinja2.Template from a string")
        if chain[-1] == "Environment":
            auto = {kw.arg: kw.value for kw in call.keywords}.get("autoescape")
            html = ".html" in text or "html" in _rel(path)
            if html:
                assert isinstance(auto, ast.Constant) and auto.value is True, (
                    f"{_rel(path)}:{call.lineno}: an HTML environment must autoescape"
                )


def test_the_scan_sees_a_planted_eval() -> None:
    """The scanner itself: builtins are caught, shadowing parameters are not, and a
    method called `eval` does not hide a bare eval() beside it."""

    def calls(src: str) -> list[str]:
        return [name for _, name in builtin_calls(ast.parse(src), FORBIDDEN_CALLS)]

    assert calls("def f(text):\n    return eval(text)\n") == ["eval"]
    assert calls("def f(compile):\n    return compile(1)\n") == []
    method = "class S:\n    def eval(self, e):\n        return eval(e)\n"
    assert calls(method) == ["eval"]
    assert calls("x = lambda s: exec(s)\n") == ["exec"]
    assert calls("class K:\n    v = eval('1')\n") == ["eval"]


def test_generated_step_code_passes_its_audit_and_the_audit_bites() -> None:
    """The only exec: the generated step code of the bundled model is in the audited
    language, and code that could reach anything else is refused before compile()."""
    from mbind_formal.lower.spec import load_spec
    from mbind_formal.semantics.compile import audit
    from mbind_formal.semantics.relation import Semantics

    spec = load_spec(str(PKG.parent / "spec" / "mbind.mbf"), {"pages": 2}).spec
    assert spec is not None
    sem = Semantics(spec.model(spec.variants[0]))
    assert sem.code is not None
    audit(sem.code.source)
    planted = (
        "def successors(s):\n    return __import__('os')\n",
        "def successors(s):\n    return s.__class__\n",
        "def successors(s):\n    return open('x')\n",
        "def successors(s):\n    import os\n",
        "def successors(s):\n    return (lambda: 1)()\n",
        "def successors(s):\n    return b'x'\n",
    )
    for src in planted:
        with pytest.raises(AssertionError):
            audit(src)
