"""Spreadsheets of 100,000 rows: each available reader and writer, and the whole screening of a
100,000-row workbook (read, evaluate, write the reviewer's workbook) beside the pandas-default path.

Run with ``make bench``. The input workbook (18 columns with Chinese headers, like a county sheet) is
made once per session in a temporary folder.
"""

from __future__ import annotations

import functools
import importlib.util
import math
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import rustpy_xlsxwriter
import xlsxwriter

from benchmarks.bigfiles import USUAL
from benchmarks.conftest import record
from eligibility import evaluate, load_rules, read_input
from eligibility.render.tables import Tables
from eligibility.render.template import template_header
from eligibility.render.workbook import write_workbook
from eligibility.synthetic import synthetic_pool

ROWS = 100_000
RULES = load_rules()
AS_OF = "2026-11-26"
COLUMNS = USUAL  # the columns a county sheet usually keeps
READ = f"read a {ROWS:,}-row workbook (18 columns)"
WRITE = f"write a {ROWS:,}-row table (18 columns)"
SCREEN = f"screen a {ROWS:,}-row workbook end to end"


@functools.cache
def table() -> pd.DataFrame:
    pool = synthetic_pool(ROWS, seed=3)[COLUMNS]
    pool.columns = [template_header(RULES.fields[c]) for c in COLUMNS]
    return pool


@pytest.fixture(scope="session")
def workbook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("read") / "pool_100k.xlsx"
    rustpy_xlsxwriter.write_worksheet(table(), str(path), sheet_name="培育库")
    check = read_input(path, RULES, as_of=AS_OF)
    assert check.frame["revenue_y1"].notna().sum() > ROWS * 0.9  # every row really written
    return path


# -- readers -----------------------------------------------------------------------------------


def test_read_ours_calamine(benchmark: Any, workbook: Path) -> None:
    benchmark.group = READ
    result = benchmark.pedantic(lambda: read_input(workbook, RULES, as_of=AS_OF), rounds=3, iterations=1)
    assert len(result.frame) == ROWS
    assert not [i for i in result.issues if i.code.value == "unmapped_column"]
    record(benchmark, READ, "engine: read_input (calamine cells, headers mapped)", ROWS)


def test_read_pandas_openpyxl(benchmark: Any, workbook: Path) -> None:
    benchmark.group = READ
    frame = benchmark.pedantic(lambda: pd.read_excel(workbook, engine="openpyxl"), rounds=1, iterations=1)
    assert len(frame) == ROWS
    record(benchmark, READ, "pandas.read_excel (openpyxl, the default)", ROWS)


def test_read_pandas_calamine(benchmark: Any, workbook: Path) -> None:
    benchmark.group = READ
    frame = benchmark.pedantic(lambda: pd.read_excel(workbook, engine="calamine"), rounds=3, iterations=1)
    assert len(frame) == ROWS
    record(benchmark, READ, "pandas.read_excel (calamine)", ROWS)


@pytest.mark.skipif(importlib.util.find_spec("fastexcel") is None, reason="fastexcel not installed")
def test_read_fastexcel(benchmark: Any, workbook: Path) -> None:
    import fastexcel

    benchmark.group = READ
    frame = benchmark.pedantic(
        lambda: fastexcel.read_excel(str(workbook)).load_sheet(0).to_pandas(), rounds=3, iterations=1
    )
    assert len(frame) == ROWS
    record(benchmark, READ, "fastexcel → pandas (Arrow, no header mapping)", ROWS)


# -- writers -----------------------------------------------------------------------------------


def test_write_rustpy(benchmark: Any, tmp_path: Path) -> None:
    benchmark.group = WRITE
    target = tmp_path / "rustpy.xlsx"
    benchmark.pedantic(
        lambda: rustpy_xlsxwriter.write_worksheet(table(), str(target)), rounds=3, iterations=1
    )
    record(benchmark, WRITE, "engine: rustpy-xlsxwriter (Rust)", ROWS)


def test_write_xlsxwriter_direct(benchmark: Any, tmp_path: Path) -> None:
    benchmark.group = WRITE
    target = tmp_path / "direct.xlsx"
    frame = table()

    def run() -> None:
        book = xlsxwriter.Workbook(str(target), {"constant_memory": True, "nan_inf_to_errors": True})
        sheet = book.add_worksheet()
        sheet.write_row(0, 0, list(frame.columns))
        for r, row in enumerate(frame.itertuples(index=False), start=1):  # row order: constant memory
            sheet.write_row(r, 0, [None if isinstance(v, float) and math.isnan(v) else v for v in row])
        book.close()

    benchmark.pedantic(run, rounds=1, iterations=1)
    record(benchmark, WRITE, "xlsxwriter called directly", ROWS)


def test_write_pandas_xlsxwriter(benchmark: Any, tmp_path: Path) -> None:
    benchmark.group = WRITE
    target = tmp_path / "pandas_xlsxwriter.xlsx"
    benchmark.pedantic(
        lambda: table().to_excel(target, engine="xlsxwriter", index=False), rounds=1, iterations=1
    )
    record(benchmark, WRITE, "pandas.to_excel (xlsxwriter)", ROWS)


def test_write_pandas_openpyxl(benchmark: Any, tmp_path: Path) -> None:
    benchmark.group = WRITE
    target = tmp_path / "pandas_openpyxl.xlsx"
    benchmark.pedantic(
        lambda: table().to_excel(target, engine="openpyxl", index=False), rounds=1, iterations=1
    )
    record(benchmark, WRITE, "pandas.to_excel (openpyxl, the default)", ROWS)


# -- the whole screening -------------------------------------------------------------------------


def test_screen_end_to_end(benchmark: Any, workbook: Path, tmp_path: Path) -> None:
    benchmark.group = SCREEN
    target = tmp_path / "筛查结果.xlsx"

    def run() -> None:
        assessment = evaluate(read_input(workbook, RULES, as_of=AS_OF), RULES, as_of=AS_OF)
        write_workbook(assessment, target)

    benchmark.pedantic(run, rounds=3, iterations=1)
    record(benchmark, SCREEN, "engine: read_input → evaluate → write_workbook", ROWS)


def test_screen_pandas_defaults(benchmark: Any, workbook: Path, tmp_path: Path) -> None:
    """The same sheets through pandas defaults: read_excel (openpyxl), evaluate, to_excel (openpyxl)."""
    benchmark.group = SCREEN
    target = tmp_path / "pandas.xlsx"

    def run() -> None:
        frame = pd.read_excel(workbook, engine="openpyxl")
        headers = {template_header(RULES.fields[c]): c for c in COLUMNS}
        frame = frame.rename(columns=headers)
        tables = Tables(evaluate(frame, RULES, as_of=AS_OF))
        with pd.ExcelWriter(target, engine="openpyxl") as writer:
            for name, sheet in (
                ("晋级候选", tables.promotion()),
                ("临界企业", tables.borderline()),
                ("退库风险", tables.at_risk()),
                ("升规候选", tables.scale_up()),
                ("全部明细", tables.firms()),
            ):
                sheet.to_excel(writer, sheet_name=name, index=False)

    benchmark.pedantic(run, rounds=1, iterations=1)
    record(benchmark, SCREEN, "pandas defaults: read_excel → evaluate → to_excel", ROWS)
