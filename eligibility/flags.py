"""Flags from results and current titles: promotion, at risk, scale-up, data issue.

Owns the four headline flags, each with a reason code per firm. Works on arrays only; no text for
people. Who holds which title is :mod:`eligibility.titles`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from eligibility.columns import Prepared
from eligibility.ruleset import RuleSet
from eligibility.scoring.engine import TierResult
from eligibility.scoring.logic import Status
from eligibility.titles import Titles

__all__ = ["FLAG_NAMES", "Flags", "compute_flags"]

BoolArray = npt.NDArray[np.bool_]
ObjectArray = npt.NDArray[np.object_]
FLAG_NAMES = ("promotion_candidate", "at_risk", "scale_up_candidate", "data_issue")


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

    def reason_tiers(self, name: str) -> ObjectArray:
        """The tier of each firm's reason code (``srdi_sme:review_ineligible`` → ``srdi_sme``; a
        promotion reason is the tier itself), None where the firm is not flagged. Also for no firm
        flagged, or no firm at all."""
        reasons = self.reasons[name]
        tiers: ObjectArray = np.full(reasons.shape, None, dtype=object)
        flagged = np.flatnonzero(self.get(name))
        if flagged.size:
            split = np.char.partition(reasons[flagged].astype(str), ":")
            tiers[flagged] = split[:, 0].astype(object)
        return tiers


def _labels(mask: BoolArray, label: object) -> ObjectArray:
    """``label`` (a scalar or an array) where ``mask`` is set, None elsewhere."""
    out: ObjectArray = np.full(mask.shape, None, dtype=object)
    out[mask] = label[mask] if isinstance(label, np.ndarray) else label
    return out


def compute_flags(
    rules: RuleSet,
    prepared: Prepared,
    results: Mapping[str, TierResult],
    review_results: Mapping[str, TierResult],
    titles: Titles,
    issue_rows: BoolArray,
) -> Flags:
    """The headline flags of a screening run."""
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
