"""One chunk of a large CSV or Parquet file as Arrow columns → the typed table of that chunk.

The same reading as :func:`~eligibility.input.read.firm_rows` and
:func:`~eligibility.input.read.check_cells` followed by :func:`~eligibility.input.prepare.prepare`,
without turning the chunk into a grid of Python objects: blank cells, the rows that are firms and the
cell checks are found with Arrow's vectorised kernels; a number column whose every cell is plain
number text is parsed by Arrow (correctly rounded, as pandas parses it); category, yes/no, title and
date columns go to the typing as dictionary-encoded categoricals (each distinct spelling read once).
Only the few rows that are not obviously firms, the text fields and the number columns holding other
text (``约5000``, ``35%``, ``1,200``) become Python objects, and are typed as before.

Owns nothing the reader does not: every decision is the reader's and the typing's own.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from eligibility.columns import Prepared
from eligibility.errors import Issue, IssueCode, Severity
from eligibility.input.headers import HeaderMap
from eligibility.input.prepare import prepare
from eligibility.input.read import mark_firms, none_for_blank
from eligibility.input.table import InputTable
from eligibility.language.ruleset import RuleSet
from eligibility.units import Unit

__all__ = ["csv_batches", "prepare_batch"]

_LONG_TEXT = 32767  # as check_cells: Excel's own limit on the text of one cell
_CODE_SHAPE = r"^[0-9A-Za-z]{18}$"
_BY_SPELLING = (Unit.CATEGORY, Unit.BOOL, Unit.DATE)


def csv_batches(
    source: Path, separator: str, skip: int, width: int, block_bytes: int = 1 << 24
) -> Iterator[pa.RecordBatch]:
    """The records of a UTF-8 CSV file below its first ``skip`` records, every cell as text (blank
    as null), in chunks, parsed on every core. A record of another width than ``width`` raises
    ``pyarrow.ArrowInvalid`` (the caller then reads the file the slower way, which pads it)."""
    import pyarrow.csv as pacsv

    names = [str(i) for i in range(width)]
    reader = pacsv.open_csv(
        source,
        read_options=pacsv.ReadOptions(skip_rows=skip, column_names=names, block_size=block_bytes),
        # Blank lines stay rows (of nulls), so that row numbers match the file.
        parse_options=pacsv.ParseOptions(
            delimiter=separator, ignore_empty_lines=False, newlines_in_values=True
        ),
        convert_options=pacsv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.string()),
            strings_can_be_null=True,
            quoted_strings_can_be_null=True,
        ),
    )
    yield from reader


def _blank_as_null(column: pa.Array) -> pa.Array:
    """An empty text or a NaN is a blank cell, as :func:`~eligibility.input.read.none_for_blank` reads
    (the CSV reader already gives blank fields as nulls)."""
    if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
        if pc.any(pc.match_substring(column, "\x00")).as_py():
            column = pc.replace_substring(column, "\x00", "\ufffd")  # as the CSV reader: a bad_cell
        if pc.any(pc.equal(column, "")).as_py():
            column = pc.if_else(pc.equal(column, ""), pa.scalar(None, column.type), column)
        return column
    if pa.types.is_floating(column.type) and pc.any(pc.is_nan(column)).as_py():
        return pc.if_else(pc.is_nan(column), pa.scalar(None, column.type), column)
    return column


def _objects(column: pa.Array) -> npt.NDArray[np.object_]:
    """Cells as the object reader holds them: Python values, None for blank."""
    values = np.asarray(column.to_pandas(), dtype=object)
    return none_for_blank(values)


def _is_text(column: pa.Array) -> bool:
    return bool(pa.types.is_string(column.type) or pa.types.is_large_string(column.type))


def _check_text(
    column: pa.Array, field: str, rows: npt.NDArray[np.int64], header: str, issues: list[Issue]
) -> pa.Array:
    """:func:`~eligibility.input.read.check_cells` on a text column: a cell holding U+FFFD or text as
    long as Excel's limit is reported and blanked."""
    bad = pc.match_substring(column, "\ufffd")
    if pc.any(pc.greater_equal(pc.binary_length(column), _LONG_TEXT)).as_py():  # bytes first: cheap
        bad = pc.or_(bad, pc.greater_equal(pc.utf8_length(column), _LONG_TEXT))
    if not pc.any(bad).as_py():
        return column
    flagged = np.flatnonzero(pc.fill_null(bad, False).to_numpy(zero_copy_only=False))
    if flagged.size == 0:
        return column
    for p, cell in zip(flagged, column.take(pa.array(flagged)).to_pylist(), strict=True):
        shown = str(cell).replace("\ufffd", "\\0")[:20] + ("…" if len(str(cell)) > 20 else "")
        issues.append(Issue(IssueCode.BAD_CELL, Severity.ERROR, int(rows[p]), field, header, shown, None))
    return pc.if_else(bad, pa.scalar(None, column.type), column)


def _series(column: pa.Array, unit: Unit | None, written: dict[str, Any], name: str) -> pd.Series[Any]:
    """A checked column as the typing takes it, in the cheapest form that types alike; the text of
    a number column parsed here is kept in ``written`` for the issue values."""
    numeric_unit = unit is not None and unit not in (*_BY_SPELLING, Unit.TEXT)
    if numeric_unit and (pa.types.is_floating(column.type) or pa.types.is_integer(column.type)):
        return pd.Series(pc.cast(column, pa.float64()).to_numpy(zero_copy_only=False))
    if _is_text(column):
        if numeric_unit:
            try:
                parsed = pc.cast(column, pa.float64())
            except pa.ArrowInvalid:  # text that is not plain number text: the typing's own parse
                parsed = None
            # Arrow and pandas parse plain decimal text alike (correctly rounded); words for an
            # infinity or NaN are left to the typing, which reports them.
            if parsed is not None and pc.all(pc.is_finite(parsed)).as_py() is not False:
                written[name] = column
                return pd.Series(parsed.to_numpy(zero_copy_only=False))
        if unit in _BY_SPELLING:
            return pd.Series(pc.dictionary_encode(column).to_pandas())
        if unit is Unit.TEXT:  # cleaned by Arrow's string kernels, made Python text once
            return pd.Series(pd.arrays.ArrowStringArray(pc.cast(column, pa.large_string())))
    return pd.Series(_objects(column), dtype=object)


def prepare_batch(
    batch: pa.RecordBatch,
    mapped: HeaderMap,
    rules: RuleSet,
    start: int,
    issues: list[Issue],
) -> tuple[Prepared, npt.NDArray[np.bool_]]:
    """The typed columns of one chunk whose first record is grid row ``start`` (0-based), and which
    of its rows hold any cell (for the blank rows between chunks). ``issues`` are the chunk's
    reading issues so far; the typing's follow them."""
    width = batch.num_columns
    columns = [_blank_as_null(batch.column(i)) for i in range(width)]
    n = batch.num_rows
    valid = [np.asarray(c.is_valid().to_numpy(zero_copy_only=False), dtype=bool) for c in columns]
    nonblank = np.logical_or.reduce(valid) if valid else np.zeros(n, dtype=bool)
    coded = np.zeros(n, dtype=bool)
    code_col = mapped.columns.get("credit_code")
    if code_col is not None and code_col < width and _is_text(columns[code_col]):
        shaped = pc.match_substring_regex(pc.utf8_trim_whitespace(columns[code_col]), _CODE_SHAPE)
        coded = np.asarray(pc.fill_null(shaped, False).to_numpy(zero_copy_only=False), dtype=bool)

    def rows_at(at: npt.NDArray[np.int64]) -> tuple[npt.NDArray[np.object_], npt.NDArray[np.bool_]]:
        taken = pa.array(at)
        grid = np.column_stack([_objects(c.take(taken)) for c in columns])
        return grid, ~pd.isna(grid)

    keep = mark_firms(nonblank, coded, rows_at, mapped, start, None, issues)
    positions = np.flatnonzero(keep)
    rows = positions.astype(np.int64) + start + 1
    taken = None if positions.size == n else pa.array(positions)
    data: dict[str, pd.Series[Any]] = {}
    written: dict[str, Any] = {}
    for name, col in mapped.columns.items():
        if col >= width:
            data[name] = pd.Series(np.full(positions.size, None, dtype=object), dtype=object)
            continue
        column = columns[col] if taken is None else columns[col].take(taken)
        if _is_text(column):
            column = _check_text(column, name, rows, mapped.headers.get(name, name), issues)
        spec = rules.fields.get(name)
        data[name] = _series(column, spec.unit if spec is not None else None, written, name)
    table = InputTable(
        pd.DataFrame(data, index=pd.RangeIndex(positions.size)),
        "<chunk>",
        rows=rows,
        headers=mapped.headers,
        factors=mapped.factors,
        percent=mapped.percent,
        issues=issues,
        written=written,
    )
    return prepare(table, rules, check_keys=False), nonblank
