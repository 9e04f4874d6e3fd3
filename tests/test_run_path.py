"""The one straight path of a run: discover → read → resolve → roll up → write.

* one consolidation (and one ``report``) opens the city workbook once, and
  the backup is exactly the workbook as it was opened;
* each input is one :class:`Submission` that carries everything about it: the
  path as found and as shown, the archived copy, size, hash, format, received time;
  its findings name the file as shown, never the archived copy;
* the intake gives the same records under ``spawn`` (the start method Windows
  uses) as under ``fork``.
"""

from __future__ import annotations

import builtins
import io
from pathlib import Path

import pytest

from xlplan.core.plan import Plan
from xlplan.io.intake import read_many
from xlplan.services.consolidate import consolidate_folder, discover, read_files
from xlplan.services.forms import make_forms
from xlplan.services.report import refresh_report
from xlplan.services.workspace import ARCHIVE, BACKUPS, INBOX, OUTPUT, WORKBOOK_NAME, init_workspace, open_workspace

@pytest.fixture()
def folder(tmp_path: Path, three_units: Path) -> Path:
    """A working folder (path with Vietnamese letters, as on the Board's PCs) with three F01 forms."""
    registry = three_units
    root = tmp_path / "Tổng hợp"
    init_workspace(root, registry_name=registry)
    ws = open_workspace(root)
    make_forms(ws.plan, list(ws.registry), "F01", "2017", root / INBOX, workers=1)
    return root


class OpenCounter:
    """Counts every ``open`` of one path (``builtins.open`` and ``io.open`` are the one function
    that pathlib, zipfile and openpyxl use), by mode."""

    def __init__(self, path: Path, monkeypatch: pytest.MonkeyPatch):
        self.path = path.resolve()
        self.reads = self.writes = 0
        real = builtins.open

        def counting(file, mode="r", *args, **kwargs):
            if isinstance(file, (str, Path)) and Path(file).resolve() == self.path:
                if any(flag in mode for flag in "wax+"):
                    self.writes += 1
                else:
                    self.reads += 1
            return real(file, mode, *args, **kwargs)

        monkeypatch.setattr(builtins, "open", counting)
        monkeypatch.setattr(io, "open", counting)


def test_one_consolidation_opens_the_city_workbook_once(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    workbook = folder / WORKBOOK_NAME
    before = workbook.read_bytes()
    opens = OpenCounter(workbook, monkeypatch)
    result = consolidate_folder(folder)
    monkeypatch.undo()
    assert result.status == "written"
    assert (opens.reads, opens.writes) == (1, 0)  # written through a temporary file and a rename
    assert result.backup is not None and result.backup.read_bytes() == before
    assert result.backup.parent == folder / OUTPUT / BACKUPS


def test_report_reuses_the_consolidation_s_opening(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    consolidate_folder(folder)
    opens = OpenCounter(folder / WORKBOOK_NAME, monkeypatch)
    done = refresh_report(folder)
    monkeypatch.undo()
    assert done.result.status == "no-change"
    assert (opens.reads, opens.writes) == (1, 0)
    assert done.exit_code == done.result.report.exit_code == 1  # blank forms: required cells empty


def test_a_submission_carries_everything_about_its_input(folder: Path) -> None:
    consolidate_folder(folder)
    ws = open_workspace(folder)
    found = discover(ws.inbox)
    subs = read_files(found.files, ws.plan, ws.registry, base=ws.inbox, archive=ws.archive)
    assert [s.file for s in subs] == ["CQ_CHAU_F01_2017.xlsx", "P_AN_F01_2017.xlsx", "P_BINH_F01_2017.xlsx"]
    for path, sub in zip(found.files, subs):
        assert sub.source == str(path)
        assert sub.size == path.stat().st_size
        assert sub.format == "xlsx" and sub.received is not None
        assert Path(sub.archived).is_relative_to(folder / ARCHIVE) and sub.sha256 in sub.archived
        assert Path(sub.archived).read_bytes() == path.read_bytes()
        assert (sub.unit, sub.form, sub.period) == (path.name.split("_F01")[0], "F01", "2017")


def test_findings_name_the_file_as_sent_not_the_archived_copy(folder: Path) -> None:
    bad = folder / INBOX / "P_AN_F01_2017 (sửa).xlsx"
    bad.write_bytes(b"not a workbook at all")
    result = consolidate_folder(folder)
    refused = [f for f in result.findings if f.code == "file-unreadable"]
    assert [f.file for f in refused] == ["P_AN_F01_2017 (sửa).xlsx"]


def test_the_intake_reads_the_same_under_spawn_as_under_fork(folder: Path, plan: Plan) -> None:
    paths = sorted((folder / INBOX).glob("*.xlsx"))
    paths.append(folder / WORKBOOK_NAME)  # not a form: a named refusal under both
    forked = read_many(paths, plan, workers=2, start_method="fork")
    spawned = read_many(paths, plan, workers=2, start_method="spawn")
    assert [s.file for s in spawned] == [str(p) for p in paths]
    assert [(s.unit, s.form, s.period, s.format, s.sha256) for s in spawned] == \
        [(s.unit, s.form, s.period, s.format, s.sha256) for s in forked]
    assert [s.as_dict() for s in spawned] == [s.as_dict() for s in forked]
    assert [[f.code for f in s.findings] for s in spawned] == [[f.code for f in s.findings] for s in forked]
    assert [f.code for f in spawned[-1].findings] == ["not-a-form"]
