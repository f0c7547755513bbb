"""Two screening results compared: who gains, who loses, and the criteria that made the difference.

Reads what ``eligibility screen`` writes — the CSV or JSON lines of README "Output contract", or the
reviewer's workbook (its 全部明细 sheet: one row per firm, a 结论 column per tier, in Chinese or in
English) — into one flat frame of ids, so results screened at two dates, under two regimes or on two
years of data can be compared after the fact, whatever format each was written in. Firms are matched by
credit code (the k-th occurrence of a code with the k-th); every tier and flag is compared at once in
long form, with no loop over firms.

Owns the reading back and the comparison; the words for people are :mod:`eligibility.render.changes`'.
A file that is not a screening result raises :class:`~eligibility.errors.InputError` whose issue
``value`` is one of :data:`REASONS` (the CLI words it) or a technical detail.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from eligibility.assessment import STATUS_NAMES
from eligibility.errors import InputError, Issue, IssueCode, Severity
from eligibility.input.sheets import read_sheet
from eligibility.labels import Lang, text
from eligibility.language.load import load_rules
from eligibility.language.model import TierDef
from eligibility.scoring.flags import FLAG_NAMES

__all__ = ["COLUMNS", "REASONS", "diff_results", "read_result"]

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
# Why a file is no screening result diff can read: the issue's value, worded by the CLI.
NOT_A_RESULT = "not_a_result"  # a table without the credit-code column
NO_STATUS = "no_status"  # a table without any tier status column
NOT_TEXT = "not_text"  # a .csv that is not UTF-8 text
BAD_JSONL = "bad_jsonl"  # a .jsonl that is not one JSON object per line
BAD_WORKBOOK = "bad_workbook"  # damaged, or another file renamed .xlsx
NO_DETAILS_SHEET = "no_details_sheet"  # a workbook without the 全部明细 sheet
UNKNOWN_TIER = "unknown_tier"  # a 结论 heading that names no tier of the rules
UNKNOWN_STATUS = "unknown_status"  # a 结论 cell the screen does not write
REASONS = frozenset(
    {
        NOT_A_RESULT,
        NO_STATUS,
        NOT_TEXT,
        BAD_JSONL,
        BAD_WORKBOOK,
        NO_DETAILS_SHEET,
        UNKNOWN_TIER,
        UNKNOWN_STATUS,
    }
)

_WORKBOOK_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xls"})
_ZIP_MAGIC = b"PK\x03\x04"  # every .xlsx, whatever it is named
_MARKS = ("", "thin_pass", "near_miss")
_KEYS = ["credit_code", "_occurrence", "item"]


def _refuse(
    reason: str, sheet: str | None = None, header: str | None = None, row: int | None = None
) -> InputError:
    return InputError([Issue(IssueCode.UNREADABLE_FILE, Severity.ERROR, row, None, header, reason, sheet)])


def read_result(path: str | Path, tiers: Mapping[str, TierDef] | None = None) -> pd.DataFrame:
    """A screening result written by ``eligibility screen`` as a flat frame of ids.

    Columns: ``credit_code``, ``name``, per tier ``<tier>.status`` and ``<tier>.borderline`` (and
    ``<tier>.failed`` from CSV and JSON lines; the workbook words its failed criteria, which are not
    read back), and ``flag.<name>`` (``true`` / ``false``).

    Args:
        path: a ``.csv`` or ``.jsonl`` (``--format csv|jsonl``) or the reviewer's workbook (``.xlsx``,
            recognised by its content whatever its name).
        tiers: the tier catalogue whose labels head the workbook's columns (default: the bundled rules).

    Raises:
        InputError: the file cannot be read, or is not a screening result (value in :data:`REASONS`).
    """
    source = Path(path)
    try:
        with source.open("rb") as stream:
            start = stream.read(len(_ZIP_MAGIC))
        if start == _ZIP_MAGIC or source.suffix.lower() in _WORKBOOK_SUFFIXES:
            frame = _read_workbook(source, tiers)
        elif source.suffix.lower() in (".jsonl", ".json"):
            frame = _read_jsonl(source)
        else:
            frame = _read_csv(source)
    except InputError:
        raise
    except UnicodeDecodeError as exc:
        raise _refuse(NOT_TEXT) from exc
    except (OSError, ValueError) as exc:  # no permission, a folder, a CSV that does not parse
        raise InputError(
            [Issue(IssueCode.UNREADABLE_FILE, Severity.ERROR, None, None, None, f"{source.name}: {exc}")]
        ) from exc
    if "credit_code" not in frame:
        raise _refuse(NOT_A_RESULT, header="credit_code")
    if not any(str(c).endswith(".status") for c in frame.columns):
        raise _refuse(NO_STATUS)
    return frame


def _read_csv(source: Path) -> pd.DataFrame:
    frame = pd.read_csv(source, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    for column in ("credit_code", "name"):
        # Undo the CSV writer's guard against formulas ("'=..." was written for "=...").
        if column in frame:
            frame[column] = frame[column].str.replace(r"^'(?=[=+\-@\t\r])", "", regex=True)
    return frame


def _read_jsonl(source: Path) -> pd.DataFrame:
    try:
        records = pd.read_json(source, lines=True, dtype=False, encoding="utf-8")
    except UnicodeDecodeError:
        raise
    except ValueError as exc:
        raise _refuse(BAD_JSONL) from exc
    if "tiers" not in records:
        raise _refuse(NOT_A_RESULT, header="tiers")
    flat: dict[str, Any] = {
        key: records[key].fillna("").astype(str) if key in records else pd.Series("", index=records.index)
        for key in ("credit_code", "name")
    }
    tiers = pd.json_normalize(records["tiers"].map(_mapping).tolist(), max_level=1)
    tiers.index = records.index
    for column in tiers.columns:
        if column.endswith((".status", ".borderline")):
            flat[column] = tiers[column].fillna("").astype(str)
        elif column.endswith(".failed"):
            flat[column] = tiers[column].str.join(";").fillna("")
    if "flags" in records:
        flags = pd.json_normalize(records["flags"].map(_mapping).tolist())
        for name in FLAG_NAMES:
            on = flags[name].eq(True).to_numpy() if name in flags else np.zeros(len(records), dtype=bool)
            flat[f"flag.{name}"] = pd.Series(np.where(on, "true", "false"), index=records.index)
    return pd.DataFrame(flat)


def _mapping(value: object) -> object:
    return value if isinstance(value, dict) else {}


# A status word and its mark compared without spaces or brackets: 符合（临界通过） → 符合临界通过.
_SQUEEZE = re.compile(r"[\s()（）]")


def _squeeze(words: pd.Series[Any]) -> pd.Series[Any]:
    return words.fillna("").astype(str).str.replace(_SQUEEZE.pattern, "", regex=True)


def _read_workbook(source: Path, tiers: Mapping[str, TierDef] | None) -> pd.DataFrame:
    """The 全部明细 sheet of the reviewer's workbook, its headings and words mapped back to ids."""
    from python_calamine import CalamineWorkbook

    if tiers is None:
        tiers = load_rules().tiers
    try:
        book = CalamineWorkbook.from_path(str(source))
        names = [str(n) for n in book.sheet_names]
    except OSError:
        raise
    except Exception as exc:  # calamine's own errors: not a zip, no workbook inside
        raise _refuse(BAD_WORKBOOK) from exc
    langs: tuple[Lang, ...] = ("zh", "en")
    found = [(lang, text("sheet_details", lang)) for lang in langs if text("sheet_details", lang) in names]
    if not found:
        raise _refuse(NO_DETAILS_SHEET, sheet=text("sheet_details", "zh"))
    lang, sheet = found[0]
    try:
        cells = read_sheet(book, sheet).cells
    except Exception as exc:  # calamine's own errors: a damaged sheet
        raise _refuse(BAD_WORKBOOK, sheet=sheet) from exc
    if cells.shape[0] == 0:
        raise _refuse(NOT_A_RESULT, sheet=sheet, header=text("col_code", lang))  # an empty sheet
    headings = ["" if h is None else str(h) for h in cells[0]]
    body = pd.DataFrame(cells[1:], columns=range(len(headings)))
    column = {h: body[i] for i, h in reversed(list(enumerate(headings)))}  # the first of a repeated heading
    code_heading = text("col_code", lang)
    if code_heading not in column:
        raise _refuse(NOT_A_RESULT, sheet=sheet, header=code_heading)
    flat: dict[str, pd.Series[Any]] = {"credit_code": column[code_heading].fillna("").astype(str)}
    flat["name"] = column.get(text("col_name", lang), pd.Series("", index=body.index)).fillna("").astype(str)

    # Headings "<tier label>｜结论": a tier by its label in either language.
    by_label = {m.label_zh: m.id for m in tiers.values()} | {
        m.label_en or m.label_zh: m.id for m in tiers.values()
    }
    ending = text("col_status", lang)
    statuses = {
        _SQUEEZE.sub("", text(str(s), lang) + (text(m, lang) if m else "")): (str(s), m)
        for s in STATUS_NAMES
        for m in _MARKS
    }
    status_of = {k: v[0] for k, v in statuses.items()}
    mark_of = {k: v[1] for k, v in statuses.items()}
    for position, heading in enumerate(headings):
        if not heading.endswith(ending) or heading == ending:
            continue
        label = heading.removesuffix(ending).rstrip(" ｜|")
        tier = by_label.get(label)
        if tier is None:
            raise _refuse(UNKNOWN_TIER, sheet=sheet, header=heading)
        words = _squeeze(body[position])
        status = words.map(status_of)
        unknown = status.isna() & (words != "")
        if unknown.any():
            row = int(np.flatnonzero(unknown.to_numpy())[0]) + 2  # 1-based, below the heading row
            raise _refuse(UNKNOWN_STATUS, sheet=sheet, header=heading, row=row)
        flat[f"{tier}.status"] = status.fillna("")
        flat[f"{tier}.borderline"] = words.map(mark_of).fillna("")

    # 标记: "晋级候选：<tier>；退库风险：<reason>；升规候选；数据问题" — a flag is set when its word
    # opens one of the parts.
    flag_heading = text("col_flags", lang)
    if flag_heading in column:
        said = column[flag_heading].fillna("").astype(str)
        for name in FLAG_NAMES:
            pattern = rf"(?:^|[；;]\s*){re.escape(text(name, lang))}(?=$|[：:；;])"
            flat[f"flag.{name}"] = pd.Series(
                np.where(said.str.contains(pattern, regex=True), "true", "false")
            )
    return pd.DataFrame(flat)


def _long(frame: pd.DataFrame, flags: list[str]) -> pd.DataFrame:
    """One row per firm and item (tier or flag): status, borderline mark and failed criteria."""
    codes = frame["credit_code"].fillna("").astype(str)
    keys = {"credit_code": codes.to_numpy(), "_occurrence": codes.groupby(codes).cumcount().to_numpy()}
    blank = pd.Series("", index=frame.index)
    tiers = [str(c).removesuffix(".status") for c in frame.columns if str(c).endswith(".status")]
    pieces = [
        pd.DataFrame(
            {
                **keys,
                "item": tier,
                "status": frame[f"{tier}.status"].to_numpy(),
                "borderline": frame.get(f"{tier}.borderline", blank).to_numpy(),
                "failed": frame.get(f"{tier}.failed", blank).to_numpy(),
            }
        )
        for tier in tiers
    ]
    pieces += [
        pd.DataFrame({**keys, "item": flag, "status": frame[flag].to_numpy(), "borderline": "", "failed": ""})
        for flag in flags
    ]
    return pd.concat(pieces, ignore_index=True).fillna("")


def _set_difference(changed: pd.DataFrame, new: str, old: str) -> pd.Series[Any]:
    """Per changed row, the ``;``-separated ids in column ``new`` and not in ``old``, sorted."""

    def exploded(name: str) -> pd.DataFrame:
        ids = changed[name].astype(str).str.split(";").explode()
        return pd.DataFrame({"row": ids.index, "id": ids.to_numpy()}).query("id != ''")

    both = exploded(new).merge(exploded(old), how="left", on=["row", "id"], indicator=True)
    only = both[both["_merge"] == "left_only"].sort_values(["row", "id"])
    joined = only.groupby("row")["id"].agg(";".join)
    return joined.reindex(changed.index, fill_value="")


def diff_results(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    """One row per firm and tier (or flag) that changed: what it was, what it is, which criteria
    newly fail (``now_failing``) and which no longer fail (``now_passing``).

    A flag is compared only when both results carry it; the criteria only when both carry the failed
    lists (CSV and JSON lines do, the workbook does not), else they are left blank.
    """
    flags = [c for c in before.columns if str(c).startswith("flag.") and c in after.columns]
    a, b = _long(before, flags), _long(after, flags)
    joined = a.merge(b, how="outer", on=_KEYS, suffixes=("_a", "_b")).fillna("")
    moved = (joined["status_a"] != joined["status_b"]) | (joined["borderline_a"] != joined["borderline_b"])
    changed = joined[moved].reset_index(drop=True)
    if changed.empty:
        return pd.DataFrame(columns=list(COLUMNS))
    listed = [any(str(c).endswith(".failed") for c in frame.columns) for frame in (before, after)]
    if all(listed):
        changed["now_failing"] = _set_difference(changed, "failed_b", "failed_a")
        changed["now_passing"] = _set_difference(changed, "failed_a", "failed_b")
    else:
        changed["now_failing"] = changed["now_passing"] = ""

    def names(frame: pd.DataFrame) -> pd.DataFrame:
        codes = frame["credit_code"].fillna("").astype(str)
        return pd.DataFrame(
            {
                "credit_code": codes,
                "_occurrence": codes.groupby(codes).cumcount(),
                "name": frame["name"].fillna("").astype(str) if "name" in frame else "",
            }
        )

    firms = names(before).merge(
        names(after), how="outer", on=["credit_code", "_occurrence"], suffixes=("_a", "_b")
    )
    firms["name"] = firms["name_b"].where(firms["name_b"].notna(), firms["name_a"]).fillna("")
    result = changed.merge(
        firms[["credit_code", "_occurrence", "name"]], how="left", on=["credit_code", "_occurrence"]
    )
    result = result.sort_values(["credit_code", "item", "_occurrence"], kind="stable")
    return result[list(COLUMNS)].fillna("").reset_index(drop=True)
