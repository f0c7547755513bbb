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
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from eligibility.columns import Prepared, category_table
from eligibility.errors import InputError, Issue, IssueCode, Severity
from eligibility.headers import YEAR_COLUMN, HeaderMatch, HeaderReader, normalise
from eligibility.ruleset import FieldSpec, RuleSet, parse_as_of
from eligibility.sheets import fill_merged, percent_cells, read_sheet, visible_sheets
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
    """Read a pool spreadsheet: ``.xlsx``/``.xls`` (calamine), ``.csv`` (UTF-8, GBK or UTF-16) or
    ``.parquet``.

    Headers may be canonical ids or Chinese labels with units in brackets and year labels
    (``2025年营业收入（万元）`` is ``revenue_y1`` when ``as_of`` is in 2026), on one row or two (a year
    row over a metric row, or a metric row over a year row). Merged cells read as a person reads them:
    the value stands in every cell of the range. A sheet with a year column (年度) and one row per firm
    and year is pivoted to one row per firm. Rows that are not firms (合计, 注：…, blank rows) are
    skipped with an info issue each; a row with a name or a credit code is always a firm. Columns that
    match no field are listed as issues, never dropped silently.

    Args:
        path: the file.
        rules: the loaded rules (the bundled ones by default), for the field catalogue.
        as_of: the assessment date; year labels are read relative to it (default: today).
        sheet: worksheet name or index (default: the first visible sheet with a header).
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
        if suffix in _EXCEL:
            return _read_excel(source, sheet, reader)
        if suffix == ".parquet":
            frame = pd.read_parquet(source)
            cells = np.concatenate(
                [np.array([list(frame.columns)], dtype=object), frame.to_numpy(dtype=object)]
            )
        else:
            cells = _read_csv(source)
    except InputError:
        raise
    except Exception as exc:  # any reader failure on a damaged or foreign file is an input error
        raise _unreadable(f"{source.name}: {exc}") from exc
    return _tabulate(_Grid(cells, cells), reader, str(source), None)


@dataclass
class _Grid:
    """The cells of one sheet from A1: as a person reads them (merged ranges filled) and as stored."""

    filled: npt.NDArray[np.object_]
    raw: npt.NDArray[np.object_]
    percent: tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]] | None = None


def _read_excel(source: Path, sheet: str | int | None, reader: HeaderReader) -> InputTable:
    """One worksheet through calamine (Rust): the named one, or the first visible sheet that has a
    header (hidden sheets are skipped); the sheet read is stated as an info issue."""
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_path(str(source))
        names = [str(n) for n in book.sheet_names]
        visible = visible_sheets(book)
    except Exception as exc:  # a damaged or foreign file is an input error
        raise _unreadable(f"{source.name}: {exc}") from exc
    if isinstance(sheet, str):
        if sheet not in names:
            raise _unreadable(f"{source.name}: no sheet {sheet!r} ({', '.join(names)})")
        candidates = [sheet]
    elif sheet is not None:
        if sheet >= len(names):
            raise _unreadable(f"{source.name}: no sheet {sheet}")
        candidates = [names[sheet]]
    else:
        candidates = visible or names[:1]
    if not candidates:
        raise _unreadable(f"{source.name}: no worksheet")
    first_error: InputError | None = None
    for name in candidates:
        try:
            read = read_sheet(book, name)
        except Exception as exc:  # a damaged sheet is an input error
            raise _unreadable(f"{source.name}: {exc}") from exc
        percent = percent_cells(source, name) if source.suffix.lower() in {".xlsx", ".xlsm"} else None
        grid = _Grid(fill_merged(read.cells, read.merged), read.cells, percent)
        try:
            table = _tabulate(grid, reader, str(source), name)
        except InputError as exc:
            if exc.issues and exc.issues[0].code is IssueCode.NO_HEADER:
                first_error = first_error or exc
                continue
            raise
        if len(names) > 1:
            table.issues.insert(0, Issue(IssueCode.SHEET_CHOSEN, Severity.INFO, None, None, None, name, name))
        return table
    assert first_error is not None
    raise first_error


def _read_csv(source: Path) -> npt.NDArray[np.object_]:
    """Every cell of a CSV file as text: UTF-8, GBK or UTF-16 ("Unicode text", tab separated), comma,
    semicolon, tab or bar separated, rows of different lengths padded (a title line above the header is
    fine), blank lines kept so that row numbers match the file. A NUL byte becomes U+FFFD, which the
    cell checks report, instead of refusing the file."""
    import csv

    encoding, separator, head = _sniff_csv(source)
    raw = source.read_bytes()
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError:
        raise _unreadable(f"{source.name}: not a text table (UTF-8, GBK or UTF-16)") from None
    text = text.lstrip("\ufeff").replace("\x00", "\ufffd")
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
        csv.field_size_limit(1 << 30)
        width = max((len(row) for row in csv.reader(io.StringIO(text), delimiter=separator)), default=1)
        grid = pd.read_csv(io.StringIO(text), names=range(width), **options)
    return grid.to_numpy(dtype=object)


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
                        None,
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


def _tabulate(grid: _Grid, reader: HeaderReader, source: str, sheet: str | None) -> InputTable:
    """Find the header row(s), map headers to fields, keep the rows that are firms with their
    spreadsheet rows (the others are reported as info issues)."""
    filled = _none_for_blank(grid.filled)
    raw = filled if grid.raw is grid.filled else _none_for_blank(grid.raw)
    header_row, matches = _find_header(filled, reader)
    mapped = map_headers(matches, sheet)
    start = header_row + 1
    issues = list(mapped.issues)
    keep = _firm_rows(raw[start:], mapped, start, sheet, issues)
    data = filled[start:][keep]
    rows = np.flatnonzero(keep).astype(np.int64) + start + 1  # the spreadsheet row the user sees
    columns: dict[str, npt.NDArray[np.object_]] = {}
    for name, col in mapped.columns.items():
        values = data[:, col].copy() if col < data.shape[1] else np.full(len(data), None, dtype=object)
        spec = reader.rules.fields.get(name)
        if grid.percent is not None and spec is not None and spec.unit is Unit.FRACTION:
            _percent_as_text(values, grid.percent, col, np.flatnonzero(keep) + start)
        columns[name] = values
    _check_cells(columns, rows, mapped.headers, sheet, issues)
    table = InputTable(
        pd.DataFrame(columns),
        source,
        sheet,
        rows=rows,
        headers=mapped.headers,
        factors=mapped.factors,
        percent=mapped.percent,
        issues=issues,
    )
    if YEAR_COLUMN in mapped.columns:
        table = _pivot_long(table, reader)
    return table


def _none_for_blank(cells: npt.NDArray[np.object_]) -> npt.NDArray[np.object_]:
    blank = pd.isna(cells) | (cells == "")
    if not blank.any():
        return cells
    cleaned = cells.copy()
    cleaned[blank] = None
    return cleaned


_SUMMARY = re.compile(
    r"^(?:总合计|合计|小计|总计|共计|累计|汇总|平均值|平均|均值|全县合计|全市合计|本页小计)"
)
_NOTE = re.compile(
    r"^(?:注|备注|说明|附注|填表说明|填表人|填报人|制表人|审核人|审核|填报日期|填表日期|制表日期|报送日期|"
    r"填报单位|联系人|联系电话|单位负责人|负责人|统计负责人|分管领导|数据来源|资料来源)(?:[:：,，.、()（）\d]|$)"
)


_SECTION = re.compile(
    r"^(?:[一二三四五六七八九十]+[、.．]|[(（][一二三四五六七八九十]+[)）]|第[一二三四五六七八九十]+[类部分组])"
)


def _words(cells: npt.NDArray[np.object_]) -> pd.Series[str]:
    """Cells as comparable words: full-width folded, no spaces (``合 计`` is 合计)."""
    series = pd.Series(cells, dtype=object)
    text: pd.Series[str] = series.astype("string").str.normalize("NFKC").str.replace(r"\s+", "", regex=True)
    return text.mask(series.isna().to_numpy(dtype=bool))


def _firm_rows(
    raw: npt.NDArray[np.object_],
    mapped: HeaderMap,
    start: int,
    sheet: str | None,
    issues: list[Issue],
) -> npt.NDArray[np.bool_]:
    """Which rows below the header are firms.

    A row with a credit code or a firm name is always a firm. Otherwise a 合计/小计/平均 row, a note
    (注：…, 填表人, 填报日期 …), a repeated header row and a blank row inside the table are not firms:
    each is reported as an info issue with its row. Blank rows below the last filled row are the
    sheet's empty area and are passed over. Judged on the cells as stored (a note merged across the
    row stands in its first cell only), so a merged note never lends a row a name.
    """
    n = raw.shape[0]
    if n == 0:
        return np.zeros(0, dtype=bool)
    present = ~pd.isna(raw)
    nonblank = present.any(axis=1)
    # A cell shaped like a credit code makes a firm at once; only the other rows are read closely.
    coded = np.zeros(n, dtype=bool)
    code_col = mapped.columns.get("credit_code")
    if code_col is not None and code_col < raw.shape[1]:
        coded = _looks_like_code(raw[:, code_col])
    todo = np.flatnonzero(nonblank & ~coded)
    firm = coded.copy()
    if todo.size:
        firm[todo] = _firms_among(raw[todo], present[todo], mapped)
    filled_rows = np.flatnonzero(nonblank)
    last = int(filled_rows[-1]) if filled_rows.size else -1
    blank_inside = ~nonblank & (np.arange(n) < last)
    issues.extend(
        Issue(IssueCode.BLANK_ROW, Severity.INFO, int(p) + start + 1, None, None, None, sheet)
        for p in np.flatnonzero(blank_inside)
    )
    skipped = np.flatnonzero(nonblank & ~firm)
    written = pd.Series(raw[skipped, present[skipped].argmax(axis=1)], dtype=object).astype("string")
    shown = written.fillna("").str.strip().str.slice(0, 40).to_numpy(dtype=object)
    issues.extend(
        Issue(IssueCode.SKIPPED_ROW, Severity.INFO, int(p) + start + 1, None, None, str(text), sheet)
        for p, text in zip(skipped, shown, strict=True)
    )
    return firm


def _looks_like_code(cells: npt.NDArray[np.object_]) -> npt.NDArray[np.bool_]:
    """Cells holding 18 letters and digits: a credit code, well formed or not (the key check says)."""
    if pd.api.types.infer_dtype(cells, skipna=True) not in ("string", "mixed", "mixed-integer"):
        return np.zeros(len(cells), dtype=bool)
    series = pd.Series(cells, dtype=object)
    shaped = series.str.strip().str.fullmatch(r"[0-9A-Za-z]{18}")
    return np.asarray(shaped.fillna(False).to_numpy(dtype=bool), dtype=bool)


def _firms_among(
    raw: npt.NDArray[np.object_], present: npt.NDArray[np.bool_], mapped: HeaderMap
) -> npt.NDArray[np.bool_]:
    """Of filled rows without a code-shaped cell: those with a name, or not a 合计, note, section or
    repeated header row."""
    n = raw.shape[0]
    lead = _words(raw[np.arange(n), present.argmax(axis=1)])
    is_summary = lead.str.match(_SUMMARY).fillna(False).to_numpy(dtype=bool)
    is_note = lead.str.match(_NOTE).fillna(False).to_numpy(dtype=bool)
    keyed = np.zeros(n, dtype=bool)
    header_again = np.zeros(n, dtype=bool)
    for key in ("credit_code", "name"):
        col = mapped.columns.get(key)
        if col is None or col >= raw.shape[1]:
            continue
        words = _words(raw[:, col])
        heading = normalise(mapped.headers.get(key, ""))
        again = (words == heading).fillna(False).to_numpy(dtype=bool)
        junk = (words.str.match(_SUMMARY) | words.str.match(_NOTE)).fillna(False).to_numpy(dtype=bool)
        keyed |= words.notna().to_numpy(dtype=bool) & ~junk & ~again
        header_again |= again
        is_summary |= words.str.match(_SUMMARY).fillna(False).to_numpy(dtype=bool)
    # A section row (一、装备制造 drawn across the table) holds one text and nothing else.
    single = np.asarray(present.sum(axis=1) == 1, dtype=bool)
    is_section = single & lead.str.match(_SECTION).fillna(False).to_numpy(dtype=bool)
    keyed &= ~is_section
    firm: npt.NDArray[np.bool_] = keyed | ~(is_summary | is_note | header_again | is_section)
    return firm


def _percent_as_text(
    values: npt.NDArray[np.object_],
    percent: tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]],
    col: int,
    grid_rows: npt.NDArray[np.int64],
) -> None:
    """A number in a percent-formatted cell is the fraction Excel displays (0.35 shown as 35.0%):
    written as the text the person sees ("35%"), so that no header can read it as 0.35 %."""
    rows_of_col = percent[0][percent[1] == col]
    if rows_of_col.size == 0:
        return
    hit = np.flatnonzero(np.isin(grid_rows, rows_of_col))
    cells = pd.Series(values[hit], dtype=object)
    numeric = cells.map(type).isin((int, float)).to_numpy(dtype=bool)  # not bools, not text
    if numeric.any():
        shown = np.char.mod("%.12g%%", cells[numeric].to_numpy(dtype=np.float64) * 100.0)
        values[hit[numeric]] = shown.astype(object)


_LONG_TEXT = 32767  # Excel's own limit on the text of one cell: a cell that long was cut, or is no figure


def _check_cells(
    columns: Mapping[str, npt.NDArray[np.object_]],
    rows: npt.NDArray[np.int64],
    headers: Mapping[str, str],
    sheet: str | None,
    issues: list[Issue],
) -> None:
    """A cell holding a NUL byte (read as U+FFFD) or more text than Excel allows is reported with its
    row and field and treated as missing; the row and its other cells are kept."""
    for name, values in columns.items():
        if pd.api.types.infer_dtype(values, skipna=True) not in ("string", "mixed", "mixed-integer"):
            continue  # numbers and dates only: nothing to look at
        series = pd.Series(values, dtype=object)
        long = series.str.len().ge(_LONG_TEXT)
        bad = (long | series.str.contains("\ufffd", regex=False)).fillna(False).astype(bool)
        for p in np.flatnonzero(bad.to_numpy(dtype=bool)):
            cell = str(values[p])
            shown = cell.replace("\ufffd", "\\0")[:20] + ("…" if len(cell) > 20 else "")
            issues.append(
                Issue(
                    IssueCode.BAD_CELL,
                    Severity.ERROR,
                    int(rows[p]),
                    name,
                    headers.get(name, name),
                    shown,
                    sheet,
                )
            )
            values[p] = None


def _find_header(grid: npt.NDArray[np.object_], reader: HeaderReader) -> tuple[int, list[HeaderMatch]]:
    """The row whose cells name the most fields, read with the row above it when that row holds year
    labels (a year row over a metric row) or metric names over a year row. Merged header cells are
    already filled; a year typed once over a block without merging it (and in CSV) spans the columns
    to its right until the next one."""
    best: tuple[tuple[int, int], int, list[HeaderMatch]] = ((-1, 0), 0, [])
    for row in range(min(_HEADER_SCAN, len(grid))):
        cells = list(grid[row])
        above = list(grid[row - 1]) if row > 0 else [None] * len(cells)
        years: list[int | None] = [reader.year_label(c) if c is not None else None for c in above]
        if row > 0:
            current: int | None = None
            for i, year in enumerate(years):
                current = year if year is not None else (current if cells[i] is not None else None)
                years[i] = current
        # The row above may be a group header naming the year (2025年度主要经济指标) or a title that
        # happens to start with one (2026年培育企业名单): both readings are tried, the better kept.
        plain: list[int | None] = [None] * len(cells)
        for upper_years in (years, plain) if any(years) else (plain,):
            matches = _header_matches(reader, cells, above, upper_years, row)
            fields = {m.field for m in matches if m.field is not None}  # a field read twice counts once
            score = (len(fields), -sum(m.assumed_year for m in matches))
            if score > best[0]:
                best = (score, row, matches)
    if best[0][0] < 2:
        raise InputError([Issue(IssueCode.NO_HEADER, Severity.ERROR, None, None, None, None)])
    return best[1], best[2]


def _header_matches(
    reader: HeaderReader, cells: list[object], above: list[object], years: list[int | None], row: int
) -> list[HeaderMatch]:
    """One header row read with the years of the row above (a year row over metrics); where a cell
    is a year itself (a metric row over a year row) or blank (a key column named above only), the
    cell above it names the field."""
    matches: list[HeaderMatch] = []
    for i, cell in enumerate(cells):
        match = reader.read(cell if cell is not None else "", years[i])
        if match.field is None and row > 0 and above[i] is not None and years[i] is None:
            own_year = reader.year_label(cell) if cell is not None else None
            if own_year is not None or cell is None:
                upper = reader.read(above[i], own_year)
                if upper.field is not None:
                    match = upper
        matches.append(match)
    return matches


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
            # A yearly field without a year label takes the year of its row (a quality score's year
            # counts from the year of as_of, a financial figure's from the last fiscal year).
            shift = reader.year_offset(spec.base, reader.as_of_year)
            for k in (1, 2, 3):
                target = f"{spec.base}_y{k}"
                if target not in reader.rules.fields:
                    continue
                mine = (offset + shift == k).to_numpy()
                columns[target] = series[mine].groupby(keys[mine].to_numpy()).first().reindex(order)
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
    named_hnte: npt.NDArray[np.bool_] | None = None
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
            rules.plausible.get(spec.unit),
        )
        if spec.unit is Unit.TEXT:
            text[name] = _text(cells.raw)
        elif spec.unit is Unit.DATE:
            dates[name] = _dates(cells)
        elif spec.unit is Unit.BOOL:
            columns[name] = _bools(cells)
        elif spec.unit is Unit.CATEGORY and spec.choices_from == "tiers":
            columns[name], named_hnte = _titles(cells, rules)
        elif spec.unit is Unit.CATEGORY:
            columns[name] = _categories(cells)
        else:
            columns[name] = _numbers(cells)
    if named_hnte is not None and named_hnte.any() and "hnte_valid" in rules.fields:
        # 高新技术企业 written among the titles (高新技术企业、专精特新) says the firm is one, unless
        # a 是否高新技术企业 column says otherwise.
        hnte = columns.get("hnte_valid", np.full(n, np.nan))
        columns["hnte_valid"] = np.where(np.isnan(hnte) & named_hnte, 1.0, hnte)
        present.add("hnte_valid")

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
        headers={k: v for k, v in table.headers.items() if k in present},
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
    plausible: float | None = None

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
        return str(int(value)) if abs(value) < 1e15 else f"{value:g}"
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
    cells.report(given & np.isnan(values), IssueCode.NOT_A_NUMBER)
    with np.errstate(over="ignore", invalid="ignore"):
        if spec.unit is Unit.FRACTION:
            values = _fractions(cells, values, percent_mask)
        elif cells.factor != 1.0:
            values = values * cells.factor
        # 1e308 万元 or an overflow of a unit conversion is a typing accident, not a figure.
        absurd = np.isinf(values)
        if cells.plausible is not None:
            absurd |= np.abs(np.nan_to_num(values, nan=0.0, posinf=0.0, neginf=0.0)) > cells.plausible
    cells.report(absurd, IssueCode.OUT_OF_RANGE)
    values = np.where(absurd, np.nan, values)
    if spec.min is not None:
        low = values < spec.min
        cells.report(low, IssueCode.NEGATIVE_VALUE if spec.min == 0 else IssueCode.OUT_OF_RANGE)
        values = np.where(low, np.nan, values)
    if spec.max is not None:
        high = values > spec.max
        cells.report(high, IssueCode.OUT_OF_RANGE)
        values = np.where(high, np.nan, values)
    if spec.warn_above is not None:
        cells.report(values > spec.warn_above, IssueCode.UNUSUAL_VALUE, Severity.WARNING)
    return values.astype(np.float64)


def _fractions(cells: _Cells, values: FloatArray, percent_mask: npt.NDArray[np.bool_]) -> FloatArray:
    """A ratio column as fractions. "35%" (typed, or a percent-formatted cell) is 0.35. A bare number
    is read on the column's scale: per cents under a （%） header, else fractions; a bare number that
    does not fit the scale most of the column uses (0.385 among 48.6-style per cents, 38.5 among
    fractions) is flagged ``ambiguous_percent``, never guessed silently (docs/policy.md,
    "Conventions the rule files follow")."""
    bare = ~percent_mask & ~np.isnan(values)
    nonzero = bare & (values != 0)
    big = nonzero & (np.abs(values) > 1.0)
    small = nonzero & ~big
    mostly_per_cent = int(big.sum()) > int(small.sum())
    if cells.percent:  # a （%） header: 3 means 3 %
        if mostly_per_cent:
            cells.report(small, IssueCode.AMBIGUOUS_PERCENT, Severity.WARNING)
        return np.where(bare | percent_mask, values / 100.0, values)
    # No % in the header: a bare number above 1 can only be per cents; in a column of per cents a
    # number up to 1 is doubtful too, and read as the column reads.
    ambiguous = big | small if mostly_per_cent else big
    cells.report(ambiguous, IssueCode.AMBIGUOUS_PERCENT, Severity.WARNING)
    return np.where(percent_mask | ambiguous, values / 100.0, values)


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


def _categories(cells: _Cells) -> FloatArray:
    values, given = _lookup(cells.raw, category_table(cells.spec))
    cells.report(given & np.isnan(values), IssueCode.UNKNOWN_CATEGORY)
    return values


_QUOTES = re.compile(r"[\"'“”„‟「」『』‘’〝〞＂《》]")
_TITLE_SEPARATORS = re.compile(r"[、，,；;/|\n＋+&]+|\s+")


def _title_word(text: str) -> str:
    """A title as compared: full-width folded, no quotes of any style, no spaces, lower case."""
    folded = unicodedata.normalize("NFKC", text)
    return re.sub(r"\s+", "", _QUOTES.sub("", folded)).casefold()


def _titles(cells: _Cells, rules: RuleSet) -> tuple[FloatArray, npt.NDArray[np.bool_]]:
    """Titles as county sheets write them: any alias of a tier, in any quote style; several in one
    cell (``高新技术企业、专精特新``) give the highest ladder title, and 高新技术企业 among them is
    returned as a mask. A word for a local or candidate status (``not_choices``: 市级专精特新,
    省级小巨人培育) is reported as not a ladder title; any other unknown word as an unknown value."""
    spec = cells.spec
    table = {_title_word(name): code for name, code in category_table(spec).items()}
    refused = tuple(_title_word(w) for w in spec.not_choices)
    ids = spec.choice_ids
    rank = [rules.tiers[t].rank or 0 if t in rules.tiers else 0 for t in ids]
    # Two titles of one rank (科技型、创新型): the one valid longer, as its rule files say.
    lasting = [rules.validity_years(t) for t in ids]
    hnte = float(ids.index("hnte")) if "hnte" in ids else None
    index, distinct = pd.factorize(cells.raw, use_na_sentinel=True)
    strings = _strings(pd.Series(distinct, dtype=object))
    k = len(distinct)
    codes = np.full(k + 1, np.nan)
    named_hnte = np.zeros(k + 1, dtype=bool)
    not_title = np.zeros(k + 1, dtype=bool)
    unknown = np.zeros(k + 1, dtype=bool)
    spellings: list[object] = list(strings.tolist())
    for position, value in enumerate(spellings):  # distinct spellings only: a handful
        if not isinstance(value, str):
            continue
        whole = _title_word(str(value))
        words = [whole] if whole in table else [_title_word(p) for p in _TITLE_SEPARATORS.split(str(value))]
        found = [table[w] for w in words if w and w in table]
        strays = [w for w in words if w and w not in table]
        not_title[position] = any(any(r in w for r in refused) for w in strays)
        unknown[position] = any(not any(r in w for r in refused) for w in strays)
        named_hnte[position] = hnte is not None and hnte in found
        if found:
            # The highest ladder title; a cell with only other credentials keeps the first of them.
            codes[position] = max(found, key=lambda c: (rank[int(c)], lasting[int(c)], -found.index(c)))
    cells.report(not_title[index], IssueCode.NOT_A_LADDER_TITLE, Severity.WARNING)
    cells.report(unknown[index], IssueCode.UNKNOWN_CATEGORY)
    return codes[index], named_hnte[index]


_NO_EXPIRY = {"长期", "长期有效", "永久", "永久有效", "无固定期限", "无期限", "长期(无固定期限)"}
_FAR = np.datetime64("9999-12-31", "D")
_YMD = (
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?"
    r"(?:[T\s]*\d{1,2}:\d{2}(?::\d{2}(?:\.\d*)?)?)?$"
)
_COMPACT = r"^(\d{4})(\d{2})(\d{2})$"
_YM = r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?(?:份)?$"
_Y = r"^(\d{4})\s*(?:年度|年)?$"
_DMY = r"^(\d{1,2})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{4})$"


def _dates(cells: _Cells) -> npt.NDArray[np.datetime64]:
    """Dates as officers write them, to the day (``datetime64[D]``, so no year wraps):
    ``2015年3月12日``, ``2023.5.8``, ``2023-5-8``, ``20230508``, spreadsheet dates and Excel day
    serials; ``2019年1月`` and ``2019`` to the month or year, taking the field's ``partial_date``
    day (the earliest or the latest of the period); ``9999-12-31``, ``长期``, ``长期有效`` for an
    expiry mean none (9999-12-31). ``08/05/2023`` (day and month both up to 12) is
    ``ambiguous_date``, never a guess. Parsed once per distinct spelling."""
    index, distinct = pd.factorize(cells.raw, use_na_sentinel=True)
    text = _strings(pd.Series(distinct, dtype=object)).str.normalize("NFKC").str.strip()
    k = len(text)
    year, month, day = (np.full(k, np.nan) for _ in range(3))
    level = np.zeros(k, dtype=np.int8)  # 0 to the day, 1 to the month, 2 to the year
    todo = text.notna().to_numpy(dtype=bool).copy()
    out = np.full(k + 1, np.datetime64("NaT"), dtype="datetime64[D]")
    if cells.spec.id.endswith("expires_on"):
        never = (text.isin(_NO_EXPIRY) | text.str.startswith("9999")).fillna(False).to_numpy(dtype=bool)
        out[:k][never] = _FAR
        todo &= ~never

    def take(pattern: str, parts: tuple[int, int | None, int | None], precision: int) -> None:
        found = text[todo].str.extract(pattern)
        hit = found[0].notna().to_numpy(dtype=bool)
        where = np.flatnonzero(todo)[hit]
        numbers = found[hit].astype(np.float64).to_numpy()
        year[where] = numbers[:, parts[0]]
        if parts[1] is not None:
            month[where] = numbers[:, parts[1]]
        if parts[2] is not None:
            day[where] = numbers[:, parts[2]]
        level[where] = precision
        todo[where] = False

    take(_YMD, (0, 1, 2), 0)
    take(_COMPACT, (0, 1, 2), 0)
    take(_YM, (0, 1, None), 1)
    take(_Y, (0, None, None), 2)
    ambiguous = np.zeros(k + 1, dtype=bool)
    found = text[todo].str.extract(_DMY)
    hit = found[0].notna().to_numpy(dtype=bool)
    if hit.any():
        where = np.flatnonzero(todo)[hit]
        a, b, y = found[hit].astype(np.float64).to_numpy().T
        day_first = (a > 12) | (a == b)
        month_first = (b > 12) & (a <= 12)
        year[where] = y
        day[where] = np.where(day_first, a, np.where(month_first, b, np.nan))
        month[where] = np.where(day_first, b, np.where(month_first, a, np.nan))
        ambiguous[where] = ~day_first & ~month_first & (a <= 12) & (b <= 12)
        todo[where] = False
    # Excel day serials (counted from 1899-12-30) of dates after 1906; smaller numbers are years
    # (handled above) or no date at all.
    serial = pd.to_numeric(text.where(todo), errors="coerce").to_numpy(dtype=np.float64)
    serial_ok = (serial >= 2200) & (serial < 2_958_466)
    out[:k][serial_ok] = np.datetime64("1899-12-30", "D") + np.floor(serial[serial_ok]).astype(np.int64)
    # Whole dates from their parts; a month or year alone takes the earliest or the latest day.
    latest = cells.spec.partial_date == "latest"
    month = np.where(level == 2, 12.0 if latest else 1.0, month)
    known = (
        ~np.isnan(year) & ~np.isnan(month) & (year >= 1900) & (year <= 2199) & (month >= 1) & (month <= 12)
    )
    months = np.where(known, (year - 1970) * 12 + month - 1, 0).astype(np.int64).astype("datetime64[M]")
    first = months.astype("datetime64[D]")
    last = (months + 1).astype("datetime64[D]") - 1
    day = np.where(level > 0, np.nan, day)
    exact = first + np.where(np.isnan(day), 0, day - 1).astype(np.int64)
    whole = np.where(level > 0, last if latest else first, exact)
    fits = known & ((level > 0) | ((day >= 1) & (exact <= last)))
    out[:k] = np.where(fits, whole, out[:k])
    values = out[index]
    given = np.append(text.notna().to_numpy(dtype=bool), False)[index] & ~ambiguous[index]
    cells.report(ambiguous[index], IssueCode.AMBIGUOUS_DATE)
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
            header_row, matches = _find_header(head.to_numpy(dtype=object), reader)
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
    pending: list[int] = []
    for batch in batches:
        cells = _none_for_blank(batch.to_numpy(dtype=object))
        start = offset + header_row + 1  # grid row (0-based) of the batch's first row
        offset += len(batch)
        issues: list[Issue] = []
        keep = _firm_rows(cells, mapped, start, None, issues)
        filled = np.flatnonzero(~pd.isna(cells).all(axis=1))
        if filled.size:
            # Blank rows at the end of the previous batch were inside the table after all.
            issues[:0] = [
                Issue(IssueCode.BLANK_ROW, Severity.INFO, r, None, None, None, None) for r in pending
            ]
            pending = []
        last = int(filled[-1]) if filled.size else -1
        pending += [int(p) + start + 1 for p in range(last + 1, len(cells))]
        data = cells[keep]
        rows = np.flatnonzero(keep).astype(np.int64) + start + 1
        columns = {
            f: data[:, c].copy() if c < data.shape[1] else np.full(len(data), None, dtype=object)
            for f, c in mapped.columns.items()
        }
        _check_cells(columns, rows, mapped.headers, None, issues)
        table = InputTable(
            pd.DataFrame(columns),
            str(source),
            rows=rows,
            headers=mapped.headers,
            factors=mapped.factors,
            percent=mapped.percent,
            issues=issues,
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


_SNIFF_BYTES = 256 * 1024
_SNIFF_MAX = 16 * 1024 * 1024  # a header line wider than this is read in full by the parser anyway


def _text_encoding(raw: bytes) -> list[str]:
    """Candidate encodings: UTF-16 when Excel's "Unicode text" shows (a BOM, or NUL in every other
    byte), else UTF-8 (with or without BOM), then GBK (as gb18030, its superset)."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return ["utf-16"]
    head = raw[:4096]
    if len(head) >= 8 and head[1::2].count(0) > 0.8 * (len(head) // 2):
        return ["utf-16-le"]
    if len(head) >= 8 and head[0::2].count(0) > 0.8 * (len(head) // 2):
        return ["utf-16-be"]
    return ["utf-8-sig", "gb18030"]


def _sniff_csv(source: Path) -> tuple[str, str, pd.DataFrame]:
    """Encoding, delimiter and the first rows of a CSV file, from its first 256 KB (more, up to
    16 MB, while the first rows are not complete: a very wide header line)."""
    import csv

    with source.open("rb") as stream:
        raw = stream.read(_SNIFF_BYTES)
        while raw.count(b"\n") <= _HEADER_SCAN and len(raw) < _SNIFF_MAX:
            more = stream.read(_SNIFF_BYTES)
            if not more:
                break
            raw += more
    for encoding in _text_encoding(raw):
        sample_bytes = raw[: len(raw) - len(raw) % 2] if encoding.startswith("utf-16") else raw
        try:
            sample = sample_bytes.decode(encoding)
        except UnicodeDecodeError as error:
            if error.start < len(sample_bytes) - 4:  # not just a character cut at the end of the sample
                continue
            sample = sample_bytes[: error.start].decode(encoding)
        sample = sample.lstrip("\ufeff").replace("\x00", "\ufffd")
        lines = sample.splitlines()[:_HEADER_SCAN]
        # The separator is the candidate that splits the most lines the most (a title line above the
        # header has none, so a median over lines, not a per-line consistency test).
        counts = {c: sorted(line.count(c) for line in lines if line.strip()) for c in ",;\t|"}
        separator = max(counts, key=lambda c: (counts[c][len(counts[c]) // 2] if counts[c] else 0, c == ","))
        csv.field_size_limit(1 << 30)
        parsed = list(csv.reader(lines, delimiter=separator))
        wide = max((len(row) for row in parsed), default=0)
        head = pd.DataFrame([row + [""] * (wide - len(row)) for row in parsed], dtype=object)
        head = head.where(head.notna() & (head != ""), None)
        return encoding, separator, head
    raise _unreadable(f"{source.name}: not a text table (UTF-8, GBK or UTF-16)")


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
        headers=first.headers,
    )
