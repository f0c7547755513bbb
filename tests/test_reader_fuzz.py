"""Fuzzing the reader: random cells, random header rows, random bytes posing as spreadsheets.

The only acceptable outcomes are a result (with issues) or a clear InputError.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eligibility import InputError, evaluate, load_rules, read_input

RULES = load_rules()
AS_OF = "2026-11-26"
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "40"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])

KNOWN = [
    "统一社会信用代码",
    "企业名称",
    "所属行业",
    "2025年营业收入（万元）",
    "研发费用(元)",
    "资产负债率(%)",
    "成立日期",
    "当前梯度",
    "年度",
    "2024年",
    "从业人员（人）",
    "主导产品细分市场占有率（%）",
    "是否列入经营异常名录",
    "经营异常名录",
]
TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs")), max_size=12)
CELL = st.one_of(
    st.none(),
    TEXT,
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.sampled_from(
        ["", "是", "否", "3%", "1,000", "2020-02-30", "45000", "NaN", "inf", "=1+1", "约5000", "工业"]
    ),
    st.booleans(),
)
HEADER = st.one_of(st.sampled_from(KNOWN), TEXT, st.none())


def run(path: Path) -> None:
    problems = None
    try:
        table = read_input(path, RULES, as_of=AS_OF)
    except InputError as error:  # the one acceptable failure; anything else fails the test
        problems = error.issues
    if problems is not None:
        assert problems
        return
    assessment = evaluate(table, RULES, as_of=AS_OF)
    assert assessment.n == len(table.frame)
    assessment.wide()


@SETTINGS
@given(
    above=st.lists(HEADER, max_size=8),
    header=st.lists(HEADER, min_size=1, max_size=8),
    rows=st.lists(st.lists(CELL, max_size=8), max_size=6),
    as_csv=st.booleans(),
)
def test_random_sheets(above: list[Any], header: list[Any], rows: list[list[Any]], as_csv: bool) -> None:
    with tempfile.TemporaryDirectory() as folder:
        grid = [above, header, *rows] if above else [header, *rows]
        if as_csv:
            path = Path(folder) / "pool.csv"
            lines = [
                ",".join("" if c is None else str(c).replace(",", " ").replace("\n", " ") for c in row)
                for row in grid
            ]
            path.write_text("\n".join(lines), encoding="utf-8")
        else:
            path = Path(folder) / "pool.xlsx"
            book = openpyxl.Workbook()
            sheet = book.active
            assert sheet is not None
            for row in grid:
                sheet.append(row)
            book.save(path)
        run(path)


@SETTINGS
@given(
    raw=st.binary(max_size=2000),
    suffix=st.sampled_from([".xlsx", ".xls", ".csv", ".parquet"]),
    zipped=st.booleans(),
)
def test_random_bytes(raw: bytes, suffix: str, zipped: bool) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"pool{suffix}"
        # Bytes that start like a zip (as .xlsx files do) reach deeper into the reader.
        path.write_bytes((b"PK\x03\x04" + raw) if zipped else raw)
        run(path)
