"""The service officers' task lists and the township summary of one snapshot: codes and numbers.

Owns what an officer is handed (one row per firm: its title and next review date, per tier the
status, the borderline mark and what it lacks with the stored gap facts, and what changed since the
previous snapshot) and what a township counts (firms, eligible now per tier, borderline, at risk,
titles held, titles coming up for review). Built with merges and group-bys over the snapshot's
frames, never a loop over firms.

Must not: read the database (``store.py`` hands the frames over) or word anything (``words.py``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import repeat

import numpy as np
import pandas as pd

from eligibility.pool.changes import FIRM_COLUMNS, SnapshotData

__all__ = ["GAP_FACTS", "officer_counts", "officer_table", "township_table"]

# The gap facts of one failed criterion, as stored in the ``gaps`` table (None where the criterion
# failed without a gap: a category, a missing title).
GAP_FACTS = ["criterion", "field", "unit", "op", "amount", "lever", "lever_unit", "lever_amount"]


def _cells(
    frame: pd.DataFrame, cell: np.ndarray, cells: int, columns: list[str], order: np.ndarray | None = None
) -> list[list[dict[str, object]]]:
    """The rows of ``frame`` as lists of records, one list per cell ``0 .. cells - 1`` (row ``i``
    belongs to cell ``cell[i]``; -1: to none), rows of a cell in ``order`` (else as they come), a
    cell without rows an empty list of its own. ``columns`` hold Python values (object columns,
    None for a missing value), taken as they are.

    A stable sort by cell; the records are zipped from the sorted columns and each cell's list
    is the slice of them between its bounds (``searchsorted``), all by ``map`` in C: no Python
    loop over groups or rows, and no ``to_dict`` (which boxes every value again, 4x slower).
    """
    kept = cell >= 0
    keys = cell[kept]
    by = np.lexsort((order[kept], keys)) if order is not None else np.argsort(keys, kind="stable")
    values = [frame[c].to_numpy(dtype=object)[kept][by].tolist() for c in columns]
    records = list(map(dict, map(zip, repeat(columns), zip(*values, strict=True))))
    keys = keys[by]
    wanted = np.arange(cells)
    starts = np.searchsorted(keys, wanted, side="left").tolist()
    ends = np.searchsorted(keys, wanted, side="right").tolist()
    return list(map(records.__getitem__, map(slice, starts, ends)))


def _lacks(
    results: pd.DataFrame, gaps: pd.DataFrame, firms: pd.Index, tiers: Sequence[str]
) -> list[list[dict[str, object]]]:
    """Per tier × firm (tier-major: cell ``t * len(firms) + f``) the failed criteria in their
    order, each with its gap facts where stored (None where not)."""
    failed = results[["firm_key", "tier", "failed"]].assign(
        criterion=results["failed"].fillna("").str.split(";")
    )
    failed = failed.explode("criterion")
    failed = failed[failed["criterion"].fillna("") != ""].drop(columns="failed")
    # Each firm × tier's criteria keep the order of its ``failed`` list, whatever the merge does.
    failed["order"] = np.arange(len(failed))
    if not gaps.empty:
        # A criterion with several gap rows (alternatives) keeps its first: the closest one.
        facts = gaps[["firm_key", "tier", *GAP_FACTS]].drop_duplicates(["firm_key", "tier", "criterion"])
        failed = failed.merge(facts, on=["firm_key", "tier", "criterion"], how="left")
    failed = failed.reset_index(drop=True)
    for column in GAP_FACTS:
        if column not in failed:
            failed[column] = None
    clean = failed[GAP_FACTS].astype(object).where(failed[GAP_FACTS].notna(), None)
    firm = firms.get_indexer(pd.Index(failed["firm_key"]))
    tier = pd.Index(list(tiers)).get_indexer(pd.Index(failed["tier"]))
    cell = np.where((firm >= 0) & (tier >= 0), tier * len(firms) + firm, -1)
    return _cells(clean, cell, len(tiers) * len(firms), GAP_FACTS, failed["order"].to_numpy())


def officer_table(
    data: SnapshotData, gaps: pd.DataFrame, changes: pd.DataFrame, tiers: Sequence[str]
) -> pd.DataFrame:
    """One row per firm of the snapshot, by officer (firms without one last), township and code:
    the firm's columns, per tier ``{tier}.status``, ``{tier}.mark`` and ``{tier}.lacks`` (a list of
    :data:`GAP_FACTS` records, one per failed criterion), and ``changes``: the firm's changes since
    the previous snapshot as records of ``kind``, ``tier``, ``before``, ``after``."""
    firms = data.firms[FIRM_COLUMNS].copy()
    out = firms.set_index("firm_key")
    count = len(out.index)
    results = data.results
    lacks = _lacks(results, gaps, out.index, tiers)
    for k, tier in enumerate(tiers):
        mine = results[results["tier"] == tier].set_index("firm_key")
        out[f"{tier}.status"] = mine["status"].reindex(out.index)
        out[f"{tier}.mark"] = mine["mark"].reindex(out.index).fillna("")
        out[f"{tier}.lacks"] = pd.Series(lacks[k * count : (k + 1) * count], index=out.index, dtype=object)
    fields = ["kind", "tier", "before", "after"]
    if changes.empty:
        changes = pd.DataFrame(columns=["firm_key", *fields])
    cell = out.index.get_indexer(pd.Index(changes["firm_key"]))
    listed = _cells(changes.reset_index(drop=True), cell, count, fields)
    out["changes"] = pd.Series(listed, index=out.index, dtype=object)
    out = out.reset_index()
    keys = pd.DataFrame(
        {
            "none": out["officer"].isna(),
            "officer": out["officer"].fillna(""),
            "township": out["township"].fillna(""),
            "code": out["credit_code"].fillna(out["firm_key"]),
        }
    )
    order = keys.sort_values(["none", "officer", "township", "code"], kind="stable").index
    return out.loc[order].reset_index(drop=True)


def township_table(
    data: SnapshotData, tiers: Sequence[str], counting: Mapping[str, set[str]]
) -> pd.DataFrame:
    """One row per township (firms without one last, ``township`` None): ``firms``, ``officers``
    (distinct), ``titles`` (firms holding a ladder title), ``review_due`` (titles coming up for
    review), ``at_risk``, ``borderline`` (firms 临界 in some tier), ``near_miss`` (临界未过 in some
    tier), and per tier ``eligible.{tier}``: firms eligible now that do not hold a title counting
    for it (``counting``: the titles that satisfy each tier)."""
    firms = data.firms.set_index("firm_key")
    results = data.results
    table = pd.DataFrame(index=firms.index)
    table["township"] = firms["township"]
    table["officer"] = firms["officer"]
    table["firms"] = 1
    table["titles"] = firms["title"].notna().astype(np.int64)
    table["review_due"] = firms["title_expiring"].fillna(False).astype(np.int64)
    table["at_risk"] = firms["at_risk"].fillna(False).astype(np.int64)
    marked = results[results["mark"].fillna("") != ""]
    table["borderline"] = table.index.isin(marked["firm_key"]).astype(np.int64)
    near = results[results["mark"] == "near_miss"]
    table["near_miss"] = table.index.isin(near["firm_key"]).astype(np.int64)
    for tier in tiers:
        mine = results[(results["tier"] == tier) & (results["status"] == "eligible")]
        holds = firms["title"].isin(sorted(counting.get(tier, {tier})))
        table[f"eligible.{tier}"] = (table.index.isin(mine["firm_key"]) & ~holds.to_numpy()).astype(np.int64)
    table["none"] = table["township"].isna()
    table["township"] = table["township"].fillna("")
    grouped = table.groupby(["none", "township"], sort=True)
    counts = [c for c in table.columns if c not in ("township", "officer", "none")]
    summary = grouped[counts].sum()
    summary["officers"] = grouped["officer"].nunique()
    summary = summary.reset_index()
    summary["township"] = summary["township"].where(~summary["none"], None)
    return summary.drop(columns="none")[["township", *counts[:1], "officers", *counts[1:]]]


def officer_counts(officers: pd.DataFrame, tiers: Sequence[str]) -> pd.DataFrame:
    """Per officer of an :func:`officer_table` (in its order; ``officer`` None for the firms without
    one): ``firms``, ``review_due``, ``at_risk``, ``borderline`` (临界 in some tier) and ``changed``
    (some change since the previous snapshot)."""
    marks = [f"{t}.mark" for t in tiers]
    table = pd.DataFrame(
        {
            "officer": officers["officer"].fillna(""),
            "firms": 1,
            "review_due": officers["title_expiring"].fillna(False).astype(np.int64),
            "at_risk": officers["at_risk"].fillna(False).astype(np.int64),
            "borderline": (officers[marks].fillna("") != "").any(axis=1).astype(np.int64) if marks else 0,
            "changed": officers["changes"].map(len).gt(0).astype(np.int64),
        }
    )
    counts = table.groupby("officer", sort=False).sum().reset_index()
    counts["officer"] = counts["officer"].where(counts["officer"] != "", None)
    return counts
