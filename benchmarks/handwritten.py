"""The engine's speed yardsticks: 专精特新 written by hand, as a competent programmer would for one
tier, from the typed input columns (``Prepared.columns`` and ``.dates``) directly. No engine code
decides anything here; only the codebook of the category columns (which number stands for 工业) is
read from the rules, as any program reading the prepared columns must.

- :func:`srdi_2022`: 63号 annex 2 in numpy, score and eligibility, complete data only (no unknowns).
- :func:`srdi_2026_numpy` and :func:`srdi_2026_polars`: 2号 annex 1 (``srdi_sme_2026``, purpose apply),
  statuses only, with missing data: the engine's codes (:class:`~eligibility.scoring.logic.Status`,
  fail 0, unknown 1, review 2, pass 3), no borderline marks, gaps or trace.

The benchmarks and ``tests/test_handwritten_agreement.py`` check each agrees with ``evaluate`` on
the same firms before any timing means something.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import numpy as np
import numpy.typing as npt
import polars as pl

from eligibility.columns import category_table
from eligibility.language.ruleset import RuleSet

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
StatusArray = npt.NDArray[np.int8]
DateArray = npt.NDArray[np.datetime64]
EPS = 1e-9


def category_codes(rules: RuleSet) -> dict[str, dict[str, float]]:
    """The numeric code of every category id the hand-written rules use."""
    names = ("product_field", "rd_institution", "industry", "st_award", "maker_china", "current_tier")
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


# -- 2号 附件1 (srdi_sme_2026), purpose apply: statuses only -----------------------------------------

FAIL, UNKNOWN, REVIEW, PASS = 0, 1, 2, 3

# 300号 第四条: a firm is large when it reaches every bound of its industry's 大型 row (从业人员, 营业收入
# 万元, 资产总额 万元; None: the row has no such bound), and an SME when it is not large.
SIZE_FIELDS = ("employees_y1", "revenue_y1", "total_assets_y1")
LARGE: dict[str, tuple[float | None, float | None, float | None]] = {
    "agriculture": (None, 20000, None),
    "industrial": (1000, 40000, None),
    "construction": (None, 80000, 80000),
    "wholesale": (200, 40000, None),
    "retail": (300, 20000, None),
    "transport": (1000, 30000, None),
    "warehousing": (200, 30000, None),
    "postal": (1000, 30000, None),
    "accommodation": (300, 10000, None),
    "catering": (300, 10000, None),
    "information_transmission": (2000, 100000, None),
    "software_it": (300, 10000, None),
    "real_estate": (None, 200000, 10000),
    "property_management": (1000, 5000, None),
    "leasing_business": (300, None, 120000),
    "other": (300, None, None),
}
# The titles that hold the bottom tier (第（一）项: 科技型, 创新型, 科技和创新型, or one above), each with
# the years it runs from its award when no expiry is written (0: none derived, held while blank).
LADDER_YEARS = {
    "tech_sme": 1,
    "innovative_sme": 3,
    "tech_innovative_sme": 0,
    "srdi_sme": 3,
    "little_giant": 3,
}
# Shown unless the sheet has the column: 异常名录, 严重失信, 重大事故, 禁止淘汰类 (absent → assumed "no").
CLEAN_FLAGS = ("abnormal_list", "dishonest_list", "major_incident_3y", "prohibited_product")
AWARD_WAIVERS = ("national_top3", "provincial_top3")
INSTITUTION_WAIVERS = ("national", "provincial")
# The typed columns the hand-written rules read (dates: tier_expires_on, tier_awarded_on).
INPUTS = (
    *SIZE_FIELDS,
    "industry",
    *CLEAN_FLAGS,
    "niche_years",
    "equity_financing_2y",
    "main_revenue_y1",
    "main_share_y1",
    "total_liabilities_y1",
    "debt_ratio_y1",
    "rd_expense_y1",
    "rd_expense_y2",
    "revenue_y2",
    "rd_ratio_y1",
    "rd_ratio_y2",
    "ip_class1",
    "st_award",
    "rd_institution",
    "market_leading",
    "quality_score_y1",
    "current_tier",
)
DATES = ("tier_expires_on", "tier_awarded_on")


def _earliest_award(as_of: dt.date, years: int) -> dt.date:
    """The first award day whose title, running ``years`` calendar years, is still valid at ``as_of``
    (a title awarded on 29 February runs to 28 February)."""
    try:
        return as_of.replace(year=as_of.year - years)
    except ValueError:  # as_of is 29 February: an award on 28 February ran out the day before
        return dt.date(as_of.year - years, 3, 1)


def _size_bounds(codes: Mapping[str, float]) -> list[FloatArray]:
    """Per size field, the 大型 bound of every industry code (NaN: none), less the float tolerance."""
    tables = [np.full(len(codes), np.nan) for _ in SIZE_FIELDS]
    for industry, bounds in LARGE.items():
        for k, bound in enumerate(bounds):
            if bound is not None:
                # Money compares with a relative tolerance, headcounts with an absolute one.
                tables[k][int(codes[industry])] = bound * (1 - EPS) if k else bound - EPS
    return tables


def srdi_2026_numpy(
    columns: Mapping[str, FloatArray],
    dates: Mapping[str, DateArray],
    codes: Mapping[str, Mapping[str, float]],
    as_of: dt.date,
) -> StatusArray:
    """2号 专精特新 status of every firm (apply), in numpy.

    Each condition is two masks, *passes* and *fails*; a missing value (NaN) is in neither, which is
    unknown. All-of passes where every part passes and fails where any fails; any-of the other way.
    """
    n = len(columns["revenue_y1"])
    blank = np.full(n, np.nan)

    def col(name: str) -> FloatArray:
        return columns.get(name, blank)

    def ratio(name: str, part: str, whole: str) -> FloatArray:
        with np.errstate(divide="ignore", invalid="ignore"):
            computed = col(part) / col(whole)
        computed[~np.isfinite(computed)] = np.nan
        given = columns.get(name)  # a ratio given as a column is used where filled
        return computed if given is None else np.where(np.isnan(given), computed, given)

    passes = np.ones(n, dtype=bool)
    fails = np.zeros(n, dtype=bool)

    def need(ok: BoolArray | bool, bad: BoolArray | bool) -> None:
        nonlocal passes, fails
        passes &= ok
        fails |= bad

    # 300号: an SME unless large; an unknown industry is unknown.
    industry = col("industry")
    known = ~np.isnan(industry)
    index = np.where(known, industry, 0).astype(np.intp)
    large_ok, large_bad = known.copy(), np.zeros(n, dtype=bool)
    for name, table in zip(SIZE_FIELDS, _size_bounds(codes["industry"]), strict=True):
        bound = table[index]
        bounded = ~np.isnan(bound)
        values = col(name)
        large_ok &= ~bounded | (values >= bound)
        large_bad |= bounded & (values < bound)
    need(large_bad & known, large_ok)
    for name in CLEAN_FLAGS:
        if name in columns:
            need(columns[name] == 0, columns[name] == 1)
    niche = col("niche_years")
    need(niche >= 3 - EPS, niche < 3 - EPS)
    revenue, equity = col("revenue_y1"), col("equity_financing_2y")
    need(
        (revenue >= 1500 * (1 - EPS)) | (equity >= 2000 * (1 - EPS)),
        (revenue < 1500 * (1 - EPS)) & (equity < 2000 * (1 - EPS)),
    )
    share = ratio("main_share_y1", "main_revenue_y1", "revenue_y1")
    need(share >= 0.8 - EPS, share < 0.8 - EPS)
    debt = ratio("debt_ratio_y1", "total_liabilities_y1", "total_assets_y1")
    need(debt <= 0.8 + EPS, debt > 0.8 + EPS)
    for year, whole in (("y1", "revenue_y1"), ("y2", "revenue_y2")):
        rd = col(f"rd_expense_{year}")
        need(rd >= 100 * (1 - EPS), rd < 100 * (1 - EPS))
        intensity = ratio(f"rd_ratio_{year}", f"rd_expense_{year}", whole)
        need(intensity >= 0.03 - EPS, intensity < 0.03 - EPS)
    ip, award, institution = col("ip_class1"), col("st_award"), col("rd_institution")
    awards = [codes["st_award"][k] for k in AWARD_WAIVERS]
    institutions = [codes["rd_institution"][k] for k in INSTITUTION_WAIVERS]
    has_award, has_institution = np.isin(award, awards), np.isin(institution, institutions)
    need(
        (ip >= 1 - EPS) | has_award | has_institution,
        (ip < 1 - EPS) & ~has_award & ~np.isnan(award) & ~has_institution & ~np.isnan(institution),
    )
    quality = col("quality_score_y1")
    need(quality >= 50 - EPS, quality < 50 - EPS)
    # 第（一）项: a valid bottom-tier title or higher; a blank expiry runs from the award date.
    tier = col("current_tier")
    no_date = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    expires = dates.get("tier_expires_on", no_date)
    valid = (expires >= np.datetime64(as_of, "D")) | np.isnat(expires)
    awarded = dates.get("tier_awarded_on")
    if awarded is not None:
        for title, years in LADDER_YEARS.items():
            if years:
                first = np.datetime64(_earliest_award(as_of, years), "D")
                valid &= ~((tier == codes["current_tier"][title]) & np.isnat(expires) & (awarded < first))
    holds = np.isin(tier, [codes["current_tier"][t] for t in LADDER_YEARS]) & valid
    need(holds, ~holds)
    # 第（五）项 is judged: a recorded verdict decides, a blank one leaves it with the reviewer.
    verdict = columns.get("market_leading", blank)
    status = np.where(np.isnan(verdict), np.int8(REVIEW), np.int8(PASS))
    status[~passes] = UNKNOWN
    status[fails | (verdict == 0)] = FAIL
    return status


def polars_frame(columns: Mapping[str, FloatArray], dates: Mapping[str, DateArray]) -> pl.DataFrame:
    """The typed columns the hand-written polars rules read, a missing value as null (polars orders
    NaN above every number, so ``NaN >= 3`` would pass)."""
    data: dict[str, object] = {k: columns[k] for k in INPUTS if k in columns}
    data.update({k: dates[k] for k in DATES if k in dates})
    return pl.DataFrame(data, nan_to_null=True)


def srdi_2026_polars(
    frame: pl.DataFrame, codes: Mapping[str, Mapping[str, float]], as_of: dt.date
) -> pl.Series:
    """2号 专精特新 status of every firm (apply), in polars: a condition is a boolean expression whose
    null is unknown, combined by Kleene logic (``all_horizontal``, ``any_horizontal``)."""
    c, present = pl.col, set(frame.columns)

    def ratio(name: str, part: str, whole: str) -> pl.Expr:
        computed = pl.when(c(whole) != 0).then(c(part) / c(whole))
        return pl.coalesce(c(name), computed) if name in present else computed

    industry = c("industry").cast(pl.Int64)
    reaches = []
    for name, table in zip(SIZE_FIELDS, _size_bounds(codes["industry"]), strict=True):
        bound = industry.replace_strict(
            {k: float(v) for k, v in enumerate(table) if not np.isnan(v)},
            default=None,
            return_dtype=pl.Float64,
        )
        reaches.append(pl.when(bound.is_null()).then(True).otherwise(c(name) >= bound))
    sme = pl.when(industry.is_null()).then(None).otherwise(pl.all_horizontal(reaches).not_())
    clean = [c(name) == 0 for name in CLEAN_FLAGS if name in present]
    tier = c("current_tier")
    awarded_late = [
        (tier == codes["current_tier"][title]) & (c("tier_awarded_on") < _earliest_award(as_of, years))
        for title, years in LADDER_YEARS.items()
        if years and "tier_awarded_on" in present
    ]
    expires = c("tier_expires_on") if "tier_expires_on" in present else pl.lit(None, pl.Date)
    lapsed = pl.any_horizontal(awarded_late).fill_null(False) if awarded_late else pl.lit(False)
    valid = (expires >= as_of).fill_null(False) | (expires.is_null() & lapsed.not_())
    holds = (tier.is_in([codes["current_tier"][t] for t in LADDER_YEARS]) & valid).fill_null(False)
    conditions = pl.all_horizontal(
        sme,
        *clean,
        c("niche_years") >= 3 - EPS,
        pl.any_horizontal(c("revenue_y1") >= 1500 * (1 - EPS), c("equity_financing_2y") >= 2000 * (1 - EPS)),
        ratio("main_share_y1", "main_revenue_y1", "revenue_y1") >= 0.8 - EPS,
        ratio("debt_ratio_y1", "total_liabilities_y1", "total_assets_y1") <= 0.8 + EPS,
        c("rd_expense_y1") >= 100 * (1 - EPS),
        c("rd_expense_y2") >= 100 * (1 - EPS),
        ratio("rd_ratio_y1", "rd_expense_y1", "revenue_y1") >= 0.03 - EPS,
        ratio("rd_ratio_y2", "rd_expense_y2", "revenue_y2") >= 0.03 - EPS,
        pl.any_horizontal(
            c("ip_class1") >= 1 - EPS,
            c("st_award").is_in([codes["st_award"][k] for k in AWARD_WAIVERS]),
            c("rd_institution").is_in([codes["rd_institution"][k] for k in INSTITUTION_WAIVERS]),
        ),
        c("quality_score_y1") >= 50 - EPS,
        holds,
    )
    verdict = c("market_leading") if "market_leading" in present else pl.lit(None, pl.Float64)
    status = (
        pl.when(conditions.not_() | (verdict == 0))
        .then(FAIL)
        .when(conditions.is_null())
        .then(UNKNOWN)
        .when(verdict.is_null())
        .then(REVIEW)
        .otherwise(PASS)
        .cast(pl.Int8)
    )
    return frame.select(status=status).to_series()
