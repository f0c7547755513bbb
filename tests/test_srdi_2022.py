"""Hand-worked cases for 专精特新中小企业 under 63号 annex 2: both sides of every threshold and band edge.

Each case states its arithmetic against the base firm of ``conftest.base_firm`` (score 78).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import assess


def share(s: float) -> dict[str, float]:
    """Main-business share ``s`` of revenue 3000, keeping the growth rates of the base firm."""
    return {"main_revenue_y1": 3000 * s, "main_revenue_y2": 2400 * s / 0.9, "main_revenue_y3": 2160 * s / 0.9}


def growth(g1: float, g2: float) -> dict[str, float]:
    """One-year growth rates g1 (y2→y1) and g2 (y3→y2) of main revenue 2700."""
    y2 = 2700 / (1 + g1)
    return {"main_revenue_y2": y2, "main_revenue_y3": y2 / (1 + g2)}


def revenue(total: float, rd: float) -> dict[str, float]:
    """Revenue ``total`` with share 90%, base growth, margin 8% and R&D ``rd``."""
    main = total * 0.9
    return {
        "revenue_y1": total,
        "main_revenue_y1": main,
        "main_revenue_y2": main / 1.125,
        "main_revenue_y3": main / 1.125 / (1 + 1 / 9),
        "net_profit_y1": total * 0.08,
        "rd_expense_y1": rd,
    }


# A firm just under the pass mark: 78 − 5 (product other) − 2 (digital 2) − 2 (one quality item)
# − 10 (provincial score 0) = 59.
LOW = {"product_field": "other", "digital_level": 2, "own_brand": "否", "local_feature_score": 0}
DIRECTS = ["score_pass", "direct_award", "direct_rd_mean", "direct_financing", "direct_maker_china"]

CASES: list[tuple[str, dict[str, Any], str, float | None, list[str], str | None]] = [
    # id, overrides, status, score, failed, borderline
    ("base", {}, "eligible", 78, [], None),
    # M1 niche ≥ 2 years (margin 0.5 year). Points: floor(years / 2), max 5.
    ("niche_at_2", {"niche_years": 2}, "eligible", 77, [], "thin_pass"),
    ("niche_1.99", {"niche_years": 1.99}, "ineligible", 76, ["niche_years"], "near_miss"),
    ("niche_1", {"niche_years": 1}, "ineligible", 76, ["niche_years"], None),
    ("niche_3.99", {"niche_years": 3.99}, "eligible", 77, [], None),
    ("niche_4", {"niche_years": 4}, "eligible", 78, [], None),
    ("niche_10", {"niche_years": 10}, "eligible", 81, [], None),
    ("niche_12_capped", {"niche_years": 12}, "eligible", 81, [], None),
    # M2 R&D ≥ 100万 and ≥ 3%. R&D 100 of 3000 = 3.33%: amount band 2, ratio band 2 → 2 (−2).
    ("rd_at_100", {"rd_expense_y1": 100}, "eligible", 76, [], "thin_pass"),
    ("rd_99.99", {"rd_expense_y1": 99.99}, "ineligible", 76, ["rd_amount_min"], "near_miss"),
    # 89 of 3000 = 2.97%: both fail; amount 11 short of 100 is beyond the 10万 margin.
    ("rd_89", {"rd_expense_y1": 89}, "ineligible", 74, ["rd_amount_min", "rd_ratio_min"], None),
    # Revenue 3500, R&D 105 = exactly 3%: amount band 2, ratio band 2 → 2.
    ("ratio_at_3pct", revenue(3500, 105), "eligible", 76, [], "thin_pass"),
    ("ratio_2.9997pct", revenue(3500, 104.99), "ineligible", 76, ["rd_ratio_min"], "near_miss"),
    # M3 revenue ≥ 1000万 or equity ≥ 2000万. R&D 100 of 1000 = 10% → ratio band 10 (+6).
    ("revenue_at_1000", revenue(1000, 100), "eligible", 84, [], "thin_pass"),
    (
        "revenue_999.9",
        revenue(999.9, 100),
        "ineligible",
        84,
        ["revenue_min", "equity_financing_min"],
        "near_miss",
    ),
    (
        "revenue_999.9_equity_2000",
        {**revenue(999.9, 100), "equity_financing_2y": 2000},
        "eligible",
        84,
        [],
        "thin_pass",
    ),
    (
        "revenue_999.9_equity_1999",
        {**revenue(999.9, 100), "equity_financing_2y": 1999},
        "ineligible",
        84,
        ["revenue_min", "equity_financing_min"],
        "near_miss",
    ),
    # M4 score ≥ 60 (margin 5 points) or a direct condition.
    ("score_60", {**LOW, "local_feature_score": 1}, "eligible", 60, [], "thin_pass"),
    ("score_59", LOW, "ineligible", 59, DIRECTS, "near_miss"),
    ("direct_provincial_top3", {**LOW, "st_award": "provincial_top3"}, "eligible", 59, [], None),
    ("direct_national_top5", {**LOW, "st_award": "national_top5"}, "eligible", 59, [], None),
    ("not_direct_provincial", {**LOW, "st_award": "provincial"}, "ineligible", 59, DIRECTS, "near_miss"),
    # Z2 mean R&D ≥ 1000万. No IP (−8) and R&D 1000 (amount band 10, +6): 59 − 8 + 6 = 57.
    (
        "direct_rd_mean_1000",
        {
            **LOW,
            "ip_class1_own": 0,
            "ip_class1": 0,
            "ip_class2": 0,
            "rd_expense_y1": 1000,
            "rd_expense_y2": 1000,
        },
        "eligible",
        57,
        [],
        "thin_pass",
    ),
    (
        "direct_rd_mean_999.99",
        {
            **LOW,
            "ip_class1_own": 0,
            "ip_class1": 0,
            "ip_class2": 0,
            "rd_expense_y1": 1000,
            "rd_expense_y2": 999.98,
        },
        "ineligible",
        57,
        DIRECTS,
        "near_miss",
    ),
    ("direct_financing_6000", {**LOW, "equity_financing_2y": 6000}, "eligible", 59, [], "thin_pass"),
    ("direct_financing_6700", {**LOW, "equity_financing_2y": 6700}, "eligible", 59, [], None),
    ("direct_financing_5999", {**LOW, "equity_financing_2y": 5999}, "ineligible", 59, DIRECTS, "near_miss"),
    ("direct_maker_top500", {**LOW, "maker_china": "top500"}, "eligible", 59, [], None),
    ("direct_maker_top50", {**LOW, "maker_china": "top50"}, "eligible", 59, [], None),
    # Indicator 1: main share 80 / 70 / 60% band edges (5 / 3 / 1 / 0).
    ("share_80", share(0.8), "eligible", 78, [], None),
    ("share_79.99", share(0.7999), "eligible", 76, [], None),
    ("share_70", share(0.7), "eligible", 76, [], None),
    ("share_69.99", share(0.6999), "eligible", 74, [], None),
    ("share_60", share(0.6), "eligible", 74, [], None),
    ("share_59.99", share(0.5999), "eligible", 73, [], None),
    # Indicator 2: mean growth 10 / 8 / 6 / 4 / 0% (10 / 8 / 6 / 4 / 2 / 0).
    ("growth_10", growth(0.10, 0.10), "eligible", 78, [], None),
    ("growth_9.99", growth(0.0999, 0.0999), "eligible", 76, [], None),
    ("growth_8", growth(0.08, 0.08), "eligible", 76, [], None),
    ("growth_7.99", growth(0.0799, 0.0799), "eligible", 74, [], None),
    ("growth_6", growth(0.06, 0.06), "eligible", 74, [], None),
    ("growth_5.99", growth(0.0599, 0.0599), "eligible", 72, [], None),
    ("growth_4", growth(0.04, 0.04), "eligible", 72, [], None),
    ("growth_3.99", growth(0.0399, 0.0399), "eligible", 70, [], None),
    ("growth_0", growth(0.0, 0.0), "eligible", 70, [], None),
    ("growth_negative", growth(-0.001, -0.001), "eligible", 68, [], None),
    ("growth_mean_of_rates", growth(0.12, 0.0), "eligible", 74, [], None),
    # Indicator 4: product field lookup.
    ("field_six_basics", {"product_field": "six_basics"}, "eligible", 76, [], None),
    # Indicator 5: digital level (≥3 → 5, 2 → 3, 1 → 0).
    ("digital_4", {"digital_level": 4}, "eligible", 78, [], None),
    ("digital_2", {"digital_level": 2}, "eligible", 76, [], None),
    ("digital_1", {"digital_level": 1}, "eligible", 73, [], None),
    # Indicator 6: 3 per quality item, max 5.
    ("quality_all", {"quality_award": "是", "standard_drafting": "是"}, "eligible", 78, [], None),
    ("quality_one", {"own_brand": "否"}, "eligible", 76, [], None),
    ("quality_none", {"own_brand": "否", "quality_cert": "否"}, "eligible", 73, [], None),
    # Indicator 7: net margin 10 / 8 / … / 2% (base 8% → 8).
    ("margin_10", {"net_profit_y1": 300}, "eligible", 80, [], None),
    ("margin_9.99", {"net_profit_y1": 299.7}, "eligible", 78, [], None),
    ("margin_7.99", {"net_profit_y1": 239.7}, "eligible", 76, [], None),
    ("margin_6", {"net_profit_y1": 180}, "eligible", 76, [], None),
    ("margin_5.99", {"net_profit_y1": 179.7}, "eligible", 74, [], None),
    ("margin_4", {"net_profit_y1": 120}, "eligible", 74, [], None),
    ("margin_3.99", {"net_profit_y1": 119.7}, "eligible", 72, [], None),
    ("margin_2", {"net_profit_y1": 60}, "eligible", 72, [], None),
    ("margin_1.99", {"net_profit_y1": 59.7}, "eligible", 70, [], None),
    ("margin_loss", {"net_profit_y1": -100}, "eligible", 70, [], None),
    # Indicator 8: debt ratio; ≤50% → 5, (50, 60) → 3, [60, 70) → 1, ≥70% → 0.
    ("debt_50.01", {"total_liabilities_y1": 3000.6}, "eligible", 76, [], None),
    ("debt_59.99", {"total_liabilities_y1": 3599.4}, "eligible", 76, [], None),
    ("debt_60", {"total_liabilities_y1": 3600}, "eligible", 74, [], None),
    ("debt_69.99", {"total_liabilities_y1": 4199.4}, "eligible", 74, [], None),
    ("debt_70", {"total_liabilities_y1": 4200}, "eligible", 73, [], None),
    # Indicator 9: provincial score taken as given.
    ("local_15", {"local_feature_score": 15}, "eligible", 83, [], None),
    # Indicator 10: IP cascade 10 / 8 / 6 / 2 / 0.
    ("ip_high_value", {"ip_class1_high_value": 1}, "eligible", 80, [], None),
    ("ip_class1_only", {"ip_class1_own": 0}, "eligible", 76, [], None),
    ("ip_class2_only", {"ip_class1_own": 0, "ip_class1": 0}, "eligible", 72, [], None),
    ("ip_none", {"ip_class1_own": 0, "ip_class1": 0, "ip_class2": 0}, "eligible", 70, [], None),
    # Indicator 11: the better of amount and ratio.
    ("rd_300_is_10pct", {"rd_expense_y1": 300}, "eligible", 84, [], None),
    ("rd_150_is_5pct", {"rd_expense_y1": 150}, "eligible", 78, [], None),
    # Indicator 11, amount bands: revenue 20000 puts the ratio below 3% (ratio band 0, M2 fails), so the
    # amount decides. Score = 74 + R&D points. R&D 500 = 2.5% is within 0.5 point of 3%: near miss.
    ("rd_amount_500", revenue(20000, 500), "ineligible", 84, ["rd_ratio_min"], "near_miss"),
    ("rd_amount_499.99", revenue(20000, 499.99), "ineligible", 82, ["rd_ratio_min"], None),
    ("rd_amount_400", revenue(20000, 400), "ineligible", 82, ["rd_ratio_min"], None),
    ("rd_amount_399.99", revenue(20000, 399.99), "ineligible", 80, ["rd_ratio_min"], None),
    ("rd_amount_300", revenue(20000, 300), "ineligible", 80, ["rd_ratio_min"], None),
    ("rd_amount_299.99", revenue(20000, 299.99), "ineligible", 78, ["rd_ratio_min"], None),
    ("rd_amount_200", revenue(20000, 200), "ineligible", 78, ["rd_ratio_min"], None),
    ("rd_amount_199.99", revenue(20000, 199.99), "ineligible", 76, ["rd_ratio_min"], None),
    # Indicator 11, ratio bands at revenue 3000 (10 / 8 / 6 / 4 / 3%); score = 74 + R&D points.
    ("rd_ratio_9.999", {"rd_expense_y1": 299.97}, "eligible", 82, [], None),
    ("rd_ratio_8", {"rd_expense_y1": 240}, "eligible", 82, [], None),
    ("rd_ratio_7.999", {"rd_expense_y1": 239.97}, "eligible", 80, [], None),
    ("rd_ratio_6", {"rd_expense_y1": 180}, "eligible", 80, [], None),
    ("rd_ratio_5.999", {"rd_expense_y1": 179.97}, "eligible", 78, [], None),
    ("rd_ratio_3.999", {"rd_expense_y1": 119.97}, "eligible", 76, [], None),
    ("rd_ratio_3_amount_90", {"rd_expense_y1": 90}, "ineligible", 76, ["rd_amount_min"], "near_miss"),
    (
        "rd_ratio_2.999_amount_89.97",
        {"rd_expense_y1": 89.97},
        "ineligible",
        74,
        ["rd_amount_min", "rd_ratio_min"],
        None,
    ),
    # Indicator 12: R&D staff share 20 / 10 / 5% (5 / 3 / 1 / 0).
    ("staff_20pct", {"rd_staff_y1": 24}, "eligible", 80, [], None),
    ("staff_19.2pct", {"rd_staff_y1": 23}, "eligible", 78, [], None),
    ("staff_10pct", {"rd_staff_y1": 12}, "eligible", 78, [], None),
    ("staff_9.2pct", {"rd_staff_y1": 11}, "eligible", 76, [], None),
    ("staff_5pct", {"rd_staff_y1": 6}, "eligible", 76, [], None),
    ("staff_4.2pct", {"rd_staff_y1": 5}, "eligible", 75, [], None),
    # Indicator 13: R&D institution lookup.
    ("institution_national", {"rd_institution": "national"}, "eligible", 80, [], None),
    ("institution_municipal", {"rd_institution": "municipal"}, "eligible", 74, [], None),
    ("institution_below", {"rd_institution": "below_municipal"}, "eligible", 72, [], None),
    ("institution_none", {"rd_institution": "none"}, "eligible", 70, [], None),
    # Common prerequisites.
    ("abnormal_listed", {"abnormal_list": "是"}, "ineligible", 78, ["not_abnormal"], None),
    ("dishonest_listed", {"dishonest_list": "是"}, "ineligible", 78, ["not_dishonest"], None),
    ("incident", {"major_incident_3y": "是"}, "ineligible", 78, ["no_major_incident"], None),
    ("prohibited", {"prohibited_product": "是"}, "ineligible", 78, ["not_prohibited"], None),
]


@pytest.mark.parametrize(
    ("overrides", "status", "score", "failed", "borderline"),
    [c[1:] for c in CASES],
    ids=[c[0] for c in CASES],
)
def test_hand_worked(
    rules: Any,
    overrides: dict[str, Any],
    status: str,
    score: float,
    failed: list[str],
    borderline: str | None,
) -> None:
    result = assess(rules, overrides)["tiers"]["srdi_sme"]
    assert result["status"] == status
    assert result["score"] == score
    assert result["failed"] == failed
    assert result["borderline"] == borderline
    assert result["ruleset"]["regime"] == "63号"


def test_routes(rules: Any) -> None:
    assert assess(rules, {})["tiers"]["srdi_sme"]["route"] == ["score"]
    assert assess(rules, {**LOW, "maker_china": "top50"})["tiers"]["srdi_sme"]["route"] == ["direct"]
    both = assess(rules, {"st_award": "national_top3"})["tiers"]["srdi_sme"]
    assert both["route"] == ["score", "direct"]


def test_large_firm_fails_the_size_prerequisite(rules: Any) -> None:
    # Industrial: large when employees ≥ 1000 and revenue ≥ 40000万.
    large = assess(rules, {**revenue(40000, 1600), "employees_y1": 1000, "rd_staff_y1": 200})
    assert large["tiers"]["sme_size"]["status"] == "ineligible"
    assert large["tiers"]["sme_size"]["class"] == "large"
    assert large["tiers"]["srdi_sme"]["status"] == "ineligible"
    assert large["tiers"]["srdi_sme"]["failed"] == ["sme_size"]
    medium = assess(rules, {**revenue(40000, 1600), "employees_y1": 999, "rd_staff_y1": 200})
    assert medium["tiers"]["sme_size"]["class"] == "medium"
    assert medium["tiers"]["srdi_sme"]["status"] == "eligible"


def test_missing_input_gives_a_score_interval(rules: Any) -> None:
    # R&D institution unknown: 0..10 points instead of 8 → [70, 80]; the low end still passes.
    result = assess(rules, {"rd_institution": None})["tiers"]["srdi_sme"]
    assert (result["status"], result["score"], result["score_min"], result["score_max"]) == (
        "eligible",
        None,
        70,
        80,
    )
    # Near the mark: the provincial slot unknown gives [59, 74], which straddles 60 → incomplete.
    near = assess(rules, {**LOW, "local_feature_score": None})["tiers"]["srdi_sme"]
    assert (near["status"], near["score_min"], near["score_max"]) == ("incomplete", 59, 74)
    assert near["failed"] == []


def test_missing_revenue_is_incomplete_not_failed(rules: Any) -> None:
    result = assess(rules, {"revenue_y1": None})["tiers"]["srdi_sme"]
    assert result["status"] == "incomplete"
    statuses = {c["id"]: c["status"] for c in result["criteria"]}
    assert statuses["revenue_min"] == "unknown"
    assert statuses["rd_ratio_min"] == "unknown"


def test_absent_blacklist_columns_are_assumed_and_recorded(rules: Any) -> None:
    from tests.conftest import base_firm

    firm = base_firm()
    for column in ("abnormal_list", "dishonest_list", "major_incident_3y", "prohibited_product"):
        del firm[column]
    from eligibility import assess_one

    result = assess_one(firm, rules, as_of="2026-03-31")["tiers"]["srdi_sme"]
    assert result["status"] == "eligible"
    assert {a["field"] for a in result["assumptions"]} == {
        "abnormal_list",
        "dishonest_list",
        "major_incident_3y",
        "prohibited_product",
    }
    # A blank cell in a column that is present is not assumed: the firm is incomplete.
    blank = assess(rules, {"abnormal_list": None})["tiers"]["srdi_sme"]
    assert blank["status"] == "incomplete"
    assert blank["assumptions"] == []


def test_gap_is_stated_in_the_lever_unit(rules: Any) -> None:
    # R&D 84 of revenue 3000 = 2.8%: 6万 more reaches 3%; the amount is 16万 short of 100万.
    result = assess(rules, {"rd_expense_y1": 84})["tiers"]["srdi_sme"]
    criteria = {c["id"]: c for c in result["criteria"]}
    assert criteria["rd_ratio_min"]["gap"] == pytest.approx(0.002)
    assert criteria["rd_ratio_min"]["lever"] == "rd_expense_y1"
    assert criteria["rd_ratio_min"]["lever_gap"] == pytest.approx(6.0)
    assert criteria["rd_amount_min"]["gap"] == pytest.approx(16.0)
    assert criteria["score_pass"]["gap"] is None


def test_score_gap_is_points_to_the_mark(rules: Any) -> None:
    result = assess(rules, {**LOW, "local_feature_score": 0, "digital_level": 1})["tiers"]["srdi_sme"]
    criteria = {c["id"]: c for c in result["criteria"]}
    assert result["score"] == 56
    assert criteria["score_pass"]["gap"] == 4


def test_replaced_by_2hao_on_2026_04_01(rules: Any) -> None:
    result = assess(rules, {}, as_of="2026-04-01")
    assert result["tiers"]["srdi_sme"]["ruleset"]["id"] == "srdi_sme_2026"
    replay = assess(rules, {}, as_of="2026-11-26", regime="63号")
    assert replay["tiers"]["srdi_sme"]["status"] == "eligible"
    assert replay["tiers"]["srdi_sme"]["ruleset"]["id"] == "srdi_sme_2022"
