"""County-style pool workbooks, drawn by hand the way a county SME office draws them.

Nothing here comes from the project's own generators: titles over the table, 填报单位 lines, 序号,
merged key columns, a year row over a metric row, 合计 and 注 rows, titles and dates as officers type
them, a percent-formatted cell, a fraction typed into a per-cent column. Each builder returns the path
and what a person reading the sheet would say every firm is.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
from openpyxl.styles import Alignment, Font

from tests.conftest import valid_code


@dataclass
class Firm:
    """What the officer's sheet says of one firm, as a person reads it."""

    row: int
    name: str
    code: str
    title: str | None  # the ladder title held at the assessment date (tier id), None for none
    expires: str | None = None  # ISO date as derived or read; "9999-12-31" for 长期
    hnte: float | None = None  # hnte_valid: 1.0, 0.0 or None (not said)
    industry: str | None = None  # industry id
    township: str | None = None
    officer: str | None = None
    extra: dict[str, float] = field(default_factory=dict)


@dataclass
class County:
    path: Path
    sheet: str
    firms: list[Firm]
    skipped: dict[int, str]  # row → issue code (skipped_row / blank_row)
    issues: set[tuple[str, int | None]]  # (code, row) that must be listed


def _title_rows(sheet: openpyxl.worksheet.worksheet.Worksheet, width: int, title: str) -> None:
    sheet.cell(1, 1, title).font = Font(bold=True, size=16)
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    sheet.cell(2, 1, "填报单位（盖章）：泽州县中小企业发展促进中心　　　　　　　填报日期：2026年10月")
    sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)


def zezhou_one_row(path: Path) -> County:
    """One header row under a merged title and a 填报单位 line; 序号; a merged 所属行业 over five firms;
    a blank row inside; a 合计 row, a 注 line and a 填表人 line below the table."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "培育库"
    header = [
        "序号",
        "企业名称",
        "统一社会信用代码",
        "所属行业",
        "乡镇",
        "现有称号",
        "称号认定时间",
        "称号有效期至",
        "是否高新技术企业",
        "2025年营业收入（万元）",
        "2024年营业收入（万元）",
        "2025年研发费用（万元）",
        "资产负债率（%）",
        "研发费用占营业收入比重（%）",
        "从业人员（人）",
        "服务专员",
    ]
    _title_rows(sheet, len(header), "泽州县2026年优质中小企业梯度培育库")
    for col, text in enumerate(header, start=1):
        sheet.cell(3, col, text).alignment = Alignment(wrap_text=True)
    rows: list[list[object]] = [
        # 序号, name, code, industry, township, title, awarded, expires, hnte,
        # rev25, rev24, rd25, debt, rd%, staff, officer
        [
            1,
            "晋城市泽丰机械有限公司",
            valid_code(101),
            "工业",
            "巴公镇",
            "省级专精特新",
            "2024.5.8",
            None,
            "是",
            8600,
            7900,
            420,
            48.6,
            4.9,
            210,
            "王建军",
        ],
        [
            2,
            "泽州县恒泰精密铸造有限公司",
            valid_code(102),
            None,
            "巴公镇",
            "国家级专精特新“小巨人”企业",
            None,
            "2027年6月30日",
            "否",
            21000,
            18000,
            900,
            52.3,
            4.3,
            430,
            "王建军",
        ],
        [
            3,
            "山西鑫海新材料有限公司",
            valid_code(103),
            None,
            "北义城镇",
            "专精特新中小企业",
            "2015年3月12日",
            None,
            "是",
            5200,
            4800,
            190,
            0.385,
            3.7,
            96,
            "李红梅",
        ],
        [
            4,
            "泽州县兴旺农机配件厂",
            valid_code(104),
            None,
            "北义城镇",
            "市级专精特新",
            None,
            None,
            "否",
            1500,
            1400,
            30,
            61.0,
            2.0,
            45,
            "李红梅",
        ],
        [
            5,
            "晋城宏达智能装备有限公司",
            valid_code(105),
            None,
            "南村镇",
            "创新型",
            None,
            "长期有效",
            "是",
            3100,
            2600,
            150,
            39.5,
            None,
            88,
            "赵志刚",
        ],
        [None] * 16,
        [
            6,
            "泽州县金鼎软件技术有限公司",
            valid_code(106),
            "软件和信息技术服务业",
            "南村镇",
            "入库科技型中小企业",
            None,
            "9999-12-31",
            None,
            1200,
            900,
            260,
            35.0,
            21.7,
            60,
            "赵志刚",
        ],
        [
            7,
            "晋城市天泽电子科技有限公司",
            valid_code(107),
            "工业",
            "金村镇",
            None,
            None,
            None,
            "否",
            2300,
            2100,
            70,
            105.0,
            3.0,
            75,
            "赵志刚",
        ],
        [None, "合计", None, None, None, None, None, None, None, 42900, 37700, 2020, None, None, 1004, None],
        ["注：1.本表数据由企业填报，乡镇（街道）初审；2.金额单位为万元。"] + [None] * 15,
        ["填表人：张三　　　审核人：李四　　　联系电话：0356-1234567"] + [None] * 15,
    ]
    for r, values in enumerate(rows, start=4):
        for c, value in enumerate(values, start=1):
            if value is not None:
                sheet.cell(r, c, value)
    sheet.merge_cells("D4:D8")  # 所属行业 drawn once over the first five firms
    sheet.merge_cells("B12:C12")  # 合计 over name and code
    sheet.merge_cells("A13:P13")
    sheet.merge_cells("A14:P14")
    # Firm 4's R&D ratio typed as a percent-formatted cell: Excel shows 2.0%, the cell holds 0.02.
    sheet["N7"] = 0.02
    sheet["N7"].number_format = "0.0%"
    # A date cell for firm 7's expiry: none given, 称号 blank anyway. Firm 1 awarded 2023.5.8.
    book.save(path)
    firms = [
        Firm(
            4,
            "晋城市泽丰机械有限公司",
            valid_code(101),
            "srdi_sme",
            "2027-05-08",
            1.0,
            "industrial",
            "巴公镇",
            "王建军",
        ),
        Firm(
            5,
            "泽州县恒泰精密铸造有限公司",
            valid_code(102),
            "little_giant",
            "2027-06-30",
            0.0,
            "industrial",
            "巴公镇",
            "王建军",
        ),
        # Awarded 2015-03-12 + 3 years = 2018-03-12: expired, so no title is held now.
        Firm(
            6,
            "山西鑫海新材料有限公司",
            valid_code(103),
            None,
            "2018-03-12",
            1.0,
            "industrial",
            "北义城镇",
            "李红梅",
            {"debt_ratio_y1": 0.00385},
        ),
        Firm(
            7,
            "泽州县兴旺农机配件厂",
            valid_code(104),
            None,
            None,
            0.0,
            "industrial",
            "北义城镇",
            "李红梅",
            {"rd_ratio_y1": 0.02},
        ),
        Firm(
            8,
            "晋城宏达智能装备有限公司",
            valid_code(105),
            "innovative_sme",
            "9999-12-31",
            1.0,
            "industrial",
            "南村镇",
            "赵志刚",
        ),
        Firm(
            10,
            "泽州县金鼎软件技术有限公司",
            valid_code(106),
            "tech_sme",
            "9999-12-31",
            None,
            "software_it",
            "南村镇",
            "赵志刚",
            {"rd_ratio_y1": 0.217, "debt_ratio_y1": 0.35},
        ),
        Firm(
            11,
            "晋城市天泽电子科技有限公司",
            valid_code(107),
            None,
            None,
            0.0,
            "industrial",
            "金村镇",
            "赵志刚",
            {"debt_ratio_y1": 1.05},
        ),
    ]
    return County(
        path,
        "培育库",
        firms,
        skipped={9: "blank_row", 12: "skipped_row", 13: "skipped_row", 14: "skipped_row"},
        issues={
            ("ambiguous_percent", 6),  # 0.385 among 48.6-style per cents
            ("not_a_ladder_title", 7),  # 市级专精特新
            ("derived_expiry", 4),
            ("derived_expiry", 6),
            ("unusual_value", 11),  # 资产负债率 105 %
        },
    )


def two_row_header(path: Path) -> County:
    """A year row over a metric row; 企业名称 / 统一社会信用代码 / 所属行业 merged vertically over both
    header rows, as county offices draw them; 小计 and 总计 rows; dates in several spellings."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Sheet1"
    _title_rows(sheet, 11, "高平市专精特新企业培育库（2026年）")
    top: list[object] = [
        "企业名称",
        "统一社会信用代码",
        "所属行业",
        "当前梯度",
        "称号有效期至",
        "成立日期",
        "2025年",
        None,
        None,
        "2024年",
        None,
    ]
    bottom: list[object] = [
        None,
        None,
        None,
        None,
        None,
        None,
        "营业收入（万元）",
        "研发费用（万元）",
        "从业人员",
        "营业收入（万元）",
        "研发费用（万元）",
    ]
    for c, value in enumerate(top, start=1):
        if value is not None:
            sheet.cell(3, c, value)
    for c, value in enumerate(bottom, start=1):
        if value is not None:
            sheet.cell(4, c, value)
    for col in "ABCDEF":
        sheet.merge_cells(f"{col}3:{col}4")
    sheet.merge_cells("G3:I3")
    sheet.merge_cells("J3:K3")
    data: list[list[object]] = [
        [
            "高平市华晟精工有限公司",
            valid_code(201),
            "工业",
            "专精特新",
            "2027-5-8",
            "2012年7月",
            6100,
            330,
            150,
            5400,
            280,
        ],
        [
            "高平市瑞通物流有限公司",
            valid_code(202),
            "交通运输业",
            None,
            None,
            "20180315",
            2600,
            10,
            120,
            2500,
            8,
        ],
        ["小计", None, None, None, None, None, 8700, 340, 270, 7900, 288],
        [
            "山西高平星火电气有限公司",
            valid_code(203),
            "工业",
            "国家级小巨人",
            dt.date(2028, 12, 31),
            "08/05/2011",
            15000,
            700,
            380,
            13500,
            640,
        ],
        ["总计", None, None, None, None, None, 23700, 1040, 650, 21400, 928],
    ]
    for r, values in enumerate(data, start=5):
        for c, value in enumerate(values, start=1):
            if value is not None:
                sheet.cell(r, c, value)
    book.save(path)
    firms = [
        Firm(
            5,
            "高平市华晟精工有限公司",
            valid_code(201),
            "srdi_sme",
            "2027-05-08",
            None,
            "industrial",
            extra={"revenue_y1": 6100, "rd_expense_y2": 280, "employees_y1": 150},
        ),
        Firm(
            6,
            "高平市瑞通物流有限公司",
            valid_code(202),
            None,
            None,
            None,
            "transport",
            extra={"revenue_y2": 2500},
        ),
        Firm(
            8,
            "山西高平星火电气有限公司",
            valid_code(203),
            "little_giant",
            "2028-12-31",
            None,
            "industrial",
            extra={"revenue_y1": 15000, "revenue_y2": 13500},
        ),
    ]
    return County(
        path,
        "Sheet1",
        firms,
        skipped={7: "skipped_row", 9: "skipped_row"},
        issues={("ambiguous_date", 8)},  # 08/05/2011
    )


def titles_in_one_cell(path: Path) -> County:
    """A workbook whose first sheet is a 填表说明 page without a header and whose second is hidden;
    the pool has several titles in one cell and 称号认定时间 / 认定年份 instead of an expiry."""
    book = openpyxl.Workbook()
    notes = book.active
    assert notes is not None
    notes.title = "填表说明"
    notes["A1"] = "填表说明"
    notes["A2"] = "1. 请按企业实际情况填写；2. 称号可填写多个，用顿号分隔。"
    hidden = book.create_sheet("数据源")
    hidden.sheet_state = "hidden"
    hidden.append(["企业名称", "统一社会信用代码"])
    hidden.append(["隐藏表中的企业", valid_code(399)])
    sheet = book.create_sheet("企业名单")
    sheet.append(
        [
            "企业名称",
            "统一社会信用代码",
            "企业称号",
            "认定年份",
            "高新技术企业（是/否）",
            "所属行业",
            "包联干部",
            "所在乡镇（街道）",
        ]
    )
    sheet.append(
        [
            "陵川县太行药业有限公司",
            valid_code(301),
            "高新技术企业、专精特新",
            2024,
            None,
            "工业",
            "陈晓东",
            "崇文镇",
        ]
    )
    sheet.append(
        [
            "陵川县云端数据服务有限公司",
            valid_code(302),
            "科技型中小企业，创新型中小企业",
            "2025年",
            "否",
            "软件和信息技术服务业",
            "陈晓东",
            "崇文镇",
        ]
    )
    sheet.append(
        [
            "陵川县锦程矿山机械厂",
            valid_code(303),
            "国家级专精特新「小巨人」企业 / 高新技术企业",
            "2024年6月",
            None,
            "工业",
            "孙丽",
            "礼义镇",
        ]
    )
    sheet.append(
        [
            "陵川县新源农业科技有限公司",
            valid_code(304),
            "省级小巨人培育",
            None,
            "是",
            "农、林、牧、渔业",
            "孙丽",
            "礼义镇",
        ]
    )
    sheet.append(
        ["陵川县晋东建材有限公司", valid_code(305), "专精特新", None, None, "工业", "孙丽", "礼义镇"]
    )
    book.save(path)
    firms = [
        # 认定年份 2024 with nothing finer: the year's first day (conservative), + 3 years.
        Firm(
            2,
            "陵川县太行药业有限公司",
            valid_code(301),
            "srdi_sme",
            "2027-01-01",
            1.0,
            "industrial",
            "崇文镇",
            "陈晓东",
        ),
        Firm(
            3,
            "陵川县云端数据服务有限公司",
            valid_code(302),
            "innovative_sme",  # 科技型 and 创新型 are of one rank: the one valid longer (3 years) is kept
            "2028-01-01",
            0.0,
            "software_it",
            "崇文镇",
            "陈晓东",
        ),
        Firm(
            4,
            "陵川县锦程矿山机械厂",
            valid_code(303),
            "little_giant",
            "2027-06-01",
            1.0,
            "industrial",
            "礼义镇",
            "孙丽",
        ),
        Firm(
            5, "陵川县新源农业科技有限公司", valid_code(304), None, None, 1.0, "agriculture", "礼义镇", "孙丽"
        ),
        Firm(
            6,
            "陵川县晋东建材有限公司",
            valid_code(305),
            "srdi_sme",
            None,
            None,
            "industrial",
            "礼义镇",
            "孙丽",
        ),
    ]
    return County(
        path,
        "企业名单",
        firms,
        skipped={},
        issues={
            ("sheet_chosen", None),
            ("derived_expiry", 2),
            ("derived_expiry", 3),
            ("derived_expiry", 4),
            ("not_a_ladder_title", 5),
            ("blank_expiry", 6),
        },
    )


def county_xls(path: Path) -> County:
    """The same drawing saved as an old ``.xls`` (BIFF8): a merged 所属行业 and a 合计 row."""
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("培育库")
    sheet.write_merge(0, 0, 0, 5, "阳城县培育库")
    for c, text in enumerate(
        ["序号", "企业名称", "统一社会信用代码", "所属行业", "现有称号", "2025年营业收入（万元）"]
    ):
        sheet.write(1, c, text)
    sheet.write_merge(2, 4, 3, 3, "工业")
    for r, (name, code, title, revenue) in enumerate(
        [
            ("阳城县瑞丰陶瓷有限公司", valid_code(401), "专精特新企业", 3300),
            ("阳城县中科光电有限公司", valid_code(402), '专精特新"小巨人"', 12000),
            ("阳城县恒信铸管有限公司", valid_code(403), None, 2100),
        ],
        start=2,
    ):
        sheet.write(r, 0, r - 1)
        sheet.write(r, 1, name)
        sheet.write(r, 2, code)
        if title:
            sheet.write(r, 4, title)
        sheet.write(r, 5, revenue)
    sheet.write(5, 0, "合计")
    sheet.write(5, 5, 17400)
    book.save(str(path))
    firms = [
        Firm(
            3,
            "阳城县瑞丰陶瓷有限公司",
            valid_code(401),
            "srdi_sme",
            None,
            None,
            "industrial",
            extra={"revenue_y1": 3300},
        ),
        Firm(4, "阳城县中科光电有限公司", valid_code(402), "little_giant", None, None, "industrial"),
        Firm(5, "阳城县恒信铸管有限公司", valid_code(403), None, None, None, "industrial"),
    ]
    return County(
        path, "培育库", firms, skipped={6: "skipped_row"}, issues={("blank_expiry", 3), ("blank_expiry", 4)}
    )


BUILDERS = {
    "zezhou_one_row.xlsx": zezhou_one_row,
    "two_row_header.xlsx": two_row_header,
    "titles_in_one_cell.xlsx": titles_in_one_cell,
    "county.xls": county_xls,
}
