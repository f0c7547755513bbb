"""Four-valued logic and the one tolerant comparison every threshold goes through.

Statuses are int8 codes ordered ``FAIL < UNKNOWN < REVIEW < PASS`` so that *all-of* is an element-wise
minimum. *Any-of* ranks ``FAIL < REVIEW < UNKNOWN < PASS`` (pass if any pass, else unknown if any
unknown, else review if any review, else fail). The float tolerance is that of docs/policy.md#conventions.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import IntEnum
from typing import Protocol

import numpy as np
import numpy.typing as npt

__all__ = [
    "EPSILON",
    "Decider",
    "Status",
    "UndecidableError",
    "combine_all",
    "combine_any",
    "decide",
    "interval_status",
    "member_status",
    "negate",
    "relaxed_op",
    "tight_op",
    "tolerance",
]

StatusArray = npt.NDArray[np.int8]
FloatArray = npt.NDArray[np.float64]

EPSILON = 1e-9


class Status(IntEnum):
    """Outcome of a criterion for one firm."""

    FAIL = 0
    UNKNOWN = 1
    REVIEW = 2
    PASS = 3


# The codes as numpy scalars, for array arithmetic: comparing an array with an enum member makes
# numpy look for ``__array_ufunc__`` on it through ``EnumType.__getattr__`` (≈ 1,300 times a firm in
# ``assess_one``); an ``np.int8`` has none to look up.
CODE_FAIL, CODE_UNKNOWN, CODE_REVIEW, CODE_PASS = (np.int8(s.value) for s in Status)


def _any_rank(status: StatusArray) -> StatusArray:
    """Code → rank for any-of (fail < review < unknown < pass): unknown (1) and review (2) swap
    places, by one xor with 3 where the code is 1 or 2 — arithmetic, no lookup table (an int8
    fancy index costs 25× more). Self-inverse."""
    middle = (status - np.int8(1)).view(np.uint8) <= 1
    ranked: StatusArray = status ^ (middle.view(np.int8) * np.int8(3))
    return ranked


def combine_all(parts: Sequence[StatusArray]) -> StatusArray:
    """All-of: fail if any fails, else unknown, else review, else pass."""
    result = parts[0].copy()
    for part in parts[1:]:
        np.minimum(result, part, out=result)
    return result


def combine_any(parts: Sequence[StatusArray]) -> StatusArray:
    """Any-of: pass if any passes, else unknown if any unknown, else review, else fail."""
    ranked = _any_rank(parts[0])
    for part in parts[1:]:
        np.maximum(ranked, _any_rank(part), out=ranked)
    return _any_rank(ranked)


def negate(status: StatusArray) -> StatusArray:
    """Logical not: pass ↔ fail; unknown and review stay."""
    extreme = (status - np.int8(1)).view(np.uint8) > 1  # pass (3) and fail (0) swap, by xor with 3
    negated: StatusArray = status ^ (extreme.view(np.int8) * np.int8(3))
    return negated


def tolerance(threshold: float, relative: bool) -> float:
    """Float-noise tolerance of a threshold: absolute for ratios and scores, relative for amounts."""
    return EPSILON * max(abs(threshold), 1.0) if relative else EPSILON


def interval_status(
    low: FloatArray, high: FloatArray, op: str, threshold: float | FloatArray, tol: float | FloatArray
) -> StatusArray:
    """Compare a value known to lie in ``[low, high]`` with a threshold.

    Pass when every value of the interval passes, fail when none does, else unknown. A point value
    has ``low == high``; NaN (missing) gives unknown because every comparison with NaN is false.
    Values within ``tol`` of the threshold count as equal to it.
    """
    if op == ">=":
        passed, failed = low >= threshold - tol, high < threshold - tol
    elif op == ">":
        passed, failed = low > threshold + tol, high <= threshold + tol
    elif op == "<=":
        passed, failed = high <= threshold + tol, low > threshold + tol
    elif op == "<":
        passed, failed = high < threshold - tol, low >= threshold - tol
    else:  # pragma: no cover - the rule-file model only admits the four operators
        raise ValueError(op)
    # PASS = 3, UNKNOWN = 1, FAIL = 0; ``passed`` and ``failed`` exclude each other (low <= high), so
    # the status is 1 + 2·passed − failed: arithmetic on the boolean bytes, no masked assignment.
    status: StatusArray = np.asarray(passed).view(np.int8) * np.int8(2)
    status += np.int8(Status.UNKNOWN)
    status -= np.asarray(failed).view(np.int8)
    return status


def relaxed_op(
    op: str, threshold: float | FloatArray, margin: float | FloatArray
) -> tuple[str, float | FloatArray]:
    """The comparison that passes whatever fails by no more than ``margin`` (near miss)."""
    if op in (">=", ">"):
        return ">=", threshold - margin
    return "<=", threshold + margin


def tight_op(
    op: str, threshold: float | FloatArray, margin: float | FloatArray
) -> tuple[str, float | FloatArray]:
    """The comparison that passes only what passes by more than ``margin`` (not a thin pass)."""
    if op in (">=", ">"):
        return ">", threshold + margin
    return "<", threshold - margin


class UndecidableError(ValueError):
    """A decider was asked for a comparison it cannot take (it never falls back silently)."""


class Decider(Protocol):
    """Another engine that takes the threshold decisions (the durable_rules backend): the vectorised
    core still derives the values, applies assumptions and combines the decisions."""

    def compare(
        self,
        instance: str,
        low: FloatArray,
        high: FloatArray,
        op: str,
        threshold: float | FloatArray,
        tol: float | FloatArray,
    ) -> StatusArray:
        """Status of ``[low, high]`` against ``op threshold`` with tolerance ``tol`` (scalars, or one
        per firm); raise :class:`UndecidableError` for a comparison it cannot take."""

    def member(self, instance: str, values: FloatArray, allowed: Sequence[float]) -> StatusArray:
        """Pass where the value is one of ``allowed``, fail where it is another, unknown where NaN."""


def decide(
    instance: str,
    low: FloatArray,
    high: FloatArray,
    op: str,
    threshold: float | FloatArray,
    tol: float | FloatArray,
    decider: Decider | None = None,
) -> StatusArray:
    """:func:`interval_status`, or ``decider``'s answer for test ``instance`` (a threshold that
    differs by firm is passed to it as it is: the decider takes every comparison or says it cannot)."""
    if decider is None:
        return interval_status(low, high, op, threshold, tol)
    return decider.compare(instance, low, high, op, threshold, tol)


def member_status(
    instance: str, values: FloatArray, allowed: Sequence[float], decider: Decider | None = None
) -> StatusArray:
    """Pass where ``values`` is one of ``allowed``, fail where another value, unknown where NaN
    (decided by ``decider`` when given)."""
    if decider is not None:
        return decider.member(instance, values, allowed)
    status: StatusArray = np.where(np.isin(values, allowed), np.int8(Status.PASS), np.int8(Status.FAIL))
    status[np.isnan(values)] = Status.UNKNOWN
    return status
