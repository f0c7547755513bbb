"""Pools beyond one machine: the same core, once per partition of a Dask DataFrame.

The headers of the Dask frame are mapped to fields once; then every partition is typed as the pandas
engine types a Parquet file (Arrow columns, :mod:`eligibility.input.columnar`), evaluated by
:func:`eligibility.evaluate` and yields its rows of the wide table (README "Output contract"). Nothing
crosses partitions — a firm's result depends on its own row only (``tests/test_properties.py`` checks
batch = one firm at a time), so the results equal the pandas engine's, row for row. Two things stay
local to a partition: duplicate credit codes are found within it, and input issues show as
``flag.data_issue`` without being listed (screen the file with the pandas engine for the list).

What crosses processes is what makes Dask pay or not: :func:`write_partitions` (the CLI) has every
worker write the parts it evaluates and send back only counts; :func:`evaluate_partitions` with
``categorical=True`` sends a small integer per firm for each coded column. No result column holds
Python objects.

Dask is an optional extra: ``pip install eligibility[dask]``.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import datetime as dt
import functools
import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa

from eligibility.input.columnar import prepare_batch
from eligibility.input.headers import HeaderMap, header_map
from eligibility.input.prepare import check_firm_keys
from eligibility.language.load import load_rules
from eligibility.language.ruleset import RuleSet, parse_as_of

if TYPE_CHECKING:
    import dask.dataframe as dd

    from eligibility.assessment import Assessment

__all__ = ["evaluate_partitions", "is_dask_frame", "read_partitioned", "summary_counts", "write_partitions"]


def is_dask_frame(data: object) -> bool:
    """Whether ``data`` is a Dask DataFrame (without importing Dask when it is not installed)."""
    module = type(data).__module__
    return module.startswith("dask") and hasattr(data, "map_partitions")


@dataclass(frozen=True)
class _Plan:
    """What every partition needs: picklable, small, the rules loaded once per worker."""

    rules_dir: str
    mapped: HeaderMap  # field id → position of its column in the Dask frame (issues left out)
    as_of: dt.date
    purpose: str
    regime: str | None
    horizon_months: int
    categorical: bool = False


@functools.lru_cache(maxsize=4)
def _rules(directory: str) -> RuleSet:
    return load_rules(directory)


@functools.cache
def _undo_fixed_trim_threshold() -> None:
    """Give a worker's C heap back the sizes glibc grows to by itself (reuse arrays up to 32 MB,
    keep 64 MB free at the top). Dask's nanny starts workers with ``MALLOC_TRIM_THRESHOLD_=65536``,
    which also fixes glibc's mmap threshold at 128 KB: every array of a partition is then mapped,
    faulted in and unmapped anew, and a partition costs about 60% more CPU (1.6 s → 2.6 s for
    125,000 firms, measured)."""
    if "MALLOC_TRIM_THRESHOLD_" not in os.environ:
        return
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt(-3, 32 << 20)  # M_MMAP_THRESHOLD
        libc.mallopt(-1, 64 << 20)  # M_TRIM_THRESHOLD
    except (OSError, AttributeError):  # not glibc: nothing to undo
        pass


def _assess(part: pd.DataFrame, plan: _Plan) -> tuple[Assessment, pd.Index]:
    """The partition evaluated, and the index of its rows that are firms (all, but a 合计 row).

    The partition goes to the core as Arrow columns and is typed as the pandas engine types a
    Parquet file (:mod:`eligibility.input.columnar`): Dask's text columns are already Arrow, so no
    Python object is made per cell."""
    from eligibility.assessment import evaluate

    _undo_fixed_trim_threshold()
    rules = _rules(plan.rules_dir)
    batch = pa.RecordBatch.from_pandas(part, preserve_index=False)
    prepared, _ = prepare_batch(batch, plan.mapped, rules, 0, [])
    check_firm_keys(
        prepared.text.get("credit_code"),
        prepared.rows,
        prepared.issues,
        None,
        plan.mapped.headers.get("credit_code", "credit_code"),
    )
    assessment = evaluate(
        prepared,
        rules,
        as_of=plan.as_of,
        purpose="review" if plan.purpose == "review" else "apply",
        regime=plan.regime,
        horizon_months=plan.horizon_months,
    )
    return assessment, part.index[prepared.rows - 1]  # rows are 1-based positions here


_STRING = pd.StringDtype("pyarrow")


def _wide_frame(assessment: Assessment, index: pd.Index, categorical: bool) -> pd.DataFrame:
    """The partition's wide table with one dtype per column whatever the partition holds: numbers
    float, flags bool, the coded text (status, borderline, failed, route, ruleset, class) as
    categoricals or Arrow strings, the rest Arrow strings (so Parquet knows its type even from an
    empty partition). No column holds Python objects, so a partition crosses processes as buffers."""
    table = next(assessment.wide_batches(max(assessment.n, 1), dictionary=categorical))
    frame: pd.DataFrame = table.to_pandas(types_mapper={pa.large_string(): _STRING}.get)
    for name in frame.columns:
        dtype = frame[name].dtype
        # Arrow's dictionaries came as categoricals; null-typed and integer columns become text.
        if dtype.kind not in "fb" and dtype != _STRING and not isinstance(dtype, pd.CategoricalDtype):
            frame[name] = frame[name].astype(_STRING)
    frame.index = index
    return frame


def _evaluate_partition(part: pd.DataFrame, plan: _Plan) -> pd.DataFrame:
    assessment, index = _assess(part, plan)
    return _wide_frame(assessment, index, plan.categorical)


def _plan(
    frame: dd.DataFrame,
    rules: RuleSet,
    as_of: dt.date | str,
    purpose: str,
    regime: str | None,
    horizon_months: int,
    categorical: bool = False,
) -> _Plan:
    day = parse_as_of(as_of)
    mapped = header_map([str(c) for c in frame.columns], rules, day)
    return _Plan(
        rules_dir=str(rules.directory),
        mapped=replace(mapped, issues=[]),
        as_of=day,
        purpose=purpose,
        regime=regime,
        horizon_months=horizon_months,
        categorical=categorical,
    )


def evaluate_partitions(
    frame: dd.DataFrame,
    rules: RuleSet,
    *,
    as_of: dt.date | str,
    purpose: str = "apply",
    regime: str | None = None,
    horizon_months: int = 12,
    categorical: bool = False,
) -> dd.DataFrame:
    """The wide result table of a Dask DataFrame of firms, lazily, one task per partition.

    Columns may be canonical field ids or Chinese headers with units and year labels (one header
    row). Unmapped columns are ignored here; :func:`eligibility.input.headers.header_map` lists them.
    Text columns are pandas' Arrow-backed ``string``; with ``categorical``, the coded ones (status,
    borderline, failed, route, ruleset, class) are categoricals, a small integer per firm and a few
    texts per partition, which is what makes collecting the result to the client cheap. To write the
    result, :func:`write_partitions` lets every worker write its own part instead.
    """
    plan = _plan(frame, rules, as_of, purpose, regime, horizon_months, categorical)
    meta = _evaluate_partition(frame._meta, plan)
    if categorical:
        from dask.dataframe.utils import clear_known_categories

        meta = clear_known_categories(meta)  # type: ignore[no-untyped-call]  # each partition: its own texts
    result: dd.DataFrame = frame.map_partitions(_evaluate_partition, plan, meta=meta)  # type: ignore[no-untyped-call]
    return result


def read_partitioned(path: str, blocksize: str | None = None) -> dd.DataFrame:
    """A partitioned Parquet dataset (file, folder or glob) or CSV files (glob) as a Dask frame.

    Partitions hold about 130,000 firms (CSV: 64 MB of text; Parquet: 16 MB of uncompressed
    columns, row groups joined or a large file split at its row groups): enough that a worker's
    fixed cost per call is small beside the firms, few enough that it evaluates one in under a GB,
    and a national file gives every worker of a small cluster work of its own."""
    import dask.dataframe as dd

    if path.lower().endswith((".csv", ".csv.gz")) or "*.csv" in path.lower():
        frame: dd.DataFrame = dd.read_csv(
            path, dtype=object, blocksize=blocksize or "64MB", encoding="utf-8-sig"
        )
    else:
        frame = dd.read_parquet(path, split_row_groups="adaptive", blocksize=blocksize or "16MB")
    return frame


def _counts(part: pd.DataFrame) -> pd.DataFrame:
    """One row of counts for a partition: ``tier|status`` per status column, ``flag.x`` per flag."""
    counts: dict[str, int] = {"firms": len(part)}
    for column in part.columns:
        name = str(column)
        if name.endswith(".status"):
            for status, count in part[column].value_counts().items():
                counts[f"{name[: -len('.status')]}|{status}"] = int(count)
        elif name.startswith("flag."):
            counts[name] = int(part[column].sum())
    return pd.DataFrame([counts])


_STATUSES = ("eligible", "ineligible", "incomplete", "review")


def _count_columns(result_columns: list[str]) -> tuple[list[str], list[str], list[str]]:
    tiers = [c[: -len(".status")] for c in result_columns if c.endswith(".status")]
    flags = [c for c in result_columns if c.startswith("flag.")]
    return ["firms", *(f"{t}|{s}" for t in tiers for s in _STATUSES), *flags], tiers, flags


def _summary(total: pd.Series[Any], tiers: list[str], flags: list[str]) -> dict[str, Any]:
    return {
        "firms": int(total["firms"]),
        "tiers": {t: {s: int(total[f"{t}|{s}"]) for s in _STATUSES} for t in tiers},
        "flags": {f[len("flag.") :]: int(total[f]) for f in flags},
    }


def summary_counts(result: dd.DataFrame) -> dict[str, Any]:
    """Firms, counts per tier and status, and per flag, computed partition by partition."""
    columns, tiers, flags = _count_columns([str(c) for c in result.columns])
    meta = pd.DataFrame({c: pd.Series([], dtype="int64") for c in columns})
    parts = result.map_partitions(lambda p: _counts(p).reindex(columns=columns, fill_value=0), meta=meta)  # type: ignore[no-untyped-call]
    return _summary(parts.compute().fillna(0).sum(), tiers, flags)


def _write_partition(
    part: pd.DataFrame,
    plan: _Plan,
    folder: str,
    fmt: str,
    schema: pa.Schema,
    columns: list[str],
    partition_info: dict[str, Any] | None = None,
) -> pd.DataFrame:
    """Evaluate one partition, write its part of the wide table, and give back only its counts."""
    from eligibility.assessment import STATUS_NAMES
    from eligibility.render.files import write_csv, write_parquet

    assessment, _ = _assess(part, plan)
    number = partition_info["number"] if partition_info is not None else 0
    if fmt == "csv":
        write_csv(assessment, Path(folder) / f"part-{number}.csv")
    else:
        write_parquet(assessment, Path(folder) / f"part.{number}.parquet", schema)
    counts: dict[str, int] = dict.fromkeys(columns, 0)
    counts["firms"] = assessment.n
    for tier, result in assessment.results.items():
        for code, count in enumerate(np.bincount(result.status.astype(np.intp), minlength=len(STATUS_NAMES))):
            counts[f"{tier}|{STATUS_NAMES[code]}"] = int(count)
    for column in columns:
        if column.startswith("flag."):
            counts[column] = int(np.count_nonzero(assessment.flags.get(column[len("flag.") :])))
    return pd.DataFrame([counts], columns=columns)


def write_partitions(
    frame: dd.DataFrame,
    rules: RuleSet,
    folder: str | Path,
    *,
    fmt: str = "parquet",
    as_of: dt.date | str,
    purpose: str = "apply",
    regime: str | None = None,
    horizon_months: int = 12,
) -> dict[str, Any]:
    """Every partition evaluated and written by the worker that evaluated it, as one part of the
    wide table in ``folder`` (``part.N.parquet``, with the schema of :func:`evaluate_partitions`'
    frames, or ``part-N.csv`` as the pandas engine writes CSV); only the counts of
    :func:`summary_counts` come back to the client, so no firm's result crosses processes."""
    plan = _plan(frame, rules, as_of, purpose, regime, horizon_months)
    meta = _evaluate_partition(frame._meta, plan)
    schema = pa.Schema.from_pandas(meta, preserve_index=False)
    columns, tiers, flags = _count_columns([str(c) for c in meta.columns])
    counts_meta = pd.DataFrame({c: pd.Series([], dtype="int64") for c in columns})
    parts = frame.map_partitions(  # type: ignore[no-untyped-call]
        _write_partition, plan, str(folder), fmt, schema, columns, meta=counts_meta
    )
    return _summary(parts.compute().sum(), tiers, flags)
