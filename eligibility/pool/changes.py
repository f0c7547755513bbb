"""What changed between two snapshots: codes and numbers, sorted by what needs attention first.

Owns the kinds of change and their order of attention (:data:`KINDS`): a title lost, a title
coming up for review (its expiry now within the snapshot's horizon, as the engine's at-risk flag
reads it; ``after`` holds the expiry date), a firm no longer eligible for a tier, into the
borderline zone (临界), data issues that appeared, a firm that left the pool, then the good news
(newly eligible, a title gained), then the rest. One row per firm and change; a crossing of a tier
is one row per firm × tier, with both statuses and both marks. A firm crosses a tier's line between
符合 or 待人工复核 (every line the data decide is met) and 不符合 or 信息不足.

Must not: read the database or word anything (the rows carry ids; ``words.py`` translates them).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from eligibility.language.ruleset import RuleSet

__all__ = ["CHANGE_COLUMNS", "FIRM_COLUMNS", "KINDS", "SnapshotData", "compare_snapshots"]

KINDS = (
    "title_lost",
    "title_review_due",
    "became_ineligible",
    "into_borderline",
    "issues_appeared",
    "left",
    "became_eligible",
    "title_gained",
    "out_of_borderline",
    "status_changed",
    "entered",
    "renamed",
    "issues_fixed",
)
CHANGE_COLUMNS = [
    "kind",
    "firm_key",
    "credit_code",
    "name",
    "township",
    "officer",
    "tier",
    "before",
    "after",
    "borderline_before",
    "borderline_after",
    "now_failing",
    "now_passing",
    "field",
]
# Issues that mark a firm's data as a problem; what the reader did on the user's behalf (info) is not.
_SERIOUS = ("warning", "error")
_MEETS = ("eligible", "review")


# The columns of a snapshot's firms frame (SnapshotData.firms), as stored in snapshot_firms.
FIRM_COLUMNS = [
    "firm_key",
    "credit_code",
    "name",
    "township",
    "officer",
    "title",
    "title_expires",
    "title_expiring",
    "at_risk",
]


@dataclass(frozen=True)
class SnapshotData:
    """One stored snapshot as frames: its firms (``firm_key``, ``credit_code``, ``name``, ``township``,
    ``officer``, ``title``, ``title_expires``, ``title_expiring``, ``at_risk``), its results per firm ×
    tier and its issues."""

    firms: pd.DataFrame
    results: pd.DataFrame
    issues: pd.DataFrame


def _failed_sets(values: pd.Series) -> pd.Series:
    return values.fillna("").map(lambda v: frozenset(v.split(";")) - {""})


def _joined(values: pd.Series) -> pd.Series:
    return values.map(lambda v: ";".join(sorted(v)))


def compare_snapshots(before: SnapshotData | None, after: SnapshotData, rules: RuleSet) -> pd.DataFrame:
    """Every change from ``before`` (None: an empty pool) to ``after``, in :data:`CHANGE_COLUMNS`,
    sorted by :data:`KINDS`, then the tier (highest rank first), then the credit code."""
    empty = SnapshotData(
        pd.DataFrame(columns=after.firms.columns),
        pd.DataFrame(columns=after.results.columns),
        pd.DataFrame(columns=after.issues.columns),
    )
    before = before if before is not None else empty
    parts: list[pd.DataFrame] = []
    a = before.firms.set_index("firm_key")
    b = after.firms.set_index("firm_key")
    entered = b.index.difference(a.index, sort=False)
    left = a.index.difference(b.index, sort=False)
    both = b.index.intersection(a.index, sort=False)
    parts.append(b.loc[entered].reset_index().assign(kind="entered"))
    parts.append(a.loc[left].reset_index().assign(kind="left"))
    old, new = a.loc[both], b.loc[both]
    renamed = old["name"].fillna("") != new["name"].fillna("")
    parts.append(
        new[renamed]
        .reset_index()
        .assign(kind="renamed", before=old["name"][renamed].to_numpy(), after=new["name"][renamed].to_numpy())
    )
    parts += _titles(old, new, rules)
    parts.append(_review_due(a, b))
    parts.append(_crossings(before.results, after.results, b))
    parts += _issues(before.issues, after.issues, both, b)
    frame = pd.concat([p for p in parts if not p.empty], ignore_index=True)
    if frame.empty:
        return pd.DataFrame(columns=CHANGE_COLUMNS)
    for column in CHANGE_COLUMNS:
        if column not in frame:
            frame[column] = None
    frame = frame[CHANGE_COLUMNS].astype(object).where(frame[CHANGE_COLUMNS].notna(), None)
    rank = {t: -(m.rank or 0) for t, m in rules.tiers.items()}
    order = list(rules.tiers)
    keys = pd.DataFrame(
        {
            "kind": frame["kind"].map({k: i for i, k in enumerate(KINDS)}),
            "rank": frame["tier"].map(rank).fillna(1),
            "tier": frame["tier"].map({t: i for i, t in enumerate(order)}).fillna(-1),
            "code": frame["firm_key"],
        }
    )
    ordered = keys.sort_values(["kind", "rank", "tier", "code"], kind="stable").index
    return frame.loc[ordered].reset_index(drop=True)


def _titles(old: pd.DataFrame, new: pd.DataFrame, rules: RuleSet) -> list[pd.DataFrame]:
    """A higher title held than before is gained; a title no longer held (or a lower one) is lost."""
    rank = {t: m.rank or 0 for t, m in rules.tiers.items()}
    was, now = old["title"].fillna(""), new["title"].fillna("")
    was_rank = was.map(rank).fillna(0).astype(np.int64)
    now_rank = now.map(rank).fillna(0).astype(np.int64)
    changed = was != now
    gained = changed & (now != "") & (now_rank >= was_rank)
    lost = changed & (was != "") & ~gained
    out = []
    for mask, kind, tier in ((gained, "title_gained", now), (lost, "title_lost", was)):
        out.append(
            new[mask]
            .reset_index()
            .assign(
                kind=kind, tier=tier[mask].to_numpy(), before=was[mask].to_numpy(), after=now[mask].to_numpy()
            )
        )
    return out


def _review_due(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    """Titles whose expiry came within the horizon since ``before``: held and expiring now, and not
    the same title with the same expiry expiring then (a firm new to the pool counts, once)."""
    if "title_expiring" not in after or after.empty:
        return pd.DataFrame()
    now = after[after["title_expiring"].fillna(False).astype(bool)]
    if now.empty:
        return pd.DataFrame()
    then = before.reindex(now.index)
    same = (
        then["title_expiring"].fillna(False).astype(bool)
        & (then["title"] == now["title"])
        & (then["title_expires"] == now["title_expires"])
    )
    due = now[~same]
    expires = pd.Series(due["title_expires"], dtype=object).map(lambda d: d.isoformat() if d else None)
    return due.reset_index().assign(
        kind="title_review_due", tier=due["title"].to_numpy(), after=expires.to_numpy()
    )


def _crossings(before: pd.DataFrame, after: pd.DataFrame, firms: pd.DataFrame) -> pd.DataFrame:
    """Per firm × tier in both snapshots: eligibility crossed, else the borderline zone entered or
    left, else another change of status (incomplete → ineligible, …)."""
    columns = ["firm_key", "tier", "status", "mark", "failed"]
    merged = before[columns].merge(after[columns], on=["firm_key", "tier"], suffixes=("_a", "_b"))
    if merged.empty:
        return pd.DataFrame()
    # 待人工复核 (review) meets every line the data can decide: only judged items remain.
    was_ok = merged["status_a"].isin(_MEETS)
    now_ok = merged["status_b"].isin(_MEETS)
    was_line = merged["mark_a"].fillna("") != ""
    now_line = merged["mark_b"].fillna("") != ""
    kind = np.select(
        [
            was_ok & ~now_ok,
            ~was_ok & now_ok,
            ~was_line & now_line,
            was_line & ~now_line,
            merged["status_a"] != merged["status_b"],
        ],
        ["became_ineligible", "became_eligible", "into_borderline", "out_of_borderline", "status_changed"],
        default="",
    )
    rows = merged[kind != ""].copy()
    if rows.empty:
        return pd.DataFrame()
    rows["kind"] = kind[kind != ""]
    failed_a, failed_b = _failed_sets(rows["failed_a"]), _failed_sets(rows["failed_b"])
    rows["now_failing"] = _joined(failed_b - failed_a)
    rows["now_passing"] = _joined(failed_a - failed_b)
    rows = rows.rename(
        columns={
            "status_a": "before",
            "status_b": "after",
            "mark_a": "borderline_before",
            "mark_b": "borderline_after",
        }
    )
    people = firms[["credit_code", "name", "township", "officer"]]
    joined: pd.DataFrame = rows.drop(columns=["failed_a", "failed_b"]).join(people, on="firm_key")
    return joined


def _issues(
    before: pd.DataFrame, after: pd.DataFrame, both: pd.Index, firms: pd.DataFrame
) -> list[pd.DataFrame]:
    """Warnings and errors of firms in both snapshots, by (code, field): appeared or fixed. Rows move
    between sheets, so an issue is matched by firm, code and field, not by row."""
    columns = ["firm_key", "code", "field"]

    def serious(issues: pd.DataFrame) -> pd.DataFrame:
        kept = issues[issues["severity"].isin(_SERIOUS) & issues["firm_key"].isin(both)]
        return kept[columns].fillna({"field": ""}).drop_duplicates()

    a, b = serious(before), serious(after)
    merged = a.merge(b, on=columns, how="outer", indicator=True)
    people = firms[["credit_code", "name", "township", "officer"]]
    out = []
    for side, kind in (("right_only", "issues_appeared"), ("left_only", "issues_fixed")):
        rows = merged[merged["_merge"] == side].drop(columns="_merge")
        if rows.empty:
            continue
        code = rows["code"].to_numpy()
        rows = rows.assign(
            kind=kind,
            before=code if kind == "issues_fixed" else None,
            after=code if kind == "issues_appeared" else None,
        ).drop(columns="code")
        out.append(rows.join(people, on="firm_key"))
    return out
