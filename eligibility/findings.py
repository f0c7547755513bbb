"""What an assessment found, built once: codes and numbers, no language.

Owns every fact an output shows — per firm × tier its status, borderline mark, score interval and the
rule set that judged it; the failed criteria with their gap facts (direction, strictness, amount,
unit, lever, band-move plans, alternatives marked as such); the ranked flag lists with their (tier,
reason) columns; size classes; the rules used and for whom; the summary and the input issues. Every
renderer (workbook, HTML report, terminal explanation, web page, monitor) reads a :class:`Findings`
and only translates it, so a new output fact is added here once.

Must not: word anything for people (labels live in :mod:`eligibility.labels` and the rule files),
read files, or be imported by the engine.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa

from eligibility.assessment import CARRIED_TEXT, STATUS_NAMES, Assessment, Records, join_masks
from eligibility.errors import Issue
from eligibility.language.model import Classification, Criterion, RuleSetFile
from eligibility.language.ruleset import RuleSet
from eligibility.scoring.engine import TierResult
from eligibility.scoring.flags import FLAG_NAMES, Flags
from eligibility.scoring.logic import Status
from eligibility.scoring.plans import BandMove
from eligibility.units import Unit

__all__ = [
    "CARRIED_TEXT",
    "FLAG_NAMES",
    "MARKS",
    "STATUS_NAMES",
    "Assessment",
    "BandMove",
    "Findings",
    "GapPiece",
    "Part",
    "Records",
    "RuleUse",
    "as_findings",
    "build_findings",
    "join_masks",
]

BoolArray = npt.NDArray[np.bool_]
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
ObjectArray = npt.NDArray[np.object_]
MARKS = ("", "thin_pass", "near_miss")  # mark codes 0, 1, 2: no borderline mark, then the two marks


@dataclass(frozen=True)
class Part:
    """One rule set's share of a tier: the rule file, the firms it judged (None: every firm), and the
    criteria that made those firms fail, as masks over all firms."""

    rule_file: RuleSetFile
    judged: BoolArray | None
    blame: dict[str, BoolArray]
    closest: dict[str, BoolArray]
    without_gap: tuple[str, ...]
    """Failed criteria that have no gap (a title, a yes/no): named, not measured."""
    score: tuple[FloatArray, FloatArray] | None
    pass_mark: float | None
    pass_margin: float
    unknown: dict[str, BoolArray]
    """For the firms the tier is 信息不足 (incomplete) for, the criteria that could not be judged: an
    undecided child of an undecided node, down to the leaves (what to fill in)."""


@dataclass(frozen=True)
class GapPiece:
    """The gap of one failed criterion of one rule set, for the firms that fail it (their closest
    alternative only: never "reduce revenue" to reach another band).

    ``amount`` is signed (positive: raise); ``op`` tells a strict bound (``>``/``<``: "more than");
    ``plans`` are the cheapest band moves of the firms short of a points mark, each with every member's
    own change per move (``changes[k]``: NaN for a move that changes no amount).
    """

    tier: str
    rule_file: RuleSetFile
    criterion: str
    kind: str
    field: str | None
    unit: Unit
    op: str | None
    positions: IntArray
    amount: FloatArray
    lever: str | None
    lever_unit: Unit | None
    lever_amount: FloatArray | None
    plans: list[tuple[IntArray, list[BandMove], list[FloatArray]]]


@dataclass(frozen=True)
class RuleUse:
    """One rule set applied to one tier: for which purpose (``applied_apply``, ``applied_review``,
    ``applied_at_risk``), how many firms, and the assumptions it made (criterion, notes, firms)."""

    tier: str
    rule_file: RuleSetFile
    purpose: str
    uses: tuple[tuple[str, int], ...]
    by_round: bool
    assumptions: tuple[tuple[str, str, str | None, int], ...]


def build_findings(assessment: Assessment) -> Findings:
    """The findings of ``assessment``, computed once and shared by every output."""
    return Findings(assessment)


def as_findings(results: Findings | Assessment) -> Findings:
    """``results`` as findings: the renderers take either, and build findings once when given an
    assessment (a library caller's ``write_workbook(evaluate(...), path)``)."""
    return results if isinstance(results, Findings) else Findings(results)


def _pass_mark(result: TierResult) -> tuple[float | None, float]:
    """A points tier's pass mark and its borderline margin: the threshold of its ``total`` score
    criterion (the one place they are read)."""
    leaf = next((x for x in result.leaves.values() if x.kind == "score" and x.field == "total"), None)
    if leaf is None or leaf.threshold is None:
        return None, 0.0
    margin = float(np.nanmax(leaf.margin)) if leaf.margin is not None else 0.0
    return float(np.nanmax(leaf.threshold)), margin


def _undecided(result: TierResult, purpose: str) -> dict[str, BoolArray]:
    """The leaves that leave ``result`` undecided, per firm (see :attr:`Part.unknown`)."""
    out: dict[str, BoolArray] = {}
    root = result.ruleset.criteria
    if root is None or root.id not in result.nodes:
        return out

    def walk(node: Criterion, mask: BoolArray) -> None:
        if not mask.any():
            return
        if node.children:
            for child in node.children:
                if child.applies_to(purpose) and child.id in result.nodes:
                    walk(child, mask & (result.nodes[child.id] == Status.UNKNOWN))
        else:
            out[node.id] = mask

    walk(root, (result.status == Status.UNKNOWN) & (result.nodes[root.id] == Status.UNKNOWN))
    return out


def _same_result(review: TierResult, applied: TierResult | None) -> bool:
    """Whether a re-review result is the application result: the same object, or the copy that
    carries the review round of a single rule set serving both purposes (its arrays are shared)."""
    if applied is None:
        return False
    return review is applied or (not review.parts and not applied.parts and review.leaves is applied.leaves)


class Findings:
    """The facts of one assessment that outputs show; properties are computed on first use, once."""

    def __init__(self, assessment: Assessment) -> None:
        self._a = assessment

    def same_run(self, results: Findings | Assessment) -> bool:
        """Whether ``results`` are these findings or the assessment they were built from."""
        return results is self or results is self._a

    # -- the run -------------------------------------------------------------------------------
    @property
    def n(self) -> int:
        return self._a.n

    @property
    def as_of(self) -> dt.date:
        return self._a.as_of

    @property
    def purpose(self) -> str:
        return self._a.purpose

    @property
    def rules(self) -> RuleSet:
        return self._a.rules

    @property
    def tiers(self) -> list[str]:
        """Evaluated tiers, dependencies first."""
        return self._a.tiers

    @property
    def issues(self) -> list[Issue]:
        return self._a.issues

    @property
    def skipped(self) -> dict[str, str]:
        return self._a.skipped

    @property
    def flags(self) -> Flags:
        return self._a.flags

    @property
    def rows(self) -> IntArray:
        """The spreadsheet row of every firm."""
        return self._a.prepared.rows

    @cached_property
    def summary(self) -> dict[str, Any]:
        return self._a.summary()

    @cached_property
    def regimes(self) -> list[str]:
        """Every regime whose rule sets judged some firm."""
        return sorted({rs.ruleset.regime for r in self._a.results.values() for rs in r.rulesets})

    def has_errors(self) -> bool:
        return self._a.has_errors()

    # -- the firms -----------------------------------------------------------------------------
    @cached_property
    def codes(self) -> ObjectArray:
        return self._a.prepared.text.get("credit_code", np.full(self.n, None, dtype=object))

    @cached_property
    def names(self) -> ObjectArray:
        return self._a.prepared.text.get("name", np.full(self.n, None, dtype=object))

    @cached_property
    def carried(self) -> dict[str, ObjectArray]:
        """乡镇（街道） and 服务专员 by field id, only those the input has."""
        return self._a.carried_text()

    @property
    def title_tier(self) -> ObjectArray:
        """The tier of the highest title each firm holds ("" none)."""
        return self._a.titles.tier

    @property
    def title_expires(self) -> npt.NDArray[np.datetime64]:
        return self._a.titles.expires

    @property
    def expiring(self) -> BoolArray:
        return self._a.titles.expiring

    def value(self, field_id: str) -> FloatArray:
        """An input or derived numeric column (NaN where missing)."""
        found = self._a.columns.get(field_id)
        if found is None:
            found = self._a.prepared.columns.get(field_id)
        return found if found is not None else np.full(self.n, np.nan)

    def ranked(self, flag: str) -> IntArray:
        """Positions of the firms with ``flag``, in the order the lists show them."""
        return self._a.ranked(flag)

    # -- per tier ------------------------------------------------------------------------------
    def status(self, tier: str) -> IntArray:
        """Status codes of ``tier`` (indexes into :data:`STATUS_NAMES`)."""
        return self._a.results[tier].status.astype(np.int64)

    @cached_property
    def _marks(self) -> dict[str, IntArray]:
        return {
            t: r.thin_pass.astype(np.int64) + 2 * r.near_miss.astype(np.int64)
            for t, r in self._a.results.items()
        }

    def mark(self, tier: str) -> IntArray:
        """Borderline mark codes of ``tier`` (indexes into :data:`MARKS`)."""
        return self._marks[tier]

    def score(self, tier: str) -> tuple[FloatArray, FloatArray] | None:
        """The score interval ``(low, high)`` of a points tier (equal where the score is known)."""
        points = self._a.results[tier].points
        return None if points is None else points.total

    def ruleset_ids(self, tier: str, review: bool = False) -> ObjectArray:
        results = self._a.review_results if review else self._a.results
        return results[tier].ruleset_ids(self.n)

    def review_round(self, tier: str) -> npt.NDArray[np.int16] | None:
        """The re-review round of each firm of ``tier`` (its title's expiry year), when judged by round."""
        result = self._a.review_results.get(tier)
        return None if result is None else result.review_round

    def has_review(self, tier: str) -> bool:
        return tier in self._a.review_results

    def route(self, tier: str) -> ObjectArray:
        return self._a.route(tier)

    def failed(self, tier: str) -> ObjectArray:
        """Per firm, the ids of the failed criteria that made ``tier`` fail (``;``-separated)."""
        return self._a.failed(tier)

    def rule_files(self, tier: str) -> list[RuleSetFile]:
        """Every rule set applied to ``tier``, the one for most firms first."""
        return self._a.results[tier].rulesets

    def rule_file_at(self, tier: str, position: int) -> RuleSetFile:
        """The rule set that judged firm ``position`` for ``tier``."""
        return self._a.results[tier].at(position).ruleset

    @cached_property
    def _parts(self) -> dict[str, list[Part]]:
        out: dict[str, list[Part]] = {}
        for tier, result in self._a.results.items():
            out[tier] = [
                Part(
                    rule_file=piece.ruleset,
                    judged=judged,
                    blame=piece.blame,
                    closest=piece.closest,
                    without_gap=tuple(
                        k for k, leaf in piece.leaves.items() if not leaf.has_gap and k in piece.closest
                    ),
                    score=piece.points.total if piece.points is not None else None,
                    pass_mark=_pass_mark(piece)[0],
                    pass_margin=_pass_mark(piece)[1],
                    unknown=_undecided(piece, self.purpose),
                )
                for piece, judged in result.pieces()
            ]
        return out

    def parts(self, tier: str) -> list[Part]:
        """The rule sets that judged ``tier``, one :class:`Part` each (one part unless by the round)."""
        return self._parts[tier]

    # -- counts --------------------------------------------------------------------------------
    def titled_count(self, tier: str) -> int:
        """Firms holding the title of ``tier`` now."""
        return int(np.count_nonzero(self.title_tier == tier))

    def status_count(self, tier: str, status: str) -> int:
        """Firms whose ``tier`` status is ``status`` (an id of :data:`STATUS_NAMES`)."""
        code = int(np.flatnonzero(status == STATUS_NAMES)[0])
        return int(np.count_nonzero(self.status(tier) == code))

    def flagged_count(self, flag: str, tier: str) -> int:
        """Firms with ``flag`` for ``tier`` (promotion to it, or at risk of losing it)."""
        return int(np.count_nonzero(self.flags.tier[flag] == tier))

    def blame_shares(self, tier: str) -> list[tuple[Part, dict[str, float]]]:
        """Per rule set of ``tier``, the share of all firms each criterion made fail (nonzero only)."""
        out = []
        for part in self.parts(tier):
            shares: dict[str, float] = {}
            for criterion, blamed in part.blame.items():
                mask = blamed if part.judged is None else blamed & part.judged
                share = float(mask.mean()) if self.n else 0.0
                if share > 0:
                    shares[criterion] = share
            out.append((part, shares))
        return out

    @cached_property
    def size_counts(self) -> dict[str, int]:
        """Firms per 300号 size class id ("" undetermined); empty without the size tier."""
        if self.size_class is None:
            return {}
        counts = pd.Series(self.size_class, dtype=object).value_counts()
        return {str(k): int(v) for k, v in counts.items()}

    # -- size ----------------------------------------------------------------------------------
    @cached_property
    def size_class(self) -> ObjectArray | None:
        """Per firm its 300号 size class id ("" undetermined); None without the size tier."""
        return self._a.size_class()

    @cached_property
    def classification(self) -> Classification | None:
        result = self._a.results.get("sme_size")
        return result.ruleset.classification if result is not None else None

    @cached_property
    def size_source(self) -> str:
        result = self._a.results.get("sme_size")
        return result.ruleset.ruleset.source.document if result is not None else ""

    # -- gaps ----------------------------------------------------------------------------------
    @cached_property
    def gaps(self) -> list[GapPiece]:
        """The gap facts of every failed criterion, per rule set, for every firm."""
        return self._gap_pieces(self._a.results, None, None)

    @cached_property
    def review_gaps(self) -> list[GapPiece]:
        """The gap facts under the re-review rules, for the firms at risk (the pieces of :attr:`gaps`
        for a tier whose re-review result is its application result)."""
        a = self._a
        at_risk = a.flags.at_risk
        if a.review_results is a.results:
            return self.gaps
        same = {t for t, r in a.review_results.items() if _same_result(r, a.results.get(t))}
        other = [t for t in a.review_results if t not in same]
        fresh = self._gap_pieces(a.review_results, at_risk, other)
        reused = self._restricted([p for p in self.gaps if p.tier in same], at_risk)
        return [*fresh, *reused]

    def _restricted(self, pieces: Sequence[GapPiece], only: BoolArray) -> list[GapPiece]:
        out = []
        for p in pieces:
            keep = only[p.positions]
            if not keep.any():
                continue
            out.append(
                GapPiece(
                    tier=p.tier,
                    rule_file=p.rule_file,
                    criterion=p.criterion,
                    kind=p.kind,
                    field=p.field,
                    unit=p.unit,
                    op=p.op,
                    positions=p.positions[keep],
                    amount=p.amount[keep],
                    lever=p.lever,
                    lever_unit=p.lever_unit,
                    lever_amount=None if p.lever_amount is None else p.lever_amount[keep],
                    plans=[
                        (members[only[members]], moves, [c[only[members]] for c in changes])
                        for members, moves, changes in p.plans
                        if only[members].any()
                    ],
                )
            )
        return out

    def _gap_pieces(
        self, results: dict[str, TierResult], only: BoolArray | None, tiers: Sequence[str] | None
    ) -> list[GapPiece]:
        a = self._a
        rules = a.rules
        pieces: list[GapPiece] = []
        for tier, combined in results.items():
            if tiers is not None and tier not in tiers:
                continue
            for result, judged in combined.pieces():  # one rule set at a time (review by the round)
                for leaf in result.leaves.values():
                    gap = leaf.gap
                    if gap is None:
                        continue
                    wanted = ~np.isnan(gap) & result.closest.get(leaf.id, np.zeros(a.n, dtype=bool))
                    if judged is not None:
                        wanted &= judged
                    if only is not None:
                        wanted &= only
                    rows = np.flatnonzero(wanted)
                    if rows.size == 0:
                        continue
                    spec = rules.fields.get(leaf.field) if leaf.kind != "score" and leaf.field else None
                    plans: list[tuple[IntArray, list[BandMove], list[FloatArray]]] = []
                    if (
                        leaf.kind == "score"
                        and result.points is not None
                        and result.ruleset.points is not None
                    ):
                        mark = float(np.nanmax(leaf.threshold))  # type: ignore[arg-type]
                        for members, moves in a.band_move_groups(
                            tier, rows, str(leaf.field), mark, result=result
                        ):
                            changes = [
                                np.abs(float(m.target) - self.value(m.field)[members])
                                if m.change is not None and m.field is not None
                                else np.full(members.size, np.nan)
                                for m in moves
                            ]
                            plans.append((members, moves, changes))
                    lever = rules.fields[leaf.lever] if leaf.lever is not None else None
                    pieces.append(
                        GapPiece(
                            tier=tier,
                            rule_file=result.ruleset,
                            criterion=leaf.id,
                            kind=leaf.kind,
                            field=leaf.field,
                            unit=spec.unit if spec is not None else Unit.POINTS,
                            op=leaf.op,
                            positions=rows,
                            amount=gap[rows],
                            lever=leaf.lever if leaf.lever_gap is not None else None,
                            lever_unit=lever.unit if lever is not None else None,
                            lever_amount=leaf.lever_gap[rows] if leaf.lever_gap is not None else None,
                            plans=plans,
                        )
                    )
        return pieces

    # -- lists ---------------------------------------------------------------------------------
    def review_rules(self, positions: IntArray, tiers: ObjectArray) -> tuple[ObjectArray, ObjectArray]:
        """Per (firm, tier) pair: the regime of the rule set that re-reviews it and the round year
        ("" where not judged by the round)."""
        regimes = np.full(len(positions), "", dtype=object)
        years = np.full(len(positions), "", dtype=object)
        for tier in pd.unique(tiers):
            result = self._a.review_results.get(str(tier))
            if result is None:
                continue
            mask = tiers == tier
            rows = positions[mask]
            by_id = {r.ruleset.id: r.ruleset.regime for r in result.rulesets}
            regimes[mask] = (
                pd.Series(result.ruleset_ids(self.n)[rows], dtype=object).map(by_id).to_numpy(dtype=object)
            )
            if result.review_round is not None:
                years[mask] = result.review_round[rows].astype(str).astype(object)
        return regimes, years

    @cached_property
    def rules_used(self) -> list[RuleUse]:
        """Every rule set applied, per tier, with to whom (application, re-review, or the re-review of
        expiring titles behind the at-risk flag) and to how many firms."""
        a = self._a
        out: list[RuleUse] = []

        def use(
            tier: str, result: TierResult, piece: TierResult, purpose: str, uses: list[tuple[str, int]]
        ) -> None:
            out.append(
                RuleUse(
                    tier=tier,
                    rule_file=piece.ruleset,
                    purpose=purpose,
                    uses=tuple(uses),
                    by_round=result.review_round is not None
                    and piece.ruleset.ruleset.review_rounds is not None,
                    assumptions=tuple(
                        (x.criterion, x.note_zh, x.note_en, int(x.firms.sum())) for x in piece.assumptions
                    ),
                )
            )

        separate = a.review_results is not a.results
        for tier, result in a.results.items():
            applied = result.ruleset_ids(a.n)
            for piece, _ in result.pieces():
                uses = [(f"applied_{a.purpose}", int(np.count_nonzero(applied == piece.ruleset.ruleset.id)))]
                reviewed = a.titles.expiring & (a.titles.tier == tier)
                review = a.review_results.get(tier)
                if separate and review is not None and _same_result(review, result) and reviewed.any():
                    # the same rule set also judged the expiring titles behind the at-risk flag
                    uses.append(("applied_at_risk", int(reviewed.sum())))
                use(tier, result, piece, a.purpose, uses)
        if separate:
            for tier, result in a.review_results.items():
                expiring = a.titles.expiring & (a.titles.tier == tier)
                if _same_result(result, a.results.get(tier)) or not expiring.any():
                    continue
                applied = result.ruleset_ids(a.n)
                for piece, _ in result.pieces():
                    firms = int(np.count_nonzero(expiring & (applied == piece.ruleset.ruleset.id)))
                    if firms:
                        use(tier, result, piece, "review", [("applied_at_risk", firms)])
        return out

    @cached_property
    def to_scale_line(self) -> FloatArray:
        """How far each firm's main revenue is from the 规上 line (NaN where not measured)."""
        result = self._a.results.get("above_scale_industrial")
        if result is not None and "main_revenue_line" in result.leaves:
            gap = result.leaves["main_revenue_line"].gap
            if gap is not None:
                return gap
        return np.full(self.n, np.nan)

    # -- one firm, and the programs' views -------------------------------------------------------
    def firm(self, position: int) -> dict[str, Any]:
        """Firm ``position``'s nested record (codes and numbers: README "Output contract")."""
        return self._a.firm(position)

    def band_moves(self, tier: str, position: int) -> list[BandMove] | None:
        """The cheapest band moves to the pass mark for firm ``position`` in ``tier``."""
        return self._a.band_moves(tier, position)

    def wide(self) -> pd.DataFrame:
        return self._a.wide()

    def wide_batches(self, rows: int = 65_536, dictionary: bool = False) -> Iterator[pa.Table]:
        return self._a.wide_batches(rows, dictionary)

    def iter_firms(self) -> Iterator[dict[str, Any]]:
        return self._a.iter_firms()

    def records(self) -> Records:
        return self._a.records()
