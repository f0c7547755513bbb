"""The reviewer's workbook: what a county officer hands to colleagues.

Sheets 汇总, 晋级候选, 临界企业, 退库风险, 升规候选, 全部明细, 数据问题, 规则说明 — Chinese headings (English
with ``lang="en"``), frozen header rows, filters, column widths, colours for statuses and borderline
marks. Text is always written as text, so a cell starting with ``=`` never becomes a formula. The file
is written under a temporary name and renamed into place.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import xlsxwriter

from eligibility.assessment import STATUS_NAMES, Assessment
from eligibility.explain import plan_band_moves
from eligibility.flags import FLAG_NAMES
from eligibility.labels import Lang, issue_message, text
from eligibility.render.files import atomic_path
from eligibility.render.words import describe_moves, format_quantities
from eligibility.ruleset import walk_criteria
from eligibility.units import Unit

__all__ = ["gap_sentences", "write_workbook"]

_COLOURS = {
    "eligible": "#C6EFCE",
    "ineligible": "#FFC7CE",
    "incomplete": "#E7E6E6",
    "review": "#FFEB9C",
    "thin_pass": "#FCE4D6",
    "near_miss": "#DDEBF7",
}


def _tier_label(assessment: Assessment, tier: str, lang: Lang) -> str:
    meta = assessment.rules.tiers[tier]
    return meta.label_en if lang == "en" and meta.label_en else meta.label_zh


def gap_sentences(assessment: Assessment, lang: Lang = "zh", review: bool = False) -> pd.DataFrame:
    """Per (firm position, tier): the changes that would meet each failed threshold, in words.

    Built per failed criterion over the firms that fail it, then joined per firm and tier. With
    ``review`` the re-review results are described (for titles at risk).
    """
    pieces = []
    rules = assessment.rules
    results = assessment.review_results if review else assessment.results
    for tier, result in results.items():
        labels = (
            {
                n.id: (n.label_zh if lang == "zh" else (n.label_en or n.label_zh))
                for n in walk_criteria(result.ruleset.criteria)
            }
            if result.ruleset.criteria
            else {}
        )
        for leaf in result.leaves.values():
            if leaf.gap is None:
                continue
            blamed = result.blame.get(leaf.id, np.zeros(assessment.n, dtype=bool))
            rows = np.flatnonzero(~np.isnan(leaf.gap) & blamed)
            if rows.size == 0:
                continue
            spec = rules.fields.get(leaf.field) if leaf.kind != "score" and leaf.field else None
            unit = spec.unit if spec is not None else Unit.POINTS
            label = labels.get(leaf.id, leaf.id)
            gaps = leaf.gap[rows]
            strict = leaf.op in (">", "<")  # "more than" thresholds: the change must exceed the gap
            raise_word = text("gap_raise_over" if strict else "gap_raise", lang)
            lower_word = text("gap_lower_over" if strict else "gap_lower", lang)
            upward = leaf.op in (">", ">=")
            if unit is Unit.RANK:  # a smaller rank is a better one: "climb", not "lower"
                lower_word = text("gap_climb", lang)
            if leaf.op:
                verbs = np.full(rows.size, raise_word if upward else lower_word, dtype=object)
            else:
                verbs = np.where(gaps > 0, raise_word, lower_word)
            head, tail = text("gap_sentence", lang, label=label, verb="\0", amount="\1").split("\0")
            middle, end = tail.split("\1")
            sentences = (
                pd.Series(verbs, dtype=object) + middle + format_quantities(np.abs(gaps), unit, lang) + end
            )
            sentences = head + sentences
            if leaf.kind == "score" and result.points is not None and result.ruleset.points is not None:
                # The cheapest band moves, for the firms that fall short of the mark (explanation text).
                names = {
                    i.id: (i.label_zh if lang == "zh" else (i.label_en or i.label_zh))
                    for g in result.ruleset.points.groups
                    for i in g.indicators
                }
                plans = []
                for row in rows:
                    plan = plan_band_moves(assessment, tier, int(row), str(leaf.field), float(leaf.threshold))  # type: ignore[arg-type]
                    plans.append(
                        ("；" if lang == "zh" else "; ") + describe_moves(plan, rules, names, lang)
                        if plan
                        else ""
                    )
                sentences = sentences + pd.Series(plans, dtype=object)
            if leaf.lever is not None and leaf.lever_gap is not None:
                lever = rules.fields[leaf.lever]
                lever_gaps = leaf.lever_gap[rows]
                known = ~np.isnan(lever_gaps)
                lever_head, lever_tail = text(
                    "gap_lever",
                    lang,
                    lever=lever.label_zh if lang == "zh" else lever.label_en,
                    verb="\0",
                    amount="\1",
                ).split("\0")
                lever_middle, lever_end = lever_tail.split("\1")
                lever_verbs = np.where(lever_gaps > 0, text("gap_raise", lang), text("gap_lower", lang))
                extra = lever_head + pd.Series(lever_verbs, dtype=object) + lever_middle
                extra = (
                    extra + format_quantities(np.abs(np.nan_to_num(lever_gaps)), lever.unit, lang) + lever_end
                )
                sentences = sentences + extra.where(known, "")
            pieces.append(pd.DataFrame({"position": rows, "tier": tier, "text": sentences.to_numpy()}))
    if not pieces:
        return pd.DataFrame(columns=["position", "tier", "text"])
    joined = pd.concat(pieces, ignore_index=True)
    separator = "；" if lang == "zh" else "; "
    return joined.groupby(["position", "tier"], sort=False)["text"].agg(separator.join).reset_index()


class _Book:
    def __init__(self, path: Path, lang: Lang) -> None:
        self.lang = lang
        self.book = xlsxwriter.Workbook(
            str(path), {"strings_to_formulas": False, "strings_to_urls": False, "nan_inf_to_errors": True}
        )
        self.header = self.book.add_format(
            {"bold": True, "bg_color": "#1F4E78", "font_color": "#FFFFFF", "text_wrap": True, "valign": "top"}
        )
        self.title = self.book.add_format({"bold": True, "font_size": 14})
        self.colours = {k: self.book.add_format({"bg_color": v}) for k, v in _COLOURS.items()}

    def sheet(
        self, name_key: str, headers: Sequence[str], columns: Sequence[Sequence[Any]], widths: Sequence[int]
    ) -> Any:
        """A sheet with a frozen, filtered header row and one column per sequence."""
        sheet = self.book.add_worksheet(text(name_key, self.lang))
        sheet.write_row(0, 0, list(headers), self.header)
        sheet.freeze_panes(1, 0)
        rows = len(columns[0]) if columns else 0
        for index, values in enumerate(columns):
            cleaned = [_cell(v) for v in values]
            sheet.write_column(1, index, cleaned)
        for index, width in enumerate(widths):
            sheet.set_column(index, index, width)
        sheet.autofilter(0, 0, max(rows, 1), len(headers) - 1)
        return sheet

    def colour(self, sheet: Any, column: int, rows: int, keys: Sequence[str]) -> None:
        """Colour cells of ``column`` by their (translated) status or borderline word."""
        for key in keys:
            sheet.conditional_format(
                1,
                column,
                max(rows, 1),
                column,
                {
                    "type": "cell",
                    "criteria": "==",
                    "value": f'"{text(key, self.lang)}"',
                    "format": self.colours[key],
                },
            )


def _cell(value: Any) -> Any:
    """Blank for a missing number; float noise (8.900000000000091) rounded away for display."""
    if isinstance(value, float | np.floating):
        return None if math.isnan(value) else round(float(value), 4)
    return value


def write_workbook(assessment: Assessment, path: str | Path, lang: Lang = "zh") -> Path:
    """Write the reviewer's workbook atomically to ``path``."""
    with atomic_path(path, ".xlsx") as temporary:
        book = _Book(temporary, lang)
        _fill(book, assessment, lang)
        book.book.close()
    return Path(path)


def _fill(book: _Book, a: Assessment, lang: Lang) -> None:
    n = a.n
    codes = a.prepared.text.get("credit_code", np.full(n, None, dtype=object))
    names = a.prepared.text.get("name", np.full(n, None, dtype=object))
    gaps = gap_sentences(a, lang)
    gap_of: dict[tuple[int, str], str] = {
        (int(p), str(t)): str(x) for p, t, x in gaps.itertuples(index=False)
    }
    review_gaps = gap_sentences(a, lang, review=True) if a.review_results is not a.results else gaps
    review_gap_of = {(int(p), str(t)): str(x) for p, t, x in review_gaps.itertuples(index=False)}
    status_words = {s: text(str(s), lang) for s in STATUS_NAMES}
    tiers = a.tiers
    statuses = {t: a.status(t) for t in tiers}
    borders = {t: a.borderline(t) for t in tiers}
    ranks = {flag: {int(p): k + 1 for k, p in enumerate(a.ranked(flag))} for flag in FLAG_NAMES}

    # 汇总 ---------------------------------------------------------------------------------------
    summary = a.summary()
    sheet = book.book.add_worksheet(text("sheet_summary", lang))
    sheet.write(
        0,
        0,
        text(
            "summary_title",
            lang,
            firms=n,
            as_of=a.as_of.isoformat(),
            purpose=text(f"purpose_{a.purpose}", lang),
        ),
        book.title,
    )
    heads = [
        text(k, lang)
        for k in (
            "col_tier",
            "col_ruleset",
            "eligible",
            "ineligible",
            "incomplete",
            "review",
            "thin_pass",
            "near_miss",
        )
    ]
    sheet.write_row(2, 0, heads, book.header)
    for i, (tier, counts) in enumerate(summary["tiers"].items(), start=3):
        cells: list[Any] = [_tier_label(a, tier, lang), f"{counts['ruleset']}（{counts['regime']}）"]
        cells += [
            counts[k] for k in ("eligible", "ineligible", "incomplete", "review", "thin_pass", "near_miss")
        ]
        sheet.write_row(i, 0, cells)
    start = 4 + len(summary["tiers"])
    sheet.write_row(start, 0, [text("col_flag", lang), text("col_firms", lang)], book.header)
    for i, name in enumerate(FLAG_NAMES, start=start + 1):
        sheet.write_row(i, 0, [text(name, lang), summary["flags"][name]])
    sheet.write_row(start + 6, 0, [text("issues_line", lang, **summary["issues"])])
    sheet.set_column(0, 0, 26)
    sheet.set_column(1, 1, 30)
    sheet.set_column(2, 7, 11)

    title_words = np.array([_tier_label(a, t, lang) if t else "" for t in a.titles.tier], dtype=object)

    def firm_columns(flag: str) -> list[tuple[str, int, Any]]:
        """The columns every flag sheet starts with: rank in the flag, code, name, current title."""
        return [
            ("col_rank", 6, lambda i: ranks[flag][i]),
            ("col_code", 22, lambda i: codes[i]),
            ("col_name", 30, lambda i: names[i]),
            ("col_title", 18, lambda i: title_words[i]),
        ]

    # 晋级候选 -------------------------------------------------------------------------------------
    order = [int(i) for i in a.ranked("promotion_candidate")]
    targets = a.flags.reasons["promotion_candidate"]
    _rows_sheet(
        book,
        "sheet_promotion",
        order,
        [
            *firm_columns("promotion_candidate"),
            ("col_target", 22, lambda i: _tier_label(a, str(targets[i]), lang)),
            ("col_status", 12, lambda i: status_words[statuses[str(targets[i])][i]]),
            (
                "col_borderline",
                12,
                lambda i: text(str(borders[str(targets[i])][i]), lang) if borders[str(targets[i])][i] else "",
            ),
            ("col_score", 9, lambda i: _score(a, str(targets[i]), i)),
            ("col_gaps", 80, lambda i: gap_of.get((int(i), str(targets[i])), "")),
        ],
        colour=(5, 6),
    )

    # 临界企业 -------------------------------------------------------------------------------------
    pairs = [
        (int(i), t) for t in tiers for i in np.flatnonzero(a.results[t].thin_pass | a.results[t].near_miss)
    ]
    pairs.sort(key=lambda p: (p[0], tiers.index(p[1])))
    _pairs_sheet(
        book, "sheet_borderline", a, pairs, codes, names, status_words, gap_of, lang, statuses, borders
    )

    # 退库风险 -------------------------------------------------------------------------------------
    at_risk = [int(i) for i in a.ranked("at_risk")]
    reasons = a.flags.reasons["at_risk"]
    expires = a.titles.expires
    _rows_sheet(
        book,
        "sheet_at_risk",
        at_risk,
        [
            *firm_columns("at_risk"),
            ("col_expires", 12, lambda i: "" if np.isnat(expires[i]) else str(expires[i])[:10]),
            ("col_reason", 30, lambda i: _risk_reason(a, str(reasons[i]), lang)),
            ("col_gaps", 80, lambda i: review_gap_of.get((int(i), str(reasons[i]).split(":")[0]), "")),
        ],
    )

    # 升规候选 -------------------------------------------------------------------------------------
    scale = [int(i) for i in a.ranked("scale_up_candidate")]
    main = a.prepared.columns.get("main_revenue_y1", np.full(n, np.nan))
    scale_result = a.results.get("above_scale_industrial")
    gap_line = None
    if scale_result is not None and "main_revenue_line" in scale_result.leaves:
        gap_line = scale_result.leaves["main_revenue_line"].gap
    _rows_sheet(
        book,
        "sheet_scale_up",
        scale,
        [
            ("col_rank", 6, lambda i: ranks["scale_up_candidate"][i]),
            ("col_code", 22, lambda i: codes[i]),
            ("col_name", 30, lambda i: names[i]),
            ("col_main_revenue", 18, lambda i: main[i]),
            ("col_to_line", 18, lambda i: gap_line[i] if gap_line is not None else None),
        ],
    )

    # 全部明细 -------------------------------------------------------------------------------------
    all_pairs = [(i, t) for i in range(n) for t in tiers]
    _pairs_sheet(
        book,
        "sheet_details",
        a,
        all_pairs,
        codes,
        names,
        status_words,
        gap_of,
        lang,
        statuses,
        borders,
        full=True,
    )

    # 数据问题 -------------------------------------------------------------------------------------
    issues = a.issues
    columns: list[list[Any]] = [
        [x.sheet or "" for x in issues],
        [x.row for x in issues],
        [x.header or x.field or "" for x in issues],
        [x.value or "" for x in issues],
        [text(f"severity_{x.severity.value}", lang) for x in issues],
        [issue_message(x, lang) for x in issues],
        [x.code.value for x in issues],
    ]
    heads = [
        text(k, lang)
        for k in (
            "col_sheet",
            "col_row",
            "col_header",
            "col_value",
            "col_severity",
            "col_problem",
            "col_code_slug",
        )
    ]
    book.sheet("sheet_issues", heads, columns, [12, 8, 26, 20, 8, 60, 20])

    # 规则说明 -------------------------------------------------------------------------------------
    used = list(a.results.values())
    heads = [
        text(k, lang)
        for k in ("col_tier", "col_ruleset", "col_version", "col_regime", "col_source", "col_effective")
    ]
    columns = [
        [_tier_label(a, r.tier, lang) for r in used],  # the rule sets used
        [r.ruleset.ruleset.id for r in used],
        [r.ruleset.ruleset.version for r in used],
        [r.ruleset.ruleset.regime for r in used],
        [
            r.ruleset.ruleset.source.document
            + (f" {r.ruleset.ruleset.source.article}" if r.ruleset.ruleset.source.article else "")
            for r in used
        ],
        [_effective(r.ruleset.ruleset.effective(a.purpose), lang) for r in used],
    ]
    sheet = book.sheet("sheet_rules", heads, columns, [20, 26, 10, 14, 60, 26])
    line = len(used) + 2
    sheet.write(
        line,
        0,
        text("rules_as_of", lang, as_of=a.as_of.isoformat(), purpose=text(f"purpose_{a.purpose}", lang)),
    )
    sheet.write_row(
        line + 2,
        0,
        [text(k, lang) for k in ("col_tier", "col_criterion", "col_assumption", "col_firms")],
        book.header,
    )
    for k, (tier, assumption) in enumerate(
        ((t, x) for t, r in a.results.items() for x in r.assumptions), start=line + 3
    ):
        note = assumption.note_zh if lang == "zh" else (assumption.note_en or assumption.note_zh)
        sheet.write_row(
            k, 0, [_tier_label(a, tier, lang), assumption.criterion, note, int(assumption.firms.sum())]
        )


def _score(a: Assessment, tier: str, i: int) -> float | None:
    points = a.results[tier].points
    if points is None:
        return None
    low, high = points.total
    return float(low[i]) if low[i] == high[i] else None


def _risk_reason(a: Assessment, reason: str, lang: Lang) -> str:
    tier, _, code = reason.partition(":")
    return (
        f"{_tier_label(a, tier, lang)}：{text('risk_' + code, lang)}"
        if lang == "zh"
        else f"{_tier_label(a, tier, lang)}: {text('risk_' + code, lang)}"
    )


def _effective(span: tuple[Any, Any], lang: Lang) -> str:
    start, end = span
    return f"{start.isoformat()} — {end.isoformat() if end else text('doc_open_end', lang)}"


def _rows_sheet(
    book: _Book,
    key: str,
    rows: Sequence[Any],
    spec: Sequence[tuple[str, int, Any]],
    colour: tuple[int, ...] = (),
) -> None:
    heads = [text(k, book.lang) for k, _, _ in spec]
    columns = [[get(i) for i in rows] for _, _, get in spec]
    sheet = book.sheet(key, heads, columns, [w for _, w, _ in spec])
    for column in colour:
        book.colour(
            sheet,
            column,
            len(rows),
            ["eligible", "ineligible", "incomplete", "review", "thin_pass", "near_miss"],
        )


def _pairs_sheet(
    book: _Book,
    key: str,
    a: Assessment,
    pairs: Sequence[tuple[int, str]],
    codes: npt.NDArray[np.object_],
    names: npt.NDArray[np.object_],
    status_words: dict[Any, str],
    gap_of: dict[tuple[int, str], str],
    lang: Lang,
    statuses: dict[str, npt.NDArray[np.object_]],
    borders: dict[str, npt.NDArray[np.object_]],
    full: bool = False,
) -> None:
    failed = {t: a.failed(t) for t in a.tiers} if full else {}
    routes = {t: a.route(t) for t in a.tiers} if full else {}
    spec: list[tuple[str, int, Any]] = [
        ("col_code", 22, lambda p: codes[p[0]]),
        ("col_name", 30, lambda p: names[p[0]]),
        ("col_tier", 20, lambda p: _tier_label(a, p[1], lang)),
        ("col_status", 12, lambda p: status_words[statuses[p[1]][p[0]]]),
        ("col_borderline", 12, lambda p: text(str(borders[p[1]][p[0]]), lang) if borders[p[1]][p[0]] else ""),
        ("col_score", 9, lambda p: _score(a, p[1], p[0])),
    ]
    if full:
        spec += [
            ("col_ruleset", 22, lambda p: a.results[p[1]].ruleset.ruleset.id),
            ("col_score_min", 9, lambda p: _interval(a, p[1], p[0])[0]),
            ("col_score_max", 9, lambda p: _interval(a, p[1], p[0])[1]),
            ("col_route", 12, lambda p: routes[p[1]][p[0]]),
            ("col_failed", 40, lambda p: failed[p[1]][p[0]]),
        ]
    spec.append(("col_gaps", 80, lambda p: gap_of.get((int(p[0]), p[1]), "")))
    _rows_sheet(book, key, pairs, spec, colour=(3, 4))


def _interval(a: Assessment, tier: str, i: int) -> tuple[float | None, float | None]:
    points = a.results[tier].points
    if points is None:
        return None, None
    low, high = points.total
    return float(low[i]), float(high[i])
