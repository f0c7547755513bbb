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

import numpy as np
import pandas as pd

from eligibility.pool.changes import FIRM_COLUMNS, SnapshotData

__all__ = ["GAP_FACTS", "officer_counts", "officer_table", "township_table"]

# The gap facts of one failed criterion, as stored in the ``gaps`` table (None where the criterion
# failed without a gap: a category, a missing title).
GAP_FACTS = ["criterion", "field", "unit", "op", "amount", "lever", "lever_unit", "lever_amount"]


def _lists(frame: pd.DataFrame, keys: list[str], columns: list[str]) -> pd.Series:
    """The rows of ``frame`` as a list of records per ``keys`` group (one to_dict per group)."""
    if frame.empty:
        return pd.Series(dtype=object)
    return frame.groupby(keys, sort=False)[columns].apply(lambda g: g.to_dict("records"))


def _lacks(results: pd.DataFrame, gaps: pd.DataFrame) -> pd.DataFrame:
    """Per firm × tier the failed criteria in their order, each with its gap facts where stored."""
    failed = results[["firm_key", "tier", "failed"]].assign(
        criterion=results["failed"].fillna("").str.split(";")
    )
    failed = failed.explode("criterion")
    failed = failed[failed["criterion"].fillna("") != ""].drop(columns="failed")
    failed["order"] = failed.groupby(["firm_key", "tier"]).cumcount()
    facts = gaps[["firm_key", "tier", *GAP_FACTS]] if not gaps.empty else None
    if facts is not None:
        # A criterion with several gap rows (alternatives) keeps its first: the closest one.
        facts = facts.drop_duplicates(["firm_key", "tier", "criterion"])
        failed = failed.merge(facts, on=["firm_key", "tier", "criterion"], how="left")
    for column in GAP_FACTS:
        if column not in failed:
            failed[column] = None
    failed = failed.sort_values(["firm_key", "tier", "order"], kind="stable")
    clean = failed[GAP_FACTS].astype(object).where(failed[GAP_FACTS].notna(), None)
    clean[["firm_key", "tier"]] = failed[["firm_key", "tier"]]
    lists = _lists(clean, ["firm_key", "tier"], GAP_FACTS)
    return lists.rename("lacks").reset_index() if not lists.empty else pd.DataFrame()


def officer_table(
    data: SnapshotData, gaps: pd.DataFrame, changes: pd.DataFrame, tiers: Sequence[str]
) -> pd.DataFrame:
    """One row per firm of the snapshot, by officer (firms without one last), township and code:
    the firm's columns, per tier ``{tier}.status``, ``{tier}.mark`` and ``{tier}.lacks`` (a list of
    :data:`GAP_FACTS` records, one per failed criterion), and ``changes``: the firm's changes since
    the previous snapshot as records of ``kind``, ``tier``, ``before``, ``after``."""
    firms = data.firms[FIRM_COLUMNS].copy()
    out = firms.set_index("firm_key")
    results = data.results
    lacks = _lacks(results, gaps)
    for tier in tiers:
        mine = results[results["tier"] == tier].set_index("firm_key")
        out[f"{tier}.status"] = mine["status"].reindex(out.index)
        out[f"{tier}.mark"] = mine["mark"].reindex(out.index).fillna("")
        found = (
            lacks[lacks["tier"] == tier].set_index("firm_key")["lacks"]
            if not lacks.empty
            else pd.Series(dtype=object)
        )
        out[f"{tier}.lacks"] = found.reindex(out.index).map(lambda v: v if isinstance(v, list) else [])
    changed = changes[changes["firm_key"].isin(out.index)] if not changes.empty else changes
    records = _lists(changed, ["firm_key"], ["kind", "tier", "before", "after"])
    out["changes"] = records.reindex(out.index).map(lambda v: v if isinstance(v, list) else [])
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
