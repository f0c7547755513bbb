"""Files as Excel and officers save them: UTF-16 "Unicode text", NUL bytes, oversized cells, very wide
header lines — each read with every row kept and the bad cell reported by row and field."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from eligibility import RuleSet, read_input
from eligibility.input.chunks import prepare_in_chunks
from eligibility.input.prepare import prepare
from tests.conftest import valid_code

AS_OF = "2026-11-26"
HEADER = ["统一社会信用代码", "企业名称", "2025年营业收入（万元）", "资产负债率(%)"]


def _rows() -> list[list[str]]:
    return [
        [valid_code(1), "甲机械有限公司", "3000", "45.5"],
        [valid_code(2), "乙科技有限公司", "5200", "60"],
    ]


def test_unicode_text_utf16_tab_separated(rules: RuleSet, tmp_path: Path) -> None:
    # Excel's "Unicode text (*.txt)" saved as .csv: UTF-16 LE with a BOM, tab separated.
    path = tmp_path / "unicode.csv"
    lines = ["\t".join(HEADER), *("\t".join(r) for r in _rows())]
    path.write_bytes("\r\n".join(lines).encode("utf-16"))
    p = prepare(read_input(path, rules, as_of=AS_OF), rules)
    assert p.text["name"].tolist() == ["甲机械有限公司", "乙科技有限公司"]
    assert p.columns["revenue_y1"].tolist() == [3000, 5200]
    assert p.columns["debt_ratio_y1"].tolist() == [0.455, 0.6]
    assert p.rows.tolist() == [2, 3]


def test_a_nul_byte_is_an_issue_not_a_refused_file(rules: RuleSet, tmp_path: Path) -> None:
    path = tmp_path / "nul.csv"
    rows = _rows()
    rows[1][1] = "乙科技\x00有限公司"
    path.write_text("\n".join(",".join(r) for r in [HEADER, *rows]), encoding="utf-8")
    p = prepare(read_input(path, rules, as_of=AS_OF), rules)
    assert p.n == 2
    assert p.columns["revenue_y1"].tolist() == [3000, 5200]  # no shifted columns
    assert {(str(i.code), i.row, i.field) for i in p.issues} == {("bad_cell", 3, "name")}
    assert p.text["name"][1] is None


def test_an_oversized_cell_is_an_issue(rules: RuleSet, tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    rows = _rows()
    rows[0][1] = "甲" * 40_000  # more than Excel's 32,767 characters in one cell
    path.write_text("\n".join(",".join(r) for r in [HEADER, *rows]), encoding="utf-8")
    p = prepare(read_input(path, rules, as_of=AS_OF), rules)
    assert p.n == 2
    assert {(str(i.code), i.row, i.field) for i in p.issues} == {("bad_cell", 2, "name")}
    assert p.columns["revenue_y1"].tolist() == [3000, 5200]


def test_a_header_line_wider_than_the_sniff_window(rules: RuleSet, tmp_path: Path) -> None:
    # 20,000 extra columns make the header line about 400 KB, wider than the 256 KB first look.
    extra = [f"备用列{i}" for i in range(20_000)]
    path = tmp_path / "wide.csv"
    lines = [",".join([*HEADER, *extra]), *(",".join([*r, *([""] * len(extra))]) for r in _rows())]
    path.write_text("\n".join(lines), encoding="utf-8")
    assert len(lines[0].encode()) > 256 * 1024
    whole = prepare(read_input(path, rules, as_of=AS_OF), rules)
    chunked = prepare_in_chunks(path, rules, as_of=AS_OF, chunk_rows=1)
    for p in (whole, chunked):
        assert p.text["credit_code"].tolist() == [valid_code(1), valid_code(2)]
        assert p.columns["revenue_y1"].tolist() == [3000, 5200]
        assert p.rows.tolist() == [2, 3]


def test_gbk_csv_with_a_blank_line_and_a_total(rules: RuleSet, tmp_path: Path) -> None:
    path = tmp_path / "gbk.csv"
    lines = [",".join(HEADER), ",".join(_rows()[0]), "", ",".join(_rows()[1]), "合计,,8200,"]
    path.write_bytes("\r\n".join(lines).encode("gbk"))
    for p in (
        prepare(read_input(path, rules, as_of=AS_OF), rules),
        prepare_in_chunks(path, rules, as_of=AS_OF, chunk_rows=2),
    ):
        assert p.rows.tolist() == [2, 4]
        codes = sorted((str(i.code), i.row) for i in p.issues)
        assert codes == [("blank_row", 3), ("skipped_row", 5)]
        assert not np.isnan(p.columns["revenue_y1"]).any()
