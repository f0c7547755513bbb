"""Units, the safe expression language and the four-valued logic."""

from __future__ import annotations

import numpy as np
import pytest

from eligibility.language.expr import ExpressionError, parse_expression
from eligibility.scoring.logic import Status, combine_all, combine_any, interval_status, tolerance
from eligibility.units import QuantityError, Unit, parse_quantity, quantities_in

F, U, R, P = Status.FAIL, Status.UNKNOWN, Status.REVIEW, Status.PASS


@pytest.mark.parametrize(
    ("literal", "unit", "expected"),
    [
        ("100万元", Unit.WAN_YUAN, 100.0),
        ("1亿元", Unit.WAN_YUAN, 10_000.0),
        ("2000000元", Unit.WAN_YUAN, 200.0),
        ("3%", Unit.FRACTION, 0.03),
        ("0.5 %", Unit.FRACTION, 0.005),
        ("2年", Unit.YEARS, 2.0),
        (60, Unit.POINTS, 60.0),
        ("1.5", Unit.YEARS, 1.5),
    ],
)
def test_literals(literal: object, unit: Unit, expected: float) -> None:
    assert parse_quantity(literal, unit) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("literal", "unit", "code"),
    [
        ("100万元", Unit.FRACTION, "unit_mismatch"),
        ("3%", Unit.WAN_YUAN, "unit_mismatch"),
        ("一百万", Unit.WAN_YUAN, "bad_literal"),
        ("100 dollars", Unit.WAN_YUAN, "bad_literal"),
        (True, Unit.COUNT, "bad_literal"),
        ([1], Unit.COUNT, "bad_literal"),
    ],
)
def test_bad_literals(literal: object, unit: Unit, code: str) -> None:
    with pytest.raises(QuantityError) as caught:
        parse_quantity(literal, unit)
    assert caught.value.code == code


def test_quantities_in_a_sentence() -> None:
    found = quantities_in(
        "上年度营业收入5000万元—1亿元：近2年研发费用占比均不低于6%，1,500万，ISO9001，近三年"
    )
    assert [(q.text, q.unit, q.value) for q in found] == [
        ("5000万元", Unit.WAN_YUAN, 5000.0),
        ("1亿元", Unit.WAN_YUAN, 10000.0),
        ("2年", Unit.YEARS, 2.0),
        ("6%", Unit.FRACTION, pytest.approx(0.06)),
        ("1,500万", Unit.WAN_YUAN, 1500.0),
    ]
    assert [q.unit for q in quantities_in("0.5个百分点，60分，3项，前3名，500人")] == [
        Unit.FRACTION,
        Unit.POINTS,
        Unit.COUNT,
        Unit.RANK,
        Unit.PERSONS,
    ]


def test_expression_arithmetic_and_unknowns() -> None:
    expression = parse_expression("(a / b) ** 0.5 - 1 + max(a, b) * 0 + abs(-c) - min(c, c)")
    assert expression.names == {"a", "b", "c"}
    a = np.array([4.0, 1.0, np.nan, 1.0])
    b = np.array([1.0, 0.0, 1.0, -1.0])
    c = np.array([1.0, 1.0, 1.0, 1.0])
    result = expression.evaluate({"a": a, "b": b, "c": c})
    assert result[0] == pytest.approx(1.0)
    # Division by zero, a missing part and a complex root are unknown, never inf.
    assert np.isnan(result[1:]).all()


@pytest.mark.parametrize(
    "text",
    [
        "__import__('os').system('true')",
        "a.real",
        "a[0]",
        "lambda: 1",
        "a if b else c",
        "a < b",
        "open('x')",
        "max(a=1, b=2)",
        "'text'",
        "True + 1",
        "a // b",
        "a % b",
    ],
)
def test_expression_whitelist(text: str) -> None:
    with pytest.raises(ExpressionError):
        parse_expression(text)


def test_expression_syntax_and_arity() -> None:
    with pytest.raises(ExpressionError) as caught:
        parse_expression("a +")
    assert caught.value.code == "expr_syntax"
    with pytest.raises(ExpressionError) as caught:
        parse_expression("abs(a, b)")
    assert caught.value.code == "expr_arity"
    with pytest.raises(ExpressionError) as caught:
        parse_expression("max(a)")
    assert caught.value.code == "expr_arity"


def _codes(*values: Status) -> np.ndarray:
    return np.array(values, dtype=np.int8)


def test_all_and_any_truth_tables() -> None:
    # docs/architecture.md: all-of → fail > unknown > review > pass; any-of → pass > unknown > review > fail.
    left = _codes(F, F, F, F, U, U, U, R, R, P)
    right = _codes(F, U, R, P, U, R, P, R, P, P)
    assert combine_all([left, right]).tolist() == [F, F, F, F, U, U, U, R, R, P]
    assert combine_any([left, right]).tolist() == [F, U, R, P, U, U, P, R, P, P]


def test_interval_comparisons_and_tolerance() -> None:
    # 30/1000 and 0.0300000001 are within float noise of 3%: they count as equal to it.
    values = np.array([30 / 1000, 0.0299, np.nan, 0.0300000001, 0.0301])
    assert interval_status(values, values, ">=", 0.03, tolerance(0.03, False)).tolist() == [P, F, U, P, P]
    assert interval_status(values, values, ">", 0.03, tolerance(0.03, False)).tolist() == [F, F, U, F, P]
    assert interval_status(values, values, "<=", 0.03, tolerance(0.03, False)).tolist() == [P, P, U, P, F]
    assert interval_status(values, values, "<", 0.03, tolerance(0.03, False)).tolist() == [F, P, U, F, F]
    # Intervals: pass only when the low end passes, fail only when the high end fails.
    low, high = np.array([55.0, 60.0, 40.0]), np.array([65.0, 70.0, 59.0])
    assert interval_status(low, high, ">=", 60.0, 1e-9).tolist() == [U, P, F]
    # Amounts use a relative tolerance: 1000.0000001 万元 is 1000 万元.
    amounts = np.array([999.9999999999, 999.99])
    assert interval_status(amounts, amounts, ">=", 1000.0, tolerance(1000.0, True)).tolist() == [P, F]


def test_growth_computed_in_two_steps_lands_on_the_written_side() -> None:
    # 0.10555555555555557 vs 0.1055555555555556: the same growth by two routes.
    one = np.array([(1.0 + 0.19) / 1.0 - 1.0])
    two = np.array([0.19 * 1.0])
    for value in (one, two):
        assert interval_status(value, value, ">=", 0.19, tolerance(0.19, False)).tolist() == [P]


def test_calendar_years() -> None:
    from eligibility.language.expr import calendar_years

    def day(text: str) -> float:
        return float(np.datetime64(text, "D").astype(np.int64))

    starts = np.array([day("2024-06-30"), day("2024-07-01"), day("2020-02-29"), day("2023-01-01"), np.nan])
    end = np.full(5, day("2025-06-30"))
    years = calendar_years(starts, end)
    assert years[0] == 1.0  # the anniversary itself is a full year
    assert years[1] == pytest.approx(1 - 1 / 365)  # one day short
    assert years[2] == pytest.approx(5 + 121 / 365)  # 29 Feb: anniversary 1 March 2025
    assert years[3] == pytest.approx(2 + 180 / 365)
    assert np.isnan(years[4])
    expression = parse_expression("years(start, end)")
    assert expression.evaluate({"start": starts[:1], "end": end[:1]}).tolist() == [1.0]
