"""The plan shown to people: a readable Vietnamese summary and a JSON-ready dict."""

from __future__ import annotations

from typing import Any

from ..core.indicators import format_date, format_number
from ..core.periods import Period, periods_of
from ..core.plan import Plan, or_better

_OPS = {">=": "≥", ">": ">", "<=": "≤", "<": "<", "=": "="}
_ROUNDING = {"cat": "cắt bỏ (không làm tròn)", "tron": "làm tròn nửa lên"}
_PERIOD_KINDS = {"year": "năm", "quarter": "quý", "month": "tháng"}


def plan_as_dict(plan: Plan) -> dict[str, Any]:
    """Everything in the plan as plain data (for ``--json`` and the Cấu hình sheet)."""
    return {
        "id": plan.id, "year": plan.year, "title": plan.title, "issuer": plan.issuer,
        "superior": plan.superior, "board": plan.board, "committee": plan.committee, "place": plan.place,
        "previous_year": {"year": plan.previous_year, "admission_plan": plan.previous_admission_plan},
        "rounding": {"mode": plan.rounding_mode, "share_digits": plan.share_digits,
                     "completion_digits": plan.completion_digits},
        "admissions": {"city_target": plan.city_admission_target, "comparison": plan.admission_comparison},
        "members_target": {"good_or_better_share": str(plan.good_share_target),
                           "comparison": plan.good_share_comparison},
        "organizations_target": {"max_weak": plan.max_weak, "keep_title": plan.keep_title},
        "kinds": [{"code": k.code, "label": k.label, "min_admissions": k.min_admissions,
                   "only_with_source": k.only_with_source} for k in plan.kinds],
        "ratings": {
            name: {"categories": [{"code": c.code, "label": c.label, "assessed": c.assessed, "field": c.field}
                                  for c in scale.categories],
                   **{k: sorted(v) for k, v in scale.sets.items()}}
            for name, scale in (("organization", plan.org_ratings), ("member", plan.member_ratings))
        },
        "forms": {
            fid: {"versions": list(rule.versions), "periods": list(rule.periods),
                  "deadlines": {str(p): plan.due_date(fid, p).isoformat()
                                for kind in rule.periods for p in periods_of(plan.year, kind)}}
            for fid, rule in plan.forms.items()
        },
        "rules": [{"id": r.id, "code": r.finding_code, "form": r.form, "scope": r.scope, "left": r.left_text,
                   "op": r.op, "right": r.right_text, "severity": r.severity.value, "source": r.source}
                  for r in plan.rules],
        "source": plan.source,
    }


def _set_tag(plan: Plan, name: str) -> str:
    """``tính là TSVM``: a category's named set, in the plan's words (``set_labels``)."""
    word = plan.word(name, short=name == "tsvm")
    return f"tính là {or_better(word) if name == 'good_or_better' else word}"


def plan_summary(plan: Plan) -> str:
    """A readable Vietnamese page: targets, kinds with minimums, categories, deadlines."""
    lines = [
        f"KẾ HOẠCH: {plan.title}",
        f"Cơ quan ban hành: {plan.issuer} ({plan.superior}); theo dõi: {plan.board}",
        f"Năm kế hoạch: {plan.year}; năm trước: {plan.previous_year} "
        f"(kế hoạch kết nạp năm trước: {format_number(plan.previous_admission_plan)})",
        f"Số liệu năm {plan.previous_year} của mỗi đơn vị: theo biểu đánh giá (F03) và báo cáo năm (F02) "
        f"năm {plan.previous_year}; đơn vị chưa có các biểu này thì theo mục \"Kết quả năm {plan.previous_year}\" "
        "của biểu đăng ký (F01).",
        "",
        "CHỈ TIÊU",
        f"- Toàn {plan.committee.lower()} kết nạp {_OPS[plan.admission_comparison]} "
        f"{format_number(plan.city_admission_target)} đảng viên mới",
        f"- Tỷ lệ đảng viên hoàn thành tốt nhiệm vụ trở lên {_OPS[plan.good_share_comparison]} "
        f"{format_number(plan.good_share_target, 2 if plan.good_share_target % 1 else 0)}%",
        f"- Tổ chức cơ sở đảng yếu kém: không quá {plan.max_weak}"
        + (f"; giữ vững danh hiệu \"{plan.keep_title}\"" if plan.keep_title else ""),
        "",
        "CHỈ TIÊU KẾT NẠP TỐI THIỂU THEO LOẠI HÌNH",
    ]
    for kind in plan.kinds:
        extra = " (chỉ với đơn vị có nguồn)" if kind.only_with_source else ""
        lines.append(f"- {kind.label} [{kind.code}]: từ {kind.min_admissions} đảng viên trở lên{extra}")
    lines.append(f"(Chỉ tiêu cả năm được đánh giá khi hết năm {plan.year}; trước đó sổ tổng hợp ghi tiến độ "
                 "\"đến hết tháng … đã kết nạp …\", không ghi \"chưa đạt\".)")
    lines += ["", "XẾP LOẠI TỔ CHỨC CƠ SỞ ĐẢNG"]
    for cat in plan.org_ratings.categories:
        tags = [_set_tag(plan, name) for name, codes in plan.org_ratings.sets.items() if cat.code in codes]
        tags += [] if cat.assessed else ["không tính là được đánh giá"]
        lines.append(f"- {cat.label}" + (f" ({', '.join(tags)})" if tags else ""))
    lines += ["", "XẾP LOẠI ĐẢNG VIÊN"]
    for cat in plan.member_ratings.categories:
        tags = [_set_tag(plan, name) for name, codes in plan.member_ratings.sets.items() if cat.code in codes]
        lines.append(f"- {cat.label} [ô {cat.field}]" + (f" ({', '.join(tags)})" if tags else ""))
    lines += ["", "BIỂU MẪU VÀ HẠN NỘP"]
    for fid, rule in plan.forms.items():
        kinds = ", ".join(_PERIOD_KINDS[k] for k in rule.periods)
        first = [Period(plan.year, k, 1) for k in rule.periods]
        due = "; ".join(f"{p.label}: {format_date(plan.due_date(fid, p))}" for p in first)
        lines.append(f"- {fid} (phiên bản {', '.join(rule.versions)}), theo {kinds}. Ví dụ hạn nộp — {due}")
    lines += ["", "QUY TẮC KIỂM TRA SỐ LIỆU ([[rules]])"]
    for r in plan.rules:
        where = {"unit": "từng đơn vị", "kind": "từng loại hình", "city": "toàn thành phố"}[r.scope]
        basis = f"; căn cứ: {r.source}" if r.source else ""
        lines.append(f"- {r.finding_code} ({r.severity.label}, biểu {r.form}, {where}): "
                     f"{r.left_text} {r.op} {r.right_text}{basis}")
    lines += ["", f"Làm tròn tỷ lệ: {_ROUNDING[plan.rounding_mode]}, {plan.share_digits} chữ số thập phân; "
                  f"tỷ lệ hoàn thành kế hoạch: {plan.completion_digits} chữ số thập phân."]
    if plan.source:
        lines.append(f"Nguồn: {plan.source}")
    return "\n".join(lines)
