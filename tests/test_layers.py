"""Imports run one way: faces → services → io → core, and the core stays pure.

Checked statically (ast), so a lazy import inside a function counts too.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path


import xlplan

PACKAGE = Path(xlplan.__file__).parent
LAYERS = {"core": 0, "io": 1, "services": 2}
FACE = 3
# Third-party packages the pure core must never touch.
NOT_IN_CORE = {"openpyxl", "xlwings", "pandas", "python_calamine", "defusedxml", "click", "numpy"}


def layer_of(module: str) -> int:
    parts = module.split(".")
    if parts[0] != "xlplan":
        raise ValueError(module)
    if len(parts) == 1:
        return 0
    return LAYERS.get(parts[1], FACE)


def modules() -> list[tuple[str, Path]]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found.append((".".join(parts), path))
    return found


def imports_of(module: str, path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    is_package = path.name == "__init__.py"
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                base = base if is_package else base[:-1]
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
                if node.module is None:
                    names.extend(f"{target}.{a.name}" for a in node.names)
                else:
                    names.append(target)
            else:
                names.append(node.module or "")
    return names


def test_imports_run_one_way():
    wrong = []
    for module, path in modules():
        own = layer_of(module)
        for name in imports_of(module, path):
            if name.split(".")[0] != "xlplan":
                continue
            if layer_of(name) > own:
                wrong.append(f"{module} imports {name}")
    assert not wrong, "upward imports:\n" + "\n".join(wrong)


def test_core_is_pure():
    stdlib = set(sys.stdlib_module_names)
    wrong = []
    for module, path in modules():
        if layer_of(module) != 0:
            continue
        for name in imports_of(module, path):
            top = name.split(".")[0]
            if top in NOT_IN_CORE or (top not in stdlib and top not in ("xlplan", "__future__")):
                wrong.append(f"{module} imports {name}")
    assert not wrong, "the core imports I/O or third-party code:\n" + "\n".join(wrong)


def test_modules_stay_small():
    big = [f"{m}: {n} lines" for m, p in modules() if (n := len(p.read_text(encoding="utf-8").splitlines())) > 650]
    assert not big, "modules over ~600 lines:\n" + "\n".join(big)


def test_the_checker_sees_upward_imports(tmp_path):
    fake = tmp_path / "bad.py"
    fake.write_text("from ..services import consolidate\nfrom xlplan.cli import main\n")
    assert imports_of("xlplan.core.bad", fake) == ["xlplan.services", "xlplan.cli"]
    assert layer_of("xlplan.services") > layer_of("xlplan.core.bad")


# -- faces never import each other, and nothing imports in a circle ------------------------

FACES = ("xlplan.cli", "xlplan.udfs", "xlplan.macros")


def face_of(module: str) -> str | None:
    """The face a module belongs to (``xlplan.cli.trace`` → ``xlplan.cli``), or None below the faces."""
    return next((face for face in FACES if module == face or module.startswith(face + ".")), None)


def face_imports(found: list[tuple[str, Path]]) -> set[str]:
    """``a imports b`` for every import from one face into another (within the cli package is fine)."""
    wrong = set()
    for module, path in found:
        own = face_of(module)
        if own is None:
            continue
        for name in imports_of(module, path):
            other = face_of(name)
            if other is not None and other != own:
                wrong.add(f"{module} imports {name}")
    return wrong


# Face-to-face imports known and owed (each to be fixed, then removed from here):
# `xlplan addin build` reads the UDF metadata (UDFS, ARG_DOCS, DESCRIPTIONS) from the UDF face itself;
# the metadata has to move into data a service can read (it lives in udfs.py today).
def test_faces_never_import_each_other():
    wrong = face_imports(modules())
    assert not wrong, "a face imports another face (go through a service):\n" + "\n".join(sorted(wrong))


def import_graph(found: list[tuple[str, Path]]) -> dict[str, set[str]]:
    """Module → the package modules it imports, lazy imports inside functions included.

    ``from . import x`` and ``from .pkg import x`` import the package *and*, when ``x`` is a
    module, the submodule ``x``: both are edges. Importing ``a.b`` is not counted as importing
    the package ``a`` (Python runs ``a/__init__`` first, but a package wiring its own submodules
    is not a circle anybody wrote).
    """
    known = {module for module, _ in found}
    graph: dict[str, set[str]] = {}
    for module, path in found:
        edges = set()
        tree = ast.parse(path.read_text(encoding="utf-8"))
        targets = iter(imports_of(module, path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                edges.update(next(targets) for _ in node.names)
            elif isinstance(node, ast.ImportFrom):
                if node.level and node.module is None:
                    names = [next(targets) for _ in node.names]
                    edges.update(names)
                    edges.add(names[0].rsplit(".", 1)[0])
                else:
                    target = next(targets)
                    edges.add(target)
                    edges.update(f"{target}.{a.name}" for a in node.names if f"{target}.{a.name}" in known)
        graph[module] = {name for name in edges if name in known and name != module}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One circle per strongly connected component of ``graph``, as a path ``[a, b, …, a]``, sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[set[str]] = []

    def visit(node: str) -> None:  # Tarjan; the package has far fewer modules than the recursion limit
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(component)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(_circle_in(graph, component) for component in components)


def _circle_in(graph: dict[str, set[str]], component: set[str]) -> list[str]:
    """A shortest circle through the component's first module (breadth-first back to it)."""
    start = min(component)
    paths = {start: [start]}
    queue = [start]
    for node in queue:
        for nxt in sorted(graph[node] & component):
            if nxt == start:
                return paths[node] + [start]
            if nxt not in paths:
                paths[nxt] = paths[node] + [nxt]
                queue.append(nxt)
    raise AssertionError(f"no circle in a strongly connected component: {sorted(component)}")


def shown(circle: list[str]) -> str:
    return " → ".join(circle)


# Circles known and owed, each named by the module its listing starts from (fix, then remove).
KNOWN_CIRCLES: set[str] = set()


def test_nothing_imports_in_a_circle():
    found = [c for c in cycles(import_graph(modules())) if c[0] not in KNOWN_CIRCLES]
    assert not found, "import circles (lazy imports count too):\n" + "\n".join(shown(c) for c in found)


def test_the_checker_sees_face_imports_and_circles(tmp_path):
    package = tmp_path / "xlplan"
    (package / "cli").mkdir(parents=True)
    (package / "services").mkdir()
    files = {
        "__init__.py": "",
        "cli/__init__.py": "from .trace import trace_cmd\n",
        "cli/trace.py": "def trace_cmd():\n    from ..macros import dispatch\n",
        "macros.py": "from .services import ribbon\n",
        "services/__init__.py": "",
        "services/ribbon.py": "def about():\n    from . import excel_book\n",
        "services/excel_book.py": "import xlplan.services.ribbon\n",
    }
    for name, text in files.items():
        (package / name).write_text(text, encoding="utf-8")
    found = []
    for path in sorted(package.rglob("*.py")):
        parts = list(path.relative_to(tmp_path).with_suffix("").parts)
        found.append((".".join(parts[:-1] if parts[-1] == "__init__" else parts), path))
    assert face_imports(found) == {"xlplan.cli.trace imports xlplan.macros"}
    graph = import_graph(found)
    assert graph["xlplan.macros"] == {"xlplan.services", "xlplan.services.ribbon"}
    assert graph["xlplan.services.ribbon"] == {"xlplan.services", "xlplan.services.excel_book"}
    assert cycles(graph) == [["xlplan.services.excel_book", "xlplan.services.ribbon", "xlplan.services.excel_book"]]
    assert cycles({"a": {"b"}, "b": {"c"}, "c": set()}) == []
