"""Walk the selected rule sets over typed columns and produce columnar results.

Every criterion is evaluated for all firms at once, three times over cheap int8 arrays: as written,
*relaxed* (each threshold moved by its margin in the firm's favour: near misses) and *tight* (moved
against it: thin passes). Leaves keep one compact array per quantity (value, gap, …); tidy per-firm
views are built on demand by :mod:`eligibility.assessment`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from functools import cached_property
from typing import Any

import numpy as np
import numpy.typing as npt

from eligibility.columns import Prepared, category_table
from eligibility.language.model import Criterion, RuleSetFile
from eligibility.language.ruleset import AS_OF, RuleSet, walk_criteria
from eligibility.scoring.logic import (
    CODE_FAIL,
    CODE_PASS,
    CODE_REVIEW,
    CODE_UNKNOWN,
    Decider,
    combine_all,
    combine_any,
    decide,
    interval_status,
    member_status,
    negate,
    relaxed_op,
    tight_op,
    tolerance,
)
from eligibility.scoring.points import Interval, PointsResult, score_points
from eligibility.scoring.titles import Titles, holds_title
from eligibility.units import Unit

__all__ = [
    "REQUIRES_TITLE",
    "Assumption",
    "LeafTrace",
    "TierResult",
    "combine_parts",
    "day_numbers",
    "dependencies",
    "derive_columns",
    "evaluate_rows",
    "evaluate_tier",
    "input_columns",
]

FloatArray = npt.NDArray[np.float64]
StatusArray = npt.NDArray[np.int8]
BoolArray = npt.NDArray[np.bool_]
Triple = tuple[StatusArray, StatusArray, StatusArray]


@dataclass
class Assumption:
    """An explicit assumption a rule used in place of a missing input, and for which firms."""

    criterion: str
    field: str
    value: float | bool | str
    note_zh: str
    note_en: str | None
    firms: BoolArray


@dataclass
class LeafTrace:
    """Columnar trace of one leaf criterion: one array per quantity, scalars where constant."""

    id: str
    kind: str
    status: StatusArray
    field: str | None = None
    op: str | None = None
    threshold: float | FloatArray | None = None
    margin: float | FloatArray | None = None
    value: FloatArray | None = None
    value_high: FloatArray | None = None
    within_margin: BoolArray | None = None
    has_gap: bool = False
    lever: str | None = None
    lever_gap: FloatArray | None = None

    @property
    def gap(self) -> FloatArray | None:
        """Where the leaf fails, the change of its value that meets the threshold (the high end of a
        score interval); NaN elsewhere. Computed on demand, so the trace keeps one byte per firm and
        leaf for its status instead of eight for a gap most views never read."""
        if not self.has_gap or self.threshold is None:
            return None
        edge = self.value_high if self.kind == "score" else self.value
        assert edge is not None
        gap: FloatArray = np.where(self.status == CODE_FAIL, self.threshold - edge, np.nan)
        return gap

    def gap_at(self, i: int) -> float:
        """The gap of firm ``i`` alone (NaN where it does not fail or the leaf has no gap)."""
        if not self.has_gap or self.threshold is None or self.status[i] != CODE_FAIL:
            return math.nan
        edge = self.value_high if self.kind == "score" else self.value
        assert edge is not None
        threshold = self.threshold if np.ndim(self.threshold) == 0 else self.threshold[i]  # type: ignore[index]
        return float(threshold - edge[i])


@dataclass
class TierResult:
    """Everything computed for one tier under one rule set."""

    tier: str
    ruleset: RuleSetFile
    status: StatusArray
    relaxed: StatusArray
    tight: StatusArray
    nodes: dict[str, StatusArray] = field(default_factory=dict)
    leaves: dict[str, LeafTrace] = field(default_factory=dict)
    blame: dict[str, BoolArray] = field(default_factory=dict)
    # The blamed leaves on the way to the closest alternative of every failing ``any`` (the band a firm
    # is in, the either/or condition it is nearest): what a person is told to change.
    closest: dict[str, BoolArray] = field(default_factory=dict)
    routes: dict[str, BoolArray] = field(default_factory=dict)
    points: PointsResult | None = None
    size_class: npt.NDArray[np.int8] | None = None
    assumptions: list[Assumption] = field(default_factory=list)
    # Review by the round (``review_rounds``): the round (calendar year) each firm's title is reviewed
    # in; and when firms of different rounds fall under different rule sets, the result of each rule
    # set (``parts``, evaluated over every firm) and which of them holds for each firm (``part``).
    review_round: npt.NDArray[np.int16] | None = None
    parts: tuple[TierResult, ...] = ()
    part: npt.NDArray[np.int8] | None = None

    def pieces(self) -> list[tuple[TierResult, BoolArray | None]]:
        """Each rule set's own result with the firms it holds for (None: every firm). A result
        combined from several rule sets is read through its pieces wherever criteria, leaves or the
        points table matter; its status, marks, blame and score columns are already per firm."""
        if not self.parts:
            return [(self, None)]
        assert self.part is not None
        return [(piece, self.part == k) for k, piece in enumerate(self.parts)]

    def at(self, i: int) -> TierResult:
        """The single rule set's result that holds for firm ``i``."""
        if not self.parts:
            return self
        assert self.part is not None
        return self.parts[int(self.part[i])]

    @property
    def rulesets(self) -> list[RuleSetFile]:
        """Every rule set this result applied, the one for most firms first."""
        return [piece.ruleset for piece in self.parts] if self.parts else [self.ruleset]

    def ruleset_ids(self, n: int) -> npt.NDArray[np.object_]:
        """The id of the rule set applied to each firm."""
        ids = np.array([r.ruleset.id for r in self.rulesets], dtype=object)
        chosen: npt.NDArray[np.object_] = ids[self.part] if self.part is not None else np.full(n, ids[0])
        return chosen

    @cached_property
    def thin_pass(self) -> BoolArray:
        """Eligible (or review) now, but not once each threshold is tightened by its margin."""
        ok = (self.status == CODE_PASS) | (self.status == CODE_REVIEW)
        thin: BoolArray = ok & ((self.tight == CODE_FAIL) | (self.tight == CODE_UNKNOWN))
        return thin

    @cached_property
    def near_miss(self) -> BoolArray:
        """Ineligible now, but not once every failed threshold is relaxed by its margin."""
        near: BoolArray = (self.status == CODE_FAIL) & (self.relaxed != CODE_FAIL)
        return near


def combine_parts(
    parts: Sequence[TierResult], part: npt.NDArray[np.int8], review_round: npt.NDArray[np.int16]
) -> TierResult:
    """One tier's result from several rule sets' results, each holding for the firms where ``part`` is
    its position (the first should hold for most firms). Statuses, borderline marks, blame, routes and
    score intervals are taken per firm from the part that holds; criteria, leaves and points tables
    stay in the parts (:meth:`TierResult.pieces`)."""
    rows = [np.flatnonzero(part == k) for k in range(1, len(parts))]  # the firms of each further part

    def chosen(values: Sequence[npt.NDArray[Any] | None], blank: Any) -> npt.NDArray[Any]:
        """Per firm, the values of the part that holds for it (``blank`` where that part has none):
        the first part's values, with the (few) firms of each further part written over them."""
        first = values[0]
        out = first.copy() if first is not None else np.full(part.shape, blank)
        for array, at in zip(values[1:], rows, strict=True):
            out[at] = array[at] if array is not None else blank
        return out

    def pick(get: Callable[[TierResult], StatusArray]) -> StatusArray:
        return chosen([get(piece) for piece in parts], CODE_UNKNOWN)

    def union(get: Callable[[TierResult], dict[str, BoolArray]]) -> dict[str, BoolArray]:
        tables = [get(piece) for piece in parts]
        keys = dict.fromkeys(key for table in tables for key in table)
        return {key: chosen([table.get(key) for table in tables], False) for key in keys}

    points = None
    if any(p.points is not None for p in parts):
        scored = [piece.points for piece in parts]

        def intervals(get: Callable[[PointsResult], dict[str, Interval]]) -> dict[str, Interval]:
            tables = [get(p) if p is not None else {} for p in scored]
            keys = dict.fromkeys(key for table in tables for key in table)
            return {
                key: (
                    chosen([t[key][0] if key in t else None for t in tables], np.nan),
                    chosen([t[key][1] if key in t else None for t in tables], np.nan),
                )
                for key in keys
            }

        overlays = [p.overlays if p is not None else {} for p in scored]
        points = PointsResult(
            indicators=intervals(lambda p: p.indicators),
            groups=intervals(lambda p: p.groups),
            overlays={
                key: chosen([table.get(key) for table in overlays], False)
                for key in dict.fromkeys(k for table in overlays for k in table)
            },
        )
        points.groups.setdefault("total", (np.full(part.shape, np.nan), np.full(part.shape, np.nan)))
    return TierResult(
        tier=parts[0].tier,
        ruleset=parts[0].ruleset,
        status=pick(lambda r: r.status),
        relaxed=pick(lambda r: r.relaxed),
        tight=pick(lambda r: r.tight),
        blame=union(lambda r: r.blame),
        closest=union(lambda r: r.closest),
        routes=union(lambda r: r.routes),
        points=points,
        review_round=review_round,
        parts=tuple(parts),
        part=part,
    )


def day_numbers(dates: npt.NDArray[np.datetime64]) -> FloatArray:
    """Dates as days since 1970-01-01 (NaN for a missing date), the unit of ``as_of`` in expressions."""
    days = dates.astype("datetime64[D]")
    return np.where(np.isnat(days), np.nan, days.astype(np.int64).astype(np.float64))


def input_columns(prepared: Prepared, as_of: dt.date) -> dict[str, FloatArray]:
    """The numeric columns expressions see: inputs, dates as day numbers, and ``as_of``."""
    columns = dict(prepared.columns)
    for name, dates in prepared.dates.items():
        columns[name] = day_numbers(dates)
    columns[AS_OF] = np.full(prepared.n, float((as_of - dt.date(1970, 1, 1)).days))
    return columns


def derive_columns(
    rules: RuleSet, columns: Mapping[str, FloatArray], n: int, only: Collection[str] | None = None
) -> dict[str, FloatArray]:
    """Inputs plus every derived field (or only those named in ``only``, in catalogue order).

    A derived value given as a column is used as given; where that column is blank the value is
    computed from its parts (docs/policy.md, "Conventions the rule files follow").
    """
    out = dict(columns)
    missing = np.full(n, np.nan)
    for name in rules.derived_order if only is None else [d for d in rules.derived_order if d in only]:
        expression = rules.fields[name].expression
        assert expression is not None
        computed = expression.evaluate({k: out.get(k, missing) for k in expression.names})
        computed = np.broadcast_to(computed, (n,)).astype(np.float64)
        given = columns.get(name)
        out[name] = computed if given is None else np.where(np.isnan(given), computed, given)
    return out


def dependencies(rules: RuleSet, field_id: str) -> tuple[set[str], set[str]]:
    """The input fields and the derived fields that ``field_id`` is computed from (transitively)."""
    inputs: set[str] = set()
    derived: set[str] = set()
    stack = [field_id]
    while stack:
        name = stack.pop()
        spec = rules.fields.get(name)
        if spec is None or spec.expression is None:
            inputs.add(name)
        elif name not in derived:
            derived.add(name)
            stack.extend(spec.expression.names)
    return inputs, derived


@dataclass
class _Context:
    rules: RuleSet
    prepared: Prepared
    columns: dict[str, FloatArray]
    done: Mapping[str, TierResult]
    titles: Titles
    purpose: str
    decider: Decider | None = None
    memo: dict[tuple[object, ...], _Compared] | None = None


@dataclass(frozen=True)
class _Compared:
    """One comparison of one column, as every rule set that makes it gets it (read-only arrays)."""

    values: FloatArray  # kept, so that the id in the key is not reused while the memo lives
    triple: Triple
    within_margin: BoolArray
    lever_gap: FloatArray | None


REQUIRES_TITLE = "requires_title"


def evaluate_tier(
    ruleset: RuleSetFile,
    rules: RuleSet,
    prepared: Prepared,
    columns: dict[str, FloatArray],
    done: Mapping[str, TierResult],
    titles: Titles,
    purpose: str = "apply",
    decider: Decider | None = None,
    memo: dict[tuple[object, ...], Any] | None = None,
) -> TierResult:
    """Evaluate one rule set for every firm, for ``purpose`` (criteria restricted to the other purpose
    are left out). ``columns`` must already hold the derived fields.

    ``memo`` (a dict shared by the rule sets of one evaluation over the same ``columns``) keeps each
    comparison of a column with a threshold once: the tiers that test 研发费用占比 ≥ 3% share its
    statuses and lever gaps instead of computing and holding them again. Not used with a ``decider``,
    which is asked about every criterion by name."""
    ctx = _Context(
        rules, prepared, columns, done, titles, purpose, decider, memo if decider is None else None
    )
    if ruleset.classification is not None:
        return _classify(ruleset, ctx)
    assert ruleset.criteria is not None
    n = prepared.n
    points = None
    if ruleset.points is not None:
        overlays = rules.overlays.get(ruleset.ruleset.id, ())
        province = prepared.text.get("province")
        points = score_points(ruleset.points, columns, rules, n, overlays, province, decider)
    result = TierResult(
        tier=ruleset.ruleset.tier,
        ruleset=ruleset,
        status=np.empty(0, np.int8),
        relaxed=np.empty(0, np.int8),
        tight=np.empty(0, np.int8),
        points=points,
    )
    normal, relaxed, tight = _node(ruleset.criteria, ctx, result)
    tree_status = normal
    required = ruleset.ruleset.holds_title
    if required is not None:
        # The title the rule set requires (2号: 专精特新 needs a valid bottom-tier title) is a
        # prerequisite of the whole tree, traced and blamed like any other leaf.
        held = holds_title(rules, titles, required)
        holds = np.where(held, CODE_PASS, CODE_FAIL).astype(np.int8)
        result.nodes[REQUIRES_TITLE] = holds
        result.leaves[REQUIRES_TITLE] = LeafTrace(REQUIRES_TITLE, "holds", holds, field="current_tier")
        normal, relaxed, tight = (combine_all([holds, part]) for part in (normal, relaxed, tight))
        result.blame[REQUIRES_TITLE] = holds == CODE_FAIL
    result.status, result.relaxed, result.tight = normal, relaxed, tight
    _blame(ruleset.criteria, result, tree_status == CODE_FAIL, purpose)
    _closest(ruleset.criteria, result, tree_status == CODE_FAIL, purpose)
    if REQUIRES_TITLE in result.blame:
        result.closest[REQUIRES_TITLE] = result.blame[REQUIRES_TITLE]
    for leaf_id, mask in result.closest.items():
        # Where no either/or splits the blame (most leaves), the closest alternative's mask is the
        # blame itself: one array for both.
        blamed = result.blame.get(leaf_id)
        if blamed is not None and blamed is not mask and np.array_equal(blamed, mask):
            blamed.flags.writeable = False
            result.closest[leaf_id] = blamed
    eligible = normal == CODE_PASS
    for node_id, mask in list(result.routes.items()):
        result.routes[node_id] = mask & eligible
    return result


def evaluate_rows(
    ruleset: RuleSetFile,
    rules: RuleSet,
    prepared: Prepared,
    columns: Mapping[str, FloatArray],
    done: Mapping[str, TierResult],
    titles: Titles,
    purpose: str,
    rows: npt.NDArray[np.intp],
) -> TierResult:
    """:func:`evaluate_tier` for the firms at ``rows`` only, as a result over every firm whose other
    rows are blank (unknown statuses, NaN values, no blame): the rule set of a review round that holds
    for a few firms is evaluated for those firms, not for the whole pool. Firms are evaluated
    independently of each other, so a firm's result is the one it has in a whole-pool run."""
    some = Prepared(
        n=rows.size,
        columns={k: v[rows] for k, v in prepared.columns.items()},
        dates={k: v[rows] for k, v in prepared.dates.items()},
        text={k: v[rows] for k, v in prepared.text.items()},
        present=prepared.present,
        issues=[],
        rows=prepared.rows[rows],
        sheet=prepared.sheet,
        headers=prepared.headers,
    )
    their_titles = Titles(
        tier=titles.tier[rows],
        rank=titles.rank[rows],
        expires=titles.expires[rows],
        expiring=titles.expiring[rows],
        written=titles.written[rows] if titles.written is not None else None,
    )
    # A required tier is read by its statuses alone.
    required = {
        tier: TierResult(tier, r.ruleset, r.status[rows], r.relaxed[rows], r.tight[rows])
        for tier, r in done.items()
    }
    part = evaluate_tier(
        ruleset, rules, some, {k: v[rows] for k, v in columns.items()}, required, their_titles, purpose
    )
    return _spread(part, rows, prepared.n)


def _spread(result: TierResult, rows: npt.NDArray[np.intp], n: int) -> TierResult:
    """A result over the firms at ``rows`` as one over ``n`` firms (blank elsewhere)."""

    done: dict[int, Any] = {}  # an array shared by two views (blame and closest) stays shared

    def wide(values: Any) -> Any:
        if not isinstance(values, np.ndarray) or values.shape != (rows.size,):
            return values  # a scalar threshold or margin
        if id(values) in done:
            return done[id(values)]
        if values.dtype == np.bool_:
            out = np.zeros(n, dtype=bool)
        elif values.dtype == np.int8:
            out = np.full(n, CODE_UNKNOWN, dtype=np.int8)
        elif values.dtype.kind == "f":
            out = np.full(n, np.nan, dtype=values.dtype)
        else:
            out = np.zeros(n, dtype=values.dtype)
        out[rows] = values
        if not values.flags.writeable:
            out.flags.writeable = False
        done[id(values)] = out
        return out

    def each(table: Mapping[str, Any]) -> dict[str, Any]:
        return {k: wide(v) for k, v in table.items()}

    points = None
    if result.points is not None:
        points = PointsResult(
            indicators={k: (wide(lo), wide(hi)) for k, (lo, hi) in result.points.indicators.items()},
            groups={k: (wide(lo), wide(hi)) for k, (lo, hi) in result.points.groups.items()},
            overlays=each(result.points.overlays),
        )
    leaves = {
        k: replace(leaf, **{f.name: wide(getattr(leaf, f.name)) for f in fields(leaf)})
        for k, leaf in result.leaves.items()
    }
    return replace(
        result,
        status=wide(result.status),
        relaxed=wide(result.relaxed),
        tight=wide(result.tight),
        nodes=each(result.nodes),
        leaves=leaves,
        blame=each(result.blame),
        closest=each(result.closest),
        routes=each(result.routes),
        points=points,
        size_class=wide(result.size_class),
        assumptions=[replace(a, firms=wide(a.firms)) for a in result.assumptions],
    )


def _node(node: Criterion, ctx: _Context, result: TierResult) -> Triple:
    if node.all is not None or node.any is not None:
        parts = [_node(child, ctx, result) for child in node.children if child.applies_to(ctx.purpose)]
        combine = combine_all if node.all is not None else combine_any
        triple = (
            combine([p[0] for p in parts]),
            combine([p[1] for p in parts]),
            combine([p[2] for p in parts]),
        )
    else:
        triple = _leaf(node, ctx, result)
    result.nodes[node.id] = triple[0]
    if node.route is not None:
        result.routes[node.route] = result.routes.get(node.route, np.zeros(ctx.prepared.n, bool)) | (
            triple[0] == CODE_PASS
        )
    return triple


def _blame(node: Criterion, result: TierResult, blamed: BoolArray, purpose: str) -> None:
    """Mark the leaves that made a failing node fail: a failing child of a failing parent."""
    if node.children:
        for child in node.children:
            if child.applies_to(purpose):
                _blame(child, result, blamed & (result.nodes[child.id] == CODE_FAIL), purpose)
    else:
        result.blame[node.id] = blamed


def _shortfall(node: Criterion, result: TierResult, purpose: str, memo: dict[str, FloatArray]) -> FloatArray:
    """How far each firm is from meeting ``node``: per failing leaf 1 plus its relative gap squeezed
    into [0, 1) (so fewer failing conditions always come first, then the smaller gaps; a yes/no
    condition counts as a gap of 100%); an ``all`` adds its children up, an ``any`` takes its
    closest child. ``memo`` keeps each node's shortfall for the nested ``any`` nodes asking again."""
    known = memo.get(node.id)
    if known is not None:
        return known
    memo[node.id] = found = _node_shortfall(node, result, purpose, memo)
    return found


def _node_shortfall(
    node: Criterion, result: TierResult, purpose: str, memo: dict[str, FloatArray]
) -> FloatArray:
    if node.children:
        parts = [_shortfall(c, result, purpose, memo) for c in node.children if c.applies_to(purpose)]
        if not parts:
            return np.zeros(result.status.shape)
        stacked = np.stack(parts)
        combined: FloatArray = stacked.sum(axis=0) if node.all is not None else stacked.min(axis=0)
        return combined
    leaf = result.leaves.get(node.id)
    if leaf is None:
        return np.zeros(result.status.shape)
    failing = leaf.status == CODE_FAIL
    if not leaf.has_gap or leaf.threshold is None:  # a yes/no condition: as far as a gap of 100%
        counted: FloatArray = np.where(failing, 1.5, 0.0)
        return counted
    edge = leaf.value_high if leaf.kind == "score" else leaf.value
    assert edge is not None
    threshold = np.asarray(leaf.threshold, dtype=np.float64)
    with np.errstate(invalid="ignore", over="ignore"):  # a huge value's gap: unbounded, as 100%
        relative = np.abs(threshold - edge)
        relative /= np.maximum(np.abs(threshold), 1e-9)
        squeezed = relative / (1.0 + relative)
    # An unknown or unbounded gap counts as 100%, squeezed to 1/2.
    squeezed[~np.isfinite(squeezed)] = 0.5
    squeezed += 1.0
    out: FloatArray = np.where(failing, squeezed, 0.0)
    return out


def _closest(
    node: Criterion,
    result: TierResult,
    blamed: BoolArray,
    purpose: str,
    memo: dict[str, FloatArray] | None = None,
    split: bool = False,
) -> None:
    """Like :func:`_blame`, but a failing ``any`` passes the blame to its closest child only (by
    :func:`_shortfall`; the first of equals), so that alternatives are not told apart as joint needs."""
    memo = {} if memo is None else memo
    if not split and not any(_splits(n, purpose) for n in walk_criteria(node)):
        # No either/or above (``split``) or below: the closest alternative's blame is the blame
        # itself (one array).
        for leaf in walk_criteria(node):
            if not leaf.children and leaf.id in result.blame:
                blame = result.blame[leaf.id]
                blame.flags.writeable = False
                result.closest[leaf.id] = blame
        return
    if not node.children:
        result.closest[node.id] = blamed
        return
    children = [c for c in node.children if c.applies_to(purpose)]
    if node.any is not None and len(children) > 1:
        choice = np.argmin(np.stack([_shortfall(c, result, purpose, memo) for c in children]), axis=0)
        for k, child in enumerate(children):
            failing = blamed & (choice == k) & (result.nodes[child.id] == CODE_FAIL)
            _closest(child, result, failing, purpose, memo, split=True)
        return
    for child in children:
        _closest(child, result, blamed & (result.nodes[child.id] == CODE_FAIL), purpose, memo, split)


def _splits(node: Criterion, purpose: str) -> bool:
    """Whether ``node`` is an either/or of more than one alternative for ``purpose``."""
    return node.any is not None and sum(c.applies_to(purpose) for c in node.children) > 1


def _with_assumption(node: Criterion, field_id: str, ctx: _Context, result: TierResult) -> FloatArray:
    n = ctx.prepared.n
    values = ctx.columns.get(field_id)
    if values is None:
        values = np.full(n, np.nan)
    rule = node.missing
    if rule is None:
        return values
    if rule.when == "column_absent":
        if field_id in ctx.prepared.present:
            return values
        mask = np.ones(n, dtype=bool)
    else:
        mask = np.isnan(values)
    if not mask.any():
        return values
    assumed = _assumed_value(ctx.rules, field_id, rule.assume)
    result.assumptions.append(Assumption(node.id, field_id, rule.assume, rule.note_zh, rule.note_en, mask))
    return np.where(mask, assumed, values)


def _assumed_value(rules: RuleSet, field_id: str, assume: float | bool | str) -> float:
    spec = rules.fields[field_id]
    if spec.unit is Unit.BOOL:
        return 1.0 if assume is True else 0.0
    if spec.unit is Unit.CATEGORY:
        return category_table(spec)[str(assume).casefold()]
    return rules.number(assume, spec.unit)


def _leaf(node: Criterion, ctx: _Context, result: TierResult) -> Triple:
    n = ctx.prepared.n
    if node.compare is not None:
        return _compare(node, ctx, result)
    if node.match is not None:
        spec = ctx.rules.fields[node.match.field]
        values = _with_assumption(node, spec.id, ctx, result)
        if spec.unit is Unit.BOOL:
            allowed = [1.0 if v in (True, "true") else 0.0 for v in node.match.in_]
        else:
            table = category_table(spec)
            allowed = [table[str(v).casefold()] for v in node.match.in_]
        status = member_status(_instance(result, node), values, allowed, ctx.decider)
        result.leaves[node.id] = LeafTrace(node.id, "match", status, field=spec.id, value=values)
        return status, status, status
    if node.review is not None:
        status = np.full(n, CODE_REVIEW, dtype=np.int8)
        verdict_field = node.review.verdict
        verdict = ctx.columns.get(verdict_field) if verdict_field else None
        if verdict is not None:
            # A recorded verdict (1 yes, 0 no) decides; without one the item stays with the reviewer.
            decided = member_status(_instance(result, node), verdict, [1.0], ctx.decider)
            status = np.where(decided == CODE_UNKNOWN, np.int8(CODE_REVIEW), decided)
        result.leaves[node.id] = LeafTrace(node.id, "review", status, field=verdict_field, value=verdict)
        return status, status, status
    if node.passes is not None:
        other = ctx.done.get(node.passes.tier)
        status = other.status if other is not None else np.full(n, CODE_UNKNOWN, dtype=np.int8)
        result.leaves[node.id] = LeafTrace(node.id, "requires", status)
        return status, status, status
    if node.holds_title is not None:
        held = holds_title(ctx.rules, ctx.titles, node.holds_title.tier)
        status = np.where(held, CODE_PASS, CODE_FAIL).astype(np.int8)
        result.leaves[node.id] = LeafTrace(node.id, "holds", status, field="current_tier")
        return status, status, status
    if node.score is not None:
        return _score(node, ctx, result)
    raise AssertionError(node.kind)  # pragma: no cover


def _compare(node: Criterion, ctx: _Context, result: TierResult) -> Triple:
    cmp = node.compare
    assert cmp is not None
    spec = ctx.rules.fields[cmp.field]
    values = _with_assumption(node, spec.id, ctx, result)
    threshold = ctx.rules.quantity(spec.id, cmp.value)
    margin = ctx.rules.margin_of(spec.id, spec.unit, threshold, cmp.margin)
    tol = tolerance(threshold, spec.unit.relative_tolerance)
    lever = spec.levers[0] if spec.derived and spec.levers else None
    key = (spec.id, id(values), cmp.op, threshold, margin, tol, lever)
    compared = ctx.memo.get(key) if ctx.memo is not None else None
    if compared is None:
        triple = _three(_instance(result, node), values, values, cmp.op, threshold, margin, tol, ctx.decider)
        lever_gap = None
        if lever is not None:
            lever_gap = _lever_gap(ctx, spec.id, lever, cmp.op, threshold, tol, triple[0] == CODE_FAIL)
        compared = _Compared(values, triple, _within_margin(*triple), lever_gap)
        if ctx.memo is not None:
            for array in (*triple, compared.within_margin, lever_gap):
                if array is not None:
                    array.flags.writeable = False  # shared by every rule set making this comparison
            ctx.memo[key] = compared
    normal, relaxed, tight = compared.triple
    result.leaves[node.id] = LeafTrace(
        node.id,
        "compare",
        normal,
        field=spec.id,
        op=cmp.op,
        threshold=threshold,
        margin=margin,
        value=values,
        within_margin=compared.within_margin,
        has_gap=True,
        lever=lever,
        lever_gap=compared.lever_gap,
    )
    return normal, relaxed, tight


def _instance(result: TierResult, node: Criterion) -> str:
    """The name of a leaf's test for another decider: rule set and criterion."""
    return f"{result.ruleset.ruleset.id}/{node.id}"


def _three(
    instance: str,
    low: FloatArray,
    high: FloatArray,
    op: str,
    threshold: float,
    margin: float,
    tol: float,
    decider: Decider | None = None,
) -> Triple:
    normal = decide(instance, low, high, op, threshold, tol, decider)
    if margin <= 0:
        return normal, normal, normal
    r_op, r_threshold = relaxed_op(op, threshold, margin)
    t_op, t_threshold = tight_op(op, threshold, margin)
    return (
        normal,
        decide(instance + "~relaxed", low, high, r_op, r_threshold, tol, decider),
        decide(instance + "~tight", low, high, t_op, t_threshold, tol, decider),
    )


def _within_margin(normal: StatusArray, relaxed: StatusArray, tight: StatusArray) -> BoolArray:
    """Failed by no more than the margin, or passed by no more than it."""
    near: BoolArray = (normal == CODE_FAIL) & (relaxed != CODE_FAIL)
    thin: BoolArray = (normal == CODE_PASS) & (tight != CODE_PASS)
    return near | thin


def _score(node: Criterion, ctx: _Context, result: TierResult) -> Triple:
    test = node.score
    assert test is not None
    assert result.points is not None
    low, high = result.points.groups[test.group]
    margin = ctx.rules.margin_of(None, Unit.POINTS, test.value, test.margin)
    tol = tolerance(test.value, relative=False)
    normal, relaxed, tight = _three(
        _instance(result, node), low, high, test.op, test.value, margin, tol, ctx.decider
    )
    result.leaves[node.id] = LeafTrace(
        node.id,
        "score",
        normal,
        field=test.group,
        op=test.op,
        threshold=test.value,
        margin=margin,
        value=low,
        value_high=high,
        within_margin=_within_margin(normal, relaxed, tight),
        has_gap=True,
    )
    return normal, relaxed, tight


def _lever_gap(
    ctx: _Context, field_id: str, lever: str, op: str, threshold: float, tol: float, rows: BoolArray
) -> FloatArray:
    """The change of ``lever`` (an input, in its own unit) that brings ``field_id`` to its threshold,
    all other inputs held. Solved by the secant of the derived expression through the current point,
    exact for the ratios, sums and means of the catalogue; kept only where the solution is verified."""
    n = ctx.prepared.n
    out = np.full(n, np.nan)
    index = np.flatnonzero(rows)
    base = ctx.columns.get(lever)
    if base is None or index.size == 0:
        return out
    inputs, chain = dependencies(ctx.rules, field_id)
    # Only the columns and derived fields on the path to field_id; only the failing rows when they
    # are few (gathering them costs more than computing every row when most rows fail).
    few = index.size * 4 < n
    subset = {k: ctx.columns[k][index] if few else ctx.columns[k] for k in inputs if k in ctx.columns}
    x0 = base[index] if few else base
    m = index.size if few else n
    step = np.maximum(np.abs(x0), 1.0)

    def value_at(x: FloatArray) -> FloatArray:
        return derive_columns(ctx.rules, {**subset, lever: x}, m, only=chain)[field_id]

    f0 = value_at(x0)
    slope = (value_at(x0 + step) - f0) / step
    with np.errstate(divide="ignore", invalid="ignore"):
        x_star = x0 + (threshold - f0) / slope
    reached = value_at(x_star)
    # The solution reaches the threshold itself, which a strict bound excludes: it is verified against
    # the closed bound, and the gap of a strict threshold is stated as "more than" this change.
    closed = {">": ">=", "<": "<="}.get(op, op)
    check = interval_status(reached, reached, closed, threshold, tol * 10)
    solved = np.where(np.isfinite(x_star) & (check == CODE_PASS), x_star - x0, np.nan)
    if few:
        out[index] = solved
        return out
    return np.where(rows, solved, np.nan)


def _classify(ruleset: RuleSetFile, ctx: _Context) -> TierResult:
    """Size classes (300号): the first class whose every bound is met, per industry table.

    The tier passes for the eligible classes (SMEs). SME status is "not large", so its near miss is a
    large firm within a margin of the line, and its thin pass an SME within a margin of becoming large.
    """
    cls = ruleset.classification
    assert cls is not None
    rules, n = ctx.rules, ctx.prepared.n
    by_spec = rules.fields[cls.by]
    codes = ctx.columns.get(cls.by, np.full(n, np.nan))
    table_codes = category_table(by_spec)
    # Per class: status as written, relaxed and tight, filled table by table.
    class_status = {c: np.full(n, CODE_UNKNOWN, np.int8) for c in cls.classes[:-1]}
    large_relaxed = np.full(n, CODE_UNKNOWN, np.int8)
    large_tight = np.full(n, CODE_UNKNOWN, np.int8)
    large_id = cls.classes[0]
    # One traced leaf per field bounding the large class in any table, whichever rows are present,
    # so that a firm's trace never depends on the other firms of the batch.
    leaves: dict[str, LeafTrace] = {}
    for table in cls.tables:
        for field_id in table.bounds.get(large_id, {}):
            leaf_id = f"{large_id}_{field_id}"
            if leaf_id not in leaves:
                leaves[leaf_id] = LeafTrace(
                    leaf_id,
                    "compare",
                    np.full(n, CODE_UNKNOWN, np.int8),
                    field=field_id,
                    op=cls.op,
                    threshold=np.full(n, np.nan),
                    margin=np.full(n, np.nan),
                    value=ctx.columns.get(field_id, np.full(n, np.nan)),
                )
    for table in cls.tables:
        rows = np.isin(codes, [table_codes[i.casefold()] for i in table.industries])
        if not rows.any():
            continue
        for class_id in cls.classes[:-1]:
            bounds = table.bounds.get(class_id, {})
            parts: list[Triple] = []
            for field_id, literal in bounds.items():
                spec = rules.fields[field_id]
                values = ctx.columns.get(field_id, np.full(n, np.nan))
                threshold = rules.number(literal, spec.unit)
                margin = rules.margin_of(field_id, spec.unit, threshold, None)
                tol = tolerance(threshold, spec.unit.relative_tolerance)
                instance = f"{ruleset.ruleset.id}/{table.industries[0]}/{class_id}/{field_id}"
                triple = _three(instance, values, values, cls.op, threshold, margin, tol, ctx.decider)
                parts.append(triple)
                if class_id == large_id:
                    leaf = leaves[f"{large_id}_{field_id}"]
                    leaf.status[rows] = triple[0][rows]
                    assert isinstance(leaf.threshold, np.ndarray)
                    assert isinstance(leaf.margin, np.ndarray)
                    leaf.threshold[rows] = threshold
                    leaf.margin[rows] = margin
            if not parts:
                continue
            combined = [combine_all([p[k] for p in parts]) for k in range(3)]
            class_status[class_id][rows] = combined[0][rows]
            if class_id == large_id:
                large_relaxed[rows] = combined[1][rows]
                large_tight[rows] = combined[2][rows]
    # First class that passes, provided every earlier one fails; otherwise the class is unknown (-1).
    size_class = np.full(n, -1, dtype=np.int8)
    undecided = np.ones(n, dtype=bool)
    blocked = np.zeros(n, dtype=bool)
    for position, class_id in enumerate(cls.classes[:-1]):
        status = class_status[class_id]
        hit = undecided & ~blocked & (status == CODE_PASS)
        size_class[hit] = position
        undecided &= ~hit
        blocked |= status == CODE_UNKNOWN
    size_class[undecided & ~blocked] = len(cls.classes) - 1
    large = class_status[large_id]
    sme = negate(large)
    result = TierResult(
        tier=ruleset.ruleset.tier,
        ruleset=ruleset,
        status=sme,
        relaxed=negate(large_tight),
        tight=negate(large_relaxed),
        size_class=size_class,
    )
    not_large = f"not_{large_id}"
    result.nodes[not_large] = sme
    result.leaves[not_large] = LeafTrace(not_large, "classification", sme, field=cls.by, value=codes)
    result.blame[not_large] = sme == CODE_FAIL
    for leaf_id, leaf in leaves.items():
        # The large-firm bounds are traced (value, bound) but never blamed: "failed" names not_large.
        result.nodes[leaf_id] = leaf.status
        result.leaves[leaf_id] = leaf
    return result
