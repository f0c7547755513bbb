"""A file too large to hold at once, read and prepared chunk by chunk (CSV by bytes, others by rows),
the parts joined with their issues and spreadsheet rows intact.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import datetime as dt
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa

from eligibility.columns import Prepared
from eligibility.errors import InputError, Issue, IssueCode, Severity
from eligibility.input.columnar import csv_batches, prepare_batch
from eligibility.input.headers import YEAR_COLUMN, HeaderMap, HeaderReader, map_headers
from eligibility.input.prepare import check_firm_keys, prepare
from eligibility.input.read import (
    check_cells,
    find_header,
    firm_rows,
    none_for_blank,
    read_input,
    sniff_csv,
    unreadable,
)
from eligibility.input.table import InputTable
from eligibility.language.ruleset import RuleSet, parse_as_of

__all__ = ["CHUNK_BYTES", "PARQUET_CHUNK_ROWS", "prepare_in_chunks", "read_in_chunks"]


CHUNK_BYTES = 256 * 1024 * 1024  # files above this are read in chunks by the pandas engine
# Parquet is compressed (a million firms in under 100 MB): its size is counted in rows.
PARQUET_CHUNK_ROWS = 200_000


def read_in_chunks(path: Path, chunk_bytes: int = CHUNK_BYTES) -> bool:
    """Whether a pool file is large enough to be read chunk by chunk (:func:`prepare_in_chunks`)."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return path.stat().st_size > chunk_bytes
    if suffix == ".parquet":
        import pyarrow.parquet as pq

        try:
            rows = pq.ParquetFile(path).metadata.num_rows
        except Exception:  # not Parquet after all: the reader says so
            return False
        return path.stat().st_size > chunk_bytes or rows > PARQUET_CHUNK_ROWS
    return False


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
    arrow: Iterable[pa.RecordBatch] | None = None
    try:
        if source.suffix.lower() == ".parquet":
            import pyarrow.parquet as pq

            file = pq.ParquetFile(source)
            mapped = map_headers([reader.read(name) for name in file.schema_arrow.names], None)
            header_row = 0
            arrow = file.iter_batches(batch_size=chunk_rows)
        else:
            encoding, separator, head = sniff_csv(source)
            header_row, matches = find_header(head.to_numpy(dtype=object), reader)
            mapped = map_headers(matches, None)
            if encoding == "utf-8-sig":
                arrow = csv_batches(source, separator, header_row + 1, head.shape[1])
    except InputError:
        raise
    except Exception as exc:  # a damaged or foreign file is an input error
        raise unreadable(f"{source.name}: {exc}") from exc
    if YEAR_COLUMN in mapped.columns:
        return prepare(read_input(source, rules, as_of=day, mapping=mapping), rules, strict=strict)
    parts: list[Prepared] | None = None
    if arrow is not None:
        try:
            parts = _arrow_parts(arrow, mapped, rules, header_row)
        except pa.ArrowInvalid:
            parts = None  # a ragged or undecodable CSV: read by pandas, which pads short records
    if parts is None:
        parts = _pandas_parts(source, mapped, rules, header_row, chunk_rows)
    prepared = _concat_prepared(parts, mapped.issues)
    del parts
    check_firm_keys(
        prepared.text.get("credit_code"),
        prepared.rows,
        prepared.issues,
        None,
        mapped.headers.get("credit_code", "credit_code"),
    )
    if strict and any(i.severity is Severity.ERROR for i in prepared.issues):
        raise InputError([i for i in prepared.issues if i.severity is Severity.ERROR])
    give_back_memory()
    return prepared


def _arrow_parts(
    batches: Iterable[pa.RecordBatch], mapped: HeaderMap, rules: RuleSet, header_row: int
) -> list[Prepared]:
    """Every chunk typed from its Arrow columns (:mod:`eligibility.input.columnar`)."""
    parts: list[Prepared] = []
    offset = 0
    pending: list[int] = []
    for batch in batches:
        start = offset + header_row + 1  # grid row (0-based) of the batch's first row
        offset += batch.num_rows
        issues: list[Issue] = []
        part, nonblank = prepare_batch(batch, mapped, rules, start, issues)
        filled = np.flatnonzero(nonblank)
        _blank_rows_before(part, filled, pending, start, len(nonblank))
        parts.append(part)
    return parts


def _blank_rows_before(
    part: Prepared, filled: npt.NDArray[np.int64], pending: list[int], start: int, size: int
) -> None:
    """Blank rows at the end of the previous chunk were inside the table after all when this one
    has a filled row: reported first among this chunk's issues."""
    if filled.size:
        part.issues[:0] = [
            Issue(IssueCode.BLANK_ROW, Severity.INFO, r, None, None, None, None) for r in pending
        ]
        pending.clear()
    last = int(filled[-1]) if filled.size else -1
    pending += [int(p) + start + 1 for p in range(last + 1, size)]


def _pandas_parts(
    source: Path, mapped: HeaderMap, rules: RuleSet, header_row: int, chunk_rows: int
) -> list[Prepared]:
    """Every chunk read by pandas as text cells (GBK and UTF-16 files, ragged records)."""
    try:
        if source.suffix.lower() == ".parquet":
            import pyarrow.parquet as pq

            batches: Iterable[pd.DataFrame] = (
                b.to_pandas() for b in pq.ParquetFile(source).iter_batches(batch_size=chunk_rows)
            )
        else:
            encoding, separator, _ = sniff_csv(source)
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
    except Exception as exc:  # a damaged or foreign file is an input error
        raise unreadable(f"{source.name}: {exc}") from exc
    parts: list[Prepared] = []
    offset = 0
    pending: list[int] = []
    for batch in batches:
        cells = none_for_blank(batch.to_numpy(dtype=object))
        start = offset + header_row + 1  # grid row (0-based) of the batch's first row
        offset += len(batch)
        issues: list[Issue] = []
        keep = firm_rows(cells, mapped, start, None, issues)
        filled = np.flatnonzero(~pd.isna(cells).all(axis=1))
        data = cells[keep]
        rows = np.flatnonzero(keep).astype(np.int64) + start + 1
        columns = {
            f: data[:, c].copy() if c < data.shape[1] else np.full(len(data), None, dtype=object)
            for f, c in mapped.columns.items()
        }
        check_cells(columns, rows, mapped.headers, None, issues)
        table = InputTable(
            pd.DataFrame(columns),
            str(source),
            rows=rows,
            headers=mapped.headers,
            factors=mapped.factors,
            percent=mapped.percent,
            issues=issues,
        )
        part = prepare(table, rules, check_keys=False)
        _blank_rows_before(part, filled, pending, start, len(cells))
        parts.append(part)
    return parts


def _shared_text(values: npt.NDArray[np.object_]) -> npt.NDArray[np.object_]:
    """A text column that repeats a few values (province, city, township) holding each distinct text
    once: a million firms of one county are one string, not a million copies of it."""
    if values.size < 1024:
        return values
    codes, distinct = pd.factorize(values)
    if len(distinct) * 4 > values.size:  # mostly distinct (names, credit codes): kept as read
        return values
    texts = np.empty(len(distinct) + 1, dtype=object)  # the last one: None, for code -1 (blank)
    texts[:-1] = np.asarray(distinct, dtype=object)
    shared: npt.NDArray[np.object_] = texts[codes]
    return shared


def give_back_memory() -> None:
    """Return the memory freed by reading (Arrow's pool, the C heap's free pages) to the system, so
    that the evaluation's arrays do not pile up on top of the reader's garbage."""
    pa.default_memory_pool().release_unused()
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.malloc_trim(0)  # glibc only; elsewhere absent, and nothing to do
    except (OSError, AttributeError):
        pass


def _concat_prepared(parts: list[Prepared], issues: list[Issue]) -> Prepared:
    if not parts:
        return Prepared(0, {}, {}, {}, frozenset(), list(issues), np.zeros(0, dtype=np.int64))
    first = parts[0]
    return Prepared(
        n=sum(p.n for p in parts),
        columns={k: np.concatenate([p.columns[k] for p in parts]) for k in first.columns},
        dates={k: np.concatenate([p.dates[k] for p in parts]) for k in first.dates},
        text={k: _shared_text(np.concatenate([p.text[k] for p in parts])) for k in first.text},
        present=first.present,
        issues=[*issues, *(i for p in parts for i in p.issues)],
        rows=np.concatenate([p.rows for p in parts]),
        sheet=None,
        headers=first.headers,
    )
