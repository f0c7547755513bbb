"""Who holds which title at ``as_of`` (docs/policy.md, "Which rules apply when": holding a title).

A firm holds title T when ``current_tier`` is T, a tier that satisfies T (``satisfied_by`` in
``tiers.yaml``: 科技型 or 创新型 satisfy 科技和创新型), or a tier above T on the ladder, and its
``tier_expires_on`` is blank or not before ``as_of``. Arrays only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from eligibility.columns import Prepared
from eligibility.errors import Issue, IssueCode, Severity
from eligibility.language.ruleset import RuleSet

__all__ = ["Titles", "current_titles", "holds_title"]

BoolArray = npt.NDArray[np.bool_]
ObjectArray = npt.NDArray[np.object_]


@dataclass
class Titles:
    """The ladder title each firm holds at ``as_of`` (None where none), its rank and expiry."""

    tier: ObjectArray
    rank: npt.NDArray[np.int64]
    expires: npt.NDArray[np.datetime64]
    expiring: BoolArray
    # The title written for each firm, held or lapsed (its re-review round is the year it expires).
    written: ObjectArray | None = None


def holds_title(rules: RuleSet, titles: Titles, tier: str) -> BoolArray:
    """Which firms hold ``tier``: that tier, one that satisfies it, or one ranked above it."""
    accepted = {tier, *rules.tiers[tier].satisfied_by}
    held: BoolArray = np.zeros(titles.rank.shape, dtype=bool)
    for name in accepted:
        held |= titles.tier == name
    return held | (titles.rank > (rules.tiers[tier].rank or 0))


def _plus_years(
    dates: npt.NDArray[np.datetime64], years: npt.NDArray[np.int64]
) -> npt.NDArray[np.datetime64]:
    """The same calendar day ``years`` later (29 February becomes 28 February)."""
    month = dates.astype("datetime64[M]")
    offset = (dates - month.astype("datetime64[D]")).astype(np.int64)
    later = month + 12 * years
    end = (later + 1).astype("datetime64[D]") - 1
    result: npt.NDArray[np.datetime64] = np.minimum(later.astype("datetime64[D]") + offset, end)
    return result


def current_titles(
    rules: RuleSet, prepared: Prepared, as_of: dt.date, horizon_months: int
) -> tuple[Titles, list[Issue]]:
    """Who holds which ladder title: ``current_tier`` is held while ``tier_expires_on`` is blank or
    not before ``as_of``. A blank expiry is derived from ``tier_awarded_on`` plus the title's
    validity years (an info issue says so); with neither date the title is accepted with a warning
    issue. Dates are whole days (``datetime64[D]``); 9999-12-31 means no expiry."""
    n = prepared.n
    spec = rules.fields["current_tier"]
    ids = np.array([*spec.choice_ids, None], dtype=object)
    ranks = np.array([rules.tiers[t].rank or 0 for t in spec.choice_ids] + [0], dtype=np.int64)
    codes = prepared.columns.get("current_tier", np.full(n, np.nan))
    index = np.where(np.isnan(codes), len(ids) - 1, np.nan_to_num(codes, nan=0)).astype(np.int64)
    nat = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    expires = prepared.dates.get("tier_expires_on", nat).astype("datetime64[D]")
    awarded = prepared.dates.get("tier_awarded_on", nat).astype("datetime64[D]")
    as_of64 = np.datetime64(as_of, "D")
    horizon = np.datetime64((pd.Timestamp(as_of) + pd.DateOffset(months=horizon_months)).date(), "D")
    titled = ranks[index] > 0
    # A date written but unusable (bad_date, ambiguous_date) is already reported: no blank_expiry.
    unusable: set[int] = {
        i.row
        for i in prepared.issues
        if i.row is not None
        and i.field in ("tier_expires_on", "tier_awarded_on")
        and i.code in (IssueCode.BAD_DATE, IssueCode.AMBIGUOUS_DATE)
    }
    written = np.isin(prepared.rows, sorted(unusable)) if unusable else np.zeros(n, dtype=bool)
    awarded_header = prepared.headers.get("tier_awarded_on", rules.fields["tier_awarded_on"].label_zh)
    expiry_header = prepared.headers.get("tier_expires_on", rules.fields["tier_expires_on"].label_zh)
    years = np.array([rules.validity_years(str(t)) for t in ids[:-1]] + [0], dtype=np.int64)[index]
    derive = titled & np.isnat(expires) & ~np.isnat(awarded) & (years > 0)
    if derive.any():
        expires = np.where(derive, _plus_years(np.where(derive, awarded, as_of64), years), expires)
    blank = np.isnat(expires)
    held = titled & (blank | (expires >= as_of64))
    issues = [
        Issue(
            IssueCode.DERIVED_EXPIRY,
            Severity.INFO,
            int(prepared.rows[i]),
            "tier_expires_on",
            awarded_header,
            str(shown),
            prepared.sheet,
        )
        for i, shown in zip(
            np.flatnonzero(derive), np.datetime_as_string(expires[derive], unit="D"), strict=True
        )
    ]
    issues += [
        Issue(
            IssueCode.BLANK_EXPIRY,
            Severity.WARNING,
            int(prepared.rows[i]),
            "tier_expires_on",
            expiry_header,
            None,
            prepared.sheet,
        )
        for i in np.flatnonzero(titled & blank & ~written)
    ]
    # 长期 / 9999-12-31 on a title that is valid for some years only: taken as written, said aloud.
    open_ended = titled & (expires == np.datetime64("9999-12-31", "D")) & (years > 0)
    issues += [
        Issue(
            IssueCode.OPEN_EXPIRY,
            Severity.WARNING,
            int(prepared.rows[i]),
            "tier_expires_on",
            expiry_header,
            str(years[i]),
            prepared.sheet,
        )
        for i in np.flatnonzero(open_ended)
    ]
    tier: ObjectArray = ids[np.where(held, index, len(ids) - 1)]  # the last id is None: no title
    rank = np.where(held, ranks[index], 0)
    expiring = held & ~blank & (expires <= horizon)
    written_tier: ObjectArray = ids[np.where(titled, index, len(ids) - 1)]
    return Titles(tier=tier, rank=rank, expires=expires, expiring=expiring, written=written_tier), issues
