"""Empty lists are normal (issue 13 item 10), and 乡镇（街道）/服务专员 reach every output.

Pools cut from the bundled sample — none at risk, no promotion candidate, no scale-up candidate, no
input issue, one firm, no titled firm, nothing flagged, a header only — go through the CLI (workbook +
HTML report, CSV, JSON lines) and the web test client (page job and ``POST /api/screen``). Every
output is written and opens; an empty list is a sheet with its header row, and a list in the report
that says it has no firm.
"""

from __future__ import annotations

import base64
import gzip
import io
import json
import re
import time
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from eligibility import evaluate, load_rules
from eligibility.apps.cli import main
from eligibility.apps.web import create_app
from eligibility.labels import text

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
AS_OF = "2026-11-26"
RULES = load_rules()
FLAG_SHEETS = {
    "promotion_candidate": "sheet_promotion",
    "at_risk": "sheet_at_risk",
    "scale_up_candidate": "sheet_scale_up",
}
LISTS = ("promotion_candidate", "borderline", "at_risk", "scale_up_candidate")


@pytest.fixture(scope="module")
def sample() -> pd.DataFrame:
    return pd.read_csv(SAMPLES / "pool.csv", dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def flags(sample: pd.DataFrame) -> dict[str, npt.NDArray[np.bool_]]:
    """The sample's flags (and who holds a title), to cut pools by."""
    a = evaluate(sample.replace("", None), RULES, as_of=AS_OF)
    found = {name: a.flags.get(name) for name in (*FLAG_SHEETS, "data_issue")}
    found["titled"] = sample["current_tier"].ne("").to_numpy()
    return found


def _pool(name: str, sample: pd.DataFrame, flags: dict[str, npt.NDArray[np.bool_]]) -> pd.DataFrame:
    clean = ~flags["data_issue"]
    nothing = clean & ~flags["promotion_candidate"] & ~flags["at_risk"] & ~flags["scale_up_candidate"]
    keep: npt.NDArray[np.bool_] = {
        "no_at_risk": clean & ~flags["at_risk"],
        "no_promotion": clean & ~flags["promotion_candidate"],
        "no_scale_up": clean & ~flags["scale_up_candidate"],
        "no_issue": clean,
        "no_titled": clean & ~flags["titled"],
        "nothing_flagged": nothing,
        "one_firm": nothing & (np.cumsum(nothing) == 1),
        "header_only": np.zeros(len(sample), dtype=bool),
    }[name]
    return sample.loc[keep].reset_index(drop=True)


POOLS = ["no_at_risk", "no_promotion", "no_scale_up", "no_issue", "no_titled", "nothing_flagged", "one_firm"]
ALL_POOLS = [*POOLS, "header_only"]
EMPTY = {  # the lists each pool must have empty, whatever else it has
    "no_at_risk": {"at_risk"},
    "no_promotion": {"promotion_candidate"},
    "no_scale_up": {"scale_up_candidate"},
    "no_issue": set(),
    "no_titled": {"at_risk"},
    "nothing_flagged": {"promotion_candidate", "at_risk", "scale_up_candidate"},
    "one_firm": {"promotion_candidate", "at_risk", "scale_up_candidate"},
    "header_only": {"promotion_candidate", "at_risk", "scale_up_candidate", "borderline"},
}


def _expected(frame: pd.DataFrame) -> dict[str, int]:
    """Rows each list should have, from the library itself (0 firms: every list empty)."""
    a = evaluate(frame.replace("", None), RULES, as_of=AS_OF)
    counts = {name: int(a.flags.get(name).sum()) for name in FLAG_SHEETS}
    counts["borderline"] = int(sum((r.thin_pass | r.near_miss).sum() for r in a.results.values()))
    counts["firms"] = a.n
    return counts


def _screen(tmp_path: Path, frame: pd.DataFrame, *outputs: str) -> tuple[int, str]:
    source = tmp_path / "pool.csv"
    frame.to_csv(source, index=False)
    result = CliRunner().invoke(main, ["screen", str(source), "--as-of", AS_OF, "--quiet", *outputs])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result.exit_code, result.output


def _headers(sheet: Any) -> list[Any]:
    return [c.value for c in next(sheet.iter_rows(min_row=1, max_row=1))]


@pytest.mark.parametrize("name", ALL_POOLS)
def test_the_cli_writes_every_output(
    name: str, sample: pd.DataFrame, flags: dict[str, npt.NDArray[np.bool_]], tmp_path: Path
) -> None:
    frame = _pool(name, sample, flags)
    expected = _expected(frame)
    for flag in EMPTY[name]:
        assert expected[flag] == 0, (name, flag)
    assert expected["firms"] == (0 if name == "header_only" else 1 if name == "one_firm" else len(frame))
    workbook, report = tmp_path / "筛查结果.xlsx", tmp_path / "报告.html"
    code, output = _screen(tmp_path, frame, "-o", str(workbook), "--html", str(report))
    assert code == 0, output  # every pool is free of input issues
    book = openpyxl.load_workbook(workbook)
    for flag, key in FLAG_SHEETS.items():
        sheet = book[text(key, "zh")]
        assert _headers(sheet)[:3] == [text("col_rank", "zh"), text("col_code", "zh"), text("col_name", "zh")]
        assert sheet.max_row == 1 + expected[flag], (flag, sheet.max_row)
    borderline = book[text("sheet_borderline", "zh")]
    assert _headers(borderline)[:2] == [text("col_code", "zh"), text("col_name", "zh")]
    assert borderline.max_row == 1 + expected["borderline"]
    details = book[text("sheet_details", "zh")]
    assert details.max_row == 1 + expected["firms"]
    assert _headers(details)[:2] == [text("col_code", "zh"), text("col_name", "zh")]
    assert book[text("sheet_issues", "zh")].max_row == 1
    html = report.read_text(encoding="utf-8")
    for section in ("overview", "scores", "heatmap", "lists", "cards", "rules"):
        assert f'<section id="{section}">' in html
    for key in LISTS:
        count = expected[key]
        if count:
            assert f'<table class="list" id="list-{key}">' in html
        else:
            empty = re.search(rf'<p class="empty" id="list-{key}-empty">([^<]*)</p>', html)
            assert empty is not None, key
            assert empty.group(1) == text("list_no_firm", "zh"), key
    assert len(_cards(html)) == expected["firms"]

    code, output = _screen(tmp_path, frame, "-o", str(tmp_path / "结果.csv"))
    assert code == 0, output
    table = pd.read_csv(tmp_path / "结果.csv", encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert len(table) == expected["firms"]
    assert table.columns[:2].tolist() == ["credit_code", "name"]
    assert "flag.at_risk" in table.columns

    code, output = _screen(tmp_path, frame, "-o", str(tmp_path / "结果.jsonl"))
    assert code == 0, output
    lines = (tmp_path / "结果.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == expected["firms"]
    assert all(set(json.loads(line)["flags"]) == {*FLAG_SHEETS, "data_issue"} for line in lines)


def _cards(html: str) -> list[list[Any]]:
    blob = re.search(r'<script type="application/octet-stream" id="card-data">([^<]*)</script>', html)
    assert blob is not None
    rows: list[list[Any]] = json.loads(gzip.decompress(base64.b64decode(blob.group(1).strip())))
    return rows


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app(RULES), base_url="http://127.0.0.1:8765")


def _csv_bytes(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False).encode("utf-8")


def _run_job(client: TestClient, content: bytes, name: str = "pool.csv") -> dict[str, Any]:
    answer = client.post("/jobs", data={"as_of": AS_OF}, files={"file": (name, content)})
    assert answer.status_code == 200, answer.text
    job = answer.json()["id"]
    for _ in range(600):
        status: dict[str, Any] = client.get(f"/jobs/{job}").json()
        if status["stage"] in ("done", "failed"):
            return {"id": job, **status}
        time.sleep(0.05)
    raise AssertionError("the job did not finish")


@pytest.mark.parametrize("name", ALL_POOLS)
def test_the_web_page_and_api_screen_every_pool(
    name: str, sample: pd.DataFrame, flags: dict[str, npt.NDArray[np.bool_]], client: TestClient
) -> None:
    frame = _pool(name, sample, flags)
    expected = _expected(frame)
    status = _run_job(client, _csv_bytes(frame))
    assert status["stage"] == "done", status
    assert status["error"] is None
    job = status["id"]
    workbook = client.get(f"/jobs/{job}/workbook")
    assert workbook.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(workbook.content))
    for flag, key in FLAG_SHEETS.items():
        assert book[text(key, "zh")].max_row == 1 + expected[flag]
    report = client.get(f"/jobs/{job}/report")
    assert report.status_code == 200
    for key in LISTS:
        if not expected[key]:
            assert f'id="list-{key}-empty"' in report.text
    answer = client.post(
        "/api/screen", data={"as_of": AS_OF}, files={"file": ("pool.csv", _csv_bytes(frame))}
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert len(body["firms"]) == expected["firms"]
    assert body["summary"]["flags"] == {**{k: expected[k] for k in FLAG_SHEETS}, "data_issue": 0}


def test_a_bug_after_reading_is_an_internal_error_not_the_users_file(
    monkeypatch: pytest.MonkeyPatch, sample: pd.DataFrame
) -> None:
    def broken(*_: Any, **__: Any) -> Path:
        raise KeyError(0)

    monkeypatch.setattr("eligibility.apps.web.write_workbook", broken)
    client = TestClient(create_app(RULES), base_url="http://127.0.0.1:8765")
    content = _csv_bytes(sample.head(5))
    status = _run_job(client, content)
    assert status["stage"] == "failed"
    assert status["error_kind"] == "internal"
    assert status["error"] == text("web_internal", "zh", detail="KeyError")
    answer = client.post("/api/screen", data={"as_of": AS_OF}, files={"file": ("pool.csv", content)})
    assert answer.status_code == 500
    assert answer.json()["kind"] == "internal"
    # A file the reader cannot use is still the user's: an input error (no header here).
    status = _run_job(client, b"1,2\n3,4\n")
    assert status["stage"] == "failed"
    assert status["error_kind"] == "input"
    answer = client.post("/api/screen", data={"as_of": AS_OF}, files={"file": ("x.csv", b"1,2\n3,4\n")})
    assert answer.status_code == 422
    assert answer.json()["kind"] == "input"


# -- 乡镇（街道） and 服务专员 -------------------------------------------------------------------

TOWNSHIPS = ['=HYPERLINK("http://x")', "<b>北石店镇</b>", "南村镇"]
OFFICERS = ["+张三", "李四", "王五"]


def _with_people(sample: pd.DataFrame, flags: dict[str, npt.NDArray[np.bool_]]) -> pd.DataFrame:
    """A clean pool with the two columns under the headers officers write, cycling three values."""
    frame = sample[~flags["data_issue"]].reset_index(drop=True)
    n = len(frame)
    frame.insert(2, "乡镇", [TOWNSHIPS[i % 3] for i in range(n)])
    frame.insert(3, "服务专员", [OFFICERS[i % 3] for i in range(n)])
    return frame


def test_township_and_officer_reach_every_output(
    sample: pd.DataFrame, flags: dict[str, npt.NDArray[np.bool_]], tmp_path: Path
) -> None:
    frame = _with_people(sample, flags)
    n = len(frame)
    workbook, report = tmp_path / "筛查结果.xlsx", tmp_path / "报告.html"
    code, output = _screen(tmp_path, frame, "-o", str(workbook), "--html", str(report))
    assert code == 0, output

    # Workbook: after the name on every flag sheet and 全部明细, text cells (never a formula).
    book = openpyxl.load_workbook(workbook)
    township, officer = text("col_township", "zh"), text("col_officer", "zh")
    for key in ("sheet_promotion", "sheet_borderline", "sheet_at_risk", "sheet_scale_up", "sheet_details"):
        sheet = book[text(key, "zh")]
        headers = _headers(sheet)
        at = headers.index(text("col_name", "zh"))
        assert headers[at + 1 : at + 3] == [township, officer], key
        assert sheet.max_row > 1, key
    details = book[text("sheet_details", "zh")]
    at = _headers(details).index(township) + 1
    cells = [details.cell(row=r, column=at) for r in range(2, n + 2)]
    assert [c.value for c in cells] == [TOWNSHIPS[i % 3] for i in range(n)]
    assert {c.data_type for c in cells} == {"s"}
    officers = [details.cell(row=r, column=at + 1) for r in range(2, n + 2)]
    assert [c.value for c in officers] == [OFFICERS[i % 3] for i in range(n)]
    assert {c.data_type for c in officers} == {"s"}

    # HTML: the list headings, the values escaped, the cards carry both.
    html = report.read_text(encoding="utf-8")
    assert f"<th>{township}</th><th>{officer}</th>" in html
    assert "<b>北石店镇</b>" not in html
    assert "&lt;b&gt;北石店镇&lt;/b&gt;" in html
    cards = _cards(html)
    assert [c[6] for c in cards] == [TOWNSHIPS[i % 3] for i in range(n)]
    assert [c[7] for c in cards] == [OFFICERS[i % 3] for i in range(n)]

    # CSV: next to the name, formula-looking text with a leading '.
    code, output = _screen(tmp_path, frame, "-o", str(tmp_path / "结果.csv"))
    assert code == 0, output
    table = pd.read_csv(tmp_path / "结果.csv", encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert table.columns[:4].tolist() == ["credit_code", "name", "township", "officer"]
    assert table["township"].tolist()[:3] == ["'" + TOWNSHIPS[0], TOWNSHIPS[1], TOWNSHIPS[2]]
    assert table["officer"].tolist()[:3] == ["'" + OFFICERS[0], OFFICERS[1], OFFICERS[2]]

    # JSON lines: in every firm's record, as given (JSON is not a spreadsheet).
    code, output = _screen(tmp_path, frame, "-o", str(tmp_path / "结果.jsonl"))
    assert code == 0, output
    records = [
        json.loads(line) for line in (tmp_path / "结果.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    assert [r["township"] for r in records] == [TOWNSHIPS[i % 3] for i in range(n)]
    assert [r["officer"] for r in records] == [OFFICERS[i % 3] for i in range(n)]


def test_pools_without_them_get_no_empty_columns(
    sample: pd.DataFrame, flags: dict[str, npt.NDArray[np.bool_]], tmp_path: Path
) -> None:
    frame = _pool("no_issue", sample, flags)
    a = evaluate(frame.replace("", None), RULES, as_of=AS_OF)
    assert "township" not in a.wide().columns
    assert "officer" not in a.firm(0)
    workbook = tmp_path / "筛查结果.xlsx"
    code, output = _screen(tmp_path, frame, "-o", str(workbook))
    assert code == 0, output
    book = openpyxl.load_workbook(workbook)
    assert text("col_township", "zh") not in _headers(book[text("sheet_details", "zh")])
    assert text("col_officer", "zh") not in _headers(book[text("sheet_promotion", "zh")])


def test_the_api_answers_with_township_and_officer(
    sample: pd.DataFrame, flags: dict[str, npt.NDArray[np.bool_]], client: TestClient
) -> None:
    frame = _with_people(sample, flags).head(6)
    answer = client.post(
        "/api/screen", data={"as_of": AS_OF}, files={"file": ("pool.csv", _csv_bytes(frame))}
    )
    assert answer.status_code == 200, answer.text
    firms = answer.json()["firms"]
    assert [f["township"] for f in firms] == [TOWNSHIPS[i % 3] for i in range(6)]
    assert [f["officer"] for f in firms] == [OFFICERS[i % 3] for i in range(6)]
