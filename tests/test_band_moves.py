"""The cheapest band moves to a points mark: exact where greedy is not, and each move really works."""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eligibility import RuleSet, evaluate, load_rules
from eligibility.labels import text
from eligibility.render.words import _plan_texts, describe_moves
from eligibility.scoring.logic import Status
from eligibility.synthetic import synthetic_pool
from tests.conftest import copy_rules, valid_code
from tests.strategies import firms

RULES = load_rules()

# A table where the biggest single step first is not optimal: R&D climbs 0 → 1 → 10 points,
# the product field gives 6 in one step, the digital level 3 in one step. Mark 10.
TABLE = """\
ruleset:
  id: toy_points
  tier: tech_sme
  version: "1"
  regime: toy
  label_zh: 玩具评分表
  source: {document: 测试}
  effective_from: 2000-01-01
  purposes: [apply]
points:
  max: 19
  groups:
    - id: g
      label_zh: 组
      max: 19
      indicators:
        - id: rd
          label_zh: 研发
          source: {document: 测试}
          max: 10
          bands:
            field: rd_expense_y1
            ranges:
              - {lt: 100万元, points: 0}
              - {ge: 100万元, lt: 200万元, points: 1}
              - {ge: 200万元, points: 10}
        - id: field
          label_zh: 领域
          source: {document: 测试}
          max: 6
          lookup:
            field: product_field
            map: {key_link: 6, six_basics: 6, other: 0}
        - id: digital
          label_zh: 数字化
          source: {document: 测试}
          max: 3
          bands:
            field: digital_level
            ranges:
              - {lt: 2, points: 0}
              - {ge: 2, points: 3}
criteria:
  id: mark
  label_zh: 得分达到10分
  source: {document: 测试}
  score: {group: total, op: ">=", value: 10}
"""


@pytest.fixture(scope="module")
def toy(tmp_path_factory: pytest.TempPathFactory) -> RuleSet:
    directory = copy_rules(tmp_path_factory.mktemp("toy"))
    for path in directory.glob("*.yaml"):
        if path.name not in ("fields.yaml", "tiers.yaml", "sme_size.yaml"):
            path.unlink()
    (directory / "toy.yaml").write_text(TABLE, encoding="utf-8")
    return load_rules(directory)


def greedy(options: list[tuple[str, int, float]], deficit: float) -> int:
    """Biggest single step first (one level at a time): the levels it needs."""
    climbed = 0
    state = dict.fromkeys({name for name, _, _ in options}, 0)
    gained = 0.0
    while gained < deficit:
        best = max(
            ((name, points) for name, level, points in options if level == state[name] + 1),
            key=lambda item: (
                item[1] - sum(p for n, lv, p in options if n == item[0] and lv == state[item[0]])
            ),
        )
        previous = sum(p for n, lv, p in options if n == best[0] and lv == state[best[0]])
        gained += best[1] - previous
        state[best[0]] += 1
        climbed += 1
    return climbed


def test_exact_plan_beats_greedy(toy: RuleSet) -> None:
    firm: dict[str, Any] = {
        "credit_code": valid_code(1),
        "rd_expense_y1": 50,
        "product_field": "other",
        "digital_level": 1,
    }
    assessment = evaluate(pd.DataFrame([firm]), toy, as_of="2026-01-01", tiers=["tech_sme"])
    assert assessment.status("tech_sme").tolist() == ["ineligible"]
    plan = assessment.band_moves("tech_sme", 0)
    assert plan is not None
    assert [(m.indicator, m.points_to, m.levels) for m in plan] == [("rd", 10, 2)]
    (move,) = plan
    assert (move.field, move.op, move.target, move.change) == ("rd_expense_y1", ">=", 200.0, 150.0)
    # Greedy (biggest single step first): field +6, digital +3, rd +1 = three levels; exact: two.
    options = [("rd", 1, 1.0), ("rd", 2, 10.0), ("field", 1, 6.0), ("digital", 1, 3.0)]
    assert greedy(options, 10) == 3
    assert sum(m.levels for m in plan) == 2


def test_applying_a_plan_reaches_the_mark(toy: RuleSet) -> None:
    firm: dict[str, Any] = {
        "credit_code": valid_code(1),
        "rd_expense_y1": 150,
        "product_field": "other",
        "digital_level": 1,
    }
    assessment = evaluate(pd.DataFrame([firm]), toy, as_of="2026-01-01", tiers=["tech_sme"])
    plan = assessment.band_moves("tech_sme", 0)
    assert plan is not None
    changed = dict(firm)
    for move in plan:
        if move.field is None:
            continue
        if move.change is not None:
            changed[move.field] = firm[move.field] + move.change
        else:
            changed[move.field] = move.target
    after = evaluate(pd.DataFrame([changed]), toy, as_of="2026-01-01", tiers=["tech_sme"])
    assert after.status("tech_sme").tolist() == ["eligible"]


def test_plan_on_a_real_table(rules: RuleSet, tmp_path: Path) -> None:
    from tests.conftest import base_firm

    # 63号 专精特新 at 59 points (see tests/test_srdi_2022.py): one level of any indicator is enough.
    firm = dict(base_firm(), product_field="other", digital_level=2, own_brand="否", local_feature_score=0)
    assessment = evaluate(pd.DataFrame([firm]), rules, as_of="2026-03-31", tiers=["srdi_sme"])
    plan = assessment.band_moves("srdi_sme", 0)
    assert plan is not None
    assert sum(m.levels for m in plan) == 1
    assert plan[0].points_to - plan[0].points_from >= 1


def _apply(firm: dict[str, Any], assessment: Any, moves: list[Any]) -> dict[str, Any]:
    changed = dict(firm)
    for move in moves:
        if move.change is not None and move.field is not None:
            current = float(assessment.columns[move.field][0])
            nudge = (
                (1e-6 if move.change >= 0 else -1e-6) * max(1.0, abs(move.change))
                if move.op in (">", "<")
                else 0.0
            )
            changed[move.field] = (
                current + move.change + nudge
            )  # a derived value given directly is used as given
        elif isinstance(move.target, list):
            changed.update(dict.fromkeys(move.target, "是"))
        elif move.field is not None:
            changed[move.field] = move.target
    return changed


@settings(max_examples=int(os.environ.get("PROPERTY_EXAMPLES", "60")), deadline=None)
@given(firm=firms(blank=False), tier=st.sampled_from(["srdi_sme", "innovative_sme", "tech_sme"]))
def test_applying_a_plan_reaches_the_mark_on_real_tables(firm: dict[str, Any], tier: str) -> None:
    """Complete firms: a plan is stated only for a determined score."""
    rules = RULES
    assessment = evaluate(pd.DataFrame([firm]), rules, as_of="2026-03-31", tiers=[tier])
    result = assessment.results[tier]
    for leaf in result.leaves.values():
        if leaf.kind != "score" or leaf.gap is None or math.isnan(leaf.gap[0]):
            continue
        plan = assessment.band_moves(tier, 0, str(leaf.field), float(leaf.threshold))  # type: ignore[arg-type]
        if plan is None:
            continue
        after = evaluate(
            pd.DataFrame([_apply(firm, assessment, plan)]), rules, as_of="2026-03-31", tiers=[tier]
        )
        low, _ = after.results[tier].points.groups[str(leaf.field)]  # type: ignore[union-attr]
        assert low[0] >= float(leaf.threshold) - 1e-9, (leaf.id, [vars(m) for m in plan])  # type: ignore[arg-type]


@pytest.mark.parametrize("as_of", ["2026-03-31", "2026-11-26"])
def test_grouped_plans_equal_one_plan_per_firm(as_of: str) -> None:
    """Firms sharing a plan key get exactly the moves, and the words, of their own knapsack."""
    rules = RULES
    a = evaluate(synthetic_pool(3000, seed=11), rules, as_of=as_of)
    checked = 0
    for tier, result in a.results.items():
        if result.points is None:
            continue
        for leaf in result.leaves.values():
            if leaf.kind != "score":
                continue
            rows = np.flatnonzero(result.status == Status.FAIL)
            names = {i.id: i.label_zh for g in result.ruleset.points.groups for i in g.indicators}  # type: ignore[union-attr]
            mark = float(np.nanmax(leaf.threshold))  # type: ignore[arg-type]
            for members, plan in a.band_move_groups(tier, rows, str(leaf.field), mark):
                for member in members:
                    own = a.band_moves(tier, int(member), str(leaf.field), mark)
                    assert own is not None
                    grouped = a.band_move_groups(tier, np.array([member]), str(leaf.field), mark)
                    assert [m.indicator for m in grouped[0][1]] == [m.indicator for m in own]
                changes = [
                    np.abs(float(m.target) - a.columns[m.field][members])
                    if m.change is not None and m.field is not None
                    else np.full(members.size, np.nan)
                    for m in plan
                ]
                texts = _plan_texts(rules, plan, changes, members.size, names, "zh")
                for member, got in zip(members, texts, strict=True):
                    own = a.band_moves(tier, int(member), str(leaf.field), mark)
                    described = describe_moves(own, rules, names, "zh")  # type: ignore[arg-type]
                    assert got == text("list_separator", "zh") + described
                    checked += 1
    assert checked > 500
