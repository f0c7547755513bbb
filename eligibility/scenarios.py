"""Worked scenarios and generated boundary cases: how a user checks what a rule-file edit changed.

Owns two kinds of checks of a rule directory:

- **scenarios**: ``scenarios/<ruleset id>.yaml`` beside the rules, each firm with the status, score,
  failed criteria, borderline mark, gaps … the rule set must produce;
- **boundary cases** generated from the rules themselves: for every comparison threshold (criteria,
  band edges, cascade steps, size-class bounds) firms just below, at and just above it, checked against
  the operator written in the file by a plain-Python reference. A threshold added to a rule file is
  covered without writing a test.

Every group of cases is evaluated in one batch by the public :func:`~eligibility.assessment.evaluate`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from eligibility.assessment import Assessment, evaluate
from eligibility.errors import RuleSetError
from eligibility.input.prepare import prepare
from eligibility.language.load import read_scenarios
from eligibility.language.model import Criterion, Measure, Range, RuleSetFile, Scenario, ScenarioFile
from eligibility.language.ruleset import FieldSpec, RuleSet
from eligibility.scoring.engine import input_columns
from eligibility.scoring.points import score_measure
from eligibility.units import Unit

__all__ = ["CaseResult", "SuiteResult", "boundary_cases", "run_rule_tests", "run_scenarios"]

_OPS = {
    ">=": lambda a, b: a >= b,
    ">": lambda a, b: a > b,
    "<=": lambda a, b: a <= b,
    "<": lambda a, b: a < b,
}
_STATUS = ["fail", "unknown", "review", "pass"]


@dataclass
class CaseResult:
    """One checked case: what it is, and what differed (nothing when it passed)."""

    ruleset: str
    kind: str
    name: str
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether the case held."""
        return not self.problems


@dataclass
class SuiteResult:
    """All cases of a rule directory, by rule set."""

    cases: list[CaseResult]
    errors: list[RuleSetError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether every case held and every scenario file was readable."""
        return not self.errors and all(c.ok for c in self.cases)

    def counts(self) -> dict[str, dict[str, int]]:
        """Per rule set: scenarios, boundary cases, failures."""
        table: dict[str, dict[str, int]] = {}
        for case in self.cases:
            row = table.setdefault(case.ruleset, {"scenario": 0, "boundary": 0, "failed": 0})
            row[case.kind] += 1
            row["failed"] += not case.ok
        return table


def run_rule_tests(rules: RuleSet, directory: Path | None = None) -> SuiteResult:
    """Run every scenario file under ``directory/scenarios`` and every generated boundary case."""
    root = directory if directory is not None else rules.directory
    result = SuiteResult(cases=[])
    for path in sorted((root / "scenarios").glob("*.yaml")):
        try:
            scenarios = read_scenarios(path)
        except RuleSetError as error:
            result.errors.append(error)
            continue
        result.cases.extend(run_scenarios(rules, scenarios))
    for ruleset in rules.rulesets.values():
        result.cases.extend(boundary_cases(rules, ruleset))
    return result


# --------------------------------------------------------------------------------------------------
# Scenarios


def run_scenarios(rules: RuleSet, scenarios: ScenarioFile) -> list[CaseResult]:
    """Evaluate the scenarios of one file, batched by (as_of, purpose), and compare with expectations."""
    ruleset = rules.rulesets.get(scenarios.ruleset)
    if ruleset is None:
        return [
            CaseResult(scenarios.ruleset, "scenario", "(file)", [f"unknown rule set {scenarios.ruleset}"])
        ]
    tier = ruleset.ruleset.tier
    # Each scenario is its own sheet: a column only some scenarios have must not be "present but
    # blank" for the others, so batches share the date, the purpose and the set of columns.
    groups: dict[tuple[dt.date, str, str, frozenset[str]], list[Scenario]] = {}
    for scenario in scenarios.scenarios:
        columns = frozenset({*scenarios.base, *scenario.input})
        key = (
            scenario.as_of or scenarios.as_of,
            scenario.purpose or scenarios.purpose,
            scenario.chosen,
            columns,
        )
        groups.setdefault(key, []).append(scenario)
    results: list[CaseResult] = []
    for (as_of, purpose, chosen, _), members in groups.items():
        firms = [{**scenarios.base, **s.input, "credit_code": f"S{i:04d}"} for i, s in enumerate(members)]
        assessment = evaluate(
            pd.DataFrame(firms).astype(object),
            rules,
            as_of=as_of,
            purpose="review" if purpose == "review" else "apply",
            regime=ruleset.ruleset.regime if chosen == "regime" else None,
            tiers=[tier],
        )
        for i, scenario in enumerate(members):
            problems = _compare(assessment, tier, ruleset, i, scenario)
            results.append(CaseResult(ruleset.ruleset.id, "scenario", scenario.name, problems))
    return results


def _close(actual: Any, expected: float) -> bool:
    return actual is not None and math.isclose(float(actual), expected, rel_tol=1e-6, abs_tol=1e-6)


def _compare(
    assessment: Assessment, tier: str, ruleset: RuleSetFile, i: int, scenario: Scenario
) -> list[str]:
    if tier not in assessment.results or assessment.results[tier].at(i).ruleset is not ruleset:
        chosen = assessment.results[tier].at(i).ruleset.ruleset.id if tier in assessment.results else "none"
        return [f"the date, purpose and round select rule set {chosen}, not {ruleset.ruleset.id}"]
    record = assessment.firm(i)["tiers"][tier]
    expected = scenario.expected
    problems: list[str] = []

    def check(name: str, actual: Any, wanted: Any) -> None:
        same = (
            _close(actual, wanted) if isinstance(wanted, float) and wanted is not None else actual == wanted
        )
        if not same:
            problems.append(f"{name}: expected {wanted!r}, got {actual!r}")

    check("status", record["status"], expected.status)
    for key in ("score", "score_min", "score_max"):
        wanted = getattr(expected, key)
        if wanted is not None:
            check(key, record.get(key), float(wanted))
    if expected.failed is not None:
        check("failed", record["failed"], expected.failed)
    if expected.borderline is not None:
        check("borderline", record["borderline"] or "none", expected.borderline)
    if expected.route is not None:
        check("route", record["route"], expected.route)
    if expected.size_class is not None:
        check("class", record.get("class"), expected.size_class)
    criteria = {c["id"]: c for c in record["criteria"]}
    nodes = assessment.results[tier].nodes  # every node, groups included
    for criterion, status in expected.criteria.items():
        actual = _STATUS[int(nodes[criterion][i])] if criterion in nodes else None
        check(f"criteria.{criterion}", actual, status)
    for criterion, gap in expected.gaps.items():
        check(f"gaps.{criterion}", criteria.get(criterion, {}).get("gap"), float(gap))
    for criterion, gap in expected.lever_gaps.items():
        check(f"lever_gaps.{criterion}", criteria.get(criterion, {}).get("lever_gap"), float(gap))
    return problems


# --------------------------------------------------------------------------------------------------
# Boundary cases generated from the rules


@dataclass
class _Probe:
    """One generated firm: its inputs, and what the reference says the engine must produce."""

    name: str
    inputs: dict[str, float | str]
    purpose: str
    check: str  # "leaf", "measure" or "class"
    target: Any
    expected: Any


def _delta(spec: FieldSpec, threshold: float) -> float:
    if spec.unit in (Unit.PERSONS, Unit.COUNT, Unit.LEVEL):
        return 1.0
    if spec.unit is Unit.FRACTION:
        return 1e-4
    if spec.unit is Unit.WAN_YUAN:
        return max(abs(threshold) * 1e-4, 0.01)
    return 0.01


def _around(spec: FieldSpec, threshold: float) -> Iterator[tuple[str, float]]:
    delta = _delta(spec, threshold)
    for where, value in (("below", threshold - delta), ("at", threshold), ("above", threshold + delta)):
        if (spec.min is None or value >= spec.min) and (spec.max is None or value <= spec.max):
            yield where, value


def _as_input(spec: FieldSpec, value: float) -> float | str:
    # Fractions go in as percentages, the way a sheet writes them, so that parsing is covered too.
    return f"{value * 100!r}%" if spec.unit is Unit.FRACTION else value


def _purpose_of(ruleset: RuleSetFile) -> str:
    return ruleset.ruleset.purposes[0]


def _with_purposes(node: Criterion, purposes: Sequence[str]) -> Iterator[tuple[Criterion, str]]:
    """Every node with a purpose it is evaluated for (a restriction applies to the whole subtree)."""
    allowed = [p for p in purposes if node.applies_to(p)]
    if not allowed:
        return
    yield node, allowed[0]
    for child in node.children:
        yield from _with_purposes(child, allowed)


def _leaf_probes(rules: RuleSet, ruleset: RuleSetFile) -> Iterator[_Probe]:
    if ruleset.criteria is None:
        return
    for node, purpose in _with_purposes(ruleset.criteria, ruleset.ruleset.purposes):
        if node.compare is None:
            continue
        spec = rules.fields[node.compare.field]
        threshold = rules.quantity(spec.id, node.compare.value)
        for where, value in _around(spec, threshold):
            yield _Probe(
                f"{node.id} {node.compare.op} {node.compare.value}: {where}",
                {spec.id: _as_input(spec, value)},
                purpose,
                "leaf",
                node.id,
                "pass" if _OPS[node.compare.op](value, threshold) else "fail",
            )


def _band_points(ranges: Sequence[Range], rules: RuleSet, field_id: str, value: float) -> float:
    for band in ranges:
        inside = True
        for key, op in (("gt", ">"), ("ge", ">="), ("lt", "<"), ("le", "<=")):
            raw = getattr(band, key)
            if raw is not None:
                inside &= _OPS[op](value, rules.quantity(field_id, raw))
        if inside:
            return band.points
    raise AssertionError("bands do not tile the line")  # pragma: no cover - the loader checks it


def _measures(ruleset: RuleSetFile) -> Iterator[tuple[str, Measure]]:
    if ruleset.points is None:
        return
    for group in ruleset.points.groups:
        for indicator in group.indicators:
            for k, measure in enumerate(indicator.measures):
                yield f"{indicator.id}[{k}]", measure


def _measure_probes(rules: RuleSet, ruleset: RuleSetFile) -> Iterator[_Probe]:
    purpose = _purpose_of(ruleset)
    for name, measure in _measures(ruleset):
        if measure.bands is not None:
            spec = rules.fields[measure.bands.field]
            edges = sorted(
                {
                    rules.quantity(spec.id, getattr(b, k))
                    for b in measure.bands.ranges
                    for k in ("gt", "ge", "lt", "le")
                    if getattr(b, k) is not None
                }
            )
            for edge in edges:
                for where, value in _around(spec, edge):
                    points = _band_points(measure.bands.ranges, rules, spec.id, value)
                    yield _Probe(
                        f"{name} edge {edge:g}: {where}",
                        {spec.id: _as_input(spec, value)},
                        purpose,
                        "measure",
                        measure,
                        points,
                    )
        if measure.cascade is not None:
            steps = measure.cascade.steps
            for k, step in enumerate(steps):
                spec = rules.fields[step.field]
                threshold = rules.quantity(spec.id, step.value)
                for where, value in _around(spec, threshold):
                    inputs: dict[str, float] = {}
                    for other in steps:
                        if other.field != step.field:
                            # Other fields sit far on the failing side of their own steps.
                            other_t = rules.quantity(other.field, other.value)
                            inputs[other.field] = (
                                max(other_t - 1000, 0) if other.op in (">=", ">") else other_t + 1000
                            )
                    inputs[step.field] = value
                    expected = next(
                        (
                            s.points
                            for s in steps
                            if _OPS[s.op](inputs[s.field], rules.quantity(s.field, s.value))
                        ),
                        measure.cascade.otherwise,
                    )
                    yield _Probe(
                        f"{name} step {k} ({step.field} {step.op} {step.value}): {where}",
                        dict(inputs),
                        purpose,
                        "measure",
                        measure,
                        expected,
                    )


def _class_probes(rules: RuleSet, ruleset: RuleSetFile) -> Iterator[_Probe]:
    cls = ruleset.classification
    if cls is None:
        return
    purpose = _purpose_of(ruleset)
    for table in cls.tables:
        industry = table.industries[0]
        for class_id, bounds in table.bounds.items():
            for field_id, literal in bounds.items():
                spec = rules.fields[field_id]
                threshold = rules.quantity(field_id, literal)
                for where, value in _around(spec, threshold):
                    values = {f: rules.quantity(f, v) for f, v in bounds.items()}
                    values[field_id] = value
                    expected = cls.classes[-1]
                    for candidate in cls.classes[:-1]:
                        limits = table.bounds.get(candidate, {})
                        if limits and all(
                            _OPS[cls.op](values.get(f, 0.0), rules.quantity(f, v)) for f, v in limits.items()
                        ):
                            expected = candidate
                            break
                    inputs: dict[str, float | str] = {cls.by: industry, **values}
                    yield _Probe(
                        f"{industry} {class_id} {field_id} {cls.op} {literal}: {where}",
                        inputs,
                        purpose,
                        "class",
                        None,
                        expected,
                    )


def boundary_inputs(rules: RuleSet, ruleset: RuleSetFile) -> list[tuple[str, dt.date, pd.DataFrame]]:
    """Per purpose of ``ruleset``: its first day in force and a frame of firms just below, at and just
    above every threshold (for checks of other engines against the same edges)."""
    probes = [*_leaf_probes(rules, ruleset), *_measure_probes(rules, ruleset), *_class_probes(rules, ruleset)]
    out = []
    for purpose in dict.fromkeys(p.purpose for p in probes):
        batch = [p for p in probes if p.purpose == purpose]
        frame = pd.DataFrame([{**p.inputs, "credit_code": f"B{i:05d}"} for i, p in enumerate(batch)])
        out.append((purpose, ruleset.ruleset.effective(purpose)[0], frame.astype(object)))
    return out


def boundary_cases(rules: RuleSet, ruleset: RuleSetFile) -> list[CaseResult]:
    """Check every threshold of ``ruleset`` just below, at and just above it, in one batch per purpose."""
    probes = [*_leaf_probes(rules, ruleset), *_measure_probes(rules, ruleset), *_class_probes(rules, ruleset)]
    results: list[CaseResult] = []
    meta = ruleset.ruleset
    for purpose in dict.fromkeys(p.purpose for p in probes):
        batch = [p for p in probes if p.purpose == purpose]
        frame = pd.DataFrame([{**p.inputs, "credit_code": f"B{i:05d}"} for i, p in enumerate(batch)]).astype(
            object
        )
        as_of, _ = meta.effective(purpose)
        assessment = evaluate(
            frame,
            rules,
            as_of=as_of,
            purpose="review" if purpose == "review" else "apply",
            regime=meta.regime,
            tiers=[meta.tier],
        )
        tier = assessment.results[meta.tier]
        prepared = prepare(frame, rules)
        columns = input_columns(prepared, as_of)
        for i, probe in enumerate(batch):
            if probe.check == "leaf":
                actual: Any = _STATUS[int(tier.leaves[probe.target].status[i])]
            elif probe.check == "measure":
                low, high = score_measure(probe.target, columns, rules, prepared.n)
                actual = float(low[i]) if low[i] == high[i] else (float(low[i]), float(high[i]))
            else:
                size = assessment.size_class()
                actual = size[i] if size is not None else None
            problems = [] if actual == probe.expected else [f"expected {probe.expected!r}, got {actual!r}"]
            results.append(CaseResult(meta.id, "boundary", probe.name, problems))
    return results
