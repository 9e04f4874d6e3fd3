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
