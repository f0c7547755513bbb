"""Units: literals written the way policy texts write them, and the engine's canonical units.

Owns the conversion of threshold literals such as ``"100万元"``, ``"1亿元"``, ``"3%"`` and ``"2年"`` to
canonical numbers (money in 万元, ratios as fractions), and finding such literals inside a sentence
(a criterion's label). Knows nothing about rule files or frames.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

__all__ = ["Quantity", "QuantityError", "Unit", "parse_quantity", "quantities_in"]


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
        """Amounts use a relative float tolerance; ratios, scores and counts an absolute one
        (docs/policy.md#conventions)."""
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


@dataclass(frozen=True)
class Quantity:
    """A number with its unit found in running text: as written, and in the canonical unit."""

    text: str
    unit: Unit
    value: float


# In prose money is also written "1500万" or "2亿" (no 元); longer suffixes first, so that "万元" is not
# read as "万" and "个百分点" not as "个".
_PROSE_SUFFIXES: dict[str, tuple[Unit, float]] = {
    **_SUFFIXES,
    "亿": (Unit.WAN_YUAN, 10_000.0),
    "万": (Unit.WAN_YUAN, 1.0),
}
_IN_TEXT = re.compile(
    r"(?<![\d.])(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)\s*("
    + "|".join(re.escape(k) for k in sorted(_PROSE_SUFFIXES, key=len, reverse=True))
    + ")"
)


def quantities_in(sentence: str) -> list[Quantity]:
    """Every number with a unit suffix in ``sentence``, in order ("不低于1500万元" → 1500 万元).

    Numbers without a suffix ("G20") and numbers written in Chinese numerals ("近三年") are not read.
    The literal is converted by :func:`parse_quantity`, so "2亿元" is 20000 万元 and "3%" is 0.03.
    """
    found = []
    for match in _IN_TEXT.finditer(sentence):
        number, suffix = match.group(1).replace(",", ""), match.group(2)
        unit, factor = _PROSE_SUFFIXES[suffix]
        value = parse_quantity(number + suffix, unit) if suffix in _SUFFIXES else float(number) * factor
        found.append(Quantity(match.group(0), unit, value))
    return found
