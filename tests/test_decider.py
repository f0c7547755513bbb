"""The backend is a parameter: a decider passed to ``evaluate`` takes every threshold decision."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd
import pytest

from eligibility import evaluate, load_rules, read_input
from eligibility.backends.durable import DurableDecider
from eligibility.scoring.logic import UndecidableError, decide, interval_status, member_status

SAMPLE = Path(__file__).resolve().parents[1] / "samples" / "pool.csv"
FloatArray = npt.NDArray[np.float64]
StatusArray = npt.NDArray[np.int8]


class Recording:
    """Decides as the core does, and remembers what it was asked."""

    def __init__(self) -> None:
        self.compares: list[tuple[str, int]] = []
        self.members = 0

    def compare(
        self,
        instance: str,
        low: FloatArray,
        high: FloatArray,
        op: str,
        threshold: float | FloatArray,
        tol: float | FloatArray,
    ) -> StatusArray:
        self.compares.append((instance, int(np.ndim(threshold))))
        return interval_status(low, high, op, threshold, tol)

    def member(self, instance: str, values: FloatArray, allowed: Sequence[float]) -> StatusArray:
        self.members += 1
        return member_status(instance, values, allowed)


def test_a_decider_takes_every_decision_also_per_firm_thresholds() -> None:
    rules = load_rules()
    table = read_input(SAMPLE, rules)
    recording = Recording()
    decided = evaluate(table, rules, as_of="2026-11-26", decider=recording).wide()
    core = evaluate(table, rules, as_of="2026-11-26").wide()
    pd.testing.assert_frame_equal(decided, core)
    assert recording.members > 0
    assert len(recording.compares) > 100


def test_a_threshold_per_firm_reaches_the_decider() -> None:
    # The core used to decide these itself, silently, when a decider was installed.
    recording = Recording()
    values = np.array([1.0, 5.0])
    got = decide("x", values, values, ">=", np.array([2.0, 2.0]), 0.0, recording)
    assert got.tolist() == interval_status(values, values, ">=", np.array([2.0, 2.0]), 0.0).tolist()
    assert recording.compares == [("x", 1)]


def test_durable_decides_per_firm_thresholds_or_says_it_cannot() -> None:
    decider = DurableDecider()
    values = np.array([5.0, 50.0, 500.0, np.nan])
    thresholds = np.array([10.0, 10.0, 1000.0, 10.0])
    with decider.sessions(["a", "b", "c", "d"]):
        got = decider.compare("t", values, values, ">=", thresholds, 0.0)
        assert got.tolist() == interval_status(values, values, ">=", thresholds, 0.0).tolist()
        # no bound for a firm: nothing to decide, unknown as in the core
        none = decider.compare("u", values, values, ">=", np.array([np.nan, 1.0, 1.0, 1.0]), 0.0)
        assert (
            none.tolist()
            == interval_status(values, values, ">=", np.array([np.nan, 1.0, 1.0, 1.0]), 0.0).tolist()
        )
        with pytest.raises(UndecidableError):
            decider.compare("v", values, values, ">=", np.array([np.inf, 1.0, 1.0, 1.0]), 0.0)
    with decider.sessions(["a"]), pytest.raises(UndecidableError):
        decider.compare("w", values, values, ">=", 1.0, 0.0)  # four firms, one session
