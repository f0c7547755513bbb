"""Every cross-reference check of a loaded rule set, all problems at once.

Fields exist, literals match units, bands tile the number line, declared maxima add up, pass marks are
reachable, tier references resolve without cycles. Nothing here reads files or evaluates firms.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Protocol

from eligibility.errors import ProblemCode
from eligibility.language.model import (
    Criterion,
    Indicator,
    Margin,
    Measure,
    Range,
    RuleSetFile,
    TierDef,
)
from eligibility.language.ruleset import FieldSpec, walk_criteria
from eligibility.language.yaml import Doc, Loc
from eligibility.units import QuantityError, Unit, parse_quantity, quantities_in

__all__ = ["Checker"]


class Reporter(Protocol):
    """Where a checker sends its problems (the loader, which knows the files and their lines)."""

    def report(
        self,
        doc: Doc,
        loc: Loc,
        code: ProblemCode,
        detail: object = "",
        candidates: Iterable[str] = (),
    ) -> None:
        """Record one problem at ``loc`` of ``doc``."""


class Checker:
    def __init__(
        self,
        loader: Reporter,
        doc: Doc,
        model: RuleSetFile,
        fields: Mapping[str, FieldSpec],
        tiers: Mapping[str, TierDef],
    ) -> None:
        self.loader, self.doc, self.model, self.fields, self.tiers = loader, doc, model, fields, tiers
        self.literals: dict[tuple[str, Unit], float] = {}  # every text literal read, with its number
        self.ids: set[str] = set()
        self.group_max: dict[str, float] = {}

    def report(
        self, loc: Loc, code: ProblemCode, detail: object = "", candidates: Iterable[str] = ()
    ) -> None:
        self.loader.report(self.doc, loc, code, detail, candidates)

    def run(self) -> None:
        meta = self.model.ruleset
        if meta.tier not in self.tiers:
            self.report(("ruleset", "tier"), ProblemCode.UNKNOWN_TIER, meta.tier, self.tiers)
        ids = {n.id for n in walk_criteria(self.model.criteria)} if self.model.criteria else set()
        if meta.holds_title is not None and "requires_title" in ids:
            # The engine adds a leaf of that id (the id results have always used) for the title.
            self.report(("ruleset", "holds_title"), ProblemCode.DUPLICATE_ID, "requires_title")
        if meta.holds_title is not None and meta.holds_title not in self.tiers:
            self.report(("ruleset", "holds_title"), ProblemCode.UNKNOWN_TIER, meta.holds_title, self.tiers)
        if meta.effective_to is not None and meta.effective_to < meta.effective_from:
            self.report(("ruleset", "effective_to"), ProblemCode.BAD_DATES, str(meta.effective_to))
        if self.model.points is not None:
            self.check_points()
        if self.model.classification is not None:
            self.check_classification()
        if self.model.criteria is not None:
            self.check_criterion(self.model.criteria, ("criteria",))

    # -- fields and literals -----------------------------------------------------------------------
    def field(self, loc: Loc, name: str, numeric: bool | None = None) -> FieldSpec | None:
        spec = self.fields.get(name)
        if spec is None:
            self.report(loc, ProblemCode.UNKNOWN_FIELD, name, self.fields)
            return None
        if numeric is True and not spec.unit.is_numeric:
            self.report(loc, ProblemCode.NOT_NUMERIC, f"{name} ({spec.unit})")
        if numeric is False and spec.unit not in (Unit.BOOL, Unit.CATEGORY):
            self.report(loc, ProblemCode.WRONG_TYPE, f"{name} ({spec.unit}) is not a bool or category")
        return spec

    def literal(
        self, loc: Loc, spec: FieldSpec | None, value: object, unit: Unit | None = None
    ) -> float | None:
        target = unit or (spec.unit if spec else None)
        if target is None:
            return None
        try:
            number = parse_quantity(value, target)
        except QuantityError as exc:
            self.report(loc, ProblemCode(exc.code), value)
            return None
        if isinstance(value, str):
            self.literals[(value, target)] = number
        return number

    def margin(self, loc: Loc, margin: Margin | None, unit: Unit) -> None:
        if margin is not None and margin.absolute is not None:
            self.literal((*loc, "absolute"), None, margin.absolute, unit)

    def categories(self, loc: Loc, spec: FieldSpec, values: Iterable[object]) -> None:
        allowed: set[object] = (
            {True, False, "true", "false"} if spec.unit is Unit.BOOL else set(spec.choice_ids)
        )
        for value in values:
            if value not in allowed:
                self.report(loc, ProblemCode.UNKNOWN_CATEGORY, str(value), [str(a) for a in allowed])

    # -- criteria ----------------------------------------------------------------------------------
    def check_criterion(self, node: Criterion, loc: Loc) -> None:
        if node.id in self.ids:
            self.report((*loc, "id"), ProblemCode.DUPLICATE_ID, node.id)
        self.ids.add(node.id)
        for purpose in node.purposes or []:
            if purpose not in self.model.ruleset.purposes:
                self.report(
                    (*loc, "purposes"), ProblemCode.UNKNOWN_CATEGORY, purpose, self.model.ruleset.purposes
                )
        if node.all is not None or node.any is not None:
            key = "all" if node.all is not None else "any"
            for index, child in enumerate(node.children):
                self.check_criterion(child, (*loc, key, index))
            for purpose in self.model.ruleset.purposes:
                if node.applies_to(purpose) and not any(c.applies_to(purpose) for c in node.children):
                    self.report((*loc, key), ProblemCode.MISSING_KEY, f"no criterion left for {purpose}")
            return
        if node.compare is not None:
            cmp = node.compare
            spec = self.field((*loc, "compare", "field"), cmp.field, numeric=True)
            if spec is not None and spec.unit.is_numeric:
                threshold = self.literal((*loc, "compare", "value"), spec, cmp.value)
                self.margin((*loc, "compare", "margin"), cmp.margin, spec.unit)
                self.check_missing(node, loc, spec)
                if threshold is not None:
                    self.check_label(node, loc, spec.unit, threshold, cmp.value)
        elif node.match is not None:
            spec = self.field((*loc, "match", "field"), node.match.field, numeric=False)
            if spec is not None and node.match.is_ is not None and spec.unit is not Unit.BOOL:
                # `is` says "this boolean is true/false"; a category is matched with `in: [...]`.
                self.report((*loc, "match", "is"), ProblemCode.NOT_BOOL, f"{spec.id} ({spec.unit})")
            elif spec is not None:
                self.categories((*loc, "match", "in"), spec, node.match.in_)
                self.check_missing(node, loc, spec)
        elif node.review is not None:
            if node.review.verdict is not None:
                self.field((*loc, "review", "verdict"), node.review.verdict, numeric=False)
        elif node.holds_title is not None:
            tier = node.holds_title.tier
            if tier not in self.tiers:
                self.report((*loc, "holds_title", "tier"), ProblemCode.UNKNOWN_TIER, tier, self.tiers)
        elif node.passes is not None:
            if node.passes.tier not in self.tiers:
                self.report((*loc, "passes", "tier"), ProblemCode.UNKNOWN_TIER, node.passes.tier, self.tiers)
        elif node.score is not None:
            self.check_score(node, loc)
            self.check_label(node, loc, Unit.POINTS, node.score.value, node.score.value)
        if node.source is None:
            # Every leaf names the clause it encodes, so a user can check the number against it.
            self.report(loc, ProblemCode.MISSING_KEY, "source")

    def check_label(self, node: Criterion, loc: Loc, unit: Unit, threshold: float, written: object) -> None:
        """A label that states a number of the threshold's unit must state the threshold itself.

        Numbers of other units are context ("近2年…100万元" on an amount), so only those of ``unit``
        count; a label naming several of them (a range, a "1000万元以上，或…1000万元以下") is right
        when one of them is the threshold.
        """
        for key in ("label_zh", "label_en"):
            label = getattr(node, key)
            stated = [q for q in quantities_in(label or "") if q.unit is unit]
            if stated and not any(
                math.isclose(q.value, threshold, rel_tol=1e-9, abs_tol=1e-12) for q in stated
            ):
                shown = ", ".join(
                    f"'{q.text}'" for q in stated
                )  # a detail, shown as written in both languages
                self.report((*loc, key), ProblemCode.LABEL_MISMATCH, f"{shown} ≠ {written}")

    def check_missing(self, node: Criterion, loc: Loc, spec: FieldSpec) -> None:
        if node.missing is None:
            return
        assume = node.missing.assume
        if spec.unit is Unit.BOOL:
            if not isinstance(assume, bool):
                self.report((*loc, "missing", "assume"), ProblemCode.WRONG_TYPE, str(assume))
        elif spec.unit is Unit.CATEGORY:
            self.categories((*loc, "missing", "assume"), spec, [assume])
        else:
            self.literal((*loc, "missing", "assume"), spec, assume)

    def check_score(self, node: Criterion, loc: Loc) -> None:
        test = node.score
        assert test is not None
        if self.model.points is None:
            self.report((*loc, "score", "group"), ProblemCode.UNKNOWN_GROUP, "no points table in this file")
            return
        if test.group not in self.group_max:
            self.report((*loc, "score", "group"), ProblemCode.UNKNOWN_GROUP, test.group, self.group_max)
            return
        self.margin((*loc, "score", "margin"), test.margin, Unit.POINTS)
        best = self.group_max[test.group]
        reachable = {">=": best >= test.value, ">": best > test.value, "<=": True, "<": True}[test.op]
        if not reachable:
            self.report(
                (*loc, "score", "value"), ProblemCode.UNREACHABLE_MARK, f"{test.value} > max {best:g}"
            )

    # -- points ------------------------------------------------------------------------------------
    def check_points(self) -> None:
        points = self.model.points
        assert points is not None
        total = 0.0
        for gi, group in enumerate(points.groups):
            gloc: Loc = ("points", "groups", gi)
            if group.id in self.group_max or group.id == "total":
                self.report((*gloc, "id"), ProblemCode.DUPLICATE_ID, group.id)
            subtotal = 0.0
            for ii, indicator in enumerate(group.indicators):
                iloc: Loc = (*gloc, "indicators", ii)
                if indicator.id in self.ids:
                    self.report((*iloc, "id"), ProblemCode.DUPLICATE_ID, indicator.id)
                self.ids.add(indicator.id)
                best = self.check_indicator(indicator, iloc)
                if best is not None and not math.isclose(best, indicator.max):
                    self.report(
                        (*iloc, "max"),
                        ProblemCode.MAX_MISMATCH,
                        f"declared {indicator.max:g}, bands give {best:g}",
                    )
                subtotal += indicator.max
            if not math.isclose(subtotal, group.max):
                self.report(
                    (*gloc, "max"),
                    ProblemCode.MAX_MISMATCH,
                    f"declared {group.max:g}, indicators sum to {subtotal:g}",
                )
            self.group_max[group.id] = group.max
            total += group.max
        if not math.isclose(total, points.max):
            self.report(
                ("points", "max"),
                ProblemCode.MAX_MISMATCH,
                f"declared {points.max:g}, groups sum to {total:g}",
            )
        self.group_max["total"] = points.max

    def check_indicator(self, indicator: Indicator, loc: Loc) -> float | None:
        if indicator.best_of is not None:
            bests = [self.check_measure(m, (*loc, "best_of", i)) for i, m in enumerate(indicator.best_of)]
            return None if any(b is None for b in bests) else max(b for b in bests if b is not None)
        return self.check_measure(indicator.measures[0], loc)

    def check_measure(self, measure: Measure, loc: Loc) -> float | None:
        kind = measure.kind
        here: Loc = (*loc, kind)
        if measure.bands is not None:
            spec = self.field((*here, "field"), measure.bands.field, numeric=True)
            if spec is None or not spec.unit.is_numeric:
                return None
            self.check_ranges(measure.bands.ranges, here, spec)
            return max(r.points for r in measure.bands.ranges)
        if measure.lookup is not None:
            spec = self.field((*here, "field"), measure.lookup.field, numeric=False)
            if spec is None:
                return None
            keys = list(measure.lookup.map)
            self.categories((*here, "map"), spec, keys)
            wanted = ["true", "false"] if spec.unit is Unit.BOOL else list(spec.choice_ids)
            for choice in wanted:
                if choice not in keys:
                    self.report((*here, "map"), ProblemCode.UNKNOWN_CATEGORY, f"{choice} has no points")
            return max(measure.lookup.map.values()) if measure.lookup.map else 0.0
        if measure.per is not None:
            spec = self.field((*here, "field"), measure.per.field, numeric=True)
            if spec is not None and spec.unit.is_numeric:
                self.literal((*here, "step"), spec, measure.per.step)
            return measure.per.max
        if measure.count is not None:
            for i, name in enumerate(measure.count.fields):
                spec = self.field((*here, "fields", i), name)
                if spec is not None and spec.unit is not Unit.BOOL:
                    self.report((*here, "fields", i), ProblemCode.WRONG_TYPE, f"{name} is not a bool")
            return min(measure.count.max, measure.count.points * len(measure.count.fields))
        if measure.cascade is not None:
            for i, step in enumerate(measure.cascade.steps):
                spec = self.field((*here, "steps", i, "field"), step.field, numeric=True)
                if spec is not None and spec.unit.is_numeric:
                    self.literal((*here, "steps", i, "value"), spec, step.value)
            return max([s.points for s in measure.cascade.steps] + [measure.cascade.otherwise])
        if measure.input is not None:
            self.field((*here, "field"), measure.input.field, numeric=True)
            return measure.input.max
        return None  # pragma: no cover - the model guarantees one kind

    def check_ranges(self, ranges: Sequence[Range], loc: Loc, spec: FieldSpec) -> None:
        """Bands must tile the whole number line: no overlap, no gap, each band non-empty."""
        bounds: list[tuple[float, bool, float, bool, int]] = []
        for i, band in enumerate(ranges):
            lower, lower_closed = -math.inf, False
            upper, upper_closed = math.inf, False
            for key in ("gt", "ge", "lt", "le"):
                raw = getattr(band, key)
                if raw is None:
                    continue
                value = self.literal((*loc, "ranges", i, key), spec, raw)
                if value is None:
                    return
                if key in ("gt", "ge"):
                    lower, lower_closed = value, key == "ge"
                else:
                    upper, upper_closed = value, key == "le"
            if lower > upper or (lower == upper and not (lower_closed and upper_closed)):
                self.report((*loc, "ranges", i), ProblemCode.BAND_EMPTY, f"{lower:g}..{upper:g}")
                return
            bounds.append((lower, not lower_closed, upper, upper_closed, i))
        # Sort by lower bound; an open lower bound starts just after a closed one at the same value.
        bounds.sort()
        previous: tuple[float, bool, int] | None = None
        for lower, lower_open, upper, upper_closed, index in bounds:
            if previous is None:
                if lower != -math.inf:
                    self.report((*loc, "ranges", index), ProblemCode.BAND_GAP, f"nothing below {lower:g}")
            else:
                prev_upper, prev_closed, prev_index = previous
                touches = lower == prev_upper and (prev_closed != (not lower_open))
                if lower < prev_upper or (lower == prev_upper and prev_closed and not lower_open):
                    self.report(
                        (*loc, "ranges", max(index, prev_index)),
                        ProblemCode.BAND_OVERLAP,
                        f"with band {prev_index} at {lower:g}",
                    )
                elif not touches:
                    self.report(
                        (*loc, "ranges", index), ProblemCode.BAND_GAP, f"between {prev_upper:g} and {lower:g}"
                    )
            previous = (upper, upper_closed, index)
        if previous is not None and previous[0] != math.inf:
            self.report((*loc, "ranges", previous[2]), ProblemCode.BAND_GAP, f"nothing above {previous[0]:g}")

    # -- classification ----------------------------------------------------------------------------
    def check_classification(self) -> None:
        cls = self.model.classification
        assert cls is not None
        spec = self.field(("classification", "by"), cls.by, numeric=False)
        for name in cls.eligible_classes:
            if name not in cls.classes:
                self.report(
                    ("classification", "eligible_classes"), ProblemCode.UNKNOWN_CATEGORY, name, cls.classes
                )
        seen: set[str] = set()
        for ti, table in enumerate(cls.tables):
            tloc: Loc = ("classification", "tables", ti)
            if spec is not None:
                self.categories((*tloc, "industries"), spec, table.industries)
            for industry in table.industries:
                if industry in seen:
                    self.report((*tloc, "industries"), ProblemCode.DUPLICATE_ID, industry)
                seen.add(industry)
            for class_id, bounds in table.bounds.items():
                if class_id not in cls.classes[:-1]:
                    self.report(
                        (*tloc, "bounds", class_id), ProblemCode.UNKNOWN_CATEGORY, class_id, cls.classes
                    )
                for field_id, literal in bounds.items():
                    fspec = self.field((*tloc, "bounds", class_id, field_id), field_id, numeric=True)
                    if fspec is not None and fspec.unit.is_numeric:
                        self.literal((*tloc, "bounds", class_id, field_id), fspec, literal)
        if spec is not None and spec.choices:
            for choice in spec.choice_ids:
                if choice not in seen:
                    self.report(
                        ("classification", "tables"), ProblemCode.UNKNOWN_CATEGORY, f"{choice} has no table"
                    )
