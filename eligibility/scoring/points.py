"""Points tables scored as intervals ``[low, high]`` per firm.

A known input gives a point score (``low == high``). A missing input widens the interval to every score
that input could still produce, so a table with gaps passes only if its low end passes, and fails only
if its high end fails. Missing data never counts as zero silently.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from eligibility.language.model import Indicator, Measure, Overlay, Points, Range
from eligibility.language.ruleset import RuleSet
from eligibility.scoring.logic import CODE_FAIL, CODE_PASS, Decider, decide, tolerance

__all__ = ["PointsResult", "score_measure", "score_points"]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
Interval = tuple[FloatArray, FloatArray]


@dataclass
class PointsResult:
    """Intervals of every indicator, group and the total; which firms a provincial overlay scored."""

    indicators: dict[str, Interval]
    groups: dict[str, Interval]
    overlays: dict[str, BoolArray] = field(default_factory=dict)

    @property
    def total(self) -> Interval:
        """The total score interval."""
        return self.groups["total"]


def score_points(
    points: Points,
    columns: Mapping[str, FloatArray],
    rules: RuleSet,
    n: int,
    overlays: Sequence[Overlay] = (),
    province: npt.NDArray[np.object_] | None = None,
    decider: Decider | None = None,
) -> PointsResult:
    """Score every indicator of ``points`` for all ``n`` firms at once.

    A provincial overlay replaces its slot for the firms whose ``province`` it names: the slot then
    scores the sum of the overlay's own indicators instead of the input column.
    """
    indicators: dict[str, Interval] = {}
    groups: dict[str, Interval] = {}
    applied: dict[str, BoolArray] = {}
    total_low, total_high = np.zeros(n), np.zeros(n)
    for group in points.groups:
        low, high = np.zeros(n), np.zeros(n)
        for indicator in group.indicators:
            ind = _indicator(indicator, columns, rules, n, decider)
            for overlay in overlays:
                if overlay.overlay.indicator != indicator.id or province is None:
                    continue
                mine = np.isin(province, overlay.overlay.provinces)
                parts = [_indicator(local, columns, rules, n, decider) for local in overlay.indicators]
                local_low = np.sum([p[0] for p in parts], axis=0)
                local_high = np.sum([p[1] for p in parts], axis=0)
                ind = (np.where(mine, local_low, ind[0]), np.where(mine, local_high, ind[1]))
                applied[overlay.overlay.id] = mine
            indicators[indicator.id] = ind
            low += ind[0]
            high += ind[1]
        groups[group.id] = (low, high)
        total_low += low
        total_high += high
    groups["total"] = (total_low, total_high)
    return PointsResult(
        indicators={k: _shared(v) for k, v in indicators.items()},
        groups={k: _shared(v) for k, v in groups.items()},
        overlays=applied,
    )


def _shared(interval: Interval) -> Interval:
    """An interval whose ends agree for every firm (every input known) as one read-only array for
    both ends: half the memory of the points trace, which is most of it at national scale."""
    low, high = interval
    if low is high or not np.array_equal(low, high, equal_nan=True):
        return interval
    low.flags.writeable = False
    return low, low


def _indicator(
    indicator: Indicator,
    columns: Mapping[str, FloatArray],
    rules: RuleSet,
    n: int,
    decider: Decider | None = None,
) -> Interval:
    intervals = [score_measure(m, columns, rules, n, decider) for m in indicator.measures]
    low, high = intervals[0]
    for other_low, other_high in intervals[1:]:
        # "The better of two measures": the best score is at least the best low, at most the best high.
        low, high = np.maximum(low, other_low), np.maximum(high, other_high)
    return low, high


def _column(columns: Mapping[str, FloatArray], name: str, n: int) -> FloatArray:
    found = columns.get(name)
    return found if found is not None else np.full(n, np.nan)


def score_measure(
    measure: Measure,
    columns: Mapping[str, FloatArray],
    rules: RuleSet,
    n: int,
    decider: Decider | None = None,
) -> Interval:
    """The score interval of one measure for every firm."""
    if measure.bands is not None:
        field = measure.bands.field
        return _bands(_column(columns, field, n), measure.bands.ranges, rules, field, decider)
    if measure.lookup is not None:
        return _lookup(measure, columns, rules, n)
    if measure.per is not None:
        per = measure.per
        values = _column(columns, per.field, n)
        step = rules.quantity(per.field, per.step)
        # One point per *full* step: 3.9999999999 years of float noise is 4 years.
        steps = np.floor(values / step + 1e-9)
        score = np.clip(steps * per.points, 0.0, per.max)
        return _widen_missing(score, values, 0.0, per.max)
    if measure.count is not None:
        count = measure.count
        known_true = np.zeros(n)
        unknown = np.zeros(n)
        for name in count.fields:
            values = _column(columns, name, n)
            known_true += values == 1.0
            unknown += np.isnan(values)
        low = np.minimum(known_true * count.points, count.max)
        high = np.minimum((known_true + unknown) * count.points, count.max)
        return low, high
    if measure.cascade is not None:
        return _cascade(measure, columns, rules, n, decider)
    if measure.input is not None:
        values = _column(columns, measure.input.field, n)
        score = np.clip(values, 0.0, measure.input.max)
        return _widen_missing(score, values, 0.0, measure.input.max)
    raise AssertionError(measure)  # pragma: no cover - the model guarantees one kind


def _widen_missing(score: FloatArray, values: FloatArray, low: float, high: float) -> Interval:
    missing = np.isnan(values)
    return np.where(missing, low, score), np.where(missing, high, score)


def _bounds(band: Range, rules: RuleSet, field: str) -> list[tuple[str, float]]:
    found: list[tuple[str, float]] = []
    for key, op in (("gt", ">"), ("ge", ">="), ("lt", "<"), ("le", "<=")):
        raw = getattr(band, key)
        if raw is not None:
            found.append((op, rules.quantity(field, raw)))
    return found


def _bands(
    values: FloatArray, ranges: list[Range], rules: RuleSet, field: str, decider: Decider | None = None
) -> Interval:
    """The loader proved the bands tile the number line, so a value lies in the band with the
    highest lower bound that it meets: one comparison per band, not two."""
    relative = rules.fields[field].unit.relative_tolerance
    ordered: list[tuple[float, bool, float, Range]] = []
    for band in ranges:
        lower = [(op, t) for op, t in _bounds(band, rules, field) if op in (">", ">=")]
        op, threshold = lower[0] if lower else (">=", -np.inf)
        # At equal lower bounds an open bound (">") starts just above a closed one.
        ordered.append((threshold, op == ">", band.points, band))
    ordered.sort(key=lambda item: (item[0], item[1]))
    score = np.full(values.shape, ordered[0][2])
    for threshold, strict, points, _ in ordered[1:]:
        op = ">" if strict else ">="
        meets = decide(
            f"{field}{op}{threshold!r}",
            values,
            values,
            op,
            threshold,
            tolerance(threshold, relative),
            decider,
        )
        score[meets == CODE_PASS] = points
    all_points = [band.points for band in ranges]
    return _widen_missing(score, values, min(all_points), max(all_points))


def _lookup(measure: Measure, columns: Mapping[str, FloatArray], rules: RuleSet, n: int) -> Interval:
    lookup = measure.lookup
    assert lookup is not None
    spec = rules.fields[lookup.field]
    keys = ["false", "true"] if spec.choices is None else list(spec.choice_ids)
    table = np.array([lookup.map.get(k, math.nan) for k in keys], dtype=np.float64)
    codes = _column(columns, lookup.field, n)
    known = ~np.isnan(codes)
    score = np.full(n, np.nan)
    score[known] = table[codes[known].astype(np.int64)]
    values = list(lookup.map.values())
    return _widen_missing(score, codes, min(values), max(values))


def _cascade(
    measure: Measure,
    columns: Mapping[str, FloatArray],
    rules: RuleSet,
    n: int,
    decider: Decider | None = None,
) -> Interval:
    """First step that holds gives its points. With unknown steps every reachable outcome is possible."""
    cascade = measure.cascade
    assert cascade is not None
    low, high = np.full(n, np.inf), np.full(n, -np.inf)
    still_open = np.ones(n, dtype=bool)
    for step in cascade.steps:
        values = _column(columns, step.field, n)
        threshold = rules.quantity(step.field, step.value)
        relative = rules.fields[step.field].unit.relative_tolerance
        tol = tolerance(threshold, relative)
        status = decide(
            f"{step.field}{step.op}{threshold!r}", values, values, step.op, threshold, tol, decider
        )
        possible = still_open & (status != CODE_FAIL)
        low = np.where(possible, np.minimum(low, step.points), low)
        high = np.where(possible, np.maximum(high, step.points), high)
        still_open &= status != CODE_PASS
    low = np.where(still_open, np.minimum(low, cascade.otherwise), low)
    high = np.where(still_open, np.maximum(high, cascade.otherwise), high)
    return low, high
