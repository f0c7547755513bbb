"""The quality score's year (2号 asks for 本年度's platform score): a header's year counts from the year
of as_of for the score, from the last fiscal year for financials."""

from __future__ import annotations

from pathlib import Path

import openpyxl

from eligibility import RuleSet, read_input
from eligibility.input.headers import HeaderReader
from eligibility.input.prepare import prepare
from eligibility.labels import text
from tests.conftest import valid_code


def test_score_headers_count_from_the_year_of_as_of(rules: RuleSet) -> None:
    reader = HeaderReader(rules, 2026)
    assert reader.read("2026年专精特新发展评价得分").field == "quality_score_y1"
    assert reader.read("2025年专精特新发展（质量）评价得分（分）").field == "quality_score_y2"
    assert reader.read("2024年专精特新发展评价得分").problem == "year_out_of_range"
    # Financials are fiscal years: 2025 is 上年度 in 2026.
    assert reader.read("2025年营业收入（万元）").field == "revenue_y1"
    # The score's labels name the years as counted from as_of, the financials' as fiscal years.
    for field, year in (("quality_score_y1", "current_year_y1"), ("quality_score_y2", "current_year_y2")):
        assert rules.fields[field].label_zh.endswith(text("field_in_year", label="", year=text(year)))
        assert rules.fields[field].label_en.endswith(
            text("field_in_year", "en", label="", year=text(year, "en"))
        )
    assert rules.fields["revenue_y1"].label_zh.endswith(text("field_in_year", label="", year=text("year_y1")))


def test_a_year_row_over_scores_and_financials(rules: RuleSet, tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["企业名称", "统一社会信用代码", "2026年", None, "2025年", None])
    sheet.append(
        [None, None, "专精特新发展评价得分", "营业收入（万元）", "专精特新发展评价得分", "营业收入（万元）"]
    )
    sheet.append(["甲公司", valid_code(1), 62, None, 48, 5000])
    sheet.merge_cells("A1:A2")
    sheet.merge_cells("B1:B2")
    path = tmp_path / "scores.xlsx"
    book.save(path)
    p = prepare(read_input(path, rules, as_of="2026-11-26"), rules)
    assert p.columns["quality_score_y1"].tolist() == [62]
    assert p.columns["quality_score_y2"].tolist() == [48]
    assert p.columns["revenue_y1"].tolist() == [5000]
    # 2026年营业收入 is a fiscal year not yet closed on 2026-11-26: not a field, said so.
    assert any(str(i.code) == "unmapped_column" and i.header == "营业收入（万元）" for i in p.issues)
