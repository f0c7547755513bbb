"""Two screening results compared: who gains, who loses, and the criteria that made the difference.

Works on the machine-readable outputs (the CSV or JSON lines of README "Output contract"), so results
screened at two dates, under two regimes or on two years of data can be compared after the fact. Firms
are matched by credit code (the k-th occurrence of a code with the k-th), column by column; no loop
over firms.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from eligibility.errors import InputError, Issue, IssueCode, Severity
from eligibility.flags import FLAG_NAMES

__all__ = ["COLUMNS", "diff_results", "read_result"]

_TIER_KEYS = ("status", "borderline", "failed")
COLUMNS = (
    "credit_code",
    "name",
    "item",
    "status_a",
    "status_b",
    "borderline_a",
    "borderline_b",
    "now_failing",
    "now_passing",
)


def read_result(path: str | Path) -> pd.DataFrame:
    """A screening result (``.csv`` or ``.jsonl`` written by ``eligibility screen``) as a flat frame."""
    source = Path(path)
    try:
        if source.suffix.lower() in (".jsonl", ".json"):
            rows = [
                json.loads(line) for line in source.read_text(encoding="utf-8").splitlines() if line.strip()
            ]
            return pd.DataFrame([_flatten(r) for r in rows]).fillna("")
        frame = pd.read_csv(source, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        for column in ("credit_code", "name"):
            # Undo the CSV writer's guard against formulas ("'=..." was written for "=...").
            if column in frame:
                frame[column] = frame[column].str.replace(r"^'(?=[=+\-@\t\r])", "", regex=True)
        return frame
    except (OSError, ValueError) as exc:
        raise InputError(
            [Issue(IssueCode.UNREADABLE_FILE, Severity.ERROR, None, None, None, f"{source.name}: {exc}")]
        ) from exc


def _flatten(record: dict[str, Any]) -> dict[str, Any]:
    flat: dict[str, Any] = {"credit_code": record.get("credit_code"), "name": record.get("name")}
    for tier, result in record.get("tiers", {}).items():
        flat[f"{tier}.status"] = result.get("status")
        flat[f"{tier}.borderline"] = result.get("borderline") or ""
        flat[f"{tier}.failed"] = ";".join(result.get("failed", []))
    for name in FLAG_NAMES:
        flat[f"flag.{name}"] = "true" if record.get("flags", {}).get(name) else "false"
    return flat


def _keyed(frame: pd.DataFrame) -> pd.DataFrame:
    codes = frame["credit_code"].astype(str)
    keyed = frame.copy()
    keyed["_occurrence"] = codes.groupby(codes).cumcount()
    return keyed.set_index(["credit_code", "_occurrence"])


def _split(values: pd.Series[str]) -> pd.Series[Any]:
    return values.fillna("").astype(str).map(lambda text: set(filter(None, text.split(";"))))


def diff_results(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    """One row per firm and tier (or flag) that changed: what it was, what it is, which criteria
    newly fail (``now_failing``) and which no longer fail (``now_passing``)."""
    a, b = _keyed(before), _keyed(after)
    joined = a.merge(b, how="outer", left_index=True, right_index=True, suffixes=("#a", "#b"))
    tiers = sorted({c.split(".")[0] for c in [*before.columns, *after.columns] if c.endswith(".status")})
    pieces = []
    for tier in tiers:
        columns = {}
        for side, frame in (("a", a), ("b", b)):
            for key in _TIER_KEYS:
                name = f"{tier}.{key}"
                column = joined.get(f"{name}#{side}", joined.get(name) if name in frame.columns else None)
                columns[f"{key}_{side}"] = column if column is not None else pd.Series("", index=joined.index)
        part = pd.DataFrame(columns, index=joined.index).fillna("")
        changed = (part["status_a"] != part["status_b"]) | (part["borderline_a"] != part["borderline_b"])
        part = part[changed]
        if part.empty:
            continue
        failed_a, failed_b = _split(part["failed_a"]), _split(part["failed_b"])
        part = part.assign(
            item=tier,
            now_failing=[";".join(sorted(n - o)) for n, o in zip(failed_b, failed_a, strict=True)],
            now_passing=[";".join(sorted(o - n)) for n, o in zip(failed_b, failed_a, strict=True)],
        )
        pieces.append(part)
    for flag in FLAG_NAMES:
        name = f"flag.{flag}"
        left = joined.get(f"{name}#a", pd.Series("", index=joined.index)).fillna("")
        right = joined.get(f"{name}#b", pd.Series("", index=joined.index)).fillna("")
        moved = left != right
        if moved.any():
            pieces.append(
                pd.DataFrame(
                    {"item": name, "status_a": left[moved], "status_b": right[moved]},
                    index=joined.index[moved],
                )
            )
    if not pieces:
        return pd.DataFrame(columns=list(COLUMNS))
    result = pd.concat(pieces).fillna("")
    names = joined["name#b"] if "name#b" in joined else joined["name"]
    names = names.fillna("")
    result["name"] = names.reindex(result.index).to_numpy()
    result = result.reset_index().drop(columns="_occurrence")
    return result[list(COLUMNS)].sort_values(["credit_code", "item"], kind="stable").reset_index(drop=True)
