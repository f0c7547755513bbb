"""Every word the code asks for exists in both languages; a missing one is an error, not its key."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from eligibility.assessment import CRITERION_STATUS_NAMES, STATUS_NAMES
from eligibility.errors import Severity
from eligibility.labels import _TEXT, text
from eligibility.scoring.flags import FLAG_NAMES
from eligibility.units import Unit

PACKAGE = Path(__file__).resolve().parents[1] / "eligibility"


def _literal_keys() -> dict[str, str]:
    """Every ``text("key", …)`` call with a literal key in the package, by key → where."""
    found: dict[str, str] = {}
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ("text", "t")
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                found.setdefault(node.args[0].value, f"{path.relative_to(PACKAGE)}:{node.lineno}")
    return found


def test_every_literal_key_exists_in_both_languages() -> None:
    keys = _literal_keys()
    assert len(keys) > 150
    missing = {k: where for k, where in keys.items() if k not in _TEXT}
    assert missing == {}
    blank = sorted(k for k in keys if not all(_TEXT[k]))
    assert blank == []


def test_the_key_families_exist() -> None:
    families = [
        *(f"purpose_{p}" for p in ("apply", "review")),
        *(f"severity_{s.value}" for s in Severity),
        *(str(s) for s in STATUS_NAMES),
        *(str(s) for s in CRITERION_STATUS_NAMES),
        *FLAG_NAMES,
        *(f"risk_{r}" for r in ("review_ineligible", "review_incomplete", "review_thin_pass", "not_sme")),
        *(f"skipped_{r}" for r in ("no_ruleset_in_force", "no_ruleset")),
        *(f"size_{c}" for c in ("large", "medium", "small", "micro")),
        *(f"unit_name_{u.value}" for u in Unit),
        *(f"{base}_{year}" for base in ("year", "current_year") for year in ("y1", "y2", "y3")),
        *(f"header_unit_{u}" for u in ("wan_yuan", "fraction", "persons", "count", "years", "points")),
    ]
    assert [k for k in families if k not in _TEXT] == []


def test_a_missing_word_is_an_error() -> None:
    with pytest.raises(KeyError):
        text("no_such_label_anywhere")
