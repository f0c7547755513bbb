"""The reviewer's workbook and the HTML report say the same: every summary, rules-used and issues
cell, read back from both files, in both languages."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pytest

from eligibility import evaluate, load_rules, read_input
from eligibility.labels import Lang, text
from eligibility.render.html import write_report
from eligibility.render.tables import Tables
from eligibility.render.workbook import write_workbook

SAMPLE = Path(__file__).resolve().parents[1] / "samples" / "pool.xlsx"


class _Tables(HTMLParser):
    """The cells of every ``<table id=…>``, as text."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._table: str | None = None
        self._row: list[str] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self._table = dict(attrs).get("id") or f"table{len(self.tables)}"
            self.tables[self._table] = []
        elif tag == "tr" and self._table is not None:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._row is not None and self._cell is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._table is not None and self._row is not None:
            self.tables[self._table].append(self._row)
            self._row = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _sheet(path: Path, name: str) -> list[list[str]]:
    book = openpyxl.load_workbook(path, read_only=True)
    rows = [[_cell(v) for v in row] for row in book[name].iter_rows(values_only=True)]
    book.close()
    return rows


def _table_under(rows: list[list[str]], heads: list[str]) -> list[list[str]]:
    """The rows below the sheet's heading row that starts with ``heads``, cut to their width."""
    start = next(k for k, row in enumerate(rows) if row[: len(heads)] == heads)
    body = []
    for row in rows[start + 1 :]:
        if not any(row):
            break
        body.append(row[: len(heads)])
    return body


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_workbook_and_report_agree(tmp_path: Path, lang: Lang) -> None:
    rules = load_rules()
    a = evaluate(read_input(SAMPLE, rules, as_of="2026-11-26"), rules, as_of="2026-11-26")
    tables = Tables(a, lang)
    book = write_workbook(a, tmp_path / "book.xlsx", lang, tables)
    html = write_report(a, tmp_path / "report.html", lang, tables=tables)
    parser = _Tables()
    parser.feed(html.read_text(encoding="utf-8"))
    page = parser.tables

    summary_heads = page["summary-table"][0]
    summary = _table_under(_sheet(book, text("sheet_summary", lang)), summary_heads)
    assert summary == page["summary-table"][1:]
    assert len(summary) == len(a.results)

    rules_heads = page["rules-table"][0]
    used = _table_under(_sheet(book, text("sheet_rules", lang)), rules_heads)
    assert used == page["rules-table"][1:]
    assert len(used) >= len(a.results)

    issue_heads = page["issues-table"][0]
    listed = _table_under(_sheet(book, text("sheet_issues", lang)), issue_heads)
    shown = page["issues-table"][1:]
    assert len(shown) == min(len(a.issues), 500)
    assert listed[: len(shown)] == shown
    assert len(listed) == len(a.issues)
