"""A formula whose result the file does not hold reads blank: the reader says so, at its row and field.

Programs that export sheets without calculating them (openpyxl among them) write ``<f>`` without a
``<v>``; Excel shows the figure once it recalculates, so the officer sees a value that we would read as
missing. A formula saved with its value (as Excel and xlsxwriter write it) is read as that value.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import xlsxwriter

from eligibility import load_rules, read_input
from eligibility.errors import IssueCode, Severity

rules = load_rules()
HEADERS = [
    "序号",
    "企业名称",
    "统一社会信用代码",
    "2025年营业收入（万元）",
    "2025年研发费用（万元）",
    "研发费用占比（%）",
]


def test_a_formula_without_its_value_is_reported_where_it_is(tmp_path: Path) -> None:
    path = tmp_path / "导出.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "培育库"
    sheet.append(HEADERS)
    sheet.append([1, "晋城市泽丰机械有限公司", "91140500000000101D", 3000, 150, "=E2/D2*100"])
    sheet.append([2, '=CONCATENATE("泽州县","恒泰精密铸造有限公司")', "91140500000000102G", 2000, 90, 4.5])
    sheet.append(["合计", None, None, "=SUM(D2:D3)", "=SUM(E2:E3)", None])  # not a firm: not reported
    book.save(path)
    table = read_input(path, rules)
    found = sorted((i.row, i.field) for i in table.issues if i.code is IssueCode.FORMULA_WITHOUT_VALUE)
    assert found == [(2, "rd_ratio_y1"), (3, "name")]
    assert all(
        i.severity is Severity.WARNING and i.sheet == "培育库"
        for i in table.issues
        if i.code is IssueCode.FORMULA_WITHOUT_VALUE
    )
    assert len(table.frame) == 2  # both firms kept, the blank read as missing
    assert table.frame["rd_ratio_y1"].tolist()[1] == 4.5


def test_a_formula_saved_with_its_value_is_read_as_that_value(tmp_path: Path) -> None:
    path = tmp_path / "已计算.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("培育库")
    sheet.write_row(0, 0, HEADERS)
    sheet.write_row(1, 0, [1, "晋城市泽丰机械有限公司", "91140500000000101D", 3000, 150])
    sheet.write_formula(1, 5, "=E2/D2*100", None, 5.0)
    book.close()
    table = read_input(path, rules)
    assert not [i for i in table.issues if i.code is IssueCode.FORMULA_WITHOUT_VALUE]
    assert table.frame["rd_ratio_y1"].tolist() == [5.0]
