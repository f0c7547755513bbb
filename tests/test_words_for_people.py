"""What people read says what is needed, without internal ids, with numbers rounded for people."""

from __future__ import annotations

import numpy as np
import pandas as pd
from rich.console import Console

from eligibility import evaluate, load_rules
from eligibility.labels import text
from eligibility.render.explain import explain_firm
from eligibility.render.words import criterion_labels, format_quantities, format_quantity
from eligibility.units import Unit
from tests.test_review_rounds import FIRM

rules = load_rules()


def test_years_are_rounded_to_one_decimal() -> None:
    assert format_quantity(12.8301, Unit.YEARS) == text("unit_years", "zh", value="12.8")
    assert format_quantity(3.0, Unit.YEARS, "en") == text("unit_years", "en", value="3")
    # a nonzero gap never reads as zero
    assert format_quantity(0.02, Unit.YEARS) == text("unit_years", "zh", value="0.02")
    shown = format_quantities(np.array([12.8301, 2.0, 0.04]), Unit.YEARS)
    assert shown.tolist() == [text("unit_years", "zh", value=v) for v in ("12.8", "2", "0.04")]


def test_the_required_title_is_named() -> None:
    frame = pd.DataFrame([{**FIRM, "credit_code": "91140500MA0R0UND00", "current_tier": None}])
    a = evaluate(frame, rules, as_of="2026-11-26")
    title = rules.tiers["tech_innovative_sme"]
    for lang in ("zh", "en"):
        labels = criterion_labels(a.results["srdi_sme"].rulesets, lang, rules)
        name = title.label_zh if lang == "zh" else (title.label_en or title.label_zh)
        assert labels["requires_title"] == text("needs_title", lang, title=name)
    assert "requires_title" in a.firm(0)["tiers"]["srdi_sme"]["closest"]


def test_explain_says_flags_and_size_in_words() -> None:
    frame = pd.DataFrame(
        [
            {
                **FIRM,
                "credit_code": "91140500MA0R0UND01",
                "current_tier": "专精特新",
                "tier_expires_on": "2027-06-30",
            }
        ]
    )
    a = evaluate(frame, rules, as_of="2026-11-26")
    assert (a.flags.tier["at_risk"][0], a.flags.reason["at_risk"][0]) == ("srdi_sme", "review_ineligible")
    console = Console(record=True, width=160)
    explain_firm(a, 0, console)
    shown = console.export_text()
    assert "srdi_sme:" not in shown
    assert "review_ineligible" not in shown
    assert text("risk_review_ineligible", "zh") in shown
    size = a.firm(0)["tiers"]["sme_size"]["class"]
    assert size == "small"
    assert text("explain_class", "zh", size=text("size_small", "zh")) in shown
    assert " small" not in shown


def test_amounts_are_rounded_for_people_and_gaps_never_understated() -> None:
    assert format_quantity(17919.234, Unit.WAN_YUAN) == text("unit_wan_yuan", "zh", value="17919.23")
    assert format_quantity(3.0, Unit.WAN_YUAN) == text("unit_wan_yuan", "zh", value="3")
    assert format_quantity(0.0261, Unit.FRACTION) == text("unit_fraction", "zh", value="2.6")
    # an amount a firm must reach is rounded up: 2.61 points short is "2.7", never "2.6"
    assert format_quantity(0.0261, Unit.FRACTION, up=True) == text("unit_fraction", "zh", value="2.7")
    assert format_quantity(17919.231, Unit.WAN_YUAN, up=True) == text("unit_wan_yuan", "zh", value="17919.24")
    # a tiny nonzero value keeps its digits; a tiny gap still reads as the next digit up
    assert format_quantity(0.0004, Unit.FRACTION) == text("unit_fraction", "zh", value="0.04")
    assert format_quantity(0.0004, Unit.FRACTION, up=True) == text("unit_fraction", "zh", value="0.1")
    shown = format_quantities(np.array([0.026, 0.02]), Unit.FRACTION, "en", up=True)
    assert shown.tolist() == [text("unit_fraction", "en", value=v) for v in ("2.6", "2")]
