"""The real server (``eligibility serve`` on 127.0.0.1, uvicorn in a subprocess) under the inputs an
attacker or a busy office sends: a zip bomb, a 200 MB body, parallel uploads. Memory is read from
the server process itself (peak RSS, ``VmHWM``); nothing here times the server."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest

from tests.bombs import lying_copy, zip_bomb

ROOT = Path(__file__).resolve().parents[1]
AS_OF = "2026-11-26"
PEAK_BOUND_MB = 500  # the server's peak RSS while it refuses every hostile input below (measured: 166 MB)

pytestmark = pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc for RSS")


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]
    tmp: Path

    def memory_mb(self, field: str = "VmHWM") -> float:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
        raise AssertionError(field)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    tmp = tmp_path_factory.mktemp("server-tmp")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TMPDIR": str(tmp)}
    command = [
        sys.executable,
        "-m",
        "eligibility",
        "serve",
        "--port",
        str(port),
        "--workers",
        "1",
        "--queue",
        "2",
    ]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                if httpx.get(url + "/", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            raise AssertionError("the server did not start")
        yield Server(url, process, tmp)
    finally:
        process.terminate()
        process.wait(timeout=30)


def _finish(url: str, job: str) -> dict[str, Any]:
    for _ in range(1200):
        answer = httpx.get(f"{url}/jobs/{job}", timeout=30)
        assert answer.status_code == 200, answer.text  # never lost, never expired while waiting
        status = answer.json()
        if status["stage"] in ("done", "failed"):
            return dict(status)
        time.sleep(0.1)
    raise AssertionError("the run did not finish")


def test_a_zip_bomb_is_refused_and_memory_stays_bounded(server: Server, tmp_path: Path) -> None:
    bomb = zip_bomb(tmp_path / "培育库.xlsx")  # 4.3 MB, 1.1 GB unpacked
    liar = lying_copy(bomb, tmp_path / "说谎.xlsx")  # the same, its headers claiming 4 KB
    before = server.memory_mb("VmRSS")
    for path, code in ((bomb, "too_large"), (liar, "unreadable_file")):
        with path.open("rb") as stream:
            answer = httpx.post(
                server.url + "/jobs",
                data={"as_of": AS_OF},
                files={"file": (path.name, stream)},
                headers={"Origin": server.url},
                timeout=60,
            )
        assert answer.status_code == 200, answer.text
        status = _finish(server.url, answer.json()["id"])
        assert status["stage"] == "failed"
        assert status["error_code"] == code
    peak = server.memory_mb()
    print(f"server RSS before {before:.0f} MB, peak {peak:.0f} MB after two zip bombs")
    assert peak < PEAK_BOUND_MB
    assert httpx.get(server.url + "/", timeout=10).status_code == 200  # still serving


def _raw_post(url: str, headers: list[str], body: Iterator[bytes]) -> tuple[int, int]:
    """Send a request by hand, stop at the first byte of an answer: (status, bytes of body sent)."""
    host, port = url.removeprefix("http://").split(":")
    sent = 0
    with socket.create_connection((host, int(port)), timeout=60) as connection:
        head = ["POST /jobs HTTP/1.1", f"Host: {host}:{port}", f"Origin: {url}", *headers, "", ""]
        connection.sendall("\r\n".join(head).encode())
        connection.setblocking(False)
        answer = b""
        for chunk in body:
            with contextlib.suppress(BlockingIOError):
                answer += connection.recv(65536)
            if answer:
                break
            try:
                connection.setblocking(True)
                connection.sendall(chunk)
                connection.setblocking(False)
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += len(chunk)
        connection.setblocking(True)
        while b"\r\n" not in answer:
            more = connection.recv(65536)
            if not more:
                break
            answer += more
    return int(answer.split()[1]), sent


def test_a_200_mb_body_is_cut_at_the_limit(server: Server) -> None:
    megabyte = b"x" * 1_000_000
    boundary = "b0undary"
    part = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n\r\n'
    ).encode()

    def declared() -> Iterator[bytes]:
        yield part
        for _ in range(200):
            yield megabyte

    status, sent = _raw_post(
        server.url,
        [
            f"Content-Type: multipart/form-data; boundary={boundary}",
            f"Content-Length: {200_000_000 + len(part)}",
        ],
        declared(),
    )
    assert status == 413
    assert sent < 100_000_000  # answered long before the body ended

    def chunked() -> Iterator[bytes]:
        for piece in (part, *[megabyte] * 200):
            yield f"{len(piece):x}\r\n".encode() + piece + b"\r\n"

    status, sent = _raw_post(
        server.url,
        [f"Content-Type: multipart/form-data; boundary={boundary}", "Transfer-Encoding: chunked"],
        chunked(),
    )
    assert status == 413
    assert sent < 100_000_000
    assert httpx.get(server.url + "/", timeout=10).status_code == 200
    assert [p for p in server.tmp.rglob("*") if p.is_file()] == []  # nothing spooled was left


def test_parallel_uploads_finish_or_are_told_to_wait(server: Server) -> None:
    """A small load: 6 uploads at once on 1 worker and a queue of 2, and 30 one-firm assessments.
    Every upload gets an id and finishes, or gets 503 with Retry-After; none is lost."""
    sample = (ROOT / "samples" / "pool.xlsx").read_bytes()
    before = server.memory_mb("VmRSS")

    def upload(_: int) -> tuple[int, str]:
        answer = httpx.post(
            server.url + "/jobs",
            data={"as_of": AS_OF},
            files={"file": ("pool.xlsx", sample)},
            headers={"Origin": server.url},
            timeout=60,
        )
        if answer.status_code == 503:
            assert int(answer.headers["retry-after"]) > 0
            return 503, ""
        assert answer.status_code == 200, answer.text
        return 200, str(_finish(server.url, answer.json()["id"])["stage"])

    def assess(_: int) -> int:
        firm = {"firm": {"industry": "工业", "revenue_y1": 3000, "employees_y1": 100}, "as_of": AS_OF}
        return httpx.post(server.url + "/api/assess", json=firm, timeout=60).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        uploads = list(pool.map(upload, range(6)))
        assessed = list(pool.map(assess, range(30)))
    print(f"uploads {uploads}; RSS before {before:.0f} MB, after {server.memory_mb('VmRSS'):.0f} MB")
    assert all(stage == "done" for status, stage in uploads if status == 200)
    assert sum(status == 200 for status, _ in uploads) >= 3  # one running and two waiting at least
    assert assessed == [200] * 30
