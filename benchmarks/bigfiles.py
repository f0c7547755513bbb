"""The national-scale input files of the file-to-file benchmarks, made once in a scratch folder (never
in the repository): the synthetic pool with Chinese headers (units, year labels, Chinese category
names, as ``samples/make_samples.py`` writes the sample) as CSV and as Parquet, and as ``.xlsx``
workbooks of a county's size — the 18 columns a county sheet usually has, and all 60 of the catalogue.

``python -m benchmarks.bigfiles [FOLDER] [FIRMS]`` writes ``pool_{FIRMS}.csv`` and ``.parquet``
(default ``/tmp/eligibility-bench``, 1,000,000 firms), ``python -m benchmarks.bigfiles --xlsx [FOLDER]
[FIRMS]`` the two workbooks (100,000 firms); a file already there is kept.
:func:`pool_parts` cuts the Parquet file into equal parts in a folder, as a partitioned pool.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import rustpy_xlsxwriter

from eligibility.synthetic import synthetic_pool

FOLDER = Path("/tmp/eligibility-bench")
# The columns a county sheet usually keeps (also those of benchmarks/test_bench_read.py).
USUAL = [
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


def chinese_frame(firms: int, seed: int = 20261126) -> pd.DataFrame:
    """``firms`` synthetic firms under the headers of the sample workbook (as of 2026)."""
    from samples.make_samples import chinese

    frame, columns = chinese(synthetic_pool(firms, seed=seed))
    frame.columns = [f"{year}{header}" if year else header for header, year, _ in columns.values()]
    return frame


def chinese_pool(firms: int, seed: int = 20261126) -> pa.Table:
    """``firms`` synthetic firms under the headers of the sample workbook, as an Arrow table."""
    return pa.Table.from_pandas(chinese_frame(firms, seed), preserve_index=False)


def pool_files(firms: int = 1_000_000, folder: Path = FOLDER) -> tuple[Path, Path]:
    """The CSV and Parquet files of ``firms`` firms, written when missing."""
    folder.mkdir(parents=True, exist_ok=True)
    csv_path, parquet_path = folder / f"pool_{firms}.csv", folder / f"pool_{firms}.parquet"
    if not (csv_path.exists() and parquet_path.exists()):
        table = chinese_pool(firms)
        pacsv.write_csv(table, csv_path, pacsv.WriteOptions(quoting_style="needed"))
        pq.write_table(table, parquet_path, row_group_size=131_072)
    return csv_path, parquet_path


def xlsx_files(firms: int = 100_000, folder: Path = FOLDER) -> tuple[Path, Path]:
    """Two workbooks of ``firms`` firms (sheet 培育库, Chinese headers, the sample's cell values): the
    18 usual columns and all 60 of the catalogue, written by rustpy-xlsxwriter when missing, with the
    text in a shared-string table as Excel and WPS save it."""
    folder.mkdir(parents=True, exist_ok=True)
    usual_path, wide_path = folder / f"pool_{firms}_usual.xlsx", folder / f"pool_{firms}_all.xlsx"
    if not (usual_path.exists() and wide_path.exists()):
        frame = chinese_frame(firms)
        ids = list(synthetic_pool(1).columns)  # the frame's columns in the same order, as field ids
        usual = frame[[frame.columns[ids.index(c)] for c in USUAL]]
        for table, path in ((usual, usual_path), (frame, wide_path)):
            partial = path.with_name(path.name + ".partial.xlsx")
            rustpy_xlsxwriter.write_worksheet(table, str(partial), sheet_name="培育库", dedupe_strings=True)
            partial.replace(path)
    return usual_path, wide_path


def pool_parts(firms: int = 1_000_000, parts: int = 8, folder: Path = FOLDER) -> Path:
    """The folder ``pool_{firms}_parts{parts}`` of ``part.K.parquet`` files, consecutive slices of
    equal size of the Parquet pool, written when missing."""
    target = folder / f"pool_{firms}_parts{parts}"
    names = [target / f"part.{k}.parquet" for k in range(parts)]
    if not all(p.exists() for p in names):
        table = pq.read_table(pool_files(firms, folder)[1])
        target.mkdir(parents=True, exist_ok=True)
        step = -(-table.num_rows // parts)
        for k, name in enumerate(names):
            pq.write_table(table.slice(k * step, step), name, row_group_size=131_072)
    return target


if __name__ == "__main__":
    arguments = sys.argv[1:]
    xlsx = "--xlsx" in arguments
    arguments = [a for a in arguments if a != "--xlsx"]
    where = Path(arguments[0]) if arguments else FOLDER
    count = int(arguments[1]) if len(arguments) > 1 else (100_000 if xlsx else 1_000_000)
    for written in (xlsx_files if xlsx else pool_files)(count, where):
        print(written, f"{written.stat().st_size / 1e6:,.0f} MB")
