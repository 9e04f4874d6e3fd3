"""The finding catalogue: well-formed entries, and docs/findings.md generated from it."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from xlplan.cli import main
from xlplan.core.findings import CATALOGUE, Severity, catalogue_markdown, make

DOCS = Path(__file__).resolve().parents[1] / "docs" / "findings.md"


def test_docs_are_generated_from_the_catalogue():
    assert DOCS.read_text(encoding="utf-8") == catalogue_markdown(), (
        "docs/findings.md is stale: run `python -m tools.docs`")


def test_cli_prints_the_same_markdown():
    result = CliRunner().invoke(main, ["findings", "--markdown"])
    assert result.exit_code == 0 and result.output == catalogue_markdown()


def test_codes_are_stable_kebab_case_with_vietnamese_text():
    for code, kind in CATALOGUE.items():
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", code), code
        assert kind.code == code and isinstance(kind.severity, Severity)
        assert kind.title and kind.message and kind.fix


def test_every_template_renders_with_its_parameters():
    for code, kind in CATALOGUE.items():
        finding = make(code, unit="U1", file="f.xlsx", sheet="Đăng ký", cell="C12",
                       **{name: "x" for name in kind.params() if name != "cell"})
        assert "{" not in finding.message and "{" not in finding.fix, code
        assert finding.location == "'Đăng ký'!C12"
