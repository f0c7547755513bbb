"""Input → canonical typed columns plus input issues.

Owns reading input files and turning raw cells into the engine's representation: every field becomes a
float64 numpy array (money in 万元, ratios as fractions, booleans as 1/0, categories as the position of
their id in the catalogue, NaN for missing or unusable), dates become ``datetime64`` arrays, text stays
text. Every unusable cell becomes an :class:`~eligibility.errors.Issue`; no row is ever dropped.
Conversion is vectorised over columns; only the cells that have a problem are visited one by one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from eligibility.errors import InputError, Issue, IssueCode, Severity
from eligibility.ruleset import FieldSpec, RuleSet
from eligibility.units import Unit

__all__ = ["InputTable", "Prepared", "prepare", "read_input"]

FloatArray = npt.NDArray[np.float64]

_TRUE = {"true", "1", "1.0", "是", "有", "y", "yes", "t", "√", "✓", "属于", "已列入", "列入"}
_FALSE = {"false", "0", "0.0", "否", "无", "n", "no", "f", "×", "✗", "不属于", "未列入", "没有"}
_NUMBER_NOISE = re.compile(r"[,，\s]")
_BLANK = {"", "nan", "null", "-", "—", "/", "n/a", "#n/a"}


@dataclass
class InputTable:
    """A raw input table with where it came from. ``first_row`` is the spreadsheet row of the first
    data row (2 for a sheet with one header row)."""

    frame: pd.DataFrame
    source: str = "<frame>"
    sheet: str | None = None
    first_row: int = 2
    issues: list[Issue] = field(default_factory=list)


@dataclass
class Prepared:
    """Typed columns for the engine, and the issues found while typing them."""

    n: int
    columns: dict[str, FloatArray]
    dates: dict[str, npt.NDArray[np.datetime64]]
    text: dict[str, npt.NDArray[np.object_]]
    present: frozenset[str]
    issues: list[Issue]
    rows: npt.NDArray[np.int64]
    sheet: str | None = None


def read_input(path: str | Path, *, strict: bool = False) -> InputTable:
    """Read a CSV (UTF-8 or GBK) or Parquet file whose headers are canonical field ids.

    Raises:
        InputError: when the file cannot be read at all (code ``unreadable_file``).
    """
    source = Path(path)
    try:
        frame = pd.read_parquet(source) if source.suffix.lower() == ".parquet" else _read_csv(source)
    except (OSError, ValueError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        issue = Issue(IssueCode.UNREADABLE_FILE, Severity.ERROR, None, None, None, str(exc)[:200])
        raise InputError([issue]) from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    del strict
    return InputTable(frame=frame, source=str(source))


def _read_csv(source: Path) -> pd.DataFrame:
    last: Exception | None = None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return pd.read_csv(source, dtype=str, keep_default_na=False, encoding=encoding)
        except UnicodeDecodeError as exc:
            last = exc
    assert last is not None
    raise last


def prepare(table: InputTable | pd.DataFrame, rules: RuleSet, *, strict: bool = False) -> Prepared:
    """Type every catalogue column of ``table``; collect issues for unusable cells.

    Args:
        table: an :class:`InputTable` or a DataFrame whose columns are canonical field ids.
        rules: the loaded rules (for the field catalogue).
        strict: raise :class:`InputError` when any error-severity issue is found.
    """
    if isinstance(table, pd.DataFrame):
        table = InputTable(frame=table)
    frame = table.frame.reset_index(drop=True)
    n = len(frame)
    rows = np.arange(n, dtype=np.int64) + table.first_row
    issues: list[Issue] = list(table.issues)
    columns: dict[str, FloatArray] = {}
    dates: dict[str, npt.NDArray[np.datetime64]] = {}
    text: dict[str, npt.NDArray[np.object_]] = {}
    present: set[str] = set()

    sink = _Sink(rows, issues, table.sheet)
    for header in frame.columns:
        name = str(header)
        spec = rules.fields.get(name)
        if spec is None:
            issues.append(
                Issue(IssueCode.UNMAPPED_COLUMN, Severity.WARNING, None, None, name, None, table.sheet)
            )
            continue
        present.add(name)
        cells = _Cells(frame[header], spec, sink)
        if spec.unit is Unit.TEXT:
            text[name] = _text(cells.raw)
        elif spec.unit is Unit.DATE:
            dates[name] = _dates(cells)
        elif spec.unit is Unit.BOOL:
            columns[name] = _bools(cells)
        elif spec.unit is Unit.CATEGORY:
            columns[name] = _categories(cells)
        else:
            columns[name] = _numbers(cells)

    _check_keys(text.get("credit_code"), rows, issues, table.sheet)
    prepared = Prepared(
        n=n,
        columns=columns,
        dates=dates,
        text=text,
        present=frozenset(present),
        issues=issues,
        rows=rows,
        sheet=table.sheet,
    )
    if strict and any(i.severity is Severity.ERROR for i in issues):
        raise InputError([i for i in issues if i.severity is Severity.ERROR])
    return prepared


@dataclass
class _Sink:
    """Where issues go, and the spreadsheet row of every position."""

    rows: npt.NDArray[np.int64]
    issues: list[Issue]
    sheet: str | None


@dataclass
class _Cells:
    """One input column on its way to a typed array."""

    raw: pd.Series[Any]
    spec: FieldSpec
    sink: _Sink

    def report(self, mask: npt.NDArray[np.bool_], code: IssueCode) -> None:
        """An error issue for every cell under ``mask`` (only the bad cells are visited)."""
        rows, spec = self.sink.rows, self.spec
        self.sink.issues.extend(
            Issue(
                code,
                Severity.ERROR,
                int(rows[p]),
                spec.id,
                spec.id,
                str(self.raw.iloc[int(p)]),
                self.sink.sheet,
            )
            for p in np.flatnonzero(mask)
        )


def _strings(raw: pd.Series[Any]) -> pd.Series[str]:
    as_text = raw.astype("string").str.strip()
    blank = as_text.isna() | as_text.str.lower().isin(_BLANK)
    return as_text.mask(blank, pd.NA)


def _text(raw: pd.Series[Any]) -> npt.NDArray[np.object_]:
    values = _strings(raw)
    return values.astype(object).where(values.notna(), None).to_numpy(dtype=object)


def _numbers(cells: _Cells) -> FloatArray:
    raw, spec = cells.raw, cells.spec
    if pd.api.types.is_numeric_dtype(raw.dtype) and not pd.api.types.is_bool_dtype(raw.dtype):
        values = raw.to_numpy(dtype=np.float64, na_value=np.nan)
        given = ~np.isnan(values)
    else:
        strings = _strings(raw)
        given = strings.notna().to_numpy()
        cleaned = strings.str.replace(_NUMBER_NOISE, "", regex=True)
        percent = cleaned.str.endswith("%") | cleaned.str.endswith("％")
        cleaned = cleaned.str.rstrip("%％")
        values = pd.to_numeric(cleaned, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
        percent_mask = percent.fillna(False).to_numpy(dtype=bool)
        if spec.unit is Unit.FRACTION:
            values = np.where(percent_mask, values / 100.0, values)
        else:
            # "3%" in a field that is not a ratio is not a number of that field.
            values = np.where(percent_mask, np.nan, values)
    cells.report(given & ~np.isfinite(values), IssueCode.NOT_A_NUMBER)
    values = np.where(np.isfinite(values), values, np.nan)
    if spec.min is not None:
        low = values < spec.min
        cells.report(low, IssueCode.NEGATIVE_VALUE if spec.min == 0 else IssueCode.OUT_OF_RANGE)
        values = np.where(low, np.nan, values)
    if spec.max is not None:
        high = values > spec.max
        cells.report(high, IssueCode.OUT_OF_RANGE)
        values = np.where(high, np.nan, values)
    return values.astype(np.float64)


def _lookup(raw: pd.Series[Any], table: Mapping[str, float]) -> tuple[FloatArray, npt.NDArray[np.bool_]]:
    strings = _strings(raw)
    given = strings.notna().to_numpy()
    codes = strings.str.casefold().map(table).astype("Float64")
    values = np.asarray(codes.to_numpy(dtype=np.float64, na_value=np.nan), dtype=np.float64)
    return values, given


def _bools(cells: _Cells) -> FloatArray:
    if pd.api.types.is_bool_dtype(cells.raw.dtype):
        return cells.raw.to_numpy(dtype=np.float64, na_value=np.nan)
    values, given = _lookup(cells.raw, dict.fromkeys(_TRUE, 1.0) | dict.fromkeys(_FALSE, 0.0))
    cells.report(given & np.isnan(values), IssueCode.BAD_BOOL)
    return values


def category_table(spec: FieldSpec) -> dict[str, float]:
    """Every accepted spelling of a category (id, Chinese and English label, aliases) → its code."""
    table: dict[str, float] = {}
    for code, (choice_id, choice) in enumerate((spec.choices or {}).items()):
        names: Iterable[str] = (choice_id, choice.label_zh, choice.label_en or "", *choice.aliases)
        for name in names:
            if name:
                table.setdefault(name.strip().casefold(), float(code))
    return table


def _categories(cells: _Cells) -> FloatArray:
    values, given = _lookup(cells.raw, category_table(cells.spec))
    cells.report(given & np.isnan(values), IssueCode.UNKNOWN_CATEGORY)
    return values


def _dates(cells: _Cells) -> npt.NDArray[np.datetime64]:
    strings = _strings(cells.raw)
    given = strings.notna().to_numpy()
    values = pd.to_datetime(strings, errors="coerce", format="mixed").to_numpy(dtype="datetime64[ns]")
    cells.report(given & np.isnat(values), IssueCode.BAD_DATE)
    return values


def _check_keys(
    codes: npt.NDArray[np.object_] | None,
    rows: npt.NDArray[np.int64],
    issues: list[Issue],
    sheet: str | None,
) -> None:
    if codes is None:
        return
    series = pd.Series(codes, dtype=object)
    missing = series.isna().to_numpy()
    duplicated = (series.duplicated(keep=False) & ~series.isna()).to_numpy()
    for code, mask in ((IssueCode.MISSING_KEY, missing), (IssueCode.DUPLICATE_KEY, duplicated)):
        issues.extend(
            Issue(code, Severity.ERROR, int(rows[p]), "credit_code", "credit_code", codes[p], sheet)
            for p in np.flatnonzero(mask)
        )
