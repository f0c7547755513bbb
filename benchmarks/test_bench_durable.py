"""The durable_rules backend on a pool in one call: 10,000 firms, side by side with the numpy engine on
the same firms, firms per second and peak memory (issue 17, item 5).

The backend asserts one fact per firm and test (about 330 a firm for the 63号 regime), in batches
whose sessions are deleted once decided, so its memory does not grow with the pool. Its peak memory
is the growth of the C heap in use during the call (glibc's ``mallinfo2``, sampled every 10 ms): the
engine allocates in C, where tracemalloc does not look. The numpy engine is measured the same way.

The goal row: the run finishes in bounded memory, at the rate of the raw durable_rules driver the
issue quotes (4,800 firms/s, so about 2.1 s for 10,000 firms) as the seconds goal, and 1 GB as the
memory bound (the engine's batches take a few MB; the rest is the core's columns). The seconds goal
is not within reach of any driver that asserts a fact per firm and test through durable_rules'
Python host: the table shows by how much, and the facts per second that set the pace.
"""

from __future__ import annotations

import ctypes
import functools
import resource
import threading
from collections.abc import Callable
from typing import Any

import pandas as pd

from benchmarks.conftest import goal, record
from eligibility import evaluate, load_rules
from eligibility.backends.durable import durable_decisions
from eligibility.columns import Prepared
from eligibility.input.prepare import prepare
from eligibility.synthetic import synthetic_pool

FIRMS = 10_000
AS_OF = "2026-03-31"  # the regime of the other evaluation benchmarks
RULES = load_rules()
GROUP = f"durable_rules backend, {FIRMS:,} firms in one call"
RAW_DRIVER_RATE = 4_800  # firms per second, issue 17's figure for the raw durable_rules driver
GOAL_MB = 1_000.0


@functools.cache
def pool() -> pd.DataFrame:
    return synthetic_pool(FIRMS, seed=7)


@functools.cache
def prepared() -> Prepared:
    return prepare(pool(), RULES)


class _MallInfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in (
            "arena",
            "ordblks",
            "smblks",
            "hblks",
            "hblkhd",
            "usmblks",
            "fsmblks",
            "uordblks",
            "fordblks",
            "keepcost",
        )
    ]


def _heap_reader() -> Callable[[], int]:
    """Bytes of the C heap in use (glibc's ``mallinfo2``: heap chunks and mapped blocks), which holds
    numpy's buffers and the engine's state alike; the resident set where glibc is not there."""
    try:
        mallinfo2 = ctypes.CDLL(None).mallinfo2
    except (OSError, AttributeError):
        return lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    mallinfo2.restype = _MallInfo2

    def in_use() -> int:
        info = mallinfo2()
        return int(info.uordblks + info.hblkhd)

    return in_use


def peak_growth_mb(run: Callable[[], Any]) -> float:
    """How far the memory in use grew above its level at the start while ``run`` ran (sampled every
    10 ms, and at the end)."""
    in_use = _heap_reader()
    start = in_use()
    peak = [start]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.01):
            peak[0] = max(peak[0], in_use())

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        run()
    finally:
        done.set()
        sampler.join()
    return (max(peak[0], in_use()) - start) / 1e6


def test_numpy_engine(benchmark: Any) -> None:
    data = prepared()
    benchmark.group = GROUP
    run = functools.partial(evaluate, data, RULES, as_of=AS_OF)
    result = benchmark.pedantic(run, rounds=3, iterations=1, warmup_rounds=1)
    assert result.n == FIRMS
    record(benchmark, GROUP, "engine (numpy), whole regime", FIRMS, peak_growth_mb(run))


def test_durable_backend(benchmark: Any) -> None:
    data = prepared()
    benchmark.group = GROUP
    decider = durable_decisions()
    evaluate(prepare(pool().iloc[:5], RULES), RULES, as_of=AS_OF, backend="durable")  # compile the rulesets
    asserted = decider.asserted
    results: list[Any] = []
    memory: list[float] = []

    def run() -> None:
        call = functools.partial(evaluate, data, RULES, as_of=AS_OF, backend="durable")
        memory.append(peak_growth_mb(lambda: results.append(call())))

    benchmark.pedantic(run, rounds=1, iterations=1)  # about a minute: one round
    facts = decider.asserted - asserted
    seconds = float(benchmark.stats.stats.min)
    note = f"{facts / FIRMS:.0f} facts a firm, {facts / seconds:,.0f} facts/s, batches of {decider.batch}"
    record(benchmark, GROUP, "durable_rules backend (batches, sessions deleted)", FIRMS, memory[0], note)
    goal(GROUP, seconds, memory[0], FIRMS / RAW_DRIVER_RATE, GOAL_MB)
    core = evaluate(data, RULES, as_of=AS_OF)  # the same firms decided alike, every tier
    for tier, tiered in core.results.items():
        assert (results[0].results[tier].status == tiered.status).all(), tier
