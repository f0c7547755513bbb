"""The benchmarks' hand-written 专精特新 must agree with the engine, or their timings mean nothing.

63号 (points, complete data) on the synthetic pool; 2号 (statuses) on the synthetic pool and on a
rougher one: blank cells, every industry, zero revenue, values on the thresholds, expiries derived
from award dates, a ratio given as a column, an absent flag column, and a 29 February as-of date.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from benchmarks.handwritten import (
    INPUTS,
    category_codes,
    polars_frame,
    srdi_2022,
    srdi_2026_numpy,
    srdi_2026_polars,
)
from eligibility import evaluate, load_rules
from eligibility.input.prepare import prepare
from eligibility.language.ruleset import RuleSet
from eligibility.scoring.logic import Status
from eligibility.synthetic import synthetic_pool

RULES = load_rules()


def test_handwritten_numpy_agrees_on_complete_data() -> None:
    data = prepare(synthetic_pool(5000, seed=11), RULES)
    assessment = evaluate(data, RULES, as_of="2026-03-31")
    score, eligible = srdi_2022(data.columns, category_codes(RULES))
    points = assessment.results["srdi_sme"].points
    assert points is not None
    np.testing.assert_array_equal(points.total[0], score)
    np.testing.assert_array_equal(assessment.results["srdi_sme"].status == Status.PASS, eligible)
    assert 0 < eligible.sum() < len(eligible)


def rough_pool(n: int, seed: int, rules: RuleSet) -> pd.DataFrame:
    """The synthetic pool with the cells real sheets have: blanks, edges, other industries, titles
    whose expiry must be derived from the award date."""
    rng = np.random.default_rng(seed)
    pool = synthetic_pool(n, seed=seed)
    industries = list(rules.fields["industry"].choice_ids)
    pool["industry"] = np.where(rng.random(n) < 0.4, rng.choice(industries, n), pool["industry"])
    # Values exactly on the thresholds (float tolerance) and on the 300号 large-firm line.
    edge = rng.random(n) < 0.1
    pool.loc[edge, "revenue_y1"] = 1500.0
    pool.loc[edge, "main_revenue_y1"] = 1200.0  # 80%
    pool.loc[edge, "rd_expense_y1"] = 100.0
    pool.loc[edge, "rd_expense_y2"] = pool.loc[edge, "revenue_y2"] * 0.03
    pool.loc[edge, "niche_years"] = 3
    pool.loc[edge, "quality_score_y1"] = 50.0
    pool.loc[edge, "total_liabilities_y1"] = pool.loc[edge, "total_assets_y1"] * 0.8
    pool.loc[edge, "ip_class1"] = 1
    big = rng.random(n) < 0.05
    pool.loc[big, "employees_y1"] = 1000
    pool.loc[big, "revenue_y1"] = rng.choice([5000.0, 10000.0, 20000.0, 40000.0, 100000.0], big.sum())
    pool.loc[rng.random(n) < 0.01, "revenue_y1"] = 0.0
    pool["total_assets_y1"] = pool["total_assets_y1"].astype(object)  # a few large 资产总额
    pool.loc[rng.random(n) < 0.05, "total_assets_y1"] = 150000.0
    # 资产负债率 written by some firms: used where filled.
    pool["debt_ratio_y1"] = np.where(rng.random(n) < 0.2, np.round(rng.uniform(0.3, 1.0, n), 2), np.nan)
    # Bottom-tier titles, and expiries left blank beside an award date (2024-02-29 included).
    pool["current_tier"] = np.where(
        rng.random(n) < 0.15, rng.choice(["科技型", "科技和创新型", "高新技术企业"], n), pool["current_tier"]
    )
    awards = pd.to_datetime("2021-01-01") + pd.to_timedelta(rng.integers(0, 2300, n), unit="D")
    award = awards.strftime("%Y-%m-%d").to_numpy(dtype=object)
    award[rng.random(n) < 0.05] = "2024-02-29"
    award[rng.random(n) < 0.03] = "2027-02-28"
    derive = (pool["current_tier"] != "") & (rng.random(n) < 0.5)
    pool["tier_awarded_on"] = np.where(derive, award, "")
    pool["tier_expires_on"] = np.where(derive, "", pool["tier_expires_on"])
    # Blank cells in every column the rules read (the judged item is blank most of the time already).
    for name in [*INPUTS, "tier_expires_on"]:
        if name in pool.columns and name != "debt_ratio_y1":
            pool[name] = pool[name].astype(object)
            pool.loc[rng.random(n) < 0.03, name] = None
    return pool.drop(columns=["major_incident_3y"])  # an absent column: assumed "no incident"


@pytest.mark.parametrize(
    ("rough", "as_of"),
    [(False, "2026-11-26"), (True, "2026-11-26"), (True, "2028-02-29"), (True, "2029-03-01")],
)
def test_handwritten_2026_statuses_agree(rough: bool, as_of: str) -> None:
    pool = rough_pool(20_000, 5, RULES) if rough else synthetic_pool(20_000, seed=11)
    data = prepare(pool, RULES)
    day = dt.date.fromisoformat(as_of)
    result = evaluate(data, RULES, as_of=day, tiers=["srdi_sme"]).results["srdi_sme"]
    assert result.ruleset.ruleset.id == "srdi_sme_2026"
    codes = category_codes(RULES)
    by_hand = srdi_2026_numpy(data.columns, data.dates, codes, day)
    np.testing.assert_array_equal(by_hand, result.status)
    in_polars = srdi_2026_polars(polars_frame(data.columns, data.dates), codes, day).to_numpy()
    np.testing.assert_array_equal(in_polars, result.status)
    counts = np.bincount(result.status, minlength=4)
    assert min(counts[Status.PASS], counts[Status.REVIEW], counts[Status.FAIL]) > 0
    if rough:
        assert counts[Status.UNKNOWN] > 0
