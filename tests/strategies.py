"""Hypothesis strategies for firms with canonical field ids, biased towards the thresholds."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st


def amount(
    low: float, high: float, edges: tuple[float, ...] = (), blank: bool = True
) -> st.SearchStrategy[Any]:
    values: st.SearchStrategy[float] = st.floats(low, high, allow_nan=False, allow_infinity=False)
    if edges:
        values = st.one_of(values, st.sampled_from(edges))
    return st.one_of(st.none(), values, values, values) if blank else values


def choice(options: list[Any], blank: bool = True) -> st.SearchStrategy[Any]:
    return st.sampled_from([*options, None] if blank else options)


def integers(low: int, high: int, edges: tuple[int, ...] = (), blank: bool = True) -> st.SearchStrategy[Any]:
    values: st.SearchStrategy[int] = st.integers(low, high)
    if edges:
        values = st.one_of(values, st.sampled_from(edges))
    return st.one_of(st.none(), values) if blank else values


def field_strategies(blank: bool = True) -> dict[str, st.SearchStrategy[Any]]:
    """Every field a test firm has; with ``blank`` any of them may be missing."""
    yes_no = choice(["是", "否"], blank)
    return {
        "industry": choice(["工业", "industrial", "软件和信息技术服务业"], blank),
        "employees_y1": integers(1, 1500, (20, 300, 999, 1000), blank),
        "revenue_y1": amount(0, 50000, (1000, 999.99, 40000, 2000, 300), blank),
        "main_revenue_y1": amount(0, 50000, (800, 900, 2000), blank),
        "main_revenue_y2": amount(0, 50000, (800, 1000), blank),
        "main_revenue_y3": amount(0, 50000, (800, 1000), blank),
        "rd_expense_y1": amount(0, 3000, (100, 99.99, 30, 1000), blank),
        "rd_expense_y2": amount(0, 3000, (100, 1000), blank),
        "net_profit_y1": amount(-500, 5000, (0, 100), blank),
        "total_assets_y1": amount(1, 60000, (1000, 2000), blank),
        "total_liabilities_y1": amount(0, 60000, (500, 600, 700), blank),
        "rd_staff_y1": integers(0, 300, (), blank),
        "niche_years": amount(0, 20, (2, 1.99, 4), blank),
        "equity_financing_2y": amount(0, 10000, (2000, 6000, 0), blank),
        "ip_class1_high_value": integers(0, 3, (), blank),
        "ip_class1_own": integers(0, 3, (), blank),
        "ip_class1": integers(0, 5, (), blank),
        "ip_class2": integers(0, 6, (), blank),
        "product_field": choice(["key_link", "six_basics", "other"], blank),
        "digital_level": integers(1, 4, (), blank),
        "quality_award": yes_no,
        "quality_cert": yes_no,
        "own_brand": yes_no,
        "standard_drafting": yes_no,
        "local_feature_score": amount(0, 15, (0, 15), blank),
        "rd_institution": choice(["national", "provincial", "municipal", "below_municipal", "none"], blank),
        "st_award": choice(["none", "provincial", "provincial_top3", "national_top5"], blank),
        "maker_china": choice(["none", "top500", "top50"], blank),
        "abnormal_list": st.sampled_from(["否", "否", "是", None])
        if blank
        else st.sampled_from(["否", "否", "是"]),
    }


FIELDS = field_strategies()


@st.composite
def firms(draw: st.DrawFn, code: int = 0, blank: bool = True) -> dict[str, Any]:
    """One firm; with ``blank`` every field may be missing."""
    firm: dict[str, Any] = {"credit_code": f"FIRM{code:05d}", "name": f"企业{code}"}
    for name, strategy in (FIELDS if blank else field_strategies(blank=False)).items():
        firm[name] = draw(strategy)
    return firm


@st.composite
def pools(draw: st.DrawFn, min_size: int = 2, max_size: int = 8) -> list[dict[str, Any]]:
    """Several firms with distinct credit codes."""
    size = draw(st.integers(min_size, max_size))
    return [draw(firms(code=i)) for i in range(size)]
