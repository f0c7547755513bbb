"""``assess_one`` and ``POST /api/assess``: keys read like spreadsheet headers, unknown keys reported."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from eligibility import Issue, IssueCode, RuleSet, Severity, assess_one
from eligibility.apps.web import create_app
from eligibility.labels import issue_message
from tests.conftest import base_firm

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
