"""The public surface: a small, sorted, complete ``__all__``; the library takes plain DataFrames."""

from __future__ import annotations

import importlib
import importlib.resources
import pkgutil

import pandas as pd

import eligibility
from tests.conftest import base_firm


def isort_key(name: str) -> tuple[int, str]:
    """The order ruff's RUF022 keeps: CONSTANTS, then Classes, then functions."""
    if name.isupper():
        return (0, name)
    return (1, name) if name[:1].isupper() else (2, name)


def test_all_is_sorted_and_complete() -> None:
    assert list(eligibility.__all__) == sorted(eligibility.__all__, key=isort_key)
    for name in eligibility.__all__:
        assert hasattr(eligibility, name), name


def test_every_module_declares_a_sorted_all() -> None:
    for module_info in pkgutil.walk_packages(eligibility.__path__, "eligibility."):
        if module_info.name.endswith("__main__") or module_info.ispkg:
            continue
        module = importlib.import_module(module_info.name)
        exported = getattr(module, "__all__", None)
        assert exported is not None, module_info.name
        assert list(exported) == sorted(exported, key=isort_key), module_info.name
        for name in exported:
            assert hasattr(module, name), (module_info.name, name)


def test_the_package_is_marked_typed() -> None:
    """PEP 561: library users' type checkers read the annotations (the wheel ships the folder whole)."""
    assert (importlib.resources.files("eligibility") / "py.typed").is_file()


def test_library_flow_with_a_plain_frame() -> None:
    rules = eligibility.load_rules()
    assessment = eligibility.evaluate(pd.DataFrame([base_firm()]), rules, as_of="2026-03-31")
    assert assessment.wide().loc[0, "srdi_sme.status"] == "eligible"
    trace = assessment.trace(["srdi_sme"])
    assert set(trace["criterion"]) >= {"niche_years", "rd_ratio_min", "score_pass"}
    assert trace.loc[trace["criterion"] == "rd_ratio_min", "status"].tolist() == ["pass"]
    summary = assessment.summary()
    assert summary["tiers"]["srdi_sme"]["eligible"] == 1
