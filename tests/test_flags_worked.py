"""Worked cases with exact flags and gaps (issue 5 acceptance), under the 2号 rules in force."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from eligibility import RuleSet, evaluate
from tests.conftest import valid_code

AS_OF = "2026-11-26"


def srdi_applicant(**overrides: Any) -> dict[str, Any]:
    """Passes 专精特新 (2号) comfortably: the scenario file's base firm."""
    firm: dict[str, Any] = {
        "credit_code": valid_code(1),
        "name": "甲",
        "industry": "工业",
        "employees_y1": 200,
        "revenue_y1": 3000,
        "revenue_y2": 2600,
        "main_revenue_y1": 2700,
        "total_assets_y1": 4000,
        "total_liabilities_y1": 2000,
        "rd_expense_y1": 150,
        "rd_expense_y2": 130,
        "niche_years": 5,
        "equity_financing_2y": 0,
        "ip_class1": 2,
        "st_award": "none",
        "rd_institution": "none",
        "market_leading": "是",
        "quality_score_y1": 62,
        "quality_score_y2": 58,
        "current_tier": "创新型",
        "tier_expires_on": "2028-12-31",
    }
    firm.update(overrides)
    return firm


def giant_applicant(**overrides: Any) -> dict[str, Any]:
    """Holds 专精特新 and passes 小巨人 (2号) except where overridden: the scenario file's base firm."""
    firm: dict[str, Any] = {
        "credit_code": valid_code(2),
        "name": "乙",
        "industry": "工业",
        "employees_y1": 400,
        "revenue_y1": 12000,
        "revenue_y2": 11000,
        "revenue_y3": 10000,
        "main_revenue_y1": 11400,
        "total_assets_y1": 10000,
        "total_liabilities_y1": 5000,
        "rd_expense_y1": 800,
        "rd_expense_y2": 700,
        "niche_years": 6,
        "ip_class1": 5,
        "st_award": "none",
        "market_share": "12%",
        "market_rank_cn": 5,
        "chain_key_link": "是",
        "quality_score_y1": 70,
        "quality_score_y2": 66,
        "market_leading": "是",
        "current_tier": "专精特新",
        "tier_expires_on": "2028-12-31",
    }
    firm.update(overrides)
    return firm


def run(rules: RuleSet, *firms: dict[str, Any]) -> Any:
    return evaluate(pd.DataFrame(list(firms)).astype(object), rules, as_of=AS_OF)


def test_a_ratio_just_above_its_threshold_is_a_thin_pass_and_at_risk_when_expiring(rules: RuleSet) -> None:
    # Main-business share 80.1%: 0.1 point above the 80% line (margin 0.5 point).
    thin = srdi_applicant(main_revenue_y1=2403)
    titled = srdi_applicant(
        credit_code=valid_code(3), main_revenue_y1=2403, current_tier="专精特新", tier_expires_on="2027-05-31"
    )
    later = srdi_applicant(
        credit_code=valid_code(4), main_revenue_y1=2403, current_tier="专精特新", tier_expires_on="2028-05-31"
    )
    assessment = run(rules, thin, titled, later)
    assert assessment.status("srdi_sme").tolist() == ["eligible"] * 3
    assert assessment.borderline("srdi_sme").tolist() == ["thin_pass"] * 3
    assert assessment.flags.at_risk.tolist() == [False, True, False]  # expiring within 12 months
    assert assessment.flags.tier["at_risk"].tolist() == [None, "srdi_sme", None]
    assert assessment.flags.reason["at_risk"].tolist() == [None, "review_thin_pass", None]
    main_share = next(
        c for c in assessment.firm(1)["tiers"]["srdi_sme"]["criteria"] if c["id"] == "main_share_min"
    )
    assert main_share["status"] == "pass"
    assert main_share["within_margin"] is True
    assert main_share["value"] == pytest.approx(0.801)
    # The first firm holds 创新型: it is a promotion candidate for 专精特新.
    assert assessment.flags.promotion_candidate.tolist()[0] is True
    assert assessment.flags.tier["promotion_candidate"].tolist()[0] == "srdi_sme"
    assert assessment.flags.reason["promotion_candidate"].tolist()[0] == "eligible"


def test_failing_only_by_20_wan_of_rd_is_a_near_miss_with_gap_20(rules: RuleSet) -> None:
    # 小巨人 (2号) needs R&D of 1200万 over two years; 590 + 590 = 1180 is 20万 short (margin 120万).
    firm = giant_applicant(rd_expense_y1=590, rd_expense_y2=590, revenue_y1=12000, revenue_y2=11000)
    record = run(rules, firm).firm(0)
    giant = record["tiers"]["little_giant"]
    assert giant["status"] == "ineligible"
    assert giant["failed"] == ["rd_total_min"]
    assert giant["borderline"] == "near_miss"
    rd_total = next(c for c in giant["criteria"] if c["id"] == "rd_total_min")
    assert rd_total["gap"] == pytest.approx(20.0)
    assert rd_total["lever"] == "rd_expense_y1"
    assert rd_total["lever_gap"] == pytest.approx(20.0)
    # It holds 专精特新, so the near miss makes it a promotion candidate for 小巨人.
    assert record["flags"]["promotion_candidate"] is True
    assert record["flag_reasons"]["promotion_candidate"] == {"tier": "little_giant", "reason": "near_miss"}
