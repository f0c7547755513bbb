"""The monitor's latency per update, and 200,000 firms on a two-worker Dask cluster beside pandas."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from benchmarks.conftest import record
from eligibility import evaluate, load_rules, read_input
from eligibility.apps.watch import Monitor
from eligibility.synthetic import synthetic_pool

RULES = load_rules()
AS_OF = "2026-11-26"
POOL = Path(__file__).resolve().parents[1] / "samples" / "pool.xlsx"
LATENCY = "watch: one firm update, re-assessed by the durable_rules backend"
DASK = "200,000 firms: Dask (2 local workers) beside the pandas engine"


def test_watch_latency(benchmark: Any) -> None:
    monitor = Monitor.from_pool(read_input(POOL, RULES, as_of=AS_OF), RULES, AS_OF)
    codes = list(monitor.records)[:50]
    lines = [json.dumps({"credit_code": c, "rd_expense_y1": 90 + k % 40}) for k, c in enumerate(codes)]
    list(monitor.feed(lines[:5]))  # first use compiles the rulesets

    def run() -> None:
        for line in lines:
            monitor.update(line)

    benchmark.group = LATENCY
    benchmark.pedantic(run, rounds=2, iterations=1)
    per_update = benchmark.stats.stats.min / len(lines)
    benchmark.extra_info["ms_per_update"] = per_update * 1000
    record(benchmark, LATENCY, f"watch update ({per_update * 1000:.0f} ms each)", len(lines))


@pytest.fixture(scope="module")
def parquet(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pd.DataFrame]:
    folder = tmp_path_factory.mktemp("pool")
    pool = synthetic_pool(200_000, seed=17)
    for k in range(8):
        pool.iloc[k * 25_000 : (k + 1) * 25_000].to_parquet(folder / f"part.{k}.parquet")
    return folder, pool


@pytest.mark.filterwarnings("ignore")
def test_dask_two_workers(benchmark: Any, parquet: tuple[Path, pd.DataFrame]) -> None:
    distributed = pytest.importorskip("distributed")
    import dask.dataframe as dd

    from eligibility.backends.dask import evaluate_partitions

    folder, pool = parquet
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    )
    with cluster, distributed.Client(cluster):

        def run() -> pd.DataFrame:
            result: pd.DataFrame = evaluate_partitions(
                dd.read_parquet(str(folder)), RULES, as_of=AS_OF
            ).compute()
            return result

        benchmark.group = DASK
        result = benchmark.pedantic(run, rounds=2, iterations=1)
    expected = evaluate(pool, RULES, as_of=AS_OF).wide()
    got = result.reset_index(drop=True)
    assert list(got.columns) == list(expected.columns)
    for column in expected.columns:  # identical to the pandas engine, column by column
        if expected[column].dtype.kind in "fb":
            pd.testing.assert_series_equal(
                got[column], expected[column], check_dtype=False, check_names=False
            )
        else:
            assert got[column].astype(object).fillna("").tolist() == expected[column].fillna("").tolist(), (
                column
            )
    record(benchmark, DASK, "Dask: read Parquet, evaluate, wide table (2 workers)", len(pool))


def test_pandas_same_pool(benchmark: Any, parquet: tuple[Path, pd.DataFrame]) -> None:
    folder, pool = parquet

    def run() -> pd.DataFrame:
        frame = pd.concat([pd.read_parquet(p) for p in sorted(folder.glob("*.parquet"))], ignore_index=True)
        return evaluate(frame, RULES, as_of=AS_OF).wide()

    benchmark.group = DASK
    result = benchmark.pedantic(run, rounds=2, iterations=1)
    assert len(result) == len(pool)
    record(benchmark, DASK, "engine (pandas, one process): same Parquet, wide table", len(pool))
