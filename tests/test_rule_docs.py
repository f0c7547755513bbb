"""The generated rule documents are committed and must be fresh."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from eligibility import RuleSet
from eligibility.apps.cli import main
from eligibility.labels import text
from eligibility.render.docs import policy_anchor, render_rule_docs

DOCS = Path(__file__).resolve().parent.parent / "docs" / "rules"


def test_committed_rule_docs_are_fresh(rules: RuleSet) -> None:
    pages = render_rule_docs(rules)
    committed = {path.name for path in DOCS.glob("*.md")}
    assert committed == set(pages), "run: eligibility rules docs -o docs/rules"
    for name, page in pages.items():
        assert (DOCS / name).read_text(encoding="utf-8") == page, (
            f"{name} is stale: run eligibility rules docs -o docs/rules"
        )


def test_docs_show_thresholds_sources_margins_and_dates_snapshot(rules: RuleSet) -> None:
    """A wording snapshot, on purpose: a criterion, the dates and a tag as a reader of the page sees them."""
    page = render_rule_docs(rules)["srdi_sme_2026.md"]
    assert (
        "主营业务收入占营业收入比重（上年度） ≥ 80%，临界幅度 0.5个百分点〔2号附件1 第（二）项；置信度 中〕"
        in page
    )
    assert "生效日期：新申报：2026-04-01 至 今；复核：2027年起复核轮次" in page
    assert "【仅复核】" in page
    english = render_rule_docs(rules, "en")["srdi_sme_2026.md"]
    assert "borderline margin 0.5 percentage points" in english


def test_english_pages_take_their_punctuation_from_the_labels(rules: RuleSet) -> None:
    """Only the rule files' own words (document numbers, notes) may bring Chinese punctuation."""
    pages = render_rule_docs(rules, "en")
    page = pages["srdi_sme_2026.md"]
    colon = text("colon", "en")
    for key in ("doc_ruleset", "doc_source", "doc_effective", "doc_purposes", "doc_validity", "doc_rounds"):
        assert f"\n- {text(key, 'en')}{colon}" in page, key
    assert f"`srdi_sme_2026`{text('comma', 'en')}{text('doc_version', 'en')}" in page
    assert text("doc_tags", "en", tags=text("doc_only", "en", purposes=text("purpose_review", "en"))) in page
    for name, shown in pages.items():
        for mark in ("：`", "`，", "）`", "**（", "【", "】", "、**"):
            assert mark not in shown, (name, mark)


def test_pages_cite_items_and_link_to_the_policy_page(rules: RuleSet) -> None:
    """Items as the texts number them, no labels of our own, and a link to a section that exists."""
    policy = (DOCS.parent / "policy.md").read_text(encoding="utf-8")
    pages = render_rule_docs(rules)
    for name, page in pages.items():
        anchor = policy_anchor(rules.rulesets[name[:-3]].ruleset.regime) if name != "README.md" else ""
        assert f"](../policy.md{anchor})" in page, name
        if anchor:
            assert f'<a id="{anchor[1:]}"></a>' in policy, (name, anchor)
        assert not re.search(r"(?<![A-Za-z0-9])[NGKHMZD][1-8](?![0-9])|SPEC|policy-notes", page), name
    assert "115号 第六条（二）" in pages["tech_sme_2017.md"]
    assert "2号附件2 第（七）项" in pages["little_giant_2026.md"]
    assert "63号附件2 一、（四）1" in pages["srdi_sme_2022.md"]


def test_cli_check_reports_stale_pages(tmp_path: Path) -> None:
    out = tmp_path / "rules-docs"
    assert CliRunner().invoke(main, ["rules", "docs", "-o", str(out)]).exit_code == 0
    assert CliRunner().invoke(main, ["rules", "docs", "-o", str(out), "--check"]).exit_code == 0
    (out / "hnte_2016.md").write_text("edited by hand\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["rules", "docs", "-o", str(out), "--check"])
    assert result.exit_code == 1
    assert "hnte_2016.md" in result.output
