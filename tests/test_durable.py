"""The durable_rules backend agrees with the vectorised core: every tier, both regimes.

Each threshold decision is taken by a Rete rule over a fact per firm and test; the core derives the
values and combines the decisions. A disagreement would be a bug in one of them. The host runs no
background dispatcher, so repeated runs over the same sessions must agree too (the race that loses
actions in durable_rules' default host cannot happen here).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings

from eligibility import assess_one, evaluate, load_rules, read_input
from eligibility.backends.durable import DurableDecider, durable_decisions
from eligibility.scoring.logic import interval_status
from eligibility.synthetic import synthetic_pool
from tests.strategies import firms, pools

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
RULES = load_rules()
REGIMES = ["2026-03-31", "2026-11-26"]  # the last day of 63号, and 2号 in force
EXAMPLES = int(os.environ.get("PROPERTY_EXAMPLES", "40"))


def _tier_view(record: dict[str, Any]) -> dict[str, Any]:
    """What must agree: status, score interval, borderline mark, failed criteria, route, per tier."""
    return {
        tier: (
            r["status"],
            r.get("score_min"),
            r.get("score_max"),
            r["borderline"],
            sorted(r["failed"]),
            r["route"],
        )
        for tier, r in record["tiers"].items()
    }


@pytest.mark.parametrize("as_of", REGIMES)
def test_sample_pool_agrees(as_of: str) -> None:
    table = read_input(SAMPLES / "pool.xlsx", RULES, as_of=as_of)
    table.frame = table.frame.iloc[:120].reset_index(drop=True)
    table.rows = table.rows[:120] if table.rows is not None else None
    core = evaluate(table, RULES, as_of=as_of)
    for _ in range(2):  # the same sessions again: facts are replaced, decisions must not change
        durable = evaluate(table, RULES, as_of=as_of, backend="durable")
        pd.testing.assert_frame_equal(durable.wide(), core.wide())
        assert [_tier_view(durable.firm(i)) for i in range(durable.n)] == [
            _tier_view(core.firm(i)) for i in range(core.n)
        ]


@pytest.mark.parametrize("as_of", REGIMES)
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(firm=firms())
def test_generated_firms_agree(as_of: str, firm: dict[str, Any]) -> None:
    core = assess_one(firm, RULES, as_of=as_of)
    durable = assess_one(firm, RULES, as_of=as_of, backend="durable")
    assert _tier_view(durable) == _tier_view(core)
    assert durable["flags"] == core["flags"]


def test_values_exactly_on_thresholds() -> None:
    """Firms just below, at and just above every threshold of every rule set (both regimes)."""
    from eligibility.scenarios import boundary_inputs

    checked = 0
    for ruleset in RULES.rulesets.values():
        meta = ruleset.ruleset
        for purpose, as_of, frame in boundary_inputs(RULES, ruleset):
            options: dict[str, Any] = {
                "as_of": as_of,
                "purpose": "review" if purpose == "review" else "apply",
                "regime": meta.regime,
                "tiers": [meta.tier],
            }
            core = evaluate(frame, RULES, **options)
            durable = evaluate(frame, RULES, backend="durable", **options)
            pd.testing.assert_frame_equal(durable.wide(), core.wide())
            checked += len(frame)
    assert checked > 600


def test_sessions_hold_each_firms_current_facts() -> None:
    firm = {"credit_code": "DURABLE-SESSION", "revenue_y1": 3000, "rd_expense_y1": 120, "employees_y1": 50}
    assess_one(firm, RULES, as_of=REGIMES[1], backend="durable")
    decider = durable_decisions()
    first = dict(decider.facts("DURABLE-SESSION"))
    assert first  # the firm's tests are facts in its session
    assess_one({**firm, "rd_expense_y1": 60}, RULES, as_of=REGIMES[1], backend="durable")
    second = decider.facts("DURABLE-SESSION")
    assert set(second) == set(first)  # one fact per test, replaced, not piled up
    changed = [k for k in first if first[k] != second[k]]
    assert changed
    decider.forget("DURABLE-SESSION")
    assert not decider.facts("DURABLE-SESSION")


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> DurableDecider:
    """The process-wide decider with batches of three firms, so that any pool takes several."""
    decider = durable_decisions()
    monkeypatch.setattr(decider, "batch", 3)
    return decider


def _statuses(assessment: Any) -> list[tuple[dict[str, Any], Any]]:
    """Statuses and codes per firm (no wording): the tier view and the flags."""
    return [(_tier_view(r), r["flags"]) for r in map(assessment.firm, range(assessment.n))]


@pytest.mark.parametrize("as_of", REGIMES)
@settings(
    max_examples=max(EXAMPLES // 2, 5),
    deadline=None,
    # the fixture only sets the batch size, the same for every example
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(pool=pools(min_size=4, max_size=8))
def test_a_pool_in_several_batches_agrees(as_of: str, pool: list[dict[str, Any]], small_batches: Any) -> None:
    frame = pd.DataFrame(pool)
    released = small_batches.released
    durable = evaluate(frame, RULES, as_of=as_of, backend="durable")
    assert small_batches.released - released > 1  # the pool took several batches, each released
    assert _statuses(durable) == _statuses(evaluate(frame, RULES, as_of=as_of))


@pytest.mark.parametrize("as_of", REGIMES)
def test_a_synthetic_pool_in_batches_agrees_and_leaves_no_session(as_of: str, small_batches: Any) -> None:
    frame = synthetic_pool(60, seed=5)
    durable = evaluate(frame, RULES, as_of=as_of, backend="durable")
    core = evaluate(frame, RULES, as_of=as_of)
    pd.testing.assert_frame_equal(durable.wide(), core.wide())
    assert _statuses(durable) == _statuses(core)
    host = small_batches.host
    for ruleset in small_batches._rulesets.values():  # every batch session was deleted
        with pytest.raises(Exception, match="error code"):
            host.get_facts(ruleset, "~")


def test_one_firm_keeps_its_session_a_pool_does_not() -> None:
    decider = DurableDecider(batch=2)
    values = np.array([5.0, 50.0, np.nan])
    with decider.sessions(["a", "b", "c"]):
        pooled = decider.compare("t", values, values, ">=", 10.0, 0.0)
    assert pooled.tolist() == interval_status(values, values, ">=", 10.0, 0.0).tolist()
    assert not decider.facts("a")  # a pool's sessions are deleted, batch by batch
    assert decider.released == 2
    with decider.sessions(["a"]):
        alone = decider.compare("t", values[:1], values[:1], ">=", 10.0, 0.0)
    assert alone.tolist() == pooled[:1].tolist()
    assert set(decider.facts("a")) == {"t"}
    with pytest.raises(ValueError, match="batch"):
        DurableDecider(batch=0)
