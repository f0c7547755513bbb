"""The web page's API through FastAPI's test client: same results as the CLI, readable errors."""

from __future__ import annotations

import io
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from eligibility import load_rules
from eligibility.apps.cli import main
from eligibility.apps.web import create_app
from eligibility.labels import text

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
AS_OF = "2026-11-26"
RULES = load_rules()


LOCAL = "http://127.0.0.1:8765"  # the page's own address: the Host the server answers to


def _local(app: Any) -> TestClient:
    return TestClient(app, base_url=LOCAL)


@pytest.fixture(scope="module")
def client() -> TestClient:
    return _local(create_app(RULES))


def _run_job(client: TestClient, files: dict[str, Any] | None = None, **form: Any) -> dict[str, Any]:
    answer = client.post("/jobs", data={"as_of": AS_OF, **form}, files=files)
    if answer.status_code != 200:
        return {"http": answer.status_code, **answer.json()}
    job = answer.json()["id"]
    for _ in range(400):
        status = client.get(f"/jobs/{job}").json()
        if status["stage"] in ("done", "failed"):
            return {"id": job, **status}
        time.sleep(0.05)
    raise AssertionError("the job did not finish")


def test_page_in_chinese(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert "开始筛查" in page.text
    assert 'href="/template"' in page.text
    template = client.get("/template")
    assert template.status_code == 200
    assert openpyxl.load_workbook(io.BytesIO(template.content)).sheetnames[0] == "企业数据"


def test_api_screen_matches_the_cli(client: TestClient, tmp_path: Path) -> None:
    with (SAMPLES / "pool.xlsx").open("rb") as stream:
        answer = client.post("/api/screen", data={"as_of": AS_OF}, files={"file": ("任意名字.xlsx", stream)})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    cli_out = tmp_path / "cli.csv"
    result = CliRunner().invoke(
        main, ["screen", str(SAMPLES / "pool.xlsx"), "--as-of", AS_OF, "-o", str(cli_out)]
    )
    assert result.exit_code == 1  # the sample's deliberate dirty cells
    cli = pd.read_csv(cli_out, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    web = pd.DataFrame(body["firms"])
    assert len(web) == len(cli) == 300
    for column in [c for c in cli.columns if c.endswith((".status", ".borderline", ".failed"))]:
        assert web[column].fillna("").astype(str).tolist() == cli[column].tolist(), column
    assert body["summary"]["issues"] == {"error": 3, "warning": 28, "info": 0}


def test_page_job_gives_workbook_report_and_explanations(client: TestClient) -> None:
    with (SAMPLES / "pool.xlsx").open("rb") as stream:
        status = _run_job(client, files={"file": ("我的培育库.xlsx", stream)})
    assert status["stage"] == "done", status
    job = status["id"]
    workbook = client.get(f"/jobs/{job}/workbook")
    disposition = workbook.headers["content-disposition"]
    assert "%E7%AD%9B%E6%9F%A5%E7%BB%93%E6%9E%9C-" in disposition  # 筛查结果-<date>-<run>.xlsx
    assert f"-{AS_OF}-" in disposition  # the assessment date, not the day of the run
    assert "%E6%88%91%E7%9A%84" not in disposition  # never the upload's name
    assert "汇总" in openpyxl.load_workbook(io.BytesIO(workbook.content)).sheetnames
    report = client.get(f"/jobs/{job}/report")
    assert "梯度金字塔" in report.text
    code = "911405200BHALT75UL"
    explained = client.get(f"/jobs/{job}/explain", params={"firm": code}).json()
    card = explained["html"]  # the report's firm card, not the terminal's box-drawn table
    assert code in card
    assert card.count("<tr>") == 1 + len(load_rules().tiers)  # a heading row and one row per tier
    assert "┃" not in card
    assert "│" not in card
    assert client.get(f"/jobs/{job}/explain", params={"firm": "没有这家"}).status_code == 404
    assert client.get(f"/jobs/{job}/explain", params={"firm": " "}).status_code == 400
    ambiguous = client.get(f"/jobs/{job}/explain", params={"firm": "有限公司"})
    assert ambiguous.status_code == 409
    assert len(ambiguous.json()["detail"]["candidates"]) == 20


def test_a_bad_date_is_refused_in_the_officers_words(client: TestClient) -> None:
    stream = io.BytesIO(b"name,credit_code\n")
    answer = client.post("/jobs", data={"as_of": "2026-13-40"}, files={"file": ("a.csv", stream, "text/csv")})
    assert answer.status_code == 400
    assert answer.json()["error"] == text("bad_as_of", "zh", value="2026-13-40")


def test_the_explanation_card_escapes_the_firm(client: TestClient) -> None:
    hostile = '<img src=x onerror="alert(1)">{{7*7}}[bold]有限公司'
    frame = pd.DataFrame(
        [
            {
                "统一社会信用代码": "91140500MA0R0UND00",
                "企业名称": hostile,
                "所属行业": "工业",
                "营业收入（万元）": 3000,
            }
        ]
    )
    stream = io.BytesIO(frame.to_csv(index=False).encode("utf-8-sig"))
    status = _run_job(client, files={"file": ("hostile.csv", stream, "text/csv")})
    assert status["stage"] == "done", status
    card = client.get(f"/jobs/{status['id']}/explain", params={"firm": "91140500MA0R0UND00"}).json()["html"]
    assert "<img" not in card
    assert "&lt;img" in card
    assert "{{7*7}}" in card


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("空文件.xlsx", b"", "文件是空的"),
        ("数据.pdf", os.urandom(10 * 1024 * 1024), "不支持的文件类型"),
        ("随机.xlsx", os.urandom(10 * 1024 * 1024), "不是 Excel 工作簿"),
        ("改名.xlsx", "统一社会信用代码,企业名称\n1,甲\n".encode(), "不是 Excel 工作簿"),
    ],
)
def test_bad_uploads_are_refused_in_words(
    client: TestClient, name: str, content: bytes, expected: str
) -> None:
    status = _run_job(client, files={"file": (name, content)})
    assert status["http"] == 400
    assert expected in status["error"]
    assert client.get("/").status_code == 200  # still serving


def test_headerless_and_oversized_tables(tmp_path: Path) -> None:
    small = _local(create_app(RULES, max_bytes=1_000_000, max_rows=100))
    numbers = "\n".join(f"{i},{i * 2}" for i in range(50)).encode()
    status = _run_job(small, files={"file": ("数字.csv", numbers)})
    assert status["stage"] == "failed"
    assert "表头" in status["error"]
    status = _run_job(small, files={"file": ("大.csv", b"x" * 1_500_000)})
    assert "文件过大" in status["error"]
    with (SAMPLES / "pool.xlsx").open("rb") as stream:
        status = _run_job(small, files={"file": ("pool.xlsx", stream)})
    assert status["error_code"] == "too_many_rows"  # counted before the workbook is read
    status = _run_job(small)
    assert "请选择要上传的表格文件" in status["error"]


def test_uploads_leave_no_files_behind(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    client = _local(create_app(RULES))
    with (SAMPLES / "pool.csv").open("rb") as stream:
        status = _run_job(client, files={"file": ("pool.csv", stream)})
    assert status["stage"] == "done"
    client.get("/template")
    assert list(tmp_path.iterdir()) == []


def test_api_assess_and_openapi(client: TestClient) -> None:
    firm = {"credit_code": "91140500000000001P", "industry": "工业", "revenue_y1": 3000, "employees_y1": 100}
    answer = client.post("/api/assess", json={"firm": firm, "as_of": AS_OF})
    assert answer.status_code == 200, answer.text
    record = answer.json()
    assert record["tiers"]["sme_size"]["status"] == "eligible"
    assert record["tiers"]["srdi_sme"]["status"] == "ineligible"
    assert client.post("/api/assess", json={"firm": firm, "as_of": "不是日期"}).status_code == 422
    schema = client.get("/openapi.json").json()
    assert {"/api/screen", "/api/assess"} <= set(schema["paths"])


def test_serve_binds_to_this_computer_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    seen: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: seen.update(options))
    result = CliRunner().invoke(main, ["serve"])
    assert result.exit_code == 0
    assert seen["host"] == "127.0.0.1"
    assert "仅本机可访问" in result.output
    shared = CliRunner().invoke(main, ["serve", "--host", "0.0.0.0"])
    assert "其他电脑也能访问" in shared.output
