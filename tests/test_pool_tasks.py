"""The pool's task lists, title reviews, export and margins, on a pool built by hand.

Two snapshots (2026-06-30, 2026-09-30) of four firms: two of officer 李明 (``DUE`` in 金村镇 holds
创新型 expiring 2027-08-31 — past the first snapshot's 12-month horizon, within the second's;
``RD`` in 崇文镇 holds 创新型 and corrects its R&D expense from 160 to 116 万元 of 4,000 万元
revenue: 4% → 2.9%, under 专精特新's 3% line), one of 王芳 (``PLAIN``, 金村镇) and one without an
officer (``ALONE``, 崇文镇).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner

from eligibility.apps.cli import main
from eligibility.pool import Pool
from eligibility.pool.book import EXCEL_SHEET_CHARS, sheet_names
from tests.conftest import valid_code
from tests.pool_data import _firm

DUE, RD, PLAIN, ALONE = (valid_code(i) for i in (11, 12, 13, 14))
FIRST, SECOND = "2026-06-30", "2026-09-30"


def sheet(k: int) -> pd.DataFrame:
    """The sheet of snapshot ``k`` (0: FIRST, 1: SECOND), canonical field ids."""
    held = {"current_tier": "创新型中小企业"}
    return pd.DataFrame(
        [
            _firm(
                DUE, "甲铸造有限公司", township="金村镇", officer="李明", tier_expires_on="2027-08-31", **held
            ),
            _firm(
                RD,
                "乙液压有限公司",
                township="崇文镇",
                officer="李明",
                rd_expense_y1=(160, 116)[k],
                tier_expires_on="2028-12-31",
                **held,
            ),
            _firm(PLAIN, "丙材料有限公司", township="金村镇", officer="王芳"),
            _firm(ALONE, "丁合金有限公司", township="崇文镇", officer=None),
        ]
    )


@pytest.fixture
def db(tmp_path: Path) -> str:
    path = str(tmp_path / "培育库.sqlite")
    with Pool(path) as pool:
        pool.add(sheet(0), as_of=FIRST, label="二季度")
        pool.add(sheet(1), as_of=SECOND, label="三季度")
    return path


def test_a_title_within_the_horizon_comes_up_for_review(db: str) -> None:
    with Pool(db) as pool:
        first = pool.changes(until=FIRST)
        assert set(first["kind"]) == {"entered"}  # 2027-08-31 is after 2026-06-30 + 12 months
        second = pool.changes()
        rows = list(zip(second["kind"], second["firm_key"], second["tier"], second["after"], strict=True))
        assert rows == [
            ("title_review_due", DUE, "innovative_sme", "2027-08-31"),
            ("became_ineligible", RD, "srdi_sme", "ineligible"),
        ]
        assert pool.snapshots()["horizon_months"].tolist() == [12, 12]
        # a horizon of 6 months: the same title is not yet due
        pool.add(sheet(1), as_of=SECOND, replace=True, horizon_months=6)
        assert "title_review_due" not in set(pool.changes()["kind"])


def test_the_officers_lists(db: str) -> None:
    with Pool(db) as pool:
        officers = pool.officers()
        assert officers.attrs["since"].isoformat() == FIRST
        # by officer (none last), township, code
        assert officers["firm_key"].tolist() == [RD, DUE, PLAIN, ALONE]
        assert officers["officer"].tolist()[:3] == ["李明", "李明", "王芳"]
        assert officers["officer"].isna().tolist() == [False, False, False, True]
        due = officers.set_index("firm_key").loc[DUE]
        assert (due["title"], due["title_expires"].isoformat(), due["title_expiring"]) == (
            "innovative_sme",
            "2027-08-31",
            True,
        )
        rd = officers.set_index("firm_key").loc[RD]
        assert (rd["srdi_sme.status"], rd["srdi_sme.mark"]) == ("ineligible", "near_miss")
        lacks = rd["srdi_sme.lacks"]
        assert [(g["criterion"], g["lever"]) for g in lacks] == [("rd_ratio_min_y1", "rd_expense_y1")]
        assert lacks[0]["lever_amount"] == pytest.approx(4.0)  # 3% of 4,000 = 120, from 116
        assert lacks[0]["amount"] == pytest.approx(0.001)
        assert [c["kind"] for c in rd["changes"]] == ["became_ineligible"]
        assert [c["kind"] for c in due["changes"]] == ["title_review_due"]
        assert officers.set_index("firm_key").loc[PLAIN, "changes"] == []
        # the first snapshot: every firm entered
        changes = pool.officers(FIRST)["changes"].tolist()
        assert [[c["kind"] for c in firm] for firm in changes] == [["entered"]] * 4


def test_each_cell_holds_its_own_firm_and_tier(db: str) -> None:
    # The lists are cut from one sorted column of records: each firm x tier gets its failed
    # criteria in their order, each firm its changes in the order of pool.changes().
    with Pool(db) as pool:
        officers = pool.officers()
        changes = pool.changes()
        with pool._reading() as connection:
            results = pool._data(connection, int(pool.snapshot()["id"])).results
    failed = dict(zip(zip(results["firm_key"], results["tier"], strict=True), results["failed"], strict=True))
    cells = 0
    for k, firm in enumerate(officers["firm_key"].tolist()):
        for tier in officers.attrs["tiers"]:
            lacks: list[dict[str, Any]] = officers[f"{tier}.lacks"].iloc[k]
            wanted = [c for c in str(failed.get((firm, tier)) or "").split(";") if c]
            assert [g["criterion"] for g in lacks] == wanted, (firm, tier)
            cells += bool(wanted)
        mine = changes[changes["firm_key"] == firm]
        listed: list[dict[str, Any]] = officers["changes"].iloc[k]
        assert [(c["kind"], c["tier"]) for c in listed] == list(zip(mine["kind"], mine["tier"], strict=True))
    assert cells >= len(officers)  # not vacuous
    assert not changes.empty
    empty = [v for column in officers.columns if column.endswith(".lacks") for v in officers[column] if not v]
    assert len({id(v) for v in empty}) == len(empty)  # an empty list of its own: one edit stays put


def test_the_townships(db: str) -> None:
    with Pool(db) as pool:
        towns = pool.townships("三季度").set_index("township")
        assert towns.index.tolist() == ["崇文镇", "金村镇"]
        assert towns["firms"].tolist() == [2, 2]
        assert towns["officers"].tolist() == [1, 2]  # ALONE has none
        assert towns["titles"].tolist() == [1, 1]
        assert towns["review_due"].tolist() == [0, 1]
        assert towns["borderline"].tolist() == [1, 0]
        assert towns["near_miss"].tolist() == [1, 0]
        # 专精特新 eligible now: DUE only (RD fell under the line); 创新型: the firms not holding it
        assert towns["eligible.srdi_sme"].tolist() == [0, 1]
        assert towns["eligible.innovative_sme"].tolist() == [1, 1]


def test_sheet_names_excel_accepts() -> None:
    names = sheet_names(["李明", "a/b:c*d?e[f]g\\h", "x" * 40, "X" * 40, "'quoted'", "History", "李明", ""])
    assert names[0] == "李明"
    assert names[1] == "a_b_c_d_e_f_g_h"
    assert names[2] == "x" * EXCEL_SHEET_CHARS
    assert names[3] == "X" * 28 + "(2)"  # Excel compares sheet names without regard to case
    assert names[4] == "quoted"
    assert names[5] == "History(2)"
    assert names[6] == "李明(2)"
    assert names[7] == "_"
    assert all(len(n) <= EXCEL_SHEET_CHARS for n in names)
    assert len({n.casefold() for n in names}) == len(names)


def test_the_officers_workbook(db: str, tmp_path: Path) -> None:
    out = tmp_path / "服务专员任务.xlsx"
    done = CliRunner().invoke(main, ["pool", "officers", "--db", db, "-o", str(out)])
    assert done.exit_code == 0, done.output
    book = pd.read_excel(out, sheet_name=None, dtype=str, engine="calamine")
    assert list(book) == ["乡镇汇总", "李明", "王芳", "未分配服务专员"]
    assert book["李明"]["统一社会信用代码"].tolist() == [RD, DUE]
    assert book["王芳"]["统一社会信用代码"].tolist() == [PLAIN]
    assert book["未分配服务专员"]["统一社会信用代码"].tolist() == [ALONE]
    li = book["李明"].set_index("统一社会信用代码")
    assert li.loc[DUE, "有效期至"] == "2027-08-31"
    assert li.loc[DUE, "称号临近复核"] == "是"
    assert li.loc[RD, "专精特新中小企业｜结论"] == "不符合（临界未过）"
    assert "4万元" in str(li.loc[RD, "专精特新中小企业｜差距说明"])
    assert li.loc[RD, "本期变化"] == "不再符合（专精特新中小企业）"
    towns = book["乡镇汇总"].set_index("乡镇（街道）")
    assert towns["企业数"].astype(int).tolist() == [2, 2]
    assert towns.loc["金村镇", "专精特新中小企业｜现可申报"] == "1"
    english = CliRunner().invoke(main, ["pool", "officers", "--db", db, "--lang", "en", "--at", FIRST])
    assert english.exit_code == 0, english.output
    assert "4 firms, 2 officer(s)" in english.output


def test_an_officer_name_excel_refuses_is_made_safe(tmp_path: Path) -> None:
    db = str(tmp_path / "p.sqlite")
    frame = sheet(0)
    frame.loc[0, "officer"] = "李明/张伟[片区]:一组" + "长" * 30
    frame.loc[1, "officer"] = "李明/张伟[片区]:一组" + "长" * 30 + "乙"  # another officer, the same cut
    frame.loc[2, "name"] = "=1+2"
    with Pool(db) as pool:
        pool.add(frame, as_of=FIRST)
    out = tmp_path / "tasks.xlsx"
    done = CliRunner().invoke(main, ["pool", "officers", "--db", db, "-o", str(out)])
    assert done.exit_code == 0, done.output
    from openpyxl import load_workbook

    book = load_workbook(out)
    assert all(len(n) <= EXCEL_SHEET_CHARS and not set("[]:*?/\\") & set(n) for n in book.sheetnames)
    assert book.sheetnames[1:3] == [
        "李明_张伟_片区__一组" + "长" * 19,
        "李明_张伟_片区__一组" + "长" * 16 + "(2)",
    ]
    assert book.sheetnames[3:] == ["王芳", "未分配服务专员"]
    name = book["王芳"]["B2"]  # a text cell, never a formula
    assert (name.value, name.data_type) == ("=1+2", "s")


def test_a_table_longer_than_a_sheet_goes_on(
    db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from openpyxl import load_workbook

    from eligibility.pool import export

    monkeypatch.setattr(export, "EXCEL_ROWS", 26)  # 25 rows a sheet under the heading
    with Pool(db) as pool:
        done = pool.export(tmp_path / "x.xlsx")
        counts = pool.counts()
    assert counts["results"] == 64  # 2 snapshots x 4 firms x 8 tiers
    assert done.parts["results"] == ["results", "results_2", "results_3"]
    book = load_workbook(tmp_path / "x.xlsx", read_only=True)
    assert [book[s].max_row - 1 for s in done.parts["results"]] == [25, 25, 14]


def test_the_horizon_is_an_option_of_add(tmp_path: Path) -> None:
    sheet_path = tmp_path / "q3.csv"
    sheet(1).to_csv(sheet_path, index=False)
    db = str(tmp_path / "p.sqlite")
    done = CliRunner().invoke(
        main, ["pool", "add", str(sheet_path), "--as-of", SECOND, "--db", db, "--horizon-months", "6"]
    )
    assert done.exit_code == 0, done.output
    with Pool(db) as pool:
        assert pool.snapshots()["horizon_months"].tolist() == [6]
        assert not pool.officers()["title_expiring"].any()  # 2027-08-31 is after 2027-03-30
