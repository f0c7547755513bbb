"""A firm's key lines: of every threshold it was compared with, the few that decide each tier.

Owns the choice, per tier, from one firm's margins over the snapshots
(:meth:`~eligibility.pool.Pool.margins`) and its failed criteria (:meth:`~eligibility.pool.Pool.history`):

- a line counts for a snapshot only when it bears on the tier's outcome there — in an ``any`` group
  that passes, only the alternatives that pass (a firm above 2亿元 is held to HNTE's 3% R&D line,
  not to the 4% and 5% of the smaller revenue bands); a line the firm misses but that the tier's
  failed criteria do not name is carried by another alternative and does not count;
- its *room* (``slack``) is the distance on the side that meets it: value − threshold for "at
  least", threshold − value for "at most" (positive met, negative missed), and its *closeness* the
  room in borderline margins of that threshold (the rule file's, its field's or its unit's
  default: SPEC §6), so 0.1 percentage point of a 0.5-point margin (0.2) is closer than 24万元 of
  a 10万元 one (2.4), whatever the units;
- the key lines of a tier are the points table's pass mark (``headline``: the total score, where
  the tier has one), then every line the tier failed on in any snapshot (``failed``), every line
  met by no more than its borderline margin in some snapshot (``borderline``: closeness at most 1, the
  thin pass of SPEC §6 — the firms 处于认定标准临界线), then the lines closest to failing
  (``closest``: the smallest closeness over the snapshots) until these three make ``limit``;
  each group ordered by its smallest closeness, then by the rule file's order. The lines the
  engine adds itself (the size classes' "large firm" bounds, outside every rule file's tree) are
  never key: their room is a firm's distance to becoming large, not to a line it must meet.

Must not: read the database, or word anything.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from eligibility.language.model import Criterion
from eligibility.language.ruleset import RuleSet, walk_criteria
from eligibility.scoring.logic import EPSILON, Status, tolerance
from eligibility.units import Unit

__all__ = ["KEY_LIMIT", "REASONS", "key_lines", "room"]

KEY_LIMIT = 3
"""Failed and closest lines shown per tier besides the headline (``pool firm --key-lines``)."""
REASONS = ("headline", "failed", "borderline", "closest")
"""Why a line is key, in the order shown."""


@dataclass(frozen=True)
class _Tree:
    root: Criterion | None
    nodes: Mapping[str, Criterion]


def _trees(rules: RuleSet, rulesets: Iterable[str]) -> dict[str, _Tree]:
    out = {}
    for ruleset in rulesets:
        found = rules.rulesets.get(ruleset)
        root = found.criteria if found is not None else None
        nodes = {n.id: n for n in walk_criteria(root)} if root is not None else {}
        out[ruleset] = _Tree(root, nodes)
    return out


def room(margin: pd.Series, op: pd.Series) -> pd.Series:
    """The room on the side that meets the line, from value − threshold and the comparison:
    positive met, negative missed (for ``==``: minus the distance to it)."""
    at_most = op.isin(["<=", "<"])
    exact = op == "=="
    return margin.where(~at_most, -margin).where(~exact, -margin.abs())


def _passes(slack: float, op: str, tol: float) -> bool:
    return slack > tol if op in (">", "<") else slack >= -tol


def _borderline(rules: RuleSet, node: Criterion | None, field: object, unit: Unit, threshold: float) -> float:
    """The threshold's borderline margin as the engine takes it (its own, its field's, its unit's),
    else the unit's default (a margin declared 0), else 1 of the unit."""
    own = None
    if node is not None:
        own = node.compare.margin if node.compare is not None else node.score.margin if node.score else None
    known = (
        field
        if isinstance(field, str) and field in rules.fields and node is not None and node.compare
        else None
    )
    found = rules.margin_of(known, unit, threshold, own)
    if found <= 0:
        found = rules.margin_of(None, unit, threshold, None)
    return found if found > 0 else 1.0


def _status(node: Criterion, leaves: Mapping[str, Status], failed: set[str]) -> Status:
    if not node.children:
        return leaves.get(node.id, Status.FAIL if node.id in failed else Status.UNKNOWN)
    parts = [_status(c, leaves, failed) for c in node.children]
    return min(parts) if node.all else max(parts)


def _bearing(node: Criterion, leaves: Mapping[str, Status], failed: set[str], out: set[str]) -> None:
    """The leaves under ``node`` that bear on its outcome (see the module's docstring)."""
    if not node.children:
        out.add(node.id)
        return
    children = node.children
    if node.any:
        passing = [c for c in children if _status(c, leaves, failed) == Status.PASS]
        children = passing or children
    for child in children:
        _bearing(child, leaves, failed, out)


def key_lines(
    margins: pd.DataFrame, history: pd.DataFrame, rules: RuleSet, limit: int = KEY_LIMIT
) -> pd.DataFrame:
    """``margins`` (one firm) with, per row, ``slack`` (the room to the line, positive met),
    ``borderline`` (the threshold's borderline margin) and ``closeness`` (slack ÷ borderline),
    ``bearing`` (the line bears on the tier's outcome in that snapshot), and per tier × criterion
    ``key`` (its reason, one of :data:`REASONS`, or empty) and ``key_rank`` (1, 2, … within the
    tier in the order shown; 0 when not key). The rows keep their order."""
    frame = margins.copy()
    columns = ["slack", "borderline", "closeness", "bearing", "key", "key_rank"]
    if frame.empty:
        for column in columns:
            frame[column] = pd.Series(dtype=object)
        return frame
    frame["slack"] = room(frame["margin"].astype(float), frame["op"])
    trees = _trees(rules, dict.fromkeys(frame["ruleset"]))
    failed_at: dict[tuple[object, str], set[str]] = {
        (day, tier): set(f.split(";") if isinstance(f, str) else []) - {""}
        for day, tier, f in zip(history["as_of"], history["tier"], history["failed"], strict=True)
        if isinstance(tier, str)
    }
    borderline = np.empty(len(frame))
    bearing = np.zeros(len(frame), dtype=bool)
    for (day, tier, ruleset), rows in frame.groupby(["as_of", "tier", "ruleset"], sort=False):
        tree = trees[str(ruleset)]
        failed = failed_at.get((day, str(tier)), set())
        leaves: dict[str, Status] = {}
        for at, row in rows.iterrows():
            unit = Unit(str(row["unit"]))
            node = tree.nodes.get(str(row["criterion"]))
            threshold = float(row["threshold"])
            position = frame.index.get_loc(at)
            borderline[position] = _borderline(rules, node, row["field"], unit, threshold)
            tol = tolerance(threshold, unit.relative_tolerance)
            leaves[str(row["criterion"])] = (
                Status.PASS if _passes(float(row["slack"]), str(row["op"]), tol) else Status.FAIL
            )
        bears: set[str] = set()
        if tree.root is not None:
            _bearing(tree.root, leaves, failed, bears)
        for at, row in rows.iterrows():
            criterion = str(row["criterion"])
            # a line the engine adds itself (the size classes) is outside the tree: it bears
            inside = criterion in bears or criterion not in tree.nodes
            missed = leaves[criterion] == Status.FAIL
            bearing[frame.index.get_loc(at)] = inside and (not missed or criterion in failed)
    frame["borderline"] = borderline
    frame["closeness"] = frame["slack"] / frame["borderline"]
    frame["bearing"] = bearing
    frame["key"] = ""
    frame["key_rank"] = 0
    failed_any = {(tier, c) for (_, tier), found in failed_at.items() for c in found}
    for tier, mine in frame.groupby("tier", sort=False):
        lines = mine.groupby("criterion", sort=False)
        headline = [
            str(c) for c, g in lines if (g["kind"] == "score").any() and (g["field"] == "total").any()
        ]
        groups: dict[str, list[tuple[float, int, str]]] = {"failed": [], "borderline": [], "closest": []}
        for order, (found_id, line) in enumerate(lines):
            criterion = str(found_id)
            outside = criterion not in trees[str(line["ruleset"].iloc[-1])].nodes
            if criterion in headline or outside or not line["bearing"].any():
                continue
            nearest = float(line.loc[line["bearing"], "closeness"].min())
            group = (
                "failed"
                if (tier, criterion) in failed_any
                else "borderline"
                if nearest <= 1 + EPSILON  # the engine's thin pass: met by no more than the margin
                else "closest"
            )
            groups[group].append((nearest, order, criterion))
        free = max(limit - len(groups["failed"]) - len(groups["borderline"]), 0)
        groups["closest"] = sorted(groups["closest"])[:free]
        chosen = [("headline", c) for c in headline]
        chosen += [(reason, c) for reason, found in groups.items() for _, _, c in sorted(found)]
        for rank, (reason, chosen_id) in enumerate(chosen, start=1):
            hit = (frame["tier"] == tier) & (frame["criterion"] == chosen_id)
            frame.loc[hit, "key"] = reason
            frame.loc[hit, "key_rank"] = rank
    return frame
