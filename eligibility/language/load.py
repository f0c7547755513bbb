"""Rule files → :class:`~eligibility.language.ruleset.RuleSet`: read, validate against the models,
expand shared blocks and field families, collect every problem, raise once.

Owns reading ``rules/`` and mapping schema errors to file lines; the cross-checks live in
:mod:`eligibility.language.check`. Nothing here evaluates firms.
"""

from __future__ import annotations

import contextlib
import difflib
import math
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.composer import MaxDepthExceededError
from ruamel.yaml.error import YAMLError

from eligibility.errors import ProblemCode, RegimeError, RuleProblem, RuleSetError
from eligibility.labels import Lang, text
from eligibility.language.cache import cached, store
from eligibility.language.check import Checker
from eligibility.language.expr import Expression, ExpressionError, parse_expression
from eligibility.language.model import (
    Block,
    BlockFile,
    Catalogue,
    Choice,
    FieldDef,
    Overlay,
    RuleSetFile,
    ScenarioFile,
    TierCatalogue,
    TierDef,
)
from eligibility.language.ruleset import (
    AS_OF,
    FieldSpec,
    RuleSet,
    tier_dependencies,
    topological_order,
)
from eligibility.language.yaml import (
    FORMAT,
    MAX_DEPTH,
    MAX_NODES,
    BoundedComposer,
    Doc,
    Loc,
    TooLargeError,
    clean_loc,
    path_text,
    plain_tree,
    yaml_tree,
)
from eligibility.units import QuantityError, Unit, parse_quantity

__all__ = ["Loader", "bundled_rules_dir", "load_rules", "read_scenarios"]


M = TypeVar("M", bound=BaseModel)


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
    here = Path(__file__).resolve().parents[1]  # the package directory
    for candidate in (here / "_rules", here.parent / "rules"):
        if (candidate / "fields.yaml").is_file():
            return candidate
    raise RegimeError(f"bundled rules not found next to {here}")


def read_scenarios(path: Path) -> ScenarioFile:
    """Read and validate one scenario file.

    Raises:
        RuleSetError: with the problems found (syntax, unknown keys, wrong types), each with its line.
    """
    loader = Loader(path.parent)
    doc = loader.read(path)
    model = loader.validate(doc, ScenarioFile) if doc is not None else None
    if model is None or loader.problems:
        raise RuleSetError(loader.problems)
    return model


def load_rules(directory: str | Path | None = None) -> RuleSet:
    """Load and check every rule file of ``directory`` (default: the bundled ``rules/``).

    Raises:
        RuleSetError: listing every problem found in every file, each with file, line and path.
    """
    root = Path(directory) if directory is not None else bundled_rules_dir()
    loader = Loader(root)
    return loader.load()


def _all_model_keys() -> set[str]:
    import eligibility.language.model as m

    keys: set[str] = set()
    for name in m.__all__:
        model = getattr(m, name)
        if isinstance(model, type) and issubclass(model, BaseModel):
            for key, info in model.model_fields.items():
                keys.add(info.alias or key)
    return keys | set(_USE_KEYS)


class Loader:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.problems: list[RuleProblem] = []
        self.docs: dict[Path, Doc] = {}
        self.model_keys = _all_model_keys()
        self.blocks: dict[str, tuple[Block, Any]] = {}  # name → the block and its tree as read
        # Every text literal of the rule files ("100万元", "3%") with its unit → its number, filled
        # while the files are checked, so that evaluation never parses a literal again.
        self.literals: dict[tuple[str, Unit], float] = {}

    # -- reporting ---------------------------------------------------------------------------------
    def report(
        self,
        doc: Doc,
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
                path=path_text(loc),
                code=code,
                detail=str(detail),
                suggestion=suggestion,
            )
        )

    # -- reading -----------------------------------------------------------------------------------
    def read(self, path: Path) -> Doc | None:
        yaml = YAML(typ="rt", pure=True)  # round-trip loader: plain data plus line numbers, no objects
        yaml.max_depth = MAX_DEPTH
        yaml.Composer = BoundedComposer
        try:
            raw = path.read_bytes()
            kept = cached(raw, FORMAT)  # the tree of these very bytes, parsed before
            if kept is not None:
                data = yaml_tree(kept)
            else:
                # As read_text reads it: universal newlines.
                data = yaml.load(raw.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n"))
                with contextlib.suppress(TypeError):  # a value JSON cannot hold: parsed every time
                    store(raw, FORMAT, plain_tree(data))
        except (MaxDepthExceededError, RecursionError) as exc:
            mark = getattr(exc, "problem_mark", None)
            line = (mark.line + 1) if mark is not None else 0
            self.problems.append(
                RuleProblem(str(path), line, "(file)", ProblemCode.YAML_TOO_DEEP, str(MAX_DEPTH))
            )
            return None
        except (TooLargeError, MemoryError) as exc:
            mark = getattr(exc, "problem_mark", None)
            line = (mark.line + 1) if mark is not None else 0
            self.problems.append(
                RuleProblem(str(path), line, "(file)", ProblemCode.YAML_TOO_LARGE, f"{MAX_NODES:,}")
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
        doc = Doc(path, data)
        self.docs[path] = doc
        return doc

    def validate(self, doc: Doc, model: type[M]) -> M | None:
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
            loc = clean_loc(doc, error["loc"])
            kind = error["type"]
            if kind == "extra_forbidden":
                code = ProblemCode.UNKNOWN_KEY
                extra.append(loc)
            elif kind == "missing":
                code = ProblemCode.MISSING_KEY
            else:
                code = ProblemCode.WRONG_TYPE
            key = (path_text(loc), code)
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

    def respell(self, doc: Doc) -> None:
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

    def _respell_at(self, doc: Doc, parent: Any, key: str | int, loc: Loc) -> None:
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

    def _expand(self, doc: Doc, node: Mapping[Any, Any], loc: Loc) -> Any:
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
                "id": f"({path_text(loc)})",
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

    def _rename(self, doc: Doc, node: Any, loc: Loc, renamed: Mapping[str, str]) -> None:
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
                checker = Checker(self, doc, model, fields, tiers)
                checker.run()
                self.literals |= checker.literals
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
            _order, cycle = topological_order(tiers, tier_dependencies(rulesets.values()))
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
            literals=dict(self.literals),
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
        doc: Doc,
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
        checker = Checker(self, doc, base, fields, tiers)
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
        self.literals |= checker.literals  # the overlay's literals join the rule sets'
        return len(self.problems) == before

    def check_catalogue(self, doc: Doc, catalogue: Catalogue) -> tuple[dict[str, FieldSpec], tuple[str, ...]]:
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
                    number = parse_quantity(margin.absolute, unit)
                    if isinstance(margin.absolute, str):
                        self.literals[(margin.absolute, unit)] = number
                except QuantityError as exc:
                    self.report(doc, ("margins", unit.value), ProblemCode(exc.code), margin.absolute)
        return fields, tuple(order)


def _in_year(label: str, year_key: str, lang: Lang) -> str:
    """A yearly field's label: ``营业收入（上年度）``."""
    return text("field_in_year", lang, label=label, year=text(year_key, lang))


def _expand(fdef: FieldDef) -> Iterator[FieldSpec]:
    years: list[str | None] = list(fdef.years) if fdef.years else [None]
    # Fields counted from the year of as_of (year_base: as_of) call y1 this year.
    words = "current_year" if fdef.year_base == "as_of" else "year"
    label_en = fdef.label_en or fdef.id
    for year in years:
        suffix = f"_{year}" if year else ""
        yield FieldSpec(
            id=f"{fdef.id}{suffix}",
            base=fdef.id,
            year=year,
            label_zh=_in_year(fdef.label_zh, f"{words}_{year}", "zh") if year else fdef.label_zh,
            label_en=_in_year(label_en, f"{words}_{year}", "en") if year else label_en,
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
