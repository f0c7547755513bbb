"""The findings of a run: built once, codes and numbers, read alike by every renderer."""

from __future__ import annotations

import numpy as np
import pandas as pd

from eligibility import evaluate, load_rules
from eligibility.findings import MARKS, STATUS_NAMES, build_findings
from eligibility.labels import text
from eligibility.render.html import card_rows
from eligibility.render.tables import Tables
from eligibility.render.words import criterion_labels
from tests.test_review_rounds import FIRM

rules = load_rules()


def test_an_incomplete_tier_says_what_could_not_be_judged() -> None:
    # Without last year's R&D expense, 高新技术企业's R&D band of a firm of this size cannot be judged.
    firm = {k: v for k, v in FIRM.items() if k != "rd_expense_y1"}
    findings = build_findings(evaluate(pd.DataFrame([firm]), rules, as_of="2026-11-26"))
    assert STATUS_NAMES[findings.status("hnte")[0]] == "incomplete"
    undecided = [k for part in findings.parts("hnte") for k, mask in part.unknown.items() if mask[0]]
    assert undecided == ["rd_3y_4pct"]
    for lang in ("zh", "en"):
        k = findings.tiers.index("hnte")
        cell = str(card_rows(findings, Tables(findings, lang), lang).iloc[0][f"f{k}"])
        label = criterion_labels(findings.rule_files("hnte"), lang, rules)["rd_3y_4pct"]
        assert cell == text("undecided_prefix", lang) + label
    # A tier that is decided names nothing undecided.
    decided = [t for t in findings.tiers if STATUS_NAMES[findings.status(t)[0]] != "incomplete"]
    assert decided
    for tier in decided:
        assert not any(mask[0] for part in findings.parts(tier) for mask in part.unknown.values())


def test_status_and_mark_codes_are_the_assessment_s() -> None:
    frame = pd.DataFrame([FIRM, {**FIRM, "credit_code": "91140500MA0R0UND00", "revenue_y1": 900.0}])
    assessment = evaluate(frame, rules, as_of="2026-11-26")
    findings = build_findings(assessment)
    for tier in findings.tiers:
        assert (STATUS_NAMES[findings.status(tier)] == assessment.status(tier)).all()
        marks = np.array(MARKS, dtype=object)[findings.mark(tier)]
        assert (marks == assessment.borderline(tier)).all()


def test_a_renderer_given_an_assessment_reads_the_same_findings() -> None:
    frame = pd.DataFrame([FIRM, {k: v for k, v in FIRM.items() if k != "rd_expense_y1"}])
    assessment = evaluate(frame, rules, as_of="2026-11-26")
    direct = Tables(assessment).firms()
    built = Tables(build_findings(assessment)).firms()
    pd.testing.assert_frame_equal(direct, built)
