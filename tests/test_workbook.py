"""The reviewer's workbook read back as a spreadsheet program reads it: the status colours (conditional
formats, evaluated here the way Excel evaluates their formulas), the 排名 order of the ranked sheets, the
300号 size classes, and the page setup of every sheet.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pytest
from openpyxl.utils.cell import get_column_letter, range_boundaries
from openpyxl.worksheet.worksheet import Worksheet

from eligibility import Assessment, RuleSet, evaluate, read_input
from eligibility.labels import Lang, text
from eligibility.render.tables import status_words
from eligibility.render.workbook import write_workbook

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
AS_OF = "2026-11-26"
LANGS: list[Lang] = ["zh", "en"]
RANKED = {
    "promotion_candidate": "sheet_promotion",
    "at_risk": "sheet_at_risk",
    "scale_up_candidate": "sheet_scale_up",
}


@pytest.fixture(scope="module")
def assessment(rules: RuleSet) -> Assessment:
    return evaluate(read_input(SAMPLES / "pool.xlsx", rules, as_of=AS_OF), rules, as_of=AS_OF)


@pytest.fixture(scope="module", params=LANGS)
def book(
    request: pytest.FixtureRequest, assessment: Assessment, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Lang, openpyxl.Workbook]:
    lang: Lang = request.param
    path = write_workbook(assessment, tmp_path_factory.mktemp(lang) / "筛查结果.xlsx", lang)
    return lang, openpyxl.load_workbook(path)


def _header_row(sheet: Worksheet) -> int:
    """The 1-based header row: the row above the frozen pane."""
    assert sheet.freeze_panes is not None
    return int(re.sub(r"^[A-Z]+", "", sheet.freeze_panes)) - 1


def _headings(sheet: Worksheet) -> list[str]:
    return [str(c.value) for c in sheet[_header_row(sheet)]]


# -- status colours ---------------------------------------------------------------------------------

Predicate = Callable[[str], bool]


def _predicate(rule: Any, first_cell: str) -> Predicate:
    """What a text rule's formula says of a cell, as Excel computes it (characters, not bytes).

    SEARCH is case-insensitive and treats ``* ? ~`` as wildcards: the words tested here have none.
    Only the forms a text rule is written in are understood; anything else fails the test.
    """
    formula = rule.formula[0]
    contains = re.fullmatch(r'NOT\(ISERROR\(SEARCH\("(.*)",([A-Z]+\d+)\)\)\)', formula)
    if contains:
        needle, ref = contains.groups()
        assert ref == first_cell, formula  # relative to the range's first cell
        assert not set("*?~") & set(needle), needle
        return lambda value: needle.casefold() in value.casefold()
    edge = re.fullmatch(r'(LEFT|RIGHT)\(([A-Z]+\d+),(\d+)\)="(.*)"', formula)
    if edge:
        side, ref, count, word = edge.groups()
        assert ref == first_cell, formula
        n = int(count)
        if side == "LEFT":
            return lambda value: value[:n].casefold() == word.casefold()
        return lambda value: value[-n:].casefold() == word.casefold()
    raise AssertionError(f"a rule this test cannot evaluate: {rule.type} {formula}")


def _look(rule: Any) -> dict[str, Any]:
    """The properties a rule's format sets (fill colour, bold, font colour), unset ones left out."""
    dxf = rule.dxf
    look: dict[str, Any] = {}
    if dxf is not None and dxf.fill is not None and dxf.fill.bgColor is not None:
        look["fill"] = dxf.fill.bgColor.rgb
    if dxf is not None and dxf.font is not None:
        if dxf.font.b:
            look["bold"] = True
        if dxf.font.color is not None and dxf.font.color.rgb:
            look["font"] = dxf.font.color.rgb
    return look


def _rules(sheet: Worksheet) -> list[tuple[tuple[int, int, int, int], int, Predicate, Any]]:
    """(bounds, priority, predicate, rule) of every conditional format rule of the sheet."""
    found = []
    for formatting in sheet.conditional_formatting:
        for cells in formatting.sqref.ranges:
            low_col, low_row, high_col, high_row = range_boundaries(cells.coord)
            first = f"{get_column_letter(low_col)}{low_row}"
            for rule in formatting.rules:
                bounds = (low_col, low_row, high_col, high_row)
                found.append((bounds, rule.priority, _predicate(rule, first), rule))
    return found


def test_every_status_cell_takes_its_own_words_colour(
    book: tuple[Lang, openpyxl.Workbook], assessment: Assessment
) -> None:
    """Every cell below a header that holds a status word (符合, 不符合（临界未过）, 临界通过 …, in
    the workbook's language) is coloured, in every sheet, by the rule written for its own word.

    Excel applies every rule that holds, a higher priority winning where two set the same property;
    LibreOffice applies the first. Both give the first rule's look when the rules that also hold set
    nothing the first does not — which is checked too (不符合 contains 符合, so both hold there).
    """
    lang, workbook = book
    words = status_words(lang)
    by_word = {word: key for key, word in words.items()}
    looks: dict[str, dict[str, Any]] = {}
    marked = dict.fromkeys((sheet.title for sheet in workbook.worksheets), 0)
    for sheet in workbook.worksheets:
        rules = _rules(sheet)
        top = _header_row(sheet)
        for row in sheet.iter_rows(min_row=top + 1):
            for cell in row:
                value = cell.value
                col = cell.column
                assert isinstance(col, int)
                covering = sorted(
                    (priority, holds, rule)
                    for (c0, r0, c1, r1), priority, holds, rule in rules
                    if c0 <= col <= c1 and r0 <= cell.row <= r1
                )
                if not isinstance(value, str) or value not in by_word:
                    # A cell under a status rule holds a status word or nothing.
                    assert not covering or value is None, (sheet.title, cell.coordinate, value)
                    continue
                holding = [(priority, rule) for priority, holds, rule in covering if holds(value)]
                assert holding, f"{sheet.title}!{cell.coordinate} {value!r} is not coloured"
                first = holding[0][1]
                assert first.text == value, (sheet.title, cell.coordinate, value, first.text)
                look = _look(first)
                for _, other in holding[1:]:
                    assert set(_look(other)) <= set(look), (value, other.text)
                assert looks.setdefault(value, look) == look
                marked[sheet.title] += all(by_word[value])
    # The cells the old byte-counting rules missed, a status with its mark (182 in the sample's
    # 全部明细): every one is coloured.
    details = text("sheet_details", lang)
    borderline = sum(int(r.thin_pass.sum() + r.near_miss.sum()) for r in assessment.results.values())
    assert marked[details] == borderline > 0
    # One look per word: a status keeps its fill under its mark, in bold; the four statuses differ.
    for word, look in looks.items():
        status, mark = by_word[word]
        plain = words.get((status, ""), "")
        if status and mark and plain in looks:
            assert look["fill"] == looks[plain]["fill"], word
            assert look.get("bold"), word
        if not mark:
            assert "bold" not in look, word
    fills = [look["fill"] for word, look in looks.items() if by_word[word][0] and not by_word[word][1]]
    assert len(set(fills)) == len(fills) >= 3


def test_status_rules_are_on_every_status_column(
    book: tuple[Lang, openpyxl.Workbook], assessment: Assessment
) -> None:
    """Each 结论 / 临界 column (and 全部明细's 梯度｜结论) has the rules over all its data rows."""
    lang, workbook = book
    status, border = text("col_status", lang), text("col_borderline", lang)
    columns = 0
    for sheet in workbook.worksheets:
        top = _header_row(sheet)
        ranges = {
            (c0, c1, r0, r1)
            for formatting in sheet.conditional_formatting
            for cells in formatting.sqref.ranges
            for c0, r0, c1, r1 in [range_boundaries(cells.coord)]
        }
        for k, heading in enumerate(_headings(sheet), start=1):
            if heading in (status, border) or heading.endswith(status):
                columns += 1
                if sheet.max_row > top:
                    assert (k, k, top + 1, sheet.max_row) in ranges, (sheet.title, heading)
    assert columns == 2 + 2 + len(assessment.tiers)  # 晋级候选, 临界企业, one per tier in 全部明细


# -- 排名 ----------------------------------------------------------------------------------------------


def test_ranked_sheets_are_sorted_by_rank(
    book: tuple[Lang, openpyxl.Workbook], assessment: Assessment
) -> None:
    """排名 runs 1, 2, 3 … down every ranked sheet, in the order of ``Assessment.ranked``."""
    lang, workbook = book
    codes = assessment.prepared.text["credit_code"]
    for flag, key in RANKED.items():
        sheet = workbook[text(key, lang)]
        heads = _headings(sheet)
        rank, code = heads.index(text("col_rank", lang)), heads.index(text("col_code", lang))
        rows = list(sheet.iter_rows(min_row=_header_row(sheet) + 1, values_only=True))
        ranks = [row[rank] for row in rows]
        assert ranks == list(range(1, len(rows) + 1)), flag
        assert [row[code] for row in rows] == list(codes[assessment.ranked(flag)]), flag
        assert len(rows) == int(assessment.flags.get(flag).sum())


# -- 300号 size classes --------------------------------------------------------------------------------


def test_size_classes_are_counted(book: tuple[Lang, openpyxl.Workbook], assessment: Assessment) -> None:
    """企业规模 lists every class (中型, 小型, 微型, 大型, 未能判定) with its number of firms, the summary
    says the same counts, and 全部明细 names each firm's class."""
    lang, workbook = book
    ids = assessment.size_class()
    assert ids is not None
    counts = dict(zip(*np.unique(ids.astype(str), return_counts=True), strict=True))
    labels = {"medium": "size_medium", "small": "size_small", "micro": "size_micro", "large": "size_large"}
    expected = {**{c: int(counts.get(c, 0)) for c in labels}, "": int(counts.get("", 0))}
    assert sum(expected.values()) == assessment.n
    assert min(expected[""], expected["medium"], expected["small"]) > 0  # the sample has each
    cls = assessment.results["sme_size"].ruleset.classification
    assert cls is not None
    words = {c: cls.class_labels_zh[c] if lang == "zh" else text(k, lang) for c, k in labels.items()}
    words[""] = text("size_undetermined", lang)

    sheet = workbook[text("sheet_size", lang)]
    heads = _headings(sheet)
    assert heads[:2] == [text("col_size_class", lang), text("col_firms", lang)]
    rows = list(sheet.iter_rows(min_row=_header_row(sheet) + 1, values_only=True))
    assert [(row[0], row[1]) for row in rows] == [
        (words[c], expected[c]) for c in ["medium", "small", "micro", "large", ""]
    ]

    summary = workbook[text("sheet_summary", lang)]
    lines = [row[0] for row in summary.iter_rows(max_row=_header_row(summary) - 1, values_only=True)]
    separator = text("list_separator", lang)
    told = separator.join(
        text("size_count", lang, size=words[c], count=expected[c])
        for c in ["medium", "small", "micro", "large", ""]
    )
    assert any(isinstance(line, str) and line.endswith(told) for line in lines), lines

    details = workbook[text("sheet_details", lang)]
    column = next(k for k, h in enumerate(_headings(details)) if h.endswith(text("col_size_class", lang)))
    shown = [row[column] for row in details.iter_rows(min_row=2, values_only=True)]
    assert shown == [words[str(c)] for c in ids]


# -- the printed page ----------------------------------------------------------------------------------


def test_every_sheet_has_a_page_setup(book: tuple[Lang, openpyxl.Workbook], assessment: Assessment) -> None:
    """Landscape A4, one page wide and as tall as needed, the header row on every page, the title and
    the as-of date above, page numbers below; long text wrapped, and rows grown to hold it."""
    lang, workbook = book
    assert len(workbook.worksheets) == 9
    for sheet in workbook.worksheets:
        setup = sheet.page_setup
        assert setup.orientation == "landscape", sheet.title
        assert int(setup.paperSize) == 9
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
        assert int(setup.fitToWidth or 1) == 1  # 1 is the default, left out of the file
        assert int(setup.fitToHeight) == 0
        top = _header_row(sheet)
        assert sheet.print_title_rows == f"${top}:${top}", sheet.title
        header = sheet.oddHeader
        assert header.left.text == text("print_title", lang)
        assert header.center.text == "&A"  # the sheet's name
        assert header.right.text == text("print_as_of", lang, as_of=AS_OF)
        assert {"&P", "&N"} <= set(re.findall("&[A-Z]", sheet.oddFooter.center.text))
        for cell in sheet[top + 1] if sheet.max_row > top else []:
            if cell.value is not None:  # a blank cell is not written; its column's style shows
                assert (cell.alignment.wrap_text, cell.alignment.vertical) == (True, "top"), cell.coordinate
    for key in ("sheet_promotion", "sheet_borderline", "sheet_at_risk"):
        sheet = workbook[text(key, lang)]
        gaps = _headings(sheet).index(text("col_gaps", lang)) + 1
        letter = get_column_letter(gaps)
        assert 40 <= sheet.column_dimensions[letter].width <= 81
        longest = max(
            range(_header_row(sheet) + 1, sheet.max_row + 1),
            key=lambda r: len(str(sheet.cell(r, gaps).value or "")),
        )
        value = str(sheet.cell(longest, gaps).value)
        printed = (len(value) + len(value.encode("utf-8"))) / 2  # a CJK character is two columns wide
        lines = printed / sheet.column_dimensions[letter].width
        height = sheet.row_dimensions[longest].height
        assert height is not None
        assert height >= 15 * lines, (key, printed, height)
    details = workbook[text("sheet_details", lang)]
    for k, heading in enumerate(_headings(details), start=1):
        if heading.endswith(text("col_explain", lang)):
            assert details.column_dimensions[get_column_letter(k)].width >= 30
