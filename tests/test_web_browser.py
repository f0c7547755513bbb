"""The web page in headless Chromium: upload the sample, read the results, download the workbook;
bad uploads get a readable error and the server keeps serving."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import uvicorn

from eligibility import load_rules
from eligibility.apps.web import create_app
from tests.browser import SCREENSHOTS, chromium, offline_page

SAMPLES = Path(__file__).resolve().parents[1] / "samples"


def _serving(app: Any) -> Iterator[str]:
    """``app`` served on a free loopback port in a thread, for as long as the caller holds it."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    running = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    for _ in range(200):
        if running.started:
            break
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    running.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    yield from _serving(create_app(load_rules()))


def _submit(page: object, path: Path) -> str:
    page.set_input_files("#file", str(path))  # type: ignore[attr-defined]
    page.fill("#as_of", "2026-11-26")  # type: ignore[attr-defined]
    page.click("#run")  # type: ignore[attr-defined]
    # A selector, not wait_for_function: the page's CSP allows no string evaluated as script.
    page.wait_for_selector(  # type: ignore[attr-defined]
        "body[data-state=done], body[data-state=failed]", state="attached", timeout=60_000
    )
    return str(page.locator("body").get_attribute("data-state"))  # type: ignore[attr-defined]


def test_upload_sample_and_download(server: str, tmp_path: Path) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with chromium() as browser, offline_page(browser, height=1400, allow=(server,)) as visit:
        page = visit.page
        page.goto(server)
        assert page.locator("h1").text_content() == "优质中小企业梯度培育 · 筛查"
        assert _submit(page, SAMPLES / "pool.xlsx") == "done"
        frame = page.frame_locator("#report")
        frame.locator("body[data-cards=ready]").wait_for(timeout=30_000)
        promotion = frame.locator("#list-promotion_candidate tbody tr")
        assert promotion.count() == 191
        assert "需增加" in (frame.locator("#list-borderline").text_content() or "")
        page.fill("#firm", "911405200BHALT75UL")
        page.click("#explain")
        page.locator("#explanation details.card").wait_for()
        assert "盛钢精密铸件有限公司" in (page.locator("#explanation").text_content() or "")
        # an HTML card: one row per tier, status cells coloured by their class, no box drawing
        assert page.locator("#explanation tbody tr").count() == len(load_rules().tiers)
        assert page.locator("#explanation td.eligible, #explanation td.ineligible").count() > 0
        assert "┃" not in (page.locator("#explanation").text_content() or "")
        with page.expect_download() as download_info:
            page.click("#download-workbook")
        download = download_info.value
        assert download.suggested_filename.startswith("筛查结果-")
        saved = tmp_path / "download.xlsx"
        download.save_as(saved)
        assert openpyxl.load_workbook(saved).sheetnames[0] == "汇总"
        page.screenshot(path=str(SCREENSHOTS / "web-result.png"), full_page=False)
        assert visit.errors == []


def test_bad_uploads_in_the_browser(server: str, tmp_path: Path) -> None:
    noise = tmp_path / "资料.pdf"
    noise.write_bytes(os.urandom(10 * 1024 * 1024))
    renamed = tmp_path / "名单.xlsx"
    renamed.write_text("统一社会信用代码,企业名称\n1,甲\n", encoding="utf-8")
    empty = tmp_path / "空.xlsx"
    empty.write_bytes(b"")
    headerless = tmp_path / "数字.csv"
    headerless.write_text("\n".join(f"{i},{i * 3}" for i in range(20)), encoding="utf-8")
    with chromium() as browser, offline_page(browser, allow=(server,)) as visit:
        page = visit.page
        page.goto(server)
        for path, words in (
            (noise, "不支持的文件类型"),
            (renamed, "不是 Excel 工作簿"),
            (empty, "文件是空的"),
            (headerless, "表头"),
        ):
            assert _submit(page, path) == "failed"
            message = page.locator("#error").text_content() or ""
            assert words in message, message
            assert "Traceback" not in message
        page.screenshot(path=str(SCREENSHOTS / "web-error.png"))
        assert _submit(page, SAMPLES / "pool.csv") == "done"  # and it still works


@pytest.fixture(scope="module")
def pool_server() -> Iterator[str]:
    """The page on the sample pool split into quarters (tests/pool_samples.py)."""
    from tests.pool_samples import sample_pool

    rules = load_rules()
    yield from _serving(create_app(rules, pool_db=sample_pool(rules)))


def test_the_pool_tab(pool_server: str, tmp_path: Path) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with chromium() as browser, offline_page(browser, height=1400, allow=(pool_server,)) as visit:
        page = visit.page
        page.goto(pool_server)
        page.click("#tab-pool")
        page.wait_for_selector("body[data-pool=ready]", state="attached", timeout=60_000)
        assert page.locator("#pool-snapshots tbody tr").count() == 3
        assert page.locator("#pool-snapshots tbody tr").first.locator("td").nth(2).text_content() == "285"
        # what changed since the last snapshot, and the targets: the pool's own pages, framed
        changes = page.frame_locator("#pool-changes")
        changes.locator("table#changes").wait_for(timeout=30_000)
        assert changes.locator("table#changes tbody tr").count() > 0
        targets = page.frame_locator("#pool-targets")
        targets.locator("table#targets").wait_for(timeout=30_000)
        assert targets.locator("table#targets tbody tr").count() == 2
        # the officers, each with a download of their own sheet
        page.wait_for_selector("#pool-officers tbody tr", timeout=60_000)
        first = page.locator("#pool-officers tbody tr").first
        assert first.locator("td").first.text_content() == "张伟"
        with page.expect_download() as download_info:
            first.locator("a").click()
        saved = tmp_path / "张伟.xlsx"
        download_info.value.save_as(saved)
        assert openpyxl.load_workbook(saved).sheetnames == ["乡镇汇总", "张伟"]
        # one firm by a part of its name: its history and the chart of its margins
        page.fill("#pool-firm-key", "恒材液压支架")
        page.click("#pool-firm-show")
        page.wait_for_selector("body[data-firm=shown]", state="attached", timeout=30_000)
        firm = page.frame_locator("#pool-firm")
        firm.locator("table#history").wait_for(timeout=60_000)
        assert "恒材液压支架有限公司" in (firm.locator("h1").text_content() or "")
        firm.locator(".plotly-graph-div .main-svg").first.wait_for(timeout=60_000)
        assert firm.locator(".plotly-graph-div").count() >= 2  # a chart per unit
        assert firm.locator(".scatterlayer .trace").count() > 0  # its lines drawn
        # several firms answering: pick one of them
        page.fill("#pool-firm-key", "铸造")
        page.click("#pool-firm-show")
        page.wait_for_selector("body[data-firm=refused]", state="attached", timeout=30_000)
        assert "30" in (page.locator("#pool-firm-message").text_content() or "")
        assert page.locator("#pool-firm-candidates button").count() == 20
        page.locator("#pool-firm-candidates button").first.click()
        page.wait_for_selector("body[data-firm=shown]", state="attached", timeout=30_000)
        page.screenshot(path=str(SCREENSHOTS / "web-pool.png"), full_page=False)
        # the only console line: Chromium's note of the 409 that listed the firms answering
        assert [e for e in visit.errors if "status of 409" not in e] == []
        assert visit.requests == []  # nothing beyond the page's own server
