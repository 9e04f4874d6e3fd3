"""A consolidation killed at any step loses nothing (issue 6).

The drill itself is :func:`tools.reliability.kill_drill.run_kill_drill` (also run by
``python -m tools.reliability``): for every n until the run completes, a fresh copy of a small
working folder (consolidated once, then a unit sends a corrected report) is consolidated
in a subprocess killed at the n-th write step (``XLPLAN_TEST_KILL_AT=n``), then checked:
the workbook is the previous or the new one and opens (a backup holds the previous one
when it is the new one), the inbox and archive are intact, and a normal run afterwards
takes over the lock, clears temporary files and gives the uninterrupted run's workbook.
"""

from __future__ import annotations

from pathlib import Path

from tools.reliability.kill_drill import MAX_POINTS, KillDrillResult, markdown, run_kill_drill


def test_killing_the_consolidation_at_every_step_loses_nothing(tmp_path: Path) -> None:
    result = run_kill_drill(tmp_path)
    assert result.failures == [], "\n".join(result.failures)
    assert result.completed_at is not None, f"the run never completed within {MAX_POINTS} kill points"
    assert result.survived == result.tried == result.completed_at - 1 and result.ok
    assert result.tried >= 10  # audit store, four archive copies, backup, the workbook's write steps
    assert result.killed_after_replace >= 1  # the kill just after the rename was exercised too
    text = "\n".join(markdown(result))
    assert f"| kill points survived / tried | {result.survived} / {result.tried} |" in text


def test_a_failed_drill_is_not_ok_and_lists_its_failures() -> None:
    result = KillDrillResult(tried=3, survived=2, completed_at=4, failures=["điểm 2: thư mục nhận báo cáo bị thay đổi"])
    assert not result.ok
    text = "\n".join(markdown(result, stride=2))
    assert "| kill points survived / tried | 2 / 3 |" in text and "- điểm 2:" in text and "points 1, 3, 5, …" in text
    assert not KillDrillResult(tried=0, survived=0).ok  # never completed
