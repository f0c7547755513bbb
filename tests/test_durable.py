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

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings

from eligibility import assess_one, evaluate, load_rules, read_input
from eligibility.backends.durable import durable_decisions
from tests.strategies import firms

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
