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


@dataclass
class Goal:
    run: str
    seconds: float
    peak_mb: float | None
    goal_seconds: float
    goal_mb: float | None
    unit: str = "s"  # "×": a ratio of two timings; "MB": a file's size; shown in the seconds column


GOALS: list[Goal] = []

# Goal rows of issue 17 that the benchmarks do not measure yet, said as such in the table.
NOT_MEASURED = []


def goal(
    run: str,
    seconds: float,
    peak: float | None,
    goal_seconds: float,
    goal_mb: float | None = None,
    unit: str = "s",
) -> None:
    """One row of the goal table: the best time (and peak memory) of a run beside its goal; with
    ``unit="×"``, a ratio of two timings beside the ratio wanted; with ``"MB"``, a file's size."""
    GOALS.append(Goal(run, seconds, peak, goal_seconds, goal_mb, unit))


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
    record_seconds(group, approach, firms, float(benchmark.stats.stats.min), memory, note)


def record_seconds(
    group: str, approach: str, firms: int, seconds: float, memory: float | None = None, note: str = ""
) -> None:
    """Keep a best time measured by the benchmark itself (runs interleaved side by side)."""
    ROWS.append(Row(group, approach, firms, seconds, memory, note))


def _goal_table(write: Callable[[str], None]) -> None:
    write("")
    write("Goals of issue 17 (best of the runs; whole processes for the file-to-file rows)")
    write(f"  {'run':<58} {'seconds':>9} {'peak MB':>9} {'goal':>18} {'× goal':>7}")
    for g in GOALS:
        memory = f"{g.peak_mb:,.0f}" if g.peak_mb is not None else "—"
        wanted = f"≤ {g.goal_seconds:g} {g.unit}" + (f", {g.goal_mb:,.0f} MB" if g.goal_mb else "")
        shown = f"{g.seconds:>9.3f}" if g.unit == "s" else f"{g.seconds:>8.2f}{g.unit}"
        ratio = g.seconds / g.goal_seconds
        if g.goal_mb and g.peak_mb:
            ratio = max(ratio, g.peak_mb / g.goal_mb)
        write(f"  {g.run:<58} {shown} {memory:>9} {wanted:>18} {ratio:>7.2f}")
    for run, wanted in NOT_MEASURED:
        write(f"  {run:<58} {'not run':>9} {'':>9} {wanted:>18}")


def pytest_terminal_summary(terminalreporter: Any) -> None:
    write = terminalreporter.write_line
    if GOALS:
        _goal_table(write)
    if not ROWS:
        return
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
                f"{base_rate / rate:>9.3g}" + (f"  {r.note}" if r.note else "")
            )


@pytest.fixture
def remember() -> Callable[..., None]:
    return record
