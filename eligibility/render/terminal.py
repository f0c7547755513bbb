"""Plain-text summaries for the terminal, Chinese first (``lang="en"`` for English).

Owns :func:`terminal_safe`, the one filter every text bound for a terminal passes (here and in
``render/explain.py``): names and cells come from officers' spreadsheets, and a terminal obeys the
escape sequences and control characters hidden in them.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from eligibility.errors import Issue, RuleProblem
from eligibility.findings import FLAG_NAMES, Assessment, Findings, as_findings
from eligibility.labels import Lang, issue_message, problem_message, text
from eligibility.language.ruleset import RuleSet
from eligibility.render.words import ruleset_cell, tier_label
from eligibility.scenarios import SuiteResult

__all__ = [
    "format_diff",
    "format_issues",
    "format_problems",
    "format_suite",
    "format_summary",
    "terminal_safe",
]

# An escape sequence as a whole (CSI with its parameters; OSC, DCS, APC, PM and SOS strings up to their
# terminator on the same line; a two-byte ESC command), the 8-bit C1 forms of the same, then any other
# lone C0 or C1 control character but the newline. Each becomes one U+FFFD: the reader sees that
# something was there, and the terminal obeys none of it.
_CONTROL = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c\n]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[ -~]?"
    r"|[\x00-\x09\x0b-\x1f\x7f-\x9f]"
)


def terminal_safe(value: object) -> str:
    """``value`` as text a terminal shows literally: escape sequences and control characters replaced.

    A tab becomes a space; newlines are kept (they separate the lines of a summary); every other C0 or
    C1 control character, and every ESC sequence with its parameters, becomes U+FFFD. Rich markup
    is not this function's concern: print the result as a ``rich.text.Text``, never as a markup string.
    """
    return _CONTROL.sub("\ufffd", str(value).replace("\t", " "))


def format_summary(results: Findings | Assessment, lang: Lang = "zh", max_issues: int = 10) -> str:
    """Counts per tier and status, flags, and the first input issues."""
    assessment = as_findings(results)
    summary = assessment.summary
    purpose = text(f"purpose_{assessment.purpose}", lang)
    lines = [text("summary_title", lang, firms=summary["firms"], as_of=summary["as_of"], purpose=purpose)]
    for tier, counts in summary["tiers"].items():
        label = tier_label(assessment.rules, tier, lang)
        if len(counts["rulesets"]) > 1:  # firms judged by different rule sets: the round of each title
            lines.append("  " + text("tier_line_rounds", lang, label=label, rules=ruleset_cell(counts, lang)))
        else:
            lines.append(
                "  "
                + text("tier_line", lang, label=label, ruleset=counts["ruleset"], regime=counts["regime"])
            )
        lines.append("    " + text("counts", lang, **counts))
    for reason in ("no_ruleset_in_force", "no_ruleset"):
        names = [
            tier_label(assessment.rules, t, lang) for t, why in summary["skipped"].items() if why == reason
        ]
        if names:
            joined = text("enumeration", lang).join(names)
            lines.append("  " + text(f"skipped_{reason}", lang, tiers=joined))
    flags = [f"{text(name, lang)} {summary['flags'][name]}" for name in FLAG_NAMES]
    lines.append("  " + text("flags_line", lang) + text("flag_separator", lang).join(flags))
    lines.append("  " + text("issues_line", lang, **summary["issues"]))
    lines.extend("    " + line for line in format_issues(assessment.issues, lang, max_issues))
    return terminal_safe("\n".join(lines))


def format_partition_summary(
    counts: Mapping[str, Any], rules: RuleSet, as_of: dt.date, purpose: str, lang: Lang = "zh"
) -> str:
    """The summary of a Dask screening: counts per tier and status, and per flag."""
    lines = [
        text(
            "summary_title",
            lang,
            firms=counts["firms"],
            as_of=as_of.isoformat(),
            purpose=text(f"purpose_{purpose}", lang),
        )
    ]
    for tier, by_status in counts["tiers"].items():
        label = tier_label(rules, tier, lang)
        shown = text("flag_separator", lang).join(f"{text(k, lang)} {v}" for k, v in by_status.items())
        lines.append(f"  {label}{text('colon', lang)}{shown}")
    flags = [f"{text(name, lang)} {counts['flags'].get(name, 0)}" for name in FLAG_NAMES]
    lines.append("  " + text("flags_line", lang) + text("flag_separator", lang).join(flags))
    return terminal_safe("\n".join(lines))


def format_issues(issues: Sequence[Issue], lang: Lang = "zh", limit: int = 10) -> list[str]:
    """The first ``limit`` issues as sentences, then how many more there are."""
    lines = [issue_message(issue, lang) for issue in issues[:limit]]
    if len(issues) > limit:
        lines.append(text("more_issues", lang, count=len(issues) - limit))
    return [terminal_safe(line) for line in lines]


def format_problems(problems: Sequence[RuleProblem], lang: Lang = "zh") -> str:
    """Every rule-file problem on its own line, with file, line, path and suggestion."""
    lines = [text("rules_bad", lang, count=len(problems))]
    lines.extend("  " + problem_message(problem, lang) for problem in problems)
    return terminal_safe("\n".join(lines))


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
    return terminal_safe("\n".join(lines))


def format_diff(
    changes: pd.DataFrame,
    before: str,
    after: str,
    lang: Lang = "zh",
    limit: int = 50,
    labels: Mapping[str, str] | None = None,
) -> str:
    """Counts of gains and losses per tier and flag, then the changed firms with their reasons.

    ``labels`` names tiers and criteria (ids otherwise); real status changes are listed before tiers
    that one side did not evaluate at all.
    """
    names = labels or {}

    def named(ids: str, tier: str) -> str:
        return text("diff_list", lang).join(names.get(f"{tier}:{i}", i) for i in ids.split(";") if i)

    lines = [text("diff_title", lang, a=before, b=after, count=len(changes))]
    for item, part in changes.groupby("item", sort=True):
        key = str(item)
        if key.startswith("flag."):
            gained = int((part["status_b"] == "true").sum())
            line = text(
                "diff_flag_line", lang, flag=text(key[5:], lang), gained=gained, lost=len(part) - gained
            )
            lines.append("  " + line)
            continue
        gained = int(((part["status_b"] == "eligible") & (part["status_a"] != "eligible")).sum())
        lost = int(((part["status_a"] == "eligible") & (part["status_b"] != "eligible")).sum())
        other = len(part) - gained - lost
        lines.append(
            "  "
            + text("diff_tier_line", lang, tier=names.get(key, key), gained=gained, lost=lost, other=other)
        )
    firms = changes[~changes["item"].str.startswith("flag.")]
    both = (firms["status_a"] != "") & (firms["status_b"] != "")
    shown = pd.concat([firms[both], firms[~both]]).head(limit)
    if len(shown):  # the firms under a heading of their own, not under the last tier's counts
        lines.append("  " + text("diff_firms_heading", lang, count=len(firms)))
    for row in shown.to_dict("records"):
        status_a, status_b = str(row["status_a"]), str(row["status_b"])
        before_word = text(status_a, lang) if status_a else text("diff_not_evaluated", lang)
        after_word = text(status_b, lang) if status_b else text("diff_not_evaluated", lang)
        reasons = [
            text(
                "diff_reason",
                lang,
                label=text(f"diff_{key}", lang),
                criteria=named(str(row[key]), str(row["item"])),
            )
            for key in ("now_failing", "now_passing")
            if row[key]
        ]
        reason = (
            text("diff_reasons", lang, reasons=text("diff_reasons_join", lang).join(reasons))
            if reasons
            else ""
        )
        item = names.get(str(row["item"]), str(row["item"]))
        lines.append(f"    {row['credit_code']} {row['name']} [{item}] {before_word} → {after_word}{reason}")
    if len(firms) > len(shown):
        lines.append("    " + text("more_issues", lang, count=len(firms) - len(shown)))
    return terminal_safe("\n".join(lines))
