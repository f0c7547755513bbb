"""Rule files → :class:`RuleSet`: parse, validate, cross-check, collect every problem, raise once.

Owns reading ``rules/`` (YAML, loaded safely with line numbers), mapping schema errors to file lines,
and every cross-reference check: fields exist, literals match units, bands tile the number line,
declared maxima add up, pass marks are reachable, tier references resolve without cycles. Nothing here
evaluates firms.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.composer import Composer, ComposerError, MaxDepthExceededError
from ruamel.yaml.error import YAMLError
from ruamel.yaml.events import AliasEvent

from eligibility.errors import ProblemCode, RegimeError, RuleProblem, RuleSetError
from eligibility.expr import Expression, ExpressionError, parse_expression
from eligibility.models import (
    Block,
    BlockFile,
    Catalogue,
    Choice,
    Criterion,
    FieldDef,
    Indicator,
    Margin,
    Measure,
    Overlay,
    Range,
    RuleSetFile,
    ScenarioFile,
    TierCatalogue,
    TierDef,
)
from eligibility.units import QuantityError, Unit, parse_quantity, quantities_in

__all__ = [
    "AS_OF",
    "RuleSet",
    "bundled_rules_dir",
    "load_rules",
    "read_mapping",
    "read_scenarios",
    "walk_criteria",
]

Loc = tuple[str | int, ...]
AS_OF = "as_of"  # in expressions: the assessment date, in days since 1970-01-01 like date fields
YEAR_LABELS_ZH = {"y1": "上年度", "y2": "前年度", "y3": "大前年度"}
YEAR_LABELS_EN = {"y1": "last year", "y2": "year before last", "y3": "three years ago"}
# Fields counted from the year of as_of (year_base: as_of): y1 is this year.
CURRENT_YEAR_LABELS_ZH = {"y1": "本年度", "y2": "上一年度", "y3": "前两年度"}
CURRENT_YEAR_LABELS_EN = {"y1": "this year", "y2": "last year", "y3": "two years ago"}
M = TypeVar("M", bound=BaseModel)
_TYPE_TAGS = {"float", "str", "int", "bool", "list", "dict", "date", "none", "function-after"}
# Limits on one YAML document. The bundled rule files nest 13 levels deep and hold at most 1,383 nodes;
# a file past these limits is refused before anything walks it (deep nesting exhausts the stack, an
# alias bomb expands to billions of nodes when validated).
_MAX_DEPTH = 64
_MAX_NODES = 100_000
# Keys the rule language has renamed: a file still using one is refused with the new spelling, at its
# line (renamed_key), rather than read under two names (requires_title and requires read alike, but one
# is a title held and the other another tier's result).
_RENAMED_META_KEYS = {"requires_title": "holds_title"}
_RENAMED_NODE_KEYS = {"requires": "passes", "holds": "holds_title"}
# A node that uses a shared block of blocks.yaml: the block's name, its parameters, its own labels.
_USE_KEYS = ("use", "with", "label_zh", "label_en")
_PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
_NOT_RULE_SETS = {"fields.yaml", "tiers.yaml", "blocks.yaml"}


def bundled_rules_dir() -> Path:
    """The rule directory shipped with the package (``rules/`` in a checkout)."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "_rules", here.parent / "rules"):
        if (candidate / "fields.yaml").is_file():
            return candidate
    raise RegimeError(f"bundled rules not found next to {here}")


@dataclass(frozen=True)
class FieldSpec:
    """A resolved field: yearly fields are expanded (``revenue`` → ``revenue_y1`` …)."""

    id: str
    base: str
    year: str | None
    label_zh: str
    label_en: str
    unit: Unit
    aliases: tuple[str, ...]
    choices: Mapping[str, Any] | None
    min: float | None
    max: float | None
    margin: Margin | None
    expression: Expression | None = None
    levers: tuple[str, ...] = ()
    choices_from: str | None = None
    partial_date: str = "earliest"
    year_base: str = "fiscal"
    not_choices: tuple[str, ...] = ()
    warn_above: float | None = None
    note: str | None = None
    note_en: str | None = None

    @property
    def derived(self) -> bool:
        """Whether this field is computed from others."""
        return self.expression is not None

    @property
    def choice_ids(self) -> tuple[str, ...]:
        """Category ids in declaration order (their codes are their positions)."""
        return tuple(self.choices) if self.choices else ()


@dataclass(frozen=True)
class RuleSet:
    """Every loaded rule set, the field catalogue and the tier ladder."""

    directory: Path
    fields: Mapping[str, FieldSpec]
    derived_order: tuple[str, ...]
    margins: Mapping[Unit, Margin]
    tiers: Mapping[str, TierDef]
    rulesets: Mapping[str, RuleSetFile]
    files: Mapping[str, Path] = field(default_factory=dict)
    overlays: Mapping[str, tuple[Overlay, ...]] = field(default_factory=dict)
    ignore_headers: tuple[str, ...] = ()
    plausible: Mapping[Unit, float] = field(default_factory=dict)

    def quantity(self, field_id: str, literal: object) -> float:
        """A threshold literal as a number in the canonical unit of ``field_id``."""
        return parse_quantity(literal, self.fields[field_id].unit)

    def margin_of(self, field_id: str | None, unit: Unit, threshold: float, margin: Margin | None) -> float:
        """The borderline margin of a threshold: its own, else its field's, else its unit's default."""
        chosen = margin
        if chosen is None and field_id is not None:
            chosen = self.fields[field_id].margin
        if chosen is None:
            chosen = self.margins.get(unit)
        if chosen is None:
            return 0.0
        if chosen.relative is not None:
            return abs(threshold) * chosen.relative
        return parse_quantity(chosen.absolute, unit)

    def validity_years(self, tier: str) -> int:
        """The years a title stays valid, from its rule files (the shortest where regimes differ;
        0 where no rule file says)."""
        found = [r.ruleset.validity_years for r in self.for_tier(tier) if r.ruleset.validity_years]
        return min(found) if found else 0

    def for_tier(self, tier: str) -> list[RuleSetFile]:
        """All rule sets of a tier, oldest first."""
        found = [r for r in self.rulesets.values() if r.ruleset.tier == tier]
        return sorted(found, key=lambda r: r.ruleset.effective_from)

    def select(
        self, tier: str, as_of: dt.date, purpose: str, regime: str | None = None
    ) -> RuleSetFile | None:
        """The rule set of ``tier`` in force at ``as_of`` for ``purpose`` (or of ``regime``, if given)."""
        candidates = [r for r in self.for_tier(tier) if purpose in r.ruleset.purposes]
        if regime is not None:
            chosen = [r for r in candidates if r.ruleset.regime == regime]
            return chosen[-1] if chosen else None
        in_force = []
        for candidate in candidates:
            start, end = candidate.ruleset.effective(purpose)
            if start <= as_of and (end is None or as_of <= end):
                in_force.append((start, candidate))
        return max(in_force, key=lambda item: item[0])[1] if in_force else None

    def has_rounds(self, tier: str) -> bool:
        """Whether the review rule set of ``tier`` is chosen by the round (``review_rounds``)."""
        return any(r.ruleset.review_rounds is not None for r in self.for_tier(tier))

    def for_round(self, tier: str, year: int) -> RuleSetFile | None:
        """The rule set that judges the re-review round of ``year`` for ``tier`` (titles expiring in
        that year), or None when no rule set of the tier declares that round."""
        for candidate in self.for_tier(tier):
            rounds = candidate.ruleset.review_rounds
            if rounds is not None and "review" in candidate.ruleset.purposes and rounds.covers(year):
                return candidate
        return None

    def tier_order(self) -> list[str]:
        """Tier ids ordered so that every ``passes`` dependency comes first."""
        return _topological(self.tiers, _tier_dependencies(self.rulesets.values()))[0]


def parse_as_of(value: dt.date | str | None) -> dt.date:
    """An assessment date from a date or ``YYYY-MM-DD`` text (today when None).

    Raises:
        RegimeError: for anything else, so that a mistyped date is a usage error, not a crash.
    """
    if value is None:
        return dt.date.today()
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise RegimeError(f"as_of must be a date YYYY-MM-DD, got {value!r}") from None


def read_scenarios(path: Path) -> ScenarioFile:
    """Read and validate one scenario file.

    Raises:
        RuleSetError: with the problems found (syntax, unknown keys, wrong types), each with its line.
    """
    loader = _Loader(path.parent)
    doc = loader.read(path)
    model = loader.validate(doc, ScenarioFile) if doc is not None else None
    if model is None or loader.problems:
        raise RuleSetError(loader.problems)
    return model


def read_mapping(path: Path) -> dict[str, dict[str, object]]:
    """Read a ``--mapping`` file: ``columns: {原表头: field_id}`` or ``{原表头: {field: id, unit: 元}}``.

    Raises:
        RuleSetError: the file cannot be read, or is not of that shape.
    """
    loader = _Loader(path.parent)
    doc = loader.read(path)
    if doc is None:
        raise RuleSetError(loader.problems)
    columns = doc.data.get("columns") if isinstance(doc.data, Mapping) else None
    if not isinstance(columns, Mapping):
        loader.report(doc, ("columns",), ProblemCode.MISSING_KEY, "columns")
        raise RuleSetError(loader.problems)
    mapping: dict[str, dict[str, object]] = {}
    for header, target in columns.items():
        entry = (
            {"field": target}
            if isinstance(target, str)
            else dict(target)
            if isinstance(target, Mapping)
            else None
        )
        if entry is None or not isinstance(entry.get("field"), str) or set(entry) - {"field", "unit"}:
            loader.report(doc, ("columns", str(header)), ProblemCode.WRONG_TYPE, str(target))
            continue
        mapping[str(header)] = entry
    if loader.problems:
        raise RuleSetError(loader.problems)
    return mapping


def load_rules(directory: str | Path | None = None) -> RuleSet:
    """Load and check every rule file of ``directory`` (default: the bundled ``rules/``).

    Raises:
        RuleSetError: listing every problem found in every file, each with file, line and path.
    """
    root = Path(directory) if directory is not None else bundled_rules_dir()
    loader = _Loader(root)
    return loader.load()


# --------------------------------------------------------------------------------------------------
# YAML with locations


class _TooLargeError(ComposerError):
    """The document would hold more than ``_MAX_NODES`` nodes with its aliases expanded."""


class _BoundedComposer(Composer):
    """ruamel's composer, counting the nodes of the document as if every alias were expanded.

    The round-trip tree shares an aliased node instead of copying it, so loading a billion-laughs
    file is cheap; validating or copying it is not. Counting here refuses such a file at the alias
    that crosses the limit, after reading a few hundred bytes. An alias to a node still being
    composed (a cycle) is refused the same way: its expansion has no end.
    """

    def __init__(self, loader: Any = None) -> None:
        super().__init__(loader)
        self.sizes: dict[int, int] = {}  # id(node) → nodes in its expanded subtree
        self.expanded = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        alias = self.parser.peek_event() if self.parser.check_event(AliasEvent) else None
        node = super().compose_node(parent, index)
        if alias is not None:
            size = self.sizes.get(id(node))
            if size is None:
                raise _TooLargeError(None, None, "recursive alias", alias.start_mark)
            self.expanded += size
        else:
            children: Iterable[Any] = ()
            if isinstance(node.value, list):
                children = (
                    part for child in node.value for part in (child if isinstance(child, tuple) else (child,))
                )
            self.sizes[id(node)] = 1 + sum(self.sizes.get(id(child), 1) for child in children)
            self.expanded += 1
        if self.expanded > _MAX_NODES:
            mark = alias.start_mark if alias is not None else node.start_mark
            raise _TooLargeError(None, None, "too many nodes", mark)
        return node


@dataclass
class _Doc:
    path: Path
    data: Any

    def line(self, loc: Loc) -> int:
        """1-based line of the deepest part of ``loc`` present in the YAML tree."""
        node, line = self.data, 1
        for step in loc:
            if isinstance(node, CommentedMap) and step in node:
                line = node.lc.key(step)[0] + 1
                node = node[step]
            elif isinstance(node, CommentedSeq) and isinstance(step, int) and 0 <= step < len(node):
                line = node.lc.item(step)[0] + 1
                node = node[step]
            else:
                # A missing key is reported at the key of the mapping that should hold it.
                break
        return line


def _path_text(loc: Loc) -> str:
    text = ""
    for step in loc:
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else str(step))
    return text or "(file)"


def _clean_loc(doc: _Doc, loc: Iterable[str | int]) -> Loc:
    """Drop pydantic's union/type tags that are not keys of the YAML tree."""
    node: Any = doc.data
    cleaned: list[str | int] = []
    for step in loc:
        in_map = isinstance(node, Mapping) and step in node
        in_list = isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node)
        if in_map or in_list:
            node = node[step]
        elif isinstance(step, str) and (step in _TYPE_TAGS or "[" in step or step.startswith("function")):
            continue
        else:
            node = None
        cleaned.append(step)
    return tuple(cleaned)


def _all_model_keys() -> set[str]:
    import eligibility.models as m

    keys: set[str] = set()
    for name in m.__all__:
        model = getattr(m, name)
        if isinstance(model, type) and issubclass(model, BaseModel):
            for key, info in model.model_fields.items():
                keys.add(info.alias or key)
    return keys | set(_USE_KEYS)


class _Loader:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.problems: list[RuleProblem] = []
        self.docs: dict[Path, _Doc] = {}
        self.model_keys = _all_model_keys()
        self.blocks: dict[str, tuple[Block, Any]] = {}  # name → the block and its tree as read

    # -- reporting ---------------------------------------------------------------------------------
    def report(
        self,
        doc: _Doc,
        loc: Loc,
        code: ProblemCode,
        detail: object = "",
        candidates: Iterable[str] = (),
    ) -> None:
        suggestion = None
        if isinstance(detail, str) and detail:
            close = difflib.get_close_matches(detail, list(candidates), n=1, cutoff=0.6)
            suggestion = close[0] if close else None
        self.problems.append(
            RuleProblem(
                file=str(doc.path),
                line=doc.line(loc),
                path=_path_text(loc),
                code=code,
                detail=str(detail),
                suggestion=suggestion,
            )
        )

    # -- reading -----------------------------------------------------------------------------------
    def read(self, path: Path) -> _Doc | None:
        yaml = YAML(typ="rt", pure=True)  # round-trip loader: plain data plus line numbers, no objects
        yaml.max_depth = _MAX_DEPTH
        yaml.Composer = _BoundedComposer
        try:
            data = yaml.load(path.read_text(encoding="utf-8"))
        except (MaxDepthExceededError, RecursionError) as exc:
            mark = getattr(exc, "problem_mark", None)
            line = (mark.line + 1) if mark is not None else 0
            self.problems.append(
                RuleProblem(str(path), line, "(file)", ProblemCode.YAML_TOO_DEEP, str(_MAX_DEPTH))
            )
            return None
        except (_TooLargeError, MemoryError) as exc:
            mark = getattr(exc, "problem_mark", None)
            line = (mark.line + 1) if mark is not None else 0
            self.problems.append(
                RuleProblem(str(path), line, "(file)", ProblemCode.YAML_TOO_LARGE, f"{_MAX_NODES:,}")
            )
            return None
        except YAMLError as exc:
            mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
            line = (mark.line + 1) if mark is not None else 0
            problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
            self.problems.append(RuleProblem(str(path), line, "(file)", ProblemCode.YAML_SYNTAX, problem))
            return None
        except (OSError, UnicodeDecodeError) as exc:
            self.problems.append(RuleProblem(str(path), 0, "(file)", ProblemCode.YAML_SYNTAX, str(exc)))
            return None
        doc = _Doc(path, data)
        self.docs[path] = doc
        return doc

    def validate(self, doc: _Doc, model: type[M]) -> M | None:
        """Validate ``doc`` against ``model``; report every error. Unknown keys are reported, then
        dropped, so that the rest of the file is still cross-checked in the same run."""
        data = doc.data
        if not isinstance(data, Mapping):
            self.report(doc, (), ProblemCode.WRONG_TYPE, "top level must be a mapping")
            return None
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            errors = exc.errors()
        extra: list[Loc] = []
        seen: set[tuple[str, ProblemCode]] = set()
        for error in errors:
            loc = _clean_loc(doc, error["loc"])
            kind = error["type"]
            if kind == "extra_forbidden":
                code = ProblemCode.UNKNOWN_KEY
                extra.append(loc)
            elif kind == "missing":
                code = ProblemCode.MISSING_KEY
            else:
                code = ProblemCode.WRONG_TYPE
            key = (_path_text(loc), code)
            if key in seen:
                continue
            seen.add(key)
            detail = str(loc[-1]) if code is ProblemCode.UNKNOWN_KEY and loc else error["msg"]
            self.report(doc, loc, code, detail, self.model_keys)
        if len(extra) != len(errors):
            return None
        stripped = _strip(data, extra)
        try:
            return model.model_validate(stripped)
        except ValidationError:
            return None

    def respell(self, doc: _Doc) -> None:
        """Put every shared block a rule file uses in its place, and report every renamed key
        (``renamed_key``), reading it by its new name, so that the rest of the file is still checked
        in the same run."""
        data = doc.data
        if not isinstance(data, Mapping):
            return
        if isinstance(data.get("ruleset"), Mapping):
            self._rename(doc, data["ruleset"], ("ruleset",), _RENAMED_META_KEYS)
        if "criteria" in data:
            self._respell_at(doc, data, "criteria", ("criteria",))

    def _respell_at(self, doc: _Doc, parent: Any, key: str | int, loc: Loc) -> None:
        node = parent[key]
        if not isinstance(node, Mapping):
            return
        if "use" in node:
            # The copy is plain data: a problem inside it is reported at the line of the `use`.
            parent[key] = self._expand(doc, node, loc)
            return
        self._rename(doc, node, loc, _RENAMED_NODE_KEYS)
        for group in ("all", "any"):
            children = node.get(group)
            if isinstance(children, list):
                for index in range(len(children)):
                    self._respell_at(doc, children, index, (*loc, group, index))

    def _expand(self, doc: _Doc, node: Mapping[Any, Any], loc: Loc) -> Any:
        """The tree of the block ``node`` uses, its parameters filled in and its labels replaced by
        the node's own; after a problem, a placeholder that adds no problem of its own."""
        before = len(self.problems)
        for key in node:
            if key not in _USE_KEYS:
                self.report(doc, (*loc, str(key)), ProblemCode.UNKNOWN_KEY, str(key), _USE_KEYS)
        name = node["use"]
        found = self.blocks.get(name) if isinstance(name, str) else None
        given = node.get("with", {})
        if found is None:
            self.report(doc, (*loc, "use"), ProblemCode.UNKNOWN_BLOCK, str(name), self.blocks)
        elif not isinstance(given, Mapping):
            self.report(doc, (*loc, "with"), ProblemCode.WRONG_TYPE, "with: {param: value}")
        else:
            block = found[0]
            for param in given:
                if param not in block.params:
                    self.report(
                        doc, (*loc, "with", str(param)), ProblemCode.UNKNOWN_PARAM, str(param), block.params
                    )
            for param in block.params:
                if param not in given:
                    self.report(doc, (*loc, "with"), ProblemCode.MISSING_KEY, f"with.{param}")
        if found is None or len(self.problems) > before:
            return {
                "id": f"({_path_text(loc)})",
                "label_zh": str(name),
                "source": {"document": "-"},
                "review": {},
            }
        tree = _substitute(found[1], given)
        for key in ("label_zh", "label_en"):
            if key in node:
                tree[key] = _substitute(node[key], {})
        return tree

    def load_blocks(self) -> None:
        """Read ``blocks.yaml`` (optional): every ``$param`` its trees use must be declared."""
        path = self.root / "blocks.yaml"
        doc = self.read(path) if path.is_file() else None
        model = self.validate(doc, BlockFile) if doc is not None else None
        if model is None or doc is None:
            return
        for name, block in model.blocks.items():
            loc: Loc = ("blocks", name, "tree")
            tree = doc.data["blocks"][name]["tree"]
            for where, param in _params_in(tree, loc):
                if param not in block.params:
                    self.report(doc, where, ProblemCode.UNKNOWN_PARAM, param, block.params)
            self._respell_at(doc, doc.data["blocks"][name], "tree", loc)
            self.blocks[name] = (block, doc.data["blocks"][name]["tree"])

    def _rename(self, doc: _Doc, node: Any, loc: Loc, renamed: Mapping[str, str]) -> None:
        for old, new in renamed.items():
            if old not in node:
                continue
            self.report(doc, (*loc, old), ProblemCode.RENAMED_KEY, f"{old} → {new}")
            if new in node or not isinstance(node, CommentedMap):
                continue  # both spellings: the old key stays, and is also an unknown key
            position = list(node).index(old)
            where = node.lc.data.get(old)
            node.insert(position, new, node.pop(old))
            if where is not None:
                node.lc.data[new] = where  # problems under the new key keep the old key's line

    # -- the whole directory -----------------------------------------------------------------------
    def load(self) -> RuleSet:
        if not (self.root / "fields.yaml").is_file():
            raise RuleSetError(
                [RuleProblem(str(self.root), 0, "(dir)", ProblemCode.NO_RULES, "fields.yaml not found")]
            )
        cat_doc = self.read(self.root / "fields.yaml")
        catalogue = self.validate(cat_doc, Catalogue) if cat_doc else None
        tier_path = self.root / "tiers.yaml"
        tier_doc = self.read(tier_path) if tier_path.is_file() else None
        tier_cat = self.validate(tier_doc, TierCatalogue) if tier_doc else None
        if tier_path.is_file() is False:
            self.problems.append(RuleProblem(str(tier_path), 0, "(file)", ProblemCode.NO_RULES, "missing"))

        fields: dict[str, FieldSpec] = {}
        derived_order: tuple[str, ...] = ()
        if catalogue is not None and cat_doc is not None:
            fields, derived_order = self.check_catalogue(cat_doc, catalogue)
        tiers: dict[str, TierDef] = {}
        if tier_cat is not None and tier_doc is not None:
            tiers = {t.id: t for t in tier_cat.tiers}
            for index, tier in enumerate(tier_cat.tiers):
                for other in tier.satisfied_by:
                    if other not in tiers:
                        self.report(
                            tier_doc, ("tiers", index, "satisfied_by"), ProblemCode.UNKNOWN_TIER, other, tiers
                        )
            for fid, spec in list(fields.items()):
                if spec.choices_from == "tiers":
                    choices = {
                        t.id: Choice(label_zh=t.label_zh, label_en=t.label_en, aliases=t.aliases)
                        for t in tier_cat.tiers
                    }
                    fields[fid] = replace(spec, choices=choices)

        rulesets: dict[str, RuleSetFile] = {}
        files: dict[str, Path] = {}
        self.load_blocks()
        paths = sorted(p for p in self.root.rglob("*.yaml") if p.name not in _NOT_RULE_SETS)
        paths = [p for p in paths if "scenarios" not in p.relative_to(self.root).parts]
        overlay_paths = [p for p in paths if "overlays" in p.relative_to(self.root).parts]
        paths = [p for p in paths if p not in overlay_paths]
        for path in paths:
            doc = self.read(path)
            if doc is None:
                continue
            self.respell(doc)
            model = self.validate(doc, RuleSetFile)
            if model is None:
                continue
            rid = model.ruleset.id
            if rid in rulesets:
                self.report(doc, ("ruleset", "id"), ProblemCode.DUPLICATE_ID, rid)
                continue
            if catalogue is not None and tier_cat is not None:
                _Checker(self, doc, model, fields, tiers).run()
            rulesets[rid] = model
            files[rid] = path

        overlays: dict[str, list[Overlay]] = {}
        for path in overlay_paths:
            doc = self.read(path)
            overlay = self.validate(doc, Overlay) if doc is not None else None
            if overlay is None or doc is None or catalogue is None:
                continue
            if self.check_overlay(doc, overlay, fields, rulesets, tiers):
                overlays.setdefault(overlay.overlay.ruleset, []).append(overlay)

        self.check_rounds(rulesets, files)
        if tiers:
            _order, cycle = _topological(tiers, _tier_dependencies(rulesets.values()))
            if cycle:
                first = next(r for r in rulesets.values() if r.ruleset.tier == cycle[0])
                doc = self.docs[files[first.ruleset.id]]
                self.report(doc, ("ruleset", "tier"), ProblemCode.DEPENDENCY_CYCLE, " → ".join(cycle))
        if self.problems:
            raise RuleSetError(sorted(self.problems, key=lambda p: (p.file, p.line, p.path)))
        return RuleSet(
            directory=self.root,
            fields=fields,
            derived_order=derived_order,
            margins=dict(catalogue.margins) if catalogue else {},
            tiers=tiers,
            rulesets=rulesets,
            files=files,
            overlays={k: tuple(v) for k, v in overlays.items()},
            ignore_headers=tuple(catalogue.ignore_headers) if catalogue else (),
            plausible=dict(catalogue.plausible) if catalogue else {},
        )

    def check_rounds(self, rulesets: Mapping[str, RuleSetFile], files: Mapping[str, Path]) -> None:
        """No review round of a tier may be claimed by two of its rule sets."""
        by_tier: dict[str, list[RuleSetFile]] = {}
        for model in rulesets.values():
            if model.ruleset.review_rounds is not None:
                by_tier.setdefault(model.ruleset.tier, []).append(model)
        for models in by_tier.values():
            for k, model in enumerate(models):
                mine = model.ruleset.review_rounds
                assert mine is not None
                for other in models[:k]:
                    theirs = other.ruleset.review_rounds
                    assert theirs is not None
                    low = max(mine.first or -(10**9), theirs.first or -(10**9))
                    high = min(mine.last or 10**9, theirs.last or 10**9)
                    if low <= high:
                        doc = self.docs[files[model.ruleset.id]]
                        self.report(
                            doc,
                            ("ruleset", "review_rounds"),
                            ProblemCode.OVERLAPPING_ROUNDS,
                            f"{model.ruleset.id} / {other.ruleset.id}",
                        )

    def check_overlay(
        self,
        doc: _Doc,
        overlay: Overlay,
        fields: dict[str, FieldSpec],
        rulesets: Mapping[str, RuleSetFile],
        tiers: Mapping[str, TierDef],
    ) -> bool:
        """Check a provincial overlay; its own input fields join the catalogue. True when usable."""
        before = len(self.problems)
        meta = overlay.overlay
        base = rulesets.get(meta.ruleset)
        if base is None:
            self.report(doc, ("overlay", "ruleset"), ProblemCode.UNKNOWN_RULESET, meta.ruleset, rulesets)
            return False
        slots = {i.id: i for g in (base.points.groups if base.points else []) for i in g.indicators}
        slot = slots.get(meta.indicator)
        if slot is None or slot.input is None:
            self.report(doc, ("overlay", "indicator"), ProblemCode.UNKNOWN_INDICATOR, meta.indicator, slots)
            return False
        for index, fdef in enumerate(overlay.fields):
            for spec in _expand(fdef):
                if spec.id in fields:
                    self.report(doc, ("fields", index, "id"), ProblemCode.DUPLICATE_ID, spec.id)
                fields[spec.id] = spec
        checker = _Checker(self, doc, base, fields, tiers)
        total = 0.0
        for index, indicator in enumerate(overlay.indicators):
            best = checker.check_indicator(indicator, ("indicators", index))
            if best is not None and not math.isclose(best, indicator.max):
                detail = f"declared {indicator.max:g}, bands give {best:g}"
                self.report(doc, ("indicators", index, "max"), ProblemCode.MAX_MISMATCH, detail)
            total += indicator.max
        if not math.isclose(total, slot.max):
            detail = f"indicators sum to {total:g}, the slot {slot.id} is worth {slot.max:g}"
            self.report(doc, ("indicators",), ProblemCode.MAX_MISMATCH, detail)
        return len(self.problems) == before

    def check_catalogue(
        self, doc: _Doc, catalogue: Catalogue
    ) -> tuple[dict[str, FieldSpec], tuple[str, ...]]:
        fields: dict[str, FieldSpec] = {}
        for index, fdef in enumerate(catalogue.fields):
            for spec in _expand(fdef):
                if spec.id in fields:
                    self.report(doc, ("fields", index, "id"), ProblemCode.DUPLICATE_ID, spec.id)
                fields[spec.id] = spec
        pending: dict[str, tuple[int, FieldDef, Expression]] = {}
        for index, fdef in enumerate(catalogue.derived):
            if fdef.expr is None:
                self.report(doc, ("derived", index), ProblemCode.MISSING_KEY, "expr")
                continue
            try:
                expression = parse_expression(fdef.expr)
            except ExpressionError as exc:
                self.report(doc, ("derived", index, "expr"), ProblemCode(exc.code), exc.detail)
                continue
            if fdef.id in fields or fdef.id in pending:
                self.report(doc, ("derived", index, "id"), ProblemCode.DUPLICATE_ID, fdef.id)
                continue
            pending[fdef.id] = (index, fdef, expression)
        known = set(fields) | set(pending) | {AS_OF}
        for fid, (index, fdef, expression) in pending.items():
            for name in sorted(expression.names - known):
                self.report(doc, ("derived", index, "expr"), ProblemCode.UNKNOWN_FIELD, name, known)
            for lever in fdef.levers:
                if lever not in fields:
                    self.report(doc, ("derived", index, "levers"), ProblemCode.UNKNOWN_FIELD, lever, fields)
            del fid
        # Derived fields may use earlier derived fields; order them, refusing cycles.
        order: list[str] = []
        remaining = dict(pending)
        while remaining:
            ready = [k for k, (_, _, e) in remaining.items() if not (e.names & set(remaining))]
            if not ready:
                index = next(iter(remaining.values()))[0]
                self.report(doc, ("derived", index), ProblemCode.DEPENDENCY_CYCLE, ", ".join(remaining))
                break
            for key in ready:
                index, fdef, expression = remaining.pop(key)
                order.append(key)
                fields[key] = FieldSpec(
                    id=key,
                    base=key,
                    year=None,
                    label_zh=fdef.label_zh,
                    label_en=fdef.label_en or key,
                    unit=fdef.unit,
                    aliases=tuple(fdef.aliases),
                    choices=None,
                    min=fdef.min,
                    max=fdef.max,
                    margin=fdef.margin,
                    expression=expression,
                    levers=tuple(fdef.levers),
                    warn_above=fdef.warn_above,
                )
        for unit, margin in catalogue.margins.items():
            if margin.absolute is not None:
                try:
                    parse_quantity(margin.absolute, unit)
                except QuantityError as exc:
                    self.report(doc, ("margins", unit.value), ProblemCode(exc.code), margin.absolute)
        return fields, tuple(order)


def _expand(fdef: FieldDef) -> Iterator[FieldSpec]:
    years: list[str | None] = list(fdef.years) if fdef.years else [None]
    current = fdef.year_base == "as_of"
    labels_zh = CURRENT_YEAR_LABELS_ZH if current else YEAR_LABELS_ZH
    labels_en = CURRENT_YEAR_LABELS_EN if current else YEAR_LABELS_EN
    for year in years:
        suffix = f"_{year}" if year else ""
        yield FieldSpec(
            id=f"{fdef.id}{suffix}",
            base=fdef.id,
            year=year,
            label_zh=f"{fdef.label_zh}（{labels_zh[year]}）" if year else fdef.label_zh,
            label_en=f"{fdef.label_en or fdef.id} ({labels_en[year]})"
            if year
            else (fdef.label_en or fdef.id),
            year_base=fdef.year_base,
            unit=fdef.unit,
            aliases=tuple(fdef.aliases),
            choices=dict(fdef.choices) if fdef.choices else None,
            min=fdef.min,
            max=fdef.max,
            margin=fdef.margin,
            choices_from=fdef.choices_from,
            partial_date=fdef.partial_date,
            not_choices=tuple(fdef.not_choices),
            warn_above=fdef.warn_above,
            note=fdef.note,
            note_en=fdef.note_en,
        )


def _substitute(node: Any, values: Mapping[Any, Any]) -> Any:
    """A plain copy of ``node`` with every string ``$param`` replaced by (a plain copy of) its value."""
    if isinstance(node, str):
        found = _PARAM.fullmatch(node)
        return _substitute(values[found.group(1)], {}) if found and found.group(1) in values else node
    if isinstance(node, Mapping):
        return {key: _substitute(value, values) for key, value in node.items()}
    if isinstance(node, list):
        return [_substitute(value, values) for value in node]
    return node


def _params_in(node: Any, loc: Loc) -> Iterator[tuple[Loc, str]]:
    """Where a block's tree uses a parameter (``$name``), and its name."""
    if isinstance(node, str):
        found = _PARAM.fullmatch(node)
        if found:
            yield loc, found.group(1)
    elif isinstance(node, Mapping):
        for key, value in node.items():
            yield from _params_in(value, (*loc, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _params_in(value, (*loc, index))


def _strip(data: Any, locs: Sequence[Loc]) -> Any:
    """A plain copy of ``data`` without the keys at ``locs``."""
    drop = {tuple(loc) for loc in locs}

    def copy(node: Any, here: Loc) -> Any:
        if isinstance(node, Mapping):
            return {k: copy(v, (*here, k)) for k, v in node.items() if (*here, k) not in drop}
        if isinstance(node, list):
            return [copy(v, (*here, i)) for i, v in enumerate(node)]
        return node

    return copy(data, ())


def _tier_dependencies(rulesets: Iterable[RuleSetFile]) -> dict[str, set[str]]:
    deps: dict[str, set[str]] = {}
    for rs in rulesets:
        found = deps.setdefault(rs.ruleset.tier, set())
        if rs.criteria is not None:
            found.update(n.passes.tier for n in _walk(rs.criteria) if n.passes is not None)
    return deps


def _topological(tiers: Mapping[str, Any], deps: Mapping[str, set[str]]) -> tuple[list[str], list[str]]:
    """Tiers ordered with dependencies first; the second value names a cycle, if there is one."""
    order: list[str] = []
    state: dict[str, int] = {}
    cycle: list[str] = []

    def visit(tier: str, stack: list[str]) -> None:
        if cycle or state.get(tier) == 2:
            return
        if state.get(tier) == 1:
            cycle.extend([*stack[stack.index(tier) :], tier])
            return
        state[tier] = 1
        for dep in sorted(deps.get(tier, ())):
            visit(dep, [*stack, tier])
        state[tier] = 2
        order.append(tier)

    for tier in list(tiers) + sorted(deps):
        visit(tier, [])
    return [t for t in dict.fromkeys(order) if t in deps or t in tiers], cycle


def _walk(node: Criterion) -> Iterator[Criterion]:
    yield node
    for child in node.children:
        yield from _walk(child)


def walk_criteria(node: Criterion) -> Iterator[Criterion]:
    """Every node of a criteria tree, parents before children."""
    return _walk(node)


# --------------------------------------------------------------------------------------------------
# Cross-checks of one rule file


class _Checker:
    def __init__(
        self,
        loader: _Loader,
        doc: _Doc,
        model: RuleSetFile,
        fields: Mapping[str, FieldSpec],
        tiers: Mapping[str, TierDef],
    ) -> None:
        self.loader, self.doc, self.model, self.fields, self.tiers = loader, doc, model, fields, tiers
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
        ids = {n.id for n in _walk(self.model.criteria)} if self.model.criteria else set()
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
            return parse_quantity(value, target)
        except QuantityError as exc:
            self.report(loc, ProblemCode(exc.code), value)
            return None

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
                shown = "、".join(f"“{q.text}”" for q in stated)
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
