"""Quantities in words: a value with its unit, the way the workbook and the explanation print it."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
import pandas as pd

from eligibility.explain import BandMove
from eligibility.labels import Lang, text
from eligibility.ruleset import RuleSet
from eligibility.units import Unit

__all__ = ["describe_moves", "format_quantities", "format_quantity"]

_WITH_UNIT = (Unit.FRACTION, Unit.WAN_YUAN, Unit.PERSONS, Unit.COUNT, Unit.RANK, Unit.YEARS, Unit.POINTS)


def _pattern(unit: Unit) -> str:
    if unit is Unit.FRACTION:
        return "%.2f"
    if unit is Unit.WAN_YUAN:
        return "%.1f"
    return "%g"


def format_quantity(value: float | None, unit: Unit, lang: Lang = "zh") -> str:
    """One value with its unit (3.25个百分点 is a ratio *difference*; a ratio itself prints as 3.25%)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    number = _pattern(unit) % (value * 100 if unit is Unit.FRACTION else value)
    return text(f"unit_{unit.value}", lang, value=number) if unit in _WITH_UNIT else number


def format_quantities(values: npt.NDArray[np.float64], unit: Unit, lang: Lang = "zh") -> pd.Series[str]:
    """Many values with their unit at once (numpy formatting, no Python loop per value)."""
    scaled = values * 100 if unit is Unit.FRACTION else values
    numbers = pd.Series(np.char.mod(_pattern(unit), scaled), dtype=object)
    if unit not in _WITH_UNIT:
        return numbers
    head, tail = text(f"unit_{unit.value}", lang, value="\0").split("\0")
    return head + numbers + tail


def _label(rules: RuleSet, field: str, lang: Lang) -> str:
    spec = rules.fields[field]
    return spec.label_zh if lang == "zh" else spec.label_en


def describe_moves(moves: list[BandMove], rules: RuleSet, labels: dict[str, str], lang: Lang = "zh") -> str:
    """A band-move plan in words: each indicator from → to points, and what must change."""
    parts = []
    for move in moves:
        name = labels.get(move.indicator, move.indicator)
        points = text(
            "plan_points", lang, name=name, start=f"{move.points_from:g}", end=f"{move.points_to:g}"
        )
        if move.change is not None and move.field is not None:
            unit = rules.fields[move.field].unit
            strict = move.op in (">", "<")  # the new value must pass the bound, not reach it
            verb = text(("gap_raise" if move.change > 0 else "gap_lower") + ("_over" if strict else ""), lang)
            how = text(
                "plan_change",
                lang,
                field=_label(rules, move.field, lang),
                verb=verb,
                amount=format_quantity(abs(move.change), unit, lang),
            )
        elif isinstance(move.target, list):
            how = text("plan_items", lang, items="、".join(_label(rules, f, lang) for f in move.target))
        elif move.field is not None:
            spec = rules.fields[move.field]
            choice = (spec.choices or {}).get(str(move.target))
            shown = (
                (choice.label_zh if lang == "zh" or not choice.label_en else choice.label_en)
                if choice
                else str(move.target)
            )
            how = text("plan_choice", lang, field=_label(rules, move.field, lang), choice=shown)
        else:
            how = ""
        parts.append(points + how)
    return text("plan_intro", lang, moves=("；" if lang == "zh" else "; ").join(parts))
