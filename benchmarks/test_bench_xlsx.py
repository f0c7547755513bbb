"""The ``.xlsx`` goal rows of issue 17: a county-sized workbook screened by ``eligibility screen`` as
its own process (minimum of 3 runs; peak resident memory of the process from ``wait4``), into the
reviewer's workbook, and into the workbook and the HTML report (whose size is a goal too).

The input workbooks (100,000 firms with Chinese headers like ``samples/pool.xlsx``: the 18 columns a
county sheet usually keeps, and all 60 of the catalogue) are made once in ``/tmp/eligibility-bench``
(``benchmarks/bigfiles.py``); ``ELIGIBILITY_BENCH_XLSX_FIRMS`` sets another size.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from benchmarks.bigfiles import xlsx_files
from benchmarks.conftest import goal
from benchmarks.test_bench_files import _best, _screen

FIRMS = int(os.environ.get("ELIGIBILITY_BENCH_XLSX_FIRMS", "100000"))
SIZE = f"{FIRMS // 1000}k" if FIRMS % 1000 == 0 else f"{FIRMS:,}"


@pytest.fixture(scope="module")
def workbooks() -> tuple[Path, Path]:
    return xlsx_files(FIRMS)


def test_xlsx_to_workbook(workbooks: tuple[Path, Path], tmp_path: Path) -> None:
    seconds, peak = _best(_screen(workbooks[0], tmp_path / "筛查结果.xlsx"))
    goal(f"{SIZE}-row .xlsx → reviewer's workbook", seconds, peak, 4.0)


def test_xlsx_to_workbook_and_report(workbooks: tuple[Path, Path], tmp_path: Path) -> None:
    report = tmp_path / "报告.html"
    seconds, peak = _best([*_screen(workbooks[0], tmp_path / "筛查结果.xlsx"), "--html", str(report)])
    size = report.stat().st_size / 1e6
    goal(f"{SIZE}-row .xlsx → workbook + HTML report", seconds, peak, 6.0)
    goal("  its HTML report, MB", size, None, 30.0, unit="MB")


def test_xlsx_all_columns_to_workbook(workbooks: tuple[Path, Path], tmp_path: Path) -> None:
    seconds, peak = _best(_screen(workbooks[1], tmp_path / "筛查结果.xlsx"))
    goal(f"{SIZE}-row .xlsx, all 60 columns → reviewer's workbook", seconds, peak, 6.0)
