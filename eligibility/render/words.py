"""Quantities in words: a value with its unit, the way the workbook and the explanation print it."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from eligibility.findings import Assessment, BandMove, Findings, GapPiece, as_findings, join_masks
from eligibility.labels import Lang, text
from eligibility.language.model import RuleSetFile
from eligibility.language.ruleset import RuleSet, walk_criteria
from eligibility.units import Unit

__all__ = [
    "criterion_labels",
    "describe_moves",
    "format_quantities",
    "format_quantity",
    "gap_sentences",
    "gap_verb",
    "risk_reason",
    "tier_label",
]

_WITH_UNIT = (Unit.FRACTION, Unit.WAN_YUAN, Unit.PERSONS, Unit.COUNT, Unit.RANK, Unit.YEARS, Unit.POINTS)


# Digits people read: one decimal for a percentage (of a ratio or a difference of ratios) and for
# years, two for 万元; counts, ranks and points as they are.
_DECIMALS = {Unit.FRACTION: 1, Unit.WAN_YUAN: 2, Unit.YEARS: 1}


def _for_people(values: npt.NDArray[np.float64], unit: Unit, up: bool = False) -> npt.NDArray[np.float64]:
    """Values as people read them: ratios in percent, rounded to the unit's digits — upwards for an
    amount a firm must reach (``up``: a gap never reads smaller than it is); a nonzero value that
    would show as 0 keeps its digits."""
    values = np.asarray(values, dtype=np.float64)
    if unit is Unit.FRACTION:
        values = values * 100
    digits = _DECIMALS.get(unit)
    if digits is None:
        return values
    scale = 10.0**digits
    rounded = np.ceil(values * scale - 1e-7) / scale if up else np.round(values, digits)
    kept: npt.NDArray[np.float64] = np.where((rounded == 0) & (values != 0), values, rounded)
    return kept


def _numbers(values: npt.NDArray[np.float64], unit: Unit) -> npt.NDArray[np.object_]:
    """Rounded values as text: fixed digits without trailing zeros (2.6, 17919.2, 3), never an
    exponent; a tiny nonzero value with two significant digits."""
    digits = _DECIMALS.get(unit)
    values = np.asarray(values, dtype=np.float64)
    listed = values.tolist()
    if digits is None:
        return np.array(list(map("%g".__mod__, listed)), dtype=object)
    # One comprehension formats and strips (half the time of pandas' .str.rstrip, a lambda a cell).
    fixed = f"%.{digits}f"
    out: npt.NDArray[np.object_] = np.array(
        [(fixed % value).rstrip("0").rstrip(".") for value in listed], dtype=object
    )
    tiny = np.flatnonzero((values != 0) & (np.abs(values) < 10.0**-digits))
    if tiny.size:  # rare: a value that would show as 0
        out[tiny] = [f"{values[i]:.2g}" for i in tiny]
    return out


def format_quantity(value: float | None, unit: Unit, lang: Lang = "zh", up: bool = False) -> str:
    """One value with its unit (3.3个百分点 is a ratio *difference*; a ratio itself prints as 3.3%);
    ``up`` for an amount a firm must reach."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return text("no_value", lang)
    number = str(_numbers(_for_people(np.asarray([value], dtype=np.float64), unit, up), unit)[0])
    return text(f"unit_{unit.value}", lang, value=number) if unit in _WITH_UNIT else number


def format_quantities(
    values: npt.NDArray[np.float64], unit: Unit, lang: Lang = "zh", up: bool = False
) -> npt.NDArray[np.object_]:
    """Many values with their unit at once (no Python loop over firms beyond the formatting map);
    ``up`` for amounts firms must reach."""
    numbers = _numbers(_for_people(values, unit, up), unit)
    if unit not in _WITH_UNIT:
        return numbers
    head, tail = text(f"unit_{unit.value}", lang, value="\0").split("\0")
    return _concat(head, numbers, tail)


def _concat(*parts: str | npt.NDArray[np.object_]) -> npt.NDArray[np.object_]:
    """Element-wise concatenation of strings and object arrays of strings (numpy's object add)."""
    out: npt.NDArray[np.object_] = np.asarray(parts[0], dtype=object)
    for part in parts[1:]:
        out = np.add(out, part, dtype=object)
    return out


def gap_verb(op: str | None, upward: bool, unit: Unit, lang: Lang = "zh") -> str:
    """The verb of a gap: raise / lower (climb for a rank, where smaller is better), and "by more
    than" for a strict bound (``>``, ``<``), which reaching the stated change does not yet meet."""
    key = "gap_raise" if upward else ("gap_climb" if unit is Unit.RANK else "gap_lower")
    return text(key + ("_over" if op in (">", "<") else ""), lang)


def _label(rules: RuleSet, field: str, lang: Lang) -> str:
    spec = rules.fields[field]
    return spec.label_zh if lang == "zh" else spec.label_en


def describe_moves(
    moves: list[BandMove],
    rules: RuleSet,
    labels: dict[str, str],
    lang: Lang = "zh",
    amounts: Sequence[str] | None = None,
) -> str:
    """A band-move plan in words: each indicator from → to points, and what must change (``amounts``
    replaces the formatted change of each move, for filling in many firms' own amounts)."""
    parts = []
    for k, move in enumerate(moves):
        name = labels.get(move.indicator, move.indicator)
        points = text(
            "plan_points", lang, name=name, start=f"{move.points_from:g}", end=f"{move.points_to:g}"
        )
        if move.change is not None and move.field is not None:
            unit = rules.fields[move.field].unit
            verb = gap_verb(move.op, move.change > 0, unit, lang)  # a strict bound: "more than"
            how = text(
                "plan_change",
                lang,
                field=_label(rules, move.field, lang),
                verb=verb,
                amount=amounts[k]
                if amounts is not None
                else format_quantity(abs(move.change), unit, lang, up=True),
            )
        elif isinstance(move.target, list):
            how = text(
                "plan_items",
                lang,
                items=text("enumeration", lang).join(_label(rules, f, lang) for f in move.target),
            )
        elif move.field is not None:
            spec = rules.fields[move.field]
            choice = (spec.choices or {}).get(str(move.target))
            shown = (
                (choice.label_zh if lang == "zh" or not choice.label_en else choice.label_en)
                if choice
                else str(move.target)
            )
            how = text("plan_choice", lang, field=_label(rules, move.field, lang), choice=shown)
        else:
            how = ""
        parts.append(points + how)
    return text("plan_intro", lang, moves=text("list_separator", lang).join(parts))


def ruleset_cell(counts: Mapping[str, Any], lang: Lang) -> str:
    """The rule set(s) of one tier in a summary row by the document people know them by (``2号``), with
    the number of firms each judged when firms were judged by different ones (review by the round:
    ``63号：267家；2号：33家``); the rule set ids are in the 规则说明 table."""
    used = counts["rulesets"]
    if len(used) == 1:
        return str(used[0]["regime"])
    return text("list_separator", lang).join(
        str(u["regime"]) + text("ruleset_firms", lang, firms=u["firms"]) for u in used
    )


def tier_label(rules: RuleSet, tier: str, lang: Lang) -> str:
    """A tier's label in ``lang``."""
    meta = rules.tiers[tier]
    return meta.label_en if lang == "en" and meta.label_en else meta.label_zh


def _split_template(key: str, lang: Lang, **fields: str) -> list[str]:
    """A message template cut at its two variable parts (``verb`` and ``amount``), so that the fixed
    text is joined to whole columns of verbs and amounts at once."""
    head, tail = text(key, lang, verb="\0", amount="\1", **fields).split("\0")
    middle, end = tail.split("\1")
    return [head, middle, end]


def _piece_sentences(piece: GapPiece, rules: RuleSet, lang: Lang) -> npt.NDArray[np.object_]:
    """The gap sentences of one failed criterion, for every firm of the piece."""
    # The alternative a firm is told about is the one it is closest to, and is said to be.
    labels = criterion_labels([piece.rule_file], lang, rules, "closest_prefix")
    label = labels.get(piece.criterion, piece.criterion)
    gaps = piece.amount
    # A strict bound ("more than") is not met by the change itself: the verbs say so.
    raise_word = gap_verb(piece.op, True, piece.unit, lang)
    lower_word = gap_verb(piece.op, False, piece.unit, lang)
    if piece.op:
        upward = piece.op in (">", ">=")
        verbs = np.full(gaps.size, raise_word if upward else lower_word, dtype=object)
    else:
        verbs = np.where(gaps > 0, raise_word, lower_word).astype(object)
    head, middle, end = _split_template("gap_sentence", lang, label=label)
    amounts = format_quantities(np.abs(gaps), piece.unit, lang, up=True)
    sentences = _concat(head, verbs, middle, amounts, end)
    if piece.plans and piece.rule_file.points is not None:
        # The cheapest band moves, for the firms that fall short of the mark.
        names = {
            i.id: (i.label_zh if lang == "zh" else (i.label_en or i.label_zh))
            for g in piece.rule_file.points.groups
            for i in g.indicators
        }
        plans = np.full(gaps.size, "", dtype=object)
        for members, moves, changes in piece.plans:
            plans[np.searchsorted(piece.positions, members)] = _plan_texts(
                rules, moves, changes, members.size, names, lang
            )
        sentences = _concat(sentences, plans)
    if piece.lever is not None and piece.lever_amount is not None and piece.lever_unit is not None:
        lever = rules.fields[piece.lever]
        lever_gaps = piece.lever_amount
        known = ~np.isnan(lever_gaps)
        lever_head, lever_middle, lever_end = _split_template(
            "gap_lever", lang, lever=lever.label_zh if lang == "zh" else lever.label_en
        )
        lever_verbs = np.where(
            lever_gaps > 0,
            gap_verb(piece.op, True, piece.lever_unit, lang),
            gap_verb(piece.op, False, piece.lever_unit, lang),
        ).astype(object)
        extra = _concat(
            lever_head,
            lever_verbs,
            lever_middle,
            format_quantities(np.abs(np.nan_to_num(lever_gaps)), piece.lever_unit, lang, up=True),
            lever_end,
        )
        sentences = _concat(sentences, np.where(known, extra, ""))
    return sentences


def gap_sentences(results: Findings | Assessment, lang: Lang = "zh", review: bool = False) -> pd.DataFrame:
    """Per (firm position, tier): the changes that would meet each failed threshold, in words.

    Worded per failed criterion over the firms that fail it (the gap facts of
    :attr:`~eligibility.findings.Findings.gaps`, or with ``review`` of ``review_gaps``: the re-review
    rules, for the titles at risk), then joined per firm and tier in tier order.
    """
    findings = as_findings(results)
    rules, tiers = findings.rules, findings.tiers
    pieces = findings.review_gaps if review else findings.gaps
    built = [(piece.positions, piece.tier, _piece_sentences(piece, rules, lang)) for piece in pieces]
    if not built:  # typed, so that positions index arrays even when no firm has a gap
        empty = np.zeros(0, dtype=object)
        return pd.DataFrame({"position": np.zeros(0, dtype=np.int64), "tier": empty, "text": empty})
    positions = np.concatenate([rows for rows, _, _ in built])
    tier_of = np.concatenate([np.full(rows.size, k, dtype=np.int64) for k, (rows, _, _) in enumerate(built)])
    texts_in = np.concatenate([texts for _, _, texts in built])
    separator = text("list_separator", lang)
    # Join the sentences of each (firm, tier) in their order of appearance: a stable sort by key, then
    # one concatenation per group with numpy's reduceat instead of a Python join per group.
    tier_order = {t: k for k, t in enumerate(dict.fromkeys([*tiers, *(t for _, t, _ in built)]))}
    piece_tier = np.array([tier_order[t] for _, t, _ in built], dtype=np.int64)
    codes = positions * len(tier_order) + piece_tier[tier_of]
    order = np.argsort(codes, kind="stable")
    codes = codes[order]
    texts = texts_in[order]
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
    last = np.r_[starts[1:] - 1, len(codes) - 1]
    with_separator = texts + separator
    with_separator[last] = texts[last]
    tier_names = np.array(list(tier_order), dtype=object)
    return pd.DataFrame(
        {
            "position": codes[starts] // len(tier_order),
            # object columns: pandas would otherwise copy every sentence into an Arrow string array
            "tier": pd.Series(tier_names[codes[starts] % len(tier_order)], dtype=object),
            "text": pd.Series(np.add.reduceat(with_separator, starts), dtype=object),
        }
    )


def failed_words(findings: Findings, tier: str, lang: Lang, separator: str) -> npt.NDArray[np.object_]:
    """Per firm, the labels of the failed criteria that made ``tier`` fail — of the alternatives of a
    failing either/or (or band) only the one the firm is closest to — joined by ``separator``."""
    out = np.full(findings.n, "", dtype=object)
    for part in findings.parts(tier):
        labels = criterion_labels([part.rule_file], lang, findings.rules)
        names = [labels.get(k, k) for k in part.closest]
        joined = join_masks(names, list(part.closest.values()), findings.n, separator)
        # 信息不足: what could not be judged, so the officer knows what to fill in.
        undecided = join_masks(
            [labels.get(k, k) for k in part.unknown], list(part.unknown.values()), findings.n, separator
        )
        missing = undecided != ""
        joined[missing] = text("undecided_prefix", lang) + undecided[missing]
        if part.judged is None:
            return joined
        out[part.judged] = joined[part.judged]
    return out


def risk_reason(rules: RuleSet, tier: str, code: str, lang: Lang) -> str:
    """An at-risk reason (the tier and its reason code) in words: 专精特新中小企业：按复核标准不符合."""
    return text("risk_words", lang, tier=tier_label(rules, tier, lang), reason=text("risk_" + code, lang))


def risk_words(
    rules: RuleSet, tiers: npt.NDArray[np.object_], codes: npt.NDArray[np.object_], lang: Lang
) -> npt.NDArray[np.object_]:
    """:func:`risk_reason` of every (tier, code) pair, "" where None — worded once per distinct pair."""
    out = np.full(len(tiers), "", dtype=object)
    hit = pd.notna(codes)
    if not hit.any():
        return out
    pairs = pd.DataFrame({"tier": tiers[hit], "code": codes[hit]}, dtype=object)
    distinct = pairs.drop_duplicates()
    distinct["words"] = [
        risk_reason(rules, str(t), str(c), lang)
        for t, c in zip(distinct["tier"], distinct["code"], strict=True)
    ]  # one sentence per distinct pair, not per firm
    out[hit] = pairs.merge(distinct, on=["tier", "code"], how="left")["words"].to_numpy(dtype=object)
    return out


def _plan_texts(
    rules: RuleSet,
    plan: list[BandMove],
    changes: list[npt.NDArray[np.float64]],
    size: int,
    names: dict[str, str],
    lang: Lang,
) -> npt.NDArray[np.object_]:
    """One plan in words for every member firm, each with its own amounts (``changes[k]`` of move k)."""
    marks = [f"\0{k}\0" if m.change is not None and m.field is not None else "" for k, m in enumerate(plan)]
    template = text("list_separator", lang) + describe_moves(plan, rules, names, lang, amounts=marks)
    parts: list[str | npt.NDArray[np.object_]] = []
    rest = template
    for k, move in enumerate(plan):
        if not marks[k]:
            continue
        assert move.field is not None
        before, rest = rest.split(marks[k], 1)
        parts += [before, format_quantities(changes[k], rules.fields[move.field].unit, lang, up=True)]
    return _concat(*parts, rest) if parts else np.full(size, template, dtype=object)


def criterion_labels(
    rule_files: Sequence[RuleSetFile], lang: Lang, rules: RuleSet | None = None, prefix: str = "any_prefix"
) -> dict[str, str]:
    """Criterion labels of the rule sets of a tier (and of the leaves the engine adds itself), leaves
    inside an ``any`` group marked as one of alternatives. For several rule sets (review by the
    round; the one applied to most firms first), an id both use is labelled as in the first."""
    merged: dict[str, str] = {}
    for rule_file in reversed(rule_files):
        merged |= _labels_of(rule_file, lang, rules, prefix)
    return merged


def _labels_of(rule_file: RuleSetFile, lang: Lang, rules: RuleSet | None, prefix: str) -> dict[str, str]:
    root = rule_file.criteria
    required = rule_file.ruleset.requires_title
    needs = text("doc_requires_title", lang)
    if required is not None and rules is not None and required in rules.tiers:
        needs = text("needs_title", lang, title=tier_label(rules, required, lang))
    labels: dict[str, str] = {"requires_title": needs, "not_large": text("explain_not_large", lang)}
    if root is None:
        return labels
    alternatives: set[str] = set()
    for node in walk_criteria(root):
        labels[node.id] = node.label_zh if lang == "zh" else (node.label_en or node.label_zh)
        if node.any:
            alternatives.update(c.id for child in node.any for c in walk_criteria(child))
    said = text(prefix, lang)
    return {k: (said + v if k in alternatives else v) for k, v in labels.items()}
