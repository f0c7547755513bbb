"""Flags from results and current titles (SPEC §6): promotion, at risk, scale-up, data issue.

Owns who holds which title (SPEC §4 "Holding a title") and the four headline flags, each with a reason
code per firm. Works on arrays only; no text for people.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from eligibility.errors import Issue, IssueCode, Severity
from eligibility.ingest import Prepared
from eligibility.ruleset import RuleSet
from eligibility.scoring.engine import TierResult
from eligibility.scoring.logic import Status

__all__ = ["FLAG_NAMES", "Flags", "Titles", "compute_flags", "current_titles"]

BoolArray = npt.NDArray[np.bool_]
ObjectArray = npt.NDArray[np.object_]
FLAG_NAMES = ("promotion_candidate", "at_risk", "scale_up_candidate", "data_issue")


@dataclass
class Titles:
    """The ladder title each firm holds at ``as_of`` (None where none), its rank and expiry."""

    tier: ObjectArray
    rank: npt.NDArray[np.int64]
    expires: npt.NDArray[np.datetime64]
    expiring: BoolArray


@dataclass
class Flags:
    """The four flags, with a reason code per flagged firm (None elsewhere)."""

    promotion_candidate: BoolArray
    at_risk: BoolArray
    scale_up_candidate: BoolArray
    data_issue: BoolArray
    reasons: dict[str, ObjectArray]

    def get(self, name: str) -> BoolArray:
        """One flag by name."""
        value: BoolArray = getattr(self, name)
        return value


def _labels(mask: BoolArray, label: object) -> ObjectArray:
    """``label`` (a scalar or an array) where ``mask`` is set, None elsewhere."""
    out: ObjectArray = np.full(mask.shape, None, dtype=object)
    out[mask] = label[mask] if isinstance(label, np.ndarray) else label
    return out


def current_titles(
    rules: RuleSet, prepared: Prepared, as_of: dt.date, horizon_months: int
) -> tuple[Titles, list[Issue]]:
    """Who holds which ladder title: ``current_tier`` is held while ``tier_expires_on`` is blank or
    not before ``as_of`` (a blank expiry is accepted with a warning issue)."""
    n = prepared.n
    spec = rules.fields["current_tier"]
    ids = np.array([*spec.choice_ids, None], dtype=object)
    ranks = np.array([rules.tiers[t].rank or 0 for t in spec.choice_ids] + [0], dtype=np.int64)
    codes = prepared.columns.get("current_tier", np.full(n, np.nan))
    index = np.where(np.isnan(codes), len(ids) - 1, np.nan_to_num(codes, nan=0)).astype(np.int64)
    expires = prepared.dates.get("tier_expires_on", np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]"))
    as_of64 = np.datetime64(as_of, "ns")
    horizon = np.datetime64(pd.Timestamp(as_of) + pd.DateOffset(months=horizon_months), "ns")
    titled = ranks[index] > 0
    blank = np.isnat(expires)
    held = titled & (blank | (expires >= as_of64))
    issues = [
        Issue(
            IssueCode.BLANK_EXPIRY,
            Severity.WARNING,
            int(prepared.rows[i]),
            "tier_expires_on",
            "tier_expires_on",
            None,
            prepared.sheet,
        )
        for i in np.flatnonzero(titled & blank)
    ]
    tier = _labels(held, ids[index])
    rank = np.where(held, ranks[index], 0)
    expiring = held & ~blank & (expires <= horizon)
    return Titles(tier=tier, rank=rank, expires=expires, expiring=expiring), issues


def compute_flags(
    rules: RuleSet,
    prepared: Prepared,
    results: Mapping[str, TierResult],
    review_results: Mapping[str, TierResult],
    titles: Titles,
    issue_rows: BoolArray,
) -> Flags:
    """The headline flags of a screening run (SPEC §6)."""
    n = prepared.n
    none: ObjectArray = np.full(n, None, dtype=object)

    # Promotion: eligible, review or near miss for a tier one rank above the title held.
    promotion = np.zeros(n, dtype=bool)
    promotion_reason = none.copy()
    for tier, result in results.items():
        rank = rules.tiers[tier].rank
        if not rank:
            continue
        hopeful = (result.status == Status.PASS) | (result.status == Status.REVIEW) | result.near_miss
        hit = (titles.rank == rank - 1) & hopeful & ~promotion
        promotion |= hit
        promotion_reason[hit] = tier

    # At risk: the held title expires within the horizon and its review rules are not safely met;
    # or a titled firm is no longer an SME by size.
    at_risk = np.zeros(n, dtype=bool)
    risk_reason = none.copy()
    for tier, result in review_results.items():
        if not rules.tiers[tier].rank:
            continue
        mine = titles.expiring & (titles.tier == tier)
        for code, mask in (
            ("review_ineligible", result.status == Status.FAIL),
            ("review_incomplete", result.status == Status.UNKNOWN),
            ("review_thin_pass", result.thin_pass),
        ):
            hit = mine & mask & ~at_risk
            at_risk |= hit
            risk_reason[hit] = f"{tier}:{code}"
    size = results.get("sme_size")
    if size is not None:
        hit = (titles.rank > 0) & (size.status == Status.FAIL) & ~at_risk
        at_risk |= hit
        risk_reason[hit] = "sme_size:not_sme"

    # Scale-up: an industrial firm below the 规上 line but within its margin.
    scale = results.get("above_scale_industrial")
    scale_up = scale.near_miss.copy() if scale is not None else np.zeros(n, dtype=bool)
    scale_reason = _labels(scale_up, "above_scale_industrial:near_miss")
    data_reason = _labels(issue_rows, "input_issue")
    return Flags(
        promotion_candidate=promotion,
        at_risk=at_risk,
        scale_up_candidate=scale_up,
        data_issue=issue_rows.copy(),
        reasons={
            "promotion_candidate": promotion_reason,
            "at_risk": risk_reason,
            "scale_up_candidate": scale_reason,
            "data_issue": data_reason,
        },
    )
