"""The bundled sample pool split into quarters (``samples/pool_2026q2.xlsx``, q3, q4) as one pool
database, built once per test process: the README's walk-through, for the tests that read it."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

from eligibility.language.ruleset import RuleSet
from eligibility.pool import Pool

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
QUARTERS = (
    ("pool_2026q2.xlsx", "2026-06-30", "2026年二季度"),
    ("pool_2026q3.xlsx", "2026-09-30", "2026年三季度"),
    ("pool_2026q4.xlsx", "2026-12-31", "2026年四季度"),
)
TARGETS = {"tech_innovative_sme": 5, "srdi_sme": 2}
_BUILT: dict[str, Path] = {}


def sample_pool(rules: RuleSet) -> Path:
    """A SQLite pool of the three quarters (name 泽州县, the 2026 targets of the README); read it,
    never write to it (it is shared by every test of the process)."""
    if "db" not in _BUILT:
        folder = Path(tempfile.mkdtemp(prefix="eligibility-pool-samples-"))
        atexit.register(shutil.rmtree, folder, True)
        path = folder / "培育库.sqlite"
        with Pool(path, rules, name="泽州县") as pool:
            for sheet, as_of, label in QUARTERS:
                pool.add(SAMPLES / sheet, as_of=as_of, label=label)
            pool.set_targets(2026, TARGETS)
        _BUILT["db"] = path
    return _BUILT["db"]
