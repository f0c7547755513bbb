"""A rule set evaluated for some firms only (the minority round of a review) gives those firms the
very result a whole-pool evaluation gives them: firms are evaluated independently of each other."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eligibility import evaluate, load_rules
from eligibility.input.prepare import prepare
from eligibility.scoring.engine import (
    TierResult,
    derive_columns,
    evaluate_rows,
    evaluate_tier,
    input_columns,
)
from eligibility.scoring.logic import Status
from eligibility.scoring.titles import current_titles
from eligibility.synthetic import synthetic_pool

RULES = load_rules()
AS_OF = dt.date(2026, 3, 31)
N = 400
PREPARED = prepare(synthetic_pool(N, seed=3), RULES)
COLUMNS = derive_columns(RULES, input_columns(PREPARED, AS_OF), N)
TITLES, _ = current_titles(RULES, PREPARED, AS_OF, 12)
BASE = evaluate(PREPARED, RULES, as_of=AS_OF)


def _whole(ruleset_id: str) -> TierResult:
    ruleset = RULES.rulesets[ruleset_id]
    return evaluate_tier(ruleset, RULES, PREPARED, COLUMNS, BASE.results, TITLES, "review")


def _same_on(rows: np.ndarray, some: TierResult, whole: TierResult) -> None:
    for name in ("status", "relaxed", "tight"):
        np.testing.assert_array_equal(getattr(some, name)[rows], getattr(whole, name)[rows])
    assert some.nodes.keys() == whole.nodes.keys()
    for key in whole.nodes:
        np.testing.assert_array_equal(some.nodes[key][rows], whole.nodes[key][rows])
    for table in ("blame", "closest", "routes"):
        mine, theirs = getattr(some, table), getattr(whole, table)
        for key in theirs.keys() | mine.keys():
            got = mine.get(key, np.zeros(N, bool))[rows]
            np.testing.assert_array_equal(got, theirs.get(key, np.zeros(N, bool))[rows], err_msg=key)
    for key, leaf in whole.leaves.items():
        other = some.leaves[key]
        np.testing.assert_array_equal(other.status[rows], leaf.status[rows])
        for quantity in ("value", "gap", "lever_gap", "within_margin"):
            expected = getattr(leaf, quantity)
            if expected is not None:
                np.testing.assert_array_equal(getattr(other, quantity)[rows], expected[rows])
    if whole.points is not None:
        assert some.points is not None
        for key, (low, high) in whole.points.groups.items():
            np.testing.assert_array_equal(some.points.groups[key][0][rows], low[rows])
            np.testing.assert_array_equal(some.points.groups[key][1][rows], high[rows])


@pytest.mark.parametrize("ruleset_id", sorted(r for r in RULES.rulesets if RULES.rulesets[r].criteria))
def test_every_rule_set_on_every_other_firm(ruleset_id: str) -> None:
    rows = np.arange(1, N, 2)
    ruleset = RULES.rulesets[ruleset_id]
    some = evaluate_rows(ruleset, RULES, PREPARED, COLUMNS, BASE.results, TITLES, "review", rows)
    assert some.status.shape == (N,)
    _same_on(rows, some, _whole(ruleset_id))
    others = np.setdiff1d(np.arange(N), rows)
    assert (some.status[others] == Status.UNKNOWN).all()  # blank elsewhere, never read there
    assert not any(mask[others].any() for mask in some.blame.values())  # nobody else is blamed


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(0, N - 1), min_size=1, max_size=60, unique=True))
def test_any_subset_of_firms(chosen: list[int]) -> None:
    rows = np.array(sorted(chosen), dtype=np.intp)
    ruleset = RULES.rulesets["srdi_sme_2022"]
    some = evaluate_rows(ruleset, RULES, PREPARED, COLUMNS, BASE.results, TITLES, "review", rows)
    _same_on(rows, some, _whole("srdi_sme_2022"))
