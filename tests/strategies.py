"""Hypothesis strategies for firms with canonical field ids, biased towards the thresholds."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st


def amount(low: float, high: float, edges: tuple[float, ...] = ()) -> st.SearchStrategy[float | None]:
    values: st.SearchStrategy[float] = st.floats(low, high, allow_nan=False, allow_infinity=False)
    if edges:
        values = st.one_of(values, st.sampled_from(edges))
    return st.one_of(st.none(), values, values, values)


YES_NO = st.sampled_from(["是", "否", None])

FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "industry": st.sampled_from(["工业", "industrial", "软件和信息技术服务业", None]),
    "employees_y1": st.one_of(st.none(), st.integers(1, 1500), st.sampled_from([20, 300, 999, 1000])),
    "revenue_y1": amount(0, 50000, (1000, 999.99, 40000, 2000, 300)),
    "main_revenue_y1": amount(0, 50000, (800, 900, 2000)),
    "main_revenue_y2": amount(0, 50000, (800, 1000)),
    "main_revenue_y3": amount(0, 50000, (800, 1000)),
    "rd_expense_y1": amount(0, 3000, (100, 99.99, 30, 1000)),
    "rd_expense_y2": amount(0, 3000, (100, 1000)),
    "net_profit_y1": amount(-500, 5000, (0, 100)),
    "total_assets_y1": amount(1, 60000, (1000, 2000)),
    "total_liabilities_y1": amount(0, 60000, (500, 600, 700)),
    "rd_staff_y1": st.one_of(st.none(), st.integers(0, 300)),
    "niche_years": amount(0, 20, (2, 1.99, 4)),
    "equity_financing_2y": amount(0, 10000, (2000, 6000, 0)),
    "ip_class1_high_value": st.one_of(st.none(), st.integers(0, 3)),
    "ip_class1_own": st.one_of(st.none(), st.integers(0, 3)),
    "ip_class1": st.one_of(st.none(), st.integers(0, 5)),
    "ip_class2": st.one_of(st.none(), st.integers(0, 6)),
    "product_field": st.sampled_from(["key_link", "six_basics", "other", None]),
    "digital_level": st.one_of(st.none(), st.integers(1, 4)),
    "quality_award": YES_NO,
    "quality_cert": YES_NO,
    "own_brand": YES_NO,
    "standard_drafting": YES_NO,
    "local_feature_score": amount(0, 15, (0, 15)),
    "rd_institution": st.sampled_from(
        ["national", "provincial", "municipal", "below_municipal", "none", None]
    ),
    "st_award": st.sampled_from(["none", "provincial", "provincial_top3", "national_top5", None]),
    "maker_china": st.sampled_from(["none", "top500", "top50", None]),
    "abnormal_list": st.sampled_from(["否", "否", "是", None]),
}


@st.composite
def firms(draw: st.DrawFn, code: int = 0) -> dict[str, Any]:
    """One firm; every field may be blank."""
    firm: dict[str, Any] = {"credit_code": f"FIRM{code:05d}", "name": f"企业{code}"}
    for name, strategy in FIELDS.items():
        firm[name] = draw(strategy)
    return firm


@st.composite
def pools(draw: st.DrawFn, min_size: int = 2, max_size: int = 8) -> list[dict[str, Any]]:
    """Several firms with distinct credit codes."""
    size = draw(st.integers(min_size, max_size))
    return [draw(firms(code=i)) for i in range(size)]
