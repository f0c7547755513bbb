"""Only the page itself may use the server, and it shares work fairly: origin, host and token
checks, the body limit, security headers, the queue and the results budget, hostile text and
dates — through FastAPI's test client, requests shaped as a browser sends them."""

from __future__ import annotations

import io
import re
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from eligibility import load_rules
from eligibility.apps.guard import COOKIE, TOKEN_HEADER
from eligibility.apps.web import create_app

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
AS_OF = "2026-11-26"
RULES = load_rules()
OWN = "http://127.0.0.1:8765"
EVIL = "http://evil.example"


def _client(**options: Any) -> TestClient:
    return TestClient(create_app(RULES, **options), base_url=OWN)


@pytest.fixture(scope="module")
def client() -> TestClient:
    return _client()


def _sample() -> bytes:
    return (SAMPLES / "pool.csv").read_bytes()


def _upload(client: TestClient, path: str, headers: dict[str, str], **form: str) -> Any:
    return client.post(
        path,
        data={"as_of": AS_OF, **form},
        files={"file": ("pool.csv", _sample(), "text/csv")},
        headers=headers,
    )


def _finish(client: TestClient, job: str) -> dict[str, Any]:
    for _ in range(600):
        status = client.get(f"/jobs/{job}").json()
        if status.get("stage") in ("done", "failed"):
            return dict(status)
        time.sleep(0.05)
    raise AssertionError("the run did not finish")


@pytest.mark.parametrize("path", ["/jobs", "/api/screen"])
@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": EVIL},
        {"Origin": "null"},  # a sandboxed frame or a page with no-referrer
        {"Referer": EVIL + "/page.html"},
        {"Origin": "http://127.0.0.1:9999"},  # another port of this computer is another site
    ],
)
def test_a_foreign_page_cannot_post(client: TestClient, path: str, headers: dict[str, str]) -> None:
    answer = _upload(client, path, headers)
    assert answer.status_code == 403
    assert answer.json()["error"]


@pytest.mark.parametrize("headers", [{"Origin": OWN}, {"Referer": OWN + "/"}, {}])
def test_the_page_and_programs_can_post(client: TestClient, headers: dict[str, str]) -> None:
    answer = _upload(client, "/jobs", headers)
    assert answer.status_code == 200, answer.text
    assert _finish(client, answer.json()["id"])["stage"] == "done"


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8765", "127.0.0.1.evil.example", ""])
def test_a_foreign_host_is_refused(client: TestClient, host: str) -> None:
    """DNS rebinding: a page of evil.example whose name now points at 127.0.0.1."""
    assert client.get("/", headers={"Host": host}).status_code == 400
    assert client.post("/api/assess", json={}, headers={"Host": host}).status_code == 400
    for own in ("127.0.0.1:8765", "localhost:8765", "[::1]:8765"):
        assert client.get("/", headers={"Host": own}).status_code == 200


def test_security_headers_and_the_sandboxed_report(client: TestClient) -> None:
    page = client.get("/")
    csp = page.headers["content-security-policy"]
    nonce = re.search(r"'nonce-([^']+)'", csp)
    assert nonce is not None
    assert f'<script nonce="{nonce.group(1)}">' in page.text  # the page's only script runs
    assert "frame-ancestors 'none'" in csp
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["referrer-policy"] == "same-origin"
    assert 'sandbox="allow-scripts"' in page.text
    job = _upload(client, "/jobs", {"Origin": OWN}).json()["id"]
    assert _finish(client, job)["stage"] == "done"
    report = client.get(f"/jobs/{job}/report")
    assert "sandbox allow-scripts" in report.headers["content-security-policy"]
    assert report.headers["x-frame-options"] == "SAMEORIGIN"
    assert client.get(f"/jobs/{job}").headers["x-content-type-options"] == "nosniff"
    assert "default-src 'none'" in client.get(f"/jobs/{job}").headers["content-security-policy"]


def test_beyond_loopback_the_token_is_needed() -> None:
    shared = _client(host="0.0.0.0", token="s3cret-token")
    firm = {"firm": {"revenue_y1": 3000}, "as_of": AS_OF}
    assert shared.post("/api/assess", json=firm).status_code == 401
    assert shared.post("/api/assess", json=firm, headers={TOKEN_HEADER: "wrong"}).status_code == 401
    assert shared.post("/api/assess", json=firm, headers={TOKEN_HEADER: "s3cret-token"}).status_code == 200
    assert _upload(shared, "/jobs", {"Origin": OWN}).status_code == 401
    page = shared.get("/")  # the page asks for the token, and shows nothing else
    assert page.status_code == 200
    assert 'name="token"' in page.text
    assert 'id="file"' not in page.text
    assert shared.post("/login", data={"token": "wrong"}, headers={"Origin": OWN}).status_code == 401
    assert shared.post("/login", data={"token": "s3cret-token"}, headers={"Origin": EVIL}).status_code == 403
    entered = shared.post(
        "/login", data={"token": "s3cret-token"}, headers={"Origin": OWN}, follow_redirects=False
    )
    assert entered.status_code == 303
    cookie = entered.headers["set-cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie or "SameSite=Strict" in cookie
    assert 'id="file"' in shared.get("/").text  # the cookie is kept by the client
    answer = _upload(shared, "/jobs", {"Origin": OWN})
    assert answer.status_code == 200, answer.text
    assert _finish(shared, answer.json()["id"])["stage"] == "done"
    shared.cookies.delete(COOKIE)
    assert shared.get("/jobs/" + answer.json()["id"]).status_code == 401


def test_a_shared_server_without_a_token_gets_one() -> None:
    app = create_app(RULES, host="0.0.0.0")
    assert len(app.state.token) >= 16
    shared = TestClient(app, base_url=OWN)
    assert shared.post("/api/assess", json={"firm": {}, "as_of": AS_OF}).status_code == 401


def test_the_body_is_limited_while_it_streams(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    small = _client(max_bytes=1_000_000)
    declared = small.post(
        "/jobs",
        content=b"x" * 10,
        headers={"Content-Length": str(200_000_000), "Content-Type": "multipart/form-data; boundary=b"},
    )
    assert declared.status_code == 413
    assert "200.0 MB" in declared.json()["error"]  # the real size, from Content-Length

    def chunks() -> Iterator[bytes]:
        yield b'--b\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n\r\n'
        for _ in range(200):  # 200 MB if it were all read
            yield b"x" * 1_000_000

    streamed = small.post(
        "/jobs", content=chunks(), headers={"Content-Type": "multipart/form-data; boundary=b"}
    )
    assert streamed.status_code == 413
    assert list(tmp_path.iterdir()) == []


def test_the_queue_is_bounded_and_loses_no_run() -> None:
    client = _client(workers=1, queue=1)
    service = client.app.state.service  # type: ignore[attr-defined]
    release = threading.Event()
    screen = service.screen

    def slow(*args: Any) -> None:
        release.wait(30)
        screen(*args)

    service.screen = slow
    first = _upload(client, "/jobs", {}).json()["id"]
    for _ in range(100):  # the first run leaves the queue for the worker
        if client.get(f"/jobs/{first}").json()["position"] == 0:
            break
        time.sleep(0.02)
    second = _upload(client, "/jobs", {}).json()
    assert second["position"] == 1
    assert client.get(f"/jobs/{second['id']}").json()["stage_words"]  # its place, in words
    busy = _upload(client, "/jobs", {})
    assert busy.status_code == 503
    assert int(busy.headers["retry-after"]) > 0
    assert busy.json()["error"]
    assert _upload(client, "/api/screen", {}).status_code == 503  # the API waits in the same queue
    release.set()
    assert _finish(client, first)["stage"] == "done"
    assert _finish(client, second["id"])["stage"] == "done"


def test_finished_results_are_kept_within_a_budget() -> None:
    client = _client(workers=1, keep_bytes=1)  # every result is above the budget
    first = _upload(client, "/jobs", {}).json()["id"]
    assert _finish(client, first)["stage"] == "done"
    assert client.get(f"/jobs/{first}/workbook").status_code == 200  # the newest is kept
    second = _upload(client, "/jobs", {}).json()["id"]
    assert _finish(client, second)["stage"] == "done"
    expired = client.get(f"/jobs/{first}")
    assert expired.status_code == 410  # the oldest went first, and the page says so
    assert expired.json()["detail"]
    assert client.get("/jobs/0123456789abcdef").status_code == 404  # never existed


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "2300-01-01"])
def test_dates_outside_the_years_assessed_are_422(client: TestClient, day: str) -> None:
    firm = {"firm": {"revenue_y1": 3000}, "as_of": day}
    assert client.post("/api/assess", json=firm).status_code == 422
    assert _upload(client, "/jobs", {}, as_of=day).status_code == 422
    assert _upload(client, "/api/screen", {}, as_of=day).status_code == 422


@pytest.mark.parametrize(
    "firm",
    [
        {"revenue_y1": "1e309"},
        {"revenue_y1": "inf"},
        {"revenue_y1": [1, 2]},
        {"revenue_y1": {"a": 1}},
        {"established_on": "9999-99-99"},
        {"expiry_date": "0001-01-01"},
        {"name": "[bold red]恶意[/]\x1b[31m公司\x07", "credit_code": "x" * 40_000},
        {"": None, "\x00": "\x00"},
    ],
)
def test_odd_values_are_never_a_500(client: TestClient, firm: dict[str, Any]) -> None:
    answer = client.post("/api/assess", json={"firm": firm, "as_of": AS_OF})
    assert answer.status_code in (200, 422), answer.text


def test_hostile_names_through_the_page(client: TestClient) -> None:
    names = ["[bold red]恶意[/]公司", "\x1b[31m红字\x07公司\x1b]0;窗口标题\x07", "恶意[/]公司"]
    frame = pd.DataFrame(
        [
            {"统一社会信用代码": f"91140500MA0R0UND{k:02d}", "企业名称": name, "营业收入（万元）": 3000}
            for k, name in enumerate(names)
        ]
    )
    stream = io.BytesIO(frame.to_csv(index=False).encode("utf-8-sig"))
    job = client.post(
        "/jobs", data={"as_of": AS_OF}, files={"file": ("hostile.csv", stream, "text/csv")}
    ).json()["id"]
    assert _finish(client, job)["stage"] == "done"
    for k in range(len(names)):
        card = client.get(f"/jobs/{job}/explain", params={"firm": f"91140500MA0R0UND{k:02d}"})
        assert card.status_code == 200
    first = client.get(f"/jobs/{job}/explain", params={"firm": "91140500MA0R0UND00"}).json()["html"]
    assert "[bold red]恶意[/]公司" in first  # markup shown as written, never interpreted
    ambiguous = client.get(f"/jobs/{job}/explain", params={"firm": "[/]"})  # two names hold it
    assert ambiguous.status_code == 409
    listed = {c["name"] for c in ambiguous.json()["detail"]["candidates"]}
    assert listed == {"[bold red]恶意[/]公司", "恶意[/]公司"}
    assert client.get(f"/jobs/{job}/report").status_code == 200
