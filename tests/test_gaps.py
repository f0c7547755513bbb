"""Gaps are computed from the rules and they are right: applying a stated gap meets its threshold."""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import given, settings
from rich.console import Console

from eligibility import evaluate, load_rules
from eligibility.labels import Lang, text
from eligibility.render.explain import explain_firm
from eligibility.render.words import criterion_labels, format_quantity, gap_sentences, gap_verb
from eligibility.scoring.logic import tolerance
from eligibility.units import Unit
from tests.conftest import base_firm, copy_rules, edit
from tests.strategies import firms

rules = load_rules()
AS_OF = "2026-03-31"
SETTINGS = settings(max_examples=int(os.environ.get("PROPERTY_EXAMPLES", "60")), deadline=None)


def _nudge(criterion: dict[str, Any], amount: float, slope: float = 1.0) -> float:
    """For a strict threshold the change must exceed the gap by more than the engine's float tolerance
    (values within it count as equal to the threshold): twice the tolerance of that threshold, carried
    over to the lever's unit by ``slope`` (change of the compared value per unit of the changed input)."""
    if criterion["op"] not in (">", "<"):
        return amount
    spec = rules.fields[criterion["field"]]
    hair = 2 * tolerance(criterion["threshold"], spec.unit.relative_tolerance) / abs(slope)
    return amount + (hair if criterion["op"] == ">" else -hair) * (1 if slope > 0 else -1)


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
                lever, lever_gap = criterion["lever"], criterion["lever_gap"]
                slope = criterion["gap"] / lever_gap if lever_gap else 1.0
                changed[lever] = float(firm[lever] or 0) + _nudge(criterion, lever_gap, slope)
            elif firm.get(field) is not None:
                changed[field] = float(firm[field]) + _nudge(criterion, criterion["gap"])
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


def _near_5000wan(rd: tuple[float, float, float] = (200.0, 180.0, 182.0)) -> pd.DataFrame:
    """A firm 5万元 short of hnte's strict "revenue above 5000万元", with R&D of 4.5% of its three years'
    revenue (12495万元): 0.5 point short of the 5% of its own band, but enough for the 4% band above
    5000万元 — so the closest alternative is to grow past 5000万元."""
    firm = base_firm()
    firm.update(revenue_y1=4995.0, revenue_y2=4000, revenue_y3=3500)
    firm.update(rd_expense_y1=rd[0], rd_expense_y2=rd[1], rd_expense_y3=rd[2])
    return pd.DataFrame([firm])


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_gap_of_a_strict_threshold_says_more_than(lang: Lang) -> None:
    assessment = evaluate(_near_5000wan(), rules, as_of=AS_OF)
    sentences = gap_sentences(assessment, lang)
    hnte = sentences.loc[sentences["tier"] == "hnte", "text"].iloc[0]
    labels = criterion_labels(assessment.results["hnte"].rulesets, lang, rules, "closest_prefix")

    def sentence(criterion: str, verb: str, amount: str) -> str:
        return text("gap_sentence", lang, label=labels[criterion], verb=text(verb, lang), amount=amount)

    # ">" 5000万元: reaching 5000 is not enough, so the gap is "more than" 5万元; the R&D bands are
    # alternatives, and only the closest one is said.
    assert (
        sentence("revenue_over_5000wan", "gap_raise_over", format_quantity(5.0, Unit.WAN_YUAN, lang)) in hnte
    )
    assert labels["rd_3y_5pct"] not in hnte
    assert labels["rd_3y_3pct"] not in hnte
    # ... while a ">=" threshold keeps the plain verb: at 3% the firm is closest to its own band's 5%.
    low = evaluate(_near_5000wan((130.0, 120.0, 124.85)), rules, as_of=AS_OF)
    said = gap_sentences(low, lang)
    small = said.loc[said["tier"] == "hnte", "text"].iloc[0]
    assert sentence("rd_3y_5pct", "gap_raise", format_quantity(0.02, Unit.FRACTION, lang)) in small
    assert labels["revenue_over_5000wan"] not in small
    assert text("gap_raise_over", lang) + format_quantity(0.02, Unit.FRACTION, lang) not in small


def test_gap_verbs_follow_the_operator() -> None:
    assert gap_verb(">", True, Unit.WAN_YUAN) == text("gap_raise_over", "zh")
    assert gap_verb(">=", True, Unit.WAN_YUAN) == text("gap_raise", "zh")
    assert gap_verb("<", False, Unit.FRACTION, "en") == text("gap_lower_over", "en")
    assert gap_verb("<=", False, Unit.FRACTION) == text("gap_lower", "zh")
    assert gap_verb("<", False, Unit.RANK) == text("gap_climb_over", "zh")
    assert gap_verb("<=", False, Unit.RANK) == text("gap_climb", "zh")


def test_the_terminal_explanation_says_more_than_for_a_strict_threshold() -> None:
    assessment = evaluate(_near_5000wan(), rules, as_of=AS_OF)
    console = Console(record=True, width=400)
    explain_firm(assessment, 0, console, tiers=["hnte"])
    shown = console.export_text()
    assert text("gap_raise_over", "zh") + format_quantity(5.0, Unit.WAN_YUAN) in shown


def test_a_strict_threshold_on_a_derived_field_keeps_its_lever_gap(tmp_path: Path) -> None:
    """The lever's solution reaches the bound itself; for ``>`` it is kept and stated as "more than"."""
    directory = copy_rules(tmp_path)
    edit(
        directory / "srdi_sme_2026.yaml",
        'compare: {field: rd_ratio_y1, op: ">=", value: 3%}',
        'compare: {field: rd_ratio_y1, op: ">", value: 3%}',
    )
    strict_rules = load_rules(directory)
    firm = base_firm()
    firm.update(rd_expense_y1=60.0)  # 2% of 3000万元: 30万元 short of 3%
    assessment = evaluate(pd.DataFrame([firm]), strict_rules, as_of="2026-11-26")
    criterion = next(
        c for c in assessment.firm(0)["tiers"]["srdi_sme"]["criteria"] if c["id"] == "rd_ratio_min_y1"
    )
    assert criterion["status"] == "fail"
    assert criterion["lever"] == "rd_expense_y1"
    assert criterion["lever_gap"] == pytest.approx(30.0)
    sentences = gap_sentences(assessment)
    srdi = sentences.loc[sentences["tier"] == "srdi_sme", "text"].iloc[0]
    lever = strict_rules.fields["rd_expense_y1"]
    part = text(
        "gap_lever",
        "zh",
        lever=lever.label_zh,
        verb=text("gap_raise_over", "zh"),
        amount=format_quantity(30.0, Unit.WAN_YUAN),
    )
    assert part in srdi
