"""Units: literals written the way policy texts write them, and the engine's canonical units.

Owns the conversion of threshold literals such as ``"100万元"``, ``"1亿元"``, ``"3%"`` and ``"2年"`` to
canonical numbers (money in 万元, ratios as fractions). Knows nothing about rule files or frames.
"""

from __future__ import annotations

import re
from enum import StrEnum

__all__ = ["QuantityError", "Unit", "parse_quantity"]


class Unit(StrEnum):
    """Canonical units of fields and thresholds."""

    WAN_YUAN = "wan_yuan"
    FRACTION = "fraction"
    PERSONS = "persons"
    COUNT = "count"
    RANK = "rank"
    YEARS = "years"
    POINTS = "points"
    LEVEL = "level"
    BOOL = "bool"
    CATEGORY = "category"
    DATE = "date"
    TEXT = "text"

    @property
    def is_numeric(self) -> bool:
        """Whether values of this unit are compared as numbers."""
        return self in _NUMERIC

    @property
    def relative_tolerance(self) -> bool:
        """Amounts use a relative float tolerance; ratios, scores and counts an absolute one (SPEC §3)."""
        return self is Unit.WAN_YUAN


_NUMERIC = frozenset(
    {Unit.WAN_YUAN, Unit.FRACTION, Unit.PERSONS, Unit.COUNT, Unit.RANK, Unit.YEARS, Unit.POINTS, Unit.LEVEL}
)

# Suffix → (unit it belongs to, factor to the canonical unit).
_SUFFIXES: dict[str, tuple[Unit, float]] = {
    "亿元": (Unit.WAN_YUAN, 10_000.0),
    "万元": (Unit.WAN_YUAN, 1.0),
    "元": (Unit.WAN_YUAN, 1e-4),
    "%": (Unit.FRACTION, 0.01),
    "％": (Unit.FRACTION, 0.01),
    "个百分点": (Unit.FRACTION, 0.01),
    "年": (Unit.YEARS, 1.0),
    "人": (Unit.PERSONS, 1.0),
    "分": (Unit.POINTS, 1.0),
    "项": (Unit.COUNT, 1.0),
    "件": (Unit.COUNT, 1.0),
    "个": (Unit.COUNT, 1.0),
    "级": (Unit.LEVEL, 1.0),
    "名": (Unit.RANK, 1.0),
}
_LITERAL = re.compile(r"^\s*([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)\s*(\S*)\s*$")


class QuantityError(ValueError):
    """A literal could not be read as a quantity of the expected unit."""

    def __init__(self, code: str, literal: object, expected: Unit | None) -> None:
        super().__init__(f"{code}: {literal!r} (expected {expected})")
        self.code = code
        self.literal = literal
        self.expected = expected


def parse_quantity(literal: object, unit: Unit) -> float:
    """Read a threshold literal as a number in the canonical ``unit``.

    Args:
        literal: a number, or a string such as ``"100万元"``, ``"1亿元"``, ``"3%"``, ``"2年"``.
        unit: the canonical unit of the field the literal is compared with.

    Returns:
        The value in the canonical unit (万元 for money, a fraction for ratios).

    Raises:
        QuantityError: with code ``bad_literal`` when the text is not a number with an optional
            suffix, or ``unit_mismatch`` when the suffix belongs to another unit.
    """
    if isinstance(literal, bool):
        raise QuantityError("bad_literal", literal, unit)
    if isinstance(literal, int | float):
        return float(literal)
    if not isinstance(literal, str):
        raise QuantityError("bad_literal", literal, unit)
    match = _LITERAL.match(literal)
    if match is None:
        raise QuantityError("bad_literal", literal, unit)
    number, suffix = float(match.group(1)), match.group(2)
    if not suffix:
        return number
    if suffix not in _SUFFIXES:
        raise QuantityError("bad_literal", literal, unit)
    suffix_unit, factor = _SUFFIXES[suffix]
    if suffix_unit is not unit:
        raise QuantityError("unit_mismatch", literal, unit)
    return number * factor
