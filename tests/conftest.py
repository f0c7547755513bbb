"""Shared fixtures: the bundled rules, loaded once, and a hand-worked base firm."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from eligibility import RuleSet, assess_one, load_rules
from eligibility.language.load import bundled_rules_dir
from eligibility.synthetic import credit_check_digit

AS_OF_2022 = "2026-03-31"  # the last day of the 63号 regime


@pytest.fixture(scope="session")
def rules() -> RuleSet:
    return load_rules()


def valid_code(i: int) -> str:
    """A fictional credit code with a valid GB 32100-2015 check digit."""
    first17 = f"9114050{i:010d}"
    return first17 + credit_check_digit(first17)


def base_firm() -> dict[str, Any]:
    """An industrial small firm that scores exactly 78 under 63号 annex 2.

    专业化 22 = share 90% (5) + mean growth (12.5% + 11.11%) / 2 = 11.8% (10) + niche 5 years (2)
             + key_link (5)
    精细化 23 = digital level 3 (5) + two quality items (6, capped 5) + margin 8% (8) + debt 50% (5)
    特色化 10 = provincial score 10
    创新能力 23 = own Ⅰ类 IP (8) + R&D 120万 = 4% (amount 2, ratio 4 → 4) + R&D staff 16.7% (3)
               + provincial (8)
    """
    return {
        "credit_code": valid_code(0),
        "name": "晋泽铸造有限公司",
        "industry": "工业",
        "employees_y1": 120,
        "revenue_y1": 3000,
        "main_revenue_y1": 2700,
        "main_revenue_y2": 2400,
        "main_revenue_y3": 2160,
        "rd_expense_y1": 120,
        "rd_expense_y2": 100,
        "net_profit_y1": 240,
        "total_assets_y1": 6000,
        "total_liabilities_y1": 3000,
        "rd_staff_y1": 20,
        "niche_years": 5,
        "equity_financing_2y": 0,
        "product_field": "key_link",
        "digital_level": 3,
        "quality_award": "否",
        "quality_cert": "是",
        "own_brand": "是",
        "standard_drafting": "否",
        "local_feature_score": 10,
        "ip_class1_high_value": 0,
        "ip_class1_own": 2,
        "ip_class1": 3,
        "ip_class2": 5,
        "rd_institution": "provincial",
        "st_award": "none",
        "maker_china": "none",
        "abnormal_list": "否",
        "dishonest_list": "否",
        "major_incident_3y": "否",
        "prohibited_product": "否",
    }


def assess(
    rules: RuleSet, overrides: dict[str, Any], as_of: str = AS_OF_2022, **kwargs: Any
) -> dict[str, Any]:
    firm = base_firm()
    firm.update(overrides)
    return assess_one(firm, rules, as_of=as_of, **kwargs)


def copy_rules(tmp_path: Path) -> Path:
    """A private copy of the bundled rules, for a test to edit."""
    directory = tmp_path / "rules"
    shutil.copytree(bundled_rules_dir(), directory)
    return directory


def edit(path: Path, old: str, new: str) -> None:
    """Replace ``old`` by ``new`` in a text file; ``old`` must be there, so an edit never silently misses."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new), encoding="utf-8")
