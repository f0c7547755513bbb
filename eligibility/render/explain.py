"""One firm explained on the terminal: every criterion with value, requirement, status, margin, gap and
source; the points table; assumptions, flags and input issues. Rich tables, Chinese first.

Also owns finding the firm a ``--firm`` key names (exact credit code or name, else part of a name) and
refusing an unknown ``--tier``. The table is laid out for the console's width: columns that would not
fit at a readable width move under the table as sentences. Every text passes
:func:`~eligibility.render.terminal.terminal_safe` and reaches Rich as a ``Text``, never as markup.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from rich.cells import cell_len
from rich.console import Console
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from eligibility.findings import Assessment, Findings, as_findings
from eligibility.labels import Lang, issue_message, text
from eligibility.language.model import Criterion, TierDef
from eligibility.language.ruleset import RuleSet, walk_criteria
from eligibility.render.tables import Tables
from eligibility.render.terminal import terminal_safe
from eligibility.render.words import criterion_labels, describe_moves, format_quantity, gap_verb
from eligibility.units import Unit

__all__ = ["check_tiers", "explain_firm", "find_firm", "find_firms", "format_candidates"]

_OPS = {">=": "≥", ">": ">", "<=": "≤", "<": "<"}
_SPACE = {"zh": "", "en": " "}  # Chinese runs words together; English does not

# The criteria table, most needed first; the last three move under the table, source first, when the
# console is too narrow for them.
_COLUMNS = (
    "col_criterion",
    "explain_value",
    "explain_required",
    "col_status",
    "explain_margin",
    "col_gaps",
    "col_source",
)
_CORE = 4  # criterion, value, requirement and status always stay in the table
# The narrowest a column is wrapped to, in terminal cells (a Chinese character takes two): narrower,
# a label falls apart into pieces of four characters that nobody reads.
_FLOOR = {"col_criterion": 24}
_DEFAULT_FLOOR = 16


def find_firms(assessment: Findings | Assessment, key: str) -> list[int]:
    """The positions of the firms ``key`` names, in row order.

    An exact credit code wins (in either case: codes are read in capitals), then an exact name;
    otherwise every firm whose name contains ``key``. More than one position means ``key`` is
    ambiguous; none, that no firm matches.
    """
    key = key.strip()
    if not key:
        return []
    findings = as_findings(assessment)
    codes, names = findings.codes, findings.names
    for values, wanted, exact in ((codes, key.upper(), True), (names, key, True), (names, key, False)):
        if values is None:
            continue
        column = pd.Series(values, dtype=object).fillna("").astype(str)
        hits = (column == wanted) if exact else column.str.contains(wanted, regex=False)
        if hits.any():
            return [int(i) for i in np.flatnonzero(hits.to_numpy())]
    return []


def find_firm(assessment: Findings | Assessment, key: str) -> int | None:
    """The position of the first firm ``key`` names (see :func:`find_firms`), else ``None``."""
    positions = find_firms(assessment, key)
    return positions[0] if positions else None


def format_candidates(
    assessment: Findings | Assessment, positions: Sequence[int], key: str, lang: Lang = "zh", limit: int = 20
) -> str:
    """The message for an ambiguous ``key``: the first ``limit`` firms it names, then how many more."""
    findings = as_findings(assessment)
    codes, names = findings.codes, findings.names
    lines = [text("explain_ambiguous", lang, firm=key, count=len(positions))]
    for position in positions[:limit]:
        code = codes[position] if codes is not None else None
        name = names[position] if names is not None else None
        row = int(findings.rows[position])
        lines.append(
            "  "
            + text(
                "explain_candidate",
                lang,
                code=code or text("no_value", lang),
                name=name or text("no_value", lang),
                row=row,
            )
        )
    if len(positions) > limit:
        lines.append("  " + text("explain_more_candidates", lang, count=len(positions) - limit))
    return terminal_safe("\n".join(lines))


def check_tiers(rules: RuleSet, tiers: Sequence[str], lang: Lang = "zh") -> str | None:
    """The refusal of the first tier in ``tiers`` that is not a tier id, with a "did you mean"; else None.

    The suggestion is the id whose own name, Chinese or English label or alias is closest to the word
    given (or, failing that, the only one containing it).
    """
    for tier in tiers:
        if tier in rules.tiers:
            continue
        names: dict[str, str] = {}
        for meta in rules.tiers.values():
            for name in (meta.id, meta.label_zh, meta.label_en, *meta.aliases):
                if name:
                    names.setdefault(name.casefold(), meta.id)
        wanted = tier.strip().casefold()
        close = difflib.get_close_matches(wanted, list(names), n=1, cutoff=0.6)
        containing = {names[name] for name in names if wanted and wanted in name}
        suggestion = names[close[0]] if close else (containing.pop() if len(containing) == 1 else None)
        choices = text("explain_list_sep", lang).join(
            text("explain_tier_choice", lang, id=meta.id, label=_label(meta, lang))
            for meta in rules.tiers.values()
        )
        return terminal_safe(
            text(
                "explain_unknown_tier",
                lang,
                tier=tier,
                suggestion=text("did_you_mean", lang, suggestion=suggestion) if suggestion else "",
                choices=choices,
            )
        )
    return None


def _label(meta: TierDef, lang: Lang) -> str:
    return meta.label_en if lang == "en" and meta.label_en else meta.label_zh


def _generated(assessment: Findings, tier: str, position: int, leaf: dict[str, Any], lang: Lang) -> str:
    """Labels of the leaves the engine makes itself (size classes, the required title)."""
    if leaf["kind"] == "classification":
        return text("explain_not_large", lang)
    if leaf["kind"] == "compare" and leaf["field"] in assessment.rules.fields:
        spec = assessment.rules.fields[leaf["field"]]
        return text("explain_large_bound", lang, field=spec.label_zh if lang == "zh" else spec.label_en)
    if leaf["kind"] == "holds":  # the title the rule set requires, by name
        labels = criterion_labels([assessment.rule_file_at(tier, position)], lang, assessment.rules)
        return labels.get(leaf["id"], text("doc_requires_title", lang))
    return str(leaf["id"])


def _value(value: float | None, unit: Unit, lang: Lang) -> str:
    if value is None:
        return text("no_value", lang)
    if unit is Unit.FRACTION:
        return f"{value * 100:.2f}%"
    return format_quantity(value, unit, lang)


def explain_firm(
    results: Findings | Assessment,
    position: int,
    console: Console,
    lang: Lang = "zh",
    tiers: list[str] | None = None,
) -> None:
    """Print the explanation of the firm at ``position``."""
    assessment = as_findings(results)
    record = assessment.firm(position)
    _say(
        console,
        text(
            "explain_title",
            lang,
            name=record["name"] or text("no_value", lang),
            code=record["credit_code"] or text("no_value", lang),
            row=record["row"],
            as_of=record["as_of"],
            purpose=text(f"purpose_{record['purpose']}", lang),
        ),
        style="bold",
    )
    for tier, result in record["tiers"].items():
        if tiers and tier not in tiers:
            continue
        _tier(assessment, tier, result, console, lang, position)
    for tier in tiers or ():
        if tier not in record["tiers"] and tier in assessment.rules.tiers:  # asked for, not evaluated
            reason = assessment.skipped.get(tier, "no_ruleset")
            console.print()
            _say(console, text(f"skipped_{reason}", lang, tiers=_label(assessment.rules.tiers[tier], lang)))
    # The flags in the words of the workbook's and the report's lists (one wording, built once).
    flags = str(Tables(assessment, lang).flag_words()[position]) or text("explain_none", lang)
    _say(console, text("explain_flags", lang, flags=flags))
    for issue in assessment.issues:
        if issue.row == record["row"]:
            _say(console, issue_message(issue, lang), indent=2)


def _size_word(assessment: Findings, size: str, lang: Lang) -> str:
    """A 300号 size class in words (中型 / medium)."""
    classification = assessment.classification
    if lang == "zh" and classification is not None:
        return classification.class_labels_zh.get(size, size)
    return text(f"size_{size}", lang) if f"size_{size}" in _SIZE_KEYS else size


_SIZE_KEYS = ("size_large", "size_medium", "size_small", "size_micro")


def _say(console: Console, line: str, style: str = "", indent: int = 0) -> None:
    """Print ``line`` as literal text (no markup, no control characters), wrapped under its indent."""
    shown = Text(terminal_safe(line), style=style)
    console.print(Padding(shown, (0, 0, 0, indent), expand=False) if indent else shown)


def _tier(
    assessment: Findings, tier: str, result: dict[str, Any], console: Console, lang: Lang, position: int
) -> None:
    rules = assessment.rules
    meta = rules.tiers[tier]
    label = meta.label_en if lang == "en" and meta.label_en else meta.label_zh
    status = text(result["status"], lang)
    if result["borderline"]:
        status = text("status_marked", lang, status=status, mark=text(result["borderline"], lang))
    heading = text(
        "explain_tier",
        lang,
        tier=label,
        status=status,
        ruleset=result["ruleset"]["id"],
        regime=result["ruleset"]["regime"],
    )
    if "review_round" in result["ruleset"]:  # reviewed in the round of its title's expiry year
        heading += text("explain_round", lang, year=result["ruleset"]["review_round"])
    if "score_min" in result:
        score = (
            result["score"]
            if result["score"] is not None
            else f"{result['score_min']:g}–{result['score_max']:g}"
        )
        heading += text("explain_score", lang, score=score if isinstance(score, str) else f"{score:g}")
    if result.get("class"):
        heading += text("explain_class", lang, size=_size_word(assessment, result["class"], lang))
    console.print()
    _say(console, heading, style="bold")
    ruleset = assessment.rule_file_at(tier, position)  # the rule set that judged this firm
    nodes: dict[str, Criterion] = (
        {n.id: n for n in walk_criteria(ruleset.criteria)} if ruleset.criteria else {}
    )
    rows: list[list[str]] = []
    for leaf in result["criteria"]:
        if leaf["kind"] == "compare" and leaf["threshold"] is None:
            continue  # a size bound of another industry: it does not apply to this firm
        node = nodes.get(leaf["id"])
        name = (
            (node.label_zh if lang == "zh" else (node.label_en or node.label_zh))
            if node
            else _generated(assessment, tier, position, leaf, lang)
        )
        value, required, margin, gap = _cells(assessment, tier, leaf, node, lang)
        # ✗ what the firm would change (the closest alternative); · another alternative it also misses.
        # A gap is advice only on that path: not for another alternative, nor for one the firm need
        # not meet (its either/or is met otherwise)
        mark = "✗" if leaf["id"] in result["closest"] else ("·" if leaf["id"] in result["failed"] else "")
        rows.append(
            [
                f"{mark}{name}",
                value,
                required,
                text(leaf["status"], lang),
                margin,
                gap if leaf["id"] in result["closest"] else "",
                leaf["source"] or "",
            ]
        )
    _criteria(console, rows, lang)
    if result.get("indicators"):
        points = Table(title=Text(terminal_safe(text("explain_points", lang))))
        for key in ("explain_indicator", "col_score", "explain_max"):
            points.add_column(Text(terminal_safe(text(key, lang))))
        indicators = {
            i.id: i for g in (ruleset.points.groups if ruleset.points else []) for i in g.indicators
        }
        for indicator_id, (low, high) in result["indicators"].items():
            indicator = indicators.get(indicator_id)
            shown = f"{low:g}" if low == high else f"{low:g}–{high:g}"
            label = (
                (indicator.label_zh if lang == "zh" else (indicator.label_en or indicator.label_zh))
                if indicator
                else indicator_id
            )
            points.add_row(
                *(Text(terminal_safe(c)) for c in (label, shown, f"{indicator.max:g}" if indicator else ""))
            )
        console.print(points)
        plan = assessment.band_moves(tier, position)
        if plan:
            labels = {
                i: (x.label_zh if lang == "zh" else (x.label_en or x.label_zh)) for i, x in indicators.items()
            }
            _say(console, describe_moves(plan, rules, labels, lang))
    for assumption in result["assumptions"]:
        _say(console, text("explain_assumption", lang, note=assumption["note_zh"]))


def _criteria(console: Console, rows: list[list[str]], lang: Lang) -> None:
    """The criteria table at the console's width.

    Every column that fits at a readable width stays in the table; the others (source first, then gap,
    then margin) follow it as sentences keyed by the criterion's number. Below the width of a readable
    four-column table, each criterion is one short paragraph. A margin or gap column with nothing in it
    is left out.
    """
    headers = [terminal_safe(text(key, lang)) for key in _COLUMNS]
    cells = [[terminal_safe(cell) for cell in row] for row in rows]
    shown = [*range(_CORE), *(i for i in range(_CORE, len(_COLUMNS)) if any(row[i] for row in cells))]
    sep = text("explain_note_sep", lang)
    fitted = _fit(
        console.width,
        [_COLUMNS[i] for i in shown],
        [headers[i] for i in shown],
        [[row[i] for i in shown] for row in cells],
    )
    if fitted is None:
        cards = [
            (
                str(number),
                "\n".join([row[0], *(_item(headers[i], row[i], lang) for i in shown[1:] if row[i])]),
            )
            for number, row in enumerate(cells, 1)
        ]
        _keyed(console, cards, indent=0)
        return
    numbered, widths = fitted
    kept, moved = shown[: len(widths)], shown[len(widths) :]
    table = Table(show_lines=False, expand=False)
    if numbered:
        table.add_column(Text(""), width=len(str(len(cells))), justify="right")
    for i, width in zip(kept, widths, strict=True):
        table.add_column(Text(headers[i]), width=width, overflow="fold")
    for number, row in enumerate(cells, 1):
        table.add_row(*([Text(str(number))] if numbered else []), *(Text(row[i]) for i in kept))
    console.print(table)
    notes: list[tuple[str, str]] = []
    for number, row in enumerate(cells, 1):
        items = [_item(headers[i], row[i], lang) for i in moved if row[i] and _COLUMNS[i] != "col_source"]
        if items:
            notes.append((str(number), sep.join(items)))
    if _COLUMNS.index("col_source") in moved:
        sources: dict[str, list[int]] = {}
        for number, row in enumerate(cells, 1):
            if row[-1]:
                sources.setdefault(row[-1], []).append(number)
        notes.extend(
            (_runs(numbers, lang), _item(headers[-1], source, lang)) for source, numbers in sources.items()
        )
    _keyed(console, notes, indent=1)


def _keyed(console: Console, notes: list[tuple[str, str]], indent: int) -> None:
    """Sentences each after its key (a row number or numbers), wrapped lines hanging under the sentence."""
    keys = max((cell_len(key) for key, _ in notes), default=0)
    for key, note in notes:
        # One grid per note, so a short note is not padded out to the width of the longest.
        grid = Table.grid(padding=(0, 1))
        grid.add_column(justify="right", no_wrap=True, width=keys)
        grid.add_column(overflow="fold")
        grid.add_row(Text(key), Text(note))
        console.print(Padding(grid, (0, 0, 0, indent), expand=False))


def _fit(
    width: int, keys: list[str], headers: list[str], cells: list[list[str]]
) -> tuple[bool, list[int]] | None:
    """Whether the rows are numbered, and the content width of each column kept in the table (a
    prefix of the columns); None when not even the first four fit.

    Each column gets at least its floor (or its widest cell, if narrower), so no label is cut into
    pieces of a few characters; above that, the widest are cut first (see :func:`_share`). Columns
    move out, last first, until the floors fit ``width``; once one has moved, a number column keys
    the sentences under the table to their rows.
    """
    natural = [
        max(cell_len(line) for cell in [header, *(row[i] for row in cells)] for line in cell.split("\n"))
        for i, header in enumerate(headers)
    ]
    floors = [min(w, _FLOOR.get(key, _DEFAULT_FLOOR)) for w, key in zip(natural, keys, strict=True)]
    for kept in range(len(headers), _CORE - 1, -1):
        numbered = kept < len(headers)
        # Each column costs a border on its left and one cell of padding on either side; then the
        # closing border, and the number column when there is one.
        room = width - 3 * kept - 1 - (len(str(len(cells))) + 3 if numbered else 0)
        if sum(floors[:kept]) <= room:
            return numbered, _share(room, floors[:kept], natural[:kept])
    return None


def _share(room: int, floors: list[int], wanted: list[int]) -> list[int]:
    """Widths between ``floors`` and ``wanted``, within ``room`` in all: the widest columns are cut to a
    common level first, so a short column keeps its whole width and wraps no cell."""
    level = max(wanted, default=0)
    while level > 0 and sum(min(w, max(f, level)) for f, w in zip(floors, wanted, strict=True)) > room:
        level -= 1
    return [min(w, max(f, level)) for f, w in zip(floors, wanted, strict=True)]


def _item(name: str, value: str, lang: Lang) -> str:
    return text("explain_note_item", lang, name=name, value=value)


def _runs(numbers: list[int], lang: Lang) -> str:
    """``[1, 2, 3, 5]`` as ``1–3、5`` (``1–3, 5`` in English)."""
    runs: list[list[int]] = []
    for number in numbers:
        if runs and number == runs[-1][-1] + 1:
            runs[-1].append(number)
        else:
            runs.append([number])
    return text("explain_list_sep", lang).join(
        f"{run[0]}–{run[-1]}" if len(run) > 1 else str(run[0]) for run in runs
    )


def _cells(
    assessment: Findings, tier: str, leaf: dict[str, Any], node: Criterion | None, lang: Lang
) -> tuple[str, str, str, str]:
    rules = assessment.rules
    kind = leaf["kind"]
    if kind == "compare" and leaf["field"] in rules.fields:
        unit = rules.fields[leaf["field"]].unit
        value = _value(leaf["value"], unit, lang)
        required = (
            f"{_OPS[leaf['op']]} {_value(leaf['threshold'], unit, lang)}"
            if leaf["threshold"] is not None
            else ""
        )
        margin = format_quantity(leaf["margin"], unit, lang) if leaf["margin"] else ""
        gap = ""
        if leaf["gap"] is not None and leaf["status"] == "fail":
            verb = gap_verb(leaf["op"], leaf["gap"] > 0, unit, lang)  # strict: "more than"
            gap = verb + _SPACE[lang] + format_quantity(abs(leaf["gap"]), unit, lang, up=True)
            if leaf["lever"] and leaf["lever_gap"] is not None:
                lever = rules.fields[leaf["lever"]]
                verb = gap_verb(leaf["op"], leaf["lever_gap"] > 0, lever.unit, lang)
                gap += text(
                    "gap_lever",
                    lang,
                    lever=lever.label_zh if lang == "zh" else lever.label_en,
                    verb=verb,
                    amount=format_quantity(abs(leaf["lever_gap"]), lever.unit, lang, up=True),
                )
        return value, required, margin, gap
    if kind == "score":
        value = (
            f"{leaf['value']:g}"
            if leaf["value"] == leaf["value_high"]
            else f"{leaf['value']:g}–{leaf['value_high']:g}"
        )
        gap = (
            gap_verb(leaf["op"], True, Unit.POINTS, lang)
            + _SPACE[lang]
            + format_quantity(leaf["gap"], Unit.POINTS, lang)
            if leaf["gap"] is not None
            else ""
        )
        return (
            value,
            f"{_OPS[leaf['op']]} {leaf['threshold']:g}",
            format_quantity(leaf["margin"], Unit.POINTS, lang) if leaf["margin"] else "",
            gap,
        )
    if kind == "match" and node is not None and node.match is not None:
        spec = rules.fields[node.match.field]
        return (
            _choice(spec, leaf["value"], lang),
            "/".join(_choice(spec, v, lang) for v in node.match.in_),
            "",
            "",
        )
    if kind == "review":
        verdict = leaf["value"]
        return (
            (
                text("explain_unjudged", lang)
                if verdict is None
                else text("doc_yes" if verdict else "doc_no", lang)
            ),
            text("doc_review", lang),
            "",
            "",
        )
    return "", "", "", ""


def _choice(spec: Any, value: object, lang: Lang) -> str:
    if value is None:
        return text("no_value", lang)
    if spec.unit is Unit.BOOL:
        truthy = value in (True, "true") or value == 1.0
        return text("doc_yes" if truthy else "doc_no", lang)
    ids = list(spec.choices or {})
    if isinstance(value, float) and 0 <= int(value) < len(ids):
        value = ids[int(value)]
    choice = (spec.choices or {}).get(str(value))
    return (
        str(choice.label_zh if lang == "zh" or not choice.label_en else choice.label_en)
        if choice
        else str(value)
    )
