"""Random damage to the 专精特新 rule file only ever yields a RuleSetError listing problems."""

from __future__ import annotations

import io
import os
import shutil
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from eligibility import RuleSetError, load_rules
from eligibility.language.load import bundled_rules_dir

FILES = ("srdi_sme_2022.yaml", "little_giant_2026.yaml")  # 63号 points table; 2号 purposes and dates


def _paths(node: Any, here: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [here] if here else []
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*here, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*here, index))
    return found


def _load(name: str) -> Any:
    return YAML(typ="safe", pure=True).load((bundled_rules_dir() / name).read_text(encoding="utf-8"))


PATHS = {name: _paths(_load(name)) for name in FILES}
SWAPS = {">=": "<", ">": "<=", "<=": ">", "<": ">="}
JUNK = st.one_of(
    st.none(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=6),
    st.lists(st.integers(), max_size=2),
    st.booleans(),
)


def _parent(data: Any, path: tuple[Any, ...]) -> Any:
    for step in path[:-1]:
        data = data[step]
    return data


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, str]:
    name = draw(st.sampled_from(FILES))
    data = _load(name)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(PATHS[name]))
        try:
            parent = _parent(data, path)
            key = path[-1]
            parent[key]  # the path may be gone after an earlier mutation
        except (KeyError, IndexError, TypeError):
            continue
        action = draw(st.sampled_from(["delete", "retype", "swap"]))
        if action == "delete":
            del parent[key]
        elif action == "retype":
            parent[key] = draw(JUNK)
        elif isinstance(parent[key], str) and parent[key] in SWAPS:
            parent[key] = SWAPS[parent[key]]
        else:
            parent[key] = draw(JUNK)
    stream = io.StringIO()
    YAML(typ="safe", pure=True).dump(data, stream)
    text = stream.getvalue()
    if draw(st.booleans()):
        cut = draw(st.integers(0, len(text)))
        text = text[:cut] + draw(st.sampled_from(["", ":", "[", "{ ", "\t", "- -", "'"])) + text[cut:]
    return name, text


@settings(
    max_examples=int(os.environ.get("MUTATIONS", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case=mutated())
def test_mutations_only_raise_rule_set_errors(tmp_path: Path, case: tuple[str, str]) -> None:
    name, text = case
    directory = tmp_path / "rules"
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir()
    for kept in ("fields.yaml", "tiers.yaml", "blocks.yaml", "sme_size.yaml"):
        shutil.copy(bundled_rules_dir() / kept, directory / kept)
    (directory / name).write_text(text, encoding="utf-8")
    assert sorted(p.name for p in directory.glob("*.yaml")) == sorted(
        ["fields.yaml", "tiers.yaml", "blocks.yaml", "sme_size.yaml", name]
    )
    problems = []
    try:
        load_rules(directory)
    except RuleSetError as error:  # the only exception allowed; anything else fails the test
        problems = list(error.problems)
        assert problems
    assert all(p.file and p.code for p in problems)
