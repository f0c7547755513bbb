"""The pool's HTML pages: what changed between two snapshots, and one firm over the snapshots.

Owns the pages (``pool changes -o 变化.html``, ``pool firm CODE -o 企业.html``, and the year's
targets the web page's 培育库 tab shows): the words of :mod:`eligibility.pool.words` in tables, and
for one firm a line chart per unit of its room to every line it was compared with (positive met;
ratios in percentage points), one trace per tier × criterion, the key lines drawn and the others in
the legend, with plotly.js inlined as the screening's report does. Every text reaches the page
through jinja2's autoescape; the charts carry rule labels, dates and numbers only, never a firm's
name or other spreadsheet text. Written atomically.

Must not: compute a change, a history or a margin (``store.py`` does), or word anything itself.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup
from plotly.offline import get_plotlyjs

from eligibility.labels import Lang, text
from eligibility.language.ruleset import RuleSet
from eligibility.pool.changes import KINDS
from eligibility.pool.firmbook import history_sheet
from eligibility.pool.lines import room
from eligibility.pool.words import (
    candidate_lacks,
    changes_table,
    criteria_labels,
    line_label,
    margin_words,
    tier_words,
)
from eligibility.render.files import atomic_write
from eligibility.render.tables import status_words
from eligibility.units import Unit

__all__ = [
    "build_changes_page",
    "build_firm_page",
    "build_targets_page",
    "margin_figures",
    "write_changes_page",
    "write_firm_page",
]

_FONT = "Microsoft YaHei, PingFang SC, Noto Sans CJK SC, WenQuanYi Micro Hei, sans-serif"
_CHART_CONFIG = {"displaylogo": False, "responsive": True, "modeBarButtonsToRemove": ["toImage"]}


def _templates() -> Environment:
    return Environment(
        loader=PackageLoader("eligibility.pool", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _day(value: object) -> str:
    return value.isoformat() if isinstance(value, dt.date) else ""


def build_changes_page(changes: pd.DataFrame, alerts: pd.DataFrame, rules: RuleSet, lang: Lang = "zh") -> str:
    """The changes (:meth:`~eligibility.pool.Pool.changes`) and the monitor's alerts on the same
    snapshots (:meth:`~eligibility.pool.Pool.alerts`) as one HTML page."""
    since, until = changes.attrs.get("since"), changes.attrs.get("until")
    counts = changes["kind"].value_counts() if not changes.empty else pd.Series(dtype=int)
    table = changes_table(changes, rules, lang)
    words = status_words(lang)
    labels = criteria_labels(rules, lang)
    alert_rows = [
        [
            _day(row["as_of"]),
            f"{Path(str(row['source'])).name}:{row['line']}",
            row["credit_code"] or row["firm_key"],
            row["name"] or "",
            tier_words(rules, row["tier"], lang),
            words.get((str(row["before"]), str(row["borderline_before"])), str(row["before"])),
            words.get((str(row["after"]), str(row["borderline_after"])), str(row["after"])),
            text("pool_list_separator", lang).join(
                labels.get(str(row["tier"]), {}).get(str(m["criterion"]), str(m["criterion"]))
                for m in row["moved"]
            ),
        ]
        for row in alerts.to_dict("records")
    ]
    return (
        _templates()
        .get_template("changes.html.j2")
        .render(
            lang=lang,
            t=lambda key, **kw: text(key, lang, **kw),
            title=text(
                "pool_changes_title",
                lang,
                since=_day(since) or text("pool_no_snapshot", lang),
                until=_day(until),
            ),
            counts=[(text(f"pool_kind_{k}", lang), int(counts[k])) for k in KINDS if k in counts],
            heads=list(table.columns),
            rows=[["" if pd.isna(v) else str(v) for v in r] for r in table.itertuples(index=False)],
            alert_heads=[
                text(k, lang)
                for k in (
                    "pool_col_snapshot",
                    "pool_col_update_line",
                    "col_code",
                    "col_name",
                    "col_tier",
                    "pool_col_before",
                    "pool_col_after",
                    "pool_col_moved",
                )
            ],
            alerts=alert_rows,
            generated=dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M"),
        )
    )


def write_changes_page(
    path: str | Path, changes: pd.DataFrame, alerts: pd.DataFrame, rules: RuleSet, lang: Lang = "zh"
) -> Path:
    """Write :func:`build_changes_page` atomically to ``path``."""
    html = build_changes_page(changes, alerts, rules, lang)
    return atomic_write(path, lambda stream: stream.write(html))


def _axis(unit: str, lang: Lang) -> str:
    word = (
        text("pool_unit_percentage_points", lang)
        if unit == Unit.FRACTION
        else text(f"unit_name_{unit}", lang)
    )
    return text("pool_chart_axis", lang, unit=word)


def margin_figures(
    margins: pd.DataFrame, rules: RuleSet, lang: Lang = "zh", every: bool = False
) -> list[tuple[str, go.Figure]]:
    """One line chart per unit of one firm's margins (:meth:`~eligibility.pool.Pool.margins`): a
    trace per tier × criterion over the snapshots, ``y`` the room on the side that meets the line
    (``slack`` of :meth:`~eligibility.pool.Pool.key_lines`, else from the margin and the comparison; ratios
    ×100: percentage points; a score interval's low end), 0 the line itself. Given the key lines,
    those are drawn first and the others are in the legend only (a click shows them), and a unit
    without a key line has no chart, unless ``every``. Returns ``(axis title, figure)``."""
    labels = criteria_labels(rules, lang)
    keyed = "key" in margins.columns
    if "slack" not in margins.columns and not margins.empty:  # pool.margins(): the room from its sign
        margins = margins.assign(slack=room(margins["margin"].astype(float), margins["op"]))
    out: list[tuple[str, go.Figure]] = []
    for unit in dict.fromkeys(margins["unit"]):
        mine = margins[margins["unit"] == unit]
        if keyed and not every and (mine["key"] == "").all():
            continue  # no key line in this unit: no chart of hidden lines only (--all-lines draws it)
        if keyed:
            mine = mine.assign(_shown=mine["key"] == "").sort_values("_shown", kind="stable")
        scale = 100.0 if unit == Unit.FRACTION else 1.0
        figure = go.Figure()
        for (tier, criterion), line in mine.groupby(["tier", "criterion"], sort=False):
            name = text(
                "pool_chart_trace",
                lang,
                tier=tier_words(rules, tier, lang),
                criterion=line_label(labels, tier, criterion, line["field"].iloc[0], rules, lang),
            )
            hidden = keyed and not every and line["key"].iloc[0] == ""
            figure.add_trace(
                go.Scatter(
                    x=[_day(d) for d in line["as_of"]],
                    y=(line["slack"].astype(float) * scale).round(10).tolist(),
                    mode="lines+markers",
                    name=name,
                    text=[margin_words(m, unit, lang) for m in line["slack"]],
                    hovertemplate="%{x}: %{text}<extra>%{fullData.name}</extra>",
                    visible="legendonly" if hidden else True,
                )
            )
        axis = _axis(str(unit), lang)
        figure.add_hline(y=0, line_dash="dot", line_color="#888")
        figure.update_layout(
            yaxis_title=axis,
            xaxis={"type": "category"},
            legend={"orientation": "h", "y": -0.2},
            font={"family": _FONT, "size": 13},
            margin={"l": 10, "r": 10, "t": 30, "b": 40},
            height=380,
        )
        out.append((axis, figure))
    return out


def build_firm_page(
    history: pd.DataFrame, margins: pd.DataFrame, rules: RuleSet, lang: Lang = "zh", every: bool = False
) -> str:
    """One firm (:meth:`~eligibility.pool.Pool.history`, :meth:`~eligibility.pool.Pool.margins` or
    :meth:`~eligibility.pool.Pool.key_lines`) as one HTML page: its status per tier per snapshot,
    and the charts of :func:`margin_figures`."""
    key = str(history["firm_key"].iloc[0])
    names = [n for n in history.drop_duplicates("as_of")["name"] if isinstance(n, str)]
    grid = history_sheet(history, rules, lang)  # the rows of the workbook's 各期结论 sheet
    heads, rows = list(grid.columns), grid.to_numpy().tolist()
    # Markup: the figures carry rule labels, dates and numbers only, never a firm's text.
    charts = [
        (
            title,
            Markup(
                pio.to_html(
                    figure,
                    include_plotlyjs=False,
                    full_html=False,
                    div_id=f"margins-{k}",
                    config=_CHART_CONFIG,
                )
            ),
        )
        for k, (title, figure) in enumerate(margin_figures(margins, rules, lang, every))
    ]
    return (
        _templates()
        .get_template("firm.html.j2")
        .render(
            lang=lang,
            t=lambda k, **kw: text(k, lang, **kw),
            title=text("pool_firm", lang, name=names[-1] if names else "", code=key),
            heads=heads,
            rows=rows,
            charts=charts,
            plotly_js=Markup(get_plotlyjs()) if charts else "",
            generated=dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M"),
        )
    )


def write_firm_page(
    path: str | Path,
    history: pd.DataFrame,
    margins: pd.DataFrame,
    rules: RuleSet,
    lang: Lang = "zh",
    every: bool = False,
) -> Path:
    """Write :func:`build_firm_page` atomically to ``path``."""
    html = build_firm_page(history, margins, rules, lang, every)
    return atomic_write(path, lambda stream: stream.write(html))


def build_targets_page(
    targets: pd.DataFrame, candidates: Mapping[str, pd.DataFrame], rules: RuleSet, lang: Lang = "zh"
) -> str:
    """The year's targets (:meth:`~eligibility.pool.Pool.targets`) as one HTML page: per tier the
    target, the titles gained this year, the firms that can apply now, the near misses and whether
    the target can be met; then per tier the closest candidates
    (:meth:`~eligibility.pool.Pool.candidates`) with what each lacks."""
    as_of, baseline = targets.attrs.get("as_of"), targets.attrs.get("baseline")
    year = int(targets["year"].iloc[0]) if not targets.empty else getattr(as_of, "year", None)
    title = (
        text("pool_targets_title", lang, year=year, as_of=_day(as_of), baseline=_day(baseline))
        if baseline is not None and not targets.empty
        else text("pool_targets_page_title", lang, year=year if year is not None else "")
    )
    words = status_words(lang)
    labels = criteria_labels(rules, lang)
    rows = [
        {
            "tier": str(row["tier"]),
            "outlook": str(row["outlook"]),
            "cells": [
                tier_words(rules, row["tier"], lang),
                str(row["target"]),
                str(row["gained"]),
                str(row["eligible_now"]),
                str(row["near_miss"]),
                text(f"pool_outlook_{row['outlook']}", lang, shortfall=row["shortfall"]),
            ],
        }
        for row in targets.to_dict("records")
    ]
    blocks = []
    for tier in targets["tier"]:
        found = candidates.get(str(tier))
        records = [] if found is None else found.to_dict("records")
        blocks.append(
            {
                "tier": str(tier),
                "title": text("pool_candidates_title", lang, tier=tier_words(rules, tier, lang)),
                "rows": [
                    [
                        str(k),
                        firm["credit_code"] or firm["firm_key"],
                        firm["name"] or "",
                        firm["township"] or "",
                        firm["officer"] or "",
                        words.get((str(firm["status"]), str(firm["mark"] or "")), str(firm["status"])),
                        text("pool_list_separator", lang).join(
                            candidate_lacks(firm, rules, labels.get(str(tier), {}), lang)
                        ),
                    ]
                    for k, firm in enumerate(records, start=1)
                ],
            }
        )
    return (
        _templates()
        .get_template("targets.html.j2")
        .render(
            lang=lang,
            t=lambda key, **kw: text(key, lang, **kw),
            title=title,
            heads=[
                text(k, lang)
                for k in (
                    "col_tier",
                    "pool_col_target",
                    "pool_col_gained",
                    "pool_col_eligible_now",
                    "near_miss",
                    "pool_col_outlook",
                )
            ],
            rows=rows,
            candidate_heads=[
                text(k, lang)
                for k in (
                    "pool_col_rank",
                    "col_code",
                    "col_name",
                    "col_township",
                    "col_officer",
                    "col_status",
                    "col_gaps",
                )
            ],
            blocks=blocks,
            generated=dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M"),
        )
    )
