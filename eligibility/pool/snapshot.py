"""One screening as the rows of a snapshot: built column by column from the assessment's arrays.

Owns the firm key (the credit code; the k-th repeat of a code in one sheet is ``code#k``; a row
without a code is keyed by its name), and the frames the store inserts: one row per firm, per firm ×
tier, per failed criterion with a gap, per input issue, and per firm × threshold compared (the
margin, from the assessment's columnar trace: one frame per criterion, never a loop over firms).

Must not: touch the database, or word anything.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from eligibility.assessment import Assessment
from eligibility.findings import MARKS, STATUS_NAMES, build_findings
from eligibility.units import Unit

__all__ = ["SnapshotRows", "firm_keys", "margin_rows", "snapshot_rows"]

ObjectArray = npt.NDArray[np.object_]


@dataclass(frozen=True)
class SnapshotRows:
    """The rows of one snapshot, column names as in :mod:`eligibility.pool.schema`."""

    firms: pd.DataFrame
    results: pd.DataFrame
    gaps: pd.DataFrame
    issues: pd.DataFrame
    tiers: list[str]
    lines: pd.DataFrame
    """The criteria compared with a threshold, numbered per snapshot (``line``)."""
    margins: pd.DataFrame
    """Per firm × line with a known value: ``value − threshold`` (``margin``; for a score interval
    also ``margin_high``, the high end's)."""


def firm_keys(codes: ObjectArray, names: ObjectArray, rows: npt.NDArray[np.int64]) -> ObjectArray:
    """The key of every firm of one sheet: its credit code; the k-th repeat of a code (k ≥ 2) is
    ``code#k`` (a duplicated code is kept as a firm of its own, as the reader keeps it); without a
    code ``name:<name>`` (repeats numbered alike), without either ``row:<row>``."""
    code = pd.Series(codes, dtype=object).map(lambda v: v.strip() if isinstance(v, str) else None)
    name = pd.Series(names, dtype=object).map(lambda v: v.strip() if isinstance(v, str) else None)
    base = code.where(code.notna() & (code != ""), "name:" + name.fillna(""))
    base = base.where(base != "name:", "row:" + pd.Series(rows).astype(str))
    repeat = base.groupby(base, sort=False).cumcount() + 1
    keyed = base.where(repeat == 1, base + "#" + repeat.astype(str))
    out: ObjectArray = keyed.to_numpy(dtype=object)
    return out


def _none(values: pd.Series) -> pd.Series:
    """NaN, NaT and empty text as None (NULL in the database)."""
    out = values.astype(object)
    return out.where(out.notna() & (out != ""), None)


def _dates(values: npt.NDArray[np.datetime64]) -> pd.Series:
    series = pd.Series(pd.to_datetime(values.astype("datetime64[D]"))).dt.date
    return series.astype(object).where(~np.isnat(values), None)


def _figures(assessment: Assessment) -> list[str]:
    """Every figure of every firm (input and derived numbers, dates, text) as one JSON object per
    firm, field id → value, written by pandas' JSON writer in one call."""
    fields = assessment.rules.fields
    data: dict[str, object] = {}
    for source in (assessment.prepared.columns, assessment.columns):
        for key, values in source.items():
            if key in fields and key not in data:
                data[key] = values
    for key, dates in assessment.prepared.dates.items():
        text = np.datetime_as_string(dates.astype("datetime64[D]"), unit="D").astype(object)
        data[key] = pd.Series(text, dtype=object).where(~np.isnat(dates), None).to_numpy()
    data |= {k: v for k, v in assessment.prepared.text.items() if k not in ("credit_code", "name")}
    if assessment.n == 0:
        return []
    frame = pd.DataFrame(data, index=pd.RangeIndex(assessment.n))
    lines = frame.to_json(orient="records", lines=True, force_ascii=False, double_precision=15)
    out = lines.rstrip("\n").split("\n")
    assert len(out) == assessment.n  # JSON escapes newlines inside text
    return out


def snapshot_rows(assessment: Assessment) -> SnapshotRows:
    """The rows of a snapshot of ``assessment`` (every firm, every tier evaluated, every issue)."""
    findings = build_findings(assessment)
    n = assessment.n
    keys = firm_keys(findings.codes, findings.names, findings.rows)
    carried = findings.carried
    flags = findings.flags
    titles = pd.Series(findings.title_tier, dtype=object)
    firms = pd.DataFrame(
        {
            "firm_key": keys,
            "credit_code": _none(pd.Series(findings.codes, dtype=object)),
            "name": _none(pd.Series(findings.names, dtype=object)),
            "sheet_row": findings.rows.astype(np.int64),
            "township": _none(pd.Series(carried.get("township", np.full(n, None)), dtype=object)),
            "officer": _none(pd.Series(carried.get("officer", np.full(n, None)), dtype=object)),
            "title": _none(titles),
            "title_expires": _dates(findings.title_expires),
            "title_expiring": findings.expiring.astype(bool),
            "promotion_candidate": flags.promotion_candidate.astype(bool),
            "at_risk": flags.at_risk.astype(bool),
            "scale_up_candidate": flags.scale_up_candidate.astype(bool),
            "data_issue": flags.data_issue.astype(bool),
            "figures": _figures(assessment) if n else np.empty(0, dtype=object),
        }
    )
    marks = np.array(MARKS, dtype=object)
    parts = []
    for tier in findings.tiers:
        score = findings.score(tier)
        low, high = score if score is not None else (np.full(n, np.nan), np.full(n, np.nan))
        _, failed_count, short = assessment.distance(tier)
        applied = assessment.results[tier].review_round
        parts.append(
            pd.DataFrame(
                {
                    "firm_key": keys,
                    "tier": tier,
                    "status": STATUS_NAMES[findings.status(tier)].astype(object),
                    "mark": marks[findings.mark(tier)],
                    "score_low": _none(pd.Series(low)),
                    "score_high": _none(pd.Series(high)),
                    "failed": findings.failed(tier),
                    "failed_count": failed_count,
                    "points_short": short,
                    "ruleset": findings.ruleset_ids(tier),
                    "review_round": _none(
                        pd.Series(applied if applied is not None else np.full(n, np.nan), dtype=object)
                    ),
                }
            )
        )
    results = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    gap_parts = [
        pd.DataFrame(
            {
                "firm_key": keys[piece.positions],
                "tier": piece.tier,
                "criterion": piece.criterion,
                "field": piece.field,
                "unit": piece.unit.value,
                "op": piece.op,
                "amount": _none(pd.Series(piece.amount)),
                "lever": piece.lever,
                "lever_unit": piece.lever_unit.value if piece.lever_unit is not None else None,
                "lever_amount": _none(
                    pd.Series(
                        piece.lever_amount
                        if piece.lever_amount is not None
                        else np.full(piece.positions.size, np.nan)
                    )
                ),
            }
        )
        for piece in findings.gaps
        if piece.positions.size
    ]
    gaps = pd.concat(gap_parts, ignore_index=True) if gap_parts else pd.DataFrame()
    by_row = dict(zip(findings.rows.tolist(), keys.tolist(), strict=True))
    issues = pd.DataFrame(
        [
            {
                "firm_key": by_row.get(issue.row) if issue.row is not None else None,
                "sheet_row": issue.row,
                "code": str(issue.code),
                "severity": str(issue.severity),
                "field": issue.field,
                "header": issue.header,
                "value": issue.value,
            }
            for issue in findings.issues  # one dict per issue: issues are few, not one per firm
        ],
        columns=["firm_key", "sheet_row", "code", "severity", "field", "header", "value"],
    )
    lines, margins = margin_rows(assessment, keys)
    return SnapshotRows(firms, results, gaps, issues, list(findings.tiers), lines, margins)


_LINE_COLUMNS = ["line", "tier", "ruleset", "criterion", "kind", "field", "unit", "op"]
_MARGIN_COLUMNS = ["firm_key", "line", "value", "value_high", "threshold", "margin", "margin_high"]


def margin_rows(assessment: Assessment, keys: ObjectArray) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every criterion compared with a threshold (``compare`` and ``score`` leaves of every tier and
    rule set applied) and, per firm it judged whose value is known, the signed margin
    ``value − threshold`` in the field's unit (points for a score) — for passing criteria too, so a
    firm's distance to each line can be followed over the snapshots. Read from the columnar trace
    (``TierResult.leaves``): one frame per criterion."""
    rules = assessment.rules
    lines: list[dict[str, object]] = []
    parts: list[pd.DataFrame] = []
    n = assessment.n
    for tier in assessment.tiers:
        for piece, judged in assessment.results[tier].pieces():
            for leaf in piece.leaves.values():
                if leaf.threshold is None or leaf.value is None or leaf.op is None:
                    continue
                threshold = np.broadcast_to(np.asarray(leaf.threshold, dtype=np.float64), (n,))
                value = np.asarray(leaf.value, dtype=np.float64)
                known = ~np.isnan(value) & ~np.isnan(threshold)
                if judged is not None:
                    known &= judged
                rows = np.flatnonzero(known)
                spec = rules.fields.get(leaf.field) if leaf.kind != "score" and leaf.field else None
                line = len(lines)
                lines.append(
                    {
                        "line": line,
                        "tier": tier,
                        "ruleset": piece.ruleset.ruleset.id,
                        "criterion": leaf.id,
                        "kind": leaf.kind,
                        "field": leaf.field,
                        "unit": (spec.unit if spec is not None else Unit.POINTS).value,
                        "op": leaf.op,
                    }
                )
                if rows.size == 0:
                    continue
                high = (
                    np.asarray(leaf.value_high, dtype=np.float64)[rows]
                    if leaf.kind == "score" and leaf.value_high is not None
                    else np.full(rows.size, np.nan)
                )
                parts.append(
                    pd.DataFrame(
                        {
                            "firm_key": keys[rows],
                            "line": line,
                            "value": value[rows],
                            "value_high": high,
                            "threshold": threshold[rows],
                            "margin": value[rows] - threshold[rows],
                            "margin_high": high - threshold[rows],
                        }
                    )
                )
    margins = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=_MARGIN_COLUMNS)
    return pd.DataFrame(lines, columns=_LINE_COLUMNS), margins
