"""Flags from results and current titles: promotion, at risk, scale-up, data issue.

Owns the four headline flags, each with a reason code per firm. Works on arrays only; no text for
people. Who holds which title is :mod:`eligibility.scoring.titles`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from eligibility.columns import Prepared
from eligibility.language.ruleset import RuleSet
from eligibility.scoring.engine import TierResult
from eligibility.scoring.logic import CODE_FAIL, CODE_PASS, CODE_REVIEW, CODE_UNKNOWN
from eligibility.scoring.titles import Titles

__all__ = ["FLAG_NAMES", "Flags", "compute_flags"]

BoolArray = npt.NDArray[np.bool_]
ObjectArray = npt.NDArray[np.object_]
FLAG_NAMES = ("promotion_candidate", "at_risk", "scale_up_candidate", "data_issue")


@dataclass
class Flags:
    """The four flags, and why, as two columns per flag: the tier a flag is about and its reason code
    (None where the firm is not flagged). Reasons: promotion ``eligible`` / ``review`` / ``near_miss``
    for the next tier; at risk ``review_ineligible`` / ``review_incomplete`` / ``review_thin_pass`` for
    the held title's tier, or ``not_sme`` (``sme_size``); scale-up ``near_miss``
    (``above_scale_industrial``); data issue ``input_issue`` (no tier)."""

    promotion_candidate: BoolArray
    at_risk: BoolArray
    scale_up_candidate: BoolArray
    data_issue: BoolArray
    tier: dict[str, ObjectArray]
    reason: dict[str, ObjectArray]

    def get(self, name: str) -> BoolArray:
        """One flag by name."""
        value: BoolArray = getattr(self, name)
        return value


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
    promotion_tier, promotion_reason = none.copy(), none.copy()
    for tier, result in results.items():
        rank = rules.tiers[tier].rank
        if not rank:
            continue
        next_rank = (titles.rank == rank - 1) & ~promotion
        for code, mask in (
            ("eligible", result.status == CODE_PASS),
            ("review", result.status == CODE_REVIEW),
            ("near_miss", result.near_miss),
        ):
            hit = next_rank & mask & ~promotion
            promotion |= hit
            promotion_tier[hit] = tier
            promotion_reason[hit] = code

    # At risk: the held title expires within the horizon and its review rules are not safely met;
    # or a titled firm is no longer an SME by size.
    at_risk = np.zeros(n, dtype=bool)
    risk_tier, risk_reason = none.copy(), none.copy()
    for tier, result in review_results.items():
        if not rules.tiers[tier].rank:
            continue
        mine = titles.expiring & (titles.tier == tier)
        for code, mask in (
            ("review_ineligible", result.status == CODE_FAIL),
            ("review_incomplete", result.status == CODE_UNKNOWN),
            ("review_thin_pass", result.thin_pass),
        ):
            hit = mine & mask & ~at_risk
            at_risk |= hit
            risk_tier[hit] = tier
            risk_reason[hit] = code
    size = results.get("sme_size")
    if size is not None:
        hit = (titles.rank > 0) & (size.status == CODE_FAIL) & ~at_risk
        at_risk |= hit
        risk_tier[hit] = "sme_size"
        risk_reason[hit] = "not_sme"

    # Scale-up: an industrial firm below the 规上 line but within its margin.
    scale = results.get("above_scale_industrial")
    scale_up = scale.near_miss.copy() if scale is not None else np.zeros(n, dtype=bool)
    return Flags(
        promotion_candidate=promotion,
        at_risk=at_risk,
        scale_up_candidate=scale_up,
        data_issue=issue_rows.copy(),
        tier={
            "promotion_candidate": promotion_tier,
            "at_risk": risk_tier,
            "scale_up_candidate": _labels(scale_up, "above_scale_industrial"),
            "data_issue": none.copy(),
        },
        reason={
            "promotion_candidate": promotion_reason,
            "at_risk": risk_reason,
            "scale_up_candidate": _labels(scale_up, "near_miss"),
            "data_issue": _labels(issue_rows, "input_issue"),
        },
    )
