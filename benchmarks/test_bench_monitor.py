"""The monitor on the pool database (issue 18): 10,000 update lines over a pool of 10,000 firms,
through the code path of ``eligibility watch --db`` (:class:`~eligibility.apps.watch.PoolMonitor`:
each line merged, assessed, and stored with its alerts and read position in one transaction).
Reports the latency per update (p50, p95) and the resident memory after the warm-up and at the end,
beside the goal (p50 ≤ 20 ms per update, resident memory flat after warm-up).

The pool is made once in ``/tmp/eligibility-bench``; ``ELIGIBILITY_BENCH_MONITOR`` sets another
number of firms and updates.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import time
from pathlib import Path

import numpy as np

from benchmarks.conftest import ROWS, Row, goal
from eligibility.apps.watch import PoolMonitor
from eligibility.pool import Pool
from eligibility.pool.watching import Position, file_identity
from eligibility.synthetic import synthetic_pool

FIRMS = int(os.environ.get("ELIGIBILITY_BENCH_MONITOR", "10000"))
UPDATES = FIRMS
AS_OF = "2026-09-30"
WARM_UP = UPDATES // 10
HERE = Path("/tmp/eligibility-bench")
# What an update changes: figures an officer hears about between two quarterly sheets.
MOVES = ("rd_expense_y1", "revenue_y1", "employees_y1", "rd_staff_y1", "net_profit_y1", "ip_class1_own")


def _rss_mb() -> float:
    """Resident memory of this process now (not its peak)."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


def _pool(n: int) -> Path:
    """A pool database of ``n`` generated firms with one snapshot, made once and copied per run."""
    made = HERE / f"monitor-{n}.sqlite"
    if not made.exists():
        HERE.mkdir(parents=True, exist_ok=True)
        partial = made.with_suffix(".partial")
        partial.unlink(missing_ok=True)
        with Pool(partial, name="基准") as pool:
            pool.add(synthetic_pool(n, seed=18), as_of=AS_OF, label="2026Q3")
        partial.rename(made)
    return made


def _updates(frame_codes: list[str], figures: dict[str, np.ndarray], n: int, path: Path) -> Path:
    rng = np.random.default_rng(18)
    lines = []
    for _ in range(n):
        firm = int(rng.integers(len(frame_codes)))
        field = MOVES[int(rng.integers(len(MOVES)))]
        value = float(figures[field][firm]) * float(rng.uniform(0.85, 1.15))
        rounded: float | int = (
            round(value) if field in ("employees_y1", "rd_staff_y1", "ip_class1_own") else round(value, 1)
        )
        lines.append(json.dumps({"credit_code": frame_codes[firm], field: rounded}, ensure_ascii=False))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_monitor_updates(tmp_path: Path) -> None:
    db = tmp_path / "培育库.sqlite"
    shutil.copy(_pool(FIRMS), db)
    frame = synthetic_pool(FIRMS, seed=18)
    figures = {f: frame[f].to_numpy(dtype=np.float64) for f in MOVES}
    updates = _updates(list(frame["credit_code"]), figures, UPDATES, tmp_path / "更新.jsonl")
    source, identity = str(updates.resolve()), file_identity(updates)
    latency, cpu, alerts = [], [], 0
    with Pool(db) as pool:
        start = pool.watch_start()
        assert start is not None
        watching = PoolMonitor.open(pool, start, None, None, "zh", source)
        offset, warm = 0, 0.0
        with updates.open("rb") as stream:
            for number, raw in enumerate(stream, start=1):
                offset += len(raw)
                position = Position(source, identity, offset, number)
                began, began_cpu = time.perf_counter(), time.process_time()
                outputs = watching.apply(raw.decode("utf-8"), number, position)
                latency.append(time.perf_counter() - began)
                cpu.append(time.process_time() - began_cpu)
                alerts += sum(1 for r in outputs if r["type"] == "alert")
                assert not [r for r in outputs if r["type"] == "error"], outputs
                if number == WARM_UP:
                    warm = _rss_mb()
        end = _rss_mb()
        stored = pool.watch_position(source)
    assert stored is not None
    assert stored.line == UPDATES
    p50, p95 = statistics.median(latency), float(np.percentile(latency, 95))
    cpu50 = statistics.median(cpu)
    note = (
        f"p95 {p95 * 1e3:.1f} ms, CPU p50 {cpu50 * 1e3:.1f} ms; RSS {warm:,.0f} MB after "
        f"{WARM_UP:,} updates, {end:,.0f} MB after {UPDATES:,}; {alerts:,} alerts"
    )
    ROWS.append(
        Row(
            f"monitor, {UPDATES:,} updates over {FIRMS:,} firms",
            "watch --db, p50 per update",
            1,
            p50,
            end,
            note,
        )
    )
    goal(f"watch --db, {UPDATES:,} updates / {FIRMS:,} firms, p50 per update", p50, end, 0.020)
    print(f"\nmonitor: p50 {p50 * 1e3:.1f} ms, {note}")
