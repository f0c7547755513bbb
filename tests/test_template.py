"""The blank input template: drop-downs Excel accepts, ladder titles only, and a faithful read-back."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import openpyxl
import pytest
from openpyxl.utils import column_index_from_string, get_column_letter

from eligibility import IssueCode, RuleSet, read_input
from eligibility.input.prepare import prepare
from eligibility.labels import Lang, text
from eligibility.render.template import template_choices, template_header, write_template
from tests.conftest import valid_code

AS_OF = "2026-11-26"
_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_RANGE = re.compile(r"^(?P<sheet>[^!]+)!\$(?P<col>[A-Z]+)\$(?P<first>\d+):\$(?P=col)\$(?P<last>\d+)$")
LADDER = [
    "科技型中小企业",
    "创新型中小企业",
    "科技和创新型中小企业",
    "专精特新中小企业",
    '专精特新"小巨人"企业',
]


@pytest.fixture(scope="module", params=["zh", "en"])
def template(
    request: pytest.FixtureRequest, rules: RuleSet, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    lang: Lang = request.param
    return write_template(rules, tmp_path_factory.mktemp(lang) / "模板.xlsx", lang)


def _validations(path: Path) -> dict[str, tuple[str, str]]:
    """Data validations of the first sheet as written in its XML: first column → (type, formula1)."""
    with zipfile.ZipFile(path) as archive:
        root = ElementTree.fromstring(archive.read("xl/worksheets/sheet1.xml"))
    found = {}
    for node in root.iter(f"{_MAIN}dataValidation"):
        formula = node.find(f"{_MAIN}formula1")
        column = re.match(r"[A-Z]+", node.attrib["sqref"])
        assert column is not None
        assert formula is not None
        assert formula.text is not None
        found[column.group(0)] = (node.attrib["type"], formula.text)
    return found


def _sheet_states(path: Path) -> dict[str, str]:
    with zipfile.ZipFile(path) as archive:
        root = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    return {s.attrib["name"]: s.attrib.get("state", "visible") for s in root.iter(f"{_MAIN}sheet")}


def _columns(rules: RuleSet, path: Path) -> dict[str, str]:
    """Field id → column letter of the template's header row."""
    by_header = {template_header(s): s.id for s in rules.fields.values() if not s.derived}
    sheet = openpyxl.load_workbook(path).worksheets[0]
    return {by_header[str(c.value)]: get_column_letter(c.column) for c in sheet[1]}


def test_every_list_points_at_the_hidden_sheet(rules: RuleSet, template: Path) -> None:
    states = _sheet_states(template)
    lists = [name for name, state in states.items() if state == "hidden"]
    assert len(lists) == 1
    assert next(iter(states.values())) == "visible"  # the data sheet comes first and is read by default
    book = openpyxl.load_workbook(template)
    lang: Lang = "zh" if book.sheetnames[0] == text("template_sheet", "zh") else "en"
    values = book[lists[0]]
    columns = _columns(rules, template)
    validations = _validations(template)
    checked = 0
    for field_id, letter in columns.items():
        spec = rules.fields[field_id]
        choices = template_choices(rules, spec, lang)
        if not choices:
            assert validations.get(letter, ("date", ""))[0] != "list"
            continue
        kind, formula = validations[letter]
        assert kind == "list"
        assert '"' not in formula  # no inline list: nothing for a quote in a choice to break
        match = _RANGE.match(formula)
        assert match is not None, formula
        assert match["sheet"].strip("'") == lists[0]
        col = column_index_from_string(match["col"])
        cells = range(int(match["first"]), int(match["last"]) + 1)
        assert [values.cell(r, col).value for r in cells] == choices
        checked += 1
    assert checked > 10


def test_title_drop_down_offers_the_ladder_only(rules: RuleSet, tmp_path: Path) -> None:
    template = write_template(rules, tmp_path / "模板.xlsx")
    book = openpyxl.load_workbook(template)
    letter = _columns(rules, template)["current_tier"]
    _, formula = _validations(template)[letter]
    match = _RANGE.match(formula)
    assert match is not None
    lists = text("template_lists", "zh")  # the hidden sheet of the drop-downs' lists
    assert formula == f"{lists}!${match['col']}$2:${match['col']}$6"
    col = column_index_from_string(match["col"])
    offered = [book[lists].cell(r, col).value for r in range(2, 7)]
    ranked = [t.label_zh for t in rules.tiers.values() if t.rank is not None]
    assert offered == ranked == LADDER
    assert book[lists].cell(7, col).value is None


def test_new_columns_and_their_guide_lines(rules: RuleSet, template: Path) -> None:
    columns = _columns(rules, template)
    guide = openpyxl.load_workbook(template).worksheets[1]
    lines = {row[1]: row for row in guide.iter_rows(min_row=2, values_only=True)}
    for field_id in ("tier_awarded_on", "township", "officer"):
        assert field_id in columns
        assert lines[field_id][0] == template_header(rules.fields[field_id])
        assert lines[field_id][4]
    assert set(lines) == set(columns)
    # The choices column lists a drop-down in the template's language, punctuation included.
    lang: Lang = "zh" if guide.title == text("template_guide", "zh") else "en"
    choices = template_choices(rules, rules.fields["current_tier"], lang)
    assert lines["current_tier"][3] == text("enumeration", lang).join(choices)


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("zh", ["主导产品", "实际应用", "非转入", "前三位权利人"]),
        ("en", ["main product", "actual use", "not transferred in", "first three rights-holders"]),
    ],
)
def test_guide_says_how_2hao_counts_class1_ip(
    rules: RuleSet, tmp_path: Path, lang: Lang, words: list[str]
) -> None:
    path = write_template(rules, tmp_path / f"template-{lang}.xlsx", lang=lang)
    guide = openpyxl.load_workbook(path).worksheets[1]
    note = next(row[4] for row in guide.iter_rows(min_row=2, values_only=True) if row[1] == "ip_class1")
    assert all(word in note for word in words), note


def test_filled_template_reads_back_with_every_column_mapped(rules: RuleSet, template: Path) -> None:
    book = openpyxl.load_workbook(template)
    sheet = book.worksheets[0]
    columns = _columns(rules, template)
    lang: Lang = "zh" if book.sheetnames[0] == text("template_sheet", "zh") else "en"
    titles = template_choices(rules, rules.fields["current_tier"], lang)
    for i, title in enumerate(titles[:2] if lang == "en" else titles):
        values = {
            "credit_code": valid_code(i + 1),
            "name": f"企业{i}",
            "industry": template_choices(rules, rules.fields["industry"], lang)[1],
            "current_tier": title,
            "tier_awarded_on": dt.datetime(2024, 5, 8),
            "township": "南村镇",
            "officer": "张三",
            "revenue_y1": 3000,
        }
        for field_id, value in values.items():
            sheet[f"{columns[field_id]}{i + 2}"] = value
    book.save(template.with_name("filled.xlsx"))
    table = read_input(template.with_name("filled.xlsx"), rules, as_of=AS_OF)
    assert [i for i in table.issues if i.code is IssueCode.UNMAPPED_COLUMN] == []
    assert set(columns) <= set(table.frame.columns)
    assert table.frame["township"].tolist()[:2] == ["南村镇", "南村镇"]
    assert table.frame["officer"].tolist()[:2] == ["张三", "张三"]
    if lang == "zh":  # every title the drop-down offers is one the reader knows
        prepared = prepare(table, rules)
        assert [i for i in prepared.issues if i.field == "current_tier"] == []
        assert len(table.frame) == len(titles)
