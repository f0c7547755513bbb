"""专精特新 (63号 annex 2) written by hand in numpy: the speed yardstick for the declarative engine.

Complete-data semantics only (no unknowns, no borderline, no gaps, no trace): what a programmer would
write for one tier. The benchmark checks it agrees with the engine before timing either.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import numpy.typing as npt

from eligibility.columns import category_table
from eligibility.language.ruleset import RuleSet

FloatArray = npt.NDArray[np.float64]
EPS = 1e-9


def category_codes(rules: RuleSet) -> dict[str, dict[str, float]]:
    """The numeric code of every category id the hand-written rules use."""
    names = ("product_field", "rd_institution", "industry", "st_award", "maker_china")
    return {
        name: {
            k: v for k, v in category_table(rules.fields[name]).items() if k in rules.fields[name].choice_ids
        }
        for name in names
    }


def _bands(values: FloatArray, edges: list[float], points: list[float]) -> FloatArray:
    result: FloatArray = np.select([values >= e - EPS for e in edges], points, default=0.0)
    return result


def srdi_2022(
    c: Mapping[str, FloatArray], codes: Mapping[str, Mapping[str, float]]
) -> tuple[FloatArray, npt.NDArray[np.bool_]]:
    """Score and eligibility of every firm; ``codes`` maps category ids to their numeric codes."""
    rev, main1 = c["revenue_y1"], c["main_revenue_y1"]
    with np.errstate(divide="ignore", invalid="ignore"):
        share = main1 / rev
        growth = (main1 / c["main_revenue_y2"] - 1 + c["main_revenue_y2"] / c["main_revenue_y3"] - 1) / 2
        debt = c["total_liabilities_y1"] / c["total_assets_y1"]
        margin = c["net_profit_y1"] / rev
        rd_ratio = c["rd_expense_y1"] / rev
        staff = c["rd_staff_y1"] / c["employees_y1"]
    quality = c["quality_award"] + c["quality_cert"] + c["own_brand"] + c["standard_drafting"]
    field = np.select(
        [
            c["product_field"] == codes["product_field"]["key_link"],
            c["product_field"] == codes["product_field"]["six_basics"],
        ],
        [5.0, 3.0],
        0.0,
    )
    institution = np.zeros_like(rev)
    for name, points in (
        ("national", 10.0),
        ("provincial", 8.0),
        ("municipal", 4.0),
        ("below_municipal", 2.0),
    ):
        institution[c["rd_institution"] == codes["rd_institution"][name]] = points
    ip = np.select(
        [c["ip_class1_high_value"] >= 1, c["ip_class1_own"] >= 1, c["ip_class1"] >= 1, c["ip_class2"] >= 1],
        [10.0, 8.0, 6.0, 2.0],
        0.0,
    )
    score = (
        _bands(share, [0.8, 0.7, 0.6], [5, 3, 1])
        + _bands(growth, [0.10, 0.08, 0.06, 0.04, 0.0], [10, 8, 6, 4, 2])
        + np.clip(np.floor(c["niche_years"] / 2 + EPS), 0, 5)
        + field
        + _bands(c["digital_level"], [3, 2], [5, 3])
        + np.minimum(quality * 3, 5)
        + _bands(margin, [0.10, 0.08, 0.06, 0.04, 0.02], [10, 8, 6, 4, 2])
        + np.select([debt <= 0.5 + EPS, debt < 0.6 - EPS, debt < 0.7 - EPS], [5.0, 3.0, 1.0], 0.0)
        + np.clip(c["local_feature_score"], 0, 15)
        + ip
        + np.maximum(
            _bands(c["rd_expense_y1"], [500, 400, 300, 200, 100], [10, 8, 6, 4, 2]),
            _bands(rd_ratio, [0.10, 0.08, 0.06, 0.04, 0.03], [10, 8, 6, 4, 2]),
        )
        + _bands(staff, [0.2, 0.1, 0.05], [5, 3, 1])
        + institution
    )
    industrial = c["industry"] == codes["industry"]["industrial"]
    software = c["industry"] == codes["industry"]["software_it"]
    sme = (industrial & ((c["employees_y1"] < 1000) | (rev < 40000))) | (
        software & ((c["employees_y1"] < 300) | (rev < 10000))
    )
    clean = (c["abnormal_list"] == 0) & (c["dishonest_list"] == 0)
    for name in ("major_incident_3y", "prohibited_product"):  # absent columns are assumed "no"
        if name in c:
            clean &= c[name] == 0
    mandatory = (
        (c["niche_years"] >= 2 - EPS)
        & (c["rd_expense_y1"] >= 100 * (1 - EPS))
        & (rd_ratio >= 0.03 - EPS)
        & ((rev >= 1000 * (1 - EPS)) | (c["equity_financing_2y"] >= 2000 * (1 - EPS)))
    )
    award = np.isin(
        c["st_award"], [codes["st_award"][k] for k in ("national_top3", "national_top5", "provincial_top3")]
    )
    maker = np.isin(c["maker_china"], [codes["maker_china"][k] for k in ("top50", "top500")])
    direct = (
        award
        | ((c["rd_expense_y1"] + c["rd_expense_y2"]) / 2 >= 1000 * (1 - EPS))
        | (c["equity_financing_2y"] >= 6000 * (1 - EPS))
        | maker
    )
    eligible = sme & clean & mandatory & ((score >= 60 - EPS) | direct)
    return score, eligible
