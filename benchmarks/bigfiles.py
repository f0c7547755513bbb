"""The national-scale input files of the file-to-file benchmarks, made once in a scratch folder (never
in the repository): the synthetic pool with Chinese headers (units, year labels, Chinese category
names, as ``samples/make_samples.py`` writes the sample) as CSV and as Parquet.

``python -m benchmarks.bigfiles [FOLDER] [FIRMS]`` writes ``pool_{FIRMS}.csv`` and ``.parquet``
(default ``/tmp/eligibility-bench``, 1,000,000 firms); a file already there is kept.
:func:`pool_parts` cuts the Parquet file into equal parts in a folder, as a partitioned pool.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from eligibility.synthetic import synthetic_pool

FOLDER = Path("/tmp/eligibility-bench")


def chinese_pool(firms: int, seed: int = 20261126) -> pa.Table:
    """``firms`` synthetic firms under the headers of the sample workbook (as of 2026)."""
    from samples.make_samples import chinese

    frame, columns = chinese(synthetic_pool(firms, seed=seed))
    frame.columns = [f"{year}{header}" if year else header for header, year, _ in columns.values()]
    return pa.Table.from_pandas(frame, preserve_index=False)


def pool_files(firms: int = 1_000_000, folder: Path = FOLDER) -> tuple[Path, Path]:
    """The CSV and Parquet files of ``firms`` firms, written when missing."""
    folder.mkdir(parents=True, exist_ok=True)
    csv_path, parquet_path = folder / f"pool_{firms}.csv", folder / f"pool_{firms}.parquet"
    if not (csv_path.exists() and parquet_path.exists()):
        table = chinese_pool(firms)
        pacsv.write_csv(table, csv_path, pacsv.WriteOptions(quoting_style="needed"))
        pq.write_table(table, parquet_path, row_group_size=131_072)
    return csv_path, parquet_path


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
    where = Path(sys.argv[1]) if len(sys.argv) > 1 else FOLDER
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
    for written in pool_files(count, where):
        print(written, f"{written.stat().st_size / 1e6:,.0f} MB")
