"""One firm's workbook (``pool firm CODE -o 企业.xlsx``): its status over the snapshots, its key
lines, and every line it was compared with.

Owns the three sheets and the words of their cells (:mod:`eligibility.labels`, ``pool_*`` keys;
statuses, tiers and criteria as the other pool outputs word them): 各期结论 (a row per tier, a
column per snapshot, as ``pool firm`` prints it), 关键门槛 (the key lines of
:meth:`~eligibility.pool.Pool.key_lines`, the margin per snapshot in words) and 全部门槛 (one row per
snapshot × line, the numbers as numbers: value, threshold, value − threshold, the room and the room
in borderline margins; ratios in per cent and percentage points). Written atomically, every text
cell as text.

Must not: choose the key lines or compute a margin (``lines.py`` and ``store.py`` do).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd

from eligibility.labels import Lang, text
from eligibility.language.ruleset import RuleSet
from eligibility.pool.words import (
    criteria_labels,
    key_only,
    line_label,
    margin_words,
    tier_words,
    write_sheet,
)
from eligibility.render.files import atomic_path
from eligibility.render.tables import status_words
from eligibility.units import Unit

__all__ = ["history_sheet", "key_lines_sheet", "lines_sheet", "write_firm_book"]

_OPERATORS = {">=": "≥", "<=": "≤", ">": ">", "<": "<", "==": "="}


def _day(value: object) -> str:
    return value.isoformat() if isinstance(value, dt.date) else ""


def _score(low: object, high: object) -> str:
    if not isinstance(low, float | int) or pd.isna(low):
        return ""
    if isinstance(high, float | int) and not pd.isna(high) and high != low:
        return f"{low:g}–{high:g}"
    return f"{low:g}"


def history_sheet(history: pd.DataFrame, rules: RuleSet, lang: Lang = "zh") -> pd.DataFrame:
    """A row for the name, the title and each tier; a column per snapshot (status, mark, score)."""
    snapshots = history.drop_duplicates("as_of")[["as_of", "label", "present", "name", "title"]]
    heads = [
        _day(d) + (f" {label}" if isinstance(label, str) else "")
        for d, label in zip(snapshots["as_of"], snapshots["label"], strict=True)
    ]
    words = status_words(lang)
    absent = text("pool_absent", lang)
    rows: list[list[str]] = [
        [text("col_name", lang), *(n if isinstance(n, str) else absent for n in snapshots["name"])],
        [
            text("col_title", lang),
            *(
                (tier_words(rules, t, lang) or text("pool_no_title", lang)) if p else absent
                for t, p in zip(snapshots["title"], snapshots["present"], strict=True)
            ),
        ],
    ]
    for tier in [t for t in rules.tiers if t in set(history["tier"].dropna())]:
        mine = history[history["tier"] == tier].set_index("as_of")
        cells = []
        for day, present in zip(snapshots["as_of"], snapshots["present"], strict=True):
            if not present or day not in mine.index:
                cells.append(absent if not present else "")
                continue
            row = mine.loc[day]
            word = words.get((str(row["status"]), str(row["mark"] or "")), str(row["status"]))
            score = _score(row["score_low"], row["score_high"])
            cells.append(word + (f" {score}" if score else ""))
        rows.append([tier_words(rules, tier, lang), *cells])
    return pd.DataFrame(rows, columns=[text("col_tier", lang), *heads])


def key_lines_sheet(lines: pd.DataFrame, rules: RuleSet, lang: Lang = "zh") -> pd.DataFrame:
    """The key lines: tier, criterion, why key, and per snapshot the margin in words (value −
    threshold, as ``pool firm`` prints it)."""
    labels = criteria_labels(rules, lang)
    days = sorted(set(lines["as_of"])) if not lines.empty else []
    rows = []
    for (tier, criterion), line in key_only(lines).groupby(["tier", "criterion"], sort=False):
        by_day = {
            d: margin_words(m, u, lang)
            for d, m, u in zip(line["as_of"], line["margin"], line["unit"], strict=True)
        }
        rows.append(
            [
                tier_words(rules, tier, lang),
                line_label(labels, tier, criterion, line["field"].iloc[0], rules, lang),
                text(f"pool_key_{line['key'].iloc[0]}", lang),
                *(by_day.get(d, "") for d in days),
            ]
        )
    heads = [text(k, lang) for k in ("col_tier", "col_criterion", "pool_col_key")]
    return pd.DataFrame(rows, columns=[*heads, *(_day(d) for d in days)])


def _unit_word(unit: str, lang: Lang) -> str:
    if unit == Unit.FRACTION:
        return text("pool_unit_percent_points", lang)
    return text(f"unit_name_{unit}", lang)


def lines_sheet(lines: pd.DataFrame, rules: RuleSet, lang: Lang = "zh") -> pd.DataFrame:
    """Every line compared, one row per snapshot × line, in the order of ``lines`` (tier, the rule
    file's order, date): the numbers as numbers, ratios ×100 (per cent, differences in percentage
    points)."""
    labels = criteria_labels(rules, lang)
    yes = text("pool_yes", lang)
    scale = lines["unit"].map(lambda u: 100.0 if u == Unit.FRACTION else 1.0) if not lines.empty else 1.0
    table: dict[str, Any] = {
        text("col_tier", lang): lines["tier"].map(lambda t: tier_words(rules, t, lang)),
        text("col_criterion", lang): [
            line_label(labels, t, c, f, rules, lang)
            for t, c, f in zip(lines["tier"], lines["criterion"], lines["field"], strict=True)
        ],
        text("pool_col_key", lang): lines["key"].map(lambda k: text(f"pool_key_{k}", lang) if k else ""),
        text("pool_col_snapshot", lang): lines["as_of"].map(_day),
        text("pool_col_operator", lang): lines["op"].map(lambda o: _OPERATORS.get(str(o), str(o))),
        text("pool_col_line_value", lang): lines["value"].astype(float) * scale,
        text("pool_col_threshold", lang): lines["threshold"].astype(float) * scale,
        text("pool_col_unit", lang): lines["unit"].map(lambda u: _unit_word(str(u), lang)),
        text("pool_col_margin", lang): lines["margin"].astype(float) * scale,
        text("pool_col_room", lang): lines["slack"].astype(float) * scale,
        text("pool_col_closeness", lang): lines["closeness"].astype(float).round(4),
        text("pool_col_bearing", lang): lines["bearing"].map(lambda b: yes if b else ""),
    }
    return pd.DataFrame(table)


def write_firm_book(
    path: Path, history: pd.DataFrame, lines: pd.DataFrame, rules: RuleSet, lang: Lang = "zh"
) -> Path:
    """The three sheets at ``path``, written atomically (xlsxwriter's ``strings_to_formulas`` off: a
    firm named ``=1+1`` stays text)."""
    sheets = [
        (text("pool_sheet_history", lang), history_sheet(history, rules, lang), (1, 1)),
        (text("pool_sheet_key_lines", lang), key_lines_sheet(lines, rules, lang), (1, 3)),
        (text("pool_sheet_all_lines", lang), lines_sheet(lines, rules, lang), (1, 2)),
    ]
    with atomic_path(path) as temporary:
        options = {"strings_to_formulas": False, "strings_to_urls": False}
        with pd.ExcelWriter(temporary, engine="xlsxwriter", engine_kwargs={"options": options}) as writer:
            for name, table, freeze in sheets:
                write_sheet(writer, table, name[:31], freeze)
    return path
