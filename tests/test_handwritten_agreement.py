"""The benchmark's hand-written numpy 专精特新 must agree with the engine, or its timing means nothing."""

from __future__ import annotations

import numpy as np

from benchmarks.handwritten import category_codes, srdi_2022
from eligibility import evaluate, load_rules
from eligibility.input.prepare import prepare
from eligibility.scoring.engine import derive_columns
from eligibility.scoring.logic import Status
from eligibility.synthetic import synthetic_pool


def test_handwritten_numpy_agrees_on_complete_data() -> None:
    rules = load_rules()
    data = prepare(synthetic_pool(5000, seed=11), rules)
    assessment = evaluate(data, rules, as_of="2026-03-31")
    score, eligible = srdi_2022(derive_columns(rules, data.columns, data.n), category_codes(rules))
    points = assessment.results["srdi_sme"].points
    assert points is not None
    np.testing.assert_array_equal(points.total[0], score)
    np.testing.assert_array_equal(assessment.results["srdi_sme"].status == Status.PASS, eligible)
    assert 0 < eligible.sum() < len(eligible)
