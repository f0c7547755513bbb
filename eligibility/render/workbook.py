"""The reviewer's workbook: what a county officer hands to colleagues.

Sheets 汇总, 晋级候选, 临界企业, 退库风险, 升规候选, 全部明细, 数据问题, 规则说明 — Chinese headings (English
with ``lang="en"``), frozen header rows, filters, column widths, colours for statuses and borderline
marks. Text is always written as text, so a cell starting with ``=`` never becomes a formula. The file
is written under a temporary name and renamed into place.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xlsxwriter

from eligibility.assessment import Assessment
from eligibility.flags import FLAG_NAMES
from eligibility.labels import Lang, issue_message, text
from eligibility.render.files import atomic_path
from eligibility.render.tables import Tables
from eligibility.render.words import gap_sentences, tier_label

__all__ = ["gap_sentences", "write_workbook"]

# Column widths by heading key, shared by every sheet built from a table.
_WIDTHS = {
    "col_rank": 6,
    "col_code": 22,
    "col_name": 30,
    "col_title": 18,
    "col_target": 22,
    "col_tier": 20,
    "col_status": 12,
    "col_borderline": 12,
    "col_score": 9,
    "col_ruleset": 22,
    "col_score_min": 9,
    "col_score_max": 9,
    "col_route": 12,
    "col_failed": 40,
    "col_gaps": 80,
    "col_expires": 12,
    "col_reason": 30,
    "col_main_revenue": 18,
    "col_to_line": 18,
}
_STATUS_KEYS = ["eligible", "ineligible", "incomplete", "review", "thin_pass", "near_miss"]

_COLOURS = {
    "eligible": "#C6EFCE",
    "ineligible": "#FFC7CE",
    "incomplete": "#E7E6E6",
    "review": "#FFEB9C",
    "thin_pass": "#FCE4D6",
    "near_miss": "#DDEBF7",
}


class _Book:
    def __init__(self, path: Path, lang: Lang) -> None:
        self.lang = lang
        self.book = xlsxwriter.Workbook(
            str(path), {"strings_to_formulas": False, "strings_to_urls": False, "nan_inf_to_errors": True}
        )
        self.header = self.book.add_format(
            {"bold": True, "bg_color": "#1F4E78", "font_color": "#FFFFFF", "text_wrap": True, "valign": "top"}
        )
        self.title = self.book.add_format({"bold": True, "font_size": 14})
        self.colours = {k: self.book.add_format({"bg_color": v}) for k, v in _COLOURS.items()}

    def sheet(
        self, name_key: str, headers: Sequence[str], columns: Sequence[Sequence[Any]], widths: Sequence[int]
    ) -> Any:
        """A sheet with a frozen, filtered header row and one column per sequence."""
        sheet = self.book.add_worksheet(text(name_key, self.lang))
        sheet.write_row(0, 0, list(headers), self.header)
        sheet.freeze_panes(1, 0)
        rows = len(columns[0]) if columns else 0
        for index, values in enumerate(columns):
            cleaned = [_cell(v) for v in values]
            sheet.write_column(1, index, cleaned)
        for index, width in enumerate(widths):
            sheet.set_column(index, index, width)
        sheet.autofilter(0, 0, max(rows, 1), len(headers) - 1)
        return sheet

    def colour(self, sheet: Any, column: int, rows: int, keys: Sequence[str]) -> None:
        """Colour cells of ``column`` by their (translated) status or borderline word."""
        for key in keys:
            sheet.conditional_format(
                1,
                column,
                max(rows, 1),
                column,
                {
                    "type": "cell",
                    "criteria": "==",
                    "value": f'"{text(key, self.lang)}"',
                    "format": self.colours[key],
                },
            )


def _cell(value: Any) -> Any:
    """Blank for a missing number; float noise (8.900000000000091) rounded away for display."""
    if isinstance(value, float | np.floating):
        return None if math.isnan(value) else round(float(value), 4)
    return value


def write_workbook(assessment: Assessment, path: str | Path, lang: Lang = "zh") -> Path:
    """Write the reviewer's workbook atomically to ``path``."""
    with atomic_path(path, ".xlsx") as temporary:
        book = _Book(temporary, lang)
        _fill(book, assessment, lang)
        book.book.close()
    return Path(path)


def _fill(book: _Book, a: Assessment, lang: Lang) -> None:
    n = a.n
    tables = Tables(a, lang)

    # 汇总 ---------------------------------------------------------------------------------------
    summary = a.summary()
    sheet = book.book.add_worksheet(text("sheet_summary", lang))
    sheet.write(
        0,
        0,
        text(
            "summary_title",
            lang,
            firms=n,
            as_of=a.as_of.isoformat(),
            purpose=text(f"purpose_{a.purpose}", lang),
        ),
        book.title,
    )
    heads = [
        text(k, lang)
        for k in (
            "col_tier",
            "col_ruleset",
            "eligible",
            "ineligible",
            "incomplete",
            "review",
            "thin_pass",
            "near_miss",
        )
    ]
    sheet.write_row(2, 0, heads, book.header)
    for i, (tier, counts) in enumerate(summary["tiers"].items(), start=3):
        cells: list[Any] = [tier_label(a, tier, lang), f"{counts['ruleset']}（{counts['regime']}）"]
        cells += [
            counts[k] for k in ("eligible", "ineligible", "incomplete", "review", "thin_pass", "near_miss")
        ]
        sheet.write_row(i, 0, cells)
    start = 4 + len(summary["tiers"])
    sheet.write_row(start, 0, [text("col_flag", lang), text("col_firms", lang)], book.header)
    for i, name in enumerate(FLAG_NAMES, start=start + 1):
        sheet.write_row(i, 0, [text(name, lang), summary["flags"][name]])
    sheet.write_row(start + 6, 0, [text("issues_line", lang, **summary["issues"])])
    sheet.set_column(0, 0, 26)
    sheet.set_column(1, 1, 30)
    sheet.set_column(2, 7, 11)

    _table_sheet(book, "sheet_promotion", tables.promotion())
    _table_sheet(book, "sheet_borderline", tables.borderline())
    _table_sheet(book, "sheet_at_risk", tables.at_risk())
    _table_sheet(book, "sheet_scale_up", tables.scale_up())
    _table_sheet(book, "sheet_details", tables.details())

    # 数据问题 -------------------------------------------------------------------------------------
    issues = a.issues
    columns: list[list[Any]] = [
        [x.sheet or "" for x in issues],
        [x.row for x in issues],
        [x.header or x.field or "" for x in issues],
        [x.value or "" for x in issues],
        [text(f"severity_{x.severity.value}", lang) for x in issues],
        [issue_message(x, lang) for x in issues],
        [x.code.value for x in issues],
    ]
    heads = [
        text(k, lang)
        for k in (
            "col_sheet",
            "col_row",
            "col_header",
            "col_value",
            "col_severity",
            "col_problem",
            "col_code_slug",
        )
    ]
    book.sheet("sheet_issues", heads, columns, [12, 8, 26, 20, 8, 60, 20])

    # 规则说明 -------------------------------------------------------------------------------------
    used = list(a.results.values())
    heads = [
        text(k, lang)
        for k in ("col_tier", "col_ruleset", "col_version", "col_regime", "col_source", "col_effective")
    ]
    columns = [
        [tier_label(a, r.tier, lang) for r in used],  # the rule sets used
        [r.ruleset.ruleset.id for r in used],
        [r.ruleset.ruleset.version for r in used],
        [r.ruleset.ruleset.regime for r in used],
        [
            r.ruleset.ruleset.source.document
            + (f" {r.ruleset.ruleset.source.article}" if r.ruleset.ruleset.source.article else "")
            for r in used
        ],
        [_effective(r.ruleset.ruleset.effective(a.purpose), lang) for r in used],
    ]
    sheet = book.sheet("sheet_rules", heads, columns, [20, 26, 10, 14, 60, 26])
    line = len(used) + 2
    sheet.write(
        line,
        0,
        text("rules_as_of", lang, as_of=a.as_of.isoformat(), purpose=text(f"purpose_{a.purpose}", lang)),
    )
    sheet.write_row(
        line + 2,
        0,
        [text(k, lang) for k in ("col_tier", "col_criterion", "col_assumption", "col_firms")],
        book.header,
    )
    for k, (tier, assumption) in enumerate(
        ((t, x) for t, r in a.results.items() for x in r.assumptions), start=line + 3
    ):
        note = assumption.note_zh if lang == "zh" else (assumption.note_en or assumption.note_zh)
        sheet.write_row(
            k, 0, [tier_label(a, tier, lang), assumption.criterion, note, int(assumption.firms.sum())]
        )


def _effective(span: tuple[Any, Any], lang: Lang) -> str:
    start, end = span
    return f"{start.isoformat()} — {end.isoformat() if end else text('doc_open_end', lang)}"


def _table_sheet(book: _Book, key: str, table: pd.DataFrame) -> None:
    """A sheet from a table whose columns are heading keys; statuses and borderline words coloured."""
    heads = [text(str(k), book.lang) for k in table.columns]
    columns = [table[k].tolist() for k in table.columns]
    sheet = book.sheet(key, heads, columns, [_WIDTHS.get(str(k), 14) for k in table.columns])
    for column, k in enumerate(table.columns):
        if k in ("col_status", "col_borderline"):
            book.colour(sheet, column, len(table), _STATUS_KEYS)
