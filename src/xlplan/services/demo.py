"""``xlplan demo``: the whole job on the bundled 80-unit sample of Bắc Ninh city.

It makes a working folder, fills the unit forms a city would receive (2016
year-end assessments and annual reports whose city totals are the plan's 2016
figures; 2017 registrations and monthly reports with a few deliberate
problems), drops them into the inbox, consolidates, and returns what a person
should look at. Every number in the result comes from reading those files
back, never from constants.
"""

from __future__ import annotations

import datetime as dt
import os
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from ..core.errors import XlplanError
from ..core.plan import Plan
from ..io.plans import load_plan
from .consolidate import ConsolidationResult, consolidate_folder
from .workspace import INBOX, init_workspace, open_workspace

Progress = Callable[[int, int], None]


@dataclass
class DemoResult:
    folder: Path
    units: int
    files_written: int
    result: ConsolidationResult
    scenario: Any  # xlplan.services.sample_data.DemoScenario


def default_folder(now: dt.datetime | None = None) -> Path:
    """A fresh folder name in the current directory: ``xlplan-demo-YYYYmmdd-HHMMSS``."""
    stamp = (now or dt.datetime.now()).strftime("%Y%m%d-%H%M%S")
    return Path.cwd() / f"xlplan-demo-{stamp}"


def run_demo(folder: Path | None = None, seed: int = 2017, plan_name: str | None = None,
             registry_name: str | None = None, progress: Progress | None = None,
             totals: Any = None) -> DemoResult:
    """Build the sample working folder in ``folder`` and consolidate it."""
    from .forms import make_forms
    from .sample_data import demo_scenario

    folder = Path(folder) if folder else default_folder()
    if folder.exists() and any(folder.iterdir()):
        raise XlplanError(f"Thư mục '{folder}' đã có dữ liệu; hãy chọn một thư mục mới hoặc trống.")
    plan = load_plan(plan_name) if plan_name else load_plan()
    init_workspace(folder, plan_name, registry_name, as_of=demo_as_of(plan))
    ws = open_workspace(folder)
    units = list(ws.registry)
    scenario = demo_scenario(units, ws.plan, seed=seed, totals=totals)
    batches: dict[tuple[str, str], dict[str, dict]] = defaultdict(dict)
    for item in scenario.submissions:
        batches[(item.form, item.period)][item.unit] = dict(item.values)
    written = 0
    for (form_id, period), values in sorted(batches.items()):
        sub = folder / INBOX / f"{form_id}_{period}"
        paths = make_forms(ws.plan, units, form_id, period, sub, codes=list(values), values_by_unit=values)
        for path, code in zip(paths, values):
            _stamp_received(path, values[code].get("ngay_lap"))
        written += len(paths)
    result = consolidate_folder(folder, progress=progress)
    return DemoResult(folder, len(units), written, result, scenario)


def demo_as_of(plan: Plan) -> dt.date:
    """The sample round's as-of date (ngày chốt số liệu): the day after March's monthly report
    was due. The sample holds the registrations and January–March reports, so later reports
    are "Chưa đến hạn", not missing, whatever day the demo runs."""
    return plan.due_date("F02", f"{plan.year}-03") + dt.timedelta(days=1)


def _stamp_received(path: Path, day: Any) -> None:
    """Give the file the time it would have arrived (the morning of its form date)."""
    if isinstance(day, dt.date):
        moment = dt.datetime(day.year, day.month, day.day, 9, 0)
        stamp = moment.timestamp()
        os.utime(path, (stamp, stamp))
