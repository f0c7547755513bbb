"""Files → :class:`~eligibility.input.table.InputTable`: xlsx/xls/ods through calamine, CSV in any of the
encodings offices save, Parquet; the header row(s) found; rows that are not firms (合计, notes, blank
rows inside the table) set aside with info issues; a wide year-by-column sheet pivoted long.

Owns files and cells as read. Typing the cells is :mod:`eligibility.input.prepare`'s.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from eligibility.errors import InputError, Issue, IssueCode, Severity
from eligibility.input.bounds import (
    DEFAULT_LIMITS,
    Limits,
    check_csv_text,
    check_extent,
    check_parquet,
    check_size,
    check_zip,
)
from eligibility.input.headers import (
    YEAR_COLUMN,
    HeaderMap,
    HeaderMatch,
    HeaderReader,
    map_headers,
    normalise,
)
from eligibility.input.sheets import (
    fill_merged,
    formulas_without_value,
    percent_cells,
    read_sheet,
    visible_sheets,
)
from eligibility.input.table import InputTable
from eligibility.language.ruleset import RuleSet, parse_as_of
from eligibility.units import Unit

__all__ = [
    "check_cells",
    "find_header",
    "firm_rows",
    "mark_firms",
    "none_for_blank",
    "read_input",
    "sniff_csv",
    "unreadable",
]


_EXCEL = {".xlsx", ".xlsm", ".xlsb", ".xls", ".ods"}


_HEADER_SCAN = 15  # header rows are looked for among the first rows of a sheet


def unreadable(detail: object) -> InputError:
    return InputError([Issue(IssueCode.UNREADABLE_FILE, Severity.ERROR, None, None, None, str(detail)[:300])])


def read_input(
    path: str | Path,
    rules: RuleSet | None = None,
    *,
    as_of: dt.date | str | None = None,
    sheet: str | int | None = None,
    mapping: Mapping[str, Mapping[str, object]] | None = None,
    limits: Limits | None = DEFAULT_LIMITS,
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
        limits: what the file may make the reader build (unpacked size, rows, cells), checked
            before it is read (:mod:`eligibility.input.bounds`); ``None`` for no bound.

    Raises:
        InputError: when the file cannot be read, is beyond ``limits`` (``too_large``,
            ``too_many_rows``, ``too_many_cells``), or has no recognisable header row.
    """
    from eligibility.language.load import load_rules

    rules = rules if rules is not None else load_rules()
    day = parse_as_of(as_of)
    source = Path(path)
    reader = HeaderReader(rules, day.year, mapping)
    suffix = source.suffix.lower()
    try:
        if suffix in _EXCEL:
            return _read_excel(source, sheet, reader, limits)
        if suffix == ".parquet":
            if limits is not None:
                check_parquet(source, limits)
            frame = pd.read_parquet(source)
            cells = np.concatenate(
                [np.array([list(frame.columns)], dtype=object), frame.to_numpy(dtype=object)]
            )
        else:
            cells = _read_csv(source, limits)
    except InputError:
        raise
    except Exception as exc:  # any reader failure on a damaged or foreign file is an input error
        raise unreadable(f"{source.name}: {exc}") from exc
    return _tabulate(_Grid(cells, cells), reader, str(source), None)


@dataclass
class _Grid:
    """The cells of one sheet from A1: as a person reads them (merged ranges filled) and as stored."""

    filled: npt.NDArray[np.object_]
    raw: npt.NDArray[np.object_]
    percent: tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]] | None = None
    formulas: tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]] | None = None  # with no value


def _read_excel(
    source: Path, sheet: str | int | None, reader: HeaderReader, limits: Limits | None
) -> InputTable:
    """One worksheet through calamine (Rust): the named one, or the first visible sheet that has a
    header (hidden sheets are skipped); the sheet read is stated as an info issue. A zip workbook is
    measured before calamine opens it, any workbook's sheet before its cells become Python objects."""
    from python_calamine import CalamineWorkbook

    try:
        if limits is not None and zipfile.is_zipfile(source):
            check_zip(source, limits)
    except InputError:
        raise
    except Exception as exc:  # a damaged zip, or a part unpacking to more than it declares
        raise unreadable(f"{source.name}: {exc}") from exc
    try:
        book = CalamineWorkbook.from_path(str(source))
        names = [str(n) for n in book.sheet_names]
        visible = visible_sheets(book)
    except Exception as exc:  # a damaged or foreign file is an input error
        raise unreadable(f"{source.name}: {exc}") from exc
    if isinstance(sheet, str):
        if sheet not in names:
            raise unreadable(f"{source.name}: no sheet {sheet!r} ({', '.join(names)})")
        candidates = [sheet]
    elif sheet is not None:
        if sheet >= len(names):
            raise unreadable(f"{source.name}: no sheet {sheet}")
        candidates = [names[sheet]]
    else:
        candidates = visible or names[:1]
    if not candidates:
        raise unreadable(f"{source.name}: no worksheet")
    first_error: InputError | None = None
    for name in candidates:
        try:
            read = read_sheet(book, name, None if limits is None else _extent_check(limits))
        except InputError:
            raise
        except Exception as exc:  # a damaged sheet is an input error
            raise unreadable(f"{source.name}: {exc}") from exc
        xlsx = source.suffix.lower() in {".xlsx", ".xlsm"}
        percent = percent_cells(source, name) if xlsx else None
        formulas = formulas_without_value(source, name) if xlsx else None
        grid = _Grid(fill_merged(read.cells, read.merged), read.cells, percent, formulas)
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


def _extent_check(limits: Limits) -> Callable[[int, int], None]:
    return lambda rows, columns: check_extent(rows, columns, limits)


def _read_csv(source: Path, limits: Limits | None = None) -> npt.NDArray[np.object_]:
    """Every cell of a CSV file as text: UTF-8, GBK or UTF-16 ("Unicode text", tab separated), comma,
    semicolon, tab or bar separated, rows of different lengths padded (a title line above the header is
    fine), blank lines kept so that row numbers match the file. A NUL byte becomes U+FFFD, which the
    cell checks report, instead of refusing the file."""
    import csv

    if limits is not None:
        check_size(source.stat().st_size, limits)
    encoding, separator, head = sniff_csv(source)
    raw = source.read_bytes()
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError:
        raise unreadable(f"{source.name}: not a text table (UTF-8, GBK or UTF-16)") from None
    text = text.lstrip("\ufeff").replace("\x00", "\ufffd")
    if limits is not None:
        check_csv_text(text, separator, limits)
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


def _tabulate(grid: _Grid, reader: HeaderReader, source: str, sheet: str | None) -> InputTable:
    """Find the header row(s), map headers to fields, keep the rows that are firms with their
    spreadsheet rows (the others are reported as info issues)."""
    filled = none_for_blank(grid.filled)
    raw = filled if grid.raw is grid.filled else none_for_blank(grid.raw)
    header_row, matches = find_header(filled, reader)
    mapped = map_headers(matches, sheet)
    start = header_row + 1
    issues = list(mapped.issues)
    keep = firm_rows(raw[start:], mapped, start, sheet, issues)
    data = filled[start:][keep]
    rows = np.flatnonzero(keep).astype(np.int64) + start + 1  # the spreadsheet row the user sees
    columns: dict[str, npt.NDArray[np.object_]] = {}
    for name, col in mapped.columns.items():
        values = data[:, col].copy() if col < data.shape[1] else np.full(len(data), None, dtype=object)
        spec = reader.rules.fields.get(name)
        if grid.percent is not None and spec is not None and spec.unit is Unit.FRACTION:
            _percent_as_text(values, grid.percent, col, np.flatnonzero(keep) + start)
        columns[name] = values
    check_cells(columns, rows, mapped.headers, sheet, issues)
    if grid.formulas is not None and grid.formulas[0].size:
        _formula_issues(grid.formulas, mapped.columns, mapped.headers, rows, sheet, issues)
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


def _formula_issues(
    formulas: tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]],
    columns: Mapping[str, int],
    headers: Mapping[str, str],
    rows: npt.NDArray[np.int64],
    sheet: str | None,
    issues: list[Issue],
) -> None:
    """A warning for every cell of a firm's row and a mapped column that holds a formula without a
    calculated value: read as blank, which the officer would not see in Excel (it shows the figure)."""
    at_row = np.isin(formulas[0] + 1, rows)  # 0-based sheet rows → the rows the user sees
    by_column = {col: name for name, col in columns.items()}
    for row, col in zip(formulas[0][at_row], formulas[1][at_row], strict=True):  # only such cells
        name = by_column.get(int(col))
        if name is not None:
            issues.append(
                Issue(
                    IssueCode.FORMULA_WITHOUT_VALUE,
                    Severity.WARNING,
                    int(row) + 1,
                    name,
                    headers.get(name),
                    None,
                    sheet,
                )
            )


def none_for_blank(cells: npt.NDArray[np.object_]) -> npt.NDArray[np.object_]:
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


def firm_rows(
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
    # A cell shaped like a credit code makes a firm at once; only the other rows are read closely.
    coded = np.zeros(n, dtype=bool)
    code_col = mapped.columns.get("credit_code")
    if code_col is not None and code_col < raw.shape[1]:
        coded = _looks_like_code(raw[:, code_col])
    nonblank: npt.NDArray[np.bool_] = np.asarray(present.any(axis=1), dtype=bool)
    return mark_firms(nonblank, coded, lambda at: (raw[at], present[at]), mapped, start, sheet, issues)


def mark_firms(
    nonblank: npt.NDArray[np.bool_],
    coded: npt.NDArray[np.bool_],
    rows_at: Callable[[npt.NDArray[np.int64]], tuple[npt.NDArray[np.object_], npt.NDArray[np.bool_]]],
    mapped: HeaderMap,
    start: int,
    sheet: str | None,
    issues: list[Issue],
) -> npt.NDArray[np.bool_]:
    """:func:`firm_rows` over any storage: which rows hold a cell (``nonblank``) and a code-shaped
    credit code (``coded``) per row, and ``rows_at`` giving the cells (blank as None) and their
    presence of the few other rows, the only ones read closely."""
    n = len(nonblank)
    todo = np.flatnonzero(nonblank & ~coded)
    firm = coded.copy()
    grid = np.empty((0, 0), dtype=object)
    present = np.zeros((0, 0), dtype=bool)
    if todo.size:
        grid, present = rows_at(todo)
        firm[todo] = _firms_among(grid, present, mapped)
    filled_rows = np.flatnonzero(nonblank)
    last = int(filled_rows[-1]) if filled_rows.size else -1
    blank_inside = ~nonblank & (np.arange(n) < last)
    issues.extend(
        Issue(IssueCode.BLANK_ROW, Severity.INFO, int(p) + start + 1, None, None, None, sheet)
        for p in np.flatnonzero(blank_inside)
    )
    skipped = np.flatnonzero(nonblank & ~firm)  # among the rows read closely
    at = np.searchsorted(todo, skipped)
    written = pd.Series(grid[at, present[at].argmax(axis=1)] if at.size else [], dtype=object)
    shown = written.astype("string").fillna("").str.strip().str.slice(0, 40).to_numpy(dtype=object)
    issues.extend(
        Issue(IssueCode.SKIPPED_ROW, Severity.INFO, int(p) + start + 1, None, None, str(text), sheet)
        for p, text in zip(skipped, shown, strict=True)
    )
    return firm


_CODE_SHAPE = re.compile(r"[0-9A-Za-z]{18}")


def _looks_like_code(cells: npt.NDArray[np.object_]) -> npt.NDArray[np.bool_]:
    """Cells holding 18 letters and digits: a credit code, well formed or not (the key check says)."""
    if pd.api.types.infer_dtype(cells, skipna=True) not in ("string", "mixed", "mixed-integer"):
        return np.zeros(len(cells), dtype=bool)
    shaped = [isinstance(v, str) and _CODE_SHAPE.fullmatch(v.strip()) is not None for v in cells]
    return np.array(shaped, dtype=bool).reshape(len(cells))


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


def check_cells(
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
        # One pass in Python over the cells, cheaper than two pandas .str calls (a lambda a cell each).
        bad = [isinstance(v, str) and (len(v) >= _LONG_TEXT or "\ufffd" in v) for v in values]
        for p in np.flatnonzero(np.array(bad, dtype=bool).reshape(len(values))):
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


def find_header(grid: npt.NDArray[np.object_], reader: HeaderReader) -> tuple[int, list[HeaderMatch]]:
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


def sniff_csv(source: Path) -> tuple[str, str, pd.DataFrame]:
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
    raise unreadable(f"{source.name}: not a text table (UTF-8, GBK or UTF-16)")
