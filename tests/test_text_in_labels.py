"""Chinese text and punctuation live in labels.py and the rule files: the engine, the findings and the
renderers hold none in their code (docstrings and comments aside), so that English output never gets
a full-width bracket and a wording is changed in one place.

Still outside this check, and listed so that the list only shrinks: the reader's vocabulary of what
officers write (``input/``, ``units.py``), the sample generator, the bilingual click help of
``apps/cli.py``, the web page's file names (``apps/web.py``), and ``diff.py``'s patterns for reading
back our own workbook.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "eligibility"
CHECKED = [
    "__init__.py",
    "__main__.py",
    "assessment.py",
    "findings.py",
    "columns.py",
    "errors.py",
    "scenarios.py",
    "language",
    "scoring",
    "backends",
    "apps/watch.py",
    "render",
    "pool",
]
# CJK ideographs and punctuation, full-width forms, and the dashes and quotes Chinese text uses.
WIDE = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef\u2014\u2026\u201c\u201d\u2018\u2019]")


def _files() -> list[Path]:
    out: list[Path] = []
    for entry in CHECKED:
        path = PACKAGE / entry
        out += sorted(path.rglob("*.py")) if path.is_dir() else [path]
    return out


def _literals(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
    }
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
        and WIDE.search(node.value)
    ]


@pytest.mark.parametrize("path", _files(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_chinese_text_outside_labels(path: Path) -> None:
    assert _literals(path) == []


def test_the_check_sees_chinese_literals(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text('"""文档。"""\nx = "（注）"\n# 注释\n', encoding="utf-8")
    assert _literals(sample) == [(2, "（注）")]


@pytest.mark.parametrize(
    "template", sorted((PACKAGE / "render" / "templates").glob("*.j2")), ids=lambda p: p.name
)
def test_templates_take_their_words_from_the_labels(template: Path) -> None:
    # The page, the report and the card: every word and punctuation mark through t(), so the English
    # page has no Chinese colon.
    lines = template.read_text(encoding="utf-8").splitlines()
    assert [k for k, line in enumerate(lines, 1) if WIDE.search(line)] == []
