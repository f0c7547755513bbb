"""Pools beyond one machine: the same core, once per partition of a Dask DataFrame.

The headers of the Dask frame are mapped to fields once; then every partition is evaluated by
:func:`eligibility.evaluate` and yields its rows of the wide table (README "Output contract"). Nothing crosses
partitions — a firm's result depends on its own row only (``tests/test_properties.py`` checks batch =
one firm at a time), so the results equal the pandas engine's, row for row. Two things stay local to a
partition: duplicate credit codes are found within it, and input issues show as ``flag.data_issue``
without being listed (screen the file with the pandas engine for the list).

Dask is an optional extra: ``pip install eligibility[dask]``.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from eligibility.input.headers import header_map
from eligibility.input.table import InputTable
from eligibility.language.load import load_rules
from eligibility.language.ruleset import RuleSet, parse_as_of

if TYPE_CHECKING:
    import dask.dataframe as dd

__all__ = ["evaluate_partitions", "is_dask_frame", "read_partitioned"]


def is_dask_frame(data: object) -> bool:
    """Whether ``data`` is a Dask DataFrame (without importing Dask when it is not installed)."""
    module = type(data).__module__
    return module.startswith("dask") and hasattr(data, "map_partitions")


@dataclass(frozen=True)
class _Plan:
    """What every partition needs: picklable, small, the rules loaded once per worker."""

    rules_dir: str
    columns: dict[str, str]  # field id → column name in the Dask frame
    headers: dict[str, str]
    factors: dict[str, float]
    percent: frozenset[str]
    as_of: dt.date
    purpose: str
    regime: str | None
    horizon_months: int


@functools.lru_cache(maxsize=4)
def _rules(directory: str) -> RuleSet:
    return load_rules(directory)


def _evaluate_partition(part: pd.DataFrame, plan: _Plan) -> pd.DataFrame:
    from eligibility.assessment import evaluate

    rules = _rules(plan.rules_dir)
    frame = pd.DataFrame({name: part[column].to_numpy() for name, column in plan.columns.items()})
    table = InputTable(frame, headers=plan.headers, factors=plan.factors, percent=plan.percent)
    assessment = evaluate(
        table,
        rules,
        as_of=plan.as_of,
        purpose="review" if plan.purpose == "review" else "apply",
        regime=plan.regime,
        horizon_months=plan.horizon_months,
    )
    wide = assessment.wide()
    wide.index = part.index
    # One dtype per column whatever the partition holds: text as pandas strings (Arrow-backed, so
    # Parquet knows its type even from an empty partition), numbers float, flags bool.
    return wide.astype({c: "string" for c in wide.columns if wide[c].dtype.kind not in "fb"})


def evaluate_partitions(
    frame: dd.DataFrame,
    rules: RuleSet,
    *,
    as_of: dt.date | str,
    purpose: str = "apply",
    regime: str | None = None,
    horizon_months: int = 12,
) -> dd.DataFrame:
    """The wide result table of a Dask DataFrame of firms, lazily, one task per partition.

    Columns may be canonical field ids or Chinese headers with units and year labels (one header
    row). Unmapped columns are ignored here; :func:`eligibility.input.headers.header_map` lists them.
    """
    day = parse_as_of(as_of)
    names = [str(c) for c in frame.columns]
    mapped = header_map(names, rules, day)
    plan = _Plan(
        rules_dir=str(rules.directory),
        columns={name: names[col] for name, col in mapped.columns.items()},
        headers=mapped.headers,
        factors=mapped.factors,
        percent=mapped.percent,
        as_of=day,
        purpose=purpose,
        regime=regime,
        horizon_months=horizon_months,
    )
    meta = _evaluate_partition(frame._meta, plan)
    result: dd.DataFrame = frame.map_partitions(_evaluate_partition, plan, meta=meta)  # type: ignore[no-untyped-call]
    return result


def read_partitioned(path: str, blocksize: str = "64MB") -> dd.DataFrame:
    """A partitioned Parquet dataset (file, folder or glob) or CSV files (glob) as a Dask frame."""
    import dask.dataframe as dd

    if path.lower().endswith((".csv", ".csv.gz")) or "*.csv" in path.lower():
        frame: dd.DataFrame = dd.read_csv(path, dtype=object, blocksize=blocksize, encoding="utf-8-sig")
    else:
        frame = dd.read_parquet(path)
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


def summary_counts(result: dd.DataFrame) -> dict[str, Any]:
    """Firms, counts per tier and status, and per flag, computed partition by partition."""
    statuses = ("eligible", "ineligible", "incomplete", "review")
    tiers = [str(c)[: -len(".status")] for c in result.columns if str(c).endswith(".status")]
    flags = [str(c) for c in result.columns if str(c).startswith("flag.")]
    columns = ["firms", *(f"{t}|{s}" for t in tiers for s in statuses), *flags]
    meta = pd.DataFrame({c: pd.Series([], dtype="int64") for c in columns})
    parts = result.map_partitions(lambda p: _counts(p).reindex(columns=columns, fill_value=0), meta=meta)  # type: ignore[no-untyped-call]
    total = parts.compute().fillna(0).sum()
    return {
        "firms": int(total["firms"]),
        "tiers": {t: {s: int(total[f"{t}|{s}"]) for s in statuses} for t in tiers},
        "flags": {f[len("flag.") :]: int(total[f]) for f in flags},
    }
