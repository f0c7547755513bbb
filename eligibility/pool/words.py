"""The pool's answers for people: terminal lines and tables, the changes as a workbook or CSV.

Owns the translation of the pool's frames (ids and numbers) into words of :mod:`eligibility.labels`
(``pool_*`` keys, the status and column words the screening's outputs use) and the rule files.

Must not: compute a change, a target or a ranking (``store.py`` and ``changes.py`` do).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any, cast

import pandas as pd
from rich.table import Table
from rich.text import Text

from eligibility.labels import Lang, text
from eligibility.language.ruleset import RuleSet
from eligibility.pool.changes import KINDS
from eligibility.render.files import atomic_path, write_table_csv
from eligibility.render.tables import status_words
from eligibility.render.terminal import terminal_safe
from eligibility.render.words import criterion_labels, format_quantity, gap_verb, tier_label
from eligibility.units import Unit

__all__ = [
    "alerts_path",
    "alerts_table",
    "candidate_lacks",
    "changes_table",
    "criteria_labels",
    "format_alerts",
    "format_changes",
    "format_history",
    "format_margins",
    "format_targets",
    "gap_words",
    "hidden_lines",
    "key_only",
    "line_label",
    "margin_words",
    "tier_words",
    "write_changes",
    "write_sheet",
]

_HEADINGS = {
    "kind": "pool_col_change",
    "credit_code": "col_code",
    "name": "col_name",
    "township": "col_township",
    "officer": "col_officer",
    "tier": "col_tier",
    "before": "pool_col_before",
    "after": "pool_col_after",
    "borderline_before": "pool_col_borderline_before",
    "borderline_after": "pool_col_borderline_after",
    "now_failing": "pool_col_now_failing",
    "now_passing": "pool_col_now_passing",
    "field": "pool_col_field",
}
_STATUS_KINDS = (
    "became_ineligible",
    "became_eligible",
    "into_borderline",
    "out_of_borderline",
    "status_changed",
)
_TITLE_KINDS = ("title_gained", "title_lost")


def tier_words(rules: RuleSet, tier: object, lang: Lang) -> str:
    """A tier's (or a title's) name; empty for anything that is not a tier id."""
    return tier_label(rules, str(tier), lang) if isinstance(tier, str) and tier in rules.tiers else ""


def criteria_labels(rules: RuleSet, lang: Lang) -> dict[str, dict[str, str]]:
    """Criterion labels per tier, of every rule set of the tier (the newest one's label wins)."""
    out: dict[str, dict[str, str]] = {}
    for tier in rules.tiers:
        files = sorted(
            (r for r in rules.rulesets.values() if r.ruleset.tier == tier),
            key=lambda r: r.ruleset.effective_from,
            reverse=True,
        )
        out[tier] = criterion_labels(files, lang, rules) if files else {}
    return out


def line_label(
    labels: Mapping[str, Mapping[str, str]],
    tier: object,
    criterion: object,
    field: object,
    rules: RuleSet,
    lang: Lang,
) -> str:
    """A margin line's name: its criterion's label, or for the size classes' own bounds (the
    engine's ``large_<field>`` lines, in no rule file's tree) 大型企业标准：<field>."""
    found = labels.get(str(tier), {}).get(str(criterion))
    if found is not None:
        return found
    if isinstance(field, str) and criterion == f"large_{field}":
        return text("explain_large_bound", lang, field=_field(rules, field, lang))
    return str(criterion)


def _field(rules: RuleSet, field: object, lang: Lang) -> str:
    spec = rules.fields.get(str(field)) if isinstance(field, str) else None
    if spec is None:
        return str(field or "")
    return spec.label_en if lang == "en" and spec.label_en else spec.label_zh


def _value_words(
    row: Mapping[str, Any], side: str, rules: RuleSet, lang: Lang, words: Mapping[Any, str]
) -> str:
    """A before/after cell in words: a status, a title, a name or an issue code."""
    value = row[side]
    if value is None or value == "":
        return ""
    kind = row["kind"]
    if kind in _STATUS_KINDS:
        return words.get((str(value), ""), str(value))
    if kind in _TITLE_KINDS:
        return tier_words(rules, value, lang)
    return str(value)


def changes_table(frame: pd.DataFrame, rules: RuleSet, lang: Lang = "zh", ids: bool = False) -> pd.DataFrame:
    """The changes as the table of ``-o``: headings and values in words (Chinese, or ``lang``), or
    with ``ids`` the ids of :data:`~eligibility.pool.changes.CHANGE_COLUMNS` for programs."""
    columns = list(_HEADINGS)
    if ids:
        return frame[columns].copy()
    words = status_words(lang)
    labels = criteria_labels(rules, lang)
    records = cast(list[dict[str, Any]], frame.to_dict("records"))
    out = pd.DataFrame(
        {
            "kind": frame["kind"].map(lambda k: text(f"pool_kind_{k}", lang)),
            "credit_code": frame["credit_code"],
            "name": frame["name"],
            "township": frame["township"],
            "officer": frame["officer"],
            "tier": frame["tier"].map(lambda t: tier_words(rules, t, lang)),
            "before": [_value_words(r, "before", rules, lang, words) for r in records],
            "after": [_value_words(r, "after", rules, lang, words) for r in records],
            "borderline_before": frame["borderline_before"].map(
                lambda m: words.get(("", m), "") if m else ""
            ),
            "borderline_after": frame["borderline_after"].map(lambda m: words.get(("", m), "") if m else ""),
            "now_failing": [_named(r, "now_failing", labels, lang) for r in records],
            "now_passing": [_named(r, "now_passing", labels, lang) for r in records],
            "field": frame["field"].map(lambda f: _field(rules, f, lang)),
        }
    )
    out.columns = [text(_HEADINGS[c], lang) for c in columns]
    return out


def _named(row: Mapping[str, Any], column: str, labels: Mapping[str, Mapping[str, str]], lang: Lang) -> str:
    ids = [c for c in str(row[column] or "").split(";") if c]
    named = labels.get(str(row["tier"]), {})
    return text("pool_list_separator", lang).join(named.get(c, c) for c in ids)


_ALERT_HEADINGS = {
    "as_of": "pool_col_snapshot",
    "source": "pool_col_updates_file",
    "line": "pool_col_updates_line",
    "credit_code": "col_code",
    "name": "col_name",
    "tier": "col_tier",
    "before": "pool_col_before",
    "after": "pool_col_after",
    "borderline_before": "pool_col_borderline_before",
    "borderline_after": "pool_col_borderline_after",
    "moved": "pool_col_moved",
    "raised_at": "pool_col_raised_at",
}


def _moved(
    row: Mapping[str, Any], rules: RuleSet, labels: Mapping[str, Mapping[str, str]], lang: Lang
) -> str:
    """The criteria that moved, each with its value before and after (…不低于3%（5.20% → 2.90%）)."""
    named = labels.get(str(row["tier"]), {})
    parts = []
    for moved in row["moved"]:
        label = named.get(str(moved.get("criterion")), str(moved.get("criterion")))
        spec = rules.fields.get(str(moved.get("field") or ""))
        unit = spec.unit if spec is not None else Unit.POINTS
        values = [moved.get("value_before"), moved.get("value")]
        if any(isinstance(v, float | int) and not isinstance(v, bool) for v in values):
            before, after = (_value_text(v, unit, lang) for v in values)
            label += text("pool_moved_values", lang, before=before, after=after)
        parts.append(label)
    return text("pool_list_separator", lang).join(parts)


def _value_text(value: object, unit: Unit, lang: Lang) -> str:
    """A figure as a person reads it: a ratio as per cent, else the quantity with its unit."""
    if not isinstance(value, float | int) or isinstance(value, bool) or pd.isna(value):
        return text("no_value", lang)
    if unit is Unit.FRACTION:
        return text("pool_percent", lang, value=f"{float(value) * 100:.2f}")
    return format_quantity(float(value), unit, lang)


def _local_time(value: object) -> str:
    """A stored time in this computer's zone, to the second (SQLite gives it back without a zone:
    it was written in UTC)."""
    if not isinstance(value, dt.datetime):
        return ""
    moment = value.to_pydatetime() if isinstance(value, pd.Timestamp) else value
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)
    return aware.astimezone().replace(tzinfo=None).isoformat(sep=" ", timespec="seconds")


def alerts_table(frame: pd.DataFrame, rules: RuleSet, lang: Lang = "zh", ids: bool = False) -> pd.DataFrame:
    """The monitor's alerts (:meth:`~eligibility.pool.Pool.alerts`) as the table of ``-o``: the
    snapshot, the updates file (its name) and line, the firm, the tier, both states, the criteria
    that moved and when it was raised — in words, or with ``ids`` the ids (``moved``: the criterion
    ids, ``;``-separated)."""
    columns = list(_ALERT_HEADINGS)
    if frame.empty:
        empty = pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
        if not ids:
            empty.columns = [text(_ALERT_HEADINGS[c], lang) for c in columns]
        return empty
    records = cast(list[dict[str, Any]], frame.to_dict("records"))
    out = pd.DataFrame(
        {
            "as_of": frame["as_of"].map(lambda d: d.isoformat() if isinstance(d, dt.date) else ""),
            "source": frame["source"].map(lambda s: Path(str(s)).name),
            "line": frame["line"].astype("int64"),
            "credit_code": frame["credit_code"].fillna(frame["firm_key"]),
            "name": frame["name"],
            "tier": frame["tier"],
            "before": frame["before"],
            "after": frame["after"],
            "borderline_before": frame["borderline_before"].fillna(""),
            "borderline_after": frame["borderline_after"].fillna(""),
            "moved": [";".join(str(m.get("criterion")) for m in r["moved"]) for r in records],
            "raised_at": frame["raised_at"].map(_local_time),
        }
    )
    if ids:
        return out
    words = status_words(lang)
    labels = criteria_labels(rules, lang)
    out["tier"] = frame["tier"].map(lambda t: tier_words(rules, t, lang))
    for side in ("before", "after"):
        out[side] = [words.get((str(r[side]), ""), str(r[side])) for r in records]
        out[f"borderline_{side}"] = frame[f"borderline_{side}"].map(
            lambda m: words.get(("", m), "") if m else ""
        )
    out["moved"] = [_moved(r, rules, labels, lang) for r in records]
    out.columns = [text(_ALERT_HEADINGS[c], lang) for c in columns]
    return out


def alerts_path(path: Path, lang: Lang = "zh", ids: bool = False) -> Path:
    """The file beside a changes CSV that holds the alerts: ``变化-监测提醒.csv`` (``-alerts`` in
    English or with ids)."""
    suffix = text("pool_alerts_file_suffix", "en" if ids else lang)
    return path.with_name(f"{path.stem}{suffix}{path.suffix}")


def write_changes(
    frame: pd.DataFrame,
    path: Path,
    rules: RuleSet,
    lang: Lang = "zh",
    ids: bool = False,
    alerts: pd.DataFrame | None = None,
) -> list[Path]:
    """The changes as ``.csv`` (UTF-8 with a BOM) or ``.xlsx`` (by the suffix), written atomically;
    no text cell is ever a formula (CSV: a leading ``'``; workbook: text cells). Given the
    monitor's ``alerts``, the workbook gets a second sheet of them and a CSV a second file beside
    it (:func:`alerts_path`; headings only when there are none, so an older file never stays
    behind). Returns the files written."""
    table = changes_table(frame, rules, lang, ids)
    alerted = alerts_table(alerts, rules, lang, ids) if alerts is not None else None
    if path.suffix.lower() != ".xlsx":
        written = [write_table_csv(table, path)]
        if alerted is not None:
            written.append(write_table_csv(alerted, alerts_path(path, lang, ids)))
        return written
    sheets = [(text("pool_sheet_changes", lang), table)]
    if alerted is not None:
        sheets.append((text("pool_sheet_alerts", lang), alerted))
    with atomic_path(path) as temporary:
        options = {"strings_to_formulas": False, "strings_to_urls": False}
        with pd.ExcelWriter(temporary, engine="xlsxwriter", engine_kwargs={"options": options}) as writer:
            for name, sheet_table in sheets:
                write_sheet(writer, sheet_table, name[:31], freeze=(1, 0))
    return [path]


def write_sheet(writer: pd.ExcelWriter, table: pd.DataFrame, name: str, freeze: tuple[int, int]) -> None:
    """One sheet of a pool workbook: the table, its heading row frozen, columns as wide as their
    first 200 cells (8 to 60)."""
    table.to_excel(writer, sheet_name=name, index=False)
    sheet = writer.sheets[name]
    sheet.freeze_panes(*freeze)
    for column, heading in enumerate(table.columns):
        width = max([len(str(heading)) * 2, *(len(str(v)) * 2 for v in table[heading].head(200))], default=8)
        sheet.set_column(column, column, min(max(width, 8), 60))


def format_changes(frame: pd.DataFrame, rules: RuleSet, lang: Lang = "zh", limit: int = 50) -> str:
    """The changes for the terminal: the span, the count of each kind, then the changes most urgent
    first (at most ``limit``)."""
    since, until = frame.attrs.get("since"), frame.attrs.get("until")
    span = text(
        "pool_changes_title",
        lang,
        since=since.isoformat() if isinstance(since, dt.date) else text("pool_no_snapshot", lang),
        until=until.isoformat() if isinstance(until, dt.date) else "",
    )
    if frame.empty:
        return span + "\n" + text("pool_no_changes", lang)
    counts = frame["kind"].value_counts()
    parts = [
        text("pool_kind_count", lang, kind=text(f"pool_kind_{k}", lang), count=int(counts[k]))
        for k in KINDS
        if k in counts
    ]
    lines = [span, text("pool_list_separator", lang).join(parts)]
    table = changes_table(frame.head(limit), rules, lang)
    ids = frame.head(limit).to_dict("records")
    for row, worded in zip(ids, table.to_dict("records"), strict=True):
        cells = list(worded.values())
        kind, code, name, _, _, tier, before, after, mark_a, mark_b, failing, passing, field = cells
        who = text("pool_firm", lang, name=name or "", code=code or row["firm_key"])
        what = text("pool_change_line", lang, kind=kind, who=who)
        if tier and row["kind"] not in _TITLE_KINDS:
            what += text("pool_tier_part", lang, tier=tier)
        if row["kind"] == "title_review_due":
            what += text("pool_expires_part", lang, date=after)
        elif before or after:
            shown_before = _marked(before, mark_a, lang)
            shown_after = _marked(after, mark_b, lang)
            none = text("pool_no_title", lang) if row["kind"] in _TITLE_KINDS else text("no_value", lang)
            what += text("pool_before_after", lang, before=shown_before or none, after=shown_after or none)
        if field:
            what += text("pool_field_part", lang, field=field)
        if failing:
            what += text("pool_now_failing_part", lang, criteria=failing)
        if passing:
            what += text("pool_now_passing_part", lang, criteria=passing)
        lines.append(terminal_safe(what))
    if len(frame) > limit:
        lines.append(text("pool_more", lang, count=len(frame) - limit))
    return "\n".join(lines)


def format_alerts(frame: pd.DataFrame, rules: RuleSet, lang: Lang = "zh", limit: int = 50) -> str:
    """The monitor's alerts (:meth:`~eligibility.pool.Pool.alerts`) for the terminal: a heading with
    their count, then one line each in the order raised (at most ``limit``): the snapshot it was
    applied on, the updates file and line, the firm, the tier and both states, the criteria that
    moved. Empty text when there are none."""
    if frame.empty:
        return ""
    labels = criteria_labels(rules, lang)
    lines = [text("pool_alerts_title", lang, count=len(frame))]
    for row in frame.head(limit).to_dict("records"):
        before = _marked(
            text(row["before"], lang),
            text(row["borderline_before"], lang) if row["borderline_before"] else "",
            lang,
        )
        after = _marked(
            text(row["after"], lang),
            text(row["borderline_after"], lang) if row["borderline_after"] else "",
            lang,
        )
        mine = labels.get(str(row["tier"]), {})
        moved = text("pool_list_separator", lang).join(
            mine.get(str(m["criterion"]), str(m["criterion"])) for m in row["moved"]
        )
        lines.append(
            terminal_safe(
                text(
                    "pool_alert_line",
                    lang,
                    as_of=row["as_of"].isoformat(),
                    source=Path(str(row["source"])).name,
                    line=row["line"],
                    who=text(
                        "pool_firm", lang, name=row["name"] or "", code=row["credit_code"] or row["firm_key"]
                    ),
                    tier=tier_words(rules, row["tier"], lang),
                    before=before,
                    after=after,
                    moved=moved or text("no_value", lang),
                )
            )
        )
    if len(frame) > limit:
        lines.append(text("pool_more", lang, count=len(frame) - limit))
    return "\n".join(lines)


def _marked(status: str, mark: str, lang: Lang) -> str:
    return text("status_marked", lang, status=status, mark=mark) if status and mark else status


def _score(low: object, high: object) -> str:
    if not isinstance(low, float | int) or pd.isna(low):
        return ""
    if isinstance(high, float | int) and not pd.isna(high) and high != low:
        return f"{low:g}–{high:g}"
    return f"{low:g}"


def format_history(frame: pd.DataFrame, rules: RuleSet, lang: Lang = "zh") -> Table:
    """One firm over the snapshots: a row per tier, a column per snapshot (status, mark, score),
    and rows for its name and title."""
    snapshots = frame.drop_duplicates("as_of")[["as_of", "label", "present", "name", "title"]]
    key = str(frame["firm_key"].iloc[0])
    names = [n for n in snapshots["name"] if isinstance(n, str)]
    title = text("pool_firm", lang, name=names[-1] if names else "", code=key)
    table = Table(title=Text(terminal_safe(title)), show_lines=False)
    table.add_column(Text(text("col_tier", lang)), no_wrap=True)
    for _, snap in snapshots.iterrows():
        heading = snap["as_of"].isoformat() + (f"\n{snap['label']}" if isinstance(snap["label"], str) else "")
        table.add_column(Text(terminal_safe(heading)), overflow="fold")
    words = status_words(lang)
    absent = text("pool_absent", lang)
    table.add_row(
        Text(text("col_name", lang)),
        *(Text(terminal_safe(n) if isinstance(n, str) else absent) for n in snapshots["name"]),
    )
    table.add_row(
        Text(text("col_title", lang)),
        *(
            Text(tier_words(rules, t, lang) or text("pool_no_title", lang)) if p else Text(absent)
            for t, p in zip(snapshots["title"], snapshots["present"], strict=True)
        ),
    )
    tiers = [t for t in rules.tiers if t in set(frame["tier"].dropna())]
    for tier in tiers:
        cells = []
        mine = frame[frame["tier"] == tier].set_index("as_of")
        for day, present in zip(snapshots["as_of"], snapshots["present"], strict=True):
            if not present or day not in mine.index:
                cells.append(Text(absent if not present else ""))
                continue
            row = mine.loc[day]
            word = words.get((str(row["status"]), str(row["mark"] or "")), str(row["status"]))
            score = _score(row["score_low"], row["score_high"])
            cells.append(Text(word + (f" {score}" if score else "")))
        table.add_row(Text(tier_words(rules, tier, lang)), *cells)
    return table


def margin_words(margin: object, unit: object, lang: Lang) -> str:
    """A signed margin with its unit: ``+2.2个百分点`` above a line, ``−0.1个百分点`` under it."""
    if not isinstance(margin, float | int) or pd.isna(margin) or not isinstance(unit, str):
        return ""
    sign = "pool_sign_plus" if margin > 0 else "pool_sign_minus" if margin < 0 else "pool_sign_zero"
    amount = format_quantity(abs(float(margin)), Unit(unit), lang)
    return text("pool_margin", lang, sign=text(sign, lang), amount=amount)


def key_only(frame: pd.DataFrame) -> pd.DataFrame:
    """The key lines of :meth:`~eligibility.pool.Pool.key_lines`, per tier in the order shown
    (the frame's tier order, then ``key_rank``); a frame without ``key`` as it is."""
    if "key" not in frame.columns or frame.empty:
        return frame
    mine = frame[frame["key"] != ""]
    tiers = {t: i for i, t in enumerate(dict.fromkeys(frame["tier"]))}
    order = mine.assign(_tier=mine["tier"].map(tiers))
    return order.sort_values(["_tier", "key_rank"], kind="stable").drop(columns="_tier")


def format_margins(frame: pd.DataFrame, rules: RuleSet, lang: Lang = "zh", every: bool = False) -> Table:
    """One firm's margins to the lines it was compared with: a row per tier × criterion, a column
    per snapshot (value − threshold; for a score interval its low end). Given the key lines
    (:meth:`~eligibility.pool.Pool.key_lines`), only those, with why each is key, unless
    ``every``."""
    key = str(frame["firm_key"].iloc[0]) if not frame.empty else ""
    keyed = "key" in frame.columns and not every
    title = text("pool_key_lines_title" if keyed else "pool_margins_title", lang, code=key)
    table = Table(title=Text(terminal_safe(title)), show_lines=False)
    # a narrow terminal folds the tier and the criterion, never down to nothing
    table.add_column(Text(text("col_tier", lang)), overflow="fold", min_width=8)
    table.add_column(Text(text("col_criterion", lang)), overflow="fold", min_width=16)
    if keyed:
        table.add_column(Text(text("pool_col_key", lang)), no_wrap=True, min_width=8)
    days = sorted(set(frame["as_of"]))
    for day in days:
        table.add_column(Text(day.isoformat()), no_wrap=True, justify="right")
    labels = criteria_labels(rules, lang)
    shown_tier = None
    for (tier, criterion), rows in (key_only(frame) if keyed else frame).groupby(
        ["tier", "criterion"], sort=False
    ):
        by_day = {
            d: margin_words(m, u, lang)
            for d, m, u in zip(rows["as_of"], rows["margin"], rows["unit"], strict=True)
        }
        cells = [Text(by_day.get(d, "")) for d in days]
        name = line_label(labels, tier, criterion, rows["field"].iloc[0], rules, lang)
        tier_cell = tier_words(rules, tier, lang) if tier != shown_tier else ""
        shown_tier = tier
        reason = [Text(text(f"pool_key_{rows['key'].iloc[0]}", lang))] if keyed else []
        table.add_row(Text(tier_cell), Text(terminal_safe(name)), *reason, *cells)
    return table


def hidden_lines(frame: pd.DataFrame) -> int:
    """The lines (tier × criterion) of ``frame`` that are not key."""
    if "key" not in frame.columns or frame.empty:
        return 0
    lines = frame.drop_duplicates(["tier", "criterion"])
    return int((lines["key"] == "").sum())


def gap_words(gap: Mapping[str, Any], rules: RuleSet, labels: Mapping[str, str], lang: Lang) -> str:
    """One failed criterion with its gap: the lever's change where there is one (研发费用增加6万元),
    else the field's."""
    name = labels.get(str(gap["criterion"]), str(gap["criterion"]))
    lever, amount, unit = gap.get("lever"), gap.get("lever_amount"), gap.get("lever_unit")
    field = lever
    if lever is None or amount is None or pd.isna(amount):
        field, amount, unit = gap.get("field"), gap.get("amount"), gap.get("unit")
    if amount is None or pd.isna(amount) or unit is None:
        return name
    units = Unit(str(unit))
    verb = gap_verb(gap.get("op"), float(amount) > 0, units, lang)
    quantity = format_quantity(abs(float(amount)), units, lang, up=True)
    # A score's gap is in points of its group (``total``), no field: the score is the subject.
    known = isinstance(field, str) and field in rules.fields
    subject = _field(rules, field, lang) if known else text("col_score", lang) if field else name
    return text("pool_gap", lang, criterion=name, field=subject, verb=verb, amount=quantity)


def candidate_lacks(
    firm: Mapping[Any, Any], rules: RuleSet, labels: Mapping[str, str], lang: Lang
) -> list[str]:
    """What a candidate (a row of :meth:`~eligibility.pool.Pool.candidates`) lacks, in words: each
    failed criterion with its gap where one is stored, then the failed criteria without one."""
    gaps = [gap_words(g, rules, labels, lang) for g in firm["gaps"]]
    named = {str(g["criterion"]) for g in firm["gaps"]}
    gaps += [labels.get(c, c) for c in str(firm["failed"] or "").split(";") if c and c not in named]
    return gaps


def format_targets(
    targets: pd.DataFrame, candidates: Mapping[str, pd.DataFrame], rules: RuleSet, lang: Lang = "zh"
) -> str:
    """The year's targets: per tier the target, titles gained, firms eligible now, the outlook, and
    the candidates closest to qualifying with what each lacks."""
    as_of, baseline = targets.attrs.get("as_of"), targets.attrs.get("baseline")
    if targets.empty:
        return text("pool_no_targets", lang)
    year = int(targets["year"].iloc[0])
    lines = [
        text(
            "pool_targets_title",
            lang,
            year=year,
            as_of=as_of.isoformat() if isinstance(as_of, dt.date) else "",
            baseline=baseline.isoformat()
            if isinstance(baseline, dt.date)
            else text("pool_no_snapshot", lang),
        )
    ]
    labels = criteria_labels(rules, lang)
    words = status_words(lang)
    for row in targets.to_dict("records"):
        tier = str(row["tier"])
        lines.append(
            text(
                "pool_target_line",
                lang,
                tier=tier_words(rules, tier, lang),
                target=row["target"],
                gained=row["gained"],
                eligible=row["eligible_now"],
                near=row["near_miss"],
                outlook=text(f"pool_outlook_{row['outlook']}", lang, shortfall=row["shortfall"]),
            )
        )
        found = candidates.get(tier)
        if found is None or found.empty:
            lines.append("  " + text("pool_no_candidates", lang))
            continue
        for k, firm in enumerate(found.to_dict("records"), start=1):
            status = words.get((str(firm["status"]), str(firm["mark"] or "")), str(firm["status"]))
            gaps = candidate_lacks(firm, rules, labels.get(tier, {}), lang)
            who = text(
                "pool_firm", lang, name=firm["name"] or "", code=firm["credit_code"] or firm["firm_key"]
            )
            line = text("pool_candidate_line", lang, rank=k, who=who, status=status)
            if gaps:
                line += text("pool_lacks_part", lang, gaps=text("pool_list_separator", lang).join(gaps))
            lines.append(terminal_safe("  " + line))
    return "\n".join(lines)
