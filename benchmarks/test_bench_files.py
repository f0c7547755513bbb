"""The goal rows of issue 17 that run file to file or start a process: each command run as its own
process (minimum of 3 runs; peak resident memory of the process from ``wait4``), the in-process ones
timed beside them; ``make bench`` ends with the goal table (``GOALS`` in ``conftest.py``).

The 1M-firm input files are made once in ``/tmp/eligibility-bench`` (``benchmarks/bigfiles.py``);
``ELIGIBILITY_BENCH_FIRMS`` sets another size.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from benchmarks.bigfiles import pool_files
from benchmarks.conftest import goal
from eligibility import evaluate, load_rules
from eligibility.input.chunks import prepare_in_chunks

FIRMS = int(os.environ.get("ELIGIBILITY_BENCH_FIRMS", "1000000"))
AS_OF = "2026-11-26"
RUNS = 3


# Linux carries the forking process's peak (this pytest process, gigabytes after the in-process
# benchmarks) into a child's ru_maxrss across exec. A small launcher forks the command instead, so
# the command's ru_maxrss is its own, and reports the command's exit code and peak in kilobytes.
_LAUNCHER = """
import os, sys
pid = os.fork()
if pid == 0:
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    os.dup2(null, 2)
    os.execvp(sys.argv[1], sys.argv[1:])
_, status, usage = os.wait4(pid, 0)
print(os.waitstatus_to_exitcode(status), usage.ru_maxrss)
"""


def _run(args: list[str]) -> tuple[float, float]:
    """Seconds and peak resident MB of one process."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", _LAUNCHER, *args], capture_output=True, text=True, check=True
    )
    seconds = time.perf_counter() - start
    code, peak_kb = (int(x) for x in done.stdout.split())
    assert code in (0, 1), args  # 1: finished with input issues
    return seconds, peak_kb / 1024


def _best(args: list[str]) -> tuple[float, float]:
    runs = [_run(args) for _ in range(RUNS)]
    return min(s for s, _ in runs), max(m for _, m in runs)


def _screen(source: Path, output: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "eligibility",
        "screen",
        str(source),
        "--as-of",
        AS_OF,
        "-o",
        str(output),
        "-q",
    ]


@pytest.fixture(scope="module")
def files() -> tuple[Path, Path]:
    return pool_files(FIRMS)


def test_csv_to_csv(files: tuple[Path, Path], tmp_path: Path) -> None:
    seconds, peak = _best(_screen(files[0], tmp_path / "out.csv"))
    goal(f"{FIRMS:,} firms, CSV (Chinese headers) → result CSV", seconds, peak, 10.0, 3000.0)


def test_parquet_to_parquet(files: tuple[Path, Path], tmp_path: Path) -> None:
    seconds, peak = _best(_screen(files[1], tmp_path / "out.parquet"))
    goal(f"{FIRMS:,} firms, Parquet → result Parquet", seconds, peak, 6.0, 3000.0)


def test_parquet_to_jsonl_compact(files: tuple[Path, Path], tmp_path: Path) -> None:
    seconds, peak = _best(_screen(files[1], tmp_path / "out.jsonl"))
    goal(f"{FIRMS:,} firms, Parquet → JSONL (compact), whole run", seconds, peak, 30.0, 3000.0)


def test_version() -> None:
    seconds, peak = _best([sys.executable, "-m", "eligibility", "--version"])
    goal("eligibility --version", seconds, peak, 0.4)


def test_load_rules_warm() -> None:
    load_rules()
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        load_rules()
        times.append(time.perf_counter() - start)
    goal("load_rules() warm", min(times), None, 0.15)


def test_evaluate_whole_regime(files: tuple[Path, Path]) -> None:
    rules = load_rules()
    prepared = prepare_in_chunks(files[1], rules, as_of=AS_OF)
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        evaluate(prepared, rules, as_of=AS_OF)
        times.append(time.perf_counter() - start)
    goal(f"evaluate, whole regime, {FIRMS:,} firms, apply", min(times), None, 1.0)
