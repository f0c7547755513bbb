"""Real spreadsheets in (Chinese headers, units, years, two-row, long), the reviewer's workbook out."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from eligibility import InputError, IssueCode, RuleSet, Severity, evaluate, read_input
from eligibility.apps.cli import main
from eligibility.input.prepare import credit_code_valid, prepare
from eligibility.labels import text
from eligibility.render.workbook import write_workbook
from tests.conftest import valid_code

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
AS_OF = "2026-11-26"


def write_xlsx(path: Path, rows: list[list[Any]]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "培育库"
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def test_sample_variants_give_identical_results(rules: RuleSet) -> None:
    results = []
    doubtful = []
    for name in ("pool.xlsx", "pool_two_row.xlsx", "pool_long.xlsx", "pool.csv"):
        table = read_input(SAMPLES / name, rules, as_of=AS_OF)
        assessment = evaluate(table, rules, as_of=AS_OF)
        results.append(assessment.wide())
        doubtful.append({i.row for i in assessment.issues if i.code is IssueCode.AMBIGUOUS_PERCENT})
    # The workbooks write market shares as per cents under a （%） header: a share below 1 % among
    # larger ones is doubtful (it could be a fraction) and flagged; the CSV writes fractions.
    assert len(doubtful[0]) == len(doubtful[1]) == len(doubtful[2]) == 27
    assert not doubtful[3]
    for other in results[1:]:
        pd.testing.assert_frame_equal(
            results[0].drop(columns="flag.data_issue"), other.drop(columns="flag.data_issue")
        )
    assert len(results[0]) == 300


def test_headers_units_and_years(rules: RuleSet, tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "pool.xlsx",
        [
            [
                "统一社会信用代码",
                "企业名称",
                "2025年营业收入（万元）",
                "2024年营业收入(万元)",
                "研发费用（元）",
                "资产负债率(%)",
                "成立日期",
                "备注",
            ],
            [valid_code(1), "甲公司", 3000, 2500, 1_200_000, 55, 45000, "x"],
            [valid_code(2), "乙公司", "3,000", "", "1200000", "55%", "2020-02-30", None],
        ],
    )
    table = read_input(path, rules, as_of=AS_OF)
    assert table.headers["revenue_y2"] == "2024年营业收入(万元)"
    prepared = prepare(table, rules)
    assert prepared.columns["revenue_y1"].tolist() == [3000.0, 3000.0]
    assert prepared.columns["rd_expense_y1"].tolist() == [120.0, 120.0]  # 元 → 万元
    assert prepared.columns["debt_ratio_y1"].tolist() == [0.55, 0.55]  # (%) header and "55%"
    assert str(prepared.dates["established_on"][0])[:10] == "2023-03-15"  # an Excel day serial
    found = sorted((i.code.value, i.row, i.header) for i in prepared.issues)  # the reader's issues included
    assert found == [
        ("assumed_year", None, "研发费用（元）"),
        ("bad_date", 3, "成立日期"),
        ("unmapped_column", None, "备注"),
    ]


def test_two_row_header_and_long_format(rules: RuleSet, tmp_path: Path) -> None:
    two = write_xlsx(
        tmp_path / "two.xlsx",
        [
            [None, None, "2025年", None, "2024年", None],
            [
                "统一社会信用代码",
                "企业名称",
                "营业收入（万元）",
                "研发费用（万元）",
                "营业收入（万元）",
                "研发费用（万元）",
            ],
            [valid_code(1), "甲", 3000, 150, 2600, 130],
        ],
    )
    long = write_xlsx(
        tmp_path / "long.xlsx",
        [
            ["统一社会信用代码", "企业名称", "年度", "营业收入（万元）", "研发费用（万元）"],
            [valid_code(1), "甲", 2025, 3000, 150],
            [valid_code(1), "甲", "2024年", 2600, 130],
        ],
    )
    for path in (two, long):
        prepared = prepare(read_input(path, rules, as_of=AS_OF), rules)
        assert prepared.n == 1
        assert [
            prepared.columns[f][0] for f in ("revenue_y1", "rd_expense_y1", "revenue_y2", "rd_expense_y2")
        ] == [3000, 150, 2600, 130]
        assert prepared.issues == []


def test_four_problems_are_four_issues_and_every_firm_is_evaluated(rules: RuleSet, tmp_path: Path) -> None:
    bad_digit = valid_code(3)[:-1] + ("0" if valid_code(3)[-1] != "0" else "1")
    header = [
        "统一社会信用代码",
        "企业名称",
        "所属行业",
        "2025年从业人员（人）",
        "2025年营业收入（万元）",
        "主导产品细分市场占有率（%）",
    ]
    path = write_xlsx(
        tmp_path / "pool.xlsx",
        [
            header,
            [valid_code(1), "甲", "工业", 100, 3000, 12],
            [valid_code(2), "乙", "工业", 100, "三千万", 12],
            [bad_digit, "丙", "工业", 100, 3000, 12],
            [valid_code(1), "甲（重复）", "工业", 100, 3000, 12],
            [valid_code(5), "戊", "工业", 100, 3000, "120%"],
            [valid_code(6), "己", "工业", 100, 3000, 8],
        ],
    )
    assessment = evaluate(read_input(path, rules, as_of=AS_OF), rules, as_of=AS_OF)
    found = sorted((i.row or 0, i.code.value, i.header) for i in assessment.issues)
    assert found == [
        (3, "not_a_number", "2025年营业收入（万元）"),
        (4, "bad_check_digit", "统一社会信用代码"),
        (5, "duplicate_key", "统一社会信用代码"),
        (6, "out_of_range", "主导产品细分市场占有率（%）"),
    ]
    wide = assessment.wide()
    assert len(wide) == 6
    assert (wide["sme_size.status"] == "eligible").all()
    assert wide["flag.data_issue"].tolist() == [False, True, True, True, True, False]


def test_part_above_whole_and_ambiguous_percent(rules: RuleSet, tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "pool.xlsx",
        [
            [
                "统一社会信用代码",
                "2025年营业收入（万元）",
                "2025年主营业务收入（万元）",
                "2025年从业人员（人）",
                "2025年研发人员（人）",
                "资产负债率",
            ],
            [valid_code(1), 1000, 1200, 50, 60, 55],
            [valid_code(2), 1000, 900, 50, 20, 0.55],
        ],
    )
    prepared = prepare(read_input(path, rules, as_of=AS_OF), rules)
    found = sorted((i.row, i.code.value, i.severity.value) for i in prepared.issues)
    assert found == [
        (2, "ambiguous_percent", "warning"),
        (2, "main_above_revenue", "error"),
        (2, "staff_above_employees", "error"),
    ]
    assert prepared.columns["debt_ratio_y1"].tolist() == [0.55, 0.55]
    assert prepared.columns["main_revenue_y1"].tolist() == [1200, 900]  # kept, and flagged


def test_mapping_file(rules: RuleSet, tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "pool.xlsx",
        [["信用代码号", "上年营收（元）", "研发投入万"], [valid_code(1), 30_000_000, 150]],
    )
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(
        "columns:\n"
        "  信用代码号: credit_code\n"
        "  上年营收（元）: {field: revenue_y1, unit: 元}\n"
        "  研发投入万: rd_expense_y1\n",
        encoding="utf-8",
    )
    out = tmp_path / "r.csv"
    result = CliRunner().invoke(
        main, ["screen", str(path), "--as-of", AS_OF, "-o", str(out), "--mapping", str(mapping), "-q"]
    )
    assert result.exit_code == 0, result.output
    from eligibility.input.mapping import read_mapping

    prepared = prepare(read_input(path, rules, as_of=AS_OF, mapping=read_mapping(mapping)), rules)
    assert prepared.columns["revenue_y1"].tolist() == [3000.0]
    assert prepared.columns["rd_expense_y1"].tolist() == [150.0]


def test_credit_code_check_digit() -> None:
    codes = np.array(
        [valid_code(1), "91350100M000100Y43", "91350100M000100Y4X", "123", None, "91350100M000100Y4o"],
        dtype=object,
    )
    formed, checked = credit_code_valid(codes)
    assert formed.tolist() == [True, True, True, False, False, False]
    assert checked.tolist() == [True, True, False, False, False, False]


def test_output_workbook_snapshot(rules: RuleSet, tmp_path: Path) -> None:
    """A wording snapshot, on purpose: the reviewer's workbook of the sample as an officer reads it
    (sheet names, headings, status words, the summary's lines), written out in Chinese."""
    out = tmp_path / "筛查结果.xlsx"
    result = CliRunner().invoke(
        main, ["screen", str(SAMPLES / "pool.xlsx"), "--as-of", AS_OF, "-o", str(out), "-q"]
    )
    assert result.exit_code == 1  # the sample's deliberate input errors
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == [
        "汇总",
        "晋级候选",
        "临界企业",
        "退库风险",
        "升规候选",
        "企业规模",
        "全部明细",
        "数据问题",
        "规则说明",
    ]
    details = book["全部明细"]
    heads = [c.value for c in details[1]]
    assert heads[:7] == [
        "统一社会信用代码",
        "企业名称",
        "当前称号",
        "标记",
        "中小企业划型｜结论",
        "中小企业划型｜规模",
        "中小企业划型｜未满足条件与差距",
    ]
    assert details.freeze_panes == "A2"
    assert details.auto_filter.ref is not None
    table = read_input(SAMPLES / "pool.xlsx", rules, as_of=AS_OF)
    assessment = evaluate(table, rules, as_of=AS_OF)
    assert details.max_row == 1 + 300  # one row per firm
    first = [c.value for c in details[2]]
    assert first[0] == assessment.prepared.text["credit_code"][0]
    # Every tier has a status column, and tiers with a points table a score column; 中小企业划型 its
    # size class.
    points = [t for t in assessment.tiers if assessment.results[t].points is not None]
    assert len(heads) == 4 + 2 * len(assessment.tiers) + len(points) + 1
    srdi = heads.index("专精特新中小企业｜结论")
    statuses = [row[srdi] for row in details.iter_rows(min_row=2, values_only=True)]
    assert statuses.count("不符合") == assessment.summary()["tiers"]["srdi_sme"]["ineligible"] - 3
    assert statuses.count("不符合（临界未过）") == 3
    summary = book["汇总"]
    assert summary["A1"].value == "筛查完成：300 家企业，评估日期 2026-11-26，用途 新申报"
    # 数据问题: the 4 deliberately dirty firms and 27 market shares below 1 % among per cents.
    assert summary["A2"].value == "标记：晋级候选 191 家；退库风险 39 家；升规候选 6 家；数据问题 31 家"
    assert summary["A4"].value.startswith("企业规模（")  # the 300号 size classes counted
    assert [c.value for c in summary[6]][:3] == ["梯度", "规则集", "符合"]
    assert summary.freeze_panes == "A7"
    issues = book["数据问题"]
    listed = [[c.value for c in row][:3] for row in issues.iter_rows(min_row=2)]
    assert ["培育库", 19, "2025年营业收入（万元）"] in listed
    assert listed[0][:2] == ["培育库", 2]  # sorted by row: a market share of 0.75 among per cents
    # The name that starts with "=" is text, not a formula.
    names = [row[1] for row in details.iter_rows(min_row=2, values_only=True)]
    hyperlink = next(n for n in names if isinstance(n, str) and n.startswith("=HYPERLINK"))
    cell = next(c for c in details["B"] if c.value == hyperlink)
    assert cell.data_type == "s"


def test_workbook_written_atomically_and_input_untouched(rules: RuleSet, tmp_path: Path) -> None:
    table = read_input(SAMPLES / "pool.csv", rules, as_of=AS_OF)
    out = write_workbook(evaluate(table, rules, as_of=AS_OF), tmp_path / "r.xlsx", "en")
    assert openpyxl.load_workbook(out).sheetnames[0] == "Summary"
    assert not list(tmp_path.glob(".r*"))


def test_template_round_trip(rules: RuleSet, tmp_path: Path) -> None:
    path = tmp_path / "模板.xlsx"
    assert CliRunner().invoke(main, ["template", "-o", str(path)]).exit_code == 0
    book = openpyxl.load_workbook(path)
    sheet = book[text("template_sheet", "zh")]
    assert text("template_guide", "zh") in book.sheetnames
    assert len(sheet.data_validations.dataValidation) > 10
    sheet.append([valid_code(1), "甲公司", "工业"])
    book.save(path)
    table = read_input(path, rules, as_of=AS_OF)
    assert [i for i in table.issues if i.code is IssueCode.UNMAPPED_COLUMN] == []
    assert table.frame.shape[0] == 1


def test_unreadable_files(rules: RuleSet, tmp_path: Path) -> None:
    fake = tmp_path / "fake.xlsx"
    fake.write_text("这不是表格", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_input(fake, rules, as_of=AS_OF)
    assert caught.value.issues[0].code is IssueCode.UNREADABLE_FILE
    headerless = tmp_path / "numbers.csv"
    headerless.write_text("1,2,3\n4,5,6\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_input(headerless, rules, as_of=AS_OF)
    assert caught.value.issues[0].code is IssueCode.NO_HEADER
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes(
        f"统一社会信用代码,企业名称,2025年营业收入（万元）\n{valid_code(1)},甲公司,3000\n".encode("gbk")
    )
    table = read_input(gbk, rules, as_of=AS_OF)
    assert table.frame["name"].tolist() == ["甲公司"]
    assert all(i.severity is Severity.WARNING for i in table.issues)


def test_progress_bar_on_large_pools(tmp_path: Path) -> None:
    from eligibility.synthetic import synthetic_pool

    path = tmp_path / "big.csv"
    synthetic_pool(6000, seed=5).to_csv(path, index=False)
    out = tmp_path / "r.csv"
    shown = CliRunner().invoke(main, ["screen", str(path), "--as-of", AS_OF, "-o", str(out)])
    assert shown.exit_code == 0, shown.output
    assert text("stage_bar", "zh") in shown.stderr
    assert "3/3" in shown.stderr
    quiet = CliRunner().invoke(main, ["screen", str(path), "--as-of", AS_OF, "-o", str(out), "--quiet"])
    assert (quiet.exit_code, quiet.stderr, quiet.stdout) == (0, "", "")


def test_real_xls_reads_like_the_xlsx(rules: RuleSet, tmp_path: Path) -> None:
    """An old-format .xls (BIFF8, written by xlwt) gives the same results as the sample .xlsx."""
    import xlwt  # a dev dependency: the one writer of real .xls files

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("培育库")
    source = openpyxl.load_workbook(SAMPLES / "pool.xlsx").worksheets[0]
    for r, row in enumerate(source.iter_rows(values_only=True)):
        for c, value in enumerate(row):
            if value is not None:
                sheet.write(r, c, value.date().isoformat() if hasattr(value, "date") else value)
    path = tmp_path / "pool.xls"
    book.save(str(path))
    old = evaluate(read_input(path, rules, as_of=AS_OF), rules, as_of=AS_OF)
    new = evaluate(read_input(SAMPLES / "pool.xlsx", rules, as_of=AS_OF), rules, as_of=AS_OF)
    pd.testing.assert_frame_equal(old.wide(), new.wide())
    assert [(i.code, i.row) for i in old.issues] == [(i.code, i.row) for i in new.issues]
