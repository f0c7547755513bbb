"""Honest yardsticks (issue 17, item 7), side by side in one run.

1. 专精特新 under 2号 (``srdi_sme_2026``, purpose apply) for 1M synthetic firms (the pool of
   ``test_bench_evaluate.py``, seed 7): ``evaluate(tiers=["srdi_sme"])`` beside the same rule set
   written by hand, lean, in numpy and in polars (``benchmarks/handwritten.py``: statuses only, from the
   typed input columns). The statuses are checked identical on every firm before anything is timed.
   The engine and numpy run on one core; polars uses both. The goal row is the engine's best time over
   polars' best, taken in alternation (goal ≤ 3×).
2. Reading the 1M-firm CSV with Chinese headers and its Parquet (``benchmarks/bigfiles.py``) with
   pyarrow and with polars, whole and as the reader reads (pyarrow, chunk by chunk, every CSV cell as
   text); peak memory is the reading process's resident peak over that of a process that only imports
   the library.

``ELIGIBILITY_BENCH_FIRMS`` sets another size.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from benchmarks.bigfiles import pool_files
from benchmarks.conftest import goal, peak_mb, record
from benchmarks.handwritten import category_codes, polars_frame, srdi_2026_numpy, srdi_2026_polars
from benchmarks.test_bench_evaluate import RULES, prepared
from eligibility import evaluate
from eligibility.input.columnar import csv_batches
from eligibility.scoring.logic import Status

FIRMS = int(os.environ.get("ELIGIBILITY_BENCH_FIRMS", "1000000"))
AS_OF = dt.date(2026, 11, 26)  # 2号 in force
ROUNDS = 5  # the hand-written ones, which take milliseconds
ENGINE_ROUNDS = 3  # the engine, seconds at 1M
STATUSES = f"专精特新 2号 (srdi_sme_2026, apply), {FIRMS:,} firms, statuses"
CODES = category_codes(RULES)

StatusArray = npt.NDArray[np.int8]


def engine() -> StatusArray:
    return evaluate(prepared(FIRMS), RULES, as_of=AS_OF, tiers=["srdi_sme"]).results["srdi_sme"].status


def by_numpy() -> StatusArray:
    data = prepared(FIRMS)
    return srdi_2026_numpy(data.columns, data.dates, CODES, AS_OF)


@functools.cache
def frame() -> pl.DataFrame:
    data = prepared(FIRMS)
    return polars_frame(data.columns, data.dates)


def by_polars() -> pl.Series:
    return srdi_2026_polars(frame(), CODES, AS_OF)


def test_yardsticks_agree_with_the_engine() -> None:
    status = engine()
    np.testing.assert_array_equal(by_numpy(), status)
    np.testing.assert_array_equal(by_polars().to_numpy(), status)
    counts = np.bincount(status, minlength=4)
    assert min(counts[Status.PASS], counts[Status.REVIEW], counts[Status.FAIL]) > 0


def test_engine_srdi_2026(benchmark: Any) -> None:
    benchmark.group = STATUSES
    result = benchmark.pedantic(engine, rounds=ENGINE_ROUNDS, iterations=1, warmup_rounds=1)
    assert len(result) == FIRMS
    # With sme_size, which it requires, and the re-review of titles expiring within 12 months (退库风险).
    record(benchmark, STATUSES, 'engine: evaluate(tiers=["srdi_sme"])', FIRMS, peak_mb(engine))


def test_handwritten_numpy_srdi_2026(benchmark: Any) -> None:
    benchmark.group = STATUSES
    result = benchmark.pedantic(by_numpy, rounds=ROUNDS, iterations=1, warmup_rounds=1)
    assert len(result) == FIRMS
    record(benchmark, STATUSES, "hand-written numpy, lean (one core)", FIRMS, peak_mb(by_numpy))


def test_handwritten_polars_srdi_2026(benchmark: Any) -> None:
    benchmark.group = STATUSES
    frame()
    result = benchmark.pedantic(by_polars, rounds=ROUNDS, iterations=1, warmup_rounds=1)
    assert len(result) == FIRMS
    record(benchmark, STATUSES, "hand-written polars (both cores)", FIRMS, note="Rust memory not traced")


def test_polars_frame_from_typed_columns(benchmark: Any) -> None:
    benchmark.group = STATUSES
    data = prepared(FIRMS)
    result = benchmark.pedantic(
        lambda: polars_frame(data.columns, data.dates), rounds=ROUNDS, iterations=1, warmup_rounds=1
    )
    assert result.height == FIRMS
    record(
        benchmark, STATUSES, "(the polars frame from the typed columns)", FIRMS, note="before the row above"
    )


def test_goal_engine_over_polars() -> None:
    """The goal's ratio from best times taken in alternation, so a busy spell weighs on both."""
    frame()
    times: dict[str, list[float]] = {"engine": [], "polars": []}
    runs: dict[str, Callable[[], object]] = {"engine": engine, "polars": by_polars}
    for _ in range(ENGINE_ROUNDS):
        for name, run in runs.items():
            start = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - start)
    ratio = min(times["engine"]) / min(times["polars"])
    goal(f"evaluate srdi_sme ÷ hand-written polars, {FIRMS:,} firms", ratio, None, 3.0, unit="×")


# -- reading the big files: pyarrow beside polars ---------------------------------------------------

CSV = f"read the {FIRMS:,}-firm CSV (Chinese headers, 60 columns)"
PARQUET = f"read the {FIRMS:,}-firm Parquet (60 columns)"
READ_ROUNDS = 3


@functools.cache
def files() -> tuple[Path, Path]:
    return pool_files(FIRMS)


def _header(path: Path) -> list[str]:
    return list(pacsv.open_csv(path).schema.names)


def _arrow_batches(path: Path) -> int:
    """As the reader reads a large UTF-8 CSV: 16 MB blocks on every core, every cell as text."""
    return sum(b.num_rows for b in csv_batches(path, ",", 1, len(_header(path))))


def _arrow_parquet_batches(path: Path) -> int:
    """As the reader reads a large Parquet file: row batches of 200,000."""
    return sum(b.num_rows for b in pq.ParquetFile(path).iter_batches(batch_size=200_000))


def _arrow_text(path: Path) -> int:
    types = pacsv.ConvertOptions(column_types=dict.fromkeys(_header(path), pa.string()))
    return int(pacsv.read_csv(path, convert_options=types).num_rows)


READERS: dict[str, tuple[str, Callable[[Path], int]]] = {
    "arrow-batches": ("engine's read: pyarrow open_csv, text, 16 MB blocks", _arrow_batches),
    "arrow-text": ("pyarrow.csv.read_csv, every cell text", _arrow_text),
    "polars-text": ("polars.read_csv, every cell text", lambda p: pl.read_csv(p, infer_schema=False).height),
    "arrow-typed": ("pyarrow.csv.read_csv, types inferred", lambda p: int(pacsv.read_csv(p).num_rows)),
    "polars-typed": ("polars.read_csv, types inferred", lambda p: pl.read_csv(p).height),
    "arrow-pq-batches": ("engine's read: pyarrow iter_batches (200k rows)", _arrow_parquet_batches),
    "arrow-pq": ("pyarrow.parquet.read_table", lambda p: int(pq.read_table(p).num_rows)),
    "polars-pq": ("polars.read_parquet", lambda p: pl.read_parquet(p).height),
}
# VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the forking process (pytest, large) across exec.
_PEAK = """
import re, sys
from pathlib import Path
from benchmarks.test_bench_yardsticks import READERS
def peak():
    return int(re.search(r"VmHWM:\\s+(\\d+)", Path("/proc/self/status").read_text()).group(1))
before = peak()
READERS[sys.argv[1]][1](Path(sys.argv[2]))
print(before, peak())
"""


def _read_peak_mb(key: str, path: Path) -> float:
    """Resident peak of a process reading ``path`` over its peak once the libraries are imported."""
    root = Path(__file__).resolve().parent.parent
    out = subprocess.run(
        [sys.executable, "-c", _PEAK, key, str(path)], check=True, capture_output=True, text=True, cwd=root
    ).stdout.split()
    return (int(out[1]) - int(out[0])) / 1024


@pytest.mark.parametrize("key", [k for k in READERS if "pq" not in k])
def test_read_csv(benchmark: Any, key: str) -> None:
    csv_path, _ = files()
    approach, read = READERS[key]
    benchmark.group = CSV
    rows = benchmark.pedantic(read, args=(csv_path,), rounds=READ_ROUNDS, iterations=1)
    assert rows == FIRMS
    record(benchmark, CSV, approach, FIRMS, _read_peak_mb(key, csv_path), note="peak: resident, whole read")


@pytest.mark.parametrize("key", [k for k in READERS if "pq" in k])
def test_read_parquet(benchmark: Any, key: str) -> None:
    _, parquet_path = files()
    approach, read = READERS[key]
    benchmark.group = PARQUET
    rows = benchmark.pedantic(read, args=(parquet_path,), rounds=READ_ROUNDS, iterations=1)
    assert rows == FIRMS
    peak = _read_peak_mb(key, parquet_path)
    record(benchmark, PARQUET, approach, FIRMS, peak, note="peak: resident, whole read")
