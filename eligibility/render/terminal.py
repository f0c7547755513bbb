"""Plain-text summaries for the terminal, Chinese first (``lang="en"`` for English)."""

from __future__ import annotations

from collections.abc import Sequence

from eligibility.assessment import Assessment
from eligibility.errors import Issue, RuleProblem
from eligibility.flags import FLAG_NAMES
from eligibility.labels import Lang, issue_message, problem_message, text
from eligibility.scenarios import SuiteResult

__all__ = ["format_issues", "format_problems", "format_suite", "format_summary"]


def format_summary(assessment: Assessment, lang: Lang = "zh", max_issues: int = 10) -> str:
    """Counts per tier and status, flags, and the first input issues."""
    summary = assessment.summary()
    purpose = text(f"purpose_{assessment.purpose}", lang)
    lines = [text("summary_title", lang, firms=summary["firms"], as_of=summary["as_of"], purpose=purpose)]
    for tier, counts in summary["tiers"].items():
        meta = assessment.rules.tiers[tier]
        label = meta.label_en if lang == "en" and meta.label_en else meta.label_zh
        lines.append(
            "  " + text("tier_line", lang, label=label, ruleset=counts["ruleset"], regime=counts["regime"])
        )
        lines.append("    " + text("counts", lang, **counts))
    for reason in ("no_ruleset_in_force", "no_ruleset"):
        names = [_tier_label(assessment, t, lang) for t, why in summary["skipped"].items() if why == reason]
        if names:
            joined = "、".join(names) if lang == "zh" else ", ".join(names)
            lines.append("  " + text(f"skipped_{reason}", lang, tiers=joined))
    flags = [f"{text(name, lang)} {summary['flags'][name]}" for name in FLAG_NAMES]
    lines.append("  " + text("flags_line", lang) + ("　".join(flags) if lang == "zh" else ", ".join(flags)))
    lines.append("  " + text("issues_line", lang, **summary["issues"]))
    lines.extend("    " + line for line in format_issues(assessment.issues, lang, max_issues))
    return "\n".join(lines)


def _tier_label(assessment: Assessment, tier: str, lang: Lang) -> str:
    meta = assessment.rules.tiers[tier]
    return meta.label_en if lang == "en" and meta.label_en else meta.label_zh


def format_issues(issues: Sequence[Issue], lang: Lang = "zh", limit: int = 10) -> list[str]:
    """The first ``limit`` issues as sentences, then how many more there are."""
    lines = [issue_message(issue, lang) for issue in issues[:limit]]
    if len(issues) > limit:
        lines.append(text("more_issues", lang, count=len(issues) - limit))
    return lines


def format_problems(problems: Sequence[RuleProblem], lang: Lang = "zh") -> str:
    """Every rule-file problem on its own line, with file, line, path and suggestion."""
    lines = [text("rules_bad", lang, count=len(problems))]
    lines.extend("  " + problem_message(problem, lang) for problem in problems)
    return "\n".join(lines)


def format_suite(suite: SuiteResult, lang: Lang = "zh", verbose: bool = False) -> str:
    """Scenario and boundary-case counts per rule set, then every failed case (every case if verbose)."""
    lines = [text("suite_header", lang)]
    for ruleset, row in sorted(suite.counts().items()):
        lines.append("  " + text("suite_line", lang, ruleset=ruleset, **row))
    for case in suite.cases:
        if verbose or not case.ok:
            mark = "✓" if case.ok else "✗"
            lines.append(f"  {mark} [{case.ruleset}] {text(case.kind, lang)} {case.name}")
            lines.extend(f"      {problem}" for problem in case.problems)
    total = len(suite.cases)
    failed = sum(not c.ok for c in suite.cases)
    lines.append(text("suite_total", lang, total=total, failed=failed, passed=total - failed))
    return "\n".join(lines)
