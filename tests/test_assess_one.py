"""``assess_one`` and ``POST /api/assess``: keys read like spreadsheet headers, unknown keys reported."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from eligibility import Issue, IssueCode, RuleSet, Severity, assess_one
from eligibility.apps.web import create_app
from eligibility.input.prepare import OneFirm, prepare
from eligibility.input.table import InputTable
from eligibility.labels import issue_message
from tests.conftest import base_firm, valid_code

AS_OF = "2026-11-26"  # 2025年 is 上年度 (y1)


def _firm(**changes: Any) -> dict[str, Any]:
    """The base firm with some keys renamed or replaced (None removes a key)."""
    firm = base_firm()
    for key, value in changes.items():
        if value is None:
            firm.pop(key)
        else:
            firm[key] = value
    return firm


def _codes(record: dict[str, Any]) -> list[tuple[str, str | None, str | None]]:
    return [(i["code"], i["field"], i["header"]) for i in record["issues"]]


def _result(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k != "issues"}


def test_canonical_ids_give_no_key_issue(rules: RuleSet) -> None:
    assert assess_one(base_firm(), rules, as_of=AS_OF)["issues"] == []


def test_a_typo_is_an_unknown_field_with_a_suggestion(rules: RuleSet) -> None:
    firm = _firm(revenue_y1=None, revenu_y1=3000)
    record = assess_one(firm, rules, as_of=AS_OF)
    [issue] = record["issues"]
    assert issue == {
        "code": IssueCode.UNKNOWN_FIELD.value,
        "severity": Severity.WARNING.value,
        "field": None,
        "header": "revenu_y1",
        "value": "revenue_y1",
    }
    # The typo is not used: the firm is assessed as if revenue were missing.
    assert _result(record) == _result(assess_one(_firm(revenue_y1=None), rules, as_of=AS_OF))
    issue_object = Issue(IssueCode.UNKNOWN_FIELD, Severity.WARNING, None, None, "revenu_y1", "revenue_y1")
    for lang in ("zh", "en"):
        assert "revenue_y1" in issue_message(issue_object, lang)


def test_a_chinese_typo_gets_a_chinese_suggestion(rules: RuleSet) -> None:
    record = assess_one(_firm(revenue_y1=None, 营业收人=3000), rules, as_of=AS_OF)
    assert [(i["code"], i["value"]) for i in record["issues"]] == [("unknown_field", "营业收入")]


def test_a_key_with_nothing_close_has_no_suggestion(rules: RuleSet) -> None:
    record = assess_one(_firm(备注说明文字=1), rules, as_of=AS_OF)
    assert [(i["code"], i["value"]) for i in record["issues"]] == [("unknown_field", None)]


@pytest.mark.parametrize(
    ("key", "codes"),
    [("营业收入", [("assumed_year", "revenue_y1", "营业收入")]), ("2025年营业收入（万元）", [])],
)
def test_chinese_headers_map_like_a_spreadsheet(
    rules: RuleSet, key: str, codes: list[tuple[str, str | None, str | None]]
) -> None:
    canonical = assess_one(base_firm(), rules, as_of=AS_OF)
    record = assess_one(_firm(revenue_y1=None, **{key: 3000}), rules, as_of=AS_OF)
    assert _result(record) == _result(canonical)
    assert _codes(record) == codes


def test_units_in_a_header_are_converted(rules: RuleSet) -> None:
    canonical = assess_one(base_firm(), rules, as_of=AS_OF)
    in_yuan = assess_one(_firm(rd_expense_y1=None, **{"2025年研发费用(元)": 1_200_000}), rules, as_of=AS_OF)
    assert _result(in_yuan) == _result(canonical)
    assert _codes(in_yuan) == []
    bare = assess_one(_firm(rd_expense_y1=None, **{"研发费用(元)": 1_200_000}), rules, as_of=AS_OF)
    assert _result(bare) == _result(canonical)
    assert _codes(bare) == [("assumed_year", "rd_expense_y1", "研发费用(元)")]
    percent = assess_one(
        _firm(total_liabilities_y1=None, total_assets_y1=None, **{"资产负债率(%)": 50}), rules, as_of=AS_OF
    )
    as_fraction = assess_one(
        _firm(total_liabilities_y1=None, total_assets_y1=None, debt_ratio_y1=0.5), rules, as_of=AS_OF
    )
    assert _result(percent) == _result(as_fraction)


def test_key_issues_come_before_the_firms_cell_issues(rules: RuleSet) -> None:
    record = assess_one(_firm(revenu_y1=1, revenue_y1=-5), rules, as_of=AS_OF)
    assert [i["code"] for i in record["issues"]] == ["unknown_field", "negative_value"]


def test_two_keys_for_one_field_and_an_old_year(rules: RuleSet) -> None:
    record = assess_one(_firm(营业收入=9999, **{"2019年营业收入": 1}), rules, as_of=AS_OF)
    assert _result(record) == _result(assess_one(base_firm(), rules, as_of=AS_OF))  # the first key wins
    codes = {i["code"] for i in record["issues"]}
    assert codes == {"duplicate_column", "unmapped_column"}


def test_durable_backend_reports_the_key_too(rules: RuleSet) -> None:
    firm = _firm(revenue_y1=None, revenu_y1=3000)
    durable = assess_one(firm, rules, as_of=AS_OF, backend="durable")
    assert durable == assess_one(firm, rules, as_of=AS_OF)
    assert [i["code"] for i in durable["issues"]] == ["unknown_field"]


def test_api_returns_the_issue(rules: RuleSet) -> None:
    client = TestClient(create_app(rules), base_url="http://127.0.0.1:8765")
    firm = {"credit_code": "91140500000000001P", "industry": "工业", "revenu_y1": 3000, "从业人员": 100}
    answer = client.post("/api/assess", json={"firm": firm, "as_of": AS_OF})
    assert answer.status_code == 200, answer.text
    issues = answer.json()["issues"]
    assert {"code": "unknown_field", "header": "revenu_y1", "value": "revenue_y1"}.items() <= issues[
        0
    ].items()
    assert [i["code"] for i in issues[1:]] == ["assumed_year"]
    assert answer.json()["tiers"]["sme_size"]["status"] == "eligible"  # 从业人员 was read


def _cells_by_unit(rules: RuleSet) -> dict[str, list[Any]]:
    """Cells a caller may hand ``assess_one``, usual and not, by the unit of the field they go in."""
    usual = [None, math.nan, "", " ", "—", "N/A", "nan", True, False, 0, 1, 1.0, 3, 2**70, "\u3000x\u3000"]
    return {
        "number": [*usual, -1, 3.5, 0.385, 48.6, 1e308, math.inf, "3,000", "35%", "12万元", " 12 ", "abc"],
        "category": [*usual, "工业", " 工业 ", "INDUSTRY", "provincial", "省级", "none", "其他行业", "无"],
        "bool": [*usual, "是", "否", " 是", "YES", "y", "×", "maybe", np.bool_(True), 0.0],
        "date": [
            *usual,
            "2023-05-08",
            "2023-02-30",
            "2023-13-01",
            "1899-01-01",
            "9999-12-31",
            "2023年5月8日",
            "2019年1月",
            "20230508",
            "08/05/2023",
            "长期有效",
            45000,
            dt.date(2020, 1, 1),
            dt.datetime(2021, 3, 4, 5, 6),
        ],
        "text": [*usual, "晋泽铸造", " 晋泽 ", 911405.0, valid_code(1), valid_code(1).lower(), "X" * 18],
        "tiers": [*usual, "专精特新中小企业", "高新技术企业、专精特新", "市级专精特新", "“小巨人”企业", "某"],
    }


def _unit_of(spec: Any) -> str:
    if spec.unit.value in ("text", "date", "bool"):
        return str(spec.unit.value)
    if spec.unit.value == "category":
        return "tiers" if spec.choices_from == "tiers" else "category"
    return "number"


def _same_prepared(a: Any, b: Any) -> None:
    assert (a.n, a.present, a.rows.tolist(), a.headers) == (b.n, b.present, b.rows.tolist(), b.headers)
    assert a.issues == b.issues
    assert a.columns.keys() == b.columns.keys()
    assert a.dates.keys() == b.dates.keys()
    for name in a.columns:
        np.testing.assert_array_equal(a.columns[name], b.columns[name], err_msg=name)
    for name in a.dates:
        np.testing.assert_array_equal(a.dates[name], b.dates[name], err_msg=name)
    assert {k: v.tolist() for k, v in a.text.items()} == {k: v.tolist() for k, v in b.text.items()}


def test_one_firm_is_typed_as_a_one_row_table_types_it(rules: RuleSet) -> None:
    """The one-firm typing (no frame) gives the columns and issues ``prepare`` gives a one-row
    table, cell by cell, for every field and for usual and unusual cells alike."""
    one = OneFirm(rules)
    cells = _cells_by_unit(rules)
    kinds: dict[tuple[Any, ...], Any] = {}  # one field of each way of typing
    for spec in rules.fields.values():
        if not spec.derived:
            choices = tuple(spec.choice_ids)
            kind = (spec.unit, choices, spec.min, spec.max, spec.warn_above, spec.partial_date)
            kinds.setdefault((*kind, spec.id.endswith("expires_on"), spec.id == "credit_code"), spec)
    for spec in kinds.values():
        ways: list[tuple[dict[str, float], frozenset[str]]] = [({}, frozenset())]
        if _unit_of(spec) == "number":
            ways += [({spec.id: 1e-4}, frozenset()), ({}, frozenset({spec.id}))]
        for value in cells[_unit_of(spec)]:
            for factors, percent in ways:
                headers = {spec.id: f"表头{spec.id}"}
                table = InputTable(
                    pd.DataFrame([{spec.id: value}]),
                    "<firm>",
                    headers=headers,
                    factors=factors,
                    percent=percent,
                )
                expected = prepare(table, rules)
                for _ in range(2):  # typed, then remembered
                    typed = one.prepare({spec.id: value}, headers=headers, factors=factors, percent=percent)
                    _same_prepared(typed, expected)


def test_the_credit_code_is_checked_as_a_table_checks_it(rules: RuleSet) -> None:
    one = OneFirm(rules)
    good = valid_code(3)
    wrong = good[:-1] + ("0" if good[-1] != "0" else "1")
    for code in [good, good.lower(), wrong, "ABC", "I" * 18, "١" * 18]:
        firm = {"credit_code": code, "revenue_y1": 100}
        _same_prepared(one.prepare(firm), prepare(InputTable(pd.DataFrame([firm]), "<firm>"), rules))


def test_a_rule_set_keeps_its_one_firm_plan(rules: RuleSet) -> None:
    assess_one(base_firm(), rules, as_of=AS_OF)
    plan = rules.plans["assess_one"]
    assess_one(_firm(营业收入=3000, revenue_y1=None), rules, as_of=AS_OF)
    assert rules.plans["assess_one"] is plan
