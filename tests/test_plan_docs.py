"""docs/plan-file.md against the loader: every rule key documented, every documented key read, examples load."""

from __future__ import annotations

import re
import tomllib
from importlib import resources
from pathlib import Path

from xlplan.core.plan import DEFAULT_SET_LABELS, plan_from_dict
from xlplan.core.rules import KEYS, parse_rules
from xlplan.io.plans import checked_plan

DOC = Path(__file__).resolve().parents[1] / "docs" / "plan-file.md"


def text() -> str:
    return DOC.read_text(encoding="utf-8")


def section(title: str) -> str:
    body = text().split(f"## {title}", 1)[1]
    return body.split("\n## ", 1)[0]


def test_every_rule_key_is_documented_and_every_documented_key_is_read() -> None:
    rules = section("`[[rules]]`")
    documented = re.findall(r"^\| `([a-z_]+)` \| (yes|no) \|", rules, re.M)
    assert [(k, r == "yes") for k, r in documented] == [(k, req) for k, req, _ in KEYS]
    for key, _, what in KEYS:
        assert what.replace("|", "\\|") in rules, key


def test_an_undocumented_key_is_refused_by_the_loader() -> None:
    rule = {"id": "r", "form": "F03", "left": "dv_tot", "op": "<=", "right": "1", "message": "m", "nguon": "x"}
    _, problems = parse_rules([rule], ("F03",))
    assert [p.params["key"] for p in problems] == ['rules[0] (id = "r").nguon']


def bundled() -> str:
    return (resources.files("xlplan") / "data" / "plans" / "bac_ninh_2017.toml").read_text("utf-8")


def test_the_examples_load() -> None:
    blocks = re.findall(r"```toml\n(.*?)```", text(), re.S)
    assert len(blocks) == 2
    rule_block, scale_block = blocks
    plan = checked_plan(bundled() + "\n" + rule_block)
    assert plan.rules[-1].id == "xuat_sac_toi_da_20" and plan.rules[-1].source
    data = tomllib.loads(bundled())
    data["ratings"]["organization"] = tomllib.loads(scale_block)["ratings"]["organization"]
    data["rules"] = [r for r in data["rules"] if r["id"] != "kt_chi_bo"]
    assert plan_from_dict(data).word("tsvm") == "hoàn thành xuất sắc nhiệm vụ"


def test_default_words_are_the_documented_ones() -> None:
    words = section("`set_labels`")
    for name, word in DEFAULT_SET_LABELS.items():
        assert f"| `{name}` | {word} |" in words
