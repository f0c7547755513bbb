"""The HTML report: one self-contained, printable file a county officer can open offline.

Sections: the ladder as a pyramid, score distributions with the pass mark and the borderline band, a
heat map of which criteria hold the pool back, the flagged lists with their gaps in words, one card per
firm (collapsed), the rule sets used and the data issues. Charts are plotly figures with plotly.js
inlined once; the firm cards are a gzip-compressed JSON blob the page unpacks with the browser's own
``DecompressionStream`` and renders on demand, so 20,000 firms stay a few megabytes. Text from the
spreadsheet reaches the page only through Jinja's escaping or ``textContent``, never as markup.
"""

from __future__ import annotations

import base64
import datetime as dt
import gzip
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup
from plotly.offline import get_plotlyjs

from eligibility.findings import FLAG_NAMES, MARKS, STATUS_NAMES, Assessment, Findings, as_findings
from eligibility.labels import Lang, issue_message, text
from eligibility.render.files import atomic_write
from eligibility.render.tables import Tables
from eligibility.render.words import criterion_labels, failed_words, ruleset_cell, tier_label

__all__ = ["build_report", "write_report"]

_FONT = "Microsoft YaHei, PingFang SC, Noto Sans CJK SC, WenQuanYi Micro Hei, sans-serif"
_HEATMAP_ROWS = 30
_CHART_CONFIG = {"displaylogo": False, "responsive": True, "modeBarButtonsToRemove": ["toImage"]}
_LIST_COLUMNS = {
    "promotion_candidate": [
        "col_rank",
        "col_code",
        "col_name",
        "col_title",
        "col_target",
        "col_status",
        "col_borderline",
        "col_score",
        "col_gaps",
    ],
    "borderline": [
        "col_code",
        "col_name",
        "col_tier",
        "col_status",
        "col_borderline",
        "col_score",
        "col_gaps",
    ],
    "at_risk": [
        "col_rank",
        "col_code",
        "col_name",
        "col_title",
        "col_expires",
        "col_reason",
        "col_review_rules",
        "col_gaps",
    ],
    "scale_up_candidate": ["col_rank", "col_code", "col_name", "col_main_revenue", "col_to_line"],
}


def write_report(
    assessment: Findings | Assessment,
    path: str | Path,
    lang: Lang = "zh",
    list_limit: int = 500,
    tables: Tables | None = None,
) -> Path:
    """Write the HTML report of ``assessment`` atomically to ``path`` (``tables``: see
    :func:`build_report`)."""
    html = build_report(assessment, lang, list_limit, tables)
    return atomic_write(path, lambda stream: stream.write(html))


def _templates() -> Environment:
    """The package's templates, every value escaped for HTML."""
    return Environment(
        loader=PackageLoader("eligibility.render", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def build_report(
    results: Findings | Assessment, lang: Lang = "zh", list_limit: int = 500, tables: Tables | None = None
) -> str:
    """The report as one HTML string (scripts, styles and data inlined). Pass the ``tables`` the
    workbook of the same run used, so that gap sentences and band-move plans are built once."""
    a = tables.a if tables is not None and tables.a.same_run(results) else as_findings(results)
    tables = tables if tables is not None and tables.a is a and tables.lang == lang else Tables(a, lang)
    env = _templates()
    summary = a.summary
    regimes = a.regimes
    pyramid = _pyramid(a, lang)
    charts: list[tuple[str, str, Markup | None, str]] = [
        ("pyramid", text("sec_pyramid", lang), _chart(pyramid, "chart-pyramid") if pyramid else None, "")
    ]
    for k, (title, figure, note) in enumerate(_score_figures(a, lang)):
        charts.append(("score", title, _chart(figure, f"chart-score-{k}", top=70) if figure else None, note))
    heat = _heatmap(a, lang)
    return env.get_template("report.html.j2").render(
        lang=lang,
        t=lambda key, **kw: text(key, lang, **kw),
        meta=text(
            "report_meta",
            lang,
            firms=a.n,
            as_of=a.as_of.isoformat(),
            purpose=text(f"purpose_{a.purpose}", lang),
            regimes=text("enumeration", lang).join(regimes),
        ),
        plotly_js=Markup(get_plotlyjs()),
        summary=_summary_rows(a, summary, lang),
        flags=[(text(name, lang), summary["flags"][name]) for name in FLAG_NAMES],
        charts=charts,
        heatmap=_chart(heat, "chart-heatmap") if heat is not None else None,
        lists=_lists(tables, lang, list_limit),
        rules=_rules_rows(tables),
        rules_heads=list(Tables.RULES_COLUMNS),
        assumptions=[
            (
                tier_label(a.rules, use.tier, lang),
                criterion,
                note_zh if lang == "zh" else (note_en or note_zh),
                firms,
            )
            for use in a.rules_used
            if use.purpose == a.purpose
            for criterion, note_zh, note_en, firms in use.assumptions
        ],
        issues=_issue_rows(a, lang, list_limit),
        issue_total=len(a.issues),
        cards=_cards_blob(a, tables, lang),
        card_words=_card_words(a, lang),
        generated=dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M"),
    )


def _chart(figure: go.Figure, div_id: str, top: int = 40) -> Markup:
    figure.update_layout(font={"family": _FONT, "size": 13}, margin={"l": 10, "r": 10, "t": top, "b": 40})
    html = pio.to_html(figure, include_plotlyjs=False, full_html=False, div_id=div_id, config=_CHART_CONFIG)
    return Markup(html)  # figures carry rule and label text only, never spreadsheet text


def _ladder(a: Findings) -> list[str]:
    """Ladder tiers evaluated in this run, bottom first (rank, then file order)."""
    ranked = [(a.rules.tiers[t].rank, k, t) for k, t in enumerate(a.tiers) if a.rules.tiers[t].rank]
    return [t for _, _, t in sorted(ranked)]


def _integer_step(top: float, ticks: int = 5) -> int:
    """A 1-2-5 step giving at most about ``ticks`` integer ticks from 0 to ``top`` (never below 1)."""
    rough = max(top / ticks, 1.0)
    magnitude = 10 ** int(np.floor(np.log10(rough)))
    return int(next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= rough))


def _pyramid(a: Findings, lang: Lang) -> go.Figure | None:
    """Holding the title (left) against eligible now (right) per ladder tier, the top tier on top;
    None when no firm holds or is eligible for any ladder title (the page says so in a sentence)."""
    ladder = _ladder(a)
    labels = [tier_label(a.rules, t, lang) for t in ladder]
    titled = [a.titled_count(t) for t in ladder]
    eligible = [a.status_count(t, "eligible") for t in ladder]
    if not any(titled) and not any(eligible):
        return None
    notes = [
        text(
            "pyramid_counts",
            lang,
            promotion=a.flagged_count("promotion_candidate", t),
            at_risk=a.flagged_count("at_risk", t),
        )
        for t in ladder
    ]
    figure = go.Figure()
    figure.add_bar(
        y=labels,
        x=[-v for v in titled],
        orientation="h",
        name=text("pyramid_titled", lang),
        marker_color="#1F4E78",
        text=titled,
        textposition="outside",  # outside, so a level with no firm still reads "0"
        cliponaxis=False,
        hovertemplate="%{y}<br>"
        + text("pyramid_titled", lang)
        + text("colon", lang)
        + "%{text}<extra></extra>",
    )
    figure.add_bar(
        y=labels,
        x=eligible,
        orientation="h",
        name=text("pyramid_eligible", lang),
        marker_color="#70AD47",
        text=[text("with_note", lang, value=v, note=note) for v, note in zip(eligible, notes, strict=True)],
        textposition="outside",
        cliponaxis=False,
        hovertemplate="%{y}<br>%{text}<extra></extra>",
    )
    widest = max([*titled, *eligible, 1])
    step = _integer_step(widest)
    # Both sides count firms: ticks at whole numbers, labelled without the left side's minus sign.
    ticks = np.arange(-(widest // step) * step, widest * 1.9 + 1, step)
    figure.update_layout(
        barmode="relative",
        bargap=0.15,
        height=150 + 70 * len(ladder),
        legend={"orientation": "h", "y": -0.18},
        xaxis={
            "range": [-widest * 1.25, widest * 1.9],
            "zeroline": True,
            "zerolinecolor": "#5f6b7a",
            "tickvals": ticks.tolist(),
            "ticktext": [str(abs(int(v))) for v in ticks],
            "title": {"text": text("firms_axis", lang)},
        },
        yaxis={"automargin": True},
    )
    return figure


def _score_figures(a: Findings, lang: Lang) -> list[tuple[str, go.Figure | None, str]]:
    """One histogram per tier with a points table: its total, the pass mark and the borderline band;
    no figure (the page says so in a sentence) when no firm of the tier has a determined score."""
    out: list[tuple[str, go.Figure | None, str]] = []
    pieces = [(tier, part) for tier in a.tiers for part in a.parts(tier)]
    for tier, part in pieces:  # a tier judged by two rule sets: the firms of each
        if part.score is None or part.pass_mark is None:
            continue
        mark, margin = part.pass_mark, part.pass_margin
        low, high = part.score
        if part.judged is not None:
            low, high = low[part.judged], high[part.judged]
        known = low == high
        scores = low[known & ~np.isnan(low)]
        label = tier_label(a.rules, tier, lang)
        title = text(
            "score_chart_title",
            lang,
            tier=label,
            mark=f"{mark:g}",
            low=f"{mark - margin:g}",
            high=f"{mark + margin:g}",
        )
        unknown = int((~known).sum())
        note = text("score_unknown", lang, count=unknown) if unknown else ""
        if not len(scores):
            out.append((title, None, note))
            continue
        top = float(np.nanmax(high)) if np.isfinite(high).any() else 100.0
        end = max(top, mark + margin) + 5
        tallest = int(np.histogram(scores, bins=np.arange(0, end + 5, 5))[0].max())
        figure = go.Figure()
        figure.add_histogram(
            x=scores,
            xbins={"start": 0, "end": end, "size": 5},
            marker_color="#5B9BD5",
            name=text("firms_axis", lang),
            hovertemplate=text("score_axis", lang)
            + " %{x}<br>"
            + text("firms_axis", lang)
            + " %{y}<extra></extra>",
        )
        if margin:
            figure.add_vrect(
                x0=mark - margin,
                x1=mark + margin,
                fillcolor="#FFC000",
                opacity=0.25,
                line_width=0,
            )
            # The band's word above the plot and the mark's word inside it: never on one line.
            figure.add_annotation(
                x=mark,
                y=1,
                xref="x",
                yref="paper",
                yanchor="bottom",
                showarrow=False,
                text=text("score_band", lang),
                font={"color": "#9C6500"},
                name="band",
            )
        figure.add_vline(
            x=mark,
            line_color="#C00000",
            line_dash="dash",
            line_width=2,
        )
        figure.add_annotation(
            x=mark,
            y=1,
            xref="x",
            yref="paper",
            xanchor="left",
            yanchor="top",
            xshift=3,
            showarrow=False,
            text=text("score_mark", lang),
            font={"color": "#C00000"},
            bgcolor="rgba(255,255,255,0.8)",
            name="mark",
        )
        figure.update_layout(
            title={"text": title},
            height=340,
            bargap=0.05,
            showlegend=False,
            xaxis={"title": {"text": text("score_axis", lang)}},
            yaxis={
                "title": {"text": text("firms_axis", lang)},
                "range": [0, tallest * 1.12],
                "dtick": _integer_step(tallest),
                "tickformat": "d",
            },
        )
        out.append((title, figure, note))
    return out


def _heatmap(a: Findings, lang: Lang) -> go.Figure | None:
    """Share of all firms failing each tier on each criterion (criteria matched across tiers by label)."""
    shares: dict[str, dict[str, float]] = {}
    for tier in a.tiers:
        column = tier_label(a.rules, tier, lang)
        for part, found in a.blame_shares(tier):  # criteria in the words of the rule set that judged
            labels = criterion_labels([part.rule_file], lang, a.rules)
            for leaf_id, share in found.items():
                row = shares.setdefault(labels.get(leaf_id, leaf_id), {})
                row[column] = max(row.get(column, 0.0), share)
    if not shares:
        return None
    frame = pd.DataFrame(shares).T.reindex(columns=[tier_label(a.rules, t, lang) for t in a.tiers])
    frame = frame.dropna(axis=1, how="all")
    frame = frame.loc[frame.max(axis=1).sort_values(ascending=False).index[:_HEATMAP_ROWS]]
    frame = frame.iloc[::-1]  # plotly draws the first row at the bottom; the worst goes on top
    figure = go.Figure(
        go.Heatmap(
            z=frame.to_numpy(),
            x=list(frame.columns),
            y=list(frame.index),
            zmin=0,
            zmax=1,
            colorscale="Reds",
            texttemplate="%{z:.0%}",
            hovertemplate="%{x}<br>%{y}<br>" + text("heatmap_share", lang) + " %{z:.1%}<extra></extra>",
            colorbar={"tickformat": ".0%"},
            hoverongaps=False,
        )
    )
    figure.update_layout(  # no title: the section's heading says it
        height=160 + 26 * len(frame),
        xaxis={"side": "top", "tickangle": -30, "automargin": True},
        yaxis={"automargin": True},
    )
    return figure


def _summary_rows(a: Findings, summary: dict[str, Any], lang: Lang) -> list[list[Any]]:
    keys = ("eligible", "ineligible", "incomplete", "review", "thin_pass", "near_miss")
    return [
        [tier_label(a.rules, tier, lang), ruleset_cell(c, lang), *(c[k] for k in keys)]
        for tier, c in summary["tiers"].items()
    ]


def _cell(value: Any) -> str:
    if isinstance(value, float | np.floating):
        return "" if np.isnan(value) else f"{float(value):g}"
    return "" if value is None else str(value)


def _lists(tables: Tables, lang: Lang, limit: int) -> list[dict[str, Any]]:
    frames = {
        "promotion_candidate": tables.promotion(),
        "borderline": tables.borderline(),
        "at_risk": tables.at_risk(),
        "scale_up_candidate": tables.scale_up(),
    }
    out = []
    carried = list(tables.carried)  # 乡镇（街道）, 服务专员 after the name, when the input has them
    for key, frame in frames.items():
        at = _LIST_COLUMNS[key].index("col_name") + 1
        columns = [*_LIST_COLUMNS[key][:at], *carried, *_LIST_COLUMNS[key][at:]]
        shown = frame[columns].head(limit)
        out.append(
            {
                "id": f"list-{key}",
                "title": text("sheet_borderline" if key == "borderline" else key, lang),
                "heads": [text(c, lang) for c in columns],
                "rows": [[_cell(v) for v in row] for row in shown.itertuples(index=False)],
                "status_columns": [k for k, c in enumerate(columns) if c in ("col_status", "col_borderline")],
                "total": len(frame),
                "more": text("list_more", lang, total=len(frame), shown=len(shown))
                if len(frame) > limit
                else "",
            }
        )
    return out


def _rules_rows(tables: Tables) -> list[list[str]]:
    frame = tables.rules_used()
    return frame.fillna("").astype(str).to_numpy().tolist()


def _issue_rows(a: Findings, lang: Lang, limit: int) -> list[list[str]]:
    return [
        [
            x.sheet or "",
            _cell(x.row),
            x.header or x.field or "",
            x.value or "",
            text(f"severity_{x.severity.value}", lang),
            issue_message(x, lang),
        ]
        for x in a.issues[:limit]
    ]


def _card_words(a: Findings, lang: Lang) -> dict[str, Any]:
    """The words the page's card script needs: headings, tier labels, status and borderline words."""
    return {
        "tiers": [tier_label(a.rules, t, lang) for t in a.tiers],
        "status": [text(str(s), lang) for s in STATUS_NAMES],
        "statusKeys": [str(s) for s in STATUS_NAMES],
        "border": ["", text("thin_pass", lang), text("near_miss", lang)],
        "heads": [
            text(k, lang)
            for k in ("col_tier", "col_status", "col_borderline", "col_score", "col_failed", "col_gaps")
        ],
        "flags": text("card_flags", lang),
        "issues": text("card_issues", lang),
        "row": text("card_row", lang, row="{row}"),
        "carried": [text("col_township", lang), text("col_officer", lang)],
        "count": text("cards_count", lang, shown="{shown}", total="{total}"),
        "unsupported": text("cards_unsupported", lang),
        "colon": text("colon", lang),
        "sep": text("list_separator", lang),
        "blank": text("no_value", lang),
    }


def _score_text(
    interval: tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]] | None, n: int
) -> npt.NDArray[np.object_]:
    if interval is None:
        return np.full(n, "", dtype=object)
    low, high = interval
    lo = pd.Series(low).map("{:g}".format).astype(object)  # object also for no firm at all
    hi = pd.Series(high).map("{:g}".format).astype(object)
    shown = lo.where(low == high, lo + "–" + hi).where(~np.isnan(low), "")
    return shown.to_numpy(dtype=object)


def _cards_blob(a: Findings, tables: Tables, lang: Lang) -> str:
    """All firm cards as base64 of gzip of JSON rows: code, name, row, title, flags, issues, township,
    officer, then per tier status, borderline, score, failed criteria and gaps."""
    frame = card_rows(a, tables, lang)
    payload = frame.to_json(orient="values", force_ascii=False)
    # Level 6 (zlib's default), not gzip's 9: at 100,000 firms 1.6 s instead of 2.4 s for 0.6 MB more.
    packed = gzip.compress(payload.encode("utf-8"), compresslevel=6, mtime=0)
    return base64.b64encode(packed).decode("ascii")


def card_rows(a: Findings, tables: Tables, lang: Lang) -> pd.DataFrame:
    """What a firm card shows, one row per firm (the columns of :func:`_cards_blob`): the report's
    cards and the web page's one-firm explanation are both drawn from it."""
    n = a.n
    columns: dict[str, Any] = {
        "code": pd.Series(tables.codes, dtype=object).fillna(""),
        "name": pd.Series(tables.names, dtype=object).fillna(""),
        "row": a.rows,
        "title": tables.title_words,
        "flags": tables.flag_words(),
    }
    separator = text("list_separator", lang)
    by_row: dict[int, list[str]] = {}
    for issue in a.issues:
        if issue.row is not None:
            by_row.setdefault(int(issue.row), []).append(issue_message(issue, lang))
    row_text = {r: separator.join(m) for r, m in by_row.items()}
    columns["issues"] = pd.Series(a.rows, dtype=object).map(row_text).astype(object).fillna("")
    for key in ("col_township", "col_officer"):  # always two columns, blank when the input lacks one
        values = tables.carried.get(key)
        columns[key] = pd.Series(values if values is not None else np.full(n, None), dtype=object).fillna("")
    for k, tier in enumerate(a.tiers):
        columns[f"s{k}"] = a.status(tier)
        columns[f"b{k}"] = a.mark(tier)
        columns[f"p{k}"] = _score_text(a.score(tier), n)
        columns[f"f{k}"] = failed_words(a, tier, lang, ";")
        columns[f"g{k}"] = tables.gap_column(tier)
    # Text stays in object columns: pandas would copy every sentence into an Arrow string array
    # (and to_json back out of it), about 1.2 s at 100,000 firms.
    return pd.DataFrame(
        {
            k: pd.Series(v, dtype=object) if isinstance(v, np.ndarray) and v.dtype == object else v
            for k, v in columns.items()
        }
    )


def firm_card(a: Findings, tables: Tables, lang: Lang, position: int) -> str:
    """One firm's card as an HTML fragment (escaped), opened: the same findings and layout as a card
    of the report, for the web page's one-firm explanation."""
    row = card_rows(a, tables, lang).iloc[position]
    words = _card_words(a, lang)
    border_keys = list(MARKS)
    tiers = [
        {
            "label": label,
            "status": words["status"][int(row[f"s{k}"])],
            "status_key": words["statusKeys"][int(row[f"s{k}"])],
            "border": words["border"][int(row[f"b{k}"])],
            "border_key": border_keys[int(row[f"b{k}"])],
            "score": row[f"p{k}"],
            "failed": text("list_separator", lang).join(str(row[f"f{k}"]).split(";")) if row[f"f{k}"] else "",
            "gaps": row[f"g{k}"],
        }
        for k, label in enumerate(words["tiers"])
    ]
    carried = [
        f"{words['carried'][0]}{text('colon', lang)}{row['col_township']}" if row["col_township"] else "",
        f"{words['carried'][1]}{text('colon', lang)}{row['col_officer']}" if row["col_officer"] else "",
    ]
    meta = [row["code"], row["title"], *carried, words["row"].replace("{row}", str(row["row"]))]
    env = _templates()
    return env.get_template("card.html.j2").render(
        name=row["name"] or text("no_value", lang),
        meta=" · ".join(str(m) for m in meta if m),
        flags=row["flags"],
        issues=row["issues"],
        heads=words["heads"],
        tiers=tiers,
        flags_word=words["flags"],
        issues_word=words["issues"],
        colon=text("colon", lang),
    )
