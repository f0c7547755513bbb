"""The service officers' workbook (``pool officers -o``): a sheet per officer and a township summary.

Owns the layout of the workbook and the words of its cells (:mod:`eligibility.labels`, ``pool_*``
keys; statuses, tiers and gaps as the other pool outputs word them) and sheet names Excel accepts:
at most 31 characters, none of ``[]:*?/\\``, no leading or trailing apostrophe, unique without
regard to case, never Excel's reserved ``History``.

Must not: compute a status, a gap, a change or a count (``tasks.py`` does).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, cast

import pandas as pd

from eligibility.labels import Lang, text
from eligibility.language.ruleset import RuleSet
from eligibility.pool.words import criteria_labels, gap_words, tier_words
from eligibility.render.files import atomic_path
from eligibility.render.tables import status_words

__all__ = ["EXCEL_SHEET_CHARS", "sheet_names", "write_officers"]

EXCEL_SHEET_CHARS = 31
_FORBIDDEN = re.compile(r"[\[\]:*?/\\\x00-\x1f]")
_RESERVED = {"history"}


def _units(name: str) -> int:
    """Excel counts a sheet name in UTF-16 units (a character beyond the BMP is two)."""
    return len(name.encode("utf-16-le")) // 2


def _cut(name: str, room: int) -> str:
    while _units(name) > room:
        name = name[:-1]
    return name


def sheet_names(wanted: Iterable[str]) -> list[str]:
    """A sheet name Excel accepts for each of ``wanted``, in order: forbidden characters become
    ``_``, the name is cut to 31 characters, and a name taken already (in any case) gets ``(2)``,
    ``(3)``, … within the 31."""
    taken: set[str] = set()
    out = []
    for raw in wanted:
        name = _FORBIDDEN.sub("_", str(raw)).strip().strip("'").strip() or "_"
        name = _cut(name, EXCEL_SHEET_CHARS)
        base, k = name, 1
        while name.casefold() in taken or name.casefold() in _RESERVED:
            k += 1
            suffix = f"({k})"
            name = _cut(base, EXCEL_SHEET_CHARS - len(suffix)) + suffix
        taken.add(name.casefold())
        out.append(name)
    return out


def _heading(tier: str, column: str, rules: RuleSet, lang: Lang) -> str:
    return tier_words(rules, tier, lang) + text("heading_bar", lang) + text(column, lang)


def _date(value: object) -> str:
    return value.isoformat() if isinstance(value, dt.date) else ""


def officer_sheet(frame: pd.DataFrame, tiers: Sequence[str], rules: RuleSet, lang: Lang) -> pd.DataFrame:
    """One officer's firms in words: code, name, township, title and its expiry (the next review),
    whether it comes up for review and is at risk, per tier the status with its mark and what it
    lacks, and what changed since the previous snapshot."""
    words = status_words(lang)
    labels = criteria_labels(rules, lang)
    yes = text("pool_yes", lang)
    held = frame["title"].notna()
    table: dict[str, Any] = {
        text("col_code", lang): frame["credit_code"].fillna(frame["firm_key"]),
        text("col_name", lang): frame["name"],
        text("col_township", lang): frame["township"],
        text("col_title", lang): frame["title"].map(
            lambda t: tier_words(rules, t, lang) if isinstance(t, str) else text("pool_no_title", lang)
        ),
        text("col_expires", lang): frame["title_expires"].where(held, None).map(_date),
        text("pool_col_review_due", lang): frame["title_expiring"].map(lambda v: yes if v else ""),
        text("at_risk", lang): frame["at_risk"].map(lambda v: yes if v else ""),
    }
    separator = text("pool_list_separator", lang)
    for tier in tiers:
        statuses = zip(frame[f"{tier}.status"], frame[f"{tier}.mark"], strict=True)
        table[_heading(tier, "col_status", rules, lang)] = [
            words.get((str(s), str(m or "")), str(s)) if isinstance(s, str) else "" for s, m in statuses
        ]
        table[_heading(tier, "col_gaps", rules, lang)] = frame[f"{tier}.lacks"].map(
            lambda lacks, t=tier: separator.join(gap_words(g, rules, labels.get(t, {}), lang) for g in lacks)
        )
    table[text("pool_col_changes", lang)] = frame["changes"].map(
        lambda changes: separator.join(_change_words(c, rules, lang) for c in changes)
    )
    return pd.DataFrame(table)


def _change_words(change: Mapping[str, Any], rules: RuleSet, lang: Lang) -> str:
    kind = text(f"pool_kind_{change['kind']}", lang)
    tier = change.get("tier")
    if not isinstance(tier, str) or tier not in rules.tiers:
        return kind
    return text("pool_change_item", lang, kind=kind, tier=tier_words(rules, tier, lang))


def township_sheet(frame: pd.DataFrame, tiers: Sequence[str], rules: RuleSet, lang: Lang) -> pd.DataFrame:
    """The township summary in words: one row per township, the counts as numbers."""
    table: dict[str, Any] = {
        text("col_township", lang): frame["township"].map(
            lambda t: t if isinstance(t, str) else text("pool_no_township", lang)
        ),
        text("col_firms", lang): frame["firms"],
        text("pool_col_officers", lang): frame["officers"],
        text("pool_col_titles", lang): frame["titles"],
        text("pool_col_review_due", lang): frame["review_due"],
        text("at_risk", lang): frame["at_risk"],
        text("pool_col_borderline", lang): frame["borderline"],
        text("near_miss", lang): frame["near_miss"],
    }
    for tier in tiers:
        table[_heading(tier, "pool_col_eligible_now", rules, lang)] = frame[f"eligible.{tier}"]
    return pd.DataFrame(table)


def write_officers(
    officers: pd.DataFrame, townships: pd.DataFrame, path: Path, rules: RuleSet, lang: Lang = "zh"
) -> dict[str, int]:
    """The workbook: the township summary first, then one sheet per officer (in the order of
    ``officers``, firms without an officer on a sheet of their own, last), written atomically with
    every text cell as text (xlsxwriter's ``strings_to_formulas`` off: a cell ``=1+1`` stays text).
    Returns the firms per sheet, by sheet name."""
    tiers = cast(list[str], officers.attrs.get("tiers") or [])
    groups: list[tuple[str, pd.DataFrame]] = [(text("pool_sheet_townships", lang), pd.DataFrame())]
    for officer, mine in officers.groupby(officers["officer"].fillna(""), sort=False):
        label = str(officer) if officer else text("pool_sheet_no_officer", lang)
        groups.append((label, mine))
    names = sheet_names(label for label, _ in groups)
    counts: dict[str, int] = {}
    with atomic_path(path) as temporary:
        options = {"strings_to_formulas": False, "strings_to_urls": False}
        with pd.ExcelWriter(temporary, engine="xlsxwriter", engine_kwargs={"options": options}) as writer:
            for k, ((_, mine), name) in enumerate(zip(groups, names, strict=True)):
                if k == 0:
                    table = township_sheet(townships, tiers, rules, lang)
                    counts[name] = int(townships["firms"].sum()) if not townships.empty else 0
                else:
                    table = officer_sheet(mine, tiers, rules, lang)
                    counts[name] = len(table)
                _write_sheet(writer, table, name)
    return counts


def _write_sheet(writer: pd.ExcelWriter, table: pd.DataFrame, name: str) -> None:
    table.to_excel(writer, sheet_name=name, index=False)
    sheet = writer.sheets[name]
    sheet.freeze_panes(1, 2)
    for column, heading in enumerate(table.columns):
        cells = [len(str(heading)) * 2, *(len(str(v)) * 2 for v in table[heading].head(200))]
        sheet.set_column(column, column, min(max(max(cells, default=8), 8), 60))
