"""The Dask engine: a two-worker local cluster gives the pandas engine's results, row for row."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import dask.dataframe as dd  # the dask extra is part of the dev install: a missing one fails here
import distributed
import pandas as pd
import pytest
from click.testing import CliRunner

from eligibility import evaluate, load_rules, read_input
from eligibility.apps.cli import main
from eligibility.backends.dask import evaluate_partitions, read_partitioned, summary_counts, write_partitions
from eligibility.labels import text
from eligibility.render.files import write_csv
from eligibility.synthetic import synthetic_pool

pytestmark = [
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
    pytest.mark.filterwarnings("ignore::pandas.errors.Pandas4Warning"),
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
    pytest.mark.filterwarnings("ignore::UserWarning:distributed"),
]

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
AS_OF = "2026-11-26"
RULES = load_rules()


@pytest.fixture(scope="module")
def client() -> Iterator[object]:
    cluster = distributed.LocalCluster(  # type: ignore[no-untyped-call]
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    )
    with distributed.Client(cluster) as connected:  # type: ignore[no-untyped-call]
        yield connected
    cluster.close()


def _same(dask_result: pd.DataFrame, pandas_result: pd.DataFrame) -> None:
    left = dask_result.reset_index(drop=True)
    right = pandas_result.reset_index(drop=True)
    assert list(left.columns) == list(right.columns)
    for column in left.columns:
        if left[column].dtype.kind in "fb":
            pd.testing.assert_series_equal(left[column], right[column], check_dtype=False, check_names=False)
        else:
            expected = right[column].astype("string")
            pd.testing.assert_series_equal(left[column], expected, check_names=False)


def test_sample_csv_on_two_workers(client: object) -> None:
    frame = read_partitioned(str(SAMPLES / "pool.csv"), blocksize="40KB")
    assert frame.npartitions >= 2
    result = evaluate_partitions(frame, RULES, as_of=AS_OF).compute()  # type: ignore[no-untyped-call]
    table = read_input(SAMPLES / "pool.csv", RULES, as_of=AS_OF)
    _same(result, evaluate(table, RULES, as_of=AS_OF).wide())


def test_synthetic_parquet_partitions(client: object, tmp_path: Path) -> None:
    pool = synthetic_pool(20_000, seed=9)
    for k in range(4):
        pool.iloc[k * 5000 : (k + 1) * 5000].to_parquet(tmp_path / f"part.{k}.parquet")
    result = evaluate_partitions(dd.read_parquet(str(tmp_path)), RULES, as_of=AS_OF).compute()  # type: ignore[no-untyped-call]
    expected = evaluate(pool, RULES, as_of=AS_OF).wide()
    _same(result, expected)
    counts = summary_counts(evaluate_partitions(dd.read_parquet(str(tmp_path)), RULES, as_of=AS_OF))
    assert counts["firms"] == 20_000
    assert counts["flags"]["promotion_candidate"] == int(expected["flag.promotion_candidate"].sum())
    assert counts["tiers"]["srdi_sme"]["eligible"] == int((expected["srdi_sme.status"] == "eligible").sum())


def test_categorical_result_holds_the_same_values_and_no_objects(client: object, tmp_path: Path) -> None:
    pool = synthetic_pool(6000, seed=5)
    for k in range(3):
        pool.iloc[k * 2000 : (k + 1) * 2000].to_parquet(tmp_path / f"part.{k}.parquet")
    frame = dd.read_parquet(str(tmp_path))
    result = evaluate_partitions(frame, RULES, as_of=AS_OF, categorical=True).compute()  # type: ignore[no-untyped-call]
    assert not any(pd.api.types.is_object_dtype(d) for d in result.dtypes)
    coded = [c for c in result.columns if isinstance(result[c].dtype, pd.CategoricalDtype)]
    kinds = {c.rsplit(".", 1)[1] for c in coded}
    assert kinds == {"status", "borderline", "failed", "route", "ruleset", "class"}
    assert all(str(result[c].dtype) == "string" for c in ("credit_code", "name"))
    _same(result.astype(dict.fromkeys(coded, "string")), evaluate(pool, RULES, as_of=AS_OF).wide())


def test_workers_write_the_pandas_engines_csv(client: object, tmp_path: Path) -> None:
    source, out = tmp_path / "in", tmp_path / "out"
    source.mkdir()
    out.mkdir()
    pool = synthetic_pool(3000, seed=6)
    for k in range(3):
        pool.iloc[k * 1000 : (k + 1) * 1000].to_parquet(source / f"part.{k}.parquet")
    counts = write_partitions(dd.read_parquet(str(source)), RULES, out, fmt="csv", as_of=AS_OF)
    assert counts["firms"] == 3000
    parts = [pd.read_csv(out / f"part-{k}.csv", encoding="utf-8-sig", dtype=str) for k in range(3)]
    whole = pd.read_csv(
        write_csv(evaluate(pool, RULES, as_of=AS_OF), tmp_path / "all.csv"), encoding="utf-8-sig", dtype=str
    )
    pd.testing.assert_frame_equal(pd.concat(parts, ignore_index=True), whole)


def test_cli_dask_engine_on_an_existing_cluster(client: object, tmp_path: Path) -> None:
    source = tmp_path / "in"
    source.mkdir()
    pool = synthetic_pool(3000, seed=4)
    for k in range(3):
        pool.iloc[k * 1000 : (k + 1) * 1000].to_parquet(source / f"part.{k}.parquet")
    out = tmp_path / "out"
    address = client.scheduler.address  # type: ignore[attr-defined]
    result = CliRunner().invoke(
        main,
        ["screen", str(source), "--engine", "dask", "--scheduler", address, "--as-of", AS_OF, "-o", str(out)],
    )
    assert result.exit_code == 0, result.output
    purpose = text("purpose_apply", "zh")
    assert text("summary_title", "zh", firms=3000, as_of=AS_OF, purpose=purpose) in result.output
    written = pd.read_parquet(out)
    _same(written, evaluate(pool, RULES, as_of=AS_OF).wide())
    # The output is never overwritten.
    again = CliRunner().invoke(
        main,
        ["screen", str(source), "--engine", "dask", "--scheduler", address, "--as-of", AS_OF, "-o", str(out)],
    )
    assert again.exit_code == 2
    assert text("dask_output_exists", "zh", path=out) in again.output


def test_folder_without_dask_engine_is_refused(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["screen", str(tmp_path), "--as-of", AS_OF, "-o", str(tmp_path / "x.xlsx")]
    )
    assert result.exit_code == 2
    assert text("folder_needs_dask", "zh", path=tmp_path) in result.output
