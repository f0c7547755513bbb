"""Whole-regime evaluation at 10k, 100k and 1M synthetic firms, side by side with: the durable_rules
backend, a row-by-row evaluation (the engine on one firm at a time), and hand-written numpy for
专精特新 (63号: score and eligibility, complete data, from the typed input columns; the 2号 yardsticks,
statuses with missing data in numpy and polars, are in ``test_bench_yardsticks.py``). Run with
``make bench``; the closing table gives firms per second, peak memory and ratios. Every approach
starts from the same typed columns.

The durable_rules backend and the row-by-row evaluation take tens of milliseconds per firm; they are
timed on the first 200 firms of each pool and reported per firm (their rate does not depend on the
pool size: each firm is its own session or frame).
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import pandas as pd
import pytest

from benchmarks.conftest import peak_mb, record
from benchmarks.handwritten import category_codes, srdi_2022
from eligibility import assess_one, evaluate, load_rules
from eligibility.backends.durable import durable_decisions
from eligibility.columns import Prepared
from eligibility.input.prepare import prepare
from eligibility.scoring.logic import Status
from eligibility.synthetic import synthetic_pool

SIZES = [10_000, 100_000, 1_000_000]
AS_OF = "2026-03-31"  # the 63号 regime: the hand-written yardstick encodes 63号 annex 2
RULES = load_rules()
SLOW = 200  # firms timed for the one-firm-at-a-time approaches


@functools.cache
def pool(n: int) -> pd.DataFrame:
    return synthetic_pool(n, seed=7)


@functools.cache
def prepared(n: int) -> Prepared:
    return prepare(pool(n), RULES)


def test_handwritten_agrees_with_the_engine() -> None:
    data = prepared(SIZES[0])
    assessment = evaluate(data, RULES, as_of=AS_OF)
    score, eligible = srdi_2022(data.columns, category_codes(RULES))
    low, _ = assessment.results["srdi_sme"].points.total  # type: ignore[union-attr]
    np.testing.assert_array_equal(low, score)
    np.testing.assert_array_equal(assessment.results["srdi_sme"].status == Status.PASS, eligible)


@pytest.mark.parametrize("n", SIZES)
def test_engine_whole_regime(benchmark: Any, n: int) -> None:
    data = prepared(n)
    benchmark.group = f"{n:>9,} firms"
    run = functools.partial(evaluate, data, RULES, as_of=AS_OF)
    result = benchmark.pedantic(run, rounds=3, iterations=1, warmup_rounds=1)
    assert result.n == n
    record(benchmark, f"{n:,} firms", "engine, whole regime (7 tiers, flags, gaps)", n, peak_mb(run))


@pytest.mark.parametrize("n", SIZES)
def test_engine_with_wide_table(benchmark: Any, n: int) -> None:
    data = prepared(n)
    benchmark.group = f"{n:>9,} firms"
    result = benchmark.pedantic(lambda: evaluate(data, RULES, as_of=AS_OF).wide(), rounds=3, iterations=1)
    assert len(result) == n
    record(benchmark, f"{n:,} firms", "engine + output-contract wide table", n)


@pytest.mark.parametrize("n", SIZES)
def test_engine_srdi_only(benchmark: Any, n: int) -> None:
    data = prepared(n)
    benchmark.group = f"{n:>9,} firms"
    run = functools.partial(evaluate, data, RULES, as_of=AS_OF, tiers=["srdi_sme"])
    result = benchmark.pedantic(run, rounds=3, iterations=1, warmup_rounds=1)
    assert "srdi_sme" in result.results
    record(benchmark, f"{n:,} firms", "engine, 专精特新 only (+ size class)", n, peak_mb(run))


@pytest.mark.parametrize("n", SIZES)
def test_handwritten_numpy_srdi(benchmark: Any, n: int) -> None:
    data = prepared(n)
    table = category_codes(RULES)
    benchmark.group = f"{n:>9,} firms"

    def run() -> Any:  # from the typed input columns: the hand-written code derives its own ratios
        return srdi_2022(data.columns, table)

    score, _ = benchmark.pedantic(run, rounds=3, iterations=1, warmup_rounds=1)
    assert len(score) == n
    record(
        benchmark,
        f"{n:,} firms",
        "hand-written numpy, 专精特新 63号 (points, complete data)",
        n,
        peak_mb(run),
    )


@pytest.mark.parametrize("n", SIZES)
def test_durable_rules_backend(benchmark: Any, n: int) -> None:
    firms = pool(n).iloc[:SLOW].reset_index(drop=True)
    benchmark.group = f"{n:>9,} firms"
    decider = durable_decisions()
    evaluate(firms.iloc[:5], RULES, as_of=AS_OF, backend="durable")  # compile the rulesets once
    decider.forget_all()
    run = functools.partial(evaluate, firms, RULES, as_of=AS_OF, backend="durable")
    result = benchmark.pedantic(run, rounds=1, iterations=1, teardown=decider.forget_all)
    assert result.n == SLOW
    record(benchmark, f"{n:,} firms", "durable_rules backend, one firm at a time", SLOW, note=f"first {SLOW}")


@pytest.mark.parametrize("n", SIZES)
def test_row_by_row(benchmark: Any, n: int) -> None:
    records = pool(n).iloc[:SLOW].to_dict("records")
    benchmark.group = f"{n:>9,} firms"

    def run() -> list[dict[str, Any]]:
        return [assess_one(firm, RULES, as_of=AS_OF) for firm in records]  # the naive loop

    result = benchmark.pedantic(run, rounds=1, iterations=1)
    assert len(result) == SLOW
    record(benchmark, f"{n:,} firms", "row by row (the engine on one firm each)", SLOW, note=f"first {SLOW}")
