"""The generated docs are current: docs/udfs.md, docs/findings.md and the layer tables.

Each of them restates the code, so each is a rendering of it (``tools/docs.py``); these
tests fail when someone changes the code and forgets ``python -m tools.docs``, or edits a
generated file by hand.
"""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path

from tools import docs
from xlplan import udfs

ROOT = Path(__file__).resolve().parents[1]
STALE = "is stale: run `python -m tools.docs`"


def _registered_udfs() -> list[str]:
    """Functions in xlplan/udfs.py decorated with ``@xw.func``, read from source (on Linux
    ``xw.func`` attaches nothing), so a UDF missing from ``UDFS`` is still found."""
    tree = ast.parse(Path(inspect.getsourcefile(udfs)).read_text(encoding="utf-8"))
    return [node.name for node in tree.body if isinstance(node, ast.FunctionDef)
            and any(ast.unparse(d.func if isinstance(d, ast.Call) else d) == "xw.func" for d in node.decorator_list)]


def test_udfs_doc_is_the_rendering_of_the_metadata():
    text = (ROOT / docs.UDFS_DOC).read_text(encoding="utf-8")
    assert text == docs.udfs_markdown(), f"{docs.UDFS_DOC} {STALE}"


def test_findings_doc_is_the_rendering_of_the_catalogue():
    text = (ROOT / docs.FINDINGS_DOC).read_text(encoding="utf-8")
    assert text == docs.rendered()[docs.FINDINGS_DOC], f"{docs.FINDINGS_DOC} {STALE}"


def test_architecture_layer_tables_are_current():
    text = (ROOT / docs.ARCHITECTURE_DOC).read_text(encoding="utf-8")
    assert text.count(docs.LAYERS_BEGIN) == 1 and text.count(docs.LAYERS_END) == 1
    assert text == docs.with_layers(text, docs.layers_markdown()), f"{docs.ARCHITECTURE_DOC} {STALE}"


def test_nothing_is_stale():
    assert docs.stale() == []


def test_every_registered_udf_is_documented_with_examples():
    registered = _registered_udfs()
    assert registered == [f.__name__ for f in udfs.UDFS]
    text = docs.udfs_markdown()
    for name in registered:
        func = getattr(udfs, name)
        assert f"### `{docs.signature(func)}`" in text, name
        assert udfs.DESCRIPTIONS[name] in text, name
        assert any(example.name == name for example in udfs.EXAMPLES), f"{name} has no example"
        for doc in udfs.ARG_DOCS[name].values():
            assert doc and docs._cell(doc) in text, (name, doc)


def test_examples_name_udfs_in_order_and_none_hits_a_bug():
    order = [f.__name__ for f in udfs.UDFS]
    positions = [order.index(example.name) for example in udfs.EXAMPLES]
    assert positions == sorted(positions), "EXAMPLES are grouped in UDFS order"
    for example in udfs.EXAMPLES:
        assert docs.evaluate(example) != udfs.ERR_UNEXPECTED, docs.formula(example)


def test_every_error_value_is_listed():
    defined = [name for name, _ in inspect.getmembers(udfs)
               if re.fullmatch(r"ERR_[A-Z_]+", name) and name != "ERR_PREFIX" or re.fullmatch(r"err_[a-z_]+", name)]
    assert sorted(defined) == sorted(udfs.ERROR_CASES)
    text = docs.udfs_markdown()
    for name, value, _, _ in docs.error_values():
        assert f"| `{name}` | `{docs._cell(value)}` |" in text


def test_what_a_cell_receives_is_stated_as_it_behaves():
    """No data: ``None`` (written by xlwings as empty text) or the text ``Chưa có số liệu``;
    an error cell comes back as its text."""
    text = docs.udfs_markdown()
    for func in udfs.UDFS:
        result = docs.no_data(func)
        assert result is None or result == udfs.NO_DATA
        shown = '`""`' if result is None else f"`{udfs.NO_DATA}`"
        section = text.split(f"### `{docs.signature(func)}`")[1].split("\n### ")[0]
        assert f"Every required argument empty: the cell receives {shown}." in section, func.__name__
        assert docs.passes_errors_through(func), func.__name__
    assert docs.received(None) == '`""`'


def test_examples_ignore_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv(udfs.PLAN_ENV, str(tmp_path / "missing.toml"))
    assert docs.udfs_markdown() == (ROOT / docs.UDFS_DOC).read_text(encoding="utf-8")
    assert udfs.os.environ[udfs.PLAN_ENV] == str(tmp_path / "missing.toml")


def test_layer_tables_follow_the_package(tmp_path):
    package = tmp_path / "xlplan"
    for rel, doc in [("__init__.py", '"""Root."""'), ("core/__init__.py", '"""Core."""'),
                     ("core/plan.py", '"""The plan:\n\nmore."""'), ("io/readers/sniff.py", '"""What kind\nof file."""'),
                     ("services/jobs.py", ""), ("cli/__init__.py", '"""The ``xlplan`` command."""'),
                     ("io/broken.py", "def (")]:
        (package / rel).parent.mkdir(parents=True, exist_ok=True)
        (package / rel).write_text(doc, encoding="utf-8")
    block = docs.layers_markdown(package)
    assert block.startswith(docs.LAYERS_BEGIN) and block.endswith(docs.LAYERS_END)
    assert "| `core/plan.py` | The plan: |" in block
    assert "| `io/readers/sniff.py` | What kind of file. |" in block
    assert "| `services/jobs.py` | — |" in block
    assert "| `io/broken.py` | (does not parse) |" in block
    assert "| `cli/__init__.py` | The `xlplan` command. |" in block
    headings = re.findall(r"^### (.+)$", block, re.MULTILINE)
    assert headings == ["core — `xlplan.core`", "io — `xlplan.io`", "io.readers — `xlplan.io.readers`",
                        "services — `xlplan.services`", "faces"]
