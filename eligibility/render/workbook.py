"""The reviewer's workbook: what a county officer hands to colleagues.

Sheets 汇总, 晋级候选, 临界企业, 退库风险, 升规候选, 企业规模 (300号 size classes), 全部明细 (one row
per firm), 数据问题, 规则说明 — Chinese headings (English with ``lang="en"``), frozen header rows,
filters, column widths, colours for statuses and borderline marks, and a page setup for print: landscape
A4, one page wide, the header row on every page, wrapped text in rows tall enough for it, a page header
(title, sheet, as-of date) and page numbers. Every sheet is a table from
:mod:`eligibility.render.tables`, written by rustpy-xlsxwriter (the Rust ``rust_xlsxwriter`` behind a
Python API) in one call, so a pool of 100,000 firms is written in seconds. Text is always written as
text, so a cell starting with ``=`` never becomes a formula. The file is written under a temporary name
and renamed into place.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import rustpy_xlsxwriter as rx

from eligibility.findings import FLAG_NAMES, Assessment, Findings, as_findings
from eligibility.labels import Lang, has_text, heading_text, issue_message, text
from eligibility.render.files import atomic_path
from eligibility.render.tables import Tables, status_words
from eligibility.render.words import ruleset_cell, tier_label

__all__ = ["write_workbook"]

_WIDTHS = {
    "col_rank": 6,
    "col_code": 21,
    "col_name": 28,
    "col_township": 14,
    "col_officer": 10,
    "col_title": 16,
    "col_target": 20,
    "col_tier": 22,
    "col_status": 12,
    "col_borderline": 10,
    "col_score": 8,
    "col_ruleset": 26,
    "col_score_min": 9,
    "col_score_max": 9,
    "col_route": 12,
    "col_failed": 40,
    "col_gaps": 60,
    "col_explain": 30,
    "col_expires": 12,
    "col_reason": 24,
    "col_main_revenue": 20,
    "col_to_line": 20,
    "col_flags": 24,
    "col_size_class": 10,
    "col_firms": 10,
    "col_size_note": 36,
    "col_sheet": 12,
    "col_row": 8,
    "col_header": 26,
    "col_value": 20,
    "col_severity": 8,
    "col_problem": 60,
    "col_code_slug": 20,
    "col_version": 10,
    "col_regime": 14,
    "col_source": 50,
    "col_effective": 26,
    "col_assumption": 50,
}
# Columns of 全部明细 are headed "梯度｜结论": the key after the bar gives their width and colours.
_TIER_COLUMNS = ("col_status", "col_score", "col_explain", "col_size_class")
_COLOURED = ("col_status", "col_borderline")
_COLOURS = {
    "eligible": "#C6EFCE",
    "ineligible": "#FFC7CE",
    "incomplete": "#E7E6E6",
    "review": "#FFEB9C",
    "thin_pass": "#FCE4D6",
    "near_miss": "#DDEBF7",
}
# A status with its borderline mark (符合（临界通过）) keeps the status' fill, in bold type of the mark's hue.
_MARK_FONTS = {"thin_pass": "#C65911", "near_miss": "#2F5597"}
_SUMMARY_HEADER_ROW = 5
# Long text (gap sentences, explanations, messages) wraps; such a column widens up to _LONG_MAX when its
# longest cell would need more lines than a row can hold (409 points is Excel's tallest row).
_LONG = ("col_gaps", "col_failed", "col_explain", "col_problem", "col_source", "col_assumption", "col_reason")
_LONG_MAX = 80.0
_LINE = 15.0  # points per line of 11-point text
_PAD = 3.0
_FILL = 0.95  # of a wrapped line's width that text fills on average
_MAX_HEIGHT = 409.0
_A4 = 9  # Excel's paper code
# Excel's "narrow" margins (inches): the widest print a page allows, header and footer kept clear.
_MARGINS = {"left": 0.25, "right": 0.25, "top": 0.75, "bottom": 0.75, "header": 0.3, "footer": 0.3}


def write_workbook(
    results: Findings | Assessment, path: str | Path, lang: Lang = "zh", tables: Tables | None = None
) -> Path:
    """Write the reviewer's workbook atomically to ``path``. Pass the ``tables`` the HTML report of the
    same run uses, so that gap sentences and band-move plans are built once for both."""
    assessment = tables.a if tables is not None and tables.a.same_run(results) else as_findings(results)
    book = _Book(lang, assessment.as_of.isoformat())
    _fill(book, assessment, lang, tables if tables is not None and tables.lang == lang else None)
    with atomic_path(path, ".xlsx") as temporary:
        book.save(temporary)
    return Path(path)


class _Book:
    """Sheets collected as (name, table) with their options, then written in one call."""

    def __init__(self, lang: Lang, as_of: str) -> None:
        self.lang = lang
        self.sheets: list[tuple[str, Any]] = []
        self.widths: dict[str, dict[str, float]] = {}
        self.formats: dict[str, dict[str, Any]] = {}
        self.freeze: dict[str, dict[str, int]] = {}
        self.filters: dict[str, bool] = {}
        self.conditional: dict[str, dict[str, list[dict[str, Any]]]] = {}
        self.header_rows: dict[str, int] = {}
        self.merges: dict[str, list[Any]] = {}
        self.pages: dict[str, dict[str, Any]] = {}
        self.heights: dict[str, dict[int, float]] = {}
        self.keys = {text(k, lang): k for k in _WIDTHS}
        self.header = (
            rx.Format()
            .set_bold()
            .set_background_color("#1F4E78")
            .set_font_color("#FFFFFF")
            .set_text_wrap()
            .set_align("top")
        )
        # Every cell wraps and sits at the top, so a long sentence grows its row instead of being cut at
        # the page edge, and the short cells beside it line up with its first line.
        self.cell = rx.Format().set_text_wrap().set_align("top")
        self.status_rules = _status_rules(lang)
        # The printed page: the title on the left, the sheet (&A) in the middle, the date on the right.
        title, date = (_escape(text(k, lang, as_of=as_of)) for k in ("print_title", "print_as_of"))
        self.page = {
            "landscape": True,
            "paper_size": _A4,
            "margins": _MARGINS,
            "fit_to_pages": (1, 0),  # one page wide, as many pages tall as the rows need
            "header": f"&L{title}&C&A&R{date}",
            "footer": "&C" + text("print_page", lang),
        }

    def add(self, key: str, table: pd.DataFrame, header_row: int = 0, lines: list[str] | None = None) -> str:
        """A sheet from a table whose columns are heading keys (or headings); text lines above it."""
        name = text(key, self.lang)
        kinds = {heading_text(str(c), self.lang): self._kind(str(c)) for c in table.columns}
        frame = table.rename(columns={c: heading_text(str(c), self.lang) for c in table.columns})
        frame = pd.DataFrame({c: _clean_floats(frame[c]) for c in frame.columns}, index=frame.index)
        self.sheets.append((name, frame))
        units = {heading: _units(frame[heading]) for heading in kinds}
        widths = {
            heading: _fit_width(kind, heading, units[heading].max() if len(frame) else 0.0)
            for heading, kind in kinds.items()
        }
        self.widths[name] = widths
        self.formats[name] = dict.fromkeys(kinds, self.cell)
        self.freeze[name] = {"row": header_row + 1, "col": 0}
        self.filters[name] = True
        self.pages[name] = {**self.page, "repeat_rows": (header_row, header_row)}
        # Row heights for the wrapped text, set because LibreOffice does not grow a row on opening the
        # file (Excel does): the most lines any cell of the row takes at its column's width.
        written = [line or "" for line in lines or []]
        above = _lines(_units(pd.Series(written, dtype=object)), sum(widths.values()))
        heading_lines = max((_lines(_units(pd.Series([h])), w)[0] for h, w in widths.items()), default=1.0)
        body = np.ones(len(frame))
        for heading, width in widths.items():
            body = np.fmax(body, _lines(units[heading], width))
        every = np.concatenate([above, np.ones(max(header_row - len(written), 0)), [heading_lines], body])
        tall = np.flatnonzero(every > 1)
        self.heights[name] = dict(
            zip(tall.tolist(), np.minimum(every[tall] * _LINE + _PAD, _MAX_HEIGHT).tolist(), strict=True)
        )
        if header_row:
            self.header_rows[name] = header_row
            last = max(len(frame.columns) - 1, 1)
            self.merges[name] = [
                (row, 0, row, last, line, self.cell) for row, line in enumerate(written) if line
            ]
        coloured = [heading for heading, kind in kinds.items() if kind in _COLOURED]
        if coloured:
            self.conditional[name] = dict.fromkeys(coloured, self.status_rules)
        return name

    def _kind(self, column: str) -> str:
        """The heading key a column stands for: its own; for a heading already translated, the key it
        translates; for 全部明细's "梯度｜结论", the key after the bar."""
        if has_text(column):
            return column
        if column in self.keys:
            return self.keys[column]
        return next((k for k in _TIER_COLUMNS if column.endswith(text(k, self.lang))), column)

    def save(self, path: Path) -> None:
        rx.write_worksheets(
            self.sheets,
            str(path),
            freeze_panes=self.freeze,
            column_widths=self.widths,  # type: ignore[arg-type]
            column_formats=self.formats,  # type: ignore[arg-type]
            header_format={"general": self.header},
            autofilter=self.filters,
            conditional_formats=self.conditional,  # type: ignore[arg-type]
            header_row=self.header_rows,
            merge_ranges=self.merges,
            page_setup=self.pages,
            row_heights=self.heights,
        )


def _status_rules(lang: Lang) -> list[dict[str, Any]]:
    """One "contains" rule per status word, longest first.

    Excel and LibreOffice colour a cell by the first rule (by priority) that holds, and a word can only
    contain words shorter than itself (不符合 contains 符合, 符合（临界通过） contains 临界通过 and 符合), so
    with the longest first, the first rule that holds for a status cell is its own word's. "Contains" is
    Excel's SEARCH, which counts characters; the writer's "begins with" counts UTF-8 bytes
    (``LEFT(E2,6)="符合"``) and never holds for a word followed by its mark.
    """

    def look(status: str, mark: str) -> Any:
        fill = rx.Format().set_background_color(_COLOURS[status or mark])
        return fill.set_bold().set_font_color(_MARK_FONTS[mark]) if status and mark else fill

    words = sorted(status_words(lang).items(), key=lambda item: -len(item[1]))
    return [
        {
            "type": "text",
            "criteria": "contains",
            "value": word,
            "format": look(status, mark),
        }
        for (status, mark), word in words
    ]


def _escape(header: str) -> str:
    """Text for a page header, where ``&`` starts a code."""
    return header.replace("&", "&&")


def _width(heading: str) -> int:
    """A column width from the heading's length (CJK characters count double)."""
    wide = sum(1 for ch in heading if ord(ch) > 0x2E80)
    return min(max(10, len(heading) + wide + 2), 60)


def _units(column: pd.Series[Any]) -> npt.NDArray[np.float64]:
    """The printed width of each text cell in column-width units: a CJK character (three UTF-8 bytes)
    counts two, an ASCII one one — half the sum of characters and bytes. Numbers and blanks count 0."""
    if column.dtype.kind in "biufcmM":
        return np.zeros(len(column))
    if isinstance(column.dtype, pd.StringDtype) and column.dtype.storage == "pyarrow":
        cells = pa.chunked_array(pa.array(column))  # the column's own Arrow strings, not copied
    else:
        shown = list(map(str, column.to_numpy(dtype=object, na_value="")))
        cells = pa.chunked_array([pa.array(shown, type=pa.large_string())])
    # Characters and UTF-8 bytes counted by Arrow; a blank counts 0.
    chars = pc.fill_null(pc.utf8_length(cells), 0).to_numpy().astype(np.float64)
    encoded = pc.fill_null(pc.binary_length(cells), 0).to_numpy().astype(np.float64)
    result: npt.NDArray[np.float64] = (chars + encoded) / 2
    return result


def _lines(units: npt.NDArray[np.float64], width: float) -> npt.NDArray[np.float64]:
    """Lines a wrapped cell of that printed width takes in a column ``width`` wide (a character is lost
    to the cell's padding, and a line breaks before a word or a number that does not fit)."""
    per_line = max(width * _FILL - 1, 1.0)
    return np.maximum(np.ceil(units / per_line), 1.0)


def _fit_width(kind: str, heading: str, longest: float) -> float:
    """The column's width: its kind's, widened (up to a limit) for a long text column whose longest
    cell would not fit the tallest row Excel allows."""
    width = float(_WIDTHS.get(kind, _width(heading)))
    if kind in _LONG:
        needed = (longest / (_MAX_HEIGHT // _LINE - 1) + 1) / _FILL
        width = min(max(width, float(np.ceil(needed))), _LONG_MAX)
    return width


def _clean_floats(column: pd.Series[Any]) -> pd.Series[Any]:
    """Float noise (8.900000000000091) rounded away for display; empty text left as a blank cell
    (nothing is written for it)."""
    if column.dtype.kind == "f":
        return column.round(4)
    if column.dtype == object:
        values = column.to_numpy(dtype=object).copy()
        values[values == ""] = None
        return pd.Series(values, index=column.index, dtype="object")
    return column


def _fill(book: _Book, a: Findings, lang: Lang, shared: Tables | None = None) -> None:
    tables = shared if shared is not None and shared.a is a and shared.lang == lang else Tables(a, lang)
    summary = a.summary

    # 汇总: a title, the flag counts and the issue counts above the per-tier table.
    counts = ("eligible", "ineligible", "incomplete", "review", "thin_pass", "near_miss")
    rows = [
        {
            "col_tier": tier_label(a.rules, tier, lang),
            "col_ruleset": ruleset_cell(c, lang),
            **{k: c[k] for k in counts},
            "promotion_candidate": a.flagged_count("promotion_candidate", tier),
            "at_risk": a.flagged_count("at_risk", tier),
        }
        for tier, c in summary["tiers"].items()
    ]
    title = text(
        "summary_title",
        lang,
        firms=a.n,
        as_of=a.as_of.isoformat(),
        purpose=text(f"purpose_{a.purpose}", lang),
    )
    separator = text("list_separator", lang)
    flags = separator.join(
        text("summary_flag", lang, flag=text(name, lang), count=summary["flags"][name]) for name in FLAG_NAMES
    )
    # 中小企业划型 is a classification: its 符合/不符合 row is told by class (中型 …, 大型, 未能判定).
    sizes = tables.size_classes()
    size_source = a.size_source if sizes is not None else ""
    size_line = (
        text("size_line", lang, source=size_source)
        + separator.join(
            text("size_count", lang, size=size, count=count)
            for size, count in zip(sizes["col_size_class"], sizes["col_firms"], strict=True)
        )
        if sizes is not None
        else ""
    )
    book.add(
        "sheet_summary",
        pd.DataFrame(rows),
        header_row=_SUMMARY_HEADER_ROW,
        lines=[
            title,
            text("flags_line", lang) + flags,
            text("issues_line", lang, **summary["issues"]),
            size_line,
        ],
    )

    book.add("sheet_promotion", tables.promotion())
    book.add("sheet_borderline", tables.borderline())
    book.add("sheet_at_risk", tables.at_risk())
    book.add("sheet_scale_up", tables.scale_up())
    if sizes is not None:
        book.add(
            "sheet_size",
            sizes,
            header_row=2,
            lines=[text("size_sheet_line", lang, source=size_source, as_of=a.as_of.isoformat())],
        )
    book.add("sheet_details", tables.firms())

    issues = a.issues
    book.add(
        "sheet_issues",
        pd.DataFrame(
            {
                "col_sheet": pd.Series([x.sheet or "" for x in issues], dtype=object),
                "col_row": pd.Series([x.row for x in issues], dtype="Int64"),
                "col_header": pd.Series([x.header or x.field or "" for x in issues], dtype=object),
                "col_value": pd.Series([x.value or "" for x in issues], dtype=object),
                "col_severity": pd.Series(
                    [text(f"severity_{x.severity.value}", lang) for x in issues], dtype=object
                ),
                "col_problem": pd.Series([issue_message(x, lang) for x in issues], dtype=object),
                "col_code_slug": pd.Series([x.code.value for x in issues], dtype=object),
            }
        ),
    )

    book.add(
        "sheet_rules",
        tables.rules_used(),
        header_row=2,
        lines=[
            text("rules_as_of", lang, as_of=a.as_of.isoformat(), purpose=text(f"purpose_{a.purpose}", lang))
        ],
    )
