"""Write the bundled samples from the fixed-seed generator: ``python samples/make_samples.py``.

A fictional county pool of 300 casting, coal-machinery and new-materials firms, as of 2026-11-26
(上年度 = 2025), in the shapes county sheets come in:

- ``pool.xlsx``: Chinese headers with units and year labels (2025年营业收入（万元）, 研发费用 in 元,
  市场占有率（%）), Chinese category names — the main sample, screened by ``make run``;
- ``pool_two_row.xlsx``: the same pool under two-row headers (a merged year row over a metric row);
- ``pool_long.xlsx``: the same pool in long format, one row per firm and year;
- ``pool.csv``: the same pool with canonical field ids, for programs.

A handful of cells are deliberately dirty (a text revenue, a negative R&D expense, an unknown title, a
duplicated firm, a name starting with "=", a blank institution): the engine reports them and evaluates
everything else.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pandas as pd
import xlsxwriter

from eligibility import load_rules
from eligibility.render.template import template_header
from eligibility.synthetic import synthetic_pool

HERE = Path(__file__).resolve().parent
LAST_YEAR = 2025  # 上年度 for an assessment in 2026
YEARS = {"y1": LAST_YEAR, "y2": LAST_YEAR - 1, "y3": LAST_YEAR - 2}
IN_YUAN = {"rd_expense"}  # written in 元, as some sheets do
PERCENT = {"market_share"}  # written as percentages under a （%） header


def dirty(pool: pd.DataFrame) -> pd.DataFrame:
    pool = pool.astype(object)
    pool.loc[17, "revenue_y1"] = "约5000"
    pool.loc[42, "rd_expense_y1"] = -35
    pool.loc[88, "current_tier"] = "省级小巨人培育"
    pool.loc[123, "credit_code"] = pool.loc[122, "credit_code"]
    pool.loc[200, "name"] = '=HYPERLINK("http://example.invalid")有限公司'
    pool.loc[250, "rd_institution"] = ""
    return pool


def chinese(pool: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, tuple[str, str | None, str]]]:
    """Chinese cell values, and per column: (metric header without year, year label or None, field)."""
    rules = load_rules()
    out = pool.copy()
    columns: dict[str, tuple[str, str | None, str]] = {}
    for name in pool.columns:
        spec = rules.fields[name]
        if spec.choices and name != "current_tier":
            labels = {k: c.label_zh for k, c in spec.choices.items()}
            out[name] = pool[name].map(lambda v, labels=labels: labels.get(v, v))
        header = re.sub(r"（(上|前|大前|本|上一)年度）", "", template_header(spec))
        if spec.base in IN_YUAN:
            header = header.replace("（万元）", "（元）")
            out[name] = pool[name].map(lambda v: v * 10_000 if isinstance(v, int | float) else v)
        if name in PERCENT:
            out[name] = pool[name].map(lambda v: round(v * 100, 2) if isinstance(v, int | float) else v)
        year = f"{YEARS[spec.year]}年" if spec.year else None
        if spec.year and spec.year_base == "as_of":
            # The quality score is that of a year's round (2026年…得分 is 本年度 in 2026): a column
            # of its own with its year in the header, in every shape.
            header, year = f"{YEARS[spec.year] + 1}年{header}", None
        columns[name] = (header, year, name)
    return out, columns


def write_flat(frame: pd.DataFrame, columns: dict[str, tuple[str, str | None, str]], path: Path) -> None:
    headers = [f"{year}{header}" if year else header for header, year, _ in columns.values()]
    with pd.ExcelWriter(
        path, engine="xlsxwriter", engine_kwargs={"options": {"strings_to_formulas": False}}
    ) as writer:
        table = frame.copy()
        table.columns = headers
        table.to_excel(writer, sheet_name="培育库", index=False)


def write_two_rows(frame: pd.DataFrame, columns: dict[str, tuple[str, str | None, str]], path: Path) -> None:
    """Plain columns first, then one block per year under a merged year cell."""
    plain = [c for c, (_, year, _) in columns.items() if year is None]
    by_year = {
        y: [c for c, (_, year, _) in columns.items() if year == y] for y in (f"{v}年" for v in YEARS.values())
    }
    order = plain + [c for block in by_year.values() for c in block]
    book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False})
    sheet = book.add_worksheet("培育库")
    bold = book.add_format({"bold": True, "align": "center"})
    start = len(plain)
    for year, block in by_year.items():
        if len(block) > 1:
            sheet.merge_range(0, start, 0, start + len(block) - 1, year, bold)
        else:
            sheet.write(0, start, year, bold)
        start += len(block)
    for col, name in enumerate(order):
        sheet.write_string(1, col, columns[name][0], bold)
        for row, value in enumerate(frame[name].tolist(), start=2):
            _write(sheet, row, col, value)
    book.close()


def write_long(frame: pd.DataFrame, columns: dict[str, tuple[str, str | None, str]], path: Path) -> None:
    """One row per firm and year: yearly metrics under plain headers beside a 年度 column."""
    plain = [c for c, (_, year, _) in columns.items() if year is None]
    metrics: dict[str, dict[str, str]] = {}
    for name, (header, year, _) in columns.items():
        if year is not None:
            metrics.setdefault(header, {})[year] = name
    book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False})
    sheet = book.add_worksheet("培育库")
    headers = [columns[c][0] for c in plain] + ["年度", *metrics]
    sheet.write_row(0, 0, headers)
    row = 1
    for index in range(len(frame)):
        for year in (f"{v}年" for v in YEARS.values()):
            values = [frame.at[index, c] for c in plain] + [year[:4]]
            values += [
                frame.at[index, by_year[year]] if year in by_year else None for by_year in metrics.values()
            ]
            for col, value in enumerate(values):
                _write(sheet, row, col, value)
            row += 1
    book.close()


def _write(sheet: Any, row: int, col: int, value: Any) -> None:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value == "":
        return
    if isinstance(value, str):
        sheet.write_string(row, col, value)
    else:
        sheet.write_number(row, col, float(value))


def main() -> None:
    pool = dirty(synthetic_pool(300))
    pool.to_csv(HERE / "pool.csv", index=False, lineterminator="\n")
    frame, columns = chinese(pool)
    write_flat(frame, columns, HERE / "pool.xlsx")
    write_two_rows(frame, columns, HERE / "pool_two_row.xlsx")
    write_long(frame, columns, HERE / "pool_long.xlsx")
    print(f"wrote the samples of {len(pool)} firms to {HERE}")


if __name__ == "__main__":
    main()
