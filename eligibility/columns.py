"""Typed columns: what the reader hands the engine, shared by both so neither imports the other.

Owns the :class:`Prepared` table (numeric columns as float arrays, dates as ``datetime64[D]``, text as
object arrays, with the issues found while typing them) and the one table of category spellings.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from eligibility.errors import Issue
from eligibility.language.ruleset import FieldSpec

__all__ = ["Prepared", "category_table"]

FloatArray = npt.NDArray[np.float64]


@dataclass
class Prepared:
    """Typed columns for the engine, and the issues found while typing them."""

    n: int
    columns: dict[str, FloatArray]
    dates: dict[str, npt.NDArray[np.datetime64]]
    text: dict[str, npt.NDArray[np.object_]]
    present: frozenset[str]
    issues: list[Issue]
    rows: npt.NDArray[np.int64]
    sheet: str | None = None
    headers: dict[str, str] = field(default_factory=dict)  # the sheet's own header of each field


def category_table(spec: FieldSpec) -> dict[str, float]:
    """Every accepted spelling of a category (id, Chinese and English label, aliases) → its code."""
    table: dict[str, float] = {}
    for code, (choice_id, choice) in enumerate((spec.choices or {}).items()):
        names: Iterable[str] = (choice_id, choice.label_zh, choice.label_en or "", *choice.aliases)
        for name in names:
            if name:
                table.setdefault(name.strip().casefold(), float(code))
    return table
