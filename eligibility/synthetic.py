"""Fictional firms for samples, tests and benchmarks: a reproducible, vectorised generator.

The firms resemble a county pool of casting, coal-machinery and new-materials makers: log-normal
revenue, R&D intensity around the 3% line, a few titled firms, and so on. Names and credit codes are
fictional; credit codes carry a valid GB 32100-2015 check digit.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = ["credit_check_digit", "synthetic_pool"]

_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CODE_WEIGHTS = np.array([1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28])
_PREFIXES = ["晋", "泽", "恒", "宏", "鑫", "诚", "华", "瑞", "丰", "锦", "龙", "盛", "通", "安", "远", "博"]
_MIDDLES = ["铸", "机", "材", "联", "创", "达", "科", "力", "源", "新", "钢", "煤", "兴", "能", "精", "德"]
_TRADES = ["铸造", "煤机装备", "新材料", "精密铸件", "液压支架", "耐磨材料", "特种合金", "矿山机械"]


def credit_check_digit(first17: str) -> str:
    """The 18th character of a unified social credit code (GB 32100-2015)."""
    total = sum(_CODE_CHARS.index(c) * w for c, w in zip(first17, _CODE_WEIGHTS, strict=True))
    return _CODE_CHARS[(31 - total % 31) % 31]


def _codes(rng: np.random.Generator, n: int) -> list[str]:
    body = rng.integers(0, 31, size=(n, 8))
    serial = np.arange(n)
    codes = []
    for i in range(n):  # sample generation only; the engine never loops over rows
        first17 = "9114052" + f"{serial[i]:02d}"[-2:] + "".join(_CODE_CHARS[c] for c in body[i])
        codes.append(first17 + credit_check_digit(first17))
    return codes


def _pick(
    rng: np.random.Generator, options: list[str], n: int, p: list[float] | None = None
) -> npt.NDArray[np.object_]:
    return np.asarray(rng.choice(np.array(options, dtype=object), size=n, p=p), dtype=object)


def _yes_no(rng: np.random.Generator, p: float, n: int) -> npt.NDArray[np.object_]:
    return np.where(rng.random(n) < p, "是", "否").astype(object)


def synthetic_pool(n: int, seed: int = 20261126) -> pd.DataFrame:
    """``n`` fictional firms with canonical field ids (money in 万元, booleans as 是/否)."""
    rng = np.random.default_rng(seed)
    revenue_y1 = np.round(np.exp(rng.normal(np.log(3500), 1.0, n)).clip(120, 90000), 1)
    growth1 = rng.normal(0.07, 0.12, n)
    growth2 = rng.normal(0.06, 0.12, n)
    revenue_y2 = np.round(revenue_y1 / (1 + growth1), 1)
    revenue_y3 = np.round(revenue_y2 / (1 + growth2), 1)
    share = rng.beta(9, 1.5, n).clip(0.4, 1.0)
    rd_ratio = np.exp(rng.normal(np.log(0.032), 0.55, n)).clip(0.001, 0.2)
    employees = np.round(np.exp(rng.normal(np.log(150), 0.8, n)).clip(8, 1500))
    assets = np.round(revenue_y1 * rng.uniform(0.6, 1.8, n), 1)
    debt = rng.beta(4, 4, n)
    margin = rng.normal(0.06, 0.05, n)
    ip1 = rng.poisson(2.0, n)
    own = np.minimum(ip1, rng.poisson(1.5, n))
    high_value = np.minimum(own, rng.binomial(1, 0.12, n))
    tier = _pick(rng, ["", "创新型", "专精特新", "小巨人"], n, [0.55, 0.25, 0.17, 0.03])
    expiry_year = rng.integers(2026, 2029, n)
    expiry = np.array(
        [f"{y}-{m:02d}-28" for y, m in zip(expiry_year, rng.integers(1, 13, n), strict=True)], dtype=object
    )
    established = pd.Timestamp("2026-01-01") - pd.to_timedelta(rng.integers(200, 9000, n), unit="D")
    tech_staff = np.round(employees * rng.beta(2, 7, n))
    quality_y1 = np.round(rng.normal(52, 12, n).clip(0, 100), 1)
    return pd.DataFrame(
        {
            "credit_code": _codes(rng, n),
            "name": [
                f"{_PREFIXES[a]}{_MIDDLES[b]}{_TRADES[c]}有限公司"
                for a, b, c in zip(
                    rng.integers(0, 16, n), rng.integers(0, 16, n), rng.integers(0, 8, n), strict=True
                )
            ],
            "industry": np.where(rng.random(n) < 0.93, "工业", "软件和信息技术服务业"),
            "province": "山西省",
            "city": "晋城市",
            "county": _pick(rng, ["泽州县", "高平市", "阳城县", "陵川县", "沁水县"], n),
            "current_tier": tier,
            "tier_expires_on": np.where(tier == "", "", expiry),
            "revenue_y1": revenue_y1,
            "revenue_y2": revenue_y2,
            "revenue_y3": revenue_y3,
            "main_revenue_y1": np.round(revenue_y1 * share, 1),
            "main_revenue_y2": np.round(revenue_y2 * np.minimum(share * rng.uniform(0.97, 1.03, n), 1.0), 1),
            "main_revenue_y3": np.round(revenue_y3 * np.minimum(share * rng.uniform(0.97, 1.03, n), 1.0), 1),
            "rd_expense_y1": np.round(revenue_y1 * rd_ratio, 1),
            "rd_expense_y2": np.round(revenue_y2 * rd_ratio * rng.uniform(0.8, 1.1, n), 1),
            "net_profit_y1": np.round(revenue_y1 * margin, 1),
            "total_assets_y1": assets,
            "total_liabilities_y1": np.round(assets * debt, 1),
            "employees_y1": employees,
            "rd_staff_y1": np.round(employees * rng.beta(2, 10, n)),
            "niche_years": rng.integers(0, 16, n),
            "equity_financing_2y": np.where(rng.random(n) < 0.06, np.round(rng.uniform(500, 9000, n)), 0.0),
            "ip_class1_high_value": high_value,
            "ip_class1_own": own,
            "ip_class1": ip1,
            "ip_class2": rng.poisson(5, n),
            "product_field": _pick(rng, ["key_link", "six_basics", "other"], n, [0.2, 0.35, 0.45]),
            "digital_level": rng.integers(1, 5, n),
            "quality_award": _yes_no(rng, 0.08, n),
            "quality_cert": _yes_no(rng, 0.75, n),
            "own_brand": _yes_no(rng, 0.5, n),
            "standard_drafting": _yes_no(rng, 0.15, n),
            "local_feature_score": np.round(rng.uniform(0, 15, n)),
            "rd_institution": _pick(
                rng,
                ["none", "below_municipal", "municipal", "provincial", "national"],
                n,
                [0.35, 0.2, 0.3, 0.13, 0.02],
            ),
            "st_award": _pick(
                rng, ["none", "provincial", "provincial_top3", "national"], n, [0.9, 0.05, 0.04, 0.01]
            ),
            "maker_china": _pick(rng, ["none", "top500", "top50"], n, [0.96, 0.035, 0.005]),
            "abnormal_list": _yes_no(rng, 0.01, n),
            "dishonest_list": _yes_no(rng, 0.005, n),
            "major_incident_3y": _yes_no(rng, 0.01, n),
            "prohibited_product": _yes_no(rng, 0.003, n),
            "established_on": established.strftime("%Y-%m-%d"),
            "rd_expense_y3": np.round(revenue_y3 * rd_ratio * rng.uniform(0.7, 1.1, n), 1),
            "total_cost_y1": np.round(revenue_y1 * (1 - margin) * rng.uniform(0.9, 1.0, n), 1),
            "tech_staff_y1": tech_staff,
            "high_tech_revenue_y1": np.round(revenue_y1 * rng.beta(3, 2, n), 1),
            "equity_financing_3y": np.where(rng.random(n) < 0.08, np.round(rng.uniform(300, 9000, n)), 0.0),
            "strategic_emerging": _yes_no(rng, 0.45, n),
            "standard_lead_5y": _yes_no(rng, 0.06, n),
            "hnte_valid": _yes_no(rng, 0.3, n),
            "tech_demo": _yes_no(rng, 0.01, n),
            "ip_advantage": _yes_no(rng, 0.03, n),
            "info_system": _yes_no(rng, 0.7, n),
            "mgmt_cert": _yes_no(rng, 0.6, n),
            "market_share": np.round(rng.beta(1.2, 14, n), 4),
            "market_rank_cn": rng.integers(1, 40, n),
            "quality_score_y1": quality_y1,
            "quality_score_y2": np.round((quality_y1 + rng.normal(0, 6, n)).clip(0, 100), 1),
            # Judged items are mostly not yet judged in a pool sheet: blank means "needs review".
            "chain_key_link": np.where(rng.random(n) < 0.8, "", _yes_no(rng, 0.5, n)),
            "market_leading": np.where(rng.random(n) < 0.7, "", _yes_no(rng, 0.6, n)),
        }
    )
