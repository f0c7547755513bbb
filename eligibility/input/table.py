"""The table a reader hands over: cell values under canonical field ids, with where each value came from."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from eligibility.errors import Issue

__all__ = ["InputTable"]


@dataclass
class InputTable:
    """An input table whose columns are canonical field ids, with where each value came from.

    Attributes:
        frame: raw cell values, one column per field id.
        source: file name, for messages.
        sheet: worksheet name, if any.
        first_row: the spreadsheet row of the first data row when ``rows`` is not given.
        rows: the spreadsheet row (1-based, as the user sees it) of every frame row.
        headers: the original header text of every field column.
        factors: unit conversions read from headers (元 → 万元 is 1e-4).
        percent: fields whose header marks them as per cent.
        issues: issues found while reading (unmapped columns, …).
        written: for a column handed over already typed (numbers parsed from CSV text by Arrow),
            its cells as written (anything with ``take(positions).to_pylist()``), so that an issue
            shows the cell as the user typed it.
    """

    frame: pd.DataFrame
    source: str = "<frame>"
    sheet: str | None = None
    first_row: int = 2
    rows: npt.NDArray[np.int64] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    factors: dict[str, float] = field(default_factory=dict)
    percent: frozenset[str] = frozenset()
    issues: list[Issue] = field(default_factory=list)
    written: dict[str, Any] = field(default_factory=dict)
