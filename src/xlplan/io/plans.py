"""Finding and reading plan files (the bundled ones live in ``xlplan/data/plans``)."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path

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
        return checked_plan(path.read_text(encoding="utf-8"), source=str(path))
    return _bundled(text_name)


def checked_plan(text: str, source: str = "") -> Plan:
    """A plan file's text, parsed and validated, rules included: each rule's fields exist in its form.

    (:func:`xlplan.core.plan.load_plan_text` checks each key alone; the rules' fields need the
    form specs, which are built from the plan.) Raises :class:`PlanError` naming each bad key.
    """
    plan = load_plan_text(text, source=source)
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
