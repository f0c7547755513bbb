"""The HTML report's layout in headless Chromium, at the sample's size and at a county's: headers and
status words on one line, every chart with data or a sentence saying there is none, the pass mark's and
the borderline band's words apart, each title once. Screenshots go under the test's tmp_path.

Like the other browser tests these fail, not skip, when Chromium is missing (``make browser``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from playwright.sync_api import Browser, Page

from eligibility import evaluate, load_rules
from eligibility.input.read import read_input
from eligibility.labels import Lang
from eligibility.render.html import write_report
from tests.browser import chromium, offline_page

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
AS_OF = dt.date(2026, 11, 26)
# What a county office keeps of its firms: who they are and a few figures, nothing to score with.
COUNTY_COLUMNS = [
    "credit_code",
    "name",
    "industry",
    "county",
    "revenue_y1",
    "employees_y1",
    "total_assets_y1",
]

_ONE_LINE = """() => {
  const cells = document.querySelectorAll(
    'th, td.eligible, td.ineligible, td.incomplete, td.review, td.thin_pass, td.near_miss');
  const out = [];
  for (const el of cells) {
    if (!el.getClientRects().length || !el.textContent.trim()) { continue; }
    const range = document.createRange();
    range.selectNodeContents(el);
    const tops = new Set(Array.from(range.getClientRects()).filter(r => r.width > 0)
      .map(r => Math.round(r.top)));
    out.push({table: (el.closest('table[id]') || el.closest('details') || {}).id || el.closest('section').id,
              text: el.textContent, lines: tops.size, fits: el.scrollWidth <= el.clientWidth + 1});
  }
  return out;
}"""

_CHARTS = """() => Array.from(document.querySelectorAll('.chart')).map(box => {
  const gd = box.querySelector('.js-plotly-plot');
  const sentence = box.querySelector('.empty');
  const visible = el => !!el && el.offsetHeight > 0 && el.textContent.trim().length > 0;
  if (!gd) { return {chart: box.dataset.chart, kind: visible(sentence) ? 'sentence' : 'blank'}; }
  // _fullData: plotly.py sends numpy arrays packed ({dtype, bdata}); the drawn traces hold them unpacked.
  const plotted = (gd._fullData || []).some(t =>
    (t.x && t.x.length > 0) || (t.y && t.y.length > 0) || (t.z && t.z.length > 0));
  const marks = gd.querySelectorAll('.point path, .hm image').length;
  const svg = gd.querySelector('svg.main-svg').getBoundingClientRect();
  const ticks = axis => Array.from(gd.querySelectorAll('.' + axis + 'tick text')).map(t => t.textContent);
  const boxes = Array.from(gd.querySelectorAll('g.annotation')).map(a => {
    const r = a.getBoundingClientRect();
    return {name: a.getAttribute('data-index'), left: r.left, right: r.right, top: r.top, bottom: r.bottom};
  });
  const outer = gd.getBoundingClientRect();
  return {
    chart: box.dataset.chart, id: gd.id, kind: plotted && marks > 0 ? 'plot' : 'blank',
    overflow: svg.width > box.getBoundingClientRect().width + 1,
    title: (gd.layout.title && gd.layout.title.text) || '',
    xticks: ticks('x'), yticks: ticks('y'), yrange: gd._fullLayout.yaxis.range,
    annotations: boxes,
    inside: boxes.every(b =>
      b.left >= outer.left - 1 && b.right <= outer.right + 1 && b.top >= outer.top - 1),
  };
})"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as opened:
        yield opened


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The sample (300 firms), its first 10 firms, and the same 10 firms as a county keeps them."""
    folder = tmp_path_factory.mktemp("reports")
    rules = load_rules()
    first = pd.read_csv(SAMPLES / "pool.csv", dtype=str).head(10)
    first.to_csv(folder / "ten.csv", index=False)
    first[COUNTY_COLUMNS].to_csv(folder / "county.csv", index=False)
    out = {}
    for name, source, lang in (
        ("sample", SAMPLES / "pool.xlsx", "zh"),
        ("ten", folder / "ten.csv", "zh"),
        ("county", folder / "county.csv", "zh"),
        ("county-en", folder / "county.csv", "en"),
    ):
        assessment = evaluate(read_input(source, rules, as_of=AS_OF), rules, as_of=AS_OF)
        language: Lang = "en" if lang == "en" else "zh"
        out[name] = write_report(assessment, folder / f"{name}.html", lang=language)
    return out


def _open(page: Page, path: Path) -> None:
    page.goto(path.as_uri())
    page.wait_for_function("document.body.dataset.cards === 'ready'", timeout=30_000)
    page.locator("details.card summary").first.click()  # a card's table is checked too


def _intersect(a: dict[str, float], b: dict[str, float]) -> bool:
    return (
        a["left"] < b["right"]
        and b["left"] < a["right"]
        and a["top"] < b["bottom"]
        and b["top"] < a["bottom"]
    )


# What each pool's charts must be: drawn ("plot") or a sentence saying there is nothing to draw.
EXPECTED = {
    "sample": ["pyramid:plot", "score:plot", "score:plot", "heatmap:plot"],
    "ten": ["pyramid:plot", "score:plot", "score:plot", "heatmap:plot"],
    "county": ["pyramid:sentence", "score:sentence", "score:sentence", "heatmap:plot"],
    "county-en": ["pyramid:sentence", "score:sentence", "score:sentence", "heatmap:plot"],
}


@pytest.mark.parametrize("name", list(EXPECTED))
def test_report_layout(name: str, browser: Browser, reports: dict[str, Path], tmp_path: Path) -> None:
    with offline_page(browser, width=1280) as visit:
        page = visit.page
        _open(page, reports[name])
        page.screenshot(path=str(tmp_path / f"report-{name}.png"), full_page=True)
        for section in ("overview", "scores", "lists"):
            page.locator(f"#{section}").screenshot(path=str(tmp_path / f"report-{name}-{section}.png"))

        cells: list[dict[str, Any]] = page.evaluate(_ONE_LINE)
        assert len(cells) > 20
        assert any(c["table"] == "list-promotion_candidate" for c in cells) or name.startswith("county")
        broken = [c for c in cells if c["lines"] != 1 or not c["fits"]]
        assert broken == []

        charts: list[dict[str, Any]] = page.evaluate(_CHARTS)
        assert [f"{c['chart']}:{c['kind']}" for c in charts] == EXPECTED[name]
        for chart in charts:
            if chart["kind"] != "plot":
                continue
            assert not chart["overflow"], chart["id"]  # drawn at its own column's width
            if chart["chart"] in ("pyramid", "heatmap"):
                assert chart["title"] == "", chart["id"]  # the section heading is the one title
            if chart["chart"] == "pyramid":  # counts on both sides: whole, non-negative numbers
                assert len(chart["xticks"]) >= 3
                assert all(t.isdigit() for t in chart["xticks"]), chart["xticks"]
            if chart["chart"] == "score":
                assert chart["yrange"][0] >= 0
                assert chart["yticks"]
                assert all(t.isdigit() for t in chart["yticks"]), chart["yticks"]
                band, mark = chart["annotations"]
                assert not _intersect(band, mark), chart
                assert chart["inside"], chart
        assert visit.errors == []
        assert visit.requests == []
    assert (tmp_path / f"report-{name}.png").stat().st_size > 10_000
