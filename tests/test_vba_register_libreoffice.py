"""``RegisterUDFs`` run for real, by LibreOffice Basic in VBA mode, on the built add-in.

The text-level test (``tests/test_addin_build.py``) evaluates the generated ``ChrW()``
expressions in Python; here the add-in's own Basic runs them: LibreOffice opens the ``.xlam``
(its VBA modules become a Basic library with ``Option VBASupport 1``), and
``tests/lo_scripts/vba_register_udfs.py`` collects what each ``Application.MacroOptions`` call
receives. What Excel's Function Wizard would be given must be the Python metadata exactly.
"""

from __future__ import annotations

from pathlib import Path

from xlplan.services import addin
from xlplan.services.addin_vba import udf_specs
from tests.support.libreoffice_uno import run_script

REPO = Path(__file__).resolve().parents[1]


def test_register_udfs_gives_excel_the_python_metadata(uno_python, lo_scripts, tmp_path):
    xlam = addin.build_addin(tmp_path / "xlplan.xlam", addin.load_sources(REPO / "addin"), udf_specs())
    found = run_script(lo_scripts / "vba_register_udfs.py", [str(xlam)], timeout=300)
    assert found["book"] == "xlplan.xlam"  # ThisWorkbook.Name: the add-in qualifies each macro with it
    expected = [["'xlplan.xlam'!" + spec.name, spec.description, spec.category,
                 [arg.doc for arg in spec.args] or None] for spec in udf_specs()]
    assert found["calls"] == expected
    assert found["source_had_call"] >= len(expected)


def test_a_wrong_description_would_be_seen(uno_python, lo_scripts, tmp_path):
    """The same run on an add-in whose register module misspells one description: the
    collected call shows it (the comparison above can fail)."""
    specs = udf_specs()
    wrong = [specs[0].__class__(specs[0].name, specs[0].args, specs[0].description + " (sai)",
                                specs[0].category, specs[0].module), *specs[1:]]
    xlam = addin.build_addin(tmp_path / "xlplan.xlam", addin.load_sources(REPO / "addin"), wrong)
    found = run_script(lo_scripts / "vba_register_udfs.py", [str(xlam)], timeout=300)
    assert found["calls"][0][1] == specs[0].description + " (sai)"
    assert found["calls"][1][1] == specs[1].description
