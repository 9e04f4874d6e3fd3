"""Cases for the benchmark: N synthetic units, their registry, a working folder and filled forms.

The forms are the real ones (``services.forms.make_forms``) filled with the
sample generators' values, so the reader sees what a unit would send. A case
is generated once into ``bench/cache/<name>/`` and reused: generating 52,000
forms takes minutes, reading them is what we measure. A ``.done`` marker is
written last, so an interrupted generation is redone, never half-used.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

from xlplan.core.registry import Registry, Unit
from xlplan.io.plans import load_plan
from xlplan.io.registry import write_registry_csv
from xlplan.services.forms import make_forms
from xlplan.services.sample_data import monthly_report_values, registration_values
from xlplan.services.workspace import INBOX, init_workspace

CACHE = Path(__file__).resolve().parent / "cache"
PLAN = "bac_ninh_2017"
SEED = 2017

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


def case_dir(n: int, mix: str) -> Path:
    return CACHE / f"{mix}-{n}"


def ensure_case(n: int, mix: str = "f01", workers: int | None = None, log=print) -> dict:
    """The working folder for ``n`` units (generated unless cached); returns its metadata.

    ``mix`` is ``f01`` (one registration form per unit, the base case) or
    ``year`` (F01 + twelve monthly F02, the bulk of a national year's files).
    """
    root = case_dir(n, mix)
    marker = root / ".done"
    if marker.exists():
        return json.loads(marker.read_text())
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
    reg = registration_values(units, plan, SEED)
    started = time.perf_counter()
    files = len(make_forms(plan, units, "F01", str(plan.year), inbox / "F01", values_by_unit=reg, workers=workers))
    f01_seconds = time.perf_counter() - started
    if mix == "year":
        monthly = monthly_report_values(units, plan, reg, SEED, months=range(1, 13))
        for month in range(1, 13):
            period = f"{plan.year}-{month:02d}"
            values = {code: by_period[period] for code, by_period in monthly.items()}
            files += len(make_forms(plan, units, "F02", period, inbox / f"F02_{period}",
                                    values_by_unit=values, workers=workers))
            log(f"  {mix}-{n}: F02 {period} done")
    meta = {"n": n, "mix": mix, "files": files, "init_seconds": round(init_seconds, 2),
            "f01_seconds": round(f01_seconds, 2), "f01_per_second": round(n / f01_seconds, 1),
            "generated_in": round(time.perf_counter() - begun, 1)}
    marker.write_text(json.dumps(meta))
    return meta


if __name__ == "__main__":
    import sys

    for arg in sys.argv[1:]:
        mix, _, count = arg.rpartition("-")
        print(ensure_case(int(count), mix or "f01"))
