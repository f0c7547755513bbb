"""The side-by-side table: every benchmark records firms per second (or seconds) and peak memory,
and ``make bench`` ends with one table per group with the ratios to the engine."""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest


@dataclass
class Row:
    group: str
    approach: str
    firms: int
    seconds: float
    peak_mb: float | None
    note: str = ""


ROWS: list[Row] = []


def peak_mb(run: Callable[[], Any]) -> float:
    """Peak memory allocated while ``run`` runs (tracemalloc sees numpy and pandas buffers too)."""
    tracemalloc.start()
    try:
        run()
        return tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()


def record(
    benchmark: Any, group: str, approach: str, firms: int, memory: float | None = None, note: str = ""
) -> None:
    """Keep the best time of a benchmark for the closing table."""
    seconds = float(benchmark.stats.stats.min)
    ROWS.append(Row(group, approach, firms, seconds, memory, note))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not ROWS:
        return
    write = terminalreporter.write_line
    write("")
    write("Side by side (best of the rounds; ratio = engine's firms per second ÷ this approach's)")
    for group in dict.fromkeys(r.group for r in ROWS):
        rows = [r for r in ROWS if r.group == group]
        reference = next((r for r in rows if r.approach.startswith("engine")), rows[0])
        base_rate = reference.firms / reference.seconds
        write("")
        write(f"{group}")
        write(
            f"  {'approach':<46} {'firms':>9} {'seconds':>9} {'firms/s':>13} {'peak MB':>9} {'engine ×':>9}"
        )
        for r in rows:
            rate = r.firms / r.seconds if r.seconds else float("inf")
            memory = f"{r.peak_mb:,.0f}" if r.peak_mb is not None else "—"
            write(
                f"  {r.approach:<46} {r.firms:>9,} {r.seconds:>9.3f} {rate:>13,.0f} {memory:>9} "
                f"{base_rate / rate:>9.1f}" + (f"  {r.note}" if r.note else "")
            )


@pytest.fixture
def remember() -> Callable[..., None]:
    return record
