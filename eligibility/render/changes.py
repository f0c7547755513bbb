"""Two screening results compared, as a table for people: the CSV of ``eligibility diff -o``.

Translates the frame of :func:`eligibility.diff.diff_results` (ids only) into headings and words of one
language — tier and criterion labels, status words, borderline marks, yes / no for flags — or keeps
the ids (``ids=True``) for programs. Written by :func:`eligibility.render.files.write_table_csv`: a
BOM, every text cell guarded against formulas as ``screen`` guards its CSV, an atomic write. Computes
nothing; no loop over rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from eligibility.diff import COLUMNS
from eligibility.findings import STATUS_NAMES
from eligibility.labels import Lang, text
from eligibility.render.files import write_table_csv

__all__ = ["HEADINGS", "diff_table", "write_diff"]

# Column id → label key of its heading.
HEADINGS = {
    "credit_code": "col_code",
    "name": "col_name",
    "item": "diff_item",
    "status_a": "diff_status_before",
    "status_b": "diff_status_after",
    "borderline_a": "diff_borderline_before",
    "borderline_b": "diff_borderline_after",
    "now_failing": "diff_now_failing",
    "now_passing": "diff_now_passing",
}


def _criteria(changes: pd.DataFrame, column: str, labels: Mapping[str, str], lang: Lang) -> pd.Series[Any]:
    """``a;b`` criterion ids of each row named by ``labels["<tier>:<id>"]`` (the id where unnamed)."""
    ids = changes[column].astype(str).str.split(";").explode()
    ids = ids[ids != ""]
    keys = changes["item"].astype(str).reindex(ids.index) + ":" + ids
    named = keys.map(dict(labels)).fillna(ids)
    joined = named.groupby(level=0).agg(text("diff_list", lang).join)
    return joined.reindex(changes.index, fill_value="")


def diff_table(
    changes: pd.DataFrame, lang: Lang = "zh", labels: Mapping[str, str] | None = None, ids: bool = False
) -> pd.DataFrame:
    """The changes with headings and words in ``lang`` (``labels`` names tiers and ``tier:criterion``),
    or with ids throughout when ``ids``."""
    if ids:
        return changes[list(COLUMNS)].reset_index(drop=True)
    names = dict(labels or {})
    frame = changes[list(COLUMNS)].reset_index(drop=True)
    item = frame["item"].astype(str)
    flag = item.str.startswith("flag.").to_numpy()
    items = {
        i: text(i.removeprefix("flag."), lang) if i.startswith("flag.") else names.get(i, i)
        for i in item.unique()
    }
    unseen = text("diff_not_evaluated", lang)
    tier_words = {str(s): text(str(s), lang) for s in STATUS_NAMES} | {"": unseen}
    flag_words = {"true": text("diff_yes", lang), "false": text("diff_no", lang), "": unseen}
    marks = {"thin_pass": text("thin_pass", lang), "near_miss": text("near_miss", lang), "": ""}
    out = {"credit_code": frame["credit_code"], "name": frame["name"], "item": item.map(items)}
    for column in ("status_a", "status_b"):
        values = frame[column].astype(str)
        out[column] = pd.Series(
            np.where(flag, values.map(flag_words).fillna(values), values.map(tier_words).fillna(values)),
            dtype=object,
        )
    for column in ("borderline_a", "borderline_b"):
        values = frame[column].astype(str)
        out[column] = values.map(marks).fillna(values)
    for column in ("now_failing", "now_passing"):
        out[column] = _criteria(frame, column, names, lang)
    table = pd.DataFrame(out)
    return table.rename(columns={c: text(HEADINGS[c], lang) for c in table.columns})


def write_diff(
    changes: pd.DataFrame,
    path: str | Path,
    lang: Lang = "zh",
    labels: Mapping[str, str] | None = None,
    ids: bool = False,
) -> Path:
    """Write :func:`diff_table` as UTF-8 CSV with a BOM, every text cell guarded against formulas."""
    return write_table_csv(diff_table(changes, lang, labels, ids), path)
