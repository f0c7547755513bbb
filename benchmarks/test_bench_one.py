"""One firm at a time: ``assess_one`` on the whole regime, its median per call beside the goal of
issue 17 (≤ 2 ms), for a firm of four figures and for a full firm (every field of the catalogue that
the rule sets read, as the monitor and the web page's form pass them)."""

from __future__ import annotations

import statistics
import time
from typing import Any

import pytest

from benchmarks.conftest import goal
from eligibility import assess_one, load_rules
from tests.conftest import base_firm

AS_OF = "2026-11-26"  # the 2号 regime in force
CALLS = 200
RUNS = 3

FIRMS = {
    "four figures": {"revenue_y1": 3000, "rd_expense_y1": 120, "employees_y1": 80, "industry": "工业"},
    "full firm": base_firm(),
}


@pytest.mark.parametrize("kind", list(FIRMS))
def test_assess_one(benchmark: Any, kind: str) -> None:
    rules = load_rules()
    firm = FIRMS[kind]
    assess_one(firm, rules, as_of=AS_OF)  # the rule set's one-firm plan is built on the first call
    medians = []
    for _ in range(RUNS):  # the median of each run of calls, the best of the runs (a shared machine)
        times = []
        for _ in range(CALLS):
            start = time.perf_counter()
            assess_one(firm, rules, as_of=AS_OF)
            times.append(time.perf_counter() - start)
        medians.append(statistics.median(times))
    benchmark.pedantic(assess_one, args=(firm, rules), kwargs={"as_of": AS_OF}, rounds=3, iterations=1)
    goal(f"assess_one, one firm ({kind}), whole regime (median)", min(medians), None, 0.002)
