"""The content-addressed archive (issue 6): every input's bytes kept read-only, named by hash.

A small real working folder (two units, F01 and January F02 each) is
consolidated; the archive must hold every input under
``archive/sha256/<aa>/<hash>.xlsx``, read-only, with the very bytes; the inbox
must be untouched; a renamed copy is one archive entry; NFD names (as macOS
sends them) are shown and keyed in NFC while the file on disk keeps its name.
"""

from __future__ import annotations

import hashlib
import shutil
import stat
import unicodedata
from pathlib import Path

import pytest

from xlplan.io.audit_store import AuditStore
from xlplan.services.archive import archive_file, archive_path, find_archived
from xlplan.services.consolidate import consolidate_folder
from xlplan.services.workspace import ARCHIVE, INBOX, open_workspace

from tools.reliability.kill_drill import small_folder  # noqa: F401 - other tests import it from here


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def inbox_state(inbox: Path) -> dict[str, tuple[str, int]]:
    return {str(p.relative_to(inbox)): (digest(p), p.stat().st_mtime_ns) for p in inbox.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return small_folder(tmp_path_factory.mktemp("archive") / "TongHop")


@pytest.fixture
def folder(template: Path, tmp_path: Path) -> Path:
    root = tmp_path / "TongHop"
    shutil.copytree(template, root, copy_function=shutil.copy2)
    return root


def test_every_input_is_archived_read_only_under_its_hash_and_the_inbox_is_untouched(folder: Path) -> None:
    inbox = folder / INBOX
    before = inbox_state(inbox)
    consolidate_folder(folder)
    assert inbox_state(inbox) == before
    entries = sorted(p for p in (folder / ARCHIVE).rglob("*") if p.is_file())
    assert sorted(d for d, _ in before.values()) == sorted(p.stem for p in entries)
    for entry in entries:
        assert entry.parent.name == entry.stem[:2] and entry.suffix == ".xlsx"
        assert digest(entry) == entry.stem
        assert not entry.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
    assert not list((folder / ARCHIVE).rglob("*.tmp"))


def test_a_renamed_copy_is_one_archive_entry_and_two_inputs(folder: Path) -> None:
    inbox = folder / INBOX
    original = inbox / "P_AN_F01_2017.xlsx"
    (inbox / "Zalo").mkdir()
    shutil.copy2(original, inbox / "Zalo" / "bao cao dang ky.xlsx")
    result = consolidate_folder(folder)
    assert len(list((folder / ARCHIVE).rglob("*.xlsx"))) == 4
    with AuditStore(open_workspace(folder).audit) as store:
        rows = [r for r in store.inputs(result.run_id) if r["sha256"] == digest(original)]
    assert sorted(r["name"] for r in rows) == ["P_AN_F01_2017.xlsx", str(Path("Zalo") / "bao cao dang ky.xlsx")]
    assert sorted(r["state"] for r in rows) == ["superseded", "used"]
    assert {r["archived"] for r in rows} == {str(archive_path(Path(ARCHIVE), digest(original), ".xlsx"))}


def test_archive_file_is_idempotent_and_finds_entries_by_hash(tmp_path: Path) -> None:
    source = tmp_path / "Báo cáo.XLSX"
    source.write_bytes(b"PK\x03\x04 not really a workbook")
    first = archive_file(source, tmp_path / "archive")
    second = archive_file(source, tmp_path / "archive")
    assert first == second and first.size == source.stat().st_size
    assert first.path == tmp_path / "archive" / "sha256" / first.sha256[:2] / f"{first.sha256}.xlsx"
    assert first.path.read_bytes() == source.read_bytes()
    assert find_archived(tmp_path / "archive", first.sha256) == first.path
    assert find_archived(tmp_path / "archive", "0" * 64) is None
    assert [p.name for p in (tmp_path / "archive" / "sha256").iterdir()] == [first.sha256[:2]]


def test_decomposed_names_are_shown_in_nfc_and_left_as_they_are_on_disk(folder: Path) -> None:
    inbox = folder / INBOX
    nfd = unicodedata.normalize("NFD", "Phường An Bình F01.xlsx")
    (inbox / "P_AN_F01_2017.xlsx").rename(inbox / nfd)
    result = consolidate_folder(folder)
    assert (inbox / nfd).is_file()
    nfc = unicodedata.normalize("NFC", nfd)
    used = [r for r in result.consolidation.tables["tbl_theo_doi"] if r.get("ma") == "P_AN" and r.get("tep")]
    assert used and all(r["tep"] == nfc for r in used if r["bieu"] == "F01")
    with AuditStore(open_workspace(folder).audit) as store:
        row = next(r for r in store.inputs(result.run_id) if r["name_nfc"] == nfc)
    assert row["name"] == nfd and row["name"] != nfc and row["state"] == "used"
