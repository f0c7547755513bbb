"""Whole-regime evaluation at 10k, 100k and 1M synthetic firms, beside hand-written numpy for 专精特新.

Run with ``make bench``. Both sides start from the same typed columns, so the comparison is the rule
engine (every tier of the 63号 regime with statuses, scores, intervals, borderline, gaps, flags) against
one tier hand-coded without unknowns, margins or trace.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import pytest

from benchmarks.handwritten import category_codes, srdi_2022
from eligibility import evaluate, load_rules
from eligibility.ingest import Prepared, prepare
from eligibility.scoring.engine import derive_columns
from eligibility.scoring.logic import Status
from eligibility.synthetic import synthetic_pool

SIZES = [10_000, 100_000, 1_000_000]
AS_OF = "2026-03-31"
RULES = load_rules()


@functools.cache
def prepared(n: int) -> Prepared:
    return prepare(synthetic_pool(n, seed=7), RULES)


def test_handwritten_agrees_with_the_engine() -> None:
    data = prepared(SIZES[0])
    assessment = evaluate(data, RULES, as_of=AS_OF)
    score, eligible = srdi_2022(derive_columns(RULES, data.columns, data.n), category_codes(RULES))
    low, _ = assessment.results["srdi_sme"].points.total  # type: ignore[union-attr]
    np.testing.assert_array_equal(low, score)
    np.testing.assert_array_equal(assessment.results["srdi_sme"].status == Status.PASS, eligible)


@pytest.mark.parametrize("n", SIZES)
def test_engine_whole_regime(benchmark: Any, n: int) -> None:
    data = prepared(n)
    benchmark.group = f"{n:>9,} firms"
    benchmark.extra_info["firms"] = n
    result = benchmark.pedantic(
        lambda: evaluate(data, RULES, as_of=AS_OF), rounds=3, iterations=1, warmup_rounds=1
    )
    assert result.n == n


@pytest.mark.parametrize("n", SIZES)
def test_engine_with_wide_table(benchmark: Any, n: int) -> None:
    data = prepared(n)
    benchmark.group = f"{n:>9,} firms"
    benchmark.extra_info["firms"] = n
    result = benchmark.pedantic(lambda: evaluate(data, RULES, as_of=AS_OF).wide(), rounds=3, iterations=1)
    assert len(result) == n


@pytest.mark.parametrize("n", SIZES)
def test_handwritten_numpy_srdi(benchmark: Any, n: int) -> None:
    data = prepared(n)
    table = category_codes(RULES)
    benchmark.group = f"{n:>9,} firms"
    benchmark.extra_info["firms"] = n
    score, _ = benchmark.pedantic(
        lambda: srdi_2022(derive_columns(RULES, data.columns, data.n), table),
        rounds=3,
        iterations=1,
        warmup_rounds=1,
    )
    assert len(score) == n
