"""``evaluate`` and ``assess_one``: the public entry points, and the :class:`Assessment` they return.

Owns choosing the rule set of every tier (by ``as_of``, purpose and an optional regime), running the
vectorised core in dependency order, and the views of the result: the wide table of the output
contract (README), the tidy per-criterion trace and the nested per-firm record. The views are built
on demand from the columnar results; nothing per firm is kept as Python objects.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from eligibility.columns import Prepared
from eligibility.errors import Issue, IssueCode, RegimeError, Severity
from eligibility.input.headers import YEAR_COLUMN, HeaderMatch, HeaderReader, map_headers
from eligibility.input.prepare import OneFirm, prepare
from eligibility.input.table import InputTable
from eligibility.language.load import load_rules
from eligibility.language.model import Criterion, RuleSetFile
from eligibility.language.ruleset import RuleSet, parse_as_of, walk_criteria
from eligibility.scoring.engine import (
    TierResult,
    combine_parts,
    derive_columns,
    evaluate_rows,
    evaluate_tier,
    input_columns,
)
from eligibility.scoring.flags import FLAG_NAMES, Flags, compute_flags
from eligibility.scoring.logic import Decider, Status
from eligibility.scoring.plans import BandMove, plan_band_moves, plan_groups
from eligibility.scoring.titles import Titles, current_titles

_RISK_ORDER = {"review_ineligible": 0, "not_sme": 0, "review_incomplete": 1, "review_thin_pass": 2}

__all__ = [
    "CARRIED_TEXT",
    "CRITERION_STATUS_NAMES",
    "STATUS_NAMES",
    "Assessment",
    "BandMove",
    "assess_one",
    "evaluate",
]

Purpose = Literal["apply", "review"]
Backend = Literal["numpy", "durable"]
STATUS_NAMES = np.array(["ineligible", "incomplete", "review", "eligible"], dtype=object)
CRITERION_STATUS_NAMES = np.array(["fail", "unknown", "review", "pass"], dtype=object)
_STATUS_OF_CODE = {int(s): str(STATUS_NAMES[int(s)]) for s in Status}
# Text fields carried from the input to every output next to the firm's name, when the input has them
# (offices group their lists by them); they take no part in any rule.
CARRIED_TEXT = ("township", "officer")
_NO_CLASS = object()  # a tier without size classes has no "class" key (None is a class not determined)
_BORDERLINE_NAMES = np.array(["", "thin_pass", "near_miss"], dtype=object)
_CRITERION_OF_CODE = {int(s): str(CRITERION_STATUS_NAMES[int(s)]) for s in Status}


def evaluate(
    data: pd.DataFrame | InputTable | Prepared,
    rules: RuleSet | None = None,
    *,
    as_of: dt.date | str,
    purpose: Purpose = "apply",
    regime: str | None = None,
    tiers: Sequence[str] | None = None,
    horizon_months: int = 12,
    strict: bool = False,
    backend: Backend = "numpy",
    decider: Decider | None = None,
) -> Assessment:
    """Evaluate every tier for every firm in one vectorised pass.

    Args:
        data: a DataFrame whose columns are canonical field ids, an :class:`InputTable`, or an
            already prepared input.
        rules: loaded rules; the bundled ``rules/`` when omitted.
        as_of: assessment date; picks the rule set of each tier (docs/policy.md, "Which rules apply when").
        purpose: ``apply`` (new application) or ``review`` (复核 of a title held).
        regime: replay a round under a named regime (e.g. ``"63号"``) instead of the one in force.
        tiers: evaluate only these tiers (and what they require); all tiers by default.
        horizon_months: how far ahead an expiring title counts for the at-risk flag.
        strict: raise :class:`~eligibility.errors.InputError` on error-severity input issues.
        backend: ``numpy`` (the vectorised core) or ``durable``: every threshold decision taken by
            durable_rules, one firm at a time (for one-firm assessment, monitoring and comparison).
        decider: another engine that takes every threshold decision (a
            :class:`~eligibility.scoring.logic.Decider`; the core still derives values and combines
            decisions). A decider that cannot take a comparison raises instead of falling back.

    Raises:
        RegimeError: when ``as_of`` is not a date or no rule set of any requested tier is in force.
    """
    rules = rules if rules is not None else load_rules()
    day = parse_as_of(as_of)
    if purpose not in ("apply", "review"):
        raise RegimeError(f"purpose must be apply or review, got {purpose!r}")
    prepared = data if isinstance(data, Prepared) else prepare(data, rules, strict=strict)
    if backend == "durable" and decider is None:
        from eligibility.backends.durable import durable_decisions

        durable = durable_decisions()
        codes = prepared.text.get("credit_code", np.full(prepared.n, None, dtype=object))
        sids = [str(c) if c else f"row{r}" for c, r in zip(codes, prepared.rows, strict=True)]
        with durable.sessions(sids):
            return _evaluate(rules, prepared, day, purpose, regime, tiers, horizon_months, durable)
    return _evaluate(rules, prepared, day, purpose, regime, tiers, horizon_months, decider)


def _evaluate(
    rules: RuleSet,
    prepared: Prepared,
    day: dt.date,
    purpose: Purpose,
    regime: str | None,
    tiers: Sequence[str] | None,
    horizon_months: int,
    decider: Decider | None = None,
) -> Assessment:
    columns = derive_columns(rules, input_columns(prepared, day), prepared.n)
    wanted = _with_dependencies(rules, tiers)
    titles, title_issues = current_titles(rules, prepared, day, horizon_months)
    memo: dict[tuple[object, ...], Any] = {}  # comparisons shared by the tiers (evaluate_tier)
    results, skipped = _run(
        rules, prepared, columns, titles, day, purpose, regime, wanted, decider=decider, memo=memo
    )
    if not results:
        raise RegimeError(f"no rule set in force at {day} for purpose {purpose} (regime {regime})")
    review_results = results
    if purpose == "apply" and titles.expiring.any():
        held = {str(t) for t in titles.tier[titles.expiring]}
        wanted_review = _with_dependencies(rules, held)
        # The re-review rules are read for the firms whose title expires within the horizon (the
        # at-risk flag and its gaps) and nobody else: a rule set of its own is evaluated for them
        # only (a decider, keyed by the firm's position, sees every firm).
        expiring = np.flatnonzero(titles.expiring) if decider is None else None
        review_results, _ = _run(
            rules,
            prepared,
            columns,
            titles,
            day,
            "review",
            regime,
            wanted_review,
            reuse=results,
            decider=decider,
            memo=memo,
            rows=expiring,
        )
    issues = sorted([*prepared.issues, *title_issues], key=lambda x: (x.row or 0, x.field or ""))
    # What the reader did on the user's behalf (info: a 合计 row skipped, an expiry derived) is no
    # data problem of the firm.
    issue_rows = np.isin(
        prepared.rows, [i.row for i in issues if i.row is not None and i.severity is not Severity.INFO]
    )
    flags = compute_flags(rules, prepared, results, review_results, titles, issue_rows)
    return Assessment(
        rules=rules,
        as_of=day,
        purpose=purpose,
        regime=regime,
        prepared=prepared,
        results=results,
        review_results=review_results,
        titles=titles,
        flags=flags,
        issues=issues,
        skipped=skipped,
        columns=columns,
    )


def assess_one(
    firm: Mapping[str, Any],
    rules: RuleSet | None = None,
    *,
    as_of: dt.date | str,
    purpose: Purpose = "apply",
    regime: str | None = None,
    backend: Backend = "numpy",
) -> dict[str, Any]:
    """Assess a single firm; same results as :func:`evaluate` on a one-row spreadsheet.

    Keys are read like spreadsheet headers: a canonical field id (``revenue_y1``) or a header the
    reader accepts (``营业收入``, ``2025年营业收入（万元）``, ``研发费用(元)`` with 元 converted to 万元,
    ``资产负债率(%)``). A key that names no field is an ``unknown_field`` warning whose value is the
    closest field id or header ("did you mean"), and is not used; a year label out of range, a unit
    that does not fit and a second key for the same field are the reader's usual warnings.

    With ``backend="durable"`` every threshold decision is taken by durable_rules rules (the firm's
    session, keyed by its credit code, keeps its facts until they change).

    Returns:
        The nested per-firm record (see :meth:`Assessment.firm`). Its ``issues`` list the issues
        about keys first (they have no row, like a spreadsheet's column issues), then those of the
        firm's values.
    """
    rules = rules if rules is not None else load_rules()
    prepared = _one_plan(rules).prepared(firm, parse_as_of(as_of))
    assessment = evaluate(prepared, rules, as_of=as_of, purpose=purpose, regime=regime, backend=backend)
    record = assessment.firm(0)
    keys = [_issue_record(x) for x in assessment.issues if x.row is None]
    record["issues"] = [*keys, *record["issues"]]
    return record


class _OnePlan:
    """What :func:`assess_one` needs of a rule set whatever the firm, built once per rule set: the
    header readers of each year, the keys already read, the typing tables (no frame per call)."""

    KEYS_LIMIT = 10_000  # keys remembered per year: a caller's own spellings, not a stream of typos

    def __init__(self, rules: RuleSet) -> None:
        self.rules = rules
        self.typing = OneFirm(rules)
        self._readers: dict[int, HeaderReader] = {}
        self._keys: dict[tuple[int, str], tuple[HeaderMatch | None, Issue | None]] = {}

    def prepared(self, firm: Mapping[str, Any], day: dt.date) -> Prepared:
        """One firm typed as a one-row spreadsheet whose headers are its keys."""
        known: list[tuple[Any, HeaderMatch]] = []
        unknown: list[Issue] = []
        for key in firm:
            match, issue = self._key(str(key), day.year)
            if issue is not None:
                unknown.append(issue)
            elif match is not None:
                known.append((key, match))
        mapped = map_headers([match for _, match in known], None)
        values = {field_id: firm[known[col][0]] for field_id, col in mapped.columns.items()}
        return self.typing.prepare(
            values,
            headers=mapped.headers,
            factors=mapped.factors,
            percent=mapped.percent,
            issues=[*unknown, *mapped.issues],
        )

    def _key(self, name: str, year: int) -> tuple[HeaderMatch | None, Issue | None]:
        """A key read like a spreadsheet header: its match, or the unknown-field issue."""
        found = self._keys.get((year, name))
        if found is not None:
            return found
        rules = self.rules
        if name in rules.fields:
            # A canonical id is taken as it is: no header reading can turn it into another field.
            match = HeaderMatch(name, name)
        else:
            reader = self._readers.get(year)
            if reader is None:
                reader = self._readers[year] = HeaderReader(rules, year)
            match = reader.read(name)
        if match.field == YEAR_COLUMN:  # the year column of a long sheet: one firm has one row
            match = HeaderMatch(name, None, problem="year_column")
        if match.field is None and match.problem in ("unknown", "empty"):
            issue = Issue(IssueCode.UNKNOWN_FIELD, Severity.WARNING, None, None, name, _closest(name, rules))
            found = (None, issue)
        else:
            found = (match, None)
        if len(self._keys) < self.KEYS_LIMIT:
            self._keys[(year, name)] = found
        return found


def _one_plan(rules: RuleSet) -> _OnePlan:
    """The one-firm plan of ``rules``, built on the first call and kept with the rule set."""
    plan = rules.plans.get("assess_one")
    if not isinstance(plan, _OnePlan):
        plan = rules.plans["assess_one"] = _OnePlan(rules)
    return plan


def _closest(key: str, rules: RuleSet) -> str | None:
    """The field id or accepted header closest to an unknown key, if any is close."""
    names = dict.fromkeys(
        name for spec in rules.fields.values() for name in (spec.id, spec.label_zh, *spec.aliases)
    )
    close = difflib.get_close_matches(key, list(names), n=1)
    return close[0] if close else None


def _issue_record(issue: Issue) -> dict[str, Any]:
    return {
        "code": str(issue.code),
        "severity": str(issue.severity),
        "field": issue.field,
        "header": issue.header,
        "value": issue.value,
    }


def _with_dependencies(rules: RuleSet, tiers: Sequence[str] | set[str] | None) -> list[str]:
    order = rules.tier_order()
    if tiers is None:
        return order
    unknown = [t for t in tiers if t not in rules.tiers]
    if unknown:
        raise RegimeError(f"unknown tier(s): {', '.join(unknown)}")
    needed: set[str] = set()
    stack = list(tiers)
    while stack:
        tier = stack.pop()
        if tier in needed:
            continue
        needed.add(tier)
        for rs in rules.for_tier(tier):
            if rs.criteria is not None:
                stack.extend(n.requires.tier for n in walk_criteria(rs.criteria) if n.requires is not None)
    return [t for t in order if t in needed]


def _run(
    rules: RuleSet,
    prepared: Prepared,
    columns: dict[str, npt.NDArray[np.float64]],
    titles: Titles,
    as_of: dt.date,
    purpose: str,
    regime: str | None,
    tiers: Sequence[str],
    reuse: Mapping[str, TierResult] | None = None,
    decider: Decider | None = None,
    memo: dict[tuple[object, ...], Any] | None = None,
    rows: npt.NDArray[np.intp] | None = None,
) -> tuple[dict[str, TierResult], dict[str, str]]:
    """Evaluate ``tiers`` in order; with ``rows``, a rule set not reused from ``reuse`` is evaluated
    for the firms at ``rows`` only (its results blank elsewhere)."""
    results: dict[str, TierResult] = {}
    skipped: dict[str, str] = {}
    for tier in tiers:
        if purpose == "review" and regime is None and rules.has_rounds(tier):
            found = _by_round(
                rules, prepared, columns, titles, as_of, tier, results, reuse or {}, decider, memo, rows
            )
            if found is None:
                skipped[tier] = "no_ruleset_in_force"
            else:
                results[tier] = found
            continue
        chosen = _select(rules, tier, as_of, purpose, regime)
        if chosen is None:
            skipped[tier] = "no_ruleset_in_force" if rules.for_tier(tier) else "no_ruleset"
            continue
        previous = (reuse or {}).get(tier)
        if (
            previous is not None
            and previous.ruleset is chosen
            and not _purpose_specific(chosen)
            and _same_inputs(chosen, results, reuse or {})
        ):
            # One rule set serves both purposes: the review results are the apply results.
            results[tier] = previous
            continue
        if rows is not None:
            results[tier] = evaluate_rows(chosen, rules, prepared, columns, results, titles, purpose, rows)
            continue
        results[tier] = evaluate_tier(
            chosen, rules, prepared, columns, results, titles, purpose, decider, memo
        )
    return results, skipped


def review_rounds(rules: RuleSet, titles: Titles, tier: str, as_of: dt.date) -> npt.NDArray[np.int16]:
    """The re-review round (calendar year) of each firm for ``tier``: the year its title of that tier
    expires — a title is re-reviewed in the round of the year it expires, also when it has lapsed by
    ``as_of`` — and the year of ``as_of`` for a firm with no such title or no known expiry."""
    written = titles.written if titles.written is not None else titles.tier
    mine = (written == tier) & ~np.isnat(titles.expires)
    years = titles.expires.astype("datetime64[Y]").astype(np.int64) + 1970
    return np.where(mine, years, as_of.year).astype(np.int16)


def _by_round(
    rules: RuleSet,
    prepared: Prepared,
    columns: dict[str, npt.NDArray[np.float64]],
    titles: Titles,
    as_of: dt.date,
    tier: str,
    results: Mapping[str, TierResult],
    reuse: Mapping[str, TierResult],
    decider: Decider | None = None,
    memo: dict[tuple[object, ...], Any] | None = None,
    rows: npt.NDArray[np.intp] | None = None,
) -> TierResult | None:
    """The review result of ``tier`` with each firm judged by the rule set of its round
    (``review_rounds`` in the rule files). A round no rule set declares (a year before the oldest)
    is judged like the round of ``as_of``, else by the rule set in force on ``as_of``."""
    years = review_rounds(rules, titles, tier, as_of)
    fallback = rules.for_round(tier, as_of.year) or rules.select(tier, as_of, "review")
    distinct, inverse = np.unique(years, return_inverse=True)
    chosen = [rules.for_round(tier, int(year)) or fallback for year in distinct]
    if any(c is None for c in chosen):
        return None
    ids = [c.ruleset.id for c in chosen if c is not None]
    inverse = inverse.reshape(-1)
    per_year = np.bincount(inverse, minlength=len(ids))
    counts: dict[str, int] = {}
    for rid, firms in zip(ids, per_year, strict=True):  # one step per distinct year
        counts[rid] = counts.get(rid, 0) + int(firms)
    order = sorted(counts, key=lambda rid: -counts[rid])  # the rule set of most firms first
    position = {rid: k for k, rid in enumerate(order)}
    part = np.array([position[rid] for rid in ids], dtype=np.int8)[inverse]
    parts: list[TierResult] = []
    for rid in order:
        ruleset = rules.rulesets[rid]
        previous = reuse.get(tier)
        if (
            previous is not None
            and previous.ruleset is ruleset
            and not previous.parts
            and not _purpose_specific(ruleset)
            and _same_inputs(ruleset, results, reuse)
        ):
            parts.append(previous)  # one rule set serves both purposes
        elif (parts or rows is not None) and decider is None:
            # A rule set holding for fewer firms than the first is evaluated for its own firms only
            # (a decider keys its tests by the firm's position in the whole pool, so it sees all);
            # with ``rows``, for those of its firms that are wanted.
            mine = np.flatnonzero(part == len(parts))
            if rows is not None:
                mine = rows[part[rows] == len(parts)]
            parts.append(evaluate_rows(ruleset, rules, prepared, columns, results, titles, "review", mine))
        else:
            parts.append(
                evaluate_tier(ruleset, rules, prepared, columns, results, titles, "review", decider, memo)
            )
    if len(parts) == 1:
        return replace(parts[0], review_round=years)
    return combine_parts(parts, part, years)


_SELECTIONS_LIMIT = 4096  # (tier, date, purpose, regime) choices kept per rule set


def _select(
    rules: RuleSet, tier: str, as_of: dt.date, purpose: str, regime: str | None
) -> RuleSetFile | None:
    """The rule set of ``tier`` in force (of ``regime`` first, when given), chosen once per date,
    purpose and regime and kept with the rules."""
    chosen: dict[tuple[str, dt.date, str, str | None], RuleSetFile | None]
    chosen = rules.plans.setdefault("selections", {})
    key = (tier, as_of, purpose, regime)
    if key in chosen:
        return chosen[key]
    found = rules.select(tier, as_of, purpose, regime) if regime else None
    found = found or rules.select(tier, as_of, purpose)
    if len(chosen) < _SELECTIONS_LIMIT:
        chosen[key] = found
    return found


def _purpose_specific(ruleset: RuleSetFile) -> bool:
    """Whether some criterion of ``ruleset`` applies to one purpose only."""
    return ruleset.criteria is not None and any(n.purposes for n in walk_criteria(ruleset.criteria))


def _same_inputs(
    ruleset: RuleSetFile, results: Mapping[str, TierResult], reuse: Mapping[str, TierResult]
) -> bool:
    """Whether every tier ``ruleset`` requires resolved to the very result it had in ``reuse``."""
    if ruleset.criteria is None:
        return True
    required = {n.requires.tier for n in walk_criteria(ruleset.criteria) if n.requires is not None}
    return all(results.get(t) is reuse.get(t) for t in required)


def mask_codes(
    labels: Sequence[str], masks: Sequence[npt.NDArray[np.bool_]], n: int, separator: str = ";"
) -> tuple[npt.NDArray[np.signedinteger[Any]], list[str]]:
    """Per firm, the code of the labels whose mask is set, joined by ``separator``, and the joined
    texts the codes stand for: one bit key per firm, hashed once, and one join per distinct
    combination — never a Python string per firm."""
    if not labels:
        return np.zeros(n, dtype=np.int8), [""]
    keys = np.zeros(n, dtype=np.int64)
    chunks: list[npt.NDArray[np.int64]] = []
    for position, mask in enumerate(masks):
        if position and position % 62 == 0:
            chunks.append(keys)
            keys = np.zeros(n, dtype=np.int64)
        keys |= mask.astype(np.int64) << (position % 62)
    chunks.append(keys)
    if len(chunks) == 1:  # the usual case: a hash of one integer key per firm, no sort
        codes, flat = pd.factorize(keys, sort=False)
        unique = np.asarray(flat).reshape(-1, 1)
    else:
        unique, codes = np.unique(np.stack(chunks, axis=1), axis=0, return_inverse=True)
    texts = []
    for row in unique:  # one iteration per distinct combination, not per firm
        chosen = [labels[i] for i in range(len(labels)) if (int(row[i // 62]) >> (i % 62)) & 1]
        texts.append(separator.join(chosen))
    # The narrowest integer that holds the codes: most tiers have a few hundred combinations at most.
    narrow = np.int8 if len(texts) < 128 else np.int16 if len(texts) < 32768 else np.int32
    return np.asarray(codes).reshape(-1).astype(narrow), texts


def join_masks(
    labels: Sequence[str], masks: Sequence[npt.NDArray[np.bool_]], n: int, separator: str = ";"
) -> npt.NDArray[np.object_]:
    """Per firm, the labels whose mask is set, joined by ``separator`` — vectorised through bit keys."""
    codes, texts = mask_codes(labels, masks, n, separator)
    joined: npt.NDArray[np.object_] = np.array(texts, dtype=object)[codes]
    return joined


@dataclass(frozen=True)
class Coded:
    """A text column as a code per firm into a few distinct texts (``None`` a missing value)."""

    codes: npt.NDArray[np.integer[Any]]
    texts: Sequence[str | None]


@dataclass(frozen=True)
class Records:
    """The compact per-firm records (:meth:`Assessment.firm` without the per-criterion trace) as
    columns, for writers that format each distinct value once: per tier, and for the flags, a code
    per firm into the distinct (JSON-ready) values; the firm's own fields as arrays."""

    n: int
    rows: npt.NDArray[np.int64]
    text: dict[str, npt.NDArray[np.object_]]  # credit_code, name and the carried text, by key
    constant: dict[str, str]  # as_of, purpose
    tiers: dict[str, tuple[npt.NDArray[np.int64], list[dict[str, Any]]]]
    flags: tuple[npt.NDArray[np.int64], list[tuple[dict[str, bool], dict[str, Any]]]]
    flag_ranks: dict[str, npt.NDArray[np.int64]]  # 1-based rank per firm, 0 where not flagged
    issues: dict[int, list[dict[str, Any]]]  # by position, only the firms that have issues


def factorize_rows(
    columns: Sequence[npt.NDArray[Any]], n: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """A code per row for the distinct combinations of ``columns`` (hashed, no sort), and the first
    row of each code. Floats are told apart by their bits, so equal codes mean equal values."""
    key = np.zeros(n, dtype=np.int64)
    for column in columns:
        values = column.view(np.int64) if column.dtype == np.float64 else column
        codes, distinct = pd.factorize(values, sort=False)  # -1 for a missing (None) value
        if len(distinct) > 1 or (codes < 0).any():
            key = pd.factorize(key * (len(distinct) + 1) + (codes + 1), sort=False)[0]
    key = np.asarray(key, dtype=np.int64)
    # factorize numbers codes in order of first appearance: a code is new where it exceeds all before.
    before = np.maximum.accumulate(np.concatenate([[-1], key[:-1]])) if n else key
    first: npt.NDArray[np.int64] = np.flatnonzero(key > before)
    return key, first


@dataclass(frozen=True)
class Known:
    """A score where its interval is one point (``low == high``), NaN elsewhere; made per slice."""

    low: npt.NDArray[np.float64]
    high: npt.NDArray[np.float64]

    def __getitem__(self, rows: slice) -> npt.NDArray[np.float64]:
        low = self.low[rows]
        known: npt.NDArray[np.float64] = np.where(low == self.high[rows], low, np.nan)
        return known


def _arrow_column(values: Any, rows: slice, dictionary: bool) -> pa.Array:
    """One column of the wide table over ``rows`` as Arrow, typed as pandas' conversion types it."""
    if isinstance(values, Coded):
        texts = pa.array(list(values.texts), pa.large_string())
        codes = pa.array(values.codes[rows])
        return pa.DictionaryArray.from_arrays(codes, texts) if dictionary else pc.take(texts, codes)
    if isinstance(values, Known):
        return pa.array(values[rows], from_pandas=True)
    if isinstance(values, np.ndarray):
        if values.dtype == object:
            return pa.array(values[rows], pa.large_string(), from_pandas=True)
        return pa.array(np.ascontiguousarray(values[rows]), from_pandas=True)
    return pa.nulls(len(range(*rows.indices(rows.stop))))


def _wide_column(values: Any, rows: slice) -> Any:
    """One column of the wide table over ``rows``: coded and carried text expanded by Arrow into
    pandas' ``str`` column (never a Python object per cell), numbers as numpy arrays."""
    if isinstance(values, Coded):
        dictionary = pa.array(list(values.texts), pa.large_string())
        return pc.take(dictionary, pa.array(values.codes[rows])).to_pandas()
    if isinstance(values, np.ndarray):
        if values.dtype == object:
            return pa.array(values[rows], pa.large_string(), from_pandas=True).to_pandas()
        part = values[rows]
        return part.copy() if part.strides == (0,) else part  # a blank column is a broadcast
    if isinstance(values, Known):
        return values[rows]
    return values  # None: a column the input has not, the same in every row


@dataclass
class Assessment:
    """The result of :func:`evaluate`: columnar per tier, with views built on demand."""

    rules: RuleSet
    as_of: dt.date
    purpose: str
    regime: str | None
    prepared: Prepared
    results: dict[str, TierResult]
    review_results: dict[str, TierResult]
    titles: Titles
    flags: Flags
    issues: list[Issue]
    skipped: dict[str, str] = field(default_factory=dict)
    columns: dict[str, npt.NDArray[np.float64]] = field(default_factory=dict)

    @property
    def n(self) -> int:
        """Number of firms."""
        return self.prepared.n

    @property
    def tiers(self) -> list[str]:
        """Evaluated tier ids, dependencies first."""
        return list(self.results)

    def has_errors(self) -> bool:
        """Whether any input issue has error severity."""
        return any(i.severity is Severity.ERROR for i in self.issues)

    def status(self, tier: str) -> npt.NDArray[np.object_]:
        """Status names of ``tier`` for every firm."""
        result: npt.NDArray[np.object_] = STATUS_NAMES[self.results[tier].status]
        return result

    def borderline(self, tier: str) -> npt.NDArray[np.object_]:
        """``thin_pass``, ``near_miss`` or an empty string per firm."""
        out: npt.NDArray[np.object_] = _BORDERLINE_NAMES[self._borderline_codes(tier)]
        return out

    def _borderline_codes(self, tier: str) -> npt.NDArray[np.int8]:
        """0 none, 1 thin pass, 2 near miss (a near miss wins where both would be set)."""
        result = self.results[tier]
        codes = result.thin_pass.view(np.int8).copy()
        codes[result.near_miss] = 2
        return codes

    def failed(
        self,
        tier: str,
        labels: Mapping[str, str] | Callable[[TierResult], Mapping[str, str]] | None = None,
        closest: bool = False,
    ) -> npt.NDArray[np.object_]:
        """Per firm, the ids (or ``labels`` of them) of the failed criteria that made the tier fail,
        ``;``-separated. ``labels`` may be a function of a single rule set's result, for a tier whose
        firms were judged by different rule sets (review by the round). With ``closest``, of the
        alternatives of a failing either/or (or band) only the one the firm is closest to."""
        codes, texts = self.failed_codes(tier, labels, closest)
        joined: npt.NDArray[np.object_] = np.array(texts, dtype=object)[codes]
        return joined

    def failed_codes(
        self,
        tier: str,
        labels: Mapping[str, str] | Callable[[TierResult], Mapping[str, str]] | None = None,
        closest: bool = False,
    ) -> tuple[npt.NDArray[np.signedinteger[Any]], list[str]]:
        """:meth:`failed` as a code per firm into the distinct joined texts."""
        pieces = self.results[tier].pieces()
        out = np.zeros(self.n, dtype=np.int32)
        index = {"": 0}
        for piece, mask in pieces:
            named = labels(piece) if callable(labels) else labels
            blame = piece.closest if closest else piece.blame
            names = [named.get(k, k) for k in blame] if named is not None else list(blame)
            codes, texts = mask_codes(names, list(blame.values()), self.n)
            if mask is None:
                return codes, texts
            remap = np.array([index.setdefault(t, len(index)) for t in texts], dtype=np.int32)
            out[mask] = remap[codes[mask]]
        return out, list(index)

    def route(self, tier: str) -> npt.NDArray[np.object_]:
        """Per firm, the route(s) that qualified (``score``, ``direct``, …) when eligible."""
        result = self.results[tier]
        return join_masks(list(result.routes), list(result.routes.values()), self.n)

    @cached_property
    def _size_class(self) -> npt.NDArray[np.object_] | None:
        return self.size_class()

    @cached_property
    def _nodes(self) -> dict[str, dict[str, Criterion]]:
        """Criterion nodes by id, per rule set id."""
        known: dict[str, dict[str, Criterion]] = self.rules.plans.setdefault("criteria_by_id", {})
        for result in self.results.values():
            for rs in result.rulesets:
                if rs.ruleset.id not in known:  # walked once per rule set, not once per assessment
                    known[rs.ruleset.id] = (
                        {c.id: c for c in walk_criteria(rs.criteria)} if rs.criteria else {}
                    )
        return {
            rs.ruleset.id: known[rs.ruleset.id] for result in self.results.values() for rs in result.rulesets
        }

    @cached_property
    def _issues_by_row(self) -> dict[int, list[Issue]]:
        by_row: dict[int, list[Issue]] = {}
        for issue in self.issues:
            if issue.row is not None:
                by_row.setdefault(issue.row, []).append(issue)
        return by_row

    def distance(
        self, tier: str
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.float64]]:
        """How far each firm is from ``tier``: (status rank: eligible 0, review 1, incomplete 2,
        ineligible 3; number of failed criteria; points short of the score mark, 0 when none)."""
        result = self.results[tier]
        status_rank = np.array([3, 2, 1, 0], dtype=np.int64)[result.status]
        failed = np.zeros(self.n, dtype=np.int64)
        for mask in result.blame.values():
            failed += mask
        short = np.zeros(self.n)
        for piece, rows in result.pieces():
            for leaf in piece.leaves.values():
                gap = leaf.gap if leaf.kind == "score" else None
                if gap is not None:
                    gap = np.nan_to_num(gap, nan=0.0)
                    short = np.fmax(short, gap if rows is None else np.where(rows, gap, 0.0))
        return status_rank, failed, short

    def ranked(self, flag: str) -> npt.NDArray[np.int64]:
        """Positions of the flagged firms, closest to qualifying (or most urgent) first.

        Promotion: by the target tier's status, then fewest failed criteria, then fewest points short.
        At risk: soonest expiry first, then ineligible before incomplete before thin pass. Scale-up:
        smallest gap to the line first. Data issues: most error issues first.
        """
        positions = np.flatnonzero(self.flags.get(flag))
        if positions.size == 0:
            return positions
        if flag == "promotion_candidate":
            targets = self.flags.tier[flag]
            keys = np.zeros((3, self.n))
            for tier in {str(t) for t in targets[positions]}:
                mine = targets == tier
                for k, part in enumerate(self.distance(tier)):
                    keys[k][mine] = part[mine]
            order = np.lexsort((keys[2][positions], keys[1][positions], keys[0][positions]))
        elif flag == "at_risk":
            expires = self.titles.expires[positions].astype("datetime64[D]").astype(np.int64)
            codes = pd.Series(self.flags.reason[flag][positions], dtype=object)
            severity = codes.map(_RISK_ORDER).fillna(9).to_numpy(dtype=np.int64)
            order = np.lexsort((severity, expires))
        elif flag == "scale_up_candidate" and "above_scale_industrial" in self.results:
            leaf = self.results["above_scale_industrial"].leaves.get("main_revenue_line")
            found = leaf.gap if leaf is not None else None
            gap = found if found is not None else np.zeros(self.n)
            order = np.argsort(np.nan_to_num(gap[positions], nan=np.inf), kind="stable")
        else:
            errors = np.zeros(self.n, dtype=np.int64)
            rows = {int(r): i for i, r in enumerate(self.prepared.rows)}
            for issue in self.issues:
                if issue.row is not None and issue.severity is Severity.ERROR and issue.row in rows:
                    errors[rows[issue.row]] += 1
            order = np.argsort(-errors[positions], kind="stable")
        ranked: npt.NDArray[np.int64] = positions[order]
        return ranked

    @cached_property
    def _ranks(self) -> dict[str, dict[int, int]]:
        return {flag: {int(p): k + 1 for k, p in enumerate(self.ranked(flag))} for flag in FLAG_NAMES}

    def size_class(self) -> npt.NDArray[np.object_] | None:
        """``medium``/``small``/``micro``/``large`` per firm, or empty where undetermined."""
        result = self.results.get("sme_size")
        if result is None or result.size_class is None or result.ruleset.classification is None:
            return None
        names = np.array([*result.ruleset.classification.classes, ""], dtype=object)
        codes = np.where(result.size_class < 0, len(names) - 1, result.size_class)
        out: npt.NDArray[np.object_] = names[codes]
        return out

    def wide(self) -> pd.DataFrame:
        """The machine-readable table of the output contract (README): one row per input row, in order.

        Text columns are pandas' Arrow-backed ``str`` columns expanded from a code per firm into the
        few distinct texts (statuses, failed criteria, rule sets), never a Python object per cell."""
        return self._wide_frame(self.wide_parts(), slice(0, self.n))

    def wide_batches(self, rows: int = 65_536, dictionary: bool = False) -> Iterator[pa.Table]:
        """:meth:`wide` as Arrow tables of ``rows`` rows each (their concatenation is the table),
        built straight from :meth:`wide_parts` with the types ``pa.Table.from_pandas(wide())`` has:
        text as ``large_string`` (or, with ``dictionary``, the coded columns as dictionary arrays of
        their few texts), numbers with null for NaN, flags as booleans. For writers whose memory
        must stay bounded whatever the number of firms."""
        parts = self.wide_parts()
        for start in range(0, max(self.n, 1), rows):
            where = slice(start, min(start + rows, self.n))
            yield pa.table({name: _arrow_column(values, where, dictionary) for name, values in parts.items()})

    def _wide_frame(self, parts: Mapping[str, Any], rows: slice) -> pd.DataFrame:
        size = len(range(*rows.indices(self.n)))
        columns = {name: _wide_column(values, rows) for name, values in parts.items()}
        return pd.DataFrame(
            {k: v.reset_index(drop=True) if isinstance(v, pd.Series) else v for k, v in columns.items()},
            index=pd.RangeIndex(size),
        )

    def wide_parts(self) -> dict[str, Any]:
        """The columns of :meth:`wide` by name, compact: numbers and flags as numpy arrays, the
        derived text as :class:`Coded`, the input's text as its object arrays."""
        text = self.prepared.text
        none: npt.NDArray[np.object_] = np.full(self.n, None, dtype=object)
        data: dict[str, Any] = {
            "credit_code": text.get("credit_code", none),
            "name": text.get("name", none),
            **self.carried_text(),
        }
        for tier, result in self.results.items():
            data[f"{tier}.status"] = Coded(result.status, STATUS_NAMES.tolist())
            if result.points is not None:
                low, high = result.points.total
                data[f"{tier}.score"] = Known(low, high)
                data[f"{tier}.score_min"] = low
                data[f"{tier}.score_max"] = high
            else:
                blank = np.broadcast_to(np.float64(np.nan), (self.n,))  # no memory per firm
                for suffix in ("score", "score_min", "score_max"):
                    data[f"{tier}.{suffix}"] = blank
            data[f"{tier}.borderline"] = Coded(self._borderline_codes(tier), _BORDERLINE_NAMES.tolist())
            data[f"{tier}.failed"] = Coded(*self.failed_codes(tier))
            data[f"{tier}.route"] = Coded(
                *mask_codes(list(result.routes), list(result.routes.values()), self.n)
            )
            ids = [r.ruleset.id for r in result.rulesets]
            data[f"{tier}.ruleset"] = Coded(
                result.part if result.part is not None else np.zeros(self.n, dtype=np.int8), ids
            )
            if result.review_round is not None:
                data[f"{tier}.review_round"] = result.review_round.astype(np.int64)
            if tier == "sme_size":
                data["sme_size.class"] = self._size_class_coded()
        for name in FLAG_NAMES:
            data[f"flag.{name}"] = self.flags.get(name)
        return data

    def _size_class_coded(self) -> Coded | None:
        result = self.results.get("sme_size")
        if result is None or result.size_class is None or result.ruleset.classification is None:
            return None
        names = [*result.ruleset.classification.classes, ""]
        return Coded(np.where(result.size_class < 0, len(names) - 1, result.size_class), names)

    def carried_text(self) -> dict[str, npt.NDArray[np.object_]]:
        """The :data:`CARRIED_TEXT` columns the input has (乡镇（街道）, 服务专员), by field id."""
        text = self.prepared.text
        return {k: text[k] for k in CARRIED_TEXT if k in text}

    def criteria(self, tier: str) -> dict[str, Criterion]:
        """Criterion nodes of a tier's rule set by id (of every rule set applied, where firms were
        judged by different ones; an id both use is described as the one applied to most firms)."""
        nodes: dict[str, Criterion] = {}
        for ruleset in reversed(self.results[tier].rulesets):
            nodes |= self._nodes[ruleset.ruleset.id]
        return nodes

    def trace(self, tiers: Sequence[str] | None = None) -> pd.DataFrame:
        """The tidy per-criterion trace: one row per firm × tier × leaf criterion (built on demand)."""
        codes = self.prepared.text.get("credit_code", np.full(self.n, None, dtype=object))
        frames = []
        for tier in tiers or self.tiers:
            for piece, rows in self.results[tier].pieces():
                for leaf in piece.leaves.values():
                    frame = pd.DataFrame(
                        {
                            "row": self.prepared.rows,
                            "credit_code": codes,
                            "tier": tier,
                            "ruleset": piece.ruleset.ruleset.id,
                            "criterion": leaf.id,
                            "kind": leaf.kind,
                            "status": CRITERION_STATUS_NAMES[leaf.status],
                            "field": leaf.field,
                            "value": _array(leaf.value, self.n),
                            "value_high": _array(leaf.value_high, self.n),
                            "op": leaf.op,
                            "threshold": _array(leaf.threshold, self.n),
                            "margin": _array(leaf.margin, self.n),
                            "within_margin": _bools(leaf.within_margin, self.n),
                            "gap": _array(leaf.gap, self.n),
                            "lever": leaf.lever,
                            "lever_gap": _array(leaf.lever_gap, self.n),
                            "failed": piece.blame.get(leaf.id, np.zeros(self.n, bool)),
                        }
                    )
                    # A firm judged by another rule set has no rows for this one's criteria.
                    frames.append(frame if rows is None else frame[rows])
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    def records(self) -> Records:
        """The compact records of every firm as columns (see :class:`Records`): each tier's part of
        :meth:`firm` made once per distinct combination of its status, mark, failed and closest
        criteria, routes, rule set, round, class and score interval, never once per firm."""
        parts = self.wide_parts()
        tiers: dict[str, tuple[npt.NDArray[np.int64], list[dict[str, Any]]]] = {}
        for tier, result in self.results.items():
            coded = [parts[f"{tier}.{k}"] for k in ("status", "borderline", "failed", "route", "ruleset")]
            columns: list[npt.NDArray[Any]] = [c.codes for c in coded]
            columns.append(self.failed_codes(tier, closest=True)[0])
            if result.review_round is not None:
                columns.append(result.review_round)
            if tier == "sme_size" and isinstance(parts.get("sme_size.class"), Coded):
                columns.append(parts["sme_size.class"].codes)
            if result.points is not None:
                columns.extend(result.points.total)
            codes, first = factorize_rows(columns, self.n)
            tiers[tier] = (codes, [self._tier_summary(tier, int(i)) for i in first])
        flag_columns: list[npt.NDArray[Any]] = []
        for name in FLAG_NAMES:
            flag_columns.append(self.flags.get(name))
            flag_columns.append(pd.factorize(self.flags.tier[name])[0])
            flag_columns.append(pd.factorize(self.flags.reason[name])[0])
        codes, first = factorize_rows(flag_columns, self.n)
        ranks = {}
        for name in FLAG_NAMES:
            order = self.ranked(name)
            rank = np.zeros(self.n, dtype=np.int64)
            rank[order] = np.arange(1, len(order) + 1)
            ranks[name] = rank
        positions = {int(r): i for i, r in enumerate(self.prepared.rows)}
        issues = {
            positions[row]: [_issue_record(x) for x in found]
            for row, found in self._issues_by_row.items()
            if row in positions
        }
        text = self.prepared.text
        return Records(
            n=self.n,
            rows=self.prepared.rows,
            text={
                "credit_code": text.get("credit_code", np.full(self.n, None, dtype=object)),
                "name": text.get("name", np.full(self.n, None, dtype=object)),
                **self.carried_text(),
            },
            constant={"as_of": self.as_of.isoformat(), "purpose": self.purpose},
            tiers=tiers,
            flags=(codes, [self._flag_summary(int(i)) for i in first]),
            flag_ranks=ranks,
            issues=issues,
        )

    def _flag_summary(self, i: int) -> tuple[dict[str, bool], dict[str, Any]]:
        """The flags and flag reasons of firm ``i``, as :meth:`firm` gives them."""
        return (
            {name: bool(self.flags.get(name)[i]) for name in FLAG_NAMES},
            {
                name: {"tier": self.flags.tier[name][i], "reason": self.flags.reason[name][i]}
                for name in FLAG_NAMES
                if self.flags.reason[name][i] is not None
            },
        )

    def _tier_summary(self, tier: str, i: int) -> dict[str, Any]:
        """The compact part of firm ``i``'s record of ``tier``: what the wide table says, nested as
        :meth:`firm` nests it (rule set without its source; no criteria, plans or assumptions)."""
        combined = self.results[tier]
        result = combined.at(i)
        meta = result.ruleset.ruleset
        record: dict[str, Any] = {
            "status": _STATUS_OF_CODE[int(result.status[i])],
            "borderline": "thin_pass"
            if result.thin_pass[i]
            else ("near_miss" if result.near_miss[i] else None),
            "failed": [k for k, mask in result.blame.items() if mask[i]],
            "closest": [k for k, mask in result.closest.items() if mask[i]],
            "route": [k for k, mask in result.routes.items() if mask[i]],
            "ruleset": {
                "id": meta.id,
                "version": meta.version,
                "regime": meta.regime,
                **(
                    {"review_round": int(combined.review_round[i])}
                    if combined.review_round is not None
                    else {}
                ),
            },
        }
        if result.points is not None:
            low, high = result.points.total
            record["score"] = _num(low[i]) if low[i] == high[i] else None
            record["score_min"], record["score_max"] = _num(low[i]), _num(high[i])
        if result.size_class is not None:
            size = self._size_class
            record["class"] = (size[i] or None) if size is not None else None
        return record

    def firm(self, i: int) -> dict[str, Any]:
        """The nested record of firm ``i`` (0-based position): results, trace, flags, issues."""
        text = self.prepared.text
        record: dict[str, Any] = {
            "row": int(self.prepared.rows[i]),
            "credit_code": _text_at(text.get("credit_code"), i),
            "name": _text_at(text.get("name"), i),
            **{k: _text_at(v, i) for k, v in self.carried_text().items()},
            "as_of": self.as_of.isoformat(),
            "purpose": self.purpose,
            "tiers": {tier: self._tier_record(tier, i) for tier in self.tiers},
            "flags": {name: bool(self.flags.get(name)[i]) for name in FLAG_NAMES},
            "flag_ranks": {name: ranks[i] for name, ranks in self._ranks.items() if i in ranks},
            "flag_reasons": {
                name: {"tier": self.flags.tier[name][i], "reason": self.flags.reason[name][i]}
                for name in FLAG_NAMES
                if self.flags.reason[name][i] is not None
            },
            "issues": [_issue_record(x) for x in self._issues_by_row.get(int(self.prepared.rows[i]), [])],
        }
        return record

    def _tier_record(self, tier: str, i: int) -> dict[str, Any]:
        """The full record of ``tier``: the compact one, with the rule set's source, the points per
        indicator and the band-move plan, then the criteria and the assumptions (keys in that order)."""
        combined = self.results[tier]
        result = combined.at(i)  # the rule set that judged this firm
        meta = result.ruleset.ruleset
        nodes = self._nodes[meta.id]
        record = self._tier_summary(tier, i)
        compact = record["ruleset"]
        record["ruleset"] = {  # the source after the regime, the round (if any) last
            **{k: compact[k] for k in ("id", "version", "regime")},
            "source": meta.source.document,
            **({"review_round": compact["review_round"]} if "review_round" in compact else {}),
        }
        size = record.pop("class", _NO_CLASS)
        if result.points is not None:
            record["indicators"] = {
                k: [_num(v[0][i]), _num(v[1][i])] for k, v in result.points.indicators.items()
            }
            record["overlays"] = [k for k, mask in result.points.overlays.items() if mask[i]]
            if any(
                leaf.kind == "score" and not math.isnan(leaf.gap_at(i)) for leaf in result.leaves.values()
            ):
                plan = self.band_moves(tier, i)
                record["points_plan"] = [vars(move) for move in plan] if plan is not None else None
        if size is not _NO_CLASS:
            record["class"] = size
        record["criteria"] = [
            self._leaf_record(result, leaf_id, nodes.get(leaf_id), i) for leaf_id in result.leaves
        ]
        record["assumptions"] = [
            {"criterion": a.criterion, "field": a.field, "assumed": a.value, "note_zh": a.note_zh}
            for a in result.assumptions
            if a.firms[i]
        ]
        return record

    @staticmethod
    def _leaf_record(result: TierResult, leaf_id: str, node: Criterion | None, i: int) -> dict[str, Any]:
        leaf = result.leaves[leaf_id]
        source = node.source if node is not None else result.ruleset.ruleset.source
        return {
            "id": leaf_id,
            "kind": leaf.kind,
            "status": _CRITERION_OF_CODE[int(leaf.status[i])],
            "field": leaf.field,
            "value": _at(leaf.value, i),
            "value_high": _at(leaf.value_high, i),
            "op": leaf.op,
            "threshold": _at(leaf.threshold, i),
            "margin": _at(leaf.margin, i),
            "within_margin": bool(leaf.within_margin[i]) if leaf.within_margin is not None else None,
            "gap": _num(leaf.gap_at(i)),
            "lever": leaf.lever,
            "lever_gap": _at(leaf.lever_gap, i),
            "source": source.document + (f" {source.article}" if source and source.article else "")
            if source
            else None,
        }

    def band_moves(
        self, tier: str, position: int, group: str = "total", mark: float | None = None
    ) -> list[BandMove] | None:
        """The cheapest band moves that lift firm ``position``'s ``group`` score of ``tier`` to ``mark``
        (the pass mark by default), in the rule set that judged the firm; None when there is none."""
        return plan_band_moves(
            self.rules, self.columns, self.results[tier].at(position), position, group, mark
        )

    def band_move_groups(
        self,
        tier: str,
        rows: npt.NDArray[np.int64],
        group: str = "total",
        mark: float | None = None,
        result: TierResult | None = None,
    ) -> list[tuple[npt.NDArray[np.int64], list[BandMove]]]:
        """Band-move plans of the firms at ``rows`` at once (one knapsack per distinct plan key), each
        firm in the rule set that judged it — or in ``result`` (e.g. a re-review's) when given."""
        if result is not None:
            return plan_groups(self.rules, self.columns, result, rows, group, mark)
        out = []
        for piece, mask in self.results[tier].pieces():
            mine = rows if mask is None else rows[mask[rows]]
            out += plan_groups(self.rules, self.columns, piece, mine, group, mark)
        return out

    def iter_firms(self) -> Iterator[dict[str, Any]]:
        """Every firm's nested record, in input order."""
        for i in range(self.n):
            yield self.firm(i)

    def summary(self) -> dict[str, Any]:
        """Counts per tier and status, borderline counts, flag counts, issue counts."""
        tiers: dict[str, Any] = {}
        for tier, result in self.results.items():
            counts = np.bincount(result.status, minlength=4)
            applied = result.ruleset_ids(self.n)
            tiers[tier] = {
                "ruleset": result.ruleset.ruleset.id,
                "regime": result.ruleset.ruleset.regime,
                "rulesets": [
                    {
                        "id": r.ruleset.id,
                        "regime": r.ruleset.regime,
                        "firms": int(np.count_nonzero(applied == r.ruleset.id)),
                    }
                    for r in result.rulesets
                ],
                **{_STATUS_OF_CODE[k]: int(counts[k]) for k in range(4)},
                "thin_pass": int(result.thin_pass.sum()),
                "near_miss": int(result.near_miss.sum()),
            }
        return {
            "firms": self.n,
            "as_of": self.as_of.isoformat(),
            "purpose": self.purpose,
            "tiers": tiers,
            "skipped": dict(self.skipped),
            "flags": {name: int(self.flags.get(name).sum()) for name in FLAG_NAMES},
            "issues": {
                "error": sum(i.severity is Severity.ERROR for i in self.issues),
                "warning": sum(i.severity is Severity.WARNING for i in self.issues),
                "info": sum(i.severity is Severity.INFO for i in self.issues),
            },
        }


def _array(values: Any, n: int) -> Any:
    if values is None:
        return np.full(n, np.nan)
    return np.broadcast_to(np.asarray(values, dtype=np.float64), (n,))


def _bools(values: npt.NDArray[np.bool_] | None, n: int) -> npt.NDArray[np.bool_]:
    return values if values is not None else np.zeros(n, dtype=bool)


def _num(value: Any) -> float | None:
    number = float(value)
    return None if math.isnan(number) or math.isinf(number) else number


def _at(values: Any, i: int) -> float | None:
    if values is None:
        return None
    if isinstance(values, np.ndarray):
        return _num(values[i])
    return _num(values)


def _text_at(values: npt.NDArray[np.object_] | None, i: int) -> str | None:
    if values is None:
        return None
    value = values[i]
    return None if value is None else str(value)
