"""Forms re-saved as Excel 97–2003 (.xls) by LibreOffice read back exactly like the .xlsx.

One LibreOffice run converts a filled F01, F02 and F03; the .xls reader
(xlrd: values and defined names) must give the same Submission values, the
same identity and the same finding codes as the original, whichever engine is
asked for, through read_form and read_many alike.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from test_reader import UNITS, make_form, sample_values
from xlplan.core.plan import Plan
from xlplan.io import libreoffice
from xlplan.io.form_reader import read_form
from xlplan.io.intake import READ, outcome, read_many
from xlplan.io.readers import ENGINES, XlsReader, open_workbook, sniff

CASES = (("F01", "2017", 0), ("F02", "2017-Q2", 1), ("F03", "2017", 2))


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory, plan: Plan, soffice: str) -> list[tuple[Path, Path]]:
    """(original .xlsx, LibreOffice's .xls) for a filled F01, F02 and F03."""
    root = tmp_path_factory.mktemp("xls")
    originals = []
    for form, period, index in CASES:
        unit = UNITS[index]
        originals.append(make_form(root / f"{unit.code}_{form}.xlsx", "writer", form, plan, unit, period,
                                   sample_values(form, plan, unit, seed=index)))
    legacy = libreoffice.convert_many(originals, "xls", root / "xls")
    return list(zip(originals, legacy))


def test_converted_files_are_real_xls(converted: list[tuple[Path, Path]]) -> None:
    for _, legacy in converted:
        assert legacy.read_bytes()[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        assert sniff(legacy) == "xls"
        with open_workbook(legacy) as reader:
            assert isinstance(reader, XlsReader)
            assert "xlp_form" in reader.defined_names()


@pytest.mark.parametrize("engine", sorted(ENGINES))
def test_xls_reads_the_same_as_xlsx(converted: list[tuple[Path, Path]], plan: Plan, engine: str) -> None:
    for original, legacy in converted:
        expected, got = read_form(original, plan), read_form(legacy, plan, engine)
        assert outcome(got) == READ, [(f.code, f.params) for f in got.findings]
        assert (got.form, got.version, got.plan_id, got.plan_year, got.unit, got.period) == \
            (expected.form, expected.version, expected.plan_id, expected.plan_year, expected.unit, expected.period)
        assert got.as_dict() == expected.as_dict()
        assert {k: (v.sheet, v.cell) for k, v in got.values.items()} == \
            {k: (v.sheet, v.cell) for k, v in expected.values.items()}
        assert [f.code for f in got.findings] == [f.code for f in expected.findings]


def test_xls_through_read_many_and_under_other_names(converted: list[tuple[Path, Path]], plan: Plan,
                                                     tmp_path: Path) -> None:
    """The content decides: an .xls named .xlsx (or with no extension) is still an .xls."""
    renamed = []
    for i, (_, legacy) in enumerate(converted):
        target = tmp_path / (f"renamed_{i}.xlsx" if i % 2 == 0 else f"renamed_{i}")
        shutil.copyfile(legacy, target)
        renamed.append(target)
    cut = tmp_path / "cut.xls"
    cut.write_bytes(converted[0][1].read_bytes()[:3000])
    subs = read_many([legacy for _, legacy in converted] + renamed + [cut], plan)
    expected = [read_form(original, plan).as_dict() for original, _ in converted]
    assert [s.as_dict() for s in subs[:6]] == expected + expected
    assert outcome(subs[-1]) in ("file-unreadable", "format-unsupported")
    assert not subs[-1].values
