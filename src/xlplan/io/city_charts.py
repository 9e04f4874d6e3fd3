"""The three native charts of the city workbook's Biểu đồ sheet.

openpyxl drops every chart when it loads a workbook, so the charts cannot
simply live in the template: :func:`add_charts` (re)creates them from the
chart tables' *current* named regions, and both the template builder and the
writer call it. A chart therefore always covers exactly the written rows,
wherever staff have moved the tables.
"""

from __future__ import annotations

from openpyxl.chart import BarChart, PieChart, Reference
from openpyxl.chart.label import DataLabelList
from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook

from ..core.plan import Plan
from ..core.summary_tables import summary_tables
from .city_layout import Region, table_region
from .openpyxl_internals import clear_charts

CHART_TABLES = ("tbl_bieu_do_ket_nap", "tbl_bieu_do_xep_loai", "tbl_bieu_do_nop")
CHART_WIDTH_CM = 18.0
CHART_HEIGHT_CM = 9.0
CHART_GAP = 5  # columns between the last chart table and the charts (its title spills right)
CHART_ROWS = 20  # rows between the top edges of stacked charts (≈ 9 cm at default row height)


def add_charts(wb: Workbook, plan: Plan) -> None:
    """Replace the charts of the chart tables' sheet with fresh ones sized to their data.

    The charts stand to the right of the rightmost chart table, one under the
    other, so growing tables never hide under them.
    """
    specs = summary_tables(plan)
    regions = {table: table_region(wb, specs[table]) for table in CHART_TABLES}
    ws = regions[CHART_TABLES[0]].ws
    clear_charts(ws)
    left = get_column_letter(max(r.last_col for r in regions.values() if r.ws is ws) + CHART_GAP)
    top = max(1, min(r.header_row for r in regions.values()) - 2)
    builders = (_admissions_chart, _ratings_chart, _submissions_chart)
    for number, (table, build) in enumerate(zip(CHART_TABLES, builders)):
        chart = build(regions[table], plan)
        chart.width, chart.height = CHART_WIDTH_CM, CHART_HEIGHT_CM
        ws.add_chart(chart, f"{left}{top + number * CHART_ROWS}")


def _categories(region: Region) -> Reference:
    return Reference(region.ws, min_col=region.first_col, min_row=region.first_row, max_row=region.last_row)


def _values(region: Region, first: int, last: int) -> Reference:
    """Value columns ``first``..``last`` (0-based inside the table) with their header as series name."""
    return Reference(region.ws, min_col=region.first_col + first, max_col=region.first_col + last,
                     min_row=region.header_row, max_row=region.last_row)


def _show_axes(chart: BarChart) -> None:
    # openpyxl 3.1 writes axes as deleted unless told otherwise: Excel would draw no axis labels.
    chart.x_axis.delete = False
    chart.y_axis.delete = False


def _admissions_chart(region: Region, plan: Plan) -> BarChart:
    chart = BarChart()
    chart.type = "col"
    chart.grouping = "clustered"
    chart.title = f"Kết nạp đảng viên năm {plan.year} so với chỉ tiêu"
    chart.y_axis.title = "Số đảng viên"
    chart.y_axis.numFmt = "#,##0"
    chart.y_axis.majorGridlines = None
    chart.add_data(_values(region, 1, 2), titles_from_data=True)
    chart.set_categories(_categories(region))
    chart.legend.position = "b"
    _show_axes(chart)
    return chart


def _ratings_chart(region: Region, plan: Plan) -> PieChart:
    chart = PieChart()
    chart.title = f"Xếp loại tổ chức cơ sở đảng năm {plan.year}"
    chart.add_data(_values(region, 1, 1), titles_from_data=True)
    chart.set_categories(_categories(region))
    chart.dataLabels = DataLabelList()
    chart.dataLabels.showPercent = True
    for hidden in ("showVal", "showCatName", "showSerName", "showLegendKey"):
        setattr(chart.dataLabels, hidden, False)
    chart.legend.position = "r"
    return chart


def _submissions_chart(region: Region, plan: Plan) -> BarChart:
    chart = BarChart()
    chart.type = "bar"
    chart.title = "Tỷ lệ đơn vị nộp đầy đủ theo biểu và kỳ"
    chart.x_axis.title = "Biểu - kỳ"
    chart.y_axis.numFmt = "0%"
    chart.y_axis.scaling.min = 0
    chart.y_axis.scaling.max = 1
    chart.add_data(_values(region, 1, 1), titles_from_data=True)
    chart.set_categories(_categories(region))
    chart.legend = None
    _show_axes(chart)
    return chart
