"""An empty input workbook: Chinese headers with units, drop-downs for categories, a column guide.

The drop-downs point at ranges of a hidden sheet (``选项``) instead of holding their lists inline:
an inline list is a quoted formula string, so a choice with a quote (专精特新"小巨人"企业) or a list
longer than 255 characters makes Excel report damaged content.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import xlsxwriter
from xlsxwriter.utility import quote_sheetname, xl_col_to_name

from eligibility.labels import Lang, text
from eligibility.language.ruleset import FieldSpec, RuleSet
from eligibility.render.files import atomic_path
from eligibility.units import Unit

__all__ = ["template_choices", "template_header", "write_template"]

# The units a header names (营业收入（万元）); the words are labels.py's ``header_unit_*``.
_HEADED_UNITS = frozenset({Unit.WAN_YUAN, Unit.FRACTION, Unit.PERSONS, Unit.COUNT, Unit.YEARS, Unit.POINTS})


def template_header(spec: FieldSpec) -> str:
    """The header the reader maps back to ``spec``: its label, with the unit in brackets.

    The headers are the reader's vocabulary, Chinese whatever the template's language.
    """
    if spec.unit not in _HEADED_UNITS:
        return spec.label_zh
    return text(
        "header_with_unit", "zh", label=spec.label_zh, unit=text(f"header_unit_{spec.unit.value}", "zh")
    )


# Fields whose guide line says more than their label.
_NOTED = frozenset({"current_tier", "tier_awarded_on", "township", "officer"})


def _guide_note(spec: FieldSpec, lang: Lang) -> str:
    """The guide's meaning column: a note of labels.py, else the field's own note, else its label."""
    if spec.id in _NOTED:
        return text(f"guide_note_{spec.id}", lang)
    if lang == "zh":
        return spec.note or spec.label_zh
    return spec.note_en or spec.label_en


def template_choices(rules: RuleSet, spec: FieldSpec, lang: Lang = "zh") -> list[str]:
    """The drop-down of ``spec``: yes/no, its choices, or for a title the ladder titles only.

    A title column offers the tiers with a ``rank`` in ``rules/tiers.yaml``: classifications
    (中小企业划型, 规模以上工业企业) and parallel credentials (高新技术企业, a column of its own) are
    not titles a firm holds on the ladder.
    """
    if spec.unit is Unit.BOOL:
        return [text("doc_yes", lang), text("doc_no", lang)]
    choices = dict(spec.choices or {})
    if spec.choices_from == "tiers":
        choices = {k: c for k, c in choices.items() if k in rules.tiers and rules.tiers[k].rank is not None}
    return [str(c.label_zh if lang == "zh" else (c.label_en or c.label_zh)) for c in choices.values()]


def write_template(rules: RuleSet, path: str | Path, lang: Lang = "zh", rows: int = 1000) -> Path:
    """Write the template workbook atomically: one column per input field of the catalogue."""
    with atomic_path(path, ".xlsx") as temporary:
        book = xlsxwriter.Workbook(str(temporary), {"strings_to_formulas": False})
        header = book.add_format(
            {"bold": True, "bg_color": "#1F4E78", "font_color": "#FFFFFF", "text_wrap": True}
        )
        data = book.add_worksheet(text("template_sheet", lang))
        guide = book.add_worksheet(text("template_guide", lang))
        lists = book.add_worksheet(text("template_lists", lang))
        lists.hide()
        ranges: dict[tuple[str, ...], str] = {}  # one column of the hidden sheet per distinct list
        inputs = [spec for spec in rules.fields.values() if not spec.derived]
        for column, spec in enumerate(inputs):
            data.write_string(0, column, template_header(spec), header)
            data.set_column(column, column, max(12, min(40, len(template_header(spec)) * 2)))
            choices = tuple(template_choices(rules, spec, lang))
            if choices:
                if choices not in ranges:
                    at = len(ranges)
                    title = text("unit_name_bool", lang) if spec.unit is Unit.BOOL else template_header(spec)
                    lists.write_string(0, at, title, header)
                    for offset, choice in enumerate(choices, start=1):
                        lists.write_string(offset, at, choice)
                    letter = xl_col_to_name(at)
                    ranges[choices] = (
                        f"={quote_sheetname(lists.name)}!${letter}$2:${letter}${len(choices) + 1}"
                    )
                data.data_validation(1, column, rows, column, {"validate": "list", "source": ranges[choices]})
            elif spec.unit is Unit.DATE:
                data.data_validation(
                    1,
                    column,
                    rows,
                    column,
                    {"validate": "date", "criteria": ">", "value": dt.date(1900, 1, 1)},
                )
        data.freeze_panes(1, 2)
        heads = [
            text(k, lang) for k in ("guide_header", "guide_id", "guide_unit", "guide_choices", "guide_note")
        ]
        guide.write_row(0, 0, heads, header)
        for row, spec in enumerate(inputs, start=1):
            guide.write_row(
                row,
                0,
                [
                    template_header(spec),
                    spec.id,
                    text(f"unit_name_{spec.unit.value}", lang),
                    text("enumeration", lang).join(template_choices(rules, spec, lang)),
                    _guide_note(spec, lang),
                ],
            )
        guide.set_column(0, 0, 40)
        guide.set_column(1, 1, 24)
        guide.set_column(2, 2, 10)
        guide.set_column(3, 4, 50)
        guide.freeze_panes(1, 0)
        lists.set_column(0, max(len(ranges) - 1, 0), 30)
        book.close()
    return Path(path)
