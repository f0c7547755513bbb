"""A firm's key lines (``pool firm``): which thresholds each tier shows, on the hand-built quarters
(``tests/pool_data.py``) and on the bundled quarter samples (``samples/pool_2026q*.xlsx``).

Asserted by criterion ids, reasons, ranks and numbers; the words are the labels'.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from eligibility.apps.cli import main
from eligibility.pool import Pool
from eligibility.pool.pages import margin_figures
from tests.pool_data import QUARTERS, RD, TITLED, quarter

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = [("samples/pool_2026q2.xlsx", "2026-06-30"), ("samples/pool_2026q3.xlsx", "2026-09-30")]
SAMPLES.append(("samples/pool_2026q4.xlsx", "2026-12-31"))
# A 专精特新 title holder of the samples whose R&D ratio dips under 3% in Q3 (README's example).
HENGCAI = "911405258WXTLTR3GG"


def _key(lines: pd.DataFrame) -> dict[str, list[tuple[str, str]]]:
    """Per tier, the key lines in the order shown: (criterion, reason)."""
    chosen = lines[lines["key"] != ""].drop_duplicates(["tier", "criterion"])
    chosen = chosen.sort_values("key_rank", kind="stable")
    return {
        str(t): list(zip(g["criterion"], g["key"], strict=True))
        for t, g in chosen.groupby("tier", sort=False)
    }


@pytest.fixture(scope="module")
def quarters(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pool]:
    with Pool(tmp_path_factory.mktemp("lines") / "p.sqlite") as pool:
        for k in range(3):
            pool.add(quarter(k), as_of=QUARTERS[k])
        yield pool


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> str:
    db = str(tmp_path_factory.mktemp("samples") / "培育库.sqlite")
    with Pool(db) as pool:
        for path, day in SAMPLES:
            pool.add(ROOT / path, as_of=day)
    return db


def test_the_key_lines_of_the_firm_crossing_the_3_percent_line(quarters: Pool) -> None:
    lines = quarters.key_lines(RD)
    assert _key(lines) == {
        # the pass mark always; innovation 25 of 20 in Q3 is within its 5-point margin
        "tech_sme": [
            ("score_pass", "headline"),
            ("assets_max", "closest"),
            ("employees_max", "closest"),
            ("revenue_max", "closest"),
        ],
        "innovative_sme": [
            ("score_pass", "headline"),
            ("innovation_min", "borderline"),
            ("specialisation_min", "closest"),
            ("growth_min", "closest"),
        ],
        # failed in Q3, then the two closest: 1.2 and 1.6 borderline margins
        "srdi_sme": [
            ("rd_ratio_min_y1", "failed"),
            ("rd_ratio_min_y2", "closest"),
            ("rd_amount_min_y1", "closest"),
        ],
        # every line failed is shown, and those met exactly (a closeness of 0), beyond the limit
        "little_giant": [
            ("rd_total_min", "failed"),
            ("revenue_min", "failed"),
            ("ip_class1_4", "failed"),
            ("rd_ratio_min_y1", "failed"),
            ("main_share_min", "borderline"),
            ("quality_score_apply", "borderline"),
        ],
        "hnte": [
            ("owns_ip_class1", "closest"),
            ("revenue_upto_5000wan", "closest"),
            ("owns_ip_class2", "closest"),
        ],
        "above_scale_industrial": [("main_revenue_line", "closest")],
    }
    ratio = lines[(lines["tier"] == "srdi_sme") & (lines["criterion"] == "rd_ratio_min_y1")]
    assert ratio["closeness"].tolist() == pytest.approx([2.0, -0.2, 0.2])  # of a 0.5-point margin
    assert ratio["key_rank"].tolist() == [1, 1, 1]
    # an "at most" line: value − threshold is negative, the room positive
    debt = lines[(lines["tier"] == "srdi_sme") & (lines["criterion"] == "debt_ratio_max")].iloc[0]
    assert debt["margin"] < 0 < debt["slack"]
    assert debt["key"] == ""
    # the financing alternative to the revenue line is missed but carried by revenue: it never bears
    financing = lines[(lines["tier"] == "srdi_sme") & (lines["criterion"] == "equity_financing_min")]
    assert not financing["bearing"].any()
    # the size classes' "large firm" bounds are the engine's, never key
    assert set(lines.loc[lines["tier"] == "sme_size", "key"]) == {""}
    assert len(lines) == len(quarters.margins(RD))  # every line stays, marked


def test_the_limit_and_another_firm(quarters: Pool) -> None:
    assert _key(quarters.key_lines(RD, ["srdi_sme"], limit=1)) == {
        "srdi_sme": [("rd_ratio_min_y1", "failed")]
    }
    assert _key(quarters.key_lines(RD, ["srdi_sme"], limit=0)) == {
        "srdi_sme": [("rd_ratio_min_y1", "failed")]
    }
    assert _key(quarters.key_lines(TITLED, ["srdi_sme"])) == {
        "srdi_sme": [
            ("rd_ratio_min_y2", "closest"),
            ("ip_class1_min", "closest"),
            ("quality_score_apply", "closest"),
        ]
    }


def test_the_key_lines_on_the_quarter_samples(samples: str) -> None:
    with Pool(samples) as pool:
        lines = pool.key_lines(HENGCAI)
    assert _key(lines) == {
        "tech_sme": [
            ("score_pass", "headline"),
            ("assets_max", "failed"),
            ("revenue_max", "failed"),
            ("tech_staff_nonzero", "borderline"),
        ],
        "innovative_sme": [
            ("score_pass", "headline"),
            ("innovation_min", "borderline"),
            ("growth_min", "closest"),
            ("specialisation_min", "closest"),
        ],
        "srdi_sme": [
            ("rd_ratio_min_y1", "failed"),
            ("quality_score_apply", "borderline"),
            ("ip_class1_min", "borderline"),
        ],
        "little_giant": [
            ("ip_class1_4", "failed"),
            ("quality_score_apply", "failed"),
            ("main_share_min", "failed"),
            ("rd_ratio_min_y1", "failed"),
            ("market_share_min", "borderline"),
        ],
        "hnte": [
            ("owns_ip_class1", "borderline"),
            ("rd_3y_3pct", "closest"),
            ("tech_staff_min", "closest"),
        ],
        "above_scale_industrial": [("main_revenue_line", "closest")],
    }
    # HNTE's R&D line by revenue band: above 2亿元 the 3% line bears, not the 4% and 5% ones
    hnte = lines[lines["tier"] == "hnte"].groupby("criterion")["bearing"].any()
    assert hnte[["rd_3y_3pct", "revenue_over_2yi"]].all()
    assert not hnte[["rd_3y_4pct", "rd_3y_5pct", "revenue_upto_5000wan", "revenue_upto_2yi"]].any()
    srdi = lines[(lines["tier"] == "srdi_sme") & (lines["criterion"] == "rd_ratio_min_y1")]
    assert srdi["slack"].tolist() == pytest.approx([0.021984, -0.000999, 0.001001], abs=1e-6)


def test_the_firm_command_on_the_samples(samples: str, tmp_path: Path) -> None:
    runner = CliRunner()
    book = tmp_path / "企业.xlsx"
    done = runner.invoke(
        main, ["pool", "firm", HENGCAI, "--db", samples, "-o", str(book)], env={"COLUMNS": "200"}
    )
    assert done.exit_code == 0, done.output
    with Pool(samples) as pool:
        lines = pool.key_lines(HENGCAI)
    shown = lines[lines["key"] != ""].drop_duplicates(["tier", "criterion"])
    hidden = len(lines.drop_duplicates(["tier", "criterion"])) - len(shown)
    assert (len(shown), hidden) == (20, 28)
    assert f"另有 {hidden} 条门槛未列出" in done.output
    assert "上年末资产负债率不高于80%" not in done.output  # a line far from failing
    every = runner.invoke(
        main, ["pool", "firm", HENGCAI, "--db", samples, "--all-lines"], env={"COLUMNS": "200"}
    )
    assert every.exit_code == 0, every.output
    assert "上年末资产负债率不高于80%" in every.output
    assert "另有" not in every.output

    workbook = load_workbook(book, read_only=True)
    assert workbook.sheetnames == ["各期结论", "关键门槛", "全部门槛"]
    history = list(workbook["各期结论"].iter_rows(values_only=True))
    assert history[0][1:] == ("2026-06-30", "2026-09-30", "2026-12-31")
    assert [r[0] for r in history[3:]] == [
        "中小企业划型",
        "科技型中小企业",
        "创新型中小企业",
        "科技和创新型中小企业",
        "专精特新中小企业",
        '专精特新"小巨人"企业',
        "高新技术企业",
        "规模以上工业企业",
    ]
    key_rows = list(workbook["关键门槛"].iter_rows(values_only=True))
    assert len(key_rows) == len(shown) + 1
    srdi = [r for r in key_rows if r[0] == "专精特新中小企业"]
    assert [r[2] for r in srdi] == ["曾未满足", "临界", "临界"]
    assert srdi[0][3:] == ("+2.2个百分点", "−0.1个百分点", "+0.1个百分点")
    every_row = list(workbook["全部门槛"].iter_rows(values_only=True))
    assert len(every_row) == len(lines) + 1
    assert every_row[1][:3] == (
        "中小企业划型",
        "大型企业标准：营业收入（上年度）",
        None,
    )  # the engine's own line
    heads = every_row[0]
    ratio = [
        dict(zip(heads, r, strict=True))
        for r in every_row[1:]
        if r[0] == "专精特新中小企业" and r[1] == "上年度研发费用占营业收入比重不低于3%"
    ]
    # numbers as numbers, ratios in per cent and their differences in percentage points
    assert [r["指标值"] for r in ratio] == pytest.approx([5.1984, 2.9001, 3.1001], abs=1e-4)
    assert {r["门槛值"] for r in ratio} == {3.0}
    assert [r["余量 ÷ 临界幅度"] for r in ratio] == pytest.approx([4.3968, -0.1998, 0.2002], abs=1e-4)
    size = runner.invoke(main, ["pool", "firm", HENGCAI, "--db", samples, "--tier", "sme_size"])
    assert size.exit_code == 0, size.output
    assert "关键门槛" not in size.output  # no key line: no empty table, the count of the others
    assert "另有 2 条门槛未列出" in size.output
    english = runner.invoke(
        main, ["pool", "firm", HENGCAI, "--db", samples, "--lang", "en"], env={"COLUMNS": "200"}
    )
    assert english.exit_code == 0, english.output
    assert f"{hidden} more lines not shown" in english.output


def test_the_chart_draws_the_key_lines(quarters: Pool) -> None:
    lines = quarters.key_lines(RD, ["srdi_sme"])
    traces = [t for _, figure in margin_figures(lines, quarters.rules) for t in figure.data]
    drawn = [t.name for t in traces if t.visible is True]
    charted = lines[lines.groupby("unit")["key"].transform(lambda k: (k != "").any())]
    assert len(traces) == charted[["tier", "criterion"]].drop_duplicates().shape[0]
    assert len(drawn) == 3
    assert {t.visible for t in traces} == {True, "legendonly"}
    debt = next(t for t in traces if "资产负债率" in t.name)
    assert debt.visible == "legendonly"
    assert min(debt.y) > 0  # an "at most" line met is above 0: the room, not value − threshold
    plain = [
        t
        for _, figure in margin_figures(quarters.margins(RD, ["srdi_sme"]), quarters.rules)
        for t in figure.data
    ]
    assert min(next(t for t in plain if "资产负债率" in t.name).y) > 0  # the room without key lines too
    every = [t for _, figure in margin_figures(lines, quarters.rules, every=True) for t in figure.data]
    assert {t.visible for t in every} == {True}
    # a unit without a key line (years: 从事特定细分市场时间) has no chart but with every line
    units = lines.groupby("unit")["key"].apply(lambda k: (k != "").any())
    assert len(margin_figures(lines, quarters.rules)) == int(units.sum()) < len(units)
    assert len(margin_figures(lines, quarters.rules, every=True)) == len(units)
