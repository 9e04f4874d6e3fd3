"""Cases for the benchmark: N synthetic units, their registry, a working folder and filled forms.

The forms are the real ones (``services.forms.make_forms``) filled with the
sample generators' values, so the reader sees what a unit would send. A case
is generated once into ``bench/cache/<name>/`` and reused: generating 52,000
forms takes minutes, reading them is what we measure. A ``.done`` marker is
written last, so an interrupted generation is redone, never half-used; it
carries :data:`CASE_VERSION`, and a case made by an older generator is made
again.

Every form is then given what Excel 2016+ writes into ``xl/workbook.xml`` on
each save: an ``<xr:revisionPtr documentId="…"/>`` unique to the file, and the
saving window's place and size on the ``<workbookView>`` (``xWindow``,
``yWindow``, ``windowWidth``, ``windowHeight``: each unit's screen), both
derived from a ``uuid5`` of the unit code, form and period, so the bytes stay
deterministic. Forms from one template would otherwise share their workbook
part byte for byte, and the readers parse a part once per identical bytes (or
once per bytes that differ only in the ``documentId``): real inboxes, saved by
Excel on each unit's machine, do not share it. Every file gets both (the worst
case for those caches).
"""

from __future__ import annotations

import json
import multiprocessing
import os
import re
import shutil
import time
import uuid
import zipfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from xlplan.core.registry import Registry, Unit
from xlplan.io.plans import load_plan
from xlplan.io.registry import write_registry_csv
from xlplan.services.forms import make_forms
from xlplan.services.sample_data import (annual_report_values, implied_totals, monthly_report_values,
                                        registration_values, year_end_values)
from xlplan.services.workspace import INBOX, init_workspace

CACHE = Path(__file__).resolve().parent / "cache"
PLAN = "bac_ninh_2017"
SEED = 2017
# 2: every form's workbook part carries its own Excel revisionPtr; the year mix has the F03 (14 files a unit).
# 3: and its own window geometry on the workbookView (the readers set a documentId aside, not a window).
CASE_VERSION = 3

# (kind code, Vietnamese name prefix, code prefix, members range) — a mix like a province's.
_KINDS = (
    ("xa_phuong", "Đảng bộ xã", "X", (250, 900)),
    ("co_quan", "Chi bộ cơ quan", "CQ", (10, 60)),
    ("su_nghiep", "Đảng bộ đơn vị sự nghiệp", "SN", (20, 150)),
    ("doanh_nghiep", "Đảng bộ doanh nghiệp", "DN", (15, 200)),
    ("luc_luong_vu_trang", "Đảng bộ quân sự", "QS", (20, 120)),
    ("chi_bo_co_so", "Chi bộ cơ sở", "CB", (5, 40)),
)
_WEIGHTS = (4, 2, 2, 1, 1, 2)  # out of 12: communes dominate, as in the plan's own city


def synthetic_units(n: int) -> list[Unit]:
    """``n`` deterministic units with mixed kinds, sizes and cells (pure: same n, same units)."""
    pattern = [k for k, w in zip(_KINDS, _WEIGHTS) for _ in range(w)]
    units = []
    for i in range(n):
        kind, label, prefix, (low, high) = pattern[(i * 7) % len(pattern)]
        members = low + (i * 7919) % (high - low + 1)
        units.append(Unit(code=f"{prefix}{i:05d}", name=f"{label} số {i + 1}", kind=kind,
                          has_source=(i % 5 != 0) or kind != "chi_bo_co_so", members=members,
                          cells=max(1, members // 25), contact=f"Văn phòng, 0222.{i:07d}"))
    return units


# -- what Excel writes on save ------------------------------------------------------------

_XR = "http://schemas.microsoft.com/office/spreadsheetml/2014/revision"
_XR6 = "http://schemas.microsoft.com/office/spreadsheetml/2016/revision6"
_XR10 = "http://schemas.microsoft.com/office/spreadsheetml/2016/revision10"
_MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
_NAMESPACE = uuid.UUID("6f1d3b0e-2c57-5a4e-9d1b-0b1e2c3d4e5f")  # the bench's own uuid5 namespace


def document_id(name: str) -> str:
    """The ``documentId`` Excel would have given this file: ``13_ncr:1_{GUID}``, here a uuid5 of its name."""
    return "13_ncr:1_{" + str(uuid.uuid5(_NAMESPACE, name)).upper() + "}"


# Window places and sizes (twips) Excel writes for common office screens, maximized or not.
_WINDOWS = (("-108", "-108", "23256", "12576"), ("-120", "-120", "29040", "15720"), ("0", "0", "20490", "7755"),
            ("-28920", "-120", "29040", "15840"), ("240", "105", "18675", "11205"), ("-110", "-110", "20730", "11160"))


def window_of(doc_id: str) -> tuple[str, str, str, str]:
    """The (xWindow, yWindow, windowWidth, windowHeight) of the machine that saved ``doc_id``'s file:
    a common screen, with a width a few twips apart from file to file (windows are resized)."""
    digits = int(doc_id.rsplit("{", 1)[-1].strip("}").replace("-", ""), 16)
    x, y, width, height = _WINDOWS[digits % len(_WINDOWS)]
    return x, y, str(int(width) - (digits >> 8) % 480), height


def excel_saved(workbook_xml: bytes, doc_id: str) -> bytes:
    """``workbook_xml`` as Excel 2016+ saves it: xr namespaces declared, ignorable, a revisionPtr
    after ``<workbookPr>`` (before ``<bookViews>``), and the saving window on ``<workbookView>``."""
    text = workbook_xml.decode("utf-8")
    if "<workbookView " in text and "windowWidth=" not in text:
        x, y, width, height = window_of(doc_id)
        text = text.replace("<workbookView ", f'<workbookView xWindow="{x}" yWindow="{y}" windowWidth="{width}" '
                            f'windowHeight="{height}" ', 1)
    root_at = text.index("<workbook")
    root_end = text.index(">", root_at)
    if "revisionPtr" in text:
        raise ValueError("workbook part already carries a revisionPtr")
    declared = (f' xmlns:mc="{_MC}" mc:Ignorable="xr xr6 xr10" xmlns:xr="{_XR}" xmlns:xr6="{_XR6}"'
                f' xmlns:xr10="{_XR10}"')
    if "xmlns:mc=" in text[root_at:root_end]:
        raise ValueError("workbook part already declares markup compatibility")
    self_closing = text[root_end - 1] == "/"
    head = text[:root_end - self_closing] + declared + text[root_end - self_closing:root_end + 1]
    body = text[root_end + 1:]
    pointer = (f'<xr:revisionPtr revIDLastSave="0" documentId="{doc_id}" xr6:coauthVersionLast="47" '
               'xr6:coauthVersionMax="47" xr10:uidLastSave="{00000000-0000-0000-0000-000000000000}"/>')
    for tag in ("workbookPr", "fileVersion"):
        found = re.search(rf"<{tag}[\s/>]", body)
        if found:
            close = body.index(">", found.start())
            if body[close - 1] != "/":  # <workbookPr ...>...</workbookPr>
                close = body.index(">", body.index(f"</{tag}", close))
            at = close + 1
            break
    else:
        at = body.find("<bookViews")
        at = at if at >= 0 else body.find("<sheets")
    return (head + body[:at] + pointer + body[at:]).encode("utf-8")


def stamp_excel_save(path: Path) -> None:
    """Rewrite the form at ``path`` with its own revisionPtr: same members, order, dates and attributes."""
    with zipfile.ZipFile(path) as archive:
        members = [(info, archive.read(info)) for info in archive.infolist()]
    names = {info.filename for info, _ in members}
    if "xl/workbook.xml" not in names:
        raise ValueError(f"{path}: no xl/workbook.xml")
    temp = path.with_name(path.name + ".tmp")
    with zipfile.ZipFile(temp, "w") as out:
        for info, data in members:
            if info.filename == "xl/workbook.xml":
                data = excel_saved(data, document_id(path.stem))
            copy = zipfile.ZipInfo(info.filename, date_time=info.date_time)
            copy.compress_type = info.compress_type
            copy.external_attr = info.external_attr
            copy.create_system = info.create_system
            out.writestr(copy, data)
    os.replace(temp, path)


def _stamp_chunk(paths: list[Path]) -> int:
    for path in paths:
        stamp_excel_save(path)
    return len(paths)


def stamp_all(paths: list[Path], workers: int | None = None) -> None:
    """:func:`stamp_excel_save` on every path, in a few processes when there are many."""
    count = max(1, min(workers or os.cpu_count() or 1, 4, len(paths) // 200))
    if count == 1:
        _stamp_chunk(paths)
        return
    with ProcessPoolExecutor(max_workers=count, mp_context=multiprocessing.get_context("fork")) as pool:
        list(pool.map(_stamp_chunk, [paths[i::count] for i in range(count)]))


def templates_fingerprint() -> str:
    """A hash of what a case is made of besides its values: the blank forms and the empty city workbook.

    A case made before either changed measures code that no longer exists (and
    the first consolidation of the old workbook takes the slow, upgrading path),
    so :func:`ensure_case` makes it again.
    """
    import hashlib

    from xlplan.core.forms import FORM_IDS, form_spec
    from xlplan.io.city_workbook import build_city_template
    from xlplan.io.form_writer import build_form

    plan = load_plan(PLAN)
    digest = hashlib.sha256()
    books = [build_form(form_spec(form_id, plan), plan) for form_id in FORM_IDS] + [build_city_template(plan)]
    for book in books:
        for ws in book.worksheets:  # cell values and formulas, sheet by sheet: what the readers and writers see
            digest.update(ws.title.encode())
            for row in ws.iter_rows(values_only=True):
                digest.update(repr(row).encode())
        digest.update(repr(sorted(book.defined_names)).encode())
    return digest.hexdigest()[:16]


def case_dir(n: int, mix: str) -> Path:
    return CACHE / f"{mix}-{n}"


def ensure_case(n: int, mix: str = "f01", workers: int | None = None, log=print) -> dict:
    """The working folder for ``n`` units (generated unless cached); returns its metadata.

    ``mix`` is ``f01`` (one registration form per unit, the base case) or
    ``year`` (what a national year's inbox holds per unit: the F01, twelve
    monthly F02 and the F03 year-end assessment of the year before, which the
    F01's "results of last year" repeat — 14 files).
    """
    if mix not in ("f01", "year"):
        raise ValueError(f"unknown mix {mix!r}: f01 or year")
    root = case_dir(n, mix)
    marker = root / ".done"
    templates = templates_fingerprint()
    if marker.exists():
        meta = json.loads(marker.read_text())
        if meta.get("version") == CASE_VERSION and meta.get("templates") == templates:
            return meta
        why = ("the forms or the city workbook changed since" if meta.get("version") == CASE_VERSION else
               f"made by an older generator (version {meta.get('version', 1)})")
        log(f"  {mix}-{n}: {why}, made again")
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    plan = load_plan(PLAN)
    units = synthetic_units(n)
    csv = write_registry_csv(Registry(tuple(units)), root / "danh_muc.csv")
    begun = started = time.perf_counter()
    init_workspace(root / "ws", PLAN, csv)
    init_seconds = time.perf_counter() - started
    inbox = root / "ws" / INBOX
    # The previous year's F03 and F02 (year) behind the registrations, as registration_values makes them.
    totals = implied_totals(units, plan)
    year_end = year_end_values(units, plan, totals, SEED)
    annual = annual_report_values(units, plan, totals, SEED)
    reg = registration_values(units, plan, SEED, year_end=year_end, annual=annual)
    started = time.perf_counter()
    paths = make_forms(plan, units, "F01", str(plan.year), inbox / "F01", values_by_unit=reg, workers=workers)
    f01_seconds = time.perf_counter() - started
    if mix == "year":
        monthly = monthly_report_values(units, plan, reg, SEED, months=range(1, 13))
        for month in range(1, 13):
            period = f"{plan.year}-{month:02d}"
            values = {code: by_period[period] for code, by_period in monthly.items()}
            paths += make_forms(plan, units, "F02", period, inbox / f"F02_{period}",
                                values_by_unit=values, workers=workers)
            log(f"  {mix}-{n}: F02 {period} done")
        previous = str(plan.previous_year)
        paths += make_forms(plan, units, "F03", previous, inbox / f"F03_{previous}",
                            values_by_unit=year_end, workers=workers)
        log(f"  {mix}-{n}: F03 {previous} done")
    started = time.perf_counter()
    stamp_all(paths, workers)
    stamp_seconds = time.perf_counter() - started
    meta = {"version": CASE_VERSION, "templates": templates, "n": n, "mix": mix, "files": len(paths),
            "init_seconds": round(init_seconds, 2), "f01_seconds": round(f01_seconds, 2),
            "f01_per_second": round(n / f01_seconds, 1), "stamp_seconds": round(stamp_seconds, 2),
            "unique_workbook_parts": True, "generated_in": round(time.perf_counter() - begun, 1)}
    marker.write_text(json.dumps(meta))
    return meta


if __name__ == "__main__":
    import sys

    for arg in sys.argv[1:]:
        mix, _, count = arg.rpartition("-")
        print(ensure_case(int(count), mix or "f01"))
