"""Finding codes raised when several files are looked at together (consolidation).

These codes belong in the catalogue of :mod:`xlplan.core.findings`; they are
kept here as data, and added to it by :func:`register`, only while that module
is being edited by someone else. :func:`register` is called by the public
functions of the rollup modules rather than at import time (no import-time side
effects); it only adds codes the catalogue does not have yet, so it is
idempotent and yields to a definition that already exists there (for instance
``unit-unknown``, which the form readers define too).

Each entry: ``(code, severity, title, message template, fix template)``;
templates are Vietnamese ``str.format`` strings over the finding's parameters.
"""

from __future__ import annotations

from .findings import CATALOGUE, Severity, _define

E, W = Severity.ERROR, Severity.WARNING

CROSS_FILE_CODES: tuple[tuple[str, Severity, str, str, str], ...] = (
    ("duplicate-submission", W, "Nộp trùng báo cáo",
     "Đơn vị đã nộp biểu {form} kỳ {period} {count} lần ({files}); dùng tệp mới nhất: {chosen}.",
     "Kiểm tra tệp được dùng; nếu chưa đúng, đề nghị đơn vị gửi lại một tệp duy nhất "
     "và chuyển các tệp cũ ra khỏi thư mục nhận báo cáo."),
    ("unit-unknown", E, "Đơn vị không có trong danh mục",
     "Mã đơn vị '{value}' không có trong danh mục đơn vị.",
     "Dùng đúng biểu mẫu do Ban Tổ chức Thành ủy gửi; đơn vị mới thành lập cần được bổ sung vào danh mục."),
    ("unit-name-mismatch", W, "Tên đơn vị khác danh mục",
     "Tên đơn vị trong tệp '{value}' khác tên trong danh mục '{expected}' (mã {code}).",
     "Kiểm tra đơn vị đã dùng đúng biểu mẫu của mình chưa; nếu danh mục ghi sai tên thì sửa danh mục."),
    ("unit-kind-mismatch", W, "Loại hình khác danh mục",
     "Loại hình trong tệp '{value}' khác loại hình trong danh mục '{expected}' (mã {code}).",
     "Kiểm tra đơn vị đã dùng đúng biểu mẫu của mình chưa; nếu danh mục ghi sai loại hình thì sửa danh mục."),
    ("ytd-decreasing", E, "Kết nạp lũy kế giảm",
     "Kết nạp lũy kế kỳ {period} ({value}) nhỏ hơn kỳ {previous_period} ({previous}).",
     "Lũy kế từ đầu năm không thể giảm: kiểm tra lại ô kết nạp lũy kế của hai kỳ báo cáo."),
    ("opening-mismatch", E, "Đầu kỳ khác cuối kỳ trước",
     "Đảng viên đầu kỳ {period} ({value}) khác đảng viên cuối kỳ {previous_period} ({previous}).",
     "Số đảng viên đầu kỳ phải bằng số cuối kỳ của kỳ liền trước: kiểm tra lại hai báo cáo."),
    ("yearend-mismatch", W, "Tổng số đảng viên cuối năm không khớp",
     "Tổng số đảng viên trên biểu đánh giá năm {year} ({value}) khác số đảng viên cuối kỳ "
     "của báo cáo {period} ({expected}).",
     "Đối chiếu tổng số đảng viên giữa biểu đánh giá chất lượng và báo cáo cuối năm, sửa biểu bị sai."),
    ("late-submission", W, "Nộp muộn",
     "Biểu {form} kỳ {period} nộp ngày {date} (theo {source}), sau hạn {due}.",
     "Nhắc đơn vị nộp đúng hạn ở các kỳ sau."),
    ("missing-submission", W, "Chưa nộp",
     "Chưa nhận được biểu {form} kỳ {period} (hạn nộp {due}).",
     "Đôn đốc đơn vị nộp biểu {form} kỳ {period}."),
)


def register() -> None:
    """Add the codes above that the catalogue does not have yet (idempotent)."""
    for code, severity, title, message, fix in CROSS_FILE_CODES:
        if code not in CATALOGUE:
            _define(code, severity, title, message, fix)
