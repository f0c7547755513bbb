"""Everything of the pool back out (``pool export``): a workbook, or a folder of Parquet files.

Owns the copy of every table of the database — its identity (``pool_meta``), snapshots, firms, the
firms of each snapshot with their figures, results, gaps, issues, margins and targets — with the
database's own column names, read in chunks of :data:`CHUNK` rows (memory bounded whatever the
pool's size) and written atomically: the workbook through a temporary file, the folder through a
temporary folder renamed into place.

In the workbook a sheet per table (a table over Excel's 1,048,576 rows goes on in ``results_2``, …);
dates and times as ISO text, text cells never formulas. In the folder one ``<table>.parquet`` each,
typed (dates as ``date32``, times as UTC timestamps, booleans as booleans).

Must not: word anything (the export is for programs: ids and numbers), or change the database.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import xlsxwriter
from sqlalchemy import Boolean, Date, DateTime, Engine, Float, Integer, Table, select
from sqlalchemy.engine import Connection

from eligibility.pool.schema import (
    ALERTS,
    FIRMS,
    GAPS,
    ISSUES,
    MARGIN_LINES,
    MARGINS,
    META,
    RESULTS,
    SNAPSHOT_FIRMS,
    SNAPSHOTS,
    TARGETS,
    WATCH_FIRMS,
    WATCH_POSITIONS,
    WATCH_RESULTS,
)
from eligibility.render.files import atomic_folder, atomic_path

__all__ = ["CHUNK", "EXCEL_ROWS", "TABLES", "Export", "export_pool"]

TABLES: tuple[Table, ...] = (
    META,
    SNAPSHOTS,
    FIRMS,
    SNAPSHOT_FIRMS,
    RESULTS,
    GAPS,
    ISSUES,
    MARGIN_LINES,
    MARGINS,
    TARGETS,
    WATCH_FIRMS,
    WATCH_RESULTS,
    ALERTS,
    WATCH_POSITIONS,
)
CHUNK = 50_000
EXCEL_ROWS = 1_048_576  # a sheet's rows, its heading row included
EXCEL_CELL = 32_767  # characters a cell holds


@dataclass
class Export:
    """What an export wrote: the rows per table, the files or sheets, the cells cut to fit a cell."""

    path: Path
    rows: dict[str, int] = field(default_factory=dict)
    parts: dict[str, list[str]] = field(default_factory=dict)
    cut: int = 0


def _chunks(connection: Connection, table: Table) -> Iterator[Sequence[Any]]:
    order = list(table.primary_key.columns) or list(table.c)
    result = connection.execution_options(stream_results=True, max_row_buffer=CHUNK).execute(
        select(table).order_by(*order)
    )
    yield from result.partitions(CHUNK)


@contextmanager
def _one_moment(engine: Engine) -> Iterator[Connection]:
    """One read transaction over every table: SQLite's reads share one snapshot of the file; on
    PostgreSQL ``REPEATABLE READ`` gives every statement the snapshot of the first."""
    with engine.connect() as opened:
        connection = opened
        if opened.dialect.name == "postgresql":
            connection = opened.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            yield connection


def export_pool(engine: Engine, path: Path) -> Export:
    """Every table of the pool at ``path``: a workbook when it ends in ``.xlsx``, else a folder of
    Parquet files (absent or empty). One read transaction, so the copy is of one moment."""
    if path.suffix.lower() == ".xlsx":
        return _workbook(engine, path)
    return _parquet(engine, path)


def _cell(value: object) -> object:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _workbook(engine: Engine, path: Path) -> Export:
    done = Export(path)
    with atomic_path(path) as temporary, _one_moment(engine) as connection:
        book = xlsxwriter.Workbook(
            str(temporary),
            {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False},
        )
        try:
            for table in TABLES:
                names = [c.name for c in table.c]
                sheet, number, row = None, 0, EXCEL_ROWS
                count = 0
                for chunk in _chunks(connection, table):
                    for record in chunk:
                        if row >= EXCEL_ROWS:
                            number += 1
                            title = table.name if number == 1 else f"{table.name}_{number}"
                            sheet = book.add_worksheet(title)
                            sheet.write_row(0, 0, names)
                            done.parts.setdefault(table.name, []).append(title)
                            row = 1
                        assert sheet is not None
                        for column, value in enumerate(record):
                            cell = _cell(value)
                            if cell is None:
                                continue
                            if isinstance(cell, str):
                                if len(cell) > EXCEL_CELL:
                                    done.cut += 1
                                sheet.write_string(row, column, cell[:EXCEL_CELL])
                            elif isinstance(cell, bool):
                                sheet.write_boolean(row, column, cell)
                            else:
                                sheet.write_number(row, column, float(cell))  # type: ignore[arg-type]
                        row += 1
                        count += 1
                if sheet is None:  # an empty table: its headings alone
                    sheet = book.add_worksheet(table.name)
                    sheet.write_row(0, 0, names)
                    done.parts[table.name] = [table.name]
                done.rows[table.name] = count
        finally:
            book.close()
    return done


def _arrow_type(column: Any) -> pa.DataType:
    kind = column.type
    if isinstance(kind, Boolean):
        return pa.bool_()
    if isinstance(kind, Integer):
        return pa.int64()
    if isinstance(kind, Float):
        return pa.float64()
    if isinstance(kind, DateTime):
        return pa.timestamp("us", tz="UTC")
    if isinstance(kind, Date):
        return pa.date32()
    return pa.string()


def _utc(value: object) -> object:
    # SQLite hands a stored time back without its zone; the pool writes UTC times only.
    if isinstance(value, dt.datetime) and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value


def _parquet(engine: Engine, path: Path) -> Export:
    done = Export(path)
    with atomic_folder(path) as folder, _one_moment(engine) as connection:
        for table in TABLES:
            schema = pa.schema([pa.field(c.name, _arrow_type(c)) for c in table.c])
            name = f"{table.name}.parquet"
            count = 0
            with pq.ParquetWriter(str(folder / name), schema) as writer:
                for chunk in _chunks(connection, table):
                    columns = list(zip(*chunk, strict=True))
                    arrays = [
                        pa.array([_utc(v) for v in values], type=f.type)
                        for values, f in zip(columns, schema, strict=True)
                    ]
                    writer.write_table(pa.Table.from_arrays(arrays, schema=schema))
                    count += len(chunk)
            done.rows[table.name] = count
            done.parts[table.name] = [name]
    return done
