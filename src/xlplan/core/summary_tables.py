"""The city summary workbook's tables, as data shared by the rollup and the workbook writer.

Each table lives on one sheet at a named anchor (a workbook-level defined name
on the first header cell, e.g. ``tbl_dang_ky``). The template builder lays the
headers out from these specs once; consolidation writes only values below the
header and resizes the region, so staff may restyle the workbook freely. Column
ids are a contract (other offices read these workbooks): add, never rename.

Some columns come from the plan (member rating categories), hence
:func:`summary_tables` takes the plan.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from .plan import Plan, or_better

ColumnKind = Literal["text", "int", "share", "date", "datetime"]


@dataclass(frozen=True)
class Column:
    id: str
    header: str  # Vietnamese header shown in the workbook
    kind: ColumnKind = "text"
    width: float = 14


@dataclass(frozen=True)
class TableSpec:
    id: str  # the anchor's defined name, e.g. "tbl_dang_ky"
    sheet: str
    title: str  # Vietnamese title printed above the table
    columns: tuple[Column, ...]

    @property
    def column_ids(self) -> list[str]:
        return [c.id for c in self.columns]


# Sheets of the city workbook, in order (the issue fixes the names).
SHEETS = ("Hướng dẫn", "Cấu hình", "Danh mục đơn vị", "Đăng ký", "Tiến độ", "Đánh giá", "Tổng hợp",
          "Theo dõi nộp", "Kiểm tra", "Biểu đồ", "Báo cáo")

# Named single cells of the Cấu hình sheet that the code reads (settings) — contract.
CONFIG_CELLS = (
    ("cfg_ke_hoach", "Kế hoạch (tên có sẵn hoặc đường dẫn tệp .toml)"),
    ("cfg_nam", "Năm kế hoạch"),
    ("cfg_thu_muc_nop", "Thư mục nhận báo cáo (tương đối so với sổ tổng hợp)"),
    ("cfg_thu_muc_gui", "Thư mục biểu mẫu gửi đơn vị"),
    ("cfg_thu_muc_ket_qua", "Thư mục kết quả (PDF, sao lưu)"),
    ("cfg_han_dang_ky", "Hạn nộp đăng ký"),
    ("cfg_lam_tron", "Cách làm tròn tỷ lệ (cat / tron)"),
    ("cfg_so_le", "Số chữ số thập phân của tỷ lệ %"),
    ("cfg_ngay_chot", "Ngày chốt số liệu (trống = ngày tổng hợp)"),
    ("cfg_nam_truoc", "Thư mục làm việc năm trước (trống = không so sánh)"),
)

# Named single cells of the Báo cáo sheet written by consolidation.
REPORT_CELLS = (
    "bc_cap_tren", "bc_co_quan", "bc_noi_ngay", "bc_so", "bc_tieu_de", "bc_doan_van", "bc_doan_van_nam",
    "bc_noi_nhan",
)

# The report cells generated from the data: rewritten by every consolidation. The other
# report cells belong to staff once they type in them (number, date, recipients…).
GENERATED_REPORT_CELLS = frozenset({"bc_doan_van", "bc_doan_van_nam"})


def report_defaults(plan: Plan) -> dict[str, str]:
    """What every ``REPORT_CELLS`` cell holds until staff type their own text (the one definition).

    The number is the report's own (``-BC/TU``), left blank to be filled in by
    hand: the plan's number (``-KH/TU``) is another document's. The generated
    cells get a placeholder until the first consolidation.
    """
    return {
        "bc_cap_tren": plan.superior,
        "bc_co_quan": plan.issuer,
        "bc_noi_ngay": f"{plan.place}, ngày … tháng … năm {plan.year}",
        "bc_so": "Số …-BC/TU",
        "bc_tieu_de": f"BÁO CÁO KẾT QUẢ THỰC HIỆN KẾ HOẠCH {plan.title.upper()}",
        "bc_doan_van": "(Đoạn văn về kết quả năm trước được điền khi tổng hợp.)",
        "bc_doan_van_nam": f"(Đoạn văn về tình hình năm {plan.year} được điền khi tổng hợp.)",
        "bc_noi_nhan": "Nơi nhận:\n- Ban Thường vụ Thành ủy (để báo cáo);\n- Các tổ chức cơ sở đảng trực thuộc;\n"
                       "- Lưu Ban Tổ chức Thành ủy.",
    }


def _former_defaults(plan: Plan) -> dict[str, tuple[str, ...]]:
    """Defaults written by earlier versions (template and consolidation disagreed): still untouched text."""
    return {
        "bc_noi_ngay": (f"{plan.place}, ngày      tháng      năm {plan.year}",),
        "bc_so": ("Số        -BC/TU",) + ((plan.document_number,) if plan.document_number else ()) + ("Số …",),
        "bc_tieu_de": (f"BÁO CÁO\nKẾT QUẢ THỰC HIỆN KẾ HOẠCH {plan.title.upper()}",),
        "bc_noi_nhan": ("Nơi nhận:\n- Thường trực Thành ủy (b/c),\n- Các đảng bộ, chi bộ cơ sở,\n"
                        "- Lưu Ban Tổ chức Thành ủy.",),
    }


def keeps_report_text(name: str, current: object, plan: Plan) -> bool:
    """Whether the report cell ``name``, now holding ``current``, keeps it rather than take a new value.

    Staff type the report's number, date, recipients… into the Báo cáo sheet;
    a consolidation must not undo that. A cell keeps its text unless it is
    generated from the data (:data:`GENERATED_REPORT_CELLS`), empty, or still
    holds a default (today's or an earlier version's).
    """
    if name not in REPORT_CELLS or name in GENERATED_REPORT_CELLS:
        return False
    if current is None or (isinstance(current, str) and not current.strip()):
        return False
    untouched = (report_defaults(plan)[name], *_former_defaults(plan).get(name, ()))
    return current not in untouched

_UNIT = (Column("ma", "Mã đơn vị", "text", 12), Column("ten", "Tên tổ chức cơ sở đảng", "text", 42),
         Column("loai_hinh", "Loại hình", "text", 28))


def summary_tables(plan: Plan) -> dict[str, TableSpec]:
    """Every table of the city workbook under ``plan`` (member categories come from it)."""
    members = tuple(Column(c.field, c.label, "int", 14) for c in plan.member_ratings.categories if c.field)
    # The words of the plan's rating scale (``set_labels``); today's "TSVM", "HTTNV" … by default.
    tsvm, weak = plan.word("tsvm", short=True), plan.word("weak", short=True)
    good, excellent = or_better(plan.word("good_or_better", short=True)), plan.word("excellent", short=True)
    register = ("ĐĂNG KÝ XÂY DỰNG TCCSĐ TSVM" if tsvm == "TSVM" else "ĐĂNG KÝ XẾP LOẠI TCCSĐ")
    tables = (
        TableSpec("tbl_don_vi", "Danh mục đơn vị", "DANH MỤC TỔ CHỨC CƠ SỞ ĐẢNG", (
            Column("ma", "Mã đơn vị", "text", 14), Column("ten", "Tên tổ chức cơ sở đảng", "text", 44),
            Column("loai_hinh", "Loại hình (mã)", "text", 18), Column("loai_hinh_ten", "Loại hình", "text", 30),
            Column("co_nguon", "Có nguồn phát triển đảng", "text", 12),
            Column("so_dang_vien", "Số đảng viên", "int", 12), Column("so_chi_bo", "Số chi bộ trực thuộc", "int", 12),
            Column("lien_he", "Liên hệ", "text", 30),
            Column("chi_tieu_toi_thieu", "Chỉ tiêu kết nạp tối thiểu", "int", 14),
        )),
        TableSpec("tbl_dang_ky", "Đăng ký", f"{register} VÀ PHÁT TRIỂN ĐẢNG VIÊN NĂM {plan.year}", _UNIT + (
            Column("dk_xep_loai", "Đăng ký xếp loại", "text", 26),
            Column("dk_ket_nap", "Đăng ký kết nạp", "int", 11),
            Column("ct_toi_thieu", "Chỉ tiêu tối thiểu", "int", 11),
            Column("dat_toi_thieu", "So với tối thiểu", "text", 11),
            Column("dk_nguon", "Nguồn phát triển", "int", 11),
            Column("dk_nguon_boi_duong", "Đã học lớp nhận thức", "int", 11),
            Column("dk_ty_le_tot", f"Tỷ lệ {good} đăng ký", "share", 12),
            Column("ngay_lap", "Ngày lập", "date", 12),
            Column("trang_thai", "Tình trạng nộp", "text", 14),
        )),
        TableSpec("tbl_tien_do", "Tiến độ", f"TIẾN ĐỘ KẾT NẠP ĐẢNG VIÊN NĂM {plan.year} THEO ĐƠN VỊ", _UNIT + (
            Column("ky_moi_nhat", "Kỳ báo cáo mới nhất", "text", 12),
            Column("kn_luy_ke", "Kết nạp lũy kế", "int", 11),
            Column("dk_ket_nap", "Đăng ký kết nạp", "int", 11),
            Column("ty_le_so_dang_ky", "% so với đăng ký", "share", 11),
            Column("ct_toi_thieu", "Chỉ tiêu tối thiểu", "int", 11),
            Column("dat_toi_thieu", "So với tối thiểu", "text", 11),
            Column("chuyen_chinh_thuc", "Chuyển chính thức lũy kế", "int", 12),
            Column("dv_cuoi_ky", "Đảng viên cuối kỳ", "int", 12),
        )),
        TableSpec("tbl_tien_do_thang", "Tiến độ", "TIẾN ĐỘ KẾT NẠP TOÀN THÀNH PHỐ THEO THÁNG, QUÝ", (
            Column("ky", "Kỳ", "text", 12), Column("ky_ten", "Kỳ báo cáo", "text", 22),
            Column("so_don_vi_nop", "Số đơn vị báo cáo", "int", 12),
            Column("kn_trong_ky", "Kết nạp trong kỳ", "int", 12),
            Column("kn_luy_ke", "Kết nạp lũy kế", "int", 12),
            Column("chi_tieu", "Chỉ tiêu cả năm", "int", 12),
            Column("ty_le_hoan_thanh", "% kế hoạch", "share", 12),
        )),
        TableSpec("tbl_danh_gia", "Đánh giá", "KẾT QUẢ ĐÁNH GIÁ, XẾP LOẠI CHẤT LƯỢNG THEO ĐƠN VỊ", _UNIT + (
            Column("nam", "Năm", "text", 8),
            Column("tccs_tu_xep_loai", "Tự xếp loại", "text", 24),
            Column("tccs_xep_loai", "Xếp loại được công nhận", "text", 24),
            Column("dv_tong_so", "Tổng số đảng viên", "int", 11),
            Column("dv_duoc_danh_gia", "Được đánh giá", "int", 11),
        ) + members + (
            Column("ty_le_tot", f"Tỷ lệ {good}", "share", 11),
            Column("ty_le_xuat_sac", f"Tỷ lệ {excellent}", "share", 11),
        )),
        TableSpec("tbl_tong_hop", "Tổng hợp", "TỔNG HỢP THEO LOẠI HÌNH VÀ TOÀN THÀNH PHỐ", (
            Column("nhom", "Loại hình", "text", 34), Column("nam", "Năm", "text", 8),
            Column("so_don_vi", "Số TCCSĐ", "int", 9), Column("so_danh_gia", "Số được đánh giá", "int", 10),
            Column("so_tsvm", f"Số {tsvm}", "int", 9), Column("ty_le_tsvm", f"Tỷ lệ {tsvm}", "share", 10),
            Column("so_yeu_kem", f"Số {weak}", "int", 9),
            Column("dv_tong_so", "Đảng viên", "int", 10), Column("dv_duoc_danh_gia", "ĐV được đánh giá", "int", 10),
            Column("dv_tot_tro_len", f"ĐV {good}", "int", 10), Column("ty_le_tot", f"Tỷ lệ {good}", "share", 10),
            Column("dv_xuat_sac", f"ĐV {excellent}", "int", 10), Column("ty_le_xuat_sac", f"Tỷ lệ {excellent}", "share", 10),
            Column("ket_nap", "Kết nạp", "int", 9), Column("chi_tieu_ket_nap", "Chỉ tiêu kết nạp", "int", 10),
            Column("ty_le_ket_nap", "% kế hoạch", "share", 10),
            Column("chuyen_chinh_thuc", "Chuyển chính thức", "int", 10),
            Column("nguon_so_lieu", "Nguồn số liệu", "text", 40),
        )),
        TableSpec("tbl_chi_tieu", "Tổng hợp", "CÁC CHỈ TIÊU CỦA KẾ HOẠCH", (
            Column("chi_tieu", "Chỉ tiêu", "text", 44), Column("muc_tieu", "Mục tiêu", "text", 16),
            Column("nam_truoc", f"Năm {plan.previous_year}", "text", 22),
            Column("nam_nay", f"Năm {plan.year}", "text", 22), Column("danh_gia", "Đánh giá", "text", 14),
        )),
        TableSpec("tbl_theo_doi", "Theo dõi nộp", "THEO DÕI NỘP BIỂU MẪU", _UNIT[:2] + (
            Column("bieu", "Biểu", "text", 6), Column("ky", "Kỳ", "text", 9),
            Column("trang_thai", "Tình trạng", "text", 12),
            Column("ngay_tren_bieu", "Ngày lập trên biểu", "date", 12),
            Column("thoi_gian_tep", "Thời gian tệp", "datetime", 17),
            Column("ngay_dung", "Ngày dùng để xét", "text", 15),
            Column("han_nop", "Hạn nộp", "date", 12),
            Column("dung_han", "Đúng hạn", "text", 11),
            Column("so_lan_nop", "Số lần nộp", "int", 8),
            Column("tep", "Tệp", "text", 36),
            Column("ngay_sua_cuoi", "Ngày nhận bản sửa cuối", "date", 12),
            Column("ghi_chu", "Ghi chú", "text", 30),
        )),
        TableSpec("tbl_ty_le_nop", "Theo dõi nộp", "TỶ LỆ NỘP ĐẦY ĐỦ, ĐÚNG HẠN", (
            Column("bieu", "Biểu", "text", 6), Column("ky", "Kỳ", "text", 9),
            Column("du_kien", "Số đơn vị phải nộp (đã đến hạn)", "int", 11), Column("da_nop", "Đã nộp", "int", 9),
            Column("ty_le_day_du", "Tỷ lệ đầy đủ", "share", 11), Column("dung_han", "Đúng hạn", "int", 9),
            Column("ty_le_dung_han", "Tỷ lệ đúng hạn", "share", 11),
        )),
        TableSpec("tbl_kiem_tra", "Kiểm tra", "KẾT QUẢ KIỂM TRA SỐ LIỆU", (
            Column("muc_do", "Mức độ", "text", 10), Column("ma_loi", "Mã", "text", 22),
            Column("don_vi", "Đơn vị", "text", 12), Column("tep", "Tệp", "text", 32),
            Column("o", "Ô", "text", 18), Column("noi_dung", "Nội dung", "text", 60),
            Column("cach_sua", "Cách khắc phục", "text", 48),
        )),
        TableSpec("tbl_bieu_do_ket_nap", "Biểu đồ", "KẾT NẠP SO VỚI CHỈ TIÊU THEO LOẠI HÌNH", (
            Column("nhom", "Loại hình", "text", 30), Column("ket_nap", "Kết nạp", "int", 10),
            Column("chi_tieu", "Chỉ tiêu tối thiểu", "int", 10),
        )),
        TableSpec("tbl_bieu_do_xep_loai", "Biểu đồ", "PHÂN BỐ XẾP LOẠI TỔ CHỨC CƠ SỞ ĐẢNG", (
            Column("xep_loai", "Xếp loại", "text", 30), Column("so_tccs", "Số TCCSĐ", "int", 10),
        )),
        TableSpec("tbl_bieu_do_nop", "Biểu đồ", "TỶ LỆ NỘP ĐẦY ĐỦ THEO BIỂU VÀ KỲ", (
            Column("bieu_ky", "Biểu - kỳ", "text", 16), Column("ty_le_day_du", "Tỷ lệ đầy đủ", "share", 10),
        )),
        TableSpec("tbl_bao_cao", "Báo cáo", "MỘT SỐ CHỈ TIÊU CHỦ YẾU", (
            Column("tt", "TT", "text", 5), Column("chi_tieu", "Chỉ tiêu", "text", 46),
            Column("nam_truoc", f"Năm {plan.previous_year}", "text", 18),
            Column("nam_nay", f"Năm {plan.year}", "text", 18), Column("danh_gia", "Đánh giá", "text", 12),
        )),
    )
    return {t.id: t for t in tables}
