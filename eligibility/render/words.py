"""Quantities in words: a value with its unit, the way the workbook and the explanation print it."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
import pandas as pd

from eligibility.labels import Lang, text
from eligibility.units import Unit

__all__ = ["format_quantities", "format_quantity"]

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
