"""Optional extras: the core runs without durable-rules; what needs it says how to install it.

durable-rules is the extra ``eligibility[durable]``: the durable backend and the monitor use it, the
screening does not. Its absence is simulated by a failing import (``sys.modules["durable"] = None``).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from eligibility import RuleSet, assess_one, evaluate
from eligibility.apps.cli import main
from eligibility.apps.watch import Monitor
from eligibility.errors import EligibilityError, MissingExtraError
from eligibility.labels import Lang, text
from tests.conftest import AS_OF_2022, base_firm

ROOT = Path(__file__).resolve().parents[1]
WATCH_POOL = ROOT / "tests" / "data" / "watch" / "pool.csv"
INSTALL = "pip install 'eligibility[durable]'"


@pytest.fixture
def no_durable(monkeypatch: pytest.MonkeyPatch) -> None:
    """durable-rules as if not installed: importing it fails, and the backend module loads afresh."""
    monkeypatch.setitem(sys.modules, "durable", None)
    monkeypatch.setitem(sys.modules, "durable.engine", None)
    monkeypatch.delitem(sys.modules, "eligibility.backends.durable", raising=False)


def test_screening_never_imports_durable(tmp_path: Path) -> None:
    """The command line screens the sample (workbook and report, as make run does) without it."""
    script = "\n".join(
        [
            "import sys",
            "sys.modules['durable'] = None",
            "from eligibility.apps.cli import main",
            "main(sys.argv[1:])",
        ]
    )
    args = ["screen", "samples/pool.xlsx", "--as-of", "2026-11-26", "--quiet"]
    outputs = ["-o", str(tmp_path / "out.xlsx"), "--html", str(tmp_path / "report.html")]
    done = subprocess.run(
        [sys.executable, "-c", script, *args, *outputs], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode == 1, done.stderr  # 1: the sample's dirty cells, on purpose
    assert (tmp_path / "out.xlsx").stat().st_size > 0
    assert (tmp_path / "report.html").stat().st_size > 0


@pytest.mark.usefixtures("no_durable")
def test_the_numpy_core_runs_without_durable(rules: RuleSet) -> None:
    assessment = evaluate(pd.DataFrame([base_firm()]), rules, as_of=AS_OF_2022)
    assert assessment.status("srdi_sme").tolist() == ["eligible"]


@pytest.mark.usefixtures("no_durable")
def test_the_durable_backend_says_which_extra(rules: RuleSet) -> None:
    with pytest.raises(MissingExtraError) as caught:
        evaluate(pd.DataFrame([base_firm()]), rules, as_of=AS_OF_2022, backend="durable")
    assert (caught.value.package, caught.value.extra) == ("durable-rules", "durable")
    assert isinstance(caught.value, ImportError)
    assert isinstance(caught.value, EligibilityError)
    assert INSTALL in str(caught.value)
    with pytest.raises(MissingExtraError):
        assess_one(base_firm(), rules, as_of=AS_OF_2022, backend="durable")


@pytest.mark.usefixtures("no_durable")
def test_the_monitor_needs_durable_from_its_start(rules: RuleSet) -> None:
    with pytest.raises(MissingExtraError):
        Monitor(rules, AS_OF_2022)


@pytest.mark.usefixtures("no_durable")
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_watch_without_durable_is_one_line_and_exit_2(lang: Lang) -> None:
    update = '{"credit_code": "91140500000000001P", "rd_expense_y1": 116}\n'
    args = ["watch", "--pool", str(WATCH_POOL), "--as-of", "2026-11-26", "--lang", lang]
    result = CliRunner().invoke(main, args, input=update)
    assert result.exit_code == 2
    assert result.stderr == text("durable_missing", lang) + "\n"
    assert INSTALL in result.stderr
    assert result.stdout == ""
