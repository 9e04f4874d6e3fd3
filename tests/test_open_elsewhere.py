"""Never write under another program: the city workbook open in Excel or LibreOffice stops a consolidation.

Through the real CLI entry point (click's CliRunner on ``xlplan.cli.main``):
with Excel's owner file ``~$SoTongHop.xlsx`` or LibreOffice's
``.~lock.SoTongHop.xlsx#`` beside the workbook, ``consolidate`` and
``report`` exit 2, name the holder and write nothing (the workbook's bytes,
the audit store and the backups stay as they were). A damaged lock file
still refuses. The ribbon, writing into the book open in Excel, is not
stopped (``tests/test_macros.py``).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from xlplan.cli import main
from xlplan.services.workspace import OUTPUT, WORKBOOK_NAME, init_workspace, lock_holder, office_lock_files

HOLDER = "Nguyễn Thị Hà"


def excel_owner_file(name: str) -> bytes:
    """Excel's owner file: length byte, ANSI name padded to 54 bytes, UTF-16 length and name, padding."""
    ansi = name.encode("cp1252", errors="replace")
    head = bytes([len(ansi)]) + ansi
    head += b" " * (54 - len(head))
    wide = len(name).to_bytes(2, "little") + name.encode("utf-16-le")
    return (head + wide).ljust(165, b" ")


def libreoffice_lock_file(name: str) -> bytes:
    return f"{name},PC-BANTOCHUC,ha,01.03.2017 09:15,file:///C:/Users/ha/AppData/Roaming/LibreOffice/4;".encode()


@pytest.fixture()
def root(tmp_path: Path) -> Path:
    folder = tmp_path / "TongHop2017"
    init_workspace(folder)
    return folder


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file of the folder but the lock files, by path: what must not change."""
    locks = {p.name for p, _ in office_lock_files(root / WORKBOOK_NAME)}
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and p.name not in locks}


def consolidate(root: Path, command: str = "consolidate"):
    return CliRunner().invoke(main, [command, str(root)])


@pytest.mark.parametrize("kind", ["Excel", "LibreOffice"])
@pytest.mark.parametrize("command", ["consolidate", "report"])
def test_a_workbook_open_elsewhere_is_not_written_and_the_holder_is_named(root: Path, kind: str,
                                                                         command: str) -> None:
    excel, libreoffice = office_lock_files(root / WORKBOOK_NAME)
    lock, data = (excel[0], excel_owner_file(HOLDER)) if kind == "Excel" else \
        (libreoffice[0], libreoffice_lock_file(HOLDER))
    lock.write_bytes(data)
    before = snapshot(root)
    result = consolidate(root, command)
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("Lỗi:") and "Traceback" not in result.output
    assert HOLDER in result.stderr and kind in result.stderr and lock.name in result.stderr
    assert snapshot(root) == before
    assert not (root / OUTPUT / "audit.sqlite").exists()  # not even an audit run was started
    lock.unlink()
    assert consolidate(root).exit_code == 0  # closed: the run goes ahead


@pytest.mark.parametrize("data", [b"", b"\xff" * 3, b"\x30garbage", bytes(range(256)) * 2, b"\x00" * 165])
@pytest.mark.parametrize("kind", [0, 1])
def test_a_damaged_lock_file_still_refuses(root: Path, data: bytes, kind: int) -> None:
    lock, program = office_lock_files(root / WORKBOOK_NAME)[kind]
    lock.write_bytes(data)
    assert lock_holder(lock, program) is None or isinstance(lock_holder(lock, program), str)
    before = snapshot(root)
    result = consolidate(root)
    assert result.exit_code == 2 and lock.name in result.stderr and "Traceback" not in result.output
    assert snapshot(root) == before


def test_the_holder_is_read_from_both_kinds(tmp_path: Path) -> None:
    excel, libreoffice = office_lock_files(tmp_path / WORKBOOK_NAME)
    excel[0].write_bytes(excel_owner_file(HOLDER))
    libreoffice[0].write_bytes(libreoffice_lock_file(HOLDER))
    assert lock_holder(*excel) == HOLDER and lock_holder(*libreoffice) == HOLDER
    excel[0].write_bytes(excel_owner_file("Ha")[:54])  # cut before the UTF-16 copy: the ANSI name
    assert lock_holder(*excel) == "Ha"
    libreoffice[0].write_bytes(b",PC-BANTOCHUC,ha,01.03.2017 09:15,")  # no user name set: the computer
    assert lock_holder(*libreoffice) == "máy PC-BANTOCHUC"
