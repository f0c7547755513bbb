"""County workbooks drawn by hand (tests/county.py): every firm, every title, every date, and every
skipped row and doubtful cell listed with its row."""

from __future__ import annotations

from html import escape as html_escape
from pathlib import Path

import numpy as np
import openpyxl
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eligibility import RuleSet, evaluate, read_input
from eligibility.apps.cli import main
from eligibility.assessment import Assessment
from eligibility.input.prepare import prepare
from eligibility.labels import issue_message, text
from tests.conftest import valid_code
from tests.county import BUILDERS, County

AS_OF = "2026-11-26"


@pytest.fixture(params=sorted(BUILDERS))
def county(request: pytest.FixtureRequest, tmp_path: Path) -> County:
    name = str(request.param)
    return BUILDERS[name](tmp_path / name)


def _assess(county: County, rules: RuleSet) -> Assessment:
    return evaluate(read_input(county.path, rules, as_of=AS_OF), rules, as_of=AS_OF)


def test_every_firm_as_a_person_reads_it(county: County, rules: RuleSet) -> None:
    a = _assess(county, rules)
    p = a.prepared
    assert p.sheet == county.sheet
    assert p.rows.tolist() == [f.row for f in county.firms]  # no firm lost, no 合计/注 row screened
    industry_ids = rules.fields["industry"].choice_ids
    for i, firm in enumerate(county.firms):
        assert p.text["name"][i] == firm.name
        assert p.text["credit_code"][i] == firm.code
        assert a.titles.tier[i] == firm.title, firm.name
        expires = a.titles.expires[i]
        shown = None if np.isnat(expires) else str(expires.astype("datetime64[D]"))
        assert shown == firm.expires, firm.name
        if firm.hnte is None:
            assert "hnte_valid" not in p.columns or np.isnan(p.columns["hnte_valid"][i])
        else:
            assert p.columns["hnte_valid"][i] == firm.hnte, firm.name
        if firm.industry is not None:
            assert industry_ids[int(p.columns["industry"][i])] == firm.industry, firm.name
        if firm.township is not None:
            assert p.text["township"][i] == firm.township
        if firm.officer is not None:
            assert p.text["officer"][i] == firm.officer
        for field, value in firm.extra.items():
            assert p.columns[field][i] == pytest.approx(value), (firm.name, field)


def test_skipped_rows_and_doubtful_cells_are_listed(county: County, rules: RuleSet) -> None:
    a = _assess(county, rules)
    listed = {(str(i.code), i.row) for i in a.issues}
    skipped = {i.row: str(i.code) for i in a.issues if str(i.code) in ("skipped_row", "blank_row")}
    assert skipped == county.skipped
    assert county.issues <= listed, county.issues - listed
    info = [
        i for i in a.issues if str(i.code) in ("skipped_row", "blank_row", "derived_expiry", "sheet_chosen")
    ]
    assert all(str(i.severity) == "info" for i in info)
    # A skipped row is no firm and sets no firm's data-issue flag.
    assert not set(county.skipped) & set(a.prepared.rows.tolist())


def test_zezhou_cells(rules: RuleSet, tmp_path: Path) -> None:
    county = BUILDERS["zezhou_one_row.xlsx"](tmp_path / "z.xlsx")
    a = _assess(county, rules)
    issues = {(str(i.code), i.row, i.field) for i in a.issues}
    # The percent-formatted 2.0% is 0.02 whatever the （%） header says, and raises no doubt.
    assert ("ambiguous_percent", 7, "rd_ratio_y1") not in issues
    assert ("ambiguous_percent", 6, "debt_ratio_y1") in issues
    assert ("unusual_value", 11, "debt_ratio_y1") in issues
    # 序号 is no field and no issue; the merged title and 填报单位 lines are above the header.
    assert not [i for i in a.issues if str(i.code) == "unmapped_column"]


def test_two_row_header_dates(rules: RuleSet, tmp_path: Path) -> None:
    county = BUILDERS["two_row_header.xlsx"](tmp_path / "t.xlsx")
    p = prepare(read_input(county.path, rules, as_of=AS_OF), rules)
    established = p.dates["established_on"]
    # 2012年7月 counts from the month's last day (fewer years, never more); 20180315 is compact.
    assert str(established[0]) == "2012-07-31"
    assert str(established[1]) == "2018-03-15"
    assert np.isnat(established[2])  # 08/05/2011: day and month both ≤ 12
    assert ("ambiguous_date", 8) in {(str(i.code), i.row) for i in p.issues}
    assert ("bad_date", 8) not in {(str(i.code), i.row) for i in p.issues}


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_county_workbooks_screen_to_workbook_and_report(rules: RuleSet, tmp_path: Path, name: str) -> None:
    county = BUILDERS[name](tmp_path / name)
    out, html = tmp_path / "结果.xlsx", tmp_path / "报告.html"
    result = CliRunner().invoke(
        main, ["screen", str(county.path), "--as-of", AS_OF, "-o", str(out), "--html", str(html)]
    )
    assert result.exit_code in (0, 1), result.output
    book = openpyxl.load_workbook(out, read_only=True)
    details = list(book[text("sheet_details", "zh")].iter_rows(min_row=2, values_only=True))
    assert [row[0] for row in details] == [f.code for f in county.firms]
    issue_rows = {row[1] for row in book[text("sheet_issues", "zh")].iter_rows(min_row=2, values_only=True)}
    assert set(county.skipped) <= issue_rows
    # The report lists every skipped row among its data issues (its firm cards travel compressed).
    page = html.read_text(encoding="utf-8")
    a = _assess(county, rules)
    for issue in a.issues:
        if issue.row in county.skipped:
            assert html_escape(issue_message(issue)) in page


def test_dates_as_officers_write_them(rules: RuleSet) -> None:
    import pandas as pd

    written = [
        "2015年3月12日",
        "2023.5.8",
        "20230508",
        "2023-5-8",
        "2023/05/08",
        "45054",  # an Excel day serial: 2023-05-08
        "2019年1月",
        "2019",
        "9999-12-31",
        "长期",
        "长期有效",
        "08/05/2023",
        "25/05/2023",
        "2023-02-30",
        "0203-01-01",
    ]
    frame = pd.DataFrame(
        {
            "credit_code": [valid_code(500 + i) for i in range(len(written))],
            "current_tier": ["专精特新"] * len(written),
            "tier_expires_on": written,
            "tier_awarded_on": written,
        }
    )
    p = prepare(frame, rules)
    expires = [str(d) for d in p.dates["tier_expires_on"]]
    assert expires == [
        "2015-03-12",
        "2023-05-08",
        "2023-05-08",
        "2023-05-08",
        "2023-05-08",
        "2023-05-08",
        "2019-01-01",
        "2019-01-01",
        "9999-12-31",
        "9999-12-31",
        "9999-12-31",
        "NaT",
        "2023-05-25",
        "NaT",
        "NaT",
    ]
    # 长期 is no expiry only for an expiry: as an award date it is no date.
    awarded = [str(d) for d in p.dates["tier_awarded_on"]]
    assert awarded[9:11] == ["NaT", "NaT"]
    found = {(str(i.code), i.row, i.field) for i in p.issues}
    assert ("ambiguous_date", 13, "tier_expires_on") in found
    assert ("bad_date", 15, "tier_expires_on") in found  # 2023-02-30
    assert ("bad_date", 16, "tier_expires_on") in found
    assert ("bad_date", 10, "tier_awarded_on") in found
    # 9999-12-31 holds the title, never wraps to another century.
    a = evaluate(frame, rules, as_of=AS_OF)
    assert a.titles.tier[8] == "srdi_sme"
    assert not a.titles.expiring[8]


def test_absurd_numbers_are_out_of_range_without_warnings(rules: RuleSet) -> None:
    import warnings

    import pandas as pd

    frame = pd.DataFrame({"credit_code": [valid_code(1), valid_code(2)], "revenue_y1": ["1e308", 5000]})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        p = prepare(frame, rules)
    assert np.isnan(p.columns["revenue_y1"][0])
    assert p.columns["revenue_y1"][1] == 5000
    assert {(str(i.code), i.row) for i in p.issues} == {("out_of_range", 2)}


# --------------------------------------------------------------------------------------------------
# Properties over generated sheets

_NOISE = [
    "合计",
    "小计",
    "总 计",
    "平均值",
    "注：数据来源于企业填报",
    "说明：金额单位万元",
    "填表人：张三",
    "填报日期：2026年10月",
]


@st.composite
def _sheets(draw: st.DrawFn) -> tuple[list[list[object]], list[int], list[tuple[int, int, int]]]:
    n = draw(st.integers(1, 12))
    header: list[object] = ["序号", "企业名称", "统一社会信用代码", "所属行业", "2025年营业收入（万元）"]
    rows: list[list[object]] = [["某县培育库"] + [None] * 4, header]
    firm_rows: list[int] = []
    merges: list[tuple[int, int, int]] = []  # (first row, last row, column), 1-based
    for i in range(n):
        noise = draw(st.lists(st.sampled_from([*_NOISE, None]), max_size=2))
        rows.extend([None] * 5 if word is None else [word, None, None, None, 100.0] for word in noise)
        name = draw(st.sampled_from([f"企业{i}有限公司", None]))
        code = valid_code(700 + i) if name is None or draw(st.booleans()) else None
        rows.append([i + 1, name, code, "工业", float(draw(st.integers(0, 9000)))])
        firm_rows.append(len(rows))
    # A run of firms drawn with one merged 所属行业 cell.
    if len(firm_rows) >= 2 and firm_rows[1] == firm_rows[0] + 1:
        merges.append((firm_rows[0], firm_rows[1], 4))
    return rows, firm_rows, merges


def _write(path: Path, rows: list[list[object]], merges: list[tuple[int, int, int]]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for r, values in enumerate(rows, start=1):
        for c, value in enumerate(values, start=1):
            if value is not None:
                sheet.cell(r, c, value)
    for first, last, col in merges:
        for r in range(first + 1, last + 1):
            sheet.cell(r, col).value = None
        sheet.merge_cells(start_row=first, start_column=col, end_row=last, end_column=col)
    book.save(path)
    return path


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sheet=_sheets())
def test_no_row_with_a_name_or_code_is_dropped(
    rules: RuleSet,
    tmp_path_factory: pytest.TempPathFactory,
    sheet: tuple[list[list[object]], list[int], list[tuple[int, int, int]]],
) -> None:
    rows, firm_rows, merges = sheet
    folder = tmp_path_factory.mktemp("prop")
    merged = read_input(_write(folder / "m.xlsx", rows, merges), rules, as_of=AS_OF)
    plain = read_input(_write(folder / "p.xlsx", rows, []), rules, as_of=AS_OF)
    assert merged.rows is not None
    assert plain.rows is not None
    assert merged.rows.tolist() == firm_rows
    assert plain.rows.tolist() == firm_rows
    # A merged range reads like the same sheet unmerged with the value repeated.
    assert merged.frame.astype(str).equals(plain.frame.astype(str))


# --------------------------------------------------------------------------------------------------
# Layouts a new user drew (they were read wrong before): metric over year rows, section rows,
# a group header naming the year, a cell cut at Excel's limit


def test_metric_row_over_a_year_row_with_section_rows(rules: RuleSet, tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["陵川县培育库"])
    sheet.append(["序号", "企业名称", "统一社会信用代码", "营业收入（万元）", None, "研发费用（万元）", None])
    sheet.append([None, None, None, "2024年", "2025年", "2024年", "2025年"])
    sheet.append(["一、装备制造"])
    sheet.append([1, "甲机械有限公司", valid_code(1), 800, 950, 40, 52])
    sheet.append(["（二）新材料"])
    sheet.append([2, "乙材料有限公司", valid_code(2), 1800, 2100, 70, 90])
    for cells in ("A2:A3", "B2:B3", "C2:C3", "D2:E2", "F2:G2", "A4:G4", "A6:G6"):
        sheet.merge_cells(cells)
    path = tmp_path / "c.xlsx"
    book.save(path)
    p = prepare(read_input(path, rules, as_of=AS_OF), rules)
    assert p.rows.tolist() == [5, 7]  # the year row and the section rows are no firms
    assert p.columns["revenue_y1"].tolist() == [950, 2100]  # 2025 is 上年度
    assert p.columns["revenue_y2"].tolist() == [800, 1800]
    assert p.columns["rd_expense_y1"].tolist() == [52, 90]
    codes = {(str(i.code), i.row) for i in p.issues}
    assert {("skipped_row", 4), ("skipped_row", 6)} <= codes
    assert not {c for c, _ in codes} & {"assumed_year", "duplicate_column", "missing_key"}


def test_a_group_header_names_the_year(rules: RuleSet, tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["2026年高平市培育企业名单"])  # a title starting with a year is no year label
    sheet.append(["基本情况", None, "2025年度主要经济指标（万元）", None])
    sheet.append(["企业名称", "统一社会信用代码", "营业收入", "研发费用"])
    sheet.append(["甲公司", valid_code(1), 3000, 120])
    for cells in ("A1:D1", "A2:B2", "C2:D2"):
        sheet.merge_cells(cells)
    path = tmp_path / "g.xlsx"
    book.save(path)
    p = prepare(read_input(path, rules, as_of=AS_OF), rules)
    assert p.columns["revenue_y1"].tolist() == [3000]
    assert not [i for i in p.issues if str(i.code) == "assumed_year"]


def test_cut_cells_titles_of_one_rank_and_unusable_dates(rules: RuleSet, tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["企业名称", "统一社会信用代码", "现有称号", "称号有效期至"])
    sheet.append(["长" * 50_000, valid_code(1), "科技型中小企业、创新型中小企业", "2028-06-30"])
    sheet.append(["乙公司", valid_code(2), "专精特新", "0203-01-01"])
    path = tmp_path / "cut.xlsx"
    book.save(path)
    a = _assess(County(path, "Sheet", [], {}, set()), rules)
    codes = {(str(i.code), i.row, i.field) for i in a.issues}
    assert ("bad_cell", 2, "name") in codes  # cut to 32,767 characters by the writer: not a name
    assert a.titles.tier[0] == "innovative_sme"  # of one rank, the title valid longer
    assert ("bad_date", 3, "tier_expires_on") in codes
    assert ("blank_expiry", 3, "tier_expires_on") not in codes  # written, unusable: said once


def test_cli_missing_file_and_bad_date_are_one_line(tmp_path: Path) -> None:
    runner = CliRunner()
    missing = runner.invoke(
        main, ["screen", str(tmp_path / "无.xlsx"), "--as-of", AS_OF, "-o", str(tmp_path / "o.xlsx")]
    )
    assert missing.exit_code == 4
    assert len(missing.output.strip().splitlines()) == 1
    bad_day = runner.invoke(
        main, ["screen", str(tmp_path / "无.xlsx"), "--as-of", "2026-13-01", "-o", str(tmp_path / "o.xlsx")]
    )
    assert bad_day.exit_code in (2, 4)
    assert len(bad_day.output.strip().splitlines()) == 1
    assert "Traceback" not in bad_day.output
