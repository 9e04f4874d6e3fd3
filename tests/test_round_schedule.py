"""Issue 11, rules 1, 3, 4 and the status half of 5, on real files made and filled by the services.

* the plan's schedule decides what is chased: a stray F01 of last year is
  ``out-of-schedule`` and makes no pair; a pair not yet due at the as-of date is
  "Chưa đến hạn", never missing;
* the later received file wins (by the audit run that first saw it), whatever
  date is typed on it; the replaced file's findings are listed, not counted;
* timeliness is judged on the first file received: on time, then corrected
  after the deadline, stays on time and shows two submissions;
* a file that cannot be read belongs to the unit its name names.
"""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from xlplan.core.findings import Severity
from xlplan.core.rollup import Consolidation, consolidate
from xlplan.core.tracking import NOT_DUE, NOT_SUBMITTED, ON_TIME, SUBMITTED, UNREADABLE
from xlplan.services.consolidate import consolidate_folder, discover, read_files
from xlplan.services.forms import make_forms
from xlplan.services.sample_data import registration_values
from xlplan.services.workspace import INBOX, init_workspace, open_workspace

REGISTRY_CSV = """ma,ten,loai_hinh,co_nguon,so_dang_vien,so_chi_bo,lien_he
P_AN,Đảng bộ phường An Bình,xa_phuong,có,320,14,
P_BINH,Đảng bộ phường Bình Minh,xa_phuong,có,280,12,
CQ_CHAU,Đảng bộ cơ quan Ủy ban nhân dân,co_quan,có,95,6,
"""
CODES = ("P_AN", "P_BINH", "CQ_CHAU")


def new_folder(tmp_path: Path) -> Path:
    registry = tmp_path / "danh_muc.csv"
    registry.write_text(REGISTRY_CSV, encoding="utf-8")
    root = tmp_path / "TongHop"
    init_workspace(root, registry_name=registry)
    return root


def f01_values(root: Path, code: str, **changes: Any) -> dict[str, Any]:
    """A unit's consistent F01 (the demo's generator), with ``changes``."""
    ws = open_workspace(root)
    values = copy.deepcopy(registration_values(list(ws.registry), ws.plan, 2017)[code])
    values.update(changes)
    return values


def send(root: Path, form: str, period: str, code: str, values: dict[str, Any], name: str | None = None) -> Path:
    """Write a unit's form, filled by defined names, into the inbox (renamed to ``name`` if given)."""
    ws = open_workspace(root)
    (path,) = make_forms(ws.plan, list(ws.registry), form, period, root / INBOX / "tmp", codes=[code],
                         values_by_unit={code: values}, workers=1)
    target = root / INBOX / (name or path.name)
    path.replace(target)
    path.parent.rmdir()
    return target


def core_consolidation(root: Path, as_of: dt.date | None) -> Consolidation:
    """The core's consolidation of the inbox as it is, at an as-of date (no audit: everything is new)."""
    ws = open_workspace(root)
    found = discover(ws.inbox)
    subs = read_files(found.files, ws.plan, ws.registry, None, ws.inbox)
    return consolidate(subs, ws.registry, ws.plan, as_of=as_of)


def tracking(c: Consolidation) -> dict[tuple[str, str, str], dict[str, Any]]:
    return {(r["ma"], r["bieu"], r["ky"]): r for r in c.tables["tbl_theo_doi"]}


def keys(c: Consolidation, *codes: str) -> set[tuple[str, str | None, str]]:
    return {(f.code, f.unit, Path(f.file or "").name) for f in c.findings if not codes or f.code in codes}


# -- rule 1: the schedule --------------------------------------------------------------------

def test_a_stray_previous_year_f01_is_out_of_schedule_and_chases_nobody(tmp_path: Path) -> None:
    root = new_folder(tmp_path)
    for code in ("P_AN", "P_BINH"):
        send(root, "F01", "2017", code, f01_values(root, code, ngay_lap=dt.date(2017, 2, 15)))
    stray = send(root, "F01", "2016", "CQ_CHAU", f01_values(root, "CQ_CHAU", ngay_lap=dt.date(2016, 2, 15)))
    c = core_consolidation(root, dt.date(2017, 3, 1))
    (found,) = [f for f in c.findings if f.code == "out-of-schedule"]
    assert (found.unit, Path(found.file or "").name, found.field, found.severity) == (
        "CQ_CHAU", stray.name, "ky_bao_cao", Severity.WARNING)
    assert found.params["period_code"] == "2016" and found.params["form"] == "F01"
    rows = tracking(c)
    assert not [k for k in rows if k[2] == "2016"]  # no pair for anybody
    assert keys(c, "missing-submission") >= {("missing-submission", "CQ_CHAU", "")}
    assert not [f for f in c.findings if f.code == "missing-submission" and f.params.get("period_code") == "2016"]
    assert rows[("CQ_CHAU", "F01", "2017")]["trang_thai"] == NOT_SUBMITTED
    assert c.resolution is not None and stray.name not in {Path(k).name for k in c.resolution.placements()}


def test_a_pair_not_yet_due_at_the_as_of_date_is_not_missing(tmp_path: Path) -> None:
    root = new_folder(tmp_path)
    send(root, "F01", "2017", "P_AN", f01_values(root, "P_AN", ngay_lap=dt.date(2017, 2, 8)))
    early = core_consolidation(root, dt.date(2017, 2, 10))  # F01 due 20/02; F02 of January due 05/02
    rows = tracking(early)
    assert rows[("P_AN", "F01", "2017")]["trang_thai"] == SUBMITTED
    assert (rows[("P_BINH", "F01", "2017")]["trang_thai"], rows[("P_BINH", "F01", "2017")]["dung_han"]) == (
        NOT_DUE, NOT_DUE)
    assert rows[("P_BINH", "F02", "2017-01")]["trang_thai"] == NOT_SUBMITTED  # due on 05/02
    assert rows[("P_BINH", "F02", "2017-Q1")]["trang_thai"] == NOT_DUE  # begun, not due
    assert ("P_BINH", "F02", "2017-03") not in rows  # not begun: not in the round's rows yet
    missing = {(f.unit, f.params["form"], f.params["period_code"])
               for f in early.findings if f.code == "missing-submission"}
    assert missing == {(code, "F02", "2017-01") for code in CODES}
    rate = next(r for r in early.tables["tbl_ty_le_nop"] if (r["bieu"], r["ky"]) == ("F01", "2017"))
    assert (rate["du_kien"], rate["da_nop"], rate["ty_le_day_du"]) == (0, 1, None)  # only due pairs count

    late = core_consolidation(root, dt.date(2017, 2, 21))
    assert tracking(late)[("P_BINH", "F01", "2017")]["trang_thai"] == NOT_SUBMITTED
    assert ("missing-submission", "P_BINH", "") in keys(late)
    rate = next(r for r in late.tables["tbl_ty_le_nop"] if (r["bieu"], r["ky"]) == ("F01", "2017"))
    assert (rate["du_kien"], rate["da_nop"]) == (3, 1)


# -- rules 3 and 4: receipts, corrections, timeliness --------------------------------------------

@pytest.fixture(scope="module")
def corrected(tmp_path_factory) -> tuple[Path, Any, Any]:
    """Two runs: originals first; then corrections of P_AN (earlier typed date) and P_BINH (after the deadline)."""
    root = new_folder(tmp_path_factory.mktemp("corrected"))
    send(root, "F01", "2017", "P_AN", f01_values(root, "P_AN", ngay_lap=dt.date(2017, 2, 15), dk_ket_nap=-1))
    send(root, "F01", "2017", "P_BINH", f01_values(root, "P_BINH", ngay_lap=dt.date(2017, 2, 18)))
    send(root, "F01", "2017", "CQ_CHAU", f01_values(root, "CQ_CHAU", ngay_lap=dt.date(2017, 2, 16)))
    first = consolidate_folder(root)
    send(root, "F01", "2017", "P_AN", f01_values(root, "P_AN", ngay_lap=dt.date(2017, 2, 10), dk_ket_nap=12),
         name="P_AN_F01_2017_sua.xlsx")
    send(root, "F01", "2017", "P_BINH", f01_values(root, "P_BINH", ngay_lap=dt.date(2017, 3, 1), dk_ket_nap=11),
         name="P_BINH_F01_2017_sua.xlsx")
    second = consolidate_folder(root)
    return root, first, second


def test_a_correction_received_in_a_later_run_wins_over_an_earlier_typed_date(corrected) -> None:
    _, first, second = corrected
    assert ("negative", "P_AN", "P_AN_F01_2017.xlsx") in keys(first.consolidation)
    rows = tracking(second.consolidation)
    an = rows[("P_AN", "F01", "2017")]
    assert (an["tep"], an["so_lan_nop"]) == ("P_AN_F01_2017_sua.xlsx", 2)
    registered = {r["ma"]: r["dk_ket_nap"] for r in second.consolidation.tables["tbl_dang_ky"]}
    assert registered["P_AN"] == 12
    (dup,) = [f for f in second.findings if f.code == "duplicate-submission" and f.unit == "P_AN"]
    assert dup.params["chosen"] == "P_AN_F01_2017_sua.xlsx"


def test_findings_of_the_replaced_file_are_listed_not_counted(corrected) -> None:
    _, first, second = corrected
    assert first.consolidation.summary["so_loi"] == 1 and first.report.exit_code == 1
    (old,) = [f for f in second.findings if f.code == "negative"]
    assert (old.unit, Path(old.file or "").name, old.superseded) == ("P_AN", "P_AN_F01_2017.xlsx", True)
    assert second.consolidation.summary["so_loi"] == 0
    assert second.report.exit_code == 0 and second.report.count(Severity.ERROR) == 0
    shown = [r for r in second.consolidation.tables["tbl_kiem_tra"] if r["ma_loi"] == "negative"]
    assert [r["muc_do"] for r in shown] == ["Lỗi (tệp đã được thay)"]


def test_on_time_then_corrected_after_the_deadline_stays_on_time_with_two_submissions(corrected) -> None:
    _, _, second = corrected
    rows = tracking(second.consolidation)
    binh = rows[("P_BINH", "F01", "2017")]
    assert (binh["dung_han"], binh["so_lan_nop"], binh["tep"]) == (ON_TIME, 2, "P_BINH_F01_2017_sua.xlsx")
    assert binh["ngay_tren_bieu"] == dt.date(2017, 2, 18)  # judged on the first file received
    assert isinstance(binh["ngay_sua_cuoi"], dt.date)  # the day the correction was received
    assert rows[("CQ_CHAU", "F01", "2017")]["ngay_sua_cuoi"] is None  # never corrected
    assert not [f for f in second.findings if f.code == "late-submission"]
    registered = {r["ma"]: r for r in second.consolidation.tables["tbl_dang_ky"]}
    assert (registered["P_BINH"]["dk_ket_nap"], registered["P_BINH"]["trang_thai"]) == (11, ON_TIME)
    assert second.consolidation.summary["dang_ky_dung_han"] == 3


# -- rule 5, status half: a file that cannot be read is still someone's ------------------------------

def test_an_unreadable_file_belongs_to_the_unit_its_name_names(tmp_path: Path) -> None:
    root = new_folder(tmp_path)
    send(root, "F01", "2017", "P_AN", f01_values(root, "P_AN", ngay_lap=dt.date(2017, 2, 15)))
    (root / INBOX / "CQ_CHAU_F01_2017.xlsx").write_bytes(b"this is no workbook at all")
    (root / INBOX / "Bao cao phuong Binh Minh.xlsx").write_bytes(b"")  # names the unit, not the pair
    c = core_consolidation(root, dt.date(2017, 3, 1))
    rows = c.tables["tbl_theo_doi"]
    chau = next(r for r in rows if (r["ma"], r["bieu"], r["ky"]) == ("CQ_CHAU", "F01", "2017"))
    assert (chau["trang_thai"], chau["dung_han"], chau["tep"]) == (UNREADABLE, UNREADABLE, "CQ_CHAU_F01_2017.xlsx")
    assert chau["ghi_chu"]  # the reason
    loose = [r for r in rows if r["ma"] == "P_BINH" and r["bieu"] == ""]
    assert [(r["trang_thai"], r["tep"]) for r in loose] == [(UNREADABLE, "Bao cao phuong Binh Minh.xlsx")]
    assert rows.index(loose[0]) > max(i for i, r in enumerate(rows) if r["ma"] == "P_BINH" and r["bieu"])
    missing = {(f.unit, f.params["form"]) for f in c.findings if f.code == "missing-submission"}
    assert ("CQ_CHAU", "F01") not in missing and ("P_BINH", "F01") in missing
    refusals = {(f.unit, Path(f.file or "").name) for f in c.findings if f.severity is Severity.ERROR}
    assert ("CQ_CHAU", "CQ_CHAU_F01_2017.xlsx") in refusals
    assert ("P_BINH", "Bao cao phuong Binh Minh.xlsx") in refusals
    rate = next(r for r in c.tables["tbl_ty_le_nop"] if (r["bieu"], r["ky"]) == ("F01", "2017"))
    assert (rate["du_kien"], rate["da_nop"]) == (3, 1)
