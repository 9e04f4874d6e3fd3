"""Which working folder a command runs in, found as git finds its repository.

A command that needs a plan and a registry takes ``-d/--folder DIR``; without
it, the working folder is the nearest folder holding the city workbook
(``SoTongHop.xlsx``), looking from a starting folder (the folder an ``--out``
option names, the folder of the files to check, the current directory)
upwards. Its plan and registry are the ones its Cấu hình and Danh mục đơn vị
sheets say (:func:`xlplan.services.workspace.open_workspace`). Outside any
working folder the bundled sample plan and 80-unit registry are used, and
:class:`Setup` carries a line saying so, for the face to show.

A folder given by name is searched upwards too: ``xlplan consolidate
TH/NopBaoCao`` runs on ``TH``, like ``git -C sub/dir``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from ..core.errors import XlplanError
from ..core.plan import Plan
from ..core.registry import Registry
from ..io.plans import load_plan
from ..io.registry import DEFAULT_REGISTRY, load_registry
from .workspace import WORKBOOK_NAME, Workspace, open_workspace

SAMPLE_NOTE = (f"Lưu ý: không ở trong thư mục làm việc nào (thư mục có sổ tổng hợp {WORKBOOK_NAME}): dùng kế hoạch "
               f"và danh mục mẫu 80 đơn vị có sẵn ({DEFAULT_REGISTRY}). Để dùng danh mục của mình, chạy lệnh "
               "trong thư mục làm việc hoặc thêm -d THƯ_MỤC.")


@dataclass(frozen=True)
class Setup:
    """The plan and registry a command works with, and where they came from.

    ``workspace`` is the opened working folder (None: the bundled sample, or
    files given with ``--plan``/``--registry`` only); ``note`` a line to show.
    """

    plan: Plan
    registry: Registry | None
    workspace: Workspace | None = None
    note: str | None = None

    @property
    def folder(self) -> Path | None:
        return self.workspace.root if self.workspace is not None else None


def find_working_folder(start: Path) -> Path | None:
    """The nearest folder at or above ``start`` holding the city workbook; None when there is none.

    ``start`` need not exist yet (an ``--out`` folder a command is about to make).
    """
    start = Path(start).absolute()
    for folder in (start, *start.parents):
        try:
            if (folder / WORKBOOK_NAME).is_file():
                return folder
        except OSError:  # a parent folder this user may not look into (another user's home): not there
            continue
    return None


def working_folder(given: Path | None = None, starts: Iterable[Path] = ()) -> Path:
    """The working folder a command runs in: ``given`` (or a folder above it), else found from ``starts``, else from the current directory.

    Raises :class:`XlplanError` saying where it looked and what to do.
    """
    if given is not None:
        found = find_working_folder(given)
        if found is None:
            raise XlplanError(not_found_message(given))
        return found
    found = find_in(starts)
    if found is None:
        raise XlplanError(not_found_message(None))
    return found


def find_in(starts: Iterable[Path]) -> Path | None:
    """The working folder found from the first of ``starts`` that has one, then from the current directory."""
    for start in (*starts, Path.cwd()):
        found = find_working_folder(start)
        if found is not None:
            return found
    return None


def not_found_message(given: Path | None) -> str:
    """Where no working folder was found, and the three ways out."""
    where = f"'{given}' hay các thư mục chứa nó" if given is not None else \
        f"thư mục hiện tại ('{Path.cwd()}') hay các thư mục chứa nó"
    make = f"xlplan init {given}" if given is not None else "xlplan init THƯ_MỤC"
    return (f"Không thấy sổ tổng hợp {WORKBOOK_NAME} ở {where}, nên không biết thư mục làm việc. Hãy chạy lệnh "
            f"trong thư mục làm việc, chỉ rõ bằng -d THƯ_MỤC, hoặc tạo thư mục làm việc mới bằng '{make}'.")


def moved_note(given: Path | None, found: Path) -> str | None:
    """A line when the folder used is not the obvious one: not the one typed (a folder inside it), or found upwards."""
    if Path(given if given is not None else Path.cwd()).absolute() == found:
        return None
    return f"Thư mục làm việc: {found}"


def setup(given: Path | None = None, starts: Iterable[Path] = (), plan_name: str | None = None,
          registry_name: str | None = None, sample_registry: bool = True) -> Setup:
    """The plan and registry a command uses (see the module docstring).

    ``--plan``/``--registry`` (``plan_name``, ``registry_name``) override the
    working folder's. ``given`` must lead to a working folder; otherwise one
    is looked for from ``starts`` and the current directory, and without one
    the bundled sample is used (``sample_registry`` False: no registry at all,
    as ``check`` does for a unit checking its own file).
    """
    root = working_folder(given) if given is not None else find_in(starts)
    if root is None:
        plan = load_plan(plan_name)
        if registry_name is not None:
            return Setup(plan, load_registry(registry_name, plan))
        note = SAMPLE_NOTE if sample_registry else (
            f"Lưu ý: không ở trong thư mục làm việc nào (thư mục có sổ tổng hợp {WORKBOOK_NAME}): dùng kế hoạch "
            "mẫu có sẵn, không đối chiếu danh mục đơn vị. Thêm -d THƯ_MỤC để đối chiếu với danh mục của "
            "thư mục làm việc.")
        return Setup(plan, load_registry(None, plan) if sample_registry else None, None, note)
    ws = open_workspace(root)
    plan = load_plan(plan_name) if plan_name is not None else ws.plan
    registry = load_registry(registry_name, plan) if registry_name is not None else ws.registry
    return Setup(plan, registry, ws, moved_note(given, root))


def outbox_folder(outbox: Path, form_id: str, period: str) -> Path:
    """Where ``forms make`` writes by default: ``GuiDonVi/<biểu>_<kỳ>`` (the period as the plan writes it)."""
    from ..core.periods import Period, PeriodError

    try:
        shown = str(Period.parse(period))
    except (PeriodError, ValueError):
        shown = period.strip()  # refused by make_forms with its own message
    return Path(outbox) / f"{form_id.upper()}_{shown}"
