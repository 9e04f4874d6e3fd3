"""Findings: everything xlplan has to say about an input, as data.

A finding is what frictionless-py calls an error: a stable ``code`` from the
catalogue below, a severity, where it is (unit, file, sheet!cell, field) and a
Vietnamese message and fix rendered from the code's templates. Checks *yield*
findings; a :class:`Report` collects them and decides the exit code. Tests
assert codes and cells, never message prose.

The catalogue is the single source of truth: ``xlplan findings`` prints it and
``docs/findings.md`` is generated from it, so the documentation cannot drift.
Codes are a user-facing contract: never rename one, add new ones instead.
"""

from __future__ import annotations

import enum
import string
from dataclasses import asdict, dataclass
from dataclasses import field as dc_field
from typing import Any, Iterable, Iterator


class Severity(str, enum.Enum):
    """How bad a finding is. ``error`` blocks a clean result (exit code 1)."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def label(self) -> str:
        return {"error": "Lỗi", "warning": "Cảnh báo", "info": "Ghi chú"}[self.value]

    @property
    def rank(self) -> int:
        return {"error": 0, "warning": 1, "info": 2}[self.value]


@dataclass(frozen=True)
class FindingType:
    """One entry of the catalogue: a code with its Vietnamese templates."""

    code: str
    severity: Severity
    title: str  # short Vietnamese title
    message: str  # str.format template, Vietnamese
    fix: str  # str.format template, Vietnamese: how to put it right

    def params(self) -> list[str]:
        names = []
        for text in (self.message, self.fix):
            for _, name, _, _ in string.Formatter().parse(text):
                if name and name not in names:
                    names.append(name)
        return names


CATALOGUE: dict[str, FindingType] = {}


def _define(code: str, severity: Severity, title: str, message: str, fix: str) -> None:
    if code in CATALOGUE:
        raise ValueError(f"duplicate finding code {code}")
    CATALOGUE[code] = FindingType(code, severity, title, message, fix)


E, W, I = Severity.ERROR, Severity.WARNING, Severity.INFO  # noqa: E741 - one letter each keeps the catalogue below readable

# -- plan files -------------------------------------------------------------
_define("plan-invalid", E, "Tệp kế hoạch không hợp lệ",
        "Tệp kế hoạch: khóa '{key}' {problem}.",
        "Sửa khóa '{key}' trong tệp kế hoạch rồi chạy lại.")

# -- unit registry ------------------------------------------------------------
_define("registry-missing-column", E, "Danh mục thiếu cột",
        "Danh mục đơn vị thiếu cột '{column}'.",
        "Thêm cột '{column}' vào dòng tiêu đề của danh mục.")
_define("registry-duplicate-code", E, "Trùng mã đơn vị",
        "Mã đơn vị '{code}' xuất hiện nhiều lần (dòng {rows}).",
        "Mỗi đơn vị phải có một mã riêng: sửa hoặc xóa dòng trùng.")
_define("registry-unknown-kind", E, "Loại hình không có trong kế hoạch",
        "Đơn vị '{code}': loại hình '{kind}' không có trong kế hoạch (các loại hợp lệ: {known}).",
        "Ghi một trong các mã loại hình: {known}.")
_define("registry-missing-value", E, "Danh mục thiếu dữ liệu",
        "Đơn vị ở dòng {row}: cột '{column}' để trống.",
        "Nhập '{column}' cho đơn vị này.")
_define("registry-bad-number", E, "Số không hợp lệ trong danh mục",
        "Đơn vị '{code}': cột '{column}' có giá trị '{value}' không phải số nguyên ≥ 0.",
        "Nhập số nguyên không âm vào cột '{column}'.")
_define("registry-bad-flag", E, "Giá trị có/không không hợp lệ",
        "Đơn vị '{code}': cột '{column}' có giá trị '{value}', cần 'có' hoặc 'không'.",
        "Ghi 'có' hoặc 'không' (hoặc 1/0) vào cột '{column}'.")
_define("registry-bad-code", E, "Mã đơn vị không hợp lệ",
        "Mã đơn vị '{code}' chỉ được gồm chữ không dấu, số, '-' hoặc '_'.",
        "Đặt lại mã chỉ gồm A–Z, 0–9, '-' hoặc '_' (ví dụ: P_VUNINH).")
_define("registry-name-normalized", I, "Tên đơn vị đã được chuẩn hóa Unicode",
        "Đơn vị '{code}': tên được chuẩn hóa về dạng Unicode dựng sẵn (NFC).",
        "Không cần làm gì; nên lưu danh mục bằng Unicode dựng sẵn.")
_define("registry-duplicate-name", W, "Trùng tên đơn vị",
        "Các đơn vị {codes} có cùng tên '{name}'.",
        "Kiểm tra lại tên; mỗi đơn vị nên có tên riêng.")

# -- reading a form -------------------------------------------------------------
_define("file-skipped", I, "Bỏ qua tệp",
        "Bỏ qua tệp: {reason}.",
        "Không cần làm gì nếu đây không phải báo cáo; nếu là báo cáo, lưu lại thành .xlsx rồi đặt vào thư mục nộp.")
_define("file-unreadable", E, "Không đọc được tệp",
        "Không đọc được tệp: {reason}.",
        "Mở tệp bằng Excel, lưu lại dưới dạng Excel Workbook (.xlsx) rồi gửi lại.")
_define("not-a-form", E, "Không phải biểu mẫu xlplan",
        "Tệp không phải biểu mẫu xlplan ({reason}).",
        "Dùng đúng biểu mẫu do Ban Tổ chức Thành ủy gửi; không sao chép dữ liệu sang tệp khác.")
_define("form-unknown", E, "Biểu mẫu không xác định",
        "Mã biểu mẫu '{form}' không có trong kế hoạch.",
        "Dùng đúng biểu mẫu (F01, F02, F03) do Ban Tổ chức Thành ủy gửi.")
_define("form-version-unknown", W, "Phiên bản biểu mẫu khác",
        "Biểu mẫu {form} phiên bản '{version}' khác phiên bản hiện hành '{expected}'.",
        "Nên dùng biểu mẫu mới nhất do Ban Tổ chức Thành ủy gửi.")
_define("field-missing", E, "Thiếu ô dữ liệu",
        "Không tìm thấy ô '{label}' (tên '{field}') trong tệp.",
        "Không xóa hay đổi tên các ô nhập liệu; dùng lại biểu mẫu gốc và nhập lại.")
_define("value-missing", W, "Chưa nhập",
        "Ô '{label}' chưa được nhập.",
        "Nhập giá trị tại {cell}; nếu bằng không thì ghi 0.")
_define("value-required", E, "Chưa nhập ô bắt buộc",
        "Ô bắt buộc '{label}' chưa được nhập.",
        "Nhập giá trị tại {cell}.")
_define("number-as-text", W, "Số được nhập dạng chữ",
        "Ô '{label}' chứa số dạng văn bản '{value}'; đã đọc là {number}.",
        "Nhập lại dưới dạng số (không có dấu nháy hay khoảng trắng) tại {cell}.")
_define("not-a-number", E, "Không phải là số",
        "Ô '{label}' có giá trị '{value}', không phải là số.",
        "Nhập số bằng chữ số (ví dụ 12) tại {cell}.")
_define("not-whole", E, "Không phải số nguyên",
        "Ô '{label}' có giá trị {value}, cần số nguyên.",
        "Nhập số nguyên (không có phần thập phân) tại {cell}.")
_define("negative", E, "Số âm",
        "Ô '{label}' có giá trị {value}, không được âm.",
        "Nhập số lớn hơn hoặc bằng 0 tại {cell}.")
_define("out-of-range", E, "Ngoài giới hạn cho phép",
        "Ô '{label}' có giá trị {value}, ngoài khoảng {low} – {high}.",
        "Nhập giá trị trong khoảng {low} – {high} tại {cell}.")
_define("not-in-list", E, "Giá trị không có trong danh sách",
        "Ô '{label}' có giá trị '{value}', không có trong danh sách: {choices}.",
        "Chọn một giá trị trong danh sách thả xuống tại {cell}.")
_define("bad-date", E, "Ngày không hợp lệ",
        "Ô '{label}' có giá trị '{value}', không phải ngày hợp lệ.",
        "Nhập ngày theo dạng ngày/tháng/năm (ví dụ 20/02/2017) tại {cell}.")
_define("text-too-long", W, "Văn bản quá dài",
        "Ô '{label}' dài {length} ký tự, vượt {limit}.",
        "Rút gọn nội dung tại {cell}.")
_define("unit-mismatch", E, "Mã đơn vị không khớp",
        "Mã đơn vị trong ô ({value}) khác mã đơn vị của biểu mẫu ({expected}).",
        "Không sửa mã đơn vị; dùng đúng biểu mẫu của đơn vị mình.")
_define("period-mismatch", E, "Kỳ báo cáo không khớp",
        "Kỳ báo cáo trong ô ({value}) khác kỳ của biểu mẫu ({expected}).",
        "Dùng đúng biểu mẫu của kỳ báo cáo này.")
_define("period-invalid", E, "Kỳ báo cáo không hợp lệ",
        "Kỳ báo cáo '{value}' không hợp lệ (cần dạng 2017, 2017-Q1 hoặc 2017-01).",
        "Dùng đúng biểu mẫu của kỳ báo cáo do Ban Tổ chức Thành ủy gửi.")

# added with the form readers (xlplan.io.form_reader, xlplan.core.values)
_define("format-unsupported", E, "Định dạng tệp chưa hỗ trợ",
        "Tệp có định dạng {format}, chưa được hỗ trợ.",
        "Mở tệp bằng Excel, bỏ mật khẩu mở tệp (nếu có), lưu lại dưới dạng Excel Workbook (.xlsx) rồi gửi lại.")
_define("plan-mismatch", E, "Biểu mẫu của kế hoạch khác",
        "Biểu mẫu thuộc kế hoạch '{value}', không phải kế hoạch đang tổng hợp '{expected}'.",
        "Dùng biểu mẫu của kế hoạch hiện hành do Ban Tổ chức Thành ủy gửi.")
_define("period-not-accepted", E, "Biểu mẫu không có kỳ báo cáo này",
        "Biểu mẫu {form} không có kỳ báo cáo '{value}' (chỉ có kỳ báo cáo theo {kinds}).",
        "Dùng đúng biểu mẫu của kỳ báo cáo do Ban Tổ chức Thành ủy gửi.")
_define("unit-unknown", E, "Đơn vị không có trong danh mục",
        "Mã đơn vị '{value}' không có trong danh mục đơn vị.{hint}",
        "Dùng đúng biểu mẫu do Ban Tổ chức Thành ủy gửi; đơn vị mới thành lập cần được bổ sung vào danh mục.")
_define("number-ambiguous", E, "Số không rõ nghĩa",
        "Ô '{label}' có giá trị '{value}' dạng văn bản: không rõ là {thousands} "
        "(có dấu phân cách hàng nghìn) hay {decimal} (số thập phân).",
        "Nhập lại dưới dạng số, không gõ dấu phân cách hàng nghìn, tại {cell}.")
_define("date-as-text", W, "Ngày được nhập dạng chữ",
        "Ô '{label}' chứa ngày dạng văn bản '{value}'; đã đọc là {date}.",
        "Nhập lại dưới dạng ngày (ngày/tháng/năm) tại {cell}.")
_define("text-control-chars", W, "Văn bản có ký tự điều khiển",
        "Ô '{label}' có {count} ký tự điều khiển không hiển thị; đã bỏ các ký tự này.",
        "Gõ lại nội dung tại {cell} thay vì dán từ nguồn khác.")

# -- checks inside one form -------------------------------------------------------
_define("balance-mismatch", E, "Số đảng viên cuối kỳ không cân đối",
        "Đảng viên cuối kỳ {actual} khác số tính được {expected} "
        "(= đầu kỳ + kết nạp + chuyển đến − chuyển đi − từ trần − xóa tên − khai trừ − ra Đảng).",
        "Kiểm tra lại các ô biến động đảng viên và ô cuối kỳ.")
_define("sum-mismatch", E, "Tổng không khớp",
        "{what}: tổng các thành phần {parts} ({parts_cells}) khác {total} ({total_cells}).",
        "Kiểm tra lại các ô thành phần và ô tổng.")
_define("part-exceeds-whole", E, "Thành phần lớn hơn tổng",
        "{part_label} ({part}) lớn hơn {whole_label} ({whole}).",
        "Kiểm tra lại hai ô này.")
_define("ytd-less-than-period", E, "Lũy kế nhỏ hơn trong kỳ",
        "Kết nạp lũy kế ({ytd}) nhỏ hơn kết nạp trong kỳ ({period}).",
        "Lũy kế từ đầu năm phải bao gồm số kết nạp trong kỳ.")
_define("below-minimum", W, "Dưới chỉ tiêu tối thiểu",
        "Số đăng ký/kết nạp {value} thấp hơn chỉ tiêu tối thiểu {minimum} của loại hình '{kind}'.",
        "Rà soát nguồn phát triển đảng để đăng ký/kết nạp ít nhất {minimum} đảng viên.")

# -- several files together (consolidation) ------------------------------------------
_define("duplicate-submission", W, "Nộp trùng báo cáo",
     "Đơn vị đã nộp biểu {form} kỳ {period} {count} lần ({files}); dùng tệp mới nhất: {chosen}.",
     "Kiểm tra tệp được dùng; nếu chưa đúng, đề nghị đơn vị gửi lại một tệp duy nhất "
     "và chuyển các tệp cũ ra khỏi thư mục nhận báo cáo.")
_define("unit-name-mismatch", W, "Tên đơn vị khác danh mục",
     "Tên đơn vị trong tệp '{value}' khác tên trong danh mục '{expected}' (mã {code}).",
     "Kiểm tra đơn vị đã dùng đúng biểu mẫu của mình chưa; nếu danh mục ghi sai tên thì sửa danh mục.")
_define("unit-kind-mismatch", W, "Loại hình khác danh mục",
     "Loại hình trong tệp '{value}' khác loại hình trong danh mục '{expected}' (mã {code}).",
     "Kiểm tra đơn vị đã dùng đúng biểu mẫu của mình chưa; nếu danh mục ghi sai loại hình thì sửa danh mục.")
_define("ytd-decreasing", E, "Kết nạp lũy kế giảm",
     "Kết nạp lũy kế kỳ {period} ({value}) nhỏ hơn kỳ {previous_period} ({previous}).",
     "Lũy kế từ đầu năm không thể giảm: kiểm tra lại ô kết nạp lũy kế của hai kỳ báo cáo.")
_define("opening-mismatch", E, "Đầu kỳ khác cuối kỳ trước",
     "Đảng viên đầu kỳ {period} ({value}) khác đảng viên cuối kỳ {previous_period} ({previous}).",
     "Số đảng viên đầu kỳ phải bằng số cuối kỳ của kỳ liền trước: kiểm tra lại hai báo cáo.")
_define("yearend-mismatch", W, "Tổng số đảng viên cuối năm không khớp",
     "Tổng số đảng viên trên biểu đánh giá năm {year} ({value}) khác số đảng viên cuối kỳ "
     "của báo cáo {period} ({expected}).",
     "Đối chiếu tổng số đảng viên giữa biểu đánh giá chất lượng và báo cáo cuối năm, sửa biểu bị sai.")
_define("late-submission", W, "Nộp muộn",
     "Biểu {form} kỳ {period} nộp ngày {date} (theo {source}), sau hạn {due}.",
     "Nhắc đơn vị nộp đúng hạn ở các kỳ sau.")
_define("missing-submission", W, "Chưa nộp",
     "Chưa nhận được biểu {form} kỳ {period} (hạn nộp {due}).",
     "Đôn đốc đơn vị nộp biểu {form} kỳ {period}.")
_define("report-date-out-of-range", W, "Ngày lập báo cáo không hợp lý",
        "Ngày lập báo cáo {date} nằm ngoài các năm {first}–{last} của kế hoạch; không dùng ngày này để xét "
        "đúng hạn (xét theo {source}).",
        "Sửa ô ngày lập báo cáo thành ngày lập thật (ngày/tháng/năm) rồi gửi lại.")
_define("out-of-schedule", W, "Biểu mẫu, kỳ báo cáo ngoài đợt này",
     "Tệp là biểu {form} kỳ {period}, không thuộc các biểu mẫu và kỳ báo cáo của kế hoạch năm {year} "
     "(cần: {expected}); tệp không được dùng để tổng hợp.",
     "Nếu gửi nhầm tệp cũ, đơn vị gửi lại đúng biểu mẫu năm {year} do Ban Tổ chức Thành ủy gửi; "
     "nếu không cần, chuyển tệp ra khỏi thư mục nhận báo cáo.")

# -- intake: refusals of hostile or foreign files (xlplan.io.intake, xlplan.io.readers) ---------
_define("file-encrypted", E, "Tệp có mật khẩu mở",
        "Không đọc được vì {reason}.",
        "Mở tệp bằng Excel, bỏ mật khẩu mở tệp (Tệp > Thông tin > Bảo vệ sổ làm việc), lưu lại rồi gửi lại.")
_define("file-too-large", E, "Tệp quá lớn",
        "Tệp quá lớn để đọc an toàn: {reason}.",
        "Dùng đúng biểu mẫu do Ban Tổ chức Thành ủy gửi; không chèn ảnh hay dữ liệu khác vào tệp rồi gửi lại.")
_define("file-too-slow", E, "Đọc tệp quá lâu",
        "Đọc tệp mất quá {seconds} giây nên đã dừng.",
        "Mở tệp bằng Excel, lưu lại dưới dạng Excel Workbook (.xlsx) rồi gửi lại; nếu vẫn lỗi, dùng lại biểu mẫu gốc.")
_define("file-duplicate", W, "Tệp trùng lặp",
        "Tệp có nội dung giống hệt tệp '{original}' đã nhận trước đó; chỉ dùng tệp trước.",
        "Không cần làm gì; xóa bản trùng khỏi thư mục nhận báo cáo nếu muốn.")

# -- writing the summary (xlplan.services.consolidate: archive, audit, safe writes) ------
_define("output-versioned", W, "Sổ tổng hợp đang bị khóa, đã ghi sang tệp mới",
        "Sổ tổng hợp '{workbook}' đang mở trong Excel hoặc bị chương trình khác khóa; "
        "kết quả lần tổng hợp này được ghi vào tệp mới '{written}', sổ cũ giữ nguyên.",
        "Đóng sổ '{workbook}' trong Excel; dùng tệp '{written}' hoặc chạy lại việc tổng hợp để ghi vào sổ chính.")

# -- legacy Vietnamese fonts (xlplan.core.legacy_text, xlplan.io.readers.fonts) ------
_define("legacy-encoding", W, "Văn bản gõ bằng bảng mã cũ",
        "Ô '{label}' được gõ bằng bảng mã {encoding} (phông chữ cũ); đã chuyển '{before}' "
        "thành '{after}' theo bảng mã Unicode.",
        "Kiểm tra lại nội dung tại {cell}; gõ lại bằng bảng mã Unicode (phông Times New Roman) "
        "hoặc chuyển mã bằng Unikey Toolkit rồi gửi lại.")

# -- macros in a submission (xlplan.io.readers.macros): recorded, never run or copied ------
_define("file-has-macros", I, "Tệp có chứa macro",
        "Tệp có chứa macro (dự án VBA). Macro không được chạy và không được chép sang sổ tổng hợp; "
        "chỉ số liệu trong các ô của biểu mẫu được đọc.",
        "Không cần làm gì; lần sau nên lưu biểu mẫu dưới dạng Excel Workbook (.xlsx), không kèm macro.")

# -- the file name as a second witness (xlplan.core.witness, xlplan.core.crossfile) ------
_define("identity-mismatch", E, "Tên tệp và nội dung khác đơn vị",
        "Tên tệp là của {name_unit_name} ({name_unit}) nhưng nội dung là biểu mẫu của "
        "{content_unit_name} ({content_unit}); tệp không được dùng để tổng hợp cho đơn vị nào.",
        "Mỗi đơn vị nhập số liệu vào đúng biểu mẫu của mình (do Ban Tổ chức Thành ủy gửi, mã {name_unit} "
        "hoặc {content_unit}) rồi gửi lại; không nhập vào biểu mẫu của đơn vị khác.")
_define("form-name-mismatch", E, "Tên tệp và nội dung khác biểu mẫu",
        "Tên tệp ghi biểu {name_form} nhưng nội dung là biểu {form} kỳ {period}; "
        "tệp không được dùng để tổng hợp.",
        "Kiểm tra lại: nếu cần gửi biểu {name_form}, dùng đúng biểu mẫu {name_form}; "
        "nếu đúng là biểu {form}, đặt lại tên tệp cho đúng rồi gửi lại.")
_define("period-name-mismatch", E, "Tên tệp và nội dung khác kỳ báo cáo",
        "Tên tệp ghi kỳ {name_period} nhưng nội dung là biểu {form} kỳ {period}; "
        "tệp không được dùng để tổng hợp.",
        "Kiểm tra lại: dùng đúng biểu mẫu của kỳ {name_period}, hoặc đặt lại tên tệp theo kỳ {period} rồi gửi lại.")
_define("members-implausible", W, "Tổng số đảng viên khác xa danh mục",
        "Tổng số đảng viên trong tệp ({value}) khác số của danh mục ({expected}) quá {tolerance}%.",
        "Kiểm tra lại số tại {cell} và biểu mẫu đã đúng của đơn vị mình chưa; nếu danh mục đã cũ thì cập nhật danh mục.")
_define("file-converted", I, "Tệp đã được chuyển định dạng để đọc",
        "Tệp định dạng {format} đã được LibreOffice chuyển sang .xlsx để đọc; tệp gốc giữ nguyên, "
        "không macro nào được chạy.",
        "Không cần làm gì; lần sau nên lưu biểu mẫu dưới dạng Excel Workbook (.xlsx).")
_define("needs-libreoffice", E, "Cần LibreOffice để đọc tệp",
        "Tệp định dạng {format} chỉ đọc được sau khi chuyển đổi bằng LibreOffice, nhưng máy này chưa cài LibreOffice.",
        "Ban Tổ chức: cài LibreOffice (libreoffice.org) rồi chạy lại; hoặc đơn vị mở tệp, "
        "lưu lại dưới dạng Excel Workbook (.xlsx) rồi gửi lại.")

CODES = CATALOGUE  # public alias: the catalogue of finding codes
# Said after the severity of a finding of a file a later submission replaced.
SUPERSEDED_NOTE = " (tệp đã được thay)"


@dataclass(frozen=True)
class Finding:
    """One thing found: a catalogued code with its location and parameters."""

    code: str
    severity: Severity
    message: str
    fix: str
    unit: str | None = None
    file: str | None = None
    sheet: str | None = None
    cell: str | None = None
    field: str | None = None
    params: dict[str, Any] = dc_field(default_factory=dict, compare=False, hash=False)
    # A finding of a file a later submission replaced: still listed (trace, the findings table),
    # never counted in the error and warning totals nor sent back to the unit.
    superseded: bool = False
    # The document a check comes from (a plan-file rule's ``source``): shown to the Board and units.
    source: str | None = None

    @property
    def severity_label(self) -> str:
        """The severity as the findings table shows it: ``Lỗi``, or ``Lỗi (tệp đã được thay)`` for a replaced file."""
        return self.severity.label + (SUPERSEDED_NOTE if self.superseded else "")

    @property
    def location(self) -> str:
        """``Sheet!A1`` (or just the sheet, or empty) as Excel users write it."""
        if self.sheet and self.cell:
            sheet = self.sheet
            if not sheet.replace("_", "").isalnum():
                sheet = "'" + sheet.replace("'", "''") + "'"
            return f"{sheet}!{self.cell}"
        return self.sheet or self.cell or ""

    @property
    def unit_location(self) -> str:
        """Where it is, as a person reads it: ``trang Đăng ký, ô C26`` (or the sheet, or the cell, or empty)."""
        return place_text(self.sheet, self.cell)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["severity"] = self.severity.value
        data["location"] = self.location
        data["params"] = {k: _jsonable(v) for k, v in self.params.items()}
        return data

    def sort_key(self) -> tuple:
        return (self.severity.rank, self.unit or "", self.file or "", self.sheet or "",
                self.cell or "", self.code)


def place_text(sheet: str | None, cell: str | None) -> str:
    """A cell named the way letters and messages name it: ``trang Đăng ký, ô C26``."""
    if sheet and cell:
        return f"trang {sheet}, ô {cell}"
    return f"trang {sheet}" if sheet else (f"ô {cell}" if cell else "")


def cells_text(cells: Iterable[tuple[str | None, str | None, Any]]) -> str:
    """Cells and their values, as a sum-mismatch names them: ``ô C20 = 3, ô C21 = 4`` (``trang X, ô C20`` across sheets)."""
    items = list(cells)
    sheets = {sheet for sheet, _, _ in items if sheet}
    parts = []
    for sheet, cell, value in items:
        where = place_text(sheet if len(sheets) > 1 else None, cell) or "(không rõ ô)"
        parts.append(f"{where} = {_value_text(value)}")
    return ", ".join(parts)


PERIOD_KIND_WORDS = {"month": "tháng", "quarter": "quý", "year": "năm"}


def period_kinds_text(kinds: Iterable[str]) -> str:
    """Period kinds as a message says them: ``tháng, quý, năm`` (the plan file's ``month``… are not shown)."""
    return ", ".join(PERIOD_KIND_WORDS.get(kind, kind) for kind in kinds)


def _value_text(value: Any) -> str:
    if value is None or value == "":
        return "trống"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}".replace(",", ".")
    return str(value)


def _jsonable(value: Any) -> Any:
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def make(code: str, /, *, unit: str | None = None, file: str | None = None,
         sheet: str | None = None, cell: str | None = None, field: str | None = None,
         severity: Severity | None = None, **params: Any) -> Finding:
    """Build a finding from its catalogue entry, rendering the Vietnamese templates.

    The location (``cell`` as ``Sheet!D12``, ``field``, ``unit``, ``file``, ``sheet``) is also
    offered to the templates, so a message can name the field and a fix the cell.
    """
    kind = CATALOGUE[code]
    values = _Defaulting(params)
    values.setdefault("cell", place_text(sheet, cell))
    for key, given in (("field", field), ("unit", unit), ("file", file), ("sheet", sheet)):
        if given is not None:
            values.setdefault(key, given)
    return Finding(
        code=code,
        severity=severity or kind.severity,
        message=kind.message.format_map(values),
        fix=kind.fix.format_map(values),
        unit=unit, file=file, sheet=sheet, cell=cell, field=field,
        params=dict(params),
    )


class _Defaulting(dict):
    """A format mapping that leaves unknown placeholders visible instead of raising."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


@dataclass
class Report:
    """A collection of findings that decides the exit code (0 fine, 1 errors)."""

    findings: list[Finding] = dc_field(default_factory=list)

    def extend(self, items: Iterable[Finding]) -> None:
        self.findings.extend(items)

    def add(self, item: Finding) -> None:
        self.findings.append(item)

    def __iter__(self) -> Iterator[Finding]:
        return iter(self.sorted())

    def __len__(self) -> int:
        return len(self.findings)

    def sorted(self) -> list[Finding]:
        return sorted(self.findings, key=Finding.sort_key)

    def count(self, severity: Severity) -> int:
        """Findings of a severity, those of replaced files aside (they are listed, not counted)."""
        return sum(1 for f in self.findings if f.severity is severity and not f.superseded)

    @property
    def errors(self) -> list[Finding]:
        """The errors that decide the exit code: a replaced file's errors no longer matter."""
        return [f for f in self.findings if f.severity is Severity.ERROR and not f.superseded]

    @property
    def valid(self) -> bool:
        return not self.errors

    @property
    def exit_code(self) -> int:
        return 0 if self.valid else 1

    def codes(self) -> list[str]:
        return [f.code for f in self.sorted()]


def catalogue_markdown() -> str:
    """The catalogue as Markdown: the source of ``docs/findings.md``."""
    lines = [
        "# Finding codes",
        "",
        "Generated from `xlplan.core.findings.CATALOGUE` by `xlplan findings --markdown`;",
        "do not edit by hand. Codes are stable: they are never renamed or reused.",
        "",
        "| code | severity | title (vi) | message template (vi) | fix (vi) |",
        "|---|---|---|---|---|",
    ]
    for kind in CATALOGUE.values():
        cells = [f"`{kind.code}`", kind.severity.value, kind.title, kind.message, kind.fix]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + "\n"
