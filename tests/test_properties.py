"""Hypothesis properties of the vectorised core (docs/architecture.md, "How a tier is evaluated")."""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from eligibility import assess_one, evaluate, load_rules
from tests.strategies import FIELDS, firms, pools

AS_OF = "2026-03-31"
RANK = {"ineligible": 0, "incomplete": 1, "review": 1, "eligible": 2}
SETTINGS = settings(max_examples=int(os.environ.get("PROPERTY_EXAMPLES", "80")), deadline=None)
# Module-level, not a fixture: hypothesis prints its arguments on failure, and the rules are large.
rules = load_rules()


def _srdi(assessment: Any, i: int) -> dict[str, Any]:
    record: dict[str, Any] = assessment.firm(i)["tiers"]["srdi_sme"]
    return record


def _comparable(record: dict[str, Any]) -> dict[str, Any]:
    # The spreadsheet row and the rank within a flag describe the pool, not the firm.
    return {k: v for k, v in record.items() if k not in ("row", "flag_ranks")}


@SETTINGS
@given(
    firm=firms(),
    lever=st.sampled_from(
        [
            "rd_expense_y1",
            "main_revenue_y1",
            "ip_class1_high_value",
            "ip_class1_own",
            "ip_class1",
            "ip_class2",
        ]
    ),
    increase=st.floats(0.01, 5000, allow_nan=False),
)
def test_more_is_never_worse(firm: dict[str, Any], lever: str, increase: float) -> None:
    if firm[lever] is None:
        firm[lever] = 0
    better = dict(firm, credit_code="BETTER")
    better[lever] = firm[lever] + (round(increase) if lever.startswith("ip_") else increase)
    assessment = evaluate(pd.DataFrame([firm, better]), rules, as_of=AS_OF, tiers=["srdi_sme"])
    before, after = _srdi(assessment, 0), _srdi(assessment, 1)
    assert after["score_min"] >= before["score_min"] - 1e-9
    assert after["score_max"] >= before["score_max"] - 1e-9
    assert not (before["status"] == "eligible" and after["status"] == "ineligible")


@SETTINGS
@given(pool=pools())
def test_batch_equals_single(pool: list[dict[str, Any]]) -> None:
    batch = evaluate(pd.DataFrame(pool), rules, as_of=AS_OF)
    for i, firm in enumerate(pool):
        assert _comparable(batch.firm(i)) == _comparable(assess_one(firm, rules, as_of=AS_OF))


@SETTINGS
@given(pool=pools(min_size=3), seed=st.integers(0, 2**16))
def test_row_order_does_not_matter(pool: list[dict[str, Any]], seed: int) -> None:
    order = np.random.default_rng(seed).permutation(len(pool))
    straight = evaluate(pd.DataFrame(pool), rules, as_of=AS_OF).wide().set_index("credit_code")
    shuffled = (
        evaluate(pd.DataFrame([pool[i] for i in order]), rules, as_of=AS_OF).wide().set_index("credit_code")
    )
    pd.testing.assert_frame_equal(straight.sort_index(), shuffled.sort_index())


@SETTINGS
@given(firm=firms(), data=st.data())
def test_a_verdict_under_missing_data_survives_every_completion(
    firm: dict[str, Any], data: st.DataObject
) -> None:
    """Eligible or ineligible with blanks means the same for any values the blanks could take; in
    particular a missing input never yields eligible unless the score's low end already passes."""
    verdict = _srdi(evaluate(pd.DataFrame([firm]), rules, as_of=AS_OF), 0)
    blanks = [name for name, value in firm.items() if value is None]
    if verdict["status"] not in ("eligible", "ineligible") or not blanks:
        return
    if verdict["status"] == "eligible" and "score" in verdict["route"] and verdict["route"] == ["score"]:
        assert verdict["score_min"] >= 60
    completions = []
    for k in range(3):
        filled = dict(firm, credit_code=f"FILLED{k}")
        for name in blanks:
            filled[name] = data.draw(FIELDS[name].filter(lambda v: v is not None), label=name)
        completions.append(filled)
    results = evaluate(pd.DataFrame(completions), rules, as_of=AS_OF, tiers=["srdi_sme"])
    for k in range(len(completions)):
        completed = _srdi(results, k)
        assert completed["status"] == verdict["status"], (blanks, completions[k])
        assert verdict["score_min"] - 1e-9 <= completed["score_min"] <= verdict["score_max"] + 1e-9
