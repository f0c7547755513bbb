"""A ``--mapping`` file: the office's own header words → field ids (and units)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from eligibility.errors import ProblemCode, RuleSetError
from eligibility.language.load import Loader

__all__ = ["read_mapping"]


def read_mapping(path: Path) -> dict[str, dict[str, object]]:
    """Read a ``--mapping`` file: ``columns: {原表头: field_id}`` or ``{原表头: {field: id, unit: 元}}``.

    Raises:
        RuleSetError: the file cannot be read, or is not of that shape.
    """
    loader = Loader(path.parent)
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
