"""The HTML report: content checks in Python, then the real thing in headless Chromium."""

from __future__ import annotations

import base64
import datetime as dt
import gzip
import json
import re
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from eligibility import evaluate, load_rules
from eligibility.apps.cli import main
from eligibility.input.read import read_input
from eligibility.labels import text
from eligibility.render.html import build_report, write_report
from eligibility.synthetic import synthetic_pool
from tests.browser import SCREENSHOTS, chromium, offline_page

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
AS_OF = dt.date(2026, 11, 26)
TIER0 = 8  # a card row: code, name, row, title, flags, issues, township, officer, then 5 per tier


@pytest.fixture(scope="module")
def sample_assessment():  # type: ignore[no-untyped-def]
    rules = load_rules()
    return evaluate(read_input(SAMPLES / "pool.xlsx", rules, as_of=AS_OF), rules, as_of=AS_OF)


@pytest.fixture(scope="module")
def sample_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The report of the bundled sample, written by the CLI as `make run` does."""
    folder = tmp_path_factory.mktemp("report")
    result = CliRunner().invoke(
        main,
        [
            "screen",
            str(SAMPLES / "pool.xlsx"),
            "--as-of",
            AS_OF.isoformat(),
            "-o",
            str(folder / "筛查结果.xlsx"),
            "--html",
            str(folder / "报告.html"),
        ],
    )
    assert result.exit_code == 1, result.output  # 1: finished, with the sample's deliberate dirty cells
    assert text("report_written", "zh", path=folder / "报告.html") in result.output
    return folder / "报告.html"


def _cards(html: str) -> list[list[object]]:
    blob = re.search(r'<script type="application/octet-stream" id="card-data">([^<]*)</script>', html)
    assert blob is not None
    rows: list[list[object]] = json.loads(gzip.decompress(base64.b64decode(blob.group(1))))
    return rows


def test_report_sections_and_numbers(sample_assessment, sample_report: Path) -> None:  # type: ignore[no-untyped-def]
    html = sample_report.read_text(encoding="utf-8")
    summary = sample_assessment.summary()
    for key in ("sec_pyramid", "sec_scores", "sec_heatmap", "sec_lists", "sec_cards", "sec_rules"):
        assert text(key, "zh") in html
    # No reference to anything outside the file: no external script, style, image or font.
    assert not re.search(r'<(script|link|img)[^>]+(src|href)="(https?:)?//', html)
    assert "@import" not in html
    # Headline counts and every flag list with its total.
    assert f"<b>{summary['flags']['promotion_candidate']}</b>{text('promotion_candidate')}" in html
    assert f"晋级候选（{summary['flags']['promotion_candidate']}）" in html
    assert f"退库风险（{summary['flags']['at_risk']}）" in html
    assert "升规候选（6）" in html
    # Rule sets used, with their sources, and the sample's four data issues.
    for result in sample_assessment.results.values():
        assert f"<td>{result.ruleset.ruleset.id}</td>" in html
        assert result.ruleset.ruleset.source.document in html
    assert "数据问题（31）" in html  # 4 dirty cells and 27 market shares below 1 % among per cents
    # One card per firm, in input order, with every tier.
    cards = _cards(html)
    assert len(cards) == 300
    assert [c[2] for c in cards] == [int(r) for r in sample_assessment.prepared.rows]
    assert all(len(c) == TIER0 + 5 * len(sample_assessment.tiers) for c in cards)


def test_card_rows_match_the_assessment(sample_assessment, sample_report: Path) -> None:  # type: ignore[no-untyped-def]
    cards = _cards(sample_report.read_text(encoding="utf-8"))
    a = sample_assessment
    for k, tier in enumerate(a.tiers):
        statuses = [c[TIER0 + 5 * k] for c in cards]
        assert statuses == a.results[tier].status.tolist()
        borders = [c[TIER0 + 1 + 5 * k] for c in cards]
        expected = (a.results[tier].thin_pass * 1 + a.results[tier].near_miss * 2).tolist()
        assert borders == expected
    # The firm the acceptance of issue 5 worked by hand: its gaps are in its card.
    srdi = a.tiers.index("srdi_sme")
    gaps = [str(c[TIER0 + 4 + 5 * srdi]) for c in cards]
    raise_by = text("gap_sentence", "zh", label="", verb=text("gap_raise", "zh"), amount="")
    assert sum(raise_by in g for g in gaps) > 100


def test_score_chart_marks_the_pass_line_and_band(sample_assessment) -> None:  # type: ignore[no-untyped-def]
    html = build_report(sample_assessment)
    titles = re.findall(r'"title":\{"text":"([^"]*)"', html)
    decoded = [json.loads(f'"{t}"') for t in titles]
    rules = sample_assessment.rules
    for tier in ("tech_sme", "innovative_sme"):
        title = text("score_chart_title", "zh", tier=rules.tiers[tier].label_zh, mark=60, low=55, high=65)
        assert title in decoded
    assert html.count('class="plotly-graph-div"') == 4  # pyramid, two score charts, heat map


def test_spreadsheet_text_never_becomes_markup(tmp_path: Path) -> None:
    frame = synthetic_pool(20, seed=7)
    frame.loc[0, "name"] = "<script>alert(1)</script>"
    frame.loc[1, "name"] = '"><img src=x onerror=alert(2)>'
    rules = load_rules()
    html = build_report(evaluate(frame, rules, as_of=AS_OF))
    assert "<script>alert(1)</script>" not in html
    assert "<img src=x" not in html


def test_english_report(sample_assessment) -> None:  # type: ignore[no-untyped-def]
    html = build_report(sample_assessment, lang="en")
    for key in ("report_title", "sec_pyramid", "sec_heatmap"):
        assert text(key, "en") in html
        assert text(key, "zh") not in html
    assert '<html lang="en">' in html


def test_report_written_atomically_next_to_nothing_else(sample_assessment, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "报告.html"
    write_report(sample_assessment, target)
    assert [p.name for p in tmp_path.iterdir()] == ["报告.html"]
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_cli_refuses_to_write_the_report_over_the_input(tmp_path: Path) -> None:
    source = tmp_path / "pool.csv"
    source.write_bytes((SAMPLES / "pool.csv").read_bytes())
    result = CliRunner().invoke(
        main,
        [
            "screen",
            str(source),
            "--as-of",
            "2026-11-26",
            "-o",
            str(tmp_path / "x.xlsx"),
            "--html",
            str(source),
        ],
    )
    assert result.exit_code == 2
    assert text("same_file", "zh", path=source) in result.output
    assert source.read_bytes() == (SAMPLES / "pool.csv").read_bytes()


# --------------------------------------------------------------------------------------------------
# In the browser

_CHART_DRAWN = """() => Array.from(document.querySelectorAll('.js-plotly-plot')).map(div => ({
    id: div.id,
    width: div.getBoundingClientRect().width,
    bars: div.querySelectorAll('.point path').length,
    heat: div.querySelectorAll('.hm image').length,
    traces: (div.data || []).length,
}))"""


def test_sample_report_in_headless_chromium(sample_assessment, sample_report: Path) -> None:  # type: ignore[no-untyped-def]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with chromium() as browser, offline_page(browser) as visit:
        page = visit.page
        page.goto(sample_report.as_uri())
        page.wait_for_function("document.body.dataset.cards === 'ready'", timeout=30_000)
        charts = page.evaluate(_CHART_DRAWN)
        assert [c["id"] for c in charts] == [
            "chart-pyramid",
            "chart-score-0",
            "chart-score-1",
            "chart-heatmap",
        ]
        for chart in charts:
            assert chart["width"] > 300, chart
            assert chart["traces"] >= 1, chart
            assert chart["bars"] + chart["heat"] > 0, chart  # drawn marks, not an empty frame
        # The pyramid: a bar per side for each of the five ladder tiers evaluated in 2026-11.
        assert charts[0]["bars"] == 2 * 5
        # Overview and score charts, as a reader first sees them.
        page.locator("#overview").screenshot(path=str(SCREENSHOTS / "report-overview.png"))
        page.locator("#scores").screenshot(path=str(SCREENSHOTS / "report-scores.png"))
        # Firm cards: 100 of 300 listed, one opened, then found by credit code.
        assert page.locator("#cards-count").text_content() == "显示 100 / 300 家"
        first = page.locator("details.card").first
        first.locator("summary").click()
        assert first.get_attribute("open") is not None
        assert first.locator("tr").count() == 1 + len(sample_assessment.tiers)
        code = str(sample_assessment.prepared.text["credit_code"][7])
        page.fill("#card-search", code)
        assert page.locator("#cards-count").text_content() == "显示 1 / 1 家"
        page.locator("details.card summary").first.click()
        assert "专精特新中小企业" in (page.locator("details.card[open]").first.text_content() or "")
        page.screenshot(path=str(SCREENSHOTS / "report-full.png"), full_page=True)
        assert visit.errors == []
        assert visit.requests == []  # nothing asked of the network
    assert (SCREENSHOTS / "report-overview.png").stat().st_size > 10_000


def test_report_of_20000_firms_is_small_enough_and_loads(tmp_path: Path) -> None:
    rules = load_rules()
    assessment = evaluate(synthetic_pool(20_000), rules, as_of=AS_OF)
    path = write_report(assessment, tmp_path / "report.html")
    size = path.stat().st_size
    assert size < 15 * 1024 * 1024, size
    with chromium() as browser, offline_page(browser) as visit:
        page = visit.page
        page.goto(path.as_uri())
        page.wait_for_function("document.body.dataset.cards === 'ready'", timeout=60_000)
        assert page.locator("#cards-count").text_content() == "显示 100 / 20000 家"
        page.click("#cards-more")
        assert page.locator("details.card").count() == 200
        charts = page.evaluate(_CHART_DRAWN)
        assert all(c["bars"] + c["heat"] > 0 for c in charts)
        assert visit.errors == []
        assert visit.requests == []
    flagged = pd.Series(assessment.flags.promotion_candidate).sum()
    assert flagged > 500  # so the list is cut at 500 rows and says so
    html = path.read_text(encoding="utf-8")
    assert f"共 {flagged} 条，此处列出前 500 条" in html
