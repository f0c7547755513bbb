"""`screen --html` builds the lists, gap sentences and band-move plans once for both outputs."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from eligibility.apps.cli import main
from eligibility.scoring import plans

SAMPLE = Path(__file__).resolve().parents[1] / "samples" / "pool.xlsx"


def test_each_band_move_plan_is_solved_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    solved: Counter[tuple[int, int, str, float | None]] = Counter()
    original = plans.plan_band_moves

    def counting(
        rules: Any, columns: Any, result: Any, position: int, group: str = "total", mark: Any = None
    ) -> Any:
        solved[(id(result), position, group, mark)] += 1
        return original(rules, columns, result, position, group, mark)

    monkeypatch.setattr(plans, "plan_band_moves", counting)
    out = tmp_path / "结果.xlsx"
    html = tmp_path / "报告.html"
    result = CliRunner().invoke(
        main, ["screen", str(SAMPLE), "--as-of", "2026-11-26", "-o", str(out), "--html", str(html), "-q"]
    )
    assert result.exit_code in (0, 1), result.output
    assert out.stat().st_size > 0
    assert html.stat().st_size > 0
    assert sum(solved.values()) > 10  # the sample has firms short of a points table's mark
    assert [key for key, times in solved.items() if times > 1] == []
