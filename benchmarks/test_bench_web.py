"""The web page under a busy office's load, on 127.0.0.1: 20 parallel uploads of the sample and 200
one-firm assessments against ``eligibility serve`` (defaults: a worker per core, a queue of 8) in a
subprocess. Every upload finishes or is told to wait (503, Retry-After); none is lost. The table gets
p50 / p95 latencies and the server's peak RSS; nothing is asserted about time.

Run with ``make bench``; it stops by itself (every request has a timeout)."""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest

from benchmarks.conftest import ROWS, Row

ROOT = Path(__file__).resolve().parents[1]
AS_OF = "2026-11-26"
UPLOADS = 20
ASSESSMENTS = 200
GROUP = f"web page: {UPLOADS} parallel uploads of the sample (300 firms), {ASSESSMENTS} /api/assess"


def _peak_mb(pid: int, field: str = "VmHWM") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[str, int]]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-m", "eligibility", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                httpx.get(url, timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        yield url, process.pid
    finally:
        process.terminate()
        process.wait(timeout=30)


def _quantiles(seconds: list[float]) -> tuple[float, float]:
    if len(seconds) < 2:
        return (seconds[0], seconds[0]) if seconds else (float("nan"), float("nan"))
    cuts = statistics.quantiles(seconds, n=20, method="inclusive")
    return statistics.median(seconds), cuts[18]


def test_web_under_load(benchmark: Any, server: tuple[str, int]) -> None:
    url, pid = server
    sample = (ROOT / "samples" / "pool.xlsx").read_bytes()
    before = _peak_mb(pid, "VmRSS")
    outcome: dict[str, Any] = {}

    def upload(_: int) -> tuple[str, float]:
        start = time.perf_counter()
        answer = httpx.post(
            url + "/jobs", data={"as_of": AS_OF}, files={"file": ("pool.xlsx", sample)}, timeout=120
        )
        if answer.status_code == 503:
            return "busy", time.perf_counter() - start
        job = answer.json()["id"]
        for _ in range(3000):
            status = httpx.get(f"{url}/jobs/{job}", timeout=60)
            if status.status_code != 200:
                return f"lost {status.status_code}", time.perf_counter() - start
            if status.json()["stage"] in ("done", "failed"):
                return status.json()["stage"], time.perf_counter() - start
            time.sleep(0.2)
        return "timeout", time.perf_counter() - start

    def assess(_: int) -> tuple[int, float]:
        start = time.perf_counter()
        firm = {"firm": {"industry": "工业", "revenue_y1": 3000, "employees_y1": 100}, "as_of": AS_OF}
        answer = httpx.post(url + "/api/assess", json=firm, timeout=120)
        return answer.status_code, time.perf_counter() - start

    def run() -> None:
        with ThreadPoolExecutor(max_workers=UPLOADS) as pool:
            uploads = pool.map(upload, range(UPLOADS))
            assessed = list(pool.map(assess, range(ASSESSMENTS)))
            outcome["uploads"] = list(uploads)
        outcome["assessed"] = assessed

    benchmark.pedantic(run, rounds=1, iterations=1)
    peak = _peak_mb(pid)
    uploads, assessed = outcome["uploads"], outcome["assessed"]
    done = [s for stage, s in uploads if stage == "done"]
    busy = sum(stage == "busy" for stage, _ in uploads)
    lost = [stage for stage, _ in uploads if stage not in ("done", "busy")]
    p50, p95 = _quantiles(done)
    a50, a95 = _quantiles([s for _, s in assessed])
    after = _peak_mb(pid, "VmRSS")
    note = f"503 (told to wait): {busy}, lost: {len(lost)}; RSS before {before:.0f} MB, after {after:.0f} MB"
    ROWS.append(
        Row(
            GROUP, f"engine: uploads done, p50 {p50:.1f} s, p95 {p95:.1f} s", 300 * len(done), p50, peak, note
        )
    )
    ROWS.append(Row(GROUP, f"/api/assess: p50 {a50 * 1000:.0f} ms, p95 {a95 * 1000:.0f} ms", 1, a50, None))
    assert lost == []
    assert [code for code, _ in assessed] == [200] * ASSESSMENTS
