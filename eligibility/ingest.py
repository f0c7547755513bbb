"""Input → canonical typed columns plus input issues.

Owns reading input files and turning raw cells into the engine's representation: every field becomes a
float64 numpy array (money in 万元, ratios as fractions, booleans as 1/0, categories as the position of
their id in the catalogue, NaN for missing or unusable), dates become ``datetime64`` arrays, text stays
text. Every unusable cell becomes an :class:`~eligibility.errors.Issue`; no row is ever dropped.
Conversion is vectorised over columns; only the cells that have a problem are visited one by one.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from eligibility.errors import InputError, Issue, IssueCode, Severity
from eligibility.headers import YEAR_COLUMN, HeaderMatch, HeaderReader
from eligibility.ruleset import FieldSpec, RuleSet, parse_as_of
from eligibility.units import Unit

__all__ = ["InputTable", "Prepared", "prepare", "read_input"]

FloatArray = npt.NDArray[np.float64]

_TRUE = {"true", "1", "1.0", "是", "有", "y", "yes", "t", "√", "✓", "属于", "已列入", "列入"}
_FALSE = {"false", "0", "0.0", "否", "无", "n", "no", "f", "×", "✗", "不属于", "未列入", "没有"}
_NUMBER_NOISE = re.compile(r"[,，\s]")
_BLANK = {"", "nan", "null", "-", "—", "/", "n/a", "#n/a"}


@dataclass
class InputTable:
    """An input table whose columns are canonical field ids, with where each value came from.

    Attributes:
        frame: raw cell values, one column per field id.
        source: file name, for messages.
        sheet: worksheet name, if any.
        first_row: the spreadsheet row of the first data row when ``rows`` is not given.
        rows: the spreadsheet row (1-based, as the user sees it) of every frame row.
        headers: the original header text of every field column.
        factors: unit conversions read from headers (元 → 万元 is 1e-4).
        percent: fields whose header marks them as per cent.
        issues: issues found while reading (unmapped columns, …).
    """

    frame: pd.DataFrame
    source: str = "<frame>"
    sheet: str | None = None
    first_row: int = 2
    rows: npt.NDArray[np.int64] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    factors: dict[str, float] = field(default_factory=dict)
    percent: frozenset[str] = frozenset()
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


_EXCEL = {".xlsx", ".xlsm", ".xlsb", ".xls", ".ods"}
_HEADER_SCAN = 15  # header rows are looked for among the first rows of a sheet


def _unreadable(detail: object) -> InputError:
    return InputError([Issue(IssueCode.UNREADABLE_FILE, Severity.ERROR, None, None, None, str(detail)[:300])])


def read_input(
    path: str | Path,
    rules: RuleSet | None = None,
    *,
    as_of: dt.date | str | None = None,
    sheet: str | int | None = None,
    mapping: Mapping[str, Mapping[str, object]] | None = None,
) -> InputTable:
    """Read a pool spreadsheet: ``.xlsx``/``.xls`` (calamine), ``.csv`` (UTF-8 or GBK) or ``.parquet``.

    Headers may be canonical ids or Chinese labels with units in brackets and year labels
    (``2025年营业收入（万元）`` is ``revenue_y1`` when ``as_of`` is in 2026), on one row or two (a year
    row over a metric row). A sheet with a year column (年度) and one row per firm and year is pivoted
    to one row per firm. Columns that match no field are listed as issues, never dropped silently.

    Args:
        path: the file.
        rules: the loaded rules (the bundled ones by default), for the field catalogue.
        as_of: the assessment date; year labels are read relative to it (default: today).
        sheet: worksheet name or index (default: the first).
        mapping: extra header → ``{"field": id, "unit": "元"}`` entries (``--mapping`` file).

    Raises:
        InputError: when the file cannot be read, or has no recognisable header row.
    """
    from eligibility.ruleset import load_rules

    rules = rules if rules is not None else load_rules()
    day = parse_as_of(as_of)
    source = Path(path)
    reader = HeaderReader(rules, day.year, mapping)
    suffix = source.suffix.lower()
    try:
        if suffix == ".parquet":
            frame = pd.read_parquet(source)
            grid = pd.concat(
                [pd.DataFrame([list(frame.columns)]), pd.DataFrame(frame.to_numpy(dtype=object))]
            )
            sheet_name = None
        elif suffix in _EXCEL:
            grid, sheet_name = _read_excel(source, sheet)
        else:
            grid = _read_csv(source)
            sheet_name = None
    except InputError:
        raise
    except Exception as exc:  # any reader failure on a damaged or foreign file is an input error
        raise _unreadable(f"{source.name}: {exc}") from exc
    return _tabulate(grid.reset_index(drop=True), reader, str(source), sheet_name)


def _read_excel(source: Path, sheet: str | int | None) -> tuple[pd.DataFrame, str | None]:
    """Every cell of one worksheet, from row 1 and column A, through calamine (Rust): empty cells
    None, numbers float, dates as dates. The cells are not converted one by one in Python."""
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(str(source))
    names = [str(n) for n in book.sheet_names]
    if isinstance(sheet, str):
        if sheet not in names:
            raise _unreadable(f"{source.name}: no sheet {sheet!r} ({', '.join(names)})")
        name = sheet
    else:
        index = sheet or 0
        if not names or index >= len(names):
            raise _unreadable(f"{source.name}: no sheet {index}")
        name = names[index]
    rows = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
    cells = np.array(rows, dtype=object) if rows else np.empty((0, 0), dtype=object)
    if cells.ndim != 2:  # ragged rows: let pandas pad them
        cells = pd.DataFrame(rows).to_numpy(dtype=object)
    cells[cells == ""] = None
    return pd.DataFrame(cells), name


def _read_csv(source: Path) -> pd.DataFrame:
    """Every cell of a CSV file as text: UTF-8 or GBK, comma, semicolon, tab or bar separated, rows
    of different lengths padded (a title line above the header is fine), blank lines kept so that
    row numbers match the file."""
    import csv

    encoding, separator, head = _sniff_csv(source)
    raw = source.read_bytes()
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError:
        raise _unreadable(f"{source.name}: not a text table (UTF-8 or GBK)") from None
    width = max(head.shape[1], 1)
    options: dict[str, Any] = {
        "header": None,
        "dtype": str,
        "keep_default_na": False,
        "sep": separator,
        "skip_blank_lines": False,
    }
    try:
        grid: pd.DataFrame = pd.read_csv(io.StringIO(text), names=range(width), **options)
    except pd.errors.ParserError:  # a row further down is wider than the first rows
        width = max((len(row) for row in csv.reader(io.StringIO(text), delimiter=separator)), default=1)
        grid = pd.read_csv(io.StringIO(text), names=range(width), **options)
    return grid


@dataclass
class HeaderMap:
    """Which column is which field: the header matches of one header row, resolved."""

    columns: dict[str, int]
    headers: dict[str, str]
    factors: dict[str, float]
    percent: frozenset[str]
    issues: list[Issue]


def map_headers(matches: list[HeaderMatch], sheet: str | None) -> HeaderMap:
    """Resolve header matches to one column per field; unmapped, unit-mismatched and duplicated
    columns become warning issues (never silently dropped)."""
    issues: list[Issue] = []
    chosen: dict[str, int] = {}
    for column, match in enumerate(matches):
        if match.field is None:
            if match.problem != "empty":
                issues.append(
                    Issue(
                        IssueCode.UNMAPPED_COLUMN,
                        Severity.WARNING,
                        None,
                        None,
                        match.header,
                        match.problem,
                        sheet,
                    )
                )
            continue
        if match.problem == "unit":
            issues.append(
                Issue(IssueCode.UNIT_MISMATCH, Severity.WARNING, None, match.field, match.header, None, sheet)
            )
            continue
        if match.field in chosen:
            issues.append(
                Issue(
                    IssueCode.DUPLICATE_COLUMN, Severity.WARNING, None, match.field, match.header, None, sheet
                )
            )
            continue
        if match.assumed_year:
            issues.append(
                Issue(IssueCode.ASSUMED_YEAR, Severity.WARNING, None, match.field, match.header, None, sheet)
            )
        chosen[match.field] = column
    return HeaderMap(
        columns=chosen,
        headers={name: matches[col].header for name, col in chosen.items()},
        factors={name: matches[col].factor for name, col in chosen.items() if matches[col].factor != 1.0},
        percent=frozenset(name for name, col in chosen.items() if matches[col].percent),
        issues=issues,
    )


def header_map(headers: Sequence[object], rules: RuleSet, as_of: dt.date | str | None = None) -> HeaderMap:
    """The field of each header of a one-row header (a CSV or Parquet schema, a Dask frame)."""
    reader = HeaderReader(rules, parse_as_of(as_of).year)
    return map_headers([reader.read(h if h is not None else "") for h in headers], None)


def _tabulate(grid: pd.DataFrame, reader: HeaderReader, source: str, sheet: str | None) -> InputTable:
    """Find the header row(s), map headers to fields, keep data rows with their spreadsheet rows."""
    grid = grid.astype(object).where(grid.notna(), None)
    header_row, matches = _find_header(grid, reader)
    mapped = map_headers(matches, sheet)
    data = grid.iloc[header_row + 1 :]
    blank = (data.isna() | (data == "")).all(axis=1)
    data = data[~blank.to_numpy()]
    rows = data.index.to_numpy(dtype=np.int64) + 1  # the spreadsheet row the user sees
    frame = pd.DataFrame(
        {name: data.iloc[:, col].to_numpy(dtype=object) for name, col in mapped.columns.items()}
    )
    table = InputTable(
        frame,
        source,
        sheet,
        rows=rows,
        headers=mapped.headers,
        factors=mapped.factors,
        percent=mapped.percent,
        issues=mapped.issues,
    )
    if YEAR_COLUMN in mapped.columns:
        table = _pivot_long(table, reader)
    return table


def _find_header(grid: pd.DataFrame, reader: HeaderReader) -> tuple[int, list[HeaderMatch]]:
    """The row whose cells name the most fields, read with the year row above it when there is one."""
    best: tuple[int, int, list[HeaderMatch]] = (0, -1, [])
    for row in range(min(_HEADER_SCAN, len(grid))):
        cells = list(grid.iloc[row])
        years: list[int | None] = [None] * len(cells)
        if row > 0:
            above = [reader.year_label(c) if c is not None else None for c in grid.iloc[row - 1]]
            # A merged year cell spans the columns to its right until the next one.
            current: int | None = None
            for i, year in enumerate(above):
                current = year if year is not None else (current if cells[i] is not None else None)
                years[i] = current
        matches = [reader.read(c if c is not None else "", years[i]) for i, c in enumerate(cells)]
        score = sum(m.field is not None for m in matches)
        if score > best[1]:
            best = (row, score, matches)
    if best[1] < 2:
        raise InputError([Issue(IssueCode.NO_HEADER, Severity.ERROR, None, None, None, None)])
    return best[0], best[2]


def _pivot_long(table: InputTable, reader: HeaderReader) -> InputTable:
    """One row per firm and year → one row per firm: yearly fields take the row's year as _yN."""
    frame = table.frame
    if "credit_code" not in frame:
        raise InputError(
            [Issue(IssueCode.MISSING_KEY, Severity.ERROR, None, "credit_code", None, None, table.sheet)]
        )
    years = pd.to_numeric(frame[YEAR_COLUMN].astype(str).str.extract(r"((?:19|20)\d{2})")[0], errors="coerce")
    offset = reader.as_of_year - years
    raw_codes = frame["credit_code"]
    blank = (raw_codes.isna() | (raw_codes.astype(object).astype(str).str.strip() == "")).to_numpy()
    codes = pd.Series(np.where(blank, "", raw_codes.astype(object).astype(str).str.strip()), dtype=object)
    # The k-th row of a code for a year belongs to that code's k-th firm: a code that appears twice
    # (a duplicated firm) stays two firms, as it would in a wide sheet, and is reported as a duplicate.
    # A row without a code cannot be matched to other rows: it stays a firm of its own.
    year_key = years.fillna(-1).to_numpy()
    occurrence = pd.Series(codes).groupby([codes.to_numpy(), year_key]).cumcount().to_numpy()
    own_key = "\x1e" + pd.Series(np.arange(len(frame)), dtype=object).astype(str)
    keys = (codes + "\x1f" + pd.Series(occurrence, dtype=object).astype(str)).where(~blank, own_key)
    order = pd.unique(keys.to_numpy(dtype=object))
    first_rows = pd.Series(table.rows, index=frame.index).groupby(keys.to_numpy()).min().reindex(order)
    columns: dict[str, Any] = {}
    for name in frame.columns:
        if name == YEAR_COLUMN:
            continue
        spec = reader.rules.fields[name]
        series = frame[name].where(frame[name].notna(), None)
        if spec.year is not None and table.headers[name] and reader.read(table.headers[name]).assumed_year:
            # A yearly field without a year label takes the year of its row.
            for k in (1, 2, 3):
                target = f"{spec.base}_y{k}"
                picked = series[(offset == k).to_numpy()]
                columns[target] = (
                    picked.groupby(keys[(offset == k).to_numpy()].to_numpy()).first().reindex(order)
                )
                table.headers.setdefault(target, table.headers[name])
                if name in table.factors:
                    table.factors[target] = table.factors[name]
        else:
            columns[name] = series.groupby(keys.to_numpy()).first().reindex(order)
    pivot = pd.DataFrame({k: v.to_numpy(dtype=object) for k, v in columns.items()})
    ordered = pd.Series(order, dtype=object)
    pivot["credit_code"] = (
        ordered.str.split("\x1f").str[0].where(~ordered.str.startswith("\x1e"), None).to_numpy()
    )
    issues = [i for i in table.issues if i.code is not IssueCode.ASSUMED_YEAR]
    return InputTable(
        pivot,
        table.source,
        table.sheet,
        rows=first_rows.to_numpy(dtype=np.int64),
        headers=table.headers,
        factors=table.factors,
        percent=table.percent,
        issues=issues,
    )


def prepare(
    table: InputTable | pd.DataFrame, rules: RuleSet, *, strict: bool = False, check_keys: bool = True
) -> Prepared:
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
    rows = table.rows if table.rows is not None else np.arange(n, dtype=np.int64) + table.first_row
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
        cells = _Cells(
            frame[header],
            spec,
            sink,
            table.headers.get(name, name),
            table.factors.get(name, 1.0),
            name in table.percent,
        )
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

    if check_keys:
        _check_keys(
            text.get("credit_code"),
            rows,
            issues,
            table.sheet,
            table.headers.get("credit_code", "credit_code"),
        )
    _check_consistency(columns, rows, issues, table.sheet, table.headers)
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
    header: str = ""
    factor: float = 1.0
    percent: bool = False

    def report(
        self, mask: npt.NDArray[np.bool_], code: IssueCode, severity: Severity = Severity.ERROR
    ) -> None:
        """An issue for every cell under ``mask`` (only the bad cells are visited)."""
        rows, spec = self.sink.rows, self.spec
        header = self.header or spec.id
        self.sink.issues.extend(
            Issue(
                code,
                severity,
                int(rows[p]),
                spec.id,
                header,
                _cell_text(self.raw.iloc[int(p)]),
                self.sink.sheet,
            )
            for p in np.flatnonzero(mask)
        )


def _cell_text(value: object) -> str:
    """A cell as the user typed it: 350000, not 350000.0."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _strings(raw: pd.Series[Any]) -> pd.Series[str]:
    as_text = raw.astype("string")
    if raw.dtype == object:
        # A spreadsheet number in a text or category column reads 911405 / 3, not "911405.0" / "3.0".
        # Only the cells whose text ends in ".0" are looked at one by one (a handful, if any).
        suspect = np.flatnonzero(as_text.str.endswith(".0").fillna(False).to_numpy(dtype=bool))
        fixed = {int(p): _cell_text(raw.iloc[int(p)]) for p in suspect if isinstance(raw.iloc[int(p)], float)}
        if fixed:
            as_text = as_text.copy()
            as_text.iloc[list(fixed)] = pd.Series(list(fixed.values()), dtype="string")
    as_text = as_text.str.strip()
    blank = as_text.isna() | as_text.str.lower().isin(_BLANK)
    return as_text.mask(blank, pd.NA)


def _text(raw: pd.Series[Any]) -> npt.NDArray[np.object_]:
    values = _strings(raw)
    return values.astype(object).where(values.notna(), None).to_numpy(dtype=object)


def _numbers(cells: _Cells) -> FloatArray:
    raw, spec = cells.raw, cells.spec
    percent_mask = np.zeros(len(raw), dtype=bool)
    if pd.api.types.is_numeric_dtype(raw.dtype) and not pd.api.types.is_bool_dtype(raw.dtype):
        values = raw.to_numpy(dtype=np.float64, na_value=np.nan)
        given = ~np.isnan(values)
    else:
        # Cells that already are numbers (the usual case) convert at C speed; only the others go
        # through the text clean-up (thousands separators, units, %, blanks written as 无 or —).
        is_flag = raw.map(type).isin((bool, np.bool_)).to_numpy() if raw.dtype == object else None
        values = np.array(pd.to_numeric(raw, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan))
        if is_flag is not None:
            values[is_flag] = np.nan
        given = ~np.isnan(values)
        pending = np.flatnonzero(raw.notna().to_numpy() & ~given)
        if pending.size:
            strings = _strings(raw.iloc[pending])
            cleaned = strings.str.replace(_NUMBER_NOISE, "", regex=True)
            percent = cleaned.str.endswith("%") | cleaned.str.endswith("％")
            cleaned = cleaned.str.rstrip("%％")
            parsed = pd.to_numeric(cleaned, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
            percent_mask[pending] = percent.fillna(False).to_numpy(dtype=bool)
            values[pending] = parsed
            given[pending] = strings.notna().to_numpy()
        if spec.unit is not Unit.FRACTION:
            # "3%" in a field that is not a ratio is not a number of that field.
            values = np.where(percent_mask, np.nan, values)
    cells.report(given & ~np.isfinite(values), IssueCode.NOT_A_NUMBER)
    values = np.where(np.isfinite(values), values, np.nan)
    if spec.unit is Unit.FRACTION:
        bare = ~percent_mask & ~np.isnan(values)
        if cells.percent:
            values = np.where(bare | percent_mask, values / 100.0, values)  # a （%） header: 3 means 3%
        else:
            # A bare number above 1 in a ratio column could be a percentage or a fraction: it is read
            # as a percentage and flagged, never guessed silently (SPEC §3).
            ambiguous = bare & (np.abs(values) > 1.0)
            cells.report(ambiguous, IssueCode.AMBIGUOUS_PERCENT, Severity.WARNING)
            values = np.where(percent_mask | ambiguous, values / 100.0, values)
    elif cells.factor != 1.0:
        values = values * cells.factor
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
    # A category column holds few distinct spellings: look each up once, then index.
    index, distinct = pd.factorize(raw, use_na_sentinel=True)
    strings = _strings(pd.Series(distinct, dtype=object))
    known = np.append(strings.notna().to_numpy(), False)
    codes = strings.str.casefold().map(table).astype("Float64")
    mapped = np.append(codes.to_numpy(dtype=np.float64, na_value=np.nan), np.nan)
    return mapped[index], known[index]


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
    """Dates written as text, as spreadsheet dates, as Excel day serials or as 20240630."""
    strings = _strings(cells.raw)
    given = strings.notna().to_numpy()
    numeric = pd.to_numeric(strings, errors="coerce")
    parsed = pd.to_datetime(strings.where(numeric.isna()), errors="coerce", format="mixed")
    # Excel stores dates as day serials counted from 1899-12-30.
    serial = numeric.where((numeric > 1) & (numeric < 2_958_466))
    from_serial = pd.to_datetime(serial, unit="D", origin="1899-12-30", errors="coerce")
    compact = numeric.where((numeric >= 19000101) & (numeric <= 21001231))
    from_compact = pd.to_datetime(compact.astype("Int64").astype("string"), format="%Y%m%d", errors="coerce")
    values = parsed.fillna(from_serial).fillna(from_compact).to_numpy(dtype="datetime64[ns]")
    cells.report(given & np.isnat(values), IssueCode.BAD_DATE)
    return values


_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CODE_WEIGHTS = np.array([1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28], dtype=np.int64)
_CODE_FORMAT = r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$"


def credit_code_valid(codes: npt.NDArray[np.object_]) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """GB 32100-2015 per code, on whole arrays: (well formed, well formed with the right check digit)."""
    series = pd.Series(codes, dtype=object).fillna("").astype(str).str.strip().str.upper()
    formed = series.str.fullmatch(_CODE_FORMAT).to_numpy(dtype=bool)
    fixed = np.where(formed, series.to_numpy(dtype=str), "0" * 18).astype("<U18")
    chars = fixed.view(np.uint32).reshape(-1, 18).astype(np.int64)
    lookup = np.full(128, 0, dtype=np.int64)
    lookup[[ord(c) for c in _CODE_CHARS]] = np.arange(len(_CODE_CHARS))
    values = lookup[np.minimum(chars, 127)]
    expected = (31 - (values[:, :17] @ _CODE_WEIGHTS) % 31) % 31
    return formed, formed & (values[:, 17] == expected)


def _check_keys(
    codes: npt.NDArray[np.object_] | None,
    rows: npt.NDArray[np.int64],
    issues: list[Issue],
    sheet: str | None,
    header: str = "credit_code",
) -> None:
    if codes is None:
        return
    series = pd.Series(codes, dtype=object)
    missing = series.isna().to_numpy()
    # A repeated firm is reported once, on the repeat, naming the row it repeats.
    repeated = (series.duplicated(keep="first") & ~series.isna()).to_numpy()
    first_row = pd.Series(rows).groupby(series.to_numpy()).transform("min").to_numpy()
    formed, checked = credit_code_valid(codes)
    for code, mask in (
        (IssueCode.MISSING_KEY, missing),
        (IssueCode.BAD_CREDIT_CODE, ~missing & ~formed),
        (IssueCode.BAD_CHECK_DIGIT, formed & ~checked),
    ):
        issues.extend(
            Issue(code, Severity.ERROR, int(rows[p]), "credit_code", header, codes[p], sheet)
            for p in np.flatnonzero(mask)
        )
    issues.extend(
        Issue(
            IssueCode.DUPLICATE_KEY,
            Severity.ERROR,
            int(rows[p]),
            "credit_code",
            header,
            f"{codes[p]}@{first_row[p]}",
            sheet,
        )
        for p in np.flatnonzero(repeated)
    )


def _check_consistency(
    columns: Mapping[str, FloatArray],
    rows: npt.NDArray[np.int64],
    issues: list[Issue],
    sheet: str | None,
    headers: Mapping[str, str],
) -> None:
    """A part above its whole cannot be right: both values are kept and the row is flagged."""
    pairs = [(f"main_revenue_y{k}", f"revenue_y{k}", IssueCode.MAIN_ABOVE_REVENUE) for k in (1, 2, 3)]
    pairs += [
        (f"{part}_y1", "employees_y1", IssueCode.STAFF_ABOVE_EMPLOYEES) for part in ("rd_staff", "tech_staff")
    ]
    for part, whole, code in pairs:
        if part not in columns or whole not in columns:
            continue
        above = columns[part] > columns[whole] * (1 + 1e-9)
        issues.extend(
            Issue(
                code,
                Severity.ERROR,
                int(rows[p]),
                part,
                headers.get(part, part),
                f"{columns[part][p]:g}",
                sheet,
            )
            for p in np.flatnonzero(above)
        )


# --------------------------------------------------------------------------------------------------
# Large CSV and Parquet files, chunk by chunk

CHUNK_BYTES = 256 * 1024 * 1024  # files above this are read in chunks by the pandas engine


def prepare_in_chunks(
    path: str | Path,
    rules: RuleSet,
    *,
    as_of: dt.date | str | None = None,
    chunk_rows: int = 200_000,
    mapping: Mapping[str, Mapping[str, object]] | None = None,
    strict: bool = False,
) -> Prepared:
    """Read a large ``.csv`` or ``.parquet`` pool chunk by chunk, typing each chunk as it arrives.

    Only the typed columns (8 bytes per number) are kept; the text of a chunk is dropped once typed,
    so memory grows with firms × fields, not with the file's text. Credit codes are checked (check
    digit, duplicates across chunks) once over the whole file. A long sheet (年度 column) cannot be
    pivoted chunk by chunk and is read whole.
    """
    source = Path(path)
    day = parse_as_of(as_of)
    reader = HeaderReader(rules, day.year, mapping)
    try:
        if source.suffix.lower() == ".parquet":
            import pyarrow.parquet as pq

            file = pq.ParquetFile(source)
            mapped = map_headers([reader.read(name) for name in file.schema_arrow.names], None)
            header_row = 0
            batches: Iterable[pd.DataFrame] = (
                b.to_pandas() for b in file.iter_batches(batch_size=chunk_rows)
            )
        else:
            encoding, separator, head = _sniff_csv(source)
            header_row, matches = _find_header(head, reader)
            mapped = map_headers(matches, None)
            batches = pd.read_csv(
                source,
                encoding=encoding,
                sep=separator,
                header=None,
                skiprows=header_row + 1,
                dtype=str,
                keep_default_na=False,
                skip_blank_lines=False,
                chunksize=chunk_rows,
            )
    except InputError:
        raise
    except Exception as exc:  # a damaged or foreign file is an input error
        raise _unreadable(f"{source.name}: {exc}") from exc
    if YEAR_COLUMN in mapped.columns:
        return prepare(read_input(source, rules, as_of=day, mapping=mapping), rules, strict=strict)
    parts: list[Prepared] = []
    offset = 0
    for batch in batches:
        names = list(batch.columns)
        frame = pd.DataFrame(
            {f: batch[names[c]].to_numpy() for f, c in mapped.columns.items() if c < len(names)}
        )
        blank = (
            (frame.isna() | (frame == "")).all(axis=1).to_numpy()
            if len(frame.columns)
            else np.ones(len(batch), bool)
        )
        rows = np.arange(len(batch), dtype=np.int64) + offset + header_row + 2
        offset += len(batch)
        table = InputTable(
            frame[~blank].reset_index(drop=True),
            str(source),
            rows=rows[~blank],
            headers=mapped.headers,
            factors=mapped.factors,
            percent=mapped.percent,
        )
        parts.append(prepare(table, rules, check_keys=False))
    prepared = _concat_prepared(parts, mapped.issues)
    _check_keys(
        prepared.text.get("credit_code"),
        prepared.rows,
        prepared.issues,
        None,
        mapped.headers.get("credit_code", "credit_code"),
    )
    if strict and any(i.severity is Severity.ERROR for i in prepared.issues):
        raise InputError([i for i in prepared.issues if i.severity is Severity.ERROR])
    return prepared


def _sniff_csv(source: Path) -> tuple[str, str, pd.DataFrame]:
    """Encoding, delimiter and the first rows of a CSV file, from its first 256 KB."""
    import csv

    with source.open("rb") as stream:
        raw = stream.read(256 * 1024)
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            sample = raw.decode(encoding)
        except UnicodeDecodeError as error:
            if error.start < len(raw) - 4:  # not just a character cut at the end of the sample
                continue
            sample = raw[: error.start].decode(encoding)
        if "\x00" in sample:
            break
        lines = sample.splitlines()[:_HEADER_SCAN]
        # The separator is the candidate that splits the most lines the most (a title line above the
        # header has none, so a median over lines, not a per-line consistency test).
        counts = {c: sorted(line.count(c) for line in lines if line.strip()) for c in ",;\t|"}
        separator = max(counts, key=lambda c: (counts[c][len(counts[c]) // 2] if counts[c] else 0, c == ","))
        parsed = list(csv.reader(lines, delimiter=separator))
        wide = max((len(row) for row in parsed), default=0)
        head = pd.DataFrame([row + [""] * (wide - len(row)) for row in parsed], dtype=object)
        head = head.where(head.notna() & (head != ""), None)
        return ("utf-8-sig" if encoding == "utf-8-sig" else "gb18030"), separator, head
    raise _unreadable(f"{source.name}: not a text table (UTF-8 or GBK)")


def _concat_prepared(parts: list[Prepared], issues: list[Issue]) -> Prepared:
    if not parts:
        return Prepared(0, {}, {}, {}, frozenset(), list(issues), np.zeros(0, dtype=np.int64))
    first = parts[0]
    return Prepared(
        n=sum(p.n for p in parts),
        columns={k: np.concatenate([p.columns[k] for p in parts]) for k in first.columns},
        dates={k: np.concatenate([p.dates[k] for p in parts]) for k in first.dates},
        text={k: np.concatenate([p.text[k] for p in parts]) for k in first.text},
        present=first.present,
        issues=[*issues, *(i for p in parts for i in p.issues)],
        rows=np.concatenate([p.rows for p in parts]),
        sheet=None,
    )
