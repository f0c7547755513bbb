"""An empty input workbook: Chinese headers with units, drop-downs for categories, a column guide."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import xlsxwriter

from eligibility.labels import Lang, text
from eligibility.render.files import atomic_path
from eligibility.ruleset import FieldSpec, RuleSet
from eligibility.units import Unit

__all__ = ["template_header", "write_template"]

_UNIT_WORDS = {
    Unit.WAN_YUAN: "万元",
    Unit.FRACTION: "%",
    Unit.PERSONS: "人",
    Unit.COUNT: "项",
    Unit.YEARS: "年",
    Unit.POINTS: "分",
}


def template_header(spec: FieldSpec) -> str:
    """The header the reader maps back to ``spec``: its label, with the unit in brackets."""
    unit = _UNIT_WORDS.get(spec.unit)
    return f"{spec.label_zh}（{unit}）" if unit else spec.label_zh


def _choices(spec: FieldSpec, lang: Lang) -> list[str]:
    if spec.unit is Unit.BOOL:
        return [text("doc_yes", lang), text("doc_no", lang)]
    return [
        str(c.label_zh if lang == "zh" else (c.label_en or c.label_zh)) for c in (spec.choices or {}).values()
    ]


def write_template(rules: RuleSet, path: str | Path, lang: Lang = "zh", rows: int = 1000) -> Path:
    """Write the template workbook atomically: one column per input field of the catalogue."""
    with atomic_path(path, ".xlsx") as temporary:
        book = xlsxwriter.Workbook(str(temporary), {"strings_to_formulas": False})
        header = book.add_format(
            {"bold": True, "bg_color": "#1F4E78", "font_color": "#FFFFFF", "text_wrap": True}
        )
        data = book.add_worksheet(text("template_sheet", lang))
        guide = book.add_worksheet(text("template_guide", lang))
        inputs = [spec for spec in rules.fields.values() if not spec.derived]
        for column, spec in enumerate(inputs):
            data.write_string(0, column, template_header(spec), header)
            data.set_column(column, column, max(12, min(40, len(template_header(spec)) * 2)))
            choices = _choices(spec, lang)
            if choices:
                data.data_validation(1, column, rows, column, {"validate": "list", "source": choices})
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
                    "、".join(_choices(spec, lang)),
                    spec.label_zh if lang == "zh" else spec.label_en,
                ],
            )
        guide.set_column(0, 0, 40)
        guide.set_column(1, 1, 24)
        guide.set_column(2, 2, 10)
        guide.set_column(3, 4, 50)
        guide.freeze_panes(1, 0)
        book.close()
    return Path(path)
