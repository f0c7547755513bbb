"""pool changes -o 变化.html and pool firm CODE -o 企业.html: escaped text, atomic files, the chart data."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from eligibility.apps.cli import main
from eligibility.pool import Pool
from eligibility.pool.pages import margin_figures
from tests.pool_data import QUARTERS, RD, quarter

EVIL = "<script>alert(1)</script>"


@pytest.fixture
def db(tmp_path: Path) -> str:
    target = str(tmp_path / "培育库.sqlite")
    with Pool(target) as pool:
        for k in range(3):
            sheet = quarter(k)
            sheet.loc[sheet["credit_code"] == RD, "name"] = EVIL + "铸造有限公司"
            pool.add(sheet, as_of=QUARTERS[k], label=f"2026Q{k + 2}")
    return target


def _body(html: str) -> str:
    return html.split("<body>", 1)[1]  # after plotly.js, which the head inlines


def test_the_changes_page(db: str, tmp_path: Path) -> None:
    updates = tmp_path / "u.jsonl"
    updates.write_text(json.dumps({"credit_code": RD, "rd_expense_y1": 116}) + "\n", encoding="utf-8")
    runner = CliRunner()
    assert runner.invoke(main, ["watch", "--db", db, "--updates", str(updates)]).exit_code == 0
    page = tmp_path / "变化.html"
    done = runner.invoke(main, ["pool", "changes", "--db", db, "-o", str(page)])
    assert done.exit_code == 0, done.output
    html = page.read_text(encoding="utf-8")
    assert EVIL not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;铸造有限公司" in html
    assert "专精特新中小企业" in html
    assert "监测提醒 1 条" in html  # the alert raised on the latest snapshot's data
    assert "u.jsonl:1" in html
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    english = runner.invoke(main, ["pool", "changes", "--db", db, "-o", str(page), "--lang", "en"])
    assert english.exit_code == 0, english.output
    assert "1 monitor alerts" in page.read_text(encoding="utf-8")


def test_the_firm_page_and_its_chart(db: str, tmp_path: Path) -> None:
    page = tmp_path / "企业.html"
    runner = CliRunner()
    done = runner.invoke(
        main, ["pool", "firm", RD, "--db", db, "-o", str(page), "--no-margins", "--all-lines"]
    )
    assert done.exit_code == 0, done.output
    html = page.read_text(encoding="utf-8")
    assert EVIL not in _body(html)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;铸造有限公司" in html
    with Pool(db) as pool:
        margins = pool.margins(RD)
        rules = pool.rules
    lines = margins[["tier", "criterion"]].drop_duplicates()
    figures = margin_figures(margins, rules)
    traces = [trace for _, figure in figures for trace in figure.data]
    assert len(traces) == len(lines)  # one trace per tier × line
    assert _body(html).count('"mode":"lines+markers"') == len(lines)  # the data in the page
    assert len(figures) == margins["unit"].nunique()  # one chart per unit
    # the 3% R&D line of 专精特新: 4% → 2.9% → 3.1%, in percentage points
    srdi = next(t for t in traces if t.name == "专精特新中小企业·上年度研发费用占营业收入比重不低于3%")
    assert list(srdi.x) == list(QUARTERS)
    assert list(srdi.y) == pytest.approx([1.0, -0.1, 0.1])
    english = runner.invoke(main, ["pool", "firm", RD, "--db", db, "-o", str(page), "--lang", "en"])
    assert english.exit_code == 0, english.output
    assert "Margin to every line" in page.read_text(encoding="utf-8")
    assert runner.invoke(main, ["pool", "firm", RD, "--db", db, "-o", str(tmp_path / "a.txt")]).exit_code == 2


def test_the_pages_are_written_atomically(db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    page = tmp_path / "企业.html"
    page.write_text("old", encoding="utf-8")

    def broken(source: object, target: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken)
    runner = CliRunner()
    for command in (["pool", "firm", RD], ["pool", "changes"]):
        failed = runner.invoke(main, [*command, "--db", db, "-o", str(page)])
        assert failed.exit_code != 0
        assert page.read_text(encoding="utf-8") == "old"
        assert sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".tmp") == []


def test_a_firm_without_margins_has_no_chart(tmp_path: Path) -> None:
    with Pool(tmp_path / "p.sqlite") as pool:
        assert margin_figures(pd.DataFrame(columns=["unit", "tier", "criterion"]), pool.rules) == []
