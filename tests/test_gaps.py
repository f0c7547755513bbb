"""Gaps are computed from the rules and they are right: applying a stated gap meets its threshold."""

from __future__ import annotations

import math
import os
from typing import Any

import pandas as pd
from hypothesis import given, settings

from eligibility import evaluate, load_rules
from tests.strategies import firms

rules = load_rules()
AS_OF = "2026-03-31"
SETTINGS = settings(max_examples=int(os.environ.get("PROPERTY_EXAMPLES", "60")), deadline=None)


def _nudge(op: str | None, amount: float) -> float:
    """For a strict threshold the change must exceed the gap: add a hair in the right direction."""
    if op in (">", "<"):
        return amount + (1e-6 if amount >= 0 else -1e-6) * max(1.0, abs(amount))
    return amount


@SETTINGS
@given(firm=firms())
def test_applying_a_stated_gap_meets_the_threshold(firm: dict[str, Any]) -> None:
    assessment = evaluate(pd.DataFrame([firm]), rules, as_of=AS_OF)
    record = assessment.firm(0)
    repaired: list[tuple[str, str, dict[str, Any]]] = []
    for tier, result in record["tiers"].items():
        for criterion in result["criteria"]:
            if criterion["status"] != "fail" or criterion["kind"] != "compare" or criterion["gap"] is None:
                continue
            field = criterion["field"]
            spec = rules.fields[field]
            changed = dict(firm)
            if spec.derived:
                if criterion["lever"] is None or criterion["lever_gap"] is None:
                    continue  # a value given directly, or a lever that cannot move it
                lever = criterion["lever"]
                changed[lever] = float(firm[lever] or 0) + _nudge(criterion["op"], criterion["lever_gap"])
            elif firm.get(field) is not None:
                changed[field] = float(firm[field]) + _nudge(criterion["op"], criterion["gap"])
            else:
                continue
            repaired.append((tier, criterion["id"], changed))
    if not repaired:
        return
    fixed = evaluate(pd.DataFrame([c for _, _, c in repaired]), rules, as_of=AS_OF)
    for i, (tier, criterion, changed) in enumerate(repaired):
        status = next(c for c in fixed.firm(i)["tiers"][tier]["criteria"] if c["id"] == criterion)["status"]
        assert status == "pass", (tier, criterion, changed)
        assert not any(isinstance(v, float) and math.isnan(v) for v in changed.values())
