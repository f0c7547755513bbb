"""Points-table gaps: the smallest set of band moves that brings a firm's score to the mark.

Owns the plan as codes and numbers (no prose): which indicator moves to which points level, how many
levels it climbs, and the change of its input in the field's own unit. A move's cost is the number of
points levels it climbs; the plan minimises the total cost exactly (a small knapsack over indicators),
because taking the biggest single step first is not optimal when a later band pays more.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from eligibility.language.model import Indicator, Measure, Range
from eligibility.language.ruleset import RuleSet
from eligibility.scoring.engine import TierResult

FloatArray = npt.NDArray[np.float64]

__all__ = ["BandMove", "plan_band_moves", "plan_groups"]

_OPS = {"gt": ">", "ge": ">=", "lt": "<", "le": "<="}


@dataclass(frozen=True)
class BandMove:
    """Raise one indicator from ``points_from`` to ``points_to``.

    Attributes:
        indicator: indicator id (``measure`` names the measure of a ``best_of``).
        levels: points levels climbed (the move's cost).
        field: the input to change, if the move is numeric or a category.
        op: the comparison the new value must satisfy (``>=``, ``<`` …), when numeric.
        target: the threshold (numeric) or the category id / items to reach.
        change: the required change of ``field`` in its own unit, when numeric.
    """

    indicator: str
    measure: str | None
    points_from: float
    points_to: float
    levels: int
    field: str | None
    op: str | None
    target: Any
    change: float | None


def _levels(points: list[float]) -> list[float]:
    return sorted(set(points))


def _band_moves(
    ind: Indicator, measure: Measure, rules: RuleSet, value: float, current: float
) -> list[BandMove]:
    bands = measure.bands
    assert bands is not None
    levels = _levels([b.points for b in bands.ranges])
    here = max((p for p in levels if p <= current), default=levels[0])
    moves = []
    for band in bands.ranges:
        if band.points <= current:
            continue
        op, target = _entry(band, rules, bands.field, value)
        change = None if target is None else target - value
        climbed = levels.index(band.points) - levels.index(here)
        moves.append(
            BandMove(
                ind.id, measure.id, current, band.points, max(climbed, 1), bands.field, op, target, change
            )
        )
    return moves


def _entry(band: Range, rules: RuleSet, field: str, value: float) -> tuple[str | None, float | None]:
    """The bound a value must cross to enter ``band`` from ``value``."""
    for key in ("ge", "gt"):
        raw = getattr(band, key)
        if raw is not None and value < rules.quantity(field, raw) + (1e-12 if key == "gt" else 0):
            return _OPS[key], rules.quantity(field, raw)
    for key in ("le", "lt"):
        raw = getattr(band, key)
        if raw is not None and value > rules.quantity(field, raw) - (1e-12 if key == "lt" else 0):
            return _OPS[key], rules.quantity(field, raw)
    return None, None


def _options(ind: Indicator, columns: dict[str, float], rules: RuleSet, current: float) -> list[BandMove]:
    moves: list[BandMove] = []
    for measure in ind.measures:
        if measure.bands is not None:
            value = columns.get(measure.bands.field, math.nan)
            if not math.isnan(value):
                moves += _band_moves(ind, measure, rules, value, current)
        elif measure.lookup is not None:
            levels = _levels(list(measure.lookup.map.values()))
            for choice, points in measure.lookup.map.items():
                if points > current:
                    climbed = levels.index(points) - levels.index(max(p for p in levels if p <= current))
                    moves.append(
                        BandMove(
                            ind.id,
                            measure.id,
                            current,
                            points,
                            max(climbed, 1),
                            measure.lookup.field,
                            None,
                            choice,
                            None,
                        )
                    )
        elif measure.cascade is not None:
            levels = _levels([s.points for s in measure.cascade.steps] + [measure.cascade.otherwise])
            for step in measure.cascade.steps:
                value = columns.get(step.field, math.nan)
                if step.points > current and not math.isnan(value):
                    threshold = rules.quantity(step.field, step.value)
                    climbed = levels.index(step.points) - levels.index(max(p for p in levels if p <= current))
                    moves.append(
                        BandMove(
                            ind.id,
                            measure.id,
                            current,
                            step.points,
                            max(climbed, 1),
                            step.field,
                            step.op,
                            threshold,
                            threshold - value,
                        )
                    )
        elif measure.per is not None:
            per = measure.per
            value = columns.get(per.field, math.nan)
            size = rules.quantity(per.field, per.step)
            if not math.isnan(value):
                for k in range(1, round((per.max - current) / per.points) + 1):
                    target = (math.floor(value / size + 1e-9) + k) * size
                    moves.append(
                        BandMove(
                            ind.id,
                            measure.id,
                            current,
                            min(per.max, current + k * per.points),
                            k,
                            per.field,
                            ">=",
                            target,
                            target - value,
                        )
                    )
        elif measure.count is not None:
            count = measure.count
            missing = [f for f in count.fields if columns.get(f) == 0.0]
            for k in range(1, len(missing) + 1):
                gained = min(count.max, current + k * count.points)
                if gained > current:
                    moves.append(
                        BandMove(ind.id, measure.id, current, gained, k, None, None, missing[:k], None)
                    )
        elif measure.input is not None:
            slot = measure.input
            for target in range(math.floor(current) + 1, math.floor(slot.max) + 1):
                moves.append(
                    BandMove(
                        ind.id,
                        measure.id,
                        current,
                        float(target),
                        1,
                        slot.field,
                        ">=",
                        float(target),
                        target - current,
                    )
                )
    return moves


def plan_band_moves(
    rules: RuleSet,
    columns: Mapping[str, FloatArray],
    result: TierResult,
    position: int,
    group: str = "total",
    mark: float | None = None,
) -> list[BandMove] | None:
    """The cheapest band moves that lift the firm's ``group`` score to ``mark`` in ``result`` (a
    single rule set's result, e.g. :meth:`TierResult.at`).

    Returns None when the score is not determined (missing inputs), the table cannot reach the mark,
    or the firm already reaches it; else the moves, fewest levels climbed in total.
    """
    points = result.points
    table = result.ruleset.points
    if points is None or table is None:
        return None
    if mark is None:
        tests = [leaf for leaf in result.leaves.values() if leaf.kind == "score" and leaf.field == group]
        if not tests or tests[0].threshold is None:
            return None
        mark = float(tests[0].threshold)
    low, high = points.groups[group]
    if low[position] != high[position] or low[position] >= mark:
        return None
    deficit = mark - float(low[position])
    values_at = {name: float(values[position]) for name, values in columns.items()}
    indicators = [i for g in table.groups if group in ("total", g.id) for i in g.indicators]
    # Exact knapsack over indicators: state = points gained (capped at the deficit) → cheapest plan.
    scale = 2  # points come in halves at the finest; integer states keep the search exact
    target = math.ceil(deficit * scale - 1e-9)
    best: dict[int, tuple[int, int, list[BandMove]]] = {0: (0, 0, [])}
    for indicator in indicators:
        current = float(points.indicators[indicator.id][0][position])
        options = _options(indicator, values_at, rules, current)
        merged = dict(best)
        for gained, (cost, count, moves) in best.items():
            for option in options:
                state = min(target, gained + round((option.points_to - option.points_from) * scale))
                candidate = (cost + option.levels, count + 1, [*moves, option])
                if state not in merged or candidate[:2] < merged[state][:2]:
                    merged[state] = candidate
        best = merged
    plan = best.get(target)
    return plan[2] if plan is not None else None


def _score_mark(result: TierResult, group: str) -> float | None:
    tests = [x for x in result.leaves.values() if x.kind == "score" and x.field == group]
    if not tests or tests[0].threshold is None:
        return None
    return float(np.nanmax(tests[0].threshold))


def _plan_key(
    rules: RuleSet,
    columns: Mapping[str, FloatArray],
    result: TierResult,
    rows: npt.NDArray[np.int64],
    group: str,
) -> npt.NDArray[np.float64]:
    """Per firm, everything a plan's choice depends on (not its amounts): each indicator's points,
    and for each measure the side of every band bound its value lies on, whether it is missing, its
    full steps, or which counted items are 0. Firms with equal keys get the same moves."""
    assert result.points is not None
    assert result.ruleset.points is not None

    def values(name: str) -> npt.NDArray[np.float64]:
        found = columns.get(name)
        return found[rows] if found is not None else np.full(rows.size, np.nan)

    parts: list[npt.NDArray[np.float64]] = []
    for table_group in result.ruleset.points.groups:
        if group not in ("total", table_group.id):
            continue
        for indicator in table_group.indicators:
            parts.append(result.points.indicators[indicator.id][0][rows])
            for measure in indicator.measures:
                if measure.bands is not None:
                    v = values(measure.bands.field)
                    parts.append(np.isnan(v).astype(float))
                    for band in measure.bands.ranges:
                        for key in ("ge", "gt", "le", "lt"):
                            raw = getattr(band, key)
                            if raw is not None:
                                parts.append((v < rules.quantity(measure.bands.field, raw)).astype(float))
                                parts.append((v > rules.quantity(measure.bands.field, raw)).astype(float))
                elif measure.cascade is not None:
                    parts.extend(np.isnan(values(step.field)).astype(float) for step in measure.cascade.steps)
                elif measure.per is not None:
                    v = values(measure.per.field)
                    size = rules.quantity(measure.per.field, measure.per.step)
                    parts.append(np.nan_to_num(np.floor(v / size + 1e-9), nan=-1e18))
                elif measure.count is not None:
                    parts.extend((values(f) == 0.0).astype(float) for f in measure.count.fields)
    return np.stack(parts, axis=1) if parts else np.zeros((rows.size, 0))


def plan_groups(
    rules: RuleSet,
    columns: Mapping[str, FloatArray],
    result: TierResult,
    rows: npt.NDArray[np.int64],
    group: str = "total",
    mark: float | None = None,
) -> list[tuple[npt.NDArray[np.int64], list[BandMove]]]:
    """Band-move plans for many firms at once: firms that share a plan's key (see ``_plan_key``) share
    its moves, so one exact knapsack is solved per distinct key rather than per firm. Returns
    (positions, moves of the first of them); a member's own change of a move is ``move.target`` minus
    its own value of ``move.field``. Firms without a plan are left out. ``result`` is a single rule
    set's result (a piece of a tier judged by several)."""
    if result.points is None or result.ruleset.points is None or rows.size == 0:
        return []
    mark = mark if mark is not None else _score_mark(result, group)
    if mark is None:
        return []
    key = np.nan_to_num(_plan_key(rules, columns, result, rows, group), nan=-1e18)
    _, first, inverse = np.unique(key, axis=0, return_index=True, return_inverse=True)
    order = np.argsort(inverse.reshape(-1), kind="stable")
    starts = np.searchsorted(inverse.reshape(-1)[order], np.arange(first.size + 1))
    out = []
    for k in range(first.size):  # one knapsack per distinct key
        members = rows[order[starts[k] : starts[k + 1]]]
        plan = plan_band_moves(rules, columns, result, int(rows[first[k]]), group, mark)
        if plan:
            out.append((members, plan))
    return out
