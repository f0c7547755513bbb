"""Reading a 100,000-row pool workbook: our reader (calamine) beside pandas with openpyxl.

Run with ``make bench``. The workbook (18 columns with Chinese headers, like a county sheet) is made
once per session in a temporary folder.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from eligibility import load_rules, read_input
from eligibility.render.template import template_header
from eligibility.synthetic import synthetic_pool

ROWS = 100_000
RULES = load_rules()
COLUMNS = [
    "credit_code",
    "name",
    "industry",
    "employees_y1",
    "revenue_y1",
    "revenue_y2",
    "main_revenue_y1",
    "main_revenue_y2",
    "main_revenue_y3",
    "rd_expense_y1",
    "rd_expense_y2",
    "net_profit_y1",
    "total_assets_y1",
    "total_liabilities_y1",
    "rd_staff_y1",
    "niche_years",
    "ip_class1",
    "current_tier",
]


@pytest.fixture(scope="session")
def workbook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pool = synthetic_pool(ROWS, seed=3)[COLUMNS]
    pool.columns = [template_header(RULES.fields[c]) for c in COLUMNS]
    path = tmp_path_factory.mktemp("read") / "pool_100k.xlsx"
    with pd.ExcelWriter(
        path, engine="xlsxwriter", engine_kwargs={"options": {"constant_memory": True}}
    ) as writer:
        pool.to_excel(writer, index=False)
    return path


def test_read_input_calamine(benchmark: Any, workbook: Path) -> None:
    benchmark.group = "read 100,000-row workbook"
    table = benchmark.pedantic(
        lambda: read_input(workbook, RULES, as_of="2026-11-26"), rounds=3, iterations=1
    )
    assert len(table.frame) == ROWS
    assert not [i for i in table.issues if i.code.value == "unmapped_column"]


def test_pandas_openpyxl(benchmark: Any, workbook: Path) -> None:
    benchmark.group = "read 100,000-row workbook"
    frame = benchmark.pedantic(
        lambda: pd.read_excel(workbook, engine="openpyxl", dtype=object), rounds=1, iterations=1
    )
    assert len(frame) == ROWS
