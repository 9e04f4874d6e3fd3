"""Finding and reading plan files (the bundled ones live in ``xlplan/data/plans``)."""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from importlib import resources
from pathlib import Path

from ..core.errors import XlplanError
from ..core.forms import rule_problems
from ..core.plan import Plan, PlanError, load_plan_text

DEFAULT_PLAN = "bac_ninh_2017"


def bundled_plans() -> list[str]:
    """Names of the plan files shipped inside the package."""
    folder = resources.files("xlplan") / "data" / "plans"
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".toml"))


def load_plan(name_or_path: str | Path | None = None) -> Plan:
    """A plan by bundled name (``bac_ninh_2017``) or by path to a TOML file.

    Raises :class:`xlplan.core.plan.PlanError` naming each bad key, or
    FileNotFoundError when there is no such plan.
    """
    if name_or_path is None:
        name_or_path = DEFAULT_PLAN
    text_name = str(name_or_path)
    path = Path(text_name)
    if path.suffix.lower() == ".toml" or path.exists():
        return checked_plan(plan_file_text(path), source=str(path))
    return _bundled(text_name)


PLAN_BYTES = 1 << 20  # a plan file is a few kilobytes of TOML


def plan_file_text(path: Path) -> str:
    """A plan file's text, bounded: a regular file of at most :data:`PLAN_BYTES` (a FIFO or a device is
    refused at once, never waited on or read until memory runs out); XlplanError otherwise."""
    import os
    import stat

    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    with os.fdopen(fd, "rb") as stream:
        info = os.fstat(fd)
        data = stream.read(PLAN_BYTES + 1) if stat.S_ISREG(info.st_mode) else b""
    if not stat.S_ISREG(info.st_mode) or len(data) > PLAN_BYTES:
        raise XlplanError(f"'{path}' không phải tệp kế hoạch .toml thông thường dưới {PLAN_BYTES >> 10} KB.")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise XlplanError(f"Tệp kế hoạch '{path}' không dùng mã UTF-8.") from None


def checked_plan(text: str, source: str = "") -> Plan:
    """A plan file's text, parsed and validated, rules included: each rule's fields exist in its form.

    (:func:`xlplan.core.plan.load_plan_text` checks each key alone; the rules' fields need the
    form specs, which are built from the plan.) Raises :class:`PlanError` naming each bad key.
    """
    try:
        plan = load_plan_text(text, source=source)
    except (RecursionError, OverflowError) as exc:  # arrays nested 100,000 deep, a number of 5,000 digits
        raise XlplanError(f"Tệp kế hoạch '{source}' lồng quá sâu hoặc có số quá lớn ({type(exc).__name__}).") from None
    except ValueError as exc:
        if isinstance(exc, XlplanError):
            raise
        raise XlplanError(f"Tệp kế hoạch '{source}' có giá trị không đọc được ({exc}).") from None
    problems = rule_problems(plan)
    if problems:
        raise PlanError(problems)
    return plan


@lru_cache(maxsize=8)
def _bundled(name: str) -> Plan:
    resource = resources.files("xlplan") / "data" / "plans" / f"{name}.toml"
    if not resource.is_file():
        raise FileNotFoundError(f"không có kế hoạch '{name}' (có sẵn: {', '.join(bundled_plans())})")
    return checked_plan(resource.read_text(encoding="utf-8"), source=f"xlplan:{name}")


_DATE = re.compile(r"(?<![\w\"'])(\d{4})-(\d{2})-(\d{2})(?![\w\"'])")
_TABLE = re.compile(r"^\s*\[+\s*([^\]]+?)\s*\]+\s*(#.*)?$")
_KEY = re.compile(r"^(\s*)([A-Za-z0-9_]+)(\s*=\s*)(.*)$")


def new_plan_text(text: str, year: int, origin: str = "") -> str:
    """A plan file's text carried over to ``year``: the comments, rules and words kept, the years moved.

    ``plan.year`` becomes ``year`` (and the old year in ``plan.id`` and ``plan.title``);
    ``previous_year.year`` the old plan year and ``previous_year.admission_plan`` its city
    target; every date moves by the same number of years (29 February becomes the 28th).
    The targets stay as they were: the Board edits them. Raises :class:`PlanError`
    when the source or the result is not a valid plan file.
    """
    old = checked_plan(text, source=origin)
    delta = year - old.year
    if delta <= 0:
        raise XlplanError(f"Năm mới {year} phải sau năm {old.year} của tệp kế hoạch gốc.")
    lines, table = [], ""
    for line in text.splitlines():
        found = _TABLE.match(line)
        if found and "=" not in line.split("#", 1)[0]:
            table = found.group(1)
        elif (key := _KEY.match(line)) is not None:
            indent, name, eq, rest = key.groups()
            if table == "plan" and name == "year":
                line = f"{indent}{name}{eq}{year}" + _comment(rest)
            elif table == "plan" and name in ("id", "title"):
                line = f"{indent}{name}{eq}{rest.replace(str(old.year), str(year))}"
            elif table == "previous_year" and name == "year":
                line = f"{indent}{name}{eq}{old.year}" + _comment(rest)
            elif table == "previous_year" and name == "admission_plan":
                line = f"{indent}{name}{eq}{old.city_admission_target}  # kế hoạch kết nạp năm {old.year}"
        lines.append(_DATE.sub(lambda m: _shifted(m, delta), line))
    head = (f"# Chép từ {origin or 'tệp kế hoạch năm ' + str(old.year)} cho năm {year} bằng `xlplan plan new`: "
            "kiểm tra lại chỉ tiêu, hạn nộp, thang xếp loại và quy tắc kiểm tra trước khi dùng.\n")
    result = head + "\n".join(lines) + "\n"
    checked_plan(result)
    return result


def _comment(rest: str) -> str:
    """The comment after a value, kept (``# …``)."""
    return "  #" + rest.split("#", 1)[1] if "#" in rest else ""


def _shifted(match: re.Match[str], delta: int) -> str:
    y, m, d = (int(g) for g in match.groups())
    try:
        day = dt.date(y + delta, m, d)
    except ValueError:  # 29 February in a year without one
        day = dt.date(y + delta, m, 28)
    return day.isoformat()


def write_new_plan(source: str | Path, year: int, out: Path) -> Path:
    """``xlplan plan new``: the plan file ``source`` (bundled name or path) for ``year``, written to ``out``."""
    path = Path(str(source))
    if path.suffix.lower() == ".toml" or path.exists():
        text, origin = path.read_text(encoding="utf-8"), path.name
    else:
        resource = resources.files("xlplan") / "data" / "plans" / f"{source}.toml"
        if not resource.is_file():
            raise FileNotFoundError(f"không có kế hoạch '{source}' (có sẵn: {', '.join(bundled_plans())})")
        text, origin = resource.read_text(encoding="utf-8"), f"{source}.toml"
    result = new_plan_text(text, year, origin)
    if out.exists():
        raise XlplanError(f"Tệp '{out}' đã có; hãy chọn tên khác (không ghi đè).")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(result, encoding="utf-8")
    return out
